//! IPv6 on interfaces (VPP's `src/vnet/ip/ip6_link.c`,
//! `ip6_add_del_interface_address`): `enable|disable ip6 interface`, global
//! and unique-local addresses, the link-local address, `show ip6
//! interface`.
//!
//! An interface has IPv6 once it is enabled, explicitly or by its first
//! address (as VPP's `set interface ip address <if> fd00::3/64` enables
//! it): it then has its EUI-64 link-local address, derived from its MAC
//! and following it. Addresses follow the IPv4 rules ([`crate::ip`]): no
//! overlap between interfaces, several of one prefix on one interface, a
//! delete compares the address only. This state is its own table
//! (`Config::ip6`), published as `Tables::ip6`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv6Addr;

use dataplane::tables::Ip6Table;
use dataplane::wire::ipv6::{link_local, solicited_node};

use crate::config::{Config, ConfigError};
use crate::interface::InterfaceKind;

/// An IPv6 interface address with its prefix length, e.g. `fd00::3/64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ipv6Cidr {
    address: Ipv6Addr,
    prefix_len: u8,
}

impl Ipv6Cidr {
    /// `address/prefix_len`, or `None` above 128.
    pub const fn new(address: Ipv6Addr, prefix_len: u8) -> Option<Ipv6Cidr> {
        if prefix_len > 128 {
            None
        } else {
            Some(Ipv6Cidr {
                address,
                prefix_len,
            })
        }
    }

    /// The address.
    pub const fn address(&self) -> Ipv6Addr {
        self.address
    }

    /// The prefix length (0..=128).
    pub const fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    const fn mask(&self) -> u128 {
        match self.prefix_len {
            0 => 0,
            n => u128::MAX << (128 - n),
        }
    }

    /// Whether `ip` is in this prefix.
    pub const fn contains(&self, ip: Ipv6Addr) -> bool {
        (ip.to_bits() ^ self.address.to_bits()) & self.mask() == 0
    }

    /// The prefix (host bits zero).
    pub const fn network(&self) -> Ipv6Addr {
        Ipv6Addr::from_bits(self.address.to_bits() & self.mask())
    }

    const fn overlaps(&self, other: &Ipv6Cidr) -> bool {
        self.contains(other.address) || other.contains(self.address)
    }
}

impl fmt::Display for Ipv6Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

/// A static IPv6 route (`ip route add fd01::/64 via fd00::254`): one path
/// per prefix, as for IPv4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route6 {
    /// The destination prefix (host bits zero).
    pub prefix: Ipv6Cidr,
    /// The next hop, on one of weft's IPv6 prefixes.
    pub via: Ipv6Addr,
    /// The interface the next hop must be on, if given.
    pub interface: Option<u32>,
}

/// One interface's IPv6 state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ip6Interface {
    /// Addresses (not the link-local), in the order they were added.
    pub addresses: Vec<Ipv6Cidr>,
}

/// IPv6 state by interface: present = enabled.
pub(crate) type Ip6Interfaces = BTreeMap<u32, Ip6Interface>;

impl Config {
    /// `enable ip6 interface <if>` / `disable ip6 interface <if>`. Disabling
    /// removes the interface's IPv6 addresses (as VPP's `ip6_link_disable`).
    ///
    /// Errors: [`ConfigError::UnknownInterface`], [`ConfigError::Local0NoIp`].
    pub fn enable_ip6(&mut self, sw_if_index: u32, enable: bool) -> Result<(), ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        if ifc.kind == InterfaceKind::Local {
            return Err(ConfigError::Local0NoIp);
        }
        if enable {
            self.ip6.entry(sw_if_index).or_default();
        } else {
            self.ip6.remove(&sw_if_index);
        }
        self.publish();
        Ok(())
    }

    /// Adds or deletes an IPv6 address (`set interface ip address [del]
    /// <if> <addr>/<len>`); an add enables IPv6 on the interface.
    ///
    /// Errors, in this order: [`ConfigError::UnknownInterface`],
    /// [`ConfigError::BadPrefix6`], [`ConfigError::Local0NoIp`],
    /// [`ConfigError::BadAddress6`] (multicast, unspecified, loopback,
    /// link-local: the link-local address is the MAC's), on add
    /// [`ConfigError::Address6Conflict`], on delete
    /// [`ConfigError::Address6NotFound`].
    pub fn add_del_ip6_address(
        &mut self,
        sw_if_index: u32,
        addr: Ipv6Addr,
        len: u8,
        is_del: bool,
    ) -> Result<(), ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        let cidr = Ipv6Cidr::new(addr, len).ok_or(ConfigError::BadPrefix6 { addr, len })?;
        if ifc.kind == InterfaceKind::Local {
            return Err(ConfigError::Local0NoIp);
        }
        if addr.is_multicast()
            || addr.is_unspecified()
            || addr.is_loopback()
            || addr.is_unicast_link_local()
        {
            return Err(ConfigError::BadAddress6(addr));
        }
        let name = ifc.name.clone();
        if is_del {
            let pos = self
                .ip6
                .get(&sw_if_index)
                .and_then(|i| i.addresses.iter().position(|a| a.address == addr))
                .ok_or(ConfigError::Address6NotFound {
                    addr: cidr,
                    interface: name,
                })?;
            if let Some(i) = self.ip6.get_mut(&sw_if_index) {
                i.addresses.remove(pos);
            }
        } else {
            for (&other, i) in &self.ip6 {
                for &x in &i.addresses {
                    if !cidr.overlaps(&x)
                        || (other == sw_if_index && x.prefix_len == len && x.address != addr)
                    {
                        continue;
                    }
                    return Err(ConfigError::Address6Conflict {
                        addr: cidr,
                        interface: name,
                        existing: x,
                        existing_interface: self
                            .interface(other)
                            .map(|i| i.name.clone())
                            .unwrap_or_default(),
                    });
                }
            }
            self.ip6
                .entry(sw_if_index)
                .or_default()
                .addresses
                .push(cidr);
        }
        self.publish();
        Ok(())
    }

    /// The interface's IPv6 state, if IPv6 is enabled on it.
    pub fn ip6_interface(&self, sw_if_index: u32) -> Option<&Ip6Interface> {
        self.ip6.get(&sw_if_index)
    }

    /// Its link-local address, if IPv6 is enabled on it.
    pub fn ip6_link_local(&self, sw_if_index: u32) -> Option<Ipv6Addr> {
        self.ip6.get(&sw_if_index)?;
        Some(link_local(self.interface(sw_if_index)?.mac))
    }

    /// The longest connected IPv6 prefix holding `ip`, on a device
    /// interface or sub-interface: (interface, weft's address, length).
    fn connected6(&self, ip: Ipv6Addr) -> Option<(u32, Ipv6Addr, u8)> {
        use dataplane::tables::Output;
        self.ip6
            .iter()
            .filter(|(sw, _)| {
                self.interface(**sw)
                    .is_some_and(|i| matches!(i.output(), Output::Device | Output::Dot1q { .. }))
            })
            .flat_map(|(&sw, i)| i.addresses.iter().map(move |a| (sw, *a)))
            .filter(|(_, a)| a.contains(ip))
            .max_by_key(|(_, a)| a.prefix_len())
            .map(|(sw, a)| (sw, a.address(), a.prefix_len()))
    }

    /// Where weft's own IPv6 packets to `dst` leave (tunnels, `ping`):
    /// longest-prefix match over the connected prefixes and the static
    /// routes; (interface, source address, next hop). A route's next hop
    /// must be on a connected prefix (of its interface, if given).
    pub fn egress6_for(&self, dst: Ipv6Addr) -> Option<(u32, Ipv6Addr, Ipv6Addr)> {
        let connected = self.connected6(dst);
        let route = self
            .routes6
            .values()
            .filter(|r| r.prefix.contains(dst))
            .max_by_key(|r| r.prefix.prefix_len());
        match (connected, route) {
            (Some(c), Some(r)) if r.prefix.prefix_len() > c.2 => self.via6(r),
            (Some((sw, src, _)), _) => Some((sw, src, dst)),
            (None, Some(r)) => self.via6(r),
            (None, None) => None,
        }
    }

    fn via6(&self, r: &Route6) -> Option<(u32, Ipv6Addr, Ipv6Addr)> {
        let (sw, src, _) = self.connected6(r.via)?;
        if r.interface.is_some_and(|i| i != sw) {
            return None;
        }
        Some((sw, src, r.via))
    }

    /// `ip route add|del <prefix> via <nh> [<interface>]` for IPv6: adding
    /// an existing prefix replaces its route; deleting ignores `via` and
    /// `interface`. Tunnels re-stack.
    pub fn ip6_route_add_del(
        &mut self,
        prefix: Ipv6Cidr,
        via: Ipv6Addr,
        interface: Option<u32>,
        is_del: bool,
    ) -> Result<(), crate::fib::RouteError> {
        use crate::fib::RouteError;
        let prefix = Ipv6Cidr::new(prefix.network(), prefix.prefix_len()).expect("valid length");
        if is_del {
            self.routes6
                .remove(&prefix)
                .ok_or(RouteError::NotFound6(prefix))?;
        } else {
            if let Some(i) = interface {
                self.existing(i)?;
            }
            if self
                .ip6
                .values()
                .any(|i| i.addresses.iter().any(|a| a.address() == via))
            {
                return Err(RouteError::LocalNextHop6(via));
            }
            self.routes6.insert(
                prefix,
                Route6 {
                    prefix,
                    via,
                    interface,
                },
            );
        }
        self.publish();
        Ok(())
    }

    /// The IPv6 FIB as `show ip6 fib` lists it (see
    /// [`crate::fib::FibEntry`]): `::/0` drop, each connected prefix
    /// (glean), each of weft's addresses (receive), each neighbour
    /// (adjacency), each route (replacing any other entry of its prefix),
    /// `fe80::/10` link-local, sorted.
    pub fn ip6_fib(&self) -> Vec<crate::fib::FibEntry> {
        use crate::fib::FibEntry;
        use std::net::IpAddr;
        let v6 = |a: Ipv6Addr, len: u8| {
            let c = Ipv6Cidr::new(a, len).expect("valid length");
            (IpAddr::V6(c.network()), len)
        };
        let mut entries = vec![
            FibEntry::default_drop(v6(Ipv6Addr::UNSPECIFIED, 0)),
            FibEntry::link_local(v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10)),
        ];
        for (&sw, i) in &self.ip6 {
            for a in &i.addresses {
                if a.prefix_len() < 128 {
                    entries.push(FibEntry::connected(v6(a.address(), a.prefix_len()), sw));
                }
                entries.push(FibEntry::local(
                    v6(a.address(), 128),
                    a.address().into(),
                    sw,
                ));
            }
        }
        for n in self.neighbors() {
            if let IpAddr::V6(ip) = n.ip
                && !ip.is_unicast_link_local()
            {
                entries.push(FibEntry::adjacency(v6(ip, 128), n.ip, n.sw_if_index));
            }
        }
        for r in self.routes6.values() {
            let prefix = (IpAddr::V6(r.prefix.network()), r.prefix.prefix_len());
            entries.retain(|e| e.prefix != prefix);
            let egress = self
                .via6(r)
                .map(|(sw, _, nh)| (sw, self.neighbor(sw, nh).is_some()));
            entries.push(FibEntry::route(prefix, r.via.into(), r.interface, egress));
        }
        crate::fib::sorted(entries)
    }

    /// `show ip6 fib`'s text (without its last newline).
    pub fn format_ip6_fib(&self) -> String {
        crate::cli::fib::format_fib(self, &self.ip6_fib(), true)
    }

    /// The snapshot's IPv6 table: every enabled interface's link-local
    /// address, then its addresses.
    pub(crate) fn build_ip6(&self) -> Ip6Table {
        let mut t = Ip6Table::default();
        for (&sw, i) in &self.ip6 {
            if let Some(ll) = self.ip6_link_local(sw) {
                t.insert(sw, ll);
            }
            for a in &i.addresses {
                t.insert(sw, a.address);
            }
        }
        t
    }

    /// `show ip6 interface <if>` (VPP's `format_ip6_link`, without router
    /// advertisements, which weft does not send): the interface's
    /// [`Ip6Link`], or `IP6 disabled`.
    pub fn format_ip6_interface(&self, sw_if_index: u32) -> Result<String, ConfigError> {
        Ok(self
            .ip6_link(sw_if_index)?
            .map_or_else(|| "IP6 disabled\n".to_string(), |l| l.text()))
    }

    /// What `show ip6 interface` shows of an interface; `None` if IPv6 is
    /// disabled on it.
    pub fn ip6_link(&self, sw_if_index: u32) -> Result<Option<Ip6Link>, ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        let Some(i) = self.ip6.get(&sw_if_index) else {
            return Ok(None);
        };
        // VPP's scopes: fc00::/7 is "local unicast", 2000::/3 "global".
        let (local, global): (Vec<Ipv6Cidr>, Vec<Ipv6Cidr>) = i
            .addresses
            .iter()
            .partition(|a| a.address.is_unique_local());
        let ll = link_local(ifc.mac);
        let mut groups: Vec<Ipv6Addr> = std::iter::once(ll)
            .chain(i.addresses.iter().map(|a| a.address))
            .map(solicited_node)
            .collect();
        groups.dedup();
        groups.insert(0, Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1));
        Ok(Some(Ip6Link {
            name: ifc.name.clone(),
            sw_if_index,
            admin_up: ifc.admin_up,
            local,
            global,
            link_local: ll,
            groups,
            mtu: ifc.mtu,
        }))
    }
}

/// One interface of `show ip6 interface`, from which its text and JSON
/// forms are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ip6Link {
    /// The interface.
    pub name: String,
    /// Its index.
    pub sw_if_index: u32,
    /// Administratively up.
    pub admin_up: bool,
    /// Unique-local addresses (`fc00::/7`), as added.
    pub local: Vec<Ipv6Cidr>,
    /// The other (global) addresses, as added.
    pub global: Vec<Ipv6Cidr>,
    /// The EUI-64 link-local address.
    pub link_local: Ipv6Addr,
    /// The multicast groups joined: `ff02::1`, then the solicited-node
    /// groups of the link-local address and of each address.
    pub groups: Vec<Ipv6Addr>,
    /// The interface's MTU.
    pub mtu: u16,
}

impl Ip6Link {
    /// The `show ip6 interface` text.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{} is admin {}\n",
            self.name,
            if self.admin_up { "up" } else { "down" }
        );
        for (title, list) in [
            ("Local unicast address(es)", &self.local),
            ("Global unicast address(es)", &self.global),
        ] {
            if !list.is_empty() {
                s.push_str(&format!("  {title}:\n"));
                for a in list {
                    s.push_str(&format!("    {a}\n"));
                }
            }
        }
        s.push_str(&format!(
            "  Link-local address(es):\n    {}\n",
            self.link_local
        ));
        s.push_str("  Joined group address(es):\n");
        for g in &self.groups {
            s.push_str(&format!("    {g}\n"));
        }
        s.push_str(
            "  Neighbor Discovery: enabled\n    ICMP redirects are disabled\n    ICMP \
             unreachables are not sent\n    ND DAD is disabled\n",
        );
        s.push_str(&format!("  MTU is {}\n", self.mtu));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_util::{config, fails, snapshot};

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_enable_and_link_local() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        let (eth1, _p1, _h1) = c.create_pg_interface("eth1").unwrap();
        assert!(c.ip6_interface(eth0).is_none());
        assert_eq!(c.format_ip6_interface(eth0).unwrap(), "IP6 disabled\n");
        c.add_del_ip6_address(eth0, a("fd00::3"), 64, false)
            .unwrap();
        // pg MACs are 02:fe:00:00:00:<index>.
        assert_eq!(c.ip6_link_local(eth0), Some(a("fe80::fe:ff:fe00:1")));
        let t = snapshot(&c);
        assert_eq!(
            t.ip6.addresses(eth0),
            &[a("fe80::fe:ff:fe00:1"), a("fd00::3")]
        );
        assert_eq!(t.ip6.addresses(eth1), &[] as &[Ipv6Addr]);
        c.set_interface_state(eth0, true).unwrap();
        assert_eq!(
            c.format_ip6_interface(eth0).unwrap(),
            "eth0 is admin up\n  Local unicast address(es):\n    fd00::3/64\n  Link-local \
             address(es):\n    fe80::fe:ff:fe00:1\n  Joined group address(es):\n    ff02::1\n    \
             ff02::1:ff00:1\n    ff02::1:ff00:3\n  Neighbor Discovery: enabled\n    ICMP redirects \
             are disabled\n    ICMP unreachables are not sent\n    ND DAD is disabled\n  MTU is \
             1500\n"
        );
        // Another of the same prefix on the same interface is fine.
        c.add_del_ip6_address(eth0, a("fd00::4"), 64, false)
            .unwrap();
        c.add_del_ip6_address(eth0, a("fd00::4"), 64, true).unwrap();
        // Enabled without addresses; disabling takes the addresses.
        c.enable_ip6(eth1, true).unwrap();
        assert_eq!(snapshot(&c).ip6.addresses(eth1), &[a("fe80::fe:ff:fe00:2")]);
        c.enable_ip6(eth0, false).unwrap();
        assert!(snapshot(&c).ip6.addresses(eth0).is_empty());
        // The interface goes, its IPv6 with it.
        c.add_del_ip6_address(eth1, a("2001:db8::1"), 64, false)
            .unwrap();
        assert!(
            c.format_ip6_interface(eth1)
                .unwrap()
                .contains("  Global unicast address(es):\n    2001:db8::1/64\n")
        );
        c.delete_device_interface(eth1).unwrap();
        assert!(c.ip6_interface(eth1).is_none());
        assert!(snapshot(&c).ip6.addresses(eth1).is_empty());
    }

    #[test]
    fn routes_and_the_fib() {
        use crate::fib::RouteError;
        use crate::vxlan::VxlanArgs;
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        c.add_del_ip6_address(eth0, a("fd00::3"), 64, false)
            .unwrap();
        let gw_mac = dataplane::wire::EthernetAddress([2, 0, 0, 0, 0, 0xfe]);
        c.add_del_neighbor(eth0, a("fd00::fe"), gw_mac, true, false)
            .unwrap();
        let net = Ipv6Cidr::new(a("fd01::77"), 64).unwrap();
        c.ip6_route_add_del(net, a("fd00::fe"), None, false)
            .unwrap();
        // On-link, and behind the route.
        assert_eq!(
            c.egress6_for(a("fd00::1")),
            Some((eth0, a("fd00::3"), a("fd00::1")))
        );
        assert_eq!(
            c.egress6_for(a("fd01::5")),
            Some((eth0, a("fd00::3"), a("fd00::fe")))
        );
        assert_eq!(c.egress6_for(a("fd02::5")), None);
        // A tunnel to a remote behind it resolves through the gateway.
        c.vxlan_add_del(&VxlanArgs {
            src: Some(a("fd00::3").into()),
            dst: Some(a("fd01::5").into()),
            vni: Some(7),
            ..VxlanArgs::default()
        })
        .unwrap();
        let e = snapshot(&c).tunnel6(0).unwrap().encap.clone().unwrap();
        assert_eq!(&e.rewrite[0..6], &gw_mac.0);
        assert!(c.unresolved_next_hops6().is_empty());
        let fib = c.format_ip6_fib();
        assert!(fib.starts_with("ipv6-VRF:0, fib_index:0,"), "{fib}");
        for want in [
            "::/0\n  unicast-ip6-chain\n  [@0]: dpo-load-balance: [proto:ip6 index:0 buckets:1 uRPF:0 to:[0:0]]\n    [0] [@0]: dpo-drop ip6\n",
            "fd00::/64\n  unicast-ip6-chain\n",
            "    [0] [@4]: ipv6-glean: [src:fd00::/64] eth0\n",
            "fd00::3/128\n",
            "    [0] [@15]: dpo-receive: fd00::3 on eth0\n",
            "fd00::fe/128\n",
            "    [0] [@5]: ipv6 via fd00::fe eth0\n",
            "fd01::/64\n",
            "fe80::/10\n",
            "    [0] [@14]: ip6-link-local",
        ] {
            assert!(fib.contains(want), "{want} in {fib}");
        }
        // Refusals.
        let e = fails(&mut c, |c| {
            c.ip6_route_add_del(net, a("fd00::3"), None, false)
        });
        assert_eq!(e, RouteError::LocalNextHop6(a("fd00::3")));
        let other = Ipv6Cidr::new(a("fd09::"), 64).unwrap();
        let e = fails(&mut c, |c| c.ip6_route_add_del(other, a("::"), None, true));
        assert_eq!(e.to_string(), "route fd09::/64 not found");
        c.ip6_route_add_del(net, a("::"), None, true).unwrap();
        assert_eq!(c.egress6_for(a("fd01::5")), None);
        assert_eq!(snapshot(&c).tunnel6(0).unwrap().encap, None);
    }

    #[test]
    fn refusals_change_nothing() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        let (eth1, _p1, _h1) = c.create_pg_interface("eth1").unwrap();
        c.add_del_ip6_address(eth0, a("fd00::3"), 64, false)
            .unwrap();
        let e = fails(&mut c, |c| {
            c.add_del_ip6_address(eth1, a("fd00::9"), 64, false)
        });
        assert_eq!(
            e.to_string(),
            "failed to add fd00::9/64 on eth1 which conflicts with fd00::3/64 for interface eth0"
        );
        let e = fails(&mut c, |c| {
            c.add_del_ip6_address(eth0, a("fd00::3"), 48, false)
        });
        assert!(matches!(e, ConfigError::Address6Conflict { .. }), "{e}");
        let e = fails(&mut c, |c| {
            c.add_del_ip6_address(eth0, a("fd00::9"), 64, true)
        });
        assert_eq!(e.to_string(), "fd00::9/64 not found for interface eth0");
        let e = fails(&mut c, |c| {
            c.add_del_ip6_address(eth0, a("fd00::9"), 129, false)
        });
        assert_eq!(
            e.to_string(),
            "expected IP4/IP6 address/length `fd00::9/129'"
        );
        for bad in ["ff02::1", "::", "::1", "fe80::1"] {
            let e = fails(&mut c, |c| c.add_del_ip6_address(eth0, a(bad), 64, false));
            assert_eq!(e, ConfigError::BadAddress6(a(bad)));
        }
        let e = fails(&mut c, |c| {
            c.add_del_ip6_address(0, a("fd00::1"), 64, false)
        });
        assert_eq!(e, ConfigError::Local0NoIp);
        let e = fails(&mut c, |c| c.enable_ip6(0, true));
        assert_eq!(e, ConfigError::Local0NoIp);
    }
}
