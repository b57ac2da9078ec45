//! `arp-reply`: ARP on an L3 interface. Answers requests for weft's
//! addresses in place (the request becomes the reply), punts the sender
//! of requests for weft, of replies to weft and of gratuitous ARP to the
//! control plane (which keeps the neighbour table and decides what it
//! learns: `control::Config::learn_neighbor`), and drops the rest under
//! VPP's counters.
//!
//! VPP splits this into `arp-input` (checks) and `arp-reply`; weft does
//! both in one node, named after the one whose counters `show errors`
//! lists.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::punt::{ArpKind, PuntMsg};
use crate::wire::{ArpOperation, ArpPacket, EthernetAddress, arp, ethernet};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8], next: Next) {
    let text = match ArpPacket::new_checked(data) {
        Ok(p) => format!("{p} next {}", Next::NAMES[next as usize]),
        Err(_) => format!("malformed ARP, {} bytes", data.len()),
    };
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of arp-reply.
    pub enum Next {
        /// Dropped (or consumed after learning).
        Drop = "error-drop",
        /// The reply, back out of the receive interface.
        InterfaceOutput = "interface-output",
    }
}

crate::counters! {
    /// Counters of arp-reply (VPP's wording).
    pub enum Counter {
        /// Replies sent for weft's addresses.
        RepliesSent = ("replies_sent", "ARP replies sent", Info),
        /// Hardware type not Ethernet, or address length not 6.
        L2TypeNotEthernet = ("l2_type_not_ethernet", "L2 type not ethernet", Error),
        /// Protocol type not IPv4, or address length not 4.
        L3TypeNotIp4 = ("l3_type_not_ip4", "L3 type not IP4", Error),
        /// Target is not one of weft's addresses on this interface.
        L3DstAddressNotLocal = ("l3_dst_address_not_local", "IP4 destination address not local to subnet", Error),
        /// Sender claims one of weft's addresses.
        L3SrcAddressIsLocal = ("l3_src_address_is_local", "IP4 source address matches local interface", Error),
        /// Requests for weft whose sender was learned.
        L3SrcAddressLearned = ("l3_src_address_learned", "ARP request IP4 source address learned", Info),
        /// Replies to weft (learned, then consumed).
        RepliesReceived = ("replies_received", "ARP replies received", Info),
        /// Neither request nor reply.
        OpcodeNotRequest = ("opcode_not_request", "ARP opcode not request", Error),
        /// The sender was not learned: the punt queue to the control plane
        /// was full (weft's own counter).
        PuntQueueFull = ("punt_queue_full", "ARP punt queue full", Error),
        /// Sender hardware address differs from the frame's source.
        L2AddressMismatch = ("l2_address_mismatch", "ARP hw addr does not match L2 frame src addr", Error),
        /// Probe (sender 0.0.0.0): nothing to learn.
        ArpProbe = ("arp_probe", "ARP probe dropped", Info),
        /// Announcement (sender == target): passed to the control plane,
        /// which follows a known neighbour's MAC move (weft's own).
        Gratuitous = ("gratuitous", "gratuitous ARP received", Info),
        /// Shorter than an Ethernet/IPv4 ARP packet.
        TooShort = ("too_short", "ARP packet too short", Error),
    }
}

/// The arp-reply node.
#[derive(Debug, Default)]
pub struct ArpReply;

static INFO: NodeInfo = NodeInfo {
    name: "arp-reply",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for ArpReply {
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
            let next = 'decide: {
                let data = p.data();
                if data.len() < arp::ETHERNET_IPV4_LEN {
                    counts[Counter::TooShort as usize] += 1;
                    p.meta.error = err | Counter::TooShort as u32;
                    break 'decide Next::Drop;
                }
                let a = ArpPacket::new_unchecked(data);
                if a.hardware_type() != arp::Hardware::Ethernet || a.hardware_len() != 6 {
                    counts[Counter::L2TypeNotEthernet as usize] += 1;
                    p.meta.error = err | Counter::L2TypeNotEthernet as u32;
                    break 'decide Next::Drop;
                }
                if a.protocol_type() != crate::wire::EtherType::Ipv4 || a.protocol_len() != 4 {
                    counts[Counter::L3TypeNotIp4 as usize] += 1;
                    p.meta.error = err | Counter::L3TypeNotIp4 as u32;
                    break 'decide Next::Drop;
                }
                let sha = EthernetAddress::from_bytes(a.source_hardware_addr());
                let spa = std::net::Ipv4Addr::from(
                    <[u8; 4]>::try_from(a.source_protocol_addr()).expect("plen 4"),
                );
                let tpa = std::net::Ipv4Addr::from(
                    <[u8; 4]>::try_from(a.target_protocol_addr()).expect("plen 4"),
                );
                // The Ethernet header is still in front of the data.
                let l2_src = EthernetAddress::from_bytes(
                    &p.frame()[p.meta.data_offset as usize - ethernet::HEADER_LEN + 6..][..6],
                );
                if sha != l2_src {
                    counts[Counter::L2AddressMismatch as usize] += 1;
                    p.meta.error = err | Counter::L2AddressMismatch as u32;
                    break 'decide Next::Drop;
                }
                if spa.is_unspecified() {
                    counts[Counter::ArpProbe as usize] += 1;
                    p.meta.error = err | Counter::ArpProbe as u32;
                    break 'decide Next::Drop;
                }
                if tables.local4.contains_key(&spa) {
                    counts[Counter::L3SrcAddressIsLocal as usize] += 1;
                    p.meta.error = err | Counter::L3SrcAddressIsLocal as u32;
                    break 'decide Next::Drop;
                }
                if spa == tpa {
                    // An announcement: the control plane follows a MAC
                    // move of a neighbour it has; nothing is answered.
                    counts[Counter::Gratuitous as usize] += 1;
                    if !ctx.punt.send(PuntMsg::Neighbor {
                        sw_if_index: rx_if,
                        ip: spa.into(),
                        mac: sha,
                        kind: ArpKind::Announcement,
                    }) {
                        counts[Counter::PuntQueueFull as usize] += 1;
                    }
                    p.meta.error = err | Counter::Gratuitous as u32;
                    break 'decide Next::Drop;
                }
                if tables.local4.get(&tpa) != Some(&rx_if) {
                    counts[Counter::L3DstAddressNotLocal as usize] += 1;
                    p.meta.error = err | Counter::L3DstAddressNotLocal as u32;
                    break 'decide Next::Drop;
                }
                let op = a.operation();
                match op {
                    ArpOperation::Request | ArpOperation::Reply => {}
                    _ => {
                        counts[Counter::OpcodeNotRequest as usize] += 1;
                        p.meta.error = err | Counter::OpcodeNotRequest as u32;
                        break 'decide Next::Drop;
                    }
                }
                let learned = ctx.punt.send(PuntMsg::Neighbor {
                    sw_if_index: rx_if,
                    ip: spa.into(),
                    mac: sha,
                    kind: if op == ArpOperation::Reply {
                        ArpKind::Reply
                    } else {
                        ArpKind::Request
                    },
                });
                if !learned {
                    counts[Counter::PuntQueueFull as usize] += 1;
                }
                if op == ArpOperation::Reply {
                    counts[Counter::RepliesReceived as usize] += 1;
                    p.meta.error = err | Counter::RepliesReceived as u32;
                    break 'decide Next::Drop;
                }
                counts[Counter::L3SrcAddressLearned as usize] += 1;
                let Some(ifc) = tables.interface(rx_if) else {
                    break 'decide Next::Drop;
                };
                let our_mac = ifc.mac;
                // Turn the request into the reply, in place.
                let mut a = ArpPacket::new_unchecked(p.data_mut());
                a.set_operation(ArpOperation::Reply);
                a.set_target_hardware_addr(sha.as_bytes());
                a.set_target_protocol_addr(&spa.octets());
                a.set_source_hardware_addr(our_mac.as_bytes());
                a.set_source_protocol_addr(&tpa.octets());
                let Some(eth) = p.prepend(ethernet::HEADER_LEN) else {
                    break 'decide Next::Drop;
                };
                eth[0..6].copy_from_slice(sha.as_bytes());
                eth[6..12].copy_from_slice(our_mac.as_bytes());
                p.meta.tx_if = rx_if;
                counts[Counter::RepliesSent as usize] += 1;
                Next::InterfaceOutput
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                let skip = if next == Next::InterfaceOutput {
                    ethernet::HEADER_LEN
                } else {
                    0
                };
                let data = p.data()[skip..].to_vec();
                trace(ctx, &meta, &data, next);
            }
            v.nexts.push(next as u16);
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
