//! Link state from the kernel over rtnetlink: a monitor of link events
//! ([`LinkMonitor`]), a dump of every link ([`links`]), one link by name
//! ([`link_by_name`]) and the MTU setter ([`set_mtu`]).
//!
//! ```no_run
//! # fn main() -> Result<(), dataplane::io::netlink::NetlinkError> {
//! use dataplane::io::netlink::{self, LinkEvent, LinkMonitor};
//! // Subscribe first, then dump: no change falls between the two.
//! let mut monitor = LinkMonitor::open()?;
//! let mut view = netlink::links()?;
//! // ... poll(2) on monitor.as_fd() for POLLIN, then:
//! for event in monitor.read()? {
//!     match event {
//!         LinkEvent::Changed(info) => println!("{} mtu {}", info.name, info.mtu),
//!         LinkEvent::Deleted { ifindex, name } => println!("{name} ({ifindex}) gone"),
//!         LinkEvent::Resync => view = netlink::links()?,
//!     }
//! }
//! # let _ = view;
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! * Sockets are the rust-netlink crates' (`netlink-sys`), messages are
//!   built and parsed with `netlink-packet-route`; no async runtime. Every
//!   socket lives in the network namespace of the thread that opened it
//!   (weftd's tests enter namespaces per thread with `setns`).
//! * The monitor is one non-blocking socket subscribed to `RTNLGRP_LINK`:
//!   the caller sleeps in `poll(2)` on [`LinkMonitor::as_fd`], then
//!   [`LinkMonitor::read`] drains what is queued. Only `AF_UNSPEC` link
//!   messages count: the bridge's `AF_BRIDGE` `RTM_NEWLINK`/`RTM_DELLINK`
//!   for its ports share the group, and a port leaving a bridge is not a
//!   link deleted.
//! * An overrun (`ENOBUFS`: the kernel dropped notifications because the
//!   socket's buffer was full), a truncated or an undecodable message
//!   makes `read` discard everything queued and return exactly
//!   `[LinkEvent::Resync]`: events older than the caller's next dump must
//!   not be applied after it.
//! * Requests ([`links`], [`link_by_name`], [`set_mtu`]) each open a socket
//!   of their own, with `NETLINK_EXT_ACK` (the kernel's reason comes back
//!   with the errno: [`NetlinkError::Kernel`]'s `message`) and
//!   `NETLINK_CAP_ACK`, and a 5 s receive timeout. A dump the kernel marks
//!   inconsistent (`NLM_F_DUMP_INTR`: links changed during it) is redone,
//!   up to 8 times.
//! * `oper_up` is `IFF_RUNNING`, the kernel's RFC 2863 operational state
//!   (`up` or `unknown`), rather than `IFF_LOWER_UP` (carrier only): it also
//!   goes down for a dormant link and for a stacked device whose lower
//!   device is down, which is what "can this link carry traffic" means.
//!   Both are cleared on an administratively down link.
//!
//! # Limitations
//!
//! * One `RTM_NEWLINK` comes for any change of a link (address, master,
//!   queue settings, ...), not only flags and MTU; `Changed` carries the
//!   whole new state, and the caller compares it with what it knew. One
//!   command can produce several (`ip link set up` sends one for `IFF_UP`
//!   and one when the carrier and operational state follow).
//! * No other attributes (addresses, stats, XDP state) are reported.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
    NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use nix::errno::Errno;

/// Receive buffer: a link notification is a few KiB; dump datagrams are at
/// most 32 KiB.
const RECV_BUF: usize = 64 * 1024;

/// How long a request waits for the kernel's reply.
const REPLY_TIMEOUT_S: i64 = 5;

/// How many times an inconsistent dump is redone.
const DUMP_RETRIES: usize = 8;

/// Interface names are at most `IFNAMSIZ - 1` bytes.
const IFNAMSIZ: usize = 16;

/// `struct nlmsghdr`'s size.
const NLMSG_HDRLEN: usize = 16;

/// `NLMSGERR_ATTR_MSG`: the extended ack's text.
const NLMSGERR_ATTR_MSG: u16 = 1;

/// One link as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// Interface index (unique in its network namespace while it exists;
    /// a re-created interface of the same name gets a new one).
    pub ifindex: u32,
    /// Interface name.
    pub name: String,
    /// Administratively up (`IFF_UP`, `ip link set X up`).
    pub admin_up: bool,
    /// Operationally up (`IFF_RUNNING`: RFC 2863 operational state up or
    /// unknown; see the module docs for why not `IFF_LOWER_UP`).
    pub oper_up: bool,
    /// MTU.
    pub mtu: u32,
    /// Hardware address, when the link has a 6-byte one (Ethernet-like
    /// devices, loopback's all-zero one); `None` for links without
    /// (tun, wireguard) or with another length.
    pub mac: Option<[u8; 6]>,
}

/// What [`LinkMonitor::read`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkEvent {
    /// `RTM_NEWLINK`: a link was created or something about it changed
    /// (flags, operational state, MTU, ...). The whole new state.
    Changed(LinkInfo),
    /// `RTM_DELLINK`: the link is gone.
    Deleted {
        /// Its interface index.
        ifindex: u32,
        /// Its name.
        name: String,
    },
    /// Notifications were lost (socket overrun) or could not be read:
    /// everything queued was discarded; dump again ([`links`]).
    Resync,
}

/// The operation a [`NetlinkError`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetlinkOp {
    /// Opening the link monitor.
    OpenMonitor,
    /// Reading the link monitor.
    ReadMonitor,
    /// Dumping every link.
    Dump,
    /// Asking for one link by name.
    GetLink {
        /// The name asked for.
        name: String,
    },
    /// Setting a link's MTU.
    SetMtu {
        /// The link.
        ifindex: u32,
        /// The MTU asked for.
        mtu: u32,
    },
}

impl fmt::Display for NetlinkOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetlinkOp::OpenMonitor => f.write_str("cannot open the link monitor"),
            NetlinkOp::ReadMonitor => f.write_str("cannot read the link monitor"),
            NetlinkOp::Dump => f.write_str("cannot dump the links"),
            NetlinkOp::GetLink { name } => write!(f, "cannot get link {name}"),
            NetlinkOp::SetMtu { ifindex, mtu } => {
                write!(f, "cannot set the MTU of ifindex {ifindex} to {mtu}")
            }
        }
    }
}

/// Errors of this module; each names its operation.
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    /// A socket call (socket, bind, setsockopt, send, recv) failed.
    #[error("{op}: {source}")]
    Io {
        /// The operation.
        op: NetlinkOp,
        /// The system error.
        source: io::Error,
    },
    /// The kernel answered the request with an error.
    #[error("{op}: {errno}{}", .message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Kernel {
        /// The operation.
        op: NetlinkOp,
        /// The kernel's errno.
        errno: Errno,
        /// The kernel's extended-ack message, when it gave one (e.g. "mtu
        /// greater than device maximum").
        message: Option<String>,
    },
    /// A message from the kernel could not be decoded.
    #[error("{op}: undecodable netlink message: {reason}")]
    Decode {
        /// The operation.
        op: NetlinkOp,
        /// What was wrong.
        reason: String,
    },
    /// Links kept changing during every attempt of a dump.
    #[error("{op}: the links changed during each of {DUMP_RETRIES} attempts")]
    Interrupted {
        /// The operation.
        op: NetlinkOp,
    },
}

impl NetlinkError {
    /// The kernel's errno, for [`NetlinkError::Kernel`].
    pub fn errno(&self) -> Option<Errno> {
        match self {
            NetlinkError::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// A subscription to the kernel's link notifications (`RTNLGRP_LINK`) in
/// the calling thread's network namespace.
pub struct LinkMonitor {
    socket: Socket,
    buf: Vec<u8>,
}

impl fmt::Debug for LinkMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkMonitor")
            .field("fd", &self.socket.as_raw_fd())
            .finish()
    }
}

impl LinkMonitor {
    /// Opens a non-blocking rtnetlink socket subscribed to link
    /// notifications. Open it before dumping ([`links`]), so that no change
    /// falls between the dump and the first event.
    pub fn open() -> Result<LinkMonitor, NetlinkError> {
        let io = |source| NetlinkError::Io {
            op: NetlinkOp::OpenMonitor,
            source,
        };
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(io)?;
        socket.bind(&SocketAddr::new(0, 0)).map_err(io)?;
        socket.add_membership(libc::RTNLGRP_LINK).map_err(io)?;
        socket.set_non_blocking(true).map_err(io)?;
        // Room for bursts (the kernel caps it at net.core.rmem_max).
        socket.set_rx_buf_sz(1usize << 20).map_err(io)?;
        Ok(LinkMonitor {
            socket,
            buf: vec![0; RECV_BUF],
        })
    }

    /// Drains every queued notification, oldest first. Returns an empty
    /// vector when nothing is queued (it never blocks). After an overrun it
    /// returns exactly `[LinkEvent::Resync]` (see the module docs).
    pub fn read(&mut self) -> Result<Vec<LinkEvent>, NetlinkError> {
        let mut events = Vec::new();
        let mut resync = false;
        loop {
            match self.socket.recv(&mut &mut self.buf[..], libc::MSG_TRUNC) {
                Ok(n) if n > self.buf.len() => {
                    log::warn!("link monitor: a {n}-byte notification was truncated; resync");
                    self.buf.resize(n.next_power_of_two(), 0);
                    resync = true;
                }
                Ok(n) => {
                    if !resync && let Err(reason) = parse_events(&self.buf[..n], &mut events) {
                        log::warn!("link monitor: {reason}; resync");
                        resync = true;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    log::info!("link monitor: notifications lost (socket overrun); resync");
                    resync = true;
                }
                Err(source) => {
                    return Err(NetlinkError::Io {
                        op: NetlinkOp::ReadMonitor,
                        source,
                    });
                }
            }
        }
        if resync {
            events.clear();
            events.push(LinkEvent::Resync);
        }
        Ok(events)
    }
}

impl AsFd for LinkMonitor {
    /// The socket, for `poll(2)` (`POLLIN`; an overrun shows as `POLLERR`,
    /// and [`LinkMonitor::read`] reports it as [`LinkEvent::Resync`]).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for LinkMonitor {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// Every link of the calling thread's network namespace (`RTM_GETLINK`
/// dump), in the kernel's order (by ifindex).
pub fn links() -> Result<Vec<LinkInfo>, NetlinkError> {
    let op = NetlinkOp::Dump;
    for _ in 0..DUMP_RETRIES {
        let reply = request(
            &op,
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            NLM_F_DUMP,
        )?;
        if !reply.interrupted {
            return Ok(reply.links.iter().map(link_info).collect());
        }
    }
    Err(NetlinkError::Interrupted { op })
}

/// The link named `name` in the calling thread's network namespace, if
/// there is one.
pub fn link_by_name(name: &str) -> Result<Option<LinkInfo>, NetlinkError> {
    // No link can have such a name; the kernel would refuse the request.
    if name.is_empty() || name.len() >= IFNAMSIZ || name.contains('\0') {
        return Ok(None);
    }
    let op = NetlinkOp::GetLink {
        name: name.to_string(),
    };
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(name.to_string()));
    match request(&op, RouteNetlinkMessage::GetLink(msg), NLM_F_ACK) {
        Ok(reply) => Ok(reply.links.first().map(link_info)),
        Err(NetlinkError::Kernel {
            errno: Errno::ENODEV,
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sets the MTU of link `ifindex` (`RTM_SETLINK` with `IFLA_MTU`). The
/// kernel's refusal comes back as [`NetlinkError::Kernel`] with its errno
/// and reason, e.g. `EINVAL` "mtu greater than device maximum" for a veth
/// whose peer has an XDP program.
pub fn set_mtu(ifindex: u32, mtu: u32) -> Result<(), NetlinkError> {
    let op = NetlinkOp::SetMtu { ifindex, mtu };
    let mut msg = LinkMessage::default();
    msg.header.index = ifindex;
    msg.attributes.push(LinkAttribute::Mtu(mtu));
    request(&op, RouteNetlinkMessage::SetLink(msg), NLM_F_ACK).map(drop)
}

/// What a request got back.
struct Reply {
    links: Vec<LinkMessage>,
    /// The kernel flagged the dump inconsistent (`NLM_F_DUMP_INTR`).
    interrupted: bool,
}

/// Sends `msg` with `NLM_F_REQUEST | flags` on a socket of its own and
/// collects the links in the reply, up to `NLMSG_DONE` (a dump) or the
/// acknowledgement (`NLM_F_ACK`).
fn request(op: &NetlinkOp, msg: RouteNetlinkMessage, flags: u16) -> Result<Reply, NetlinkError> {
    static SEQ: AtomicU32 = AtomicU32::new(1);
    let io = |source| NetlinkError::Io {
        op: op.clone(),
        source,
    };
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(io)?;
    socket.bind_auto().map_err(io)?;
    socket.set_ext_ack(true).map_err(io)?;
    socket.set_cap_ack(true).map_err(io)?;
    nix::sys::socket::setsockopt(
        &socket,
        nix::sys::socket::sockopt::ReceiveTimeout,
        &nix::sys::time::TimeVal::new(REPLY_TIMEOUT_S, 0),
    )
    .map_err(|e| io(e.into()))?;

    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | flags;
    header.sequence_number = seq;
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
    packet.finalize();
    let mut out = vec![0; packet.buffer_len()];
    packet.serialize(&mut out);
    socket
        .send_to(&out, &SocketAddr::new(0, 0), 0)
        .map_err(io)?;

    let decode = |reason: String| NetlinkError::Decode {
        op: op.clone(),
        reason,
    };
    let mut reply = Reply {
        links: Vec::new(),
        interrupted: false,
    };
    let mut buf = vec![0u8; RECV_BUF];
    loop {
        let n = loop {
            match socket.recv(&mut &mut buf[..], libc::MSG_TRUNC) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => break r.map_err(io)?,
            }
        };
        if n > buf.len() {
            return Err(decode(format!("a {n}-byte reply was truncated")));
        }
        for raw in split(&buf[..n]).map_err(decode)? {
            let msg = NetlinkMessage::<RouteNetlinkMessage>::deserialize(raw)
                .map_err(|e| decode(e.to_string()))?;
            if msg.header.sequence_number != seq {
                continue;
            }
            if msg.header.flags & NLM_F_DUMP_INTR != 0 {
                reply.interrupted = true;
            }
            match msg.payload {
                NetlinkPayload::Done(_) => return Ok(reply),
                NetlinkPayload::Error(e) => match e.code {
                    None => return Ok(reply),
                    Some(code) => {
                        return Err(NetlinkError::Kernel {
                            op: op.clone(),
                            errno: Errno::from_raw(-code.get()),
                            message: ext_ack_message(msg.header.flags, &e.header),
                        });
                    }
                },
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => {
                    reply.links.push(link);
                }
                _ => {}
            }
        }
    }
}

/// The messages of one datagram.
fn split(mut buf: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            return Err(format!(
                "message length {len} with {} bytes left",
                buf.len()
            ));
        }
        out.push(&buf[..len]);
        buf = &buf[align4(len).min(buf.len())..];
    }
    Ok(out)
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Appends the link events of one notification datagram to `events`.
fn parse_events(buf: &[u8], events: &mut Vec<LinkEvent>) -> Result<(), String> {
    for raw in split(buf)? {
        let msg =
            NetlinkMessage::<RouteNetlinkMessage>::deserialize(raw).map_err(|e| e.to_string())?;
        match msg.payload {
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link))
                if link.header.interface_family == AddressFamily::Unspec =>
            {
                events.push(LinkEvent::Changed(link_info(&link)));
            }
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(link))
                if link.header.interface_family == AddressFamily::Unspec =>
            {
                let info = link_info(&link);
                events.push(LinkEvent::Deleted {
                    ifindex: info.ifindex,
                    name: info.name,
                });
            }
            NetlinkPayload::Overrun(_) => return Err("NLMSG_OVERRUN".to_string()),
            _ => {}
        }
    }
    Ok(())
}

fn link_info(msg: &LinkMessage) -> LinkInfo {
    let mut info = LinkInfo {
        ifindex: msg.header.index,
        name: String::new(),
        admin_up: msg.header.flags.contains(LinkFlags::Up),
        oper_up: msg.header.flags.contains(LinkFlags::Running),
        mtu: 0,
        mac: None,
    };
    for attr in &msg.attributes {
        match attr {
            LinkAttribute::IfName(name) => info.name = name.clone(),
            LinkAttribute::Mtu(mtu) => info.mtu = *mtu,
            LinkAttribute::Address(addr) => info.mac = addr.as_slice().try_into().ok(),
            _ => {}
        }
    }
    info
}

/// The text of an extended ack (`NLMSGERR_ATTR_MSG`), if the error message
/// (outer header flags `flags`, payload after the error code `payload`)
/// carries one.
fn ext_ack_message(flags: u16, payload: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }
    // The request's header, or the whole request when it was not capped.
    let skip = if flags & NLM_F_CAPPED != 0 {
        NLMSG_HDRLEN
    } else {
        let len = payload.get(..4)?;
        u32::from_ne_bytes(len.try_into().ok()?) as usize
    };
    let mut tlvs = payload.get(align4(skip)..)?;
    while tlvs.len() >= 4 {
        let len = u16::from_ne_bytes([tlvs[0], tlvs[1]]) as usize;
        let kind = u16::from_ne_bytes([tlvs[2], tlvs[3]]) & netlink_packet_core::NLA_TYPE_MASK;
        if len < 4 || len > tlvs.len() {
            return None;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let text = &tlvs[4..len];
            let text = text.split(|b| *b == 0).next().unwrap_or(text);
            return Some(String::from_utf8_lossy(text).into_owned());
        }
        tlvs = &tlvs[align4(len).min(tlvs.len())..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `RTM_NEWLINK` for `veth0` (ifindex 7, up, running, MTU 1500,
    /// MAC 02:00:00:00:00:01), as the kernel sends it (trimmed to the
    /// attributes read here).
    fn newlink(message_type: u16, family: u8, flags: u32) -> Vec<u8> {
        let mut attrs = Vec::new();
        let mut nla = |kind: u16, value: &[u8]| {
            attrs.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
            attrs.extend_from_slice(&kind.to_ne_bytes());
            attrs.extend_from_slice(value);
            while attrs.len() % 4 != 0 {
                attrs.push(0);
            }
        };
        nla(3, b"veth0\0"); // IFLA_IFNAME
        nla(4, &1500u32.to_ne_bytes()); // IFLA_MTU
        nla(1, &[2, 0, 0, 0, 0, 1]); // IFLA_ADDRESS
        let mut ifinfo = vec![family, 0];
        ifinfo.extend_from_slice(&1u16.to_ne_bytes()); // ARPHRD_ETHER
        ifinfo.extend_from_slice(&7i32.to_ne_bytes());
        ifinfo.extend_from_slice(&flags.to_ne_bytes());
        ifinfo.extend_from_slice(&0u32.to_ne_bytes());
        let len = 16 + ifinfo.len() + attrs.len();
        let mut m = Vec::new();
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&message_type.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&ifinfo);
        m.extend_from_slice(&attrs);
        m
    }

    const RTM_NEWLINK: u16 = 16;
    const RTM_DELLINK: u16 = 17;
    const IFF_UP: u32 = 1;
    const IFF_RUNNING: u32 = 1 << 6;
    const IFF_LOWER_UP: u32 = 1 << 16;

    fn veth0(admin_up: bool, oper_up: bool) -> LinkInfo {
        LinkInfo {
            ifindex: 7,
            name: "veth0".into(),
            admin_up,
            oper_up,
            mtu: 1500,
            mac: Some([2, 0, 0, 0, 0, 1]),
        }
    }

    #[test]
    fn events_of_one_datagram() {
        let mut buf = newlink(RTM_NEWLINK, 0, IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
        buf.extend(newlink(RTM_NEWLINK, 0, IFF_UP | IFF_LOWER_UP));
        buf.extend(newlink(RTM_NEWLINK, 0, 0));
        buf.extend(newlink(RTM_DELLINK, 0, 0));
        let mut events = Vec::new();
        parse_events(&buf, &mut events).unwrap();
        assert_eq!(
            events,
            [
                LinkEvent::Changed(veth0(true, true)),
                // Carrier without RFC 2863 "up" is not oper_up.
                LinkEvent::Changed(veth0(true, false)),
                LinkEvent::Changed(veth0(false, false)),
                LinkEvent::Deleted {
                    ifindex: 7,
                    name: "veth0".into()
                },
            ]
        );
    }

    #[test]
    fn bridge_port_messages_are_not_link_events() {
        const AF_BRIDGE: u8 = 7;
        let mut buf = newlink(RTM_NEWLINK, AF_BRIDGE, IFF_UP);
        buf.extend(newlink(RTM_DELLINK, AF_BRIDGE, IFF_UP));
        let mut events = Vec::new();
        parse_events(&buf, &mut events).unwrap();
        assert_eq!(events, []);
    }

    #[test]
    fn bad_lengths_are_refused() {
        let mut buf = newlink(RTM_NEWLINK, 0, 0);
        buf[0] = 200; // longer than the datagram
        assert_eq!(
            split(&buf).unwrap_err(),
            format!("message length 200 with {} bytes left", buf.len())
        );
        buf[0] = 8; // shorter than a header
        assert!(split(&buf).is_err());
        assert_eq!(split(&[0; 10]).unwrap(), Vec::<&[u8]>::new());
    }

    #[test]
    fn ext_ack_text() {
        // Capped: the request's 16-byte header, then NLMSGERR_ATTR_MSG.
        let mut payload = vec![0u8; 16];
        let text = b"mtu greater than device maximum\0";
        payload.extend_from_slice(&((4 + text.len()) as u16).to_ne_bytes());
        payload.extend_from_slice(&NLMSGERR_ATTR_MSG.to_ne_bytes());
        payload.extend_from_slice(text);
        assert_eq!(
            ext_ack_message(NLM_F_CAPPED | NLM_F_ACK_TLVS, &payload).as_deref(),
            Some("mtu greater than device maximum")
        );
        assert_eq!(ext_ack_message(NLM_F_CAPPED, &payload), None);
        // Not capped: the whole request (its length in its header) first.
        let mut uncapped = 20u32.to_ne_bytes().to_vec();
        uncapped.extend_from_slice(&[0; 16]);
        uncapped.extend_from_slice(&payload[16..]);
        assert_eq!(
            ext_ack_message(NLM_F_ACK_TLVS, &uncapped).as_deref(),
            Some("mtu greater than device maximum")
        );
        assert_eq!(ext_ack_message(NLM_F_ACK_TLVS, &[1, 2]), None);
    }

    #[test]
    fn error_messages_name_the_operation() {
        let e = NetlinkError::Kernel {
            op: NetlinkOp::SetMtu {
                ifindex: 5,
                mtu: 9000,
            },
            errno: Errno::EINVAL,
            message: Some("mtu greater than device maximum".into()),
        };
        assert_eq!(
            e.to_string(),
            "cannot set the MTU of ifindex 5 to 9000: EINVAL: Invalid argument \
             (mtu greater than device maximum)"
        );
        assert_eq!(e.errno(), Some(Errno::EINVAL));
        let e = NetlinkError::Kernel {
            op: NetlinkOp::GetLink {
                name: "eth0".into(),
            },
            errno: Errno::EPERM,
            message: None,
        };
        assert_eq!(
            e.to_string(),
            "cannot get link eth0: EPERM: Operation not permitted"
        );
        let e = NetlinkError::Interrupted {
            op: NetlinkOp::Dump,
        };
        assert_eq!(
            e.to_string(),
            "cannot dump the links: the links changed during each of 8 attempts"
        );
        assert_eq!(e.errno(), None);
    }

    #[test]
    fn impossible_names_are_not_asked_for() {
        assert_eq!(link_by_name("").unwrap(), None);
        assert_eq!(link_by_name("sixteen-chars-xx").unwrap(), None);
        assert_eq!(link_by_name("a\0b").unwrap(), None);
    }

    #[test]
    fn loopback_is_in_the_dump() {
        // Unprivileged: any process may dump the links of its namespace.
        let all = links().unwrap();
        let lo = all.iter().find(|l| l.name == "lo").expect("lo");
        assert_eq!(lo.mac, Some([0; 6]));
        assert_eq!(link_by_name("lo").unwrap().as_ref(), Some(lo));
        assert_eq!(link_by_name("weft-no-such").unwrap(), None);
    }
}
