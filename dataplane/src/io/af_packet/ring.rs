//! Views of TPACKET ring memory (`linux/if_packet.h`), as plain slices:
//! where blocks and frames sit in the mapping ([`Layout`]), the TPACKET_V3
//! block descriptor ([`BlockDesc`]), the per-frame headers of V3 and V2
//! ([`FrameHdr`]) and the tx frame a driver writes ([`write_tx`]).
//!
//! Nothing here touches the mapping itself: `sys::Mapping` hands out a
//! block or frame as a slice only while user space owns it. Every parser
//! checks the offsets the kernel wrote against the slice, so a corrupt ring
//! is reported ([`RingError`]), never a panic.
//!
//! ```text
//!  V3 rx block (tp_block_size)            V2 rx / V2+V3 tx frame (tp_frame_size)
//!  ┌──────────────────────────┐           ┌──────────────────────────┐
//!  │ tpacket_block_desc (48)  │ status@8  │ tpacket2_hdr (32) / 3 (48)│ status@0 / @20
//!  ├──────────────────────────┤           ├──────────────────────────┤
//!  │ tpacket3_hdr ─ tp_mac ──┐│           │ (rx) pad, virtio_net_hdr │
//!  │ … virtio_net_hdr │ frame││           │ (tx) virtio_net_hdr,frame│ data @32 / @48
//!  │ tp_next_offset ──▶ next  │           └──────────────────────────┘
//!  └──────────────────────────┘
//! ```

use super::offload::{VNET_HDR_LEN, VnetHdr};

/// `TP_STATUS_KERNEL`: the kernel owns an rx block/frame.
pub const TP_STATUS_KERNEL: u32 = 0;
/// `TP_STATUS_USER`: user space owns an rx block/frame.
pub const TP_STATUS_USER: u32 = 1;
/// `TP_STATUS_VLAN_VALID`: `tp_vlan_tci` holds the stripped tag.
pub const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
/// `TP_STATUS_VLAN_TPID_VALID`: `tp_vlan_tpid` holds its TPID.
pub const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;
/// `TP_STATUS_AVAILABLE`: a tx frame user space may fill.
pub const TP_STATUS_AVAILABLE: u32 = 0;
/// `TP_STATUS_SEND_REQUEST`: a filled tx frame for the kernel to send.
pub const TP_STATUS_SEND_REQUEST: u32 = 1;
/// `TP_STATUS_WRONG_FORMAT`: the kernel refused a tx frame (only without
/// `PACKET_LOSS`).
pub const TP_STATUS_WRONG_FORMAT: u32 = 1 << 2;

/// `TPACKET_ALIGNMENT`.
pub const ALIGNMENT: u32 = 16;
/// `sizeof(struct tpacket_block_desc)`.
pub const BLOCK_DESC_LEN: usize = 48;
/// `sizeof(struct tpacket3_hdr)`.
pub const V3_HDR_LEN: usize = 48;
/// `sizeof(struct tpacket2_hdr)`.
pub const V2_HDR_LEN: usize = 32;

const _: () = assert!(std::mem::size_of::<libc::tpacket_block_desc>() == BLOCK_DESC_LEN);
const _: () = assert!(std::mem::size_of::<libc::tpacket3_hdr>() == V3_HDR_LEN);
const _: () = assert!(std::mem::size_of::<libc::tpacket2_hdr>() == V2_HDR_LEN);
const _: () = assert!(TPACKET3_HDRLEN == libc::TPACKET3_HDRLEN);
const _: () = assert!(TPACKET2_HDRLEN == libc::TPACKET2_HDRLEN);

/// `TPACKET3_HDRLEN`: the kernel's `tp_hdrlen` for V3 (header + sockaddr_ll).
pub const TPACKET3_HDRLEN: usize = 68;
/// `TPACKET2_HDRLEN`.
pub const TPACKET2_HDRLEN: usize = 52;

/// Field offsets of the V3 block descriptor (`tpacket_hdr_v1` after two
/// words).
mod block {
    pub const STATUS: usize = 8;
    pub const NUM_PKTS: usize = 12;
    pub const FIRST: usize = 16;
    pub const LEN: usize = 20;
}

/// Field offsets of `tpacket3_hdr`.
mod v3 {
    pub const NEXT_OFFSET: usize = 0;
    pub const SNAPLEN: usize = 12;
    pub const LEN: usize = 16;
    pub const STATUS: usize = 20;
    pub const MAC: usize = 24;
    pub const NET: usize = 26;
    pub const VLAN_TCI: usize = 32;
    pub const VLAN_TPID: usize = 36;
}

/// Field offsets of `tpacket2_hdr`.
mod v2 {
    pub const STATUS: usize = 0;
    pub const LEN: usize = 4;
    pub const SNAPLEN: usize = 8;
    pub const MAC: usize = 12;
    pub const NET: usize = 14;
    pub const VLAN_TCI: usize = 24;
    pub const VLAN_TPID: usize = 26;
}

/// TPACKET version (`PACKET_VERSION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Version {
    /// `TPACKET_V2`: fixed-size rx frames (VPP's `v2`).
    V2,
    /// `TPACKET_V3`: variable-size frames packed in rx blocks the kernel
    /// retires (VPP's default).
    #[default]
    V3,
}

impl Version {
    /// The value of `PACKET_VERSION`.
    pub fn raw(self) -> i32 {
        match self {
            Version::V2 => 1,
            Version::V3 => 2,
        }
    }

    /// The kernel's `tp_hdrlen` (frame header + `sockaddr_ll`).
    pub fn hdrlen(self) -> usize {
        match self {
            Version::V2 => TPACKET2_HDRLEN,
            Version::V3 => TPACKET3_HDRLEN,
        }
    }

    /// Where the kernel reads a tx frame's data without `PACKET_TX_HAS_OFF`:
    /// `tp_hdrlen - sizeof(sockaddr_ll)`.
    pub fn tx_data_offset(self) -> usize {
        match self {
            Version::V2 => V2_HDR_LEN,
            Version::V3 => V3_HDR_LEN,
        }
    }

    /// Offset of `tp_status` in a (tx or V2 rx) frame header.
    pub fn frame_status_offset(self) -> usize {
        match self {
            Version::V2 => v2::STATUS,
            Version::V3 => v3::STATUS,
        }
    }
}

/// Geometry of one ring: `block_nr` blocks of `frame_size × frames_per_block`
/// bytes (the request is `tp_block_size`, `tp_block_nr`, `tp_frame_size`,
/// `tp_frame_nr = block_nr × frames_per_block`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// `tp_frame_size` (VPP's `rx-size` / `tx-size`).
    pub frame_size: u32,
    /// Frames per block (VPP's `rx-per-block` / `tx-per-block`).
    pub frames_per_block: u32,
    /// `tp_block_nr`.
    pub block_nr: u32,
}

impl Geometry {
    /// `tp_block_size`.
    pub fn block_size(&self) -> usize {
        self.frame_size as usize * self.frames_per_block as usize
    }

    /// `tp_frame_nr`.
    pub fn frame_nr(&self) -> usize {
        self.frames_per_block as usize * self.block_nr as usize
    }

    /// Bytes of the ring.
    pub fn bytes(&self) -> usize {
        self.block_size() * self.block_nr as usize
    }

    /// Offset of frame `i` from the ring's start (frames do not straddle
    /// blocks).
    pub fn frame_offset(&self, i: usize) -> usize {
        let per = self.frames_per_block as usize;
        (i / per) * self.block_size() + (i % per) * self.frame_size as usize
    }
}

/// Where the rings sit in the one mapping: the rx ring, then the tx ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// TPACKET version.
    pub version: Version,
    /// Rx ring geometry.
    pub rx: Geometry,
    /// Tx ring geometry.
    pub tx: Geometry,
}

impl Layout {
    /// Bytes to map.
    pub fn len(&self) -> usize {
        self.rx.bytes() + self.tx.bytes()
    }

    /// Offset of V3 rx block `i`.
    pub fn rx_block(&self, i: usize) -> usize {
        i * self.rx.block_size()
    }

    /// Offset of the status word of V3 rx block `i`.
    pub fn rx_block_status(&self, i: usize) -> usize {
        self.rx_block(i) + block::STATUS
    }

    /// Offset of V2 rx frame `i`.
    pub fn rx_frame(&self, i: usize) -> usize {
        self.rx.frame_offset(i)
    }

    /// Offset of tx frame `i`.
    pub fn tx_frame(&self, i: usize) -> usize {
        self.rx.bytes() + self.tx.frame_offset(i)
    }
}

/// The kernel wrote offsets that do not fit the block or frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingError;

fn u16_at(b: &[u8], off: usize) -> Result<u16, RingError> {
    b.get(off..off + 2)
        .map(|s| u16::from_ne_bytes([s[0], s[1]]))
        .ok_or(RingError)
}

fn u32_at(b: &[u8], off: usize) -> Result<u32, RingError> {
    b.get(off..off + 4)
        .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or(RingError)
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

/// The V3 block descriptor fields weft uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockDesc {
    /// `block_status`.
    pub status: u32,
    /// Frames in the block.
    pub num_pkts: u32,
    /// Offset of the first frame header from the block's start.
    pub first: u32,
    /// Bytes of the block in use.
    pub len: u32,
}

impl BlockDesc {
    /// Parses the descriptor at the start of `block`.
    pub fn parse(block: &[u8]) -> Result<BlockDesc, RingError> {
        let d = BlockDesc {
            status: u32_at(block, block::STATUS)?,
            num_pkts: u32_at(block, block::NUM_PKTS)?,
            first: u32_at(block, block::FIRST)?,
            len: u32_at(block, block::LEN)?,
        };
        if d.num_pkts > 0 && (d.first as usize) < BLOCK_DESC_LEN || d.first as usize > block.len() {
            return Err(RingError);
        }
        Ok(d)
    }
}

/// A received frame's header, V2 or V3.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameHdr {
    /// `tp_status`.
    pub status: u32,
    /// `tp_len`: the frame's length on the wire.
    pub len: u32,
    /// `tp_snaplen`: the bytes in the ring.
    pub snaplen: u32,
    /// `tp_mac`: offset of the frame from the header's start.
    pub mac: u16,
    /// `tp_net`.
    pub net: u16,
    /// `tp_vlan_tci`.
    pub vlan_tci: u16,
    /// `tp_vlan_tpid`.
    pub vlan_tpid: u16,
    /// V3: `tp_next_offset` (0 for the block's last frame).
    pub next_offset: u32,
}

impl FrameHdr {
    /// Parses a `tpacket3_hdr` at the start of `b`.
    pub fn parse_v3(b: &[u8]) -> Result<FrameHdr, RingError> {
        Ok(FrameHdr {
            next_offset: u32_at(b, v3::NEXT_OFFSET)?,
            snaplen: u32_at(b, v3::SNAPLEN)?,
            len: u32_at(b, v3::LEN)?,
            status: u32_at(b, v3::STATUS)?,
            mac: u16_at(b, v3::MAC)?,
            net: u16_at(b, v3::NET)?,
            vlan_tci: u32_at(b, v3::VLAN_TCI)? as u16,
            vlan_tpid: u16_at(b, v3::VLAN_TPID)?,
        })
    }

    /// Parses a `tpacket2_hdr` at the start of `b`.
    pub fn parse_v2(b: &[u8]) -> Result<FrameHdr, RingError> {
        Ok(FrameHdr {
            status: u32_at(b, v2::STATUS)?,
            len: u32_at(b, v2::LEN)?,
            snaplen: u32_at(b, v2::SNAPLEN)?,
            mac: u16_at(b, v2::MAC)?,
            net: u16_at(b, v2::NET)?,
            vlan_tci: u16_at(b, v2::VLAN_TCI)?,
            vlan_tpid: u16_at(b, v2::VLAN_TPID)?,
            next_offset: 0,
        })
    }

    /// The tag the kernel stripped, as (TPID, TCI), if any.
    pub fn vlan(&self) -> Option<(u16, u16)> {
        if self.status & TP_STATUS_VLAN_VALID == 0 {
            return None;
        }
        let tpid = if self.status & TP_STATUS_VLAN_TPID_VALID != 0 && self.vlan_tpid != 0 {
            self.vlan_tpid
        } else {
            0x8100
        };
        Some((tpid, self.vlan_tci))
    }
}

/// One received frame: its header, its bytes and, with `PACKET_VNET_HDR`,
/// the virtio-net header in front of them.
#[derive(Clone, Copy, Debug)]
pub struct RxFrame<'a> {
    /// The ring header.
    pub hdr: FrameHdr,
    /// The frame (`tp_snaplen` bytes at `tp_mac`).
    pub data: &'a [u8],
    /// The virtio-net header (`PACKET_VNET_HDR` on).
    pub vnet: Option<VnetHdr>,
}

impl<'a> RxFrame<'a> {
    /// The frame whose header `hdr` was parsed at the start of `slot`
    /// (`slot` runs to the end of the block or frame).
    pub fn new(
        slot: &'a [u8],
        hdr: FrameHdr,
        vnet: bool,
        hdr_len: usize,
    ) -> Result<RxFrame<'a>, RingError> {
        let mac = hdr.mac as usize;
        let min = hdr_len + if vnet { VNET_HDR_LEN } else { 0 };
        if mac < min {
            return Err(RingError);
        }
        let data = slot.get(mac..mac + hdr.snaplen as usize).ok_or(RingError)?;
        let vnet = if vnet {
            let b: &[u8; VNET_HDR_LEN] = slot[mac - VNET_HDR_LEN..mac]
                .try_into()
                .map_err(|_| RingError)?;
            Some(VnetHdr::parse(b))
        } else {
            None
        };
        Ok(RxFrame { hdr, data, vnet })
    }
}

/// Walks the frames of a V3 block from `off`: the frame there and the
/// offset of the next one (`None` after the last).
pub fn v3_frame(
    block: &[u8],
    off: usize,
    vnet: bool,
    last: bool,
) -> Result<(RxFrame<'_>, Option<usize>), RingError> {
    let slot = block.get(off..).ok_or(RingError)?;
    let hdr = FrameHdr::parse_v3(slot)?;
    let f = RxFrame::new(slot, hdr, vnet, V3_HDR_LEN)?;
    if last {
        return Ok((f, None));
    }
    let next = hdr.next_offset as usize;
    if next < V3_HDR_LEN || off + next >= block.len() {
        return Err(RingError);
    }
    Ok((f, Some(off + next)))
}

/// Writes a tx frame into `slot` (one ring frame, user-owned): the header
/// (`tp_len`, every other field zero, the status left for the caller to
/// publish), a zeroed virtio-net header when `vnet` and the frame bytes.
/// False, writing nothing, if it does not fit.
pub fn write_tx(version: Version, slot: &mut [u8], vnet: bool, frame: &[u8]) -> bool {
    let data = version.tx_data_offset();
    let vlen = if vnet { VNET_HDR_LEN } else { 0 };
    let tp_len = vlen + frame.len();
    if data + tp_len > slot.len() {
        return false;
    }
    let status = version.frame_status_offset();
    // The header, except the status word the caller stores last.
    slot[..status].fill(0);
    slot[status + 4..data].fill(0);
    let len_off = match version {
        Version::V2 => v2::LEN,
        Version::V3 => v3::LEN,
    };
    put_u32(slot, len_off, tp_len as u32);
    if vnet {
        slot[data..data + VNET_HDR_LEN].copy_from_slice(&VnetHdr::default().emit());
    }
    slot[data + vlen..data + tp_len].copy_from_slice(frame);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put16(b: &mut [u8], off: usize, v: u16) {
        b[off..off + 2].copy_from_slice(&v.to_ne_bytes());
    }

    /// A synthetic V3 block as the kernel fills it: descriptor, then frames
    /// aligned to 16 with a virtio-net header right before each frame.
    /// A frame to put in a block: bytes, tp_len, stripped tag, vnet header.
    type Spec<'a> = (&'a [u8], u32, Option<(u16, u16)>, VnetHdr);

    fn block_with(frames: &[Spec<'_>]) -> Vec<u8> {
        let mut b = vec![0xa5u8; 4096];
        b[..BLOCK_DESC_LEN].fill(0);
        put_u32(&mut b, block::STATUS, TP_STATUS_USER);
        put_u32(&mut b, block::NUM_PKTS, frames.len() as u32);
        put_u32(&mut b, block::FIRST, BLOCK_DESC_LEN as u32);
        let mut off = BLOCK_DESC_LEN;
        let mut prev: Option<usize> = None;
        for (data, len, vlan, vnet) in frames {
            if let Some(p) = prev {
                put_u32(&mut b, p + v3::NEXT_OFFSET, (off - p) as u32);
            }
            b[off..off + V3_HDR_LEN].fill(0);
            // The kernel's macoff: TPACKET_ALIGN(68 + 16) + 10 - 14 = 92.
            let mac = 92usize;
            put_u32(&mut b, off + v3::SNAPLEN, data.len() as u32);
            put_u32(&mut b, off + v3::LEN, *len);
            let mut status = TP_STATUS_USER;
            if let Some((tpid, tci)) = vlan {
                status |= TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;
                put_u32(&mut b, off + v3::VLAN_TCI, u32::from(*tci));
                put16(&mut b, off + v3::VLAN_TPID, *tpid);
            }
            put_u32(&mut b, off + v3::STATUS, status);
            put16(&mut b, off + v3::MAC, mac as u16);
            put16(&mut b, off + v3::NET, (mac + 14) as u16);
            b[off + mac - VNET_HDR_LEN..off + mac].copy_from_slice(&vnet.emit());
            b[off + mac..off + mac + data.len()].copy_from_slice(data);
            prev = Some(off);
            off += (mac + data.len()).next_multiple_of(16);
        }
        put_u32(&mut b, block::LEN, off as u32);
        b
    }

    #[test]
    fn v3_block_walk() {
        let a = [1u8; 60];
        let c = [2u8; 99];
        let csum = VnetHdr {
            flags: VnetHdr::F_NEEDS_CSUM,
            csum_start: 34,
            csum_offset: 6,
            ..VnetHdr::default()
        };
        let b = block_with(&[
            (&a, 60, None, VnetHdr::default()),
            (&c, 1500, Some((0x8100, 0x2064)), csum),
        ]);
        let d = BlockDesc::parse(&b).unwrap();
        assert_eq!(
            d,
            BlockDesc {
                status: TP_STATUS_USER,
                num_pkts: 2,
                first: 48,
                len: 48 + 160 + 192,
            }
        );
        let (f0, next) = v3_frame(&b, d.first as usize, true, false).unwrap();
        assert_eq!(f0.data, &a[..]);
        assert_eq!(f0.vnet, Some(VnetHdr::default()));
        assert_eq!(f0.hdr.vlan(), None);
        assert_eq!(next, Some(48 + 160));
        let (f1, next) = v3_frame(&b, next.unwrap(), true, true).unwrap();
        assert_eq!(next, None);
        assert_eq!(f1.data, &c[..]);
        assert_eq!((f1.hdr.len, f1.hdr.snaplen), (1500, 99));
        assert_eq!(f1.hdr.vlan(), Some((0x8100, 0x2064)));
        assert_eq!(f1.vnet, Some(csum));
        // Without PACKET_VNET_HDR the same bytes are read with no header.
        let (f, _) = v3_frame(&b, 48, false, true).unwrap();
        assert_eq!(f.vnet, None);
    }

    #[test]
    fn v3_corrupt_offsets_are_errors() {
        let a = [1u8; 60];
        let mut b = block_with(&[
            (&a, 60, None, VnetHdr::default()),
            (&a, 60, None, VnetHdr::default()),
        ]);
        // snaplen past the block.
        let mut bad = b.clone();
        put_u32(&mut bad, 48 + v3::SNAPLEN, 5000);
        assert_eq!(v3_frame(&bad, 48, true, false).unwrap_err(), RingError);
        // tp_mac inside the header.
        let mut bad = b.clone();
        put16(&mut bad, 48 + v3::MAC, 40);
        assert!(v3_frame(&bad, 48, true, false).is_err());
        // tp_mac leaves no room for the virtio-net header.
        put16(&mut bad, 48 + v3::MAC, 50);
        assert!(v3_frame(&bad, 48, true, false).is_err());
        assert!(v3_frame(&bad, 48, false, false).is_ok());
        // A next offset of 0 before the last frame, or past the block.
        put_u32(&mut b, 48 + v3::NEXT_OFFSET, 0);
        assert!(v3_frame(&b, 48, true, false).is_err());
        put_u32(&mut b, 48 + v3::NEXT_OFFSET, 4096);
        assert!(v3_frame(&b, 48, true, false).is_err());
        // A frame header past the block.
        assert!(v3_frame(&b, 4090, true, true).is_err());
        assert!(v3_frame(&b, 5000, true, true).is_err());
        // A first-frame offset inside the descriptor.
        put_u32(&mut b, block::FIRST, 8);
        assert!(BlockDesc::parse(&b).is_err());
        assert!(BlockDesc::parse(&b[..20]).is_err());
    }

    #[test]
    fn v2_frame() {
        let mut f = vec![0u8; 2048];
        put_u32(&mut f, v2::STATUS, TP_STATUS_USER | TP_STATUS_VLAN_VALID);
        put_u32(&mut f, v2::LEN, 64);
        put_u32(&mut f, v2::SNAPLEN, 64);
        // V2 macoff: TPACKET_ALIGN(52 + 16) + 10 - 14 = 76.
        put16(&mut f, v2::MAC, 76);
        put16(&mut f, v2::NET, 90);
        put16(&mut f, v2::VLAN_TCI, 100);
        f[76..140].fill(7);
        let h = FrameHdr::parse_v2(&f).unwrap();
        // No TPID_VALID: 802.1Q assumed.
        assert_eq!(h.vlan(), Some((0x8100, 100)));
        let r = RxFrame::new(&f, h, true, V2_HDR_LEN).unwrap();
        assert_eq!(r.data, &[7u8; 64][..]);
        assert_eq!(r.vnet, Some(VnetHdr::default()));
    }

    #[test]
    fn tx_frames() {
        let frame: Vec<u8> = (0..100u8).collect();
        let mut slot = vec![0xa5u8; 256];
        assert!(write_tx(Version::V3, &mut slot, true, &frame));
        assert_eq!(u32_at(&slot, v3::LEN).unwrap(), 110);
        assert_eq!(u32_at(&slot, v3::NEXT_OFFSET).unwrap(), 0);
        // The status word is the caller's to publish.
        assert_eq!(&slot[v3::STATUS..v3::STATUS + 4], &[0xa5; 4]);
        assert!(slot[24..48].iter().all(|&b| b == 0));
        assert_eq!(&slot[48..58], &[0u8; 10]);
        assert_eq!(&slot[58..158], &frame[..]);
        assert_eq!(slot[158], 0xa5);

        let mut slot = vec![0xa5u8; 256];
        assert!(write_tx(Version::V2, &mut slot, false, &frame));
        assert_eq!(&slot[..4], &[0xa5; 4]);
        assert_eq!(u32_at(&slot, v2::LEN).unwrap(), 100);
        assert_eq!(&slot[32..132], &frame[..]);
        // Too big: nothing written.
        let mut slot = vec![0xa5u8; 140];
        assert!(!write_tx(Version::V3, &mut slot, true, &frame));
        assert!(slot.iter().all(|&b| b == 0xa5));
    }

    #[test]
    fn layout() {
        let l = Layout {
            version: Version::V3,
            rx: Geometry {
                frame_size: 2048,
                frames_per_block: 64,
                block_nr: 80,
            },
            tx: Geometry {
                frame_size: 67584,
                frames_per_block: 62,
                block_nr: 8,
            },
        };
        assert_eq!(l.rx.block_size(), 131072);
        assert_eq!(l.rx.frame_nr(), 5120);
        assert_eq!(l.len(), 80 * 131072 + 8 * 62 * 67584);
        assert_eq!(l.rx_block_status(3), 3 * 131072 + 8);
        assert_eq!(l.tx_frame(0), 80 * 131072);
        assert_eq!(l.tx_frame(62), 80 * 131072 + 62 * 67584);
        assert_eq!(l.tx_frame(63), 80 * 131072 + 63 * 67584);
        assert_eq!(l.tx.frame_offset(61), 61 * 67584);
    }
}
