//! `l2-learn`: learns the source MAC of a bridged frame in the L2 FIB
//! (new, refreshed, moved), then hands the frame to l2-fwd or l2-flood.
//!
//! The FIB is shared by every worker ([`crate::l2fib`]); a lookup is a
//! scan of one window and nothing is written unless something changed.
//! Within a vector, a run of frames from the same source on the same
//! interface is looked up once.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::l2fib::Learn;
use crate::nodes::l2_input::{Stage, bridge_of, bridge_trace_fields, stage};
use crate::pool::BufMeta;
use crate::tables::L2Mode;
use crate::wire::EthernetAddress;

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8], bd: u16) {
    let text = format!("l2-learn: {}", bridge_trace_fields(meta.rx_if, data, bd));
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of l2-learn.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// Known unicast lookup.
        L2Fwd = "l2-fwd",
        /// Flooding.
        L2Flood = "l2-flood",
        /// ARP termination.
        ArpTerm = "arp-term-l2bd",
    }
}

crate::counters! {
    /// Counters of l2-learn (VPP's wording, `l2_learn.c`).
    pub enum Counter {
        /// Frames handled.
        Packets = ("l2learn", "L2 learn packets", Info),
        /// Source MACs not in the table (learned, unless refused).
        Misses = ("miss", "L2 learn misses", Info),
        /// Source MACs that moved to this interface.
        Moves = ("mac_move", "L2 mac moves", Info),
        /// Frames from a MAC that is static on another interface: dropped.
        MoveViolations = ("mac_move_violate", "L2 mac move violations", Error),
        /// New MACs refused by the domain's or the global learn limit.
        Limit = ("limit", "L2 not learned due to limit", Error),
        /// Entries whose stamp or sequence number was renewed.
        HitUpdates = ("hit_update", "L2 learn hit updates", Info),
        /// New MACs refused because their window of the table is full
        /// (weft's: VPP's table grows instead).
        TableFull = ("table_full", "L2 not learned due to full table", Error),
        /// Frames of an interface no longer bridged (a snapshot race).
        NotBridged = ("not_bridged", "L2 learn: interface not bridged", Error),
    }
}

/// The l2-learn node.
#[derive(Debug, Default)]
pub struct L2Learn;

static INFO: NodeInfo = NodeInfo {
    name: "l2-learn",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for L2Learn {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables) = (ctx.pool, ctx.tables);
        let fib = &*tables.l2.fib;
        // The last (interface, source) learned, and whether its frames may
        // go on.
        let mut last: Option<(u32, [u8; 6], bool)> = None;
        for (b, slot) in v.pairs() {
            let m = pool.meta(b);
            let data = pool.data(b);
            let Some((
                bd,
                L2Mode::Bridge {
                    bd: bd_index, isn, ..
                },
            )) = bridge_of(tables, m.rx_if)
            else {
                counts[Counter::NotBridged as usize] += 1;
                pool.meta_mut(b).error = err | Counter::NotBridged as u32;
                *slot = Next::Drop as u16;
                continue;
            };
            let src: [u8; 6] = data[6..12].try_into().expect("l2-input checked 12 bytes");
            let pass = match last {
                Some((i, s, pass)) if i == m.rx_if && s == src => pass,
                _ => {
                    let pass = if src[0] & 1 != 0 || src == [0; 6] {
                        // Never learn a group or zero source.
                        true
                    } else {
                        let r = fib.learn(
                            bd_index,
                            &EthernetAddress(src),
                            m.rx_if,
                            isn,
                            bd.learn_limit,
                        );
                        let c = match r {
                            // Counted per frame dropped, below.
                            Learn::Known | Learn::Busy | Learn::StaticMove => None,
                            Learn::Refreshed => Some(Counter::HitUpdates),
                            Learn::Learned => Some(Counter::Misses),
                            Learn::Moved => Some(Counter::Moves),
                            Learn::Limit => {
                                counts[Counter::Misses as usize] += 1;
                                Some(Counter::Limit)
                            }
                            Learn::Full => {
                                counts[Counter::Misses as usize] += 1;
                                Some(Counter::TableFull)
                            }
                        };
                        if let Some(c) = c {
                            counts[c as usize] += 1;
                        }
                        r != Learn::StaticMove
                    };
                    last = Some((m.rx_if, src, pass));
                    pass
                }
            };
            let next = if !pass {
                counts[Counter::MoveViolations as usize] += 1;
                Next::Drop
            } else {
                match stage(bd, data) {
                    Stage::Fwd => Next::L2Fwd,
                    Stage::Flood => Next::L2Flood,
                    Stage::ArpTerm => Next::ArpTerm,
                }
            };
            if m.is_traced() {
                let meta = *m;
                trace(ctx, &meta, pool.data(b), bd_index);
            }
            if next == Next::Drop {
                pool.meta_mut(b).error = err | Counter::MoveViolations as u32;
            }
            *slot = next as u16;
        }
        counts[Counter::Packets as usize] = v.bufs.len() as u64;
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
