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

/// VPP's ip4-vxlan-bypass test on a checked IPv4 packet `ip` for one of
/// weft's addresses: an unfragmented UDP datagram whose length matches the
/// packet and whose destination port is a VXLAN tunnel's port. Returns the
/// bytes to skip to reach the VXLAN header (IPv4 + UDP headers): the same
/// place ip4-local and ip4-udp-lookup would leave the buffer, so anything
/// else (fragments, other ports, bad UDP lengths) takes that path and its
/// counters.
#[inline]
fn vxlan_bypass(ip: &[u8], ports: &[u16]) -> Option<usize> {
    let hlen = ((ip[0] & 0x0f) as usize) * 4;
    let frag = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff;
    if ip[9] != 17 || frag != 0 || ip.len() < hlen + udp::HEADER_LEN {
        return None;
    }
    let u = &ip[hlen..];
    let udp_len = u16::from_be_bytes([u[4], u[5]]) as usize;
    let port = u16::from_be_bytes([u[2], u[3]]);
    (udp_len == u.len() && ports.contains(&port)).then_some(hlen + udp::HEADER_LEN)
}

crate::counters! {
    /// Counters of ip4-input (VPP's ip4 error strings).
    pub enum Counter {
        /// Shorter than an IPv4 header, or total length below the header.
        TooShort = ("ip4 length < 20 bytes", Error),
        /// Total length larger than the frame.
        BadLength = ("ip4 length > l2 length", Error),
        /// Header checksum wrong.
        BadChecksum = ("bad ip4 checksum", Error),
        /// Not version 4.
        Version = ("ip4 version != 4", Error),
        /// Header has options (accepted).
        Options = ("ip4 options present", Info),
        /// Fragment offset of exactly 8 bytes (an attack pattern).
        FragmentOffsetOne = ("ip4 fragment offset == 1", Error),
        /// TTL zero.
        TimeExpired = ("ip4 ttl <= 1", Error),
        /// IHL below 5.
        HdrTooShort = ("ip4 IHL < 5", Error),
        /// Not one of weft's addresses.
        DstLookupMiss = ("ip4 destination lookup miss", Error),
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

/// Checks one header; `Ok(total_len)` or the counter to drop under.
#[inline]
fn check(data: &[u8]) -> Result<(usize, bool), Counter> {
    if data.len() < ipv4::HEADER_LEN {
        return Err(Counter::TooShort);
    }
    let ip = Ipv4Packet::new_unchecked(data);
    if ip.version() != 4 {
        return Err(Counter::Version);
    }
    let hlen = ip.header_len() as usize;
    if hlen < ipv4::HEADER_LEN {
        return Err(Counter::HdrTooShort);
    }
    if hlen > data.len() {
        return Err(Counter::BadLength);
    }
    let sum = match data[..hlen].first_chunk::<{ ipv4::HEADER_LEN }>() {
        // The common header without options: a fixed-size sum the
        // compiler unrolls.
        Some(h) if hlen == ipv4::HEADER_LEN => checksum::data(h),
        _ => checksum::data(&data[..hlen]),
    };
    if sum != 0xffff {
        return Err(Counter::BadChecksum);
    }
    let total = ip.total_len() as usize;
    if total < hlen {
        return Err(Counter::TooShort);
    }
    if total > data.len() {
        return Err(Counter::BadLength);
    }
    if ip.frag_offset() == 8 {
        return Err(Counter::FragmentOffsetOne);
    }
    if ip.ttl() == 0 {
        return Err(Counter::TimeExpired);
    }
    Ok((total, hlen > ipv4::HEADER_LEN))
}

impl Node for Ip4Input {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let mut last_if = u32::MAX;
        let mut last_n = 0u64;
        // Last-hit cache of the local address lookup.
        let mut last_dst = None;
        let mut last_local = false;
        for b in v.bufs.iter_mut() {
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
                Ok((total, options)) => {
                    if options {
                        counts[Counter::Options as usize] += 1;
                    }
                    // Trim Ethernet padding.
                    p.set_len(total);
                    let dst = Ipv4Packet::new_unchecked(p.data()).dst_addr();
                    if last_dst != Some(dst) {
                        last_local = tables.local4.contains_key(&dst);
                        last_dst = Some(dst);
                    }
                    if !last_local {
                        counts[Counter::DstLookupMiss as usize] += 1;
                        Next::Drop
                    } else if let Some(n) = vxlan_bypass(p.data(), &tables.vxlan4_ports) {
                        skip = n;
                        Next::Vxlan4Input
                    } else {
                        Next::Local
                    }
                }
                Err(c) => {
                    counts[c as usize] += 1;
                    Next::Drop
                }
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                let ip = p.data().to_vec();
                trace(ctx, &meta, &ip, next);
            }
            if skip > 0 {
                p.advance(skip);
            }
            v.nexts.push(next as u16);
        }
        ifc.add(last_if, IfCounter::Ip4, last_n);
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}
