//! A transmit-only AF_XDP socket that replays frames kept in its UMEM:
//! weft-pktgen's generator (`weft-pktgen gen`), not used by weftd.
//!
//! # Design
//!
//! ```text
//!   UMEM = a crate::pool::Pool of `frames.len()` 2 KiB buffers
//!   ├── buffer i holds template i at offset 256 (written once, in `open`)
//!   │
//!   │  tx ring    ──▶ (i × 2048 + 256, len): the same addresses, round robin,
//!   │                 as many times as asked; nothing is written per packet
//!   │  completion ◀── one address per frame the kernel is done with: counted
//!   │  fill ring  (required by the kernel for a UMEM, never used: no rx ring)
//! ```
//!
//! * The templates are read-only once the socket is open, so the same UMEM
//!   address may sit in many tx descriptors at once: the kernel only reads
//!   it (in copy mode it copies the bytes into an skb; in zero-copy mode the
//!   NIC reads them).
//! * The memory is a [`Pool`] (the same region type weft registers as its
//!   UMEM), holding one [`Buf`] per template for the socket's life.
//! * The socket is created with libxdp (`libxdp-sys`), as weft's own
//!   [`super::af_xdp::AfXdpSocket`] is (the same `create`), without an rx ring and
//!   without loading any XDP program (`XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD`):
//!   transmitting needs none.
//! * `need_wakeup` is requested; [`TxSocket::kick`] (a zero-length
//!   `sendto`) is needed whenever the kernel sets the flag. In copy mode it
//!   is always set, and each `sendto` sends at most the kernel's per-call
//!   budget (32 frames by default).
//!
//! # Limitations
//!
//! * Single-buffer frames only (at most 1792 bytes, far above the 1514 a
//!   1500-byte MTU allows).
//! * One thread: the rings are single-producer/single-consumer.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::RawFd;
use std::ptr;
use std::sync::Arc;

use libxdp_sys as sys;

use super::af_xdp::{
    AfXdpError, Binding, CopyMode, Created, KernelStats, RingSize, Rings, create, delete,
    socket_stats,
};
use crate::pool::{Buf, PageSize, Pool, PoolConfig};

/// Headroom in front of each template (the pool's minimum).
const HEADROOM: u32 = 256;
/// Data bytes per UMEM buffer: makes 2048-byte chunks, the kernel's
/// smallest AF_XDP chunk size.
const DATA_SIZE: u32 = 2048 - HEADROOM;
/// `XDP_MAX_TX_SKB_BUDGET` (linux/if_xdp.h since 6.17; Debian 12's
/// headers and libxdp-sys predate it).
const XDP_MAX_TX_SKB_BUDGET: i32 = 9;
/// Size of the (unused) fill ring.
const FILL_SIZE: u32 = 256;

/// Parameters of a [`TxSocket`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxConfig {
    /// Linux interface name.
    pub ifname: String,
    /// Queue id.
    pub queue: u32,
    /// Tx (and completion) ring size.
    pub tx_size: RingSize,
    /// Copy or zero-copy.
    pub mode: CopyMode,
}

/// A transmit-only AF_XDP socket over a UMEM of pre-built frames.
pub struct TxSocket {
    pool: Arc<Pool>,
    /// The template buffers, held for the socket's life.
    frames: Vec<Buf>,
    /// (UMEM address, length) of each template.
    descs: Vec<(u64, u32)>,
    /// Template the next descriptor points to.
    next: usize,
    umem: *mut sys::xsk_umem,
    xsk: *mut sys::xsk_socket,
    rings: Box<Rings>,
    fd: RawFd,
    tx_size: u32,
    zero_copy: bool,
}

// SAFETY: the socket, UMEM and rings are used only through `&mut self` (or
// `&self` for reads of the kernel's flag and statistics), so by one thread
// at a time; libxdp keeps no thread-local state, and moving the struct does
// not move the boxed rings libxdp points to.
unsafe impl Send for TxSocket {}

impl std::fmt::Debug for TxSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxSocket")
            .field("fd", &self.fd)
            .field("templates", &self.descs.len())
            .field("tx_size", &self.tx_size)
            .field("zero_copy", &self.zero_copy)
            .finish()
    }
}

impl TxSocket {
    /// Copies `templates` into a new UMEM and opens a transmit-only socket
    /// on `config.ifname` queue `config.queue` (in the calling thread's
    /// network namespace).
    ///
    /// # Panics
    ///
    /// If `templates` is empty or a template is longer than 1792 bytes.
    pub fn open(config: &TxConfig, templates: &[Vec<u8>]) -> Result<TxSocket, OpenError> {
        assert!(!templates.is_empty(), "at least one template");
        let pool = Pool::new(PoolConfig {
            buffers: templates.len() as u32,
            data_size: DATA_SIZE,
            headroom: HEADROOM,
            page_size: PageSize::Normal,
        })?;
        let frame_size = pool.frame_size() as u64;
        let mut cache = pool.cache();
        let mut frames = Vec::with_capacity(templates.len());
        let mut descs = Vec::with_capacity(templates.len());
        for t in templates {
            assert!(
                t.len() <= DATA_SIZE as usize,
                "template of {} bytes",
                t.len()
            );
            let mut b = cache.alloc().expect("the pool has one buffer per template");
            pool.reset_meta(&mut b, HEADROOM as u16, t.len() as u16, 0); // no rx_if here
            pool.packet_mut(&mut b).data_mut().copy_from_slice(t);
            descs.push((
                u64::from(b.index()) * frame_size + u64::from(HEADROOM),
                t.len() as u32,
            ));
            frames.push(b);
        }
        drop(cache);

        let Created {
            umem,
            xsk,
            rings,
            fd,
            zero_copy,
        } = create(
            &pool,
            &Binding {
                ifname: &config.ifname,
                queue: config.queue,
                fill_size: FILL_SIZE,
                rx_size: None,
                tx_size: config.tx_size.get(),
                frame_headroom: 0,
                mode: config.mode,
            },
        )?;
        log::info!(
            "xsk_tx: {} queue {}: tx-only AF_XDP socket fd {fd}, {} mode, tx ring {}, {} template(s)",
            config.ifname,
            config.queue,
            if zero_copy { "zero-copy" } else { "copy" },
            config.tx_size,
            descs.len()
        );
        Ok(TxSocket {
            pool,
            frames,
            descs,
            next: 0,
            umem,
            xsk,
            rings,
            fd,
            tx_size: config.tx_size.get(),
            zero_copy,
        })
    }

    /// True when the kernel bound the socket in zero-copy mode.
    pub fn zero_copy(&self) -> bool {
        self.zero_copy
    }

    /// The tx ring size.
    pub fn tx_size(&self) -> u32 {
        self.tx_size
    }

    /// Posts up to `n` descriptors (fewer if the tx ring has less room),
    /// cycling over the templates; returns how many were posted. Does not
    /// wake the kernel: see [`Self::needs_wakeup`] and [`Self::kick`].
    #[inline]
    pub fn post(&mut self, n: u32) -> u32 {
        // SAFETY: we are the tx ring's only producer.
        let free = unsafe { sys::xsk_prod_nb_free(&mut self.rings.tx, n) };
        let n = n.min(free);
        if n == 0 {
            return 0;
        }
        let mut idx = 0;
        // SAFETY: `n` slots are free; reserve is all or nothing, so it gets
        // exactly `n`.
        let got = unsafe { sys::xsk_ring_prod__reserve(&mut self.rings.tx, n, &mut idx) };
        debug_assert_eq!(got, n);
        for k in 0..got {
            let (addr, len) = self.descs[self.next];
            self.next += 1;
            if self.next == self.descs.len() {
                self.next = 0;
            }
            // SAFETY: `idx + k` is within the `got` reserved slots.
            unsafe {
                let d = &mut *sys::xsk_ring_prod__tx_desc(&mut self.rings.tx, idx.wrapping_add(k));
                d.addr = addr;
                d.len = len;
                d.options = 0;
            }
        }
        // SAFETY: publishes exactly the `got` descriptors written above.
        unsafe { sys::xsk_ring_prod__submit(&mut self.rings.tx, got) };
        got
    }

    /// Takes the completions the kernel has posted; returns how many (one
    /// per frame the kernel is done with).
    #[inline]
    pub fn complete(&mut self) -> u32 {
        let mut idx = 0;
        // SAFETY: we are the completion ring's only consumer.
        let n = unsafe { sys::xsk_ring_cons__peek(&mut self.rings.comp, self.tx_size, &mut idx) };
        if n > 0 {
            // The addresses are not needed: every frame is a template that
            // stays where it is.
            // SAFETY: releases exactly the entries peeked above.
            unsafe { sys::xsk_ring_cons__release(&mut self.rings.comp, n) };
        }
        n
    }

    /// True when every posted descriptor has been taken by the kernel (the
    /// frames may still be on their way: see [`Self::complete`]).
    #[inline]
    pub fn ring_empty(&mut self) -> bool {
        // SAFETY: we are the tx ring's only producer; this refreshes the
        // cached consumer index from the kernel's.
        unsafe { sys::xsk_prod_nb_free(&mut self.rings.tx, self.tx_size) == self.tx_size }
    }

    /// True when the kernel asks for a [`Self::kick`] to process the tx
    /// ring (always, in copy mode).
    #[inline]
    pub fn needs_wakeup(&self) -> bool {
        // SAFETY: reads the ring's flags word.
        unsafe { sys::xsk_ring_prod__needs_wakeup(&self.rings.tx) != 0 }
    }

    /// Asks the kernel to process the tx ring (a zero-length, non-blocking
    /// `sendto`). `EAGAIN` (budget used up, or the device is busy) and
    /// `EBUSY` mean "call again".
    #[inline]
    pub fn kick(&self) -> io::Result<()> {
        // SAFETY: a zero-length, non-blocking sendto on our own socket
        // passes no buffer; it only asks the kernel to process the tx ring.
        let ret =
            unsafe { libc::sendto(self.fd, ptr::null(), 0, libc::MSG_DONTWAIT, ptr::null(), 0) };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Sets how many frames one kick may send in copy mode
    /// (`XDP_MAX_TX_SKB_BUDGET`, Linux 6.17 and later; the kernel accepts
    /// 32 up to the tx ring size and defaults to 32). Fewer, larger kicks
    /// cost the generator fewer system calls.
    pub fn set_tx_budget(&self, budget: u32) -> io::Result<()> {
        // SAFETY: `budget` is a readable u32 and the length is its size;
        // the kernel copies it and keeps no pointer.
        let ret = unsafe {
            libc::setsockopt(
                self.fd,
                libc::SOL_XDP,
                XDP_MAX_TX_SKB_BUDGET,
                (&budget as *const u32).cast(),
                std::mem::size_of::<u32>() as libc::socklen_t,
            )
        };
        if ret != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The kernel's statistics for this socket.
    pub fn kernel_stats(&self) -> io::Result<KernelStats> {
        socket_stats(self.fd)
    }
}

impl Drop for TxSocket {
    fn drop(&mut self) {
        // SAFETY: the socket and UMEM were created together in `open` and
        // are deleted here exactly once; the boxed rings are still alive.
        unsafe { delete(self.xsk, self.umem, "xsk_tx") };
        // The kernel no longer reads the templates.
        for b in self.frames.drain(..) {
            self.pool.free_shared(b);
        }
    }
}

/// Why a [`TxSocket`] could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The UMEM could not be allocated.
    #[error(transparent)]
    Pool(#[from] crate::pool::PoolError),
    /// The socket could not be opened.
    #[error(transparent)]
    Socket(#[from] AfXdpError),
}
