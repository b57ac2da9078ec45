//! IPv4 interface addresses and neighbours (VPP's `src/vnet/ip/ip4_forward.c`
//! `ip4_add_del_interface_address_internal`, `src/vnet/ip/ip46_cli.c` and
//! `src/vnet/ip-neighbor/ip_neighbor.c`).
//!
//! Addresses follow VPP's rules, in a single FIB (table 0):
//!
//! - local0 takes no address;
//! - a new address must not overlap any existing one (either contains the
//!   other), except that one interface may hold several addresses of the
//!   *same* prefix (same length, different address);
//! - a delete compares the address only, not the length.
//!
//! Every address becomes a local address (`Tables::local4`), and the
//! interface whose prefix holds a tunnel's dst becomes its uplink.
//!
//! A neighbour is an (interface, IPv4 address) → MAC entry, static or
//! dynamic. A dynamic entry never replaces a static one.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Instant;

use dataplane::wire::EthernetAddress;

use crate::config::{Config, ConfigError};
use crate::interface::InterfaceKind;

/// An interface address with its prefix length, e.g. `10.99.0.3/24`. The
/// host bits are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Cidr {
    address: Ipv4Addr,
    prefix_len: u8,
}

impl Ipv4Cidr {
    /// `address/prefix_len`, or `None` if `prefix_len` is above 32.
    pub const fn new(address: Ipv4Addr, prefix_len: u8) -> Option<Ipv4Cidr> {
        if prefix_len > 32 {
            None
        } else {
            Some(Ipv4Cidr {
                address,
                prefix_len,
            })
        }
    }

    /// The address.
    pub const fn address(&self) -> Ipv4Addr {
        self.address
    }

    /// The prefix length (0..=32).
    pub const fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// The netmask as a host-order integer.
    const fn mask(&self) -> u32 {
        match self.prefix_len {
            0 => 0,
            n => u32::MAX << (32 - n),
        }
    }

    /// Whether `ip` is in this prefix (VPP's `ip4_destination_matches_route`).
    pub const fn contains(&self, ip: Ipv4Addr) -> bool {
        (ip.to_bits() ^ self.address.to_bits()) & self.mask() == 0
    }

    /// Whether either prefix contains the other's address.
    const fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.contains(other.address) || other.contains(self.address)
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

/// An IPv4 neighbour (`show ip neighbors`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Neighbor {
    /// The interface it is reached on.
    pub sw_if_index: u32,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its MAC.
    pub mac: EthernetAddress,
    /// Configured as static (flag `S`), else dynamic (`D`).
    pub is_static: bool,
    /// When the entry was last added or changed (`show ip neighbors`
    /// prints its age).
    pub updated: Instant,
}

impl Config {
    /// Adds or deletes an IPv4 address on an interface
    /// (`set interface ip address [del] <if> <addr>/<len>`). Tunnels are
    /// re-stacked.
    ///
    /// Errors, in this order: [`ConfigError::UnknownInterface`],
    /// [`ConfigError::BadPrefix`] (`len` > 32), [`ConfigError::Local0NoIp`];
    /// on add [`ConfigError::AddressConflict`] (then
    /// [`ConfigError::PrefixAlreadyFound`], unreachable with one FIB); on
    /// delete [`ConfigError::AddressNotFound`].
    pub fn add_del_ip4_address(
        &mut self,
        sw_if_index: u32,
        addr: Ipv4Addr,
        len: u8,
        is_del: bool,
    ) -> Result<(), ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        let cidr = Ipv4Cidr::new(addr, len).ok_or(ConfigError::BadPrefix { addr, len })?;
        if ifc.kind == InterfaceKind::Local {
            return Err(ConfigError::Local0NoIp);
        }
        if is_del {
            let Some(pos) = ifc.ip4.iter().position(|a| a.address == addr) else {
                return Err(ConfigError::AddressNotFound {
                    addr: cidr,
                    interface: ifc.name.clone(),
                });
            };
            self.existing_mut(sw_if_index)?.ip4.remove(pos);
        } else {
            for other in self.interfaces() {
                for &x in &other.ip4 {
                    if !cidr.overlaps(&x) {
                        continue;
                    }
                    // An interface may hold more than one address of one prefix.
                    if other.sw_if_index == sw_if_index && x.prefix_len == len && x.address != addr
                    {
                        continue;
                    }
                    return Err(ConfigError::AddressConflict {
                        addr: cidr,
                        interface: ifc.name.clone(),
                        existing: x,
                        existing_interface: other.name.clone(),
                    });
                }
            }
            if let Some(other) = self
                .interfaces()
                .find(|i| i.ip4.iter().any(|a| a.address == addr))
            {
                return Err(ConfigError::PrefixAlreadyFound {
                    addr: cidr,
                    interface: other.name.clone(),
                });
            }
            self.existing_mut(sw_if_index)?.ip4.push(cidr);
        }
        self.publish();
        Ok(())
    }

    /// Adds, updates or deletes an IPv4 neighbour
    /// (`ip neighbor [del] <if> <ip> <mac> [static]`). Tunnels whose next
    /// hop it is are re-stacked.
    ///
    /// An add replaces the MAC and flag of an existing entry, except that
    /// a dynamic add never changes a static entry: with the same MAC it
    /// does nothing, with another it fails with
    /// [`ConfigError::StaticNeighbor`]. A delete ignores `mac` and
    /// `is_static`, and fails with [`ConfigError::NoSuchNeighbor`] if there
    /// is no entry. VPP's CLI prints nothing for either error.
    pub fn add_del_neighbor(
        &mut self,
        sw_if_index: u32,
        ip: Ipv4Addr,
        mac: EthernetAddress,
        is_static: bool,
        is_del: bool,
    ) -> Result<(), ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        let key = (sw_if_index, ip);
        if is_del {
            if self.neighbors.remove(&key).is_none() {
                return Err(ConfigError::NoSuchNeighbor);
            }
        } else {
            match self.neighbors.get(&key) {
                Some(n) if n.is_static && !is_static => {
                    if n.mac != mac {
                        return Err(ConfigError::StaticNeighbor {
                            ip,
                            interface: ifc.name.clone(),
                        });
                    }
                }
                _ => {
                    self.neighbors.insert(
                        key,
                        Neighbor {
                            sw_if_index,
                            ip,
                            mac,
                            is_static,
                            updated: Instant::now(),
                        },
                    );
                }
            }
        }
        self.publish();
        Ok(())
    }

    /// Every neighbour, by interface then address.
    pub fn neighbors(&self) -> impl Iterator<Item = &Neighbor> {
        self.neighbors.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_util::{config, fails, ip, snapshot};
    use crate::vxlan::VxlanArgs;

    const MAC1: EthernetAddress = EthernetAddress([0x02, 0x42, 0, 0, 0, 1]);
    const MAC2: EthernetAddress = EthernetAddress([0x02, 0x42, 0, 0, 0, 2]);

    fn cidr(a: Ipv4Addr, len: u8) -> Ipv4Cidr {
        Ipv4Cidr::new(a, len).unwrap()
    }

    /// local0, eth0 (1) and eth1 (2).
    fn two_ports() -> Config {
        let mut c = config();
        c.create_pg_interface("eth0").unwrap();
        c.create_pg_interface("eth1").unwrap();
        c
    }

    #[test]
    fn cidr_basics() {
        let a = cidr(ip(10, 99, 0, 3), 24);
        assert_eq!(a.to_string(), "10.99.0.3/24");
        assert_eq!((a.address(), a.prefix_len()), (ip(10, 99, 0, 3), 24));
        assert!(a.contains(ip(10, 99, 0, 255)));
        assert!(!a.contains(ip(10, 99, 1, 0)));
        assert!(cidr(ip(1, 2, 3, 4), 0).contains(ip(200, 0, 0, 1)));
        assert!(cidr(ip(1, 2, 3, 4), 32).contains(ip(1, 2, 3, 4)));
        assert!(!cidr(ip(1, 2, 3, 4), 32).contains(ip(1, 2, 3, 5)));
        assert_eq!(Ipv4Cidr::new(ip(1, 2, 3, 4), 33), None);
        assert!(a.overlaps(&cidr(ip(10, 0, 0, 1), 8)));
        assert!(cidr(ip(10, 0, 0, 1), 8).overlaps(&a));
        assert!(!a.overlaps(&cidr(ip(10, 98, 0, 1), 24)));
    }

    #[test]
    fn add_and_delete_addresses() {
        let mut c = two_ports();
        c.add_del_ip4_address(1, ip(10, 99, 0, 3), 24, false)
            .unwrap();
        // A second address of the same prefix on the same interface.
        c.add_del_ip4_address(1, ip(10, 99, 0, 4), 24, false)
            .unwrap();
        c.add_del_ip4_address(2, ip(10, 98, 0, 1), 24, false)
            .unwrap();
        assert_eq!(
            c.interface(1).unwrap().ip4,
            [cidr(ip(10, 99, 0, 3), 24), cidr(ip(10, 99, 0, 4), 24)]
        );
        let t = snapshot(&c);
        assert_eq!(t.local4.len(), 3);
        assert_eq!(t.local4.get(&ip(10, 99, 0, 3)), Some(&1));
        assert_eq!(t.local4.get(&ip(10, 99, 0, 4)), Some(&1));
        assert_eq!(t.local4.get(&ip(10, 98, 0, 1)), Some(&2));

        // As in VPP, a delete matches the address whatever the length.
        c.add_del_ip4_address(1, ip(10, 99, 0, 3), 16, true)
            .unwrap();
        assert_eq!(c.interface(1).unwrap().ip4, [cidr(ip(10, 99, 0, 4), 24)]);
        let t = snapshot(&c);
        assert_eq!(t.local4.len(), 2);
        assert_eq!(t.local4.get(&ip(10, 99, 0, 3)), None);
    }

    #[test]
    fn address_failures() {
        let mut c = two_ports();
        c.add_del_ip4_address(1, ip(10, 99, 0, 3), 24, false)
            .unwrap();
        let eth0_addr = cidr(ip(10, 99, 0, 3), 24);

        // 1. Unknown interface.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(9, ip(10, 0, 0, 1), 24, false)
        });
        assert_eq!(e.to_string(), "unknown interface `9'");
        // 2. Prefix length above 32.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(2, ip(10, 0, 0, 1), 33, false)
        });
        assert_eq!(
            e.to_string(),
            "expected IP4/IP6 address/length `10.0.0.1/33'"
        );
        // 3. local0, add and delete.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(0, ip(10, 0, 0, 1), 24, false)
        });
        assert_eq!(
            e.to_string(),
            "local0 interface doesn't support IP addressing"
        );
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(0, ip(10, 0, 0, 1), 24, true)
        });
        assert_eq!(e, ConfigError::Local0NoIp);
        // 4. The same prefix on another interface.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(2, ip(10, 99, 0, 9), 24, false)
        });
        assert_eq!(
            e.to_string(),
            "failed to add 10.99.0.9/24 on eth1 which conflicts with 10.99.0.3/24 for interface eth0"
        );
        // 5. A covering prefix on another interface.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(2, ip(10, 0, 0, 1), 8, false)
        });
        assert_eq!(
            e,
            ConfigError::AddressConflict {
                addr: cidr(ip(10, 0, 0, 1), 8),
                interface: "eth1".into(),
                existing: eth0_addr,
                existing_interface: "eth0".into(),
            }
        );
        // 6. A covered prefix on another interface.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(2, ip(10, 99, 0, 129), 25, false)
        });
        assert!(matches!(e, ConfigError::AddressConflict { .. }));
        // 7. Another length of the same prefix on the same interface.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(1, ip(10, 99, 0, 9), 16, false)
        });
        assert_eq!(
            e.to_string(),
            "failed to add 10.99.0.9/16 on eth0 which conflicts with 10.99.0.3/24 for interface eth0"
        );
        // 8. The same address again, even with the same length (VPP reports
        //    the conflict, not "already found").
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(1, ip(10, 99, 0, 3), 24, false)
        });
        assert_eq!(
            e.to_string(),
            "failed to add 10.99.0.3/24 on eth0 which conflicts with 10.99.0.3/24 for interface eth0"
        );
        // 9. Deleting an address the interface does not have.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(1, ip(10, 99, 0, 4), 24, true)
        });
        assert_eq!(e.to_string(), "10.99.0.4/24 not found for interface eth0");
        // 10. Deleting another interface's address.
        let e = fails(&mut c, |c| {
            c.add_del_ip4_address(2, ip(10, 99, 0, 3), 24, true)
        });
        assert_eq!(
            e,
            ConfigError::AddressNotFound {
                addr: eth0_addr,
                interface: "eth1".into(),
            }
        );
    }

    #[test]
    fn neighbors_add_update_delete() {
        let mut c = two_ports();
        c.add_del_neighbor(2, ip(10, 0, 0, 1), MAC1, true, false)
            .unwrap();
        c.add_del_neighbor(1, ip(10, 0, 0, 9), MAC1, false, false)
            .unwrap();
        c.add_del_neighbor(1, ip(10, 0, 0, 2), MAC2, false, false)
            .unwrap();
        let listed: Vec<_> = c.neighbors().map(|n| (n.sw_if_index, n.ip)).collect();
        assert_eq!(
            listed,
            [
                (1, ip(10, 0, 0, 2)),
                (1, ip(10, 0, 0, 9)),
                (2, ip(10, 0, 0, 1))
            ]
        );

        // Dynamic over dynamic: the MAC changes.
        c.add_del_neighbor(1, ip(10, 0, 0, 2), MAC1, false, false)
            .unwrap();
        // Static over dynamic: becomes static.
        c.add_del_neighbor(1, ip(10, 0, 0, 9), MAC2, true, false)
            .unwrap();
        // Dynamic over static with the same MAC: nothing changes.
        c.add_del_neighbor(2, ip(10, 0, 0, 1), MAC1, false, false)
            .unwrap();
        // Static over static: the MAC changes.
        let gen_before = snapshot(&c).generation;
        c.add_del_neighbor(2, ip(10, 0, 0, 1), MAC2, true, false)
            .unwrap();
        assert_eq!(snapshot(&c).generation, gen_before + 1);
        let all: Vec<_> = c
            .neighbors()
            .map(|n| (n.sw_if_index, n.ip, n.mac, n.is_static))
            .collect();
        assert_eq!(
            all,
            [
                (1, ip(10, 0, 0, 2), MAC1, false),
                (1, ip(10, 0, 0, 9), MAC2, true),
                (2, ip(10, 0, 0, 1), MAC2, true),
            ]
        );

        // Delete ignores the MAC and flag.
        c.add_del_neighbor(1, ip(10, 0, 0, 9), MAC1, false, true)
            .unwrap();
        assert_eq!(c.neighbors().count(), 2);
    }

    #[test]
    fn neighbor_failures() {
        let mut c = two_ports();
        c.add_del_neighbor(1, ip(10, 0, 0, 1), MAC1, true, false)
            .unwrap();
        // 1. Unknown interface.
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(5, ip(10, 0, 0, 1), MAC1, true, false)
        });
        assert_eq!(e, ConfigError::UnknownInterface("5".into()));
        // 2. Deleting a missing entry (same IP, other interface).
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(2, ip(10, 0, 0, 1), MAC1, true, true)
        });
        assert_eq!(e.to_string(), "No such entry");
        // 3. A dynamic entry over a static one with another MAC.
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(1, ip(10, 0, 0, 1), MAC2, false, false)
        });
        assert_eq!(
            e.to_string(),
            "static neighbor 10.0.0.1 on eth0 not overwritten by a dynamic entry"
        );
    }

    #[test]
    fn deleting_an_interface_drops_its_neighbors_and_addresses() {
        let mut c = config();
        let args = VxlanArgs {
            src: Some(ip(10, 0, 0, 1)),
            dst: Some(ip(10, 0, 0, 2)),
            vni: Some(7),
            ..VxlanArgs::default()
        };
        let tun = c.vxlan_add_del(&args).unwrap().unwrap();
        c.add_del_ip4_address(tun, ip(192, 168, 0, 1), 24, false)
            .unwrap();
        c.add_del_neighbor(tun, ip(192, 168, 0, 2), MAC1, true, false)
            .unwrap();
        assert_eq!(snapshot(&c).local4.len(), 1);
        c.vxlan_add_del(&VxlanArgs {
            is_add: false,
            ..args
        })
        .unwrap();
        assert_eq!(c.neighbors().count(), 0);
        assert!(snapshot(&c).local4.is_empty());
        // The freed index comes back clean.
        let tun2 = c.vxlan_add_del(&args).unwrap().unwrap();
        assert_eq!(tun2, tun);
        assert!(c.interface(tun2).unwrap().ip4.is_empty());
    }
}
