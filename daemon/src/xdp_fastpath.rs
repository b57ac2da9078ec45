//! weft's XDP fast path on the control plane: which flows each AF_XDP
//! uplink's XDP program forwards in the kernel, and what it counted.
//!
//! * **Tables.** Every configuration snapshot reaches [`KernelPath::published`]
//!   (through [`control::Config::set_publish_hook`]) right after the workers
//!   can see it. For each uplink the flows the graph would send back out of
//!   it ([`kernel_flows`]) become one new table, installed whole
//!   ([`FastpathMaps::set_fastpath`]) only when it differs from the one in
//!   place; none while the fast path is off for the interface (`set vxlan
//!   xdp-fastpath`), while a packet trace is armed, or when the interface
//!   cannot transmit from XDP.
//! * **Transmit.** On a veth, a frame sent back with `XDP_TX` reaches the
//!   peer only if the peer runs NAPI; otherwise the kernel drops it where
//!   weft cannot count it. Before installing a table, and every second,
//!   the uplink's netdev `xdp-features` are read ([`netdev_genl`]): without
//!   `NDO_XMIT` the uplink gets no table (every packet goes to the graph,
//!   as without the fast path), `show vxlan xdp-fastpath` says why, and a
//!   line is logged when that changes.
//! * **Counters.** Each flow counts in a slot of the program's per-CPU
//!   `weft_fp_counts`, one slot per (receiving tunnel, egress tunnel)
//!   pair. Whenever counters are shown ([`KernelPath::fold`]) the slots'
//!   growth since the last read is added to [`KernelCounters`], the block
//!   `show interface`, `show errors` and `show runtime` add to the
//!   workers' (as thread 0). A slot whose pair is gone is read once more
//!   after [`SLOT_GRACE`] (a program run that fetched the old table before
//!   the swap may still count in it) and only then given to another pair.
//! * **Order.** Removing a device takes its table out first and folds its
//!   last counts before the driver closes the program.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use control::runtime::{WorkerInfo, XdpUplink};
use dataplane::io::netdev_genl::{self, XDP_ACT_NDO_XMIT};
use dataplane::io::xdp_fastpath::{
    KEY_LEN, KernelCounters, MAX_ENTRIES, VALUE_LEN, key_bytes, value_bytes,
};
use dataplane::io::xdp_prog::FastpathMaps;
use dataplane::nodes::vxlan4_fastpath::kernel_flows;
use dataplane::tables::Tables;
use dataplane::trace::TraceShared;

/// How long a slot whose flows are gone is kept before it is reused.
pub const SLOT_GRACE: Duration = Duration::from_secs(2);

/// How often an uplink's XDP transmit capability is read again.
const RECHECK: Duration = Duration::from_secs(1);

/// The fast path, shared by the runtime and the configuration's publish
/// hook (both run under the control-plane lock; this mutex is never
/// contended).
pub type KernelPathHandle = Arc<Mutex<KernelPath>>;

/// Locks the fast path (a poisoned lock is still usable: its state is
/// rebuilt from the next snapshot).
pub fn lock(k: &KernelPathHandle) -> MutexGuard<'_, KernelPath> {
    k.lock().unwrap_or_else(|e| e.into_inner())
}

type Entry = ([u8; KEY_LEN], [u8; VALUE_LEN]);

/// One (receiving tunnel, egress tunnel) pair's counter slot.
#[derive(Debug, Clone, Copy)]
struct Slot {
    pair: (u32, u32),
    /// The counts read last.
    seen: [u64; 4],
    /// When its pair left the table (`None`: in use).
    retired: Option<Instant>,
}

/// What one uplink's program is doing.
#[derive(Debug)]
struct Uplink {
    host_if: String,
    ifindex: u32,
    maps: FastpathMaps,
    /// `NDO_XMIT` when last read (`None`: could not be read).
    xdp_tx: Option<bool>,
    checked: Instant,
    /// The table in place (`None`: none).
    installed: Option<Vec<Entry>>,
    /// Slots by index.
    slots: Vec<Option<Slot>>,
    /// Why there is no table, for `show vxlan xdp-fastpath`.
    why_off: Option<&'static str>,
    /// Times the fast path fell back to the graph for want of XDP
    /// transmit (at attach or when the peer stopped running NAPI).
    fallbacks: u64,
}

/// The XDP fast path of every AF_XDP uplink; see the module docs.
#[derive(Debug)]
pub struct KernelPath {
    uplinks: BTreeMap<u32, Uplink>,
    tables: Option<Arc<Tables>>,
    tracing: bool,
    counters: KernelCounters,
    trace: Arc<TraceShared>,
}

impl Default for KernelPath {
    fn default() -> Self {
        KernelPath {
            uplinks: BTreeMap::new(),
            tables: None,
            tracing: false,
            counters: KernelCounters::default(),
            trace: Arc::new(TraceShared::default()),
        }
    }
}

fn can_transmit(ifindex: u32, host_if: &str) -> Option<bool> {
    match netdev_genl::xdp_features(ifindex) {
        Ok(f) => Some(f & XDP_ACT_NDO_XMIT != 0),
        Err(e) => {
            log::warn!("{host_if}: cannot read XDP features ({e}); XDP fast path off");
            None
        }
    }
}

impl KernelPath {
    /// A new snapshot: every uplink's table follows it.
    pub fn published(&mut self, tables: &Arc<Tables>) {
        self.tables = Some(tables.clone());
        let uplinks: Vec<u32> = self.uplinks.keys().copied().collect();
        for sw in uplinks {
            self.sync(sw);
        }
    }

    /// A trace was armed or cleared.
    pub fn set_tracing(&mut self, armed: bool) {
        if self.tracing != armed {
            self.tracing = armed;
            let uplinks: Vec<u32> = self.uplinks.keys().copied().collect();
            for sw in uplinks {
                self.sync(sw);
            }
        }
    }

    /// Device `sw_if_index` (Linux interface `host_if`, `ifindex`) has an
    /// XDP program with these maps.
    pub fn attach(&mut self, sw_if_index: u32, host_if: &str, ifindex: u32, maps: FastpathMaps) {
        let xdp_tx = can_transmit(ifindex, host_if);
        if xdp_tx == Some(false) {
            log::info!(
                "{host_if}: cannot transmit from XDP (a veth whose peer runs no NAPI: \
                 enable GRO or XDP on the peer); XDP fast path off, packets go to the graph"
            );
        }
        self.uplinks.insert(
            sw_if_index,
            Uplink {
                host_if: host_if.to_string(),
                ifindex,
                maps,
                xdp_tx,
                checked: Instant::now(),
                installed: None,
                slots: Vec::new(),
                why_off: None,
                fallbacks: u64::from(xdp_tx == Some(false)),
            },
        );
        self.sync(sw_if_index);
    }

    /// Device `sw_if_index` is going: its table goes first, then its last
    /// counts are read.
    pub fn detach(&mut self, sw_if_index: u32) {
        let Some(u) = self.uplinks.get_mut(&sw_if_index) else {
            return;
        };
        if let Err(e) = u.maps.clear_fastpath() {
            log::error!("{}: {e}", u.host_if);
        }
        u.installed = None;
        self.fold_one(sw_if_index, true);
        self.uplinks.remove(&sw_if_index);
    }

    /// Reads every uplink's counts into the kernel's counter block.
    pub fn fold(&mut self) {
        let uplinks: Vec<u32> = self.uplinks.keys().copied().collect();
        for sw in uplinks {
            self.fold_one(sw, false);
        }
    }

    /// Every second: reads the uplinks' XDP transmit capability again and
    /// follows it; frees the slots whose grace is over.
    pub fn tick(&mut self) {
        let now = Instant::now();
        let due: Vec<u32> = self
            .uplinks
            .iter()
            .filter(|(_, u)| now.duration_since(u.checked) >= RECHECK)
            .map(|(&sw, _)| sw)
            .collect();
        for sw in due {
            let Some(u) = self.uplinks.get_mut(&sw) else {
                continue;
            };
            u.checked = now;
            let tx = can_transmit(u.ifindex, &u.host_if);
            if tx != u.xdp_tx {
                match tx {
                    Some(true) => log::info!(
                        "{}: can transmit from XDP again; XDP fast path on",
                        u.host_if
                    ),
                    _ => {
                        u.fallbacks += 1;
                        log::info!(
                            "{}: cannot transmit from XDP any more; XDP fast path off, packets go to the graph",
                            u.host_if
                        )
                    }
                }
                u.xdp_tx = tx;
                self.sync(sw);
            }
            self.fold_one(sw, false);
        }
    }

    /// The counter block, up to date, as thread 0; `None` without uplinks.
    pub fn info(&mut self) -> Option<WorkerInfo> {
        if self.uplinks.is_empty() {
            return None;
        }
        self.fold();
        Some(WorkerInfo {
            thread_index: 0,
            name: "weft_xdp".into(),
            lwp: 0,
            core: None,
            stats: self.counters.stats.clone(),
            trace: self.trace.clone(),
        })
    }

    /// `show vxlan xdp-fastpath`: every uplink's state.
    pub fn uplinks(&self) -> Vec<XdpUplink> {
        self.uplinks
            .iter()
            .map(|(&sw, u)| XdpUplink {
                sw_if_index: sw,
                host_if: u.host_if.clone(),
                ifindex: u.ifindex,
                off: u.why_off,
                flows: u.installed.as_ref().map_or(0, Vec::len),
                forwarded: u.maps.fastpath_sent().unwrap_or_default(),
                fallbacks: u.fallbacks,
            })
            .collect()
    }

    /// Makes uplink `sw`'s table what the snapshot says.
    fn sync(&mut self, sw: u32) {
        let Some(u) = self.uplinks.get_mut(&sw) else {
            return;
        };
        let why_off = match &self.tables {
            None => Some("no configuration yet"),
            Some(t) if !t.xdp.enabled => Some("disabled"),
            Some(t) if !t.xdp.on(sw) => Some("disabled on this interface"),
            Some(_) if self.tracing => Some("a packet trace is armed"),
            Some(_) if u.xdp_tx != Some(true) => {
                Some("no XDP transmit: a veth peer needs GRO or an XDP program")
            }
            Some(_) => None,
        };
        u.why_off = why_off;
        let want = match (&self.tables, why_off) {
            (Some(t), None) => {
                let flows = kernel_flows(t, sw);
                let now = Instant::now();
                // Pairs no flow has any more retire; new pairs get a slot.
                for s in u.slots.iter_mut().flatten() {
                    let used = flows.iter().any(|f| (f.rx_tunnel, f.tx_tunnel) == s.pair);
                    match (used, s.retired) {
                        (false, None) => s.retired = Some(now),
                        (true, Some(_)) => s.retired = None,
                        _ => {}
                    }
                }
                let mut entries = Vec::with_capacity(flows.len());
                for f in &flows {
                    let Some(slot) = slot_for(&mut u.slots, (f.rx_tunnel, f.tx_tunnel), &u.maps)
                    else {
                        continue;
                    };
                    entries.push((key_bytes(&f.key), value_bytes(&f.encap, slot)));
                }
                Some(entries).filter(|e| !e.is_empty())
            }
            _ => None,
        };
        if want == u.installed {
            return;
        }
        let r = match &want {
            Some(entries) => u.maps.set_fastpath(entries),
            None => u.maps.clear_fastpath(),
        };
        match r {
            Ok(()) => u.installed = want,
            Err(e) => {
                log::error!("{}: {e}", u.host_if);
                // Whatever is in place may be stale: take it out.
                if u.maps.clear_fastpath().is_ok() {
                    u.installed = None;
                }
            }
        }
    }

    /// Adds uplink `sw`'s counts since the last read; frees retired slots
    /// past their grace (all of them when `last`).
    fn fold_one(&mut self, sw: u32, last: bool) {
        let Some(u) = self.uplinks.get_mut(&sw) else {
            return;
        };
        let now = Instant::now();
        for (i, slot) in u.slots.iter_mut().enumerate() {
            let Some(s) = slot else { continue };
            if let Ok(c) = u.maps.fastpath_counts(i as u32) {
                let d: [u64; 4] = std::array::from_fn(|k| c[k].wrapping_sub(s.seen[k]));
                s.seen = c;
                self.counters.add_forwarded(sw, s.pair.0, s.pair.1, d);
            }
            if last
                || s.retired
                    .is_some_and(|t| now.duration_since(t) >= SLOT_GRACE)
            {
                *slot = None;
            }
        }
    }
}

/// The slot of `pair`: its own if it has one (in use again if it was
/// retiring), else a free one, whose counts so far are its baseline.
/// `None` when all [`MAX_ENTRIES`] are taken.
fn slot_for(slots: &mut Vec<Option<Slot>>, pair: (u32, u32), maps: &FastpathMaps) -> Option<u32> {
    if let Some(i) = slots.iter().position(|s| s.is_some_and(|s| s.pair == pair)) {
        if let Some(s) = &mut slots[i] {
            s.retired = None;
        }
        return Some(i as u32);
    }
    let i = match slots.iter().position(Option::is_none) {
        Some(i) => i,
        None if slots.len() < MAX_ENTRIES as usize => {
            slots.push(None);
            slots.len() - 1
        }
        None => return None,
    };
    let seen = maps.fastpath_counts(i as u32).ok()?;
    slots[i] = Some(Slot {
        pair,
        seen,
        retired: None,
    });
    Some(i as u32)
}
