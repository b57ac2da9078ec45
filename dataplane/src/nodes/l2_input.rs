//! `l2-input`: frames of interfaces in L2 mode. An xconnected interface
//! sends every frame to its peer through l2-output; a bridged one starts
//! the bridge domain's features: l2-learn when the domain learns, then
//! l2-fwd (unicast, forwarding on) or l2-flood. An interface not in L2
//! mode (e.g. a tunnel not yet xconnected) drops them.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::tables::{BridgeDomain, L2Mode, Tables};
use crate::wire::EthernetAddress;

/// Where a bridged frame goes after learning (VPP's feature bitmap, as
/// l2-input computes it from the domain's flags and the destination).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// l2-fwd: unicast with forwarding on.
    Fwd,
    /// l2-flood: broadcast and multicast, or unicast with forwarding off
    /// (l2-flood applies the flood / uu-flood switches).
    Flood,
    /// arp-term-l2bd: a broadcast ARP frame in a domain that terminates
    /// ARP.
    ArpTerm,
}

/// The stage after learning for a frame to `dst` in `bd`.
#[inline]
pub fn stage(bd: &BridgeDomain, frame: &[u8]) -> Stage {
    if frame[0] & 1 == 0 && bd.forward {
        Stage::Fwd
    } else if bd.arp_term && frame.get(12..14) == Some(&[0x08, 0x06]) {
        Stage::ArpTerm
    } else {
        Stage::Flood
    }
}

/// The feature list VPP's l2-input trace shows, e.g. `[l2-learn l2-fwd
/// l2-flood l2-flood ]`.
pub fn features(bd: &BridgeDomain, dst: &[u8]) -> String {
    let mut s = String::from("[");
    if bd.learn {
        s.push_str("l2-learn ");
    }
    if bd.arp_term {
        s.push_str("arp-term-l2bd ");
    }
    if dst[0] & 1 == 0 {
        if bd.forward {
            s.push_str("l2-fwd ");
        }
        if bd.uu_flood {
            s.push_str("l2-flood ");
        }
    }
    if bd.flood {
        s.push_str("l2-flood ");
    }
    s.push(']');
    s
}

/// The bridge domain of a bridged interface, with the interface's mode.
#[inline]
pub fn bridge_of(tables: &Tables, sw_if_index: u32) -> Option<(&BridgeDomain, L2Mode)> {
    let l2 = tables.interface(sw_if_index)?.l2;
    Some((tables.l2.bd(l2.bd()?)?, l2))
}

/// What the bridge nodes' trace lines say after their name, VPP's words:
/// `sw_if_index <rx> dst <mac> src <mac> bd_index <n>`.
pub fn bridge_trace_fields(rx_if: u32, data: &[u8], bd: u16) -> String {
    format!(
        "sw_if_index {rx_if} dst {} src {} bd_index {bd}",
        EthernetAddress::from_bytes(&data[0..6]),
        EthernetAddress::from_bytes(&data[6..12]),
    )
}

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8]) {
    let text = if data.len() >= 12 {
        let bridge = match bridge_of(ctx.tables, meta.rx_if) {
            Some((bd, _)) => format!(" {}", features(bd, data)),
            None => String::new(),
        };
        format!(
            "l2-input: sw_if_index {} dst {} src {}{bridge}",
            meta.rx_if,
            EthernetAddress::from_bytes(&data[0..6]),
            EthernetAddress::from_bytes(&data[6..12]),
        )
    } else {
        format!("l2-input: sw_if_index {} (runt)", meta.rx_if)
    };
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of l2-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// To the xconnect peer.
        L2Output = "l2-output",
        /// A bridge domain that learns.
        L2Learn = "l2-learn",
        /// Known unicast lookup.
        L2Fwd = "l2-fwd",
        /// Flooding.
        L2Flood = "l2-flood",
        /// ARP termination.
        ArpTerm = "arp-term-l2bd",
    }
}

crate::counters! {
    /// Counters of l2-input (VPP's wording).
    pub enum Counter {
        /// Frames handled.
        Packets = ("l2input", "L2 input packets", Info),
        /// Frames of an interface not in L2 mode.
        Drops = ("drop", "L2 input drops", Error),
    }
}

/// The l2-input node.
#[derive(Debug, Default)]
pub struct L2Input;

static INFO: NodeInfo = NodeInfo {
    name: "l2-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for L2Input {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut drops = 0;
        let (pool, tables) = (ctx.pool, ctx.tables);
        for (b, slot) in v.pairs() {
            let next = {
                let m = pool.meta_mut(b);
                match tables.interface(m.rx_if).map(|i| i.l2) {
                    Some(L2Mode::Xconnect { peer }) => {
                        m.tx_if = peer;
                        Next::L2Output
                    }
                    Some(L2Mode::Bridge { bd, .. }) => match tables.l2.bd(bd) {
                        Some(d) if pool.data(b).len() >= 12 => {
                            if d.learn {
                                Next::L2Learn
                            } else {
                                match stage(d, pool.data(b)) {
                                    Stage::Fwd => Next::L2Fwd,
                                    Stage::Flood => Next::L2Flood,
                                    Stage::ArpTerm => Next::ArpTerm,
                                }
                            }
                        }
                        _ => {
                            drops += 1;
                            Next::Drop
                        }
                    },
                    _ => {
                        drops += 1;
                        Next::Drop
                    }
                }
            };
            if pool.meta(b).is_traced() {
                let meta = *pool.meta(b);
                trace(ctx, &meta, pool.data(b));
            }
            if next == Next::Drop {
                pool.meta_mut(b).error = err | Counter::Drops as u32;
            }
            *slot = next as u16;
        }
        ctx.count(Counter::Packets as usize, v.bufs.len() as u64);
        ctx.count(Counter::Drops as usize, drops);
    }
}
