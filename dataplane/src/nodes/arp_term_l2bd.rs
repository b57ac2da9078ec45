//! `arp-term-l2bd`: ARP termination in a bridge domain (`arp-term 1`).
//! A broadcast ARP request whose target is in the domain's IP→MAC table
//! (`set bridge-domain arp entry`) is answered in place, back out of the
//! member it came from; anything else (other targets, replies, probes and
//! announcements) goes on to l2-flood as it would without termination.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::nodes::l2_input::bridge_of;
use crate::pool::{BufMeta, flags};
use crate::wire::{ArpOperation, ArpPacket, EthernetAddress, arp, ethernet};
use std::net::Ipv4Addr;

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8], next: Next) {
    let text = match data.get(ethernet::HEADER_LEN..).map(ArpPacket::new_checked) {
        Some(Ok(p)) => format!("{p} next {}", Next::NAMES[next as usize]),
        _ => format!("malformed ARP, {} bytes", data.len()),
    };
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of arp-term-l2bd.
    pub enum Next {
        /// Not terminated: flooded as usual.
        L2Flood = "l2-flood",
        /// The reply, back to the requester.
        L2Output = "l2-output",
        /// Dropped.
        Drop = "error-drop",
    }
}

crate::counters! {
    /// Counters of arp-term-l2bd (VPP's wording, `l2_arp_term.c`).
    pub enum Counter {
        /// Requests answered.
        RepliesSent = ("replies_sent", "ARP replies sent", Info),
        /// Sender hardware address differs from the frame's source.
        L2AddressMismatch = ("l2_address_mismatch", "ARP hw addr does not match L2 frame src addr", Error),
    }
}

/// The arp-term-l2bd node.
#[derive(Debug, Default)]
pub struct ArpTermL2bd;

static INFO: NodeInfo = NodeInfo {
    name: "arp-term-l2bd",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// What to do with one frame: the MAC to answer with, or where it goes.
enum Verdict {
    Answer(EthernetAddress, Ipv4Addr),
    Pass,
    Mismatch,
}

fn judge(arp_table: &rustc_hash::FxHashMap<Ipv4Addr, EthernetAddress>, f: &[u8]) -> Verdict {
    let Some(Ok(p)) = f.get(ethernet::HEADER_LEN..).map(ArpPacket::new_checked) else {
        return Verdict::Pass;
    };
    if p.hardware_type() != arp::Hardware::Ethernet
        || p.protocol_type() != crate::wire::EtherType::Ipv4
        || p.hardware_len() != 6
        || p.protocol_len() != 4
        || p.operation() != ArpOperation::Request
    {
        return Verdict::Pass;
    }
    if p.source_hardware_addr() != &f[6..12] {
        return Verdict::Mismatch;
    }
    let spa = Ipv4Addr::from(<[u8; 4]>::try_from(p.source_protocol_addr()).unwrap_or([0; 4]));
    let tpa = Ipv4Addr::from(<[u8; 4]>::try_from(p.target_protocol_addr()).unwrap_or([0; 4]));
    // Probes and announcements are not requests to answer.
    if spa.is_unspecified() || spa == tpa {
        return Verdict::Pass;
    }
    match arp_table.get(&tpa) {
        Some(mac) => Verdict::Answer(*mac, tpa),
        None => Verdict::Pass,
    }
}

impl Node for ArpTermL2bd {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables) = (ctx.pool, ctx.tables);
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            let rx = p.meta.rx_if;
            let verdict = match bridge_of(tables, rx) {
                Some((bd, _)) if bd.arp_term => judge(&bd.arp, p.data()),
                _ => Verdict::Pass,
            };
            let next = match verdict {
                Verdict::Pass => Next::L2Flood,
                Verdict::Mismatch => {
                    counts[Counter::L2AddressMismatch as usize] += 1;
                    p.meta.error = err | Counter::L2AddressMismatch as u32;
                    Next::Drop
                }
                Verdict::Answer(mac, ip) => {
                    let d = p.data_mut();
                    let requester: [u8; 6] = d[6..12].try_into().expect("checked");
                    d[0..6].copy_from_slice(&requester);
                    d[6..12].copy_from_slice(&mac.0);
                    let mut a = ArpPacket::new_unchecked(&mut d[ethernet::HEADER_LEN..]);
                    let spa: [u8; 4] = a.source_protocol_addr().try_into().expect("checked");
                    a.set_operation(ArpOperation::Reply);
                    a.set_target_hardware_addr(&requester);
                    a.set_target_protocol_addr(&spa);
                    a.set_source_hardware_addr(&mac.0);
                    a.set_source_protocol_addr(&ip.octets());
                    p.meta.tx_if = rx;
                    p.meta.flags |= flags::LOCALLY_ORIGINATED;
                    counts[Counter::RepliesSent as usize] += 1;
                    Next::L2Output
                }
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, pool.data(b), next);
            }
            *slot = next as u16;
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
