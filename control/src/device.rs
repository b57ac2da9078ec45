//! Devices: interfaces backed by a driver on a Linux interface (AF_XDP,
//! AF_PACKET), as the CLI asks for them and as the runtime refuses them.
//!
//! A `create` command parses into one [`DeviceArgs`] value, every number
//! already checked where it entered (an AF_XDP ring size is a
//! [`RingSize`], never a bare `u32`); the runtime
//! ([`crate::runtime::Runtime::create_device`]) opens the device with that
//! value as it is and answers a [`DeviceError`], whose text is what the
//! CLI prints after the command path.

use std::io;

use dataplane::io::af_packet::{self, AfPacketError};
use dataplane::io::af_xdp::{AfXdpError, RingSize};
use dataplane::io::netlink::NetlinkError;
use dataplane::io::owner::OwnerError;
use dataplane::io::xdp_prog::XdpError;
use dataplane::wire::EthernetAddress;

use crate::config::ConfigError;
use crate::interface::InterfaceKind;

/// `create interface af_xdp` after parsing (VPP-CLI.md §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfXdpArgs {
    /// `host-if <linux-ifname>`.
    pub host_if: String,
    /// `name <name>`; default `<host-if>/0`.
    pub name: Option<String>,
    /// `rx-queue-size <n>` (default 512).
    pub rx_queue_size: RingSize,
    /// `tx-queue-size <n>` (default 512).
    pub tx_queue_size: RingSize,
    /// `num-rx-queues <n>`; `None` for `all`.
    pub num_rx_queues: Option<u32>,
    /// `zero-copy` (Some(true)), `no-zero-copy` (Some(false)), or auto.
    pub zero_copy: Option<bool>,
}

impl Default for AfXdpArgs {
    fn default() -> Self {
        AfXdpArgs {
            host_if: String::new(),
            name: None,
            rx_queue_size: RingSize::DEFAULT,
            tx_queue_size: RingSize::DEFAULT,
            num_rx_queues: Some(1),
            zero_copy: None,
        }
    }
}

/// `create host-interface` after parsing (VPP's `src/plugins/af_packet/cli.c`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfPacketArgs {
    /// `name <linux-ifname>`.
    pub host_if: String,
    /// The sockets' configuration: ring geometry (`v2`, `rx-size`,
    /// `rx-per-block`, `tx-size`, `tx-per-block`), `num-rx-queues`,
    /// `qdisc-bypass-disable`, `cksum-gso-disable`, validated by the parser.
    pub socket: af_packet::Config,
    /// `num-tx-queues <n>` (1 to num-rx-queues: each worker transmits
    /// through the socket of the queue it polls).
    pub tx_queues: u16,
    /// `hw-addr <mac>`; default a random `02:fe:` MAC, as VPP's.
    pub hw_addr: Option<EthernetAddress>,
}

/// What a `create` command asks the runtime for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceArgs {
    /// `create interface af_xdp ...`.
    AfXdp(AfXdpArgs),
    /// `create host-interface ...`.
    AfPacket(AfPacketArgs),
}

impl DeviceArgs {
    /// The Linux interface the device attaches to.
    pub fn host_if(&self) -> &str {
        match self {
            DeviceArgs::AfXdp(a) => &a.host_if,
            DeviceArgs::AfPacket(a) => &a.host_if,
        }
    }

    /// The weft interface's name: `name <x>`, else VPP's default for the
    /// driver (`<host-if>/0` for AF_XDP, `host-<host-if>` for AF_PACKET).
    pub fn name(&self) -> String {
        match self {
            DeviceArgs::AfXdp(a) => a.name.clone().unwrap_or_else(|| format!("{}/0", a.host_if)),
            DeviceArgs::AfPacket(a) => format!("host-{}", a.host_if),
        }
    }

    /// The kind of interface it makes.
    pub fn kind(&self) -> InterfaceKind {
        match self {
            DeviceArgs::AfXdp(_) => InterfaceKind::AfXdp,
            DeviceArgs::AfPacket(_) => InterfaceKind::AfPacket,
        }
    }
}

/// Why a device could not be created, changed or deleted. The texts are
/// VPP's where VPP has one.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No `host-if` given.
    #[error("missing host interface")]
    MissingHostIf,
    /// The configuration model refused the interface (its name is taken).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Another interface of this weftd is on the same Linux interface.
    #[error("host interface {0} is already in use")]
    HostIfInUse(String),
    /// The Linux interface does not exist (in weftd's network namespace).
    #[error("host interface {host_if}: {source}")]
    NoSuchHostIf {
        /// The Linux interface.
        host_if: String,
        /// The kernel's answer.
        source: io::Error,
    },
    /// The Linux interface has no Ethernet address.
    #[error("host interface {0} has no MAC address")]
    NoMac(String),
    /// More receive queues asked for than the Linux interface has (VPP's
    /// message).
    #[error("too many rxq requested ({requested} > {available})")]
    TooManyQueues {
        /// Asked for.
        requested: u32,
        /// The interface's.
        available: u32,
    },
    /// More receive queues than workers (weft's message).
    #[error(
        "too many rxq requested ({requested} > {workers} workers): weft polls one queue of an interface per worker"
    )]
    TooManyQueuesForWorkers {
        /// Asked for.
        requested: u32,
        /// Workers running.
        workers: usize,
    },
    /// weft's XDP program could not be attached or configured.
    #[error("{host_if}: {source}")]
    Xdp {
        /// The Linux interface.
        host_if: String,
        /// What failed.
        source: XdpError,
    },
    /// An AF_XDP socket could not be opened.
    #[error("{host_if} queue {queue}: {source}")]
    AfXdp {
        /// The Linux interface.
        host_if: String,
        /// The queue.
        queue: u32,
        /// What failed.
        source: AfXdpError,
    },
    /// An AF_PACKET socket could not be opened.
    #[error("{host_if}: {source}")]
    AfPacket {
        /// The Linux interface.
        host_if: String,
        /// What failed.
        source: AfPacketError,
    },
    /// Another process (a second weftd) owns the Linux interface.
    #[error(transparent)]
    Owner(#[from] OwnerError),
    /// Reading or changing the Linux interface through rtnetlink failed
    /// (the kernel's reason included).
    #[error("{host_if}: {source}")]
    Netlink {
        /// The Linux interface.
        host_if: String,
        /// What failed.
        source: NetlinkError,
    },
    /// An MTU larger than weft's buffers hold.
    #[error(
        "mtu {mtu} is more than weft's buffers hold: at most {max} (buffers {{ default data-size }} sets the buffer size)"
    )]
    MtuTooBig {
        /// Asked for.
        mtu: u16,
        /// The largest.
        max: u16,
    },
    /// The device cannot change its MTU.
    #[error("the MTU of {0} cannot be changed")]
    MtuFixed(String),
    /// The device is not attached to its Linux interface (deleted, waiting
    /// for it to come back).
    #[error("{0} is not attached (its Linux interface is gone)")]
    NotAttached(String),
    /// `delete` of an interface that has no device.
    #[error("not a device interface")]
    NotADevice,
    /// `set interface rx-mode` on an interface without receive queues.
    #[error("interface has no rx queues")]
    NoRxQueues,
    /// `set interface rx-mode ... queue <n>` with no such queue.
    #[error("unknown queue {queue} on interface {interface}")]
    UnknownQueue {
        /// The queue asked for.
        queue: u32,
        /// The interface's name.
        interface: String,
    },
}
