//! `ip6-input`: checks an IPv6 header the way VPP's ip6-input does
//! (length, version, payload length), trims Ethernet padding, counts `ip6`
//! on the receive interface, and passes what is for the interface (one of
//! its addresses, all-nodes, or the solicited-node group of one of its
//! addresses) to its upper layer: ICMPv6 to ip6-icmp-input, with the IPv6
//! header kept; UDP to a VXLAN tunnel port to vxlan6-input, at the UDP
//! header. It stands for VPP's ip6-input, ip6-lookup and ip6-local.
//!
//! weft does not route IPv6: a packet for another address is dropped as
//! `ip6 destination lookup miss`; extension headers (Hop-by-Hop, which
//! MLD reports carry) and other upper layers as `unknown ip protocol`, UDP
//! to another port as `no listener for udp port`.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::stats::IfCounter;
use crate::wire::{Ipv6NextHeader, Ipv6Packet, ipv6};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, ip: &[u8], next: Next) {
    let text = format!(
        "{} next {}",
        Ipv6Packet::new_unchecked(ip),
        Next::NAMES[next as usize]
    );
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of ip6-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// ICMPv6 for the interface.
        Icmp = "ip6-icmp-input",
        /// UDP to one of the interface's addresses on a VXLAN tunnel port
        /// (the data at the UDP header).
        Vxlan6Input = "vxlan6-input",
    }
}

crate::counters! {
    /// Counters of ip6-input (VPP's ip6 error strings).
    pub enum Counter {
        /// Shorter than an IPv6 header.
        TooShort = ("too_short", "ip6 length < 40 bytes", Error),
        /// Payload length beyond the frame.
        BadLength = ("bad_length", "ip6 length > l2 length", Error),
        /// Not version 6.
        Version = ("version", "ip6 version != 6", Error),
        /// Not for the interface.
        DstLookupMiss = ("dst_lookup_miss", "ip6 destination lookup miss", Error),
        /// An upper layer (or extension header) weft does not handle.
        UnknownProtocol = ("unknown_protocol", "unknown ip protocol", Error),
        /// UDP to a port no tunnel decapsulates.
        UnknownUdpPort = ("unknown_udp_port", "no listener for udp port", Error),
    }
}

/// The ip6-input node.
#[derive(Debug, Default)]
pub struct Ip6Input;

static INFO: NodeInfo = NodeInfo {
    name: "ip6-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Ip6Input {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        for b in v.bufs.iter_mut() {
            let mut p = pool.packet_mut(b);
            let rx_if = p.meta.rx_if;
            ifc.add(rx_if, IfCounter::Ip6, 1);
            let next = 'decide: {
                let d = p.data();
                if d.len() < ipv6::HEADER_LEN {
                    counts[Counter::TooShort as usize] += 1;
                    p.meta.error = err | Counter::TooShort as u32;
                    break 'decide Next::Drop;
                }
                let ip = Ipv6Packet::new_unchecked(d);
                if ip.version() != 6 {
                    counts[Counter::Version as usize] += 1;
                    p.meta.error = err | Counter::Version as u32;
                    break 'decide Next::Drop;
                }
                let len = ipv6::HEADER_LEN + usize::from(ip.payload_len());
                if len > d.len() {
                    counts[Counter::BadLength as usize] += 1;
                    p.meta.error = err | Counter::BadLength as u32;
                    break 'decide Next::Drop;
                }
                let dst = ip.dst_addr();
                let mine = if dst.is_multicast() {
                    tables.ip6.listens(rx_if, &dst)
                } else {
                    tables.ip6.is_local(rx_if, &dst)
                };
                if !mine {
                    counts[Counter::DstLookupMiss as usize] += 1;
                    p.meta.error = err | Counter::DstLookupMiss as u32;
                    break 'decide Next::Drop;
                }
                let nh = ip.next_header();
                // Ethernet padding is not part of the packet.
                p.set_len(len);
                match nh {
                    Ipv6NextHeader::Icmpv6 => Next::Icmp,
                    Ipv6NextHeader::Udp if !dst.is_multicast() => {
                        let port = p
                            .data()
                            .get(ipv6::HEADER_LEN + 2..ipv6::HEADER_LEN + 4)
                            .map(|b| u16::from_be_bytes([b[0], b[1]]));
                        match port {
                            Some(port) if tables.vxlan6_ports.contains(&port) => {
                                p.advance(ipv6::HEADER_LEN);
                                Next::Vxlan6Input
                            }
                            _ => {
                                counts[Counter::UnknownUdpPort as usize] += 1;
                                p.meta.error = err | Counter::UnknownUdpPort as u32;
                                Next::Drop
                            }
                        }
                    }
                    _ => {
                        counts[Counter::UnknownProtocol as usize] += 1;
                        p.meta.error = err | Counter::UnknownProtocol as u32;
                        Next::Drop
                    }
                }
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, p.data(), next);
            }
            v.nexts.push(next as u16);
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
