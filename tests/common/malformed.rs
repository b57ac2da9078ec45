//! The malformed packet matrix of issue 7, shared by `tests/malformed_pg.rs`
//! (pg driver) and `tests/malformed_af_xdp.rs` (weftd on a veth): every
//! case is a list of frames as koko1's side of the wire would send them to
//! weft (koko addresses of `dataplane::fixtures`), what weft must do with
//! them, and whether weft's XDP program hands them to weft at all.
//!
//! The frames are built from a good VXLAN frame (koko1, VNI 11, to weft)
//! with one thing wrong; header checksums are fixed up after each change
//! unless the checksum is the point, so each frame has exactly one fault.

use std::net::Ipv4Addr;

use weft::dataplane::fixtures::{self, VxlanFrame};
use weft::dataplane::wire::{EthernetAddress, checksum};

use super::pg::{NodeCounter, inner};

/// What weft must do with every frame of a case.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Dropped, and exactly this node counter (and no other) moves, by the
    /// number of frames.
    Drop(NodeCounter),
    /// Decapsulated and cross-connected like a good frame, then dropped by
    /// vxlan4-encap: the inner frame does not fit the uplink's MTU.
    DropMtu,
    /// Forwarded to koko2: the output is `inner` encapsulated exactly as
    /// the good frame's inner is. `info` counts it as well.
    Forward {
        /// The inner frame the case carries.
        inner: Vec<u8>,
        /// An informational counter that must count every frame.
        info: Option<NodeCounter>,
    },
    /// Lost by the driver before the graph: interface counter `rx-miss`,
    /// no node counter.
    RxMiss,
}

/// Where weft's XDP program sends the case's frames (AF_XDP only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Redirected to weft's socket (IPv4 to weft's address, ARP for it).
    Weft,
    /// `XDP_PASS`: the kernel gets them, weft never sees them.
    Kernel,
    /// Cannot be sent on a veth with AF_PACKET at all: shorter than an
    /// Ethernet header (the kernel refuses it, `EINVAL`).
    Unsendable,
}

/// One row of the matrix.
#[derive(Clone, Debug)]
pub struct Case {
    /// Row name (docs/robustness.md uses the same).
    pub name: &'static str,
    /// The frames sent.
    pub frames: Vec<Vec<u8>>,
    /// What weft does.
    pub expect: Expect,
    /// What weft's XDP program does.
    pub path: Path,
}

/// The forwarding counters a good VXLAN frame moves, `n` times.
pub fn forwarding(n: u64) -> Vec<(NodeCounter, u64)> {
    vec![
        (("vxlan4-input", "good packets decapsulated"), n),
        (("l2-input", "L2 input packets"), n),
        (("l2-output", "L2 output packets"), n),
        (("vxlan4-encap", "good packets encapsulated"), n),
    ]
}

/// The interface counter the receiving interface counts a frame under
/// when it reaches `node`: `ip4` for the IPv4 nodes, `ip6` for the IPv6
/// ones, none for ethernet-input and arp-reply.
pub fn l3_counter(node: &str) -> Option<&'static str> {
    if node.starts_with("ip6-") {
        Some("ip6")
    } else if matches!(node, "ethernet-input" | "arp-reply") {
        None
    } else {
        Some("ip4")
    }
}

/// weft's IPv6 address on the uplink in the matrix's rigs.
pub const WEFT_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3);
/// koko1's.
pub const KOKO1_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);

/// An IPv6 frame from koko1 to `dst` (Ethernet to `mac`) carrying ICMPv6
/// `icmp`, its checksum filled, hop limit `hops`.
fn icmp6(mac: EthernetAddress, dst: std::net::Ipv6Addr, hops: u8, icmp: &[u8]) -> Vec<u8> {
    use weft::dataplane::wire::{Icmpv6Packet, Ipv6NextHeader, Ipv6Packet, Ipv6Repr};
    let mut f = Vec::new();
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&fixtures::KOKO1_MAC.0);
    f.extend_from_slice(&[0x86, 0xdd]);
    let mut ip = vec![0u8; 40 + icmp.len()];
    Ipv6Repr {
        src: KOKO1_IP6,
        dst,
        next_header: Ipv6NextHeader::Icmpv6,
        payload_len: icmp.len() as u16,
        hop_limit: hops,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]));
    ip[40..].copy_from_slice(icmp);
    Icmpv6Packet::new_unchecked(&mut ip[40..]).fill_checksum(&KOKO1_IP6, &dst);
    f.extend_from_slice(&ip);
    f
}

/// An ICMPv6 echo request from koko1 to weft.
fn echo6(mac: EthernetAddress) -> Vec<u8> {
    let mut m = vec![128, 0, 0, 0, 0, 0x77, 0, 1];
    m.extend_from_slice(&[0x5a; 24]);
    icmp6(mac, WEFT_IP6, 64, &m)
}

/// A Neighbor Solicitation from koko1 for weft's address, hop limit
/// `hops`, its Source Link-Layer Address option's length `opt_len`.
fn ns6(hops: u8, opt_len: u8) -> Vec<u8> {
    use weft::dataplane::wire::ipv6;
    let mut m = vec![135, 0, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&WEFT_IP6.octets());
    m.extend_from_slice(&[1, opt_len]);
    m.extend_from_slice(&fixtures::KOKO1_MAC.0);
    let group = ipv6::solicited_node(WEFT_IP6);
    icmp6(ipv6::multicast_mac(group), group, hops, &m)
}

/// Recomputes the IPv4 header checksum (the header is at 14, its length
/// from the IHL, cut to the frame).
pub fn fix_ip_csum(f: &mut [u8]) {
    let end = (14 + (f[14] & 0x0f) as usize * 4).min(f.len());
    f[24] = 0;
    f[25] = 0;
    let c = !checksum::data(&f[14..end]);
    f[24..26].copy_from_slice(&c.to_be_bytes());
}

fn set_total(f: &mut [u8], total: u16) {
    f[16..18].copy_from_slice(&total.to_be_bytes());
}

fn set_udp_len(f: &mut [u8], len: u16) {
    let udp = 14 + (f[14] & 0x0f) as usize * 4;
    f[udp + 4..udp + 6].copy_from_slice(&len.to_be_bytes());
}

/// The good frame: koko1 to weft, VNI 11, carrying `inner(1)`.
pub fn good(weft_mac: EthernetAddress) -> Vec<u8> {
    koko1(weft_mac).build(&inner(1))
}

fn koko1(weft_mac: EthernetAddress) -> VxlanFrame {
    VxlanFrame {
        dst_mac: weft_mac,
        ..VxlanFrame::FROM_KOKO1
    }
}

/// What weft sends to koko2 for `inner`, given `reference`, what it sent
/// for the good frame's inner of the same flow (the UDP source port is a
/// hash of the inner flow, so it is taken from there): the 50-byte outer
/// header with both lengths and the IPv4 checksum for `inner`.
pub fn expected_out(reference: &[u8], inner: &[u8]) -> Vec<u8> {
    let mut out = reference[..50].to_vec();
    set_total(&mut out, (36 + inner.len()) as u16);
    fix_ip_csum(&mut out);
    set_udp_len(&mut out, (16 + inner.len()) as u16);
    out.extend_from_slice(inner);
    out
}

/// `n` copies of `f`.
fn copies(f: &[u8], n: usize) -> Vec<Vec<u8>> {
    vec![f.to_vec(); n]
}

/// The good frame with `change` applied, the header checksum fixed.
fn mangled(weft_mac: EthernetAddress, change: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut f = good(weft_mac);
    change(&mut f);
    fix_ip_csum(&mut f);
    f
}

/// The good frame with `opts` inserted as IPv4 options (a multiple of 4
/// bytes), lengths and checksum fixed.
fn with_options(weft_mac: EthernetAddress, opts: &[u8]) -> Vec<u8> {
    assert_eq!(opts.len() % 4, 0);
    let g = good(weft_mac);
    let mut f = g[..34].to_vec();
    f.extend_from_slice(opts);
    f.extend_from_slice(&g[34..]);
    f[14] = 0x45 + (opts.len() / 4) as u8;
    let total = (f.len() - 14) as u16;
    set_total(&mut f, total);
    fix_ip_csum(&mut f);
    f
}

/// An ARP request from koko1 for `tpa`, broadcast, as bytes to mangle.
fn arp_request(tpa: Ipv4Addr) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&fixtures::KOKO1_MAC.0);
    f.extend_from_slice(&[0x08, 0x06]);
    f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    f.extend_from_slice(&fixtures::KOKO1_MAC.0);
    f.extend_from_slice(&fixtures::KOKO1_IP.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&tpa.octets());
    f
}

/// An ICMP echo request from koko1 to weft with `payload`, checksums right.
fn echo_request(weft_mac: EthernetAddress, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; 14 + 20 + 8 + payload.len()];
    f[0..6].copy_from_slice(&weft_mac.0);
    f[6..12].copy_from_slice(&fixtures::KOKO1_MAC.0);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let total = (f.len() - 14) as u16;
    fixtures::ipv4_header(
        &mut f[14..34],
        fixtures::KOKO1_IP,
        fixtures::WEFT_IP,
        1,
        64,
        total,
    );
    f[34] = 8;
    f[38..40].copy_from_slice(&0x77u16.to_be_bytes());
    f[40..42].copy_from_slice(&1u16.to_be_bytes());
    f[42..].copy_from_slice(payload);
    let c = !checksum::data(&f[34..]);
    f[36..38].copy_from_slice(&c.to_be_bytes());
    f
}

/// An inner frame of the good frame's flow, `len` bytes long.
pub fn flow_inner(len: usize) -> Vec<u8> {
    fixtures::inner_udp(
        fixtures::TEST1_MAC,
        fixtures::TEST2_MAC,
        fixtures::TEST1_IP,
        fixtures::TEST2_IP,
        1,
        80,
        len,
    )
}

/// The matrix, for weft at `weft_mac`.
///
/// * `max_frame`: the largest frame a buffer takes (frame size minus
///   headroom: 3840 with the default data-size, 1792 with data-size 1024);
///   the jumbo row sends `max_frame` + 1 and each of `jumbo`.
/// * `uplink_mtu`: weft's uplink MTU; decides whether the largest frame
///   that fits a buffer can still be forwarded once re-encapsulated.
pub fn matrix(
    weft_mac: EthernetAddress,
    max_frame: usize,
    uplink_mtu: usize,
    jumbo: &[usize],
) -> Vec<Case> {
    let m = weft_mac;
    let g = good(m);
    let drop = |node, counter| Expect::Drop((node, counter));
    let cases = vec![
        Case {
            name: "truncated IPv6 header (0-39 bytes)",
            frames: (0..40).map(|n| echo6(m)[..14 + n].to_vec()).collect(),
            expect: drop("ip6-input", "ip6 length < 40 bytes"),
            path: Path::Kernel,
        },
        Case {
            name: "IPv6 payload length beyond the frame",
            frames: copies(
                &{
                    let mut f = echo6(m);
                    f.truncate(f.len() - 4);
                    f
                },
                2,
            ),
            expect: drop("ip6-input", "ip6 length > l2 length"),
            path: Path::Weft,
        },
        Case {
            name: "IPv6 ethertype, version 4",
            frames: copies(
                &{
                    let mut f = echo6(m);
                    f[14] = 0x40;
                    f
                },
                2,
            ),
            expect: drop("ip6-input", "ip6 version != 6"),
            path: Path::Kernel,
        },
        Case {
            name: "IPv6 UDP to weft, not a tunnel port",
            frames: copies(
                &{
                    let mut f = echo6(m);
                    f[14 + 6] = 17;
                    f
                },
                2,
            ),
            expect: drop("ip6-input", "no listener for udp port"),
            path: Path::Weft,
        },
        Case {
            name: "ICMPv6 echo to weft, bad checksum",
            frames: copies(
                &{
                    let mut f = echo6(m);
                    f[14 + 40 + 2] ^= 0x01;
                    f
                },
                2,
            ),
            expect: drop("ip6-icmp-input", "bad icmp checksum"),
            path: Path::Weft,
        },
        Case {
            name: "ICMPv6 shorter than its header",
            frames: copies(&icmp6(m, WEFT_IP6, 64, &[128, 0, 0, 0]), 2),
            expect: drop("ip6-icmp-input", "payload length too small for type"),
            path: Path::Weft,
        },
        Case {
            name: "Neighbor Solicitation, hop limit 64",
            frames: copies(&ns6(64, 1), 2),
            expect: drop("ip6-icmp-input", "hop_limit != 255"),
            path: Path::Weft,
        },
        Case {
            name: "Neighbor Solicitation, option length 0",
            frames: copies(&ns6(255, 0), 2),
            expect: drop("ip6-icmp-input", "option has zero length"),
            path: Path::Weft,
        },
        Case {
            name: "truncated Ethernet header (0-13 bytes)",
            frames: (0..14).map(|n| g[..n].to_vec()).collect(),
            expect: drop("ethernet-input", "frame shorter than ethernet header"),
            path: Path::Unsendable,
        },
        Case {
            name: "truncated IPv4 header (0-19 bytes)",
            frames: (0..20).map(|n| g[..14 + n].to_vec()).collect(),
            expect: drop("ip4-input", "ip4 length < 20 bytes"),
            path: Path::Kernel,
        },
        Case {
            name: "truncated UDP header (0-7 bytes)",
            frames: (0..8)
                .map(|n| {
                    let mut f = g[..34 + n].to_vec();
                    set_total(&mut f, 20 + n as u16);
                    fix_ip_csum(&mut f);
                    f
                })
                .collect(),
            expect: drop("ip4-local", "inconsistent udp/ip lengths"),
            path: Path::Weft,
        },
        Case {
            name: "truncated VXLAN header (0-7 bytes)",
            frames: (0..8)
                .map(|n| {
                    let mut f = g[..42 + n].to_vec();
                    set_total(&mut f, 28 + n as u16);
                    set_udp_len(&mut f, 8 + n as u16);
                    fix_ip_csum(&mut f);
                    f
                })
                .collect(),
            expect: drop("vxlan4-input", "packets shorter than a vxlan header"),
            path: Path::Weft,
        },
        Case {
            name: "IHL < 5 (0-4)",
            frames: (0..5u8)
                .map(|ihl| mangled(m, |f| f[14] = 0x40 | ihl))
                .collect(),
            expect: drop("ip4-input", "ip4 IHL < 5"),
            path: Path::Weft,
        },
        Case {
            name: "IHL > frame length (IHL 6-15, 20-byte packet)",
            frames: (6..16u8)
                .map(|ihl| {
                    let mut f = g[..34].to_vec();
                    f[14] = 0x40 | ihl;
                    set_total(&mut f, 20);
                    fix_ip_csum(&mut f);
                    f
                })
                .collect(),
            expect: drop("ip4-input", "ip4 length > l2 length"),
            path: Path::Weft,
        },
        Case {
            name: "IHL > total length (IHL 15, total 20/40/59)",
            frames: [20u16, 40, 59]
                .iter()
                .map(|&t| {
                    mangled(m, |f| {
                        f[14] = 0x4f;
                        set_total(f, t);
                    })
                })
                .collect(),
            expect: drop("ip4-input", "ip4 IHL > total length"),
            path: Path::Weft,
        },
        Case {
            name: "IPv4 options (router alert; 40 bytes of NOPs)",
            frames: vec![
                with_options(m, &[0x94, 0x04, 0x00, 0x00]),
                with_options(m, &[0x01; 40]),
            ],
            expect: Expect::Forward {
                inner: inner(1),
                info: Some(("ip4-input", "ip4 options present")),
            },
            path: Path::Weft,
        },
        Case {
            name: "total length > frame (+1, 65535)",
            frames: vec![
                mangled(m, |f| {
                    let t = (f.len() - 14 + 1) as u16;
                    set_total(f, t)
                }),
                mangled(m, |f| set_total(f, 65535)),
            ],
            expect: drop("ip4-input", "ip4 length > l2 length"),
            path: Path::Weft,
        },
        Case {
            name: "total length < 20 (0, 19)",
            frames: vec![
                mangled(m, |f| set_total(f, 0)),
                mangled(m, |f| set_total(f, 19)),
            ],
            expect: drop("ip4-input", "ip4 length < 20 bytes"),
            path: Path::Weft,
        },
        Case {
            name: "total length < frame, cutting the datagram (-1, -10, 28)",
            frames: vec![
                mangled(m, |f| {
                    let t = (f.len() - 14 - 1) as u16;
                    set_total(f, t)
                }),
                mangled(m, |f| {
                    let t = (f.len() - 14 - 10) as u16;
                    set_total(f, t)
                }),
                mangled(m, |f| set_total(f, 28)),
            ],
            expect: drop("ip4-local", "inconsistent udp/ip lengths"),
            path: Path::Weft,
        },
        Case {
            name: "bad header checksum (2 flips; with options)",
            frames: vec![
                {
                    let mut f = g.clone();
                    f[24] ^= 0xff;
                    f
                },
                {
                    let mut f = g.clone();
                    f[25] ^= 0x01;
                    f
                },
                {
                    let mut f = with_options(m, &[0x94, 0x04, 0x00, 0x00]);
                    f[24] ^= 0x10;
                    f
                },
            ],
            expect: drop("ip4-input", "bad ip4 checksum"),
            path: Path::Weft,
        },
        Case {
            name: "TTL 0",
            frames: copies(&VxlanFrame { ttl: 0, ..koko1(m) }.build(&inner(1)), 3),
            expect: drop("ip4-input", "ip4 ttl <= 1"),
            path: Path::Weft,
        },
        Case {
            // VPP's ip4-input drops only TTL < 1; TTL 1 to a local
            // address is delivered (ip4-rewrite checks TTL on forwarding).
            name: "TTL 1 (delivered, as VPP does)",
            frames: copies(&VxlanFrame { ttl: 1, ..koko1(m) }.build(&inner(1)), 3),
            expect: Expect::Forward {
                inner: inner(1),
                info: None,
            },
            path: Path::Weft,
        },
        Case {
            name: "first fragment (MF, offset 0) of a VXLAN datagram",
            frames: copies(&mangled(m, |f| f[20] = 0x20), 2),
            expect: drop("ip4-local", "ip4 fragment (no reassembly)"),
            path: Path::Weft,
        },
        Case {
            name: "middle fragment (MF, offset 1480)",
            frames: copies(
                &mangled(m, |f| {
                    f[20..22].copy_from_slice(&(0x2000u16 | 185).to_be_bytes())
                }),
                2,
            ),
            expect: drop("ip4-local", "ip4 fragment (no reassembly)"),
            path: Path::Weft,
        },
        Case {
            name: "last fragment (offset 1480)",
            frames: copies(
                &mangled(m, |f| f[20..22].copy_from_slice(&185u16.to_be_bytes())),
                2,
            ),
            expect: drop("ip4-local", "ip4 fragment (no reassembly)"),
            path: Path::Weft,
        },
        Case {
            name: "fragment offset 1 (8 bytes)",
            frames: copies(&mangled(m, |f| f[21] = 1), 2),
            expect: drop("ip4-input", "ip4 fragment offset == 1"),
            path: Path::Weft,
        },
        Case {
            name: "UDP length > IP payload (+1, 65535)",
            frames: vec![
                mangled(m, |f| {
                    let l = (f.len() - 34 + 1) as u16;
                    set_udp_len(f, l)
                }),
                mangled(m, |f| set_udp_len(f, 65535)),
            ],
            expect: drop("ip4-local", "inconsistent udp/ip lengths"),
            path: Path::Weft,
        },
        Case {
            name: "UDP length < IP payload (-1, 8, 7, 0)",
            frames: vec![
                mangled(m, |f| {
                    let l = (f.len() - 34 - 1) as u16;
                    set_udp_len(f, l)
                }),
                mangled(m, |f| set_udp_len(f, 8)),
                mangled(m, |f| set_udp_len(f, 7)),
                mangled(m, |f| set_udp_len(f, 0)),
            ],
            expect: drop("ip4-local", "inconsistent udp/ip lengths"),
            path: Path::Weft,
        },
        Case {
            name: "VXLAN flags other than 0x08 (00 0c 80 88 ff)",
            frames: [0x00u8, 0x0c, 0x80, 0x88, 0xff]
                .iter()
                .map(|&flags| VxlanFrame { flags, ..koko1(m) }.build(&inner(1)))
                .collect(),
            expect: drop(
                "vxlan4-input",
                "packets with bad flags field in vxlan header",
            ),
            path: Path::Weft,
        },
        Case {
            name: "VNI without a tunnel (99, 0, 12 from koko1, reserved byte set)",
            frames: vec![
                VxlanFrame {
                    vni: 99,
                    ..koko1(m)
                }
                .build(&inner(1)),
                VxlanFrame { vni: 0, ..koko1(m) }.build(&inner(1)),
                VxlanFrame {
                    vni: 12,
                    ..koko1(m)
                }
                .build(&inner(1)),
                {
                    let mut f = g.clone();
                    f[49] = 1;
                    f
                },
            ],
            expect: drop("vxlan4-input", "no such tunnel packets"),
            path: Path::Weft,
        },
        Case {
            name: "inner frame shorter than 14 bytes (0-13)",
            frames: (0..14).map(|n| koko1(m).build(&inner(1)[..n])).collect(),
            expect: drop("vxlan4-input", "inner frame too short"),
            path: Path::Weft,
        },
        Case {
            name: "frame larger than a buffer (jumbo)",
            frames: std::iter::once(max_frame + 1)
                .chain(jumbo.iter().copied())
                .map(|len| koko1(m).build(&flow_inner(len - 50)))
                .collect(),
            expect: Expect::RxMiss,
            path: Path::Weft,
        },
        {
            let inner = flow_inner(max_frame - 50);
            let fits_mtu = max_frame <= uplink_mtu + 14;
            Case {
                name: "largest frame a buffer takes",
                frames: copies(&koko1(m).build(&inner), 2),
                expect: if fits_mtu {
                    Expect::Forward { inner, info: None }
                } else {
                    Expect::DropMtu
                },
                path: Path::Weft,
            }
        },
        Case {
            name: "ARP, hardware length 5 and 7",
            frames: [5u8, 7]
                .iter()
                .map(|&hlen| {
                    let mut f = arp_request(fixtures::WEFT_IP);
                    f[18] = hlen;
                    f
                })
                .collect(),
            expect: drop("arp-reply", "L2 type not ethernet"),
            path: Path::Kernel,
        },
        Case {
            name: "ARP, hardware type 6 (IEEE 802)",
            frames: copies(
                &{
                    let mut f = arp_request(fixtures::WEFT_IP);
                    f[15] = 6;
                    f
                },
                2,
            ),
            expect: drop("arp-reply", "L2 type not ethernet"),
            path: Path::Weft,
        },
        Case {
            name: "ARP, protocol length 6; protocol type IPv6",
            frames: vec![
                {
                    let mut f = arp_request(fixtures::WEFT_IP);
                    f[19] = 6;
                    f
                },
                {
                    let mut f = arp_request(fixtures::WEFT_IP);
                    f[16..18].copy_from_slice(&[0x86, 0xdd]);
                    f
                },
            ],
            expect: drop("arp-reply", "L3 type not IP4"),
            path: Path::Kernel,
        },
        Case {
            name: "ARP truncated (0-27 bytes)",
            frames: (0..28)
                .map(|n| arp_request(fixtures::WEFT_IP)[..14 + n].to_vec())
                .collect(),
            expect: drop("arp-reply", "ARP packet too short"),
            path: Path::Kernel,
        },
        Case {
            name: "ICMP echo to weft, bad ICMP checksum",
            frames: copies(
                &{
                    let mut f = echo_request(m, &[0x5a; 32]);
                    f[37] ^= 0x01;
                    f
                },
                3,
            ),
            expect: drop("ip4-icmp-input", "bad icmp checksum"),
            path: Path::Weft,
        },
        Case {
            name: "ICMP to weft shorter than its header (4 bytes)",
            frames: copies(
                &{
                    let mut f = echo_request(m, &[])[..38].to_vec();
                    set_total(&mut f, 24);
                    fix_ip_csum(&mut f);
                    f
                },
                2,
            ),
            expect: drop("ip4-icmp-input", "payload length too small for type"),
            path: Path::Weft,
        },
        Case {
            name: "IPv4 version 6 in an IPv4 ethertype",
            frames: copies(&mangled(m, |f| f[14] = 0x65), 2),
            expect: drop("ip4-input", "ip4 version != 4"),
            path: Path::Kernel,
        },
        Case {
            name: "IPv4 to an address that is not weft's",
            frames: copies(
                &VxlanFrame {
                    dst: Ipv4Addr::new(10, 99, 0, 77),
                    ..koko1(m)
                }
                .build(&inner(1)),
                2,
            ),
            expect: drop("ip4-input", "ip4 destination lookup miss"),
            path: Path::Kernel,
        },
        Case {
            name: "unicast to another MAC",
            frames: copies(
                &VxlanFrame {
                    dst_mac: fixtures::KOKO2_MAC,
                    ..koko1(m)
                }
                .build(&inner(1)),
                2,
            ),
            expect: drop("ethernet-input", "l3 mac mismatch"),
            path: Path::Weft,
        },
    ];
    for c in &cases {
        assert!(!c.frames.is_empty(), "{}: no frames", c.name);
    }
    cases
}

/// Checks the first frame weft sent for the good frame, field by field:
/// what every later good frame must equal byte for byte.
pub fn check_reference(f: &[u8], weft_mac: EthernetAddress) {
    let inner = inner(1);
    assert_eq!(f.len(), 50 + inner.len());
    assert_eq!(&f[0..6], &fixtures::KOKO2_MAC.0, "dst MAC");
    assert_eq!(&f[6..12], &weft_mac.0, "src MAC");
    assert_eq!(&f[12..14], &[0x08, 0x00]);
    assert_eq!(f[14], 0x45);
    assert_eq!(
        u16::from_be_bytes([f[16], f[17]]) as usize,
        36 + inner.len()
    );
    assert_eq!(&f[18..22], &[0, 0, 0, 0], "ID 0, DF clear");
    assert_eq!(f[22], 253, "TTL");
    assert_eq!(f[23], 17);
    assert_eq!(checksum::data(&f[14..34]), 0xffff, "IPv4 checksum");
    assert_eq!(&f[26..30], &fixtures::WEFT_IP.octets());
    assert_eq!(&f[30..34], &fixtures::KOKO2_IP.octets());
    let sport = u16::from_be_bytes([f[34], f[35]]);
    assert!(sport >= 49152, "source port {sport}");
    assert_eq!(&f[36..38], &4789u16.to_be_bytes());
    assert_eq!(
        u16::from_be_bytes([f[38], f[39]]) as usize,
        16 + inner.len()
    );
    assert_eq!(&f[40..42], &[0, 0], "UDP checksum 0");
    assert_eq!(&f[42..50], &[0x08, 0, 0, 0, 0, 0, 12, 0], "VNI 12");
    assert_eq!(&f[50..], &inner[..]);
}
