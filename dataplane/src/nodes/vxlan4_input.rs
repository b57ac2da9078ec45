//! `vxlan4-input`: VXLAN decapsulation (RFC 7348), behaving as VPP's node.
//!
//! A tunnel matches on outer source = tunnel dst, outer destination =
//! tunnel src, UDP destination port = tunnel src_port and the raw VNI word
//! (so a non-zero reserved byte matches nothing). The flags byte must be
//! exactly 0x08. The inner frame is accounted as received on the tunnel
//! interface and goes to l2-input. A one-entry last-hit cache skips the
//! hash lookup for runs of packets of the same tunnel.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::stats::IfCounter;
use crate::tables::Vxlan4Key;
use std::net::Ipv4Addr;

use crate::wire::{ethernet, vxlan};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, vni: u32, r: &Lookup) {
    let outcome = match (r.next, r.error) {
        (Next::L2Input, _) => Decap::Tunnel(r.instance),
        (_, Some(Counter::NoSuchTunnel)) => Decap::NoSuchTunnel,
        (_, Some(c)) => Decap::Error(Counter::DESCS[c as usize].description),
        (_, None) => Decap::Error(""),
    };
    ctx.tracer
        .add(meta, ctx.node_name, decap_trace_text(vni, outcome));
}

/// How a VXLAN decapsulation ended, for its trace line.
pub(crate) enum Decap {
    /// Decapsulated on the tunnel of this instance.
    Tunnel(u32),
    /// No tunnel for the key.
    NoSuchTunnel,
    /// Dropped under this counter (empty: none).
    Error(&'static str),
}

/// The trace line of vxlan4-input and vxlan6-input (VPP's layout; the
/// next index is l2-input's, 1, in both).
#[cold]
pub(crate) fn decap_trace_text(vni: u32, outcome: Decap) -> String {
    match outcome {
        Decap::Tunnel(instance) => format!(
            "VXLAN decap from vxlan_tunnel{instance} vni {vni} next {} error 0",
            Next::L2Input as u16
        ),
        Decap::NoSuchTunnel => format!("VXLAN decap error - tunnel for vni {vni} does not exist"),
        Decap::Error("") => String::from("VXLAN decap error"),
        Decap::Error(why) => format!("VXLAN decap error - {why}"),
    }
}

crate::next_nodes! {
    /// Next nodes of vxlan4-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// Decapsulated inner frame.
        L2Input = "l2-input",
    }
}

crate::counters! {
    /// Counters of vxlan4-input (VPP's vxlan_error.def wording).
    pub enum Counter {
        /// Decapsulated.
        Decapsulated = ("decapsulated", "good packets decapsulated", Info),
        /// No tunnel for the key.
        NoSuchTunnel = ("no_such_tunnel", "no such tunnel packets", Error),
        /// Flags byte other than 0x08.
        BadFlags = ("bad_flags", "packets with bad flags field in vxlan header", Error),
        /// Shorter than a VXLAN header.
        TooShort = ("too_short", "packets shorter than a vxlan header", Error),
        /// Inner frame shorter than an Ethernet header.
        InnerTooShort = ("inner_too_short", "inner frame too short", Error),
    }
}

/// The outcome for one packet.
#[derive(Clone, Copy, Debug)]
struct Lookup {
    next: Next,
    error: Option<Counter>,
    sw_if_index: u32,
    instance: u32,
}

/// The vxlan4-input node.
#[derive(Debug, Default)]
pub struct Vxlan4Input;

static INFO: NodeInfo = NodeInfo {
    name: "vxlan4-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

const DROP: Lookup = Lookup {
    next: Next::Drop,
    error: None,
    sw_if_index: u32::MAX,
    instance: 0,
};

/// The tunnel for a key, or `no such tunnel`.
#[inline]
fn lookup(tables: &crate::tables::Tables, key: &Vxlan4Key) -> Lookup {
    match tables.vxlan4.get(key).and_then(|&t| tables.tunnel(t)) {
        Some(t) => Lookup {
            next: Next::L2Input,
            error: None,
            sw_if_index: t.sw_if_index,
            instance: t.instance,
        },
        None => Lookup {
            error: Some(Counter::NoSuchTunnel),
            ..DROP
        },
    }
}

impl Node for Vxlan4Input {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        // Last-hit cache, valid for this vector (one snapshot). It starts
        // with the real answer for an all-zero key, so it needs no "empty"
        // state to test per packet.
        let mut last_key = Vxlan4Key {
            remote: Ipv4Addr::UNSPECIFIED,
            local: Ipv4Addr::UNSPECIFIED,
            port: 0,
            vni_word: 0,
        };
        let mut last = lookup(tables, &last_key);
        // Rx counters batched per run of the same tunnel.
        let (mut run_if, mut run_pkts, mut run_bytes) = (u32::MAX, 0u64, 0u64);
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            let data = p.data();
            let mut vni = 0;
            let r = 'decide: {
                let Some(vx) = data.first_chunk::<{ vxlan::HEADER_LEN }>() else {
                    break 'decide Lookup {
                        error: Some(Counter::TooShort),
                        ..DROP
                    };
                };
                let vni_word = u32::from_be_bytes([vx[4], vx[5], vx[6], vx[7]]);
                vni = vni_word >> 8;
                if vx[0] != vxlan::FLAG_I {
                    break 'decide Lookup {
                        error: Some(Counter::BadFlags),
                        ..DROP
                    };
                }
                // ip4-input and ip4-local validated the outer headers: the
                // IPv4 addresses at l3 + 12..20, the UDP header just before
                // the VXLAN header.
                let frame = p.frame();
                let l3 = p.meta.l3_offset as usize;
                let udp_at = p.meta.data_offset as usize - 8;
                let (Some(addrs), Some(udp)) =
                    (frame.get(l3 + 12..l3 + 20), frame.get(udp_at..udp_at + 4))
                else {
                    // Not reached: the outer headers were checked.
                    break 'decide Lookup {
                        error: Some(Counter::TooShort),
                        ..DROP
                    };
                };
                let key = Vxlan4Key {
                    remote: Ipv4Addr::new(addrs[0], addrs[1], addrs[2], addrs[3]),
                    local: Ipv4Addr::new(addrs[4], addrs[5], addrs[6], addrs[7]),
                    port: u16::from_be_bytes([udp[2], udp[3]]),
                    vni_word,
                };
                if key != last_key {
                    last = lookup(tables, &key);
                    last_key = key;
                }
                if last.error.is_none() && data.len() < vxlan::HEADER_LEN + ethernet::HEADER_LEN {
                    break 'decide Lookup {
                        error: Some(Counter::InnerTooShort),
                        ..DROP
                    };
                }
                last
            };
            match r.error {
                None => {
                    p.advance(vxlan::HEADER_LEN);
                    p.meta.rx_if = r.sw_if_index;
                    counts[Counter::Decapsulated as usize] += 1;
                    if r.sw_if_index != run_if {
                        ifc.add_combined(run_if, IfCounter::RxPackets, run_pkts, run_bytes);
                        (run_if, run_pkts, run_bytes) = (r.sw_if_index, 0, 0);
                    }
                    run_pkts += 1;
                    run_bytes += p.meta.len as u64;
                }
                Some(c) => {
                    counts[c as usize] += 1;
                    p.meta.error = err | c as u32;
                }
            }
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, vni, &r);
            }
            *slot = r.next as u16;
        }
        ifc.add_combined(run_if, IfCounter::RxPackets, run_pkts, run_bytes);
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
