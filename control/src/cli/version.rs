//! `show version [verbose] [cmdline]` (VPP's `src/vpp/app/version.c`), in
//! VPP's layouts with weft's build facts (the `buildinfo` crate: version,
//! git commit, build date, rustc, user, host, source tree, profile), which
//! weftd installs at start. In a process that installed none (unit tests)
//! every fact but the version reads `unknown`.

use serde_json::{Value, json};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};

/// weft's version, as `show version` prints it after `v`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The one-line version:
/// `weft v<version> built by <user> on <host> at <date> (git <commit>)`.
pub fn version_line() -> String {
    buildinfo::get().line()
}

/// `verbose` and `cmdline`, in any order, each at most once (VPP reads
/// them the same way; weft refuses other words).
fn options(input: &mut Input<'_>) -> Result<(bool, bool), CmdError> {
    let (mut verbose, mut cmdline) = (false, false);
    loop {
        if !verbose && input.keyword("verbose") {
            verbose = true;
        } else if !cmdline && input.keyword("cmdline") {
            cmdline = true;
        } else {
            break;
        }
    }
    input.end()?;
    Ok((verbose, cmdline))
}

/// The process's command line, VPP's `show version cmdline` layout: the
/// heading padded to 25, then one argument per line, indented by 2 and by
/// 2 more inside each `{ }`.
fn cmdline_text(args: &[String]) -> String {
    let mut out = format!("{:<25}\n", "Command line arguments:");
    let mut indent: usize = 2;
    for a in args {
        if a.contains('{') {
            indent += 2;
        }
        out.push_str(&format!("{:indent$}{a}\n", ""));
        if a.contains('}') {
            indent = indent.saturating_sub(2);
        }
    }
    out
}

fn show_version(_st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let (verbose, cmdline) = options(input)?;
    let info = buildinfo::get();
    let mut out = String::new();
    if verbose {
        for (k, v) in info.rows() {
            out.push_str(&buildinfo::format_row(k, &v));
            out.push('\n');
        }
        out.push_str(&buildinfo::format_row(
            "Current PID:",
            &std::process::id().to_string(),
        ));
        out.push('\n');
    }
    if cmdline {
        out.push_str(&cmdline_text(&std::env::args().collect::<Vec<_>>()));
    }
    if !verbose && !cmdline {
        out = format!("{}\n", info.line());
    }
    Ok(out)
}

/// Every fact whatever the options (they only choose what the text shows).
fn show_version_json(_st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    options(input)?;
    let info = buildinfo::get();
    Ok(json!({
        "version": info.version,
        "commit": info.commit,
        "build_date": info.date,
        "compiler": info.compiler,
        "build_by": info.user,
        "build_host": info.host,
        "build_dir": info.location,
        "profile": info.profile,
        "pid": std::process::id(),
        "cmdline": std::env::args().collect::<Vec<_>>(),
    }))
}

/// The version command.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "show version",
            "show version [verbose] [cmdline]",
            show_version,
        )
        .args(&[
            Arg::Keyword("verbose", "build details"),
            Arg::Keyword("cmdline", "weftd's command line"),
        ])
        .json(show_version_json),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_indents_like_vpp() {
        let args: Vec<String> = ["/usr/sbin/weftd", "unix", "{", "interactive", "}", "cpu"]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            cmdline_text(&args),
            "Command line arguments:  \n  /usr/sbin/weftd\n  unix\n    {\n    interactive\n    }\n  cpu\n"
        );
    }
}
