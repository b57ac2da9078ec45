//! 802.1Q sub-interfaces on the packet path: which sub-interface a tagged
//! frame belongs to ([`Dot1q`], part of the snapshot), and the tag taken
//! off on the way in (ethernet-input) and put on on the way out
//! (interface-output, and the control plane's own frames).
//!
//! Between the two every node sees an untagged frame on the
//! sub-interface, so ARP, ICMP, IPv4 and VXLAN work on a sub-interface as
//! on its parent, with nothing of their own to change.

use rustc_hash::FxHashMap;

use crate::pool::PacketMut;

/// TPID of an 802.1Q tag.
pub const TPID_DOT1Q: u16 = 0x8100;

/// Bytes of one tag.
pub const TAG_LEN: usize = 4;

/// The highest VLAN id (12 bits).
pub const MAX_VLAN: u16 = 4095;

/// Sub-interfaces by (parent sw_if_index, VLAN id): exact-match, one tag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dot1q {
    subs: FxHashMap<(u32, u16), u32>,
}

impl Dot1q {
    /// Adds sub-interface `sub` for frames of `vlan` on `parent`.
    pub fn insert(&mut self, parent: u32, vlan: u16, sub: u32) {
        self.subs.insert((parent, vlan), sub);
    }

    /// The sub-interface of `vlan` on `parent`, if there is one.
    #[inline]
    pub fn lookup(&self, parent: u32, vlan: u16) -> Option<u32> {
        if self.subs.is_empty() {
            return None;
        }
        self.subs.get(&(parent, vlan)).copied()
    }

    /// Whether no sub-interface exists.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }
}

/// Takes the tag out of a tagged frame at the packet's data: the MAC
/// addresses move 4 bytes back, so that the data is the untagged frame.
/// False, changing nothing, if the data is shorter than a tagged header.
#[inline]
pub fn pop_tag(p: &mut PacketMut<'_>) -> bool {
    let d = p.data_mut();
    if d.len() < 12 + TAG_LEN + 2 {
        return false;
    }
    d.copy_within(0..12, TAG_LEN);
    p.advance(TAG_LEN)
}

/// Puts an 802.1Q tag of `vlan` (priority 0) after the MAC addresses of
/// the frame at the packet's data. False, changing nothing, without 4
/// bytes of headroom or with less than the two addresses.
#[inline]
pub fn push_tag(p: &mut PacketMut<'_>, vlan: u16) -> bool {
    if p.data().len() < 12 || p.headroom() < TAG_LEN {
        return false;
    }
    let Some(_) = p.prepend(TAG_LEN) else {
        return false;
    };
    let d = p.data_mut();
    d.copy_within(TAG_LEN..TAG_LEN + 12, 0);
    write_tag(&mut d[12..16], vlan);
    true
}

/// Puts an 802.1Q tag of `vlan` after the MAC addresses of `frame` (a
/// frame the control plane built). Frames shorter than the addresses are
/// left as they are.
pub fn tag_frame(frame: &mut Vec<u8>, vlan: u16) {
    if frame.len() < 12 {
        return;
    }
    let mut tag = [0u8; TAG_LEN];
    write_tag(&mut tag, vlan);
    frame.splice(12..12, tag);
}

fn write_tag(at: &mut [u8], vlan: u16) {
    at[..2].copy_from_slice(&TPID_DOT1Q.to_be_bytes());
    at[2..4].copy_from_slice(&(vlan & 0x0fff).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::{PageSize, Pool, PoolConfig};

    fn pool() -> std::sync::Arc<Pool> {
        Pool::new(PoolConfig {
            buffers: 4,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .unwrap()
    }

    fn frame() -> Vec<u8> {
        let mut f: Vec<u8> = (1..=12).collect();
        f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 20]);
        f
    }

    #[test]
    fn tag_round_trip() {
        let pool = pool();
        let mut c = pool.cache();
        let mut b = c.alloc().unwrap();
        let mut p = pool.packet_mut(&mut b);
        assert!(p.write(&frame()));
        assert!(push_tag(&mut p, 100));
        let mut want = frame();
        want.splice(12..12, [0x81, 0x00, 0x00, 100]);
        assert_eq!(p.data(), &want[..]);
        assert!(pop_tag(&mut p));
        assert_eq!(p.data(), &frame()[..]);
        let mut v = frame();
        tag_frame(&mut v, 4095);
        assert_eq!(&v[12..16], &[0x81, 0x00, 0x0f, 0xff]);
        assert_eq!(&v[16..], &frame()[12..]);
        c.free(b);
    }

    #[test]
    fn short_frames_are_left_alone() {
        let pool = pool();
        let mut c = pool.cache();
        let mut b = c.alloc().unwrap();
        let mut p = pool.packet_mut(&mut b);
        assert!(p.write(&[0x81, 0x00, 0, 1, 2]));
        assert!(!pop_tag(&mut p));
        assert_eq!(p.data(), &[0x81, 0x00, 0, 1, 2]);
        assert!(!push_tag(&mut p, 5));
        let mut v = vec![1, 2, 3];
        tag_frame(&mut v, 5);
        assert_eq!(v, [1, 2, 3]);
        c.free(b);
    }

    #[test]
    fn lookup() {
        let mut t = Dot1q::default();
        assert!(t.is_empty());
        assert_eq!(t.lookup(1, 100), None);
        t.insert(1, 100, 7);
        assert_eq!(t.lookup(1, 100), Some(7));
        assert_eq!(t.lookup(2, 100), None);
        assert_eq!(t.lookup(1, 0), None);
    }
}
