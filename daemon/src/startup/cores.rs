//! Which cores the main thread and the workers run on: VPP's `cpu { }`
//! rules, and its core list and mask syntaxes.

use super::parse::parse_decimal;
use super::*;

impl Startup {
    /// The worker threads' cores (see [`Startup::placement`]).
    pub fn worker_cores(&self, available: &[usize]) -> Result<Vec<Option<usize>>, StartupError> {
        Ok(self.placement(available)?.workers)
    }

    /// Places the main thread and the workers on `available`, the cores
    /// weftd may run on ([`available_cores`]; empty = unknown).
    ///
    /// * main thread: `main-core`, else the first available core after
    ///   `skip-cores`;
    /// * `corelist-workers`: one worker on each listed core;
    /// * `workers n`: the n free cores following the main core (wrapping
    ///   round to the lower ones), skipping `skip-cores`;
    /// * neither: one worker on the first such core, or unpinned when the
    ///   machine has a single core.
    ///
    /// A core that is not available, a worker on the main core, or more
    /// `workers` than free cores is an error (as in VPP), never a silent
    /// clamp. With `relative`, core numbers are indices into `available`.
    /// When `available` is empty, explicit cores are trusted and workers
    /// without one are left unpinned.
    pub fn placement(&self, available: &[usize]) -> Result<Placement, StartupError> {
        let cpu = &self.cpu;
        let mut avail = available.to_vec();
        avail.sort_unstable();
        avail.dedup();
        let fail = |m: String| Err(StartupError::Placement(m));
        if avail.is_empty() {
            if cpu.relative {
                return fail("'relative' needs the list of cores weftd may use".into());
            }
            let workers = match (&cpu.corelist_workers, cpu.workers) {
                (Some(list), _) => list.iter().map(|&c| Some(c)).collect(),
                (None, Some(n)) => vec![None; n],
                (None, None) => vec![None],
            };
            return Ok(Placement {
                main: cpu.main_core,
                workers,
            });
        }
        let shown = format_core_list(&avail);
        let translate = |n: usize, what: &str| -> Result<usize, StartupError> {
            if !cpu.relative {
                return Ok(n);
            }
            avail.get(n).copied().ok_or_else(|| {
                StartupError::Placement(format!(
                    "relative core {n} ({what}) is out of range: weftd may use {} cores ({shown})",
                    avail.len()
                ))
            })
        };
        if cpu.skip_cores >= avail.len() {
            return fail(format!(
                "skip-cores {} leaves no core: weftd may use {} cores ({shown})",
                cpu.skip_cores,
                avail.len()
            ));
        }
        let (skipped, usable) = avail.split_at(cpu.skip_cores);
        let main = match cpu.main_core {
            Some(m) => translate(m, "main-core")?,
            None => usable[0],
        };
        if skipped.contains(&main) {
            return fail(format!(
                "main-core {main} is skipped by skip-cores {}",
                cpu.skip_cores
            ));
        }
        if !usable.contains(&main) {
            return fail(format!(
                "main-core {main} is not available to weftd (available cores: {shown})"
            ));
        }
        // Free cores after the main core first, then the ones below it.
        let free: Vec<usize> = usable
            .iter()
            .filter(|&&c| c > main)
            .chain(usable.iter().filter(|&&c| c < main))
            .copied()
            .collect();
        let workers = match (&cpu.corelist_workers, cpu.workers) {
            (Some(list), _) => {
                let mut cores = Vec::with_capacity(list.len());
                for &c in list {
                    let c = translate(c, "corelist-workers")?;
                    if c == main {
                        return fail(format!("corelist-workers includes the main core {c}"));
                    }
                    if skipped.contains(&c) {
                        return fail(format!(
                            "core {c} in corelist-workers is skipped by skip-cores {}",
                            cpu.skip_cores
                        ));
                    }
                    if !usable.contains(&c) {
                        return fail(format!(
                            "core {c} in corelist-workers is not available to weftd (available cores: {shown})"
                        ));
                    }
                    cores.push(Some(c));
                }
                cores
            }
            (None, Some(n)) => {
                if n > free.len() {
                    return fail(format!(
                        "'workers {n}' needs {n} free cores besides the main core {main}, but only {} {} ({})",
                        free.len(),
                        if free.len() == 1 { "is" } else { "are" },
                        if free.is_empty() {
                            "none".to_string()
                        } else {
                            format_core_list(&free)
                        }
                    ));
                }
                free[..n].iter().map(|&c| Some(c)).collect()
            }
            (None, None) => vec![free.first().copied()],
        };
        Ok(Placement {
            main: Some(main),
            workers,
        })
    }
}

/// The cores this process may run on (its affinity set), ascending; empty
/// when they cannot be read.
pub fn available_cores() -> Vec<usize> {
    let mut cores: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    cores.sort_unstable();
    cores
}

/// Formats cores in VPP's list syntax: `0-3,6`.
pub fn format_core_list(cores: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cores.len() {
        let mut j = i;
        while j + 1 < cores.len() && cores[j + 1] == cores[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if j == i {
            out.push_str(&cores[i].to_string());
        } else {
            out.push_str(&format!("{}-{}", cores[i], cores[j]));
        }
        i = j + 1;
    }
    out
}

/// Parses VPP's core list syntax (`1,3-5`) into ascending, distinct cores.
pub fn parse_core_list(s: &str) -> Result<Vec<usize>, String> {
    let mut cores = Vec::new();
    for part in s.split(',') {
        let (lo, hi) = match part.split_once('-') {
            Some((lo, hi)) => (lo, hi),
            None => (part, part),
        };
        let (lo, hi) = (parse_core(lo, s)?, parse_core(hi, s)?);
        if lo > hi {
            return Err(format!(
                "invalid core list '{s}': range {lo}-{hi} is backwards"
            ));
        }
        cores.extend(lo..=hi);
    }
    cores.sort_unstable();
    cores.dedup();
    Ok(cores)
}

fn parse_core(word: &str, list: &str) -> Result<usize, String> {
    match parse_decimal(word) {
        Some(c) if (c as usize) < MAX_CORES => Ok(c as usize),
        Some(c) => Err(format!(
            "invalid core list '{list}': core {c} is beyond the highest core number {}",
            MAX_CORES - 1
        )),
        None => Err(format!("invalid core list '{list}' (expected e.g. 1,3-5)")),
    }
}

/// Parses a hex core mask (`0x1e` or `1e`) into ascending cores.
pub(super) fn parse_core_mask(s: &str) -> Result<Vec<usize>, String> {
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("invalid core mask '{s}' (expected hex, e.g. 0x1e)"));
    }
    let mut cores = Vec::new();
    for (i, digit) in hex.bytes().rev().enumerate() {
        let v = (digit as char).to_digit(16).unwrap_or(0);
        for bit in 0..4 {
            if v & (1 << bit) != 0 {
                let core = i * 4 + bit;
                if core >= MAX_CORES {
                    return Err(format!(
                        "invalid core mask '{s}': core {core} is beyond the highest core number {}",
                        MAX_CORES - 1
                    ));
                }
                cores.push(core);
            }
        }
    }
    cores.sort_unstable();
    Ok(cores)
}
