//! What the dataplane tells the control plane (punt) and what the control
//! plane asks the dataplane to send (inject).
//!
//! Punts are small fixed-size messages on a bounded channel: a node calls
//! [`Punt::send`], which never blocks and never allocates; when the channel
//! is full the message is dropped and the node counts it under its own
//! error counter (`ARP punt queue full`, `echo reply punt queue full`), so
//! `show errors` shows a control plane that is not keeping up. Injected frames come the
//! other way, built by the control plane (ARP requests, `ping`), and a worker
//! drains at most [`INJECT_PER_POLL`] of them per loop iteration.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::Instant;

use crate::wire::EthernetAddress;

/// Frames a worker injects per loop iteration at most.
pub const INJECT_PER_POLL: usize = 64;

/// What an ARP packet that told weft of a neighbour was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpKind {
    /// A request for one of weft's addresses.
    Request,
    /// A reply to weft.
    Reply,
    /// A gratuitous ARP (request or reply whose sender address is its
    /// target address): a host announcing its MAC.
    Announcement,
}

/// A message from a node to the control plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PuntMsg {
    /// An ARP request for one of weft's addresses, an ARP reply to weft,
    /// or a gratuitous ARP told weft of a neighbour; or, for IPv6, a
    /// Neighbor Solicitation for one of weft's addresses (a request) or a
    /// Neighbor Advertisement (a reply if solicited or without Override,
    /// an announcement otherwise). The control plane decides whether to
    /// learn it.
    Neighbor {
        /// Interface it was received on.
        sw_if_index: u32,
        /// The neighbour's address.
        ip: std::net::IpAddr,
        /// The neighbour's MAC.
        mac: EthernetAddress,
        /// What the ARP packet was.
        kind: ArpKind,
    },
    /// An ICMP or ICMPv6 echo reply addressed to weft (an answer to
    /// `ping`).
    EchoReply {
        /// Interface it was received on.
        sw_if_index: u32,
        /// Who answered.
        src: std::net::IpAddr,
        /// ICMP identifier.
        ident: u16,
        /// ICMP sequence number.
        seq: u16,
        /// IPv4 TTL or IPv6 hop limit of the reply.
        ttl: u8,
        /// Bytes of ICMP message (header and data).
        len: u16,
        /// When the worker received it.
        at: Instant,
    },
}

/// The sending side, one clone per worker.
#[derive(Clone, Debug)]
pub struct Punt {
    tx: SyncSender<PuntMsg>,
}

impl Punt {
    /// Sends without blocking. False when the message was dropped: the
    /// channel is full (the control plane is not keeping up) or nobody
    /// receives; the caller counts it.
    #[inline]
    #[must_use]
    pub fn send(&self, msg: PuntMsg) -> bool {
        self.tx.try_send(msg).is_ok()
    }
}

/// A bounded punt channel: the workers' sender and the control plane's
/// receiver.
pub fn punt_channel(capacity: usize) -> (Punt, Receiver<PuntMsg>) {
    let (tx, rx) = mpsc::sync_channel(capacity);
    (Punt { tx }, rx)
}

/// A frame for a worker to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inject {
    /// Interface to send it on.
    pub sw_if_index: u32,
    /// The whole Ethernet frame.
    pub frame: Vec<u8>,
}

/// The control plane's side of a worker's inject queue.
#[derive(Clone, Debug)]
pub struct Injector {
    tx: mpsc::Sender<Inject>,
}

impl Injector {
    /// Queues a frame; false if the worker is gone.
    pub fn send(&self, inject: Inject) -> bool {
        self.tx.send(inject).is_ok()
    }
}

/// The worker's side of its inject queue.
#[derive(Debug)]
pub struct InjectQueue {
    rx: Receiver<Inject>,
}

impl InjectQueue {
    /// Next queued frame, if any.
    pub fn try_next(&self) -> Option<Inject> {
        self.rx.try_recv().ok()
    }
}

/// An inject channel for one worker.
pub fn inject_channel() -> (Injector, InjectQueue) {
    let (tx, rx) = mpsc::channel();
    (Injector { tx }, InjectQueue { rx })
}
