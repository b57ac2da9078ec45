//! weftctl's command line and modes.
//!
//! | invocation | mode |
//! |---|---|
//! | `weftctl show interface` | one-shot: run, print, exit 0 or 1 |
//! | `weftctl exec <file>` (`-` = stdin) | run each non-empty, non-`#` line; stop at the first failure with `<file>:<line>: <error>` |
//! | `weftctl` with a terminal on stdin | interactive console ([`crate::console`]) |
//! | `weftctl < script` | as `exec -` |
//!
//! Exit status: [`EXIT_OK`], [`EXIT_FAILED`] (a command failed),
//! [`EXIT_TROUBLE`] (usage, connection or protocol trouble).

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::client::{Client, DEFAULT_SOCKET, Reply};
use crate::interactive;

/// Every command succeeded.
pub const EXIT_OK: u8 = 0;
/// A command failed (the daemon reported an error).
pub const EXIT_FAILED: u8 = 1;
/// Bad usage, no daemon, or the connection broke.
pub const EXIT_TROUBLE: u8 = 2;

/// weftctl's command line.
#[derive(Debug, Parser)]
#[command(
    name = "weftctl",
    version,
    about = "weft's console client: run debug CLI commands on a running weftd",
    long_about = "weft's console client: run debug CLI commands on a running weftd.\n\n\
        With command words, weftctl runs that one command (VPP's syntax, e.g. `weftctl show \
        interface`), prints its output and exits. `weftctl exec <file>` runs a file of commands. \
        Without command words it opens an interactive console (`weft# ` prompt, history, TAB \
        completion, `?` lists what can come next) when stdin is a terminal, and otherwise runs \
        the commands read from stdin, one per line.\n\n\
        Options come before the command: the first word that is not an option starts the \
        command, and every word after it belongs to the command, dashes included \
        (`weftctl show int -v`). A word starting with `-` before the command that is not one \
        of the options below is a usage error (exit status 2); to send a command starting with \
        `-`, put `--` before it.\n\n\
        weftd's socket also accepts the stock vppctl client: `vppctl -s /run/weft/cli.sock show \
        interface`.",
    after_help = "Exit status: 0 success, 1 a command failed, 2 usage or connection trouble.\n\
        See `weftctl --help` for examples, files and more.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Args {
    /// Path of weftd's CLI socket (weftd's `unix { cli-listen }`).
    #[arg(short = 's', long = "socket", value_name = "SOCKET", default_value = DEFAULT_SOCKET)]
    pub socket: PathBuf,

    /// Ask the daemon for JSON output: each command travels as a `\x02json`
    /// request and the daemon answers with its JSON form (commands without
    /// one answer with their usual text) [default: off]
    #[arg(long)]
    pub json: bool,

    /// The command to run, e.g. `show interface`, or `exec <file>` to run
    /// a file of commands (one per line; blank lines and lines starting with
    /// `#` are skipped; `-` reads stdin), stopping at the first failure.
    /// Everything after the first word belongs to the command. Without a
    /// command: the interactive console, or the commands on stdin.
    #[arg(value_name = "COMMAND", trailing_var_arg = true)]
    pub command: Vec<String>,
}

/// The sections of `weftctl --help` after the options.
const AFTER_LONG_HELP: &str = "\
Examples:
  weftctl                                  the interactive console (`weft# ` prompt)
  weftctl show interface                   one command, its output on stdout
  weftctl -s /tmp/weft.sock show errors    another daemon's socket
  weftctl --json show interface            the same data as JSON, for scripts
  weftctl exec /etc/weft/setup.cli         a file of commands, stopping at the first failure
  echo 'show version' | weftctl            commands on stdin
  weftctl -- -odd-command                  a command that starts with a dash

Files:
  /run/weft/cli.sock     weftd's CLI socket (startup.conf `unix { cli-listen }`), mode 0660,
                         group `unix { gid }` (`weft` in the package's startup.conf): members of
                         that group may use weftctl without root
  /etc/weft/startup.conf weftd's configuration, where the socket and its group are set
  ~/.weft_history        the interactive console's history (1000 lines)

Exit status:
  0  every command succeeded
  1  a command failed: the daemon's error is printed on stderr (with `<file>:<line>:` for
     exec files and stdin)
  2  usage error (an unknown option, a bad value), no daemon at the socket, or the
     connection broke

See also:
  weftd(8), weft-pktgen(1), vppctl(1); /usr/share/doc/weft/cli.md: every command";

/// weftctl's `main`.
#[must_use]
pub fn main() -> ExitCode {
    let args = parse_args(std::env::args_os());
    ExitCode::from(run(&args))
}

/// Parses weftctl's command line (`args` includes the program name), with
/// the build information of [`buildinfo::get`] as `--version`. Like clap's
/// `parse_from`, prints the help, version or usage error and exits (status
/// 2 for bad usage) for `--help`, `--version` and bad usage.
pub fn parse_args<I, T>(args: I) -> Args
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    try_parse_args(args).unwrap_or_else(|e| e.exit())
}

/// [`parse_args`] without exiting: the clap error for bad usage, `--help`
/// and `--version`.
///
/// # Errors
/// Bad usage, or `--help`/`--version` (clap reports those as errors too).
pub fn try_parse_args<I, T>(args: I) -> Result<Args, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = buildinfo::get()
        .clap_command(Args::command())
        .try_get_matches_from(args)?;
    Args::from_arg_matches(&matches)
}

/// Runs weftctl with parsed arguments; returns the exit status.
#[must_use]
pub fn run(args: &Args) -> u8 {
    let mut client = match Client::connect(&args.socket) {
        Ok(client) => client,
        Err(e) => {
            let hint = if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) {
                " (is weftd running?)"
            } else {
                ""
            };
            eprintln!(
                "weftctl: cannot connect to {}: {e}{hint}",
                args.socket.display()
            );
            return EXIT_TROUBLE;
        }
    };
    let status = match args.command.as_slice() {
        [exec, file] if exec == "exec" => exec_file(&mut client, file, args.json),
        [] if io::stdin().is_terminal() => {
            return match interactive::run(client, interactive::PROMPT, args.json) {
                Ok(interactive::Ending::Quit) => EXIT_OK,
                Ok(interactive::Ending::Disconnected) => EXIT_TROUBLE,
                Err(e) => {
                    eprintln!("weftctl: console: {e}");
                    EXIT_TROUBLE
                }
            };
        }
        [] => run_script(&mut client, "<stdin>", io::stdin().lock(), args.json),
        words => one_shot(&mut client, &words.join(" "), args.json),
    };
    let _ = client.quit();
    status
}

fn execute(client: &mut Client, line: &str, json: bool) -> io::Result<Reply> {
    if json {
        client.execute_json(line)
    } else {
        client.execute(line)
    }
}

fn one_shot(client: &mut Client, line: &str, json: bool) -> u8 {
    match execute(client, line, json) {
        Ok(reply) if reply.failed => {
            eprint!("{}", with_newline(&reply.text));
            EXIT_FAILED
        }
        Ok(reply) => {
            print_out(&reply.text);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("weftctl: {e}");
            EXIT_TROUBLE
        }
    }
}

fn exec_file(client: &mut Client, file: &str, json: bool) -> u8 {
    if file == "-" {
        return run_script(client, "<stdin>", io::stdin().lock(), json);
    }
    match File::open(file) {
        Ok(f) => run_script(client, file, BufReader::new(f), json),
        Err(e) => {
            eprintln!("weftctl: {file}: {e}");
            EXIT_TROUBLE
        }
    }
}

/// Runs each non-empty, non-comment line of `input`; stops at the first
/// failure, printing `<name>:<line>: <error>`.
fn run_script(client: &mut Client, name: &str, input: impl BufRead, json: bool) -> u8 {
    for (i, line) in input.lines().enumerate() {
        let number = i + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("weftctl: {name}:{number}: {e}");
                return EXIT_TROUBLE;
            }
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match execute(client, line, json) {
            Ok(reply) if reply.failed && json => {
                eprintln!("{}", script_json_error(&reply.text, name, number));
                return EXIT_FAILED;
            }
            Ok(reply) if reply.failed => {
                eprintln!("{name}:{number}: {}", reply.text.trim_end());
                return EXIT_FAILED;
            }
            Ok(reply) => print_out(&reply.text),
            Err(e) => {
                eprintln!("weftctl: {name}:{number}: {e}");
                return EXIT_TROUBLE;
            }
        }
    }
    EXIT_OK
}

/// A script's failure under `--json`: the daemon's `{"error": ...}` with
/// where it happened, `{"error": ..., "file": ..., "line": ...}`, on one line
/// (docs/json.md).
fn script_json_error(reply: &str, name: &str, number: usize) -> String {
    let error = match serde_json::from_str::<serde_json::Value>(reply) {
        Ok(serde_json::Value::Object(mut o)) if o.contains_key("error") => {
            o.remove("error").unwrap_or_default()
        }
        _ => serde_json::Value::String(reply.trim_end().to_string()),
    };
    serde_json::json!({ "error": error, "file": name, "line": number }).to_string()
}

fn print_out(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        try_parse_args(std::iter::once("weftctl").chain(args.iter().copied()))
    }

    #[test]
    fn args_parse() {
        Args::command().debug_assert();
        let a = parse(&["-s", "/x", "--json", "show", "int", "-v"]).unwrap();
        assert_eq!(a.socket, PathBuf::from("/x"));
        assert!(a.json);
        assert_eq!(a.command, ["show", "int", "-v"]);
        let a = parse(&[]).unwrap();
        assert_eq!(a.socket, PathBuf::from(DEFAULT_SOCKET));
        assert!(a.command.is_empty());
        let a = parse(&["echo", "-x", "--json", "-s", "y"]).unwrap();
        assert_eq!(a.command, ["echo", "-x", "--json", "-s", "y"]);
        assert!(!a.json);
        assert_eq!(a.socket, PathBuf::from(DEFAULT_SOCKET));
        let a = parse(&["--socket=/y", "exec", "-"]).unwrap();
        assert_eq!(a.socket, PathBuf::from("/y"));
        assert_eq!(a.command, ["exec", "-"]);
        let a = parse(&["--", "--bogus", "x"]).unwrap();
        assert_eq!(a.command, ["--bogus", "x"]);
    }

    #[test]
    fn unknown_options_before_the_command_are_usage_errors() {
        for args in [
            &["-s", "sock", "--bogus"][..],
            &["--bogus", "show", "version"],
            &["-s", "sock", "-x"],
            &["--json", "--bogus"],
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnknownArgument, "{args:?}");
            assert_eq!(e.exit_code(), i32::from(EXIT_TROUBLE), "{args:?}");
        }
        assert_eq!(
            parse(&["-s"]).unwrap_err().exit_code(),
            i32::from(EXIT_TROUBLE)
        );
    }

    #[test]
    fn version_is_the_build_information() {
        let e = parse(&["--version"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DisplayVersion);
        let text = e.to_string();
        assert!(text.starts_with("weftctl "), "{text}");
        for (label, value) in buildinfo::get().rows() {
            assert!(
                text.contains(&buildinfo::format_row(label, &value)),
                "{label} missing from:\n{text}"
            );
        }
        let short = parse(&["-V"]).unwrap_err().to_string();
        assert_eq!(
            short.trim_end(),
            format!("weftctl {}", buildinfo::get().clap_version())
        );
    }
}
