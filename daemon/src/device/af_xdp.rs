//! The AF_XDP driver: weft's XDP program on the Linux interface plus one
//! [`AfXdpSocket`] per receive queue.
//!
//! Every socket registers the whole buffer pool as its UMEM, so the worker
//! that polls a queue also transmits on the interface through the same
//! socket and the koko path (in and out of the same uplink) never copies.
//! The program steers to weft what is weft's (ARP for and IPv4 to its
//! addresses, or everything in L2 mode) and passes the rest to the host;
//! [`Driver::configure`] keeps its maps in step with the interface
//! (docs/af_xdp.md).

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use control::InterfaceConfig;
use control::device::{AfXdpArgs, AfXdpAttached, AfXdpDetails, DeviceDetails, DeviceError};
use control::interface::InterfaceKind;
use dataplane::io::af_xdp::{self, AfXdpSocket, CopyMode, SocketConfig};
use dataplane::io::owner::DeviceLock;
use dataplane::io::xdp_prog::{XdpMode, XdpProgram};
use dataplane::pool::Pool;
use dataplane::port::Port;
use dataplane::tables::L2Mode;

use super::{Driver, Opened};
use crate::linux;

/// An AF_XDP device, open or not.
#[derive(Debug)]
pub struct AfXdp {
    args: AfXdpArgs,
    /// Set while open.
    open: Option<Attached>,
}

/// What an open device holds besides the sockets (which the workers have).
#[derive(Debug)]
struct Attached {
    /// This weftd owns the interface while open.
    _lock: DeviceLock,
    ifindex: u32,
    prog: XdpProgram,
    /// Zero-copy, per queue.
    zero_copy: Vec<bool>,
    /// Addresses in the program's map.
    addresses: BTreeSet<Ipv4Addr>,
    /// The prefixes of those addresses, in `weft_subnets`.
    subnets: BTreeSet<(Ipv4Addr, u8)>,
    /// IPv6 addresses in the program's map.
    addresses6: BTreeSet<Ipv6Addr>,
    /// The program takes everything (L2 mode).
    l2: bool,
}

impl AfXdp {
    /// A device for `args`, not open yet.
    pub fn new(args: AfXdpArgs) -> Result<AfXdp, DeviceError> {
        if args.host_if.is_empty() {
            return Err(DeviceError::MissingHostIf);
        }
        Ok(AfXdp { args, open: None })
    }

    fn err_xdp(&self) -> impl Fn(dataplane::io::xdp_prog::XdpError) -> DeviceError + '_ {
        |source| DeviceError::Xdp {
            host_if: self.args.host_if.clone(),
            source,
        }
    }
}

impl Driver for AfXdp {
    fn kind(&self) -> InterfaceKind {
        InterfaceKind::AfXdp
    }

    fn host_if(&self) -> &str {
        &self.args.host_if
    }

    fn name(&self) -> &'static str {
        "AF_XDP"
    }

    fn open(&mut self, pool: &Arc<Pool>, workers: usize) -> Result<Opened, DeviceError> {
        let host_if = &self.args.host_if;
        let (link, lock) = linux::claim(host_if)?;
        let available = link.rx_queues;
        let queues = self.args.num_rx_queues.unwrap_or(available);
        if queues > available {
            return Err(DeviceError::TooManyQueues {
                requested: queues,
                available,
            });
        }
        if queues as usize > workers {
            return Err(DeviceError::TooManyQueuesForWorkers {
                requested: queues,
                workers,
            });
        }
        let mode = match self.args.zero_copy {
            None => CopyMode::Auto,
            Some(true) => CopyMode::ZeroCopy,
            Some(false) => CopyMode::Copy,
        };
        let prog = XdpProgram::attach(link.ifindex).map_err(self.err_xdp())?;
        prog.set_max_frame(af_xdp::max_frame_len(pool) as u32)
            .map_err(self.err_xdp())?;
        if prog.mode() == XdpMode::Generic {
            log::info!("{host_if}: native XDP unavailable, using generic (SKB) mode");
        }
        let mut ports: Vec<Box<dyn Port>> = Vec::new();
        let mut zero_copy = Vec::new();
        for queue in 0..queues {
            let sc = SocketConfig {
                ifname: host_if.clone(),
                queue,
                rx_size: self.args.rx_queue_size,
                tx_size: self.args.tx_queue_size,
                mode,
            };
            let socket =
                af_xdp::retry_busy(host_if, || AfXdpSocket::open(pool, &sc)).map_err(|source| {
                    DeviceError::AfXdp {
                        host_if: host_if.clone(),
                        queue,
                        source,
                    }
                })?;
            prog.set_socket(queue, socket.fd())
                .map_err(self.err_xdp())?;
            zero_copy.push(socket.zero_copy());
            ports.push(Box::new(socket));
        }
        log::info!(
            "{host_if}: AF_XDP (ifindex {}), {queues} queue(s), XDP {:?}",
            link.ifindex,
            prog.mode()
        );
        self.open = Some(Attached {
            _lock: lock,
            ifindex: link.ifindex,
            prog,
            zero_copy,
            addresses: BTreeSet::new(),
            subnets: BTreeSet::new(),
            addresses6: BTreeSet::new(),
            l2: false,
        });
        Ok(Opened {
            ports,
            mac: Some(link.mac),
            mtu: link.mtu,
            ifindex: Some(link.ifindex),
            up: link.up,
        })
    }

    fn close(&mut self) {
        if let Some(a) = self.open.take() {
            match a.prog.detach() {
                Ok(()) => log::info!("{}: XDP program detached", self.args.host_if),
                Err(e) => log::error!("{}: {e}", self.args.host_if),
            }
        }
    }

    fn set_mtu(&mut self, mtu: u16) -> Result<(), DeviceError> {
        linux::set_mtu(
            &self.args.host_if,
            self.open.as_ref().map(|a| a.ifindex),
            mtu,
        )
    }

    fn configure(&mut self, ifc: &InterfaceConfig, steer: &super::Steering) {
        let host_if = &self.args.host_if;
        let Some(a) = &mut self.open else { return };
        // The sub-interfaces' addresses are steered like the interface's
        // own: the program looks at a tagged frame's payload.
        let all = &steer.ip4;
        let want: BTreeSet<Ipv4Addr> = all.iter().map(|c| c.address()).collect();
        for &gone in a.addresses.difference(&want) {
            if let Err(e) = a.prog.del_address(gone) {
                log::error!("{host_if}: {e}");
            }
        }
        for &new in want.difference(&a.addresses) {
            if let Err(e) = a.prog.add_address(new) {
                log::error!("{host_if}: {e}");
            }
        }
        a.addresses = want;
        let want: BTreeSet<(Ipv4Addr, u8)> = all
            .iter()
            // By network: two addresses of one subnet share its entry.
            .map(|c| (c.network(), c.prefix_len()))
            .collect();
        for &(addr, len) in a.subnets.difference(&want) {
            if let Err(e) = a.prog.del_subnet(addr, len) {
                log::error!("{host_if}: {e}");
            }
        }
        for &(addr, len) in want.difference(&a.subnets) {
            if let Err(e) = a.prog.add_subnet(addr, len) {
                log::error!("{host_if}: {e}");
            }
        }
        a.subnets = want;
        let want: BTreeSet<Ipv6Addr> = steer.ip6.iter().copied().collect();
        for &gone in a.addresses6.difference(&want) {
            if let Err(e) = a.prog.del_address6(gone) {
                log::error!("{host_if}: {e}");
            }
        }
        for &new in want.difference(&a.addresses6) {
            if let Err(e) = a.prog.add_address6(new) {
                log::error!("{host_if}: {e}");
            }
        }
        a.addresses6 = want;
        let l2 = ifc.l2 != L2Mode::L3;
        if l2 != a.l2 {
            match a.prog.set_l2(l2) {
                Ok(()) => a.l2 = l2,
                Err(e) => log::error!("{host_if}: {e}"),
            }
        }
    }

    fn fastpath(&self) -> Option<(u32, dataplane::io::xdp_prog::FastpathMaps)> {
        let a = self.open.as_ref()?;
        match a.prog.fastpath() {
            Ok(maps) => Some((a.ifindex, maps)),
            Err(e) => {
                log::error!("{}: {e}", self.args.host_if);
                None
            }
        }
    }

    fn hardware(&self) -> Option<DeviceDetails> {
        Some(DeviceDetails::AfXdp(AfXdpDetails {
            host_if: self.args.host_if.clone(),
            rx_ring: self.args.rx_queue_size.get(),
            tx_ring: self.args.tx_queue_size.get(),
            attached: self.open.as_ref().map(|a| {
                let bound = a.prog.reads_vlan_metadata();
                AfXdpAttached {
                    ifindex: a.ifindex,
                    xdp_mode: match a.prog.mode() {
                        XdpMode::Native => "native",
                        XdpMode::Generic => "generic",
                    },
                    xdp_build: if bound { "device-bound" } else { "plain" },
                    takes_all_frames: a.l2,
                    vlan_tags_restored: bound.then(|| a.prog.vlan_restored().unwrap_or_default()),
                    zero_copy: a.zero_copy.clone(),
                }
            }),
        }))
    }
}

impl Drop for AfXdp {
    fn drop(&mut self) {
        self.close();
    }
}
