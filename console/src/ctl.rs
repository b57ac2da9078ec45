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

use clap::Parser;

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
        With command words, runs that one command (VPP syntax, e.g. `weftctl show interface`) and \
        exits. `weftctl exec <file>` runs a file of commands. Without command words it opens an \
        interactive console (`weft# ` prompt, history in ~/.weft_history, TAB completion, `?` \
        lists what can come next) when stdin is a terminal, and otherwise runs the commands read \
        from stdin.\n\n\
        weftd's socket also accepts the stock vppctl client: `vppctl -s /run/weft/cli.sock show \
        interface`.",
    after_help = "Exit status: 0 success, 1 a command failed, 2 usage or connection trouble."
)]
pub struct Args {
    /// Path of weftd's CLI socket.
    #[arg(short = 's', long = "socket", value_name = "SOCKET", default_value = DEFAULT_SOCKET)]
    pub socket: PathBuf,

    /// Ask the daemon for JSON output (each command travels as a `\x02json`
    /// request; commands without a JSON form answer with their usual text).
    #[arg(long)]
    pub json: bool,

    /// The command to run, e.g. `show interface`, or `exec <file>` to run
    /// a file of commands (one per line; blank lines and lines starting with
    /// `#` are skipped; `-` reads stdin), stopping at the first failure.
    /// Everything after the first word belongs to the command.
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
}

/// weftctl's `main`.
#[must_use]
pub fn main() -> ExitCode {
    let args = Args::parse();
    ExitCode::from(run(&args))
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
    use clap::CommandFactory;

    #[test]
    fn args_parse() {
        Args::command().debug_assert();
        let a = Args::parse_from(["weftctl", "-s", "/x", "--json", "show", "int", "-v"]);
        assert_eq!(a.socket, PathBuf::from("/x"));
        assert!(a.json);
        assert_eq!(a.command, ["show", "int", "-v"]);
        let a = Args::parse_from(["weftctl"]);
        assert_eq!(a.socket, PathBuf::from(DEFAULT_SOCKET));
        assert!(a.command.is_empty());
    }
}
