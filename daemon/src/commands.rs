//! The daemon's own CLI commands: `ping` (it needs the punt thread) and
//! `exec <file>` (it runs other commands).
//!
//! # `exec` limits
//!
//! * A missing file, a directory or anything but a regular file is refused
//!   with VPP's messages (`unix_cli_exec` in VPP's `src/vlib/unix/cli.c`):
//!   ``exec: failed to open `<file>': <reason>`` and
//!   ``exec: not a regular file `<file>'``. Nothing is run and nothing
//!   changes.
//! * Exec files may run `exec` themselves, at most [`MAX_EXEC_DEPTH`]
//!   levels deep. Without the limit a file that runs itself (directly or
//!   through others) recursed until the session thread overflowed its stack
//!   and weftd aborted.

use std::cell::Cell;
use std::io;
use std::sync::{Arc, Mutex, Weak};

use control::cli::exec::{State, lock};
use control::cli::{Cli, CmdError, Command, Executor, Input};
use control::runtime::PingArgs;

use crate::punt::{self, ControlPlane, WithState};
use crate::startup::{StartupError, read_exec_file};

/// How many `exec` files may be open inside one another (the outermost
/// counts as one).
pub const MAX_EXEC_DEPTH: usize = 8;

thread_local! {
    /// `exec` files being run on this thread: a command runs on the thread
    /// of the session (or of startup) that sent it, and nested `exec`s run
    /// on the same thread, so a per-thread count is the nesting depth.
    static EXEC_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One level of `exec` nesting, released however the file's run ends.
struct ExecLevel;

impl ExecLevel {
    fn enter() -> Result<ExecLevel, CmdError> {
        EXEC_DEPTH.with(|d| {
            if d.get() >= MAX_EXEC_DEPTH {
                return Err(CmdError::Failed(format!(
                    "exec files nested deeper than {MAX_EXEC_DEPTH} levels"
                )));
            }
            d.set(d.get() + 1);
            Ok(ExecLevel)
        })
    }
}

impl Drop for ExecLevel {
    fn drop(&mut self) {
        EXEC_DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// Reads an exec file for the `exec` command, turning the errors of
/// opening it into VPP's messages.
fn exec_lines(path: &str) -> Result<Vec<(usize, String)>, CmdError> {
    read_exec_file(path).map_err(|e| match e {
        StartupError::Open { error, .. } => {
            // read_exec_file refuses a directory with EISDIR and any other
            // non-regular file with InvalidInput, before opening it (a FIFO
            // would block the session forever).
            if error.raw_os_error() == Some(nix::errno::Errno::EISDIR as i32)
                || error.kind() == io::ErrorKind::InvalidInput
            {
                CmdError::Failed(format!("not a regular file `{path}'"))
            } else {
                let reason = match error.raw_os_error() {
                    Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
                    None => error.to_string(),
                };
                CmdError::Failed(format!("failed to open `{path}': {reason}"))
            }
        }
        other => CmdError::Failed(other.to_string()),
    })
}

/// Registers `ping` and `exec` on `cli`.
pub fn register(cli: &Arc<Cli>, cp: &Arc<ControlPlane>, with: &Arc<WithState>) {
    let (cp, with) = (cp.clone(), with.clone());
    cli.register(Command::unlocked(
        "ping",
        "ping {<ip-addr> | ipv4 <ip4-addr> | ipv6 <ip6-addr>} [source <interface>] [size <pktsize:60>] [interval <sec:1>] [repeat <cnt:5>] [verbose]",
        move |state, input| {
            let args = parse_ping(state, input)?;
            let mut out = String::new();
            punt::ping(&cp, &*with, &args, &mut out).map_err(CmdError::Failed)?;
            Ok(out)
        },
    ));
    let weak: Weak<Cli> = Arc::downgrade(cli);
    cli.register(Command::unlocked(
        "exec",
        "exec <filename>",
        move |_state, input| {
            let Some(path) = input.word() else {
                return Err(CmdError::failed("expected filename"));
            };
            input.end()?;
            let cli = weak
                .upgrade()
                .ok_or_else(|| CmdError::failed("shutting down"))?;
            let _level = ExecLevel::enter()?;
            let lines = exec_lines(path)?;
            let mut out = String::new();
            for (n, line) in lines {
                match cli.execute(&line) {
                    Ok(text) => out.push_str(&text),
                    Err(e) => return Err(CmdError::Failed(format!("{path}:{n}: {e}"))),
                }
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Ok(out)
        },
    ));
}

fn parse_ping(state: &Arc<Mutex<State>>, input: &mut Input<'_>) -> Result<PingArgs, CmdError> {
    let mut args = PingArgs {
        dst: std::net::Ipv4Addr::UNSPECIFIED.into(),
        source: None,
        size: 60,
        interval: 1.0,
        repeat: 5,
    };
    let mut dst = None;
    while !input.at_end() {
        if input.keyword("ipv4") {
            dst = Some(input.ipv4().ok_or_else(|| input.unknown())?.into());
        } else if input.keyword("ipv6") {
            dst = Some(input.ipv6().ok_or_else(|| input.unknown())?.into());
        } else if let Some(ip) = input.ipv4() {
            dst = Some(ip.into());
        } else if let Some(ip) = input.ipv6() {
            dst = Some(ip.into());
        } else if input.keyword("source") {
            let st = lock(state);
            args.source = Some(input.interface(&st.config).ok_or_else(|| input.unknown())?);
        } else if input.keyword("size") {
            let n = input.u32().ok_or_else(|| input.unknown())?;
            args.size = u16::try_from(n)
                .ok()
                .filter(|&n| n <= 32768)
                .ok_or_else(|| CmdError::Failed(format!("max ping size is 32768, {n} given")))?;
        } else if input.keyword("interval") {
            args.interval = input
                .parse(|w| w.parse::<f64>().ok().filter(|v| *v > 0.0))
                .ok_or_else(|| input.unknown())?;
        } else if input.keyword("repeat") {
            args.repeat = input.u32().ok_or_else(|| input.unknown())?;
        } else if input.keyword("verbose") {
        } else {
            return Err(input.unknown());
        }
    }
    args.dst = dst.ok_or_else(|| CmdError::failed("expecting IP4/IP6 address"))?;
    Ok(args)
}
