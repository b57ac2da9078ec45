//! What the drivers read of a Linux interface when they open it, in the
//! calling thread's network namespace: index, MAC, MTU and link state from
//! rtnetlink, receive queues from sysfs; and the lock that makes one weftd
//! the interface's owner.

use control::device::DeviceError;
use dataplane::io::netlink::{self, LinkInfo};
use dataplane::io::owner::DeviceLock;
use dataplane::wire::EthernetAddress;

/// A Linux interface as a driver opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Its index.
    pub ifindex: u32,
    /// Its MAC address.
    pub mac: EthernetAddress,
    /// Its MTU (at most 65535).
    pub mtu: u16,
    /// Up: administratively up and running.
    pub up: bool,
    /// Its receive queues (at least 1).
    pub rx_queues: u32,
}

impl Link {
    /// Reads interface `name`.
    pub fn get(name: &str) -> Result<Link, DeviceError> {
        let info = netlink::link_by_name(name)
            .map_err(|e| DeviceError::Netlink {
                host_if: name.to_string(),
                source: e,
            })?
            .ok_or_else(|| DeviceError::NoSuchHostIf {
                host_if: name.to_string(),
                source: std::io::Error::from_raw_os_error(nix::errno::Errno::ENODEV as i32),
            })?;
        let mac = info
            .mac
            .filter(|m| *m != [0; 6])
            .map(EthernetAddress)
            .ok_or_else(|| DeviceError::NoMac(name.to_string()))?;
        Ok(Link {
            ifindex: info.ifindex,
            mac,
            mtu: mtu16(info.mtu),
            up: is_up(&info),
            rx_queues: rx_queues(name),
        })
    }
}

/// An MTU in weft's 16 bits.
pub fn mtu16(mtu: u32) -> u16 {
    mtu.min(u32::from(u16::MAX)) as u16
}

/// Whether weft may use the link: administratively up and running.
pub fn is_up(info: &LinkInfo) -> bool {
    info.admin_up && info.oper_up
}

/// Reads interface `host_if` and makes this weftd its owner, before a
/// driver touches it: refused, naming the owner, when a live process holds
/// it, which keeps that one's device untouched.
pub fn claim(host_if: &str) -> Result<(Link, DeviceLock), DeviceError> {
    let link = Link::get(host_if)?;
    let lock = DeviceLock::acquire(link.ifindex, host_if)?;
    Ok((link, lock))
}

/// Sets the MTU of the attached interface `ifindex` (`None`: not
/// attached), for the drivers' `set_mtu`.
pub fn set_mtu(host_if: &str, ifindex: Option<u32>, mtu: u16) -> Result<(), DeviceError> {
    let ifindex = ifindex.ok_or_else(|| DeviceError::NotAttached(host_if.to_string()))?;
    netlink::set_mtu(ifindex, mtu.into()).map_err(|source| DeviceError::Netlink {
        host_if: host_if.to_string(),
        source,
    })
}

/// The interface's receive queues.
fn rx_queues(name: &str) -> u32 {
    std::fs::read_dir(format!("/sys/class/net/{name}/queues"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("rx-"))
                .count() as u32
        })
        .unwrap_or(1)
        .max(1)
}
