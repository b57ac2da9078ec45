//! weft's dataplane: the buffer pool, the vector graph, the nodes of the
//! koko path, the wire formats and the I/O drivers.
//!
//! See `docs/design.md` for how the pieces fit together.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod fixtures;
pub mod graph;
pub mod io;
pub mod l2fib;
pub mod nodes;
pub mod pcap;
pub mod pool;
pub mod port;
pub mod punt;
pub mod stats;
pub mod tables;
pub mod trace;
pub mod vlan;
pub mod wire;
pub mod worker;
