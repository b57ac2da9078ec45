//! weft: a userspace, VPP-style packet forwarder.
//!
//! This root crate only re-exports the workspace crates so that the
//! integration tests in `tests/` and the benchmarks in `benches/` can reach
//! them under one name. The code lives in `dataplane/`, `control/`, `console/` and `daemon/`;
//! `cli/` holds the two binaries.
#![forbid(unsafe_code)]

pub use console;
pub use control;
pub use daemon;
pub use dataplane;
