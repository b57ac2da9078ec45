//! The configuration snapshot workers forward with.
//!
//! The control plane builds a [`Tables`] from its model after every change
//! and publishes it through a [`TablesHandle`] (an `ArcSwap`). A worker
//! loads the current snapshot once per loop iteration, between vectors, and
//! uses it read-only: no lock on the packet path, and a change never
//! touches a packet in flight. Everything a node needs per packet is
//! precomputed here (e.g. the 50-byte VXLAN encap rewrite).

use std::net::Ipv4Addr;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustc_hash::FxHashMap;

use crate::wire::EthernetAddress;

/// The published snapshot, shared by the control plane and the workers.
pub type TablesHandle = Arc<ArcSwap<Tables>>;

/// Creates a handle holding an empty snapshot.
pub fn new_handle() -> TablesHandle {
    Arc::new(ArcSwap::from_pointee(Tables::default()))
}

/// An interface's layer-2 mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum L2Mode {
    /// Routed (the default): frames go to ip4-input, ARP, ...
    #[default]
    L3,
    /// Every frame received is sent out of `peer` (one direction).
    Xconnect {
        /// The peer's sw_if_index.
        peer: u32,
    },
    /// A member of bridge domain `bd` (`set interface l2 bridge`).
    Bridge {
        /// The bridge domain's index (not its id): [`L2Tables::bds`].
        bd: u16,
        /// Split-horizon group (0: none). A frame is never flooded or
        /// forwarded to a member of the (non-zero) group it came from.
        shg: u8,
        /// The domain's BVI: frames the bridge sends to it go up to its
        /// L3 stack, frames its L3 stack sends go into the bridge.
        bvi: bool,
        /// The interface's sequence number in the domain (VPP's ISN): the
        /// L2 FIB entries written with another number are stale.
        isn: u8,
    },
}

impl L2Mode {
    /// The bridge domain index of a bridged interface.
    #[inline]
    pub fn bd(self) -> Option<u16> {
        match self {
            L2Mode::Bridge { bd, .. } => Some(bd),
            _ => None,
        }
    }
}

/// How packets leave an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Through the interface's device (interface-output hands them to the
    /// driver).
    Device,
    /// Through VXLAN encapsulation of tunnel `tunnel` (an index into
    /// [`Tables::tunnels`]).
    Vxlan4 {
        /// Tunnel index.
        tunnel: u32,
    },
    /// Into its bridge domain: the interface is a BVI, and what its L3
    /// stack sends enters l2-input as if received on it.
    Bvi,
    /// Nowhere: dropped (e.g. local0).
    Drop,
    /// Through VXLAN-over-IPv6 encapsulation of tunnel `tunnel` (an index
    /// into [`Tables::tunnels6`]).
    Vxlan6 {
        /// Tunnel index.
        tunnel: u32,
    },
    /// Through the device of `parent`, tagged with 802.1Q `vlan`: the
    /// interface is a sub-interface (interface-output puts the tag on).
    Dot1q {
        /// The parent's sw_if_index.
        parent: u32,
        /// The VLAN id.
        vlan: u16,
    },
}

/// A bridge domain as the dataplane sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeDomain {
    /// The id users give it (`create bridge-domain 10`).
    pub bd_id: u32,
    /// Learn source MACs.
    pub learn: bool,
    /// Forward known unicast to its member (off: flood it, as unknown).
    pub forward: bool,
    /// Flood broadcast and multicast.
    pub flood: bool,
    /// Flood unknown unicast.
    pub uu_flood: bool,
    /// Learned entries age after this many minutes (0: never).
    pub mac_age: u8,
    /// Answer ARP requests for the addresses of `arp` (arp-term-l2bd).
    pub arp_term: bool,
    /// IPv4 address to MAC, for ARP termination (`set bridge-domain arp
    /// entry`).
    pub arp: FxHashMap<Ipv4Addr, EthernetAddress>,
    /// At most this many learned entries.
    pub learn_limit: u32,
    /// Members, in the order they joined (VPP floods in its own order;
    /// weft in this one).
    pub members: Vec<Member>,
}

/// A member of a bridge domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The interface.
    pub sw_if_index: u32,
    /// Its split-horizon group.
    pub shg: u8,
    /// It is the BVI.
    pub bvi: bool,
}

/// The L2 bridging tables: the domains' configuration (republished with
/// every change) and the MAC table, which is not: it is shared by every
/// snapshot, written by workers as they learn and by the control plane.
#[derive(Clone, Debug, Default)]
pub struct L2Tables {
    /// Bridge domains by index (`None`: free; index 0 is never used).
    pub bds: Vec<Option<BridgeDomain>>,
    /// The MAC table.
    pub fib: Arc<crate::l2fib::L2Fib>,
}

impl L2Tables {
    /// The bridge domain with this index.
    #[inline]
    pub fn bd(&self, bd: u16) -> Option<&BridgeDomain> {
        self.bds.get(bd as usize).and_then(|b| b.as_ref())
    }
}

/// An interface as the dataplane sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Index (VPP's sw_if_index).
    pub sw_if_index: u32,
    /// Up: administratively up and, for a device, its link up (VPP's
    /// `vnet_sw_interface_is_up`). Nothing is sent out of an interface
    /// that is not.
    pub up: bool,
    /// MAC address.
    pub mac: EthernetAddress,
    /// L3 MTU in bytes (the largest IPv4 packet it sends).
    pub mtu: u16,
    /// L2 or L3 mode.
    pub l2: L2Mode,
    /// Transmit path.
    pub output: Output,
}

/// Key of the IPv4 VXLAN decap table, built from a received packet exactly
/// as VPP builds it: outer source = tunnel dst, outer destination = tunnel
/// src, UDP destination port = tunnel src_port, and the raw second VXLAN
/// word (VNI << 8 | reserved), so a non-zero reserved byte never matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vxlan4Key {
    /// Outer source address (the tunnel's dst).
    pub remote: Ipv4Addr,
    /// Outer destination address (the tunnel's src).
    pub local: Ipv4Addr,
    /// UDP destination port (the tunnel's src_port).
    pub port: u16,
    /// VNI << 8 (reserved byte zero).
    pub vni_word: u32,
}

/// Length of the IPv4 VXLAN encap rewrite: Ethernet + IPv4 + UDP + VXLAN.
pub const VXLAN4_REWRITE_LEN: usize = 14 + 20 + 8 + 8;

/// A VXLAN tunnel as the dataplane sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vxlan4Tunnel {
    /// The tunnel interface's sw_if_index.
    pub sw_if_index: u32,
    /// Pool index / instance shown in traces (`vxlan_tunnel<N>`).
    pub instance: u32,
    /// VNI.
    pub vni: u32,
    /// The prebuilt outer headers, or `None` while the next hop towards
    /// the remote is unresolved (encap then drops and counts).
    pub encap: Option<Vxlan4Encap>,
}

/// Everything vxlan4-encap needs to send one packet of a tunnel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vxlan4Encap {
    /// Outer Ethernet + IPv4 + UDP + VXLAN with total length, UDP length
    /// and UDP source port zero; the IPv4 checksum is computed for total
    /// length zero and patched incrementally per packet.
    pub rewrite: [u8; VXLAN4_REWRITE_LEN],
    /// The uplink interface the outer packet leaves on.
    pub uplink: u32,
    /// Largest inner frame (Ethernet header included) that fits the
    /// uplink's MTU once encapsulated: MTU - 36.
    pub max_inner: u16,
    /// The ones-complement sum (not inverted, not folded) of the rewrite's
    /// IPv4 header with total length 36, the length of an empty inner
    /// frame: adding the inner frame's length and folding gives the
    /// packet's header sum, so its checksum costs an add and two folds.
    pub ip_sum: u32,
}

/// The whole snapshot.
#[derive(Clone, Debug)]
pub struct Tables {
    /// Bumped by the control plane on every publish.
    pub generation: u64,
    /// Interfaces by sw_if_index (`None` for deleted indices).
    pub interfaces: Vec<Option<Interface>>,
    /// weft's own IPv4 addresses and the interface each is on.
    pub local4: FxHashMap<Ipv4Addr, u32>,
    /// UDP ports on which VXLAN is decapsulated (tunnel src_ports).
    pub vxlan4_ports: Vec<u16>,
    /// Decap lookup: key to tunnel index.
    pub vxlan4: FxHashMap<Vxlan4Key, u32>,
    /// Tunnels by index.
    pub tunnels: Vec<Option<Vxlan4Tunnel>>,
    /// Whether input nodes hand untraced vectors to vxlan4-fastpath (on by
    /// default; `set vxlan fastpath off` sends everything through the node
    /// path, as VPP would).
    pub vxlan4_fastpath: bool,
    /// Bridge domains and the MAC table.
    pub l2: L2Tables,
    /// Where weft's XDP program may forward in the kernel.
    pub xdp: XdpFastpath,
    /// 802.1Q sub-interfaces by (parent, VLAN).
    pub dot1q: crate::vlan::Dot1q,
    /// weft's IPv6 addresses by interface.
    pub ip6: Ip6Table,
    /// UDP ports on which VXLAN over IPv6 is decapsulated.
    pub vxlan6_ports: Vec<u16>,
    /// IPv6 decap lookup: key to tunnel index.
    pub vxlan6: FxHashMap<Vxlan6Key, u32>,
    /// IPv6 tunnels by index (the same pool index space as
    /// [`Tables::tunnels`]: a slot is in one of the two).
    pub tunnels6: Vec<Option<Vxlan6Tunnel>>,
    /// The packet capture in progress (`pcap trace`), if any: shared by
    /// the snapshots published while it runs ([`crate::pcap`]).
    pub pcap: Option<Arc<crate::pcap::Capture>>,
}

/// Key of the IPv6 VXLAN decap table, built from a received packet as
/// [`Vxlan4Key`] is: outer source = tunnel dst, outer destination = tunnel
/// src, UDP destination port = tunnel src_port, the raw second VXLAN word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vxlan6Key {
    /// Outer source address (the tunnel's dst).
    pub remote: std::net::Ipv6Addr,
    /// Outer destination address (the tunnel's src).
    pub local: std::net::Ipv6Addr,
    /// UDP destination port (the tunnel's src_port).
    pub port: u16,
    /// VNI << 8 (reserved byte zero).
    pub vni_word: u32,
}

/// Length of the IPv6 VXLAN encap rewrite: Ethernet + IPv6 + UDP + VXLAN.
pub const VXLAN6_REWRITE_LEN: usize = 14 + 40 + 8 + 8;

/// An IPv6 VXLAN tunnel as the dataplane sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vxlan6Tunnel {
    /// The tunnel interface's sw_if_index.
    pub sw_if_index: u32,
    /// Instance shown in traces (`vxlan_tunnel<N>`).
    pub instance: u32,
    /// VNI.
    pub vni: u32,
    /// The prebuilt outer headers, or `None` while the next hop is
    /// unresolved (vxlan6-encap then drops and counts).
    pub encap: Option<Vxlan6Encap>,
}

/// Everything vxlan6-encap needs to send one packet of a tunnel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vxlan6Encap {
    /// Outer Ethernet + IPv6 + UDP + VXLAN with the payload length, UDP
    /// source port, length and checksum zero.
    pub rewrite: [u8; VXLAN6_REWRITE_LEN],
    /// The interface the outer packet leaves on.
    pub uplink: u32,
    /// Largest inner frame that fits the uplink's MTU once encapsulated:
    /// MTU - 56.
    pub max_inner: u16,
    /// The ones-complement sum (not folded) of what every packet's UDP
    /// checksum covers and the rewrite fixes: the pseudo-header's
    /// addresses and next header, the UDP destination port and the VXLAN
    /// header. A packet adds its UDP length twice (pseudo-header and
    /// header), its source port and the sum of its inner frame.
    pub udp_sum: u32,
}

/// Hop limit weft sends VXLAN over IPv6 with (as [`VXLAN4_TTL`]).
pub const VXLAN6_HOP_LIMIT: u8 = 253;

/// Parameters of one IPv6 VXLAN tunnel's encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vxlan6EncapParams {
    /// Uplink MAC (outer source).
    pub src_mac: EthernetAddress,
    /// Next hop MAC (outer destination).
    pub dst_mac: EthernetAddress,
    /// Tunnel src (weft's address).
    pub src: std::net::Ipv6Addr,
    /// Tunnel dst (the remote VTEP).
    pub dst: std::net::Ipv6Addr,
    /// UDP destination port.
    pub dst_port: u16,
    /// VNI (< 2^24).
    pub vni: u32,
    /// Uplink sw_if_index.
    pub uplink: u32,
    /// Uplink L3 MTU.
    pub uplink_mtu: u16,
}

impl Vxlan6Encap {
    /// Builds the 70-byte rewrite once, at configuration time: Ethernet
    /// (dst, src, 0x86dd); IPv6 version 6, traffic class and flow label 0,
    /// payload length 0 (patched), next header 17, hop limit
    /// [`VXLAN6_HOP_LIMIT`], src, dst; UDP source port 0 (patched with the
    /// flow hash), dst port, length and checksum 0 (patched); VXLAN flags
    /// word 0x08000000 and VNI << 8.
    pub fn new(p: &Vxlan6EncapParams) -> Vxlan6Encap {
        let mut r = [0u8; VXLAN6_REWRITE_LEN];
        r[0..6].copy_from_slice(&p.dst_mac.0);
        r[6..12].copy_from_slice(&p.src_mac.0);
        r[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
        let ip = &mut r[14..54];
        ip[0] = 0x60;
        ip[6] = 17;
        ip[7] = VXLAN6_HOP_LIMIT;
        ip[8..24].copy_from_slice(&p.src.octets());
        ip[24..40].copy_from_slice(&p.dst.octets());
        r[56..58].copy_from_slice(&p.dst_port.to_be_bytes());
        r[62] = crate::wire::vxlan::FLAG_I;
        r[66..70].copy_from_slice(&(p.vni << 8).to_be_bytes());
        let words = |b: &[u8]| -> u32 {
            b.chunks(2)
                .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
                .sum()
        };
        // Addresses, next header, dst port, VXLAN header.
        let udp_sum = words(&r[22..54]) + 17 + words(&r[56..58]) + words(&r[62..70]);
        Vxlan6Encap {
            rewrite: r,
            uplink: p.uplink,
            max_inner: p.uplink_mtu.saturating_sub(56),
            udp_sum,
        }
    }
}

/// weft's IPv6 addresses, by interface: the link-local address first, then
/// the others, with the solicited-node groups they make the interface
/// listen to (computed here, at configuration time), for ip6-input and
/// ip6-icmp-input (a few per interface: they are scanned, not hashed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ip6Table {
    by_if: Vec<Ip6If>,
}

/// One interface's entry of [`Ip6Table`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Ip6If {
    addrs: Vec<std::net::Ipv6Addr>,
    /// All-nodes, then the solicited-node group of each address.
    groups: Vec<std::net::Ipv6Addr>,
}

impl Ip6Table {
    /// Adds `a` to interface `sw_if_index`.
    pub fn insert(&mut self, sw_if_index: u32, a: std::net::Ipv6Addr) {
        let i = sw_if_index as usize;
        if self.by_if.len() <= i {
            self.by_if.resize(i + 1, Ip6If::default());
        }
        let e = &mut self.by_if[i];
        if e.groups.is_empty() {
            e.groups
                .push(std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1));
        }
        e.addrs.push(a);
        let g = crate::wire::ipv6::solicited_node(a);
        if !e.groups.contains(&g) {
            e.groups.push(g);
        }
    }

    /// The addresses of `sw_if_index` (empty: IPv6 is not enabled there).
    #[inline]
    pub fn addresses(&self, sw_if_index: u32) -> &[std::net::Ipv6Addr] {
        self.by_if
            .get(sw_if_index as usize)
            .map_or(&[], |e| e.addrs.as_slice())
    }

    /// Whether `a` is one of `sw_if_index`'s addresses.
    #[inline]
    pub fn is_local(&self, sw_if_index: u32, a: &std::net::Ipv6Addr) -> bool {
        self.addresses(sw_if_index).contains(a)
    }

    /// Whether `group` is a multicast group `sw_if_index` listens to:
    /// all-nodes, or the solicited-node group of one of its addresses.
    #[inline]
    pub fn listens(&self, sw_if_index: u32, group: &std::net::Ipv6Addr) -> bool {
        self.by_if
            .get(sw_if_index as usize)
            .is_some_and(|e| e.groups.contains(group))
    }
}

/// The switches of weft's XDP fast path (`set vxlan xdp-fastpath`): on
/// by default, off globally or per interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdpFastpath {
    /// Off everywhere when false.
    pub enabled: bool,
    /// Interfaces (sw_if_index) it is off on, sorted.
    pub off: Vec<u32>,
}

impl Default for XdpFastpath {
    fn default() -> Self {
        XdpFastpath {
            enabled: true,
            off: Vec::new(),
        }
    }
}

impl XdpFastpath {
    /// Whether the fast path may run on `sw_if_index`.
    pub fn on(&self, sw_if_index: u32) -> bool {
        self.enabled && self.off.binary_search(&sw_if_index).is_err()
    }
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            generation: 0,
            interfaces: Vec::new(),
            local4: FxHashMap::default(),
            vxlan4_ports: Vec::new(),
            vxlan4: FxHashMap::default(),
            tunnels: Vec::new(),
            vxlan4_fastpath: true,
            l2: L2Tables::default(),
            xdp: XdpFastpath::default(),
            dot1q: crate::vlan::Dot1q::default(),
            ip6: Ip6Table::default(),
            vxlan6_ports: Vec::new(),
            vxlan6: FxHashMap::default(),
            tunnels6: Vec::new(),
            pcap: None,
        }
    }
}

impl Tables {
    /// The interface with this index, if it exists.
    #[inline]
    pub fn interface(&self, sw_if_index: u32) -> Option<&Interface> {
        self.interfaces
            .get(sw_if_index as usize)
            .and_then(|i| i.as_ref())
    }

    /// The tunnel with this index, if it exists.
    #[inline]
    pub fn tunnel(&self, index: u32) -> Option<&Vxlan4Tunnel> {
        self.tunnels.get(index as usize).and_then(|t| t.as_ref())
    }

    /// The IPv6 tunnel with this index, if it exists.
    #[inline]
    pub fn tunnel6(&self, index: u32) -> Option<&Vxlan6Tunnel> {
        self.tunnels6.get(index as usize).and_then(|t| t.as_ref())
    }
}

/// Outer TTL weft sends VXLAN with: VPP builds its rewrite with TTL 254 and
/// ip4-rewrite decrements it, so VPP's packets leave with 253.
pub const VXLAN4_TTL: u8 = 253;

/// Parameters of one IPv4 VXLAN tunnel's encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vxlan4EncapParams {
    /// Uplink MAC (outer source).
    pub src_mac: EthernetAddress,
    /// Next hop MAC (outer destination).
    pub dst_mac: EthernetAddress,
    /// Tunnel src (weft's address).
    pub src: Ipv4Addr,
    /// Tunnel dst (the remote VTEP).
    pub dst: Ipv4Addr,
    /// UDP destination port (the tunnel's dst_port).
    pub dst_port: u16,
    /// VNI (< 2^24).
    pub vni: u32,
    /// Uplink sw_if_index.
    pub uplink: u32,
    /// Uplink L3 MTU.
    pub uplink_mtu: u16,
}

impl Vxlan4Encap {
    /// Builds the 50-byte rewrite once, at configuration time.
    ///
    /// Layout: Ethernet (dst, src, 0x0800); IPv4 0x45, TOS 0, total length
    /// 0 (patched per packet), ID 0, flags/fragment 0 (DF clear), TTL
    /// [`VXLAN4_TTL`], protocol 17, checksum for total length 0, src, dst;
    /// UDP source port 0 (patched per packet with the flow hash), dst port,
    /// length 0 (patched), checksum 0; VXLAN flags word 0x08000000 and
    /// VNI << 8.
    pub fn new(p: &Vxlan4EncapParams) -> Vxlan4Encap {
        let mut r = [0u8; VXLAN4_REWRITE_LEN];
        r[0..6].copy_from_slice(&p.dst_mac.0);
        r[6..12].copy_from_slice(&p.src_mac.0);
        r[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        let ip = &mut r[14..34];
        ip[0] = 0x45;
        ip[8] = VXLAN4_TTL;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&p.src.octets());
        ip[16..20].copy_from_slice(&p.dst.octets());
        let sum = crate::wire::checksum::data(ip);
        ip[10..12].copy_from_slice(&(!sum).to_be_bytes());
        let udp = &mut r[34..42];
        udp[2..4].copy_from_slice(&p.dst_port.to_be_bytes());
        let vx = &mut r[42..50];
        vx[0] = crate::wire::vxlan::FLAG_I;
        vx[4..8].copy_from_slice(&(p.vni << 8).to_be_bytes());
        Vxlan4Encap {
            rewrite: r,
            uplink: p.uplink,
            max_inner: p.uplink_mtu.saturating_sub(36),
            ip_sum: u32::from(sum) + 36,
        }
    }
}
