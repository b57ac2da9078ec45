//! The configuration model and the one backend every operation goes through.
//!
//! [`Config`] owns weft's configuration: interfaces, their IPv4 addresses,
//! IPv4 neighbours, VXLAN tunnels and L2 modes. The CLI (and any later API)
//! calls one method per operation, as VPP's CLI and binary API both call
//! `vnet_vxlan_add_del_tunnel`. The operations themselves live next to their
//! feature: [`crate::interface`], [`crate::ip`], [`crate::vxlan`] and
//! [`crate::l2`]; this file holds the model, the errors they share and the
//! snapshot build.
//!
//! # Design
//!
//! Every operation runs in three steps:
//!
//! 1. **validate**: every check runs before anything is touched, so a
//!    failed call changes neither the model nor the published snapshot;
//! 2. **change** the model;
//! 3. **publish**: rebuild a complete [`Tables`] from the model, bump its
//!    `generation` and store it in the [`TablesHandle`]. Workers pick it up
//!    between vectors; nothing is patched in place.
//!
//! Derived state is recomputed at every publish rather than kept up to
//! date incrementally: `local4`, the VXLAN decap keys and ports, and each
//! tunnel's encap rewrite. So adding a neighbour, changing a MAC or an
//! address re-stacks the tunnels that depend on it without any bookkeeping.
//!
//! # Limitations
//!
//! - One FIB (table 0), no routes: a tunnel's next hop is its dst itself,
//!   reached through the device interface with the longest connected prefix
//!   containing it. Routes come in a later issue.
//! - Only device interfaces (pg today) can be uplinks; a tunnel is never
//!   carried over another tunnel, so an encap can never loop.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use dataplane::tables::{
    Interface, L2Mode, Tables, TablesHandle, Vxlan4Encap, Vxlan4EncapParams, Vxlan4Tunnel,
};
use dataplane::wire::EthernetAddress;

use crate::fib::Connected;
use crate::interface::{InterfaceConfig, InterfaceKind};
use crate::ip::{Ipv4Cidr, Neighbor, NeighborConfig, NeighborStats};
use crate::vxlan::{TunnelConfig, TunnelKey};

/// What a publish hook is.
type PublishFn = dyn FnMut(&Arc<Tables>) + Send;

/// A function [`Config::publish`] calls with every snapshot.
pub struct PublishHook(Box<PublishFn>);

impl std::fmt::Debug for PublishHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublishHook")
    }
}

/// Why an interface, IP or L2 operation was refused.
///
/// The messages are VPP's, word for word, so the CLI can print
/// `<command path>: <message>` as VPP does. Where VPP has no message (it
/// has no backend for the case, or its CLI stays silent) the text is
/// weft's own and the variant says so.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No interface has this name or index. The CLI puts the text the user
    /// typed; a backend call given an index that names no interface puts
    /// the index in decimal.
    #[error("unknown interface `{0}'")]
    UnknownInterface(String),
    /// The peer of an xconnect does not exist (same convention as
    /// [`UnknownInterface`](Self::UnknownInterface)).
    #[error("unknown peer interface `{0}'")]
    UnknownPeer(String),
    /// The interface cannot take this L2 mode (local0).
    #[error("invalid configuration for interface")]
    InvalidL2Config,
    /// An interface with this name already exists (weft's text: VPP names
    /// its interfaces itself).
    #[error("interface `{0}' already exists")]
    NameInUse(String),
    /// The name is empty or contains whitespace, so the CLI could not
    /// parse it back (weft's text).
    #[error("invalid interface name `{0}'")]
    InvalidName(String),
    /// A prefix length above 32 (VPP's CLI parse error).
    #[error("expected IP4/IP6 address/length `{addr}/{len}'")]
    BadPrefix {
        /// The address as given.
        addr: Ipv4Addr,
        /// The length as given.
        len: u8,
    },
    /// IP addresses on local0.
    #[error("local0 interface doesn't support IP addressing")]
    Local0NoIp,
    /// The new address overlaps an existing one (a different prefix
    /// length on the same interface, or any overlap with another
    /// interface).
    #[error(
        "failed to add {addr} on {interface} which conflicts with {existing} for interface {existing_interface}"
    )]
    AddressConflict {
        /// The address being added.
        addr: Ipv4Cidr,
        /// The interface it was being added to.
        interface: String,
        /// The address it overlaps.
        existing: Ipv4Cidr,
        /// The interface that address is on.
        existing_interface: String,
    },
    /// Deleting an address the interface does not have. As in VPP, only
    /// the address is compared, not the prefix length.
    #[error("{addr} not found for interface {interface}")]
    AddressNotFound {
        /// The address as given.
        addr: Ipv4Cidr,
        /// The interface.
        interface: String,
    },
    /// The address is already on an interface. With a single FIB the
    /// conflict check ([`AddressConflict`](Self::AddressConflict)) always
    /// fires first; VPP reaches this only across tables.
    #[error("Prefix {addr} already found on interface {interface}")]
    PrefixAlreadyFound {
        /// The address as given.
        addr: Ipv4Cidr,
        /// The interface that has it.
        interface: String,
    },
    /// The interface has no MAC address to change (local0; the index is
    /// VPP's hw_if_index, which weft does not distinguish from sw_if_index).
    #[error("mac address change is not supported for interface index {0}")]
    MacChangeNotSupported(u32),
    /// Deleting a neighbour that does not exist. VPP's API returns this
    /// errno text; its CLI ignores the error and prints nothing.
    #[error("No such entry")]
    NoSuchNeighbor,
    /// `create loopback interface` with an instance in use (VPP's CLI
    /// text; its backend returns `VNET_API_ERROR_INVALID_REGISTRATION`).
    #[error("vnet_create_loopback_interface failed")]
    LoopbackCreateFailed,
    /// `delete loopback interface` of an interface that is not a loopback
    /// (VPP's CLI text).
    #[error("vnet_delete_loopback_interface failed")]
    LoopbackDeleteFailed,
    /// A new neighbour while the table holds its limit of entries and
    /// nothing can be recycled. VPP's backend returns
    /// `VNET_API_ERROR_LIMIT_EXCEEDED` and its CLI prints nothing (weft's
    /// text).
    #[error("neighbor table full (limit {limit} entries)")]
    NeighborTableFull {
        /// The limit in force.
        limit: u32,
    },
    /// An IPv6 prefix length above 128 (VPP's CLI parse error).
    #[error("expected IP4/IP6 address/length `{addr}/{len}'")]
    BadPrefix6 {
        /// The address as given.
        addr: std::net::Ipv6Addr,
        /// The length as given.
        len: u8,
    },
    /// An IPv6 address that cannot be an interface's (multicast,
    /// unspecified, loopback, or link-local: weft's link-local address is
    /// its MAC's). weft's text.
    #[error("{0} cannot be an interface address (multicast, unspecified, loopback or link-local)")]
    BadAddress6(std::net::Ipv6Addr),
    /// An IPv6 address overlapping another (as
    /// [`AddressConflict`](Self::AddressConflict)).
    #[error(
        "failed to add {addr} on {interface} which conflicts with {existing} for interface {existing_interface}"
    )]
    Address6Conflict {
        /// The address being added.
        addr: crate::ip6::Ipv6Cidr,
        /// The interface it was being added to.
        interface: String,
        /// The address it overlaps.
        existing: crate::ip6::Ipv6Cidr,
        /// The interface that address is on.
        existing_interface: String,
    },
    /// Deleting an IPv6 address the interface does not have.
    #[error("{addr} not found for interface {interface}")]
    Address6NotFound {
        /// The address as given.
        addr: crate::ip6::Ipv6Cidr,
        /// The interface.
        interface: String,
    },
    /// `create sub-interfaces` on an interface that is not an Ethernet
    /// device (weft's text: VPP takes any hardware interface).
    #[error(
        "`{0}' is not an Ethernet device: weft makes sub-interfaces of af_xdp, host and pg interfaces"
    )]
    NotEthernetParent(String),
    /// A VLAN id above 4095 (weft's text; VPP does not check).
    #[error("vlan id {0} out of range (0-4095)")]
    VlanRange(u32),
    /// The VLAN (or the sub id, with another VLAN) is taken on the parent
    /// (VPP's text).
    #[error("vlan is already in use")]
    VlanInUse,
    /// `delete sub-interface` of an interface that is not one (VPP's text).
    #[error("delete_subinterface_interface failed")]
    SubInterfaceDeleteFailed,
    /// An L2 mode for a sub-interface (weft's text: VPP has them, with
    /// tag rewrites weft does not have).
    #[error("{0} is a sub-interface: weft's sub-interfaces are L3 only")]
    SubInterfaceL2(String),
    /// A dynamic entry would replace a static one with a different MAC.
    /// VPP refuses too, but its CLI prints nothing (weft's text).
    #[error("static neighbor {ip} on {interface} not overwritten by a dynamic entry")]
    StaticNeighbor {
        /// The neighbour's address.
        ip: std::net::IpAddr,
        /// The interface.
        interface: String,
    },
}

/// weft's configuration: the model, and the handle it publishes to.
///
/// See the [module docs](self) for the validate / change / publish
/// contract every method follows.
#[derive(Debug)]
pub struct Config {
    /// Where snapshots are published.
    handle: TablesHandle,
    /// Generation of the last snapshot published.
    generation: u64,
    /// Interfaces by sw_if_index; `None` for free indices.
    pub(crate) interfaces: Vec<Option<InterfaceConfig>>,
    /// IPv4 neighbours by (sw_if_index, address): sorted the way
    /// `show ip neighbors` lists them.
    pub(crate) neighbors: BTreeMap<(u32, std::net::IpAddr), Neighbor>,
    /// The neighbour table's bound and age.
    pub(crate) neighbor_config: NeighborConfig,
    /// What the bound refused and recycled.
    pub(crate) neighbor_stats: NeighborStats,
    /// VXLAN tunnels by pool index; `None` for free indices.
    pub(crate) tunnels: Vec<Option<TunnelConfig>>,
    /// Static IPv4 routes (`ip route add`), by prefix.
    pub(crate) routes: BTreeMap<crate::fib::Prefix, crate::fib::Route>,
    /// Bridge domains and the MAC table ([`crate::bridge`]).
    pub(crate) bridges: crate::bridge::Bridges,
    /// IPv6 by interface ([`crate::ip6`]).
    pub(crate) ip6: crate::ip6::Ip6Interfaces,
    /// Static IPv6 routes, by prefix ([`crate::ip6`]).
    pub(crate) routes6: BTreeMap<crate::ip6::Ipv6Cidr, crate::ip6::Route6>,
    /// Whether workers use vxlan4-fastpath (`set vxlan fastpath`).
    vxlan4_fastpath: bool,
    /// Where weft's XDP program may forward (`set vxlan xdp-fastpath`).
    xdp_fastpath: dataplane::tables::XdpFastpath,
    /// The packet capture in progress (`pcap trace`, [`crate::pcap`]).
    pub(crate) pcap: Option<crate::pcap::PcapSession>,
    /// Called with every snapshot published (weftd's XDP fast path
    /// follows the configuration through it).
    publish_hook: Option<PublishHook>,
    /// Keyed hasher that makes tunnel MACs look random.
    mac_hasher: RandomState,
    /// How many random MACs were handed out (the hasher's input).
    macs_made: u64,
}

impl Config {
    /// A configuration holding only `local0` (sw_if_index 0, admin down,
    /// MTU 0, output to drop), published at once to `handle`.
    ///
    /// Generations continue from the snapshot `handle` holds.
    pub fn new(handle: TablesHandle) -> Config {
        let generation = handle.load().generation;
        let mut config = Config {
            handle,
            generation,
            interfaces: Vec::new(),
            neighbors: BTreeMap::new(),
            neighbor_config: NeighborConfig::default(),
            neighbor_stats: NeighborStats::default(),
            tunnels: Vec::new(),
            routes: BTreeMap::new(),
            bridges: crate::bridge::Bridges::default(),
            ip6: crate::ip6::Ip6Interfaces::new(),
            routes6: BTreeMap::new(),
            vxlan4_fastpath: true,
            xdp_fastpath: dataplane::tables::XdpFastpath::default(),
            pcap: None,
            publish_hook: None,
            mac_hasher: RandomState::new(),
            macs_made: 0,
        };
        let local0 = config.add_interface(|sw_if_index| InterfaceConfig {
            sw_if_index,
            name: "local0".to_string(),
            kind: InterfaceKind::Local,
            admin_up: false,
            link_up: true,
            mac: EthernetAddress::default(),
            mtu: 0,
            l2: L2Mode::L3,
            ip4: Vec::new(),
        });
        debug_assert_eq!(local0, 0);
        config.publish();
        config
    }

    /// Whether workers use vxlan4-fastpath (on unless turned off).
    pub fn vxlan4_fastpath(&self) -> bool {
        self.vxlan4_fastpath
    }

    /// Turns vxlan4-fastpath on or off (`set vxlan fastpath
    /// enable|disable`) and publishes: workers switch at their next vector.
    pub fn set_vxlan4_fastpath(&mut self, on: bool) {
        if self.vxlan4_fastpath != on {
            self.vxlan4_fastpath = on;
            self.publish();
        }
    }

    /// Where weft's XDP fast path may run.
    pub fn xdp_fastpath(&self) -> &dataplane::tables::XdpFastpath {
        &self.xdp_fastpath
    }

    /// Turns weft's XDP fast path on or off, everywhere (`None`) or on one
    /// interface (`set vxlan xdp-fastpath [<if>] enable|disable`), and
    /// publishes. Off everywhere wins over on for one interface.
    pub fn set_xdp_fastpath(
        &mut self,
        sw_if_index: Option<u32>,
        on: bool,
    ) -> Result<(), ConfigError> {
        match sw_if_index {
            None => self.xdp_fastpath.enabled = on,
            Some(sw) => {
                self.existing(sw)?;
                let x = &mut self.xdp_fastpath;
                match (x.off.binary_search(&sw), on) {
                    (Ok(i), true) => {
                        x.off.remove(i);
                    }
                    (Err(i), false) => x.off.insert(i, sw),
                    _ => {}
                }
            }
        }
        self.publish();
        Ok(())
    }

    /// Calls `hook` with the current snapshot and with every snapshot
    /// published from now on, right after workers can see it.
    pub fn set_publish_hook(&mut self, hook: impl FnMut(&Arc<Tables>) + Send + 'static) {
        let mut hook = PublishHook(Box::new(hook));
        (hook.0)(&self.handle.load_full());
        self.publish_hook = Some(hook);
    }

    /// The handle snapshots are published to.
    pub fn tables(&self) -> &TablesHandle {
        &self.handle
    }

    /// The interface `sw_if_index`, or [`ConfigError::UnknownInterface`].
    pub(crate) fn existing(&self, sw_if_index: u32) -> Result<&InterfaceConfig, ConfigError> {
        self.interface(sw_if_index)
            .ok_or_else(|| ConfigError::UnknownInterface(sw_if_index.to_string()))
    }

    /// The interface `sw_if_index`, mutably, or
    /// [`ConfigError::UnknownInterface`].
    pub(crate) fn existing_mut(
        &mut self,
        sw_if_index: u32,
    ) -> Result<&mut InterfaceConfig, ConfigError> {
        self.interfaces
            .get_mut(sw_if_index as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| ConfigError::UnknownInterface(sw_if_index.to_string()))
    }

    /// Inserts the interface `make` builds for the lowest free
    /// sw_if_index and returns that index.
    pub(crate) fn add_interface(&mut self, make: impl FnOnce(u32) -> InterfaceConfig) -> u32 {
        let index = lowest_free(&self.interfaces);
        let ifc = make(index);
        debug_assert_eq!(ifc.sw_if_index, index);
        put(&mut self.interfaces, index, ifc);
        index
    }

    /// Removes interface `sw_if_index` with everything that refers to it:
    /// its neighbours, and the xconnects towards it (those interfaces go
    /// back to L3, as VPP does). Its addresses go with it.
    pub(crate) fn remove_interface(&mut self, sw_if_index: u32) -> Option<InterfaceConfig> {
        // Its sub-interfaces go first, with what refers to them.
        let subs: Vec<u32> = self
            .sub_interfaces_of(sw_if_index)
            .map(|i| i.sw_if_index)
            .collect();
        for sub in subs {
            self.remove_interface(sub);
        }
        self.leave_bridge(sw_if_index);
        self.ip6.remove(&sw_if_index);
        let removed = take(&mut self.interfaces, sw_if_index)?;
        self.xdp_fastpath.off.retain(|&i| i != sw_if_index);
        self.neighbors.retain(|&(i, _), _| i != sw_if_index);
        for ifc in self.interfaces.iter_mut().flatten() {
            if ifc.l2 == (L2Mode::Xconnect { peer: sw_if_index }) {
                ifc.l2 = L2Mode::L3;
            }
        }
        Some(removed)
    }

    /// A MAC that looks random: `02:fe:` and four bytes of a keyed hash
    /// (VPP's `ethernet_mac_address_generate`).
    pub fn random_mac(&mut self) -> EthernetAddress {
        let h = self.mac_hasher.hash_one(self.macs_made).to_be_bytes();
        self.macs_made += 1;
        EthernetAddress([0x02, 0xfe, h[0], h[1], h[2], h[3]])
    }

    /// Rebuilds the snapshot from the model and publishes it with the next
    /// generation.
    pub(crate) fn publish(&mut self) {
        self.generation += 1;
        let tables = Arc::new(self.build_tables());
        log::debug!("publishing configuration generation {}", tables.generation);
        self.handle.store(tables.clone());
        if let Some(hook) = &mut self.publish_hook {
            (hook.0)(&tables);
        }
    }

    /// The snapshot the model describes, with the current generation.
    fn build_tables(&self) -> Tables {
        let mut t = Tables {
            generation: self.generation,
            vxlan4_fastpath: self.vxlan4_fastpath,
            xdp: self.xdp_fastpath.clone(),
            pcap: self.pcap.as_ref().map(crate::pcap::PcapSession::shared),
            ..Tables::default()
        };
        let up = |i: &InterfaceConfig| i.admin_up && i.link_up;
        t.interfaces = self
            .interfaces
            .iter()
            .map(|slot| {
                slot.as_ref().map(|i| Interface {
                    sw_if_index: i.sw_if_index,
                    // A sub-interface is up while its parent is.
                    up: up(i)
                        && i.sub()
                            .is_none_or(|s| self.interface(s.parent).is_some_and(up)),
                    mac: i.mac,
                    mtu: i.mtu,
                    l2: i.l2,
                    output: i.output(),
                })
            })
            .collect();
        for ifc in self.interfaces() {
            for a in &ifc.ip4 {
                t.local4.insert(a.address(), ifc.sw_if_index);
            }
            if let Some(s) = ifc.sub() {
                t.dot1q.insert(s.parent, s.vlan, ifc.sw_if_index);
            }
        }
        let connected = self.connected();
        t.tunnels = self
            .tunnels
            .iter()
            .map(|slot| {
                let tun = slot.as_ref()?;
                let dst = tun.dst4()?;
                Some(Vxlan4Tunnel {
                    sw_if_index: tun.sw_if_index,
                    instance: tun.instance,
                    vni: tun.vni,
                    encap: self.resolve_encap(&connected, tun, dst),
                })
            })
            .collect();
        t.tunnels6 = self
            .tunnels
            .iter()
            .map(|slot| {
                let tun = slot.as_ref()?;
                let IpAddr::V6(dst) = tun.dst else {
                    return None;
                };
                Some(dataplane::tables::Vxlan6Tunnel {
                    sw_if_index: tun.sw_if_index,
                    instance: tun.instance,
                    vni: tun.vni,
                    encap: self.resolve_encap6(tun, dst),
                })
            })
            .collect();
        for tun in self.tunnels() {
            match tun.key() {
                TunnelKey::V4(k) => {
                    t.vxlan4.insert(k, tun.index);
                    t.vxlan4_ports.push(tun.src_port);
                }
                TunnelKey::V6(k) => {
                    t.vxlan6.insert(k, tun.index);
                    t.vxlan6_ports.push(tun.src_port);
                }
            }
        }
        for ports in [&mut t.vxlan4_ports, &mut t.vxlan6_ports] {
            ports.sort_unstable();
            ports.dedup();
        }
        t.l2 = self.build_l2();
        t.ip6 = self.build_ip6();
        t
    }

    /// The tunnel's encap rewrite, if its next hop (its dst, on the uplink
    /// [`egress_for`](Self::egress_for) finds) has a neighbour entry.
    fn resolve_encap(
        &self,
        connected: &Connected,
        tun: &TunnelConfig,
        dst: Ipv4Addr,
    ) -> Option<Vxlan4Encap> {
        let IpAddr::V4(src) = tun.src else {
            return None;
        };
        let egress = self.egress_in(connected, dst)?;
        let uplink = self.interface(egress.sw_if_index)?;
        let nbr = self.neighbor(uplink.sw_if_index, egress.next_hop)?;
        Some(Vxlan4Encap::new(&Vxlan4EncapParams {
            src_mac: uplink.mac,
            dst_mac: nbr.mac,
            src,
            dst,
            dst_port: tun.dst_port,
            vni: tun.vni,
            uplink: uplink.sw_if_index,
            uplink_mtu: uplink.mtu,
        }))
    }

    /// An IPv6 tunnel's encap rewrite, if its dst is on one of weft's IPv6
    /// prefixes ([`egress6_for`](Self::egress6_for); weft has no IPv6
    /// routes yet) and has a neighbour entry there.
    fn resolve_encap6(
        &self,
        tun: &TunnelConfig,
        dst: std::net::Ipv6Addr,
    ) -> Option<dataplane::tables::Vxlan6Encap> {
        let IpAddr::V6(src) = tun.src else {
            return None;
        };
        let (sw, _, nh) = self.egress6_for(dst)?;
        let uplink = self.interface(sw)?;
        let nbr = self.neighbor(sw, nh)?;
        Some(dataplane::tables::Vxlan6Encap::new(
            &dataplane::tables::Vxlan6EncapParams {
                src_mac: uplink.mac,
                dst_mac: nbr.mac,
                src,
                dst,
                dst_port: tun.dst_port,
                vni: tun.vni,
                uplink: sw,
                uplink_mtu: uplink.mtu,
            },
        ))
    }
}

/// The lowest index whose slot is free (possibly one past the end).
pub(crate) fn lowest_free<T>(slots: &[Option<T>]) -> u32 {
    let index = slots
        .iter()
        .position(Option::is_none)
        .unwrap_or(slots.len());
    u32::try_from(index).expect("fewer than 2^32 slots")
}

/// Stores `value` at `index`, growing `slots` with free slots as needed.
pub(crate) fn put<T>(slots: &mut Vec<Option<T>>, index: u32, value: T) {
    let index = index as usize;
    if slots.len() <= index {
        slots.resize_with(index + 1, || None);
    }
    slots[index] = Some(value);
}

/// Frees slot `index` and returns what it held; trailing free slots are
/// dropped so the published vectors do not keep growing.
pub(crate) fn take<T>(slots: &mut Vec<Option<T>>, index: u32) -> Option<T> {
    let value = slots.get_mut(index as usize)?.take();
    while slots.last().is_some_and(Option::is_none) {
        slots.pop();
    }
    value
}

/// Helpers shared by the tests of every module.
#[cfg(test)]
pub(crate) mod test_util {
    use std::net::Ipv4Addr;
    use std::sync::Arc;

    use dataplane::tables::{Tables, new_handle};

    use super::Config;
    use crate::interface::InterfaceConfig;
    use crate::ip::Neighbor;
    use crate::vxlan::TunnelConfig;

    /// A fresh configuration and its handle.
    pub fn config() -> Config {
        Config::new(new_handle())
    }

    /// The published snapshot.
    pub fn snapshot(c: &Config) -> Arc<Tables> {
        c.tables().load_full()
    }

    /// Everything the model holds, comparable.
    pub fn model(c: &Config) -> (Vec<InterfaceConfig>, Vec<Neighbor>, Vec<TunnelConfig>) {
        (
            c.interfaces().cloned().collect(),
            c.neighbors().cloned().collect(),
            c.tunnels().cloned().collect(),
        )
    }

    /// Runs `op`, which must fail, and checks that neither the model nor
    /// the published snapshot changed. Returns the error.
    pub fn fails<T: std::fmt::Debug, E>(
        c: &mut Config,
        op: impl FnOnce(&mut Config) -> Result<T, E>,
    ) -> E {
        let before = snapshot(c);
        let model_before = model(c);
        let err = op(c).expect_err("the operation should fail");
        let after = snapshot(c);
        assert!(Arc::ptr_eq(&before, &after), "a failed call published");
        assert_eq!(after.generation, before.generation);
        assert_eq!(model(c), model_before, "a failed call changed the model");
        err
    }

    /// Shorthand for an IPv4 address.
    pub const fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
        Ipv4Addr::new(a, b, c, d)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use dataplane::tables::{Interface, L2Mode, Output, VXLAN4_REWRITE_LEN, Vxlan4Key, new_handle};
    use dataplane::wire::EthernetAddress;

    use super::test_util::{config, ip, snapshot};
    use super::*;
    use crate::vxlan::VxlanArgs;

    const VPP1: Ipv4Addr = ip(10, 99, 0, 3);
    const KOKO1: Ipv4Addr = ip(10, 99, 0, 1);
    const KOKO2: Ipv4Addr = ip(10, 99, 0, 2);
    const KOKO1_MAC: EthernetAddress = EthernetAddress([0x02, 0x42, 0x0a, 0x63, 0x00, 0x01]);
    const KOKO2_MAC: EthernetAddress = EthernetAddress([0x02, 0x42, 0x0a, 0x63, 0x00, 0x02]);
    const ETH0_MAC: EthernetAddress = EthernetAddress([0x02, 0xfe, 0x00, 0x00, 0x00, 0x01]);

    fn tunnel(dst: Ipv4Addr, vni: u32) -> VxlanArgs {
        VxlanArgs {
            src: Some(VPP1.into()),
            dst: Some(dst.into()),
            vni: Some(vni),
            ..VxlanArgs::default()
        }
    }

    #[test]
    fn new_publishes_local0() {
        let handle = new_handle();
        let c = Config::new(handle.clone());
        assert!(Arc::ptr_eq(c.tables(), &handle));
        let t = handle.load();
        assert_eq!(t.generation, 1);
        assert_eq!(
            t.interfaces,
            vec![Some(Interface {
                sw_if_index: 0,
                up: false,
                mac: EthernetAddress([0; 6]),
                mtu: 0,
                l2: L2Mode::L3,
                output: Output::Drop,
            })]
        );
        assert!(t.local4.is_empty() && t.vxlan4.is_empty() && t.vxlan4_ports.is_empty());
        assert!(t.tunnels.is_empty());
        let local0 = c.interface(0).unwrap();
        assert_eq!(local0.name, "local0");
        assert_eq!(local0.kind, InterfaceKind::Local);
        assert_eq!(c.interface_index("local0"), Some(0));
    }

    #[test]
    fn generations_continue_from_the_handle() {
        let handle = new_handle();
        let mut c = Config::new(handle.clone());
        c.set_interface_state(0, true).unwrap();
        assert_eq!(handle.load().generation, 2);
        // A second model on the same handle (a restart) keeps counting up.
        let _c2 = Config::new(handle.clone());
        assert_eq!(handle.load().generation, 3);
    }

    /// The koko demo (shared/KOKO.md), with a pg interface for eth0/0.
    #[test]
    fn koko() {
        let handle = new_handle();
        let mut c = Config::new(handle.clone());
        let (eth0, _port, _pg) = c.create_pg_interface("eth0").unwrap();
        assert_eq!(eth0, 1);
        c.add_del_ip4_address(eth0, VPP1, 24, false).unwrap();
        c.set_interface_state(eth0, true).unwrap();
        c.add_del_neighbor(eth0, KOKO1, KOKO1_MAC, true, false)
            .unwrap();
        c.add_del_neighbor(eth0, KOKO2, KOKO2_MAC, true, false)
            .unwrap();
        let t0 = c.vxlan_add_del(&tunnel(KOKO1, 11)).unwrap().unwrap();
        let t1 = c.vxlan_add_del(&tunnel(KOKO2, 12)).unwrap().unwrap();
        assert_eq!((t0, t1), (2, 3));
        assert_eq!(c.interface(t0).unwrap().name, "vxlan_tunnel0");
        assert_eq!(c.interface(t1).unwrap().name, "vxlan_tunnel1");
        c.set_l2_xconnect(t0, t1).unwrap();
        c.set_l2_xconnect(t1, t0).unwrap();

        let t = handle.load();
        assert_eq!(t.generation, 10);

        // Interfaces.
        let mac0 = c.interface(t0).unwrap().mac;
        let mac1 = c.interface(t1).unwrap().mac;
        assert_eq!(&mac0.0[..2], &[0x02, 0xfe]);
        assert_eq!(&mac1.0[..2], &[0x02, 0xfe]);
        assert_eq!(
            t.interfaces,
            vec![
                Some(Interface {
                    sw_if_index: 0,
                    up: false,
                    mac: EthernetAddress([0; 6]),
                    mtu: 0,
                    l2: L2Mode::L3,
                    output: Output::Drop,
                }),
                Some(Interface {
                    sw_if_index: 1,
                    up: true,
                    mac: ETH0_MAC,
                    mtu: 1500,
                    l2: L2Mode::L3,
                    output: Output::Device,
                }),
                Some(Interface {
                    sw_if_index: 2,
                    up: true,
                    mac: mac0,
                    mtu: 0,
                    l2: L2Mode::Xconnect { peer: 3 },
                    output: Output::Vxlan4 { tunnel: 0 },
                }),
                Some(Interface {
                    sw_if_index: 3,
                    up: true,
                    mac: mac1,
                    mtu: 0,
                    l2: L2Mode::Xconnect { peer: 2 },
                    output: Output::Vxlan4 { tunnel: 1 },
                }),
            ]
        );

        // Local addresses and decap keys.
        assert_eq!(t.local4.len(), 1);
        assert_eq!(t.local4.get(&VPP1), Some(&1));
        assert_eq!(t.vxlan4_ports, vec![4789]);
        assert_eq!(t.vxlan4.len(), 2);
        let key = |remote, vni: u32| Vxlan4Key {
            remote,
            local: VPP1,
            port: 4789,
            vni_word: vni << 8,
        };
        assert_eq!(t.vxlan4.get(&key(KOKO1, 11)), Some(&0));
        assert_eq!(t.vxlan4.get(&key(KOKO2, 12)), Some(&1));

        // Tunnels and the encap of tunnel 0, byte by byte.
        assert_eq!(t.tunnels.len(), 2);
        let tun0 = t.tunnel(0).unwrap();
        assert_eq!((tun0.sw_if_index, tun0.instance, tun0.vni), (2, 0, 11));
        let encap0 = tun0.encap.as_ref().expect("tunnel 0 is resolved");
        assert_eq!(encap0.uplink, 1);
        assert_eq!(encap0.max_inner, 1500 - 36);
        #[rustfmt::skip]
        let expected: [u8; VXLAN4_REWRITE_LEN] = [
            // Ethernet: dst = koko1, src = eth0, IPv4.
            0x02, 0x42, 0x0a, 0x63, 0x00, 0x01,
            0x02, 0xfe, 0x00, 0x00, 0x00, 0x01,
            0x08, 0x00,
            // IPv4: 0x45, TOS 0, total length 0, ID 0, no DF, TTL 253, UDP,
            // checksum over these 20 bytes with length 0, 10.99.0.3 > 10.99.0.1.
            0x45, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
            0xfd, 0x11, 0xa9, 0x23,
            0x0a, 0x63, 0x00, 0x03,
            0x0a, 0x63, 0x00, 0x01,
            // UDP: src port 0 (flow hash per packet), dst 4789, length 0, checksum 0.
            0x00, 0x00, 0x12, 0xb5, 0x00, 0x00, 0x00, 0x00,
            // VXLAN: I flag, VNI 11.
            0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00,
        ];
        assert_eq!(encap0.rewrite, expected);

        let tun1 = t.tunnel(1).unwrap();
        assert_eq!((tun1.sw_if_index, tun1.instance, tun1.vni), (3, 1, 12));
        let encap1 = tun1.encap.as_ref().expect("tunnel 1 is resolved");
        assert_eq!(encap1.uplink, 1);
        assert_eq!(&encap1.rewrite[0..6], &KOKO2_MAC.0);
        assert_eq!(&encap1.rewrite[30..34], &KOKO2.octets());
        assert_eq!(&encap1.rewrite[46..50], &[0, 0, 12, 0]);
    }

    #[test]
    fn tunnels_restack_on_neighbor_mac_and_address_changes() {
        let mut c = config();
        let (eth0, _port, _pg) = c.create_pg_interface("eth0").unwrap();
        let tun = c.vxlan_add_del(&tunnel(KOKO1, 11)).unwrap().unwrap();
        let encap = |c: &Config| snapshot(c).tunnel(0).unwrap().encap.clone();

        // No address covers the dst yet, and then no neighbour.
        assert_eq!(encap(&c), None);
        c.add_del_ip4_address(eth0, VPP1, 24, false).unwrap();
        assert_eq!(encap(&c), None);

        // The neighbour resolves it.
        c.add_del_neighbor(eth0, KOKO1, KOKO1_MAC, false, false)
            .unwrap();
        let e = encap(&c).expect("resolved once the neighbour exists");
        assert_eq!(e.uplink, eth0);
        assert_eq!(&e.rewrite[0..6], &KOKO1_MAC.0);
        assert_eq!(&e.rewrite[6..12], &ETH0_MAC.0);

        // A new uplink MAC or MTU is picked up.
        let mac = EthernetAddress([0x02, 0xfe, 0xaa, 0xbb, 0xcc, 0xdd]);
        c.set_interface_mac(eth0, mac).unwrap();
        assert_eq!(&encap(&c).unwrap().rewrite[6..12], &mac.0);
        c.set_interface_mtu(eth0, 9000).unwrap();
        assert_eq!(encap(&c).unwrap().max_inner, 9000 - 36);

        // The neighbour's new MAC is picked up.
        c.add_del_neighbor(eth0, KOKO1, KOKO2_MAC, false, false)
            .unwrap();
        assert_eq!(&encap(&c).unwrap().rewrite[0..6], &KOKO2_MAC.0);

        // Removing the address unresolves it, re-adding resolves it again.
        c.add_del_ip4_address(eth0, VPP1, 24, true).unwrap();
        assert_eq!(encap(&c), None);
        c.add_del_ip4_address(eth0, VPP1, 24, false).unwrap();
        assert!(encap(&c).is_some());

        // So does deleting the neighbour.
        c.add_del_neighbor(eth0, KOKO1, KOKO2_MAC, false, true)
            .unwrap();
        assert_eq!(encap(&c), None);
        assert_eq!(snapshot(&c).tunnel(0).unwrap().sw_if_index, tun);
    }

    #[test]
    fn uplink_is_the_interface_whose_prefix_holds_the_dst() {
        // Prefixes on different interfaces never overlap (the add is
        // refused), so at most one interface can hold a given address.
        let mut c = config();
        let (wide, _p1, _h1) = c.create_pg_interface("wide").unwrap();
        let (narrow, _p2, _h2) = c.create_pg_interface("narrow").unwrap();
        c.add_del_ip4_address(wide, ip(10, 0, 0, 1), 8, false)
            .unwrap();
        c.add_del_ip4_address(narrow, ip(192, 168, 1, 1), 24, false)
            .unwrap();
        c.add_del_ip4_address(narrow, ip(192, 168, 1, 2), 24, false)
            .unwrap();
        let uplink = |c: &Config, dst| c.egress_for(dst).map(|e| e.sw_if_index);
        assert_eq!(uplink(&c, KOKO1), Some(wide));
        assert_eq!(uplink(&c, ip(192, 168, 1, 7)), Some(narrow));
        assert_eq!(uplink(&c, ip(172, 16, 0, 1)), None);
        // Admin state does not matter (both are down).
        assert!(!c.interface(wide).unwrap().admin_up);

        // A tunnel resolves with the neighbour on its uplink only.
        let dst = ip(192, 168, 1, 7);
        c.vxlan_add_del(&VxlanArgs {
            src: Some(ip(192, 168, 1, 1).into()),
            dst: Some(dst.into()),
            vni: Some(5),
            ..VxlanArgs::default()
        })
        .unwrap();
        c.add_del_neighbor(wide, dst, KOKO1_MAC, true, false)
            .unwrap();
        assert_eq!(snapshot(&c).tunnel(0).unwrap().encap, None);
        c.add_del_neighbor(narrow, dst, KOKO2_MAC, true, false)
            .unwrap();
        let e = snapshot(&c).tunnel(0).unwrap().encap.clone().unwrap();
        assert_eq!(e.uplink, narrow);
        assert_eq!(&e.rewrite[0..6], &KOKO2_MAC.0);
    }

    #[test]
    fn tunnels_never_ride_on_tunnels() {
        let mut c = config();
        let tun = c.vxlan_add_del(&tunnel(KOKO1, 11)).unwrap().unwrap();
        // An address on the tunnel interface itself covering its own dst
        // must not make it its own uplink.
        c.add_del_ip4_address(tun, ip(10, 99, 0, 9), 24, false)
            .unwrap();
        c.add_del_neighbor(tun, KOKO1, KOKO1_MAC, true, false)
            .unwrap();
        assert!(c.egress_for(KOKO1).is_none());
        assert_eq!(snapshot(&c).tunnel(0).unwrap().encap, None);
        // Its address is still local.
        assert_eq!(snapshot(&c).local4.get(&ip(10, 99, 0, 9)), Some(&tun));
    }

    #[test]
    fn slots() {
        let mut v: Vec<Option<u8>> = Vec::new();
        assert_eq!(lowest_free(&v), 0);
        put(&mut v, 0, 10);
        put(&mut v, 1, 11);
        put(&mut v, 2, 12);
        assert_eq!(lowest_free(&v), 3);
        assert_eq!(take(&mut v, 1), Some(11));
        assert_eq!(lowest_free(&v), 1);
        assert_eq!(v.len(), 3);
        assert_eq!(take(&mut v, 1), None);
        assert_eq!(take(&mut v, 9), None);
        // Freeing the last slot drops every trailing free one.
        assert_eq!(take(&mut v, 2), Some(12));
        assert_eq!(v, vec![Some(10)]);
        put(&mut v, 4, 14);
        assert_eq!(v, vec![Some(10), None, None, None, Some(14)]);
    }

    #[test]
    fn random_macs() {
        let mut c = config();
        let a = c.random_mac();
        let b = c.random_mac();
        assert_eq!(&a.0[..2], &[0x02, 0xfe]);
        assert_eq!(&b.0[..2], &[0x02, 0xfe]);
        assert_ne!(a, b);
        assert!(a.is_unicast());
    }

    #[test]
    fn error_messages() {
        let cidr = Ipv4Cidr::new(VPP1, 24).unwrap();
        let other = Ipv4Cidr::new(ip(10, 99, 0, 4), 16).unwrap();
        for (err, text) in [
            (
                ConfigError::UnknownInterface("eth9".into()),
                "unknown interface `eth9'",
            ),
            (
                ConfigError::UnknownPeer("7".into()),
                "unknown peer interface `7'",
            ),
            (
                ConfigError::InvalidL2Config,
                "invalid configuration for interface",
            ),
            (
                ConfigError::BadPrefix {
                    addr: VPP1,
                    len: 33,
                },
                "expected IP4/IP6 address/length `10.99.0.3/33'",
            ),
            (
                ConfigError::Local0NoIp,
                "local0 interface doesn't support IP addressing",
            ),
            (
                ConfigError::AddressConflict {
                    addr: other,
                    interface: "eth1".into(),
                    existing: cidr,
                    existing_interface: "eth0".into(),
                },
                "failed to add 10.99.0.4/16 on eth1 which conflicts with 10.99.0.3/24 for interface eth0",
            ),
            (
                ConfigError::AddressNotFound {
                    addr: cidr,
                    interface: "eth0".into(),
                },
                "10.99.0.3/24 not found for interface eth0",
            ),
            (
                ConfigError::PrefixAlreadyFound {
                    addr: cidr,
                    interface: "eth0".into(),
                },
                "Prefix 10.99.0.3/24 already found on interface eth0",
            ),
            (
                ConfigError::MacChangeNotSupported(0),
                "mac address change is not supported for interface index 0",
            ),
            (ConfigError::NoSuchNeighbor, "No such entry"),
            (
                ConfigError::NeighborTableFull { limit: 50_000 },
                "neighbor table full (limit 50000 entries)",
            ),
        ] {
            assert_eq!(err.to_string(), text);
        }
    }
}
