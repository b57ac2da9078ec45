//! The AF_XDP driver: one socket per (interface, queue), receiving into
//! and transmitting from the buffer pool itself.
//!
//! # Design
//!
//! ```text
//!   pool region (hugepages or normal pages, one mmap)
//!   ├── registered as the UMEM of every socket (VPP does the same)
//!   │
//!   │  fill ring  ──▶ kernel writes frames at  index × frame_size + 256
//!   │  rx ring    ◀── (addr, len): buffer index = addr >> shift,
//!   │                 data offset = addr & (frame_size - 1)
//!   │  tx ring    ──▶ (index × frame_size + data offset, len)
//!   │  completion ◀── addr of each sent frame: the buffer is free again
//! ```
//!
//! * Every socket registers the **whole pool** as its UMEM, so a buffer
//!   received on one interface can be sent on any other without a copy, and
//!   headers pushed or popped in place (VXLAN encap/decap) are sent from
//!   their new start: the descriptor carries the data offset.
//! * The sockets are created with libxdp (`libxdp-sys`, the binding that
//!   xsk-rs 0.11 itself uses) and `XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD`:
//!   weft attaches its own steering program ([`super::xdp_prog`]) and puts
//!   each socket in its `xsks_map`. xsk-rs's own descriptor type cannot
//!   carry an address other than a frame's fixed data start, which would
//!   force a copy of every encapsulated frame; see docs/af_xdp.md.
//! * A buffer given to the kernel (fill or tx ring) is given up as a raw
//!   index and marked in a bitset; it becomes a [`Buf`] again only when the
//!   kernel returns that index (rx or completion ring) and the bit is set.
//!   A descriptor for an index weft did not give is counted and ignored, so
//!   a kernel bug cannot alias a buffer. On close, every index still marked
//!   goes back to the pool: nothing leaks.
//! * `need_wakeup` is always requested: the fill ring is kicked with
//!   `recvfrom` and the tx ring with `sendto` only when the kernel asks.
//!
//! # Limitations
//!
//! * Single-buffer frames: a frame is at most `frame_size - headroom` bytes
//!   (3840 with the defaults: 4096-byte frames, 256 bytes of headroom,
//!   which is also where the kernel puts received data; see
//!   [`max_frame_len`]).
//! * One worker per socket: the rings are single-producer/single-consumer.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::ptr;
use std::sync::Arc;

use libxdp_sys as sys;

use crate::pool::{Buf, Pool, PoolCache};
use crate::port::{Port, RxResult, TxResult};

/// Name of the AF_XDP input node.
pub const INPUT_NODE: &str = "af_xdp-input";

/// Default ring size (VPP's: 2 × VLIB_FRAME_SIZE).
pub const DEFAULT_QUEUE_SIZE: u32 = 512;

/// Frames one copy-mode `sendto` transmits at most (the kernel's default
/// `XDP_MAX_TX_SKB_BUDGET`, `TX_BATCH_SIZE` before Linux 6.17).
const COPY_MODE_TX_BUDGET: u32 = 32;

/// `XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD` (libxdp's xsk.h).
const INHIBIT_PROG_LOAD: u32 = 1;

/// How the kernel moves frames between the NIC and the UMEM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CopyMode {
    /// Zero-copy if the driver supports it, else copy (VPP's default).
    #[default]
    Auto,
    /// Force copy mode (`no-zero-copy`).
    Copy,
    /// Force zero-copy; fails where the driver has none (`zero-copy`).
    ZeroCopy,
}

/// Parameters of one socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketConfig {
    /// Linux interface name.
    pub ifname: String,
    /// Queue id.
    pub queue: u32,
    /// Rx (and fill) ring size.
    pub rx_size: RingSize,
    /// Tx (and completion) ring size.
    pub tx_size: RingSize,
    /// Copy or zero-copy.
    pub mode: CopyMode,
}

impl SocketConfig {
    /// Defaults for `ifname` queue 0.
    pub fn new(ifname: &str) -> SocketConfig {
        SocketConfig {
            ifname: ifname.to_string(),
            queue: 0,
            rx_size: RingSize::DEFAULT,
            tx_size: RingSize::DEFAULT,
            mode: CopyMode::Auto,
        }
    }
}

/// Why a socket could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum AfXdpError {
    /// A ring size is out of range (VPP's message).
    #[error("queue size must be a power of two between 256 and 65535")]
    QueueSize,
    /// The interface name cannot be passed to the kernel.
    #[error("invalid interface name `{0}'")]
    Name(String),
    /// The pool's headroom is below the kernel's XDP headroom.
    #[error("buffer headroom {0} is below the kernel's XDP headroom of 256 bytes")]
    Headroom(u32),
    /// A system call failed.
    #[error("{call}: {source}")]
    Sys {
        /// The failing call.
        call: &'static str,
        /// The error.
        source: io::Error,
    },
}

fn sys_err(call: &'static str, ret: i32) -> AfXdpError {
    AfXdpError::Sys {
        call,
        source: io::Error::from_raw_os_error(-ret),
    }
}

/// Kernel statistics of a socket (`getsockopt(XDP_STATISTICS)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelStats {
    /// Frames dropped for lack of a fill-ring buffer.
    pub rx_dropped: u64,
    /// Invalid rx descriptors.
    pub rx_invalid_descs: u64,
    /// Invalid tx descriptors.
    pub tx_invalid_descs: u64,
    /// Frames dropped because the rx ring was full.
    pub rx_ring_full: u64,
    /// Times the fill ring was found empty.
    pub rx_fill_ring_empty_descs: u64,
    /// Times the tx ring was found empty.
    pub tx_ring_empty_descs: u64,
}

/// The four rings. Boxed: libxdp keeps pointers to them.
pub(crate) struct Rings {
    pub(crate) rx: sys::xsk_ring_cons,
    pub(crate) tx: sys::xsk_ring_prod,
    pub(crate) fill: sys::xsk_ring_prod,
    pub(crate) comp: sys::xsk_ring_cons,
}

impl Rings {
    fn zeroed() -> Box<Rings> {
        // SAFETY: four plain C structs of integers and pointers; all zeroes
        // is the state libxdp expects of a ring it has not set up yet.
        Box::new(unsafe { std::mem::zeroed() })
    }
}

/// Largest frame a socket can receive or send with this pool.
pub fn max_frame_len(pool: &Pool) -> usize {
    pool.frame_size() - pool.config().headroom as usize
}

/// One AF_XDP socket, owned by one worker.
pub struct AfXdpSocket {
    pool: Arc<Pool>,
    umem: *mut sys::xsk_umem,
    xsk: *mut sys::xsk_socket,
    rings: Box<Rings>,
    fd: RawFd,
    config: SocketConfig,
    frame_shift: u32,
    frame_mask: u64,
    /// Bit i set: buffer i is held by the kernel (fill or tx ring).
    kernel: Vec<u64>,
    held: usize,
    zero_copy: bool,
    polls: u32,
    /// `polls` when the kernel's statistics were last read.
    stats_poll: u32,
    last_stats: KernelStats,
    /// High-water mark of `rx_dropped - rx_fill_ring_empty_descs`: the
    /// drops other than an empty fill ring counted so far.
    other_drops_seen: u64,
    /// Descriptors the kernel returned for indices it was not given.
    pub bad_descs: u64,
}

// SAFETY: the socket, UMEM and rings are used only through `&mut self`,
// so by one thread at a time; libxdp keeps no thread-local state, and
// moving the struct between threads does not move the boxed rings that
// libxdp points to.
unsafe impl Send for AfXdpSocket {}

impl std::fmt::Debug for AfXdpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfXdpSocket")
            .field("ifname", &self.config.ifname)
            .field("queue", &self.config.queue)
            .field("fd", &self.fd)
            .field("zero_copy", &self.zero_copy)
            .field("held", &self.held)
            .finish()
    }
}

/// An AF_XDP ring size: a power of two in 256..=65535 (VPP's limits).
///
/// Checked once, where the number enters (the CLI, weft-pktgen's flags),
/// and carried in this form down to the socket, which does not check it
/// again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RingSize(u32);

impl RingSize {
    /// VPP's default (2 × VLIB_FRAME_SIZE).
    pub const DEFAULT: RingSize = RingSize::of(DEFAULT_QUEUE_SIZE);

    /// `n` as a ring size; the error carries VPP's message.
    pub fn new(n: u32) -> Result<RingSize, AfXdpError> {
        if Self::valid(n) {
            Ok(RingSize(n))
        } else {
            Err(AfXdpError::QueueSize)
        }
    }

    const fn valid(n: u32) -> bool {
        n >= 256 && n <= 65535 && n.is_power_of_two()
    }

    /// A ring size known at compile time.
    ///
    /// # Panics
    ///
    /// At compile time (in a const context) if `n` is not a ring size.
    pub const fn of(n: u32) -> RingSize {
        assert!(Self::valid(n), "not an AF_XDP ring size");
        RingSize(n)
    }

    /// The number of entries.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Parses a decimal ring size (for command-line parsers).
    pub fn parse(s: &str) -> Result<RingSize, String> {
        let n: u32 = s.parse().map_err(|e| format!("{s}: {e}"))?;
        RingSize::new(n).map_err(|e| e.to_string())
    }
}

impl std::fmt::Display for RingSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How long [`retry_busy`] keeps trying.
const BUSY_RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs `open` (an AF_XDP socket creation on `dev`) again while it fails
/// with `EBUSY`, for up to 2 s: the kernel releases a closed socket's hold
/// on its queue asynchronously (the buffer pool goes in deferred work), so
/// a socket opened right after another one on the same queue closed (a
/// delete then a create, two runs back to back) can find the queue still
/// taken for a few milliseconds. A queue held by a live socket still fails
/// after the 2 s; weftd refuses that case before, by the interface's
/// owner lock.
pub fn retry_busy<T, E: Busy>(dev: &str, mut open: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let deadline = std::time::Instant::now() + BUSY_RETRY;
    loop {
        match open() {
            Err(e) if e.busy() && std::time::Instant::now() < deadline => {
                log::info!("{dev}: AF_XDP queue busy, retrying");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

/// An error that may mean "the queue is still taken" ([`retry_busy`]).
pub trait Busy {
    /// True for `EBUSY` from the kernel.
    fn busy(&self) -> bool;
}

impl Busy for AfXdpError {
    fn busy(&self) -> bool {
        matches!(self, Self::Sys { source, .. } if source.raw_os_error() == Some(libc::EBUSY))
    }
}

impl Busy for super::xsk_tx::OpenError {
    fn busy(&self) -> bool {
        matches!(self, Self::Socket(e) if e.busy())
    }
}

/// What [`create`] binds: the interface and queue, the ring sizes and
/// where the kernel puts received data in a frame.
pub(crate) struct Binding<'a> {
    pub ifname: &'a str,
    pub queue: u32,
    /// Fill ring size (the kernel requires one even with no rx ring).
    pub fill_size: u32,
    /// Rx ring size; `None` for a transmit-only socket.
    pub rx_size: Option<u32>,
    /// Tx and completion ring size.
    pub tx_size: u32,
    /// Bytes the kernel leaves in front of received data, beyond its own
    /// XDP headroom.
    pub frame_headroom: u32,
    pub mode: CopyMode,
}

/// A UMEM and the socket using it, with the rings libxdp points into, the
/// socket's descriptor and whether the kernel bound it in zero-copy mode.
pub(crate) struct Created {
    pub umem: *mut sys::xsk_umem,
    pub xsk: *mut sys::xsk_socket,
    pub rings: Box<Rings>,
    pub fd: RawFd,
    pub zero_copy: bool,
}

/// Registers the whole of `pool` as a UMEM and opens a socket on it with
/// `need_wakeup`, loading no XDP program. The caller keeps an `Arc` of
/// `pool` and the returned pointers together and calls [`delete`] once,
/// before the pool can go.
pub(crate) fn create(pool: &Pool, b: &Binding<'_>) -> Result<Created, AfXdpError> {
    let ifname = CString::new(b.ifname).map_err(|_| AfXdpError::Name(b.ifname.to_string()))?;
    let mut rings = Rings::zeroed();
    let (base, len) = pool.region();
    let umem_config = sys::xsk_umem_config {
        fill_size: b.fill_size,
        comp_size: b.tx_size,
        frame_size: pool.frame_size() as u32,
        frame_headroom: b.frame_headroom,
        flags: 0,
    };
    let mut umem = ptr::null_mut();
    // SAFETY: `base`/`len` is the pool's mapping, page aligned and a whole
    // number of frames; the caller keeps the pool alive until [`delete`]
    // (see above). The ring structs are boxed, so the pointers libxdp keeps
    // stay valid wherever the Box moves, until then.
    let ret = unsafe {
        sys::xsk_umem__create(
            &mut umem,
            base.as_ptr().cast(),
            len as u64,
            &mut rings.fill,
            &mut rings.comp,
            &umem_config,
        )
    };
    if ret != 0 {
        return Err(sys_err("xsk_umem__create", ret));
    }
    let bind_flags = sys::XDP_USE_NEED_WAKEUP
        | match b.mode {
            CopyMode::Auto => 0,
            CopyMode::Copy => sys::XDP_COPY,
            CopyMode::ZeroCopy => sys::XDP_ZEROCOPY,
        };
    let socket_config = sys::xsk_socket_config {
        rx_size: b.rx_size.unwrap_or(0),
        tx_size: b.tx_size,
        __bindgen_anon_1: sys::xsk_socket_config__bindgen_ty_1 {
            libxdp_flags: INHIBIT_PROG_LOAD,
        },
        xdp_flags: 0,
        bind_flags: bind_flags as u16,
    };
    let rx: *mut sys::xsk_ring_cons = match b.rx_size {
        Some(_) => &mut rings.rx,
        None => ptr::null_mut(),
    };
    let mut xsk = ptr::null_mut();
    // SAFETY: `umem` was just created; `ifname` is NUL-terminated; a null
    // rx ring asks for a transmit-only socket (libxdp accepts one of rx/tx
    // being null); the boxed rings outlive the socket ([`delete`] removes
    // it first).
    let ret = unsafe {
        sys::xsk_socket__create(
            &mut xsk,
            ifname.as_ptr(),
            b.queue,
            umem,
            rx,
            &mut rings.tx,
            &socket_config,
        )
    };
    if ret != 0 {
        // SAFETY: no socket uses the UMEM; it is deleted exactly once.
        unsafe { sys::xsk_umem__delete(umem) };
        return Err(sys_err("xsk_socket__create", ret));
    }
    // SAFETY: `xsk` is a live socket.
    let fd = unsafe { sys::xsk_socket__fd(xsk) };
    Ok(Created {
        umem,
        xsk,
        rings,
        fd,
        zero_copy: socket_zero_copy(fd),
    })
}

/// Deletes what [`create`] made: the socket, then the UMEM (which refuses
/// to go while a socket uses it).
///
/// # Safety
///
/// `xsk` and `umem` come from one [`create`] and are deleted exactly
/// once; the rings that came with them are still alive.
pub(crate) unsafe fn delete(xsk: *mut sys::xsk_socket, umem: *mut sys::xsk_umem, who: &str) {
    // SAFETY: the caller's contract above.
    unsafe {
        sys::xsk_socket__delete(xsk);
        let ret = sys::xsk_umem__delete(umem);
        if ret != 0 {
            log::error!(
                "{who}: xsk_umem__delete: {}",
                io::Error::from_raw_os_error(-ret)
            );
        }
    }
}

impl AfXdpSocket {
    /// Opens a socket on `config.ifname` queue `config.queue`, with the
    /// pool registered as its UMEM. No XDP program is loaded: the caller
    /// attaches weft's and inserts [`AfXdpSocket::fd`] in its `xsks_map`.
    pub fn open(pool: &Arc<Pool>, config: &SocketConfig) -> Result<AfXdpSocket, AfXdpError> {
        let headroom = pool.config().headroom;
        if headroom < sys::XDP_PACKET_HEADROOM {
            return Err(AfXdpError::Headroom(headroom));
        }
        let Created {
            umem,
            xsk,
            rings,
            fd,
            zero_copy,
        } = create(
            pool,
            &Binding {
                ifname: &config.ifname,
                queue: config.queue,
                fill_size: config.rx_size.get(),
                rx_size: Some(config.rx_size.get()),
                tx_size: config.tx_size.get(),
                frame_headroom: headroom - sys::XDP_PACKET_HEADROOM,
                mode: config.mode,
            },
        )?;
        let frame_size = pool.frame_size() as u64;
        log::info!(
            "af_xdp: {} queue {}: socket fd {fd}, {} mode, rx {} tx {}",
            config.ifname,
            config.queue,
            if zero_copy { "zero-copy" } else { "copy" },
            config.rx_size,
            config.tx_size
        );
        Ok(AfXdpSocket {
            pool: pool.clone(),
            umem,
            xsk,
            rings,
            fd,
            config: config.clone(),
            frame_shift: frame_size.trailing_zeros(),
            frame_mask: frame_size - 1,
            kernel: vec![0; (pool.len() as usize).div_ceil(64)],
            held: 0,
            zero_copy,
            polls: 0,
            stats_poll: 0,
            last_stats: KernelStats::default(),
            other_drops_seen: 0,
            bad_descs: 0,
        })
    }

    /// The socket's file descriptor (for the program's `xsks_map` and for
    /// sleeping in poll()).
    pub fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd is open for as long as `self` lives (closed by
        // xsk_socket__delete in Drop).
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }

    /// The socket's configuration.
    pub fn config(&self) -> &SocketConfig {
        &self.config
    }

    /// True when the kernel bound the socket in zero-copy mode.
    pub fn zero_copy(&self) -> bool {
        self.zero_copy
    }

    /// Buffers currently held by the kernel (fill and tx rings).
    pub fn held(&self) -> usize {
        self.held
    }

    /// The kernel's statistics for this socket.
    pub fn kernel_stats(&self) -> io::Result<KernelStats> {
        socket_stats(self.fd)
    }

    #[inline]
    fn mark(&mut self, index: u32) {
        self.kernel[index as usize / 64] |= 1 << (index % 64);
        self.held += 1;
    }

    /// Clears the kernel mark of `index`; false if it was not set.
    #[inline]
    fn unmark(&mut self, index: u64) -> bool {
        let Some(word) = self.kernel.get_mut((index / 64) as usize) else {
            return false;
        };
        let bit = 1u64 << (index % 64);
        if *word & bit == 0 {
            return false;
        }
        *word &= !bit;
        self.held -= 1;
        true
    }

    /// Takes back a buffer the kernel returned, if it was ours.
    #[inline]
    fn take_back(&mut self, index: u64) -> Option<Buf> {
        if !self.unmark(index) {
            self.bad_descs += 1;
            return None;
        }
        // SAFETY: the bit was set, so this index was given up with
        // `into_raw` when it went to the kernel and has no live handle; the
        // bit is now clear, so it is turned back into a handle once.
        Some(unsafe { self.pool.from_raw(index as u32) })
    }

    /// Returns completed tx buffers to the cache.
    fn reclaim(&mut self, cache: &mut PoolCache) {
        let mut idx = 0;
        let size = self.config.tx_size.get();
        // SAFETY: the completion ring was set up by xsk_umem__create; we
        // are its only consumer.
        let n = unsafe { sys::xsk_ring_cons__peek(&mut self.rings.comp, size, &mut idx) };
        for k in 0..n {
            // SAFETY: `idx + k` is within the `n` entries peek reserved.
            let addr =
                unsafe { *sys::xsk_ring_cons__comp_addr(&self.rings.comp, idx.wrapping_add(k)) };
            if let Some(b) = self.take_back(addr >> self.frame_shift) {
                cache.free(b);
            }
        }
        if n > 0 {
            // SAFETY: releases exactly the entries peeked above.
            unsafe { sys::xsk_ring_cons__release(&mut self.rings.comp, n) };
        }
    }

    /// Tops the fill ring up with what the cache can give. Returns how
    /// many free slots got no buffer: a ring state, not a count of lost
    /// frames (the same slots come back every poll while the pool is dry),
    /// so it is not counted; the kernel counts the frames that found the
    /// fill ring empty ([`Self::kernel_losses`]).
    fn refill(&mut self, cache: &mut PoolCache) -> usize {
        const CHUNK: usize = 64;
        let size = self.config.rx_size.get();
        // SAFETY: we are the fill ring's only producer.
        let free = unsafe { sys::xsk_prod_nb_free(&mut self.rings.fill, size) } as usize;
        if free < CHUNK.min(size as usize) {
            return 0;
        }
        let mut done = 0;
        while done < free {
            // Allocate first, then reserve exactly what we have (reserve
            // is all or nothing, and the ring has no producer cancel).
            let mut chunk = [0u32; CHUNK];
            let mut n = 0;
            while n < CHUNK.min(free - done) {
                let Some(b) = cache.alloc() else { break };
                chunk[n] = self.pool.into_raw(b);
                n += 1;
            }
            if n == 0 {
                break;
            }
            let mut idx = 0;
            // SAFETY: at least `free - done >= n` slots are free, so the
            // reservation of `n` succeeds.
            let got =
                unsafe { sys::xsk_ring_prod__reserve(&mut self.rings.fill, n as u32, &mut idx) };
            debug_assert_eq!(got as usize, n);
            for (k, &index) in chunk[..n].iter().enumerate() {
                self.mark(index);
                // SAFETY: `idx + k` is within the `n` reserved slots.
                unsafe {
                    *sys::xsk_ring_prod__fill_addr(
                        &mut self.rings.fill,
                        idx.wrapping_add(k as u32),
                    ) = (index as u64) << self.frame_shift;
                }
            }
            // SAFETY: publishes exactly the `n` slots written above.
            unsafe { sys::xsk_ring_prod__submit(&mut self.rings.fill, n as u32) };
            done += n;
            if n < CHUNK.min(free - (done - n)) {
                break;
            }
        }
        // SAFETY: reads the ring's flags word.
        if unsafe { sys::xsk_ring_prod__needs_wakeup(&self.rings.fill) } != 0 {
            // SAFETY: a zero-length, non-blocking recvfrom only wakes the
            // driver; no buffer is passed.
            unsafe {
                libc::recvfrom(
                    self.fd,
                    ptr::null_mut(),
                    0,
                    libc::MSG_DONTWAIT,
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            };
        }
        free - done
    }

    /// Copy mode transmits inside `sendto`, at most [`COPY_MODE_TX_BUDGET`]
    /// frames per call (the kernel's default `XDP_MAX_TX_SKB_BUDGET`): one
    /// kick for a vector of 256 left most of it in the ring, and the next
    /// vectors found it full and dropped (1-22 % of frames at full rate on
    /// veth). Kicks until the kernel has taken everything in the ring, with
    /// one kick per budget's worth of frames just posted plus one (a kick
    /// that sends nothing, e.g. EAGAIN, does not spin here forever).
    fn drain_copy_mode(&mut self, posted: u32) {
        let size = self.config.tx_size.get();
        for _ in 0..posted.div_ceil(COPY_MODE_TX_BUDGET) + 1 {
            // SAFETY: we are the tx ring's only producer; asking for the
            // whole ring refreshes the cached consumer position.
            if unsafe { sys::xsk_prod_nb_free(&mut self.rings.tx, size) } >= size {
                break;
            }
            self.kick_tx();
        }
    }

    fn kick_tx(&mut self) {
        // SAFETY: a zero-length, non-blocking sendto only asks the kernel
        // to process the tx ring. EAGAIN/EBUSY/ENOBUFS mean "try later",
        // which the next call does.
        unsafe { libc::sendto(self.fd, ptr::null(), 0, libc::MSG_DONTWAIT, ptr::null(), 0) };
    }

    /// Frames the kernel lost since the last call, from its statistics,
    /// as `(rx-no-buf, rx-miss, of which too big)`:
    ///
    /// * `rx-no-buf`: frames that found the fill ring empty (no weft buffer
    ///   to copy into: the pool is exhausted or weft is behind). In
    ///   zero-copy mode the driver counts its failed refills instead, as
    ///   DPDK's `rx_nombuf` does.
    /// * `rx-miss`: the other drops, i.e. rx ring full and frames larger
    ///   than a buffer (the third value: the input node counts them as
    ///   `frame larger than a buffer`). In copy mode the kernel counts a frame that found
    ///   the fill ring empty in `rx_dropped` too; it is counted once, as
    ///   `rx-no-buf`.
    ///
    /// (`rx-no-buf` used to be the fill-ring slots `refill` left empty,
    /// added on every poll: it grew without any traffic while the pool was
    /// dry, and for ever with a pool smaller than the fill ring.)
    fn kernel_losses(&mut self) -> (usize, usize, usize) {
        let Ok(s) = self.kernel_stats() else {
            return (0, 0, 0);
        };
        let last = std::mem::replace(&mut self.last_stats, s);
        split_losses(&last, &s, &mut self.other_drops_seen)
    }
}

/// `(rx-no-buf, rx-miss, of which too big)` between two snapshots of a
/// socket's statistics; `other_seen` is the high-water mark of the drops
/// other than an empty fill ring.
///
/// The kernel counts a frame that found the fill ring empty first in the
/// fill queue, then in `rx_dropped`, with no lock against the read, which
/// takes `rx_dropped` first: a snapshot can hold the first count of a frame
/// without the second. `rx_dropped - rx_fill_ring_empty_descs` therefore
/// never overstates the other drops but can understate them for a while;
/// counting from its high-water mark keeps such a frame from being counted
/// as both rx-no-buf and too big.
fn split_losses(
    last: &KernelStats,
    now: &KernelStats,
    other_seen: &mut u64,
) -> (usize, usize, usize) {
    let no_buf = now
        .rx_fill_ring_empty_descs
        .wrapping_sub(last.rx_fill_ring_empty_descs);
    let full = now.rx_ring_full.wrapping_sub(last.rx_ring_full);
    let other = now.rx_dropped.saturating_sub(now.rx_fill_ring_empty_descs);
    let too_big = other.saturating_sub(*other_seen);
    *other_seen = (*other_seen).max(other);
    (no_buf as usize, (too_big + full) as usize, too_big as usize)
}

/// The kernel's statistics (`XDP_STATISTICS`) of the AF_XDP socket `fd`
/// (also used by weft-pktgen's transmit-only socket).
pub fn socket_stats(fd: RawFd) -> io::Result<KernelStats> {
    let mut s = sys::xdp_statistics {
        rx_dropped: 0,
        rx_invalid_descs: 0,
        tx_invalid_descs: 0,
        rx_ring_full: 0,
        rx_fill_ring_empty_descs: 0,
        tx_ring_empty_descs: 0,
    };
    let mut len = std::mem::size_of::<sys::xdp_statistics>() as libc::socklen_t;
    // SAFETY: `s` is a writable xdp_statistics and `len` its size; a bad
    // fd makes getsockopt fail, which is returned.
    let ret = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_XDP,
            sys::XDP_STATISTICS as i32,
            (&mut s as *mut sys::xdp_statistics).cast(),
            &mut len,
        )
    };
    if ret != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(KernelStats {
        rx_dropped: s.rx_dropped,
        rx_invalid_descs: s.rx_invalid_descs,
        tx_invalid_descs: s.tx_invalid_descs,
        rx_ring_full: s.rx_ring_full,
        rx_fill_ring_empty_descs: s.rx_fill_ring_empty_descs,
        tx_ring_empty_descs: s.tx_ring_empty_descs,
    })
}

/// Whether the AF_XDP socket `fd` is bound in zero-copy mode
/// (`XDP_OPTIONS`; false if the query fails).
pub fn socket_zero_copy(fd: RawFd) -> bool {
    let mut opts = sys::xdp_options { flags: 0 };
    let mut len = std::mem::size_of::<sys::xdp_options>() as libc::socklen_t;
    // SAFETY: `opts` is a writable xdp_options and `len` its size.
    let ret = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_XDP,
            sys::XDP_OPTIONS as i32,
            (&mut opts as *mut sys::xdp_options).cast(),
            &mut len,
        )
    };
    ret == 0 && opts.flags & sys::XDP_OPTIONS_ZEROCOPY != 0
}

impl Port for AfXdpSocket {
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
        let mut r = RxResult::default();
        self.reclaim(cache);
        let mut idx = 0;
        // SAFETY: we are the rx ring's only consumer.
        let n = unsafe { sys::xsk_ring_cons__peek(&mut self.rings.rx, max as u32, &mut idx) };
        let frame_size = self.pool.frame_size() as u64;
        for k in 0..n {
            // SAFETY: `idx + k` is within the `n` entries peek reserved.
            let d = unsafe { *sys::xsk_ring_cons__rx_desc(&self.rings.rx, idx.wrapping_add(k)) };
            let offset = d.addr & self.frame_mask;
            let Some(mut b) = self.take_back(d.addr >> self.frame_shift) else {
                continue;
            };
            if offset + d.len as u64 > frame_size {
                self.bad_descs += 1;
                cache.free(b);
                continue;
            }
            self.pool
                .reset_meta(&mut b, offset as u16, d.len as u16, sw_if_index);
            out.push(b);
            r.received += 1;
            r.bytes += u64::from(d.len);
        }
        if n > 0 {
            // SAFETY: releases exactly the entries peeked above.
            unsafe { sys::xsk_ring_cons__release(&mut self.rings.rx, n) };
        }
        self.refill(cache);
        self.polls = self.polls.wrapping_add(1);
        // The kernel's losses are read every 1024 polls under load, and
        // after 16 polls that found nothing when idle, so a drop shows in
        // the counters soon even on a quiet link (a getsockopt costs about
        // what a poll does).
        let since = self.polls.wrapping_sub(self.stats_poll);
        if since >= 1024 || (n == 0 && since >= 16) {
            self.stats_poll = self.polls;
            (r.no_buf, r.miss, r.too_big) = self.kernel_losses();
        }
        r
    }

    fn tx(&mut self, cache: &mut PoolCache, bufs: &mut Vec<Buf>) -> TxResult {
        self.reclaim(cache);
        let want = bufs.len() as u32;
        // SAFETY: we are the tx ring's only producer.
        let mut free = unsafe { sys::xsk_prod_nb_free(&mut self.rings.tx, want) };
        if free == 0 && want > 0 {
            // Ring full: let the kernel drain it, take completions, retry.
            self.kick_tx();
            self.reclaim(cache);
            // SAFETY: as above.
            free = unsafe { sys::xsk_prod_nb_free(&mut self.rings.tx, want) };
        }
        let mut idx = 0;
        // SAFETY: `want.min(free)` slots are free; reserve is all or
        // nothing, so it gets exactly that many.
        let got =
            unsafe { sys::xsk_ring_prod__reserve(&mut self.rings.tx, want.min(free), &mut idx) };
        let mut sent = 0;
        for b in bufs.drain(..got as usize) {
            let m = self.pool.meta(&b);
            let (offset, len) = (m.data_offset as u64, m.len as u32);
            let index = self.pool.into_raw(b);
            self.mark(index);
            // SAFETY: `idx + sent` is within the `got` reserved slots.
            unsafe {
                let d =
                    &mut *sys::xsk_ring_prod__tx_desc(&mut self.rings.tx, idx.wrapping_add(sent));
                d.addr = ((index as u64) << self.frame_shift) | offset;
                d.len = len;
                d.options = 0;
            }
            sent += 1;
        }
        if sent > 0 {
            // SAFETY: publishes exactly the `sent` descriptors written above.
            unsafe { sys::xsk_ring_prod__submit(&mut self.rings.tx, sent) };
            if self.zero_copy {
                // SAFETY: reads the ring's flags word.
                if unsafe { sys::xsk_ring_prod__needs_wakeup(&self.rings.tx) } != 0 {
                    self.kick_tx();
                }
            } else {
                self.drain_copy_mode(sent);
            }
        }
        let errors = bufs.len();
        cache.free_all(bufs);
        TxResult {
            sent: sent as usize,
            errors,
        }
    }
}

impl Drop for AfXdpSocket {
    fn drop(&mut self) {
        // SAFETY: the socket and UMEM were created together in `open` and
        // are deleted here exactly once; the boxed rings are still alive.
        unsafe { delete(self.xsk, self.umem, "af_xdp") };
        // The kernel no longer holds anything: return every marked buffer.
        for w in 0..self.kernel.len() {
            let mut word = self.kernel[w];
            while word != 0 {
                let bit = word.trailing_zeros() as u64;
                word &= word - 1;
                if let Some(b) = self.take_back(w as u64 * 64 + bit) {
                    self.pool.free_shared(b);
                }
            }
        }
        debug_assert_eq!(self.held, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(dropped: u64, empty: u64, full: u64) -> KernelStats {
        KernelStats {
            rx_dropped: dropped,
            rx_fill_ring_empty_descs: empty,
            rx_ring_full: full,
            ..KernelStats::default()
        }
    }

    /// The snapshot CI once read: 72 frames found the fill ring empty, the
    /// last of them counted in the fill queue but not yet in `rx_dropped`.
    /// The next read completes it; no frame is counted as too big.
    #[test]
    fn a_drop_read_half_counted_is_not_counted_twice() {
        let mut seen = 0;
        let s0 = KernelStats::default();
        let s1 = stats(71, 72, 0);
        let s2 = stats(72, 72, 0);
        assert_eq!(split_losses(&s0, &s1, &mut seen), (72, 0, 0));
        assert_eq!(split_losses(&s1, &s2, &mut seen), (0, 0, 0));
    }

    #[test]
    fn too_big_and_ring_full_are_rx_miss() {
        let mut seen = 0;
        let s0 = KernelStats::default();
        let s1 = stats(5, 2, 4);
        assert_eq!(split_losses(&s0, &s1, &mut seen), (2, 7, 3));
        let s2 = stats(6, 2, 4);
        assert_eq!(split_losses(&s1, &s2, &mut seen), (0, 1, 1));
    }
}
