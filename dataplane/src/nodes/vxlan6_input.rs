//! `vxlan6-input`: VXLAN decapsulation over IPv6 (RFC 7348), as
//! vxlan4-input does over IPv4. ip6-input hands it UDP to one of weft's
//! addresses on a tunnel port, the data at the UDP header. The UDP length
//! must match the IPv6 payload and the checksum must be present and right
//! (RFC 8200 section 8.1; Linux's vxlan sends and checks it by default).
//! The tunnel matches on outer source = tunnel dst, outer destination =
//! tunnel src, the UDP destination port and the raw VNI word; the flags
//! byte must be exactly 0x08. Counter names are vxlan4-input's, and the
//! UDP ones VPP's ip6-local's.

use std::net::Ipv6Addr;

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::stats::IfCounter;
use crate::tables::Vxlan6Key;
use crate::wire::{checksum, ethernet, udp, vxlan};

use super::vxlan4_input::{Decap, decap_trace_text};

#[cold]
fn trace(
    ctx: &mut NodeCtx<'_>,
    meta: &BufMeta,
    vni: u32,
    instance: Option<u32>,
    error: Option<Counter>,
) {
    let outcome = match (instance, error) {
        (Some(i), None) => Decap::Tunnel(i),
        (_, Some(Counter::NoSuchTunnel)) => Decap::NoSuchTunnel,
        (_, Some(c)) => Decap::Error(Counter::DESCS[c as usize].description),
        (None, None) => Decap::Error(""),
    };
    ctx.tracer
        .add(meta, ctx.node_name, decap_trace_text(vni, outcome));
}

crate::next_nodes! {
    /// Next nodes of vxlan6-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// Decapsulated inner frame.
        L2Input = "l2-input",
    }
}

crate::counters! {
    /// Counters of vxlan6-input.
    pub enum Counter {
        /// Decapsulated.
        Decapsulated = ("decapsulated", "good packets decapsulated", Info),
        /// No tunnel for the key.
        NoSuchTunnel = ("no_such_tunnel", "no such tunnel packets", Error),
        /// Flags byte other than 0x08.
        BadFlags = ("bad_flags", "packets with bad flags field in vxlan header", Error),
        /// Shorter than UDP and VXLAN headers.
        TooShort = ("too_short", "packets shorter than a vxlan header", Error),
        /// Inner frame shorter than an Ethernet header.
        InnerTooShort = ("inner_too_short", "inner frame too short", Error),
        /// UDP length other than the IPv6 payload's.
        UdpLength = ("udp_length", "inconsistent udp/ip lengths", Error),
        /// UDP checksum zero or wrong.
        UdpChecksum = ("udp_checksum", "bad udp checksum", Error),
    }
}

/// The vxlan6-input node.
#[derive(Debug, Default)]
pub struct Vxlan6Input;

static INFO: NodeInfo = NodeInfo {
    name: "vxlan6-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Vxlan6Input {
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
            let mut vni = 0;
            let mut instance = None;
            let r: Result<u32, Counter> = 'decide: {
                let d = p.data();
                if d.len() < udp::HEADER_LEN + vxlan::HEADER_LEN {
                    break 'decide Err(Counter::TooShort);
                }
                let udp_len = usize::from(u16::from_be_bytes([d[4], d[5]]));
                if udp_len != d.len() {
                    break 'decide Err(Counter::UdpLength);
                }
                // ip6-input checked the IPv6 header at l3_offset.
                let l3 = p.meta.l3_offset as usize;
                let Some(ip) = p.frame().get(l3..l3 + 40) else {
                    break 'decide Err(Counter::TooShort);
                };
                let addr = |b: &[u8]| -> Ipv6Addr {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    Ipv6Addr::from(a)
                };
                let (src, dst) = (addr(&ip[8..24]), addr(&ip[24..40]));
                let sum = checksum::combine(&[
                    checksum::pseudo_header_v6(&src, &dst, 17, udp_len as u32),
                    checksum::data(d),
                ]);
                if d[6..8] == [0, 0] || sum != 0xffff {
                    break 'decide Err(Counter::UdpChecksum);
                }
                let vx = &d[udp::HEADER_LEN..];
                let vni_word = u32::from_be_bytes([vx[4], vx[5], vx[6], vx[7]]);
                vni = vni_word >> 8;
                if vx[0] != vxlan::FLAG_I {
                    break 'decide Err(Counter::BadFlags);
                }
                let key = Vxlan6Key {
                    remote: src,
                    local: dst,
                    port: u16::from_be_bytes([d[2], d[3]]),
                    vni_word,
                };
                let Some(t) = tables.vxlan6.get(&key).and_then(|&t| tables.tunnel6(t)) else {
                    break 'decide Err(Counter::NoSuchTunnel);
                };
                instance = Some(t.instance);
                if d.len() < udp::HEADER_LEN + vxlan::HEADER_LEN + ethernet::HEADER_LEN {
                    break 'decide Err(Counter::InnerTooShort);
                }
                Ok(t.sw_if_index)
            };
            let next = match r {
                Ok(sw) => {
                    p.advance(udp::HEADER_LEN + vxlan::HEADER_LEN);
                    p.meta.rx_if = sw;
                    counts[Counter::Decapsulated as usize] += 1;
                    ifc.add_combined(sw, IfCounter::RxPackets, 1, u64::from(p.meta.len));
                    Next::L2Input
                }
                Err(c) => {
                    counts[c as usize] += 1;
                    p.meta.error = err | c as u32;
                    Next::Drop
                }
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, vni, instance, r.err());
            }
            *slot = next as u16;
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
