//! `ip4-icmp-input`: ICMP for one of weft's addresses. An echo request is
//! turned into the echo reply in place (addresses swapped, TTL 64, type 0,
//! checksums updated, Ethernet addresses swapped) and sent back out of the
//! interface it came in on; an echo reply is handed to the control plane
//! (an answer to `ping`) and consumed in ip4-icmp-echo-reply (not a
//! drop). Other types are dropped and counted.
//!
//! VPP goes ip4-icmp-input → ip4-icmp-echo-request → ip4-lookup →
//! ip4-rewrite for the reply; weft answers on the segment the request came
//! from, to the MAC it came from.

use std::time::Instant;

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::{BufMeta, flags};
use crate::punt::PuntMsg;
use crate::wire::{Icmpv4Message, Icmpv4Packet, Ipv4Packet, checksum, ethernet, icmpv4};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, text: String) {
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of ip4-icmp-input.
    pub enum Next {
        /// Dropped (or consumed).
        Drop = "error-drop",
        /// An echo reply going back.
        InterfaceOutput = "interface-output",
        /// An echo reply to weft, handed to the control plane: consumed.
        EchoReply = "ip4-icmp-echo-reply",
    }
}

crate::counters! {
    /// Counters of ip4-icmp-input (VPP's wording where VPP has one).
    pub enum Counter {
        /// Echo requests answered.
        EchoRepliesSent = ("echo_replies_sent", "echo replies sent", Info),
        /// Echo replies for weft's own pings.
        EchoRepliesReceived = ("echo_replies_received", "echo replies received", Info),
        /// An echo reply for weft's `ping` not delivered: the punt queue
        /// to the control plane was full.
        PuntQueueFull = ("punt_queue_full", "echo reply punt queue full", Error),
        /// A type weft does not handle.
        UnknownType = ("unknown_type", "unknown type", Error),
        /// Shorter than an ICMP header.
        TooShort = ("length_too_small_for_type", "payload length too small for type", Error),
        /// ICMP checksum wrong.
        BadChecksum = ("icmp_checksum", "bad icmp checksum", Error),
    }
}

/// The ip4-icmp-input node.
#[derive(Debug, Default)]
pub struct Ip4IcmpInput;

static INFO: NodeInfo = NodeInfo {
    name: "ip4-icmp-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Ip4IcmpInput {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables) = (ctx.pool, ctx.tables);
        for b in v.bufs.iter_mut() {
            let mut p = pool.packet_mut(b);
            let rx_if = p.meta.rx_if;
            // ip4-input checked the IPv4 header and trimmed to its length.
            let ip = Ipv4Packet::new_unchecked(p.data());
            let hlen = ip.header_len() as usize;
            let (src, ttl) = (ip.src_addr(), ip.ttl());
            let icmp_len = p.data().len() - hlen;
            let next = 'decide: {
                if icmp_len < icmpv4::HEADER_LEN {
                    counts[Counter::TooShort as usize] += 1;
                    p.meta.error = err | Counter::TooShort as u32;
                    break 'decide Next::Drop;
                }
                if checksum::data(&p.data()[hlen..]) != 0xffff {
                    counts[Counter::BadChecksum as usize] += 1;
                    p.meta.error = err | Counter::BadChecksum as u32;
                    break 'decide Next::Drop;
                }
                let icmp = Icmpv4Packet::new_unchecked(&p.data()[hlen..]);
                match icmp.msg_type() {
                    Icmpv4Message::EchoRequest => {}
                    Icmpv4Message::EchoReply => {
                        let delivered = ctx.punt.send(PuntMsg::EchoReply {
                            sw_if_index: rx_if,
                            src: src.into(),
                            ident: icmp.echo_ident(),
                            seq: icmp.echo_seq_no(),
                            ttl,
                            len: icmp_len as u16,
                            at: Instant::now(),
                        });
                        if !delivered {
                            counts[Counter::PuntQueueFull as usize] += 1;
                        }
                        counts[Counter::EchoRepliesReceived as usize] += 1;
                        break 'decide Next::EchoReply;
                    }
                    _ => {
                        counts[Counter::UnknownType as usize] += 1;
                        p.meta.error = err | Counter::UnknownType as u32;
                        break 'decide Next::Drop;
                    }
                }
                let Some(ifc) = tables.interface(rx_if) else {
                    break 'decide Next::Drop;
                };
                let our_mac = ifc.mac;
                // The reply, in place.
                let data = p.data_mut();
                let mut ip = Ipv4Packet::new_unchecked(&mut data[..]);
                let (s, d) = (ip.src_addr(), ip.dst_addr());
                ip.set_src_addr(d);
                ip.set_dst_addr(s);
                ip.set_ttl(64);
                ip.fill_checksum();
                let mut icmp = Icmpv4Packet::new_unchecked(&mut data[hlen..]);
                let c = icmp.checksum();
                icmp.set_msg_type(Icmpv4Message::EchoReply);
                icmp.set_checksum(checksum::update16(c, 0x0800, 0x0000));
                let Some(eth) = p.prepend(ethernet::HEADER_LEN) else {
                    break 'decide Next::Drop;
                };
                // The request's source MAC becomes the destination.
                eth.copy_within(6..12, 0);
                eth[6..12].copy_from_slice(our_mac.as_bytes());
                p.meta.tx_if = rx_if;
                p.meta.flags |= flags::LOCALLY_ORIGINATED;
                counts[Counter::EchoRepliesSent as usize] += 1;
                Next::InterfaceOutput
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(
                    ctx,
                    &meta,
                    format!(
                        "ICMP from {src} ttl {ttl} len {icmp_len} next {}",
                        Next::NAMES[next as usize]
                    ),
                );
            }
            v.nexts.push(next as u16);
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
