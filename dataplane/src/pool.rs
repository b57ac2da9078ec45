//! The buffer pool: one contiguous region of fixed-size frames, plus a
//! separate array of per-buffer metadata, indexed by a `u32` buffer index.
//!
//! # Design
//!
//! ```text
//!  region (hugepages when reserved, else normal pages; later the AF_XDP UMEM)
//!  +-------------------------+-------------------------+----
//!  | frame 0                 | frame 1                 | ...
//!  | headroom | data ...     | headroom | data ...     |
//!  +-------------------------+-------------------------+----
//!  ^ offset 0                ^ offset = 1 * frame_size
//!
//!  meta: [BufMeta; n]   data_offset, len, rx/tx interface, flags, flow hash
//! ```
//!
//! * A frame's address inside the region is `index * frame_size`: exactly
//!   the address an AF_XDP descriptor carries, so the same region can be
//!   registered as the UMEM and a descriptor converts to a buffer index with
//!   one shift.
//! * `frame_size` is the next power of two of `headroom + data_size`
//!   (4096 with the defaults), as AF_XDP's aligned mode requires.
//! * Buffers are owned through [`Buf`] handles. A `Buf` is neither `Copy`
//!   nor `Clone`: holding one is the right to touch that buffer's bytes and
//!   metadata, and the borrow checker enforces it. Handles carry the pool's
//!   id, so a handle from one pool can never alias a buffer of another.
//! * Workers allocate and free through a [`PoolCache`] each: a plain `Vec`
//!   of free indices, refilled from (and spilled to) the shared free list in
//!   batches of [`BATCH`]. The shared list is behind a mutex, taken once per
//!   batch, never per packet.
//!
//! # Limitations
//!
//! * At most 2^20 buffers per pool, and at most 4095 pools created in one
//!   process (ids are never reused, so a stale handle cannot alias).
//! * Buffers are single-segment: a frame larger than `data_size` is not
//!   chained.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use memmap2::{MmapMut, MmapOptions};

/// Default number of buffers (VPP's `buffers-per-numa` default).
pub const DEFAULT_BUFFERS: u32 = 16384;
/// Default data bytes per buffer (VPP's `default data-size`).
pub const DEFAULT_DATA_SIZE: u32 = 2048;
/// Default headroom in front of the data, enough to prepend an outer
/// Ethernet + IPv4 + UDP + VXLAN header (50 bytes) several times over.
pub const DEFAULT_HEADROOM: u32 = 256;
/// Buffers moved between a worker cache and the shared free list at once.
pub const BATCH: usize = 256;

const INDEX_BITS: u32 = 20;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
/// Largest number of buffers one pool can hold.
pub const MAX_BUFFERS: u32 = 1 << INDEX_BITS;
const MAX_POOL_ID: u32 = (1 << (32 - INDEX_BITS)) - 1;
const HUGE_PAGE: usize = 2 << 20;

static NEXT_POOL_ID: AtomicU32 = AtomicU32::new(1);

/// Which pages to back the region with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PageSize {
    /// 2 MiB hugepages if reserved, else normal pages with a warning
    /// (VPP's `page-size default-hugepage` then `default`).
    #[default]
    Auto,
    /// 2 MiB hugepages or fail.
    Huge,
    /// Normal pages.
    Normal,
}

/// What the region ended up backed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// 2 MiB hugepages.
    HugePages,
    /// Normal (4 KiB) pages.
    NormalPages,
}

impl std::fmt::Display for Backing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backing::HugePages => "2 MiB hugepages",
            Backing::NormalPages => "normal pages",
        })
    }
}

/// Pool geometry, as configured by the `buffers { }` startup section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// Number of buffers.
    pub buffers: u32,
    /// Data bytes per buffer (after the headroom).
    pub data_size: u32,
    /// Bytes reserved in front of the data for prepending headers.
    pub headroom: u32,
    /// Page policy.
    pub page_size: PageSize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            buffers: DEFAULT_BUFFERS,
            data_size: DEFAULT_DATA_SIZE,
            headroom: DEFAULT_HEADROOM,
            page_size: PageSize::Auto,
        }
    }
}

impl PoolConfig {
    /// Bytes per frame: the next power of two of headroom + data size.
    pub fn frame_size(&self) -> u32 {
        (self.headroom + self.data_size).next_power_of_two()
    }
}

/// Why a pool could not be created.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The geometry is out of range.
    #[error("invalid buffer pool configuration: {0}")]
    Invalid(&'static str),
    /// Hugepages were required but could not be mapped.
    #[error(
        "cannot map {bytes} bytes of 2 MiB hugepages ({source}); reserve them with `echo N > /proc/sys/vm/nr_hugepages`"
    )]
    NoHugePages {
        /// Size of the region.
        bytes: usize,
        /// The mmap error.
        source: std::io::Error,
    },
    /// The region could not be mapped at all.
    #[error("cannot map the buffer region of {bytes} bytes: {source}")]
    Map {
        /// Size of the region.
        bytes: usize,
        /// The mmap error.
        source: std::io::Error,
    },
    /// Too many pools were created in this process.
    #[error("too many buffer pools created in this process (limit {MAX_POOL_ID})")]
    TooManyPools,
}

/// Per-buffer flags.
pub mod flags {
    /// The buffer is being traced (`trace add`).
    pub const TRACED: u16 = 1 << 0;
    /// The flow hash field is valid.
    pub const FLOW_HASH_VALID: u16 = 1 << 1;
    /// The packet was generated by weft itself (ping, ARP, ICMP replies).
    pub const LOCALLY_ORIGINATED: u16 = 1 << 2;
}

/// Interface index meaning "not set".
pub const NO_INTERFACE: u32 = u32::MAX;

/// Per-buffer metadata, kept apart from the frame bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(32))]
pub struct BufMeta {
    /// Offset of the first data byte from the start of the frame.
    pub data_offset: u16,
    /// Number of data bytes.
    pub len: u16,
    /// [`flags`] bits.
    pub flags: u16,
    /// Offset of the L3 header from the start of the frame (set by
    /// ethernet-input, used by nodes that need the outer headers).
    pub l3_offset: u16,
    /// Receive interface (sw_if_index).
    pub rx_if: u32,
    /// Transmit interface (sw_if_index), set by the node that chooses it.
    pub tx_if: u32,
    /// Flow hash (valid when [`flags::FLOW_HASH_VALID`]).
    pub flow_hash: u32,
    /// Index of this buffer's record in the worker's trace buffer.
    pub trace_index: u32,
    /// Node-specific scratch (e.g. the tunnel index chosen by vxlan4-input).
    pub opaque: u32,
    /// Why the buffer is being dropped (VPP's `b->error`): the node that
    /// sent it to error-drop and that node's counter, as
    /// [`crate::graph::NodeCtx::error_base`] encodes them; 0 when no node
    /// said. Read only by a drop capture (`pcap trace drop`).
    pub error: u32,
}

const _: () = assert!(std::mem::size_of::<BufMeta>() == 32);

impl BufMeta {
    /// The metadata of a buffer just allocated.
    pub const FRESH: BufMeta = BufMeta {
        data_offset: 0,
        len: 0,
        flags: 0,
        l3_offset: 0,
        rx_if: NO_INTERFACE,
        tx_if: NO_INTERFACE,
        flow_hash: 0,
        trace_index: 0,
        opaque: 0,
        error: 0,
    };

    /// True when the buffer is traced.
    #[inline]
    pub fn is_traced(&self) -> bool {
        self.flags & flags::TRACED != 0
    }
}

/// A buffer handle: the right to use one buffer of one pool.
///
/// Not `Copy` or `Clone`; it is created by [`PoolCache::alloc`] and given
/// back with [`PoolCache::free`]. Frames and vectors in the graph carry
/// these (4 bytes each), never pointers.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a buffer handle that is dropped leaks its buffer"]
pub struct Buf(u32);

impl Buf {
    /// The buffer index inside its pool (also its UMEM frame number).
    #[inline]
    pub fn index(&self) -> u32 {
        self.0 & INDEX_MASK
    }

    #[inline]
    fn pool_id(&self) -> u32 {
        self.0 >> INDEX_BITS
    }
}

/// Who owns the mapped memory.
enum Owner {
    Mmap(#[allow(dead_code)] MmapMut),
}

/// One contiguous mapped region.
struct Region {
    base: NonNull<u8>,
    len: usize,
    backing: Backing,
    _owner: Owner,
}

impl Region {
    fn map(bytes: usize, page_size: PageSize) -> Result<Region, PoolError> {
        let huge = |bytes: usize| {
            let rounded = bytes.div_ceil(HUGE_PAGE) * HUGE_PAGE;
            MmapOptions::new().len(rounded).huge(Some(21)).map_anon()
        };
        let normal = |bytes: usize| MmapOptions::new().len(bytes).map_anon();
        let (mut map, backing) = match page_size {
            PageSize::Huge => (
                huge(bytes).map_err(|source| PoolError::NoHugePages { bytes, source })?,
                Backing::HugePages,
            ),
            PageSize::Normal => (
                normal(bytes).map_err(|source| PoolError::Map { bytes, source })?,
                Backing::NormalPages,
            ),
            PageSize::Auto => match huge(bytes) {
                Ok(m) => (m, Backing::HugePages),
                Err(e) => {
                    log::warn!(
                        "buffer pool: no 2 MiB hugepages available for {} MiB ({e}); \
                         falling back to normal pages, expect more TLB misses. \
                         Reserve hugepages with `echo {} > /proc/sys/vm/nr_hugepages`",
                        bytes >> 20,
                        bytes.div_ceil(HUGE_PAGE)
                    );
                    (
                        normal(bytes).map_err(|source| PoolError::Map { bytes, source })?,
                        Backing::NormalPages,
                    )
                }
            },
        };
        let base = NonNull::new(map.as_mut_ptr()).expect("mmap never returns null");
        Ok(Region {
            base,
            len: bytes,
            backing,
            _owner: Owner::Mmap(map),
        })
    }
}

/// The buffer pool. Shared by all workers through an `Arc`.
pub struct Pool {
    id: u32,
    config: PoolConfig,
    frame_shift: u32,
    region: Region,
    meta: Box<[UnsafeCell<BufMeta>]>,
    shared_free: Mutex<Vec<u32>>,
    /// `shared_free`'s length, stored under its lock after every change, so
    /// that readers (`show buffers`, `/metrics`) never take the lock the
    /// workers refill their caches under.
    shared_len: AtomicUsize,
    /// Free buffers held in worker caches, one slot per cache.
    cache_counts: Mutex<Vec<Arc<CacheStats>>>,
}

// SAFETY: `Pool` hands out access to a frame's bytes and metadata only
// through a `&Buf` or `&mut Buf`. A `Buf` is unique (neither Copy nor
// Clone, created only from the free list, carrying this pool's id), so two
// threads never reach the same frame or metadata entry at once; the rest of
// the pool (free list, cache counts) is behind mutexes.
unsafe impl Sync for Pool {}
// SAFETY: the region and metadata are plain memory not tied to a thread;
// see the `Sync` justification for access.
unsafe impl Send for Pool {}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("id", &self.id)
            .field("config", &self.config)
            .field("backing", &self.region.backing)
            .finish()
    }
}

impl Pool {
    /// Maps the region and fills the free list.
    pub fn new(config: PoolConfig) -> Result<Arc<Pool>, PoolError> {
        if config.buffers == 0 || config.buffers > MAX_BUFFERS {
            return Err(PoolError::Invalid("buffers must be between 1 and 1048576"));
        }
        if config.data_size < 256 || config.data_size > 65535 - config.headroom {
            return Err(PoolError::Invalid(
                "data-size must be between 256 and 65279",
            ));
        }
        if config.headroom < DEFAULT_HEADROOM {
            return Err(PoolError::Invalid("headroom must be at least 256 bytes"));
        }
        let id = NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed);
        if id > MAX_POOL_ID {
            return Err(PoolError::TooManyPools);
        }
        let frame_size = config.frame_size() as usize;
        let bytes = frame_size * config.buffers as usize;
        let region = Region::map(bytes, config.page_size)?;
        let meta = (0..config.buffers)
            .map(|_| UnsafeCell::new(BufMeta::FRESH))
            .collect();
        // Lowest indices on top of the stack so a fresh pool hands out 0, 1, ...
        let free: Vec<u32> = (0..config.buffers).rev().collect();
        Ok(Arc::new(Pool {
            shared_len: AtomicUsize::new(free.len()),
            id,
            config,
            frame_shift: frame_size.trailing_zeros(),
            region,
            meta,
            shared_free: Mutex::new(free),
            cache_counts: Mutex::new(Vec::new()),
        }))
    }

    /// The configuration the pool was built with.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Total number of buffers.
    pub fn len(&self) -> u32 {
        self.config.buffers
    }

    /// Never true: a pool has at least one buffer.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Bytes per frame (a power of two).
    pub fn frame_size(&self) -> usize {
        1 << self.frame_shift
    }

    /// What the region is backed with.
    pub fn backing(&self) -> Backing {
        self.region.backing
    }

    /// Start address and length of the region (for registering it as an
    /// AF_XDP UMEM).
    pub fn region(&self) -> (NonNull<u8>, usize) {
        (self.region.base, self.region.len)
    }

    /// Buffers on the shared free list (not in any worker cache), read
    /// without taking its lock.
    pub fn shared_free(&self) -> usize {
        self.shared_len.load(Ordering::Relaxed)
    }

    /// Free buffers: the shared list plus every live worker cache.
    pub fn available(&self) -> usize {
        let cached: usize = self
            .cache_counts
            .lock()
            .expect("pool lock")
            .iter()
            .map(|c| c.free.load(Ordering::Relaxed))
            .sum();
        self.shared_free() + cached
    }

    /// Buffers in use (allocated and not yet freed).
    pub fn in_use(&self) -> usize {
        self.len() as usize - self.available()
    }

    /// Creates a worker cache. The cache returns its buffers to the shared
    /// list when dropped.
    pub fn cache(self: &Arc<Self>) -> PoolCache {
        let stats = Arc::new(CacheStats::default());
        self.cache_counts
            .lock()
            .expect("pool lock")
            .push(stats.clone());
        PoolCache {
            pool: self.clone(),
            free: Vec::with_capacity(3 * BATCH),
            stats,
        }
    }

    /// Per-cache free counts, in creation order (for `show buffers`).
    pub fn cache_free_counts(&self) -> Vec<usize> {
        self.cache_counts
            .lock()
            .expect("pool lock")
            .iter()
            .map(|c| c.free.load(Ordering::Relaxed))
            .collect()
    }

    #[inline]
    fn check(&self, buf: &Buf) -> usize {
        if buf.pool_id() != self.id {
            foreign_buffer(buf.pool_id(), self.id);
        }
        // A Buf of this pool always has an index below `buffers`.
        buf.index() as usize
    }

    #[inline]
    fn frame_ptr(&self, index: usize) -> *mut u8 {
        debug_assert!(index < self.config.buffers as usize);
        // SAFETY: index < buffers, so index << frame_shift + frame_size is
        // within the region of buffers << frame_shift bytes.
        unsafe { self.region.base.as_ptr().add(index << self.frame_shift) }
    }

    /// The metadata of a buffer.
    #[inline]
    pub fn meta(&self, buf: &Buf) -> &BufMeta {
        let i = self.check(buf);
        // SAFETY: `buf` is the only handle for index `i` and is borrowed
        // shared for the returned lifetime, so nobody writes the entry.
        unsafe { &*self.meta[i].get() }
    }

    /// The metadata of a buffer, mutable.
    #[inline]
    pub fn meta_mut<'a>(&'a self, buf: &'a mut Buf) -> &'a mut BufMeta {
        let i = self.check(buf);
        // SAFETY: `buf` is the only handle for index `i` and is borrowed
        // exclusively for the returned lifetime, so this is the only
        // reference to the entry.
        unsafe { &mut *self.meta[i].get() }
    }

    /// The current data of a buffer (`data_offset .. data_offset + len`).
    #[inline]
    pub fn data(&self, buf: &Buf) -> &[u8] {
        let m = *self.meta(buf);
        &self.frame(buf)[m.data_offset as usize..][..m.len as usize]
    }

    /// The whole frame of a buffer, headroom included.
    #[inline]
    pub fn frame(&self, buf: &Buf) -> &[u8] {
        let i = self.check(buf);
        // SAFETY: the frame lies inside the region (see `frame_ptr`);
        // `buf` is the only handle for it and is borrowed shared for the
        // returned lifetime, so nobody writes these bytes meanwhile.
        unsafe { std::slice::from_raw_parts(self.frame_ptr(i), self.frame_size()) }
    }

    /// Mutable access to a buffer's frame and metadata at once.
    #[inline]
    pub fn packet_mut<'a>(&'a self, buf: &'a mut Buf) -> PacketMut<'a> {
        let i = self.check(buf);
        // SAFETY: `buf` is the only handle for index `i` and is borrowed
        // exclusively for 'a, so these are the only references to the
        // frame (inside the region, see `frame_ptr`) and to its metadata.
        let (frame, meta) = unsafe {
            (
                std::slice::from_raw_parts_mut(self.frame_ptr(i), self.frame_size()),
                &mut *self.meta[i].get(),
            )
        };
        PacketMut { frame, meta }
    }

    /// A copy of the pool's geometry for one node call (see [`PoolView`]).
    #[inline]
    pub fn view(&self) -> PoolView<'_> {
        PoolView {
            id: self.id,
            frame_shift: self.frame_shift,
            frame_size: self.frame_size(),
            base: self.region.base,
            // `UnsafeCell<BufMeta>` has the layout of `BufMeta`.
            meta: NonNull::from(&self.meta[..]).cast::<BufMeta>(),
            _pool: std::marker::PhantomData,
        }
    }

    /// Creates a handle from a raw index, for the I/O driver, which passes
    /// buffers through kernel rings as UMEM addresses.
    ///
    /// # Safety
    ///
    /// `index` must be the index of a buffer whose handle was given up with
    /// [`Pool::into_raw`] on this pool and not turned back into a handle
    /// since: there must be no other live `Buf` for it.
    pub unsafe fn from_raw(&self, index: u32) -> Buf {
        assert!(index < self.config.buffers, "buffer index out of range");
        Buf((self.id << INDEX_BITS) | index)
    }

    /// Gives up a handle, returning its index (see [`Pool::from_raw`]).
    pub fn into_raw(&self, buf: Buf) -> u32 {
        self.check(&buf) as u32
    }

    /// Returns a buffer straight to the shared free list (slow paths that
    /// have no worker cache, e.g. a driver reclaiming what the kernel held
    /// when its socket closes).
    pub fn free_shared(&self, buf: Buf) {
        let index = self.check(&buf) as u32;
        let mut shared = self.shared_free.lock().expect("pool lock");
        shared.push(index);
        self.shared_len.store(shared.len(), Ordering::Relaxed);
    }

    /// Resets a buffer's metadata to that of a freshly allocated buffer
    /// with `len` bytes of data at `data_offset`, received on `rx_if`
    /// (drivers, on receive), in one store.
    #[inline]
    pub fn reset_meta(&self, buf: &mut Buf, data_offset: u16, len: u16, rx_if: u32) {
        *self.meta_mut(buf) = BufMeta {
            data_offset,
            len,
            rx_if,
            ..BufMeta::FRESH
        };
    }

    fn take_shared(&self, out: &mut Vec<u32>, n: usize) -> usize {
        let mut shared = self.shared_free.lock().expect("pool lock");
        let take = n.min(shared.len());
        let at = shared.len() - take;
        out.extend(shared.drain(at..));
        self.shared_len.store(shared.len(), Ordering::Relaxed);
        take
    }

    fn give_shared(&self, from: &mut Vec<u32>, n: usize) {
        let at = from.len() - n.min(from.len());
        let mut shared = self.shared_free.lock().expect("pool lock");
        shared.extend(from.drain(at..));
        self.shared_len.store(shared.len(), Ordering::Relaxed);
    }
}

#[cold]
#[inline(never)]
fn foreign_buffer(got: u32, want: u32) -> ! {
    panic!("buffer of pool {got} used with pool {want}")
}

#[derive(Default)]
struct CacheStats {
    free: AtomicUsize,
}

/// A worker's private cache of free buffers. Not shared between threads:
/// allocation and free are a `Vec` pop and push.
pub struct PoolCache {
    pool: Arc<Pool>,
    free: Vec<u32>,
    stats: Arc<CacheStats>,
}

impl std::fmt::Debug for PoolCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolCache")
            .field("free", &self.free.len())
            .finish()
    }
}

impl PoolCache {
    /// The pool this cache draws from.
    #[inline]
    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// Free buffers in this cache.
    pub fn cached(&self) -> usize {
        self.free.len()
    }

    #[inline]
    fn publish(&self) {
        self.stats.free.store(self.free.len(), Ordering::Relaxed);
    }

    /// Takes one buffer, fresh metadata (no data, data offset at the end of
    /// the headroom). `None` when the pool is exhausted.
    #[inline]
    pub fn alloc(&mut self) -> Option<Buf> {
        if self.free.is_empty() && self.pool.take_shared(&mut self.free, BATCH) == 0 {
            return None;
        }
        let index = self.free.pop()?;
        self.publish();
        let mut buf = Buf((self.pool.id << INDEX_BITS) | index);
        let headroom = self.pool.config.headroom as u16;
        let m = self.pool.meta_mut(&mut buf);
        *m = BufMeta::FRESH;
        m.data_offset = headroom;
        Some(buf)
    }

    /// Returns one buffer.
    #[inline]
    pub fn free(&mut self, buf: Buf) {
        // The handle is consumed here: its index goes back on the list.
        let index = self.pool.check(&buf) as u32;
        self.free.push(index);
        if self.free.len() >= 3 * BATCH {
            self.pool.give_shared(&mut self.free, BATCH);
        }
        self.publish();
    }

    /// Returns every buffer of `bufs`, leaving it empty.
    pub fn free_all(&mut self, bufs: &mut Vec<Buf>) {
        for b in bufs.drain(..) {
            self.free(b);
        }
    }
}

impl Drop for PoolCache {
    fn drop(&mut self) {
        let n = self.free.len();
        self.pool.give_shared(&mut self.free, n);
        self.publish();
        let mut counts = self.pool.cache_counts.lock().expect("pool lock");
        counts.retain(|c| !Arc::ptr_eq(c, &self.stats));
    }
}

/// The pool's geometry copied into a small `Copy` value, for the packet
/// loops of nodes: the same accessors as [`Pool`], but the compiler keeps
/// the few fields they need in registers instead of reloading them from
/// the shared pool for every packet (it cannot prove the pool unchanged
/// across the loop's stores), and a handle's index needs no bounds check
/// against the metadata array (a `Buf` of this pool always has an index
/// below `buffers`).
#[derive(Clone, Copy)]
pub struct PoolView<'a> {
    id: u32,
    frame_shift: u32,
    frame_size: usize,
    base: NonNull<u8>,
    meta: NonNull<BufMeta>,
    _pool: std::marker::PhantomData<&'a Pool>,
}

impl std::fmt::Debug for PoolView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolView").field("id", &self.id).finish()
    }
}

impl<'a> PoolView<'a> {
    /// The index of a handle of this pool.
    #[inline]
    fn check(&self, buf: &Buf) -> usize {
        if buf.pool_id() != self.id {
            foreign_buffer(buf.pool_id(), self.id);
        }
        buf.index() as usize
    }

    /// The metadata of a buffer.
    #[inline]
    pub fn meta<'b>(&self, buf: &'b Buf) -> &'b BufMeta
    where
        'a: 'b,
    {
        let i = self.check(buf);
        // SAFETY: a `Buf` of this pool has index < buffers, the length of
        // the metadata array `meta` points to (alive for 'a). `buf` is the
        // only handle for the entry and is borrowed shared for 'b, so
        // nobody writes it meanwhile.
        unsafe { &*self.meta.as_ptr().add(i) }
    }

    /// The metadata of a buffer, mutable.
    #[inline]
    pub fn meta_mut<'b>(&self, buf: &'b mut Buf) -> &'b mut BufMeta
    where
        'a: 'b,
    {
        let i = self.check(buf);
        // SAFETY: as in `meta`; `buf` is borrowed exclusively for 'b, so
        // this is the only reference to the entry (the entries are
        // `UnsafeCell`s, so writing through the pool's shared borrow is
        // allowed).
        unsafe { &mut *self.meta.as_ptr().add(i) }
    }

    /// The whole frame of a buffer, headroom included.
    #[inline]
    pub fn frame<'b>(&self, buf: &'b Buf) -> &'b [u8]
    where
        'a: 'b,
    {
        let i = self.check(buf);
        // SAFETY: index < buffers, so the frame lies inside the region
        // (alive for 'a); `buf` is the only handle for it and is borrowed
        // shared for 'b, so nobody writes these bytes meanwhile.
        unsafe {
            std::slice::from_raw_parts(
                self.base.as_ptr().add(i << self.frame_shift),
                self.frame_size,
            )
        }
    }

    /// The current data of a buffer (`data_offset .. data_offset + len`).
    #[inline]
    pub fn data<'b>(&self, buf: &'b Buf) -> &'b [u8]
    where
        'a: 'b,
    {
        let m = *self.meta(buf);
        &self.frame(buf)[m.data_offset as usize..][..m.len as usize]
    }

    /// Mutable access to a buffer's frame and metadata at once.
    #[inline]
    pub fn packet_mut<'b>(&self, buf: &'b mut Buf) -> PacketMut<'b>
    where
        'a: 'b,
    {
        let i = self.check(buf);
        // SAFETY: index < buffers (see `meta`), so the frame lies inside
        // the region and the entry inside the metadata array, both alive
        // for 'a. `buf` is the only handle for index `i` and is borrowed
        // exclusively for 'b, so these are the only references to them.
        let (frame, meta) = unsafe {
            (
                std::slice::from_raw_parts_mut(
                    self.base.as_ptr().add(i << self.frame_shift),
                    self.frame_size,
                ),
                &mut *self.meta.as_ptr().add(i),
            )
        };
        PacketMut { frame, meta }
    }
}

/// Mutable view of one buffer: its frame bytes and its metadata.
pub struct PacketMut<'a> {
    frame: &'a mut [u8],
    /// The buffer's metadata.
    pub meta: &'a mut BufMeta,
}

impl<'a> PacketMut<'a> {
    /// The current data.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.frame[self.meta.data_offset as usize..][..self.meta.len as usize]
    }

    /// The current data, mutable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.frame[self.meta.data_offset as usize..][..self.meta.len as usize]
    }

    /// The whole frame (headroom included), for nodes that look back at
    /// headers already advanced over (e.g. the outer IPv4 header in
    /// vxlan4-input).
    #[inline]
    pub fn frame(&self) -> &[u8] {
        self.frame
    }

    /// Bytes of headroom in front of the current data.
    #[inline]
    pub fn headroom(&self) -> usize {
        self.meta.data_offset as usize
    }

    /// Bytes that can still be appended after the current data.
    #[inline]
    pub fn tailroom(&self) -> usize {
        self.frame.len() - self.meta.data_offset as usize - self.meta.len as usize
    }

    /// Drops `n` bytes from the front of the data (pops a header).
    /// Returns false, changing nothing, if the data is shorter than `n`.
    #[inline]
    pub fn advance(&mut self, n: usize) -> bool {
        if n > self.meta.len as usize {
            return false;
        }
        self.meta.data_offset += n as u16;
        self.meta.len -= n as u16;
        true
    }

    /// Grows the data by `n` bytes at the front (into the headroom) and
    /// returns them for writing. `None`, changing nothing, if the headroom
    /// is smaller than `n`.
    #[inline]
    pub fn prepend(&mut self, n: usize) -> Option<&mut [u8]> {
        let off = self.meta.data_offset as usize;
        if n > off || self.meta.len as usize + n > u16::MAX as usize {
            return None;
        }
        self.meta.data_offset -= n as u16;
        self.meta.len += n as u16;
        Some(&mut self.frame[off - n..off])
    }

    /// Sets the data length. Returns false, changing nothing, if it would
    /// not fit the frame.
    #[inline]
    pub fn set_len(&mut self, len: usize) -> bool {
        if self.meta.data_offset as usize + len > self.frame.len() {
            return false;
        }
        self.meta.len = len as u16;
        true
    }

    /// Replaces the data with `bytes` (placed after the headroom).
    /// Returns false, changing nothing, if it does not fit.
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        let off = self.meta.data_offset as usize;
        if off + bytes.len() > self.frame.len() {
            return false;
        }
        self.frame[off..off + bytes.len()].copy_from_slice(bytes);
        self.meta.len = bytes.len() as u16;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(buffers: u32) -> Arc<Pool> {
        Pool::new(PoolConfig {
            buffers,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn geometry() {
        let c = PoolConfig::default();
        assert_eq!(c.frame_size(), 4096);
        let p = small(8);
        assert_eq!(p.frame_size(), 4096);
        assert_eq!(p.region().1, 8 * 4096);
        assert_eq!(p.available(), 8);
    }

    #[test]
    fn invalid_configs_are_refused() {
        for cfg in [
            PoolConfig {
                buffers: 0,
                ..PoolConfig::default()
            },
            PoolConfig {
                buffers: MAX_BUFFERS + 1,
                ..PoolConfig::default()
            },
            PoolConfig {
                headroom: 128,
                ..PoolConfig::default()
            },
            PoolConfig {
                data_size: 100,
                ..PoolConfig::default()
            },
        ] {
            assert!(
                matches!(Pool::new(cfg), Err(PoolError::Invalid(_))),
                "{cfg:?}"
            );
        }
    }

    #[test]
    fn alloc_free_round_trip_and_exhaustion() {
        let p = small(4);
        let mut c = p.cache();
        let bufs: Vec<Buf> = (0..4).map(|_| c.alloc().unwrap()).collect();
        assert!(c.alloc().is_none());
        assert_eq!(p.in_use(), 4);
        let mut idx: Vec<u32> = bufs.iter().map(|b| b.index()).collect();
        idx.sort();
        assert_eq!(idx, vec![0, 1, 2, 3]);
        for b in bufs {
            c.free(b);
        }
        assert_eq!(p.in_use(), 0);
        drop(c);
        assert_eq!(p.shared_free(), 4);
    }

    #[test]
    fn fresh_metadata_and_headroom() {
        let p = small(2);
        let mut c = p.cache();
        let mut b = c.alloc().unwrap();
        {
            let mut pk = p.packet_mut(&mut b);
            assert_eq!(pk.headroom(), 256);
            assert!(pk.write(&[1, 2, 3, 4]));
            assert_eq!(pk.data(), &[1, 2, 3, 4]);
            let hdr = pk.prepend(2).unwrap();
            hdr.copy_from_slice(&[9, 9]);
            assert_eq!(pk.data(), &[9, 9, 1, 2, 3, 4]);
            assert!(pk.advance(3));
            assert_eq!(pk.data(), &[2, 3, 4]);
            assert!(!pk.advance(4));
            assert!(pk.prepend(10_000).is_none());
            pk.meta.flags = flags::TRACED;
            pk.meta.rx_if = 7;
        }
        assert_eq!(p.data(&b), &[2, 3, 4]);
        assert!(p.meta(&b).is_traced());
        c.free(b);
        // Reallocated buffers come back with fresh metadata.
        let b = c.alloc().unwrap();
        assert_eq!(p.meta(&b).rx_if, NO_INTERFACE);
        assert_eq!(p.meta(&b).flags, 0);
        assert_eq!(p.meta(&b).len, 0);
        c.free(b);
    }

    #[test]
    #[should_panic(expected = "used with pool")]
    fn foreign_handles_are_refused() {
        let a = small(2);
        let b = small(2);
        let mut ca = a.cache();
        let buf = ca.alloc().unwrap();
        let _ = b.data(&buf);
    }

    #[test]
    fn caches_move_batches_through_the_shared_list() {
        let p = small(4 * BATCH as u32);
        let mut c1 = p.cache();
        let mut c2 = p.cache();
        let mut held = Vec::new();
        for _ in 0..(2 * BATCH) {
            held.push(c1.alloc().unwrap());
        }
        assert_eq!(p.in_use(), 2 * BATCH);
        // Freed on another worker's cache: spills back to the shared list.
        for b in held.drain(..) {
            c2.free(b);
        }
        assert!(c2.cached() < 3 * BATCH);
        assert_eq!(p.in_use(), 0);
        assert_eq!(p.cache_free_counts().len(), 2);
        drop(c1);
        drop(c2);
        assert_eq!(p.shared_free(), 4 * BATCH);
    }

    #[test]
    fn raw_round_trip() {
        let p = small(2);
        let mut c = p.cache();
        let b = c.alloc().unwrap();
        let i = p.into_raw(b);
        // SAFETY: `i` was given up by `into_raw` just above.
        let b = unsafe { p.from_raw(i) };
        assert_eq!(b.index(), i);
        c.free(b);
        assert_eq!(p.in_use(), 0);
    }

    #[test]
    fn hugepage_policy() {
        // Auto always succeeds; Huge succeeds only if hugepages are reserved.
        let p = Pool::new(PoolConfig {
            buffers: 512,
            ..PoolConfig::default()
        })
        .unwrap();
        let huge = Pool::new(PoolConfig {
            buffers: 512,
            page_size: PageSize::Huge,
            ..PoolConfig::default()
        });
        match p.backing() {
            Backing::HugePages => assert!(huge.is_ok()),
            Backing::NormalPages => {
                assert!(matches!(huge, Err(PoolError::NoHugePages { .. })))
            }
        }
    }
}
