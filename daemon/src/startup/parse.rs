//! Applying configuration sources in order: sections, keywords, values,
//! and the cross-keyword checks. One file per section under `parse/`.

use super::lexer::{Token, matching_brace, tokenize};
use super::*;

mod buffers;
mod cpu;
mod metrics;
mod unix;

/// One configuration source (a file, or the command line).
struct Src<'a> {
    name: &'a str,
    /// Whether line numbers mean anything (not for the command line).
    lines: bool,
    /// Which source this is, in order of application.
    index: usize,
}

impl Src<'_> {
    fn line(&self, line: usize) -> Option<usize> {
        self.lines.then_some(line)
    }

    fn err(&self, line: usize, message: impl Into<String>) -> StartupError {
        StartupError::Config {
            file: self.name.to_string(),
            line: self.line(line),
            message: message.into(),
        }
    }

    fn warning(&self, line: usize, message: impl Into<String>) -> Warning {
        Warning {
            file: self.name.to_string(),
            line: self.line(line),
            message: message.into(),
        }
    }
}

/// Where a keyword was read: for cross-keyword checks.
#[derive(Clone, Debug)]
struct Seen {
    file: String,
    line: Option<usize>,
    source: usize,
}

/// Accumulates sources in order, then validates ([`Builder::finish`]).
#[derive(Debug, Default)]
pub(super) struct Builder {
    conf: Startup,
    sources: usize,
    workers: Option<Seen>,
    corelist: Option<Seen>,
    skip_cores: Option<Seen>,
    relative: Option<Seen>,
}

/// A cursor over a section's words.
struct Words<'t> {
    toks: &'t [Token],
    pos: usize,
}

impl<'t> Words<'t> {
    fn next(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.pos)?;
        self.pos += 1;
        Some(t)
    }

    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }
}

impl Builder {
    /// Applies one source's text on top of what is there.
    pub(super) fn apply(
        &mut self,
        text: &str,
        name: &str,
        lines: bool,
    ) -> Result<(), StartupError> {
        let src = Src {
            name,
            lines,
            index: self.sources,
        };
        self.sources += 1;
        let tokens = tokenize(text).map_err(|(line, m)| src.err(line, m))?;
        let mut i = 0;
        while i < tokens.len() {
            let name_tok = &tokens[i];
            if name_tok.brace {
                return Err(src.err(name_tok.line, format!("unexpected '{}'", name_tok.text)));
            }
            let body = match tokens.get(i + 1) {
                Some(t) if t.is_open() => {
                    let end = matching_brace(&tokens, i + 1).ok_or_else(|| {
                        src.err(
                            name_tok.line,
                            format!("section '{}' is not closed: missing '}}'", name_tok.text),
                        )
                    })?;
                    let body = &tokens[i + 2..end];
                    i = end + 1;
                    body
                }
                // VPP's `name word` form: a one-word section without braces.
                Some(t) if !t.brace => {
                    i += 2;
                    &tokens[i - 1..i]
                }
                _ => {
                    return Err(src.err(
                        name_tok.line,
                        format!(
                            "section '{}' needs a body: {} {{ ... }}",
                            name_tok.text, name_tok.text
                        ),
                    ));
                }
            };
            self.section(&src, name_tok, body)?;
        }
        Ok(())
    }

    fn section(&mut self, src: &Src, name: &Token, body: &[Token]) -> Result<(), StartupError> {
        match name.text.as_str() {
            "unix" => self.unix(src, body),
            "cpu" => self.cpu(src, body),
            "buffers" => self.buffers(src, body),
            "metrics" => self.metrics(src, body),
            "dpdk" => self.dpdk(src, name, body),
            other => match IGNORED_SECTIONS.iter().find(|(s, _)| *s == other) {
                Some((_, why)) => {
                    self.conf
                        .warnings
                        .push(src.warning(name.line, format!("ignoring section '{other}': {why}")));
                    Ok(())
                }
                None => Err(src.err(
                    name.line,
                    format!(
                        "unknown section '{other}' (weft reads unix, cpu, buffers and metrics; see docs/startup.md)"
                    ),
                )),
            },
        }
    }

    /// `dpdk { }`: weft has no DPDK. Devices cannot be honoured (error);
    /// anything else (`no-pci`, `socket-mem`, `dev default { }`...) only
    /// tunes DPDK and is ignored with a warning.
    fn dpdk(&mut self, src: &Src, name: &Token, body: &[Token]) -> Result<(), StartupError> {
        let mut depth = 0usize;
        for (k, t) in body.iter().enumerate() {
            match (t.brace, t.text.as_str()) {
                (true, "{") => depth += 1,
                (true, _) => depth = depth.saturating_sub(1),
                (false, "dev" | "vdev") if depth == 0 => {
                    let arg = body
                        .get(k + 1)
                        .filter(|a| !a.brace)
                        .map(|a| a.text.as_str());
                    if t.text == "dev" && arg == Some("default") {
                        continue;
                    }
                    return Err(src.err(
                        t.line,
                        format!(
                            "'{} {}' in section 'dpdk': weft has no DPDK driver; attach the \
                             interface with 'create interface af_xdp host-if <ifname>' in an exec file",
                            t.text,
                            arg.unwrap_or("")
                        ),
                    ));
                }
                _ => {}
            }
        }
        self.conf.warnings.push(src.warning(
            name.line,
            "ignoring section 'dpdk': weft has no DPDK driver (interfaces are created with \
             'create interface af_xdp')",
        ));
        Ok(())
    }
}

impl Builder {
    /// Applies weftd's command-line flags on top of the sources.
    pub(super) fn flags(&mut self, args: &Args) {
        let unix = &mut self.conf.unix;
        if let Some(path) = &args.cli_listen {
            unix.cli_listen = path.clone();
        }
        unix.exec.extend(args.exec.iter().cloned());
        if let Some(n) = args.workers {
            self.conf.cpu.workers = Some(n as usize);
            self.conf.cpu.corelist_workers = None;
            self.corelist = None;
            self.workers = None;
        }
    }

    /// Cross-keyword checks on the merged configuration (VPP's rules).
    pub(super) fn finish(self) -> Result<Startup, StartupError> {
        let cpu = &self.conf.cpu;
        if cpu.main_core.is_none() {
            let needs_main = [
                (
                    cpu.corelist_workers.is_some(),
                    "corelist-workers",
                    &self.corelist,
                ),
                (cpu.skip_cores != 0, "skip-cores", &self.skip_cores),
                (cpu.relative, "relative", &self.relative),
            ];
            for (set, what, seen) in needs_main {
                if set {
                    let (file, line) = seen
                        .as_ref()
                        .map(|s| (s.file.clone(), s.line))
                        .unwrap_or_else(|| ("startup config".to_string(), None));
                    return Err(StartupError::Config {
                        file,
                        line,
                        message: format!("'{what}' requires 'main-core' in section 'cpu'"),
                    });
                }
            }
        }
        Ok(self.conf)
    }
}

fn seen(src: &Src, kw: &Token) -> Seen {
    Seen {
        file: src.name.to_string(),
        line: src.line(kw.line),
        source: src.index,
    }
}

/// A keyword word (a brace where a keyword belongs is an error).
fn keyword<'t>(src: &Src, kw: &'t Token, section: &str) -> Result<&'t str, StartupError> {
    if kw.brace {
        return Err(src.err(
            kw.line,
            format!("unexpected '{}' in section '{section}'", kw.text),
        ));
    }
    Ok(&kw.text)
}

/// The value word following `kw`.
fn value<'t>(
    src: &Src,
    w: &mut Words<'t>,
    kw: &Token,
    section: &str,
) -> Result<&'t Token, StartupError> {
    match w.peek() {
        Some(t) if !t.brace => {
            w.pos += 1;
            Ok(t)
        }
        _ => Err(src.err(
            kw.line,
            format!("'{}' in section '{section}' needs a value", kw.text),
        )),
    }
}

fn expected_number(src: &Src, kw: &Token, v: &Token) -> StartupError {
    src.err(
        v.line,
        format!("'{}' expects a number, got '{}'", kw.text, v.text),
    )
}

fn core_number(src: &Src, kw: &Token, v: &Token) -> Result<usize, StartupError> {
    match parse_decimal(&v.text) {
        Some(n) if (n as usize) < MAX_CORES => Ok(n as usize),
        Some(n) => Err(src.err(
            v.line,
            format!(
                "{} {n}: beyond the highest core number {}",
                kw.text,
                MAX_CORES - 1
            ),
        )),
        None => Err(expected_number(src, kw, v)),
    }
}

fn unknown_keyword(src: &Src, kw: &Token, section: &str) -> StartupError {
    let hint = match (section, kw.text.as_str()) {
        ("buffers", "data-size" | "default-data-size") => {
            " (VPP's syntax is 'default data-size <n>')"
        }
        ("unix" | "buffers", "workers" | "main-core" | "corelist-workers") => {
            " (it belongs in section 'cpu')"
        }
        _ => "",
    };
    src.err(
        kw.line,
        format!("unknown keyword '{}' in section '{section}'{hint}", kw.text),
    )
}

/// Decimal digits only (VPP's `%u`), up to `u64`.
pub(super) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A size with an optional `k`/`m`/`g` suffix (VPP's `unformat_memory_size`).
pub(super) fn parse_memory_size(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 10),
        b'm' | b'M' => (&s[..s.len() - 1], 20),
        b'g' | b'G' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    parse_decimal(digits)?.checked_mul(1 << shift)
}

/// A group id: a number, or a group name looked up in the group database.
pub(super) fn parse_gid(s: &str) -> Result<u32, String> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| format!("gid {s} is out of range"));
    }
    match nix::unistd::Group::from_name(s) {
        Ok(Some(group)) => Ok(group.gid.as_raw()),
        Ok(None) => Err(format!("unknown group '{s}'")),
        Err(e) => Err(format!("cannot look up group '{s}': {}", e.desc())),
    }
}
