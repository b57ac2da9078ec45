//! IPv4 neighbours on the control plane: learning from what the workers
//! punt, resolving tunnel next hops, ageing dynamic entries.
//!
//! - **Learning**: `arp-reply` punts the sender of every ARP request for
//!   one of weft's addresses and of every ARP reply to weft. A new or
//!   changed MAC becomes a dynamic entry in [`Config`], which republishes,
//!   so tunnels re-stack at once. A refresh with the same MAC only renews
//!   the entry's age (no republish).
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
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use control::Config;
use control::egress::Egress;
#[cfg(doc)]
use control::ip::DEFAULT_NEIGHBOR_AGE;
use control::runtime::Runtime;
use dataplane::wire::EthernetAddress;
use dataplane::wire::arp::{self, Operation};
use dataplane::wire::ethernet::{self, EtherType};

/// Interval between ARP requests for one unresolved address.
pub const RETRY: Duration = Duration::from_secs(1);

/// Probes sent to an aged entry before it is removed.
pub const PROBES: u32 = 3;

/// The control plane's neighbour state beyond [`Config`]'s entries.
#[derive(Debug, Default)]
pub struct Resolver {
    /// When each dynamic entry was last confirmed.
    seen: HashMap<(u32, Ipv4Addr), Instant>,
    /// Requests sent for an address: (last sent, how many).
    asked: HashMap<(u32, Ipv4Addr), (Instant, u32)>,
}

impl Resolver {
    /// A neighbour spoke (ARP request to weft or reply): learn or refresh.
    /// Returns true when the configuration changed.
    pub fn learn(
        &mut self,
        config: &mut Config,
        sw_if_index: u32,
        ip: Ipv4Addr,
        mac: EthernetAddress,
        now: Instant,
    ) -> bool {
        self.asked.remove(&(sw_if_index, ip));
        if let Some(n) = config.neighbor(sw_if_index, ip) {
            if n.is_static {
                return false;
            }
            if n.mac == mac {
                self.seen.insert((sw_if_index, ip), now);
                return false;
            }
        }
        match config.add_del_neighbor(sw_if_index, ip, mac, false, false) {
            Ok(()) => {
                log::info!("neighbor {ip} is-at {mac} (sw_if_index {sw_if_index})");
                self.seen.insert((sw_if_index, ip), now);
                true
            }
            Err(e) => {
                log::debug!("neighbor {ip}: {e}");
                false
            }
        }
    }

    /// Periodic work: ARP for unresolved tunnel next hops, probe and expire
    /// aged entries. Returns true when the configuration changed.
    pub fn tick(&mut self, config: &mut Config, runtime: &dyn Runtime, now: Instant) -> bool {
        for e in config.unresolved_next_hops() {
            self.ask(config, runtime, e, now);
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
        for (sw_if_index, ip) in probe {
            if let Some(src) = config.egress_for(ip).map(|e| e.src) {
                let e = Egress {
                    sw_if_index,
                    next_hop: ip,
                    src,
                };
                self.ask(config, runtime, e, now);
            }
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
        changed
    }

    /// Sends an ARP request for `e.next_hop` unless one went out less than
    /// [`RETRY`] ago.
    pub fn ask(&mut self, config: &Config, runtime: &dyn Runtime, e: Egress, now: Instant) {
        let key = (e.sw_if_index, e.next_hop);
        if let Some(&(last, _)) = self.asked.get(&key)
            && now.saturating_duration_since(last) < RETRY
        {
            return;
        }
        let Some(ifc) = config.interface(e.sw_if_index) else {
            return;
        };
        if !ifc.admin_up {
            return;
        }
        let frame = arp_request(ifc.mac, e.src, e.next_hop);
        if runtime.send(config, e.sw_if_index, frame) {
            let count = self.asked.get(&key).map_or(0, |a| a.1) + 1;
            self.asked.insert(key, (now, count));
            log::debug!("who-has {} tell {} (request {count})", e.next_hop, e.src);
        }
    }
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
