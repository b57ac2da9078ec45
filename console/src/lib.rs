//! weft's debug-CLI transport: the Unix socket that stock `vppctl` and
//! weftctl talk to, the session logic around a command [`Executor`], and
//! weftctl itself. Nothing here knows weft's commands or links the
//! dataplane: weftd plugs its command tree in as an [`Executor`], and
//! weftctl is this crate alone.
//!
//! | module | what |
//! |---|---|
//! | [`server`] | [`Server`]: the Unix socket, sessions, limits, shutdown |
//! | [`session`] | [`Session`]: one connection's state; the [`Executor`] trait the command tree implements |
//! | [`editor`] | server-side line editing for interactive sessions |
//! | [`history`] | a session's command history (arrow keys, `history`) |
//! | [`telnet`] | the telnet subset VPP's CLI speaks (greeting, TTYPE, NAWS) |
//! | [`protocol`] | session kinds, framing, weftctl's extensions, completion helpers |
//! | [`client`] | [`client::Client`]: one weftctl session on weftd's CLI socket |
//! | [`interactive`] | weftctl's interactive console (rustyline, history, `?`, TAB) |
//! | [`ctl`] | weftctl's command line and modes (one-shot, `exec`, stdin, console) |
//!
//! The session reaches the commands only through [`Executor`]:
//! `execute(line)` returns the text to print or the error as VPP prints
//! it, `complete(prefix)` the words that can come next.
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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod ctl;
pub mod editor;
pub mod history;
pub mod interactive;
pub mod protocol;
pub mod server;
pub mod session;
pub mod telnet;

pub use server::{Server, ServerHandle};
pub use session::{Context, Executor, Flow, Kind, Session};
