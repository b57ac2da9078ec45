//! Where a packet weft originates leaves: the egress interface and source
//! address for a destination (ARP requests, `ping`, tunnel next hops).

use std::net::Ipv4Addr;

use crate::config::Config;
use crate::ip::Neighbor;

/// How weft reaches an IPv4 destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Egress {
    /// The device interface it leaves by.
    pub sw_if_index: u32,
    /// The next hop to resolve (the destination itself when on-link).
    pub next_hop: Ipv4Addr,
    /// weft's address on that interface in the prefix used (the source).
    pub src: Ipv4Addr,
}

impl Config {
    /// The neighbour entry for `ip` on `sw_if_index`, if any.
    pub fn neighbor(&self, sw_if_index: u32, ip: impl Into<std::net::IpAddr>) -> Option<&Neighbor> {
        self.neighbors.get(&(sw_if_index, ip.into()))
    }

    /// The next hops weft must resolve for its tunnels: one [`Egress`] per
    /// distinct tunnel remote that has a connected route but no neighbour
    /// entry yet.
    pub fn unresolved_next_hops(&self) -> Vec<Egress> {
        let connected = self.connected();
        let mut out: Vec<Egress> = Vec::new();
        for tun in self.tunnels() {
            let Some(e) = tun.dst4().and_then(|dst| self.egress_in(&connected, dst)) else {
                continue;
            };
            if self.neighbor(e.sw_if_index, e.next_hop).is_none() && !out.contains(&e) {
                out.push(e);
            }
        }
        out
    }

    /// The IPv6 tunnel remotes weft must resolve: (interface, address) for
    /// each distinct remote on one of weft's IPv6 prefixes with no
    /// neighbour entry yet.
    pub fn unresolved_next_hops6(&self) -> Vec<(u32, std::net::Ipv6Addr)> {
        let mut out = Vec::new();
        for tun in self.tunnels() {
            let std::net::IpAddr::V6(dst) = tun.dst else {
                continue;
            };
            let Some((sw, _, nh)) = self.egress6_for(dst) else {
                continue;
            };
            if self.neighbor(sw, nh).is_none() && !out.contains(&(sw, nh)) {
                out.push((sw, nh));
            }
        }
        out
    }
}
