//! The L2 FIB: MAC addresses per bridge domain, learned by the workers on
//! the packet path and shown, aged and edited by the control plane, with
//! no lock and no allocation on either side.
//!
//! # Layout
//!
//! One table for every bridge domain, allocated once ([`L2Fib::new`]) with
//! a power-of-two number of slots, so a flood of random source MACs can
//! fill it but never grow it. A slot is two 64-bit atomics:
//!
//! ```text
//!  key  = bd_index << 48 | MAC                     (0: free)
//!  val  = flags << 48 | stamp << 40 | isn << 32 | sw_if_index   (0: being written)
//! ```
//!
//! A key lives in one of the [`WINDOW`] slots starting at its hash (one
//! 128-byte stretch: two cache lines). Lookups scan the whole window
//! rather than stopping at a free slot, so a slot can be freed without a
//! tombstone.
//!
//! # Who writes what
//!
//! - **Insert** (a worker learning, or the control plane adding an entry):
//!   claim a free slot with a compare-and-swap of its key from 0, then
//!   store the value. Until the value is stored the slot reads as absent.
//! - **Update** (a refreshed stamp, a MAC move): a compare-and-swap of the
//!   value from the one just read, so of two workers updating the same
//!   entry one wins and the other's packet simply does not learn.
//! - **Remove** (the control plane only: ageing, `l2fib del`, flushes): a
//!   compare-and-swap of the value to 0, then of the key to 0. Once the
//!   value is 0 no worker writes the slot again until the key is free.
//!
//! A reader loads the key, the value, then the key again, and uses the
//! value only if the key did not change. Workers write a slot only when
//! something changed (a new MAC, a move, a new minute in the stamp), never
//! per packet, so forwarding does not bounce cache lines between cores.
//!
//! Two workers learning the same new MAC at the same moment claim the same
//! first free slot and one loses. A duplicate is possible only when the
//! control plane frees a slot earlier in the window between the two scans;
//! lookups then find the first copy and [`L2Fib::scan`] removes the other.
//!
//! # Limits
//!
//! Learned (not provisioned) entries are counted per bridge domain and in
//! total. A new MAC is learned only below both limits (VPP's per-domain
//! `learn-limit` and its global learn limit); what is refused is counted
//! by the l2-learn node. Counts are exact: they change only with the CAS
//! that inserts or removes an entry.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};

use crate::wire::EthernetAddress;

/// Slots scanned per key: a key is stored in one of these.
pub const WINDOW: usize = 8;

/// Bridge domain indices run from 1 (index 0 is VPP's default domain,
/// which has no members) to `MAX_BRIDGE_DOMAINS - 1`.
pub const MAX_BRIDGE_DOMAINS: usize = 4096;

/// Default number of slots: 262 144 (4 MiB).
pub const DEFAULT_SLOTS: usize = 1 << 18;

const VALID: u64 = 1 << 48;
const STATIC: u64 = 1 << 49;
const BVI: u64 = 1 << 50;
const AGE_NOT: u64 = 1 << 51;

/// One entry as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The interface the MAC is behind.
    pub sw_if_index: u32,
    /// The interface's sequence number when the entry was written: an
    /// entry whose number is not the member's current one is stale (the
    /// interface left the domain, or was flushed, since).
    pub isn: u8,
    /// The minute (of [`L2Fib::now`]) the MAC was last seen.
    pub stamp: u8,
    /// Static: never ages, never moves (`l2fib add ... static`).
    pub is_static: bool,
    /// The BVI's own MAC.
    pub bvi: bool,
    /// Provisioned: added by the control plane, never ages (static
    /// entries are too); such an entry may move, and then it is learned.
    pub age_not: bool,
}

impl Entry {
    /// The packed value, as stored (shown by l2-fwd's trace).
    pub fn raw(self) -> u64 {
        let mut v = VALID | u64::from(self.stamp) << 40 | u64::from(self.isn) << 32;
        v |= u64::from(self.sw_if_index);
        if self.is_static {
            v |= STATIC;
        }
        if self.bvi {
            v |= BVI;
        }
        if self.age_not {
            v |= AGE_NOT;
        }
        v
    }

    fn unpack(v: u64) -> Option<Entry> {
        (v & VALID != 0).then_some(Entry {
            sw_if_index: v as u32,
            isn: (v >> 32) as u8,
            stamp: (v >> 40) as u8,
            is_static: v & STATIC != 0,
            bvi: v & BVI != 0,
            age_not: v & AGE_NOT != 0,
        })
    }

    /// A learned entry.
    pub fn learned(sw_if_index: u32, isn: u8, stamp: u8) -> Entry {
        Entry {
            sw_if_index,
            isn,
            stamp,
            is_static: false,
            bvi: false,
            age_not: false,
        }
    }

    /// Learned: counted against the limits, aged.
    pub fn is_learned(&self) -> bool {
        !self.is_static && !self.age_not
    }

    /// Learning this MAC behind `sw_if_index` (sequence number `isn`) at
    /// minute `now` would write nothing ([`Learn::Known`]).
    #[inline]
    pub fn is_known(&self, sw_if_index: u32, isn: u8, now: u8) -> bool {
        self.sw_if_index == sw_if_index
            && (!self.is_learned() || (self.stamp == now && self.isn == isn))
    }
}

/// The key of (bridge domain index, MAC).
#[inline]
pub fn key(bd_index: u16, mac: &EthernetAddress) -> u64 {
    let m = &mac.0;
    u64::from(bd_index) << 48
        | u64::from(m[0]) << 40
        | u64::from(m[1]) << 32
        | u64::from(m[2]) << 24
        | u64::from(m[3]) << 16
        | u64::from(m[4]) << 8
        | u64::from(m[5])
}

/// The bridge domain index and MAC of a key.
pub fn unkey(k: u64) -> (u16, EthernetAddress) {
    let b = k.to_be_bytes();
    (
        (k >> 48) as u16,
        EthernetAddress([b[2], b[3], b[4], b[5], b[6], b[7]]),
    )
}

#[derive(Debug, Default)]
#[repr(align(16))]
struct Slot {
    key: AtomicU64,
    val: AtomicU64,
}

/// What learning a source MAC did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Learn {
    /// Known on this interface, nothing to write.
    Known,
    /// Known on this interface; its stamp or sequence number was renewed.
    Refreshed,
    /// A new entry.
    Learned,
    /// The MAC moved here from another interface.
    Moved,
    /// The MAC is static on another interface: not moved, the frame is
    /// dropped (VPP's "L2 mac move violations").
    StaticMove,
    /// Not learned: the domain's or the global learn limit is reached.
    Limit,
    /// Not learned: every slot of the key's window is taken.
    Full,
    /// Not learned this time: another writer holds the entry.
    Busy,
}

/// Why the control plane could not add an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    /// Every slot of the key's window is taken.
    #[error("l2fib table full")]
    Full,
}

/// Results of one [`L2Fib::scan`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Entries removed because they aged out.
    pub aged: u32,
    /// Entries removed because they were stale (their interface left the
    /// domain) or duplicates.
    pub stale: u32,
}

/// The table. See the [module docs](self).
pub struct L2Fib {
    slots: Box<[Slot]>,
    mask: usize,
    learned: Box<[AtomicU32]>,
    global_learned: AtomicU32,
    global_limit: u32,
    now: AtomicU8,
}

impl std::fmt::Debug for L2Fib {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L2Fib")
            .field("slots", &self.slots.len())
            .field("global_learned", &self.global_learned())
            .field("global_limit", &self.global_limit)
            .finish()
    }
}

impl Default for L2Fib {
    /// A table of one window (for snapshots built before the control
    /// plane made the real one).
    fn default() -> Self {
        L2Fib::new(WINDOW, 0)
    }
}

impl L2Fib {
    /// A table of `slots` slots (rounded up to a power of two, at least
    /// [`WINDOW`]) learning at most `global_limit` entries in total.
    pub fn new(slots: usize, global_limit: u32) -> L2Fib {
        let n = slots.max(WINDOW).next_power_of_two();
        L2Fib {
            slots: (0..n).map(|_| Slot::default()).collect(),
            mask: n - 1,
            learned: (0..MAX_BRIDGE_DOMAINS).map(|_| AtomicU32::new(0)).collect(),
            global_learned: AtomicU32::new(0),
            global_limit,
            now: AtomicU8::new(0),
        }
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The global learn limit.
    pub fn global_limit(&self) -> u32 {
        self.global_limit
    }

    /// Learned entries in all domains.
    pub fn global_learned(&self) -> u32 {
        self.global_learned.load(Ordering::Relaxed)
    }

    /// Learned entries of domain `bd_index`.
    pub fn learned(&self, bd_index: u16) -> u32 {
        self.learned
            .get(bd_index as usize)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// The current minute stamp (VPP's `(u8) (now / 60)`), set by the
    /// control plane's timer.
    #[inline]
    pub fn now(&self) -> u8 {
        self.now.load(Ordering::Relaxed)
    }

    /// Sets the current minute stamp.
    pub fn set_now(&self, minute: u8) {
        self.now.store(minute, Ordering::Relaxed);
    }

    #[inline]
    fn start(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & self.mask
    }

    #[inline]
    fn slot(&self, start: usize, i: usize) -> &Slot {
        &self.slots[(start + i) & self.mask]
    }

    /// The entry of (`bd_index`, `mac`), if there is one.
    #[inline]
    pub fn lookup(&self, bd_index: u16, mac: &EthernetAddress) -> Option<Entry> {
        self.lookup_key(key(bd_index, mac))
    }

    /// [`lookup`](Self::lookup) by key.
    #[inline]
    pub fn lookup_key(&self, k: u64) -> Option<Entry> {
        let s = self.start(k);
        for i in 0..WINDOW {
            let slot = self.slot(s, i);
            if slot.key.load(Ordering::Acquire) == k {
                let v = slot.val.load(Ordering::Acquire);
                if slot.key.load(Ordering::Acquire) != k {
                    return None;
                }
                return Entry::unpack(v);
            }
        }
        None
    }

    /// Learns `mac` in domain `bd_index` behind `sw_if_index` (whose
    /// sequence number is `isn`), the domain learning at most `limit`
    /// entries. See [`Learn`] for the outcomes.
    #[inline]
    pub fn learn(
        &self,
        bd_index: u16,
        mac: &EthernetAddress,
        sw_if_index: u32,
        isn: u8,
        limit: u32,
    ) -> Learn {
        let k = key(bd_index, mac);
        let now = self.now();
        let s = self.start(k);
        let mut free = None;
        for i in 0..WINDOW {
            let slot = self.slot(s, i);
            let sk = slot.key.load(Ordering::Acquire);
            if sk == k {
                let v = slot.val.load(Ordering::Acquire);
                let Some(e) = Entry::unpack(v) else {
                    return Learn::Busy;
                };
                return self.update(slot, v, e, sw_if_index, isn, now);
            }
            if sk == 0 && free.is_none() {
                free = Some(i);
            }
        }
        self.learn_new(bd_index, k, s, free, sw_if_index, isn, now, limit)
    }

    #[cold]
    fn update(&self, slot: &Slot, v: u64, e: Entry, sw_if_index: u32, isn: u8, now: u8) -> Learn {
        if e.is_known(sw_if_index, isn, now) {
            return Learn::Known;
        }
        if e.sw_if_index == sw_if_index {
            let nv = Entry {
                stamp: now,
                isn,
                ..e
            }
            .raw();
            return match slot
                .val
                .compare_exchange(v, nv, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => Learn::Refreshed,
                Err(_) => Learn::Busy,
            };
        }
        if e.is_static {
            return Learn::StaticMove;
        }
        let nv = Entry::learned(sw_if_index, isn, now).raw();
        if slot
            .val
            .compare_exchange(v, nv, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return Learn::Busy;
        }
        if e.age_not {
            // A provisioned entry that moves becomes learned (VPP).
            let (bd, _) = unkey(slot.key.load(Ordering::Relaxed));
            self.count_in(bd);
        }
        Learn::Moved
    }

    #[cold]
    #[allow(clippy::too_many_arguments)]
    fn learn_new(
        &self,
        bd_index: u16,
        k: u64,
        s: usize,
        free: Option<usize>,
        sw_if_index: u32,
        isn: u8,
        now: u8,
        limit: u32,
    ) -> Learn {
        let Some(i) = free else {
            return Learn::Full;
        };
        let Some(count) = self.learned.get(bd_index as usize) else {
            return Learn::Limit;
        };
        if count.load(Ordering::Relaxed) >= limit
            || self.global_learned.load(Ordering::Relaxed) >= self.global_limit
        {
            return Learn::Limit;
        }
        let slot = self.slot(s, i);
        if slot
            .key
            .compare_exchange(0, k, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return Learn::Busy;
        }
        slot.val.store(
            Entry::learned(sw_if_index, isn, now).raw(),
            Ordering::Release,
        );
        self.count_in(bd_index);
        Learn::Learned
    }

    fn count_in(&self, bd_index: u16) {
        if let Some(c) = self.learned.get(bd_index as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.global_learned.fetch_add(1, Ordering::Relaxed);
    }

    fn count_out(&self, bd_index: u16) {
        if let Some(c) = self.learned.get(bd_index as usize) {
            c.fetch_sub(1, Ordering::Relaxed);
        }
        self.global_learned.fetch_sub(1, Ordering::Relaxed);
    }

    /// Adds or replaces the entry of (`bd_index`, `mac`) (control plane:
    /// `l2fib add`, the BVI's MAC). `e.stamp` is set to now.
    pub fn add(&self, bd_index: u16, mac: &EthernetAddress, e: Entry) -> Result<(), AddError> {
        let k = key(bd_index, mac);
        let s = self.start(k);
        let e = Entry {
            stamp: self.now(),
            ..e
        };
        'retry: loop {
            let mut free = None;
            for i in 0..WINDOW {
                let slot = self.slot(s, i);
                let sk = slot.key.load(Ordering::Acquire);
                if sk == k {
                    let v = slot.val.load(Ordering::Acquire);
                    let Some(old) = Entry::unpack(v) else {
                        // A worker is writing it: its value follows.
                        std::hint::spin_loop();
                        continue 'retry;
                    };
                    if slot
                        .val
                        .compare_exchange(v, e.raw(), Ordering::AcqRel, Ordering::Relaxed)
                        .is_err()
                    {
                        continue 'retry;
                    }
                    match (old.is_learned(), e.is_learned()) {
                        (true, false) => self.count_out(bd_index),
                        (false, true) => self.count_in(bd_index),
                        _ => {}
                    }
                    return Ok(());
                }
                if sk == 0 && free.is_none() {
                    free = Some(i);
                }
            }
            let Some(i) = free else {
                return Err(AddError::Full);
            };
            let slot = self.slot(s, i);
            if slot
                .key
                .compare_exchange(0, k, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                slot.val.store(e.raw(), Ordering::Release);
                if e.is_learned() {
                    self.count_in(bd_index);
                }
                return Ok(());
            }
        }
    }

    /// Removes the entry of (`bd_index`, `mac`); false if there is none.
    pub fn remove(&self, bd_index: u16, mac: &EthernetAddress) -> bool {
        let k = key(bd_index, mac);
        let s = self.start(k);
        (0..WINDOW).any(|i| self.remove_slot(self.slot(s, i), k))
    }

    /// Frees `slot` if it holds key `k` with a valid value.
    fn remove_slot(&self, slot: &Slot, k: u64) -> bool {
        loop {
            if slot.key.load(Ordering::Acquire) != k {
                return false;
            }
            let v = slot.val.load(Ordering::Acquire);
            let Some(e) = Entry::unpack(v) else {
                return false;
            };
            if slot
                .val
                .compare_exchange(v, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                slot.key.store(0, Ordering::Release);
                if e.is_learned() {
                    self.count_out((k >> 48) as u16);
                }
                return true;
            }
        }
    }

    /// Every slot holding a valid entry: (index, slot, key, stored value,
    /// entry). Slots being written or freed are skipped.
    fn occupied(&self) -> impl Iterator<Item = (usize, &Slot, u64, u64, Entry)> {
        self.slots.iter().enumerate().filter_map(|(idx, slot)| {
            let k = slot.key.load(Ordering::Acquire);
            if k == 0 {
                return None;
            }
            let v = slot.val.load(Ordering::Acquire);
            Some((idx, slot, k, v, Entry::unpack(v)?))
        })
    }

    /// Removes every entry for which `drop(bd_index, mac, entry)` is true;
    /// returns how many.
    pub fn remove_if(&self, mut drop: impl FnMut(u16, EthernetAddress, &Entry) -> bool) -> u32 {
        let mut n = 0;
        for (_, slot, k, _, e) in self.occupied() {
            let (bd, mac) = unkey(k);
            if drop(bd, mac, &e) && self.remove_slot(slot, k) {
                n += 1;
            }
        }
        n
    }

    /// The ager: removes learned entries older than their domain's
    /// `mac_age(bd_index)` minutes (0: never), entries for which
    /// `stale(bd_index, &entry)` is true, and duplicates.
    pub fn scan(
        &self,
        mut mac_age: impl FnMut(u16) -> u8,
        mut stale: impl FnMut(u16, &Entry) -> bool,
    ) -> ScanStats {
        let now = self.now();
        let mut stats = ScanStats::default();
        for (idx, slot, k, _, e) in self.occupied() {
            let (bd, _) = unkey(k);
            let age = mac_age(bd);
            let aged = e.is_learned() && age != 0 && now.wrapping_sub(e.stamp) >= age;
            let dup = self.first_index(k) != Some(idx);
            let is_stale = dup || stale(bd, &e);
            if (aged || is_stale) && self.remove_slot(slot, k) {
                if aged {
                    stats.aged += 1;
                } else {
                    stats.stale += 1;
                }
            }
        }
        stats
    }

    fn first_index(&self, k: u64) -> Option<usize> {
        let s = self.start(k);
        (0..WINDOW)
            .map(|i| (s + i) & self.mask)
            .find(|&i| self.slots[i].key.load(Ordering::Acquire) == k)
    }

    /// Re-stamps every learned entry of `bd_index` with the current minute
    /// (ageing was just turned on: an entry's age counts from now).
    pub fn restamp(&self, bd_index: u16) {
        let now = self.now();
        for (_, slot, k, v, e) in self.occupied() {
            if unkey(k).0 == bd_index && e.is_learned() {
                let nv = Entry { stamp: now, ..e }.raw();
                let _ = slot
                    .val
                    .compare_exchange(v, nv, Ordering::AcqRel, Ordering::Relaxed);
            }
        }
    }

    /// Every entry, in slot order: (bd_index, MAC, entry).
    pub fn entries(&self) -> Vec<(u16, EthernetAddress, Entry)> {
        self.occupied()
            .map(|(_, _, k, _, e)| {
                let (bd, mac) = unkey(k);
                (bd, mac, e)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(n: u32) -> EthernetAddress {
        let b = n.to_be_bytes();
        EthernetAddress([0x02, 0x00, b[0], b[1], b[2], b[3]])
    }

    #[test]
    fn keys_round_trip() {
        let m = EthernetAddress([0x0a, 0x5c, 0xeb, 0x93, 0xc1, 0x51]);
        let k = key(7, &m);
        assert_eq!(k, 0x0007_0a5c_eb93_c151);
        assert_eq!(unkey(k), (7, m));
        let e = Entry {
            sw_if_index: 0xdead_beef,
            isn: 3,
            stamp: 250,
            is_static: true,
            bvi: true,
            age_not: true,
        };
        assert_eq!(Entry::unpack(e.raw()), Some(e));
        assert_eq!(Entry::unpack(0), None);
    }

    #[test]
    fn learn_refresh_move() {
        let f = L2Fib::new(64, 100);
        assert_eq!(f.learn(1, &mac(1), 5, 1, 10), Learn::Learned);
        assert_eq!(f.learn(1, &mac(1), 5, 1, 10), Learn::Known);
        assert_eq!(f.learned(1), 1);
        // Another domain is another entry.
        assert_eq!(f.learn(2, &mac(1), 6, 1, 10), Learn::Learned);
        assert_eq!(f.lookup(2, &mac(1)).unwrap().sw_if_index, 6);
        // A new minute refreshes once.
        f.set_now(3);
        assert_eq!(f.learn(1, &mac(1), 5, 1, 10), Learn::Refreshed);
        assert_eq!(f.learn(1, &mac(1), 5, 1, 10), Learn::Known);
        assert_eq!(f.lookup(1, &mac(1)).unwrap().stamp, 3);
        // A move.
        assert_eq!(f.learn(1, &mac(1), 7, 2, 10), Learn::Moved);
        let e = f.lookup(1, &mac(1)).unwrap();
        assert_eq!((e.sw_if_index, e.isn), (7, 2));
        assert_eq!((f.learned(1), f.learned(2), f.global_learned()), (1, 1, 2));
    }

    #[test]
    fn static_entries_never_move_or_age() {
        let f = L2Fib::new(64, 100);
        let st = Entry {
            sw_if_index: 4,
            isn: 1,
            stamp: 0,
            is_static: true,
            bvi: false,
            age_not: true,
        };
        f.add(1, &mac(9), st).unwrap();
        assert_eq!(f.learned(1), 0);
        assert_eq!(f.learn(1, &mac(9), 5, 1, 10), Learn::StaticMove);
        assert_eq!(f.learn(1, &mac(9), 4, 1, 10), Learn::Known);
        f.set_now(200);
        let s = f.scan(|_| 1, |_, _| false);
        assert_eq!(s, ScanStats::default());
        assert_eq!(f.lookup(1, &mac(9)).unwrap().sw_if_index, 4);
        // A provisioned (not static) entry moves, and is learned then.
        let prov = Entry {
            is_static: false,
            ..st
        };
        f.add(1, &mac(8), prov).unwrap();
        assert_eq!(f.learn(1, &mac(8), 5, 1, 10), Learn::Moved);
        assert!(f.lookup(1, &mac(8)).unwrap().is_learned());
        assert_eq!(f.learned(1), 1);
    }

    #[test]
    fn ageing_and_stale_entries() {
        let f = L2Fib::new(64, 100);
        f.set_now(10);
        f.learn(1, &mac(1), 5, 1, 10);
        f.learn(1, &mac(2), 5, 1, 10);
        f.learn(2, &mac(3), 6, 1, 10);
        f.set_now(11);
        f.learn(1, &mac(2), 5, 1, 10); // refreshed at 11
        f.set_now(12);
        // Domain 1 ages at 2 minutes, domain 2 never.
        let age = |bd| if bd == 1 { 2 } else { 0 };
        let s = f.scan(age, |_, _| false);
        assert_eq!(s, ScanStats { aged: 1, stale: 0 });
        assert!(f.lookup(1, &mac(1)).is_none());
        assert!(f.lookup(1, &mac(2)).is_some());
        assert_eq!(f.learned(1), 1);
        // The stamp wraps as VPP's u8 minutes do.
        f.set_now(1);
        assert_eq!(f.scan(age, |_, _| false).aged, 1);
        assert!(f.lookup(2, &mac(3)).is_some());
        // Stale: interface 6 left domain 2.
        let s = f.scan(age, |bd, e| bd == 2 && e.sw_if_index == 6);
        assert_eq!(s, ScanStats { aged: 0, stale: 1 });
        assert_eq!(f.global_learned(), 0);
        assert!(f.entries().is_empty());
    }

    #[test]
    fn limits_and_full_windows() {
        let f = L2Fib::new(1 << 12, 50);
        for n in 0..10 {
            assert_eq!(f.learn(1, &mac(n), 5, 1, 10), Learn::Learned);
        }
        assert_eq!(f.learn(1, &mac(10), 5, 1, 10), Learn::Limit);
        assert_eq!(f.learned(1), 10);
        // The global limit binds across domains.
        let mut refused = 0;
        for n in 0..100 {
            if f.learn(2, &mac(n), 5, 1, 1000) == Learn::Limit {
                refused += 1;
            }
        }
        assert_eq!(f.global_learned(), 50);
        assert_eq!(refused, 60);
        // A table of one window fills after WINDOW entries.
        let tiny = L2Fib::new(WINDOW, 1000);
        let outcomes: Vec<_> = (0..WINDOW as u32 + 1)
            .map(|n| tiny.learn(1, &mac(n), 5, 1, 1000))
            .collect();
        assert!(outcomes[..WINDOW].iter().all(|&o| o == Learn::Learned));
        assert_eq!(outcomes[WINDOW], Learn::Full);
        let st = Entry {
            sw_if_index: 1,
            isn: 0,
            stamp: 0,
            is_static: true,
            bvi: false,
            age_not: true,
        };
        assert_eq!(tiny.add(1, &mac(99), st), Err(AddError::Full));
    }

    #[test]
    fn remove_and_remove_if() {
        let f = L2Fib::new(64, 100);
        for n in 0..6 {
            f.learn(1, &mac(n), 5 + n % 2, 1, 100);
        }
        assert!(f.remove(1, &mac(0)));
        assert!(!f.remove(1, &mac(0)));
        assert_eq!(f.learned(1), 5);
        assert_eq!(f.remove_if(|_, _, e| e.sw_if_index == 6), 3);
        assert_eq!(f.entries().len(), 2);
        assert_eq!(f.global_learned(), 2);
        // A freed slot is reused.
        assert_eq!(f.learn(1, &mac(0), 5, 1, 100), Learn::Learned);
    }

    #[test]
    fn duplicates_are_removed_by_the_scan() {
        let f = L2Fib::new(WINDOW, 100);
        f.learn(1, &mac(1), 5, 1, 100);
        f.learn(1, &mac(2), 5, 1, 100);
        // Make a duplicate of mac(2) in front of it, as a race could.
        let k = key(1, &mac(1));
        let s = f.start(k);
        let first = (0..WINDOW)
            .find(|&i| f.slot(s, i).key.load(Ordering::Relaxed) == k)
            .unwrap();
        let k2 = key(1, &mac(2));
        let v2 = f
            .slots
            .iter()
            .find(|sl| sl.key.load(Ordering::Relaxed) == k2)
            .unwrap()
            .val
            .load(Ordering::Relaxed);
        // Free mac(1)'s slot and put a copy of mac(2) there.
        assert!(f.remove(1, &mac(1)));
        let slot = f.slot(s, first);
        slot.key.store(k2, Ordering::Relaxed);
        slot.val.store(v2, Ordering::Relaxed);
        f.count_in(1);
        assert_eq!(f.entries().len(), 2);
        assert_eq!(f.scan(|_| 0, |_, _| false).stale, 1);
        assert_eq!(f.entries().len(), 1);
        assert_eq!(f.learned(1), 1);
    }

    #[test]
    fn workers_learning_at_once_agree() {
        let f = std::sync::Arc::new(L2Fib::new(1 << 14, 1 << 20));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let f = f.clone();
                std::thread::spawn(move || {
                    for round in 0..50 {
                        for n in 0..500 {
                            // Every thread learns the same MACs, moving
                            // them between interfaces.
                            f.learn(1, &mac(n), 10 + (t + round) % 3, 1, 1 << 20);
                            let _ = f.lookup(1, &mac(n));
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let _ = f.scan(|_| 0, |_, _| false);
        let entries = f.entries();
        assert_eq!(entries.len(), 500);
        assert_eq!(f.learned(1), 500);
        assert_eq!(f.global_learned(), 500);
    }
}
