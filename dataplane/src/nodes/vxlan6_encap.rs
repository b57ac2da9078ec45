//! `vxlan6-encap`: VXLAN encapsulation over IPv6 of frames sent out of an
//! IPv6 tunnel (an L2 xconnect or bridge towards it): the tunnel's 70-byte
//! rewrite, then the payload length, the UDP source port (the inner flow's
//! hash, as vxlan4-encap), UDP length and the UDP checksum, which IPv6
//! requires (RFC 8200 section 8.1): the rewrite's part is summed at
//! configuration time, the inner frame's costs one pass over its bytes
//! per packet. Counter names are vxlan4-encap's. Packets for a tunnel whose
//! next hop is not resolved yet wait in vxlan4-hold, as IPv4 tunnels' do.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::{BufMeta, flags};
use crate::stats::IfCounter;
use crate::tables::{Output, VXLAN6_REWRITE_LEN, Vxlan6Encap, Vxlan6Tunnel};
use crate::wire::checksum;

use super::vxlan4_encap::{Encap, encap_trace_text, flow_hash, src_port};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, t: Option<&Vxlan6Tunnel>, next: Next) {
    let outcome = match next {
        Next::InterfaceOutput => Encap::Sent,
        Next::Hold => Encap::Held,
        Next::Drop => Encap::Dropped,
    };
    let text = encap_trace_text(t.map(|t| (t.instance, t.vni)), meta.tx_if, outcome);
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of vxlan6-encap.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// The uplink device.
        InterfaceOutput = "interface-output",
        /// The tunnel's next hop is not resolved yet: held until it is
        /// (vxlan4-hold serves both families).
        Hold = "vxlan4-hold",
    }
}

crate::counters! {
    /// Counters of vxlan6-encap.
    pub enum Counter {
        /// Encapsulated.
        Encapsulated = ("encapsulated", "good packets encapsulated", Info),
        /// The tunnel's next hop has no resolved MAC yet (held).
        NoAdjacency = ("no_adjacency", "tunnel next hop unresolved", Info),
        /// Inner frame too large for the uplink MTU once encapsulated.
        MtuExceeded = ("mtu_exceeded", "MTU exceeded after encapsulation", Error),
        /// The transmit interface is not a VXLAN tunnel (deleted meanwhile).
        NotTunnel = ("not_tunnel", "packets dropped: not a vxlan tunnel", Error),
    }
}

/// Prepends the tunnel's outer header to the inner frame in `p`; false
/// without headroom. Also used by vxlan4-hold for packets released after
/// the next hop resolved.
pub(crate) fn apply(p: &mut crate::pool::PacketMut<'_>, e: &Vxlan6Encap, inner_len: usize) -> bool {
    let hash = flow_hash(p.data());
    let inner_sum = checksum::data(p.data());
    let Some(h) = p
        .prepend(VXLAN6_REWRITE_LEN)
        .and_then(|h| h.first_chunk_mut::<VXLAN6_REWRITE_LEN>())
    else {
        return false;
    };
    *h = e.rewrite;
    let udp_len = (inner_len + 16) as u16;
    let sport = src_port(hash);
    h[18..20].copy_from_slice(&udp_len.to_be_bytes());
    h[54..56].copy_from_slice(&sport.to_be_bytes());
    h[58..60].copy_from_slice(&udp_len.to_be_bytes());
    let sum = checksum::combine(&[
        checksum::combine(&[(e.udp_sum & 0xffff) as u16, (e.udp_sum >> 16) as u16]),
        udp_len,
        udp_len,
        sport,
        inner_sum,
    ]);
    // A computed zero is sent as 0xffff (zero means "no checksum").
    let c = match !sum {
        0 => 0xffff,
        c => c,
    };
    h[60..62].copy_from_slice(&c.to_be_bytes());
    p.meta.flow_hash = hash;
    p.meta.flags |= flags::FLOW_HASH_VALID;
    p.meta.tx_if = e.uplink;
    true
}

/// The vxlan6-encap node.
#[derive(Debug, Default)]
pub struct Vxlan6EncapNode;

static INFO: NodeInfo = NodeInfo {
    name: "vxlan6-encap",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Vxlan6EncapNode {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            let tx_if = p.meta.tx_if;
            let t = match tables.interface(tx_if).map(|i| i.output) {
                Some(Output::Vxlan6 { tunnel }) => tables.tunnel6(tunnel),
                _ => None,
            };
            let inner_len = p.meta.len as usize;
            let next = 'encap: {
                let Some(t) = t else {
                    counts[Counter::NotTunnel as usize] += 1;
                    p.meta.error = err | Counter::NotTunnel as u32;
                    break 'encap Next::Drop;
                };
                let Some(e) = &t.encap else {
                    counts[Counter::NoAdjacency as usize] += 1;
                    break 'encap Next::Hold;
                };
                if inner_len > e.max_inner as usize || !apply(&mut p, e, inner_len) {
                    counts[Counter::MtuExceeded as usize] += 1;
                    p.meta.error = err | Counter::MtuExceeded as u32;
                    break 'encap Next::Drop;
                }
                ifc.add_combined(tx_if, IfCounter::TxPackets, 1, inner_len as u64);
                counts[Counter::Encapsulated as usize] += 1;
                Next::InterfaceOutput
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, t, next);
            }
            *slot = next as u16;
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
