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
//! The node path learns every packet of a vector before it forwards any
//! (l2-learn runs before l2-fwd), so a packet the fast path takes must not
//! depend on what another packet of the same vector learns, before or
//! after it. Bridged packets are therefore taken tentatively: each is
//! rewritten as it comes, its outer header and metadata kept aside first,
//! and its counters and trace record held back. At the end of the vector,
//! if no packet was left to the node path that might learn a MAC (a
//! bridged packet not taken, any frame from a bridged device, an IPv4 UDP
//! frame that is not plain VXLAN, anything but ARP or non-UDP IPv4), they
//! are counted and sent; otherwise every one of them is put back as it
//! was and goes to the node path. Cross-connected packets read no L2 FIB
//! and are taken for good.
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

use crate::graph::{Node, NodeCtx, NodeInfo, NodeKind, VECTOR_SIZE, Vector};
use crate::pool::{BufMeta, flags as buf_flags};
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

/// What a tentatively taken bridged packet was before its rewrite.
#[derive(Clone, Copy, Debug)]
struct Kept {
    outer: [u8; VXLAN4_REWRITE_LEN],
    meta: BufMeta,
}

/// The vxlan4-fastpath node.
#[derive(Debug)]
pub struct Vxlan4Fastpath {
    /// The packets taken tentatively in this vector, in vector order
    /// (allocated once, [`VECTOR_SIZE`] of them).
    kept: Vec<Kept>,
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
            kept: vec![
                Kept {
                    outer: [0; VXLAN4_REWRITE_LEN],
                    meta: BufMeta::FRESH,
                };
                VECTOR_SIZE
            ],
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

/// A decap key whose valid packets the node path cross-connects and
/// re-encapsulates onto a tunnel leaving the interface they came in on:
/// what weft's XDP program may do in the kernel ([`kernel_flows`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelFlow {
    /// The decap key.
    pub key: Vxlan4Key,
    /// The receiving tunnel's sw_if_index.
    pub rx_tunnel: u32,
    /// The egress tunnel's sw_if_index.
    pub tx_tunnel: u32,
    /// The egress tunnel's rewrite (its uplink is the receive interface).
    pub encap: Vxlan4Encap,
}

/// The flows of [`resolve`] that a packet received on `uplink` takes back
/// out of `uplink`, sorted by key: cross-connected tunnels only (bridged
/// ones depend on the L2 FIB), and none unless `uplink` is up and routed
/// (the receive interface [`outer_ok`] accepts), and only for keys whose
/// local address is one of `uplink`'s own: weft's XDP program looks a
/// frame up in this table before it asks whether the frame is weft's, and
/// a hit must mean it is. The checks are this node's, so the kernel takes
/// exactly what this node would.
pub fn kernel_flows(tables: &Tables, uplink: u32) -> Vec<KernelFlow> {
    let Some(up) = tables.interface(uplink) else {
        return Vec::new();
    };
    if !up.up || up.l2 != L2Mode::L3 || up.output != Output::Device {
        return Vec::new();
    }
    let mut out: Vec<KernelFlow> = tables
        .vxlan4
        .keys()
        .filter(|key| tables.local4.get(&key.local) == Some(&uplink))
        .filter_map(|key| match resolve(tables, key)? {
            Decap::Xconnect(pl)
                if pl.encap.uplink == uplink && pl.encap.rewrite[6..12] == up.mac.0 =>
            {
                Some(KernelFlow {
                    key: *key,
                    rx_tunnel: pl.rx_tunnel,
                    tx_tunnel: pl.tx_tunnel,
                    encap: pl.encap.clone(),
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|f| (f.key.remote, f.key.local, f.key.port, f.key.vni_word));
    out
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

/// The mark of a bridged packet taken tentatively: this bit, or'd with
/// the index of its plan in [`Run::plans`] (no next node has it).
const TENTATIVE: u16 = 0x8000;

/// Distinct plans (receive interface, receiving and egress tunnel) of
/// bridged packets one vector may take; a packet of one more goes to the
/// node path, and so do the others of its vector.
const BRIDGED_PLANS: usize = 32;

/// A bridged plan of this vector and the packets taken with it.
#[derive(Clone, Copy)]
struct Bridging<'t> {
    /// The receive interface (its ip4 counter).
    rx_if: u32,
    plan: Plan<'t>,
    /// Its domain learns (the packets count under l2-learn too).
    learns: bool,
    n: u64,
    bytes: u64,
}

/// Whether the node path might learn a source MAC from a frame the fast
/// path leaves to it, received on a bridged device (`rx_bridged`) or an
/// interface that is not: anything but ARP, IPv4 that is not UDP and runt
/// frames (a UDP datagram may be VXLAN the fast path does not take, with
/// options or fragmented, for a bridged tunnel).
#[inline]
fn may_learn(d: &[u8], rx_bridged: bool) -> bool {
    if rx_bridged {
        return true;
    }
    match d.get(12..14) {
        None => false,
        Some([0x08, 0x06]) => false,
        Some([0x08, 0x00]) => d.get(23) == Some(&17),
        Some(_) => true,
    }
}

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
    /// The receive interface is up and in a bridge domain.
    rx_bridged: bool,
    /// Packets taken since the receive interface last changed (its ip4
    /// counter).
    ip4: u64,
    key: RawKey,
    plan: Option<Decap<'t>>,
    /// For a bridged key: the last inner MAC pair and the mark of what it
    /// resolved to ([`TENTATIVE`] and its plan's index), or 0.
    macs: (u64, u32),
    bridged: u16,
    /// Its plan.
    bplan: Option<Plan<'t>>,
    /// [`Run::marked`] when `bridged`'s plan was resolved, and the inner
    /// bytes taken tentatively with it since.
    br_from: usize,
    br_bytes: u64,
    /// The plans of bridged packets taken tentatively in this vector.
    plans: [Option<Bridging<'t>>; BRIDGED_PLANS],
    /// Packets taken tentatively, those of them traced, and whether a
    /// packet left to the node path might learn (then they go there too).
    marked: usize,
    traced: bool,
    may_learn: bool,
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
    #[cold]
    #[inline(never)]
    fn switch_macs(&mut self, h: &[u8; MIN_FRAME], br: &Bridged<'t>, tables: &'t Tables) {
        self.end_bridged();
        self.macs = inner_macs(h);
        let m = &h[VXLAN4_REWRITE_LEN..];
        let dst = EthernetAddress::from_bytes(&m[0..6]);
        let src = EthernetAddress::from_bytes(&m[6..12]);
        (self.bridged, self.bplan) = (0, None);
        let Some(plan) = resolve_bridged(tables, br, &dst, &src) else {
            return;
        };
        let rx_if = self.rx_if;
        let same = |b: &Bridging<'_>| {
            b.rx_if == rx_if
                && b.plan.rx_tunnel == plan.rx_tunnel
                && b.plan.tx_tunnel == plan.tx_tunnel
        };
        for (i, b) in self.plans.iter_mut().enumerate() {
            match b {
                Some(b) if same(b) => {}
                Some(_) => continue,
                None => {
                    *b = Some(Bridging {
                        rx_if,
                        plan,
                        learns: br.bd.learn,
                        n: 0,
                        bytes: 0,
                    })
                }
            }
            self.bridged = TENTATIVE | i as u16;
            self.bplan = Some(plan);
            return;
        }
    }

    /// Ends the run of bridged packets taken with one plan: its counts go
    /// to the plan.
    #[inline]
    fn end_bridged(&mut self) {
        let n = (self.marked - self.br_from) as u64;
        if n != 0
            && let Some(Some(t)) = self.plans.get_mut(usize::from(self.bridged & !TENTATIVE))
        {
            t.n += n;
            t.bytes += self.br_bytes;
        }
        (self.br_from, self.br_bytes) = (self.marked, 0);
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

    /// Adds every count of the cross-connected packets taken.
    fn flush(&mut self, ifc: &IfCounters) {
        self.end_run();
        self.flush_ip4(ifc);
        for slot in &mut self.slots {
            slot.flush(ifc);
        }
    }

    #[cold]
    #[inline(never)]
    fn switch_rx(&mut self, rx_if: u32, tables: &'t Tables, ifc: &IfCounters) {
        self.end_run();
        // A bridged plan is kept per receive interface.
        self.end_bridged();
        (self.macs, self.bridged, self.bplan) = (NO_MACS, 0, None);
        self.flush_ip4(ifc);
        self.rx_if = rx_if;
        let up = tables.interface(rx_if).filter(|i| i.up);
        self.mac = up
            .filter(|i| i.l2 == L2Mode::L3)
            .map_or(u64::MAX, |i| mac_word(&i.mac.0));
        self.rx_bridged = up.is_some_and(|i| matches!(i.l2, L2Mode::Bridge { .. }));
    }

    #[cold]
    #[inline(never)]
    fn switch_key(&mut self, h: &[u8; MIN_FRAME], tables: &'t Tables, ifc: &IfCounters) {
        self.end_run();
        self.end_bridged();
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
        self.macs = NO_MACS;
        (self.bridged, self.bplan) = (0, None);
    }
}

impl Node for Vxlan4Fastpath {
    fn info(&self) -> &'static NodeInfo {
        &INFO
    }

    fn bind(&mut self, nodes: &[&'static NodeInfo]) {
        let index = |name| {
            nodes
                .iter()
                .position(|n| n.name == name)
                .unwrap_or(usize::MAX)
        };
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
            rx_bridged: false,
            ip4: 0,
            key: NO_KEY,
            plan: None,
            macs: NO_MACS,
            bridged: 0,
            bplan: None,
            br_from: 0,
            br_bytes: 0,
            plans: [None; BRIDGED_PLANS],
            marked: 0,
            traced: false,
            may_learn: false,
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
            if rx_if != run.rx_if {
                run.switch_rx(rx_if, tables, ifc);
            }
            let d = p.data_mut();
            let Some(h) = d.first_chunk::<MIN_FRAME>() else {
                run.may_learn |= run.rx_bridged;
                continue;
            };
            let Some(total) = outer_ok(h, d.len(), run.mac) else {
                run.may_learn |= may_learn(d, run.rx_bridged);
                continue;
            };
            if !RawKey::of(h).same(&run.key) {
                run.switch_key(h, tables, ifc);
            }
            let pl = match run.plan {
                Some(Decap::Xconnect(pl)) => pl,
                Some(Decap::Bridged(br)) => {
                    // Taken tentatively, or left to the node path (which
                    // may learn from it: then nothing bridged is taken).
                    if run.may_learn {
                        continue;
                    }
                    if inner_macs(h) != run.macs {
                        run.switch_macs(h, &br, tables);
                    }
                    let inner_len = total - 36;
                    let (Some(pl), Some(kept)) = (run.bplan, self.kept.get_mut(run.marked)) else {
                        run.may_learn = true;
                        continue;
                    };
                    if inner_len > pl.encap.max_inner as usize {
                        run.may_learn = true;
                        continue;
                    }
                    kept.outer.copy_from_slice(&h[..VXLAN4_REWRITE_LEN]);
                    kept.meta = *p.meta;
                    let Some(hash) = rewrite_data(p.data_mut(), &pl, total) else {
                        run.may_learn = true;
                        continue;
                    };
                    rewrite_meta(p.meta, &pl, hash, total, flags, off);
                    *slot = run.bridged;
                    run.marked += 1;
                    run.traced |= flags & buf_flags::TRACED != 0;
                    run.br_bytes += inner_len as u64;
                    continue;
                }
                None => continue,
            };
            let inner_len = total - 36;
            if inner_len > pl.encap.max_inner as usize {
                continue;
            }
            let Some(hash) = rewrite_data(d, &pl, total) else {
                continue;
            };
            rewrite_meta(p.meta, &pl, hash, total, flags, off);
            *slot = Next::InterfaceOutput as u16;
            if flags & buf_flags::TRACED != 0 {
                let meta = *p.meta;
                trace(ctx.tracer, tables, &meta, &pl, false);
            }
            run.n += 1;
            run.bytes += inner_len as u64;
        }
        run.flush(ifc);
        run.end_bridged();
        let (mut fwd, mut learn) = (0, 0);
        if run.marked != 0 {
            (fwd, learn) = settle_bridged(ctx, v, &mut run, &self.kept);
        }
        let taken = run.taken + fwd;
        use vxlan4_input::Counter as In;
        ctx.count_in(self.vxlan4_input, In::Decapsulated as usize, taken);
        ctx.count_in(self.l2_input, l2_input::Counter::Packets as usize, taken);
        ctx.count_in(self.l2_learn, l2_learn::Counter::Packets as usize, learn);
        ctx.count_in(self.l2_fwd, l2_fwd::Counter::Packets as usize, fwd);
        ctx.count_in(self.l2_fwd, l2_fwd::Counter::Hits as usize, fwd);
        ctx.count_in(self.l2_output, l2_output::Counter::Packets as usize, taken);
        use vxlan4_encap::Counter as Encap;
        ctx.count_in(self.vxlan4_encap, Encap::Encapsulated as usize, taken);
    }
}

/// The node path's outcome for a packet the fast path takes, in place:
/// the egress tunnel's outer header over the received one, whose IPv4
/// total length is `total`; the flow hash, or `None` (nothing written) if
/// the frame is shorter than that says, which [`outer_ok`] has already
/// ruled out.
#[inline(always)]
fn rewrite_data(d: &mut [u8], pl: &Plan<'_>, total: usize) -> Option<u32> {
    // The inner frame lies within the data: 50 + inner_len = total + 14.
    let hash = flow_hash(d.get(VXLAN4_REWRITE_LEN..total + 14)?);
    let hdr = d.first_chunk_mut::<VXLAN4_REWRITE_LEN>()?;
    write_outer(hdr, pl.encap, total - 36, hash);
    Some(hash)
}

/// ... and the metadata interface-output reads: `flags` and `off` are the
/// buffer's flags and data offset as read before.
#[inline(always)]
fn rewrite_meta(out: &mut BufMeta, pl: &Plan<'_>, hash: u32, total: usize, flags: u16, off: u16) {
    out.len = (total - 36 + VXLAN4_REWRITE_LEN) as u16;
    out.flags = flags | buf_flags::FLOW_HASH_VALID;
    out.l3_offset = off + 14;
    out.rx_if = pl.rx_tunnel;
    out.tx_if = pl.encap.uplink;
    out.flow_hash = hash;
}

/// The end of a vector with bridged packets taken tentatively: if no
/// packet left to the node path may learn, sends them, counts them on
/// their interfaces and tunnels and writes their trace records; otherwise
/// puts each back as it was (`kept`, in vector order) for the node path.
/// Returns the packets taken and those of them in domains that learn.
#[inline(never)]
fn settle_bridged(
    ctx: &mut NodeCtx<'_>,
    v: &mut Vector,
    run: &mut Run<'_>,
    kept: &[Kept],
) -> (u64, u64) {
    let (pool, ifc) = (ctx.pool, ctx.ifc);
    if run.may_learn {
        let mut kept = kept.iter();
        for (b, slot) in v.bufs.iter_mut().zip(v.nexts.iter_mut()) {
            if *slot & TENTATIVE == 0 {
                continue;
            }
            *slot = Next::EthernetInput as u16;
            let Some(k) = kept.next() else {
                debug_assert!(false, "a tentative packet was not kept");
                continue;
            };
            let mut p = pool.packet_mut(b);
            *p.meta = k.meta;
            if let Some(outer) = p.data_mut().first_chunk_mut() {
                *outer = k.outer;
            }
        }
        return (0, 0);
    }
    if run.traced {
        trace_bridged(ctx, v, run);
    }
    for slot in &mut v.nexts {
        if *slot & TENTATIVE != 0 {
            *slot = Next::InterfaceOutput as u16;
        }
    }
    let (mut fwd, mut learn) = (0, 0);
    for t in run.plans.iter().flatten().filter(|t| t.n != 0) {
        ifc.add(t.rx_if, IfCounter::Ip4, t.n);
        ifc.add_combined(t.plan.rx_tunnel, IfCounter::RxPackets, t.n, t.bytes);
        ifc.add_combined(t.plan.tx_tunnel, IfCounter::TxPackets, t.n, t.bytes);
        fwd += t.n;
        learn += if t.learns { t.n } else { 0 };
    }
    (fwd, learn)
}

/// The trace records of the bridged packets taken, in vector order.
#[cold]
#[inline(never)]
fn trace_bridged(ctx: &mut NodeCtx<'_>, v: &Vector, run: &Run<'_>) {
    for (b, slot) in v.bufs.iter().zip(v.nexts.iter()) {
        if *slot & TENTATIVE == 0 {
            continue;
        }
        let meta = *ctx.pool.meta(b);
        let plan = run
            .plans
            .get(usize::from(*slot & !TENTATIVE))
            .copied()
            .flatten();
        if let (true, Some(t)) = (meta.flags & buf_flags::TRACED != 0, plan) {
            trace(ctx.tracer, ctx.tables, &meta, &t.plan, true);
        }
    }
}
