//! Shared helpers for the integration tests.
//!
//! * [`privileged`] decides whether a test that needs root and network
//!   namespaces may run. Without them the test fails with a clear message,
//!   unless `WEFT_SKIP_PRIVILEGED=1` is set: then it records itself in
//!   `target/weft-skipped-privileged.txt` (which `scripts/test.sh` counts
//!   and reports loudly) and returns early.
//! * [`Netns`] is a network namespace owned by one test, named with the
//!   test's prefix and the process id, deleted by exact name when dropped,
//!   even when the test fails.
#![allow(dead_code)]

pub mod bridge;
pub mod koko;
pub mod malformed;
pub mod pg;
pub mod prometheus;
pub mod rawsock;
pub mod show;
pub mod veth_weftd;
pub mod weftd;

mod netns;
pub use netns::*;
