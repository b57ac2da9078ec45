//! The system calls of the AF_PACKET driver, and the only `unsafe` code of
//! the module: the packet socket ([`PacketFd`]) and the mapping of its
//! rings ([`Mapping`]).
//!
//! The mapping hands out ring memory only while the kernel has given it to
//! user space (the status word says so, read with acquire ordering), and
//! takes `&mut self` to give it back (release ordering), so no slice of a
//! block or frame outlives its ownership. Everything above this file is safe
//! code over plain slices.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

/// A failed system call: the call and the error.
#[derive(Debug)]
pub(super) struct SysError {
    pub call: &'static str,
    pub source: io::Error,
}

fn last(call: &'static str) -> SysError {
    SysError {
        call,
        source: io::Error::last_os_error(),
    }
}

/// The size of a page (`sysconf(_SC_PAGESIZE)`), 4096 if unknown.
pub(super) fn page_size() -> usize {
    // SAFETY: sysconf has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// The index of interface `name` (`if_nametoindex`).
pub(super) fn if_nametoindex(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a NUL-terminated string that lives across the call.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// The ring request of `PACKET_RX_RING` / `PACKET_TX_RING`
/// (`tpacket_req3`; TPACKET_V2 reads its first four fields).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RingReq {
    pub block_size: u32,
    pub block_nr: u32,
    pub frame_size: u32,
    pub frame_nr: u32,
    /// V3 only: block retire timeout, ms (0 for the tx ring).
    pub retire_blk_tov: u32,
}

/// Kernel statistics read (and reset) by `PACKET_STATISTICS`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SockStats {
    pub packets: u32,
    pub drops: u32,
    pub freeze_q_cnt: u32,
}

/// An AF_PACKET socket.
#[derive(Debug)]
pub(super) struct PacketFd(OwnedFd);

impl PacketFd {
    /// `socket(AF_PACKET, SOCK_RAW, 0)`: a packet socket that receives
    /// nothing until [`bind`](Self::bind) names the protocol and interface.
    pub fn new() -> Result<PacketFd, SysError> {
        // SAFETY: plain socket(2) call; the result is checked.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(last("socket(AF_PACKET)"));
        }
        // SAFETY: `fd` was just returned by socket(2) and belongs to no one
        // else.
        Ok(PacketFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// The descriptor, borrowed.
    pub fn borrow(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.0.as_fd()
    }

    fn setsockopt<T>(
        &self,
        name: libc::c_int,
        value: &T,
        call: &'static str,
    ) -> Result<(), SysError> {
        self.setsockopt_len(name, value, std::mem::size_of::<T>(), call)
    }

    fn setsockopt_len<T>(
        &self,
        name: libc::c_int,
        value: &T,
        len: usize,
        call: &'static str,
    ) -> Result<(), SysError> {
        assert!(len <= std::mem::size_of::<T>());
        // SAFETY: `value` is readable for `len <= size_of::<T>()` bytes for
        // the duration of the call; the kernel copies them.
        let ret = unsafe {
            libc::setsockopt(
                self.0.as_raw_fd(),
                libc::SOL_PACKET,
                name,
                (value as *const T).cast(),
                len as libc::socklen_t,
            )
        };
        if ret != 0 {
            return Err(last(call));
        }
        Ok(())
    }

    /// Sets an integer socket option of `SOL_PACKET`.
    pub fn set_int(
        &self,
        name: libc::c_int,
        value: libc::c_int,
        call: &'static str,
    ) -> Result<(), SysError> {
        self.setsockopt(name, &value, call)
    }

    /// `PACKET_RX_RING` or `PACKET_TX_RING`; `v3` selects the request size.
    pub fn set_ring(
        &self,
        name: libc::c_int,
        req: &RingReq,
        v3: bool,
        call: &'static str,
    ) -> Result<(), SysError> {
        let r = libc::tpacket_req3 {
            tp_block_size: req.block_size,
            tp_block_nr: req.block_nr,
            tp_frame_size: req.frame_size,
            tp_frame_nr: req.frame_nr,
            tp_retire_blk_tov: req.retire_blk_tov,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        let len = if v3 {
            std::mem::size_of::<libc::tpacket_req3>()
        } else {
            std::mem::size_of::<libc::tpacket_req>()
        };
        self.setsockopt_len(name, &r, len, call)
    }

    /// `bind` to `ifindex`, all protocols (`ETH_P_ALL`).
    pub fn bind(&self, ifindex: u32) -> Result<(), SysError> {
        let sa = libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: (libc::ETH_P_ALL as u16).to_be(),
            sll_ifindex: ifindex as i32,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 0,
            sll_addr: [0; 8],
        };
        // SAFETY: `sa` is a valid sockaddr_ll and its size is passed.
        let ret = unsafe {
            libc::bind(
                self.0.as_raw_fd(),
                (&sa as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if ret != 0 {
            return Err(last("bind"));
        }
        Ok(())
    }

    /// `PACKET_ADD_MEMBERSHIP` `PACKET_MR_PROMISC` on `ifindex` (dropped
    /// by the kernel when the socket closes).
    pub fn add_promisc(&self, ifindex: u32) -> Result<(), SysError> {
        let mr = libc::packet_mreq {
            mr_ifindex: ifindex as i32,
            mr_type: libc::PACKET_MR_PROMISC as u16,
            mr_alen: 0,
            mr_address: [0; 8],
        };
        self.setsockopt(
            libc::PACKET_ADD_MEMBERSHIP,
            &mr,
            "setsockopt(PACKET_ADD_MEMBERSHIP)",
        )
    }

    /// The fanout group id of the socket (`getsockopt(PACKET_FANOUT)`).
    pub fn fanout_id(&self) -> Result<u16, SysError> {
        let mut v: u32 = 0;
        let mut len = std::mem::size_of::<u32>() as libc::socklen_t;
        // SAFETY: `v` is a writable u32 and `len` its size.
        let ret = unsafe {
            libc::getsockopt(
                self.0.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_FANOUT,
                (&mut v as *mut u32).cast(),
                &mut len,
            )
        };
        if ret != 0 {
            return Err(last("getsockopt(PACKET_FANOUT)"));
        }
        Ok(v as u16)
    }

    /// The kernel's counters since the last call (`PACKET_STATISTICS`
    /// resets them). TPACKET_V2 has no `tp_freeze_q_cnt` (left 0).
    pub fn stats(&self) -> Result<SockStats, SysError> {
        let mut s = libc::tpacket_stats_v3 {
            tp_packets: 0,
            tp_drops: 0,
            tp_freeze_q_cnt: 0,
        };
        let mut len = std::mem::size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
        // SAFETY: `s` is a writable tpacket_stats_v3 and `len` its size; the
        // kernel writes at most `len` bytes.
        let ret = unsafe {
            libc::getsockopt(
                self.0.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut s as *mut libc::tpacket_stats_v3).cast(),
                &mut len,
            )
        };
        if ret != 0 {
            return Err(last("getsockopt(PACKET_STATISTICS)"));
        }
        Ok(SockStats {
            packets: s.tp_packets,
            drops: s.tp_drops,
            freeze_q_cnt: s.tp_freeze_q_cnt,
        })
    }

    /// `send(fd, NULL, 0, MSG_DONTWAIT)`: the kernel transmits every tx
    /// ring frame marked `TP_STATUS_SEND_REQUEST`, without waiting.
    pub fn kick(&self) -> io::Result<()> {
        // SAFETY: a zero-length send with a null buffer reads no memory;
        // with a tx ring it only makes the kernel walk the ring.
        let n = unsafe { libc::send(self.0.as_raw_fd(), std::ptr::null(), 0, libc::MSG_DONTWAIT) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// The rx and tx rings of one socket, mapped together (rx ring first).
#[derive(Debug)]
pub(super) struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory with the kernel; every access
// goes through `&self`/`&mut self` of the one socket that owns it, so
// moving it to another thread moves that exclusive use with it.
unsafe impl Send for Mapping {}

impl Mapping {
    /// Maps `len` bytes of the rings of `fd` (rx ring size + tx ring size).
    pub fn new(fd: &PacketFd, len: usize) -> Result<Mapping, SysError> {
        // SAFETY: a new shared mapping of the socket's rings at an address
        // the kernel picks; nothing else is mapped over.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.0.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(last("mmap"));
        }
        Ok(Mapping {
            base: NonNull::new(p.cast()).expect("mmap returned NULL"),
            len,
        })
    }

    /// The status word at `off`.
    fn word(&self, off: usize) -> &AtomicU32 {
        assert!(
            off.is_multiple_of(4) && off + 4 <= self.len,
            "ring status offset {off} out of the mapping"
        );
        // SAFETY: `off + 4 <= len` and the page-aligned base plus a multiple
        // of 4 is 4-aligned; the kernel and this process access the word
        // concurrently, which an atomic makes defined.
        unsafe { &*self.base.as_ptr().add(off).cast::<AtomicU32>() }
    }

    /// Reads the status word at `off` (acquire: pairs with the kernel's
    /// `smp_wmb()` before it publishes a block or frame).
    pub fn status(&self, off: usize) -> u32 {
        self.word(off).load(Ordering::Acquire)
    }

    /// Gives a block or frame to the kernel by storing `value` in its
    /// status word at `off` (release: everything written before is visible
    /// to the kernel when it sees the status). Takes `&mut self`, so no
    /// slice of the ring is alive across it.
    pub fn give_back(&mut self, off: usize, value: u32) {
        self.word(off).store(value, Ordering::Release);
    }

    fn range(&self, off: usize, len: usize, status_off: usize) -> bool {
        off.checked_add(len).is_some_and(|end| end <= self.len)
            && (off..off + len).contains(&status_off)
    }

    /// The `len` bytes at `off`, if the status word at `status_off` (inside
    /// them) satisfies `owned`: the kernel has given them to user space.
    /// Returns the status with them.
    pub fn owned(
        &self,
        off: usize,
        len: usize,
        status_off: usize,
        owned: impl Fn(u32) -> bool,
    ) -> Option<(u32, &[u8])> {
        if !self.range(off, len, status_off) {
            return None;
        }
        let s = self.status(status_off);
        if !owned(s) {
            return None;
        }
        // SAFETY: the range is inside the mapping (checked above). The
        // status says user space owns these bytes: the kernel does not
        // write them until `give_back` stores a kernel status, which needs
        // `&mut self` and so cannot happen while this borrow lives. The
        // acquire load above orders the reads after the kernel's writes.
        Some((s, unsafe {
            std::slice::from_raw_parts(self.base.as_ptr().add(off), len)
        }))
    }

    /// As [`owned`](Self::owned), writable.
    pub fn owned_mut(
        &mut self,
        off: usize,
        len: usize,
        status_off: usize,
        owned: impl Fn(u32) -> bool,
    ) -> Option<(u32, &mut [u8])> {
        if !self.range(off, len, status_off) {
            return None;
        }
        let s = self.status(status_off);
        if !owned(s) {
            return None;
        }
        // SAFETY: as in `owned`; `&mut self` makes this the only slice of
        // the mapping. The kernel reads a user-owned tx frame's status only
        // inside this socket's own send()/poll() calls, which cannot run
        // while this borrow lives.
        Some((s, unsafe {
            std::slice::from_raw_parts_mut(self.base.as_ptr().add(off), len)
        }))
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` is the mapping made in `new`, unmapped once;
        // no slice of it is alive (they borrow `self`).
        let ret = unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
        if ret != 0 {
            log::error!("af_packet: munmap: {}", io::Error::last_os_error());
        }
    }
}
