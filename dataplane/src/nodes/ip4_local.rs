//! `ip4-local`: IPv4 packets for one of weft's addresses. Checks that the
//! UDP length agrees with the IPv4 length and pops the IPv4 header; ICMP
//! goes to ip4-icmp-input with its IPv4 header.
//!
//! Unlike VPP's ip4-local, weft does not verify the UDP checksum: on veth
//! the kernel often leaves a partial (offloaded) checksum in VXLAN packets,
//! RFC 7348 lets a VTEP ignore it, and zero is always valid for IPv4.
//! Fragments are not reassembled: they are dropped and counted.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::wire::{IpProtocol, Ipv4Packet, UdpPacket, udp};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, next: Next) {
    let text = format!("next {}", Next::NAMES[next as usize]);
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of ip4-local.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// UDP, to the port dispatcher.
        UdpLookup = "ip4-udp-lookup",
        /// ICMP (the IPv4 header is kept).
        Icmp = "ip4-icmp-input",
    }
}

crate::counters! {
    /// Counters of ip4-local.
    pub enum Counter {
        /// Protocol weft does not handle.
        UnknownProtocol = ("unknown_protocol", "unknown ip protocol", Error),
        /// UDP length disagrees with the IPv4 length.
        UdpLength = ("udp_length", "inconsistent udp/ip lengths", Error),
        /// A fragment (weft does not reassemble).
        Fragment = ("fragment", "ip4 fragment (no reassembly)", Error),
    }
}

/// The ip4-local node.
#[derive(Debug, Default)]
pub struct Ip4Local;

static INFO: NodeInfo = NodeInfo {
    name: "ip4-local",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Ip4Local {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let pool = ctx.pool;
        for b in v.bufs.iter_mut() {
            let mut p = pool.packet_mut(b);
            // ip4-input checked the header and trimmed the buffer to it.
            let ip = Ipv4Packet::new_unchecked(p.data());
            let hlen = ip.header_len() as usize;
            let next = if ip.is_fragment() {
                counts[Counter::Fragment as usize] += 1;
                p.meta.error = err | Counter::Fragment as u32;
                Next::Drop
            } else {
                match ip.protocol() {
                    IpProtocol::Udp => {
                        let payload = &p.data()[hlen..];
                        if payload.len() < udp::HEADER_LEN
                            || UdpPacket::new_unchecked(payload).len() as usize != payload.len()
                        {
                            counts[Counter::UdpLength as usize] += 1;
                            p.meta.error = err | Counter::UdpLength as u32;
                            Next::Drop
                        } else {
                            p.advance(hlen);
                            Next::UdpLookup
                        }
                    }
                    IpProtocol::Icmp => Next::Icmp,
                    _ => {
                        counts[Counter::UnknownProtocol as usize] += 1;
                        p.meta.error = err | Counter::UnknownProtocol as u32;
                        Next::Drop
                    }
                }
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, next);
            }
            v.nexts.push(next as u16);
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
