//! `interface-output`: hands buffers to the device of their transmit
//! interface, one transmit call per device per vector, and counts tx. A
//! `pcap trace tx` capture records each frame here as it is handed to the
//! device, a sub-interface's tag pushed (`crate::pcap`).
//!
//! A frame longer than the interface's L3 MTU plus [`L2_OVERHEAD`] is
//! dropped and counted (`frame exceeds interface MTU`): the kernel would
//! drop it without a trace (veth's `is_skb_forwardable` allows exactly
//! that much), so weft drops it first, where it can be counted.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::stats::IfCounter;
use crate::tables::Output;

#[cold]
fn trace(tracer: &mut crate::trace::Tracer, node: &'static str, meta: &BufMeta, sent: bool) {
    let text = if sent {
        format!("sw_if_index {} len {}", meta.tx_if, meta.len)
    } else {
        format!("sw_if_index {} dropped", meta.tx_if)
    };
    tracer.add(meta, node, text);
}

/// Bytes a frame may carry beyond the interface's L3 MTU: the Ethernet
/// header and one 802.1Q tag (Linux's bound on veth).
pub const L2_OVERHEAD: u32 = 18;

/// The longest frame an interface of L3 MTU `mtu` sends.
#[inline]
fn max_frame(mtu: u16) -> u32 {
    u32::from(mtu) + L2_OVERHEAD
}

crate::next_nodes! {
    /// Next nodes of interface-output.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// Into the bridge of a BVI.
        L2Input = "l2-input",
    }
}

crate::counters! {
    /// Counters of interface-output.
    pub enum Counter {
        /// The transmit interface is administratively down.
        Down = ("interface_down", "interface is down", Error),
        /// The transmit interface has no device on this worker.
        NoDevice = ("no_tx_queue", "no device for tx interface", Error),
        /// The frame is longer than the interface's MTU allows.
        TooBig = ("too_big", "frame exceeds interface MTU", Error),
        /// No headroom for a sub-interface's 802.1Q tag.
        NoHeadroom = ("no_headroom", "no headroom for vlan tag", Error),
    }
}

/// The interface-output node.
#[derive(Debug)]
pub struct InterfaceOutput {
    /// Buffers that could not be staged, on their way to error-drop.
    kept: Vec<crate::pool::Buf>,
    /// Buffers sent out of a BVI, on their way into its bridge.
    bridged: Vec<crate::pool::Buf>,
}

impl Default for InterfaceOutput {
    fn default() -> Self {
        InterfaceOutput {
            kept: Vec::with_capacity(crate::graph::VECTOR_SIZE),
            bridged: Vec::with_capacity(crate::graph::VECTOR_SIZE),
        }
    }
}

static INFO: NodeInfo = NodeInfo {
    name: "interface-output",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for InterfaceOutput {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        if !stage_all(ctx, v) {
            self.stage_each(ctx, v);
        }
        let ifc = ctx.ifc;
        ctx.ports.flush(ctx.cache, |sw_if_index, r| {
            ifc.add(sw_if_index, IfCounter::TxError, r.errors as u64);
        });
    }
}

/// The common case: the whole vector leaves on one interface that is up
/// and has a device on this worker, and nothing in it is traced. One pass
/// over the metadata, then the vector moves to the device queue in one
/// copy. False (and nothing done) otherwise.
#[inline]
fn stage_all(ctx: &mut NodeCtx<'_>, v: &mut Vector) -> bool {
    let (pool, tables) = (ctx.pool, ctx.tables);
    let Some(first) = v.bufs.first() else {
        return true;
    };
    let tx_if = pool.meta(first).tx_if;
    let (mut same, mut bytes, mut longest) = (true, 0u64, 0u16);
    for b in &v.bufs {
        let m = pool.meta(b);
        same &= m.tx_if == tx_if && !m.is_traced();
        bytes += m.len as u64;
        longest = longest.max(m.len);
    }
    if !same
        || !tables.interface(tx_if).is_some_and(|i| {
            i.up && i.output == Output::Device && u32::from(longest) <= max_frame(i.mtu)
        })
    {
        return false;
    }
    let Some(q) = ctx.ports.staging(tx_if) else {
        return false;
    };
    if let Some(cap) = tables.pcap.as_deref()
        && cap.tx_on(tx_if)
    {
        crate::pcap::capture_bufs(cap, pool, &v.bufs);
    }
    let n = v.bufs.len() as u64;
    q.append(&mut v.bufs);
    v.nexts.clear();
    ctx.ifc.add_combined(tx_if, IfCounter::TxPackets, n, bytes);
    true
}

impl InterfaceOutput {
    /// Stages what can be sent, one buffer at a time, and keeps the rest
    /// for error-drop. The interface check and the tx counters are done
    /// once per run of packets for the same interface.
    fn stage_each(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let (mut run_if, mut run_ok, mut run_pkts, mut run_bytes) = (u32::MAX, false, 0u64, 0u64);
        // The run's interface is a BVI that is up.
        let mut run_bvi = false;
        // The run's interface is a sub-interface: its frames get this VLAN
        // tag and leave on the parent's device.
        let mut run_vlan: Option<u16> = None;
        let mut run_max = 0u32;
        // The run's device queue, looked up once per run.
        let mut queue: Option<&mut Vec<crate::pool::Buf>> = None;
        // The capture that records the run's frames, if any: a frame of a
        // sub-interface is on it and on its parent.
        let capture = tables.pcap.as_deref();
        let mut run_cap = None;
        // Why the run's frames are dropped when it has no device queue.
        let mut run_why = Counter::NoDevice;
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        for mut b in v.bufs.drain(..) {
            let m = pool.meta(&b);
            let (tx_if, len) = (m.tx_if, m.len);
            let traced = m.is_traced().then_some(*m);
            if tx_if != run_if {
                ifc.add_combined(run_if, IfCounter::TxPackets, run_pkts, run_bytes);
                (run_if, run_pkts, run_bytes) = (tx_if, 0, 0);
                run_vlan = None;
                let mut device = tx_if;
                (run_bvi, run_ok) = match tables.interface(tx_if) {
                    Some(i) if i.up && i.output == Output::Bvi => (true, false),
                    Some(i) if i.up && i.output == Output::Device => {
                        run_max = max_frame(i.mtu);
                        (false, true)
                    }
                    Some(i) if i.up && matches!(i.output, Output::Dot1q { .. }) => {
                        let Output::Dot1q { parent, vlan } = i.output else {
                            unreachable!()
                        };
                        run_max = max_frame(i.mtu);
                        run_vlan = Some(vlan);
                        device = parent;
                        (false, true)
                    }
                    Some(i) if !i.up => {
                        run_why = Counter::Down;
                        counts[Counter::Down as usize] += 1;
                        (false, false)
                    }
                    _ => {
                        run_why = Counter::NoDevice;
                        counts[Counter::NoDevice as usize] += 1;
                        (false, false)
                    }
                };
                queue = if run_ok {
                    ctx.ports.staging(device)
                } else {
                    None
                };
                run_cap = capture.filter(|c| c.tx_on(tx_if) || c.tx_on(device));
            } else if !run_ok && !run_bvi {
                let down = tables.interface(tx_if).is_some_and(|i| !i.up);
                run_why = if down {
                    Counter::Down
                } else {
                    Counter::NoDevice
                };
                counts[run_why as usize] += 1;
            }
            if run_bvi {
                // Out of a BVI: into its bridge, as received on it.
                run_pkts += 1;
                run_bytes += u64::from(len);
                if let Some(m) = traced {
                    trace(ctx.tracer, ctx.node_name, &m, true);
                }
                if let Some(cap) = run_cap {
                    cap.record(pool.data(&b), &[]);
                }
                pool.meta_mut(&mut b).rx_if = tx_if;
                self.bridged.push(b);
                continue;
            }
            if let (Some(vlan), Some(_)) = (run_vlan, &queue)
                && !crate::vlan::push_tag(&mut pool.packet_mut(&mut b), vlan)
            {
                counts[Counter::NoHeadroom as usize] += 1;
                pool.meta_mut(&mut b).error = err | Counter::NoHeadroom as u32;
                self.kept.push(b);
                continue;
            }
            let len = pool.meta(&b).len;
            let staged = match &mut queue {
                Some(_) if u32::from(len) > run_max => {
                    counts[Counter::TooBig as usize] += 1;
                    pool.meta_mut(&mut b).error = err | Counter::TooBig as u32;
                    self.kept.push(b);
                    false
                }
                Some(q) => {
                    if let Some(cap) = run_cap {
                        cap.record(pool.data(&b), &[]);
                    }
                    q.push(b);
                    run_pkts += 1;
                    run_bytes += len as u64;
                    true
                }
                None if run_ok => {
                    // Up and a device, but none on this worker.
                    counts[Counter::NoDevice as usize] += 1;
                    pool.meta_mut(&mut b).error = err | Counter::NoDevice as u32;
                    self.kept.push(b);
                    false
                }
                None => {
                    pool.meta_mut(&mut b).error = err | run_why as u32;
                    self.kept.push(b);
                    false
                }
            };
            if let Some(m) = traced {
                trace(ctx.tracer, ctx.node_name, &m, staged);
            }
        }
        ifc.add_combined(run_if, IfCounter::TxPackets, run_pkts, run_bytes);
        v.bufs.append(&mut self.kept);
        v.nexts.resize(v.bufs.len(), Next::Drop as u16);
        v.bufs.append(&mut self.bridged);
        v.nexts.resize(v.bufs.len(), Next::L2Input as u16);
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
