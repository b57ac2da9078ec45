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

/// What a device's driver reports for `show hardware-interfaces`: the
/// lines after the `Ethernet address` line and the `driver` object of the
/// JSON form come from this one value, so they cannot disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceDetails {
    /// An AF_XDP device (`create interface af_xdp`).
    AfXdp(AfXdpDetails),
    /// An AF_PACKET device (`create host-interface`).
    AfPacket(AfPacketDetails),
    /// A pg device standing in for one of the above (tests).
    PgStandIn {
        /// The Linux interface it stands in for.
        host_if: String,
    },
}

/// An AF_XDP device's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfXdpDetails {
    /// The Linux interface.
    pub host_if: String,
    /// `rx-queue-size` and `tx-queue-size`: ring slots per queue.
    pub rx_ring: u32,
    /// See `rx_ring`.
    pub tx_ring: u32,
    /// What is attached; `None` while the Linux interface is gone.
    pub attached: Option<AfXdpAttached>,
}

/// An attached AF_XDP device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfXdpAttached {
    /// The Linux interface's index.
    pub ifindex: u32,
    /// weft's XDP program's mode: `native` or `generic`.
    pub xdp_mode: &'static str,
    /// Which build of the program is loaded: `device-bound` (it reads the
    /// VLAN tags the device kept out of the frame and puts them back) or
    /// `plain`.
    pub xdp_build: &'static str,
    /// The program hands weft every frame (the interface is in an L2 mode).
    pub takes_all_frames: bool,
    /// Out-of-band VLAN tags the device-bound build put back (`None` for
    /// the plain build).
    pub vlan_tags_restored: Option<u64>,
    /// Zero-copy, per receive queue (queue 0 first).
    pub zero_copy: Vec<bool>,
}

/// An AF_PACKET device's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfPacketDetails {
    /// The Linux interface.
    pub host_if: String,
    /// TPACKET version: `v2` or `v3`.
    pub version: &'static str,
    /// The Linux interface's index and the fanout group; `None` while the
    /// Linux interface is gone.
    pub attached: Option<(u32, Option<u16>)>,
    /// Frames bypass the qdisc layer on transmit.
    pub qdisc_bypass: bool,
    /// Checksum offload and GSO (virtio-net headers).
    pub cksum_gso: bool,
    /// Receive queues: one ring each.
    pub rx_queues: u16,
    /// Transmit queues: one ring each.
    pub tx_queues: u16,
    /// The receive ring of every receive queue.
    pub rx_ring: PacketRing,
    /// The transmit ring of every transmit queue.
    pub tx_ring: PacketRing,
}

/// One TPACKET ring's geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketRing {
    /// Bytes per block.
    pub block_size: u64,
    /// Blocks.
    pub block_nr: u64,
    /// Bytes per frame.
    pub frame_size: u64,
    /// Frames.
    pub frame_nr: u64,
}

impl PacketRing {
    fn line(&self) -> String {
        format!(
            "  block size:{} nr:{}  frame size:{} nr:{}",
            self.block_size, self.block_nr, self.frame_size, self.frame_nr
        )
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "block_size": self.block_size,
            "block_nr": self.block_nr,
            "frame_size": self.frame_size,
            "frame_nr": self.frame_nr,
        })
    }
}

impl DeviceDetails {
    /// The `show hardware-interfaces` lines, without indent.
    pub fn lines(&self) -> Vec<String> {
        match self {
            DeviceDetails::AfXdp(d) => {
                let Some(a) = &d.attached else {
                    return vec![format!("netdev {} (not attached)", d.host_if)];
                };
                let all_zero_copy = a.zero_copy.iter().all(|&z| z);
                let mut lines = vec![
                    format!(
                        "netdev {} ifindex {}{}",
                        d.host_if,
                        a.ifindex,
                        if all_zero_copy { ", zero-copy" } else { "" }
                    ),
                    format!(
                        "xdp program: weft_xdp, {} mode{}",
                        a.xdp_mode,
                        if a.takes_all_frames {
                            ", takes all frames (l2)"
                        } else {
                            ""
                        }
                    ),
                    match a.vlan_tags_restored {
                        Some(n) => format!("vlan tags: from rx metadata, {n} put back"),
                        None => "vlan tags: in the frame only (plain program)".to_string(),
                    },
                ];
                for (q, &zc) in a.zero_copy.iter().enumerate() {
                    lines.push(format!(
                        "queue {q}: {} mode, rx-ring {} tx-ring {}",
                        if zc { "zero-copy" } else { "copy" },
                        d.rx_ring,
                        d.tx_ring
                    ));
                }
                lines
            }
            DeviceDetails::AfPacket(d) => {
                let mut lines = vec![format!("Linux PACKET socket interface {}", d.version)];
                match d.attached {
                    Some((ifindex, fanout)) => lines.push(format!(
                        "netdev {} ifindex {ifindex}{}",
                        d.host_if,
                        fanout
                            .map(|g| format!(", fanout group {g}"))
                            .unwrap_or_default()
                    )),
                    None => lines.push(format!("netdev {} (not attached)", d.host_if)),
                }
                lines.push("FEATURES:".into());
                if d.qdisc_bypass {
                    lines.push("  qdisc-bpass-enabled".into());
                }
                if d.cksum_gso {
                    lines.push("  cksum-gso-enabled".into());
                }
                for q in 0..d.rx_queues {
                    lines.push(format!("RX Queue {q}:"));
                    lines.push(d.rx_ring.line());
                }
                for q in 0..d.tx_queues {
                    lines.push(format!("TX Queue {q}:"));
                    lines.push(d.tx_ring.line());
                }
                lines
            }
            DeviceDetails::PgStandIn { host_if } => vec![
                format!("netdev {host_if} (pg stand-in)"),
                "flags: initialized".into(),
            ],
        }
    }

    /// The `driver` object of `show hardware-interfaces`' JSON form
    /// (docs/observability.md lists the fields).
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            DeviceDetails::AfXdp(d) => {
                let a = d.attached.as_ref();
                json!({
                    "type": "af_xdp",
                    "host_if": d.host_if,
                    "attached": a.is_some(),
                    "ifindex": a.map(|a| a.ifindex),
                    "zero_copy": a.map(|a| a.zero_copy.iter().all(|&z| z)),
                    "xdp": a.map(|a| json!({
                        "program": "weft_xdp",
                        "mode": a.xdp_mode,
                        "build": a.xdp_build,
                        "takes_all_frames": a.takes_all_frames,
                        "vlan_tags_restored": a.vlan_tags_restored,
                    })),
                    "queues": a.map_or_else(Vec::new, |a| a.zero_copy.iter().enumerate().map(|(q, &zc)| json!({
                        "queue": q,
                        "mode": if zc { "zero-copy" } else { "copy" },
                        "rx_ring": d.rx_ring,
                        "tx_ring": d.tx_ring,
                    })).collect()),
                })
            }
            DeviceDetails::AfPacket(d) => json!({
                "type": "af_packet",
                "host_if": d.host_if,
                "attached": d.attached.is_some(),
                "ifindex": d.attached.map(|a| a.0),
                "fanout_group": d.attached.and_then(|a| a.1),
                "version": d.version,
                "qdisc_bypass": d.qdisc_bypass,
                "cksum_gso": d.cksum_gso,
                "rx_queues": (0..d.rx_queues).map(|q| json!({"queue": q, "ring": d.rx_ring.json()})).collect::<Vec<_>>(),
                "tx_queues": (0..d.tx_queues).map(|q| json!({"queue": q, "ring": d.tx_ring.json()})).collect::<Vec<_>>(),
            }),
            DeviceDetails::PgStandIn { host_if } => json!({
                "type": "pg",
                "host_if": host_if,
                "attached": true,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn af_xdp(attached: bool, device_bound: bool) -> DeviceDetails {
        DeviceDetails::AfXdp(AfXdpDetails {
            host_if: "eth0".into(),
            rx_ring: 512,
            tx_ring: 1024,
            attached: attached.then(|| AfXdpAttached {
                ifindex: 7,
                xdp_mode: "native",
                xdp_build: if device_bound {
                    "device-bound"
                } else {
                    "plain"
                },
                takes_all_frames: !device_bound,
                vlan_tags_restored: device_bound.then_some(10),
                zero_copy: vec![false, true],
            }),
        })
    }

    /// The lines are the ones the drivers printed before they reported a
    /// value, and the JSON carries the same facts.
    #[test]
    fn af_xdp_lines_and_json() {
        let d = af_xdp(true, true);
        assert_eq!(
            d.lines(),
            [
                "netdev eth0 ifindex 7",
                "xdp program: weft_xdp, native mode",
                "vlan tags: from rx metadata, 10 put back",
                "queue 0: copy mode, rx-ring 512 tx-ring 1024",
                "queue 1: zero-copy mode, rx-ring 512 tx-ring 1024",
            ]
        );
        let j = d.json();
        assert_eq!(j["type"], "af_xdp");
        assert_eq!(j["ifindex"], 7);
        assert_eq!(j["zero_copy"], false);
        assert_eq!(j["xdp"]["mode"], "native");
        assert_eq!(j["xdp"]["build"], "device-bound");
        assert_eq!(j["xdp"]["takes_all_frames"], false);
        assert_eq!(j["xdp"]["vlan_tags_restored"], 10);
        assert_eq!(j["queues"][1]["mode"], "zero-copy");
        assert_eq!(j["queues"][1]["rx_ring"], 512);
        assert_eq!(j["queues"][1]["tx_ring"], 1024);
        let d = af_xdp(true, false);
        assert_eq!(
            d.lines()[1..3],
            [
                "xdp program: weft_xdp, native mode, takes all frames (l2)",
                "vlan tags: in the frame only (plain program)"
            ]
        );
        assert_eq!(d.json()["xdp"]["build"], "plain");
        assert_eq!(
            d.json()["xdp"]["vlan_tags_restored"],
            serde_json::Value::Null
        );
        let d = af_xdp(false, false);
        assert_eq!(d.lines(), ["netdev eth0 (not attached)"]);
        assert_eq!(d.json()["attached"], false);
        assert_eq!(d.json()["xdp"], serde_json::Value::Null);
        assert_eq!(d.json()["queues"], serde_json::json!([]));
    }

    #[test]
    fn af_packet_lines_and_json() {
        let ring = |frame_size| PacketRing {
            block_size: 4096,
            block_nr: 32,
            frame_size,
            frame_nr: 64,
        };
        let d = DeviceDetails::AfPacket(AfPacketDetails {
            host_if: "eth0".into(),
            version: "v3",
            attached: Some((4, Some(3))),
            qdisc_bypass: true,
            cksum_gso: false,
            rx_queues: 1,
            tx_queues: 2,
            rx_ring: ring(2048),
            tx_ring: ring(1024),
        });
        assert_eq!(
            d.lines(),
            [
                "Linux PACKET socket interface v3",
                "netdev eth0 ifindex 4, fanout group 3",
                "FEATURES:",
                "  qdisc-bpass-enabled",
                "RX Queue 0:",
                "  block size:4096 nr:32  frame size:2048 nr:64",
                "TX Queue 0:",
                "  block size:4096 nr:32  frame size:1024 nr:64",
                "TX Queue 1:",
                "  block size:4096 nr:32  frame size:1024 nr:64",
            ]
        );
        let j = d.json();
        assert_eq!(j["type"], "af_packet");
        assert_eq!(j["version"], "v3");
        assert_eq!(j["ifindex"], 4);
        assert_eq!(j["fanout_group"], 3);
        assert_eq!(j["qdisc_bypass"], true);
        assert_eq!(j["cksum_gso"], false);
        assert_eq!(j["rx_queues"][0]["ring"]["frame_size"], 2048);
        assert_eq!(j["tx_queues"][1]["queue"], 1);
        assert_eq!(j["tx_queues"][1]["ring"]["block_nr"], 32);
    }
}
