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
//!
//! The command grammar lives elsewhere and reaches this module only through
//! [`Executor`]: `execute(line)` returns the text to print or the error as
//! VPP prints it, `complete(prefix)` the words that can come next.
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
pub mod protocol;
pub mod server;
pub mod session;
pub mod telnet;

pub use server::{Server, ServerHandle};
pub use session::{Executor, Flow, Kind, Session};
