//! What the CLI needs from the running dataplane beyond the configuration
//! model: workers and their statistics, devices, rx placement, the buffer
//! pool.
//!
//! The command handlers see a [`Runtime`] next to the [`Config`]; weftd
//! implements it over real worker threads and AF_XDP sockets
//! (`daemon::runtime`), tests implement it over pg interfaces and workers they
//! poll themselves. Every command runs with the control-plane lock held, so
//! a handler sees `Config` and `Runtime` consistent with each other.

use std::sync::Arc;

use dataplane::pool::Pool;
use dataplane::stats::WorkerStats;
use dataplane::trace::TraceShared;

use crate::config::Config;
use crate::device::{DeviceArgs, DeviceError};

/// One dataplane thread as `show threads` / `show runtime` list it.
#[derive(Clone, Debug)]
pub struct WorkerInfo {
    /// VPP's thread index: workers are 1..=n (0 is the main thread, which
    /// in weft runs no graph).
    pub thread_index: u32,
    /// Thread name, VPP-style (`vpp_wk_0`; weft uses `weft_wk_0`).
    pub name: String,
    /// Linux thread id (LWP), 0 until the thread has started.
    pub lwp: u32,
    /// The core it is pinned to (`lcore`), if pinned.
    pub core: Option<usize>,
    /// Its counters (single writer: the worker).
    pub stats: Arc<WorkerStats>,
    /// Its trace buffer and budgets.
    pub trace: Arc<TraceShared>,
}

/// One uplink of weft's XDP fast path (`show vxlan xdp-fastpath`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdpUplink {
    /// The AF_XDP interface.
    pub sw_if_index: u32,
    /// Its Linux interface.
    pub host_if: String,
    /// The Linux interface's index.
    pub ifindex: u32,
    /// Why the kernel forwards nothing on it (`disabled`, `a packet trace
    /// is armed`, ...); `None` while its table is in place.
    pub off: Option<&'static str>,
    /// Flows (cross-connected tunnel pairs) in its table.
    pub flows: usize,
    /// Packets the program forwarded in the kernel.
    pub forwarded: u64,
    /// Times the fast path fell back to the graph for want of XDP transmit.
    pub fallbacks: u64,
}

/// How a receive queue is serviced (`set interface rx-mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxMode {
    /// Busy polling.
    Polling,
    /// Sleep in poll() on the socket until a frame arrives.
    Interrupt,
    /// Poll under load, sleep when idle (weft's default).
    Adaptive,
}

impl RxMode {
    /// The word VPP prints (`polling`, `interrupt`, `adaptive`).
    pub fn as_str(self) -> &'static str {
        match self {
            RxMode::Polling => "polling",
            RxMode::Interrupt => "interrupt",
            RxMode::Adaptive => "adaptive",
        }
    }
}

/// One receive queue and the worker that polls it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxQueue {
    /// The interface.
    pub sw_if_index: u32,
    /// Queue number on that interface.
    pub queue: u32,
    /// Index into [`Runtime::workers`].
    pub worker: usize,
    /// Its rx mode.
    pub mode: RxMode,
    /// The input node that polls it (`af_xdp-input`).
    pub input_node: &'static str,
}

/// Arguments of `ping` after parsing.
#[derive(Clone, Debug, PartialEq)]
pub struct PingArgs {
    /// Destination (IPv4 or IPv6).
    pub dst: std::net::IpAddr,
    /// `source <interface>`.
    pub source: Option<u32>,
    /// `size <n>`: ICMP payload bytes (default 60).
    pub size: u16,
    /// `interval <s>` (default 1.0).
    pub interval: f64,
    /// `repeat <n>` (default 5).
    pub repeat: u32,
}

/// A driver's own counter on one worker thread (an AF_PACKET socket's
/// "partial checksums completed"), shown by `show errors` under the
/// driver's input node.
#[derive(Clone, Debug)]
pub struct DeviceCounter {
    /// VPP's thread index of the worker that owns the queue.
    pub thread_index: u32,
    /// The input node it is shown under (`af-packet-input`).
    pub node: &'static str,
    /// What it counts.
    pub desc: &'static dataplane::graph::CounterDesc,
    /// The count, summed over the devices and queues of that worker.
    pub count: u64,
}

/// The running dataplane, as the CLI sees it.
///
/// Methods that change devices take the [`Config`] too: creating an AF_XDP
/// interface adds it to the model (and publishes) and attaches the device
/// in one step, and fails as a whole.
pub trait Runtime: Send {
    /// The worker threads, in thread-index order.
    fn workers(&self) -> Vec<WorkerInfo>;

    /// The buffer pool.
    fn pool(&self) -> &Arc<Pool>;

    /// Every block of counters, for `show interface`, `show errors` and
    /// `show runtime`: the workers' and, after them, what forwarding in the
    /// kernel counted (weft's XDP fast path, as thread 0), brought up to
    /// date first. Only the workers run a graph or hold traces.
    fn counters(&self) -> Vec<WorkerInfo> {
        self.workers()
    }

    /// A packet trace was armed (`trace add`) or cleared (`clear trace`):
    /// while armed, packets must take the path that traces them.
    fn trace_armed(&mut self, _armed: bool) {}

    /// What `show vxlan xdp-fastpath` shows of every interface weft's XDP
    /// program is on.
    fn xdp_fastpath(&self) -> Vec<XdpUplink> {
        Vec::new()
    }

    /// Runs every control-plane tick (100 ms): what the runtime watches
    /// beyond the configuration.
    fn tick(&mut self) {}

    /// `create interface af_xdp ...` (any [`DeviceArgs`]): opens the
    /// device, adds its interface to `config` and gives its queues to the
    /// workers, as a whole or not at all. Returns the new sw_if_index.
    fn create_device(&mut self, config: &mut Config, args: &DeviceArgs)
    -> Result<u32, DeviceError>;

    /// `delete interface af_xdp <if>`: takes the device's queues back from
    /// the workers, closes it and removes its interface from `config`.
    fn delete_device(&mut self, config: &mut Config, sw_if_index: u32) -> Result<(), DeviceError>;

    /// What the driver of `sw_if_index` reports for `show
    /// hardware-interfaces` (after the `Ethernet address` line, and the
    /// JSON form's `driver`); `None` for interfaces with no device
    /// (loopback, tunnels, plain pg).
    fn hardware(&self, sw_if_index: u32) -> Option<crate::device::DeviceDetails>;

    /// The drivers' own counters, per worker thread (see
    /// [`DeviceCounter`]).
    fn device_counters(&self) -> Vec<DeviceCounter> {
        Vec::new()
    }

    /// A Linux interface changed (rtnetlink): devices on it follow its
    /// link state and MTU, let go of it when it is deleted, and attach
    /// again when an interface of that name comes back.
    fn link_event(&mut self, _config: &mut Config, _event: &dataplane::io::netlink::LinkEvent) {}

    /// The largest L3 MTU device interface `sw_if_index` can have (its
    /// Linux interface's MTU, or less if weft's buffers hold less), if it
    /// is one and it is attached.
    fn device_mtu(&self, _sw_if_index: u32) -> Option<u16> {
        None
    }

    /// `set interface mtu <n> <if>` on a device interface: changes the
    /// Linux interface's MTU, and weft's L3 MTU with it.
    fn set_device_mtu(
        &mut self,
        _config: &mut Config,
        _sw_if_index: u32,
        _mtu: u16,
    ) -> Result<(), DeviceError> {
        Err(DeviceError::NotADevice)
    }

    /// Every receive queue with its worker and mode.
    fn rx_placement(&self) -> Vec<RxQueue>;

    /// `set interface rx-mode <if> [queue <n>] <mode>`.
    fn set_rx_mode(
        &mut self,
        sw_if_index: u32,
        queue: Option<u32>,
        mode: RxMode,
    ) -> Result<(), DeviceError>;

    /// Called after every configuration change that succeeded, so devices
    /// can follow the model (the XDP program's address map, L2 mode).
    fn config_changed(&mut self, config: &Config);

    /// The core the main (control-plane) thread is pinned to, if any, for
    /// `show threads`.
    fn main_core(&self) -> Option<usize> {
        None
    }

    /// Sends a frame built by the control plane (ARP request, ping) out of
    /// `sw_if_index` through the worker that owns it. False if no worker
    /// can send on that interface.
    fn send_frame(&self, _sw_if_index: u32, _frame: Vec<u8>) -> bool {
        false
    }

    /// Sends a frame out of BVI `bvi` (through worker 0, whose
    /// interface-output hands it to the BVI's bridge). False if there is
    /// no worker.
    fn send_into_bridge(&self, _bvi: u32, _frame: Vec<u8>) -> bool {
        false
    }

    /// Sends a frame out of `sw_if_index` the way its kind needs: into its
    /// bridge for a BVI, tagged through its parent's device for a
    /// sub-interface, else through its device.
    fn send(&self, config: &crate::Config, sw_if_index: u32, mut frame: Vec<u8>) -> bool {
        match config.interface(sw_if_index).map(|i| i.output()) {
            Some(dataplane::tables::Output::Bvi) => self.send_into_bridge(sw_if_index, frame),
            Some(dataplane::tables::Output::Dot1q { parent, vlan }) => {
                dataplane::vlan::tag_frame(&mut frame, vlan);
                self.send_frame(parent, frame)
            }
            _ => self.send_frame(sw_if_index, frame),
        }
    }

    /// Clean exit: detach devices, stop workers. Called once, at the end.
    fn shutdown(&mut self) {}
}
