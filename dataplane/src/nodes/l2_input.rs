//! `l2-input`: frames of interfaces in L2 mode. An xconnected interface
//! sends every frame to its peer through l2-output; an interface not in L2
//! mode (e.g. a tunnel not yet xconnected) drops them.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::tables::L2Mode;

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8]) {
    let text = if data.len() >= 12 {
        format!(
            "l2-input: sw_if_index {} dst {} src {}",
            meta.rx_if,
            crate::wire::EthernetAddress::from_bytes(&data[0..6]),
            crate::wire::EthernetAddress::from_bytes(&data[6..12]),
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
    }
}

crate::counters! {
    /// Counters of l2-input (VPP's wording).
    pub enum Counter {
        /// Frames handled.
        Packets = ("L2 input packets", Info),
        /// Frames of an interface not in L2 mode.
        Drops = ("L2 input drops", Error),
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
        let mut drops = 0;
        let (pool, tables) = (ctx.pool, ctx.tables);
        for (b, slot) in v.pairs() {
            let m = pool.meta_mut(b);
            let next = match tables.interface(m.rx_if).map(|i| i.l2) {
                Some(L2Mode::Xconnect { peer }) => {
                    m.tx_if = peer;
                    Next::L2Output
                }
                _ => {
                    drops += 1;
                    Next::Drop
                }
            };
            if m.is_traced() {
                let meta = *m;
                trace(ctx, &meta, pool.data(b));
            }
            *slot = next as u16;
        }
        ctx.count(Counter::Packets as usize, v.bufs.len() as u64);
        ctx.count(Counter::Drops as usize, drops);
    }
}
