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
use control::device::{AfPacketArgs, AfPacketDetails, DeviceDetails, DeviceError, PacketRing};
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

    fn hardware(&self) -> Option<DeviceDetails> {
        let s = &self.args.socket;
        let ring = |g: dataplane::io::af_packet::Geometry| PacketRing {
            block_size: g.block_size() as u64,
            block_nr: u64::from(g.block_nr),
            frame_size: u64::from(g.frame_size),
            frame_nr: g.frame_nr() as u64,
        };
        Some(DeviceDetails::AfPacket(AfPacketDetails {
            host_if: self.args.host_if.clone(),
            version: match s.version() {
                Version::V2 => "v2",
                Version::V3 => "v3",
            },
            attached: self.open.as_ref().map(|a| (a.ifindex, a.fanout)),
            qdisc_bypass: s.qdisc_bypass(),
            cksum_gso: s.cksum_gso(),
            rx_queues: s.rx_queues(),
            tx_queues: self.args.tx_queues,
            rx_ring: ring(s.rx()),
            tx_ring: ring(s.tx()),
        }))
    }
}

fn version(v: Version) -> &'static str {
    match v {
        Version::V2 => "V2",
        Version::V3 => "V3",
    }
}
