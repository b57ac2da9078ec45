//! Internet Protocol version 4 (RFC 791).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |   DSCP    |ECN|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |Flags|      Fragment Offset    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options (IHL > 5)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The view exposes options as raw bytes and does not reassemble fragments.
//! The buffer may be longer than Total Length (Ethernet padding);
//! [`Packet::payload`] stops at Total Length.

use core::fmt;
use std::net::Ipv4Addr;

use super::{Error, Result, checksum, read_u16, write_u16};

enum_with_unknown! {
    /// The IP protocol number: what the IPv4 payload carries.
    pub enum Protocol(u8) {
        /// Internet Control Message Protocol.
        Icmp = 1,
        /// Transmission Control Protocol.
        Tcp = 6,
        /// User Datagram Protocol.
        Udp = 17,
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Protocol::Icmp => f.write_str("ICMP"),
            Protocol::Tcp => f.write_str("TCP"),
            Protocol::Udp => f.write_str("UDP"),
            Protocol::Unknown(raw) => write!(f, "{raw}"),
        }
    }
}

mod field {
    use crate::wire::field::Field;

    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
}

/// The length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// The Don't Fragment bit of the flags/offset word.
const FLAG_DF: u16 = 0x4000;
/// The More Fragments bit of the flags/offset word.
const FLAG_MF: u16 = 0x2000;
/// The fragment offset bits (in 8-byte units) of the flags/offset word.
const OFFSET_MASK: u16 = 0x1fff;

/// A read/write view of an IPv4 packet.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking its length (see the module contract).
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a buffer and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Check that the buffer holds a 20-byte header, and that
    /// `20 <= header_len() <= total_len() <= buffer length`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error);
        }
        let header_len = usize::from(self.header_len());
        let total_len = usize::from(self.total_len());
        if header_len < HEADER_LEN || header_len > total_len || total_len > len {
            Err(Error)
        } else {
            Ok(())
        }
    }

    /// Unwrap the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version field (4 for IPv4).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// The header length in bytes (IHL * 4).
    #[inline]
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// The Differentiated Services Code Point.
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// The Explicit Congestion Notification bits.
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// The total length field: header plus payload, in bytes.
    #[inline]
    pub fn total_len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// The identification field.
    #[inline]
    pub fn ident(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::IDENT])
    }

    /// The Don't Fragment flag.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & FLAG_DF != 0
    }

    /// The More Fragments flag.
    #[inline]
    pub fn more_frags(&self) -> bool {
        read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & FLAG_MF != 0
    }

    /// The fragment offset, in bytes.
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        (read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & OFFSET_MASK) << 3
    }

    /// Whether this packet is a fragment: More Fragments set or a non-zero
    /// offset.
    #[inline]
    pub fn is_fragment(&self) -> bool {
        read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & (FLAG_MF | OFFSET_MASK) != 0
    }

    /// The time-to-live field.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The protocol field.
    #[inline]
    pub fn protocol(&self) -> Protocol {
        Protocol::from(self.buffer.as_ref()[field::PROTOCOL])
    }

    /// The header checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// The source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv4Addr {
        let b = &self.buffer.as_ref()[field::SRC_ADDR];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// The destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv4Addr {
        let b = &self.buffer.as_ref()[field::DST_ADDR];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// Whether the header checksum is right (sums over the whole header,
    /// options included).
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        let header = &self.buffer.as_ref()[..usize::from(self.header_len())];
        checksum::data(header) == !0
    }

    /// The options: the header bytes after the first 20 (empty if IHL = 5).
    #[inline]
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.header_len())]
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The payload: bytes `header_len()..total_len()`. Padding after Total
    /// Length is not included.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let range = usize::from(self.header_len())..usize::from(self.total_len());
        &self.buffer.as_ref()[range]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set the version field (the high nibble of byte 0).
    #[inline]
    pub fn set_version(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[field::VER_IHL] = (data[field::VER_IHL] & 0x0f) | (value << 4);
    }

    /// Set the header length, in bytes (stored as `value / 4`).
    #[inline]
    pub fn set_header_len(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[field::VER_IHL] = (data[field::VER_IHL] & 0xf0) | ((value / 4) & 0x0f);
    }

    /// Set the Differentiated Services Code Point (6 bits).
    #[inline]
    pub fn set_dscp(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[field::DSCP_ECN] = (data[field::DSCP_ECN] & 0x03) | (value << 2);
    }

    /// Set the Explicit Congestion Notification bits (2 bits).
    #[inline]
    pub fn set_ecn(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[field::DSCP_ECN] = (data[field::DSCP_ECN] & !0x03) | (value & 0x03);
    }

    /// Set the total length field.
    #[inline]
    pub fn set_total_len(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::LENGTH], value);
    }

    /// Set the identification field.
    #[inline]
    pub fn set_ident(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::IDENT], value);
    }

    /// Clear the three flag bits, keeping the fragment offset.
    #[inline]
    pub fn clear_flags(&mut self) {
        let raw = read_u16(&self.buffer.as_ref()[field::FLG_OFF]);
        write_u16(&mut self.buffer.as_mut()[field::FLG_OFF], raw & OFFSET_MASK);
    }

    /// Set or clear the Don't Fragment flag.
    #[inline]
    pub fn set_dont_frag(&mut self, value: bool) {
        self.set_flag(FLAG_DF, value);
    }

    /// Set or clear the More Fragments flag.
    #[inline]
    pub fn set_more_frags(&mut self, value: bool) {
        self.set_flag(FLAG_MF, value);
    }

    #[inline]
    fn set_flag(&mut self, flag: u16, value: bool) {
        let raw = read_u16(&self.buffer.as_ref()[field::FLG_OFF]);
        let raw = if value { raw | flag } else { raw & !flag };
        write_u16(&mut self.buffer.as_mut()[field::FLG_OFF], raw);
    }

    /// Set the fragment offset, in bytes (a multiple of 8; the low three bits
    /// are dropped).
    #[inline]
    pub fn set_frag_offset(&mut self, value: u16) {
        let raw = read_u16(&self.buffer.as_ref()[field::FLG_OFF]);
        let raw = (raw & !OFFSET_MASK) | (value >> 3);
        write_u16(&mut self.buffer.as_mut()[field::FLG_OFF], raw);
    }

    /// Set the time-to-live field.
    #[inline]
    pub fn set_ttl(&mut self, value: u8) {
        self.buffer.as_mut()[field::TTL] = value;
    }

    /// Set the protocol field.
    #[inline]
    pub fn set_protocol(&mut self, value: Protocol) {
        self.buffer.as_mut()[field::PROTOCOL] = value.into();
    }

    /// Set the header checksum field.
    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::CHECKSUM], value);
    }

    /// Set the source address.
    #[inline]
    pub fn set_src_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Set the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// Compute the header checksum over `header_len()` bytes and store it.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let header_len = usize::from(self.header_len());
        let sum = checksum::data(&self.buffer.as_ref()[..header_len]);
        self.set_checksum(!sum);
    }

    /// The payload, mutably: bytes `header_len()..total_len()`.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = usize::from(self.header_len())..usize::from(self.total_len());
        &mut self.buffer.as_mut()[range]
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check_len().is_err() {
            return f.write_str("IPv4 (truncated)");
        }
        write!(
            f,
            "IPv4 src={} dst={} proto={} ttl={} len={}",
            self.src_addr(),
            self.dst_addr(),
            self.protocol(),
            self.ttl(),
            self.total_len()
        )?;
        if self.is_fragment() {
            write!(f, " frag_off={}", self.frag_offset())?;
            if self.more_frags() {
                f.write_str(" mf")?;
            }
        }
        Ok(())
    }
}

/// The fields of an IPv4 header that weft emits: no options, identification
/// 0, not fragmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// What the payload carries.
    pub protocol: Protocol,
    /// Payload length in bytes (Total Length minus the header).
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
}

impl Repr {
    /// Read an IPv4 header. Fails if the packet is truncated, the version is
    /// not 4 or the header checksum is wrong. Options are skipped and
    /// fragments are accepted (check [`Packet::is_fragment`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.version() != 4 || !packet.verify_checksum() {
            return Err(Error);
        }
        Ok(Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: usize::from(packet.total_len() - u16::from(packet.header_len())),
            ttl: packet.ttl(),
        })
    }

    /// The header length [`emit`](Self::emit) writes (20).
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write a 20-byte header into `packet` (at least 20 bytes long): DSCP
    /// and ECN 0, identification 0, no flags, offset 0, checksum filled.
    ///
    /// `payload_len` must be at most 65515; larger values wrap in Total
    /// Length.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_version(4);
        packet.set_header_len(HEADER_LEN as u8);
        packet.set_dscp(0);
        packet.set_ecn(0);
        packet.set_total_len((HEADER_LEN + self.payload_len) as u16);
        packet.set_ident(0);
        packet.clear_flags();
        packet.set_frag_offset(0);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.fill_checksum();
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IPv4 src={} dst={} proto={} ttl={} payload_len={}",
            self.src_addr, self.dst_addr, self.protocol, self.ttl, self.payload_len
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// `ping -c1 192.168.13.2` from 192.168.13.1: an ICMP echo request with
    /// 56 bytes of data, DF set, TTL 64.
    static PACKET_BYTES: [u8; 84] = [
        0x45, 0x00, 0x00, 0x54, 0x4d, 0x2c, 0x40, 0x00, 0x40, 0x01, 0x52, 0x29, 0xc0, 0xa8, 0x0d,
        0x01, 0xc0, 0xa8, 0x0d, 0x02, 0x08, 0x00, 0x4c, 0x73, 0x1f, 0x2e, 0x00, 0x01, 0xa1, 0xc2,
        0xe4, 0x68, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x5f, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e,
        0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];

    /// The same header as `Repr::emit` writes it: identification 0, DF clear.
    static REPR_HEADER_BYTES: [u8; 20] = [
        0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xdf, 0x55, 0xc0, 0xa8, 0x0d,
        0x01, 0xc0, 0xa8, 0x0d, 0x02,
    ];

    const SRC: Ipv4Addr = Ipv4Addr::new(192, 168, 13, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(192, 168, 13, 2);

    fn packet_repr() -> Repr {
        Repr {
            src_addr: SRC,
            dst_addr: DST,
            protocol: Protocol::Icmp,
            payload_len: 64,
            ttl: 64,
        }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.header_len(), 20);
        assert_eq!(packet.dscp(), 0);
        assert_eq!(packet.ecn(), 0);
        assert_eq!(packet.total_len(), 84);
        assert_eq!(packet.ident(), 0x4d2c);
        assert!(packet.dont_frag());
        assert!(!packet.more_frags());
        assert_eq!(packet.frag_offset(), 0);
        assert!(!packet.is_fragment());
        assert_eq!(packet.ttl(), 64);
        assert_eq!(packet.protocol(), Protocol::Icmp);
        assert_eq!(packet.checksum(), 0x5229);
        assert_eq!(packet.src_addr(), SRC);
        assert_eq!(packet.dst_addr(), DST);
        assert!(packet.verify_checksum());
        assert_eq!(packet.options(), &[] as &[u8]);
        assert_eq!(packet.payload(), &PACKET_BYTES[20..]);
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 84];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version(4);
        packet.set_header_len(20);
        packet.set_dscp(0);
        packet.set_ecn(0);
        packet.set_total_len(84);
        packet.set_ident(0x4d2c);
        packet.clear_flags();
        packet.set_dont_frag(true);
        packet.set_more_frags(false);
        packet.set_frag_offset(0);
        packet.set_ttl(64);
        packet.set_protocol(Protocol::Icmp);
        packet.set_src_addr(SRC);
        packet.set_dst_addr(DST);
        packet.payload_mut().copy_from_slice(&PACKET_BYTES[20..]);
        packet.fill_checksum();
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_parse() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
    }

    #[test]
    fn test_parse_bad_version() {
        let mut bytes = PACKET_BYTES;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version(6);
        packet.fill_checksum();
        assert_eq!(Repr::parse(&packet), Err(Error));
    }

    #[test]
    fn test_parse_bad_checksum() {
        let mut bytes = PACKET_BYTES;
        bytes[8] = 63;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(!packet.verify_checksum());
        assert_eq!(Repr::parse(&packet), Err(Error));
    }

    #[test]
    fn test_parse_options_and_padding() {
        // IHL 6 (one NOP,NOP,NOP,EOL option word), plus 4 bytes of padding.
        let mut bytes = [0u8; 92];
        bytes[..20].copy_from_slice(&PACKET_BYTES[..20]);
        bytes[20..24].copy_from_slice(&[1, 1, 1, 0]);
        bytes[24..88].copy_from_slice(&PACKET_BYTES[20..]);
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_header_len(24);
        packet.set_total_len(88);
        packet.fill_checksum();
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.options(), &[1, 1, 1, 0]);
        assert_eq!(packet.payload(), &PACKET_BYTES[20..]);
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
        let sliced = etherparse::Ipv4HeaderSlice::from_slice(&bytes).unwrap();
        assert_eq!(sliced.options(), packet.options());
        assert_eq!(sliced.to_header().calc_header_checksum(), packet.checksum());
    }

    #[test]
    fn test_emit() {
        let repr = packet_repr();
        assert_eq!(repr.buffer_len(), 20);
        let mut bytes = [0xa5u8; 84];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        repr.emit(&mut packet);
        packet.payload_mut().copy_from_slice(&PACKET_BYTES[20..]);
        let bytes = packet.into_inner();
        assert_eq!(&bytes[..20], &REPR_HEADER_BYTES[..]);
        assert_eq!(&bytes[20..], &PACKET_BYTES[20..]);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(repr));
    }

    #[test]
    fn test_fragment_fields() {
        let mut bytes = PACKET_BYTES;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_more_frags(true);
        assert!(packet.is_fragment());
        assert!(packet.dont_frag());
        packet.set_dont_frag(false);
        packet.set_more_frags(false);
        packet.set_frag_offset(1480);
        assert_eq!(packet.frag_offset(), 1480);
        assert!(packet.is_fragment());
        assert!(!packet.more_frags());
        packet.set_more_frags(true);
        packet.set_dont_frag(true);
        packet.clear_flags();
        assert!(!packet.dont_frag() && !packet.more_frags());
        assert_eq!(packet.frag_offset(), 1480);
        packet.set_frag_offset(65528);
        assert_eq!(packet.frag_offset(), 65528);
        packet.set_frag_offset(0);
        assert!(!packet.is_fragment());
        assert_eq!(&bytes[6..8], &[0, 0]);
    }

    #[test]
    fn test_dscp_ecn() {
        let mut bytes = PACKET_BYTES;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_dscp(46);
        packet.set_ecn(3);
        assert_eq!((packet.dscp(), packet.ecn()), (46, 3));
        packet.set_ecn(1);
        assert_eq!((packet.dscp(), packet.ecn()), (46, 1));
        assert_eq!(bytes[1], 0xb9);
    }

    #[test]
    fn test_ttl_decrement_incremental() {
        let mut bytes = PACKET_BYTES;
        let mut packet = Packet::new_checked(&mut bytes[..]).unwrap();
        let old = u16::from_be_bytes([packet.ttl(), packet.protocol().into()]);
        packet.set_ttl(packet.ttl() - 1);
        let new = u16::from_be_bytes([packet.ttl(), packet.protocol().into()]);
        packet.set_checksum(checksum::update16(packet.checksum(), old, new));
        assert!(packet.verify_checksum());
    }

    #[test]
    fn test_truncated() {
        for len in 0..84 {
            assert_eq!(Packet::new_checked(&PACKET_BYTES[..len]).err(), Some(Error));
            let packet = Packet::new_unchecked(&PACKET_BYTES[..len]);
            assert_eq!(Repr::parse(&packet), Err(Error));
            assert_eq!(packet.to_string(), "IPv4 (truncated)");
        }
    }

    #[test]
    fn test_impossible_len() {
        // header_len < 20.
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x44;
        assert_eq!(Packet::new_checked(&bytes[..]).err(), Some(Error));
        // header_len > total_len.
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x4f;
        bytes[2..4].copy_from_slice(&40u16.to_be_bytes());
        assert_eq!(Packet::new_checked(&bytes[..]).err(), Some(Error));
        // total_len > buffer.
        let mut bytes = PACKET_BYTES;
        bytes[2..4].copy_from_slice(&85u16.to_be_bytes());
        assert_eq!(Packet::new_checked(&bytes[..]).err(), Some(Error));
        // total_len < 20.
        let mut bytes = PACKET_BYTES;
        bytes[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(Packet::new_checked(&bytes[..]).err(), Some(Error));
        // A bare header is fine.
        let mut bytes = PACKET_BYTES;
        bytes[2..4].copy_from_slice(&20u16.to_be_bytes());
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), &[] as &[u8]);
    }

    #[test]
    fn test_display() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(
            packet.to_string(),
            "IPv4 src=192.168.13.1 dst=192.168.13.2 proto=ICMP ttl=64 len=84"
        );
        assert_eq!(
            packet_repr().to_string(),
            "IPv4 src=192.168.13.1 dst=192.168.13.2 proto=ICMP ttl=64 payload_len=64"
        );
        let mut bytes = PACKET_BYTES;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_more_frags(true);
        packet.set_frag_offset(1480);
        packet.set_protocol(Protocol::Unknown(47));
        assert_eq!(
            packet.to_string(),
            "IPv4 src=192.168.13.1 dst=192.168.13.2 proto=47 ttl=64 len=84 frag_off=1480 mf"
        );
    }

    #[test]
    fn test_etherparse_agrees() {
        let header = etherparse::Ipv4HeaderSlice::from_slice(&PACKET_BYTES).unwrap();
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), header.version());
        assert_eq!(packet.header_len(), header.ihl() * 4);
        assert_eq!(packet.total_len(), header.total_len());
        assert_eq!(packet.ident(), header.identification());
        assert_eq!(packet.dont_frag(), header.dont_fragment());
        assert_eq!(packet.more_frags(), header.more_fragments());
        assert_eq!(packet.frag_offset(), header.fragments_offset().value() * 8);
        assert_eq!(packet.ttl(), header.ttl());
        assert_eq!(u8::from(packet.protocol()), header.protocol().0);
        assert_eq!(packet.checksum(), header.header_checksum());
        assert_eq!(packet.src_addr(), header.source_addr());
        assert_eq!(packet.dst_addr(), header.destination_addr());
        assert_eq!(header.to_header().calc_header_checksum(), packet.checksum());

        let emitted = etherparse::Ipv4HeaderSlice::from_slice(&REPR_HEADER_BYTES).unwrap();
        assert_eq!(
            emitted.to_header().calc_header_checksum(),
            emitted.header_checksum()
        );
        assert!(!emitted.dont_fragment());
    }
}
