//! Internet Control Message Protocol for IPv4 (RFC 792).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Identifier (echo)         |     Sequence Number (echo)    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Data ...
//! +-+-+-+-+-+-+-+-+-
//! ```
//!
//! Bytes 4..8 are the echo identifier and sequence number for echo
//! messages and "unused" (or MTU, pointer, gateway) for the others; the
//! view reads them as echo fields whatever the type. The checksum covers the
//! whole message, so the view assumes the buffer ends where the message
//! ends (the IPv4 payload).

use core::fmt;

use super::{Error, Result, checksum, field::Field, field::Rest, read_u16, write_u16};

enum_with_unknown! {
    /// The ICMPv4 message type.
    pub enum Message(u8) {
        /// Echo reply.
        EchoReply = 0,
        /// Destination unreachable.
        DstUnreachable = 3,
        /// Echo request.
        EchoRequest = 8,
        /// Time exceeded.
        TimeExceeded = 11,
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Message::EchoReply => f.write_str("echo-reply"),
            Message::DstUnreachable => f.write_str("dst-unreachable"),
            Message::EchoRequest => f.write_str("echo-request"),
            Message::TimeExceeded => f.write_str("time-exceeded"),
            Message::Unknown(raw) => write!(f, "type-{raw}"),
        }
    }
}

mod field {
    use super::{Field, Rest};

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    pub const ECHO_IDENT: Field = 4..6;
    pub const ECHO_SEQNO: Field = 6..8;
    pub const DATA: Rest = 8..;
}

/// The length of the ICMPv4 header (type, code, checksum and 4 bytes of
/// type-specific fields).
pub const HEADER_LEN: usize = field::DATA.start;

/// A read/write view of an ICMPv4 message.
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

    /// The message type field.
    #[inline]
    pub fn msg_type(&self) -> Message {
        Message::from(self.buffer.as_ref()[field::TYPE])
    }

    /// The message code field.
    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// The echo identifier field (bytes 4..6).
    #[inline]
    pub fn echo_ident(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::ECHO_IDENT])
    }

    /// The echo sequence number field (bytes 6..8).
    #[inline]
    pub fn echo_seq_no(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::ECHO_SEQNO])
    }

    /// Whether the checksum over the whole buffer is right.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::data(self.buffer.as_ref()) == !0
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The data after the 8-byte header.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::DATA]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set the message type field.
    #[inline]
    pub fn set_msg_type(&mut self, value: Message) {
        self.buffer.as_mut()[field::TYPE] = value.into();
    }

    /// Set the message code field.
    #[inline]
    pub fn set_msg_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    /// Set the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::CHECKSUM], value);
    }

    /// Set the echo identifier field.
    #[inline]
    pub fn set_echo_ident(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::ECHO_IDENT], value);
    }

    /// Set the echo sequence number field.
    #[inline]
    pub fn set_echo_seq_no(&mut self, value: u16) {
        write_u16(&mut self.buffer.as_mut()[field::ECHO_SEQNO], value);
    }

    /// Compute the checksum over the whole buffer and store it.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::data(self.buffer.as_ref());
        self.set_checksum(!sum);
    }

    /// The data after the 8-byte header, mutably.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::DATA]
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check_len().is_err() {
            return f.write_str("ICMPv4 (truncated)");
        }
        let msg_type = self.msg_type();
        write!(f, "ICMPv4 {msg_type} code={}", self.msg_code())?;
        if let Message::EchoRequest | Message::EchoReply = msg_type {
            write!(f, " id={} seq={}", self.echo_ident(), self.echo_seq_no())?;
        }
        write!(f, " len={}", self.buffer.as_ref().len())
    }
}

/// The echo messages weft answers and sends. Other types are handled
/// through the [`Packet`] view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repr<'a> {
    /// Echo request (type 8, code 0).
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data, echoed back in the reply.
        data: &'a [u8],
    },
    /// Echo reply (type 0, code 0).
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data, copied from the request.
        data: &'a [u8],
    },
}

impl<'a> Repr<'a> {
    /// Read an echo request or reply. Fails if the message is truncated, the
    /// checksum is wrong, or it is not an echo message with code 0.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Repr<'a>> {
        packet.check_len()?;
        if !packet.verify_checksum() || packet.msg_code() != 0 {
            return Err(Error);
        }
        let (ident, seq_no, data) = (packet.echo_ident(), packet.echo_seq_no(), packet.data());
        match packet.msg_type() {
            Message::EchoRequest => Ok(Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }),
            Message::EchoReply => Ok(Repr::EchoReply {
                ident,
                seq_no,
                data,
            }),
            _ => Err(Error),
        }
    }

    /// The buffer length [`emit`](Self::emit) writes: 8 plus the data.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        match *self {
            Repr::EchoRequest { data, .. } | Repr::EchoReply { data, .. } => {
                HEADER_LEN + data.len()
            }
        }
    }

    /// Write the message into `packet`, which must be exactly
    /// [`buffer_len`](Self::buffer_len) bytes long (the checksum covers the
    /// whole buffer).
    ///
    /// # Panics
    /// Panics if the buffer is not exactly `buffer_len()` bytes long.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let (msg_type, ident, seq_no, data) = match *self {
            Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => (Message::EchoRequest, ident, seq_no, data),
            Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => (Message::EchoReply, ident, seq_no, data),
        };
        packet.set_msg_type(msg_type);
        packet.set_msg_code(0);
        packet.set_echo_ident(ident);
        packet.set_echo_seq_no(seq_no);
        packet.data_mut().copy_from_slice(data);
        packet.fill_checksum();
    }
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, ident, seq_no, data) = match *self {
            Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => ("echo-request", ident, seq_no, data),
            Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => ("echo-reply", ident, seq_no, data),
        };
        write!(
            f,
            "ICMPv4 {name} id={ident} seq={seq_no} data_len={}",
            data.len()
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// A Linux `ping` echo request: id 0x1f2e, seq 1, 16 bytes of timeval
    /// then the 0x10..0x37 pattern.
    static PACKET_BYTES: [u8; 64] = [
        0x08, 0x00, 0x4c, 0x73, 0x1f, 0x2e, 0x00, 0x01, 0xa1, 0xc2, 0xe4, 0x68, 0x00, 0x00, 0x00,
        0x00, 0x3c, 0x5f, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
        0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24,
        0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
        0x34, 0x35, 0x36, 0x37,
    ];

    fn packet_repr() -> Repr<'static> {
        Repr::EchoRequest {
            ident: 0x1f2e,
            seq_no: 1,
            data: &PACKET_BYTES[8..],
        }
    }

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.msg_type(), Message::EchoRequest);
        assert_eq!(packet.msg_code(), 0);
        assert_eq!(packet.checksum(), 0x4c73);
        assert_eq!(packet.echo_ident(), 0x1f2e);
        assert_eq!(packet.echo_seq_no(), 1);
        assert_eq!(packet.data(), &PACKET_BYTES[8..]);
        assert!(packet.verify_checksum());
    }

    #[test]
    fn test_construct() {
        let mut bytes = [0xa5u8; 64];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_msg_type(Message::EchoRequest);
        packet.set_msg_code(0);
        packet.set_echo_ident(0x1f2e);
        packet.set_echo_seq_no(1);
        packet.data_mut().copy_from_slice(&PACKET_BYTES[8..]);
        packet.fill_checksum();
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_parse() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Repr::parse(&packet), Ok(packet_repr()));
        let mut bytes = PACKET_BYTES;
        bytes[20] ^= 1;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(!packet.verify_checksum());
        assert_eq!(Repr::parse(&packet), Err(Error));
    }

    #[test]
    fn test_emit() {
        let repr = packet_repr();
        assert_eq!(repr.buffer_len(), 64);
        let mut bytes = [0xa5u8; 64];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        repr.emit(&mut packet);
        assert_eq!(packet.into_inner(), &PACKET_BYTES[..]);
    }

    #[test]
    fn test_echo_reply_in_place() {
        // What an echo responder does: flip the type, patch the checksum.
        let mut bytes = PACKET_BYTES;
        let mut packet = Packet::new_checked(&mut bytes[..]).unwrap();
        let old = u16::from_be_bytes([u8::from(packet.msg_type()), packet.msg_code()]);
        packet.set_msg_type(Message::EchoReply);
        let new = u16::from_be_bytes([u8::from(packet.msg_type()), packet.msg_code()]);
        packet.set_checksum(checksum::update16(packet.checksum(), old, new));
        assert!(packet.verify_checksum());
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Repr::parse(&packet),
            Ok(Repr::EchoReply {
                ident: 0x1f2e,
                seq_no: 1,
                data: &PACKET_BYTES[8..],
            })
        );
    }

    #[test]
    fn test_truncated() {
        for len in 0..8 {
            assert_eq!(Packet::new_checked(&PACKET_BYTES[..len]).err(), Some(Error));
            let packet = Packet::new_unchecked(&PACKET_BYTES[..len]);
            assert_eq!(Repr::parse(&packet), Err(Error));
            assert_eq!(packet.to_string(), "ICMPv4 (truncated)");
        }
        let packet = Packet::new_checked(&PACKET_BYTES[..8]).unwrap();
        assert_eq!(packet.data(), &[] as &[u8]);
    }

    #[test]
    fn test_display() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(
            packet.to_string(),
            "ICMPv4 echo-request code=0 id=7982 seq=1 len=64"
        );
        assert_eq!(
            packet_repr().to_string(),
            "ICMPv4 echo-request id=7982 seq=1 data_len=56"
        );
        let bytes = [11u8, 0, 0, 0, 0, 0, 0, 0];
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.to_string(), "ICMPv4 time-exceeded code=0 len=8");
        assert_eq!(Message::from(42).to_string(), "type-42");
    }

    #[test]
    fn test_etherparse_agrees() {
        let slice = etherparse::Icmpv4Slice::from_slice(&PACKET_BYTES).unwrap();
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(u8::from(packet.msg_type()), slice.type_u8());
        assert_eq!(packet.msg_code(), slice.code_u8());
        assert_eq!(packet.checksum(), slice.checksum());
        assert_eq!(packet.data(), slice.payload());
        let etherparse::Icmpv4Type::EchoRequest(echo) = slice.icmp_type() else {
            panic!("expected an echo request");
        };
        assert_eq!(
            (packet.echo_ident(), packet.echo_seq_no()),
            (echo.id, echo.seq)
        );
        let header = etherparse::Icmpv4Header::with_checksum(slice.icmp_type(), slice.payload());
        assert_eq!(header.checksum, packet.checksum());
    }
}
