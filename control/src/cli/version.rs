//! `show version [verbose]` (VPP's `src/vpp/app/version.c`), in VPP's
//! shape with weft's facts: the crate version, and the user and host
//! found in the build environment (`unknown` when cargo had none).

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};

/// weft's version, as `show version` prints it after `v`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn built_by() -> &'static str {
    option_env!("USER").unwrap_or("unknown")
}

fn built_on() -> &'static str {
    option_env!("HOSTNAME").unwrap_or("unknown")
}

/// The one-line version: `weft v<version> built by <user> on <host>`.
pub fn version_line() -> String {
    format!("weft v{VERSION} built by {} on {}", built_by(), built_on())
}

fn show_version(_st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let verbose = input.keyword("verbose");
    input.end()?;
    if !verbose {
        return Ok(format!("{}\n", version_line()));
    }
    let rows = [
        ("Version:", format!("v{VERSION}")),
        ("Compiled by:", built_by().to_string()),
        ("Compile host:", built_on().to_string()),
        ("Compile location:", env!("CARGO_MANIFEST_DIR").to_string()),
        ("Compiler:", "rustc".to_string()),
        ("Current PID:", std::process::id().to_string()),
    ];
    Ok(rows.iter().map(|(k, v)| format!("{k:<25} {v}\n")).collect())
}

/// The version command.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked("show version", "show version [verbose]", show_version)
            .args(&[Arg::Keyword("verbose", "build details")]),
    ]
}
