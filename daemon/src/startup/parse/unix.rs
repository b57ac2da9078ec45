//! The `unix { }` section.

use super::*;

/// Largest `cli-history-limit`: each line is bounded, and so are the bytes
/// a history keeps (`console::history::HISTORY_BYTES`).
const MAX_HISTORY_LIMIT: usize = 100_000;
/// Largest CLI timeout, in seconds (a day).
const MAX_CLI_TIMEOUT: u64 = 86_400;

impl Builder {
    pub(super) fn unix(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        while let Some(kw) = w.next() {
            let unix = &mut self.conf.unix;
            match keyword(src, kw, "unix")? {
                "cli-listen" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let s = v.text.as_str();
                    if s.is_empty() {
                        return Err(src.err(v.line, "cli-listen: empty socket path"));
                    }
                    if !s.contains('/') && s.contains(':') {
                        return Err(src.err(
                            v.line,
                            format!(
                                "cli-listen {s}: TCP CLI sockets are not supported; give a Unix socket path"
                            ),
                        ));
                    }
                    unix.cli_listen = PathBuf::from(s);
                }
                "exec" | "startup-config" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    unix.exec.push(PathBuf::from(&v.text));
                }
                "nodaemon" => unix.nodaemon = true,
                "interactive" => unix.interactive = true,
                "cli-prompt" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    if v.text.is_empty() {
                        return Err(src.err(v.line, "cli-prompt: empty prompt"));
                    }
                    unix.cli_prompt = if v.text.ends_with(' ') {
                        v.text.clone()
                    } else {
                        format!("{} ", v.text)
                    };
                }
                "log" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    unix.log = Some(PathBuf::from(&v.text));
                }
                "gid" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    unix.gid = Some(parse_gid(&v.text).map_err(|m| src.err(v.line, m))?);
                }
                "nobanner" | "cli-no-banner" => unix.no_banner = true,
                "cli-history-limit" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let n = parse_decimal(&v.text).ok_or_else(|| expected_number(src, kw, v))?;
                    unix.cli_history_limit = usize::try_from(n)
                        .ok()
                        .filter(|&n| n <= MAX_HISTORY_LIMIT)
                        .ok_or_else(|| {
                            src.err(
                                v.line,
                                format!("cli-history-limit {n}: at most {MAX_HISTORY_LIMIT} lines"),
                            )
                        })?;
                }
                "cli-idle-timeout" | "cli-first-input-timeout" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let secs = parse_decimal(&v.text)
                        .filter(|&s| s <= MAX_CLI_TIMEOUT)
                        .ok_or_else(|| {
                            src.err(
                                v.line,
                                format!(
                                    "'{}' expects a number of seconds (0 to {MAX_CLI_TIMEOUT}; \
                                     0 turns it off), got '{}'",
                                    kw.text, v.text
                                ),
                            )
                        })?;
                    let t = (secs > 0).then(|| Duration::from_secs(secs));
                    if kw.text == "cli-idle-timeout" {
                        unix.cli_idle_timeout = t;
                    } else {
                        unix.cli_first_input_timeout = t;
                    }
                }
                // Ask for the absence of things weft's CLI never does.
                "cli-no-pager" | "nocolor" => {}
                "cli-line-mode" => {
                    return Err(src.err(
                        kw.line,
                        "cli-line-mode is not supported: weft's CLI socket always negotiates \
                         telnet (use weftctl or vppctl)",
                    ));
                }
                "nosyslog" => unix.no_syslog = true,
                "full-coredump" => {
                    self.conf.warnings.push(src.warning(
                        kw.line,
                        "ignoring 'full-coredump': weft leaves the core dump filter alone",
                    ));
                }
                "coredump-size" | "runtime-dir" | "pidfile" | "poll-sleep-usec" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let why = match kw.text.as_str() {
                        "coredump-size" => "weft leaves the core size limit alone",
                        "runtime-dir" => "weft puts nothing there (cli-listen is explicit)",
                        "pidfile" => "weftd writes no pid file",
                        _ => "weft has no main-loop sleep setting",
                    };
                    if kw.text == "poll-sleep-usec" && parse_decimal(&v.text).is_none() {
                        return Err(expected_number(src, kw, v));
                    }
                    self.conf.warnings.push(
                        src.warning(kw.line, format!("ignoring '{} {}': {why}", kw.text, v.text)),
                    );
                }
                _ => return Err(unknown_keyword(src, kw, "unix")),
            }
        }
        Ok(())
    }
}
