//! Helpers for weft-pktgen's privileged tests: the root package's
//! `tests/common/netns.rs` (`privileged()`, the `Netns` guard, veth pairs,
//! the `Child` guard), included by path since this crate cannot depend on
//! the root package's tests.
#![allow(dead_code)]

#[path = "../../../tests/common/netns.rs"]
mod netns;
pub use netns::*;
