//! `l2-fwd`: looks the destination MAC of a bridged unicast frame up in
//! the L2 FIB: a hit goes to its member through l2-output, or up to the
//! BVI's L3 stack (ethernet-input, received on the BVI); a miss or a stale
//! entry floods when the domain floods unknown unicast, and is dropped
//! otherwise.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::l2fib::{self, Entry};
use crate::nodes::l2_input::{bridge_of, bridge_trace_fields};
use crate::pool::BufMeta;
use crate::stats::IfCounter;
use crate::tables::{L2Mode, Tables};
use crate::wire::EthernetAddress;

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8], bd: u16, hit: Option<Entry>) {
    let result = match hit {
        Some(e) => format!(
            "[0x{:x}, {}] {}",
            e.raw(),
            e.sw_if_index,
            match (e.bvi, e.is_static) {
                (true, _) => "bvi",
                (false, true) => "static",
                _ => "none",
            }
        ),
        None => "[0xffffffffffffffff, -1] none".to_string(),
    };
    let fields = bridge_trace_fields(meta.rx_if, data, bd);
    let text = format!("l2-fwd:   {fields} result {result}");
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of l2-fwd.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// To the member the MAC is behind.
        L2Output = "l2-output",
        /// Unknown unicast.
        L2Flood = "l2-flood",
        /// To the BVI's L3 stack.
        EthernetInput = "ethernet-input",
    }
}

crate::counters! {
    /// Counters of l2-fwd (VPP's wording, `l2_fwd.c`).
    pub enum Counter {
        /// Frames handled.
        Packets = ("l2fwd", "L2 forward packets", Info),
        /// Destinations not in the table (flooded, or dropped when the
        /// domain does not flood unknown unicast).
        Misses = ("flood", "L2 forward misses", Info),
        /// Destinations found.
        Hits = ("hit", "L2 forward hits", Info),
        /// The destination is behind the interface the frame came from.
        Reflect = ("reflect_drop", "Reflection Drop", Error),
        /// The entry is stale and unknown unicast is not flooded.
        Stale = ("stale_drop", "Stale entry Drop", Error),
        /// Frames of an interface no longer bridged (a snapshot race).
        NotBridged = ("not_bridged", "L2 fwd: interface not bridged", Error),
    }
}

/// The l2-fwd node.
#[derive(Debug, Default)]
pub struct L2Fwd;

static INFO: NodeInfo = NodeInfo {
    name: "l2-fwd",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// An entry still describes a member: provisioned entries always do (the
/// control plane removes them with the member), learned ones only while
/// the interface is in the same domain with the same sequence number.
#[inline]
pub(crate) fn current(tables: &Tables, bd: u16, e: &Entry) -> Option<bool> {
    match tables.interface(e.sw_if_index).map(|i| i.l2) {
        Some(L2Mode::Bridge {
            bd: b, isn, bvi, ..
        }) if b == bd && (!e.is_learned() || isn == e.isn) => Some(bvi),
        _ => None,
    }
}

impl Node for L2Fwd {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let fib = &*tables.l2.fib;
        // The last destination looked up: (key, entry, is the BVI).
        let mut last: Option<(u64, Option<(Entry, bool)>)> = None;
        for (b, slot) in v.pairs() {
            let m = pool.meta_mut(b);
            let rx = m.rx_if;
            let Some((bd, L2Mode::Bridge { bd: bd_index, .. })) = bridge_of(tables, rx) else {
                counts[Counter::NotBridged as usize] += 1;
                m.error = err | Counter::NotBridged as u32;
                *slot = Next::Drop as u16;
                continue;
            };
            let data = pool.data(b);
            let dst = EthernetAddress::from_bytes(&data[0..6]);
            let k = l2fib::key(bd_index, &dst);
            let found = match last {
                Some((lk, r)) if lk == k => r,
                _ => {
                    let r = fib
                        .lookup_key(k)
                        .and_then(|e| current(tables, bd_index, &e).map(|bvi| (e, bvi)));
                    last = Some((k, r));
                    r
                }
            };
            let m = pool.meta_mut(b);
            let next = match found {
                Some((e, _)) if e.sw_if_index == rx => {
                    counts[Counter::Hits as usize] += 1;
                    counts[Counter::Reflect as usize] += 1;
                    m.error = err | Counter::Reflect as u32;
                    Next::Drop
                }
                Some((e, true)) => {
                    counts[Counter::Hits as usize] += 1;
                    m.rx_if = e.sw_if_index;
                    ifc.add_combined(e.sw_if_index, IfCounter::RxPackets, 1, m.len as u64);
                    Next::EthernetInput
                }
                Some((e, false)) => {
                    counts[Counter::Hits as usize] += 1;
                    m.tx_if = e.sw_if_index;
                    Next::L2Output
                }
                None => {
                    counts[Counter::Misses as usize] += 1;
                    if bd.uu_flood {
                        Next::L2Flood
                    } else {
                        let why = if fib.lookup_key(k).is_some() {
                            counts[Counter::Stale as usize] += 1;
                            Counter::Stale
                        } else {
                            Counter::Misses
                        };
                        m.error = err | why as u32;
                        Next::Drop
                    }
                }
            };
            if m.is_traced() {
                let mut meta = *m;
                meta.rx_if = rx;
                trace(ctx, &meta, pool.data(b), bd_index, found.map(|f| f.0));
            }
            *slot = next as u16;
        }
        counts[Counter::Packets as usize] = v.bufs.len() as u64;
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
