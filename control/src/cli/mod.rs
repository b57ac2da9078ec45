//! The debug CLI's commands: the command tree, VPP's grammar, and the
//! commands next to their feature. The transport (the socket `vppctl` and
//! weftctl talk to, sessions, telnet, line editing) is the `console` crate;
//! [`Cli`] plugs into it as its [`Executor`].
//!
//! | module | what |
//! |---|---|
//! | [`grammar`] | the command tree, VPP's prefix matching, the `unformat`-like [`Input`] |
//! | [`exec`] | [`Cli`]: the [`Executor`] over the tree, [`State`] (config + runtime) |
//! | [`format`](mod@format) | vppinfra `format()` quirks (centring, truncation, floats) |
//! | [`interface`], [`subif`], [`af_xdp`], [`af_packet`], [`vxlan`], [`l2`], [`ip`], [`ip6`], [`stats`], [`trace`], [`pcap`], [`version`] | the commands, next to their feature |
//! | [`session`] | `history` (`show cli-history`), `comment`: the CLI session's own commands |
//! | [`logging`] | `show logging [configuration]`, `clear logging`, `set logging class` |
//!
//! A session reaches the commands only through [`Executor`]:
//! `execute(line)` returns the text to print or the error as VPP prints
//! it, `complete(prefix)` the words that can come next. docs/cli.md lists
//! every command.

pub mod af_packet;
pub mod af_xdp;
pub mod bridge;
pub mod exec;
pub mod fib;
pub mod format;
pub mod grammar;
pub mod interface;
pub mod ip;
pub mod ip6;
pub mod l2;
pub mod logging;
pub mod pcap;
pub mod session;
pub mod stats;
pub mod subif;
pub mod trace;
pub mod version;
pub mod vxlan;

pub use console::Executor;
pub use exec::{Cli, State};
pub use grammar::{Arg, CmdError, Command, Input, Run};

/// Every built-in command. `ping`, `ip route`, `show ip fib` and `exec`
/// are registered by their owners with [`Cli::register`].
pub fn builtin_commands() -> Vec<Command> {
    let mut v = Vec::new();
    v.extend(version::commands());
    v.extend(session::commands());
    v.extend(logging::commands());
    v.extend(interface::commands());
    v.extend(subif::commands());
    v.extend(af_xdp::commands());
    v.extend(af_packet::commands());
    v.extend(vxlan::commands());
    v.extend(l2::commands());
    v.extend(bridge::commands());
    v.extend(ip::commands());
    v.extend(ip6::commands());
    v.extend(fib::commands());
    v.extend(stats::commands());
    v.extend(trace::commands());
    v.extend(pcap::commands());
    v
}
