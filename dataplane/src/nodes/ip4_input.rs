//! `ip4-input`: checks an IPv4 header the way VPP's ip4-input does
//! (version, IHL, header checksum, lengths, TTL, fragment offset), trims
//! Ethernet padding, counts `ip4` on the receive interface, and passes
//! packets for weft's own addresses to ip4-local.
//!
//! weft does not route transit IPv4: a packet for another address is
//! dropped as `ip4 destination lookup miss`.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::BufMeta;
use crate::stats::IfCounter;
use std::net::Ipv4Addr;

use crate::wire::{Ipv4Packet, checksum, ipv4, udp};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, ip: &[u8], next: Next) {
    let text = match Ipv4Packet::new_checked(ip) {
        Ok(p) => format!("{p} next {}", Next::NAMES[next as usize]),
        Err(_) => format!("malformed IPv4 header, {} bytes", ip.len()),
    };
    ctx.tracer.add(meta, ctx.node_name, text);
}

crate::next_nodes! {
    /// Next nodes of ip4-input.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// For one of weft's addresses.
        Local = "ip4-local",
        /// VXLAN to one of weft's addresses on a tunnel port: straight to
        /// decapsulation (VPP's ip4-vxlan-bypass, always on in weft).
        Vxlan4Input = "vxlan4-input",
    }
}

/// VPP's ip4-vxlan-bypass test on a checked IPv4 packet `ip` (trimmed to
/// its total length) for one of weft's addresses: an unfragmented UDP
/// datagram whose length matches the packet and whose destination port is
/// a VXLAN tunnel's port. Returns the bytes to skip to reach the VXLAN
/// header (IPv4 + UDP headers): the same place ip4-local and
/// ip4-udp-lookup would leave the buffer, so anything else (fragments,
/// other ports, bad UDP lengths) takes that path and its counters.
#[inline]
fn vxlan_bypass(ip: &[u8], h: &Checked, ports: &[u16]) -> Option<usize> {
    if h.proto != 17 || h.frag != 0 {
        return None;
    }
    let u = ip.get(h.hlen..)?.first_chunk::<{ udp::HEADER_LEN }>()?;
    let udp_len = u16::from_be_bytes([u[4], u[5]]) as usize;
    let port = u16::from_be_bytes([u[2], u[3]]);
    (udp_len == ip.len() - h.hlen && ports.contains(&port)).then_some(h.hlen + udp::HEADER_LEN)
}

crate::counters! {
    /// Counters of ip4-input (VPP's ip4 error strings).
    pub enum Counter {
        /// Shorter than an IPv4 header, or total length below 20.
        TooShort = ("too_short", "ip4 length < 20 bytes", Error),
        /// Total length, or the header length (IHL), larger than the frame.
        BadLength = ("bad_length", "ip4 length > l2 length", Error),
        /// Header checksum wrong.
        BadChecksum = ("bad_checksum", "bad ip4 checksum", Error),
        /// Not version 4.
        Version = ("version", "ip4 version != 4", Error),
        /// Header has options (accepted).
        Options = ("options", "ip4 options present", Info),
        /// Fragment offset of exactly 8 bytes (an attack pattern).
        FragmentOffsetOne = ("fragment_offset_one", "ip4 fragment offset == 1", Error),
        /// TTL zero.
        TimeExpired = ("time_expired", "ip4 ttl <= 1", Error),
        /// IHL below 5.
        HdrTooShort = ("hdr_too_short", "ip4 IHL < 5", Error),
        /// Header length (IHL) beyond a total length of 20 or more. weft's
        /// own counter: VPP has none for it (its ip4-input takes such a
        /// header for options), and `ip4 length < 20 bytes` would misname it.
        HdrLongerThanTotal = ("hdr_longer_than_total", "ip4 IHL > total length", Error),
        /// Not one of weft's addresses.
        DstLookupMiss = ("dst_lookup_miss", "ip4 destination lookup miss", Error),
    }
}

/// The ip4-input node.
#[derive(Debug, Default)]
pub struct Ip4Input;

static INFO: NodeInfo = NodeInfo {
    name: "ip4-input",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

/// What [`check`] read off a valid header.
#[derive(Clone, Copy, Debug)]
struct Checked {
    /// Total length.
    total: usize,
    /// Header length.
    hlen: usize,
    /// Destination address (network order).
    dst: u32,
    /// Protocol.
    proto: u8,
    /// More Fragments flag and fragment offset (0: not a fragment).
    frag: u16,
}

/// Checks one header, VPP's checks in VPP's order; what it read, or the
/// counter to drop under. The fixed 20 bytes are read once, as an array,
/// so the checks need no bounds checks.
#[inline]
fn check(data: &[u8]) -> Result<Checked, Counter> {
    let Some(h) = data.first_chunk::<{ ipv4::HEADER_LEN }>() else {
        return Err(Counter::TooShort);
    };
    if h[0] >> 4 != 4 {
        return Err(Counter::Version);
    }
    let hlen = ((h[0] & 0x0f) as usize) * 4;
    if hlen < ipv4::HEADER_LEN {
        return Err(Counter::HdrTooShort);
    }
    if hlen > data.len() {
        return Err(Counter::BadLength);
    }
    let sum_ok = if hlen == ipv4::HEADER_LEN {
        checksum::header20_ok(h)
    } else {
        checksum::data(&data[..hlen]) == 0xffff
    };
    if !sum_ok {
        return Err(Counter::BadChecksum);
    }
    let total = u16::from_be_bytes([h[2], h[3]]) as usize;
    if total < hlen {
        return Err(if total < ipv4::HEADER_LEN {
            Counter::TooShort
        } else {
            Counter::HdrLongerThanTotal
        });
    }
    if total > data.len() {
        return Err(Counter::BadLength);
    }
    let frag = u16::from_be_bytes([h[6], h[7]]) & 0x3fff;
    // A fragment offset field of 1 (8 bytes).
    if frag & 0x1fff == 1 {
        return Err(Counter::FragmentOffsetOne);
    }
    if h[8] == 0 {
        return Err(Counter::TimeExpired);
    }
    Ok(Checked {
        total,
        hlen,
        dst: u32::from_ne_bytes([h[16], h[17], h[18], h[19]]),
        proto: h[9],
        frag,
    })
}

impl Node for Ip4Input {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let mut last_if = u32::MAX;
        let mut last_n = 0u64;
        // Last-hit cache of the local address lookup.
        let mut last_dst = None;
        let mut last_local = false;
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            let rx_if = p.meta.rx_if;
            if rx_if != last_if {
                ifc.add(last_if, IfCounter::Ip4, last_n);
                last_if = rx_if;
                last_n = 0;
            }
            last_n += 1;
            // Bytes to pop for vxlan4-input, after the trace saw the header.
            let mut skip = 0;
            let next = match check(p.data()) {
                Ok(h) => {
                    if h.hlen > ipv4::HEADER_LEN {
                        counts[Counter::Options as usize] += 1;
                    }
                    // Trim Ethernet padding.
                    p.meta.len = h.total as u16;
                    if last_dst != Some(h.dst) {
                        last_local = tables
                            .local4
                            .contains_key(&Ipv4Addr::from(u32::from_be(h.dst)));
                        last_dst = Some(h.dst);
                    }
                    if !last_local {
                        counts[Counter::DstLookupMiss as usize] += 1;
                        p.meta.error = err | Counter::DstLookupMiss as u32;
                        Next::Drop
                    } else if let Some(n) = vxlan_bypass(p.data(), &h, &tables.vxlan4_ports) {
                        skip = n;
                        Next::Vxlan4Input
                    } else {
                        Next::Local
                    }
                }
                Err(c) => {
                    counts[c as usize] += 1;
                    p.meta.error = err | c as u32;
                    Next::Drop
                }
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, p.data(), next);
            }
            if skip > 0 {
                p.advance(skip);
            }
            *slot = next as u16;
        }
        ifc.add(last_if, IfCounter::Ip4, last_n);
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
