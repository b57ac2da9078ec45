//! Bridge domains: multipoint L2 (VPP's `src/vnet/l2/l2_bd.c`,
//! `l2_input.c` and `l2_fib.c`).
//!
//! A bridge domain has an id (1 to 16 777 215, as users name it), an index
//! (1, 2, ...: what the dataplane and `show l2fib` use), its switches
//! (learn, forward, flood, uu-flood, arp-term with its IP→MAC table), a MAC age in
//! minutes and a learn limit, and members: any interface but local0, each
//! with a split-horizon group, one of them (a loopback) its BVI.
//!
//! The domains' configuration is published with the snapshot
//! ([`dataplane::tables::L2Tables`]); the MAC table is not: it is one
//! [`L2Fib`] shared by every snapshot, which the workers write as they
//! learn and the methods here edit in place (`l2fib add`, flushes), so a
//! learned MAC never republishes anything.
//!
//! When an interface leaves a domain (`set interface l3`, another domain,
//! deletion) its entries there are removed and its sequence number is
//! bumped, so an entry a worker re-learns from a frame already in flight
//! is stale at once and removed by the next scan.

use std::collections::BTreeMap;
use std::sync::Arc;

use dataplane::l2fib::{self, DEFAULT_SLOTS, Entry, L2Fib, MAX_BRIDGE_DOMAINS};
use dataplane::tables::{BridgeDomain, L2Mode, L2Tables, Member};
use dataplane::wire::EthernetAddress;

use crate::config::{Config, ConfigError};
use crate::interface::InterfaceKind;

/// The largest bridge domain id (VPP's `L2_BD_ID_MAX`).
pub const BD_ID_MAX: u32 = (1 << 24) - 1;

/// The global learn limit weft's table is made with: half its slots, so
/// the table stays at most half full and a key's window is rarely full.
pub const DEFAULT_GLOBAL_LEARN_LIMIT: u32 = (DEFAULT_SLOTS / 2) as u32;

/// Why a bridge domain or L2 FIB operation was refused. The messages are
/// VPP's unless the variant says otherwise.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    /// Bridge domain 0 is VPP's default domain.
    #[error("bridge domain 0 can not be modified")]
    NotModifiable,
    /// `set bridge-domain ... 0`.
    #[error("No operations on the default bridge domain are supported")]
    DefaultDomain,
    /// An id above [`BD_ID_MAX`].
    #[error("bridge domain ID exceed 16M limit")]
    IdExceedMax,
    /// `create bridge-domain` of an existing id (VPP prints its API's
    /// return value, `VNET_API_ERROR_BD_ALREADY_EXISTS`).
    #[error("bd_add_del returned -119")]
    AlreadyExists,
    /// `create bridge-domain <id> del` of an unknown id.
    #[error("bridge domain ID does not exist")]
    DoesNotExist,
    /// `set bridge-domain` of an unknown id.
    #[error("No such bridge domain {0}")]
    NoSuchDomain(u32),
    /// Deleting a domain that still has members.
    #[error("bridge domain in use - remove members")]
    InUse,
    /// `mac-age` above 255.
    #[error("mac age must be less than 256")]
    MacAge,
    /// A second BVI.
    #[error("bridge-domain already has a bvi interface")]
    BviExists,
    /// local0 in a bridge domain.
    #[error("bridged interface must be ethernet")]
    NotEthernet,
    /// A BVI that is not a loopback (weft's text: VPP allows any
    /// interface, weft's BVI is its loopback's L3 stack).
    #[error("only a loopback interface can be a bvi")]
    BviNotLoopback,
    /// A split-horizon group above 255 (weft's text: VPP truncates it).
    #[error("split horizon group must be less than 256")]
    Shg,
    /// `set bridge-domain arp entry` that could not be made: deleting an
    /// entry the domain does not have (VPP's text).
    #[error("MAC {op} for IP {ip} and MAC {mac} failed")]
    ArpEntry {
        /// `add` or `del`.
        op: &'static str,
        /// The address.
        ip: std::net::Ipv4Addr,
        /// The MAC.
        mac: EthernetAddress,
    },
    /// Every bridge domain index is taken (weft's text and limit).
    #[error("too many bridge domains (at most {})", MAX_BRIDGE_DOMAINS - 1)]
    TooMany,
    /// `l2fib add|del` in an unknown domain.
    #[error("bridge domain ID {0} invalid")]
    Invalid(u32),
    /// `l2fib add` on an interface not in L2 mode (VPP's text; weft also
    /// requires it to be in that domain).
    #[error("Interface sw_if_index {0} not in L2 mode")]
    NotL2(u32),
    /// `l2fib del` of a MAC the domain does not have.
    #[error("mac entry not found")]
    NotFound,
    /// The MAC's window of the table is full (weft's text).
    #[error("l2fib table full")]
    Full,
}

impl From<l2fib::AddError> for BridgeError {
    fn from(_: l2fib::AddError) -> BridgeError {
        BridgeError::Full
    }
}

/// A bridge domain as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeConfig {
    /// Its id.
    pub bd_id: u32,
    /// Its index (dataplane, `show l2fib`).
    pub bd_index: u16,
    /// Learn source MACs.
    pub learn: bool,
    /// Forward known unicast.
    pub forward: bool,
    /// Flood broadcast and multicast.
    pub flood: bool,
    /// Flood unknown unicast.
    pub uu_flood: bool,
    /// Ageing in minutes (0: off).
    pub mac_age: u8,
    /// Terminate ARP requests for the addresses of `arp`.
    pub arp_term: bool,
    /// IPv4 address to MAC for ARP termination.
    pub arp: BTreeMap<std::net::Ipv4Addr, EthernetAddress>,
    /// Learn limit of the domain.
    pub learn_limit: u32,
    /// Members in the order they joined.
    pub members: Vec<Member>,
}

impl BridgeConfig {
    /// The BVI, if the domain has one.
    pub fn bvi(&self) -> Option<u32> {
        self.members.iter().find(|m| m.bvi).map(|m| m.sw_if_index)
    }
}

/// What `create bridge-domain` asks for (VPP's defaults: everything on
/// but arp-term, no ageing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BridgeArgs {
    /// The id.
    pub bd_id: u32,
    /// `learn`.
    pub learn: bool,
    /// `forward`.
    pub forward: bool,
    /// `uu-flood`.
    pub uu_flood: bool,
    /// `flood`.
    pub flood: bool,
    /// `arp-term`.
    pub arp_term: bool,
    /// `mac-age` in minutes, as typed.
    pub mac_age: u32,
}

impl BridgeArgs {
    /// VPP's defaults for domain `bd_id`.
    pub fn new(bd_id: u32) -> BridgeArgs {
        BridgeArgs {
            bd_id,
            learn: true,
            forward: true,
            uu_flood: true,
            flood: true,
            arp_term: false,
            mac_age: 0,
        }
    }
}

/// A switch of `set bridge-domain <switch> <id> [disable]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// `learn`.
    Learn,
    /// `forward`.
    Forward,
    /// `flood`.
    Flood,
    /// `uu-flood`.
    UuFlood,
}

/// The bridging part of the model.
#[derive(Debug)]
pub struct Bridges {
    /// Domains by id.
    domains: BTreeMap<u32, BridgeConfig>,
    /// Each interface's sequence number (bumped when it joins or leaves).
    isn: BTreeMap<u32, u8>,
    /// The MAC table, shared with every snapshot.
    fib: Arc<L2Fib>,
    /// How long the last scan took (`show l2fib`'s "Last scan time").
    last_scan: std::time::Duration,
}

impl Default for Bridges {
    fn default() -> Self {
        Bridges {
            domains: BTreeMap::new(),
            isn: BTreeMap::new(),
            fib: Arc::new(L2Fib::new(DEFAULT_SLOTS, DEFAULT_GLOBAL_LEARN_LIMIT)),
            last_scan: std::time::Duration::ZERO,
        }
    }
}

impl Config {
    /// The bridge domains, by id.
    pub fn bridge_domains(&self) -> impl Iterator<Item = &BridgeConfig> {
        self.bridges.domains.values()
    }

    /// Bridge domain `bd_id`.
    pub fn bridge_domain(&self, bd_id: u32) -> Option<&BridgeConfig> {
        self.bridges.domains.get(&bd_id)
    }

    /// The bridge domain with index `bd_index`.
    pub fn bridge_domain_by_index(&self, bd_index: u16) -> Option<&BridgeConfig> {
        self.bridge_domains().find(|b| b.bd_index == bd_index)
    }

    /// The MAC table.
    pub fn l2fib(&self) -> &Arc<L2Fib> {
        &self.bridges.fib
    }

    /// `create bridge-domain <id> ...`: a new domain. Returns its id.
    pub fn bridge_domain_add(&mut self, a: &BridgeArgs) -> Result<u32, BridgeError> {
        if a.bd_id == 0 {
            return Err(BridgeError::NotModifiable);
        }
        if a.mac_age > 255 {
            return Err(BridgeError::MacAge);
        }
        if self.bridges.domains.contains_key(&a.bd_id) {
            return Err(BridgeError::AlreadyExists);
        }
        if a.bd_id > BD_ID_MAX {
            return Err(BridgeError::IdExceedMax);
        }
        self.insert_domain(a)?;
        self.publish();
        Ok(a.bd_id)
    }

    /// Adds domain `a.bd_id` with the lowest free index (not published).
    fn insert_domain(&mut self, a: &BridgeArgs) -> Result<(), BridgeError> {
        let bd_index = self.free_bd_index()?;
        self.bridges.domains.insert(
            a.bd_id,
            BridgeConfig {
                bd_id: a.bd_id,
                bd_index,
                learn: a.learn,
                forward: a.forward,
                flood: a.flood,
                uu_flood: a.uu_flood,
                mac_age: a.mac_age as u8,
                arp_term: a.arp_term,
                arp: BTreeMap::new(),
                learn_limit: self.bridges.fib.global_limit(),
                members: Vec::new(),
            },
        );
        Ok(())
    }

    fn free_bd_index(&self) -> Result<u16, BridgeError> {
        let used: std::collections::BTreeSet<u16> =
            self.bridge_domains().map(|b| b.bd_index).collect();
        (1..MAX_BRIDGE_DOMAINS as u16)
            .find(|i| !used.contains(i))
            .ok_or(BridgeError::TooMany)
    }

    /// `create bridge-domain <id> del`.
    pub fn bridge_domain_del(&mut self, bd_id: u32) -> Result<(), BridgeError> {
        if bd_id == 0 {
            return Err(BridgeError::NotModifiable);
        }
        let bd = self
            .bridges
            .domains
            .get(&bd_id)
            .ok_or(BridgeError::DoesNotExist)?;
        if !bd.members.is_empty() {
            return Err(BridgeError::InUse);
        }
        let bd_index = bd.bd_index;
        self.bridges.domains.remove(&bd_id);
        self.bridges.fib.remove_if(|b, _, _| b == bd_index);
        self.publish();
        Ok(())
    }

    fn domain_mut(&mut self, bd_id: u32) -> Result<&mut BridgeConfig, BridgeError> {
        if bd_id == 0 {
            return Err(BridgeError::DefaultDomain);
        }
        self.bridges
            .domains
            .get_mut(&bd_id)
            .ok_or(BridgeError::NoSuchDomain(bd_id))
    }

    /// `set bridge-domain learn|forward|flood|uu-flood <id> [disable]`.
    pub fn set_bridge_switch(
        &mut self,
        bd_id: u32,
        s: Switch,
        on: bool,
    ) -> Result<(), BridgeError> {
        let bd = self.domain_mut(bd_id)?;
        *match s {
            Switch::Learn => &mut bd.learn,
            Switch::Forward => &mut bd.forward,
            Switch::Flood => &mut bd.flood,
            Switch::UuFlood => &mut bd.uu_flood,
        } = on;
        self.publish();
        Ok(())
    }

    /// `set bridge-domain mac-age <id> <minutes>` (0: off). Turning ageing
    /// on counts every learned entry's age from now.
    pub fn set_bridge_mac_age(&mut self, bd_id: u32, minutes: u32) -> Result<(), BridgeError> {
        let bd = self.domain_mut(bd_id)?;
        if minutes > 255 {
            return Err(BridgeError::MacAge);
        }
        let was = bd.mac_age;
        bd.mac_age = minutes as u8;
        let bd_index = bd.bd_index;
        if was == 0 && minutes != 0 {
            self.bridges.fib.restamp(bd_index);
        }
        self.publish();
        Ok(())
    }

    /// `set bridge-domain arp term <id> [disable]`.
    pub fn set_bridge_arp_term(&mut self, bd_id: u32, on: bool) -> Result<(), BridgeError> {
        self.domain_mut(bd_id)?.arp_term = on;
        self.publish();
        Ok(())
    }

    /// `set bridge-domain arp entry <id> <ip> <mac> [del]`: the domain
    /// answers ARP requests for `ip` with `mac` when it terminates ARP.
    pub fn bridge_arp_entry(
        &mut self,
        bd_id: u32,
        ip: std::net::Ipv4Addr,
        mac: EthernetAddress,
        del: bool,
    ) -> Result<(), BridgeError> {
        let bd = self.domain_mut(bd_id)?;
        if del {
            if bd.arp.get(&ip) != Some(&mac) {
                return Err(BridgeError::ArpEntry { op: "del", ip, mac });
            }
            bd.arp.remove(&ip);
        } else {
            bd.arp.insert(ip, mac);
        }
        self.publish();
        Ok(())
    }

    /// `set bridge-domain arp entry <id> del-all`.
    pub fn bridge_arp_clear(&mut self, bd_id: u32) -> Result<(), BridgeError> {
        self.domain_mut(bd_id)?.arp.clear();
        self.publish();
        Ok(())
    }

    /// `set bridge-domain learn-limit <id> <n>`: learned entries already
    /// above the limit stay; no new one is learned until below.
    pub fn set_bridge_learn_limit(&mut self, bd_id: u32, limit: u32) -> Result<(), BridgeError> {
        self.domain_mut(bd_id)?.learn_limit = limit;
        self.publish();
        Ok(())
    }

    /// `set interface l2 bridge <if> <id> [bvi] [<shg>]`: puts the
    /// interface in the domain (created with the defaults if missing, as
    /// VPP does), leaving its previous L2 mode or domain.
    pub fn set_l2_bridge(
        &mut self,
        sw_if_index: u32,
        bd_id: u32,
        bvi: bool,
        shg: u32,
    ) -> Result<(), ConfigErrorOrBridge> {
        let ifc = self.existing(sw_if_index)?;
        if bd_id > BD_ID_MAX {
            return Err(BridgeError::IdExceedMax.into());
        }
        if bd_id == 0 {
            return Err(BridgeError::NotModifiable.into());
        }
        if ifc.kind == InterfaceKind::Local {
            return Err(BridgeError::NotEthernet.into());
        }
        self.refuse_sub_l2(sw_if_index)?;
        if bvi && !matches!(ifc.kind, InterfaceKind::Loopback { .. }) {
            return Err(BridgeError::BviNotLoopback.into());
        }
        let shg = u8::try_from(shg).map_err(|_| BridgeError::Shg)?;
        if bvi
            && let Some(existing) = self.bridge_domain(bd_id).and_then(BridgeConfig::bvi)
            && existing != sw_if_index
        {
            return Err(BridgeError::BviExists.into());
        }
        if !self.bridges.domains.contains_key(&bd_id) {
            self.insert_domain(&BridgeArgs::new(bd_id))?;
        }
        // Validated: from here on nothing fails.
        self.leave_bridge(sw_if_index);
        let isn = self.bump_isn(sw_if_index);
        let mac = self.existing(sw_if_index)?.mac;
        let bd = self.bridges.domains.get_mut(&bd_id).expect("created above");
        bd.members.push(Member {
            sw_if_index,
            shg,
            bvi,
        });
        let bd_index = bd.bd_index;
        if bvi {
            let e = Entry {
                sw_if_index,
                isn,
                stamp: 0,
                is_static: true,
                bvi: true,
                age_not: true,
            };
            if let Err(e) = self.bridges.fib.add(bd_index, &mac, e) {
                log::warn!("bvi {sw_if_index}: {e}; its frames are flooded");
            }
        }
        self.existing_mut(sw_if_index)?.l2 = L2Mode::Bridge {
            bd: bd_index,
            shg,
            bvi,
            isn,
        };
        self.publish();
        Ok(())
    }

    fn bump_isn(&mut self, sw_if_index: u32) -> u8 {
        let n = self.bridges.isn.entry(sw_if_index).or_insert(0);
        *n = n.wrapping_add(1).max(1);
        *n
    }

    /// Takes the interface out of its bridge domain, if it is in one, with
    /// its MAC entries there. Does not publish (callers do).
    pub(crate) fn leave_bridge(&mut self, sw_if_index: u32) {
        let Some(L2Mode::Bridge { bd, .. }) = self.interface(sw_if_index).map(|i| i.l2) else {
            return;
        };
        for b in self.bridges.domains.values_mut() {
            b.members.retain(|m| m.sw_if_index != sw_if_index);
        }
        self.bridges
            .fib
            .remove_if(|b, _, e| b == bd && e.sw_if_index == sw_if_index);
        self.bump_isn(sw_if_index);
        if let Some(ifc) = self
            .interfaces
            .get_mut(sw_if_index as usize)
            .and_then(Option::as_mut)
        {
            ifc.l2 = L2Mode::L3;
        }
    }

    /// The BVI of domain `bd_index` changed its MAC: its entry follows.
    pub(crate) fn move_bvi_mac(
        &mut self,
        bd_index: u16,
        sw_if_index: u32,
        old: EthernetAddress,
        new: EthernetAddress,
    ) {
        let fib = &self.bridges.fib;
        if let Some(e) = fib.lookup(bd_index, &old).filter(|e| e.bvi) {
            fib.remove(bd_index, &old);
            if fib.add(bd_index, &new, e).is_err() {
                log::warn!("bvi {sw_if_index}: l2fib table full; its frames are flooded");
            }
        }
    }

    /// `l2fib add <mac> <bd-id> <if> [static|bvi]`: a provisioned entry
    /// (never ages; `static` also never moves).
    pub fn l2fib_add(
        &mut self,
        mac: EthernetAddress,
        bd_id: u32,
        sw_if_index: u32,
        is_static: bool,
        bvi: bool,
    ) -> Result<(), BridgeError> {
        let bd = self
            .bridge_domain(bd_id)
            .ok_or(BridgeError::Invalid(bd_id))?;
        let Some(L2Mode::Bridge { bd: b, isn, .. }) = self.interface(sw_if_index).map(|i| i.l2)
        else {
            return Err(BridgeError::NotL2(sw_if_index));
        };
        if b != bd.bd_index {
            return Err(BridgeError::NotL2(sw_if_index));
        }
        let e = Entry {
            sw_if_index,
            isn,
            stamp: 0,
            is_static: is_static || bvi,
            bvi,
            age_not: true,
        };
        self.bridges.fib.add(bd.bd_index, &mac, e)?;
        Ok(())
    }

    /// `l2fib del <mac> <bd-id>`.
    pub fn l2fib_del(&mut self, mac: EthernetAddress, bd_id: u32) -> Result<(), BridgeError> {
        let bd = self
            .bridge_domain(bd_id)
            .ok_or(BridgeError::Invalid(bd_id))?;
        if self.bridges.fib.remove(bd.bd_index, &mac) {
            Ok(())
        } else {
            Err(BridgeError::NotFound)
        }
    }

    /// `clear l2fib`: every entry, static and BVI ones included (as VPP).
    pub fn l2fib_clear(&mut self) {
        self.bridges.fib.remove_if(|_, _, _| true);
    }

    /// The ager (run every few seconds by weftd's timer, with the minute
    /// stamp set first): removes aged, stale and duplicate entries.
    pub fn l2fib_scan(&mut self) -> l2fib::ScanStats {
        let start = std::time::Instant::now();
        let stats = self.scan_once();
        self.bridges.last_scan = start.elapsed();
        stats
    }

    /// How long the last [`l2fib_scan`](Self::l2fib_scan) took.
    pub fn l2fib_last_scan(&self) -> std::time::Duration {
        self.bridges.last_scan
    }

    fn scan_once(&self) -> l2fib::ScanStats {
        let ages: BTreeMap<u16, u8> = self
            .bridge_domains()
            .map(|b| (b.bd_index, b.mac_age))
            .collect();
        self.bridges.fib.scan(
            |bd| ages.get(&bd).copied().unwrap_or(0),
            |bd, e| match self.interface(e.sw_if_index).map(|i| i.l2) {
                Some(L2Mode::Bridge { bd: b, isn, .. }) => {
                    b != bd || (e.is_learned() && isn != e.isn)
                }
                _ => true,
            },
        )
    }

    /// The domains as the dataplane sees them.
    pub(crate) fn build_l2(&self) -> L2Tables {
        let mut bds: Vec<Option<BridgeDomain>> = Vec::new();
        for b in self.bridge_domains() {
            crate::config::put(
                &mut bds,
                u32::from(b.bd_index),
                BridgeDomain {
                    bd_id: b.bd_id,
                    learn: b.learn,
                    forward: b.forward,
                    flood: b.flood,
                    uu_flood: b.uu_flood,
                    mac_age: b.mac_age,
                    arp_term: b.arp_term,
                    arp: b.arp.iter().map(|(i, m)| (*i, *m)).collect(),
                    learn_limit: b.learn_limit,
                    members: b.members.clone(),
                },
            );
        }
        L2Tables {
            bds,
            fib: self.bridges.fib.clone(),
        }
    }
}

/// An error of [`Config::set_l2_bridge`]: an unknown interface
/// ([`ConfigError`]) or a bridging one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigErrorOrBridge {
    /// The interface.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The bridging.
    #[error(transparent)]
    Bridge(#[from] BridgeError),
}
