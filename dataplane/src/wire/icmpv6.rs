//! Internet Control Message Protocol for IPv6 (RFC 4443) and the Neighbor
//! Discovery messages weft answers and learns from (RFC 4861).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | echo: Identifier, Sequence; NS: reserved; NA: R S O, reserved |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | NS/NA: Target Address (128 bits), then options (type, length  |
//! | in units of 8 bytes, value)                                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The checksum covers the IPv6 pseudo-header: [`Packet::checksum_ok`]
//! and [`Packet::fill_checksum`] take the addresses.

use std::net::Ipv6Addr;

use super::{Error, EthernetAddress, Result, checksum, read_u16, write_u16};

enum_with_unknown! {
    /// The ICMPv6 message type.
    pub enum Message(u8) {
        /// Destination Unreachable.
        DstUnreachable = 1,
        /// Packet Too Big.
        PktTooBig = 2,
        /// Time Exceeded.
        TimeExceeded = 3,
        /// Parameter Problem.
        ParamProblem = 4,
        /// Echo Request.
        EchoRequest = 128,
        /// Echo Reply.
        EchoReply = 129,
        /// Multicast Listener Query.
        MldQuery = 130,
        /// Router Solicitation.
        RouterSolicit = 133,
        /// Router Advertisement.
        RouterAdvert = 134,
        /// Neighbor Solicitation.
        NeighborSolicit = 135,
        /// Neighbor Advertisement.
        NeighborAdvert = 136,
        /// Redirect.
        Redirect = 137,
        /// Version 2 Multicast Listener Report.
        MldReport = 143,
    }
}

mod field {
    use crate::wire::field::Field;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    pub const ECHO_IDENT: Field = 4..6;
    pub const ECHO_SEQ: Field = 6..8;
    pub const NA_FLAGS: usize = 4;
    pub const ND_TARGET: Field = 8..24;
}

/// Bytes of an ICMPv6 header (type, code, checksum, and the 4 bytes every
/// message has after them).
pub const HEADER_LEN: usize = 8;

/// Bytes of a Neighbor Solicitation or Advertisement before its options.
pub const ND_LEN: usize = field::ND_TARGET.end;

/// The Router flag of a Neighbor Advertisement.
pub const NA_ROUTER: u8 = 0x80;
/// The Solicited flag.
pub const NA_SOLICITED: u8 = 0x40;
/// The Override flag.
pub const NA_OVERRIDE: u8 = 0x20;

/// ND option: Source Link-Layer Address.
pub const OPT_SOURCE_LL: u8 = 1;
/// ND option: Target Link-Layer Address.
pub const OPT_TARGET_LL: u8 = 2;

/// A read/write view of an ICMPv6 message (the IPv6 payload).
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking it.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds the 8-byte header, and an NS or NA its target.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error);
        }
        if matches!(
            self.msg_type(),
            Message::NeighborSolicit | Message::NeighborAdvert
        ) && len < ND_LEN
        {
            return Err(Error);
        }
        Ok(())
    }

    /// The message type.
    #[inline]
    pub fn msg_type(&self) -> Message {
        Message::from(self.buffer.as_ref()[field::TYPE])
    }

    /// The code.
    #[inline]
    pub fn code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// An echo's identifier.
    #[inline]
    pub fn echo_ident(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::ECHO_IDENT])
    }

    /// An echo's sequence number.
    #[inline]
    pub fn echo_seq(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::ECHO_SEQ])
    }

    /// A Neighbor Advertisement's flags (R, S, O in the top bits).
    #[inline]
    pub fn na_flags(&self) -> u8 {
        self.buffer.as_ref()[field::NA_FLAGS]
    }

    /// An NS's or NA's target address (the caller checked the type).
    #[inline]
    pub fn nd_target(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::ND_TARGET]);
        Ipv6Addr::from(a)
    }

    /// The link-layer address of ND option `kind` (source or target), if
    /// the options carry a well-formed one; malformed options (length 0,
    /// or running past the message) give [`Error`], as RFC 4861 section
    /// 7.1.1 makes the whole message invalid.
    pub fn nd_ll_option(&self, kind: u8) -> Result<Option<EthernetAddress>> {
        let b = self.buffer.as_ref();
        let mut opts = b.get(ND_LEN..).ok_or(Error)?;
        let mut found = None;
        while !opts.is_empty() {
            if opts.len() < 2 {
                return Err(Error);
            }
            let len = usize::from(opts[1]) * 8;
            if len == 0 || len > opts.len() {
                return Err(Error);
            }
            if opts[0] == kind && len == 8 && found.is_none() {
                found = Some(EthernetAddress::from_bytes(&opts[2..8]));
            }
            opts = &opts[len..];
        }
        Ok(found)
    }

    /// Whether the checksum is right for a message from `src` to `dst`.
    pub fn checksum_ok(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        let b = self.buffer.as_ref();
        let Ok(len) = u32::try_from(b.len()) else {
            return false;
        };
        let sum = checksum::combine(&[
            checksum::pseudo_header_v6(src, dst, 58, len),
            checksum::data(b),
        ]);
        sum == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the message type.
    #[inline]
    pub fn set_msg_type(&mut self, m: Message) {
        self.buffer.as_mut()[field::TYPE] = m.into();
    }

    /// Sets the code.
    #[inline]
    pub fn set_code(&mut self, code: u8) {
        self.buffer.as_mut()[field::CODE] = code;
    }

    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        write_u16(&mut self.buffer.as_mut()[field::CHECKSUM], c);
    }

    /// Sets an echo's identifier and sequence number.
    #[inline]
    pub fn set_echo(&mut self, ident: u16, seq: u16) {
        write_u16(&mut self.buffer.as_mut()[field::ECHO_IDENT], ident);
        write_u16(&mut self.buffer.as_mut()[field::ECHO_SEQ], seq);
    }

    /// Sets an NA's flags and zeroes the reserved bytes after them.
    #[inline]
    pub fn set_na_flags(&mut self, flags: u8) {
        let b = self.buffer.as_mut();
        b[field::NA_FLAGS] = flags;
        b[5..8].fill(0);
    }

    /// Sets an NS's or NA's target address.
    #[inline]
    pub fn set_nd_target(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::ND_TARGET].copy_from_slice(&a.octets());
    }

    /// Computes and writes the checksum for a message from `src` to `dst`.
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let b = self.buffer.as_ref();
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        let sum = checksum::combine(&[
            checksum::pseudo_header_v6(src, dst, 58, len),
            checksum::data(b),
        ]);
        self.set_checksum(!sum);
    }
}

/// Writes a Neighbor Advertisement for `target` with `flags` and a Target
/// Link-Layer Address option of `mac` into `buf` (at least [`NA_LEN`]
/// bytes), checksummed for `src` to `dst`; returns its length.
pub fn emit_na(
    buf: &mut [u8],
    target: Ipv6Addr,
    flags: u8,
    mac: EthernetAddress,
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
) -> usize {
    let b = &mut buf[..NA_LEN];
    let mut p = Packet::new_unchecked(&mut b[..]);
    p.set_msg_type(Message::NeighborAdvert);
    p.set_code(0);
    p.set_na_flags(flags);
    p.set_nd_target(target);
    b[ND_LEN] = OPT_TARGET_LL;
    b[ND_LEN + 1] = 1;
    b[ND_LEN + 2..NA_LEN].copy_from_slice(mac.as_bytes());
    Packet::new_unchecked(&mut b[..]).fill_checksum(src, dst);
    NA_LEN
}

/// Bytes of the Neighbor Advertisement [`emit_na`] writes (and of a
/// Neighbor Solicitation with a Source Link-Layer Address option).
pub const NA_LEN: usize = ND_LEN + 8;

/// Writes a Neighbor Solicitation for `target` with a Source Link-Layer
/// Address option of `mac` into `buf` (at least [`NA_LEN`] bytes),
/// checksummed for `src` to `dst`; returns its length.
pub fn emit_ns(
    buf: &mut [u8],
    target: Ipv6Addr,
    mac: EthernetAddress,
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
) -> usize {
    let b = &mut buf[..NA_LEN];
    b[..ND_LEN].fill(0);
    let mut p = Packet::new_unchecked(&mut b[..]);
    p.set_msg_type(Message::NeighborSolicit);
    p.set_nd_target(target);
    b[ND_LEN] = OPT_SOURCE_LL;
    b[ND_LEN + 1] = 1;
    b[ND_LEN + 2..NA_LEN].copy_from_slice(mac.as_bytes());
    Packet::new_unchecked(&mut b[..]).fill_checksum(src, dst);
    NA_LEN
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    const MAC: EthernetAddress = EthernetAddress([0x02, 0xfe, 0, 0, 0, 3]);

    #[test]
    fn na_checks_out_with_etherparse() {
        let (src, dst) = (a("fd00::3"), a("fd00::1"));
        let mut b = [0u8; NA_LEN];
        let n = emit_na(&mut b, src, NA_SOLICITED | NA_OVERRIDE, MAC, &src, &dst);
        assert_eq!(n, 32);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(p.checksum_ok(&src, &dst));
        assert_eq!(p.msg_type(), Message::NeighborAdvert);
        assert_eq!(p.na_flags(), 0x60);
        assert_eq!(p.nd_target(), src);
        assert_eq!(p.nd_ll_option(OPT_TARGET_LL), Ok(Some(MAC)));
        assert_eq!(p.nd_ll_option(OPT_SOURCE_LL), Ok(None));
        // etherparse computes the same checksum.
        let (h, _) = etherparse::Icmpv6Header::from_slice(&b).unwrap();
        let want = h
            .icmp_type
            .calc_checksum(src.octets(), dst.octets(), &b[8..])
            .unwrap();
        assert_eq!(p.checksum(), want);
        assert!(!p.checksum_ok(&src, &a("fd00::2")));
    }

    #[test]
    fn ns_and_malformed_options() {
        let (src, dst) = (
            a("fd00::1"),
            crate::wire::ipv6::solicited_node(a("fd00::3")),
        );
        let mut b = [0u8; NA_LEN];
        emit_ns(&mut b, a("fd00::3"), MAC, &src, &dst);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(p.checksum_ok(&src, &dst));
        assert_eq!(p.msg_type(), Message::NeighborSolicit);
        assert_eq!(p.nd_ll_option(OPT_SOURCE_LL), Ok(Some(MAC)));
        // Length 0, or longer than what is left: the message is invalid.
        let mut bad = b;
        bad[ND_LEN + 1] = 0;
        assert!(
            Packet::new_unchecked(&bad[..])
                .nd_ll_option(OPT_SOURCE_LL)
                .is_err()
        );
        bad[ND_LEN + 1] = 2;
        assert!(
            Packet::new_unchecked(&bad[..])
                .nd_ll_option(OPT_SOURCE_LL)
                .is_err()
        );
        // No option at all.
        assert_eq!(
            Packet::new_checked(&b[..ND_LEN])
                .unwrap()
                .nd_ll_option(OPT_SOURCE_LL),
            Ok(None)
        );
        // An NS shorter than its target.
        assert!(Packet::new_checked(&b[..ND_LEN - 1]).is_err());
        assert!(Packet::new_checked(&b[..HEADER_LEN - 1]).is_err());
    }

    #[test]
    fn echo_fields() {
        let mut b = [0u8; 12];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_msg_type(Message::EchoRequest);
        p.set_echo(0x1234, 7);
        let (src, dst) = (a("fd00::1"), a("fd00::3"));
        p.fill_checksum(&src, &dst);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!((p.echo_ident(), p.echo_seq()), (0x1234, 7));
        assert!(p.checksum_ok(&src, &dst));
        let (h, _) = etherparse::Icmpv6Header::from_slice(&b).unwrap();
        assert!(matches!(
            h.icmp_type,
            etherparse::Icmpv6Type::EchoRequest(e) if e.id == 0x1234 && e.seq == 7
        ));
    }
}
