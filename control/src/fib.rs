//! A small IPv4 FIB: connected prefixes from interface addresses, weft's own
//! addresses, and static routes (`ip route add|del <prefix> via <nh>
//! [<interface>]`), used to reach tunnel remotes that are not on-link.
//!
//! Lookups are longest-prefix match over connected prefixes (device
//! interfaces only) and static routes; a connected prefix wins a tie. A
//! route's next hop must itself be on a connected prefix (one level of
//! recursion, which is what an underlay needs); otherwise the route is
//! unresolved and tunnels using it have no encap.

use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

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

    /// `show ip fib`, in VPP's shape: the table header, then one block per
    /// prefix (sorted) with its DPO.
    pub fn format_ip_fib(&self) -> String {
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        enum Kind {
            Drop,
            Glean(u32),
            Receive(u32),
            Via(Ipv4Addr, Option<u32>),
        }
        let mut entries: Vec<(Prefix, Kind)> = vec![
            (Prefix::new(Ipv4Addr::UNSPECIFIED, 0).unwrap(), Kind::Drop),
            (Prefix::new(Ipv4Addr::UNSPECIFIED, 32).unwrap(), Kind::Drop),
            (
                Prefix::new(Ipv4Addr::new(224, 0, 0, 0), 4).unwrap(),
                Kind::Drop,
            ),
            (Prefix::new(Ipv4Addr::BROADCAST, 32).unwrap(), Kind::Drop),
        ];
        for ifc in self.interfaces() {
            for a in &ifc.ip4 {
                let p = Prefix::new(a.address(), a.prefix_len()).unwrap();
                if a.prefix_len() < 32 {
                    entries.push((p, Kind::Glean(ifc.sw_if_index)));
                }
                entries.push((
                    Prefix::new(a.address(), 32).unwrap(),
                    Kind::Receive(ifc.sw_if_index),
                ));
            }
        }
        for r in self.routes.values() {
            entries.retain(|e| e.0 != r.prefix);
            entries.push((r.prefix, Kind::Via(r.via, r.interface)));
        }
        entries.sort();
        let name = |sw: u32| {
            self.interface(sw)
                .map_or_else(|| format!("sw_if_index {sw}"), |i| i.name.clone())
        };
        let mut out = String::from(
            "ipv4-VRF:0, fib_index:0, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[default-route:1, ]\n",
        );
        for (index, (prefix, kind)) in entries.iter().enumerate() {
            let _ = writeln!(out, "{prefix}");
            let _ = writeln!(out, "  unicast-ip4-chain");
            let _ = writeln!(
                out,
                "  [@0]: dpo-load-balance: [proto:ip4 index:{index} buckets:1 uRPF:{index} to:[0:0]]"
            );
            let dpo = match kind {
                Kind::Drop => "[@0]: dpo-drop ip4".to_string(),
                Kind::Glean(sw) => format!("[@1]: ipv4-glean: [src:{prefix}] {}", name(*sw)),
                Kind::Receive(sw) => {
                    format!("[@2]: dpo-receive: {} on {}", prefix.network, name(*sw))
                }
                Kind::Via(nh, _) => match self.egress_for(*nh).filter(|e| e.next_hop == *nh) {
                    Some(e) => {
                        let resolved = self.neighbor(e.sw_if_index, *nh).is_some();
                        format!(
                            "[@3]: ipv4 via {nh} {}{}",
                            name(e.sw_if_index),
                            if resolved { "" } else { " (unresolved)" }
                        )
                    }
                    None => format!("[@0]: dpo-drop ip4 (via {nh}: no connected route)"),
                },
            };
            let _ = writeln!(out, "    [0] {dpo}");
        }
        out.pop();
        out
    }
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
