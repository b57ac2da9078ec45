//! `vxlan4-encap`: the output node of VXLAN tunnel interfaces.
//!
//! The tunnel's 50-byte outer header (Ethernet + IPv4 + UDP + VXLAN) was
//! built when the tunnel was created or its next hop resolved
//! ([`crate::tables::Vxlan4Encap`]). Per packet this node copies it into
//! the headroom and patches only the IPv4 total length, the IPv4 header
//! checksum (from the rewrite's sum plus the inner length), the UDP length and the UDP source
//! port, which is a hash of the inner flow mapped into 49152-65535.
//!
//! Outer fields as VPP sends them: IPv4 ID 0, DF clear, TTL 253, UDP
//! checksum 0, VXLAN flags word 0x08000000 with the VNI in the top 24 bits
//! of the second word.
//!
//! The outer header already carries the next hop's MAC, so the packet goes
//! straight to interface-output: the work of VPP's ip4-rewrite is done at
//! configuration time.

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::{BufMeta, flags};
use crate::stats::IfCounter;
use crate::tables::{Output, VXLAN4_REWRITE_LEN, Vxlan4Tunnel};

#[cold]
fn trace(ctx: &mut NodeCtx<'_>, meta: &BufMeta, t: Option<&Vxlan4Tunnel>, next: Next) {
    let outcome = match next {
        Next::InterfaceOutput => Encap::Sent,
        Next::Hold => Encap::Held,
        Next::Drop => Encap::Dropped,
    };
    let text = encap_trace_text(t.map(|t| (t.instance, t.vni)), meta.tx_if, outcome);
    ctx.tracer.add(meta, ctx.node_name, text);
}

/// Where a VXLAN encapsulation sent a packet, for its trace line.
pub(crate) enum Encap {
    /// To the uplink.
    Sent,
    /// To vxlan4-hold, the next hop unresolved.
    Held,
    /// Dropped.
    Dropped,
}

/// The trace line of vxlan4-encap and vxlan6-encap: the tunnel (instance,
/// VNI) if the transmit interface is one.
#[cold]
pub(crate) fn encap_trace_text(tunnel: Option<(u32, u32)>, tx_if: u32, outcome: Encap) -> String {
    let Some((instance, vni)) = tunnel else {
        return format!("VXLAN encap: sw_if_index {tx_if} is not a tunnel");
    };
    let how = match outcome {
        Encap::Sent => "",
        Encap::Held => ": next hop unresolved, held",
        Encap::Dropped => " dropped",
    };
    format!("VXLAN encap to vxlan_tunnel{instance} vni {vni}{how}")
}

crate::next_nodes! {
    /// Next nodes of vxlan4-encap.
    pub enum Next {
        /// Dropped.
        Drop = "error-drop",
        /// The uplink device.
        InterfaceOutput = "interface-output",
        /// The tunnel's next hop is not resolved yet: held until it is.
        Hold = "vxlan4-hold",
    }
}

crate::counters! {
    /// Counters of vxlan4-encap.
    pub enum Counter {
        /// Encapsulated (VPP's only vxlan4-encap counter).
        Encapsulated = ("encapsulated", "good packets encapsulated", Info),
        /// The tunnel's next hop has no resolved MAC yet.
        NoAdjacency = ("no_adjacency", "tunnel next hop unresolved", Info),
        /// Inner frame too large for the uplink MTU once encapsulated.
        MtuExceeded = ("mtu_exceeded", "MTU exceeded after encapsulation", Error),
        /// The transmit interface is not a VXLAN tunnel (deleted meanwhile).
        NotTunnel = ("not_tunnel", "packets dropped: not a vxlan tunnel", Error),
    }
}

/// First UDP source port used for the flow hash (RFC 7348 suggests the
/// dynamic range 49152-65535).
pub const SRC_PORT_BASE: u16 = 49152;

#[inline]
fn mix(a: u64, b: u64) -> u32 {
    // One multiply and a fold of the high half (which every input bit
    // below 47 reaches) into the low half: enough to spread flows over the
    // 14 bits of source port, cheap enough for every packet. Quality is
    // checked by `flow_hash_spreads_flows`.
    let x = (a ^ b.rotate_left(17)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (x ^ (x >> 32)) as u32
}

/// Hash of an inner Ethernet frame's flow: the IPv4 5-tuple when the frame
/// is IPv4 (addresses and protocol only for fragments and protocols
/// without ports), else the MAC addresses and ethertype.
#[inline]
pub fn flow_hash(frame: &[u8]) -> u32 {
    // Option-less IPv4 with its first 4 payload bytes in the frame, the
    // common case: every field at a fixed offset.
    if let Some(h) = frame.first_chunk::<38>()
        && u16::from_be_bytes([h[12], h[13]]) == 0x0800
        && h[14] == 0x45
    {
        let (ip, ports) = (h[14..34].try_into(), h[34..38].try_into());
        return ipv4_flow_hash(ip.expect("20 bytes"), ports.ok());
    }
    flow_hash_other(frame)
}

/// [`flow_hash`] of every other frame: IPv4 with options or too short for
/// the ports, non-IPv4, runts. Kept out of line so the common case inlines
/// small.
#[inline(never)]
fn flow_hash_other(frame: &[u8]) -> u32 {
    if frame.len() >= 34
        && u16::from_be_bytes([frame[12], frame[13]]) == 0x0800
        && frame[14] >> 4 == 4
    {
        let ip = &frame[14..];
        let ihl = ((ip[0] & 0x0f) as usize) * 4;
        let ports = ip.get(ihl..ihl + 4).and_then(|p| p.try_into().ok());
        ipv4_flow_hash(ip[..20].try_into().expect("20 bytes"), ports)
    } else if frame.len() >= 14 {
        let macs = u64::from_be_bytes(frame[0..8].try_into().expect("8 bytes"));
        let rest = u64::from_be_bytes(frame[6..14].try_into().expect("8 bytes"));
        mix(macs, rest)
    } else {
        0
    }
}

/// [`flow_hash`] of an IPv4 packet (`ip`, at least 20 bytes) whose first
/// 4 payload bytes are `ports` (`None` when the frame ends before them):
/// they count only for unfragmented TCP and UDP.
#[inline(always)]
fn ipv4_flow_hash(ip: &[u8; 20], ports: Option<[u8; 4]>) -> u32 {
    let addrs = u64::from_be_bytes([
        ip[12], ip[13], ip[14], ip[15], ip[16], ip[17], ip[18], ip[19],
    ]);
    let proto = ip[9] as u64;
    let frag = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff;
    let ports = match ports {
        Some(p) if frag == 0 && (proto == 6 || proto == 17) => u32::from_be_bytes(p) as u64,
        _ => 0,
    };
    mix(addrs, (proto << 32) | ports)
}

/// The UDP source port for a flow hash: 49152-65535.
#[inline]
pub fn src_port(hash: u32) -> u16 {
    SRC_PORT_BASE | (hash as u16 & 0x3fff)
}

/// Writes the tunnel's outer header for an inner frame of `inner_len`
/// bytes with flow hash `hash`: the rewrite, then IPv4 total length, IPv4
/// checksum (incrementally), UDP source port and UDP length. Also used by
/// vxlan4-fastpath, which writes it over the received outer header.
#[inline]
pub(crate) fn write_outer(
    hdr: &mut [u8; VXLAN4_REWRITE_LEN],
    e: &crate::tables::Vxlan4Encap,
    inner_len: usize,
    hash: u32,
) {
    *hdr = e.rewrite;
    let ip_len = (inner_len + 36) as u16;
    hdr[16..18].copy_from_slice(&ip_len.to_be_bytes());
    // The header's sum is the rewrite's (for length 36) plus the inner
    // length (at most 0x1_0023 + 0xffff), which two folds finish; never
    // zero, so no fold ends at 0 where 0xffff is meant.
    let sum = e.ip_sum + inner_len as u32;
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = (sum & 0xffff) + (sum >> 16);
    hdr[24..26].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    hdr[34..36].copy_from_slice(&src_port(hash).to_be_bytes());
    hdr[38..40].copy_from_slice(&((inner_len + 16) as u16).to_be_bytes());
}

/// Prepends the tunnel's outer header to the inner frame in `p` and patches
/// the per-packet fields; false if the headroom is too small (never with
/// weft's pool). Also used by vxlan4-hold for packets released after ARP.
#[inline]
pub(crate) fn apply(
    p: &mut crate::pool::PacketMut<'_>,
    e: &crate::tables::Vxlan4Encap,
    inner_len: usize,
) -> bool {
    let hash = flow_hash(p.data());
    let Some(hdr) = p
        .prepend(VXLAN4_REWRITE_LEN)
        .and_then(|h| h.first_chunk_mut::<VXLAN4_REWRITE_LEN>())
    else {
        return false;
    };
    write_outer(hdr, e, inner_len, hash);
    p.meta.flow_hash = hash;
    p.meta.flags |= flags::FLOW_HASH_VALID;
    p.meta.tx_if = e.uplink;
    true
}

/// The vxlan4-encap node.
#[derive(Debug, Default)]
pub struct Vxlan4Encap;

static INFO: NodeInfo = NodeInfo {
    name: "vxlan4-encap",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: Counter::DESCS,
};

impl Node for Vxlan4Encap {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        // Why a buffer sent to error-drop was dropped (pcap drop captures).
        let err = ctx.error_base();
        let mut counts = [0u64; Counter::DESCS.len()];
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let (mut run_if, mut run_pkts, mut run_bytes) = (u32::MAX, 0u64, 0u64);
        let mut last_if = u32::MAX;
        let mut last: Option<&Vxlan4Tunnel> = None;
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            let tx_if = p.meta.tx_if;
            if tx_if != last_if {
                last = match tables.interface(tx_if).map(|i| i.output) {
                    Some(Output::Vxlan4 { tunnel }) => tables.tunnel(tunnel),
                    _ => None,
                };
                last_if = tx_if;
            }
            let inner_len = p.meta.len as usize;
            let next = 'encap: {
                let Some(t) = last else {
                    counts[Counter::NotTunnel as usize] += 1;
                    p.meta.error = err | Counter::NotTunnel as u32;
                    break 'encap Next::Drop;
                };
                let Some(e) = &t.encap else {
                    counts[Counter::NoAdjacency as usize] += 1;
                    break 'encap Next::Hold;
                };
                if inner_len > e.max_inner as usize {
                    counts[Counter::MtuExceeded as usize] += 1;
                    p.meta.error = err | Counter::MtuExceeded as u32;
                    break 'encap Next::Drop;
                }
                if !apply(&mut p, e, inner_len) {
                    // Buffers always have 256 bytes of headroom and
                    // decapsulation only grew it; count it anyway.
                    counts[Counter::MtuExceeded as usize] += 1;
                    p.meta.error = err | Counter::MtuExceeded as u32;
                    break 'encap Next::Drop;
                }
                if tx_if != run_if {
                    ifc.add_combined(run_if, IfCounter::TxPackets, run_pkts, run_bytes);
                    (run_if, run_pkts, run_bytes) = (tx_if, 0, 0);
                }
                run_pkts += 1;
                run_bytes += inner_len as u64;
                counts[Counter::Encapsulated as usize] += 1;
                Next::InterfaceOutput
            };
            if p.meta.is_traced() {
                let meta = *p.meta;
                trace(ctx, &meta, last, next);
            }
            *slot = next as u16;
        }
        ifc.add_combined(run_if, IfCounter::TxPackets, run_pkts, run_bytes);
        for (c, n) in counts.iter().enumerate() {
            ctx.count(c, *n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    /// 4096 flows differing only in one field land on nearly as many
    /// distinct source ports as a random function would give (about 3600
    /// of 16384 buckets).
    #[test]
    fn flow_hash_spreads_flows() {
        let distinct = |f: &dyn Fn(u16) -> Vec<u8>| {
            let mut ports: Vec<u16> = (0..4096u16).map(|i| src_port(flow_hash(&f(i)))).collect();
            ports.sort_unstable();
            ports.dedup();
            ports.len()
        };
        let by_sport =
            |i: u16| inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1000 + i, 80, 60);
        let by_dport =
            |i: u16| inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 80, 1000 + i, 60);
        let by_src = |i: u16| {
            let src = std::net::Ipv4Addr::from(u32::from(TEST1_IP) + i as u32);
            inner_udp(TEST1_MAC, TEST2_MAC, src, TEST2_IP, 80, 80, 60)
        };
        for (what, n) in [
            ("sport", distinct(&by_sport)),
            ("dport", distinct(&by_dport)),
            ("src", distinct(&by_src)),
        ] {
            assert!(n > 3300, "{what}: only {n} distinct ports for 4096 flows");
        }
    }

    /// The flow hash as first written: one path, the ports found at the
    /// header length. [`flow_hash`]'s fixed-offset case must agree with it.
    fn flow_hash_reference(frame: &[u8]) -> u32 {
        if frame.len() >= 34 && frame[12] == 0x08 && frame[13] == 0x00 && frame[14] >> 4 == 4 {
            let ip = &frame[14..];
            let addrs = u64::from_be_bytes(ip[12..20].try_into().unwrap());
            let proto = ip[9] as u64;
            let ihl = ((ip[0] & 0x0f) as usize) * 4;
            let frag = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff;
            let ports = if frag == 0 && (proto == 6 || proto == 17) && ip.len() >= ihl + 4 {
                u32::from_be_bytes(ip[ihl..ihl + 4].try_into().unwrap()) as u64
            } else {
                0
            };
            mix(addrs, (proto << 32) | ports)
        } else if frame.len() >= 14 {
            let macs = u64::from_be_bytes(frame[0..8].try_into().unwrap());
            let rest = u64::from_be_bytes(frame[6..14].try_into().unwrap());
            mix(macs, rest)
        } else {
            0
        }
    }

    /// Every length from 0 to 80 bytes, of frames that are mostly IPv4
    /// with IHL 5 (and otherwise any version, IHL, fragment bits, protocol
    /// and ethertype): the same hash as the reference.
    #[test]
    fn flow_hash_agrees_with_the_reference() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let len = (next() % 81) as usize;
            let mut f: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let r = next();
            if len >= 15 && r % 4 != 0 {
                f[12..14].copy_from_slice(&[0x08, 0x00]);
                f[14] = if r % 3 == 0 {
                    0x40 | (r >> 8) as u8 & 0x0f
                } else {
                    0x45
                };
            }
            if len >= 24 && r % 5 < 3 {
                f[23] = [6, 17, 1][(r >> 16) as usize % 3];
                f[20] &= if (r >> 20) % 2 == 0 { 0x40 } else { 0xff };
                f[21] = if (r >> 20) % 2 == 0 { 0 } else { f[21] };
            }
            assert_eq!(flow_hash(&f), flow_hash_reference(&f), "{f:02x?}");
        }
    }

    /// The outer IPv4 checksum from the precomputed sum is the checksum of
    /// the header as written, for every inner length and for addresses
    /// whose sums fold at the edges (0x0000/0xffff words).
    #[test]
    fn outer_checksum_is_right_for_every_length() {
        use crate::tables::{Vxlan4Encap, Vxlan4EncapParams};
        use crate::wire::checksum;
        use std::net::Ipv4Addr;
        for (src, dst) in [
            (WEFT_IP, KOKO2_IP),
            (
                Ipv4Addr::new(255, 255, 255, 255),
                Ipv4Addr::new(255, 255, 255, 254),
            ),
            (Ipv4Addr::new(0, 0, 0, 0), Ipv4Addr::new(0, 0, 0, 1)),
            (Ipv4Addr::new(0xbf, 0xcd, 0, 0), Ipv4Addr::new(0, 0, 0, 0)),
        ] {
            let e = Vxlan4Encap::new(&Vxlan4EncapParams {
                src_mac: WEFT_MAC,
                dst_mac: KOKO2_MAC,
                src,
                dst,
                dst_port: 4789,
                vni: 12,
                uplink: UPLINK,
                uplink_mtu: u16::MAX,
            });
            for inner_len in 0..=(u16::MAX as usize - 36) {
                let mut hdr = [0u8; VXLAN4_REWRITE_LEN];
                write_outer(&mut hdr, &e, inner_len, 0);
                let ip: &[u8; 20] = hdr[14..34].try_into().unwrap();
                assert!(
                    checksum::data(ip) == 0xffff,
                    "{src} -> {dst}, inner {inner_len}: {ip:02x?}"
                );
                let ip_len = (inner_len + 36) as u16;
                assert_eq!(u16::from_be_bytes([ip[2], ip[3]]), ip_len);
                // As RFC 1624's update of the rewrite's checksum gives it.
                let base = u16::from_be_bytes([e.rewrite[24], e.rewrite[25]]);
                let csum = u16::from_be_bytes([ip[10], ip[11]]);
                assert_eq!(csum, checksum::update16(base, 0, ip_len));
            }
        }
    }
}
