//! Address Resolution Protocol (RFC 826).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Hardware type         |         Protocol type         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Hw len (hlen)| Proto len(plen)|          Operation           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Sender hardware address (hlen) | Sender protocol address (plen)
//! | Target hardware address (hlen) | Target protocol address (plen)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The view handles any hardware/protocol address lengths; [`Repr`] only
//! Ethernet + IPv4 (hlen 6, plen 4: 28 bytes).

use core::fmt;
use std::net::Ipv4Addr;

use super::ethernet::{Address, EtherType};
use super::{Error, Result, ipv4_from_bytes, read_u16, write_u16};

enum_with_unknown! {
    /// ARP hardware type.
    pub enum Hardware(u16) {
        /// Ethernet (10 Mb and up).
        Ethernet = 1,
    }
}

enum_with_unknown! {
    /// ARP operation.
    pub enum Operation(u16) {
        /// Who has the target protocol address?
        Request = 1,
        /// The sender has the sender protocol address.
        Reply = 2,
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Operation::Request => f.write_str("request"),
            Operation::Reply => f.write_str("reply"),
            Operation::Unknown(raw) => write!(f, "op-{raw}"),
        }
    }
}

mod field {
    #![allow(non_snake_case)]

    use crate::wire::field::Field;

    pub const HTYPE: Field = 0..2;
    pub const PTYPE: Field = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Field = 6..8;

    /// Sender hardware address.
    #[inline(always)]
    pub const fn SHA(hardware_len: u8, _protocol_len: u8) -> Field {
        let start = OPER.end;
        start..(start + hardware_len as usize)
    }

    /// Sender protocol address.
    #[inline(always)]
    pub const fn SPA(hardware_len: u8, protocol_len: u8) -> Field {
        let start = SHA(hardware_len, protocol_len).end;
        start..(start + protocol_len as usize)
    }

    /// Target hardware address.
    #[inline(always)]
    pub const fn THA(hardware_len: u8, protocol_len: u8) -> Field {
        let start = SPA(hardware_len, protocol_len).end;
        start..(start + hardware_len as usize)
    }

    /// Target protocol address.
    #[inline(always)]
    pub const fn TPA(hardware_len: u8, protocol_len: u8) -> Field {
        let start = THA(hardware_len, protocol_len).end;
        start..(start + protocol_len as usize)
    }
}

/// The length of the fixed part of the header, before the addresses.
pub const FIXED_HEADER_LEN: usize = field::OPER.end;

/// The length of an Ethernet + IPv4 ARP packet.
pub const ETHERNET_IPV4_LEN: usize = field::TPA(6, 4).end;

/// A read/write view of an ARP packet.
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

    /// Check that the buffer holds the fixed header (8 bytes) and the four
    /// addresses whose lengths it declares (`8 + 2 * (hlen + plen)`).
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < FIXED_HEADER_LEN || len < field::TPA(self.hardware_len(), self.protocol_len()).end
        {
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

    /// The hardware type field.
    #[inline]
    pub fn hardware_type(&self) -> Hardware {
        Hardware::from(read_u16(&self.buffer.as_ref()[field::HTYPE]))
    }

    /// The protocol type field (an EtherType).
    #[inline]
    pub fn protocol_type(&self) -> EtherType {
        EtherType::from(read_u16(&self.buffer.as_ref()[field::PTYPE]))
    }

    /// The hardware address length field.
    #[inline]
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// The protocol address length field.
    #[inline]
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// The operation field.
    #[inline]
    pub fn operation(&self) -> Operation {
        Operation::from(read_u16(&self.buffer.as_ref()[field::OPER]))
    }

    /// The sender hardware address (`hardware_len()` bytes).
    #[inline]
    pub fn source_hardware_addr(&self) -> &[u8] {
        let range = field::SHA(self.hardware_len(), self.protocol_len());
        &self.buffer.as_ref()[range]
    }

    /// The sender protocol address (`protocol_len()` bytes).
    #[inline]
    pub fn source_protocol_addr(&self) -> &[u8] {
        let range = field::SPA(self.hardware_len(), self.protocol_len());
        &self.buffer.as_ref()[range]
    }

    /// The target hardware address (`hardware_len()` bytes).
    #[inline]
    pub fn target_hardware_addr(&self) -> &[u8] {
        let range = field::THA(self.hardware_len(), self.protocol_len());
        &self.buffer.as_ref()[range]
    }

    /// The target protocol address (`protocol_len()` bytes).
    #[inline]
    pub fn target_protocol_addr(&self) -> &[u8] {
        let range = field::TPA(self.hardware_len(), self.protocol_len());
        &self.buffer.as_ref()[range]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set the hardware type field.
    #[inline]
    pub fn set_hardware_type(&mut self, value: Hardware) {
        write_u16(&mut self.buffer.as_mut()[field::HTYPE], value.into());
    }

    /// Set the protocol type field.
    #[inline]
    pub fn set_protocol_type(&mut self, value: EtherType) {
        write_u16(&mut self.buffer.as_mut()[field::PTYPE], value.into());
    }

    /// Set the hardware address length field.
    #[inline]
    pub fn set_hardware_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::HLEN] = value;
    }

    /// Set the protocol address length field.
    #[inline]
    pub fn set_protocol_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::PLEN] = value;
    }

    /// Set the operation field.
    #[inline]
    pub fn set_operation(&mut self, value: Operation) {
        write_u16(&mut self.buffer.as_mut()[field::OPER], value.into());
    }

    /// Set the sender hardware address.
    ///
    /// # Panics
    /// Panics if `value` is not `hardware_len()` bytes long.
    #[inline]
    pub fn set_source_hardware_addr(&mut self, value: &[u8]) {
        let range = field::SHA(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Set the sender protocol address.
    ///
    /// # Panics
    /// Panics if `value` is not `protocol_len()` bytes long.
    #[inline]
    pub fn set_source_protocol_addr(&mut self, value: &[u8]) {
        let range = field::SPA(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Set the target hardware address.
    ///
    /// # Panics
    /// Panics if `value` is not `hardware_len()` bytes long.
    #[inline]
    pub fn set_target_hardware_addr(&mut self, value: &[u8]) {
        let range = field::THA(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Set the target protocol address.
    ///
    /// # Panics
    /// Panics if `value` is not `protocol_len()` bytes long.
    #[inline]
    pub fn set_target_protocol_addr(&mut self, value: &[u8]) {
        let range = field::TPA(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check_len().is_err() {
            return f.write_str("ARP (truncated)");
        }
        match Repr::parse(self) {
            Ok(repr) => write!(f, "{repr}"),
            Err(_) => write!(
                f,
                "ARP (unrecognized) htype={} ptype={} hlen={} plen={} op={}",
                u16::from(self.hardware_type()),
                self.protocol_type(),
                self.hardware_len(),
                self.protocol_len(),
                self.operation()
            ),
        }
    }
}

/// The fields of an ARP packet weft understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repr {
    /// An Ethernet + IPv4 ARP packet (hardware type 1, protocol type 0x0800,
    /// hlen 6, plen 4).
    EthernetIpv4 {
        /// Request or reply.
        operation: Operation,
        /// Sender hardware address.
        source_hardware_addr: Address,
        /// Sender protocol address.
        source_protocol_addr: Ipv4Addr,
        /// Target hardware address (ignored in a request, usually zero).
        target_hardware_addr: Address,
        /// Target protocol address.
        target_protocol_addr: Ipv4Addr,
    },
}

impl Repr {
    /// Read an ARP packet. Fails unless it is Ethernet + IPv4 with address
    /// lengths 6 and 4, or if the packet is truncated.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        match (
            packet.hardware_type(),
            packet.protocol_type(),
            packet.hardware_len(),
            packet.protocol_len(),
        ) {
            (Hardware::Ethernet, EtherType::Ipv4, 6, 4) => Ok(Repr::EthernetIpv4 {
                operation: packet.operation(),
                source_hardware_addr: Address::from_bytes(packet.source_hardware_addr()),
                source_protocol_addr: ipv4_from_bytes(packet.source_protocol_addr())?,
                target_hardware_addr: Address::from_bytes(packet.target_hardware_addr()),
                target_protocol_addr: ipv4_from_bytes(packet.target_protocol_addr())?,
            }),
            _ => Err(Error),
        }
    }

    /// The buffer length [`emit`](Self::emit) writes (28).
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        match *self {
            Repr::EthernetIpv4 { .. } => ETHERNET_IPV4_LEN,
        }
    }

    /// Write the packet into `packet`, which must be at least
    /// [`buffer_len`](Self::buffer_len) bytes long.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        match *self {
            Repr::EthernetIpv4 {
                operation,
                source_hardware_addr,
                source_protocol_addr,
                target_hardware_addr,
                target_protocol_addr,
            } => {
                packet.set_hardware_type(Hardware::Ethernet);
                packet.set_protocol_type(EtherType::Ipv4);
                packet.set_hardware_len(6);
                packet.set_protocol_len(4);
                packet.set_operation(operation);
                packet.set_source_hardware_addr(source_hardware_addr.as_bytes());
                packet.set_source_protocol_addr(&source_protocol_addr.octets());
                packet.set_target_hardware_addr(target_hardware_addr.as_bytes());
                packet.set_target_protocol_addr(&target_protocol_addr.octets());
            }
        }
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Repr::EthernetIpv4 {
                operation,
                source_hardware_addr,
                source_protocol_addr,
                target_hardware_addr,
                target_protocol_addr,
            } => write!(
                f,
                "ARP {operation} src={source_hardware_addr}/{source_protocol_addr} \
                 tgt={target_hardware_addr}/{target_protocol_addr}"
            ),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// Who-has 192.168.13.2 tell 192.168.13.1 (02:fe:00:00:0d:01).
    static PACKET_BYTES: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01, 0xc0,
        0xa8, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x0d, 0x02,
    ];

    const SHA: [u8; 6] = [0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01];

    fn packet_repr() -> Repr {
        Repr::EthernetIpv4 {
            operation: Operation::Request,
            source_hardware_addr: Address(SHA),
            source_protocol_addr: Ipv4Addr::new(192, 168, 13, 1),
            target_hardware_addr: Address([0; 6]),
            target_protocol_addr: Ipv4Addr::new(192, 168, 13, 2),
        }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.hardware_type(), Hardware::Ethernet);
        assert_eq!(packet.protocol_type(), EtherType::Ipv4);
        assert_eq!(packet.hardware_len(), 6);
        assert_eq!(packet.protocol_len(), 4);
        assert_eq!(packet.operation(), Operation::Request);
        assert_eq!(packet.source_hardware_addr(), &SHA);
        assert_eq!(packet.source_protocol_addr(), &[192, 168, 13, 1]);
        assert_eq!(packet.target_hardware_addr(), &[0; 6]);
        assert_eq!(packet.target_protocol_addr(), &[192, 168, 13, 2]);
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 28];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_hardware_type(Hardware::Ethernet);
        packet.set_protocol_type(EtherType::Ipv4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(Operation::Request);
        packet.set_source_hardware_addr(&SHA);
        packet.set_source_protocol_addr(&[192, 168, 13, 1]);
        packet.set_target_hardware_addr(&[0; 6]);
        packet.set_target_protocol_addr(&[192, 168, 13, 2]);
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_parse() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
    }

    #[test]
    fn test_parse_unrecognized() {
        // Each of hardware type, protocol type, hlen and plen must match.
        for (at, value) in [(1, 6u8), (3, 0xdd), (4, 8), (5, 16)] {
            let mut bytes = [0u8; 64];
            bytes[..28].copy_from_slice(&PACKET_BYTES);
            bytes[at] = value;
            let packet = Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(Repr::parse(&packet), Err(Error), "byte {at} = {value}");
            assert!(packet.to_string().starts_with("ARP (unrecognized)"));
        }
    }

    #[test]
    fn test_emit() {
        let repr = packet_repr();
        assert_eq!(repr.buffer_len(), 28);
        let mut bytes = [0xa5u8; 28];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        repr.emit(&mut packet);
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_truncated() {
        for len in 0..28 {
            assert_eq!(Packet::new_checked(&PACKET_BYTES[..len]).err(), Some(Error));
            let packet = Packet::new_unchecked(&PACKET_BYTES[..len]);
            assert_eq!(Repr::parse(&packet), Err(Error));
            assert_eq!(packet.to_string(), "ARP (truncated)");
        }
    }

    #[test]
    fn test_impossible_len() {
        // hlen = plen = 255 needs 8 + 2 * 510 bytes.
        let mut bytes = [0u8; 1027];
        bytes[..28].copy_from_slice(&PACKET_BYTES);
        bytes[4] = 255;
        bytes[5] = 255;
        assert_eq!(Packet::new_checked(&bytes[..]).err(), Some(Error));
        let mut big = [0u8; 1028];
        big[..1027].copy_from_slice(&bytes);
        let packet = Packet::new_checked(&big[..]).unwrap();
        assert_eq!(packet.target_protocol_addr().len(), 255);
        assert_eq!(Repr::parse(&packet), Err(Error));
    }

    #[test]
    fn test_display() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        let text = "ARP request src=02:fe:00:00:0d:01/192.168.13.1 \
                    tgt=00:00:00:00:00:00/192.168.13.2";
        assert_eq!(packet.to_string(), text);
        assert_eq!(packet_repr().to_string(), text);
        assert_eq!(Operation::from(9).to_string(), "op-9");
    }

    #[test]
    fn test_in_ethernet_frame() {
        // The fixture is the payload of ethernet.rs's broadcast frame; check
        // that etherparse sees it as an ARP frame payload too.
        let mut frame = [0u8; 42];
        frame[..6].fill(0xff);
        frame[6..12].copy_from_slice(&SHA);
        frame[12..14].copy_from_slice(&[0x08, 0x06]);
        frame[14..].copy_from_slice(&PACKET_BYTES);
        let sliced = etherparse::SlicedPacket::from_ethernet(&frame).unwrap();
        let payload = sliced.ether_payload().unwrap();
        assert_eq!(payload.ether_type, etherparse::EtherType::ARP);
        let packet = Packet::new_checked(payload.payload).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
    }
}
