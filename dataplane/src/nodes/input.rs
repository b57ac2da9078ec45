//! `pg-input`, `af_xdp-input`, `af-packet-input`: input nodes. One node per driver; it polls
//! every port of that driver the worker owns, and sends what it receives,
//! with the receive interface set, to vxlan4-fastpath (which passes what it
//! does not take to ethernet-input), or straight to ethernet-input when the
//! fast path is off. A `pcap trace rx` capture records each frame here,
//! as the driver delivered it (`crate::pcap`).

use crate::graph::{NodeCtx, NodeInfo, NodeKind, VECTOR_SIZE, Vector};
use crate::stats::IfCounter;

fn trace_text(node: &str, sw_if_index: u32, len: usize, next: Next) -> String {
    let next = Next::NAMES[next as usize];
    format!("{node}: sw_if_index {sw_if_index} len {len} next-node {next}")
}

crate::next_nodes! {
    /// Next nodes of an input node.
    pub enum Next {
        /// Received frames, when the fast path is off.
        EthernetInput = "ethernet-input",
        /// Received frames, when the fast path is on.
        Vxlan4Fastpath = "vxlan4-fastpath",
    }
}

crate::counters! {
    /// Counters of the pg and AF_XDP input nodes (AF_PACKET's socket
    /// keeps its own, shown under af-packet-input).
    pub enum Counter {
        /// Frames the device dropped because they do not fit a buffer.
        TooBig = ("too_big", "frame larger than a buffer", Error),
    }
}

/// The pg driver's input node.
pub static PG_INPUT: NodeInfo = NodeInfo {
    name: crate::io::pg::INPUT_NODE,
    kind: NodeKind::Input,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// The AF_XDP driver's input node.
pub static AF_XDP_INPUT: NodeInfo = NodeInfo {
    name: crate::io::af_xdp::INPUT_NODE,
    kind: NodeKind::Input,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// The AF_PACKET driver's input node (VPP's name, with a dash).
pub static AF_PACKET_INPUT: NodeInfo = NodeInfo {
    name: crate::io::af_packet::INPUT_NODE,
    kind: NodeKind::Input,
    next_nodes: Next::NAMES,
    counters: &[],
};

/// Every input node weft knows.
pub static INPUT_NODES: [&NodeInfo; 3] = [&PG_INPUT, &AF_XDP_INPUT, &AF_PACKET_INPUT];

/// An input node for one driver.
#[derive(Debug)]
pub struct InputNode {
    info: &'static NodeInfo,
}

impl InputNode {
    /// The input node named `name`, one of [`INPUT_NODES`].
    ///
    /// # Panics
    ///
    /// If `name` is not an input node weft knows.
    pub fn new(name: &str) -> InputNode {
        let info = INPUT_NODES
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("unknown input node {name}"));
        InputNode { info }
    }
}

impl crate::graph::Node for InputNode {
    fn info(&self) -> &'static NodeInfo {
        self.info
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let name = self.info.name;
        let NodeCtx {
            pool,
            cache,
            ports,
            ifc,
            tracer,
            tables,
            ..
        } = ctx;
        let budget = tracer.budget(name);
        // Traced or not, packets take the same path: the fast path writes
        // its own trace record for those it takes.
        let next = if tables.vxlan4_fastpath {
            Next::Vxlan4Fastpath
        } else {
            Next::EthernetInput
        };
        let mut too_big = 0;
        // A capture is checked once per port, not per packet.
        let capture = tables.pcap.as_deref();
        ports.for_each_rx(name, |sw_if_index, port| {
            let room = VECTOR_SIZE - v.bufs.len();
            if room == 0 {
                return;
            }
            let first = v.bufs.len();
            // The driver sets each buffer's receive interface and sums the
            // bytes: no pass over the vector here unless it is traced.
            let r = port.rx(cache, &mut v.bufs, room, sw_if_index);
            if let Some(cap) = capture
                && cap.rx_on(sw_if_index)
            {
                crate::pcap::capture_bufs(cap, *pool, &v.bufs[first..]);
            }
            if budget > 0 {
                for b in &mut v.bufs[first..] {
                    let m = pool.meta_mut(b);
                    let text = trace_text(name, sw_if_index, m.len as usize, next);
                    tracer.start(m, name, text);
                }
            }
            ifc.add_combined(
                sw_if_index,
                IfCounter::RxPackets,
                r.received as u64,
                r.bytes,
            );
            ifc.add(sw_if_index, IfCounter::RxNoBuf, r.no_buf as u64);
            ifc.add(sw_if_index, IfCounter::RxMiss, r.miss as u64);
            too_big += r.too_big as u64;
        });
        if too_big > 0 && !self.info.counters.is_empty() {
            ctx.count(Counter::TooBig as usize, too_big);
        }
        v.nexts.resize(v.bufs.len(), next as u16);
    }
}
