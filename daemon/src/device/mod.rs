//! Devices: the drivers behind weft's device interfaces, one trait for all
//! of them.
//!
//! A [`Driver`] is what one device interface needs from its backend: open
//! the Linux interface (one [`Port`] per receive queue, plus the
//! interface's MAC, MTU and index), close it again, follow the
//! interface's configuration (the addresses and L2 mode weft's XDP program
//! steers by), and say what it got for `show hardware-interfaces`. The
//! [`Runtime`](crate::runtime::Runtime) does the rest the same way for
//! every driver: names, placement of queues on workers, rx modes, and the
//! configuration model.
//!
//! A [`DriverFactory`] turns the CLI's [`DeviceArgs`] into a driver:
//! [`Drivers`] makes the real ones ([`af_xdp`]); tests give the runtime a
//! factory of [`pg`] drivers (in-memory) or fakes, so the runtime's logic
//! runs without root.
//!
//! | driver | module | kind | input node |
//! |---|---|---|---|
//! | AF_XDP | [`af_xdp`] | `create interface af_xdp` | `af_xdp-input` |
//! | AF_PACKET | [`af_packet`] | `create host-interface` | `af-packet-input` |
//! | pg | [`pg`] | tests and benchmarks | `pg-input` |

pub mod af_packet;
pub mod af_xdp;
pub mod pg;

use std::fmt::Debug;
use std::sync::Arc;

use control::InterfaceConfig;
use control::device::{DeviceArgs, DeviceDetails, DeviceError};
use control::interface::InterfaceKind;
use dataplane::graph::CounterDesc;
use dataplane::pool::Pool;
use dataplane::port::Port;
use dataplane::wire::EthernetAddress;

/// What [`Driver::open`] got: the queues and what the Linux interface is.
pub struct Opened {
    /// One port per receive queue, queue 0 first; queue `q` goes to worker
    /// `q % workers` (see `Runtime::create_device`).
    pub ports: Vec<Box<dyn Port>>,
    /// The MAC weft's interface takes: the Linux interface's (AF_XDP), or
    /// `None` for one of weft's own, `02:fe:` and four random bytes
    /// (AF_PACKET, as VPP's host-interface).
    pub mac: Option<EthernetAddress>,
    /// The interface's L3 MTU.
    pub mtu: u16,
    /// The Linux interface's index (`None` for in-memory devices).
    pub ifindex: Option<u32>,
    /// The link is up (administratively and running).
    pub up: bool,
}

impl Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("ports", &self.ports.len())
            .field("mac", &self.mac)
            .field("mtu", &self.mtu)
            .field("ifindex", &self.ifindex)
            .field("up", &self.up)
            .finish()
    }
}

/// One device interface's backend.
pub trait Driver: Send + Debug {
    /// The kind of weft interface it backs.
    fn kind(&self) -> InterfaceKind;

    /// The Linux interface it attaches to (`""` for in-memory devices).
    fn host_if(&self) -> &str;

    /// The driver's name as `delete` errors print it (`AF_XDP`).
    fn name(&self) -> &'static str;

    /// Attaches to the interface: one port per receive queue, each usable
    /// by one worker (`workers` of them run).
    fn open(&mut self, pool: &Arc<Pool>, workers: usize) -> Result<Opened, DeviceError>;

    /// Lets go of the interface. The runtime has taken every port back
    /// from the workers and dropped them first.
    fn close(&mut self);

    /// Follows the interface's configuration (its L2 mode) and what the
    /// kernel must steer to weft on it ([`Steering`]). Errors are logged,
    /// never fatal.
    fn configure(&mut self, ifc: &InterfaceConfig, steer: &Steering);

    /// What `show hardware-interfaces` says about the device after its
    /// Ethernet address (text and JSON); `None` for a device with nothing
    /// to say (a plain pg interface).
    fn hardware(&self) -> Option<DeviceDetails>;

    /// Sets the Linux interface's MTU (`set interface mtu <n> <if>`). The
    /// kernel's refusal is the error.
    fn set_mtu(&mut self, _mtu: u16) -> Result<(), DeviceError> {
        Err(DeviceError::MtuFixed(self.host_if().to_string()))
    }

    /// The maps of the device's XDP fast path and its Linux interface
    /// index, if it has one (AF_XDP).
    fn fastpath(&self) -> Option<(u32, dataplane::io::xdp_prog::FastpathMaps)> {
        None
    }

    /// The driver's own counters, per receive queue (queue 0 first), as
    /// (description, count) rows of its input node in `show errors`.
    fn counters(&self) -> Vec<Vec<(&'static CounterDesc, u64)>> {
        Vec::new()
    }
}

/// Makes drivers for `create` commands.
pub trait DriverFactory: Send + Debug {
    /// The driver `args` asks for, not opened yet.
    fn driver(&self, args: &DeviceArgs) -> Result<Box<dyn Driver>, DeviceError>;

    /// The input nodes the workers' graphs need for these drivers' ports.
    fn input_nodes(&self) -> &'static [&'static str];
}

/// weftd's drivers.
#[derive(Debug, Default)]
pub struct Drivers;

impl DriverFactory for Drivers {
    fn driver(&self, args: &DeviceArgs) -> Result<Box<dyn Driver>, DeviceError> {
        match args {
            DeviceArgs::AfXdp(a) => Ok(Box::new(af_xdp::AfXdp::new(a.clone())?)),
            DeviceArgs::AfPacket(a) => Ok(Box::new(af_packet::AfPacket::new(a.clone())?)),
        }
    }

    fn input_nodes(&self) -> &'static [&'static str] {
        &[
            dataplane::io::af_xdp::INPUT_NODE,
            dataplane::io::af_packet::INPUT_NODE,
        ]
    }
}

/// The addresses a device's kernel program steers to weft: those of the
/// interface and of its sub-interfaces (whose frames arrive tagged on the
/// same device), IPv4 with their prefixes, IPv6 without the link-local
/// address, which the host's kernel derives from the same MAC and keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Steering {
    /// IPv4 addresses and their prefixes.
    pub ip4: Vec<control::Ipv4Cidr>,
    /// IPv6 addresses.
    pub ip6: Vec<std::net::Ipv6Addr>,
}

impl Steering {
    /// What `sw_if_index`'s device steers in `config`.
    pub fn of(config: &control::Config, sw_if_index: u32) -> Steering {
        let mut s = Steering::default();
        let subs = config.sub_interfaces_of(sw_if_index).map(|i| i.sw_if_index);
        for sw in std::iter::once(sw_if_index).chain(subs) {
            if let Some(i) = config.interface(sw) {
                s.ip4.extend(i.ip4.iter().copied());
            }
            if let Some(i) = config.ip6_interface(sw) {
                s.ip6.extend(i.addresses.iter().map(|a| a.address()));
            }
        }
        s
    }
}
