//! The AF_PACKET driver (`create host-interface`): one packet socket per
//! receive queue on the Linux interface, with memory-mapped TPACKET rings
//! (`dataplane::io::af_packet`).
//!
//! A packet socket is a tap: the host stack keeps receiving every frame
//! the interface gets, and weft gets a copy. weft takes a MAC of its own
//! (`02:fe:` and four random bytes, as VPP does, or `hw-addr`) and puts the
//! interface in promiscuous mode, so frames for weft's MAC reach it on a
//! real NIC; ethernet-input takes only frames for that MAC, broadcast and
//! multicast, so weft never answers or forwards what is the host's
//! (docs/af_packet.md). The sockets ignore outgoing frames: weft does not
//! see the host's transmissions, nor its own.

use std::sync::Arc;

use control::InterfaceConfig;
use control::device::{AfPacketArgs, DeviceError};
use control::interface::InterfaceKind;
use dataplane::graph::CounterDesc;
use dataplane::io::af_packet::{AfPacketSocket, Counters, HostIf, Version};
use dataplane::io::owner::DeviceLock;
use dataplane::pool::Pool;
use dataplane::port::Port;

use super::{Driver, Opened};
use crate::linux;

/// An AF_PACKET device, open or not.
#[derive(Debug)]
pub struct AfPacket {
    args: AfPacketArgs,
    open: Option<Attached>,
}

#[derive(Debug)]
struct Attached {
    /// This weftd owns the interface while open.
    _lock: DeviceLock,
    ifindex: u32,
    /// Each queue's counters (the sockets are the workers').
    counters: Vec<Arc<Counters>>,
    fanout: Option<u16>,
}

impl AfPacket {
    /// A device for `args`, not open yet.
    pub fn new(args: AfPacketArgs) -> Result<AfPacket, DeviceError> {
        if args.host_if.is_empty() {
            return Err(DeviceError::MissingHostIf);
        }
        Ok(AfPacket { args, open: None })
    }
}

impl Driver for AfPacket {
    fn kind(&self) -> InterfaceKind {
        InterfaceKind::AfPacket
    }

    fn host_if(&self) -> &str {
        &self.args.host_if
    }

    fn name(&self) -> &'static str {
        "AF_PACKET"
    }

    fn open(&mut self, pool: &Arc<Pool>, workers: usize) -> Result<Opened, DeviceError> {
        let host_if = &self.args.host_if;
        let (link, lock) = linux::claim(host_if)?;
        let queues = self.args.socket.rx_queues();
        if usize::from(queues) > workers {
            return Err(DeviceError::TooManyQueuesForWorkers {
                requested: queues.into(),
                workers,
            });
        }
        // Bound by index: the interface this lock is for, even if another
        // of the same name appears meanwhile.
        let socket = self.args.socket.on(HostIf::Index(link.ifindex));
        let sockets =
            AfPacketSocket::open_queues(pool, &socket).map_err(|source| DeviceError::AfPacket {
                host_if: host_if.clone(),
                source,
            })?;
        let fanout = sockets.first().and_then(AfPacketSocket::fanout_group);
        let counters = sockets.iter().map(|s| s.counters().clone()).collect();
        log::info!(
            "{host_if}: AF_PACKET (ifindex {}), {queues} queue(s), TPACKET_{}",
            link.ifindex,
            version(self.args.socket.version())
        );
        let ports = sockets
            .into_iter()
            .map(|s| Box::new(s) as Box<dyn Port>)
            .collect();
        self.open = Some(Attached {
            _lock: lock,
            ifindex: link.ifindex,
            counters,
            fanout,
        });
        Ok(Opened {
            ports,
            mac: self.args.hw_addr,
            mtu: link.mtu,
            ifindex: Some(link.ifindex),
            up: link.up,
        })
    }

    fn close(&mut self) {
        self.open = None;
    }

    fn set_mtu(&mut self, mtu: u16) -> Result<(), DeviceError> {
        linux::set_mtu(
            &self.args.host_if,
            self.open.as_ref().map(|a| a.ifindex),
            mtu,
        )
    }

    fn counters(&self) -> Vec<Vec<(&'static CounterDesc, u64)>> {
        self.open.as_ref().map_or_else(Vec::new, |a| {
            a.counters.iter().map(|c| c.iter().collect()).collect()
        })
    }

    /// A packet socket takes every frame: there is nothing to steer.
    fn configure(&mut self, _ifc: &InterfaceConfig, _steer: &super::Steering) {}

    fn hardware_lines(&self) -> Vec<String> {
        let s = &self.args.socket;
        let mut lines = vec![format!(
            "Linux PACKET socket interface {}",
            match s.version() {
                Version::V2 => "v2",
                Version::V3 => "v3",
            }
        )];
        match &self.open {
            Some(a) => lines.push(format!(
                "netdev {} ifindex {}{}",
                self.args.host_if,
                a.ifindex,
                a.fanout
                    .map(|g| format!(", fanout group {g}"))
                    .unwrap_or_default()
            )),
            None => lines.push(format!("netdev {} (not attached)", self.args.host_if)),
        }
        lines.push("FEATURES:".into());
        if s.qdisc_bypass() {
            lines.push("  qdisc-bpass-enabled".into());
        }
        if s.cksum_gso() {
            lines.push("  cksum-gso-enabled".into());
        }
        let (rx, tx) = (s.rx(), s.tx());
        for q in 0..s.rx_queues() {
            lines.push(format!("RX Queue {q}:"));
            lines.push(format!(
                "  block size:{} nr:{}  frame size:{} nr:{}",
                rx.block_size(),
                rx.block_nr,
                rx.frame_size,
                rx.frame_nr()
            ));
        }
        for q in 0..self.args.tx_queues {
            lines.push(format!("TX Queue {q}:"));
            lines.push(format!(
                "  block size:{} nr:{}  frame size:{} nr:{}",
                tx.block_size(),
                tx.block_nr,
                tx.frame_size,
                tx.frame_nr()
            ));
        }
        lines
    }
}

fn version(v: Version) -> &'static str {
    match v {
        Version::V2 => "V2",
        Version::V3 => "V3",
    }
}
