//! `ip4-udp-lookup`: dispatches local UDP by destination port. Ports with a
//! VXLAN tunnel (its src_port) go to vxlan4-input with the UDP header
//! popped; others are dropped as VPP counts them.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::wire::{UdpPacket, udp};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, port: u16, next: Next) {
    let text = format!("UDP: dst-port {port} next {}", Next::NAMES[next as usize]);
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of ip4-udp-lookup.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// A VXLAN port.
        Vxlan4Input = "vxlan4-input",
    }
}

crate::counters! {
    /// Counters of ip4-udp-lookup (VPP's udp_error.def wording).
    pub enum Counter {
        /// No tunnel listens on the destination port.
        NoListener = ("no_listener", "No listener for dst port", Error),
    }
}

/// The ip4-udp-lookup node.
#[derive(Debug, Default)]
pub struct Ip4UdpLookup;

static INFO: NodeInfo = NodeInfo {
    name: "ip4-udp-lookup",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Ip4UdpLookup {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut no_listener = 0;
        let (pool, ports) = (ctx.pool, &ctx.tables.vxlan4_ports);
        for b in v.bufs.iter_mut() {
            let mut p = pool.packet_mut(b);
            // ip4-local checked the UDP length.
            let port = UdpPacket::new_unchecked(p.data()).dst_port();
            let next = if ports.contains(&port) {
                p.advance(udp::HEADER_LEN);
                Next::Vxlan4Input
            } else {
                no_listener += 1;
                p.meta.error = err | Counter::NoListener as u32;
                Next::Drop
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, port, next);
            }
            v.nexts.push(next as u16);
        }
        ctx.count(Counter::NoListener as usize, no_listener);
    }
}
