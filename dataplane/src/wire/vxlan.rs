//! Virtual eXtensible Local Area Network (RFC 7348).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Inner Ethernet frame ...
//! +-+-+-+-+-+-+-+-+-
//! ```
//!
//! VXLAN rides in UDP to port [`UDP_PORT`]. A valid header has exactly the I
//! flag set in the first word, and the VNI in the top 24 bits of the
//! second. The decap fast path can compare [`Packet::flags_word`] against
//! `(FLAG_I as u32) << 24` and use [`Packet::vni_word`] as a lookup key
//! directly, as VPP does.

use core::fmt;

use super::{Error, Result, field::Field, field::Rest, read_u32, write_u32};

mod field {
    use super::{Field, Rest};

    pub const FLAGS: usize = 0;
    pub const FLAGS_WORD: Field = 0..4;
    pub const VNI_WORD: Field = 4..8;
    pub const RESERVED2: usize = 7;
    pub const PAYLOAD: Rest = 8..;
}

/// The length of the VXLAN header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// The I flag: the VNI is valid. The only flag RFC 7348 defines.
pub const FLAG_I: u8 = 0x08;

/// The IANA-assigned UDP destination port for VXLAN.
pub const UDP_PORT: u16 = 4789;

/// The largest VNI (24 bits).
pub const VNI_MAX: u32 = 0x00ff_ffff;

/// A read/write view of a VXLAN header and the frame it carries.
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

    /// Check that the buffer holds the 8-byte header.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
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

    /// The flags byte (byte 0).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// The whole first word: flags and the 24 reserved bits after them.
    #[inline]
    pub fn flags_word(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::FLAGS_WORD])
    }

    /// The 24-bit VXLAN Network Identifier.
    #[inline]
    pub fn vni(&self) -> u32 {
        self.vni_word() >> 8
    }

    /// The whole second word as read: `vni << 8 | reserved`.
    #[inline]
    pub fn vni_word(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::VNI_WORD])
    }

    /// The reserved byte after the VNI (byte 7).
    #[inline]
    pub fn reserved2(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED2]
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The inner Ethernet frame: everything after the 8-byte header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set the flags byte and zero the 24 reserved bits after it.
    #[inline]
    pub fn set_flags(&mut self, value: u8) {
        write_u32(
            &mut self.buffer.as_mut()[field::FLAGS_WORD],
            u32::from(value) << 24,
        );
    }

    /// Set the VNI (the low 24 bits of `value`) and zero the reserved byte
    /// after it.
    #[inline]
    pub fn set_vni(&mut self, value: u32) {
        write_u32(
            &mut self.buffer.as_mut()[field::VNI_WORD],
            (value & VNI_MAX) << 8,
        );
    }

    /// The inner Ethernet frame, mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check_len().is_err() {
            return f.write_str("VXLAN (truncated)");
        }
        write!(f, "VXLAN flags=0x{:02x} vni={}", self.flags(), self.vni())
    }
}

/// The fields of a valid VXLAN header: just the VNI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// VXLAN Network Identifier (24 bits).
    pub vni: u32,
}

impl Repr {
    /// Read a VXLAN header. Fails if it is truncated or the flags byte is not
    /// exactly [`FLAG_I`]. Reserved bits other than the flags byte are
    /// ignored, as RFC 7348 asks of receivers.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.flags() != FLAG_I {
            return Err(Error);
        }
        Ok(Repr { vni: packet.vni() })
    }

    /// The header length [`emit`](Self::emit) writes (8).
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header into `packet` (at least 8 bytes long): flags word
    /// `0x08000000`, then `vni << 8`. Only the low 24 bits of `vni` are
    /// used.
    #[inline]
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_flags(FLAG_I);
        packet.set_vni(self.vni);
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VXLAN vni={}", self.vni)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::ethernet::{self, EtherType};

    /// VNI 13 carrying a broadcast ARP request (the first packet of any
    /// tunnel).
    static PACKET_BYTES: [u8; 50] = [
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
        0xfe, 0x00, 0x00, 0x0d, 0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
        0x02, 0xfe, 0x00, 0x00, 0x0d, 0x01, 0xc0, 0xa8, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xc0, 0xa8, 0x0d, 0x02,
    ];

    fn packet_repr() -> Repr {
        Repr { vni: 13 }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.flags(), FLAG_I);
        assert_eq!(packet.flags_word(), 0x0800_0000);
        assert_eq!(packet.vni(), 13);
        assert_eq!(packet.vni_word(), 13 << 8);
        assert_eq!(packet.reserved2(), 0);
        assert_eq!(packet.payload(), &PACKET_BYTES[8..]);
        let inner = ethernet::Frame::new_checked(packet.payload()).unwrap();
        assert_eq!(inner.ethertype(), EtherType::Arp);
        assert!(inner.dst_addr().is_broadcast());
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 50];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_flags(FLAG_I);
        packet.set_vni(13);
        packet.payload_mut().copy_from_slice(&PACKET_BYTES[8..]);
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_parse() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
        // Reserved bits are ignored...
        let mut bytes = PACKET_BYTES;
        bytes[2] = 0x12;
        bytes[7] = 0x34;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.reserved2(), 0x34);
        assert_eq!(packet.vni_word(), (13 << 8) | 0x34);
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
        // ...but the flags byte must be exactly I.
        for flags in [0x00, 0x0c, 0x88, 0xff] {
            bytes[0] = flags;
            let packet = Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(Repr::parse(&packet), Err(Error), "flags {flags:#x}");
        }
    }

    #[test]
    fn test_emit() {
        let repr = packet_repr();
        assert_eq!(repr.buffer_len(), 8);
        let mut bytes = [0xa5u8; 8];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        repr.emit(&mut packet);
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..8]);
    }

    #[test]
    fn test_vni_range() {
        let mut bytes = [0xa5u8; 8];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_vni(VNI_MAX);
        assert_eq!(packet.vni(), VNI_MAX);
        assert_eq!(packet.reserved2(), 0);
        // Bits above 24 are dropped rather than corrupting the reserved byte.
        packet.set_vni(0x0100_0001);
        assert_eq!(packet.vni(), 1);
        assert_eq!(packet.reserved2(), 0);
        Repr { vni: 0xff00_0002 }.emit(&mut packet);
        assert_eq!(packet.vni_word(), 2 << 8);
    }

    #[test]
    fn test_truncated() {
        for len in 0..8 {
            assert_eq!(Packet::new_checked(&PACKET_BYTES[..len]).err(), Some(Error));
            let packet = Packet::new_unchecked(&PACKET_BYTES[..len]);
            assert_eq!(Repr::parse(&packet), Err(Error));
            assert_eq!(packet.to_string(), "VXLAN (truncated)");
        }
        let packet = Packet::new_checked(&PACKET_BYTES[..8]).unwrap();
        assert_eq!(packet.payload(), &[] as &[u8]);
    }

    #[test]
    fn test_display() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.to_string(), "VXLAN flags=0x08 vni=13");
        assert_eq!(packet_repr().to_string(), "VXLAN vni=13");
    }

    #[test]
    fn test_etherparse_agrees() {
        // Wrap the fixture in outer Ethernet/IPv4/UDP with etherparse and
        // check it finds the inner frame where we do.
        let builder = etherparse::PacketBuilder::ethernet2(
            [0x02, 0xfe, 0, 0, 0x63, 1],
            [0x02, 0xfe, 0, 0, 0x63, 3],
        )
        .ipv4([10, 99, 0, 1], [10, 99, 0, 3], 64)
        .udp(49152, UDP_PORT);
        let mut outer = Vec::with_capacity(builder.size(PACKET_BYTES.len()));
        builder.write(&mut outer, &PACKET_BYTES).unwrap();
        let sliced = etherparse::SlicedPacket::from_ethernet(&outer).unwrap();
        let Some(etherparse::TransportSlice::Udp(udp)) = sliced.transport else {
            panic!("expected UDP");
        };
        assert_eq!(udp.destination_port(), UDP_PORT);
        let packet = Packet::new_checked(udp.payload()).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
        let inner = etherparse::SlicedPacket::from_ethernet(packet.payload()).unwrap();
        assert_eq!(inner.payload_ether_type(), Some(etherparse::EtherType::ARP));
    }
}
