//! Raw Ethernet frames in and out of a Linux interface with an AF_PACKET
//! socket (no tcpdump, no scapy): for sending hand-made frames to weft
//! from a peer namespace, and for seeing what reaches a kernel interface.
//!
//! The socket belongs to the network namespace of the thread that opens it
//! (enter the namespace with [`super::Netns::enter`] first); it stays there
//! after the thread leaves.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::libc;

/// `sll_pkttype` of a frame the socket's own host sent.
pub const PACKET_OUTGOING: u8 = 4;

/// An AF_PACKET socket bound to one interface, all protocols.
#[derive(Debug)]
pub struct RawSocket {
    fd: OwnedFd,
    ifindex: i32,
}

fn sockaddr(ifindex: i32) -> libc::sockaddr_ll {
    libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as u16,
        sll_protocol: (libc::ETH_P_ALL as u16).to_be(),
        sll_ifindex: ifindex,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 0,
        sll_addr: [0; 8],
    }
}

impl RawSocket {
    /// Opens a socket on `ifname` in the calling thread's namespace, with
    /// a 4 MiB receive buffer.
    ///
    /// # Panics
    ///
    /// If the interface does not exist or the socket cannot be made.
    pub fn open(ifname: &str) -> RawSocket {
        let ifindex = nix::net::if_::if_nametoindex(ifname)
            .unwrap_or_else(|e| panic!("{ifname}: {e}")) as i32;
        // SAFETY: plain socket(2) call; the result is checked below.
        let fd = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                i32::from((libc::ETH_P_ALL as u16).to_be()),
            )
        };
        assert!(fd >= 0, "socket(AF_PACKET): {}", io::Error::last_os_error());
        // SAFETY: `fd` was just returned by socket(2) and is owned by
        // nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let sa = sockaddr(ifindex);
        // SAFETY: `sa` is a valid sockaddr_ll and its size is passed.
        let ret = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        assert_eq!(ret, 0, "bind({ifname}): {}", io::Error::last_os_error());
        let size: libc::c_int = 4 << 20;
        // SAFETY: SO_RCVBUFFORCE takes an int; pointer and size match.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as u32,
            )
        };
        RawSocket { fd, ifindex }
    }

    /// Sends one frame out of the interface, as is.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        let sa = sockaddr(self.ifindex);
        // SAFETY: `frame` is a readable slice of `frame.len()` bytes and
        // `sa` a valid sockaddr_ll of the size passed.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&sa as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        assert_eq!(n as usize, frame.len(), "short send");
        Ok(())
    }

    /// Receives one frame if one is queued: (bytes, `sll_pkttype`).
    pub fn try_recv(&self) -> Option<(Vec<u8>, u8)> {
        let mut buf = vec![0u8; 65536];
        let mut sa = sockaddr(0);
        let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
        // SAFETY: `buf` is writable for its length; `sa`/`len` describe a
        // writable sockaddr_ll.
        let n = unsafe {
            libc::recvfrom(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT | libc::MSG_TRUNC,
                (&mut sa as *mut libc::sockaddr_ll).cast(),
                &mut len,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            assert_eq!(e.kind(), io::ErrorKind::WouldBlock, "recvfrom: {e}");
            return None;
        }
        buf.truncate(n as usize);
        Some((buf, sa.sll_pkttype))
    }

    /// Every frame queued now that the host did not send itself.
    pub fn drain_incoming(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some((f, t)) = self.try_recv() {
            if t != PACKET_OUTGOING {
                out.push(f);
            }
        }
        out
    }

    /// Collects incoming frames (not sent by this host) until `n` have
    /// arrived or `timeout` passes.
    pub fn collect_incoming(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < n && Instant::now() < deadline {
            match self.try_recv() {
                Some((f, t)) if t != PACKET_OUTGOING => out.push(f),
                Some(_) => {}
                None => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        out
    }
}
