//! weft-pktgen: the traffic tools of weft's benchmarks, usable from a
//! script (the `weft-pktgen` binary) and from Rust (this library).
//!
//! * [`generator`]: an AF_XDP transmitter replaying pre-built VXLAN frames
//!   ([`template`]) over N flows, at a rate or as fast as the interface
//!   takes them (`dataplane::io::xsk_tx` is its transmit-only socket).
//! * [`sink`]: an XDP program that counts (optionally only VXLAN frames of
//!   one VNI) and drops at the receiving interface.
//! * [`reflect`]: a no-op reflector on weft's own AF_XDP driver, the
//!   "limit" device under test.
//!
//! Every type that touches an interface works in the calling thread's
//! network namespace. See `docs/pktgen.md` for usage and limits.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod generator;
pub mod reflect;
pub mod report;
pub mod sink;
pub mod template;

use serde::{Deserialize, Serialize};

/// One line of `weft-pktgen`'s JSON output: `{"event": "...", ...body}`.
/// `event` is `ready`, `interval` or `summary`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event<T> {
    /// What the line is.
    pub event: String,
    /// Its fields, flattened into the same object.
    #[serde(flatten)]
    pub body: T,
}

impl<T: Serialize> Event<T> {
    /// The event as one line of JSON (no newline).
    pub fn to_line(event: &str, body: T) -> String {
        serde_json::to_string(&Event {
            event: event.to_string(),
            body,
        })
        .expect("plain structs serialise")
    }
}

/// Pins the calling thread to CPU `core`.
pub fn pin_to_core(core: usize) -> Result<(), String> {
    let ids = core_affinity::get_core_ids().unwrap_or_default();
    if !ids.iter().any(|c| c.id == core) {
        return Err(format!(
            "core {core} does not exist (cores: {:?})",
            ids.iter().map(|c| c.id).collect::<Vec<_>>()
        ));
    }
    if core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
        Ok(())
    } else {
        Err(format!("cannot pin the thread to core {core}"))
    }
}

/// The MAC address of `dev` in the calling thread's network namespace.
pub fn interface_mac(dev: &str) -> Option<dataplane::wire::EthernetAddress> {
    nix::ifaddrs::getifaddrs()
        .ok()?
        .filter(|i| i.interface_name == dev)
        .find_map(|i| i.address?.as_link_addr()?.addr())
        .map(dataplane::wire::EthernetAddress)
}
