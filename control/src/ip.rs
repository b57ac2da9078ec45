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
//!
//! The table is bounded as VPP bounds it (`ip_neighbor_alloc`): at most
//! [`NeighborConfig::limit`] entries, static and dynamic together (VPP's
//! default, 50 000). When it is full a new entry is refused, or, with
//! `recycle`, takes the place of the oldest dynamic entry. Updating an
//! existing entry is always allowed. `set ip neighbor-config ip4 ...`
//! changes the limit; [`NeighborStats`] counts what it refused.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
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

    /// The prefix's network address (the address with its host bits zero).
    pub const fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(self.address.to_bits() & self.mask())
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
    /// Its address (IPv4 or IPv6).
    pub ip: IpAddr,
    /// Its MAC.
    pub mac: EthernetAddress,
    /// Configured as static (flag `S`), else dynamic (`D`).
    pub is_static: bool,
    /// When the entry was last added or changed (`show ip neighbors`
    /// prints its age).
    pub updated: Instant,
}

/// VPP's default bound on the IPv4 neighbour table (`ipndb_limit`).
pub const DEFAULT_NEIGHBOR_LIMIT: u32 = 50_000;

/// weft's default age of a dynamic entry, in seconds (VPP's is 0: never).
pub const DEFAULT_NEIGHBOR_AGE: u32 = 300;

/// How the IPv4 neighbour table is bounded and aged
/// (`set ip neighbor-config ip4 [limit <n>] [age <s>] [recycle|norecycle]`,
/// VPP's `ip_neighbor_db_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighborConfig {
    /// Most entries, static and dynamic together; 0 means no limit.
    pub limit: u32,
    /// Seconds after which a dynamic entry that was not heard from again
    /// is probed, then removed if it stays silent; 0 means never. The
    /// control plane's resolver applies it (weftd's `neighbor` module).
    pub age: u32,
    /// When the table is full, a new entry replaces the oldest dynamic
    /// one (oldest by when it was added or last changed) instead of being
    /// refused.
    pub recycle: bool,
}

impl Default for NeighborConfig {
    fn default() -> Self {
        NeighborConfig {
            limit: DEFAULT_NEIGHBOR_LIMIT,
            age: DEFAULT_NEIGHBOR_AGE,
            recycle: false,
        }
    }
}

/// What the neighbour table's limit and learning did since weft started
/// (weft's own counters; `show ip neighbor-config` prints them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeighborStats {
    /// New entries refused because the table was full, learned or
    /// configured.
    pub refused: u64,
    /// Dynamic entries removed to make room (`recycle`).
    pub recycled: u64,
    /// Dynamic entries whose MAC changed by a gratuitous ARP.
    pub moved: u64,
    /// What learning refused, by [`LearnRefusal`] (its index).
    pub learn_refused: [u64; LearnRefusal::ALL.len()],
}

/// How a neighbour made itself heard: what `arp-reply` punted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpSeen {
    /// An ARP request for one of weft's addresses.
    Request,
    /// An ARP reply to weft; `solicited` when weft had asked for that
    /// address (a resolution or a probe still open).
    Reply {
        /// weft asked.
        solicited: bool,
    },
    /// A gratuitous ARP (sender address = target address): a host
    /// announcing its MAC.
    Announcement,
}

/// Why a neighbour was not learned (weft's counters,
/// [`NeighborStats::learn_refused`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LearnRefusal {
    /// The sender address is on none of the interface's subnets (VPP
    /// refuses these too: `IP4 source address not local to subnet`).
    OffSubnet,
    /// The sender address is its subnet's network or broadcast address
    /// (VPP learns these).
    SubnetEdge,
    /// The sender MAC is broadcast, multicast or zero.
    NotUnicast,
    /// The sender MAC is one of weft's own.
    OwnMac,
    /// A request or a reply claims another MAC for an address weft has:
    /// refused, and the entry verified (VPP overwrites the entry).
    MacChange,
    /// A reply weft did not ask for, for an address weft has no entry for
    /// (VPP learns it).
    Unsolicited,
    /// An announcement for an address weft has no entry for.
    UnknownAnnouncement,
    /// Another MAC for a static entry.
    Static,
}

impl LearnRefusal {
    /// Every refusal, in counter order.
    pub const ALL: [LearnRefusal; 8] = [
        LearnRefusal::OffSubnet,
        LearnRefusal::SubnetEdge,
        LearnRefusal::NotUnicast,
        LearnRefusal::OwnMac,
        LearnRefusal::MacChange,
        LearnRefusal::Unsolicited,
        LearnRefusal::UnknownAnnouncement,
        LearnRefusal::Static,
    ];

    /// Its name in `show ip neighbor-config` and the JSON.
    pub const fn name(self) -> &'static str {
        match self {
            LearnRefusal::OffSubnet => "off-subnet",
            LearnRefusal::SubnetEdge => "network-or-broadcast",
            LearnRefusal::NotUnicast => "not-unicast-mac",
            LearnRefusal::OwnMac => "own-mac",
            LearnRefusal::MacChange => "mac-change",
            LearnRefusal::Unsolicited => "unsolicited-reply",
            LearnRefusal::UnknownAnnouncement => "unknown-announcement",
            LearnRefusal::Static => "static",
        }
    }
}

/// What [`Config::learn_neighbor`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Learned {
    /// A new dynamic entry.
    New,
    /// A dynamic entry's MAC changed.
    Moved,
    /// The entry was already so: only its age is renewed (by the caller).
    Refreshed,
    /// Nothing changed, for this reason (counted).
    Refused(LearnRefusal),
    /// Not added: the table is full (counted in
    /// [`NeighborStats::refused`]).
    Full,
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
    ///
    /// A new entry when the table holds [`NeighborConfig::limit`] entries
    /// or more takes the place of the oldest dynamic entry if `recycle` is
    /// on and there is one; otherwise it fails with
    /// [`ConfigError::NeighborTableFull`] and is counted in
    /// [`NeighborStats::refused`].
    pub fn add_del_neighbor(
        &mut self,
        sw_if_index: u32,
        ip: impl Into<IpAddr>,
        mac: EthernetAddress,
        is_static: bool,
        is_del: bool,
    ) -> Result<(), ConfigError> {
        let ip = ip.into();
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
                Some(_) => self.put_neighbor(sw_if_index, ip, mac, is_static),
                None => {
                    let limit = self.neighbor_config.limit;
                    if limit != 0 && self.neighbors.len() >= limit as usize {
                        let oldest = self
                            .neighbor_config
                            .recycle
                            .then(|| {
                                self.neighbors
                                    .values()
                                    .filter(|n| !n.is_static)
                                    .min_by_key(|n| n.updated)
                                    .map(|n| (n.sw_if_index, n.ip))
                            })
                            .flatten();
                        let Some(oldest) = oldest else {
                            self.neighbor_stats.refused += 1;
                            let refused = self.neighbor_stats.refused;
                            // Bounded logging: the 1st, 2nd, 4th, 8th... refusal.
                            if refused.is_power_of_two() {
                                log::warn!(
                                    "neighbor table full ({limit} entries): {ip} on sw_if_index \
                                     {sw_if_index} refused ({refused} refused so far)"
                                );
                            }
                            return Err(ConfigError::NeighborTableFull { limit });
                        };
                        self.neighbors.remove(&oldest);
                        self.neighbor_stats.recycled += 1;
                        log::info!("neighbor table full: {} recycled for {ip}", oldest.1);
                    }
                    self.put_neighbor(sw_if_index, ip, mac, is_static);
                }
            }
        }
        self.publish();
        Ok(())
    }

    /// Inserts or replaces an entry, stamped now.
    fn put_neighbor(
        &mut self,
        sw_if_index: u32,
        ip: IpAddr,
        mac: EthernetAddress,
        is_static: bool,
    ) {
        self.neighbors.insert(
            (sw_if_index, ip),
            Neighbor {
                sw_if_index,
                ip,
                mac,
                is_static,
                updated: Instant::now(),
            },
        );
    }

    /// Every neighbour, by interface then address.
    pub fn neighbors(&self) -> impl Iterator<Item = &Neighbor> {
        self.neighbors.values()
    }

    /// The neighbour table's bound and age.
    pub fn neighbor_config(&self) -> NeighborConfig {
        self.neighbor_config
    }

    /// Sets the neighbour table's bound and age
    /// (`set ip neighbor-config ip4 ...`). As in VPP, lowering the limit
    /// below the number of entries removes none: new entries are refused
    /// (or recycle) until the table is below the limit again. Nothing is
    /// published: the dataplane does not see the table's bound.
    pub fn set_neighbor_config(&mut self, config: NeighborConfig) {
        self.neighbor_config = config;
    }

    /// What the limit refused and recycled.
    pub fn neighbor_stats(&self) -> NeighborStats {
        self.neighbor_stats
    }

    /// Learns what ARP said about `ip` on `sw_if_index` (the punted sender
    /// of a request, reply or announcement), by weft's rules
    /// (docs/af_xdp.md, "Neighbours"), stricter than VPP's:
    ///
    /// 1. the MAC must be unicast and not weft's own; the address must be
    ///    on one of the interface's subnets and, on a subnet of 30 bits or
    ///    less, neither its network nor its broadcast address;
    /// 2. a static entry never changes; an entry with the same MAC is
    ///    refreshed;
    /// 3. another MAC for a dynamic entry is taken only from an
    ///    announcement (gratuitous ARP); from a request or a reply, asked
    ///    for or not, it is refused ([`LearnRefusal::MacChange`]: the
    ///    caller then verifies the entry, which stays if its MAC answers
    ///    weft's probes and goes, to be resolved afresh, if not);
    /// 4. a new entry comes from a request to weft or a reply weft asked
    ///    for; never from an unsolicited reply or an announcement.
    ///
    /// Every refusal is counted in [`NeighborStats::learn_refused`].
    pub fn learn_neighbor(
        &mut self,
        sw_if_index: u32,
        ip: impl Into<IpAddr>,
        mac: EthernetAddress,
        seen: ArpSeen,
    ) -> Learned {
        let ip = ip.into();
        let r = self.judge_neighbor(sw_if_index, ip, mac, seen);
        let r = match r {
            Learned::New | Learned::Moved => {
                match self.add_del_neighbor(sw_if_index, ip, mac, false, false) {
                    Ok(()) => r,
                    Err(ConfigError::NeighborTableFull { .. }) => Learned::Full,
                    // judge_neighbor ruled out an unknown interface
                    // (off-subnet) and a static entry; should another
                    // error appear, nothing is learned and it is logged.
                    Err(e) => {
                        log::error!("learning neighbor {ip}: {e}");
                        Learned::Full
                    }
                }
            }
            r => r,
        };
        match r {
            Learned::Moved => self.neighbor_stats.moved += 1,
            Learned::Refused(why) => {
                self.neighbor_stats.learn_refused[why as usize] += 1;
            }
            _ => {}
        }
        r
    }

    fn judge_neighbor(
        &self,
        sw_if_index: u32,
        ip: IpAddr,
        mac: EthernetAddress,
        seen: ArpSeen,
    ) -> Learned {
        if mac.0[0] & 1 != 0 || mac.0 == [0; 6] {
            return Learned::Refused(LearnRefusal::NotUnicast);
        }
        if self.interfaces().any(|i| i.mac == mac) {
            return Learned::Refused(LearnRefusal::OwnMac);
        }
        let Some(ifc) = self.interface(sw_if_index) else {
            return Learned::Refused(LearnRefusal::OffSubnet);
        };
        match ip {
            IpAddr::V4(ip) => {
                let mut subnets = ifc.ip4.iter().filter(|c| c.contains(ip)).peekable();
                if subnets.peek().is_none() {
                    return Learned::Refused(LearnRefusal::OffSubnet);
                }
                let edge = |c: &Ipv4Cidr| {
                    c.prefix_len() <= 30
                        && (ip == c.network() || ip.to_bits() | c.mask() == u32::MAX)
                };
                if subnets.any(edge) {
                    return Learned::Refused(LearnRefusal::SubnetEdge);
                }
            }
            IpAddr::V6(ip) => {
                // On one of the interface's prefixes, or link-local on an
                // interface with IPv6; never a prefix's subnet-router
                // anycast address (host bits zero).
                let Some(v6) = self.ip6_interface(sw_if_index) else {
                    return Learned::Refused(LearnRefusal::OffSubnet);
                };
                let mut subnets = v6.addresses.iter().filter(|c| c.contains(ip)).peekable();
                if subnets.peek().is_none() && !ip.is_unicast_link_local() {
                    return Learned::Refused(LearnRefusal::OffSubnet);
                }
                if ip.is_multicast() || subnets.any(|c| c.prefix_len() < 127 && ip == c.network()) {
                    return Learned::Refused(LearnRefusal::SubnetEdge);
                }
            }
        }
        match (self.neighbor(sw_if_index, ip), seen) {
            (Some(n), _) if n.mac == mac => Learned::Refreshed,
            (Some(n), _) if n.is_static => Learned::Refused(LearnRefusal::Static),
            (Some(_), ArpSeen::Announcement) => Learned::Moved,
            (Some(_), _) => Learned::Refused(LearnRefusal::MacChange),
            (None, ArpSeen::Request | ArpSeen::Reply { solicited: true }) => Learned::New,
            (None, ArpSeen::Reply { solicited: false }) => {
                Learned::Refused(LearnRefusal::Unsolicited)
            }
            (None, ArpSeen::Announcement) => Learned::Refused(LearnRefusal::UnknownAnnouncement),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_util::{config, fails, ip, snapshot};
    use crate::vxlan::VxlanArgs;

    /// An IPv4 neighbour's address.
    fn v4of(ip: IpAddr) -> Ipv4Addr {
        match ip {
            IpAddr::V4(a) => a,
            IpAddr::V6(a) => panic!("{a} is not IPv4"),
        }
    }

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

    /// The same rules for IPv6 (Neighbor Discovery): on one of the
    /// interface's prefixes or link-local, never multicast or a prefix's
    /// subnet-router anycast address; new from a solicitation, moved by an
    /// unsolicited override advertisement.
    #[test]
    fn learning_rules_ipv6() {
        use ArpSeen::*;
        let v6 = |a: &str| -> std::net::Ipv6Addr { a.parse().unwrap() };
        let mut c = two_ports();
        let refused = |why| Learned::Refused(why);
        // No IPv6 on the interface: nothing is on its link.
        assert_eq!(
            c.learn_neighbor(1, v6("fe80::1"), MAC1, Request),
            refused(LearnRefusal::OffSubnet)
        );
        c.add_del_ip6_address(1, v6("fd00::3"), 64, false).unwrap();
        assert_eq!(
            c.learn_neighbor(1, v6("fd00::1"), MAC1, Request),
            Learned::New
        );
        assert_eq!(
            c.learn_neighbor(1, v6("fe80::1"), MAC1, Request),
            Learned::New
        );
        assert_eq!(
            c.learn_neighbor(1, v6("fd01::1"), MAC1, Request),
            refused(LearnRefusal::OffSubnet)
        );
        assert_eq!(
            c.learn_neighbor(1, v6("fd00::"), MAC1, Request),
            refused(LearnRefusal::SubnetEdge)
        );
        assert_eq!(
            c.learn_neighbor(1, v6("fd00::2"), MAC1, Reply { solicited: false }),
            refused(LearnRefusal::Unsolicited)
        );
        assert_eq!(
            c.learn_neighbor(1, v6("fd00::1"), MAC2, Reply { solicited: true }),
            refused(LearnRefusal::MacChange)
        );
        assert_eq!(
            c.learn_neighbor(1, v6("fd00::1"), MAC2, Announcement),
            Learned::Moved
        );
        assert_eq!(c.neighbor(1, v6("fd00::1")).unwrap().mac, MAC2);
        // Both families in one table, IPv4 first on an interface.
        c.add_del_ip4_address(1, Ipv4Addr::new(10, 99, 0, 3), 24, false)
            .unwrap();
        c.learn_neighbor(1, Ipv4Addr::new(10, 99, 0, 1), MAC1, Request);
        let ips: Vec<String> = c.neighbors().map(|n| n.ip.to_string()).collect();
        assert_eq!(ips, ["10.99.0.1", "fd00::1", "fe80::1"]);
    }

    /// Every learning rule, in order, each refusal counted under its name.
    #[test]
    fn learning_rules() {
        use ArpSeen::*;
        let v4 = |a: &str| -> Ipv4Addr { a.parse().unwrap() };
        let mut c = two_ports();
        c.add_del_ip4_address(1, v4("10.99.0.3"), 24, false)
            .unwrap();
        c.add_del_ip4_address(2, v4("10.98.0.3"), 31, false)
            .unwrap();
        let own = c.interface(2).unwrap().mac;
        let req = |c: &mut Config, a: &str, mac| c.learn_neighbor(1, v4(a), mac, Request);
        let refused = |why| Learned::Refused(why);
        let group = EthernetAddress([0x01, 0, 0x5e, 0, 0, 1]);
        // 1. Who may be learned at all.
        assert_eq!(
            req(&mut c, "10.99.0.1", group),
            refused(LearnRefusal::NotUnicast)
        );
        assert_eq!(
            req(&mut c, "10.99.0.1", EthernetAddress::BROADCAST),
            refused(LearnRefusal::NotUnicast)
        );
        assert_eq!(
            req(&mut c, "10.99.0.1", EthernetAddress::default()),
            refused(LearnRefusal::NotUnicast)
        );
        assert_eq!(req(&mut c, "10.99.0.1", own), refused(LearnRefusal::OwnMac));
        assert_eq!(
            req(&mut c, "192.168.7.7", MAC1),
            refused(LearnRefusal::OffSubnet)
        );
        // On eth1's subnet, not eth0's.
        assert_eq!(
            req(&mut c, "10.98.0.2", MAC1),
            refused(LearnRefusal::OffSubnet)
        );
        assert_eq!(
            req(&mut c, "10.99.0.255", MAC1),
            refused(LearnRefusal::SubnetEdge)
        );
        assert_eq!(
            req(&mut c, "10.99.0.0", MAC1),
            refused(LearnRefusal::SubnetEdge)
        );
        // A /31 has no network or broadcast address.
        assert_eq!(
            c.learn_neighbor(2, v4("10.98.0.2"), MAC1, Request),
            Learned::New
        );
        // 4. New entries: from a request or a reply weft asked for.
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.5"), MAC1, Reply { solicited: false }),
            refused(LearnRefusal::Unsolicited)
        );
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.5"), MAC1, Announcement),
            refused(LearnRefusal::UnknownAnnouncement)
        );
        assert!(c.neighbor(1, v4("10.99.0.5")).is_none());
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.5"), MAC1, Reply { solicited: true }),
            Learned::New
        );
        assert_eq!(req(&mut c, "10.99.0.6", MAC1), Learned::New);
        // 2, 3. Refresh; moves only announced or asked for.
        assert_eq!(req(&mut c, "10.99.0.6", MAC1), Learned::Refreshed);
        assert_eq!(
            req(&mut c, "10.99.0.6", MAC2),
            refused(LearnRefusal::MacChange)
        );
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.6"), MAC2, Reply { solicited: false }),
            refused(LearnRefusal::MacChange)
        );
        assert_eq!(c.neighbor(1, v4("10.99.0.6")).unwrap().mac, MAC1);
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.6"), MAC2, Announcement),
            Learned::Moved
        );
        // Even a reply weft asked for does not move an entry.
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.6"), MAC1, Reply { solicited: true }),
            refused(LearnRefusal::MacChange)
        );
        assert_eq!(c.neighbor(1, v4("10.99.0.6")).unwrap().mac, MAC2);
        c.add_del_neighbor(1, v4("10.99.0.7"), MAC1, true, false)
            .unwrap();
        assert_eq!(
            c.learn_neighbor(1, v4("10.99.0.7"), MAC2, Announcement),
            refused(LearnRefusal::Static)
        );
        assert_eq!(c.neighbor(1, v4("10.99.0.7")).unwrap().mac, MAC1);
        let st = c.neighbor_stats();
        assert_eq!(st.moved, 1);
        let by = |w: LearnRefusal| st.learn_refused[w as usize];
        assert_eq!(
            LearnRefusal::ALL.map(by),
            [2, 2, 3, 1, 3, 1, 1, 1],
            "off-subnet, edge, not-unicast, own, change, unsolicited, announcement, static"
        );
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
        let listed: Vec<_> = c.neighbors().map(|n| (n.sw_if_index, v4of(n.ip))).collect();
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
            .map(|n| (n.sw_if_index, v4of(n.ip), n.mac, n.is_static))
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

    /// `n` distinct addresses 10.1.x.y.
    fn nth(n: u32) -> Ipv4Addr {
        Ipv4Addr::from_bits(u32::from_be_bytes([10, 1, 0, 0]) + n)
    }

    #[test]
    fn neighbor_config_defaults_are_vpps_limit_and_weft_age() {
        let c = config();
        assert_eq!(
            c.neighbor_config(),
            NeighborConfig {
                limit: 50_000,
                age: 300,
                recycle: false,
            }
        );
        assert_eq!(c.neighbor_stats(), NeighborStats::default());
    }

    /// The default limit, exactly: 50 000 entries fit, the next is
    /// refused.
    #[test]
    fn default_limit_is_50000() {
        let mut c = two_ports();
        for i in 0..DEFAULT_NEIGHBOR_LIMIT {
            c.add_del_neighbor(1, nth(i), MAC1, false, false).unwrap();
        }
        assert_eq!(c.neighbors().count(), 50_000);
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(2, nth(0), MAC1, false, false)
        });
        assert_eq!(e.to_string(), "neighbor table full (limit 50000 entries)");
        assert_eq!(c.neighbor_stats().refused, 1);
    }

    #[test]
    fn a_full_table_refuses_new_entries_and_keeps_updating_old_ones() {
        let mut c = two_ports();
        c.set_neighbor_config(NeighborConfig {
            limit: 3,
            ..NeighborConfig::default()
        });
        c.add_del_neighbor(1, nth(1), MAC1, true, false).unwrap();
        c.add_del_neighbor(1, nth(2), MAC1, false, false).unwrap();
        c.add_del_neighbor(2, nth(3), MAC1, false, false).unwrap();
        // 1. A learned (dynamic) entry: refused, nothing changes or is
        //    published (`fails` checks both), counted.
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(1, nth(4), MAC2, false, false)
        });
        assert_eq!(e, ConfigError::NeighborTableFull { limit: 3 });
        assert_eq!(c.neighbor_stats().refused, 1);
        // 2. A static entry: refused too; the same address on another
        //    interface is another entry.
        let e = fails(&mut c, |c| c.add_del_neighbor(2, nth(1), MAC2, true, false));
        assert_eq!(e, ConfigError::NeighborTableFull { limit: 3 });
        assert_eq!(
            c.neighbor_stats(),
            NeighborStats {
                refused: 2,
                recycled: 0,
                ..Default::default()
            }
        );
        // 3. Existing entries still change: a new MAC, dynamic to static.
        c.add_del_neighbor(1, nth(2), MAC2, false, false).unwrap();
        c.add_del_neighbor(2, nth(3), MAC2, true, false).unwrap();
        let all: Vec<_> = c
            .neighbors()
            .map(|n| (v4of(n.ip), n.mac, n.is_static))
            .collect();
        assert_eq!(
            all,
            [
                (nth(1), MAC1, true),
                (nth(2), MAC2, false),
                (nth(3), MAC2, true)
            ]
        );
        // 4. A delete makes room for exactly one.
        c.add_del_neighbor(1, nth(2), MAC2, false, true).unwrap();
        c.add_del_neighbor(1, nth(4), MAC2, false, false).unwrap();
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(1, nth(5), MAC2, false, false)
        });
        assert_eq!(e, ConfigError::NeighborTableFull { limit: 3 });
        assert_eq!(c.neighbor_stats().refused, 3);
        // 5. Lowering the limit below the count removes nothing.
        c.set_neighbor_config(NeighborConfig {
            limit: 1,
            ..NeighborConfig::default()
        });
        assert_eq!(c.neighbors().count(), 3);
        fails(&mut c, |c| c.add_del_neighbor(1, nth(6), MAC1, true, false));
        // 6. Limit 0: no limit.
        c.set_neighbor_config(NeighborConfig {
            limit: 0,
            ..NeighborConfig::default()
        });
        for i in 10..20 {
            c.add_del_neighbor(1, nth(i), MAC1, false, false).unwrap();
        }
        assert_eq!(c.neighbors().count(), 13);
        assert_eq!(c.neighbor_stats().refused, 4);
    }

    #[test]
    fn recycle_replaces_the_oldest_dynamic_entry() {
        let mut c = two_ports();
        c.set_neighbor_config(NeighborConfig {
            limit: 3,
            recycle: true,
            ..NeighborConfig::default()
        });
        // The static entry is the oldest, but only dynamic ones recycle.
        c.add_del_neighbor(1, nth(1), MAC1, true, false).unwrap();
        for i in [2, 3] {
            std::thread::sleep(std::time::Duration::from_millis(2));
            c.add_del_neighbor(1, nth(i), MAC1, false, false).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        let gen_before = snapshot(&c).generation;
        c.add_del_neighbor(2, nth(4), MAC2, false, false).unwrap();
        assert_eq!(snapshot(&c).generation, gen_before + 1, "published");
        let listed: Vec<_> = c.neighbors().map(|n| (n.sw_if_index, v4of(n.ip))).collect();
        assert_eq!(listed, [(1, nth(1)), (1, nth(3)), (2, nth(4))]);
        assert_eq!(
            c.neighbor_stats(),
            NeighborStats {
                refused: 0,
                recycled: 1,
                ..Default::default()
            }
        );
        // Only static entries left: nothing to recycle, refused.
        c.add_del_neighbor(1, nth(3), MAC1, true, false).unwrap();
        c.add_del_neighbor(2, nth(4), MAC2, true, false).unwrap();
        let e = fails(&mut c, |c| {
            c.add_del_neighbor(1, nth(5), MAC2, false, false)
        });
        assert_eq!(e, ConfigError::NeighborTableFull { limit: 3 });
        assert_eq!(
            c.neighbor_stats(),
            NeighborStats {
                refused: 1,
                recycled: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn deleting_an_interface_drops_its_neighbors_and_addresses() {
        let mut c = config();
        let args = VxlanArgs {
            src: Some(ip(10, 0, 0, 1).into()),
            dst: Some(ip(10, 0, 0, 2).into()),
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
