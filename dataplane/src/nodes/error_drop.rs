//! `error-drop`: the end of every dropped packet. Counts `drops` on the
//! receive interface (as VPP charges them) and frees the buffer. The reason
//! was counted by the node that dropped it (`show errors`).

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::stats::IfCounter;

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta) {
    let text = format!("rx sw_if_index {} dropped", meta.rx_if);
    ctx.tracer.add(meta, ctx.node_name, text);
}

/// The error-drop node.
#[derive(Debug, Default)]
pub struct ErrorDrop;

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

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let (pool, ifc) = (ctx.pool, ctx.ifc);
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
