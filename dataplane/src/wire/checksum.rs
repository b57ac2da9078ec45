//! The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//!
//! [`data`], [`combine`] and [`pseudo_header_v4`] return the ones-complement
//! sum *folded to 16 bits but not inverted*, so partial sums can be added
//! with [`combine`]. The value stored in a header is the inverse:
//! `!combine(&[pseudo, data(bytes)])`. A header whose stored checksum is
//! right sums to `0xffff` (`!0`) over its own bytes.
//!
//! [`update16`] and [`update32`] patch a *stored* checksum when one field
//! changes, without reading the rest of the header: the TTL decrement in
//! forwarding and the length fields in VXLAN encap use them.
//!
//! # Examples
//!
//! ```
//! use dataplane::wire::checksum;
//!
//! // An IPv4 header with its checksum field zeroed.
//! let mut header = [
//!     0x45, 0x00, 0x00, 0x54, 0x4d, 0x2c, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 0xc0, 0xa8,
//!     0x0d, 0x01, 0xc0, 0xa8, 0x0d, 0x02,
//! ];
//! let stored = !checksum::data(&header);
//! header[10..12].copy_from_slice(&stored.to_be_bytes());
//! assert_eq!(checksum::data(&header), !0);
//!
//! // Decrement the TTL (the high byte of the TTL/protocol word) in place.
//! let old = u16::from_be_bytes([header[8], header[9]]);
//! header[8] -= 1;
//! let new = u16::from_be_bytes([header[8], header[9]]);
//! let patched = checksum::update16(stored, old, new);
//! header[10..12].copy_from_slice(&patched.to_be_bytes());
//! assert_eq!(checksum::data(&header), !0);
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

/// Fold a wide ones-complement accumulator down to 16 bits (end-around
/// carry).
#[inline(always)]
const fn fold(mut sum: u64) -> u16 {
    // Two folds bring any u64 to at most 0x1_fffe; the loop finishes it.
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The ones-complement sum of `bytes` taken as big-endian 16-bit words, folded
/// to 16 bits and **not** inverted. An odd trailing byte is padded with a
/// zero byte, as RFC 1071 requires.
///
/// Returns 0 only if every byte is 0.
///
/// The loop adds big-endian 32-bit words into a `u64`. Because
/// `2^16 ≡ 1 (mod 2^16 - 1)`, summing 32-bit words and folding gives the same
/// result as summing 16-bit words, with half the additions; a `u64` cannot
/// overflow for any slice shorter than 64 GiB.
#[inline]
pub fn data(bytes: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    let mut words = bytes.chunks_exact(4);
    for word in &mut words {
        sum += u64::from(u32::from_be_bytes([word[0], word[1], word[2], word[3]]));
    }
    let mut pairs = words.remainder().chunks_exact(2);
    for pair in &mut pairs {
        sum += u64::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = *pairs.remainder() {
        sum += u64::from(last) << 8;
    }
    fold(sum)
}

/// True when an option-less IPv4 header's checksum is right (its bytes
/// sum to `0xffff`). Same result as `data(h) == 0xffff`, with the five
/// 32-bit words loaded in native order: a ones-complement sum of
/// byte-swapped words is the byte-swapped sum (RFC 1071 §2(B)), and
/// `0xffff` is its own swap.
#[inline]
pub fn header20_ok(h: &[u8; 20]) -> bool {
    let w = |i: usize| u64::from(u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]));
    let sum = w(0) + w(4) + w(8) + w(12) + w(16);
    // Folding keeps the sum's value modulo 0xffff (2^16 = 1 mod 0xffff)
    // and ends in 1..=0xffff for a non-zero sum, so the folded sum is
    // 0xffff exactly when the sum is a non-zero multiple of 0xffff. A
    // division by a constant is a multiply, cheaper than three folds.
    sum != 0 && sum % 0xffff == 0
}

/// Combine partial sums (from [`data`] or [`pseudo_header_v4`]) into one
/// folded, non-inverted sum.
#[inline]
pub fn combine(sums: &[u16]) -> u16 {
    let mut sum: u64 = 0;
    for &s in sums {
        sum += u64::from(s);
    }
    fold(sum)
}

/// The folded, non-inverted sum of the IPv4 pseudo-header used by UDP and TCP
/// checksums: source, destination, zero + `protocol`, and `length` (the UDP
/// or TCP length, header included).
#[inline]
pub fn pseudo_header_v4(src: &Ipv4Addr, dst: &Ipv4Addr, protocol: u8, length: u16) -> u16 {
    let sum = u64::from(src.to_bits()) + u64::from(dst.to_bits());
    fold(sum + u64::from(protocol) + u64::from(length))
}

/// The folded, non-inverted sum of the IPv6 pseudo-header (RFC 8200
/// section 8.1) used by UDP, TCP and ICMPv6: source, destination, the
/// upper-layer length and `next_header`.
#[inline]
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u16 {
    let words = |a: &Ipv6Addr| -> u64 { a.segments().iter().map(|&w| u64::from(w)).sum() };
    fold(words(src) + words(dst) + u64::from(length) + u64::from(next_header))
}

/// Incrementally update a stored header checksum after a 16-bit field changed
/// from `old` to `new` (RFC 1624, eqn. 3: `HC' = ~(~HC + ~m + m')`).
///
/// `csum` is the value stored in the header and the return value is the new
/// value to store. Only the changed word is read, so this costs a few
/// instructions instead of a pass over the header.
#[inline]
pub const fn update16(csum: u16, old: u16, new: u16) -> u16 {
    let sum = (!csum) as u64 + (!old) as u64 + new as u64;
    !fold_small(sum)
}

/// [`fold`] for a sum of at most five 16-bit words (below 0x5_0000): two
/// folds always finish it (the first leaves at most 0x1_0003), with no loop.
#[inline(always)]
const fn fold_small(sum: u64) -> u16 {
    let sum = (sum & 0xffff) + (sum >> 16);
    ((sum & 0xffff) + (sum >> 16)) as u16
}

/// Incrementally update a stored header checksum after a 32-bit field (an
/// IPv4 address, for example) changed from `old` to `new`: [`update16`]
/// applied to both halves at once.
#[inline]
pub const fn update32(csum: u16, old: u32, new: u32) -> u16 {
    let sum = (!csum) as u64
        + (!(old >> 16) & 0xffff) as u64
        + (!old & 0xffff) as u64
        + (new >> 16) as u64
        + (new & 0xffff) as u64;
    !fold_small(sum)
}

#[cfg(test)]
mod test {
    use super::*;

    /// An IPv4 header (ICMP echo request, 192.168.13.1 -> 192.168.13.2).
    static PACKET_BYTES: [u8; 20] = [
        0x45, 0x00, 0x00, 0x54, 0x4d, 0x2c, 0x40, 0x00, 0x40, 0x01, 0x52, 0x29, 0xc0, 0xa8, 0x0d,
        0x01, 0xc0, 0xa8, 0x0d, 0x02,
    ];

    /// The reference: RFC 1071 straight, one 16-bit word at a time.
    fn reference(bytes: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in bytes.chunks(2) {
            let word = if pair.len() == 2 {
                u16::from_be_bytes([pair[0], pair[1]])
            } else {
                u16::from_be_bytes([pair[0], 0])
            };
            sum += u32::from(word);
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    /// A tiny deterministic generator so the tests need no extra crate.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as u32
        }
    }

    fn stored_checksum(header: &[u8]) -> u16 {
        u16::from_be_bytes([header[10], header[11]])
    }

    fn refill(header: &mut [u8]) {
        header[10..12].fill(0);
        let c = !data(header);
        header[10..12].copy_from_slice(&c.to_be_bytes());
    }

    #[test]
    fn test_data_fixture() {
        assert_eq!(data(&PACKET_BYTES), 0xffff);
        let mut zeroed = PACKET_BYTES;
        zeroed[10..12].fill(0);
        assert_eq!(!data(&zeroed), 0x5229);
    }

    #[test]
    fn test_data_matches_reference_all_lengths() {
        let mut rng = Lcg(1);
        let mut buf = [0u8; 300];
        for b in buf.iter_mut() {
            *b = rng.next() as u8;
        }
        for len in 0..buf.len() {
            assert_eq!(data(&buf[..len]), reference(&buf[..len]), "len {len}");
        }
        // Saturated input: many 0xff words must not overflow or mis-fold.
        let ones = [0xffu8; 9001];
        assert_eq!(data(&ones), reference(&ones));
        assert_eq!(data(&[]), 0);
        assert_eq!(data(&[0; 7]), 0);
        assert_eq!(data(&[0xab]), 0xab00);
    }

    #[test]
    fn test_header20_ok_agrees_with_data() {
        let mut rng = Lcg(7);
        let mut h = [0u8; 20];
        for i in 0..20_000 {
            for b in h.iter_mut() {
                *b = rng.next() as u8;
            }
            // Half with a right checksum, half as random.
            if i % 2 == 0 {
                refill(&mut h);
            }
            assert_eq!(header20_ok(&h), data(&h) == 0xffff, "{h:02x?}");
        }
        let mut fixture = [0u8; 20];
        fixture.copy_from_slice(&PACKET_BYTES[..20]);
        assert!(header20_ok(&fixture));
        // Edge cases of the fold: all ones, all zeros, one bit off.
        assert!(header20_ok(&[0xff; 20]));
        assert!(!header20_ok(&[0; 20]));
        fixture[11] ^= 1;
        assert!(!header20_ok(&fixture));
    }

    #[test]
    fn test_combine() {
        assert_eq!(combine(&[]), 0);
        assert_eq!(combine(&[0xffff, 0x0001]), 0x0001);
        assert_eq!(combine(&[0x8000, 0x8000]), 0x0001);
        let (a, b) = PACKET_BYTES.split_at(8);
        assert_eq!(combine(&[data(a), data(b)]), data(&PACKET_BYTES));
    }

    #[test]
    fn test_pseudo_header_v4() {
        let src = Ipv4Addr::new(10, 99, 0, 1);
        let dst = Ipv4Addr::new(10, 99, 0, 3);
        let mut bytes = [0u8; 12];
        bytes[0..4].copy_from_slice(&src.octets());
        bytes[4..8].copy_from_slice(&dst.octets());
        bytes[9] = 17;
        bytes[10..12].copy_from_slice(&37u16.to_be_bytes());
        assert_eq!(pseudo_header_v4(&src, &dst, 17, 37), reference(&bytes));
        let max = Ipv4Addr::new(255, 255, 255, 255);
        bytes = [0xff; 12];
        bytes[8] = 0;
        assert_eq!(
            pseudo_header_v4(&max, &max, 0xff, 0xffff),
            reference(&bytes)
        );
    }

    #[test]
    fn test_update16_ttl_decrement() {
        let mut header = PACKET_BYTES;
        for _ in 0..64 {
            let old = u16::from_be_bytes([header[8], header[9]]);
            header[8] -= 1;
            let new = u16::from_be_bytes([header[8], header[9]]);
            let patched = update16(stored_checksum(&header), old, new);
            header[10..12].copy_from_slice(&patched.to_be_bytes());
            assert_eq!(data(&header), 0xffff);
            let mut recomputed = header;
            refill(&mut recomputed);
            assert_eq!(patched, stored_checksum(&recomputed));
        }
    }

    #[test]
    fn test_update16_matches_recompute() {
        let mut rng = Lcg(7);
        let mut header = PACKET_BYTES;
        for _ in 0..10_000 {
            // Randomise the header, then change one word (never the checksum).
            for b in header.iter_mut() {
                *b = rng.next() as u8;
            }
            refill(&mut header);
            let word = [0usize, 1, 2, 3, 4, 6, 7, 8, 9][rng.next() as usize % 9];
            let at = word * 2;
            let old = u16::from_be_bytes([header[at], header[at + 1]]);
            let new = rng.next() as u16;
            header[at..at + 2].copy_from_slice(&new.to_be_bytes());
            let patched = update16(stored_checksum(&header), old, new);
            let mut recomputed = header;
            refill(&mut recomputed);
            assert_eq!(patched, stored_checksum(&recomputed));
        }
    }

    #[test]
    fn test_update32_matches_recompute() {
        let mut rng = Lcg(42);
        let mut header = PACKET_BYTES;
        for _ in 0..10_000 {
            for b in header.iter_mut() {
                *b = rng.next() as u8;
            }
            refill(&mut header);
            let at = if rng.next() & 1 == 0 { 12 } else { 16 };
            let old =
                u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
            let new = rng.next();
            header[at..at + 4].copy_from_slice(&new.to_be_bytes());
            let patched = update32(stored_checksum(&header), old, new);
            let mut recomputed = header;
            refill(&mut recomputed);
            assert_eq!(patched, stored_checksum(&recomputed));
        }
    }

    #[test]
    fn test_update_identity() {
        assert_eq!(update16(0x5229, 0x4001, 0x4001), 0x5229);
        assert_eq!(update32(0x5229, 0xc0a8_0d01, 0xc0a8_0d01), 0x5229);
    }

    #[test]
    fn test_etherparse_agrees() {
        let header = etherparse::Ipv4HeaderSlice::from_slice(&PACKET_BYTES)
            .unwrap()
            .to_header();
        assert_eq!(header.calc_header_checksum(), 0x5229);
    }
}
