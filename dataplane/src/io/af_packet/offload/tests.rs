//! Checksum completion and GSO segmentation on hand-built frames, checked
//! byte for byte against frames built independently here (with a plain
//! 16-bit reference checksum) and with etherparse.

use super::*;
use etherparse::{Ipv4Header, Ipv6Header, TcpHeader, UdpHeader};

const MAC_A: [u8; 6] = [0x02, 0xfe, 0, 0, 0, 1];
const MAC_B: [u8; 6] = [0x02, 0xfe, 0, 0, 0, 2];
const IP_A: [u8; 4] = [10, 99, 5, 1];
const IP_B: [u8; 4] = [10, 99, 5, 3];
const IN_A: [u8; 4] = [10, 100, 5, 1];
const IN_B: [u8; 4] = [10, 100, 5, 3];
const IP6_A: [u8; 16] = [0xfd, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const IP6_B: [u8; 16] = [0xfd, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3];

const FIN: u8 = 0x01;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;
const CWR: u8 = 0x80;

/// Reference Internet checksum: 16-bit words, one at a time.
fn ref_sum(parts: &[&[u8]]) -> u32 {
    let all: Vec<u8> = parts.concat();
    let mut s: u32 = 0;
    for c in all.chunks(2) {
        s += u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0));
    }
    s
}

fn ref_fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

fn ref_csum(parts: &[&[u8]]) -> u16 {
    !ref_fold(ref_sum(parts))
}

fn eth(et: u16) -> Vec<u8> {
    [&MAC_B[..], &MAC_A[..], &et.to_be_bytes()].concat()
}

fn ipv4(proto: u8, tot: usize, id: u16, src: [u8; 4], dst: [u8; 4], df: bool) -> Vec<u8> {
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&(tot as u16).to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h.extend_from_slice(&[if df { 0x40 } else { 0 }, 0, 64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = ref_csum(&[&h]);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h
}

fn ipv6(nh: u8, payload: usize) -> Vec<u8> {
    let mut h = vec![0x60, 0x02, 0x41, 0x75];
    h.extend_from_slice(&(payload as u16).to_be_bytes());
    h.extend_from_slice(&[nh, 64]);
    h.extend_from_slice(&IP6_A);
    h.extend_from_slice(&IP6_B);
    h
}

fn tcp(seq: u32, flags: u8, opts: &[u8], check: u16) -> Vec<u8> {
    assert!(opts.len().is_multiple_of(4));
    let mut h = vec![0x9e, 0xcc, 0x13, 0x89];
    h.extend_from_slice(&seq.to_be_bytes());
    h.extend_from_slice(&0xea20_785au32.to_be_bytes());
    h.push((((20 + opts.len()) / 4) << 4) as u8);
    h.push(flags);
    h.extend_from_slice(&[0x00, 0x40]);
    h.extend_from_slice(&check.to_be_bytes());
    h.extend_from_slice(&[0, 0]);
    h.extend_from_slice(opts);
    h
}

fn udp(sport: u16, dport: u16, len: usize, check: u16) -> Vec<u8> {
    [
        &sport.to_be_bytes()[..],
        &dport.to_be_bytes(),
        &(len as u16).to_be_bytes(),
        &check.to_be_bytes(),
    ]
    .concat()
}

fn vxlan() -> Vec<u8> {
    vec![0x08, 0, 0, 0, 0, 0, 0x0b, 0]
}

/// NOP, NOP, timestamps: the options of a Linux TCP segment.
const TS_OPTS: [u8; 12] = [1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0];

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

/// Pseudo-header of an L4 header at `l4` under IPv4 at `ip` or IPv6.
fn pseudo4(f: &[u8], ip: usize, proto: u8, len: usize) -> Vec<u8> {
    [
        &f[ip + 12..ip + 20],
        &[0, proto],
        &(len as u16).to_be_bytes()[..],
    ]
    .concat()
}

fn pseudo6(f: &[u8], ip: usize, proto: u8, len: usize) -> Vec<u8> {
    [
        &f[ip + 8..ip + 40],
        &(len as u32).to_be_bytes()[..],
        &[0, 0, 0, proto],
    ]
    .concat()
}

/// Sets the checksum of the TCP (field 16) or UDP (field 6) header at `l4`,
/// reference way.
fn set_l4_csum(f: &mut [u8], ip: usize, v6: bool, l4: usize, proto: u8) {
    let field = l4 + if proto == 6 { 16 } else { 6 };
    f[field..field + 2].fill(0);
    let len = f.len() - l4;
    let ph = if v6 {
        pseudo6(f, ip, proto, len)
    } else {
        pseudo4(f, ip, proto, len)
    };
    let mut c = ref_csum(&[&ph, &f[l4..]]);
    if c == 0 && proto == 17 {
        c = 0xffff;
    }
    f[field..field + 2].copy_from_slice(&c.to_be_bytes());
}

fn segments(frame: &[u8], h: &VnetHdr) -> Vec<Vec<u8>> {
    let plan = GsoPlan::new(frame, h).unwrap();
    (0..plan.segments())
        .map(|k| {
            let mut dst = vec![0xa5u8; plan.segment_len(k) + 7];
            let n = plan.write_segment(frame, k, &mut dst);
            assert_eq!(n, plan.segment_len(k));
            assert!(
                dst[n..].iter().all(|&b| b == 0xa5),
                "wrote past the segment"
            );
            dst.truncate(n);
            dst
        })
        .collect()
}

/// Checks an IPv4 header with etherparse: checksum, total length, id.
fn verify_ipv4(seg: &[u8], off: usize, id: u16) -> Ipv4Header {
    let (h, _) = Ipv4Header::from_slice(&seg[off..]).unwrap();
    assert_eq!(
        h.header_checksum,
        h.calc_header_checksum(),
        "IPv4 header checksum"
    );
    assert_eq!(h.total_len as usize, seg.len() - off);
    assert_eq!(h.identification, id);
    h
}

fn verify_tcp4(seg: &[u8], ip: &Ipv4Header, l4: usize) -> TcpHeader {
    let (t, pl) = TcpHeader::from_slice(&seg[l4..]).unwrap();
    assert_eq!(
        t.checksum,
        t.calc_checksum_ipv4(ip, pl).unwrap(),
        "TCP checksum"
    );
    t
}

fn tcpv4_super(pl: &[u8], opts: &[u8], flags: u8, gso: u16) -> (Vec<u8>, VnetHdr) {
    let t = tcp(1_000_000, flags, opts, 0x3a40);
    let mut f = eth(0x0800);
    f.extend(ipv4(6, 20 + t.len() + pl.len(), 0x6b0d, IN_A, IN_B, true));
    f.extend(&t);
    f.extend(pl);
    let h = VnetHdr {
        flags: VnetHdr::F_NEEDS_CSUM,
        gso_type: VnetHdr::GSO_TCPV4,
        hdr_len: (34 + t.len()) as u16,
        gso_size: gso,
        csum_start: 34,
        csum_offset: 16,
    };
    (f, h)
}

#[test]
fn tcpv4_segments_exact() {
    let pl = payload(4000);
    let (f, h) = tcpv4_super(&pl, &TS_OPTS, ACK | PSH | FIN | CWR, 1448);
    let segs = segments(&f, &h);
    assert_eq!(segs.len(), 3);
    let sizes = [1448, 1448, 1104];
    let wflags = [ACK | CWR, ACK, ACK | PSH | FIN];
    let mut got = Vec::new();
    let mut seq = 1_000_000u32;
    for (k, s) in segs.iter().enumerate() {
        let chunk = &pl[k * 1448..k * 1448 + sizes[k]];
        let mut want = eth(0x0800);
        want.extend(ipv4(
            6,
            20 + 32 + sizes[k],
            0x6b0d + k as u16,
            IN_A,
            IN_B,
            true,
        ));
        want.extend(tcp(seq, wflags[k], &TS_OPTS, 0));
        want.extend(chunk);
        set_l4_csum(&mut want, 14, false, 34, 6);
        assert_eq!(s, &want, "segment {k}");
        let ip = verify_ipv4(s, 14, 0x6b0d + k as u16);
        let t = verify_tcp4(s, &ip, 34);
        assert_eq!(t.sequence_number, seq);
        got.extend_from_slice(&s[66..]);
        seq += sizes[k] as u32;
    }
    assert_eq!(got, pl);
}

#[test]
fn tcpv4_one_segment_and_odd_lengths() {
    // Payload smaller than gso_size: one segment, flags kept.
    let pl = payload(999);
    let (f, h) = tcpv4_super(&pl, &[], ACK | PSH | CWR, 1448);
    let segs = segments(&f, &h);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].len(), f.len());
    assert_eq!(segs[0][47], ACK | PSH | CWR);
    let ip = verify_ipv4(&segs[0], 14, 0x6b0d);
    verify_tcp4(&segs[0], &ip, 34);
    // Odd gso_size and an odd last segment.
    let pl = payload(5001);
    let (f, h) = tcpv4_super(&pl, &TS_OPTS, ACK, 1001);
    let segs = segments(&f, &h);
    assert_eq!(segs.len(), 5);
    assert_eq!(segs[4].len(), 66 + 997);
    for (k, s) in segs.iter().enumerate() {
        let ip = verify_ipv4(s, 14, 0x6b0d + k as u16);
        let t = verify_tcp4(s, &ip, 34);
        assert_eq!(t.sequence_number, 1_000_000 + 1001 * k as u32);
    }
    // An exact multiple: no empty last segment.
    let (f, h) = tcpv4_super(&payload(2896), &[], ACK, 1448);
    assert_eq!(GsoPlan::new(&f, &h).unwrap().segments(), 2);
}

#[test]
fn tcpv6_with_extension_header() {
    let pl = payload(3001);
    let t = tcp(0xffff_ff00, ACK | FIN, &TS_OPTS, 0x1234);
    // A destination-options header (8 bytes: PadN) before TCP.
    let dest_opts = [6u8, 0, 1, 4, 0, 0, 0, 0];
    let mut f = eth(0x86dd);
    f.extend(ipv6(60, dest_opts.len() + t.len() + pl.len()));
    f.extend(dest_opts);
    f.extend(&t);
    f.extend(&pl);
    let l4 = 14 + 40 + 8;
    let h = VnetHdr {
        flags: VnetHdr::F_NEEDS_CSUM,
        gso_type: VnetHdr::GSO_TCPV6,
        hdr_len: 0,
        gso_size: 1428,
        csum_start: l4 as u16,
        csum_offset: 16,
    };
    let segs = segments(&f, &h);
    assert_eq!(segs.len(), 3);
    let mut seq = 0xffff_ff00u32;
    for (k, s) in segs.iter().enumerate() {
        let n = if k < 2 { 1428 } else { 3001 - 2856 };
        let mut want = eth(0x86dd);
        want.extend(ipv6(60, 8 + 32 + n));
        want.extend(dest_opts);
        want.extend(tcp(seq, if k == 2 { ACK | FIN } else { ACK }, &TS_OPTS, 0));
        want.extend(&pl[k * 1428..k * 1428 + n]);
        set_l4_csum(&mut want, 14, true, l4, 6);
        assert_eq!(s, &want, "segment {k}");
        let (ip, _) = Ipv6Header::from_slice(&s[14..]).unwrap();
        assert_eq!(ip.payload_length as usize, s.len() - 54);
        let (t, p) = TcpHeader::from_slice(&s[l4..]).unwrap();
        assert_eq!(t.checksum, t.calc_checksum_ipv6(&ip, p).unwrap());
        // The sequence number wraps.
        assert_eq!(t.sequence_number, seq);
        seq = seq.wrapping_add(n as u32);
    }
}

/// The headers a kernel vxlan device over veth hands a packet socket
/// (captured on Linux 6.18 with `tmp11 type vxlan id 11 ... udpcsum`: the
/// vnet header said `flags 1 gso_type 1 hdr_len 116 gso_size 1398
/// csum_start 84 csum_offset 16`), up to the TCP options; the TCP
/// timestamps are filled in. Outer total length 7092, UDP length 7072
/// and checksum 0x3a7b (the outer pseudo-header sum), inner total length
/// 7042, TCP checksum 0x3a40 (inner pseudo-header sum).
const KERNEL_VXLAN_HDR: &str = "5a6821b16433a672db58c38c080045001bb4c50e000040117b610a6305010a6305038a1012b51ba03a7b0800000000000b001293c7e4cb25c6fa3af92a60080045001b826b0d40004006959d0a6405010a6405039ecc13895d31d8b4ea20785a801800403a400000";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn kernel_vxlan_super(udp_csum: bool) -> (Vec<u8>, VnetHdr, Vec<u8>) {
    let mut f = unhex(KERNEL_VXLAN_HDR);
    assert_eq!(f.len(), 104);
    f.extend_from_slice(&TS_OPTS);
    if !udp_csum {
        f[40..42].fill(0);
    }
    let pl = payload(7106 - 116);
    f.extend_from_slice(&pl);
    let h = VnetHdr {
        flags: 1,
        gso_type: 1,
        hdr_len: 116,
        gso_size: 1398,
        csum_start: 84,
        csum_offset: 16,
    };
    (f, h, pl)
}

#[test]
fn vxlan_tcpv4_as_the_kernel_delivers_it() {
    for udp_csum in [false, true] {
        let (f, h, pl) = kernel_vxlan_super(udp_csum);
        let segs = segments(&f, &h);
        assert_eq!(segs.len(), 5, "6990 bytes in 1398-byte segments");
        let mut got = Vec::new();
        for (k, s) in segs.iter().enumerate() {
            assert_eq!(s.len(), 116 + 1398);
            // Outer: Ethernet, IPv4 (length, id + k, checksum), UDP.
            assert_eq!(&s[..14], &f[..14]);
            let outer = verify_ipv4(s, 14, 0xc50e + k as u16);
            let (u, rest) = UdpHeader::from_slice(&s[34..]).unwrap();
            assert_eq!(u.length as usize, s.len() - 34);
            assert_eq!((u.source_port, u.destination_port), (0x8a10, 4789));
            if udp_csum {
                assert_eq!(u.checksum, u.calc_checksum_ipv4(&outer, rest).unwrap());
                assert_ne!(u.checksum, 0);
            } else {
                assert_eq!(u.checksum, 0, "a zero outer UDP checksum stays zero");
            }
            // VXLAN and the inner Ethernet header, unchanged.
            assert_eq!(&s[42..64], &f[42..64]);
            // Inner IPv4 and TCP.
            let inner = verify_ipv4(s, 64, 0x6b0d + k as u16);
            assert!(inner.dont_fragment);
            let t = verify_tcp4(s, &inner, 84);
            assert_eq!(t.sequence_number, 0x5d31d8b4 + 1398 * k as u32);
            assert_eq!(t.options.as_slice(), &TS_OPTS);
            assert_eq!(t.psh, k == 4, "PSH only on the last segment");
            assert!(t.ack);
            got.extend_from_slice(&s[116..]);

            // Exact bytes, built the reference way.
            let chunk = &pl[k * 1398..(k + 1) * 1398];
            let mut inner_f = eth(0x0800);
            inner_f[..12].copy_from_slice(&f[50..62]);
            inner_f.extend(ipv4(6, 20 + 32 + 1398, 0x6b0d + k as u16, IN_A, IN_B, true));
            let flags = if k == 4 { ACK | PSH } else { ACK };
            let mut th = tcp(0x5d31d8b4 + 1398 * k as u32, flags, &TS_OPTS, 0);
            th[0..4].copy_from_slice(&f[84..88]);
            inner_f.extend(th);
            inner_f.extend(chunk);
            set_l4_csum(&mut inner_f, 14, false, 34, 6);
            let mut want = f[..14].to_vec();
            want.extend(ipv4(
                17,
                20 + 8 + 8 + inner_f.len(),
                0xc50e + k as u16,
                IP_A,
                IP_B,
                false,
            ));
            want.extend(udp(0x8a10, 4789, 16 + inner_f.len(), 0));
            want.extend(vxlan());
            want.extend(&inner_f);
            if udp_csum {
                set_l4_csum(&mut want, 14, false, 34, 17);
            }
            assert_eq!(s, &want, "segment {k} (udp csum {udp_csum})");
        }
        assert_eq!(got, pl);
    }
}

#[test]
fn geneve_over_ipv6_with_outer_tag() {
    // Outer 802.1Q tag left in the frame, IPv6, UDP (checksum mandatory),
    // Geneve with 12 bytes of options, inner Ethernet, IPv4, TCP.
    let pl = payload(2500);
    let t = tcp(7, ACK | PSH, &[], 0x1111);
    let mut inner = eth(0x0800);
    inner.extend(ipv4(6, 20 + 20 + pl.len(), 0x0100, IN_A, IN_B, true));
    inner.extend(&t);
    inner.extend(&pl);
    let geneve = [
        3u8, 0, 0x65, 0x58, 0, 0, 0x0b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ];
    let mut f = [&MAC_B[..], &MAC_A, &[0x81, 0x00, 0x00, 0x64, 0x86, 0xdd]].concat();
    f.extend(ipv6(17, 8 + geneve.len() + inner.len()));
    f.extend(udp(5555, 6081, 8 + geneve.len() + inner.len(), 0xbeef));
    f.extend(geneve);
    f.extend(&inner);
    let udp_off = 18 + 40;
    let l4 = udp_off + 8 + 20 + 14 + 20;
    let h = VnetHdr {
        flags: 1,
        gso_type: VnetHdr::GSO_TCPV4,
        hdr_len: 0,
        gso_size: 1200,
        csum_start: l4 as u16,
        csum_offset: 16,
    };
    let segs = segments(&f, &h);
    assert_eq!(segs.len(), 3);
    for (k, s) in segs.iter().enumerate() {
        let (ip6, _) = Ipv6Header::from_slice(&s[18..]).unwrap();
        assert_eq!(ip6.payload_length as usize, s.len() - 58);
        let (u, rest) = UdpHeader::from_slice(&s[udp_off..]).unwrap();
        assert_eq!(u.length as usize, s.len() - udp_off);
        assert_eq!(u.checksum, u.calc_checksum_ipv6(&ip6, rest).unwrap());
        let ip = verify_ipv4(s, l4 - 20, 0x0100 + k as u16);
        let tc = verify_tcp4(s, &ip, l4);
        assert_eq!(tc.sequence_number, 7 + 1200 * k as u32);
        assert_eq!(tc.psh, k == 2);
    }
}

#[test]
fn udp_l4_segments() {
    let pl = payload(3000);
    let mut f = eth(0x0800);
    f.extend(ipv4(17, 20 + 8 + pl.len(), 9, IN_A, IN_B, false));
    f.extend(udp(1000, 2000, 8 + pl.len(), 0x4242));
    f.extend(&pl);
    let h = VnetHdr {
        flags: 1,
        gso_type: VnetHdr::GSO_UDP_L4,
        hdr_len: 42,
        gso_size: 1400,
        csum_start: 34,
        csum_offset: 6,
    };
    let segs = segments(&f, &h);
    assert_eq!(segs.len(), 3);
    for (k, s) in segs.iter().enumerate() {
        let n = [1400, 1400, 200][k];
        let mut want = eth(0x0800);
        want.extend(ipv4(17, 28 + n, 9 + k as u16, IN_A, IN_B, false));
        want.extend(udp(1000, 2000, 8 + n, 0));
        want.extend(&pl[k * 1400..k * 1400 + n]);
        set_l4_csum(&mut want, 14, false, 34, 17);
        assert_eq!(s, &want);
        let ip = verify_ipv4(s, 14, 9 + k as u16);
        let (u, rest) = UdpHeader::from_slice(&s[34..]).unwrap();
        assert_eq!(u.checksum, u.calc_checksum_ipv4(&ip, rest).unwrap());
    }
}

#[test]
fn refusals() {
    let (f, h) = tcpv4_super(&payload(3000), &[], ACK, 1448);
    let refuse = |f: &[u8], h: VnetHdr| GsoPlan::new(f, &h).unwrap_err();
    assert_eq!(
        refuse(
            &f,
            VnetHdr {
                gso_type: VnetHdr::GSO_UDP,
                ..h
            }
        ),
        Refusal::GsoType
    );
    assert_eq!(refuse(&f, VnetHdr { gso_type: 9, ..h }), Refusal::GsoType);
    assert_eq!(refuse(&f, VnetHdr { gso_size: 0, ..h }), Refusal::GsoSize);
    assert_eq!(
        refuse(
            &f,
            VnetHdr {
                csum_start: 30,
                ..h
            }
        ),
        Refusal::CsumStart
    );
    assert_eq!(
        refuse(
            &f,
            VnetHdr {
                csum_start: 60,
                ..h
            }
        ),
        Refusal::UnknownHeader
    );
    assert_eq!(
        refuse(
            &f,
            VnetHdr {
                csum_offset: 6,
                ..h
            }
        ),
        Refusal::CsumStart
    );
    assert_eq!(
        refuse(
            &f,
            VnetHdr {
                gso_type: VnetHdr::GSO_TCPV6,
                ..h
            }
        ),
        Refusal::GsoMismatch
    );
    assert_eq!(
        refuse(
            &f,
            VnetHdr {
                gso_type: VnetHdr::GSO_UDP_L4,
                csum_offset: 6,
                ..h
            }
        ),
        Refusal::GsoMismatch
    );
    // ECN on top of TCPV4 is accepted.
    assert!(
        GsoPlan::new(
            &f,
            &VnetHdr {
                gso_type: VnetHdr::GSO_TCPV4 | VnetHdr::GSO_ECN,
                ..h
            }
        )
        .is_ok()
    );
    // A fragment (MF, then an offset).
    let mut g = f.clone();
    g[20] = 0x20;
    assert_eq!(refuse(&g, h), Refusal::Fragment);
    g[20] = 0;
    g[21] = 1;
    assert_eq!(refuse(&g, h), Refusal::Fragment);
    // Not IP.
    let mut g = f.clone();
    g[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    assert_eq!(refuse(&g, h), Refusal::UnknownHeader);
    // IHL below 5.
    let mut g = f.clone();
    g[14] = 0x44;
    assert_eq!(refuse(&g, h), Refusal::UnknownHeader);
    // A TCP data offset below 5 words.
    let mut g = f.clone();
    g[46] = 0x40;
    assert_eq!(refuse(&g, h), Refusal::UnknownHeader);
    // Truncated inside the IP header, the TCP header, its options.
    assert_eq!(refuse(&f[..30], h), Refusal::Truncated);
    assert_eq!(refuse(&f[..50], h), Refusal::Truncated);
    let (f2, h2) = tcpv4_super(&[], &TS_OPTS, ACK, 1448);
    assert_eq!(refuse(&f2[..60], h2), Refusal::Truncated);
    assert_eq!(refuse(&f[..5], h), Refusal::Truncated);
    // IPv6 fragment header.
    let mut g = eth(0x86dd);
    g.extend(ipv6(44, 8 + 20));
    g.extend([6u8, 0, 0, 0, 0, 0, 0, 1]);
    g.extend(tcp(1, ACK, &[], 0));
    let h6 = VnetHdr {
        gso_type: VnetHdr::GSO_TCPV6,
        csum_start: 62,
        ..h
    };
    assert_eq!(refuse(&g, h6), Refusal::Fragment);
    // VXLAN without the I flag; a GRE tunnel.
    let (mut v, vh, _) = kernel_vxlan_super(false);
    v[42] = 0;
    assert_eq!(refuse(&v, vh), Refusal::UnknownHeader);
    let (mut v, vh, _) = kernel_vxlan_super(false);
    v[23] = 47;
    assert_eq!(refuse(&v, vh), Refusal::UnknownHeader);
    // csum_start inside the VXLAN header.
    let (v, vh, _) = kernel_vxlan_super(false);
    assert_eq!(
        refuse(
            &v,
            VnetHdr {
                csum_start: 46,
                ..vh
            }
        ),
        Refusal::CsumStart
    );
    // IP-in-IP nested more than the walker allows.
    let mut g = eth(0x0800);
    for _ in 0..9 {
        g.extend(ipv4(4, 100, 0, IP_A, IP_B, false));
    }
    g.extend(tcp(1, ACK, &[], 0));
    assert_eq!(
        refuse(
            &g,
            VnetHdr {
                csum_start: (14 + 9 * 20) as u16,
                ..h
            }
        ),
        Refusal::UnknownHeader
    );
}

#[test]
fn ip_in_ip_segments() {
    let pl = payload(2000);
    let t = tcp(1, ACK, &[], 0);
    let mut f = eth(0x0800);
    f.extend(ipv4(4, 40 + 20 + pl.len(), 0x10, IP_A, IP_B, false));
    f.extend(ipv4(6, 20 + 20 + pl.len(), 0x20, IN_A, IN_B, true));
    f.extend(&t);
    f.extend(&pl);
    let h = VnetHdr {
        flags: 1,
        gso_type: 1,
        hdr_len: 0,
        gso_size: 1000,
        csum_start: 54,
        csum_offset: 16,
    };
    for (k, s) in segments(&f, &h).iter().enumerate() {
        verify_ipv4(s, 14, 0x10 + k as u16);
        let ip = verify_ipv4(s, 34, 0x20 + k as u16);
        verify_tcp4(s, &ip, 54);
    }
}

#[test]
fn checksum_completion() {
    // A UDP datagram as veth hands it over: the checksum field holds the
    // pseudo-header sum.
    for n in [0usize, 1, 17, 1000, 1001] {
        let pl = payload(n);
        let mut f = eth(0x0800);
        f.extend(ipv4(17, 28 + n, 1, IN_A, IN_B, false));
        f.extend(udp(1234, 5678, 8 + n, 0));
        f.extend(&pl);
        let ph = ref_fold(ref_sum(&[&pseudo4(&f, 14, 17, 8 + n)]));
        f[40..42].copy_from_slice(&ph.to_be_bytes());
        complete_checksum(&mut f, 34, 6).unwrap();
        let (ip, _) = Ipv4Header::from_slice(&f[14..]).unwrap();
        let (u, rest) = UdpHeader::from_slice(&f[34..]).unwrap();
        assert_eq!(
            u.checksum,
            u.calc_checksum_ipv4(&ip, rest).unwrap(),
            "len {n}"
        );
    }
    // An inner TCP checksum inside VXLAN (csum_start at the inner header).
    let (mut f, _, _) = kernel_vxlan_super(false);
    f.truncate(116 + 333);
    let l = f.len();
    f[16..18].copy_from_slice(&((l - 14) as u16).to_be_bytes());
    f[38..40].copy_from_slice(&((l - 34) as u16).to_be_bytes());
    f[66..68].copy_from_slice(&((l - 64) as u16).to_be_bytes());
    let ph = ref_fold(ref_sum(&[&pseudo4(&f, 64, 6, l - 84)]));
    f[100..102].copy_from_slice(&ph.to_be_bytes());
    complete_checksum(&mut f, 84, 16).unwrap();
    let (ip, _) = Ipv4Header::from_slice(&f[64..]).unwrap();
    verify_tcp4(&f, &ip, 84);
    // Offsets out of the frame.
    let mut g = f.clone();
    assert_eq!(complete_checksum(&mut g, l, 0), Err(Refusal::CsumOffsets));
    assert_eq!(
        complete_checksum(&mut g, l - 2, 1),
        Err(Refusal::CsumOffsets)
    );
    assert_eq!(
        complete_checksum(&mut g, 0, 65535),
        Err(Refusal::CsumOffsets)
    );
    assert_eq!(g, f, "nothing written");
    // A checksum that computes to 0 is sent as 0xffff.
    let base = {
        let mut f = eth(0x0800);
        f.extend(ipv4(17, 30, 1, IN_A, IN_B, false));
        f.extend(udp(1, 2, 10, 0));
        f.extend([0, 0]);
        f
    };
    let hit = (0..=u16::MAX).find_map(|w| {
        let mut f = base.clone();
        f[42..44].copy_from_slice(&w.to_be_bytes());
        let ph = ref_fold(ref_sum(&[&pseudo4(&f, 14, 17, 10)]));
        f[40..42].copy_from_slice(&ph.to_be_bytes());
        (ref_csum(&[&f[34..]]) == 0).then_some(f)
    });
    let mut f = hit.expect("some payload word makes the checksum 0");
    complete_checksum(&mut f, 34, 6).unwrap();
    assert_eq!(&f[40..42], &[0xff, 0xff]);
}

#[test]
fn zero_checksums() {
    // TCP: a computed 0 is sent as 0, in completion and in segmentation.
    let tcp_base = |w: u16| {
        let mut pl = payload(200);
        pl[..2].copy_from_slice(&w.to_be_bytes());
        tcpv4_super(&pl, &[], ACK, 100)
    };
    let (f, h) = tcp_base(0);
    let seg0 = |f: &[u8]| {
        let plan = GsoPlan::new(f, &h).unwrap();
        let mut d = vec![0u8; plan.segment_len(0)];
        plan.write_segment(f, 0, &mut d);
        d
    };
    let base = seg0(&f);
    // The payload word that makes segment 0's checksum 0.
    let stored = u16::from_be_bytes([base[50], base[51]]);
    let w0 = u16::from_be_bytes([base[54], base[55]]);
    let w = ref_fold(u32::from(w0) + u32::from(stored));
    let (f, _) = tcp_base(w);
    let s = seg0(&f);
    assert_eq!(&s[50..52], &[0, 0], "a zero TCP checksum stays 0");
    let ip = verify_ipv4(&s, 14, 0x6b0d);
    verify_tcp4(&s, &ip, 34);
    // Completion of the same segment with the pseudo-header in the field.
    let mut p = s.clone();
    let ph = ref_fold(ref_sum(&[&pseudo4(&p, 14, 6, p.len() - 34)]));
    p[50..52].copy_from_slice(&ph.to_be_bytes());
    complete_checksum(&mut p, 34, 16).unwrap();
    assert_eq!(p, s);
}

#[test]
fn sctp_crc32c_completion() {
    // RFC 3720 B.4: 32 bytes of zeros, and 0..31, have CRC32c 0x8a9136aa
    // and 0x46dd794e, stored as the kernel stores an SCTP checksum.
    assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa);
    let inc: Vec<u8> = (0..32).collect();
    assert_eq!(crc32c(&inc), 0x46dd_794e);
    // An SCTP common header (ports, tag, checksum) and a chunk.
    let mut f = eth(0x0800);
    f.extend(ipv4(132, 20 + 12 + 20, 1, IN_A, IN_B, true));
    f.extend([
        0x04, 0xd2, 0x16, 0x2e, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
    ]);
    f.extend(payload(20));
    let mut want = f.clone();
    want[42..46].fill(0);
    let crc = crc32c(&want[34..]);
    want[42..46].copy_from_slice(&crc.to_le_bytes());
    complete_checksum(&mut f, 34, 8).unwrap();
    assert_eq!(f, want);
    assert_eq!(
        complete_checksum(&mut f[..44], 34, 8),
        Err(Refusal::CsumOffsets)
    );
}

#[test]
fn vlan_reinsertion() {
    let frame = [&MAC_B[..], &MAC_A, &[0x08, 0x00, 0x45, 0x00]].concat();
    let mut buf = vec![0xa5u8; 4];
    buf.extend(&frame);
    insert_vlan(&mut buf, 0x8100, 0x2064);
    let want = [
        &MAC_B[..],
        &MAC_A,
        &[0x81, 0x00, 0x20, 0x64, 0x08, 0x00, 0x45, 0x00],
    ]
    .concat();
    assert_eq!(buf, want);
    let mut buf = vec![0u8; 4];
    buf.extend(&frame);
    insert_vlan(&mut buf, 0x88a8, 5);
    assert_eq!(&buf[12..16], &[0x88, 0xa8, 0, 5]);
}

#[test]
fn vnet_header_round_trip() {
    let h = VnetHdr {
        flags: 1,
        gso_type: 1,
        hdr_len: 116,
        gso_size: 1398,
        csum_start: 84,
        csum_offset: 16,
    };
    let b = h.emit();
    assert_eq!(VnetHdr::parse(&b), h);
    assert!(h.is_gso() && h.needs_csum());
    assert!(!VnetHdr::default().is_gso());
    assert!(
        !VnetHdr {
            gso_type: VnetHdr::GSO_ECN,
            ..VnetHdr::default()
        }
        .is_gso()
    );
}
