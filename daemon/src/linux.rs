//! What the drivers read of a Linux interface when they open it: index,
//! MAC, MTU and receive queues, in the calling thread's network namespace.

use control::device::DeviceError;
use dataplane::wire::EthernetAddress;

/// A Linux interface as a driver opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Its index.
    pub ifindex: u32,
    /// Its MAC address.
    pub mac: EthernetAddress,
    /// Its MTU (1500 when it cannot be read; at most 65535).
    pub mtu: u16,
    /// Its receive queues (at least 1).
    pub rx_queues: u32,
}

impl Link {
    /// Reads interface `name`.
    pub fn get(name: &str) -> Result<Link, DeviceError> {
        let ifindex =
            nix::net::if_::if_nametoindex(name).map_err(|e| DeviceError::NoSuchHostIf {
                host_if: name.to_string(),
                source: e.into(),
            })?;
        let mac = mac(name).ok_or_else(|| DeviceError::NoMac(name.to_string()))?;
        let mtu = sysfs(name, "mtu")
            .and_then(|m| m.parse::<u32>().ok())
            .map_or(1500, |m| m.min(u32::from(u16::MAX)) as u16);
        Ok(Link {
            ifindex,
            mac,
            mtu,
            rx_queues: rx_queues(name),
        })
    }
}

/// The interface's MAC address, from getifaddrs(3).
fn mac(name: &str) -> Option<EthernetAddress> {
    let addrs = nix::ifaddrs::getifaddrs().ok()?;
    for a in addrs {
        if a.interface_name != name {
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

/// A sysfs attribute of the interface (this network namespace's sysfs, as
/// `ip netns exec` mounts it).
fn sysfs(name: &str, attr: &str) -> Option<String> {
    std::fs::read_to_string(format!("/sys/class/net/{name}/{attr}"))
        .ok()
        .map(|s| s.trim().to_string())
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
