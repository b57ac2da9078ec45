//! `l2-output`: sends an L2 frame out of its transmit interface: a VXLAN
//! tunnel's frames go to vxlan4-encap, a device's to interface-output.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::tables::{L2Mode, Output, Tables};

/// Two members in one split-horizon group: nothing goes from one to the
/// other (group 0 is no group).
#[inline]
pub(crate) fn same_group(a: u8, b: u8) -> bool {
    a != 0 && a == b
}

/// The split-horizon group of a bridged interface (0 otherwise).
#[inline]
fn shg(tables: &Tables, sw_if_index: u32) -> u8 {
    match tables.interface(sw_if_index).map(|i| i.l2) {
        Some(L2Mode::Bridge { shg, .. }) => shg,
        _ => 0,
    }
}

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, data: &[u8]) {
    let hex: String = data
        .iter()
        .skip(12)
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    let text = if data.len() >= 12 {
        format!(
            "l2-output: sw_if_index {} dst {} src {} data {hex}",
            meta.tx_if,
            crate::wire::EthernetAddress::from_bytes(&data[0..6]),
            crate::wire::EthernetAddress::from_bytes(&data[6..12]),
        )
    } else {
        format!("l2-output: sw_if_index {} (runt)", meta.tx_if)
    };
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of l2-output.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// A VXLAN tunnel.
        Vxlan4Encap = "vxlan4-encap",
        /// A device.
        InterfaceOutput = "interface-output",
        /// A VXLAN tunnel over IPv6.
        Vxlan6Encap = "vxlan6-encap",
    }
}

crate::counters! {
    /// Counters of l2-output (VPP's wording).
    pub enum Counter {
        /// Frames handled.
        Packets = ("l2output", "L2 output packets", Info),
        /// The transmit interface is gone.
        BadInterface = ("bad_interface", "L2 output to interface not in L2 mode or deleted", Error),
        /// The transmit interface is administratively down.
        Down = ("interface_down", "interface is down", Error),
        /// Known unicast between two members of one split-horizon group.
        SplitHorizon = ("shg_drop", "L2 split horizon drops", Error),
    }
}

/// The l2-output node.
#[derive(Debug, Default)]
pub struct L2Output;

static INFO: NodeInfo = NodeInfo {
    name: "l2-output",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for L2Output {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables) = (ctx.pool, ctx.tables);
        for (b, slot) in v.pairs() {
            let m = pool.meta(b);
            let decided = match tables.interface(m.tx_if) {
                None => Err(Counter::BadInterface),
                Some(i) if !i.up => Err(Counter::Down),
                Some(i)
                    if m.flags & crate::pool::flags::LOCALLY_ORIGINATED == 0
                        && matches!(i.l2, L2Mode::Bridge { shg: s, .. } if same_group(s, shg(tables, m.rx_if))) =>
                {
                    Err(Counter::SplitHorizon)
                }
                Some(i) => match i.output {
                    Output::Vxlan4 { .. } => Ok(Next::Vxlan4Encap),
                    Output::Vxlan6 { .. } => Ok(Next::Vxlan6Encap),
                    Output::Device => Ok(Next::InterfaceOutput),
                    // Sub-interfaces are L3 only (the control plane
                    // refuses L2 modes on them).
                    Output::Bvi | Output::Drop | Output::Dot1q { .. } => Err(Counter::BadInterface),
                },
            };
            let next = decided.unwrap_or_else(|c| {
                counts[c as usize] += 1;
                Next::Drop
            });
            if m.is_traced() {
                let meta = *m;
                trace(ctx, &meta, pool.data(b));
            }
            if let Err(c) = decided {
                pool.meta_mut(b).error = err | c as u32;
            }
            *slot = next as u16;
        }
        counts[Counter::Packets as usize] = v.bufs.len() as u64;
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
