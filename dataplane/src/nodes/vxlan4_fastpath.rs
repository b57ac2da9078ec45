//! `vxlan4-fastpath`: the koko path (VXLAN in, L2 cross-connect, VXLAN
//! out) in one pass over each packet.
//!
//! The node path for a cross-connected VXLAN packet is seven nodes
//! (ethernet-input, ip4-input, vxlan4-input, l2-input, l2-output,
//! vxlan4-encap, interface-output), and each reads the buffer again, looks
//! its interface or tunnel up again and pays the per-node loop. This node
//! sits between the input nodes and ethernet-input and takes only packets
//! for which the node path's outcome is already known: a well-formed
//! VXLAN packet to weft's own address on an L3 uplink that is up, for a
//! tunnel cross-connected to another VXLAN tunnel that is up, whose next
//! hop is resolved and whose MTU the inner frame fits. For those it does
//! every check the node path does, then replaces the 50-byte outer header
//! in place with the egress tunnel's and sends the packet to
//! interface-output. It leaves the buffer, its metadata and every counter
//! exactly as the node path would (the `fastpath_equals_node_path` tests
//! compare the two on valid and malformed input), and counts
//! `good packets decapsulated`, `L2 input packets`, `L2 output packets` and
//! `good packets encapsulated` under the nodes that own them, so
//! `show errors` reads the same either way.
//!
//! A tunnel in a bridge domain is taken the same way for known unicast:
//! per run of packets with one inner MAC pair it checks what l2-learn,
//! l2-fwd and l2-output would do (the source known on this tunnel and
//! stamped this minute, so learning has nothing to write; the
//! destination known, current, behind another tunnel that is up, resolved
//! and not in the source's split-horizon group), then counts `L2 learn
//! packets`, `L2 forward packets` and `L2 forward hits` too. Learning,
//! flooding, the BVI and every drop stay on the node path.
//!
//! Everything else goes on to ethernet-input untouched: ARP, ICMP, IP
//! options, fragments, multicast, unknown tunnels, malformed headers, a
//! tunnel xconnected to a device, an unresolved next hop. A traced packet
//! takes the path an untraced one would: when this node takes it, it
//! writes one record of its own (`vxlan4-fastpath: VXLAN decap from
//! vxlan_tunnel0 vni 11, l2 xconnect, VXLAN encap to vxlan_tunnel1 vni
//! 12, ...`), so `show trace` shows what weft did; `show runtime` shows
//! the packets this node took under `vxlan4-fastpath`. `set vxlan
//! fastpath disable` turns it off (and traces then show VPP's nodes).

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, Vector};
use crate::pool::flags as buf_flags;
use crate::stats::{IfCounter, IfCounters};
use crate::tables::{
    BridgeDomain, L2Mode, Output, Tables, VXLAN4_REWRITE_LEN, Vxlan4Encap, Vxlan4Key,
};
use crate::wire::{EthernetAddress, checksum, vxlan};
use std::net::Ipv4Addr;

use super::vxlan4_encap::{flow_hash, write_outer};
use super::{l2_fwd, l2_input, l2_learn, l2_output, vxlan4_encap, vxlan4_input};

/// The record of a packet the fast path took: what the nodes it stands
/// in for did, in one line.
#[cold]
#[inline(never)]
fn trace(
    tracer: &mut crate::trace::Tracer,
    tables: &Tables,
    meta: &crate::pool::BufMeta,
    pl: &Plan<'_>,
    bridged: bool,
) {
    let vni = |sw_if_index: u32| {
        tables
            .tunnels
            .iter()
            .flatten()
            .find(|t| t.sw_if_index == sw_if_index)
            .map_or((0, 0), |t| (t.instance, t.vni))
    };
    let ((i_rx, v_rx), (i_tx, v_tx)) = (vni(pl.rx_tunnel), vni(pl.tx_tunnel));
    let how = if bridged { "l2 bridge" } else { "l2 xconnect" };
    let text = format!(
        "VXLAN decap from vxlan_tunnel{i_rx} vni {v_rx}, {how}, VXLAN encap to vxlan_tunnel{i_tx} vni {v_tx}, tx sw_if_index {} len {} flow hash 0x{:08x}",
        meta.tx_if, meta.len, meta.flow_hash
    );
    tracer.add(meta, "vxlan4-fastpath", text);
}

crate::next_nodes! {
    /// Next nodes of vxlan4-fastpath.
    pub enum Next {
        /// Everything the fast path does not take: the node path.
        EthernetInput = "ethernet-input",
        /// Re-encapsulated packets.
        InterfaceOutput = "interface-output",
    }
}

/// The vxlan4-fastpath node.
#[derive(Debug)]
pub struct Vxlan4Fastpath {
    /// Graph indices of the nodes whose counters this node keeps true.
    vxlan4_input: usize,
    l2_input: usize,
    l2_learn: usize,
    l2_fwd: usize,
    l2_output: usize,
    vxlan4_encap: usize,
}

impl Default for Vxlan4Fastpath {
    fn default() -> Self {
        Vxlan4Fastpath {
            vxlan4_input: usize::MAX,
            l2_input: usize::MAX,
            l2_learn: usize::MAX,
            l2_fwd: usize::MAX,
            l2_output: usize::MAX,
            vxlan4_encap: usize::MAX,
        }
    }
}

static INFO: NodeInfo = NodeInfo {
    name: "vxlan4-fastpath",
    kind: NodeKind::Internal,
    next_nodes: Next::NAMES,
    counters: &[],
};

/// Bytes of a frame the fast path reads: outer Ethernet (14), IPv4 (20),
/// UDP (8), VXLAN (8) and the inner Ethernet header (14).
const MIN_FRAME: usize = VXLAN4_REWRITE_LEN + 14;

/// Where the node path sends a packet taken by the fast path: the
/// receiving tunnel, the egress tunnel and its rewrite.
#[derive(Clone, Copy, Debug)]
struct Plan<'t> {
    /// The receiving tunnel's sw_if_index.
    rx_tunnel: u32,
    /// The egress tunnel's sw_if_index.
    tx_tunnel: u32,
    /// The egress tunnel's rewrite.
    encap: &'t Vxlan4Encap,
}

/// A receiving tunnel in a bridge domain: where a packet goes depends on
/// its inner MACs, looked up per run of packets with the same pair.
#[derive(Clone, Copy, Debug)]
struct Bridged<'t> {
    /// The receiving tunnel's sw_if_index.
    rx_tunnel: u32,
    /// Its domain (index), sequence number and split-horizon group.
    bd_index: u16,
    isn: u8,
    shg: u8,
    /// The domain.
    bd: &'t BridgeDomain,
}

/// The outcome of the node path for one decap key, resolved once per run
/// of packets with that key.
#[derive(Clone, Copy, Debug)]
enum Decap<'t> {
    /// Cross-connected to a tunnel.
    Xconnect(Plan<'t>),
    /// Bridged: known unicast to a tunnel may be taken.
    Bridged(Bridged<'t>),
}

/// What the node path does with a valid VXLAN packet with this key: the
/// plan if it ends re-encapsulated on a tunnel (or, bridged, may), `None`
/// for any other end (dropped, held, to a device, punted), which the node
/// path then handles.
fn resolve<'t>(tables: &'t Tables, key: &Vxlan4Key) -> Option<Decap<'t>> {
    // ip4-input: for one of weft's addresses, on a VXLAN port.
    if !tables.local4.contains_key(&key.local) || !tables.vxlan4_ports.contains(&key.port) {
        return None;
    }
    // vxlan4-input: a tunnel for the key.
    let rx = tables.tunnel(*tables.vxlan4.get(key)?)?;
    // l2-input: the tunnel is cross-connected or bridged.
    let peer = match tables.interface(rx.sw_if_index)?.l2 {
        L2Mode::Xconnect { peer } => peer,
        L2Mode::Bridge { bd, shg, isn, .. } => {
            return Some(Decap::Bridged(Bridged {
                rx_tunnel: rx.sw_if_index,
                bd_index: bd,
                isn,
                shg,
                bd: tables.l2.bd(bd)?,
            }));
        }
        L2Mode::L3 => return None,
    };
    Some(Decap::Xconnect(egress(tables, rx.sw_if_index, peer)?))
}

/// l2-output and vxlan4-encap: the plan when `tx` is a VXLAN tunnel that
/// is up with a resolved next hop.
fn egress<'t>(tables: &'t Tables, rx_tunnel: u32, tx: u32) -> Option<Plan<'t>> {
    let out = tables.interface(tx)?;
    let Output::Vxlan4 { tunnel } = out.output else {
        return None;
    };
    if !out.up {
        return None;
    }
    let encap = tables.tunnel(tunnel)?.encap.as_ref()?;
    Some(Plan {
        rx_tunnel,
        tx_tunnel: tx,
        encap,
    })
}

/// What l2-learn, l2-fwd and l2-output do with a bridged frame from `src`
/// to `dst`: the plan when learning has nothing to write (the source is
/// known on this tunnel, stamped this minute) and the destination is
/// known unicast behind another tunnel the frame may go to; `None`
/// otherwise (learning, flooding, the BVI, drops: the node path).
#[cold]
#[inline(never)]
fn resolve_bridged<'t>(
    tables: &'t Tables,
    br: &Bridged<'t>,
    dst: &EthernetAddress,
    src: &EthernetAddress,
) -> Option<Plan<'t>> {
    let fib = &tables.l2.fib;
    if dst.0[0] & 1 != 0 || !br.bd.forward {
        return None;
    }
    if br.bd.learn {
        if src.0[0] & 1 != 0 || src.0 == [0; 6] {
            return None;
        }
        let e = fib.lookup(br.bd_index, src)?;
        if !e.is_known(br.rx_tunnel, br.isn, fib.now()) {
            return None;
        }
    }
    let e = fib.lookup(br.bd_index, dst)?;
    if e.sw_if_index == br.rx_tunnel {
        return None;
    }
    // l2-fwd's check that the entry is current (and not the BVI), and
    // l2-output's split horizon.
    if l2_fwd::current(tables, br.bd_index, &e) != Some(false) {
        return None;
    }
    if let L2Mode::Bridge { shg, .. } = tables.interface(e.sw_if_index)?.l2
        && l2_output::same_group(shg, br.shg)
    {
        return None;
    }
    egress(tables, br.rx_tunnel, e.sw_if_index)
}

/// The inner destination and source MACs of a frame, as two words.
#[inline]
fn inner_macs(h: &[u8; MIN_FRAME]) -> (u64, u32) {
    let m = &h[VXLAN4_REWRITE_LEN..VXLAN4_REWRITE_LEN + 12];
    (
        u64::from_ne_bytes([m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]]),
        u32::from_ne_bytes([m[8], m[9], m[10], m[11]]),
    )
}

/// The decap key of a frame's outer headers, raw: the IPv4 source and
/// destination, the UDP destination port and the second VXLAN word.
#[derive(Clone, Copy, Debug)]
struct RawKey {
    addrs: u64,
    port: u16,
    vni_word: u32,
}

impl RawKey {
    #[inline]
    fn of(h: &[u8; MIN_FRAME]) -> RawKey {
        RawKey {
            addrs: u64::from_ne_bytes([h[26], h[27], h[28], h[29], h[30], h[31], h[32], h[33]]),
            port: u16::from_ne_bytes([h[36], h[37]]),
            vni_word: u32::from_ne_bytes([h[46], h[47], h[48], h[49]]),
        }
    }

    /// Equality in one test, with no branch per field.
    #[inline]
    fn same(&self, o: &RawKey) -> bool {
        (self.addrs ^ o.addrs)
            | u64::from(self.port ^ o.port)
            | u64::from(self.vni_word ^ o.vni_word)
            == 0
    }

    /// The slot of [`Run::slots`] this key is kept in: the key's words
    /// folded together, so that tunnels differing only in VNI, or only in
    /// remote, land in different slots.
    #[inline]
    fn slot(&self) -> usize {
        let x =
            self.addrs as u32 ^ (self.addrs >> 32) as u32 ^ self.vni_word ^ u32::from(self.port);
        let x = x ^ (x >> 16);
        (x ^ (x >> 8)) as usize % PLAN_SLOTS
    }

    /// The key vxlan4-input would look up.
    fn key(&self) -> Vxlan4Key {
        let a = self.addrs.to_ne_bytes();
        Vxlan4Key {
            remote: Ipv4Addr::new(a[0], a[1], a[2], a[3]),
            local: Ipv4Addr::new(a[4], a[5], a[6], a[7]),
            port: u16::from_be(self.port),
            vni_word: u32::from_be(self.vni_word),
        }
    }
}

/// The node path's checks of ethernet-input (after the interface, whose
/// MAC is `mac`), ip4-input, the VXLAN bypass and vxlan4-input, for a frame
/// of `len` bytes that starts with `h`: the IPv4 total length if all pass
/// with no counter but the good ones, else `None`.
#[inline]
fn outer_ok(h: &[u8; MIN_FRAME], len: usize, mac: u64) -> Option<usize> {
    // Ethernet: unicast to the interface, IPv4.
    let dst = u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], 0, 0]);
    if dst != mac || u16::from_be_bytes([h[12], h[13]]) != 0x0800 {
        return None;
    }
    // IPv4: version 4 without options, not a fragment, TTL, UDP.
    let ip: &[u8; 20] = h[14..34].try_into().ok()?;
    // Flags and fragment offset (but DF), TTL, protocol in one word.
    let w = u32::from_be_bytes([ip[6], ip[7], ip[8], ip[9]]);
    if ip[0] != 0x45 || w & 0x3fff_00ff != 17 || w & 0xff00 == 0 {
        return None;
    }
    // Room for UDP, VXLAN and an inner Ethernet header inside the total
    // length, and the total length inside the frame.
    let total = u16::from_be_bytes([ip[2], ip[3]]) as usize;
    if total < MIN_FRAME - 14 || total > len - 14 {
        return None;
    }
    if !checksum::header20_ok(ip) {
        return None;
    }
    // UDP length = IPv4 payload (the bypass); VXLAN flags exactly 0x08.
    if u16::from_be_bytes([h[38], h[39]]) as usize != total - 20 || h[42] != vxlan::FLAG_I {
        return None;
    }
    Some(total)
}

/// The MAC as [`outer_ok`] compares it.
fn mac_word(mac: &[u8; 6]) -> u64 {
    u64::from_le_bytes([mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0, 0])
}

/// A MAC pair no frame has (a group source), resolved to nothing.
const NO_MACS: (u64, u32) = (u64::MAX, u32::MAX);

/// Decap keys a vector remembers ([`Run::slots`]).
const PLAN_SLOTS: usize = 16;

/// A key no packet the fast path looks up has (its VNI word has the
/// reserved byte set, which no tunnel's key has), with no plan: what every
/// slot starts with. A packet that did carry it would find no plan and
/// take the node path, which is right for it.
const NO_KEY: RawKey = RawKey {
    addrs: 0,
    port: 0,
    vni_word: u32::MAX,
};

/// A decap key seen in this vector, its plan, and the packets and inner
/// bytes the fast path took with it, not yet added to the tunnels'
/// counters.
#[derive(Clone, Copy)]
struct Slot<'t> {
    key: RawKey,
    plan: Option<Decap<'t>>,
    n: u64,
    bytes: u64,
}

impl Slot<'_> {
    const EMPTY: Slot<'static> = Slot {
        key: NO_KEY,
        plan: None,
        n: 0,
        bytes: 0,
    };

    /// Adds the counts: rx on the receiving tunnel, tx on the egress one
    /// (a bridged key's packets are counted per MAC pair instead).
    fn flush(&mut self, ifc: &IfCounters) {
        if let (Some(Decap::Xconnect(pl)), 1..) = (&self.plan, self.n) {
            ifc.add_combined(pl.rx_tunnel, IfCounter::RxPackets, self.n, self.bytes);
            ifc.add_combined(pl.tx_tunnel, IfCounter::TxPackets, self.n, self.bytes);
        }
        (self.n, self.bytes) = (0, 0);
    }
}

/// What each packet is compared with: the last packet's receive interface
/// and decap key and what they resolved to, and the counts of the run of
/// packets taken with them (kept in registers; moved into the key's slot
/// when the key changes, and to the interface counters at the end of the
/// vector).
struct Run<'t> {
    rx_if: u32,
    /// The receive interface's MAC when it is up and in L3 mode, else a
    /// value no frame matches (bit 63 set).
    mac: u64,
    /// Packets taken since the receive interface last changed (its ip4
    /// counter).
    ip4: u64,
    key: RawKey,
    plan: Option<Decap<'t>>,
    /// For a bridged key: the last inner MAC pair and what it resolved
    /// to, and the packets and bytes taken with it (counted on the
    /// tunnels when the pair or the key changes).
    macs: (u64, u32),
    bridged: Option<Plan<'t>>,
    br_n: u64,
    br_bytes: u64,
    /// Bridged packets taken in this vector (l2-fwd's counters), and those
    /// of domains that learn (l2-learn's).
    fwd: u64,
    learn: u64,
    /// The slot of `key`.
    cur: usize,
    /// Packets and inner bytes taken in this run.
    n: u64,
    bytes: u64,
    /// Packets taken in this vector.
    taken: u64,
    /// Keys seen in this vector, direct-mapped by [`RawKey::slot`]: when
    /// the tunnels of a vector's packets take turns, each key is resolved
    /// once per vector, not once per packet, and its tunnels' counters are
    /// added to once. Kept for one vector only, so a plan never outlives
    /// its snapshot.
    slots: [Slot<'t>; PLAN_SLOTS],
}

impl<'t> Run<'t> {
    /// Ends the current run of a MAC pair: its counts go to its tunnels.
    #[inline]
    fn end_pair(&mut self, ifc: &IfCounters) {
        if let (Some(pl), 1..) = (&self.bridged, self.br_n) {
            ifc.add_combined(pl.rx_tunnel, IfCounter::RxPackets, self.br_n, self.br_bytes);
            ifc.add_combined(pl.tx_tunnel, IfCounter::TxPackets, self.br_n, self.br_bytes);
        }
        (self.br_n, self.br_bytes) = (0, 0);
    }

    #[cold]
    #[inline(never)]
    fn switch_macs(
        &mut self,
        h: &[u8; MIN_FRAME],
        br: &Bridged<'t>,
        tables: &'t Tables,
        ifc: &IfCounters,
    ) {
        self.end_pair(ifc);
        self.macs = inner_macs(h);
        let m = &h[VXLAN4_REWRITE_LEN..];
        let dst = EthernetAddress::from_bytes(&m[0..6]);
        let src = EthernetAddress::from_bytes(&m[6..12]);
        self.bridged = resolve_bridged(tables, br, &dst, &src);
    }

    /// Ends the current run: its counts go to its key's slot.
    #[inline]
    fn end_run(&mut self) {
        let slot = &mut self.slots[self.cur];
        slot.n += self.n;
        slot.bytes += self.bytes;
        self.ip4 += self.n;
        self.taken += self.n;
        (self.n, self.bytes) = (0, 0);
    }

    /// Adds the ip4 count of the receive interface.
    fn flush_ip4(&mut self, ifc: &IfCounters) {
        if self.ip4 != 0 {
            ifc.add(self.rx_if, IfCounter::Ip4, self.ip4);
            self.ip4 = 0;
        }
    }

    /// Adds every count: the end of the vector.
    fn flush(&mut self, ifc: &IfCounters) {
        self.end_run();
        self.end_pair(ifc);
        self.flush_ip4(ifc);
        for slot in &mut self.slots {
            slot.flush(ifc);
        }
    }

    #[cold]
    #[inline(never)]
    fn switch_rx(&mut self, rx_if: u32, tables: &'t Tables, ifc: &IfCounters) {
        self.end_run();
        self.flush_ip4(ifc);
        self.rx_if = rx_if;
        self.mac = tables
            .interface(rx_if)
            .filter(|i| i.up && i.l2 == L2Mode::L3)
            .map_or(u64::MAX, |i| mac_word(&i.mac.0));
    }

    #[cold]
    #[inline(never)]
    fn switch_key(&mut self, h: &[u8; MIN_FRAME], tables: &'t Tables, ifc: &IfCounters) {
        self.end_run();
        // Read again from the frame rather than passed in, so that the
        // packet loop need not keep the key in memory for this call.
        let key = RawKey::of(h);
        self.cur = key.slot();
        let slot = &mut self.slots[self.cur];
        if !slot.key.same(&key) {
            slot.flush(ifc);
            *slot = Slot {
                key,
                plan: resolve(tables, &key.key()),
                n: 0,
                bytes: 0,
            };
        }
        self.key = key;
        self.plan = slot.plan;
        // A new key: no MAC pair resolved for it yet.
        self.end_pair(ifc);
        self.macs = NO_MACS;
        self.bridged = None;
    }
}

impl Node for Vxlan4Fastpath {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn bind(&mut self, names: &[&'static str]) {
        let index = |name| names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
        self.vxlan4_input = index("vxlan4-input");
        self.l2_input = index("l2-input");
        self.l2_learn = index("l2-learn");
        self.l2_fwd = index("l2-fwd");
        self.l2_output = index("l2-output");
        self.vxlan4_encap = index("vxlan4-encap");
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let (pool, tables, ifc) = (ctx.pool, ctx.tables, ctx.ifc);
        let mut run = Run {
            rx_if: u32::MAX,
            mac: u64::MAX,
            ip4: 0,
            key: NO_KEY,
            plan: None,
            macs: NO_MACS,
            bridged: None,
            br_n: 0,
            br_bytes: 0,
            fwd: 0,
            learn: 0,
            cur: NO_KEY.slot(),
            n: 0,
            bytes: 0,
            taken: 0,
            slots: [Slot::EMPTY; PLAN_SLOTS],
        };
        // `pairs` starts every slot at 0, ethernet-input: the node path.
        for (b, slot) in v.pairs() {
            let mut p = pool.packet_mut(b);
            // Read once: the writes at the end must not read the entry back
            // (a 4-byte load over a fresh 2-byte store stalls forwarding).
            let (rx_if, flags, off) = (p.meta.rx_if, p.meta.flags, p.meta.data_offset);
            let d = p.data_mut();
            let Some(h) = d.first_chunk::<MIN_FRAME>() else {
                continue;
            };
            if rx_if != run.rx_if {
                run.switch_rx(rx_if, tables, ifc);
            }
            let Some(total) = outer_ok(h, d.len(), run.mac) else {
                continue;
            };
            if !RawKey::of(h).same(&run.key) {
                run.switch_key(h, tables, ifc);
            }
            let (pl, bridged) = match run.plan {
                Some(Decap::Xconnect(pl)) => (pl, None),
                Some(Decap::Bridged(br)) => {
                    if inner_macs(h) != run.macs {
                        run.switch_macs(h, &br, tables, ifc);
                    }
                    match run.bridged {
                        Some(pl) => (pl, Some(br.bd.learn)),
                        None => continue,
                    }
                }
                None => continue,
            };
            let inner_len = total - 36;
            if inner_len > pl.encap.max_inner as usize {
                continue;
            }
            // Committed: the node path's outcome, in place. The inner frame
            // lies within the data: 50 + inner_len = total + 14 <= len.
            let Some(inner) = d.get(VXLAN4_REWRITE_LEN..total + 14) else {
                continue;
            };
            let hash = flow_hash(inner);
            let Some(hdr) = d.first_chunk_mut::<VXLAN4_REWRITE_LEN>() else {
                continue;
            };
            write_outer(hdr, pl.encap, inner_len, hash);
            let out = &mut *p.meta;
            out.len = (inner_len + VXLAN4_REWRITE_LEN) as u16;
            out.flags = flags | buf_flags::FLOW_HASH_VALID;
            out.l3_offset = off + 14;
            out.rx_if = pl.rx_tunnel;
            out.tx_if = pl.encap.uplink;
            out.flow_hash = hash;
            *slot = Next::InterfaceOutput as u16;
            if flags & buf_flags::TRACED != 0 {
                let meta = *p.meta;
                trace(ctx.tracer, tables, &meta, &pl, bridged.is_some());
            }
            match bridged {
                None => {
                    run.n += 1;
                    run.bytes += inner_len as u64;
                }
                Some(learns) => {
                    // Counted with the pair, not the key; l2-fwd's and
                    // l2-learn's counters as well as the common ones.
                    run.taken += 1;
                    run.ip4 += 1;
                    run.br_n += 1;
                    run.br_bytes += inner_len as u64;
                    run.fwd += 1;
                    run.learn += u64::from(learns);
                }
            }
        }
        run.flush(ifc);
        let taken = run.taken;
        use vxlan4_input::Counter as In;
        ctx.count_in(self.vxlan4_input, In::Decapsulated as usize, taken);
        ctx.count_in(self.l2_input, l2_input::Counter::Packets as usize, taken);
        ctx.count_in(
            self.l2_learn,
            l2_learn::Counter::Packets as usize,
            run.learn,
        );
        ctx.count_in(self.l2_fwd, l2_fwd::Counter::Packets as usize, run.fwd);
        ctx.count_in(self.l2_fwd, l2_fwd::Counter::Hits as usize, run.fwd);
        ctx.count_in(self.l2_output, l2_output::Counter::Packets as usize, taken);
        use vxlan4_encap::Counter as Encap;
        ctx.count_in(self.vxlan4_encap, Encap::Encapsulated as usize, taken);
    }
}
