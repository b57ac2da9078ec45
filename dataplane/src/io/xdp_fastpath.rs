//! The XDP fast path's table, as weft's XDP program reads it
//! (`struct fp_key`, `struct fp_entry` in `dataplane/bpf/weft_xdp.bpf.c`).
//!
//! The control plane turns the flows the graph would re-encapsulate onto
//! a tunnel of the same uplink
//! ([`kernel_flows`](crate::nodes::vxlan4_fastpath::kernel_flows)) into
//! key and value bytes here, and
//! [`XdpProgram::set_fastpath`](super::xdp_prog::XdpProgram::set_fastpath)
//! installs them as one new table. What the program does with an entry is
//! what vxlan4-fastpath does with the same plan; the differential test
//! (`tests/xdp_fastpath.rs`) runs both on the same frames.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::graph::{NodeInfo, NodeKind};
use crate::nodes::{l2_input, l2_output, vxlan4_encap, vxlan4_input};
use crate::stats::{DEFAULT_MAX_INTERFACES, IfCounter, WorkerStats};
use crate::tables::{VXLAN4_REWRITE_LEN, Vxlan4Encap, Vxlan4Key};

crate::counters! {
    /// Counters of xdp-fastpath, the kernel's part of weft.
    pub enum Counter {
        /// Rewritten and sent by weft's XDP program (`XDP_TX`).
        Sent = ("sent", "packets forwarded in the kernel", Info),
    }
}

/// `xdp-fastpath` as `show runtime` and `show errors` list it: one call
/// per packet (XDP runs once per frame); no clocks.
pub static INFO: NodeInfo = NodeInfo {
    name: "xdp-fastpath",
    kind: NodeKind::Internal,
    next_nodes: &[],
    counters: Counter::DESCS,
};

/// What the kernel forwarded, as counters: a block laid out as a worker's
/// (the graph's nodes, then xdp-fastpath), written only by the control
/// plane when it reads the program's per-CPU counts, so that `show
/// interface`, `show errors` and `show runtime` add it to the workers'.
#[derive(Debug)]
pub struct KernelCounters {
    /// The block.
    pub stats: Arc<WorkerStats>,
    /// Graph indices of vxlan4-input, l2-input, l2-output, vxlan4-encap
    /// and xdp-fastpath.
    nodes: [usize; 5],
}

impl Default for KernelCounters {
    fn default() -> Self {
        let mut infos = crate::nodes::standard_graph(&[]).node_infos();
        infos.push(&INFO);
        let at = |name: &str| infos.iter().position(|i| i.name == name).unwrap_or(0);
        let nodes = [
            at("vxlan4-input"),
            at("l2-input"),
            at("l2-output"),
            at("vxlan4-encap"),
            infos.len() - 1,
        ];
        KernelCounters {
            stats: Arc::new(WorkerStats::new(infos, DEFAULT_MAX_INTERFACES)),
            nodes,
        }
    }
}

impl KernelCounters {
    /// Adds what the program forwarded from `rx_tunnel` to `tx_tunnel` on
    /// `uplink`: `d` = packets, received bytes, inner bytes, sent bytes
    /// (one slot's counts). The same counters the graph moves for them:
    /// rx, ip4 and tx of the uplink, rx of the receiving tunnel, tx of the
    /// egress one (inner bytes), and the four forwarding node counters.
    pub fn add_forwarded(&self, uplink: u32, rx_tunnel: u32, tx_tunnel: u32, d: [u64; 4]) {
        let [n, rx_bytes, inner, tx_bytes] = d;
        if n == 0 {
            return;
        }
        let ifc = &self.stats.interfaces;
        ifc.add_combined(uplink, IfCounter::RxPackets, n, rx_bytes);
        ifc.add(uplink, IfCounter::Ip4, n);
        ifc.add_combined(rx_tunnel, IfCounter::RxPackets, n, inner);
        ifc.add_combined(tx_tunnel, IfCounter::TxPackets, n, inner);
        ifc.add_combined(uplink, IfCounter::TxPackets, n, tx_bytes);
        let [vin, l2in, l2out, encap, xdp] = self.nodes;
        let count = |node: usize, c: usize| {
            if let Some(v) = self.stats.nodes.get(node).and_then(|s| s.counters.get(c)) {
                v.fetch_add(n, Ordering::Relaxed);
            }
        };
        count(vin, vxlan4_input::Counter::Decapsulated as usize);
        count(l2in, l2_input::Counter::Packets as usize);
        count(l2out, l2_output::Counter::Packets as usize);
        count(encap, vxlan4_encap::Counter::Encapsulated as usize);
        count(xdp, Counter::Sent as usize);
        if let Some(s) = self.stats.nodes.get(xdp) {
            s.add(n, n, 0);
        }
    }
}

/// Bytes of a key (`struct fp_key`).
pub const KEY_LEN: usize = 16;

/// Bytes of a value (`struct fp_entry`).
pub const VALUE_LEN: usize = 64;

/// Entries of one table, and slots of `weft_fp_counts` (`FP_MAX_ENTRIES`).
pub const MAX_ENTRIES: u32 = 16384;

/// The key of `key`, as the program builds it from a frame: outer source
/// and destination address, the second VXLAN word, the UDP destination
/// port, all in network byte order, and two zero bytes.
pub fn key_bytes(key: &Vxlan4Key) -> [u8; KEY_LEN] {
    let mut k = [0u8; KEY_LEN];
    k[0..4].copy_from_slice(&key.remote.octets());
    k[4..8].copy_from_slice(&key.local.octets());
    k[8..12].copy_from_slice(&key.vni_word.to_be_bytes());
    k[12..14].copy_from_slice(&key.port.to_be_bytes());
    k
}

/// The value for a flow leaving with `encap`, counted in slot `slot`: the
/// rewrite, then in host byte order the largest inner frame, the rewrite's
/// IPv4 header sum and the slot.
pub fn value_bytes(encap: &Vxlan4Encap, slot: u32) -> [u8; VALUE_LEN] {
    let mut v = [0u8; VALUE_LEN];
    v[..VXLAN4_REWRITE_LEN].copy_from_slice(&encap.rewrite);
    v[50..52].copy_from_slice(&encap.max_inner.to_ne_bytes());
    v[52..56].copy_from_slice(&encap.ip_sum.to_ne_bytes());
    v[56..60].copy_from_slice(&slot.to_ne_bytes());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn key_is_the_frame_bytes() {
        let k = Vxlan4Key {
            remote: Ipv4Addr::new(10, 99, 0, 1),
            local: Ipv4Addr::new(10, 99, 0, 3),
            port: 4789,
            vni_word: 11 << 8,
        };
        assert_eq!(
            key_bytes(&k),
            [10, 99, 0, 1, 10, 99, 0, 3, 0, 0, 11, 0, 0x12, 0xb5, 0, 0]
        );
    }

    #[test]
    fn value_layout() {
        let e = Vxlan4Encap {
            rewrite: [7; VXLAN4_REWRITE_LEN],
            uplink: 1,
            max_inner: 1464,
            ip_sum: 0x1_2345,
        };
        let v = value_bytes(&e, 9);
        assert_eq!(v[..50], [7; 50]);
        assert_eq!(u16::from_ne_bytes([v[50], v[51]]), 1464);
        assert_eq!(u32::from_ne_bytes(v[52..56].try_into().unwrap()), 0x1_2345);
        assert_eq!(u32::from_ne_bytes(v[56..60].try_into().unwrap()), 9);
        assert_eq!(v[60..], [0; 4]);
    }
}
