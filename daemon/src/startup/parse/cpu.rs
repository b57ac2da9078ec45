//! The `cpu { }` section.

use super::*;

impl Builder {
    pub(super) fn cpu(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        while let Some(kw) = w.next() {
            match keyword(src, kw, "cpu")? {
                "main-core" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    self.conf.cpu.main_core = Some(core_number(src, kw, v)?);
                }
                "corelist-workers" | "coremask-workers" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    let cores = if kw.text == "corelist-workers" {
                        parse_core_list(&v.text)
                    } else {
                        parse_core_mask(&v.text)
                    }
                    .map_err(|m| src.err(v.line, m))?;
                    if cores.is_empty() {
                        return Err(src.err(v.line, format!("{}: no cores given", kw.text)));
                    }
                    self.check_placement_once(src, kw)?;
                    self.conf.cpu.corelist_workers = Some(cores);
                    self.conf.cpu.workers = None;
                    self.workers = None;
                    self.corelist = Some(seen(src, kw));
                }
                "workers" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    let n = match parse_decimal(&v.text) {
                        Some(n) => n,
                        None => return Err(expected_number(src, kw, v)),
                    };
                    if n == 0 {
                        return Err(src.err(
                            v.line,
                            "workers 0: weft needs at least one worker (its main thread does not forward packets)",
                        ));
                    }
                    if n > MAX_CORES as u64 {
                        return Err(
                            src.err(v.line, format!("workers {n}: at most {MAX_CORES} workers"))
                        );
                    }
                    self.check_placement_once(src, kw)?;
                    self.conf.cpu.workers = Some(n as usize);
                    self.conf.cpu.corelist_workers = None;
                    self.corelist = None;
                    self.workers = Some(seen(src, kw));
                }
                "skip-cores" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    self.conf.cpu.skip_cores = core_number(src, kw, v)?;
                    self.skip_cores = Some(seen(src, kw));
                }
                "relative" => {
                    self.conf.cpu.relative = true;
                    self.relative = Some(seen(src, kw));
                }
                "scheduler-policy" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    if !matches!(v.text.as_str(), "other" | "batch" | "idle" | "fifo" | "rr") {
                        return Err(src.err(
                            v.line,
                            format!(
                                "scheduler-policy {}: expected other, batch, idle, fifo or rr",
                                v.text
                            ),
                        ));
                    }
                    self.ignore_cpu(src, kw, Some(v));
                }
                "scheduler-priority" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    if parse_decimal(&v.text).is_none() {
                        return Err(expected_number(src, kw, v));
                    }
                    self.ignore_cpu(src, kw, Some(v));
                }
                "thread-prefix" | "numa-heap-size" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    self.ignore_cpu(src, kw, Some(v));
                }
                "use-pthreads" => self.ignore_cpu(src, kw, None),
                other => {
                    // VPP's generic `<thread type> <count>` and
                    // `corelist-<type>` / `coremask-<type>` forms.
                    let thread_type = other
                        .strip_prefix("corelist-")
                        .or_else(|| other.strip_prefix("coremask-"))
                        .or_else(|| {
                            w.peek()
                                .filter(|v| parse_decimal(&v.text).is_some())
                                .map(|_| other)
                        });
                    return Err(match thread_type {
                        Some(t) => src.err(
                            kw.line,
                            format!("no such thread type '{t}' (weft has only 'workers')"),
                        ),
                        None => unknown_keyword(src, kw, "cpu"),
                    });
                }
            }
        }
        Ok(())
    }

    /// `workers` and `corelist-workers` may appear once per source
    /// together (VPP: "already configured"); a later source overrides.
    fn check_placement_once(&self, src: &Src, kw: &Token) -> Result<(), StartupError> {
        let earlier = [
            ("workers", &self.workers),
            ("corelist-workers", &self.corelist),
        ];
        for (what, seen) in earlier {
            let Some(seen) = seen else { continue };
            if seen.source != src.index {
                continue;
            }
            let at = seen
                .line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            let message = if what == kw.text {
                format!("'{what}' is given twice{at}")
            } else {
                format!("'{}' and '{what}'{at} cannot be used together", kw.text)
            };
            return Err(src.err(kw.line, message));
        }
        Ok(())
    }

    fn ignore_cpu(&mut self, src: &Src, kw: &Token, v: Option<&Token>) {
        let what = match v {
            Some(v) => format!("{} {}", kw.text, v.text),
            None => kw.text.clone(),
        };
        let why = match kw.text.as_str() {
            "scheduler-policy" | "scheduler-priority" => {
                "weft's threads keep the default scheduling policy"
            }
            "thread-prefix" => "weft's threads are named weft_wk_<n>",
            "numa-heap-size" => "weft sizes its heap itself",
            _ => "weft's workers are always native threads",
        };
        self.conf
            .warnings
            .push(src.warning(kw.line, format!("ignoring '{what}': {why}")));
    }
}
