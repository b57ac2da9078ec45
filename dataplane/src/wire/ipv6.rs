//! Internet Protocol version 6 (RFC 8200), the fixed header only.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Traffic Class |           Flow Label                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Source Address (128 bits)                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Destination Address (128 bits)                |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Extension headers are not walked: the payload is whatever Next Header
//! says. The buffer may be longer than the header and Payload Length
//! (Ethernet padding); [`Packet::payload`] stops at Payload Length.
//!
//! Also here: the addresses IPv6 derives from others (solicited-node
//! multicast, its Ethernet group address, EUI-64 link-local).

use core::fmt;
use std::net::Ipv6Addr;

use super::{Error, Result, read_u16, write_u16};
use crate::wire::EthernetAddress;

enum_with_unknown! {
    /// The Next Header field: what follows the IPv6 header.
    pub enum NextHeader(u8) {
        /// Hop-by-Hop Options (MLD reports carry one).
        HopByHop = 0,
        /// Transmission Control Protocol.
        Tcp = 6,
        /// User Datagram Protocol.
        Udp = 17,
        /// Internet Control Message Protocol for IPv6.
        Icmpv6 = 58,
    }
}

impl fmt::Display for NextHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            NextHeader::HopByHop => f.write_str("HOP-BY-HOP"),
            NextHeader::Tcp => f.write_str("TCP"),
            NextHeader::Udp => f.write_str("UDP"),
            NextHeader::Icmpv6 => f.write_str("ICMP6"),
            NextHeader::Unknown(raw) => write!(f, "{raw}"),
        }
    }
}

mod field {
    use crate::wire::field::Field;

    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
}

/// The length of the fixed IPv6 header.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// A read/write view of an IPv6 packet.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking it (see the module's length-check
    /// contract in [`crate::wire`]).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds the fixed header and the payload Payload Length
    /// announces.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || HEADER_LEN + usize::from(self.payload_len()) > len {
            return Err(Error);
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version field (6 for IPv6).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// The traffic class.
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        let b = self.buffer.as_ref();
        (b[0] << 4) | (b[1] >> 4)
    }

    /// The 20-bit flow label.
    #[inline]
    pub fn flow_label(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::VER_TC_FLOW];
        u32::from_be_bytes([0, b[1] & 0x0f, b[2], b[3]])
    }

    /// The Payload Length field: bytes after the fixed header.
    #[inline]
    pub fn payload_len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// The Next Header field.
    #[inline]
    pub fn next_header(&self) -> NextHeader {
        NextHeader::from(self.buffer.as_ref()[field::NEXT_HEADER])
    }

    /// The hop limit.
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// The source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv6Addr {
        addr(&self.buffer.as_ref()[field::SRC_ADDR])
    }

    /// The destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv6Addr {
        addr(&self.buffer.as_ref()[field::DST_ADDR])
    }
}

fn addr(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(b);
    Ipv6Addr::from(a)
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The payload: Payload Length bytes after the fixed header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let len = usize::from(self.payload_len());
        &self.buffer.as_ref()[HEADER_LEN..HEADER_LEN + len]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version 6, traffic class 0 and flow label 0.
    #[inline]
    pub fn set_version_tc_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let w = (6u32 << 28) | (u32::from(traffic_class) << 20) | (flow_label & 0x000f_ffff);
        self.buffer.as_mut()[field::VER_TC_FLOW].copy_from_slice(&w.to_be_bytes());
    }

    /// Sets the Payload Length field.
    #[inline]
    pub fn set_payload_len(&mut self, len: u16) {
        write_u16(&mut self.buffer.as_mut()[field::LENGTH], len);
    }

    /// Sets the Next Header field.
    #[inline]
    pub fn set_next_header(&mut self, nh: NextHeader) {
        self.buffer.as_mut()[field::NEXT_HEADER] = nh.into();
    }

    /// Sets the hop limit.
    #[inline]
    pub fn set_hop_limit(&mut self, hops: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = hops;
    }

    /// Sets the source address.
    #[inline]
    pub fn set_src_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&a.octets());
    }

    /// Sets the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&a.octets());
    }

    /// The payload, mutable (Payload Length bytes).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let len = usize::from(self.payload_len());
        &mut self.buffer.as_mut()[HEADER_LEN..HEADER_LEN + len]
    }
}

/// The fields of an IPv6 header that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Next Header.
    pub next_header: NextHeader,
    /// Payload length.
    pub payload_len: u16,
    /// Hop limit.
    pub hop_limit: u8,
}

impl Repr {
    /// Reads `p`: version 6 and the lengths checked.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        if p.version() != 6 {
            return Err(Error);
        }
        Ok(Repr {
            src: p.src_addr(),
            dst: p.dst_addr(),
            next_header: p.next_header(),
            payload_len: p.payload_len(),
            hop_limit: p.hop_limit(),
        })
    }

    /// Bytes of header [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header (traffic class and flow label 0).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        p.set_version_tc_flow(0, 0);
        p.set_payload_len(self.payload_len);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(self.src);
        p.set_dst_addr(self.dst);
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Repr::parse(self) {
            Ok(r) => write!(
                f,
                "{}: {} -> {} hop-limit {} payload length {}",
                r.next_header, r.src, r.dst, r.hop_limit, r.payload_len
            ),
            Err(_) => f.write_str("IP6 (truncated)"),
        }
    }
}

/// The solicited-node multicast address of `a` (RFC 4291 section 2.7.1):
/// `ff02::1:ff` and the low 24 bits of `a`.
pub fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// The Ethernet group address of IPv6 multicast `a` (RFC 2464 section 7):
/// `33:33` and its low 32 bits.
pub fn multicast_mac(a: Ipv6Addr) -> EthernetAddress {
    let o = a.octets();
    EthernetAddress([0x33, 0x33, o[12], o[13], o[14], o[15]])
}

/// The EUI-64 link-local address of `mac` (RFC 4291 appendix A):
/// `fe80::` and the MAC with `ff:fe` in its middle and the universal/local
/// bit flipped.
pub fn link_local(mac: EthernetAddress) -> Ipv6Addr {
    let m = mac.0;
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        m[0] ^ 0x02,
        m[1],
        m[2],
        0xff,
        0xfe,
        m[3],
        m[4],
        m[5],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut out = Vec::new();
        etherparse::Ipv6Header {
            traffic_class: 0,
            flow_label: etherparse::Ipv6FlowLabel::try_new(0x12345).unwrap(),
            payload_length: 4,
            next_header: etherparse::IpNumber::IPV6_ICMP,
            hop_limit: 255,
            source: "fd00::1".parse::<Ipv6Addr>().unwrap().octets(),
            destination: "fd00::3".parse::<Ipv6Addr>().unwrap().octets(),
        }
        .write(&mut out)
        .unwrap();
        out.extend_from_slice(&[1, 2, 3, 4, 0, 0]); // payload + padding
        out
    }

    #[test]
    fn parse_a_header_etherparse_wrote() {
        let b = sample();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.flow_label(), 0x12345);
        assert_eq!(p.traffic_class(), 0);
        assert_eq!(p.next_header(), NextHeader::Icmpv6);
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        let r = Repr::parse(&p).unwrap();
        assert_eq!(r.src, "fd00::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(r.hop_limit, 255);
        assert_eq!(
            p.to_string(),
            "ICMP6: fd00::1 -> fd00::3 hop-limit 255 payload length 4"
        );
    }

    #[test]
    fn emit_round_trips_through_etherparse() {
        let r = Repr {
            src: "fe80::1".parse().unwrap(),
            dst: "ff02::1:ff00:3".parse().unwrap(),
            next_header: NextHeader::Udp,
            payload_len: 0,
            hop_limit: 64,
        };
        let mut b = vec![0xaa; HEADER_LEN];
        r.emit(&mut Packet::new_unchecked(&mut b[..]));
        let (h, _) = etherparse::Ipv6Header::from_slice(&b).unwrap();
        assert_eq!(h.source, r.src.octets());
        assert_eq!(h.destination, r.dst.octets());
        assert_eq!(h.next_header, etherparse::IpNumber::UDP);
        assert_eq!((h.hop_limit, h.payload_length, h.traffic_class), (64, 0, 0));
        assert_eq!(Repr::parse(&Packet::new_checked(&b[..]).unwrap()), Ok(r));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = sample();
        for len in 0..HEADER_LEN + 4 {
            assert!(Packet::new_checked(&b[..len]).is_err(), "{len}");
            // Display never panics.
            let _ = Packet::new_unchecked(&b[..len.max(HEADER_LEN)]).to_string();
        }
        let mut v4 = sample();
        v4[0] = 0x45;
        assert!(Repr::parse(&Packet::new_checked(&v4[..]).unwrap()).is_err());
    }

    #[test]
    fn derived_addresses() {
        let a: Ipv6Addr = "fd00::3".parse().unwrap();
        assert_eq!(
            solicited_node(a),
            "ff02::1:ff00:3".parse::<Ipv6Addr>().unwrap()
        );
        let a: Ipv6Addr = "fe80::fe:1cff:fef1:5ddb".parse().unwrap();
        assert_eq!(
            solicited_node(a),
            "ff02::1:fff1:5ddb".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(
            multicast_mac(solicited_node(a)),
            EthernetAddress([0x33, 0x33, 0xff, 0xf1, 0x5d, 0xdb])
        );
        // VPP-GOLDEN.md section 3: host-eth0's MAC 02:fe:1c:f1:5d:db.
        assert_eq!(
            link_local(EthernetAddress([0x02, 0xfe, 0x1c, 0xf1, 0x5d, 0xdb])),
            a
        );
    }
}
