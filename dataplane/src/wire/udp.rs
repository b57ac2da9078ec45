//! User Datagram Protocol (RFC 768) over IPv4.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            Length             |           Checksum            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Payload ...
//! +-+-+-+-+-+-+-+-+-
//! ```
//!
//! The Length field (header included) bounds the datagram; bytes past it
//! in the buffer are ignored. Over IPv4 a checksum of 0 means "none".

use core::fmt;
use std::net::Ipv4Addr;

use super::ipv4::Protocol;
use super::{Error, Result, checksum, field::Field, read_u16, write_u16};

mod field {
    use super::Field;

    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const LENGTH: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
}

/// The length of the UDP header.
pub const HEADER_LEN: usize = field::CHECKSUM.end;

/// A read/write view of a UDP datagram.
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

    /// Check that the buffer holds the 8-byte header and that
    /// `8 <= len() <= buffer length`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let buffer_len = self.buffer.as_ref().len();
        if buffer_len < HEADER_LEN {
            return Err(Error);
        }
        let len = usize::from(self.len());
        if len < HEADER_LEN || len > buffer_len {
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

    /// The source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::SRC_PORT])
    }

    /// The destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::DST_PORT])
    }

    /// The length field: header plus payload, in bytes.
    #[inline]
    #[allow(
        clippy::len_without_is_empty,
        reason = "the UDP Length field, not a collection length"
    )]
    pub fn len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// The checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Whether the checksum is right for a datagram from `src` to `dst`.
    /// A checksum of 0 ("not computed") is valid over IPv4 (RFC 768).
    #[inline]
    pub fn verify_checksum(&self, src: &Ipv4Addr, dst: &Ipv4Addr) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        let len = self.len();
        let datagram = &self.buffer.as_ref()[..usize::from(len)];
        let sum = checksum::combine(&[
            checksum::pseudo_header_v4(src, dst, Protocol::Udp.into(), len),
            checksum::data(datagram),
        ]);
        sum == !0
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The payload: bytes `8..len()`.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let len = usize::from(self.len());
        &self.buffer.as_ref()[HEADER_LEN..len]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set the source port.
    #[inline]
    pub fn set_src_port(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::SRC_PORT], value);
    }

    /// Set the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::DST_PORT], value);
    }

    /// Set the length field (header plus payload).
    #[inline]
    pub fn set_len(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::LENGTH], value);
    }

    /// Set the checksum field (0 means "no checksum").
    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::CHECKSUM], value);
    }

    /// Compute the checksum over the pseudo-header and bytes `0..len()` and
    /// store it. A computed 0 is stored as `0xffff`, since 0 means "none".
    #[inline]
    pub fn fill_checksum(&mut self, src: &Ipv4Addr, dst: &Ipv4Addr) {
        self.set_checksum(0);
        let len = self.len();
        let datagram = &self.buffer.as_ref()[..usize::from(len)];
        let sum = checksum::combine(&[
            checksum::pseudo_header_v4(src, dst, Protocol::Udp.into(), len),
            checksum::data(datagram),
        ]);
        let stored = match !sum {
            0 => 0xffff,
            c => c,
        };
        self.set_checksum(stored);
    }

    /// The payload, mutably: bytes `8..len()`.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let len = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..len]
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check_len().is_err() {
            return f.write_str("UDP (truncated)");
        }
        write!(
            f,
            "UDP src={} dst={} len={}",
            self.src_port(),
            self.dst_port(),
            self.len()
        )
    }
}

/// The ports of a UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

impl Repr {
    /// Read a datagram sent from `src` to `dst`. Fails if it is truncated or
    /// its checksum is wrong (a zero checksum is accepted).
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        src: &Ipv4Addr,
        dst: &Ipv4Addr,
    ) -> Result<Repr> {
        packet.check_len()?;
        if !packet.verify_checksum(src, dst) {
            return Err(Error);
        }
        Ok(Repr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
        })
    }

    /// The header length [`emit`](Self::emit) writes (8).
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header for a `payload_len`-byte payload into `packet` and
    /// fill the checksum. The payload must already be in place after the
    /// header, and the buffer at least `8 + payload_len` bytes long.
    ///
    /// `payload_len` must be at most 65527; larger values wrap in Length.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: &Ipv4Addr,
        dst: &Ipv4Addr,
        payload_len: usize,
    ) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len((HEADER_LEN + payload_len) as u16);
        packet.fill_checksum(src, dst);
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UDP src={} dst={}", self.src_port, self.dst_port)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    const SRC_ADDR: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 1);
    const DST_ADDR: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 3);

    /// A DNS query for `example.com` A, 10.99.0.1:53211 -> 10.99.0.3:53.
    static PACKET_BYTES: [u8; 37] = [
        0xcf, 0xdb, 0x00, 0x35, 0x00, 0x25, 0x0f, 0xe2, 0x3b, 0x7a, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63,
        0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
    ];

    static PAYLOAD_BYTES: [u8; 29] = [
        0x3b, 0x7a, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78,
        0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
    ];

    fn packet_repr() -> Repr {
        Repr {
            src_port: 53211,
            dst_port: 53,
        }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), 53211);
        assert_eq!(packet.dst_port(), 53);
        assert_eq!(packet.len(), 37);
        assert_eq!(packet.checksum(), 0x0fe2);
        assert_eq!(packet.payload(), &PAYLOAD_BYTES[..]);
        assert!(packet.verify_checksum(&SRC_ADDR, &DST_ADDR));
        assert!(!packet.verify_checksum(&DST_ADDR, &Ipv4Addr::new(10, 99, 0, 4)));
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 37];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_src_port(53211);
        packet.set_dst_port(53);
        packet.set_len(37);
        packet.set_checksum(0xffff);
        packet.payload_mut().copy_from_slice(&PAYLOAD_BYTES);
        packet.fill_checksum(&SRC_ADDR, &DST_ADDR);
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_parse() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(
            Repr::parse(&packet, &SRC_ADDR, &DST_ADDR),
            Ok(packet_repr())
        );
        assert_eq!(Repr::parse(&packet, &DST_ADDR, &DST_ADDR), Err(Error));
    }

    #[test]
    fn test_emit() {
        let repr = packet_repr();
        assert_eq!(repr.buffer_len(), 8);
        let mut bytes = [0xa5u8; 37];
        bytes[8..].copy_from_slice(&PAYLOAD_BYTES);
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        repr.emit(&mut packet, &SRC_ADDR, &DST_ADDR, PAYLOAD_BYTES.len());
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_zero_checksum() {
        // 0 means "no checksum" and is valid whatever the addresses.
        let mut bytes = PACKET_BYTES;
        bytes[6..8].fill(0);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(&SRC_ADDR, &DST_ADDR));
        assert!(packet.verify_checksum(&DST_ADDR, &SRC_ADDR));
    }

    #[test]
    fn test_fill_checksum_never_zero() {
        // A datagram whose checksum computes to 0 must store 0xffff. Choose
        // the last payload word so that the full sum is 0xffff.
        let mut bytes = [0u8; 10];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_src_port(1);
        packet.set_dst_port(2);
        packet.set_len(10);
        packet.set_checksum(0);
        let partial = checksum::combine(&[
            checksum::pseudo_header_v4(&SRC_ADDR, &DST_ADDR, 17, 10),
            checksum::data(&packet.buffer[..]),
        ]);
        packet
            .payload_mut()
            .copy_from_slice(&(!partial).to_be_bytes());
        packet.fill_checksum(&SRC_ADDR, &DST_ADDR);
        assert_eq!(packet.checksum(), 0xffff);
        assert!(packet.verify_checksum(&SRC_ADDR, &DST_ADDR));
    }

    #[test]
    fn test_trailing_bytes_ignored() {
        let mut bytes = [0u8; 64];
        bytes[..37].copy_from_slice(&PACKET_BYTES);
        bytes[37..].fill(0xee);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), &PAYLOAD_BYTES[..]);
        assert!(packet.verify_checksum(&SRC_ADDR, &DST_ADDR));
    }

    #[test]
    fn test_truncated() {
        for len in 0..37 {
            assert_eq!(Packet::new_checked(&PACKET_BYTES[..len]).err(), Some(Error));
            let packet = Packet::new_unchecked(&PACKET_BYTES[..len]);
            assert_eq!(Repr::parse(&packet, &SRC_ADDR, &DST_ADDR), Err(Error));
            assert_eq!(packet.to_string(), "UDP (truncated)");
        }
    }

    #[test]
    fn test_impossible_len() {
        let mut bytes = PACKET_BYTES;
        for len in [0u16, 1, 7, 38, 0xffff] {
            bytes[4..6].copy_from_slice(&len.to_be_bytes());
            assert_eq!(Packet::new_checked(&bytes[..]).err(), Some(Error), "{len}");
        }
        bytes[4..6].copy_from_slice(&8u16.to_be_bytes());
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), &[] as &[u8]);
    }

    #[test]
    fn test_display() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.to_string(), "UDP src=53211 dst=53 len=37");
        assert_eq!(packet_repr().to_string(), "UDP src=53211 dst=53");
    }

    #[test]
    fn test_etherparse_agrees() {
        let header = etherparse::UdpHeaderSlice::from_slice(&PACKET_BYTES).unwrap();
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), header.source_port());
        assert_eq!(packet.dst_port(), header.destination_port());
        assert_eq!(packet.len(), header.length());
        assert_eq!(packet.checksum(), header.checksum());
        let computed = header
            .to_header()
            .calc_checksum_ipv4_raw(SRC_ADDR.octets(), DST_ADDR.octets(), packet.payload())
            .unwrap();
        assert_eq!(computed, packet.checksum());

        // And the whole datagram as etherparse builds it.
        let builder = etherparse::PacketBuilder::ipv4(SRC_ADDR.octets(), DST_ADDR.octets(), 64)
            .udp(53211, 53);
        let mut built = Vec::with_capacity(builder.size(PAYLOAD_BYTES.len()));
        builder.write(&mut built, &PAYLOAD_BYTES).unwrap();
        assert_eq!(&built[20..], &PACKET_BYTES[..]);
    }
}
