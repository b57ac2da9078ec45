//! Packet captures in pcap files (`pcap trace`, VPP's
//! `src/vnet/interface_cli.c`): what the workers record, and the file the
//! control plane writes.
//!
//! # Design
//!
//! A capture is one [`Capture`]: what to capture ([`Spec`]) and room for
//! exactly `max` records of `max-bytes-per-pkt` bytes, allocated by the
//! control plane when the capture starts. It reaches the workers in the
//! configuration snapshot ([`Tables::pcap`]); without a capture that field
//! is `None`, and each capture point tests it once per vector (an input
//! node once per port it polls), so with captures off the cost is one
//! test of a pointer per vector and capture point. The recording
//! functions are `#[cold]` and never inlined, as the trace functions are.
//!
//! While a capture is on, a captured packet claims the next record with
//! one compare-and-swap on the capture's counter (so `max` holds exactly,
//! across workers), copies at most `max-bytes-per-pkt` bytes into it with
//! plain relaxed stores, and stores the record's time stamp last, with
//! release ordering: a non-zero stamp marks a complete record. No lock, no
//! allocation, no formatting on the worker. `pcap trace off` closes the
//! capture ([`Capture::close`]: no more claims), waits for records being
//! written, and writes the file from the control plane ([`PcapWriter`]):
//! classic libpcap, microsecond time stamps, LINKTYPE_ETHERNET, records
//! in the order they were claimed.
//!
//! The capture points:
//!
//! * **rx**: the input nodes, each frame as the driver delivered it, before
//!   anything parsed it (a VXLAN packet with its outer headers; an 802.1Q
//!   tag the device took out of the frame is back in it), on the device's
//!   interface; and ethernet-input for frames a BVI receives from its
//!   bridge.
//! * **tx**: interface-output, each frame as handed to the device (outer
//!   headers of an encapsulated packet included, a sub-interface's tag
//!   pushed), or sent by a BVI into its bridge. A frame is on its
//!   sub-interface and on the parent for `intfc`.
//! * **drop**: error-drop, the frame as it was when dropped, from its
//!   Ethernet header ([`dropped_frame`]), followed by the reason as VPP
//!   appends it: `<node>: <counter name>` in ASCII (counted in the
//!   record's original length, as VPP does). Filtered on the receive
//!   interface.
//!
//! Every path crosses these points: vxlan4-fastpath runs between an input
//! node and interface-output, so its packets are captured on the way in
//! and out like any other; weft's XDP program cannot capture, so the XDP
//! fast path hands a captured interface's packets to the graph while a
//! capture with rx or tx is on ([`Capture::hides`]).
//!
//! [`Tables::pcap`]: crate::tables::Tables::pcap

use std::io::{self, Write};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::graph::NodeInfo;
use crate::pool::{Buf, PoolView};

/// `max` when none is given (VPP's default).
pub const DEFAULT_MAX: u32 = 1000;
/// `max-bytes-per-pkt` when none is given (VPP's default).
pub const DEFAULT_MAX_BYTES: u32 = 512;
/// Smallest `max-bytes-per-pkt`.
pub const MIN_BYTES: u32 = 32;
/// Largest `max-bytes-per-pkt`.
pub const MAX_BYTES: u32 = 9000;
/// Most memory one capture's records may take.
pub const MAX_MEMORY: usize = 1 << 30;
/// The pcap file's snapshot length (VPP writes 65536).
pub const SNAPLEN: u32 = 1 << 16;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Length of an Ethernet header, in front of the L3 header a drop is
/// rewound to.
const ETHERNET_HEADER: usize = 14;

/// Where packets are captured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Points {
    /// Frames received.
    pub rx: bool,
    /// Frames transmitted.
    pub tx: bool,
    /// Frames dropped.
    pub drop: bool,
}

impl Points {
    /// True when nothing is captured.
    pub fn is_empty(&self) -> bool {
        !(self.rx || self.tx || self.drop)
    }

    /// VPP's words for them in `pcap trace status`: `rx and tx and drop`.
    pub fn words(&self) -> String {
        let on: Vec<&str> = [(self.rx, "rx"), (self.tx, "tx"), (self.drop, "drop")]
            .iter()
            .filter(|p| p.0)
            .map(|p| p.1)
            .collect();
        on.join(" and ")
    }

    /// The default file's stem (`rx`, `rxtx`, `rxtxdrop`, ...), as VPP
    /// names `/tmp/<stem>.pcap`.
    pub fn stem(&self) -> String {
        self.words().replace(" and ", "")
    }
}

/// What a capture records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Where.
    pub points: Points,
    /// On this interface only (`None`: any).
    pub sw_if_index: Option<u32>,
    /// At most this many packets.
    pub max: u32,
    /// At most this many bytes of each.
    pub max_bytes: u32,
}

/// Why a capture cannot start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CaptureError {
    /// `max-bytes-per-pkt` out of range (VPP's message, which says `>` and
    /// `<` although both ends are allowed).
    #[error("Max bytes per pkt must be > 32, < 9000...")]
    MaxBytes,
    /// The records would take more memory than [`MAX_MEMORY`].
    #[error(
        "{max} packets of {max_bytes} bytes need {mib} MiB, more than the 1024 MiB a capture may take..."
    )]
    TooLarge {
        /// `max`.
        max: u32,
        /// `max-bytes-per-pkt`.
        max_bytes: u32,
        /// MiB needed.
        mib: usize,
    },
}

/// One capture: its [`Spec`] and its records (see the module docs).
pub struct Capture {
    spec: Spec,
    /// Records claimed so far (never more than `spec.max`; `max` once
    /// closed).
    claimed: AtomicU32,
    /// Records claimed when the capture was closed.
    closed_at: AtomicU32,
    /// Words per record: the lengths, the time stamp, the bytes.
    slot_words: usize,
    /// `max` records of `slot_words` words.
    words: Box<[AtomicU64]>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("spec", &self.spec)
            .field("captured", &self.captured())
            .finish_non_exhaustive()
    }
}

/// Record word 0: captured length (low half) and original length.
const W_LENGTHS: usize = 0;
/// Record word 1: microseconds since the epoch; 0 until complete.
const W_STAMP: usize = 1;
/// Record words 2..: the bytes, little-endian, eight per word.
const W_DATA: usize = 2;

impl Capture {
    /// A capture with room for `spec.max` records.
    pub fn new(spec: Spec) -> Result<Capture, CaptureError> {
        if !(MIN_BYTES..=MAX_BYTES).contains(&spec.max_bytes) {
            return Err(CaptureError::MaxBytes);
        }
        let slot_words = W_DATA + (spec.max_bytes as usize).div_ceil(8);
        let bytes = spec.max as usize * slot_words * 8;
        if bytes > MAX_MEMORY {
            return Err(CaptureError::TooLarge {
                max: spec.max,
                max_bytes: spec.max_bytes,
                mib: bytes.div_ceil(1 << 20),
            });
        }
        let words = std::iter::repeat_with(|| AtomicU64::new(0))
            .take(spec.max as usize * slot_words)
            .collect();
        Ok(Capture {
            spec,
            claimed: AtomicU32::new(0),
            closed_at: AtomicU32::new(u32::MAX),
            slot_words,
            words,
        })
    }

    /// What it records.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    #[inline]
    fn on(&self, sw_if_index: u32) -> bool {
        self.spec.sw_if_index.is_none_or(|s| s == sw_if_index)
    }

    /// Whether frames received on `sw_if_index` are captured.
    #[inline]
    pub fn rx_on(&self, sw_if_index: u32) -> bool {
        self.spec.points.rx && self.on(sw_if_index)
    }

    /// Whether frames sent on `sw_if_index` are captured.
    #[inline]
    pub fn tx_on(&self, sw_if_index: u32) -> bool {
        self.spec.points.tx && self.on(sw_if_index)
    }

    /// Whether frames received on `sw_if_index` and dropped are captured.
    #[inline]
    pub fn drop_on(&self, sw_if_index: u32) -> bool {
        self.spec.points.drop && self.on(sw_if_index)
    }

    /// Whether packets of device `sw_if_index` must reach the graph to be
    /// captured: rx or tx on it. (The XDP fast path never drops, so a
    /// drop capture leaves it on.)
    pub fn hides(&self, sw_if_index: u32) -> bool {
        (self.spec.points.rx || self.spec.points.tx) && self.on(sw_if_index)
    }

    /// Packets captured so far (claimed when closed, once closed).
    pub fn captured(&self) -> u32 {
        match self.closed_at.load(Ordering::Acquire) {
            u32::MAX => self.claimed.load(Ordering::Relaxed).min(self.spec.max),
            n => n,
        }
    }

    /// The next free record, if any: one compare-and-swap.
    #[inline]
    fn claim(&self) -> Option<usize> {
        let mut n = self.claimed.load(Ordering::Relaxed);
        loop {
            if n >= self.spec.max {
                return None;
            }
            match self
                .claimed
                .compare_exchange_weak(n, n + 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(n as usize),
                Err(now) => n = now,
            }
        }
    }

    /// Records `frame` followed by `trailer` (cut at `max-bytes-per-pkt`)
    /// in the next free record. False when the capture is full or closed.
    #[cold]
    #[inline(never)]
    pub fn record(&self, frame: &[u8], trailer: &[u8]) -> bool {
        let Some(i) = self.claim() else {
            return false;
        };
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_micros() as u64)
            .max(1);
        let orig = frame.len() + trailer.len();
        let caplen = orig.min(self.spec.max_bytes as usize);
        let slot = &self.words[i * self.slot_words..][..self.slot_words];
        slot[W_LENGTHS].store(caplen as u64 | (orig as u64) << 32, Ordering::Relaxed);
        let data = &slot[W_DATA..];
        // Whole words of the frame first, then the rest byte by byte.
        let whole = frame.len().min(caplen) / 8;
        for (w, c) in data.iter().zip(frame.chunks_exact(8)).take(whole) {
            w.store(
                u64::from_le_bytes(c.try_into().expect("8 bytes")),
                Ordering::Relaxed,
            );
        }
        let (mut acc, mut k) = (0u64, 0usize);
        let mut word = whole;
        for &b in frame[whole * 8..]
            .iter()
            .chain(trailer)
            .take(caplen - whole * 8)
        {
            acc |= u64::from(b) << (8 * k);
            k += 1;
            if k == 8 {
                data[word].store(acc, Ordering::Relaxed);
                (acc, k, word) = (0, 0, word + 1);
            }
        }
        if k > 0 {
            data[word].store(acc, Ordering::Relaxed);
        }
        slot[W_STAMP].store(stamp, Ordering::Release);
        true
    }

    /// Closes the capture: no packet is recorded after this. Returns the
    /// number of records claimed (some may still be being written: see
    /// [`Capture::wait`]). Closing again returns the same number.
    pub fn close(&self) -> u32 {
        let n = self.claimed.swap(self.spec.max, Ordering::AcqRel);
        match self
            .closed_at
            .compare_exchange(u32::MAX, n, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => n,
            Err(first) => first,
        }
    }

    fn complete(&self, i: usize) -> bool {
        self.words[i * self.slot_words + W_STAMP].load(Ordering::Acquire) != 0
    }

    /// After [`Capture::close`]: waits (at most `timeout`) until the first
    /// `n` records are complete, and returns how many are (a worker that
    /// claimed one and was then stopped may never finish it).
    pub fn wait(&self, n: u32, timeout: Duration) -> u32 {
        let deadline = Instant::now() + timeout;
        loop {
            let done = (0..n as usize).filter(|&i| self.complete(i)).count() as u32;
            if done == n || Instant::now() >= deadline {
                return done;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The complete records among the first `n`, in claim order: (time
    /// stamp in microseconds since the epoch, original length, bytes).
    pub fn records(&self, n: u32) -> impl Iterator<Item = (u64, u32, Vec<u8>)> + '_ {
        (0..n as usize).filter_map(move |i| {
            let slot = &self.words[i * self.slot_words..][..self.slot_words];
            let stamp = slot[W_STAMP].load(Ordering::Acquire);
            if stamp == 0 {
                return None;
            }
            let lengths = slot[W_LENGTHS].load(Ordering::Relaxed);
            let (caplen, orig) = (lengths as u32 as usize, (lengths >> 32) as u32);
            let mut bytes = Vec::with_capacity(caplen.next_multiple_of(8));
            for w in &slot[W_DATA..][..caplen.div_ceil(8)] {
                bytes.extend_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
            }
            bytes.truncate(caplen);
            Some((stamp, orig, bytes))
        })
    }

    /// Writes the complete records among the first `n` as a pcap file.
    /// Returns how many it wrote.
    pub fn write_pcap(&self, n: u32, w: impl Write) -> io::Result<u32> {
        let mut out = PcapWriter::new(w)?;
        let mut written = 0;
        for (stamp, orig, bytes) in self.records(n) {
            out.packet(stamp, orig, &bytes)?;
            written += 1;
        }
        out.finish()?;
        Ok(written)
    }
}

/// Captures `bufs` (received or sent) as their data stands: one record
/// each, until the capture is full.
#[cold]
#[inline(never)]
pub fn capture_bufs(cap: &Capture, pool: PoolView<'_>, bufs: &[Buf]) {
    for b in bufs {
        if !cap.record(pool.data(b), &[]) {
            return;
        }
    }
}

/// The nodes that drop with their data past the Ethernet header of the
/// frame ethernet-input dispatched (at its L3 header or beyond); every
/// other node drops at an Ethernet header (ethernet-input before it
/// advances, the L2 nodes at the inner frame, the encap nodes before
/// they prepend, interface-output at the frame it would send).
pub const L3_NODES: &[&str] = &[
    "ip4-input",
    "ip4-local",
    "ip4-udp-lookup",
    "ip4-icmp-input",
    "arp-reply",
    "vxlan4-input",
    "ip6-input",
    "ip6-icmp-input",
    "vxlan6-input",
];

/// The frame of a buffer being dropped, from its Ethernet header: the data
/// as it stands, or, for a drop by one of the [`L3_NODES`] (`l3`), from
/// the Ethernet header in front of the L3 header ethernet-input recorded.
/// VPP rewinds the same way to the L2 header its ethernet-input recorded.
pub fn dropped_frame<'b>(pool: PoolView<'b>, b: &'b Buf, l3: bool) -> &'b [u8] {
    let m = *pool.meta(b);
    let (data, l3_at) = (m.data_offset as usize, m.l3_offset as usize);
    let start = if l3 && l3_at >= ETHERNET_HEADER && data >= l3_at {
        l3_at - ETHERNET_HEADER
    } else {
        data
    };
    &pool.frame(b)[start..data + m.len as usize]
}

/// What error-drop needs to record the drops of one node.
#[derive(Debug, Default)]
pub struct DropNode {
    /// By counter: `<node>: <counter name>`, as VPP appends it.
    pub reasons: Vec<Box<[u8]>>,
    /// The node is one of [`L3_NODES`].
    pub l3: bool,
}

/// For each node, by graph index, the reasons error-drop appends to its
/// dropped frames in a drop capture: `<node>: <counter name>`, the
/// counter's symbolic name in VPP's lower snake case
/// (`vxlan4-input: no_such_tunnel`). Built once, with the graph.
pub fn drop_nodes(nodes: &[&'static NodeInfo]) -> Vec<DropNode> {
    nodes
        .iter()
        .map(|n| DropNode {
            reasons: n
                .counters
                .iter()
                .map(|c| {
                    format!("{}: {}", n.name, snake_case(c.name))
                        .into_bytes()
                        .into()
                })
                .collect(),
            l3: L3_NODES.contains(&n.name),
        })
        .collect()
}

/// `NoSuchTunnel` → `no_such_tunnel`, `L3MacMismatch` → `l3_mac_mismatch`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// Writes a classic pcap file: the 24-byte header (magic `a1b2c3d4` in
/// little-endian, version 2.4, snapshot length [`SNAPLEN`],
/// LINKTYPE_ETHERNET), then one 16-byte header and the bytes per packet.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: io::BufWriter<W>,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(w: W) -> io::Result<Self> {
        let mut out = io::BufWriter::new(w);
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
        h[20..24].copy_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out })
    }

    /// One packet: time stamp (microseconds since the epoch), its length
    /// on the wire, the bytes kept.
    pub fn packet(&mut self, micros: u64, orig_len: u32, bytes: &[u8]) -> io::Result<()> {
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&((micros / 1_000_000) as u32).to_le_bytes());
        h[4..8].copy_from_slice(&((micros % 1_000_000) as u32).to_le_bytes());
        h[8..12].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(bytes)
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One packet of a pcap file read back by [`read_pcap`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcapPacket {
    /// Microseconds since the epoch.
    pub micros: u64,
    /// Length on the wire.
    pub orig_len: u32,
    /// The bytes kept.
    pub data: Vec<u8>,
}

/// Reads a little-endian microsecond pcap file as [`PcapWriter`] writes
/// it: (link type, packets). `None` if it is not one.
pub fn read_pcap(bytes: &[u8]) -> Option<(u32, Vec<PcapPacket>)> {
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    if u32_at(bytes, 0)? != 0xa1b2_c3d4 {
        return None;
    }
    let link = u32_at(bytes, 20)?;
    let mut at = 24;
    let mut out = Vec::new();
    while at < bytes.len() {
        let (sec, usec) = (u32_at(bytes, at)?, u32_at(bytes, at + 4)?);
        let (incl, orig) = (u32_at(bytes, at + 8)? as usize, u32_at(bytes, at + 12)?);
        let data = bytes.get(at + 16..at + 16 + incl)?.to_vec();
        out.push(PcapPacket {
            micros: u64::from(sec) * 1_000_000 + u64::from(usec),
            orig_len: orig,
            data,
        });
        at += 16 + incl;
    }
    Some((link, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(max: u32, max_bytes: u32) -> Spec {
        Spec {
            points: Points {
                rx: true,
                tx: true,
                drop: false,
            },
            sw_if_index: None,
            max,
            max_bytes,
        }
    }

    /// The file header and a packet record, byte for byte (libpcap's
    /// classic format, little-endian, microseconds).
    #[test]
    fn writer_header_and_record_bytes() {
        let mut out = Vec::new();
        let mut w = PcapWriter::new(&mut out).unwrap();
        w.packet(1_700_000_000_123_456, 98, &[0xde, 0xad, 0xbe])
            .unwrap();
        w.finish().unwrap();
        assert_eq!(
            out,
            [
                // magic a1b2c3d4 (little-endian), version 2.4, thiszone 0,
                // sigfigs 0, snaplen 65536, LINKTYPE_ETHERNET
                0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, //
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
                0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, //
                // ts_sec 1700000000, ts_usec 123456, incl_len 3, orig_len 98
                0x00, 0xf1, 0x53, 0x65, 0x40, 0xe2, 0x01, 0x00, //
                0x03, 0x00, 0x00, 0x00, 0x62, 0x00, 0x00, 0x00, //
                0xde, 0xad, 0xbe,
            ]
        );
    }

    #[test]
    fn records_keep_max_bytes_and_the_original_length() {
        let cap = Capture::new(spec(4, 32)).unwrap();
        let frame: Vec<u8> = (0..100).collect();
        assert!(cap.record(&frame, &[]));
        assert!(cap.record(&frame[..13], b"x: y"));
        assert!(cap.record(&frame[..30], b"node: reason"));
        assert_eq!(cap.captured(), 3);
        let n = cap.close();
        assert_eq!(n, 3);
        assert_eq!(cap.wait(n, Duration::from_millis(10)), 3);
        let mut file = Vec::new();
        assert_eq!(cap.write_pcap(n, &mut file).unwrap(), 3);
        let (link, packets) = read_pcap(&file).unwrap();
        assert_eq!(link, LINKTYPE_ETHERNET);
        assert_eq!(packets[0].orig_len, 100);
        assert_eq!(packets[0].data, frame[..32]);
        assert_eq!(packets[1].orig_len, 17);
        assert_eq!(packets[1].data, [&frame[..13], b"x: y"].concat());
        // The trailer is cut at max-bytes-per-pkt too; it counts in the
        // original length, as in VPP.
        assert_eq!(packets[2].orig_len, 42);
        assert_eq!(packets[2].data, [&frame[..30], b"no"].concat());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64;
        assert!(
            packets
                .iter()
                .all(|p| p.micros <= now && p.micros + 10_000_000 > now)
        );
    }

    #[test]
    fn max_holds_and_close_stops_recording() {
        let cap = Capture::new(spec(2, 64)).unwrap();
        assert!(cap.record(&[1; 60], &[]));
        assert!(cap.record(&[2; 60], &[]));
        assert!(!cap.record(&[3; 60], &[]), "full");
        assert_eq!(cap.captured(), 2);
        assert_eq!(cap.close(), 2);
        assert_eq!(cap.close(), 2, "closing again");
        let cap = Capture::new(spec(5, 64)).unwrap();
        assert!(cap.record(&[1; 60], &[]));
        assert_eq!(cap.close(), 1);
        assert!(!cap.record(&[2; 60], &[]), "closed");
        assert_eq!(cap.captured(), 1);
    }

    /// Four threads racing for 1000 records: exactly 1000, each whole.
    #[test]
    fn max_is_exact_across_threads() {
        let cap = std::sync::Arc::new(Capture::new(spec(1000, 64)).unwrap());
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                let cap = cap.clone();
                std::thread::spawn(move || (0..400).filter(|_| cap.record(&[t; 61], &[])).count())
            })
            .collect();
        let took: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(took, 1000);
        let n = cap.close();
        assert_eq!(n, 1000);
        let records: Vec<_> = cap.records(n).collect();
        assert_eq!(records.len(), 1000);
        for (_, orig, bytes) in records {
            assert_eq!(orig, 61);
            assert!(bytes.len() == 61 && bytes.iter().all(|&b| b == bytes[0]));
        }
    }

    #[test]
    fn bad_sizes_are_refused_with_vpps_message() {
        for bytes in [0, 31, 9001] {
            assert_eq!(
                Capture::new(spec(10, bytes)).unwrap_err().to_string(),
                "Max bytes per pkt must be > 32, < 9000..."
            );
        }
        assert!(Capture::new(spec(10, 32)).is_ok());
        assert!(Capture::new(spec(10, 9000)).is_ok());
        assert_eq!(
            Capture::new(spec(200_000, 9000)).unwrap_err().to_string(),
            "200000 packets of 9000 bytes need 1720 MiB, more than the 1024 MiB a capture may take..."
        );
    }

    #[test]
    fn points_words_and_default_stems() {
        let p = |rx, tx, drop| Points { rx, tx, drop };
        assert_eq!(p(true, true, false).words(), "rx and tx");
        assert_eq!(p(true, true, true).words(), "rx and tx and drop");
        assert_eq!(p(false, false, true).words(), "drop");
        assert_eq!(p(true, true, false).stem(), "rxtx");
        assert_eq!(p(true, false, true).stem(), "rxdrop");
    }

    #[test]
    fn symbolic_names() {
        assert_eq!(snake_case("NoSuchTunnel"), "no_such_tunnel");
        assert_eq!(snake_case("L3MacMismatch"), "l3_mac_mismatch");
        assert_eq!(snake_case("no_such_tunnel"), "no_such_tunnel");
    }

    #[test]
    fn filters() {
        let mut s = spec(10, 64);
        s.sw_if_index = Some(3);
        s.points.drop = true;
        let cap = Capture::new(s).unwrap();
        assert!(cap.rx_on(3) && cap.tx_on(3) && cap.drop_on(3));
        assert!(!cap.rx_on(4) && !cap.tx_on(4) && !cap.drop_on(4));
        assert!(cap.hides(3) && !cap.hides(4));
        s.points = Points {
            drop: true,
            ..Points::default()
        };
        assert!(!Capture::new(s).unwrap().hides(3), "drops are never in XDP");
    }
}
