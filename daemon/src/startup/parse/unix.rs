//! The `unix { }` section.

use super::*;

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
                // Ask for the absence of things weft's CLI never does.
                "cli-no-pager" | "nocolor" => {}
                "cli-line-mode" => {
                    return Err(src.err(
                        kw.line,
                        "cli-line-mode is not supported: weft's CLI socket always negotiates \
                         telnet (use weftctl or vppctl)",
                    ));
                }
                "full-coredump" | "nosyslog" => {
                    let why = if kw.text == "nosyslog" {
                        "weftd does not log to syslog"
                    } else {
                        "weft leaves the core dump filter alone"
                    };
                    self.conf
                        .warnings
                        .push(src.warning(kw.line, format!("ignoring '{}': {why}", kw.text)));
                }
                "coredump-size" | "runtime-dir" | "pidfile" | "poll-sleep-usec"
                | "cli-history-limit" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let why = match kw.text.as_str() {
                        "coredump-size" => "weft leaves the core size limit alone",
                        "runtime-dir" => "weft puts nothing there (cli-listen is explicit)",
                        "pidfile" => "weftd writes no pid file",
                        "poll-sleep-usec" => "weft has no main-loop sleep setting",
                        _ => "weft's CLI history keeps 100 lines",
                    };
                    if matches!(kw.text.as_str(), "poll-sleep-usec" | "cli-history-limit")
                        && parse_decimal(&v.text).is_none()
                    {
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
