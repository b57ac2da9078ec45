//! Zero-copy views of the wire formats weft forwards: Ethernet II (with one
//! optional 802.1Q tag), ARP, IPv4, ICMPv4, IPv6, ICMPv6 (with Neighbor
//! Discovery), UDP and VXLAN, plus the
//! Internet checksum helpers they share.
//!
//! The design follows smoltcp's `src/wire/`: one file per protocol, short
//! type names inside a file (`Packet`, `Repr`, `Address`) and prefixed names
//! on re-export from here (`ArpPacket`, `Ipv4Repr`, ...). Nothing in this
//! module allocates.
//!
//! # Views and representations
//!
//! Every protocol has a *view*, `Packet<T: AsRef<[u8]>> { buffer: T }`
//! (Ethernet's is called [`EthernetFrame`]), which reads and writes header
//! fields in place. Getters need `T: AsRef<[u8]>`; setters (`set_*`) also
//! need `T: AsMut<[u8]>`, so the buffer type decides whether a view can
//! write. `payload()` is implemented on `Packet<&'a T>` and returns a slice
//! that borrows the underlying buffer, not the view; `payload_mut()` is its
//! counterpart for mutable buffers.
//!
//! Some protocols also have a *representation*, `Repr`: a small `Copy` value
//! holding only the fields that matter, with `parse(&packet)`,
//! `buffer_len()` and `emit(&mut packet)`.
//!
//! # The length-check contract
//!
//! A view is built in one of two ways:
//!
//! - [`new_unchecked`](EthernetFrame::new_unchecked) wraps a buffer without
//!   looking at it. It is a `const fn` and costs nothing.
//! - [`new_checked`](EthernetFrame::new_checked) wraps the buffer and then
//!   calls `check_len()`, returning [`Error`] if the buffer is too short for
//!   the header *or* if a length field in the header points past the end of
//!   the buffer.
//!
//! **If `check_len()` succeeded, no getter, `payload()` or
//! `Repr::parse` panics, whatever the bytes are.** Therefore:
//!
//! - *Receive paths* must wrap untrusted bytes with `new_checked` (or call
//!   `check_len` themselves) before reading any field.
//! - *Transmit paths* must not use `new_checked`: on a reused buffer the
//!   length fields still hold stale bytes, so the check passes or fails by
//!   chance. Wrap with `new_unchecked` a buffer at least `Repr::buffer_len()`
//!   (plus payload) long, then write the header with `Repr::emit` or the
//!   setters. Setters do not re-check lengths; changing a length field so it
//!   points past the buffer voids the guarantee above.
//!
//! `Repr::parse` calls `check_len` itself, so it never panics on any view.
//! The `Display` impls check lengths too and print `(truncated)` instead of
//! panicking, so `show trace` can format any buffer.
//!
//! # Errors
//!
//! The wire layer only says "malformed": [`Error`] is a unit struct and
//! callers decide what a failure means (usually: bump a counter and drop).
//!
//! # Protocol numbers
//!
//! EtherTypes, IP protocol numbers, ARP operations and ICMP message types are
//! enums with an `Unknown(_)` variant and `From` conversions in both
//! directions, so an unfamiliar value never fails a parse. Build them with
//! `From` from the raw value: the derived `PartialEq` treats
//! `EtherType::Unknown(0x0800)` and `EtherType::Ipv4` as different.

use core::fmt;

/// Defines a protocol-number enum with an extra `Unknown($ty)` variant and
/// `From` conversions in both directions (smoltcp's `src/macros.rs`).
macro_rules! enum_with_unknown {
    (
        $( #[$enum_attr:meta] )*
        pub enum $name:ident($ty:ty) {
            $(
                $( #[$variant_attr:meta] )*
                $variant:ident = $value:expr
            ),+ $(,)?
        }
    ) => {
        #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Clone, Copy)]
        $( #[$enum_attr] )*
        pub enum $name {
            $(
                $( #[$variant_attr] )*
                $variant,
            )+
            /// A value this enum has no name for.
            Unknown($ty),
        }

        impl ::core::convert::From<$ty> for $name {
            #[inline]
            fn from(value: $ty) -> Self {
                match value {
                    $( v if v == $value => $name::$variant, )+
                    other => $name::Unknown(other),
                }
            }
        }

        impl ::core::convert::From<$name> for $ty {
            #[inline]
            fn from(value: $name) -> Self {
                match value {
                    $( $name::$variant => $value, )+
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod icmpv4;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod udp;
pub mod vxlan;

pub use arp::{Operation as ArpOperation, Packet as ArpPacket, Repr as ArpRepr};
pub use ethernet::{
    Address as EthernetAddress, EtherType, Frame as EthernetFrame, Repr as EthernetRepr,
};
pub use icmpv4::{Message as Icmpv4Message, Packet as Icmpv4Packet};
pub use icmpv6::{Message as Icmpv6Message, Packet as Icmpv6Packet};
pub use ipv4::{Packet as Ipv4Packet, Protocol as IpProtocol, Repr as Ipv4Repr};
pub use ipv6::{NextHeader as Ipv6NextHeader, Packet as Ipv6Packet, Repr as Ipv6Repr};
pub use udp::Packet as UdpPacket;
pub use vxlan::{Packet as VxlanPacket, Repr as VxlanRepr};

/// A malformed packet: too short for its header, a length field that points
/// past the buffer, or (for `Repr::parse`) a field value the representation
/// does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed packet")
    }
}

impl std::error::Error for Error {}

/// The result type of the wire layer.
pub type Result<T> = core::result::Result<T, Error>;

/// Field descriptors shared by the per-protocol `mod field`s.
mod field {
    /// A fixed-position header field: a byte range.
    pub type Field = core::ops::Range<usize>;
    /// Everything from an offset to the end of the buffer.
    pub type Rest = core::ops::RangeFrom<usize>;
}

// Network-byte-order accessors. The callers index with a constant `Field`
// range first, so after inlining the slice has a length known at compile
// time and these compile to one unaligned load or store, byte-swapped.

/// Read a big-endian `u16` from the first two bytes of `bytes`.
#[inline(always)]
fn read_u16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

/// Read a big-endian `u32` from the first four bytes of `bytes`.
#[inline(always)]
fn read_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Write `value` big-endian into the first two bytes of `bytes`.
#[inline(always)]
fn write_u16(bytes: &mut [u8], value: u16) {
    bytes[..2].copy_from_slice(&value.to_be_bytes());
}

/// Write `value` big-endian into the first four bytes of `bytes`.
#[inline(always)]
fn write_u32(bytes: &mut [u8], value: u32) {
    bytes[..4].copy_from_slice(&value.to_be_bytes());
}

/// Build an IPv4 address from a 4-byte slice, or fail if it is not 4 long.
#[inline]
fn ipv4_from_bytes(bytes: &[u8]) -> Result<std::net::Ipv4Addr> {
    let octets: [u8; 4] = bytes.try_into().map_err(|_| Error)?;
    Ok(std::net::Ipv4Addr::from(octets))
}

#[cfg(test)]
mod test {
    use super::*;

    enum_with_unknown! {
        /// A test enum.
        pub enum Colour(u8) {
            /// Red.
            Red = 1,
            /// Green.
            Green = 2,
        }
    }

    #[test]
    fn test_enum_with_unknown() {
        assert_eq!(Colour::from(1), Colour::Red);
        assert_eq!(Colour::from(2), Colour::Green);
        assert_eq!(Colour::from(3), Colour::Unknown(3));
        assert_eq!(u8::from(Colour::Red), 1);
        assert_eq!(u8::from(Colour::Unknown(200)), 200);
    }

    #[test]
    fn test_error_display() {
        assert_eq!(Error.to_string(), "malformed packet");
        let boxed: Box<dyn std::error::Error> = Box::new(Error);
        assert_eq!(boxed.to_string(), "malformed packet");
    }

    #[test]
    fn test_byte_helpers() {
        let mut buf = [0u8; 4];
        write_u16(&mut buf, 0x1234);
        assert_eq!(read_u16(&buf), 0x1234);
        write_u32(&mut buf, 0xdead_beef);
        assert_eq!(read_u32(&buf), 0xdead_beef);
        assert_eq!(buf, [0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            ipv4_from_bytes(&[10, 99, 0, 1]),
            Ok(std::net::Ipv4Addr::new(10, 99, 0, 1))
        );
        assert_eq!(ipv4_from_bytes(&[10, 99, 0]), Err(Error));
    }
}
