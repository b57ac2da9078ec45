//! IPv4 neighbours on the control plane: learning from what the workers
//! punt, resolving tunnel next hops, ageing dynamic entries.
//!
//! - **Learning**: `arp-reply` punts the sender of every ARP request for
//!   one of weft's addresses, of every ARP reply to weft and of every
//!   gratuitous ARP; [`Config::learn_neighbor`] decides (senders on the
//!   interface's subnets only, unicast MACs not weft's own; MAC changes
//!   only from announcements or replies weft asked for; refusals counted).
//!   A new or changed MAC becomes a dynamic entry in [`Config`], which
//!   republishes, so tunnels re-stack at once. A refresh with the same MAC
//!   only renews the entry's age (no republish).
//! - **Resolving**: every tunnel remote with a connected route but no entry
//!   is ARPed for at once when the configuration changes, then every
//!   [`RETRY`] while it stays unresolved. Packets for an unresolved tunnel
//!   wait in `vxlan4-hold` (at most 256 per worker, for 1.5 s; more are
//!   dropped and counted `hold queue full`) and leave once the entry is
//!   learned.
//! - **Ageing**: a dynamic entry not refreshed for the configured age
//!   (`set ip neighbor-config ip4 age <s>`, default
//!   [`DEFAULT_NEIGHBOR_AGE`] seconds; 0: never) is probed ([`PROBES`] ARP
//!   requests, [`RETRY`] apart) and removed if still silent. Static
//!   entries never age.
//! - **Bound**: the table holds at most `set ip neighbor-config ip4 limit`
//!   entries (VPP's default 50 000). A neighbour learned while it is full
//!   is refused (or recycles the oldest dynamic entry) by
//!   [`Config::add_del_neighbor`], which counts it; `learn` drops it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use control::Config;
use control::egress::Egress;
#[cfg(doc)]
use control::ip::DEFAULT_NEIGHBOR_AGE;
use control::ip::{ArpSeen, LearnRefusal, Learned};
use control::runtime::Runtime;
use dataplane::punt::ArpKind;
use dataplane::wire::EthernetAddress;
use dataplane::wire::arp::{self, Operation};
use dataplane::wire::ethernet::{self, EtherType};

/// Interval between ARP requests for one unresolved address.
pub const RETRY: Duration = Duration::from_secs(1);

/// Probes sent to an aged entry before it is removed.
pub const PROBES: u32 = 3;

/// What an ARP packet told weft of a neighbour (a punted
/// `PuntMsg::Neighbor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heard {
    /// The interface it came in on.
    pub sw_if_index: u32,
    /// The sender's address (ARP: IPv4; Neighbor Discovery: IPv6).
    pub ip: IpAddr,
    /// The sender's MAC.
    pub mac: EthernetAddress,
    /// What the packet was.
    pub kind: ArpKind,
}

/// The control plane's neighbour state beyond [`Config`]'s entries.
#[derive(Debug, Default)]
pub struct Resolver {
    /// When each dynamic entry was last confirmed.
    seen: HashMap<(u32, IpAddr), Instant>,
    /// Requests sent for an address: (last sent, how many).
    asked: HashMap<(u32, IpAddr), (Instant, u32)>,
    /// Entries another MAC was claimed for: since when, and the probes
    /// sent since. Confirmed by their own MAC, or removed after
    /// [`PROBES`] unanswered probes.
    verify: HashMap<(u32, IpAddr), (Instant, u32)>,
}

impl Resolver {
    /// A neighbour spoke (ARP request to weft, reply, or announcement):
    /// learn, refresh or refuse by [`Config::learn_neighbor`]'s rules. A
    /// reply is solicited while a request weft sent for the address is
    /// open. A refused MAC change gets the address probed: the owner's
    /// reply to weft's broadcast request is solicited, and wins. Returns
    /// true when the configuration changed.
    pub fn learn(
        &mut self,
        config: &mut Config,
        runtime: &dyn Runtime,
        heard: Heard,
        now: Instant,
    ) -> bool {
        let Heard {
            sw_if_index,
            ip,
            mac,
            kind,
        } = heard;
        let key = (sw_if_index, ip);
        let seen = match kind {
            ArpKind::Request => ArpSeen::Request,
            ArpKind::Reply => ArpSeen::Reply {
                solicited: self.asked.contains_key(&key),
            },
            ArpKind::Announcement => ArpSeen::Announcement,
        };
        match config.learn_neighbor(sw_if_index, ip, mac, seen) {
            Learned::New | Learned::Moved => {
                log::info!("neighbor {ip} is-at {mac} (sw_if_index {sw_if_index})");
                self.asked.remove(&key);
                self.seen.insert(key, now);
                true
            }
            Learned::Refreshed => {
                if kind != ArpKind::Announcement {
                    self.asked.remove(&key);
                }
                self.seen.insert(key, now);
                false
            }
            Learned::Refused(LearnRefusal::MacChange) => {
                if let std::collections::hash_map::Entry::Vacant(v) = self.verify.entry(key) {
                    log::info!(
                        "neighbor {ip} (sw_if_index {sw_if_index}): {mac} claimed by ARP refused; \
                         verifying the entry"
                    );
                    v.insert((now, 0));
                    self.probe(config, runtime, key, now);
                }
                false
            }
            Learned::Refused(why) => {
                log::debug!("neighbor {ip} is-at {mac}: refused ({})", why.name());
                false
            }
            Learned::Full => false,
        }
    }

    /// One probe of entry `key` (a broadcast request, at most one per
    /// [`RETRY`]), counted in [`Self::verify`] if it is being verified.
    fn probe(&mut self, config: &Config, runtime: &dyn Runtime, key: (u32, IpAddr), now: Instant) {
        let (sw_if_index, ip) = key;
        let before = self.asked.get(&key).map(|a| a.0);
        match ip {
            IpAddr::V4(ip) => {
                if let Some(src) = config.egress_for(ip).map(|e| e.src) {
                    let e = Egress {
                        sw_if_index,
                        next_hop: ip,
                        src,
                    };
                    self.ask(config, runtime, e, now);
                }
            }
            IpAddr::V6(ip) => self.solicit(config, runtime, sw_if_index, ip, now),
        }
        if self.asked.get(&key).map(|a| a.0) != before
            && let Some(v) = self.verify.get_mut(&key)
        {
            v.1 += 1;
        }
    }

    /// Entries under verification: confirmed (their MAC spoke since) or
    /// probed again, and removed after [`PROBES`] unanswered probes.
    /// Returns true when the configuration changed.
    fn verify_tick(&mut self, config: &mut Config, runtime: &dyn Runtime, now: Instant) -> bool {
        let mut changed = false;
        let keys: Vec<_> = self.verify.keys().copied().collect();
        for key in keys {
            let (since, probes) = self.verify[&key];
            let confirmed = self.seen.get(&key).is_some_and(|&t| t > since);
            let gone = config.neighbor(key.0, key.1).is_none_or(|n| n.is_static);
            if confirmed || gone {
                self.verify.remove(&key);
                continue;
            }
            let last = self.asked.get(&key).map_or(since, |a| a.0);
            if probes >= PROBES && now.saturating_duration_since(last) >= RETRY {
                log::info!(
                    "neighbor {} (sw_if_index {}): no answer from its MAC to {PROBES} probes; removed",
                    key.1,
                    key.0
                );
                let _ =
                    config.add_del_neighbor(key.0, key.1, EthernetAddress::default(), false, true);
                self.verify.remove(&key);
                self.seen.remove(&key);
                self.asked.remove(&key);
                changed = true;
            } else if probes < PROBES {
                self.probe(config, runtime, key, now);
            }
        }
        changed
    }

    /// Periodic work: ARP for unresolved tunnel next hops, probe and expire
    /// aged entries. Returns true when the configuration changed.
    pub fn tick(&mut self, config: &mut Config, runtime: &dyn Runtime, now: Instant) -> bool {
        let verified = self.verify_tick(config, runtime, now);
        for e in config.unresolved_next_hops() {
            self.ask(config, runtime, e, now);
        }
        for (sw, target) in config.unresolved_next_hops6() {
            self.solicit(config, runtime, sw, target, now);
        }
        // Ageing (age 0: never).
        let max_age = Duration::from_secs(config.neighbor_config().age.into());
        let mut expired = Vec::new();
        let mut probe = Vec::new();
        for n in config
            .neighbors()
            .filter(|n| !n.is_static && !max_age.is_zero())
        {
            let key = (n.sw_if_index, n.ip);
            let seen = *self.seen.entry(key).or_insert(now);
            if now.saturating_duration_since(seen) < max_age {
                continue;
            }
            match self.asked.get(&key) {
                Some(&(_, count)) if count >= PROBES => expired.push(key),
                _ => probe.push(key),
            }
        }
        for key in probe {
            self.probe(config, runtime, key, now);
        }
        let changed = !expired.is_empty();
        for (sw_if_index, ip) in expired {
            log::info!("neighbor {ip} (sw_if_index {sw_if_index}) aged out");
            let _ =
                config.add_del_neighbor(sw_if_index, ip, EthernetAddress::default(), false, true);
            self.seen.remove(&(sw_if_index, ip));
            self.asked.remove(&(sw_if_index, ip));
        }
        self.seen
            .retain(|&(i, ip), _| config.neighbor(i, ip).is_some_and(|n| !n.is_static));
        changed || verified
    }

    /// Sends an ARP request for `e.next_hop` unless one went out less than
    /// [`RETRY`] ago.
    pub fn ask(&mut self, config: &Config, runtime: &dyn Runtime, e: Egress, now: Instant) {
        let key = (e.sw_if_index, IpAddr::V4(e.next_hop));
        let Some(mac) = self.may_ask(config, key, now) else {
            return;
        };
        let frame = arp_request(mac, e.src, e.next_hop);
        self.sent(config, runtime, key, frame, now);
    }

    /// Sends a Neighbor Solicitation for `target` out of `sw_if_index`
    /// (from its first IPv6 address, else its link-local one) unless one
    /// went out less than [`RETRY`] ago.
    pub fn solicit(
        &mut self,
        config: &Config,
        runtime: &dyn Runtime,
        sw_if_index: u32,
        target: Ipv6Addr,
        now: Instant,
    ) {
        let key = (sw_if_index, IpAddr::V6(target));
        let Some(mac) = self.may_ask(config, key, now) else {
            return;
        };
        let Some(src) = config
            .ip6_interface(sw_if_index)
            .and_then(|i| i.addresses.first().map(|a| a.address()))
            .or_else(|| config.ip6_link_local(sw_if_index))
        else {
            return;
        };
        let frame = neighbor_solicitation(mac, src, target);
        self.sent(config, runtime, key, frame, now);
    }

    /// The interface's MAC if a request for `key` may go out now.
    fn may_ask(
        &self,
        config: &Config,
        key: (u32, IpAddr),
        now: Instant,
    ) -> Option<EthernetAddress> {
        if let Some(&(last, _)) = self.asked.get(&key)
            && now.saturating_duration_since(last) < RETRY
        {
            return None;
        }
        let ifc = config.interface(key.0)?;
        ifc.admin_up.then_some(ifc.mac)
    }

    /// Sends a request for `key` and counts it.
    fn sent(
        &mut self,
        config: &Config,
        runtime: &dyn Runtime,
        key: (u32, IpAddr),
        frame: Vec<u8>,
        now: Instant,
    ) {
        if runtime.send(config, key.0, frame) {
            let count = self.asked.get(&key).map_or(0, |a| a.1) + 1;
            self.asked.insert(key, (now, count));
            log::debug!(
                "who-has {} on sw_if_index {} (request {count})",
                key.1,
                key.0
            );
        }
    }
}

/// A Neighbor Solicitation for `target` from `src` (at `mac`), to its
/// solicited-node group, with a Source Link-Layer Address option.
pub fn neighbor_solicitation(mac: EthernetAddress, src: Ipv6Addr, target: Ipv6Addr) -> Vec<u8> {
    use dataplane::wire::{Ipv6NextHeader, Ipv6Packet, Ipv6Repr, icmpv6, ipv6};
    let group = ipv6::solicited_node(target);
    let mut frame = vec![0u8; ethernet::HEADER_LEN + ipv6::HEADER_LEN + icmpv6::NA_LEN];
    let mut eth = ethernet::Frame::new_unchecked(&mut frame[..]);
    eth.set_dst_addr(ipv6::multicast_mac(group));
    eth.set_src_addr(mac);
    eth.set_ethertype(EtherType::Ipv6);
    let ip = &mut frame[ethernet::HEADER_LEN..];
    Ipv6Repr {
        src,
        dst: group,
        next_header: Ipv6NextHeader::Icmpv6,
        payload_len: icmpv6::NA_LEN as u16,
        hop_limit: 255,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]));
    icmpv6::emit_ns(&mut ip[ipv6::HEADER_LEN..], target, mac, &src, &group);
    frame
}

/// A broadcast ARP request: who has `target`, tell `src` (at `mac`).
pub fn arp_request(mac: EthernetAddress, src: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    let repr = arp::Repr::EthernetIpv4 {
        operation: Operation::Request,
        source_hardware_addr: mac,
        source_protocol_addr: src,
        target_hardware_addr: EthernetAddress::default(),
        target_protocol_addr: target,
    };
    let mut frame = vec![0u8; ethernet::HEADER_LEN + repr.buffer_len()];
    let mut eth = ethernet::Frame::new_unchecked(&mut frame[..]);
    eth.set_dst_addr(EthernetAddress::BROADCAST);
    eth.set_src_addr(mac);
    eth.set_ethertype(EtherType::Arp);
    repr.emit(&mut arp::Packet::new_unchecked(eth.payload_mut()));
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_request_bytes() {
        let mac = EthernetAddress([0x02, 0xfe, 0, 0, 0, 1]);
        let f = arp_request(
            mac,
            Ipv4Addr::new(10, 99, 0, 3),
            Ipv4Addr::new(10, 99, 0, 2),
        );
        assert_eq!(
            f,
            [
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xfe, 0, 0, 0, 1, 0x08, 0x06, // eth
                0, 1, 0x08, 0, 6, 4, 0, 1, // htype ptype hlen plen op=request
                0x02, 0xfe, 0, 0, 0, 1, 10, 99, 0, 3, // sender
                0, 0, 0, 0, 0, 0, 10, 99, 0, 2, // target
            ]
        );
    }
}
