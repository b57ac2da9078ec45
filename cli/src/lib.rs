//! Code shared by weft's binaries: the weftctl client and console.
//!
//! | module | what |
//! |---|---|
//! | [`client`] | [`client::Client`]: one weftctl session on weftd's CLI socket |
//! | [`console`] | the interactive console (rustyline, history, `?`, TAB) |
//! | [`ctl`] | weftctl's command line and modes (one-shot, `exec`, stdin, console) |
//!
//! The wire protocol (VPP's CLI socket plus weftctl's extensions) is defined
//! and documented once, in `control::cli::protocol`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod console;
pub mod ctl;
pub mod daemon;
pub mod startup;
