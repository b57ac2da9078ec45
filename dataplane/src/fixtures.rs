//! The koko topology as fixtures, for tests and benchmarks: addresses,
//! MACs, a hand-built configuration snapshot and frame builders.
//!
//! ```text
//!  koko1 10.99.0.1 ──┐                       ┌── koko2 10.99.0.2
//!  test1 10.100.0.1  │   eth0 10.99.0.3      │   test2 10.100.0.2
//!   VNI 11 ──────────┴── weft ───────────────┴── VNI 12
//!            vxlan_tunnel0 <-xconnect-> vxlan_tunnel1
//! ```
//!
//! Not for production use: the real configuration is built by the control
//! plane from CLI commands.

use std::net::Ipv4Addr;

use crate::tables::{
    Interface, L2Mode, Output, Tables, Vxlan4Encap, Vxlan4EncapParams, Vxlan4Key, Vxlan4Tunnel,
};
use crate::wire::{EthernetAddress, checksum};

/// weft's uplink MAC.
pub const WEFT_MAC: EthernetAddress = EthernetAddress([0x02, 0xfe, 0x00, 0x00, 0x00, 0x03]);
/// koko1's eth0 MAC.
pub const KOKO1_MAC: EthernetAddress = EthernetAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
/// koko2's eth0 MAC.
pub const KOKO2_MAC: EthernetAddress = EthernetAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);
/// test1's link1 MAC.
pub const TEST1_MAC: EthernetAddress = EthernetAddress([0x0a, 0x00, 0x00, 0x00, 0x01, 0x01]);
/// test2's link2 MAC.
pub const TEST2_MAC: EthernetAddress = EthernetAddress([0x0a, 0x00, 0x00, 0x00, 0x02, 0x02]);
/// koko1's underlay address.
pub const KOKO1_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 1);
/// koko2's underlay address.
pub const KOKO2_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 2);
/// weft's underlay address.
pub const WEFT_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 3);
/// test1's address.
pub const TEST1_IP: Ipv4Addr = Ipv4Addr::new(10, 100, 0, 1);
/// test2's address.
pub const TEST2_IP: Ipv4Addr = Ipv4Addr::new(10, 100, 0, 2);

/// sw_if_index of the uplink (eth0).
pub const UPLINK: u32 = 1;
/// sw_if_index of vxlan_tunnel0 (VNI 11, towards koko1).
pub const TUNNEL0: u32 = 2;
/// sw_if_index of vxlan_tunnel1 (VNI 12, towards koko2).
pub const TUNNEL1: u32 = 3;

/// The koko configuration: eth0 with 10.99.0.3/24 and both neighbours
/// resolved, tunnels for VNI 11 and 12 cross-connected both ways.
pub fn koko_tables() -> Tables {
    koko_tables_pairs(1)
}

/// [`koko_tables`] with `pairs` cross-connected tunnel pairs between koko1
/// and koko2: pair `k` is VNI `11 + 2k` from koko1 (sw_if_index `2 + 2k`,
/// tunnel `2k`) and VNI `12 + 2k` from koko2 (`3 + 2k`, tunnel `2k + 1`).
/// Pair 0 is [`TUNNEL0`] and [`TUNNEL1`].
pub fn koko_tables_pairs(pairs: u32) -> Tables {
    let mut t = Tables {
        generation: 1,
        ..Tables::default()
    };
    t.interfaces = vec![
        Some(Interface {
            sw_if_index: 0,
            up: false,
            mac: EthernetAddress([0; 6]),
            mtu: 0,
            l2: L2Mode::L3,
            output: Output::Drop,
        }),
        Some(Interface {
            sw_if_index: UPLINK,
            up: true,
            mac: WEFT_MAC,
            mtu: 1500,
            l2: L2Mode::L3,
            output: Output::Device,
        }),
    ];
    t.local4.insert(WEFT_IP, UPLINK);
    t.vxlan4_ports.push(4789);
    let ends = (0..pairs).flat_map(|pair| {
        let (a, b) = (TUNNEL0 + 2 * pair, TUNNEL1 + 2 * pair);
        [
            (KOKO1_IP, KOKO1_MAC, 11 + 2 * pair, b),
            (KOKO2_IP, KOKO2_MAC, 12 + 2 * pair, a),
        ]
    });
    for (k, (remote, mac, vni, peer)) in ends.enumerate() {
        let sw_if_index = TUNNEL0 + k as u32;
        t.interfaces.push(Some(Interface {
            sw_if_index,
            up: true,
            mac: EthernetAddress([0x02, 0xfe, 0xaa, 0xbb, 0xcc, k as u8]),
            mtu: 9000,
            l2: L2Mode::Xconnect { peer },
            output: Output::Vxlan4 { tunnel: k as u32 },
        }));
        t.vxlan4.insert(
            Vxlan4Key {
                remote,
                local: WEFT_IP,
                port: 4789,
                vni_word: vni << 8,
            },
            k as u32,
        );
        t.tunnels.push(Some(Vxlan4Tunnel {
            sw_if_index,
            instance: k as u32,
            vni,
            encap: Some(Vxlan4Encap::new(&Vxlan4EncapParams {
                src_mac: WEFT_MAC,
                dst_mac: mac,
                src: WEFT_IP,
                dst: remote,
                dst_port: 4789,
                vni,
                uplink: UPLINK,
                uplink_mtu: 1500,
            })),
        }));
    }
    t
}

/// An inner Ethernet + IPv4 + UDP frame of `len` bytes (at least 42).
pub fn inner_udp(
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    len: usize,
) -> Vec<u8> {
    assert!(len >= 42, "an inner UDP frame has at least 42 bytes");
    let mut f = vec![0u8; len];
    f[0..6].copy_from_slice(&dst_mac.0);
    f[6..12].copy_from_slice(&src_mac.0);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    ipv4_header(&mut f[14..34], src, dst, 17, 64, (len - 14) as u16);
    f[34..36].copy_from_slice(&sport.to_be_bytes());
    f[36..38].copy_from_slice(&dport.to_be_bytes());
    f[38..40].copy_from_slice(&((len - 34) as u16).to_be_bytes());
    for (i, b) in f[42..].iter_mut().enumerate() {
        *b = i as u8;
    }
    f
}

/// Writes a 20-byte IPv4 header (ID 0, DF clear) with a valid checksum.
pub fn ipv4_header(h: &mut [u8], src: Ipv4Addr, dst: Ipv4Addr, proto: u8, ttl: u8, total: u16) {
    h.fill(0);
    h[0] = 0x45;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[8] = ttl;
    h[9] = proto;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    let c = !checksum::data(h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
}

/// Parameters of a VXLAN frame as a kernel VTEP sends it.
#[derive(Clone, Copy, Debug)]
pub struct VxlanFrame {
    /// Outer source MAC.
    pub src_mac: EthernetAddress,
    /// Outer destination MAC.
    pub dst_mac: EthernetAddress,
    /// Outer source address.
    pub src: Ipv4Addr,
    /// Outer destination address.
    pub dst: Ipv4Addr,
    /// UDP source port.
    pub sport: u16,
    /// UDP destination port.
    pub dport: u16,
    /// VXLAN flags byte.
    pub flags: u8,
    /// VNI.
    pub vni: u32,
    /// Outer TTL.
    pub ttl: u8,
}

impl VxlanFrame {
    /// koko1's VTEP sending VNI 11 to weft.
    pub const FROM_KOKO1: VxlanFrame = VxlanFrame {
        src_mac: KOKO1_MAC,
        dst_mac: WEFT_MAC,
        src: KOKO1_IP,
        dst: WEFT_IP,
        sport: 40000,
        dport: 4789,
        flags: 0x08,
        vni: 11,
        ttl: 64,
    };

    /// koko2's VTEP sending VNI 12 to weft.
    pub const FROM_KOKO2: VxlanFrame = VxlanFrame {
        src_mac: KOKO2_MAC,
        dst_mac: WEFT_MAC,
        src: KOKO2_IP,
        dst: WEFT_IP,
        sport: 40001,
        dport: 4789,
        flags: 0x08,
        vni: 12,
        ttl: 64,
    };

    /// The frame carrying `inner`, with a valid IPv4 checksum and UDP
    /// checksum 0.
    pub fn build(&self, inner: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 50 + inner.len()];
        f[0..6].copy_from_slice(&self.dst_mac.0);
        f[6..12].copy_from_slice(&self.src_mac.0);
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        ipv4_header(
            &mut f[14..34],
            self.src,
            self.dst,
            17,
            self.ttl,
            (36 + inner.len()) as u16,
        );
        f[34..36].copy_from_slice(&self.sport.to_be_bytes());
        f[36..38].copy_from_slice(&self.dport.to_be_bytes());
        f[38..40].copy_from_slice(&((16 + inner.len()) as u16).to_be_bytes());
        f[42] = self.flags;
        f[46..50].copy_from_slice(&(self.vni << 8).to_be_bytes());
        f[50..].copy_from_slice(inner);
        f
    }
}
