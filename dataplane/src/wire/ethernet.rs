//! Ethernet II frames, with at most one IEEE 802.1Q VLAN tag.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination address                        |
//! +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                               |                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       Source address          +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           EtherType           |  TCI (if EtherType = 0x8100)  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | inner EtherType (if tagged)   |  payload ...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! 802.3 length-field frames, stacked (QinQ) tags and the FCS are not
//! handled: the frame is assumed to end where the buffer ends.

use core::fmt;
use core::str::FromStr;

use super::{Error, Result, field::Field, field::Rest, read_u16, write_u16};

enum_with_unknown! {
    /// The EtherType field: the protocol carried in the frame.
    pub enum EtherType(u16) {
        /// Internet Protocol version 4.
        Ipv4 = 0x0800,
        /// Address Resolution Protocol.
        Arp = 0x0806,
        /// An IEEE 802.1Q VLAN tag follows.
        Vlan = 0x8100,
        /// Internet Protocol version 6.
        Ipv6 = 0x86DD,
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EtherType::Ipv4 => f.write_str("IPv4"),
            EtherType::Arp => f.write_str("ARP"),
            EtherType::Vlan => f.write_str("VLAN"),
            EtherType::Ipv6 => f.write_str("IPv6"),
            EtherType::Unknown(raw) => write!(f, "0x{raw:04x}"),
        }
    }
}

/// A six-octet Ethernet (EUI-48) address.
///
/// Displays as `02:fe:00:00:0d:01`; parses that form and the Cisco/VPP
/// dotted form `02fe.0000.0d01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(pub [u8; 6]);

impl Address {
    /// The broadcast address, `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: Address = Address([0xff; 6]);

    /// Build an address from a six-byte slice.
    ///
    /// # Panics
    /// Panics if `data` is not exactly six bytes long.
    #[inline]
    pub fn from_bytes(data: &[u8]) -> Address {
        let mut bytes = [0u8; 6];
        bytes.copy_from_slice(data);
        Address(bytes)
    }

    /// The address as a byte slice.
    #[inline]
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether this is the broadcast address.
    #[inline]
    pub fn is_broadcast(&self) -> bool {
        *self == Self::BROADCAST
    }

    /// Whether this is a group address (I/G bit set). Broadcast is multicast.
    #[inline]
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// Whether this is an individual (unicast) address.
    #[inline]
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// Parse 1..=`max_digits` hex digits (no sign, no prefix).
fn parse_hex(s: &str, max_digits: usize) -> Result<u16> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error);
    }
    u16::from_str_radix(s, 16).map_err(|_| Error)
}

impl FromStr for Address {
    type Err = Error;

    /// Parse `xx:xx:xx:xx:xx:xx` (one or two hex digits per octet, any case)
    /// or `xxxx.xxxx.xxxx` (one to four hex digits per group).
    fn from_str(s: &str) -> Result<Address> {
        let mut bytes = [0u8; 6];
        if s.contains(':') {
            let mut parts = s.split(':');
            for byte in bytes.iter_mut() {
                *byte = parse_hex(parts.next().ok_or(Error)?, 2)? as u8;
            }
            if parts.next().is_some() {
                return Err(Error);
            }
        } else {
            let mut parts = s.split('.');
            for pair in bytes.chunks_exact_mut(2) {
                let group = parse_hex(parts.next().ok_or(Error)?, 4)?;
                pair.copy_from_slice(&group.to_be_bytes());
            }
            if parts.next().is_some() {
                return Err(Error);
            }
        }
        Ok(Address(bytes))
    }
}

mod field {
    use super::{Field, Rest};

    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
    pub const PAYLOAD: Rest = 14..;
    /// 802.1Q tag control information: PCP (3 bits), DEI (1), VID (12).
    pub const VLAN_TCI: Field = 14..16;
    pub const VLAN_ETHERTYPE: Field = 16..18;
    pub const VLAN_PAYLOAD: Rest = 18..;
}

/// The length of an untagged Ethernet II header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// The length of an Ethernet II header with one 802.1Q tag.
pub const VLAN_HEADER_LEN: usize = field::VLAN_PAYLOAD.start;

/// A read/write view of an Ethernet II frame.
#[derive(Debug, Clone)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wrap a buffer without checking its length (see the module contract).
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Frame<T> {
        Frame { buffer }
    }

    /// Wrap a buffer and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Frame<T>> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Check that the buffer holds the header: 14 bytes, or 18 if the
    /// EtherType is 802.1Q.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || (self.ethertype() == EtherType::Vlan && len < VLAN_HEADER_LEN) {
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

    /// The header length: 14, or 18 when an 802.1Q tag is present.
    #[inline]
    pub fn header_len(&self) -> usize {
        if self.ethertype() == EtherType::Vlan {
            VLAN_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// The destination address.
    #[inline]
    pub fn dst_addr(&self) -> Address {
        Address::from_bytes(&self.buffer.as_ref()[field::DESTINATION])
    }

    /// The source address.
    #[inline]
    pub fn src_addr(&self) -> Address {
        Address::from_bytes(&self.buffer.as_ref()[field::SOURCE])
    }

    /// The outer EtherType field (`Vlan` for a tagged frame).
    #[inline]
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(read_u16(&self.buffer.as_ref()[field::ETHERTYPE]))
    }

    /// The 12-bit VLAN ID, if the frame carries an 802.1Q tag and the buffer
    /// holds it.
    #[inline]
    pub fn vlan_id(&self) -> Option<u16> {
        let data = self.buffer.as_ref();
        if self.ethertype() == EtherType::Vlan && data.len() >= VLAN_HEADER_LEN {
            Some(read_u16(&data[field::VLAN_TCI]) & 0x0fff)
        } else {
            None
        }
    }

    /// The EtherType of the payload: the one after the 802.1Q tag if there is
    /// one, else [`ethertype`](Self::ethertype).
    #[inline]
    pub fn inner_ethertype(&self) -> EtherType {
        let data = self.buffer.as_ref();
        let outer = self.ethertype();
        if outer == EtherType::Vlan && data.len() >= VLAN_HEADER_LEN {
            EtherType::from(read_u16(&data[field::VLAN_ETHERTYPE]))
        } else {
            outer
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Frame<&'a T> {
    /// The payload: everything after [`header_len`](Frame::header_len).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let header_len = self.header_len();
        &self.buffer.as_ref()[header_len..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    /// Set the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, value: Address) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(value.as_bytes());
    }

    /// Set the source address.
    #[inline]
    pub fn set_src_addr(&mut self, value: Address) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(value.as_bytes());
    }

    /// Set the outer EtherType field.
    #[inline]
    pub fn set_ethertype(&mut self, value: EtherType) {
        write_u16(&mut self.buffer.as_mut()[field::ETHERTYPE], value.into());
    }

    /// The payload, mutably: everything after [`header_len`](Frame::header_len).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let header_len = self.header_len();
        &mut self.buffer.as_mut()[header_len..]
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Frame<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check_len().is_err() {
            return f.write_str("Ethernet (truncated)");
        }
        write!(
            f,
            "Ethernet src={} dst={}",
            self.src_addr(),
            self.dst_addr()
        )?;
        if let Some(vid) = self.vlan_id() {
            write!(f, " vlan={vid}")?;
        }
        write!(f, " type={}", self.inner_ethertype())
    }
}

/// The fields of an untagged Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source address.
    pub src_addr: Address,
    /// Destination address.
    pub dst_addr: Address,
    /// The (outer) EtherType.
    pub ethertype: EtherType,
}

impl Repr {
    /// Read the header of a frame. Fails only if the frame is too short.
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame<T>) -> Result<Repr> {
        frame.check_len()?;
        Ok(Repr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype: frame.ethertype(),
        })
    }

    /// The header length this representation emits (14).
    #[inline]
    pub const fn header_len() -> usize {
        HEADER_LEN
    }

    /// The buffer length [`emit`](Self::emit) writes (14).
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header into `frame`, which must be at least 14 bytes long.
    #[inline]
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut Frame<T>) {
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        frame.set_ethertype(self.ethertype);
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ethernet src={} dst={} type={}",
            self.src_addr, self.dst_addr, self.ethertype
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// A broadcast ARP request, who-has 192.168.13.2 tell 192.168.13.1.
    static PACKET_BYTES: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01, 0xc0, 0xa8,
        0x0d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x0d, 0x02,
    ];

    /// The same request tagged with VLAN 100.
    static VLAN_PACKET_BYTES: [u8; 46] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01, 0x81, 0x00, 0x00,
        0x64, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0xfe, 0x00, 0x00,
        0x0d, 0x01, 0xc0, 0xa8, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x0d,
        0x02,
    ];

    const SRC: Address = Address([0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01]);

    fn packet_repr() -> Repr {
        Repr {
            src_addr: SRC,
            dst_addr: Address::BROADCAST,
            ethertype: EtherType::Arp,
        }
    }

    #[test]
    fn test_deconstruct() {
        let frame = Frame::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(frame.dst_addr(), Address::BROADCAST);
        assert_eq!(frame.src_addr(), SRC);
        assert_eq!(frame.ethertype(), EtherType::Arp);
        assert_eq!(frame.inner_ethertype(), EtherType::Arp);
        assert_eq!(frame.vlan_id(), None);
        assert_eq!(frame.header_len(), 14);
        assert_eq!(frame.payload(), &PACKET_BYTES[14..]);
    }

    #[test]
    fn test_deconstruct_vlan() {
        let frame = Frame::new_checked(&VLAN_PACKET_BYTES[..]).unwrap();
        assert_eq!(frame.ethertype(), EtherType::Vlan);
        assert_eq!(frame.vlan_id(), Some(100));
        assert_eq!(frame.inner_ethertype(), EtherType::Arp);
        assert_eq!(frame.header_len(), 18);
        assert_eq!(frame.payload(), &PACKET_BYTES[14..]);
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 42];
        let mut frame = Frame::new_unchecked(&mut bytes[..]);
        frame.set_dst_addr(Address::BROADCAST);
        frame.set_src_addr(SRC);
        frame.set_ethertype(EtherType::Arp);
        frame.payload_mut().copy_from_slice(&PACKET_BYTES[14..]);
        assert_eq!(frame.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_parse() {
        let frame = Frame::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Repr::parse(&frame), Ok(packet_repr()));
        let frame = Frame::new_checked(&VLAN_PACKET_BYTES[..]).unwrap();
        let repr = Repr::parse(&frame).unwrap();
        assert_eq!(repr.ethertype, EtherType::Vlan);
    }

    #[test]
    fn test_emit() {
        let repr = packet_repr();
        assert_eq!(repr.buffer_len(), 14);
        assert_eq!(Repr::header_len(), 14);
        let mut bytes = [0xa5u8; 14];
        let mut frame = Frame::new_unchecked(&mut bytes[..]);
        repr.emit(&mut frame);
        assert_eq!(frame.into_inner(), &PACKET_BYTES[..14]);
    }

    #[test]
    fn test_truncated() {
        for len in 0..14 {
            assert_eq!(Frame::new_checked(&PACKET_BYTES[..len]).err(), Some(Error));
            let frame = Frame::new_unchecked(&PACKET_BYTES[..len]);
            assert_eq!(Repr::parse(&frame), Err(Error));
            assert_eq!(frame.to_string(), "Ethernet (truncated)");
        }
        assert!(Frame::new_checked(&PACKET_BYTES[..14]).is_ok());
        // A tagged frame needs the tag.
        for len in 14..18 {
            assert_eq!(
                Frame::new_checked(&VLAN_PACKET_BYTES[..len]).err(),
                Some(Error)
            );
            let frame = Frame::new_unchecked(&VLAN_PACKET_BYTES[..len]);
            assert_eq!(frame.vlan_id(), None);
            assert_eq!(frame.inner_ethertype(), EtherType::Vlan);
        }
        let frame = Frame::new_checked(&VLAN_PACKET_BYTES[..18]).unwrap();
        assert_eq!(frame.payload(), &[] as &[u8]);
    }

    #[test]
    fn test_display() {
        let frame = Frame::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(
            frame.to_string(),
            "Ethernet src=02:fe:00:00:0d:01 dst=ff:ff:ff:ff:ff:ff type=ARP"
        );
        let frame = Frame::new_checked(&VLAN_PACKET_BYTES[..]).unwrap();
        assert_eq!(
            frame.to_string(),
            "Ethernet src=02:fe:00:00:0d:01 dst=ff:ff:ff:ff:ff:ff vlan=100 type=ARP"
        );
        assert_eq!(
            packet_repr().to_string(),
            "Ethernet src=02:fe:00:00:0d:01 dst=ff:ff:ff:ff:ff:ff type=ARP"
        );
        assert_eq!(EtherType::from(0x88cc).to_string(), "0x88cc");
        assert_eq!(EtherType::from(0x86dd).to_string(), "IPv6");
    }

    #[test]
    fn test_ethertype_roundtrip() {
        for raw in [0x0800u16, 0x0806, 0x8100, 0x86dd, 0x88cc, 0] {
            assert_eq!(u16::from(EtherType::from(raw)), raw);
        }
        assert_eq!(EtherType::from(0x0800), EtherType::Ipv4);
        assert_eq!(EtherType::from(0x88cc), EtherType::Unknown(0x88cc));
    }

    #[test]
    fn test_address() {
        assert!(Address::BROADCAST.is_broadcast());
        assert!(Address::BROADCAST.is_multicast());
        assert!(!Address::BROADCAST.is_unicast());
        assert!(SRC.is_unicast());
        assert!(!SRC.is_broadcast());
        let mcast = Address([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
        assert!(mcast.is_multicast() && !mcast.is_broadcast());
        assert_eq!(Address::from_bytes(&[2, 0xfe, 0, 0, 0x0d, 1]), SRC);
        assert_eq!(SRC.as_bytes(), &[2, 0xfe, 0, 0, 0x0d, 1]);
        assert_eq!(SRC.to_string(), "02:fe:00:00:0d:01");
    }

    #[test]
    fn test_address_from_str() {
        assert_eq!("02:fe:00:00:0d:01".parse(), Ok(SRC));
        assert_eq!("02:FE:0:0:d:1".parse(), Ok(SRC));
        assert_eq!("02fe.0000.0d01".parse(), Ok(SRC));
        assert_eq!("2fe.0.d01".parse(), Ok(SRC));
        assert_eq!("ff:ff:ff:ff:ff:ff".parse(), Ok(Address::BROADCAST));
        for bad in [
            "",
            "02:fe:00:00:0d",
            "02:fe:00:00:0d:01:02",
            "02:fe:00:00:0d:",
            "02:fe:00:00:0d:001",
            "02:fe:00:00:0d:+1",
            "02:fe:00:00:0d:0g",
            "02fe.0000",
            "02fe.0000.0d01.0000",
            "02fe.0000.00d01",
            "02fe.0000.+d01",
            "02-fe-00-00-0d-01",
            "02fe00000d01",
        ] {
            assert_eq!(bad.parse::<Address>(), Err(Error), "{bad:?}");
        }
    }

    #[test]
    fn test_etherparse_agrees() {
        let header = etherparse::Ethernet2HeaderSlice::from_slice(&PACKET_BYTES).unwrap();
        let frame = Frame::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(frame.dst_addr().0, header.destination());
        assert_eq!(frame.src_addr().0, header.source());
        assert_eq!(u16::from(frame.ethertype()), header.ether_type().0);

        let sliced = etherparse::SlicedPacket::from_ethernet(&VLAN_PACKET_BYTES).unwrap();
        let Some(etherparse::VlanSlice::SingleVlan(vlan)) = sliced.vlan else {
            panic!("expected one VLAN tag");
        };
        let frame = Frame::new_checked(&VLAN_PACKET_BYTES[..]).unwrap();
        assert_eq!(frame.vlan_id(), Some(vlan.vlan_identifier().value()));
        assert_eq!(u16::from(frame.inner_ethertype()), vlan.ether_type().0);
        assert_eq!(frame.payload(), vlan.payload().payload);
    }
}
