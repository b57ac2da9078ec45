//! `l2-flood`: replicates a bridged frame to every member of its domain
//! but the one it came from and those of the (non-zero) split-horizon
//! group it came from: head-end replication onto each VXLAN tunnel,
//! a copy to the BVI's L3 stack. Broadcast and multicast are flooded when
//! the domain floods (`flood`), unknown unicast when it floods unknown
//! unicast (`uu-flood`).
//!
//! Each copy is a new buffer (weft's buffers have one owner and every
//! VXLAN copy gets its own outer header anyway); the original goes to the
//! last member. Copies are not traced: the traced frame is the original.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::nodes::l2_input::{bridge_of, bridge_trace_fields};
use crate::nodes::l2_output::same_group;
use crate::pool::{Buf, BufMeta, flags};
use crate::stats::IfCounter;
use crate::tables::{L2Mode, Member};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8], bd: u16) {
    let text = format!("l2-flood: {}", bridge_trace_fields(meta.rx_if, data, bd));
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of l2-flood.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// To a member.
        L2Output = "l2-output",
        /// To the BVI's L3 stack.
        EthernetInput = "ethernet-input",
    }
}

crate::counters! {
    /// Counters of l2-flood (VPP's wording, `l2_flood.c`, and weft's own
    /// for the switches, which VPP applies in l2-input).
    pub enum Counter {
        /// Frames flooded.
        Packets = ("l2flood", "L2 flood packets", Info),
        /// Copies not made for lack of buffers.
        ReplFail = ("repl_fail", "L2 replication failures", Error),
        /// Frames with no member to go to.
        NoMembers = ("no_members", "L2 replication complete", Info),
        /// Broadcast or multicast in a domain with `flood 0`.
        FloodOff = ("flood_off", "L2 flood disabled drops", Error),
        /// Unknown unicast in a domain with `uu-flood 0`.
        UuFloodOff = ("uu_flood_off", "L2 uu-flood disabled drops", Error),
        /// Frames of an interface no longer bridged (a snapshot race).
        NotBridged = ("not_bridged", "L2 flood: interface not bridged", Error),
    }
}

/// The l2-flood node.
#[derive(Debug)]
pub struct L2Flood {
    /// Buffers and next indices being built for the vector.
    out: Vec<(Buf, u16)>,
}

impl Default for L2Flood {
    fn default() -> Self {
        L2Flood {
            out: Vec::with_capacity(4 * crate::graph::VECTOR_SIZE),
        }
    }
}

static INFO: NodeInfo = NodeInfo {
    name: "l2-flood",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// A member a frame from `rx` (of group `shg`) is flooded to.
#[inline]
fn floods_to(m: &Member, rx: u32, shg: u8) -> bool {
    m.sw_if_index != rx && !same_group(m.shg, shg)
}

impl Node for L2Flood {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let out = &mut self.out;
        let mut flooded = 0;
        for mut b in v.bufs.drain(..) {
            let rx = pool.meta(&b).rx_if;
            let Some((
                bd,
                L2Mode::Bridge {
                    bd: bd_index, shg, ..
                },
            )) = bridge_of(tables, rx)
            else {
                counts[Counter::NotBridged as usize] += 1;
                pool.meta_mut(&mut b).error = err | Counter::NotBridged as u32;
                out.push((b, Next::Drop as u16));
                continue;
            };
            let group = pool.data(&b)[0] & 1 != 0;
            if group && !bd.flood {
                counts[Counter::FloodOff as usize] += 1;
                pool.meta_mut(&mut b).error = err | Counter::FloodOff as u32;
                out.push((b, Next::Drop as u16));
                continue;
            }
            if !group && !bd.uu_flood {
                counts[Counter::UuFloodOff as usize] += 1;
                pool.meta_mut(&mut b).error = err | Counter::UuFloodOff as u32;
                out.push((b, Next::Drop as u16));
                continue;
            }
            if pool.meta(&b).is_traced() {
                let meta = *pool.meta(&b);
                trace(ctx, &meta, pool.data(&b), bd_index);
            }
            let targets = bd.members.iter().filter(|m| floods_to(m, rx, shg)).count();
            if targets == 0 {
                counts[Counter::NoMembers as usize] += 1;
                pool.meta_mut(&mut b).error = err | Counter::NoMembers as u32;
                out.push((b, Next::Drop as u16));
                continue;
            }
            flooded += 1;
            let len = u64::from(pool.meta(&b).len);
            // Sends `buf` to member `mb`.
            let route = |buf: &mut Buf, mb: &Member| {
                let m = pool.meta_mut(buf);
                if mb.bvi {
                    m.rx_if = mb.sw_if_index;
                    ifc.add_combined(mb.sw_if_index, IfCounter::RxPackets, 1, len);
                    Next::EthernetInput as u16
                } else {
                    m.tx_if = mb.sw_if_index;
                    Next::L2Output as u16
                }
            };
            // A copy for every target but the last, which takes `b`.
            let mut pending: Option<&Member> = None;
            for mb in bd.members.iter().filter(|m| floods_to(m, rx, shg)) {
                let Some(prev) = pending.replace(mb) else {
                    continue;
                };
                let Some(mut c) = ctx.cache.alloc() else {
                    counts[Counter::ReplFail as usize] += 1;
                    continue;
                };
                let src = *pool.meta(&b);
                let mut p = pool.packet_mut(&mut c);
                p.write(pool.data(&b));
                p.meta.rx_if = src.rx_if;
                p.meta.flow_hash = src.flow_hash;
                p.meta.flags = src.flags & !flags::TRACED;
                let next = route(&mut c, prev);
                out.push((c, next));
            }
            let last = pending.expect("at least one target");
            let next = route(&mut b, last);
            out.push((b, next));
        }
        counts[Counter::Packets as usize] = flooded;
        v.nexts.clear();
        for (b, n) in out.drain(..) {
            v.bufs.push(b);
            v.nexts.push(n);
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
