//! `ethernet-input`: sorts frames by the receive interface's mode and the
//! frame's type. L2 (xconnect) interfaces take every frame to l2-input;
//! L3 interfaces take IPv4 addressed to their MAC (or broadcast/multicast)
//! to ip4-input, IPv6 to ip6-input and ARP to arp-reply, with the Ethernet
//! header popped; an
//! 802.1Q-tagged frame goes on the same way as received on the
//! sub-interface of its VLAN (tag popped: crate::vlan), or is dropped as
//! `unknown vlan`.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pcap::Capture;
use crate::pool::{Buf, BufMeta, PoolView};
use crate::stats::IfCounter;
use crate::tables::{L2Mode, Tables};
use crate::vlan;
use crate::wire::{EtherType, EthernetFrame, ethernet};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, frame: &[u8], next: Next) {
    // VPP's layout: the payload's type, the addresses, then the tag.
    let text = match EthernetFrame::new_checked(frame) {
        Ok(f) => format!(
            "{}: {} -> {}{} next {}",
            f.ethertype_name(),
            f.src_addr(),
            f.dst_addr(),
            f.vlan_id()
                .map(|id| format!(" 802.1q vlan {id}"))
                .unwrap_or_default(),
            Next::NAMES[next as usize]
        ),
        Err(_) => format!("truncated frame of {} bytes", frame.len()),
    };
    ctx.tracer.add(meta, ctx.node_name, text);
}

/// Records the frames of `bufs` a BVI received from its bridge (frames
/// from devices were recorded by their input node).
#[cold]
#[inline(never)]
fn capture_bvi(cap: &Capture, pool: PoolView<'_>, tables: &Tables, bufs: &[Buf]) {
    for b in bufs {
        let rx_if = pool.meta(b).rx_if;
        let bvi = tables
            .interface(rx_if)
            .is_some_and(|i| matches!(i.l2, L2Mode::Bridge { bvi: true, .. }));
        if bvi && cap.rx_on(rx_if) && !cap.record(pool.data(b), &[]) {
            return;
        }
    }
}

crate::next_nodes! {
    /// Next nodes of ethernet-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// IPv4 for an L3 interface.
        Ip4Input = "ip4-input",
        /// Any frame of an L2 interface.
        L2Input = "l2-input",
        /// ARP for an L3 interface.
        ArpReply = "arp-reply",
        /// IPv6 for an L3 interface.
        Ip6Input = "ip6-input",
    }
}

crate::counters! {
    /// Counters of ethernet-input.
    pub enum Counter {
        /// Ethertype weft does not handle on an L3 interface.
        UnknownType = ("unknown_type", "unknown ethernet type", Error),
        /// 802.1Q-tagged frame whose VLAN no sub-interface of the L3
        /// interface matches (the tag is the frame's own or the one weft's
        /// XDP program put back).
        UnknownVlan = ("unknown_vlan", "unknown vlan", Error),
        /// Unicast frame for another MAC on an L3 interface.
        L3MacMismatch = ("l3_mac_mismatch", "l3 mac mismatch", Error),
        /// Frame received on an interface that is down or deleted.
        Down = ("down", "subinterface down", Error),
        /// Frame shorter than an Ethernet header.
        TooShort = ("too_short", "frame shorter than ethernet header", Error),
    }
}

/// The ethernet-input node.
#[derive(Debug, Default)]
pub struct EthernetInput;

static INFO: NodeInfo = NodeInfo {
    name: "ethernet-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// A name for the trace line.
trait EthertypeName {
    fn ethertype_name(&self) -> &'static str;
}

impl<T: AsRef<[u8]>> EthertypeName for EthernetFrame<T> {
    fn ethertype_name(&self) -> &'static str {
        match self.inner_ethertype() {
            EtherType::Ipv4 => "IP4",
            EtherType::Arp => "ARP",
            EtherType::Ipv6 => "IP6",
            EtherType::Vlan => "802.1Q",
            EtherType::Unknown(_) => "unknown",
        }
    }
}

impl Node for EthernetInput {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let tables = ctx.tables;
        let pool = ctx.pool;
        if let Some(cap) = tables.pcap.as_deref()
            && cap.spec().points.rx
        {
            capture_bvi(cap, pool, tables, &v.bufs);
        }
        // Interface lookup cached per run of packets from one interface.
        let mut last_if = u32::MAX;
        let mut last = None;
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            // A sub-interface's frame is traced as it came, tag included.
            let mut traced_here = false;
            if p.meta.rx_if != last_if {
                last_if = p.meta.rx_if;
                last = tables.interface(last_if).filter(|i| i.up);
            }
            let next = 'decide: {
                let Some(ifc) = last else {
                    counts[Counter::Down as usize] += 1;
                    p.meta.error = err | Counter::Down as u32;
                    break 'decide Next::Drop;
                };
                if p.data().len() < ethernet::HEADER_LEN {
                    counts[Counter::TooShort as usize] += 1;
                    p.meta.error = err | Counter::TooShort as u32;
                    break 'decide Next::Drop;
                }
                let f = EthernetFrame::new_unchecked(p.data());
                // The sub-interface of a tagged frame's VLAN, if any: it
                // takes the frame whatever the parent's mode.
                let sub = match f.ethertype() {
                    EtherType::Vlan if !tables.dot1q.is_empty() => f
                        .vlan_id()
                        .and_then(|vlan| tables.dot1q.lookup(last_if, vlan)),
                    _ => None,
                };
                // A BVI's frames come out of its bridge: they go up its
                // L3 stack like any routed interface's.
                if sub.is_none()
                    && matches!(
                        ifc.l2,
                        L2Mode::Xconnect { .. } | L2Mode::Bridge { bvi: false, .. }
                    )
                {
                    break 'decide Next::L2Input;
                }
                let dst = f.dst_addr();
                if dst != ifc.mac && !dst.is_multicast() {
                    counts[Counter::L3MacMismatch as usize] += 1;
                    p.meta.error = err | Counter::L3MacMismatch as u32;
                    break 'decide Next::Drop;
                }
                match f.ethertype() {
                    EtherType::Ipv4 => {
                        p.advance(ethernet::HEADER_LEN);
                        p.meta.l3_offset = p.meta.data_offset;
                        Next::Ip4Input
                    }
                    EtherType::Arp => {
                        p.advance(ethernet::HEADER_LEN);
                        p.meta.l3_offset = p.meta.data_offset;
                        Next::ArpReply
                    }
                    EtherType::Ipv6 => {
                        p.advance(ethernet::HEADER_LEN);
                        p.meta.l3_offset = p.meta.data_offset;
                        Next::Ip6Input
                    }
                    EtherType::Vlan => {
                        // A sub-interface's frame: on as untagged, received
                        // on it (VPP's ethernet-input counts it there too).
                        let Some(sub) = sub else {
                            counts[Counter::UnknownVlan as usize] += 1;
                            p.meta.error = err | Counter::UnknownVlan as u32;
                            break 'decide Next::Drop;
                        };
                        if !tables.interface(sub).is_some_and(|i| i.up) {
                            counts[Counter::Down as usize] += 1;
                            p.meta.error = err | Counter::Down as u32;
                            break 'decide Next::Drop;
                        }
                        let next = match f.inner_ethertype() {
                            EtherType::Ipv4 => Next::Ip4Input,
                            EtherType::Arp => Next::ArpReply,
                            EtherType::Ipv6 => Next::Ip6Input,
                            _ => {
                                counts[Counter::UnknownType as usize] += 1;
                                p.meta.error = err | Counter::UnknownType as u32;
                                break 'decide Next::Drop;
                            }
                        };
                        if p.meta.is_traced() {
                            let meta = *p.meta;
                            trace(ctx, &meta, p.data(), next);
                            traced_here = true;
                        }
                        ctx.ifc
                            .add_combined(sub, IfCounter::RxPackets, 1, u64::from(p.meta.len));
                        vlan::pop_tag(&mut p);
                        p.meta.rx_if = sub;
                        p.advance(ethernet::HEADER_LEN);
                        p.meta.l3_offset = p.meta.data_offset;
                        next
                    }
                    _ => {
                        counts[Counter::UnknownType as usize] += 1;
                        p.meta.error = err | Counter::UnknownType as u32;
                        Next::Drop
                    }
                }
            };
            if p.meta.is_traced() && !traced_here {
                let meta = *p.meta;
                let off = if matches!(next, Next::Ip4Input | Next::ArpReply | Next::Ip6Input) {
                    ethernet::HEADER_LEN
                } else {
                    0
                };
                let start = meta.data_offset as usize - off;
                trace(
                    ctx,
                    &meta,
                    &p.frame()[start..start + meta.len as usize + off],
                    next,
                );
            }
            *slot = next as u16;
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
