//! What a NIC would have done, in software, for frames the kernel hands
//! over with `PACKET_VNET_HDR`: completing a partial L4 checksum
//! ([`complete_checksum`]), segmenting a GSO super-frame ([`GsoPlan`]) and
//! putting back the 802.1Q tag the kernel stripped ([`insert_vlan`]).
//!
//! Pure, safe code over byte slices, with no allocation: a plan is a small
//! `Copy` value describing the header chain, and each segment is written
//! straight into its destination buffer.
//!
//! # What the kernel hands over
//!
//! The virtio-net header (`struct virtio_net_hdr`, 10 bytes, host byte
//! order for a packet socket) is filled by `virtio_net_hdr_from_skb`:
//!
//! * `flags & NEEDS_CSUM`: the skb is `CHECKSUM_PARTIAL`; the 16-bit field
//!   at `csum_start + csum_offset` holds the pseudo-header sum and the
//!   checksum from `csum_start` on is still to be folded in. `csum_start`
//!   counts from the Ethernet header *as delivered* (without a stripped
//!   VLAN tag) and may point at an inner header.
//! * `gso_type` `TCPV4`/`TCPV6`/`UDP_L4` (+ `ECN`), `gso_size` and
//!   `hdr_len` (`skb_headlen`, a hint only): the frame is a super-frame
//!   whose headers carry the lengths of the whole. Tunnel GSO flags do not
//!   exist in this header: a VXLAN super-frame from a kernel vxlan device
//!   arrives as `TCPV4` with `csum_start` at the *inner* TCP header, seen on
//!   Linux 6.18 as `flags 1 gso_type 1 hdr_len 116 gso_size 1398
//!   csum_start 84 csum_offset 16` (outer Ethernet/IPv4/UDP/VXLAN, inner
//!   Ethernet/IPv4/TCP with timestamps). The outer UDP checksum is 0 with
//!   `noudpcsum`, and otherwise holds the outer pseudo-header sum.
//!
//! # Segmentation
//!
//! [`GsoPlan::new`] walks Ethernet → 802.1Q/802.1ad (up to two tags) →
//! IPv4/IPv6 (IPv6 extension headers hop-by-hop, routing, destination
//! options) → at `csum_start` the TCP or UDP header being segmented;
//! before it, a tunnel: UDP + VXLAN (8 bytes, I flag) or UDP port 6081 +
//! Geneve (with options), each followed by Ethernet, or IPv4/IPv6 in IP.
//! Each segment gets the headers up to the end of that L4 header and
//! `gso_size` bytes of payload (the last one the rest); then, for every
//! header of the chain:
//!
//! * IPv4: total length; the identification plus the segment's index (as
//!   the kernel's software GSO does, outer headers included); header
//!   checksum recomputed.
//! * IPv6: payload length.
//! * tunnel UDP: length; a zero checksum stays zero, a non-zero one is
//!   **recomputed** over the segment (IPv4 and IPv6 alike), inner to outer,
//!   reusing the sum of the inner packet.
//! * TCP: sequence number plus the payload before it; FIN and PSH only on
//!   the last segment, CWR only on the first; checksum computed.
//! * UDP (`UDP_L4`): length and checksum (0 sent as 0xffff).
//!
//! Every computed TCP checksum of 0 is sent as 0, as a NIC sends it (the
//! kernel's software fallback writes 0xffff, the same ones'-complement
//! value; strict checkers such as etherparse compute 0).
//!
//! Anything else is refused with a [`Refusal`] (the driver counts and drops
//! the frame): an unknown header, a fragment, a `csum_start` that is not at
//! the L4 header of the chain, a GSO type that does not match it, UFO
//! (`GSO_UDP`), a zero `gso_size`, headers past the end of the frame.

use crate::wire::checksum;

/// `sizeof(struct virtio_net_hdr)`.
pub const VNET_HDR_LEN: usize = 10;

/// The virtio-net header in front of every frame with `PACKET_VNET_HDR`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VnetHdr {
    /// `VIRTIO_NET_HDR_F_*`.
    pub flags: u8,
    /// `VIRTIO_NET_HDR_GSO_*`.
    pub gso_type: u8,
    /// Length of the headers (a hint).
    pub hdr_len: u16,
    /// Payload bytes per segment.
    pub gso_size: u16,
    /// Where checksumming starts.
    pub csum_start: u16,
    /// Where the checksum goes, from `csum_start`.
    pub csum_offset: u16,
}

impl VnetHdr {
    /// `VIRTIO_NET_HDR_F_NEEDS_CSUM`.
    pub const F_NEEDS_CSUM: u8 = 1;
    /// `VIRTIO_NET_HDR_F_DATA_VALID`.
    pub const F_DATA_VALID: u8 = 2;
    /// `VIRTIO_NET_HDR_GSO_NONE`.
    pub const GSO_NONE: u8 = 0;
    /// `VIRTIO_NET_HDR_GSO_TCPV4`.
    pub const GSO_TCPV4: u8 = 1;
    /// `VIRTIO_NET_HDR_GSO_UDP` (UFO).
    pub const GSO_UDP: u8 = 3;
    /// `VIRTIO_NET_HDR_GSO_TCPV6`.
    pub const GSO_TCPV6: u8 = 4;
    /// `VIRTIO_NET_HDR_GSO_UDP_L4`.
    pub const GSO_UDP_L4: u8 = 5;
    /// `VIRTIO_NET_HDR_GSO_ECN`.
    pub const GSO_ECN: u8 = 0x80;

    /// Parses the header (host byte order: the kernel's `vio_le()` for a
    /// packet socket is the legacy, native-endian virtio layout).
    pub fn parse(b: &[u8; VNET_HDR_LEN]) -> VnetHdr {
        let w = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
        VnetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: w(2),
            gso_size: w(4),
            csum_start: w(6),
            csum_offset: w(8),
        }
    }

    /// The header's bytes.
    pub fn emit(&self) -> [u8; VNET_HDR_LEN] {
        let mut b = [0u8; VNET_HDR_LEN];
        b[0] = self.flags;
        b[1] = self.gso_type;
        b[2..4].copy_from_slice(&self.hdr_len.to_ne_bytes());
        b[4..6].copy_from_slice(&self.gso_size.to_ne_bytes());
        b[6..8].copy_from_slice(&self.csum_start.to_ne_bytes());
        b[8..10].copy_from_slice(&self.csum_offset.to_ne_bytes());
        b
    }

    /// True for a GSO super-frame.
    pub fn is_gso(&self) -> bool {
        self.gso_type & !Self::GSO_ECN != Self::GSO_NONE
    }

    /// True when the L4 checksum is still partial.
    pub fn needs_csum(&self) -> bool {
        self.flags & Self::F_NEEDS_CSUM != 0
    }
}

/// Why a frame was not completed or segmented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `csum_start`/`csum_offset` point outside the frame.
    CsumOffsets,
    /// A GSO type weft does not segment (UFO, unknown).
    GsoType,
    /// `gso_size` is 0.
    GsoSize,
    /// The header chain runs past the end of the frame.
    Truncated,
    /// A header the walker does not know (or too many of them).
    UnknownHeader,
    /// An IP fragment.
    Fragment,
    /// `csum_start` is not at the L4 header of the chain.
    CsumStart,
    /// The GSO type does not match the innermost headers.
    GsoMismatch,
}

/// `offsetof(struct udphdr, check)`: the only 16-bit checksum field where
/// a computed 0 must be sent as 0xffff.
const UDP_CSUM_OFFSET: usize = 6;
/// `offsetof(struct sctphdr, checksum)`: SCTP's CRC32c, which the kernel
/// also leaves partial (`csum_not_inet`) with the same virtio-net header.
const SCTP_CSUM_OFFSET: usize = 8;

/// Completes a partial checksum.
///
/// * Internet checksum (every offset but SCTP's): folds the ones'-complement
///   sum of `frame[start..]`, whose 16-bit field at `start + offset` holds
///   the pseudo-header sum, and stores its complement there; for UDP
///   (offset 6) a 0 is stored as 0xffff (the same value, and 0 would read
///   "no checksum").
/// * SCTP (offset 8): the CRC32c of `frame[start..]` with the 32-bit field
///   zeroed, stored as the kernel's `sctp_compute_cksum` does.
pub fn complete_checksum(frame: &mut [u8], start: usize, offset: usize) -> Result<(), Refusal> {
    let field = start + offset;
    let width = if offset == SCTP_CSUM_OFFSET { 4 } else { 2 };
    if start >= frame.len() || field + width > frame.len() {
        return Err(Refusal::CsumOffsets);
    }
    if offset == SCTP_CSUM_OFFSET {
        frame[field..field + 4].fill(0);
        let crc = crc32c(&frame[start..]);
        frame[field..field + 4].copy_from_slice(&crc.to_le_bytes());
        return Ok(());
    }
    let c = !checksum::data(&frame[start..]);
    let c = if offset == UDP_CSUM_OFFSET {
        udp_zero(c)
    } else {
        c
    };
    frame[field..field + 2].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

/// CRC32c (Castagnoli, reflected, RFC 3720 appendix B.4), table-driven.
fn crc32c(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Puts an 802.1Q/802.1ad tag back in a frame: `buf[4..]` holds the frame
/// without its tag; the MAC addresses move to the front and the tag goes
/// after them. `buf` must be at least 16 bytes.
pub fn insert_vlan(buf: &mut [u8], tpid: u16, tci: u16) {
    buf.copy_within(4..16, 0);
    buf[12..14].copy_from_slice(&tpid.to_be_bytes());
    buf[14..16].copy_from_slice(&tci.to_be_bytes());
}

/// Most headers in a chain (IP and tunnel UDP layers).
const MAX_LAYERS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Ipv4 {
        off: u16,
        ihl: u16,
    },
    Ipv6 {
        off: u16,
    },
    /// A tunnel's UDP header; `csum`: its checksum is not zero.
    Udp {
        off: u16,
        csum: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum L4 {
    Tcp,
    Udp,
}

/// How to cut one super-frame into segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GsoPlan {
    layers: [Layer; MAX_LAYERS],
    n_layers: u8,
    l4: L4,
    l4_off: u16,
    hdr_len: u16,
    gso_size: u16,
    payload: u32,
}

fn be16(f: &[u8], off: usize) -> u16 {
    u16::from_be_bytes([f[off], f[off + 1]])
}

fn need(f: &[u8], end: usize) -> Result<(), Refusal> {
    if end <= f.len() {
        Ok(())
    } else {
        Err(Refusal::Truncated)
    }
}

enum Next {
    Ether,
    Ip4,
    Ip6,
}

const TCP_FIN: u8 = 0x01;
const TCP_PSH: u8 = 0x08;
const TCP_CWR: u8 = 0x80;
const GENEVE_PORT: u16 = 6081;

impl GsoPlan {
    /// Plans the segmentation of `frame` (the super-frame, without a
    /// stripped VLAN tag) as its virtio-net header `h` describes it.
    pub fn new(frame: &[u8], h: &VnetHdr) -> Result<GsoPlan, Refusal> {
        let (l4, want_ip) = match h.gso_type & !VnetHdr::GSO_ECN {
            VnetHdr::GSO_TCPV4 => (L4::Tcp, Some(4)),
            VnetHdr::GSO_TCPV6 => (L4::Tcp, Some(6)),
            VnetHdr::GSO_UDP_L4 => (L4::Udp, None),
            _ => return Err(Refusal::GsoType),
        };
        if h.gso_size == 0 {
            return Err(Refusal::GsoSize);
        }
        let cs = h.csum_start as usize;
        let mut plan = GsoPlan {
            layers: [Layer::Ipv6 { off: 0 }; MAX_LAYERS],
            n_layers: 0,
            l4,
            l4_off: 0,
            hdr_len: 0,
            gso_size: h.gso_size,
            payload: 0,
        };
        let push = |plan: &mut GsoPlan, l: Layer| {
            if plan.n_layers as usize == MAX_LAYERS {
                return Err(Refusal::UnknownHeader);
            }
            plan.layers[plan.n_layers as usize] = l;
            plan.n_layers += 1;
            Ok(())
        };
        let mut off = 0usize;
        let mut next = Next::Ether;
        loop {
            if let Next::Ether = next {
                need(frame, off + 14)?;
                let mut et = be16(frame, off + 12);
                off += 14;
                for _ in 0..2 {
                    if et == 0x8100 || et == 0x88a8 {
                        need(frame, off + 4)?;
                        et = be16(frame, off + 2);
                        off += 4;
                    }
                }
                next = match et {
                    0x0800 => Next::Ip4,
                    0x86dd => Next::Ip6,
                    _ => return Err(Refusal::UnknownHeader),
                };
            }
            let (version, proto, l4_off) = match next {
                Next::Ip4 => {
                    need(frame, off + 20)?;
                    if frame[off] >> 4 != 4 {
                        return Err(Refusal::UnknownHeader);
                    }
                    let ihl = usize::from(frame[off] & 0xf) * 4;
                    if ihl < 20 {
                        return Err(Refusal::UnknownHeader);
                    }
                    need(frame, off + ihl)?;
                    if be16(frame, off + 6) & 0x3fff != 0 {
                        return Err(Refusal::Fragment);
                    }
                    push(
                        &mut plan,
                        Layer::Ipv4 {
                            off: off as u16,
                            ihl: ihl as u16,
                        },
                    )?;
                    (4, frame[off + 9], off + ihl)
                }
                Next::Ip6 => {
                    need(frame, off + 40)?;
                    if frame[off] >> 4 != 6 {
                        return Err(Refusal::UnknownHeader);
                    }
                    let mut nh = frame[off + 6];
                    let mut p = off + 40;
                    loop {
                        match nh {
                            0 | 43 | 60 => {
                                need(frame, p + 2)?;
                                let len = (usize::from(frame[p + 1]) + 1) * 8;
                                need(frame, p + len)?;
                                nh = frame[p];
                                p += len;
                            }
                            44 => return Err(Refusal::Fragment),
                            _ => break,
                        }
                    }
                    push(&mut plan, Layer::Ipv6 { off: off as u16 })?;
                    (6, nh, p)
                }
                Next::Ether => unreachable!("Ethernet was consumed above"),
            };
            if l4_off == cs {
                // The header being segmented.
                if want_ip.is_some_and(|v| v != version) {
                    return Err(Refusal::GsoMismatch);
                }
                let (p, csum_off, len) = match l4 {
                    L4::Tcp => {
                        need(frame, l4_off + 20)?;
                        (6, 16, usize::from(frame[l4_off + 12] >> 4) * 4)
                    }
                    L4::Udp => (17, 6, 8),
                };
                if proto != p {
                    return Err(Refusal::GsoMismatch);
                }
                if usize::from(h.csum_offset) != csum_off {
                    return Err(Refusal::CsumStart);
                }
                if len < 8 || (l4 == L4::Tcp && len < 20) {
                    return Err(Refusal::UnknownHeader);
                }
                need(frame, l4_off + len)?;
                plan.l4_off = l4_off as u16;
                plan.hdr_len = (l4_off + len) as u16;
                plan.payload = (frame.len() - (l4_off + len)) as u32;
                return Ok(plan);
            }
            if l4_off > cs {
                return Err(Refusal::CsumStart);
            }
            // A tunnel.
            match proto {
                17 => {
                    need(frame, l4_off + 8)?;
                    push(
                        &mut plan,
                        Layer::Udp {
                            off: l4_off as u16,
                            csum: be16(frame, l4_off + 6) != 0,
                        },
                    )?;
                    off = l4_off + 8;
                    need(frame, off + 8)?;
                    if be16(frame, l4_off + 2) == GENEVE_PORT {
                        if frame[off] >> 6 != 0 {
                            return Err(Refusal::UnknownHeader);
                        }
                        let opt = usize::from(frame[off] & 0x3f) * 4;
                        let ptype = be16(frame, off + 2);
                        off += 8 + opt;
                        next = match ptype {
                            0x6558 => Next::Ether,
                            0x0800 => Next::Ip4,
                            0x86dd => Next::Ip6,
                            _ => return Err(Refusal::UnknownHeader),
                        };
                    } else {
                        // VXLAN: flags with the I bit, then Ethernet.
                        if frame[off] & 0x08 == 0 {
                            return Err(Refusal::UnknownHeader);
                        }
                        off += 8;
                        next = Next::Ether;
                    }
                }
                4 => {
                    off = l4_off;
                    next = Next::Ip4;
                }
                41 => {
                    off = l4_off;
                    next = Next::Ip6;
                }
                _ => return Err(Refusal::UnknownHeader),
            }
        }
    }

    /// Number of segments.
    pub fn segments(&self) -> usize {
        (self.payload as usize)
            .div_ceil(self.gso_size as usize)
            .max(1)
    }

    /// Length of the headers copied into every segment.
    pub fn hdr_len(&self) -> usize {
        self.hdr_len as usize
    }

    /// Length of segment `k`.
    pub fn segment_len(&self, k: usize) -> usize {
        let gso = self.gso_size as usize;
        let done = k * gso;
        self.hdr_len as usize + gso.min((self.payload as usize).saturating_sub(done))
    }

    /// Length of the largest segment (the first).
    pub fn max_segment_len(&self) -> usize {
        self.segment_len(0)
    }

    /// Writes segment `k` of `frame` into `dst` (at least
    /// [`segment_len(k)`](Self::segment_len) bytes) with every header
    /// fixed and every checksum computed. Returns its length.
    ///
    /// # Panics
    ///
    /// If `frame` is not the frame the plan was made from or `dst` is too
    /// short (the driver sizes it from [`segment_len`](Self::segment_len)).
    pub fn write_segment(&self, frame: &[u8], k: usize, dst: &mut [u8]) -> usize {
        let hdr = self.hdr_len as usize;
        let gso = self.gso_size as usize;
        let len = self.segment_len(k);
        let start = hdr + k * gso;
        let first = k == 0;
        let last = k + 1 >= self.segments();
        let dst = &mut dst[..len];
        dst[..hdr].copy_from_slice(&frame[..hdr]);
        dst[hdr..].copy_from_slice(&frame[start..start + len - hdr]);

        let layers = &self.layers[..self.n_layers as usize];
        let mut inner_ip = None;
        for l in layers {
            match *l {
                Layer::Ipv4 { off, ihl } => {
                    let (off, ihl) = (off as usize, ihl as usize);
                    let id = be16(frame, off + 4).wrapping_add(k as u16);
                    dst[off + 2..off + 4].copy_from_slice(&((len - off) as u16).to_be_bytes());
                    dst[off + 4..off + 6].copy_from_slice(&id.to_be_bytes());
                    dst[off + 10..off + 12].fill(0);
                    let c = !checksum::data(&dst[off..off + ihl]);
                    dst[off + 10..off + 12].copy_from_slice(&c.to_be_bytes());
                    inner_ip = Some(*l);
                }
                Layer::Ipv6 { off } => {
                    let off = off as usize;
                    dst[off + 4..off + 6].copy_from_slice(&((len - off - 40) as u16).to_be_bytes());
                    inner_ip = Some(*l);
                }
                Layer::Udp { off, .. } => {
                    let off = off as usize;
                    dst[off + 4..off + 6].copy_from_slice(&((len - off) as u16).to_be_bytes());
                    dst[off + 6..off + 8].fill(0);
                }
            }
        }

        let l4 = self.l4_off as usize;
        let (proto, field) = match self.l4 {
            L4::Tcp => {
                let seq = u32::from_be_bytes([
                    frame[l4 + 4],
                    frame[l4 + 5],
                    frame[l4 + 6],
                    frame[l4 + 7],
                ])
                .wrapping_add((k * gso) as u32);
                dst[l4 + 4..l4 + 8].copy_from_slice(&seq.to_be_bytes());
                let mut flags = frame[l4 + 13];
                if !last {
                    flags &= !(TCP_FIN | TCP_PSH);
                }
                if !first {
                    flags &= !TCP_CWR;
                }
                dst[l4 + 13] = flags;
                (6, l4 + 16)
            }
            L4::Udp => {
                dst[l4 + 4..l4 + 6].copy_from_slice(&((len - l4) as u16).to_be_bytes());
                (17, l4 + 6)
            }
        };
        dst[field..field + 2].fill(0);
        let sum = checksum::data(&dst[l4..]);
        let ip = inner_ip.expect("a plan has an IP layer");
        let c = !checksum::combine(&[pseudo(dst, ip, proto, len - l4), sum]);
        let c = if proto == 17 { udp_zero(c) } else { c };
        dst[field..field + 2].copy_from_slice(&c.to_be_bytes());

        // Tunnel UDP checksums, inner to outer: the sum of everything after
        // a UDP header is the sum of the bytes up to the layer already
        // summed plus that layer's sum (all split points are even).
        let mut acc = checksum::combine(&[sum, c]);
        let mut acc_start = l4;
        for (i, l) in layers.iter().enumerate().rev() {
            let Layer::Udp { off, csum } = *l else {
                continue;
            };
            let off = off as usize;
            acc = checksum::combine(&[acc, checksum::data(&dst[off..acc_start])]);
            acc_start = off;
            if csum {
                let ip = layers[..i]
                    .iter()
                    .rev()
                    .find(|l| !matches!(l, Layer::Udp { .. }))
                    .copied()
                    .expect("a tunnel UDP header follows an IP header");
                let c = udp_zero(!checksum::combine(&[pseudo(dst, ip, 17, len - off), acc]));
                dst[off + 6..off + 8].copy_from_slice(&c.to_be_bytes());
                acc = checksum::combine(&[acc, c]);
            }
        }
        len
    }
}

/// A computed UDP checksum of 0 is sent as 0xffff (the same value in
/// ones' complement; 0 means "no checksum" for UDP). TCP sends 0 as is, as
/// a NIC does.
fn udp_zero(c: u16) -> u16 {
    if c == 0 { 0xffff } else { c }
}

/// The pseudo-header sum of an L4 header of `len` bytes under `ip`.
fn pseudo(f: &[u8], ip: Layer, proto: u8, len: usize) -> u16 {
    match ip {
        Layer::Ipv4 { off, .. } => {
            let off = off as usize;
            checksum::combine(&[
                checksum::data(&f[off + 12..off + 20]),
                u16::from(proto),
                len as u16,
            ])
        }
        Layer::Ipv6 { off } => {
            let off = off as usize;
            checksum::combine(&[
                checksum::data(&f[off + 8..off + 40]),
                (len >> 16) as u16,
                len as u16,
                u16::from(proto),
            ])
        }
        Layer::Udp { .. } => unreachable!("pseudo-header of a UDP layer"),
    }
}

#[cfg(test)]
mod tests;
