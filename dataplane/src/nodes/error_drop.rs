//! `error-drop`: the end of every dropped packet. Counts `drops` on the
//! receive interface (as VPP charges them) and frees the buffer. The reason
//! was counted by the node that dropped it (`show errors`), which also
//! left it in the buffer's metadata ([`BufMeta::error`]) for a
//! `pcap trace drop` capture: each dropped frame is recorded here, followed
//! by `<node>: <counter name>`, as VPP's error-drop records it
//! (`crate::pcap`).

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector, error_of};
use crate::pcap::{Capture, DropNode};
use crate::pool::{Buf, BufMeta, PoolView};
use crate::stats::IfCounter;

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta) {
    let text = format!("rx sw_if_index {} dropped", meta.rx_if);
    ctx.tracer.add(meta, ctx.node_name, text);
}

/// Records the frames of `bufs` received where `cap` captures drops, each
/// followed by its reason.
#[cold]
#[inline(never)]
fn capture(cap: &Capture, pool: PoolView<'_>, bufs: &[Buf], nodes: &[DropNode]) {
    for b in bufs {
        let m = pool.meta(b);
        if !cap.drop_on(m.rx_if) {
            continue;
        }
        let by = error_of(m.error).and_then(|(node, c)| Some((nodes.get(node)?, c)));
        let reason = by
            .and_then(|(n, c)| n.reasons.get(c))
            .map_or(&[][..], |r| &r[..]);
        let l3 = by.is_some_and(|(n, _)| n.l3);
        if !cap.record(crate::pcap::dropped_frame(pool, b, l3), reason) {
            return;
        }
    }
}

/// The error-drop node.
#[derive(Debug, Default)]
pub struct ErrorDrop {
    /// By graph index: the reasons and layer of each node's drops, for
    /// captures.
    nodes: Vec<DropNode>,
}

static INFO: NodeInfo = NodeInfo {
    name: "error-drop",
    kind: NodeKind::Internal,
    next_nodes: &[],
    counters: &[],
};

impl Node for ErrorDrop {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn bind(&mut self, nodes: &[&'static NodeInfo]) {
        self.nodes = crate::pcap::drop_nodes(nodes);
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let (pool, ifc) = (ctx.pool, ctx.ifc);
        if let Some(cap) = ctx.tables.pcap.as_deref()
            && cap.spec().points.drop
        {
            capture(cap, pool, &v.bufs, &self.nodes);
        }
        let mut run_if = u32::MAX;
        let mut run = 0;
        for b in v.bufs.drain(..) {
            let m = *pool.meta(&b);
            if m.rx_if != run_if {
                ifc.add(run_if, IfCounter::Drops, run);
                (run_if, run) = (m.rx_if, 0);
            }
            run += 1;
            if m.is_traced() {
                trace(ctx, &m);
            }
            ctx.cache.free(b);
        }
        ifc.add(run_if, IfCounter::Drops, run);
    }
}
