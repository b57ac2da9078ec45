//! A small IPv4 FIB: connected prefixes from interface addresses, weft's own
//! addresses, and static routes (`ip route add|del <prefix> via <nh>
//! [<interface>]`), used to reach tunnel remotes that are not on-link.
//!
//! Lookups are longest-prefix match over connected prefixes (device
//! interfaces only) and static routes; a connected prefix wins a tie. A
//! route's next hop must itself be on a connected prefix (one level of
//! recursion, which is what an underlay needs); otherwise the route is
//! unresolved and tunnels using it have no encap.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use dataplane::tables::Output;

use crate::config::{Config, ConfigError};
use crate::egress::Egress;

/// A prefix with its host bits cleared, ordered like `show ip fib`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    network: Ipv4Addr,
    len: u8,
}

impl Prefix {
    /// `addr/len` with the host bits cleared; `None` if `len` > 32.
    pub fn new(addr: Ipv4Addr, len: u8) -> Option<Prefix> {
        if len > 32 {
            return None;
        }
        Some(Prefix {
            network: Ipv4Addr::from_bits(addr.to_bits() & mask(len)),
            len,
        })
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        self.network
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// True for the default route `0.0.0.0/0`.
    pub fn is_default(&self) -> bool {
        self.len == 0
    }

    /// Whether `ip` is in this prefix.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        ip.to_bits() & mask(self.len) == self.network.to_bits()
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.len)
    }
}

const fn mask(len: u8) -> u32 {
    match len {
        0 => 0,
        n => u32::MAX << (32 - n),
    }
}

/// A static route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// Destination prefix.
    pub prefix: Prefix,
    /// Next hop.
    pub via: Ipv4Addr,
    /// Next-hop interface, when given.
    pub interface: Option<u32>,
}

/// Why a route operation was refused (VPP's messages where VPP has one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The next-hop interface does not exist.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Deleting a route that is not there (VPP's CLI is silent; weft's
    /// text).
    #[error("route {0} not found")]
    NotFound(Prefix),
    /// The next hop is one of weft's own addresses (weft's text).
    #[error("next hop {0} is a local address")]
    LocalNextHop(Ipv4Addr),
    /// Deleting an IPv6 route that is not there (weft's text).
    #[error("route {0} not found")]
    NotFound6(crate::ip6::Ipv6Cidr),
    /// An IPv6 next hop that is one of weft's own addresses (weft's text).
    #[error("next hop {0} is a local address")]
    LocalNextHop6(std::net::Ipv6Addr),
}

/// The connected prefixes of the device interfaces (see
/// [`Config::connected`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Connected(Vec<(u32, crate::ip::Ipv4Cidr)>);

impl Connected {
    /// Longest connected prefix containing `ip`: (sw_if_index, weft's
    /// address in it, prefix length).
    fn lookup(&self, ip: Ipv4Addr) -> Option<(u32, Ipv4Addr, u8)> {
        let mut best: Option<(u32, Ipv4Addr, u8)> = None;
        for &(sw_if_index, a) in self.0.iter().filter(|(_, a)| a.contains(ip)) {
            if best.is_none_or(|b| a.prefix_len() > b.2) {
                best = Some((sw_if_index, a.address(), a.prefix_len()));
            }
        }
        best
    }
}

/// A route's egress: its next hop on a connected prefix.
fn via(connected: &Connected, r: &Route) -> Option<Egress> {
    let (sw_if_index, src, _) = connected.lookup(r.via)?;
    if r.interface.is_some_and(|i| i != sw_if_index) {
        return None;
    }
    Some(Egress {
        sw_if_index,
        next_hop: r.via,
        src,
    })
}

impl Config {
    /// `ip route add|del <prefix> via <nh> [<interface>]`. Adding a route
    /// for an existing prefix replaces it (one path per prefix). Deleting
    /// ignores `via` and `interface`. Tunnels re-stack.
    pub fn ip_route_add_del(
        &mut self,
        prefix: Prefix,
        via: Ipv4Addr,
        interface: Option<u32>,
        is_del: bool,
    ) -> Result<(), RouteError> {
        if is_del {
            self.routes
                .remove(&prefix)
                .ok_or(RouteError::NotFound(prefix))?;
        } else {
            if let Some(i) = interface {
                self.existing(i)?;
            }
            if self
                .interfaces()
                .any(|i| i.ip4.iter().any(|a| a.address() == via))
            {
                return Err(RouteError::LocalNextHop(via));
            }
            self.routes.insert(
                prefix,
                Route {
                    prefix,
                    via,
                    interface,
                },
            );
        }
        self.publish();
        Ok(())
    }

    /// Static routes, by prefix.
    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.values()
    }

    /// The connected prefixes: every address of every device interface,
    /// with its interface. Collected once by callers that look up many
    /// destinations ([`Config::build_tables`], the tunnel next hops), so a
    /// lookup costs the device addresses, not every interface: with
    /// thousands of tunnel interfaces a scan of all interfaces per tunnel
    /// made every publish quadratic in the number of tunnels.
    pub(crate) fn connected(&self) -> Connected {
        self.connected_through(|o| matches!(o, Output::Device | Output::Dot1q { .. }))
    }

    /// The connected prefixes of the interfaces whose output `keep`s.
    fn connected_through(&self, keep: impl Fn(Output) -> bool) -> Connected {
        Connected(
            self.interfaces()
                .filter(|ifc| keep(ifc.output()))
                .flat_map(|ifc| ifc.ip4.iter().map(|a| (ifc.sw_if_index, *a)))
                .collect(),
        )
    }

    /// The egress for `dst` of what weft itself sends (ping, ARP):
    /// longest-prefix match over the connected prefixes of device
    /// interfaces and BVIs, and static routes. `None` when nothing covers
    /// `dst` or a route's next hop is not on a connected prefix. Tunnels
    /// never go out through a BVI (see [`Config::connected`]).
    pub fn egress_for(&self, dst: Ipv4Addr) -> Option<Egress> {
        self.egress_in(
            &self.connected_through(|o| {
                matches!(o, Output::Device | Output::Dot1q { .. } | Output::Bvi)
            }),
            dst,
        )
    }

    /// [`egress_for`](Self::egress_for) with the connected prefixes
    /// collected by the caller.
    pub(crate) fn egress_in(&self, connected: &Connected, dst: Ipv4Addr) -> Option<Egress> {
        let route = self
            .routes
            .values()
            .filter(|r| r.prefix.contains(dst))
            .max_by_key(|r| r.prefix.prefix_len());
        match (connected.lookup(dst), route) {
            (Some(c), Some(r)) if r.prefix.prefix_len() > c.2 => via(connected, r),
            (Some((sw_if_index, src, _)), _) => Some(Egress {
                sw_if_index,
                next_hop: dst,
                src,
            }),
            (None, Some(r)) => via(connected, r),
            (None, None) => None,
        }
    }

    /// The IPv4 FIB as `show ip fib` lists it (see [`FibEntry`]): the
    /// special drops, then for each interface address its connected prefix
    /// (glean) and the address (receive), each IPv4 neighbour (adjacency),
    /// each route (replacing any other entry of its prefix), sorted.
    pub fn ip_fib(&self) -> Vec<FibEntry> {
        let v4 = |a: Ipv4Addr, len: u8| {
            let p = Prefix::new(a, len).expect("length checked");
            (IpAddr::V4(p.network()), len)
        };
        let mut entries = vec![
            FibEntry::special(v4(Ipv4Addr::UNSPECIFIED, 0), FibSource::DefaultRoute),
            FibEntry::special(v4(Ipv4Addr::UNSPECIFIED, 32), FibSource::Special),
            FibEntry::special(v4(Ipv4Addr::new(224, 0, 0, 0), 4), FibSource::Special),
            FibEntry::special(v4(Ipv4Addr::BROADCAST, 32), FibSource::Special),
        ];
        for ifc in self.interfaces() {
            for a in &ifc.ip4 {
                if a.prefix_len() < 32 {
                    entries.push(FibEntry::connected(
                        v4(a.address(), a.prefix_len()),
                        ifc.sw_if_index,
                    ));
                }
                entries.push(FibEntry::local(
                    v4(a.address(), 32),
                    a.address().into(),
                    ifc.sw_if_index,
                ));
            }
        }
        for n in self.neighbors() {
            if let IpAddr::V4(ip) = n.ip {
                entries.push(FibEntry::adjacency(v4(ip, 32), n.ip, n.sw_if_index));
            }
        }
        let connected = self.connected_through(|o| {
            matches!(o, Output::Device | Output::Dot1q { .. } | Output::Bvi)
        });
        for r in self.routes.values() {
            let prefix = (IpAddr::V4(r.prefix.network()), r.prefix.prefix_len());
            entries.retain(|e| e.prefix != prefix);
            let egress = self
                .egress_in(&connected, r.via)
                .filter(|e| e.next_hop == r.via)
                .map(|e| (e.sw_if_index, self.neighbor(e.sw_if_index, r.via).is_some()));
            entries.push(FibEntry::route(prefix, r.via.into(), r.interface, egress));
        }
        sorted(entries)
    }

    /// `show ip fib`'s text (without its last newline).
    pub fn format_ip_fib(&self) -> String {
        crate::cli::fib::format_fib(self, &self.ip_fib(), false)
    }
}

/// Sorts a FIB's entries as `show ip fib` lists them (by address, then
/// length) and keeps the first of each prefix.
pub(crate) fn sorted(mut entries: Vec<FibEntry>) -> Vec<FibEntry> {
    entries.sort_by_key(|e| e.prefix);
    entries.dedup_by(|a, b| a.prefix == b.prefix);
    entries
}

/// Who put a FIB entry there: VPP's source names (`format_fib_source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FibSource {
    /// `0.0.0.0/0`, `::/0`: `default-route`.
    DefaultRoute,
    /// The other special prefixes: `special`.
    Special,
    /// An interface address: `interface`.
    Interface,
    /// A neighbour: `adjacency`.
    Adjacency,
    /// `ip route`: `CLI`.
    Cli,
}

impl FibSource {
    /// VPP's name.
    pub fn as_str(self) -> &'static str {
        match self {
            FibSource::DefaultRoute => "default-route",
            FibSource::Special => "special",
            FibSource::Interface => "interface",
            FibSource::Adjacency => "adjacency",
            FibSource::Cli => "CLI",
        }
    }
}

/// What a FIB entry is, by what made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FibKind {
    /// A special prefix, dropped.
    Drop,
    /// A connected prefix (an interface address's subnet).
    Connected,
    /// One of weft's addresses.
    Local,
    /// A neighbour's host prefix.
    Adjacency,
    /// A static route (`ip route`).
    Route,
    /// `fe80::/10`.
    LinkLocal,
}

impl FibKind {
    /// Its name in the JSON form (`type`).
    pub fn as_str(self) -> &'static str {
        match self {
            FibKind::Drop => "drop",
            FibKind::Connected => "connected",
            FibKind::Local => "local",
            FibKind::Adjacency => "adjacency",
            FibKind::Route => "route",
            FibKind::LinkLocal => "link-local",
        }
    }

    /// VPP's entry flags (`format_fib_entry_flags`) for this kind.
    pub fn flags(self) -> &'static [&'static str] {
        match self {
            FibKind::Drop => &["drop"],
            FibKind::Connected => &["connected", "attached"],
            FibKind::Local => &["local"],
            FibKind::Adjacency => &["attached"],
            FibKind::Route | FibKind::LinkLocal => &[],
        }
    }
}

/// How a FIB entry forwards: its one path's result (VPP's DPO).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forwarding {
    /// Dropped (`dpo-drop`).
    Drop,
    /// Resolve the destination on the interface (`ipv4-glean`).
    Glean,
    /// Delivered to weft (`dpo-receive`).
    Receive,
    /// Sent to the next hop's MAC (`ipv4 via`), once it is known.
    Adjacency,
    /// IPv6 link-local (`ip6-link-local`).
    LinkLocal,
}

impl Forwarding {
    /// Its name in the JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Forwarding::Drop => "drop",
            Forwarding::Glean => "glean",
            Forwarding::Receive => "receive",
            Forwarding::Adjacency => "adjacency",
            Forwarding::LinkLocal => "link-local",
        }
    }
}

/// A FIB entry's one path (weft keeps one path per prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FibPath {
    /// The next hop (adjacencies, routes) or weft's address (local).
    pub next_hop: Option<IpAddr>,
    /// The interface it leaves by (or the route's next-hop interface when
    /// no connected prefix holds the next hop).
    pub sw_if_index: Option<u32>,
    /// What the path forwards to.
    pub forwarding: Forwarding,
    /// It forwards as configured: false for a route whose next hop is on
    /// no connected prefix (dropped) or has no neighbour entry yet.
    pub resolved: bool,
}

/// One entry of `show ip fib` / `show ip6 fib`, from which the text and
/// the JSON forms are both made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FibEntry {
    /// The prefix: network address (host bits zero) and length.
    pub prefix: (IpAddr, u8),
    /// Who put it there.
    pub source: FibSource,
    /// What it is.
    pub kind: FibKind,
    /// Its path.
    pub path: FibPath,
    /// A route that names its next hop's interface (`ip route ... via
    /// <ip> <interface>`): VPP's attached-nexthop path, where a route
    /// without one is recursive.
    pub interface_given: bool,
}

impl FibEntry {
    fn special(prefix: (IpAddr, u8), source: FibSource) -> FibEntry {
        FibEntry {
            prefix,
            source,
            kind: FibKind::Drop,
            interface_given: false,
            path: FibPath {
                next_hop: None,
                sw_if_index: None,
                forwarding: Forwarding::Drop,
                resolved: true,
            },
        }
    }

    pub(crate) fn link_local(prefix: (IpAddr, u8)) -> FibEntry {
        FibEntry {
            kind: FibKind::LinkLocal,
            path: FibPath {
                forwarding: Forwarding::LinkLocal,
                ..Self::special(prefix, FibSource::Special).path
            },
            ..Self::special(prefix, FibSource::Special)
        }
    }

    pub(crate) fn default_drop(prefix: (IpAddr, u8)) -> FibEntry {
        Self::special(prefix, FibSource::DefaultRoute)
    }

    pub(crate) fn connected(prefix: (IpAddr, u8), sw_if_index: u32) -> FibEntry {
        FibEntry {
            prefix,
            source: FibSource::Interface,
            kind: FibKind::Connected,
            interface_given: false,
            path: FibPath {
                next_hop: None,
                sw_if_index: Some(sw_if_index),
                forwarding: Forwarding::Glean,
                resolved: true,
            },
        }
    }

    pub(crate) fn local(prefix: (IpAddr, u8), address: IpAddr, sw_if_index: u32) -> FibEntry {
        FibEntry {
            prefix,
            source: FibSource::Interface,
            kind: FibKind::Local,
            interface_given: false,
            path: FibPath {
                next_hop: Some(address),
                sw_if_index: Some(sw_if_index),
                forwarding: Forwarding::Receive,
                resolved: true,
            },
        }
    }

    pub(crate) fn adjacency(prefix: (IpAddr, u8), ip: IpAddr, sw_if_index: u32) -> FibEntry {
        FibEntry {
            prefix,
            source: FibSource::Adjacency,
            kind: FibKind::Adjacency,
            interface_given: false,
            path: FibPath {
                next_hop: Some(ip),
                sw_if_index: Some(sw_if_index),
                forwarding: Forwarding::Adjacency,
                resolved: true,
            },
        }
    }

    /// A route via `via`; `egress`: the interface its next hop is on (by
    /// a connected prefix) and whether the neighbour is known, `None` if
    /// no connected prefix holds it.
    pub(crate) fn route(
        prefix: (IpAddr, u8),
        via: IpAddr,
        interface: Option<u32>,
        egress: Option<(u32, bool)>,
    ) -> FibEntry {
        FibEntry {
            prefix,
            source: FibSource::Cli,
            kind: FibKind::Route,
            interface_given: interface.is_some(),
            path: match egress {
                Some((sw, resolved)) => FibPath {
                    next_hop: Some(via),
                    sw_if_index: Some(sw),
                    forwarding: Forwarding::Adjacency,
                    resolved,
                },
                None => FibPath {
                    next_hop: Some(via),
                    sw_if_index: interface,
                    forwarding: Forwarding::Drop,
                    resolved: false,
                },
            },
        }
    }

    /// Whether `addr` is in this entry's prefix.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.prefix.0, addr) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                Prefix::new(a, self.prefix.1) == Prefix::new(n, self.prefix.1)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                crate::ip6::Ipv6Cidr::new(a, self.prefix.1).is_some_and(|c| c.network() == n)
            }
            _ => false,
        }
    }
}

/// The entry `show ip fib <addr>[/<len>]` shows: the longest prefix of at
/// most `len` bits holding `addr` (VPP's `ip4_fib_table_lookup`), with its
/// index in `entries`.
pub fn fib_lookup(entries: &[FibEntry], addr: IpAddr, len: u8) -> Option<(usize, &FibEntry)> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.prefix.1 <= len && e.contains(addr))
        .max_by_key(|(_, e)| e.prefix.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_util::config;
    use crate::vxlan::VxlanArgs;
    use dataplane::wire::EthernetAddress;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn prefix_clears_host_bits() {
        let p = Prefix::new(ip("10.99.7.9"), 16).unwrap();
        assert_eq!(p.to_string(), "10.99.0.0/16");
        assert!(p.contains(ip("10.99.200.1")));
        assert!(!p.contains(ip("10.100.0.1")));
        assert!(Prefix::new(ip("1.2.3.4"), 33).is_none());
    }

    #[test]
    fn tunnel_remote_behind_a_route() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        c.add_del_ip4_address(eth0, ip("10.99.0.3"), 24, false)
            .unwrap();
        let gw_mac = EthernetAddress([2, 0, 0, 0, 0, 0xfe]);
        c.add_del_neighbor(eth0, ip("10.99.0.254"), gw_mac, true, false)
            .unwrap();
        let t = c
            .vxlan_add_del(&VxlanArgs {
                src: Some(ip("10.99.0.3").into()),
                dst: Some(ip("10.99.9.1").into()),
                vni: Some(11),
                ..VxlanArgs::default()
            })
            .unwrap()
            .unwrap();
        let tunnel = |c: &Config| c.tables().load().tunnel(0).unwrap().encap.is_some();
        assert!(!tunnel(&c), "no route yet");
        assert!(c.egress_for(ip("10.99.9.1")).is_none());
        let p = Prefix::new(ip("10.99.9.0"), 24).unwrap();
        c.ip_route_add_del(p, ip("10.99.0.254"), None, false)
            .unwrap();
        assert_eq!(
            c.egress_for(ip("10.99.9.1")),
            Some(Egress {
                sw_if_index: eth0,
                next_hop: ip("10.99.0.254"),
                src: ip("10.99.0.3")
            })
        );
        assert!(tunnel(&c), "stacked on the gateway's MAC");
        let _ = t;
        // A wrong next-hop interface leaves it unresolved.
        c.ip_route_add_del(p, ip("10.99.0.254"), Some(0), false)
            .unwrap();
        assert!(!tunnel(&c));
        c.ip_route_add_del(p, ip("10.99.0.254"), None, true)
            .unwrap();
        assert!(!tunnel(&c));
        assert_eq!(
            c.ip_route_add_del(p, ip("10.99.0.254"), None, true)
                .unwrap_err()
                .to_string(),
            "route 10.99.9.0/24 not found"
        );
        assert_eq!(
            c.ip_route_add_del(p, ip("10.99.0.3"), None, false)
                .unwrap_err()
                .to_string(),
            "next hop 10.99.0.3 is a local address"
        );
    }

    #[test]
    fn connected_beats_a_shorter_route_and_loses_to_a_longer_one() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        c.add_del_ip4_address(eth0, ip("10.99.0.3"), 24, false)
            .unwrap();
        let default = Prefix::new(ip("0.0.0.0"), 0).unwrap();
        c.ip_route_add_del(default, ip("10.99.0.254"), None, false)
            .unwrap();
        assert_eq!(
            c.egress_for(ip("10.99.0.7")).unwrap().next_hop,
            ip("10.99.0.7")
        );
        assert_eq!(
            c.egress_for(ip("8.8.8.8")).unwrap().next_hop,
            ip("10.99.0.254")
        );
        let host = Prefix::new(ip("10.99.0.7"), 32).unwrap();
        c.ip_route_add_del(host, ip("10.99.0.1"), None, false)
            .unwrap();
        assert_eq!(
            c.egress_for(ip("10.99.0.7")).unwrap().next_hop,
            ip("10.99.0.1")
        );
    }

    #[test]
    fn show_ip_fib() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        c.add_del_ip4_address(eth0, ip("10.99.0.3"), 24, false)
            .unwrap();
        c.ip_route_add_del(
            Prefix::new(ip("10.100.0.0"), 16).unwrap(),
            ip("10.99.0.1"),
            None,
            false,
        )
        .unwrap();
        let text = c.format_ip_fib();
        let prefixes: Vec<&str> = text
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with(' '))
            .collect();
        assert_eq!(
            prefixes,
            [
                "0.0.0.0/0",
                "0.0.0.0/32",
                "10.99.0.0/24",
                "10.99.0.3/32",
                "10.100.0.0/16",
                "224.0.0.0/4",
                "255.255.255.255/32"
            ]
        );
        assert!(text.contains("    [0] [@1]: ipv4-glean: [src:10.99.0.0/24] eth0\n"));
        assert!(text.contains("    [0] [@2]: dpo-receive: 10.99.0.3 on eth0\n"));
        assert!(text.contains("    [0] [@3]: ipv4 via 10.99.0.1 eth0 (unresolved)"));
        assert!(text.starts_with("ipv4-VRF:0, fib_index:0, flow hash:"));
    }
}
