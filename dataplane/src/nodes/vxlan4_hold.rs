//! `vxlan4-hold`: packets for a tunnel whose next hop is not resolved yet
//! wait here, a bounded number for a bounded time, and leave encapsulated
//! as soon as the control plane has resolved the next hop (ARP, or
//! Neighbor Discovery for an IPv6 tunnel, whose packets vxlan6-encap sends
//! here too) and published a snapshot with the tunnel's rewrite.
//!
//! weft's own node (VPP's `ip4-glean` drops the packet that triggered the
//! ARP request). It is an input-kind node so the dispatcher runs it every
//! loop: new arrivals are taken out of the vector and kept; held packets
//! whose tunnel now has an encap are encapsulated here (the same code as
//! vxlan4-encap) and sent to interface-output; those older than
//! [`HOLD_TIME`] are dropped. At most [`HOLD_MAX`] packets are held per
//! worker; more are dropped. Nothing is allocated per packet: the storage
//! is reserved when the node is made.

use std::time::{Duration, Instant};

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, VECTOR_SIZE, Vector};
use crate::pool::{Buf, PoolCache};
use crate::stats::IfCounter;
use crate::tables::Output;

use super::vxlan4_encap::apply;

/// Packets held at most, per worker.
pub const HOLD_MAX: usize = 256;

/// How long a packet waits for its next hop. The control plane asks at
/// once and then every second, so two requests fit.
pub const HOLD_TIME: Duration = Duration::from_millis(1500);

crate::next_nodes! {
    /// Next nodes of vxlan4-hold.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// Encapsulated, to the uplink.
        InterfaceOutput = "interface-output",
    }
}

crate::counters! {
    /// Counters of vxlan4-hold.
    pub enum Counter {
        /// Taken in to wait for the next hop.
        Held = ("held", "held for next hop resolution", Info),
        /// Sent after the next hop resolved.
        Released = ("released", "sent after next hop resolution", Info),
        /// The hold queue was full.
        Full = ("full", "hold queue full", Error),
        /// The next hop did not resolve in time.
        Expired = ("expired", "next hop resolution timed out", Error),
        /// The tunnel was deleted while its packets waited.
        Gone = ("gone", "tunnel deleted while held", Error),
    }
}

/// A resolved tunnel's encapsulation, of either family.
enum Encap<'t> {
    V4(&'t crate::tables::Vxlan4Encap),
    V6(&'t crate::tables::Vxlan6Encap),
}

#[derive(Debug)]
struct Held {
    buf: Buf,
    since: Instant,
}

/// The vxlan4-hold node.
#[derive(Debug)]
pub struct Vxlan4Hold {
    held: Vec<Held>,
    overflow: Vec<Buf>,
}

impl Default for Vxlan4Hold {
    fn default() -> Self {
        Vxlan4Hold {
            held: Vec::with_capacity(HOLD_MAX),
            overflow: Vec::with_capacity(VECTOR_SIZE),
        }
    }
}

static INFO: NodeInfo = NodeInfo {
    name: "vxlan4-hold",
    kind: NodeKind::Input,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Vxlan4Hold {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        if v.bufs.is_empty() && self.held.is_empty() {
            return;
        }
        let mut counts = [0u64; Counter::DESCS.len()];
        let now = Instant::now();
        // New arrivals: keep what fits, drop the rest.
        for buf in v.bufs.drain(..) {
            if self.held.len() < HOLD_MAX {
                self.held.push(Held { buf, since: now });
                counts[Counter::Held as usize] += 1;
            } else {
                self.overflow.push(buf);
                counts[Counter::Full as usize] += 1;
            }
        }
        for mut buf in self.overflow.drain(..) {
            ctx.pool.meta_mut(&mut buf).error = err | Counter::Full as u32;
            v.bufs.push(buf);
            v.nexts.push(Next::Drop as u16);
        }
        // Release or expire, oldest first, at most one vector's worth.
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let mut i = 0;
        while i < self.held.len() && v.bufs.len() < VECTOR_SIZE {
            let mut p = pool.packet_mut(&mut self.held[i].buf);
            let tx_if = p.meta.tx_if;
            // None: the tunnel is gone; Some(None): still unresolved.
            let tunnel = match tables.interface(tx_if).map(|ifc| ifc.output) {
                Some(Output::Vxlan4 { tunnel }) => tables
                    .tunnel(tunnel)
                    .map(|t| t.encap.as_ref().map(Encap::V4)),
                Some(Output::Vxlan6 { tunnel }) => tables
                    .tunnel6(tunnel)
                    .map(|t| t.encap.as_ref().map(Encap::V6)),
                _ => None,
            };
            let next = match tunnel {
                None => Some((Next::Drop, Counter::Gone)),
                Some(Some(e)) => {
                    let inner_len = p.meta.len as usize;
                    let sent = match e {
                        Encap::V4(e) => {
                            inner_len <= e.max_inner as usize && apply(&mut p, e, inner_len)
                        }
                        Encap::V6(e) => {
                            inner_len <= e.max_inner as usize
                                && super::vxlan6_encap::apply(&mut p, e, inner_len)
                        }
                    };
                    if sent {
                        ifc.add_combined(tx_if, IfCounter::TxPackets, 1, inner_len as u64);
                        Some((Next::InterfaceOutput, Counter::Released))
                    } else {
                        Some((Next::Drop, Counter::Expired))
                    }
                }
                Some(None) if now.duration_since(self.held[i].since) > HOLD_TIME => {
                    Some((Next::Drop, Counter::Expired))
                }
                Some(None) => None,
            };
            if let Some((Next::Drop, c)) = next {
                pool.meta_mut(&mut self.held[i].buf).error = err | c as u32;
            }
            match next {
                Some((next, counter)) => {
                    let h = self.held.remove(i);
                    v.bufs.push(h.buf);
                    v.nexts.push(next as u16);
                    counts[counter as usize] += 1;
                }
                None => i += 1,
            }
        }
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }

    fn drain(&mut self, cache: &mut PoolCache) {
        for h in self.held.drain(..) {
            cache.free(h.buf);
        }
    }
}
