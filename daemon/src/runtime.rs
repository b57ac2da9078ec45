//! [`Runtime`]: the [`control::runtime::Runtime`] weftd runs, over pinned worker threads
//! and AF_XDP devices.
//!
//! An AF_XDP interface is one [`XdpProgram`] on the Linux interface plus
//! one [`AfXdpSocket`] per receive queue, each queue polled by one worker
//! (round-robin placement, VPP's default). The worker that polls a queue
//! also transmits on that interface through the same socket, so the koko
//! path (in and out of the same uplink) stays on one socket and one UMEM:
//! no copy.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use control::Config;
use control::interface::InterfaceKind;
use control::runtime::{AfXdpArgs, RxMode, RxQueue, WorkerInfo};
use dataplane::io::af_xdp::{self, AfXdpSocket, CopyMode, SocketConfig};
use dataplane::io::xdp_prog::{XdpMode, XdpProgram};
use dataplane::nodes::standard_graph;
use dataplane::pool::Pool;
use dataplane::punt::Punt;
use dataplane::tables::{L2Mode, TablesHandle};
use dataplane::wire::EthernetAddress;
use dataplane::worker::Worker;

use crate::worker::{Command, WorkerHandle};

/// The input nodes a weftd worker graph has.
pub const INPUT_NODES: &[&str] = &["af_xdp-input"];

/// One receive queue of an AF_XDP interface.
#[derive(Debug)]
struct Queue {
    queue: u32,
    worker: usize,
    mode: RxMode,
    zero_copy: bool,
}

/// One AF_XDP interface.
#[derive(Debug)]
struct Device {
    host_if: String,
    ifindex: u32,
    prog: Option<XdpProgram>,
    xdp_mode: XdpMode,
    rx_size: u32,
    tx_size: u32,
    queues: Vec<Queue>,
    /// Addresses in the program's map.
    addresses: BTreeSet<Ipv4Addr>,
    /// The program takes everything (L2 mode).
    l2: bool,
}

/// weftd's dataplane runtime.
#[derive(Debug)]
pub struct Runtime {
    pool: Arc<Pool>,
    workers: Vec<WorkerHandle>,
    devices: BTreeMap<u32, Device>,
}

impl Runtime {
    /// Starts one worker per entry of `cores` (pinned there when `Some`),
    /// each forwarding with the snapshots of `tables` and punting to
    /// `punt`.
    pub fn start(
        pool: &Arc<Pool>,
        tables: &TablesHandle,
        cores: &[Option<usize>],
        punt: &Punt,
    ) -> std::io::Result<Runtime> {
        let mut workers = Vec::with_capacity(cores.len());
        for (index, &core) in cores.iter().enumerate() {
            let mut worker = Worker::new(pool, standard_graph(INPUT_NODES), tables.clone());
            worker.set_punt(punt.clone());
            workers.push(WorkerHandle::spawn(index, core, worker)?);
        }
        Ok(Runtime {
            pool: pool.clone(),
            workers,
            devices: BTreeMap::new(),
        })
    }

    /// Detaches every device and stops the workers (clean exit).
    pub fn shutdown(&mut self) {
        let devices: Vec<u32> = self.devices.keys().copied().collect();
        for sw_if_index in devices {
            self.take_down(sw_if_index);
        }
        for w in &mut self.workers {
            w.stop();
        }
    }

    /// Removes the device's queues from their workers, then detaches its
    /// program.
    fn take_down(&mut self, sw_if_index: u32) {
        let Some(mut dev) = self.devices.remove(&sw_if_index) else {
            return;
        };
        for q in &dev.queues {
            if let Some(prog) = &dev.prog
                && let Err(e) = prog.clear_socket(q.queue)
            {
                log::warn!("{}: {e}", dev.host_if);
            }
            // The worker hands the socket back; dropping it closes it.
            drop(self.workers[q.worker].remove_port(sw_if_index));
        }
        if let Some(prog) = dev.prog.take() {
            match prog.detach() {
                Ok(()) => log::info!("{}: XDP program detached", dev.host_if),
                Err(e) => log::error!("{}: {e}", dev.host_if),
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The Linux interface's MAC address, from getifaddrs(3).
fn linux_mac(ifname: &str) -> Option<EthernetAddress> {
    let addrs = nix::ifaddrs::getifaddrs().ok()?;
    for a in addrs {
        if a.interface_name != ifname {
            continue;
        }
        if let Some(mac) = a
            .address
            .as_ref()
            .and_then(|s| s.as_link_addr())
            .and_then(|l| l.addr())
        {
            return Some(EthernetAddress(mac));
        }
    }
    None
}

/// A sysfs attribute of the Linux interface (this network namespace's
/// sysfs, as `ip netns exec` mounts it).
fn sysfs(ifname: &str, attr: &str) -> Option<String> {
    std::fs::read_to_string(format!("/sys/class/net/{ifname}/{attr}"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// The worker that polls queue `queue` of an AF_XDP interface: queue `q`
/// of every interface goes to worker `q % workers`.
///
/// A worker transmits only on the interfaces it has a socket on (the tx
/// ring is single-producer), so a frame that must leave by an interface
/// the receiving worker does not poll is dropped (`no device for tx
/// interface`). Placing by queue number gives worker 0 queue 0 of every
/// interface, so two single-queue uplinks forward to each other with any
/// number of workers; a global round-robin would put them on different
/// workers. VPP transmits from any worker instead (per-thread tx queues).
fn worker_for_queue(queue: u32, workers: usize) -> usize {
    queue as usize % workers
}

/// Number of receive queues the Linux interface has.
fn linux_rx_queues(ifname: &str) -> u32 {
    std::fs::read_dir(format!("/sys/class/net/{ifname}/queues"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("rx-"))
                .count() as u32
        })
        .unwrap_or(1)
        .max(1)
}

impl control::runtime::Runtime for Runtime {
    fn workers(&self) -> Vec<WorkerInfo> {
        self.workers
            .iter()
            .map(|w| WorkerInfo {
                thread_index: w.index as u32 + 1,
                name: w.name.clone(),
                lwp: w.lwp.load(Ordering::Relaxed),
                core: w.core,
                stats: w.stats.clone(),
                trace: w.trace.clone(),
            })
            .collect()
    }

    fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    fn create_af_xdp(&mut self, config: &mut Config, args: &AfXdpArgs) -> Result<u32, String> {
        if args.host_if.is_empty() {
            return Err("missing host interface".into());
        }
        for n in [args.rx_queue_size, args.tx_queue_size] {
            af_xdp::check_queue_size(n).map_err(|e| e.to_string())?;
        }
        let name = args
            .name
            .clone()
            .unwrap_or_else(|| format!("{}/0", args.host_if));
        if config.interface_index(&name).is_some() {
            return Err(format!("interface `{name}' already exists"));
        }
        if self.devices.values().any(|d| d.host_if == args.host_if) {
            return Err(format!("host interface {} is already in use", args.host_if));
        }
        let ifindex = nix::net::if_::if_nametoindex(args.host_if.as_str())
            .map_err(|e| format!("host interface {}: {e}", args.host_if))?;
        let mac = linux_mac(&args.host_if)
            .ok_or_else(|| format!("host interface {} has no MAC address", args.host_if))?;
        let mtu = sysfs(&args.host_if, "mtu")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1500);
        let available = linux_rx_queues(&args.host_if);
        let queues = args.num_rx_queues.unwrap_or(available);
        if queues > available {
            return Err(format!("too many rxq requested ({queues} > {available})"));
        }
        if queues as usize > self.workers.len() {
            return Err(format!(
                "too many rxq requested ({queues} > {} workers): weft polls one queue of an interface per worker",
                self.workers.len()
            ));
        }
        let mode = match args.zero_copy {
            None => CopyMode::Auto,
            Some(true) => CopyMode::ZeroCopy,
            Some(false) => CopyMode::Copy,
        };

        let prog = XdpProgram::attach(ifindex).map_err(|e| format!("{}: {e}", args.host_if))?;
        if let Some(stale) = prog.replaced_stale() {
            log::warn!(
                "{}: replaced a stale weft XDP program (id {stale})",
                args.host_if
            );
        }
        if prog.mode() == XdpMode::Generic {
            log::info!(
                "{}: native XDP unavailable, using generic (SKB) mode",
                args.host_if
            );
        }
        let mut sockets = Vec::new();
        for queue in 0..queues {
            let sc = SocketConfig {
                ifname: args.host_if.clone(),
                queue,
                rx_size: args.rx_queue_size,
                tx_size: args.tx_queue_size,
                mode,
            };
            let socket = AfXdpSocket::open(&self.pool, &sc)
                .map_err(|e| format!("{} queue {queue}: {e}", args.host_if))?;
            prog.set_socket(queue, socket.fd())
                .map_err(|e| format!("{}: {e}", args.host_if))?;
            sockets.push(socket);
        }
        let sw_if_index = config
            .create_device_interface(&name, InterfaceKind::AfXdp, mac, mtu)
            .map_err(|e| e.to_string())?;
        let mut dev = Device {
            host_if: args.host_if.clone(),
            ifindex,
            xdp_mode: prog.mode(),
            prog: Some(prog),
            rx_size: args.rx_queue_size,
            tx_size: args.tx_queue_size,
            queues: Vec::new(),
            addresses: BTreeSet::new(),
            l2: false,
        };
        for (queue, socket) in (0..).zip(sockets) {
            let worker = worker_for_queue(queue, self.workers.len());
            dev.queues.push(Queue {
                queue,
                worker,
                mode: RxMode::Adaptive,
                zero_copy: socket.zero_copy(),
            });
            self.workers[worker].send(Command::AddPort {
                sw_if_index,
                port: Box::new(socket),
                mode: RxMode::Adaptive,
            });
        }
        log::info!(
            "{name}: AF_XDP on {} (ifindex {ifindex}), {queues} queue(s), XDP {:?}",
            args.host_if,
            dev.xdp_mode
        );
        self.devices.insert(sw_if_index, dev);
        Ok(sw_if_index)
    }

    fn delete_af_xdp(&mut self, config: &mut Config, sw_if_index: u32) -> Result<(), String> {
        if !self.devices.contains_key(&sw_if_index) {
            return Err("not an AF_XDP interface".into());
        }
        config
            .delete_device_interface(sw_if_index)
            .map_err(|e| e.to_string())?;
        self.take_down(sw_if_index);
        Ok(())
    }

    fn hardware_lines(&self, sw_if_index: u32) -> Vec<String> {
        let Some(dev) = self.devices.get(&sw_if_index) else {
            return Vec::new();
        };
        let zero_copy = dev.queues.iter().all(|q| q.zero_copy);
        let mut lines = vec![
            format!("netdev {} ifindex {}", dev.host_if, dev.ifindex),
            format!(
                "flags: initialized admin-up link-up{}",
                if zero_copy { " zero-copy" } else { "" }
            ),
            format!(
                "xdp program: weft_xdp, {} mode{}",
                match dev.xdp_mode {
                    XdpMode::Native => "native",
                    XdpMode::Generic => "generic",
                },
                if dev.l2 {
                    ", takes all frames (l2)"
                } else {
                    ""
                }
            ),
        ];
        for q in &dev.queues {
            lines.push(format!(
                "queue {}: {} mode, rx-ring {} tx-ring {}",
                q.queue,
                if q.zero_copy { "zero-copy" } else { "copy" },
                dev.rx_size,
                dev.tx_size
            ));
        }
        lines
    }

    fn rx_placement(&self) -> Vec<RxQueue> {
        self.devices
            .iter()
            .flat_map(|(&sw_if_index, dev)| {
                dev.queues.iter().map(move |q| RxQueue {
                    sw_if_index,
                    queue: q.queue,
                    worker: q.worker,
                    mode: q.mode,
                    input_node: "af_xdp-input",
                })
            })
            .collect()
    }

    fn set_rx_mode(
        &mut self,
        sw_if_index: u32,
        queue: Option<u32>,
        mode: RxMode,
    ) -> Result<(), String> {
        let Some(dev) = self.devices.get_mut(&sw_if_index) else {
            return Err("interface has no rx queues".into());
        };
        if let Some(q) = queue
            && !dev.queues.iter().any(|x| x.queue == q)
        {
            return Err(format!("unknown queue {q} on interface {}", dev.host_if));
        }
        for q in dev
            .queues
            .iter_mut()
            .filter(|x| queue.is_none_or(|n| n == x.queue))
        {
            q.mode = mode;
            self.workers[q.worker].send(Command::SetMode { sw_if_index, mode });
        }
        Ok(())
    }

    fn config_changed(&mut self, config: &Config) {
        for (&sw_if_index, dev) in &mut self.devices {
            let Some(ifc) = config.interface(sw_if_index) else {
                continue;
            };
            let Some(prog) = &dev.prog else { continue };
            let want: BTreeSet<Ipv4Addr> = ifc.ip4.iter().map(|a| a.address()).collect();
            for &gone in dev.addresses.difference(&want) {
                if let Err(e) = prog.del_address(gone) {
                    log::error!("{}: {e}", dev.host_if);
                }
            }
            for &new in want.difference(&dev.addresses) {
                if let Err(e) = prog.add_address(new) {
                    log::error!("{}: {e}", dev.host_if);
                }
            }
            dev.addresses = want;
            let l2 = ifc.l2 != L2Mode::L3;
            if l2 != dev.l2 {
                match prog.set_l2(l2) {
                    Ok(()) => dev.l2 = l2,
                    Err(e) => log::error!("{}: {e}", dev.host_if),
                }
            }
        }
    }

    fn shutdown(&mut self) {
        Runtime::shutdown(self);
    }

    fn send_frame(&self, sw_if_index: u32, frame: Vec<u8>) -> bool {
        let Some(q) = self
            .devices
            .get(&sw_if_index)
            .and_then(|d| d.queues.first())
        else {
            return false;
        };
        self.workers[q.worker].inject(sw_if_index, frame)
    }
}
