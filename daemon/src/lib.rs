//! weftd as a library: the runtime (worker threads and devices), the
//! control plane's own threads (punt, neighbours, `ping`), the startup
//! configuration, and weftd's main. The `weftd` binary is [`main`].
//!
//! | module | what |
//! |---|---|
//! | [`runtime`] | [`runtime::Runtime`]: workers and devices, the `control::runtime::Runtime` the CLI drives |
//! | [`device`] | the [`device::Driver`] trait and the drivers (AF_XDP, pg) |
//! | [`linux`] | what drivers read of a Linux interface, and the lock that makes weftd its owner |
//! | [`link`] | the link thread: rtnetlink events to the runtime |
//! | [`metrics`] | `/metrics`: the HTTP endpoint Prometheus scrapes |
//! | [`worker`] | pinned worker threads, rx modes, the command mailbox |
//! | [`neighbor`] | ARP learning, resolution of tunnel next hops, ageing |
//! | [`punt`] | the punt thread and `ping` |
//! | [`commands`] | the daemon's own CLI commands (`ping`, `exec`) |
//! | [`startup`] | startup.conf and weftd's command line |
//! | [`weftd`] | weftd's main: start, serve, shut down |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod commands;
pub mod device;
pub mod l2age;
pub mod link;
pub mod linux;
pub mod metrics;
pub mod neighbor;
pub mod punt;
pub mod runtime;
pub mod startup;
pub mod weftd;
pub mod worker;
pub mod xdp_fastpath;

pub use weftd::main;
