//! The AF_PACKET driver: a Linux packet socket on a host interface with
//! memory-mapped rx and tx rings, VPP's `create host-interface` device.
//!
//! # Design
//!
//! ```text
//!   socket(AF_PACKET, SOCK_RAW, 0)  PACKET_VERSION V3 (or V2), PACKET_VNET_HDR,
//!   │                               PACKET_LOSS, PACKET_QDISC_BYPASS,
//!   │                               PACKET_IGNORE_OUTGOING, PACKET_RX_RING,
//!   │                               PACKET_TX_RING, one mmap of both rings,
//!   │                               bind(ifindex, ETH_P_ALL), PROMISC membership,
//!   │                               PACKET_FANOUT (hash) for N queues
//!   ▼
//!   rx ring ──copy──▶ pool buffers (+ checksum completion, GSO segmentation,
//!                     VLAN tag put back: `offload`)
//!   tx ring ◀──copy── pool buffers (+ a zeroed virtio-net header), one send()
//! ```
//!
//! * **AF_PACKET copies.** The rings are kernel memory, not the buffer
//!   pool: every received frame is copied from the ring into a pool buffer
//!   and every transmitted buffer into a ring frame, and the buffer is free
//!   again at once. The socket never holds a buffer, so nothing can leak
//!   when it closes.
//! * **Rx, TPACKET_V3**: the kernel packs frames into blocks and retires a
//!   block when it is full or `retire_blk_tov` ms after its first frame;
//!   the driver walks the `tpacket3_hdr`s of a retired block by
//!   `tp_next_offset`, copies them out and gives the block back
//!   (`TP_STATUS_KERNEL`). **TPACKET_V2**: one fixed-size frame per packet,
//!   each given back after the copy. A frame that yields more buffers than
//!   the caller has room for (a GSO super-frame) is resumed at the next
//!   segment on the next call, so `max` is always honoured.
//! * **`PACKET_VNET_HDR`** (on unless `cksum_gso` is off, VPP's
//!   `cksum-gso-disable`): partial checksums (Internet checksums, and
//!   SCTP's CRC32c) are completed and GSO
//!   super-frames (TCPv4/v6, UDP_L4, also inside VXLAN/Geneve/IP-in-IP) are
//!   cut into `gso_size` segments, each in its own buffer, before the graph
//!   sees them (see [`offload`]). A stripped 802.1Q/802.1ad tag
//!   (`TP_STATUS_VLAN_VALID`) is put back after the MAC addresses.
//! * **Tx**: frames of the tx ring are filled in order; a frame is reused
//!   once the kernel has set it back to `TP_STATUS_AVAILABLE`; one
//!   `send(fd, NULL, 0, MSG_DONTWAIT)` per call. A ring with no free frame
//!   counts the rest of the call as errors: the driver never blocks. Frames
//!   the kernel could not take yet (`ENOBUFS`, `EAGAIN`) stay requested and
//!   are kicked again on the next rx or tx call.
//! * **Queues**: [`AfPacketSocket::open_queues`] opens `rx_queues` sockets
//!   in one `PACKET_FANOUT_HASH` group with a kernel-chosen unique id, one
//!   per worker; each socket has its own rings.
//! * **Counters**: [`Counters`] are written only by the owning worker
//!   (relaxed load and store, once per call from a local tally) and read by
//!   the control plane through [`AfPacketSocket::counters`]; descriptions
//!   are `show errors` rows. The kernel's drops (`PACKET_STATISTICS`, read
//!   every [`STATS_INTERVAL`] polls) are reported as `rx-miss`.
//! * All system calls and the ring mapping are in the `sys` module, the
//!   only `unsafe` code here.
//!
//! # Limitations
//!
//! * Single-buffer frames: a frame (or a segment) longer than a buffer
//!   (`frame_size - headroom`, 3840 bytes with the default pool) is dropped
//!   and counted, as is a frame the ring truncated (`tp_snaplen < tp_len`:
//!   larger than the ring frame or V3 block).
//! * With `cksum_gso` off frames are taken as they are: partial checksums
//!   stay partial, and super-frames longer than a buffer are dropped.
//! * Transmit sends complete frames only (no tx offload).
//! * `PACKET_FANOUT` needs the interface up when the sockets are opened.
//! * The interface's MAC, MTU and state are the device layer's business.

mod offload;
mod ring;
mod sys;

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Arc;

pub use offload::{GsoPlan, Refusal, VnetHdr, complete_checksum, insert_vlan};
pub use ring::{Geometry, Version};

use crate::graph::CounterDesc;
use crate::pool::{Buf, Pool, PoolCache};
use crate::port::{Port, RxResult, TxResult};
use ring::{Layout, RxFrame};

/// Name of the AF_PACKET input node (VPP's).
pub const INPUT_NODE: &str = "af-packet-input";

/// Polls between two reads of the kernel's statistics.
pub const STATS_INTERVAL: u32 = 1024;

/// Default V3 rx frame size (VPP's `rx-size`).
pub const DEFAULT_RX_FRAME_SIZE_V3: u32 = 2048;
/// Default V3 rx frames per block: 128 KiB blocks, so a 64 KiB GSO
/// super-frame with its ring and virtio-net headers fits a block (VPP's 32
/// make 64 KiB blocks, which truncate the largest super-frames).
pub const DEFAULT_RX_FRAMES_PER_BLOCK_V3: u32 = 64;
/// Default V3 rx blocks: 10 MiB, VPP's 5120 frames.
pub const DEFAULT_RX_BLOCKS_V3: u32 = 80;
/// Default V2 rx and tx frame size (VPP's 2048 × 33): a 64 KiB GSO
/// super-frame plus its headers.
pub const DEFAULT_FRAME_SIZE_64K: u32 = 2048 * 33;
/// Default V2 rx and tx frames per block: 62 × 67584 bytes is 1023 pages,
/// which the kernel allocates as 1024 (it rounds every block up to a power
/// of two pages: VPP's single block of 1024 such frames costs 128 MiB).
pub const DEFAULT_FRAMES_PER_BLOCK_64K: u32 = 62;
/// Default V2 rx and tx blocks: 496 frames, 32 MiB per ring.
pub const DEFAULT_BLOCKS_64K: u32 = 8;
/// Default V3 block retire timeout, ms (VPP's).
pub const DEFAULT_RETIRE_BLK_TOV_MS: u32 = 1;
/// Most rx queues (fanout members) per interface.
pub const MAX_RX_QUEUES: u16 = 256;
/// Largest ring (rx or tx).
pub const MAX_RING_BYTES: usize = 1 << 30;

/// The host interface a socket binds to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostIf {
    /// By Linux name (`eth0`).
    Name(String),
    /// By Linux ifindex.
    Index(u32),
}

/// The options of `create host-interface`, as VPP names them. `None`
/// takes the default for the version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `v2`: TPACKET_V2 instead of V3.
    pub version: Version,
    /// `rx-size`: rx frame size.
    pub rx_frame_size: Option<u32>,
    /// `rx-per-block`: rx frames per block.
    pub rx_frames_per_block: Option<u32>,
    /// Rx blocks (not a VPP option).
    pub rx_blocks: Option<u32>,
    /// `tx-size`: tx frame size.
    pub tx_frame_size: Option<u32>,
    /// `tx-per-block`: tx frames per block.
    pub tx_frames_per_block: Option<u32>,
    /// Tx blocks (not a VPP option).
    pub tx_blocks: Option<u32>,
    /// `num-rx-queues`.
    pub rx_queues: u16,
    /// False with `qdisc-bypass-disable`.
    pub qdisc_bypass: bool,
    /// False with `cksum-gso-disable` (no `PACKET_VNET_HDR`).
    pub cksum_gso: bool,
    /// V3 block retire timeout, ms.
    pub retire_blk_tov_ms: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version: Version::V3,
            rx_frame_size: None,
            rx_frames_per_block: None,
            rx_blocks: None,
            tx_frame_size: None,
            tx_frames_per_block: None,
            tx_blocks: None,
            rx_queues: 1,
            qdisc_bypass: true,
            cksum_gso: true,
            retire_blk_tov_ms: DEFAULT_RETIRE_BLK_TOV_MS,
        }
    }
}

/// Why a configuration is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Bad frame size.
    #[error("{ring} frame size {size} must be a multiple of 16 and at least {min} bytes")]
    FrameSize {
        /// `rx` or `tx`.
        ring: &'static str,
        /// The size.
        size: u32,
        /// The smallest size.
        min: u32,
    },
    /// Zero frames per block or blocks.
    #[error("{ring} {what} must be at least 1")]
    Zero {
        /// `rx` or `tx`.
        ring: &'static str,
        /// `frames per block` or `blocks`.
        what: &'static str,
    },
    /// Block size not a whole number of pages.
    #[error(
        "{ring} block size {block} (frame size {frame} × {per_block} per block) must be a multiple of the page size {page}"
    )]
    BlockSize {
        /// `rx` or `tx`.
        ring: &'static str,
        /// The block size.
        block: usize,
        /// The frame size.
        frame: u32,
        /// Frames per block.
        per_block: u32,
        /// The page size.
        page: usize,
    },
    /// The ring is too large.
    #[error("{ring} ring of {bytes} bytes exceeds the limit of {MAX_RING_BYTES} bytes")]
    RingSize {
        /// `rx` or `tx`.
        ring: &'static str,
        /// Its size.
        bytes: usize,
    },
    /// Bad number of rx queues.
    #[error("number of rx queues {0} must be between 1 and {MAX_RX_QUEUES}")]
    RxQueues(u16),
    /// Bad retire timeout.
    #[error("block retire timeout {0} ms must be between 1 and 1000")]
    RetireTimeout(u32),
}

/// A validated socket configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    host_if: HostIf,
    layout: Layout,
    rx_queues: u16,
    qdisc_bypass: bool,
    cksum_gso: bool,
    retire_blk_tov_ms: u32,
}

fn check_ring(
    ring: &'static str,
    g: Geometry,
    version: Version,
    page: usize,
) -> Result<(), ConfigError> {
    // The kernel's minimum is tp_hdrlen; a frame also needs room for the
    // virtio-net header and an Ethernet header.
    let min = (version.hdrlen() + 10 + 14).next_multiple_of(16) as u32;
    if g.frame_size < min || !g.frame_size.is_multiple_of(ring::ALIGNMENT) {
        return Err(ConfigError::FrameSize {
            ring,
            size: g.frame_size,
            min,
        });
    }
    if g.frames_per_block == 0 {
        return Err(ConfigError::Zero {
            ring,
            what: "frames per block",
        });
    }
    if g.block_nr == 0 {
        return Err(ConfigError::Zero {
            ring,
            what: "blocks",
        });
    }
    let block = g.frame_size as u64 * u64::from(g.frames_per_block);
    let bytes = block * u64::from(g.block_nr);
    if block > u64::from(u32::MAX) || bytes > MAX_RING_BYTES as u64 {
        return Err(ConfigError::RingSize {
            ring,
            bytes: bytes as usize,
        });
    }
    if !(block as usize).is_multiple_of(page) {
        return Err(ConfigError::BlockSize {
            ring,
            block: block as usize,
            frame: g.frame_size,
            per_block: g.frames_per_block,
            page,
        });
    }
    Ok(())
}

impl Config {
    /// Validates `options` for `host_if`, filling in the defaults:
    ///
    /// | | V3 (default) | V2 |
    /// |---|---|---|
    /// | rx | 2048 B frames, 64 per block (128 KiB), 80 blocks (10 MiB) | 67584 B frames, 62 per block, 8 blocks (32 MiB) |
    /// | tx | 67584 B frames, 62 per block, 8 blocks (496 frames, 32 MiB) | same |
    ///
    /// qdisc bypass and checksum/GSO offload on, one rx queue, 1 ms block
    /// retire timeout.
    pub fn new(host_if: HostIf, options: &Options) -> Result<Config, ConfigError> {
        let o = options;
        let (rx_frame, rx_per, rx_blocks) = match o.version {
            Version::V3 => (
                DEFAULT_RX_FRAME_SIZE_V3,
                DEFAULT_RX_FRAMES_PER_BLOCK_V3,
                DEFAULT_RX_BLOCKS_V3,
            ),
            Version::V2 => (
                DEFAULT_FRAME_SIZE_64K,
                DEFAULT_FRAMES_PER_BLOCK_64K,
                DEFAULT_BLOCKS_64K,
            ),
        };
        let rx = Geometry {
            frame_size: o.rx_frame_size.unwrap_or(rx_frame),
            frames_per_block: o.rx_frames_per_block.unwrap_or(rx_per),
            block_nr: o.rx_blocks.unwrap_or(rx_blocks),
        };
        let tx = Geometry {
            frame_size: o.tx_frame_size.unwrap_or(DEFAULT_FRAME_SIZE_64K),
            frames_per_block: o
                .tx_frames_per_block
                .unwrap_or(DEFAULT_FRAMES_PER_BLOCK_64K),
            block_nr: o.tx_blocks.unwrap_or(DEFAULT_BLOCKS_64K),
        };
        let page = sys::page_size();
        check_ring("rx", rx, o.version, page)?;
        check_ring("tx", tx, o.version, page)?;
        if o.rx_queues == 0 || o.rx_queues > MAX_RX_QUEUES {
            return Err(ConfigError::RxQueues(o.rx_queues));
        }
        if o.retire_blk_tov_ms == 0 || o.retire_blk_tov_ms > 1000 {
            return Err(ConfigError::RetireTimeout(o.retire_blk_tov_ms));
        }
        Ok(Config {
            host_if,
            layout: Layout {
                version: o.version,
                rx,
                tx,
            },
            rx_queues: o.rx_queues,
            qdisc_bypass: o.qdisc_bypass,
            cksum_gso: o.cksum_gso,
            retire_blk_tov_ms: o.retire_blk_tov_ms,
        })
    }

    /// The host interface.
    pub fn host_if(&self) -> &HostIf {
        &self.host_if
    }

    /// TPACKET version.
    pub fn version(&self) -> Version {
        self.layout.version
    }

    /// Rx ring geometry.
    pub fn rx(&self) -> Geometry {
        self.layout.rx
    }

    /// Tx ring geometry.
    pub fn tx(&self) -> Geometry {
        self.layout.tx
    }

    /// The same configuration for another interface (the daemon binds by
    /// index once it holds the interface's lock).
    pub fn on(&self, host_if: HostIf) -> Config {
        Config {
            host_if,
            ..self.clone()
        }
    }

    /// Number of rx queues (sockets in the fanout group).
    pub fn rx_queues(&self) -> u16 {
        self.rx_queues
    }

    /// Whether `PACKET_QDISC_BYPASS` is set.
    pub fn qdisc_bypass(&self) -> bool {
        self.qdisc_bypass
    }

    /// Whether `PACKET_VNET_HDR` is set (checksum and GSO offload).
    pub fn cksum_gso(&self) -> bool {
        self.cksum_gso
    }

    /// V3 block retire timeout, ms.
    pub fn retire_blk_tov_ms(&self) -> u32 {
        self.retire_blk_tov_ms
    }
}

/// Why a socket could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum AfPacketError {
    /// No such interface.
    #[error("host interface `{0}' not found")]
    NoSuchInterface(String),
    /// A tx frame cannot hold a full buffer.
    #[error("tx frame size {frame} cannot hold a {buffer}-byte buffer (needs {need})")]
    TxFrameSize {
        /// The frame size.
        frame: u32,
        /// The buffer size.
        buffer: usize,
        /// The smallest frame size that can.
        need: usize,
    },
    /// A system call failed.
    #[error("{call}: {source}")]
    Sys {
        /// The failing call.
        call: &'static str,
        /// The error.
        source: io::Error,
    },
}

impl From<sys::SysError> for AfPacketError {
    fn from(e: sys::SysError) -> Self {
        AfPacketError::Sys {
            call: e.call,
            source: e.source,
        }
    }
}

crate::counters! {
    /// Counters of one AF_PACKET socket (`show errors` rows of
    /// af-packet-input).
    pub enum Counter {
        /// Frames taken from the rx ring.
        Frames = ("frames", "frames received from the ring", Info),
        /// GSO super-frames segmented.
        GsoFrames = ("gso_frames", "GSO super-frames segmented", Info),
        /// Segments made from them.
        Segments = ("segments", "segments made from GSO super-frames", Info),
        /// Partial checksums completed.
        ChecksumsCompleted = ("checksums_completed", "partial checksums completed", Info),
        /// VLAN tags put back into frames.
        VlanRestored = ("vlan_restored", "vlan tags restored", Info),
        /// The ring truncated the frame.
        TooBigRing = ("too_big_ring", "frame larger than the ring frame", Error),
        /// The frame or a segment does not fit a buffer.
        TooBigBuffer = ("too_big_buffer", "frame larger than a buffer", Error),
        /// Checksum offsets outside the frame.
        CsumOffsets = ("csum_offsets", "checksum offsets outside the frame", Error),
        /// Unsupported GSO type.
        GsoType = ("gso_type", "unsupported GSO type", Error),
        /// Zero GSO size.
        GsoSize = ("gso_size", "GSO super-frame with zero gso_size", Error),
        /// Headers past the end of the super-frame.
        GsoTruncated = ("gso_truncated", "GSO headers past the end of the frame", Error),
        /// A header the segmenter does not know.
        GsoUnknownHeader = ("gso_unknown_header", "GSO super-frame with an unknown header", Error),
        /// An IP fragment.
        GsoFragment = ("gso_fragment", "GSO super-frame is an IP fragment", Error),
        /// csum_start not at the L4 header.
        GsoCsumStart = ("gso_csum_start", "GSO csum_start not at the L4 header", Error),
        /// GSO type does not match the headers.
        GsoMismatch = ("gso_mismatch", "GSO type does not match the headers", Error),
        /// The kernel wrote ring offsets that do not fit.
        BadRing = ("bad_ring", "malformed ring frame header", Error),
        /// No free tx ring frame.
        TxRingFull = ("tx_ring_full", "tx ring full", Error),
        /// A tx frame shorter than an Ethernet header.
        TxRunt = ("tx_runt", "tx frame shorter than an ethernet header", Error),
        /// A tx frame larger than a ring frame.
        TxTooBig = ("tx_too_big", "tx frame larger than the ring frame", Error),
        /// The kernel refused a tx frame.
        TxRejected = ("tx_rejected", "tx frame refused by the kernel", Error),
        /// send() failed for another reason than congestion.
        TxSendFailed = ("tx_send_failed", "send() to the tx ring failed", Error),
        /// Kernel: packets seen (tp_packets).
        KernelPackets = ("kernel_packets", "packets seen by the kernel", Info),
        /// Kernel: packets dropped (tp_drops).
        KernelDrops = ("kernel_drops", "packets dropped by the kernel (ring full)", Error),
        /// Kernel: times the rx queue froze (tp_freeze_q_cnt).
        KernelFreezes = ("kernel_freezes", "rx ring frozen (no free block)", Warning),
    }
}

const N_COUNTERS: usize = Counter::DESCS.len();

/// A socket's counters, one writer (the owning worker), any readers.
#[derive(Debug)]
pub struct Counters([crate::stats::Counter; N_COUNTERS]);

impl Counters {
    fn new() -> Counters {
        Counters(std::array::from_fn(|_| crate::stats::Counter::default()))
    }

    /// The value of `c`.
    pub fn get(&self, c: Counter) -> u64 {
        self.0[c as usize].get()
    }

    /// Every counter with its description, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static CounterDesc, u64)> + '_ {
        Counter::DESCS.iter().zip(self.0.iter().map(|c| c.get()))
    }

    fn add(&self, t: &Tally) {
        for (c, &n) in self.0.iter().zip(t.0.iter()) {
            if n != 0 {
                c.add(n);
            }
        }
    }
}

/// Counts of one call, added to [`Counters`] at its end.
struct Tally([u64; N_COUNTERS]);

impl Tally {
    #[inline]
    fn bump(&mut self, c: Counter, n: u64) {
        self.0[c as usize] += n;
    }
}

fn refusal_counter(r: Refusal) -> Counter {
    match r {
        Refusal::CsumOffsets => Counter::CsumOffsets,
        Refusal::GsoType => Counter::GsoType,
        Refusal::GsoSize => Counter::GsoSize,
        Refusal::Truncated => Counter::GsoTruncated,
        Refusal::UnknownHeader => Counter::GsoUnknownHeader,
        Refusal::Fragment => Counter::GsoFragment,
        Refusal::CsumStart => Counter::GsoCsumStart,
        Refusal::GsoMismatch => Counter::GsoMismatch,
    }
}

/// Where a V3 block was left when the caller ran out of room.
#[derive(Clone, Copy, Debug)]
struct Pending {
    off: usize,
    left: u32,
}

/// One AF_PACKET socket (one rx queue and one tx queue), owned by one
/// worker.
pub struct AfPacketSocket {
    // The mapping goes before the descriptor.
    map: sys::Mapping,
    fd: sys::PacketFd,
    pool: Arc<Pool>,
    config: Config,
    ifindex: u32,
    queue: u16,
    fanout: Option<u16>,
    vnet: bool,
    /// Next rx block (V3) or frame (V2).
    rx_cur: usize,
    /// V3: position inside the current block.
    pending: Option<Pending>,
    /// Next segment of the current frame when the caller ran out of room.
    rx_seg: usize,
    tx_head: usize,
    /// The kernel left requested tx frames unsent.
    kick_pending: bool,
    polls: u32,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for AfPacketSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfPacketSocket")
            .field("host_if", &self.config.host_if)
            .field("ifindex", &self.ifindex)
            .field("queue", &self.queue)
            .field("fanout", &self.fanout)
            .field("version", &self.config.layout.version)
            .finish()
    }
}

/// Per-call receive state: where buffers go and what was counted.
struct RxCtx<'a> {
    pool: &'a Pool,
    cache: &'a mut PoolCache,
    out: &'a mut Vec<Buf>,
    max: usize,
    sw_if_index: u32,
    headroom: u16,
    capacity: usize,
    r: RxResult,
    t: Tally,
}

/// What became of a frame.
enum Step {
    /// Consumed (delivered or dropped).
    Done,
    /// Out of room: resume at this segment.
    Partial(usize),
}

impl RxCtx<'_> {
    #[inline]
    fn room(&self) -> usize {
        self.max - self.r.received
    }

    fn frame(&mut self, f: &RxFrame<'_>, first_seg: usize) -> Step {
        if first_seg == 0 {
            self.t.bump(Counter::Frames, 1);
            if f.hdr.snaplen < f.hdr.len {
                self.t.bump(Counter::TooBigRing, 1);
                self.r.miss += 1;
                return Step::Done;
            }
        }
        let vlan = f.hdr.vlan();
        if vlan.is_some() && f.data.len() < 12 {
            self.t.bump(Counter::BadRing, 1);
            return Step::Done;
        }
        match f.vnet {
            Some(v) if v.is_gso() => self.gso(f.data, &v, vlan, first_seg),
            _ => self.single(f.data, f.vnet, vlan),
        }
    }

    /// Takes a buffer, counting `rx-no-buf` when there is none.
    fn take(&mut self) -> Option<Buf> {
        let Some(b) = self.cache.alloc() else {
            self.r.no_buf += 1;
            return None;
        };
        Some(b)
    }

    fn deliver(&mut self, mut b: Buf, len: usize) {
        self.pool
            .reset_meta(&mut b, self.headroom, len as u16, self.sw_if_index);
        self.out.push(b);
        self.r.received += 1;
        self.r.bytes += len as u64;
    }

    fn single(&mut self, data: &[u8], vnet: Option<VnetHdr>, vlan: Option<(u16, u16)>) -> Step {
        let vlen = if vlan.is_some() { 4 } else { 0 };
        let len = data.len() + vlen;
        if len > self.capacity {
            self.t.bump(Counter::TooBigBuffer, 1);
            self.r.miss += 1;
            return Step::Done;
        }
        let Some(mut b) = self.take() else {
            return Step::Done;
        };
        let pool = self.pool;
        let mut p = pool.packet_mut(&mut b);
        p.set_len(len);
        let dst = p.data_mut();
        dst[vlen..].copy_from_slice(data);
        if let Some(v) = vnet.filter(VnetHdr::needs_csum) {
            let start = v.csum_start as usize;
            if complete_checksum(&mut dst[vlen..], start, v.csum_offset as usize).is_err() {
                self.t.bump(Counter::CsumOffsets, 1);
                self.cache.free(b);
                return Step::Done;
            }
            self.t.bump(Counter::ChecksumsCompleted, 1);
        }
        if let Some((tpid, tci)) = vlan {
            insert_vlan(dst, tpid, tci);
            self.t.bump(Counter::VlanRestored, 1);
        }
        self.deliver(b, len);
        Step::Done
    }

    fn gso(
        &mut self,
        data: &[u8],
        v: &VnetHdr,
        vlan: Option<(u16, u16)>,
        first_seg: usize,
    ) -> Step {
        let plan = match GsoPlan::new(data, v) {
            Ok(p) => p,
            Err(r) => {
                self.t.bump(refusal_counter(r), 1);
                return Step::Done;
            }
        };
        let vlen = if vlan.is_some() { 4 } else { 0 };
        let segs = plan.segments();
        if first_seg == 0 {
            if plan.max_segment_len() + vlen > self.capacity {
                self.t.bump(Counter::TooBigBuffer, 1);
                self.r.miss += 1;
                return Step::Done;
            }
            self.t.bump(Counter::GsoFrames, 1);
        }
        let pool = self.pool;
        for k in first_seg..segs {
            if self.room() == 0 {
                return Step::Partial(k);
            }
            let len = plan.segment_len(k) + vlen;
            let Some(mut b) = self.take() else {
                // The rest of the super-frame is lost.
                self.r.no_buf += segs - k - 1;
                return Step::Done;
            };
            let mut p = pool.packet_mut(&mut b);
            p.set_len(len);
            let dst = p.data_mut();
            plan.write_segment(data, k, &mut dst[vlen..]);
            if let Some((tpid, tci)) = vlan {
                insert_vlan(dst, tpid, tci);
                self.t.bump(Counter::VlanRestored, 1);
            }
            self.t.bump(Counter::Segments, 1);
            self.deliver(b, len);
        }
        Step::Done
    }
}

impl AfPacketSocket {
    /// Opens one socket (queue 0, no fanout) on the configured interface.
    /// Buffers come from (and must be returned to) `pool`.
    pub fn open(pool: &Arc<Pool>, config: &Config) -> Result<AfPacketSocket, AfPacketError> {
        Self::open_one(pool, config, 0, None)
    }

    /// Opens `config.rx_queues()` sockets, one per rx queue. With more than
    /// one they share the interface's traffic in a `PACKET_FANOUT_HASH`
    /// group whose id the kernel picks (`PACKET_FANOUT_FLAG_UNIQUEID`), so
    /// it cannot collide with another process's group.
    pub fn open_queues(
        pool: &Arc<Pool>,
        config: &Config,
    ) -> Result<Vec<AfPacketSocket>, AfPacketError> {
        let n = config.rx_queues;
        if n == 1 {
            return Ok(vec![Self::open_one(pool, config, 0, None)?]);
        }
        let mut v = Vec::with_capacity(n as usize);
        let first = Self::open_one(pool, config, 0, Some(None))?;
        let id = first.fanout;
        v.push(first);
        for q in 1..n {
            v.push(Self::open_one(pool, config, q, Some(id))?);
        }
        Ok(v)
    }

    /// `fanout`: `None` none; `Some(None)` a new group; `Some(Some(id))`
    /// join group `id`.
    fn open_one(
        pool: &Arc<Pool>,
        config: &Config,
        queue: u16,
        fanout: Option<Option<u16>>,
    ) -> Result<AfPacketSocket, AfPacketError> {
        let ifindex = match &config.host_if {
            HostIf::Index(i) => *i,
            HostIf::Name(n) => {
                sys::if_nametoindex(n).ok_or_else(|| AfPacketError::NoSuchInterface(n.clone()))?
            }
        };
        let layout = config.layout;
        let version = layout.version;
        let vnet = config.cksum_gso;
        let buffer = pool.frame_size() - pool.config().headroom as usize;
        let need = version.tx_data_offset() + if vnet { offload::VNET_HDR_LEN } else { 0 } + buffer;
        if (layout.tx.frame_size as usize) < need {
            return Err(AfPacketError::TxFrameSize {
                frame: layout.tx.frame_size,
                buffer,
                need,
            });
        }
        let fd = sys::PacketFd::new()?;
        fd.set_int(
            libc::PACKET_VERSION,
            version.raw(),
            "setsockopt(PACKET_VERSION)",
        )?;
        if vnet {
            fd.set_int(libc::PACKET_VNET_HDR, 1, "setsockopt(PACKET_VNET_HDR)")?;
        }
        fd.set_int(libc::PACKET_LOSS, 1, "setsockopt(PACKET_LOSS)")?;
        if config.qdisc_bypass {
            fd.set_int(
                libc::PACKET_QDISC_BYPASS,
                1,
                "setsockopt(PACKET_QDISC_BYPASS)",
            )?;
        }
        fd.set_int(
            libc::PACKET_IGNORE_OUTGOING,
            1,
            "setsockopt(PACKET_IGNORE_OUTGOING)",
        )?;
        let v3 = version == Version::V3;
        let req = |g: Geometry, tov: u32| sys::RingReq {
            block_size: g.block_size() as u32,
            block_nr: g.block_nr,
            frame_size: g.frame_size,
            frame_nr: g.frame_nr() as u32,
            retire_blk_tov: if v3 { tov } else { 0 },
        };
        fd.set_ring(
            libc::PACKET_RX_RING,
            &req(layout.rx, config.retire_blk_tov_ms),
            v3,
            "setsockopt(PACKET_RX_RING)",
        )?;
        fd.set_ring(
            libc::PACKET_TX_RING,
            &req(layout.tx, 0),
            v3,
            "setsockopt(PACKET_TX_RING)",
        )?;
        let map = sys::Mapping::new(&fd, layout.len())?;
        fd.bind(ifindex)?;
        fd.add_promisc(ifindex)?;
        let fanout = match fanout {
            None => None,
            Some(id) => {
                let flags = libc::PACKET_FANOUT_HASH
                    | if id.is_none() {
                        libc::PACKET_FANOUT_FLAG_UNIQUEID
                    } else {
                        0
                    };
                let arg = u32::from(id.unwrap_or(0)) | (flags << 16);
                fd.set_int(libc::PACKET_FANOUT, arg as i32, "setsockopt(PACKET_FANOUT)")?;
                Some(fd.fanout_id()?)
            }
        };
        log::info!(
            "af_packet: {:?} (ifindex {ifindex}) queue {queue}: {:?}, rx {} × {} B blocks, tx {} × {} B frames{}{}",
            config.host_if,
            version,
            layout.rx.block_nr,
            layout.rx.block_size(),
            layout.tx.frame_nr(),
            layout.tx.frame_size,
            if vnet { ", vnet hdr" } else { "" },
            fanout
                .map(|id| format!(", fanout group {id}"))
                .unwrap_or_default(),
        );
        Ok(AfPacketSocket {
            map,
            fd,
            pool: pool.clone(),
            config: config.clone(),
            ifindex,
            queue,
            fanout,
            vnet,
            rx_cur: 0,
            pending: None,
            rx_seg: 0,
            tx_head: 0,
            kick_pending: false,
            polls: 0,
            counters: Arc::new(Counters::new()),
        })
    }

    /// The socket's descriptor (readable when frames are waiting).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.borrow()
    }

    /// The counters, for the control plane.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The Linux ifindex bound.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The rx queue number (member of the fanout group).
    pub fn queue(&self) -> u16 {
        self.queue
    }

    /// The fanout group id, if the socket is in one.
    pub fn fanout_group(&self) -> Option<u16> {
        self.fanout
    }

    fn rx_v3(&mut self, ctx: &mut RxCtx<'_>) {
        let layout = self.config.layout;
        let block_size = layout.rx.block_size();
        let nr = layout.rx.block_nr as usize;
        while ctx.room() > 0 {
            let off = layout.rx_block(self.rx_cur);
            let status_off = layout.rx_block_status(self.rx_cur);
            let Some((_, block)) = self.map.owned(off, block_size, status_off, |s| {
                s & ring::TP_STATUS_USER != 0
            }) else {
                break;
            };
            let (mut at, mut left) = match self.pending.take() {
                Some(p) => (p.off, p.left),
                None => match ring::BlockDesc::parse(block) {
                    Ok(d) => (d.first as usize, d.num_pkts),
                    Err(_) => {
                        ctx.t.bump(Counter::BadRing, 1);
                        (0, 0)
                    }
                },
            };
            while left > 0 {
                let frame = ring::v3_frame(block, at, self.vnet, left == 1);
                let Ok((f, next)) = frame else {
                    // The rest of the block cannot be trusted.
                    ctx.t.bump(Counter::BadRing, 1);
                    break;
                };
                match ctx.frame(&f, self.rx_seg) {
                    Step::Done => self.rx_seg = 0,
                    Step::Partial(k) => {
                        self.rx_seg = k;
                        self.pending = Some(Pending { off: at, left });
                        return;
                    }
                }
                left -= 1;
                if let Some(n) = next {
                    at = n;
                }
                if ctx.room() == 0 && left > 0 {
                    self.pending = Some(Pending { off: at, left });
                    return;
                }
            }
            self.map.give_back(status_off, ring::TP_STATUS_KERNEL);
            self.rx_cur = (self.rx_cur + 1) % nr;
        }
    }

    fn rx_v2(&mut self, ctx: &mut RxCtx<'_>) {
        let layout = self.config.layout;
        let frame_size = layout.rx.frame_size as usize;
        let nr = layout.rx.frame_nr();
        while ctx.room() > 0 {
            let off = layout.rx_frame(self.rx_cur);
            let Some((_, slot)) = self
                .map
                .owned(off, frame_size, off, |s| s & ring::TP_STATUS_USER != 0)
            else {
                break;
            };
            let frame = ring::FrameHdr::parse_v2(slot)
                .and_then(|h| RxFrame::new(slot, h, self.vnet, ring::V2_HDR_LEN));
            match frame {
                Ok(f) => match ctx.frame(&f, self.rx_seg) {
                    Step::Done => self.rx_seg = 0,
                    Step::Partial(k) => {
                        self.rx_seg = k;
                        return;
                    }
                },
                Err(_) => {
                    ctx.t.bump(Counter::BadRing, 1);
                    self.rx_seg = 0;
                }
            }
            self.map.give_back(off, ring::TP_STATUS_KERNEL);
            self.rx_cur = (self.rx_cur + 1) % nr;
        }
    }

    /// Asks the kernel to send the requested tx frames; remembers whether
    /// it left some.
    fn kick(&mut self, t: &mut Tally) {
        if let Err(e) = self.fd.kick() {
            match e.raw_os_error() {
                Some(libc::EAGAIN | libc::ENOBUFS | libc::EBUSY | libc::EINTR) => {}
                _ => t.bump(Counter::TxSendFailed, 1),
            }
        }
        let layout = self.config.layout;
        let nr = layout.tx.frame_nr();
        let last = (self.tx_head + nr - 1) % nr;
        let status = self
            .map
            .status(layout.tx_frame(last) + layout.version.frame_status_offset());
        self.kick_pending = status == ring::TP_STATUS_SEND_REQUEST;
    }

    /// Reads the kernel's statistics (reset by the read): drops are
    /// `rx-miss`.
    fn kernel_stats(&mut self, t: &mut Tally) -> usize {
        let Ok(s) = self.fd.stats() else {
            return 0;
        };
        t.bump(Counter::KernelPackets, u64::from(s.packets));
        t.bump(Counter::KernelDrops, u64::from(s.drops));
        t.bump(Counter::KernelFreezes, u64::from(s.freeze_q_cnt));
        s.drops as usize
    }
}

impl Port for AfPacketSocket {
    fn input_node(&self) -> &'static str {
        INPUT_NODE
    }

    fn wait_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd())
    }

    fn rx(
        &mut self,
        cache: &mut PoolCache,
        out: &mut Vec<Buf>,
        max: usize,
        sw_if_index: u32,
    ) -> RxResult {
        let pool = self.pool.clone();
        let mut ctx = RxCtx {
            pool: &pool,
            cache,
            out,
            max,
            sw_if_index,
            headroom: pool.config().headroom as u16,
            capacity: pool.frame_size() - pool.config().headroom as usize,
            r: RxResult::default(),
            t: Tally([0; N_COUNTERS]),
        };
        match self.config.layout.version {
            Version::V3 => self.rx_v3(&mut ctx),
            Version::V2 => self.rx_v2(&mut ctx),
        }
        let RxCtx { mut r, mut t, .. } = ctx;
        if self.kick_pending {
            self.kick(&mut t);
        }
        self.polls = self.polls.wrapping_add(1);
        if self.polls.is_multiple_of(STATS_INTERVAL) {
            r.miss += self.kernel_stats(&mut t);
        }
        self.counters.add(&t);
        r
    }

    fn tx(&mut self, cache: &mut PoolCache, bufs: &mut Vec<Buf>) -> TxResult {
        let mut t = Tally([0; N_COUNTERS]);
        let layout = self.config.layout;
        let version = layout.version;
        let frame_size = layout.tx.frame_size as usize;
        let nr = layout.tx.frame_nr();
        let status_in = version.frame_status_offset();
        let pool = cache.pool().clone();
        let mut sent = 0;
        for (i, b) in bufs.iter().enumerate() {
            let data = pool.data(b);
            if data.len() < 14 {
                t.bump(Counter::TxRunt, 1);
                continue;
            }
            let off = layout.tx_frame(self.tx_head);
            let Some((status, slot)) = self.map.owned_mut(off, frame_size, off + status_in, |s| {
                s == ring::TP_STATUS_AVAILABLE || s == ring::TP_STATUS_WRONG_FORMAT
            }) else {
                t.bump(Counter::TxRingFull, (bufs.len() - i) as u64);
                break;
            };
            if status == ring::TP_STATUS_WRONG_FORMAT {
                t.bump(Counter::TxRejected, 1);
            }
            if !ring::write_tx(version, slot, self.vnet, data) {
                t.bump(Counter::TxTooBig, 1);
                continue;
            }
            self.map
                .give_back(off + status_in, ring::TP_STATUS_SEND_REQUEST);
            self.tx_head = (self.tx_head + 1) % nr;
            sent += 1;
        }
        let errors = bufs.len() - sent;
        cache.free_all(bufs);
        if sent > 0 || self.kick_pending {
            self.kick(&mut t);
        }
        self.counters.add(&t);
        TxResult { sent, errors }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(o: &Options) -> Result<Config, ConfigError> {
        Config::new(HostIf::Name("eth0".into()), o)
    }

    #[test]
    fn defaults() {
        let c = cfg(&Options::default()).unwrap();
        assert_eq!(c.version(), Version::V3);
        assert_eq!(
            c.rx(),
            Geometry {
                frame_size: 2048,
                frames_per_block: 64,
                block_nr: 80
            }
        );
        assert_eq!(c.rx().block_size(), 131072);
        assert_eq!(c.rx().frame_nr(), 5120);
        assert_eq!(
            c.tx(),
            Geometry {
                frame_size: 67584,
                frames_per_block: 62,
                block_nr: 8
            }
        );
        assert_eq!(c.tx().block_size(), 1023 * 4096);
        assert!(c.qdisc_bypass() && c.cksum_gso());
        assert_eq!((c.rx_queues(), c.retire_blk_tov_ms()), (1, 1));
        // A 64 KiB GSO super-frame (65535 bytes of IPv4 + Ethernet) fits a
        // V3 block with the descriptor, the frame header and the
        // virtio-net header (the kernel puts the frame at 92).
        assert!(ring::BLOCK_DESC_LEN + 92 + 65549 <= c.rx().block_size());
        // ...and a tx frame.
        assert!(ring::V3_HDR_LEN + 10 + 65549 <= c.tx().frame_size as usize);

        let c = cfg(&Options {
            version: Version::V2,
            ..Options::default()
        })
        .unwrap();
        assert_eq!(c.rx(), c.tx());
        // The kernel puts a V2 frame at 76; a super-frame fits a frame.
        assert!(76 + 65549 <= c.rx().frame_size as usize);
    }

    #[test]
    fn vpp_geometry_accepted() {
        // VPP's V3 rx and its tx ring.
        let c = cfg(&Options {
            rx_frame_size: Some(2048),
            rx_frames_per_block: Some(32),
            rx_blocks: Some(160),
            tx_frame_size: Some(67584),
            tx_frames_per_block: Some(1024),
            tx_blocks: Some(1),
            ..Options::default()
        })
        .unwrap();
        assert_eq!(c.rx().block_size(), 65536);
        assert_eq!(c.tx().block_size(), 69206016);
    }

    #[test]
    fn refused_configurations() {
        let e = |o: Options| cfg(&o).unwrap_err();
        assert_eq!(
            e(Options {
                rx_frame_size: Some(1000),
                ..Options::default()
            }),
            ConfigError::FrameSize {
                ring: "rx",
                size: 1000,
                min: 96
            }
        );
        assert_eq!(
            e(Options {
                rx_frame_size: Some(1000),
                ..Options::default()
            })
            .to_string(),
            "rx frame size 1000 must be a multiple of 16 and at least 96 bytes"
        );
        assert!(matches!(
            e(Options {
                tx_frame_size: Some(64),
                ..Options::default()
            }),
            ConfigError::FrameSize { ring: "tx", .. }
        ));
        assert_eq!(
            e(Options {
                tx_frames_per_block: Some(0),
                ..Options::default()
            })
            .to_string(),
            "tx frames per block must be at least 1"
        );
        assert_eq!(
            e(Options {
                rx_blocks: Some(0),
                ..Options::default()
            })
            .to_string(),
            "rx blocks must be at least 1"
        );
        assert_eq!(
            e(Options {
                rx_frames_per_block: Some(33),
                ..Options::default()
            })
            .to_string(),
            "rx block size 67584 (frame size 2048 × 33 per block) must be a multiple of the page size 4096"
        );
        assert!(matches!(
            e(Options {
                tx_frames_per_block: Some(1 << 20),
                ..Options::default()
            }),
            ConfigError::RingSize { ring: "tx", .. }
        ));
        assert_eq!(
            e(Options {
                rx_queues: 0,
                ..Options::default()
            }),
            ConfigError::RxQueues(0)
        );
        assert_eq!(
            e(Options {
                rx_queues: 257,
                ..Options::default()
            })
            .to_string(),
            "number of rx queues 257 must be between 1 and 256"
        );
        assert_eq!(
            e(Options {
                retire_blk_tov_ms: 0,
                ..Options::default()
            }),
            ConfigError::RetireTimeout(0)
        );
    }

    use crate::pool::{PageSize, PoolConfig};
    use etherparse::PacketBuilder;

    fn pool(buffers: u32) -> Arc<Pool> {
        Pool::new(PoolConfig {
            buffers,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .unwrap()
    }

    fn ctx<'a>(
        pool: &'a Pool,
        cache: &'a mut PoolCache,
        out: &'a mut Vec<Buf>,
        max: usize,
    ) -> RxCtx<'a> {
        RxCtx {
            pool,
            cache,
            out,
            max,
            sw_if_index: 7,
            headroom: pool.config().headroom as u16,
            capacity: pool.frame_size() - pool.config().headroom as usize,
            r: RxResult::default(),
            t: Tally([0; N_COUNTERS]),
        }
    }

    fn hdr(len: usize, vlan: Option<u16>) -> ring::FrameHdr {
        ring::FrameHdr {
            status: ring::TP_STATUS_USER
                | if vlan.is_some() {
                    ring::TP_STATUS_VLAN_VALID | ring::TP_STATUS_VLAN_TPID_VALID
                } else {
                    0
                },
            len: len as u32,
            snaplen: len as u32,
            vlan_tci: vlan.unwrap_or(0),
            vlan_tpid: if vlan.is_some() { 0x8100 } else { 0 },
            ..ring::FrameHdr::default()
        }
    }

    fn builder() -> etherparse::PacketBuilderStep<etherparse::IpHeaders> {
        PacketBuilder::ethernet2([2, 0xfe, 0, 0, 0, 1], [2, 0xfe, 0, 0, 0, 2]).ipv4(
            [10, 100, 0, 1],
            [10, 100, 0, 2],
            64,
        )
    }

    /// A TCPv4 super-frame of `n` payload bytes, as GSO hands it over.
    fn superframe(n: usize) -> (Vec<u8>, Vec<u8>, VnetHdr) {
        let pl: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        let mut f = Vec::new();
        builder()
            .tcp(1, 2, 100, 512)
            .ack(5)
            .write(&mut f, &pl)
            .unwrap();
        let h = VnetHdr {
            flags: VnetHdr::F_NEEDS_CSUM,
            gso_type: VnetHdr::GSO_TCPV4,
            hdr_len: 54,
            gso_size: 1000,
            csum_start: 34,
            csum_offset: 16,
        };
        (f, pl, h)
    }

    #[test]
    fn rx_completes_checksum_and_restores_the_tag() {
        let pool = pool(16);
        let mut cache = pool.cache();
        let mut out = Vec::new();
        let mut good = Vec::new();
        builder()
            .udp(53, 1053)
            .write(&mut good, b"hello, odd")
            .unwrap();
        // veth's partial checksum: the field holds the pseudo-header sum.
        let mut partial = good.clone();
        let ph = crate::wire::checksum::pseudo_header_v4(
            &[10, 100, 0, 1].into(),
            &[10, 100, 0, 2].into(),
            17,
            18,
        );
        partial[40..42].copy_from_slice(&ph.to_be_bytes());
        let v = VnetHdr {
            flags: VnetHdr::F_NEEDS_CSUM,
            csum_start: 34,
            csum_offset: 6,
            ..VnetHdr::default()
        };
        let f = RxFrame {
            hdr: hdr(partial.len(), Some(0x2064)),
            data: &partial,
            vnet: Some(v),
        };
        let mut c = ctx(&pool, &mut cache, &mut out, 256);
        assert!(matches!(c.frame(&f, 0), Step::Done));
        let (r, t) = (c.r, c.t.0);
        assert_eq!((r.received, r.bytes), (1, good.len() as u64 + 4));
        assert_eq!(t[Counter::Frames as usize], 1);
        assert_eq!(t[Counter::ChecksumsCompleted as usize], 1);
        assert_eq!(t[Counter::VlanRestored as usize], 1);
        let got = pool.data(&out[0]);
        assert_eq!(&got[..12], &good[..12]);
        assert_eq!(&got[12..16], &[0x81, 0x00, 0x20, 0x64]);
        assert_eq!(&got[16..], &good[12..]);
        let m = pool.meta(&out[0]);
        assert_eq!((m.rx_if, m.data_offset), (7, 256));
        cache.free_all(&mut out);
        assert_eq!(pool.in_use(), 0);
    }

    #[test]
    fn rx_resumes_a_superframe_when_out_of_room() {
        let pool = pool(64);
        let mut cache = pool.cache();
        let (f, pl, v) = superframe(4500);
        let frame = RxFrame {
            hdr: hdr(f.len(), None),
            data: &f,
            vnet: Some(v),
        };
        let mut out = Vec::new();
        let mut c = ctx(&pool, &mut cache, &mut out, 2);
        assert!(matches!(c.frame(&frame, 0), Step::Partial(2)));
        let t1 = c.t.0;
        let mut c = ctx(&pool, &mut cache, &mut out, 10);
        assert!(matches!(c.frame(&frame, 2), Step::Done));
        assert_eq!(c.r.received, 3);
        let t2 = c.t.0;
        assert_eq!(
            t1[Counter::Frames as usize] + t2[Counter::Frames as usize],
            1
        );
        assert_eq!(
            t1[Counter::GsoFrames as usize] + t2[Counter::GsoFrames as usize],
            1
        );
        assert_eq!(
            t1[Counter::Segments as usize] + t2[Counter::Segments as usize],
            5
        );
        let mut got = Vec::new();
        for (k, b) in out.iter().enumerate() {
            let d = pool.data(b);
            let (ip, rest) = etherparse::Ipv4Header::from_slice(&d[14..]).unwrap();
            let (tcp, p) = etherparse::TcpHeader::from_slice(rest).unwrap();
            assert_eq!(tcp.checksum, tcp.calc_checksum_ipv4(&ip, p).unwrap());
            assert_eq!(tcp.sequence_number, 100 + 1000 * k as u32);
            got.extend_from_slice(p);
        }
        assert_eq!(got, pl);
        cache.free_all(&mut out);
        assert_eq!(pool.in_use(), 0);
    }

    #[test]
    fn rx_drops_and_counts() {
        let pool = pool(2);
        let mut cache = pool.cache();
        let mut out = Vec::new();
        let (f, _, v) = superframe(4500);
        // Truncated by the ring.
        let mut h = hdr(f.len(), None);
        h.len += 1;
        let mut c = ctx(&pool, &mut cache, &mut out, 256);
        c.frame(
            &RxFrame {
                hdr: h,
                data: &f,
                vnet: Some(v),
            },
            0,
        );
        // Larger than a buffer, without GSO.
        c.frame(
            &RxFrame {
                hdr: hdr(f.len(), None),
                data: &f,
                vnet: None,
            },
            0,
        );
        // A segment larger than a buffer.
        let big = VnetHdr {
            gso_size: 4000,
            ..v
        };
        c.frame(
            &RxFrame {
                hdr: hdr(f.len(), None),
                data: &f,
                vnet: Some(big),
            },
            0,
        );
        // UFO is refused.
        let ufo = VnetHdr {
            gso_type: VnetHdr::GSO_UDP,
            ..v
        };
        c.frame(
            &RxFrame {
                hdr: hdr(f.len(), None),
                data: &f,
                vnet: Some(ufo),
            },
            0,
        );
        // Checksum offsets out of the frame.
        let bad = VnetHdr {
            flags: 1,
            csum_start: 60,
            csum_offset: 16,
            ..VnetHdr::default()
        };
        c.frame(
            &RxFrame {
                hdr: hdr(60, None),
                data: &f[..60],
                vnet: Some(bad),
            },
            0,
        );
        // Two buffers for five segments.
        c.frame(
            &RxFrame {
                hdr: hdr(f.len(), None),
                data: &f,
                vnet: Some(v),
            },
            0,
        );
        let (r, t) = (c.r, c.t.0);
        assert_eq!(t[Counter::Frames as usize], 6);
        assert_eq!(t[Counter::TooBigRing as usize], 1);
        assert_eq!(t[Counter::TooBigBuffer as usize], 2);
        assert_eq!(t[Counter::GsoType as usize], 1);
        assert_eq!(t[Counter::CsumOffsets as usize], 1);
        assert_eq!((r.received, r.no_buf, r.miss), (2, 3, 3));
        cache.free_all(&mut out);
        assert_eq!(pool.in_use(), 0);
    }

    #[test]
    fn every_counter_has_a_distinct_description() {
        let mut d: Vec<_> = Counter::DESCS.iter().map(|c| c.description).collect();
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), N_COUNTERS);
    }
}
