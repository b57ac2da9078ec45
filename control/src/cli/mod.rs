//! The debug CLI's transport: the socket server that stock `vppctl` and
//! weftctl talk to, and the session logic around the command executor.
//!
//! | module | what |
//! |---|---|
//! | [`server`] | [`Server`]: the Unix socket, sessions, limits, shutdown |
//! | [`session`] | [`Session`]: one connection's state; the [`Executor`] trait the grammar implements |
//! | [`editor`] | server-side line editing for interactive sessions |
//! | [`telnet`] | the telnet subset VPP's CLI speaks (greeting, TTYPE, NAWS) |
//! | [`protocol`] | session kinds, framing, weftctl's extensions, completion helpers |
//! | [`grammar`] | the command tree, VPP's prefix matching, the `unformat`-like [`Input`] |
//! | [`exec`] | [`Cli`]: the [`Executor`] over the tree, [`State`] (config + runtime) |
//! | [`format`](mod@format) | vppinfra `format()` quirks (centring, truncation, floats) |
//! | [`interface`], [`vxlan`], [`l2`], [`ip`], [`stats`], [`trace`], [`version`] | the commands, next to their feature |
//!
//! The session reaches the commands only through [`Executor`]:
//! `execute(line)` returns the text to print or the error as VPP prints
//! it, `complete(prefix)` the words that can come next. docs/cli.md lists
//! every command.
//!
//! # Design
//!
//! Byte-level compatibility with VPP's `src/vlib/unix/cli.c` comes first:
//! vppctl must not notice it is talking to weft. weftctl reports its own
//! terminal type and gets a few compatible extensions (exit status, remote
//! completion, JSON) that vppctl sessions never see; [`protocol`] documents
//! them.
//!
//! # Limitations
//!
//! No pager, no ANSI colour, no TCP listener (`cli-listen host:port`), no
//! command interruption.

pub mod editor;
pub mod exec;
pub mod fib;
pub mod format;
pub mod grammar;
pub mod interface;
pub mod ip;
pub mod l2;
pub mod protocol;
pub mod server;
pub mod session;
pub mod stats;
pub mod telnet;
pub mod trace;
pub mod version;
pub mod vxlan;

#[cfg(test)]
mod tests;

pub use exec::{Cli, State};
pub use grammar::{Arg, CmdError, Command, Input, Run};
pub use server::{Server, ServerHandle};
pub use session::{Executor, Flow, Kind, Session};

/// Every built-in command. `ping`, `ip route`, `show ip fib` and `exec`
/// are registered by their owners with [`Cli::register`].
pub fn builtin_commands() -> Vec<Command> {
    let mut v = Vec::new();
    v.extend(version::commands());
    v.extend(interface::commands());
    v.extend(vxlan::commands());
    v.extend(l2::commands());
    v.extend(ip::commands());
    v.extend(fib::commands());
    v.extend(stats::commands());
    v.extend(trace::commands());
    v
}
