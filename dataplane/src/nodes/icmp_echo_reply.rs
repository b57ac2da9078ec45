//! `ip4-icmp-echo-reply` and `ip6-icmp-echo-reply`: the end of an echo
//! reply addressed to weft. ip4-icmp-input (ip6-icmp-input) handed its
//! identifier, sequence number, TTL and length to the control plane (the
//! `ping` waiting for it); this node frees the buffer. A reply is consumed,
//! as VPP's ping plugin consumes the replies it hands to its CLI process:
//! it is not a drop and does not raise the interface's `drops` counter.
//!
//! VPP punts a reply no `ping` is waiting for (`ip4-punt`); weft's
//! workers do not know which pings are outstanding, so every echo reply
//! ends here and the control plane ignores those nobody waits for (they
//! are counted under `echo replies received` in ip4-icmp-input /
//! ip6-icmp-input, as every reply is).

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::wire::ipv6;

/// Trace line in VPP's words (`format_icmp_echo_trace`, without its CLI
/// process number).
#[cold]
#[inline(never)]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, v6: bool, data: &[u8]) {
    let icmp = if v6 {
        data.get(ipv6::HEADER_LEN..)
    } else {
        data.first()
            .and_then(|b| data.get(usize::from(b & 0x0f) * 4..))
    };
    let word = |at: usize| {
        icmp.and_then(|i| i.get(at..at + 2))
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
    };
    let text = format!(
        "ICMP{} echo id {} seq {} send to ping",
        if v6 { "6" } else { "4" },
        word(4),
        word(6)
    );
    ctx.tracer.add(meta, ctx.node_name, text);
}

/// The ip4-icmp-echo-reply (or, with `v6`, ip6-icmp-echo-reply) node.
#[derive(Debug, Default)]
pub struct IcmpEchoReply {
    v6: bool,
}

impl IcmpEchoReply {
    /// ip4-icmp-echo-reply.
    #[must_use]
    pub fn ip4() -> Self {
        IcmpEchoReply { v6: false }
    }

    /// ip6-icmp-echo-reply.
    #[must_use]
    pub fn ip6() -> Self {
        IcmpEchoReply { v6: true }
    }
}

static INFO4: NodeInfo = NodeInfo {
    name: "ip4-icmp-echo-reply",
    kind: NodeKind::Internal,
    next_nodes: &[],
    counters: &[],
};

static INFO6: NodeInfo = NodeInfo {
    name: "ip6-icmp-echo-reply",
    kind: NodeKind::Internal,
    next_nodes: &[],
    counters: &[],
};

impl Node for IcmpEchoReply {
    fn info(&self) -> &'static NodeInfo {
        if self.v6 { &INFO6 } else { &INFO4 }
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let pool = ctx.pool;
        for b in v.bufs.drain(..) {
            let m = *pool.meta(&b);
            if m.is_traced() {
                trace(ctx, &m, self.v6, pool.data(&b));
            }
            ctx.cache.free(b);
        }
    }
}
