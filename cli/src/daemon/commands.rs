//! The daemon's own CLI commands: `ping` (it needs the punt thread) and
//! `exec <file>` (it runs other commands).

use std::sync::{Arc, Mutex, Weak};

use control::cli::exec::{State, lock};
use control::cli::{Cli, CmdError, Command, Executor, Input};
use control::runtime::PingArgs;

use super::punt::{self, ControlPlane, WithState};
use crate::startup::read_exec_file;

/// Registers `ping` and `exec` on `cli`.
pub fn register(cli: &Arc<Cli>, cp: &Arc<ControlPlane>, with: &Arc<WithState>) {
    let (cp, with) = (cp.clone(), with.clone());
    cli.register(Command::unlocked(
        "ping",
        "ping {<ip-addr> | ipv4 <ip4-addr>} [source <interface>] [size <pktsize:60>] [interval <sec:1>] [repeat <cnt:5>] [verbose]",
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
            let lines = read_exec_file(path).map_err(|e| CmdError::Failed(e.to_string()))?;
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
        dst: std::net::Ipv4Addr::UNSPECIFIED,
        source: None,
        size: 60,
        interval: 1.0,
        repeat: 5,
    };
    let mut dst = None;
    while !input.at_end() {
        if input.keyword("ipv4") {
            dst = Some(input.ipv4().ok_or_else(|| input.unknown())?);
        } else if let Some(ip) = input.ipv4() {
            dst = Some(ip);
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
