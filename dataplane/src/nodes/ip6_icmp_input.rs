//! `ip6-icmp-input`: ICMPv6 for one of weft's interfaces (the IPv6 header
//! first; ip6-input checked it and trimmed the packet to it). Echo
//! requests to one of the interface's addresses are answered in place;
//! Neighbor Solicitations for one of them are answered with a Neighbor
//! Advertisement (Solicited and Override set, Target Link-Layer Address
//! option), in place too, as RFC 4861 section 7.2.4 says. Counter names
//! are VPP's (`ip6-icmp-input`), except `bad icmp checksum`, which VPP
//! counts in ip6-local.
//!
//! The solicitor of an NS (its Source Link-Layer Address) and the target
//! of an NA (its Target Link-Layer Address) are punted to the control
//! plane, which learns them by the neighbour rules (`control::ip`).
//!
//! Not yet: router advertisements, ICMPv6 errors.

use std::net::Ipv6Addr;

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::{BufMeta, flags};
use crate::punt::{ArpKind, PuntMsg};
use crate::wire::icmpv6::{self, NA_OVERRIDE, NA_SOLICITED, OPT_SOURCE_LL, OPT_TARGET_LL};
use crate::wire::{EthernetAddress, Icmpv6Message, Icmpv6Packet, Ipv6NextHeader, Ipv6Packet};
use crate::wire::{ethernet, ipv6};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, what: &str, next: Next) {
    let text = format!("{what} next {}", Next::NAMES[next as usize]);
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of ip6-icmp-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// A reply, back out of the receive interface.
        InterfaceOutput = "interface-output",
        /// An echo reply to weft, handed to the control plane: consumed.
        EchoReply = "ip6-icmp-echo-reply",
    }
}

crate::counters! {
    /// Counters of ip6-icmp-input (VPP's icmp6 error strings).
    pub enum Counter {
        /// A type weft does not handle.
        UnknownType = ("unknown_type", "unknown type", Error),
        /// A code other than 0 for an echo or ND message.
        InvalidCode = ("invalid_code_for_type", "invalid code for type", Error),
        /// An ND message whose hop limit is not 255 (it was routed).
        InvalidHopLimit = ("invalid_hop_limit_for_type", "hop_limit != 255", Error),
        /// Shorter than its type's fixed part.
        LengthTooSmall = ("length_too_small_for_type", "payload length too small for type", Error),
        /// An ND option of length zero or running past the message.
        OptionZeroLength = ("option_with_zero_length", "option has zero length", Error),
        /// The ICMPv6 checksum is wrong (VPP counts it in ip6-local).
        BadChecksum = ("icmp_checksum", "bad icmp checksum", Error),
        /// Echo requests answered.
        EchoRepliesSent = ("echo_replies_sent", "echo replies sent", Info),
        /// An echo request to a multicast group (not answered).
        DstLookupMiss = ("dst_lookup_miss", "icmp6 dst address lookup misses", Error),
        /// A solicitation for an address the interface does not have.
        NsUnknownTarget = ("neighbor_solicitation_source_unknown", "neighbor solicitations for unknown targets", Error),
        /// Neighbor Advertisements sent.
        NaSent = ("neighbor_advertisements_tx", "neighbor advertisements sent", Info),
        /// Neighbor Advertisements received.
        NaReceived = ("neighbor_advertisements_rx", "neighbor advertisements received", Info),
        /// Router solicitations (weft sends no router advertisements).
        RsNotConfigured = ("router_solicitation_radv_not_config", "neighbor discovery not configured", Error),
        /// Router advertisements received.
        RaReceived = ("router_advertisements_rx", "router advertisements received", Info),
        /// A neighbour heard of, or an echo reply, could not be told to
        /// the control plane.
        PuntQueueFull = ("punt_queue_full", "ND punt queue full", Error),
        /// Echo replies to weft (answers to `ping`), punted.
        EchoRepliesReceived = ("echo_replies_received", "echo replies received", Info),
    }
}

/// The ip6-icmp-input node.
#[derive(Debug, Default)]
pub struct Ip6IcmpInput;

static INFO: NodeInfo = NodeInfo {
    name: "ip6-icmp-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// All-nodes multicast.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// The hop limit of weft's echo replies (VPP's default for IPv6).
const ECHO_HOP_LIMIT: u8 = 64;

impl Node for Ip6IcmpInput {
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
            let mut what = "ICMP6";
            let next = 'decide: {
                let ip = Ipv6Packet::new_unchecked(p.data());
                let (src, dst, hops) = (ip.src_addr(), ip.dst_addr(), ip.hop_limit());
                let icmp_bytes = &p.data()[ipv6::HEADER_LEN..];
                let Ok(icmp) = Icmpv6Packet::new_checked(icmp_bytes) else {
                    counts[Counter::LengthTooSmall as usize] += 1;
                    p.meta.error = err | Counter::LengthTooSmall as u32;
                    break 'decide Next::Drop;
                };
                if !icmp.checksum_ok(&src, &dst) {
                    counts[Counter::BadChecksum as usize] += 1;
                    p.meta.error = err | Counter::BadChecksum as u32;
                    break 'decide Next::Drop;
                }
                let Some(ifc) = tables.interface(rx_if) else {
                    break 'decide Next::Drop;
                };
                let our_mac = ifc.mac;
                let ty = icmp.msg_type();
                let nd = matches!(
                    ty,
                    Icmpv6Message::NeighborSolicit
                        | Icmpv6Message::NeighborAdvert
                        | Icmpv6Message::RouterSolicit
                        | Icmpv6Message::RouterAdvert
                );
                if (nd || matches!(ty, Icmpv6Message::EchoRequest)) && icmp.code() != 0 {
                    counts[Counter::InvalidCode as usize] += 1;
                    p.meta.error = err | Counter::InvalidCode as u32;
                    break 'decide Next::Drop;
                }
                if nd && hops != 255 {
                    counts[Counter::InvalidHopLimit as usize] += 1;
                    p.meta.error = err | Counter::InvalidHopLimit as u32;
                    break 'decide Next::Drop;
                }
                match ty {
                    Icmpv6Message::EchoRequest => {
                        what = "ICMP6 echo request";
                        if dst.is_multicast() {
                            counts[Counter::DstLookupMiss as usize] += 1;
                            p.meta.error = err | Counter::DstLookupMiss as u32;
                            break 'decide Next::Drop;
                        }
                        echo_reply(&mut p, src, dst);
                        if !swap_macs(&mut p, None, our_mac) {
                            break 'decide Next::Drop;
                        }
                        counts[Counter::EchoRepliesSent as usize] += 1;
                        Next::InterfaceOutput
                    }
                    Icmpv6Message::NeighborSolicit => {
                        what = "ICMP6 neighbor solicitation";
                        let target = icmp.nd_target();
                        let sll = match icmp.nd_ll_option(OPT_SOURCE_LL) {
                            Ok(sll) => sll,
                            Err(_) => {
                                counts[Counter::OptionZeroLength as usize] += 1;
                                p.meta.error = err | Counter::OptionZeroLength as u32;
                                break 'decide Next::Drop;
                            }
                        };
                        if !tables.ip6.is_local(rx_if, &target) {
                            counts[Counter::NsUnknownTarget as usize] += 1;
                            p.meta.error = err | Counter::NsUnknownTarget as u32;
                            break 'decide Next::Drop;
                        }
                        // The solicitor, as an ARP request's sender.
                        if let Some(mac) = sll
                            && !src.is_unspecified()
                            && !punt(ctx.punt, rx_if, src, mac, ArpKind::Request)
                        {
                            counts[Counter::PuntQueueFull as usize] += 1;
                        }
                        // From the unspecified address (duplicate address
                        // detection): to all-nodes, not solicited.
                        let (to, flags) = if src.is_unspecified() {
                            (ALL_NODES, NA_OVERRIDE)
                        } else {
                            (src, NA_SOLICITED | NA_OVERRIDE)
                        };
                        if !advertise(&mut p, target, to, flags, our_mac) {
                            break 'decide Next::Drop;
                        }
                        let dst_mac = if to.is_multicast() {
                            Some(ipv6::multicast_mac(to))
                        } else {
                            sll
                        };
                        if !swap_macs(&mut p, dst_mac, our_mac) {
                            break 'decide Next::Drop;
                        }
                        counts[Counter::NaSent as usize] += 1;
                        Next::InterfaceOutput
                    }
                    Icmpv6Message::EchoReply => {
                        let delivered = ctx.punt.send(PuntMsg::EchoReply {
                            sw_if_index: rx_if,
                            src: src.into(),
                            ident: icmp.echo_ident(),
                            seq: icmp.echo_seq(),
                            ttl: hops,
                            len: icmp_bytes.len() as u16,
                            at: std::time::Instant::now(),
                        });
                        if !delivered {
                            counts[Counter::PuntQueueFull as usize] += 1;
                        }
                        counts[Counter::EchoRepliesReceived as usize] += 1;
                        Next::EchoReply
                    }
                    Icmpv6Message::NeighborAdvert => {
                        what = "ICMP6 neighbor advertisement";
                        counts[Counter::NaReceived as usize] += 1;
                        let tll = match icmp.nd_ll_option(OPT_TARGET_LL) {
                            Ok(tll) => tll,
                            Err(_) => {
                                counts[Counter::OptionZeroLength as usize] += 1;
                                p.meta.error = err | Counter::OptionZeroLength as u32;
                                break 'decide Next::Drop;
                            }
                        };
                        // Unsolicited with Override: the neighbour says its
                        // MAC changed (gratuitous ARP's role); else a reply.
                        let f = icmp.na_flags();
                        let kind = if f & NA_SOLICITED == 0 && f & NA_OVERRIDE != 0 {
                            ArpKind::Announcement
                        } else {
                            ArpKind::Reply
                        };
                        if let Some(mac) = tll
                            && !punt(ctx.punt, rx_if, icmp.nd_target(), mac, kind)
                        {
                            counts[Counter::PuntQueueFull as usize] += 1;
                        }
                        p.meta.error = err | Counter::NaReceived as u32;
                        Next::Drop
                    }
                    Icmpv6Message::RouterSolicit => {
                        counts[Counter::RsNotConfigured as usize] += 1;
                        p.meta.error = err | Counter::RsNotConfigured as u32;
                        Next::Drop
                    }
                    Icmpv6Message::RouterAdvert => {
                        counts[Counter::RaReceived as usize] += 1;
                        p.meta.error = err | Counter::RaReceived as u32;
                        Next::Drop
                    }
                    _ => {
                        counts[Counter::UnknownType as usize] += 1;
                        p.meta.error = err | Counter::UnknownType as u32;
                        Next::Drop
                    }
                }
            };
            if next == Next::InterfaceOutput {
                p.meta.tx_if = rx_if;
                p.meta.flags |= flags::LOCALLY_ORIGINATED;
            }
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, what, next);
            }
            v.nexts.push(next as u16);
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}

/// Tells the control plane of neighbour `ip` at `mac`; false if its queue
/// is full.
fn punt(
    punt: &crate::punt::Punt,
    sw_if_index: u32,
    ip: Ipv6Addr,
    mac: EthernetAddress,
    kind: ArpKind,
) -> bool {
    punt.send(PuntMsg::Neighbor {
        sw_if_index,
        ip: ip.into(),
        mac,
        kind,
    })
}

/// Turns the echo request at the packet's data into its reply.
fn echo_reply(p: &mut crate::pool::PacketMut<'_>, src: Ipv6Addr, dst: Ipv6Addr) {
    let d = p.data_mut();
    let mut ip = Ipv6Packet::new_unchecked(&mut d[..]);
    ip.set_src_addr(dst);
    ip.set_dst_addr(src);
    ip.set_hop_limit(ECHO_HOP_LIMIT);
    let mut icmp = Icmpv6Packet::new_unchecked(&mut d[ipv6::HEADER_LEN..]);
    icmp.set_msg_type(Icmpv6Message::EchoReply);
    icmp.fill_checksum(&dst, &src);
}

/// Rewrites the packet into a Neighbor Advertisement of `target` to `to`.
/// False if the buffer cannot hold it.
fn advertise(
    p: &mut crate::pool::PacketMut<'_>,
    target: Ipv6Addr,
    to: Ipv6Addr,
    flags: u8,
    mac: EthernetAddress,
) -> bool {
    let len = ipv6::HEADER_LEN + icmpv6::NA_LEN;
    if !p.set_len(len) {
        return false;
    }
    let d = p.data_mut();
    let mut ip = Ipv6Packet::new_unchecked(&mut d[..]);
    ip.set_version_tc_flow(0, 0);
    ip.set_payload_len(icmpv6::NA_LEN as u16);
    ip.set_next_header(Ipv6NextHeader::Icmpv6);
    ip.set_hop_limit(255);
    ip.set_src_addr(target);
    ip.set_dst_addr(to);
    icmpv6::emit_na(&mut d[ipv6::HEADER_LEN..], target, flags, mac, &target, &to);
    true
}

/// Puts the Ethernet header back in front of the reply: to `dst` (or the
/// request's source MAC), from `src`. False without headroom.
fn swap_macs(
    p: &mut crate::pool::PacketMut<'_>,
    dst: Option<EthernetAddress>,
    src: EthernetAddress,
) -> bool {
    let Some(eth) = p.prepend(ethernet::HEADER_LEN) else {
        return false;
    };
    // The request's Ethernet header is still there: its source becomes
    // the destination unless one is given.
    match dst {
        Some(m) => eth[0..6].copy_from_slice(m.as_bytes()),
        None => eth.copy_within(6..12, 0),
    }
    eth[6..12].copy_from_slice(src.as_bytes());
    eth[12..14].copy_from_slice(&[0x86, 0xdd]);
    true
}
