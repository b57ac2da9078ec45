//! weft's XDP program against the graph, with no traffic: the same frames
//! through `BPF_PROG_TEST_RUN` on the program (loaded, not attached, with
//! its real maps and the table the control plane installs) and through a
//! worker over pg with the same configuration.
//!
//! For every frame and configuration state the program's verdict (recorded
//! in its per-CPU `weft_verdict` map) is one of: the host (`XDP_PASS`),
//! weft's socket with the frame unchanged, or back out of the interface
//! (`XDP_REDIRECT` through the program's devmap) with the frame rewritten. It must rewrite exactly the frames the graph's
//! vxlan4-fastpath takes (the node path forwards a few more, such as outer
//! IPv4 options, which both fast paths leave to it), into exactly the bytes
//! the graph sends (flow-hash source port, IPv4 length and checksum, padding
//! cut), and count them in the slot of their flow.

mod common;

use std::net::Ipv4Addr;

use common::malformed::{self, Path};
use common::pg::{KokoPg, inner, tunnel_args};
use common::privileged;
use weft::control::VxlanArgs;
use weft::dataplane::fixtures::{self, VxlanFrame};
use weft::dataplane::io::af_xdp::max_frame_len;
use weft::dataplane::io::xdp_fastpath::{key_bytes, value_bytes};
use weft::dataplane::io::xdp_prog::{Verdict, XdpProgram};
use weft::dataplane::nodes::vxlan4_fastpath::{KernelFlow, kernel_flows};

const XDP_REDIRECT: u32 = 4;

/// The program with the rig's address and the table for the rig's
/// configuration; the flows, whose index is their counter slot.
fn install(p: &XdpProgram, k: &KokoPg) -> Vec<KernelFlow> {
    let tables = k.config.tables().load();
    let flows = kernel_flows(&tables, k.eth0_if);
    let entries: Vec<_> = flows
        .iter()
        .enumerate()
        .map(|(i, f)| (key_bytes(&f.key), value_bytes(&f.encap, i as u32)))
        .collect();
    p.fastpath().unwrap().set_fastpath(&entries).unwrap();
    flows
}

fn program(k: &KokoPg) -> XdpProgram {
    let p = XdpProgram::load_unattached().unwrap();
    p.set_record_verdicts(true).unwrap();
    p.set_max_frame(max_frame_len(&k.pool) as u32).unwrap();
    p.add_address(fixtures::WEFT_IP).unwrap();
    p.add_address6(common::malformed::WEFT_IP6).unwrap();
    // Any interface will do: test runs do not transmit.
    p.set_tx_port(1).unwrap();
    p
}

/// Whether the graph re-encapsulated the frame: one VXLAN frame out.
fn forwarded(out: &[Vec<u8>]) -> bool {
    out.len() == 1
        && out[0].len() >= 50
        && out[0][12..14] == [0x08, 0x00]
        && out[0][23] == 17
        && out[0][36..38] == 4789u16.to_be_bytes()
}

/// Packets that took the node path (ethernet-input's vectors).
fn node_path_packets(k: &KokoPg) -> u64 {
    let stats = k.worker.stats();
    let n = stats
        .node_infos
        .iter()
        .position(|i| i.name == "ethernet-input")
        .unwrap();
    stats.nodes[n].vectors.get()
}

/// Inner frames of many flows and shapes: UDP and TCP of many ports, ICMP,
/// fragments, IPv4 options, non-IP, the shortest inner frames.
fn inners() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = (0..64).map(|p| inner(1000 + p * 7)).collect();
    for len in [42, 60, 98, 300, 1400, 1464] {
        v.push(malformed::flow_inner(len));
    }
    let base = inner(5);
    for proto in [1u8, 6, 47] {
        let mut f = base.clone();
        f[23] = proto;
        v.push(f);
    }
    // A fragment (MF set, ports not hashed) and one with an offset.
    for frag in [0x2000u16, 0x0010] {
        let mut f = base.clone();
        f[20..22].copy_from_slice(&frag.to_be_bytes());
        v.push(f);
    }
    // IPv4 with options (IHL 6), and nonsense IHLs (0 and 15).
    for ihl in [6u8, 0, 15] {
        let mut f = base.clone();
        f[14] = 0x40 | ihl;
        v.push(f);
    }
    // Not IPv4: ARP, IPv6, and 14 to 37 bytes of IPv4-looking frame.
    let mut arp = base.clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    v.push(arp);
    let mut v6 = base.clone();
    v6[12..14].copy_from_slice(&[0x86, 0xdd]);
    v.push(v6);
    for len in [14, 20, 33, 34, 37, 38] {
        v.push(base[..len].to_vec());
    }
    v
}

/// Every frame of the corpus: the malformed matrix, the inners above from
/// both koko hosts, with and without Ethernet padding, DF set, TTL 1, a
/// multicast destination.
fn corpus(k: &KokoPg) -> Vec<(String, Vec<u8>, Option<Path>)> {
    let mut out = Vec::new();
    for case in malformed::matrix(k.mac, max_frame_len(&k.pool), 1500, &[]) {
        // BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet
        // header, as veth refuses to send them.
        for f in case.frames.into_iter().filter(|f| f.len() >= 14) {
            out.push((case.name.to_string(), f, Some(case.path)));
        }
    }
    for (i, inn) in inners().iter().enumerate() {
        for (who, f) in [
            ("koko1", k.frame_from_koko1(inn)),
            ("koko2", k.frame_from_koko2(inn)),
        ] {
            out.push((format!("{who} inner {i}"), f.clone(), None));
            let mut padded = f.clone();
            padded.extend_from_slice(&[0xee; 7]);
            out.push((format!("{who} inner {i} padded"), padded, None));
        }
    }
    let g = k.frame_from_koko1(&inner(9));
    let mut df = g.clone();
    df[20] = 0x40;
    malformed::fix_ip_csum(&mut df);
    out.push(("DF set".into(), df, None));
    let mut ttl1 = g.clone();
    ttl1[22] = 1;
    malformed::fix_ip_csum(&mut ttl1);
    out.push(("TTL 1".into(), ttl1, None));
    let mut mcast = g.clone();
    mcast[0] = 0x01;
    out.push(("multicast outer".into(), mcast, None));
    let other = VxlanFrame {
        dst_mac: k.mac,
        vni: 99,
        ..VxlanFrame::FROM_KOKO1
    };
    out.push(("unknown VNI".into(), other.build(&inner(3)), None));
    out
}

/// Runs the corpus through both and checks them against each other;
/// returns how many frames the program rewrote.
/// Without a table (`flows` is `None`) the program rewrites nothing and the
/// graph does what it likes.
fn compare(state: &str, k: &mut KokoPg, p: &XdpProgram, flows: Option<&[KernelFlow]>) -> usize {
    let table = flows.is_some();
    let flows = flows.unwrap_or_default();
    let before: Vec<[u64; 4]> = (0..flows.len() as u32)
        .map(|s| p.fastpath().unwrap().fastpath_counts(s).unwrap())
        .collect();
    let mut want = vec![[0u64; 4]; flows.len()];
    let mut taken = 0;
    for (name, f, path) in corpus(k) {
        let r = p.test_run_frame(&f).unwrap();
        let node_path0 = node_path_packets(k);
        let out = k.run(std::slice::from_ref(&f));
        // Taken by vxlan4-fastpath: forwarded without ethernet-input.
        let graph_fast = forwarded(&out) && node_path_packets(k) == node_path0;
        let what = format!("{state}: {name} ({} bytes)", f.len());
        match r.verdict {
            Some(Verdict::Tx) => {
                assert_eq!(r.action, XDP_REDIRECT, "{what}");
                assert!(graph_fast, "{what}: vxlan4-fastpath did not take it");
                assert_eq!(r.frame, out[0], "{what}: bytes differ from the graph's");
                let key = &f[26..34];
                let slot = flows
                    .iter()
                    .position(|fl| key_bytes(&fl.key)[..8] == *key)
                    .unwrap();
                let total = u16::from_be_bytes([f[16], f[17]]) as u64;
                want[slot][0] += 1;
                want[slot][1] += f.len() as u64;
                want[slot][2] += total - 36;
                want[slot][3] += total + 14;
                taken += 1;
            }
            Some(Verdict::Socket) => {
                assert_eq!(r.frame, f, "{what}: a frame for the socket was changed");
                assert!(
                    !table || !graph_fast,
                    "{what}: vxlan4-fastpath took what the program left to the graph"
                );
                assert_ne!(path, Some(Path::Kernel), "{what}");
            }
            Some(Verdict::Host) => {
                assert_eq!(r.frame, f, "{what}");
                assert_ne!(path, Some(Path::Weft), "{what}: weft's frame to the host");
            }
            None => panic!("{what}: no verdict recorded (action {})", r.action),
        }
    }
    for (s, w) in want.iter().enumerate() {
        let now = p.fastpath().unwrap().fastpath_counts(s as u32).unwrap();
        let moved: Vec<u64> = (0..4).map(|i| now[i] - before[s][i]).collect();
        assert_eq!(moved, w, "{state}: counts of slot {s}");
    }
    taken
}

#[test]
fn program_rewrites_exactly_what_the_graph_sends() {
    if !privileged("program_rewrites_exactly_what_the_graph_sends") {
        return;
    }
    let mut k = KokoPg::new(2048, true);
    let p = program(&k);

    // Resolved both ways: every good VXLAN frame of either tunnel.
    let flows = install(&p, &k);
    assert_eq!(flows.len(), 2, "{flows:?}");
    let n = compare("resolved", &mut k, &p, Some(&flows));
    assert!(n >= 2 * 2 * inners().len() - 8, "resolved: only {n} taken");

    // koko2's next hop unresolved: koko1's frames go to the graph (which
    // holds them), koko2's are still taken.
    k.resolve_koko2(false);
    let flows = install(&p, &k);
    assert_eq!(flows.len(), 1);
    assert!(compare("koko2 unresolved", &mut k, &p, Some(&flows)) > 0);
    k.resolve_koko2(true);
    // The packets the graph held for koko2 leave.
    k.run(&[]);
    assert_eq!(k.pool.in_use(), 0, "the graph leaked buffers");

    // The egress tunnel down: nothing towards it.
    k.config.set_interface_state(k.tunnel1, false).unwrap();
    let flows = install(&p, &k);
    assert_eq!(flows.len(), 1);
    compare("vxlan_tunnel1 down", &mut k, &p, Some(&flows));
    k.config.set_interface_state(k.tunnel1, true).unwrap();

    // More tunnels, with both remotes: eight pairs cross-connected.
    for pair in 0..8u32 {
        let a = k
            .config
            .vxlan_add_del(&tunnel_args(fixtures::KOKO1_IP, 100 + pair, true))
            .unwrap()
            .unwrap();
        let b = k
            .config
            .vxlan_add_del(&tunnel_args(fixtures::KOKO2_IP, 200 + pair, true))
            .unwrap()
            .unwrap();
        k.config.set_l2_xconnect(a, b).unwrap();
        k.config.set_l2_xconnect(b, a).unwrap();
    }
    let flows = install(&p, &k);
    assert_eq!(flows.len(), 18);
    compare("18 tunnels", &mut k, &p, Some(&flows));
    for vni in [100u32, 107, 200, 207] {
        let (src_mac, src) = if vni < 200 {
            (fixtures::KOKO1_MAC, fixtures::KOKO1_IP)
        } else {
            (fixtures::KOKO2_MAC, fixtures::KOKO2_IP)
        };
        let f = VxlanFrame {
            dst_mac: k.mac,
            src_mac,
            src,
            vni,
            ..VxlanFrame::FROM_KOKO1
        }
        .build(&inner(vni as u16));
        let r = p.test_run_frame(&f).unwrap();
        let out = k.run(std::slice::from_ref(&f));
        assert_eq!(r.verdict, Some(Verdict::Tx), "vni {vni}");
        assert_eq!(r.frame, out[0], "vni {vni}");
    }

    // The uplink down, or no table (fast path off, a trace armed): the
    // program only steers.
    k.config.set_interface_state(k.eth0_if, false).unwrap();
    assert!(kernel_flows(&k.config.tables().load(), k.eth0_if).is_empty());
    k.config.set_interface_state(k.eth0_if, true).unwrap();
    p.fastpath().unwrap().clear_fastpath().unwrap();
    assert_eq!(compare("no table", &mut k, &p, None), 0);

    k.run(&[]);
    assert_eq!(k.pool.in_use(), 0, "the graph leaked buffers");
}

/// A tunnel whose remote is not on the uplink's subnet has no next hop:
/// no flow; and an address weft does not own is the host's.
#[test]
fn frames_not_for_weft_stay_with_the_host() {
    if !privileged("frames_not_for_weft_stay_with_the_host") {
        return;
    }
    let mut k = KokoPg::new(2048, true);
    let p = program(&k);
    install(&p, &k);
    let f = VxlanFrame {
        dst_mac: k.mac,
        dst: Ipv4Addr::new(10, 99, 0, 9),
        ..VxlanFrame::FROM_KOKO1
    }
    .build(&inner(1));
    let r = p.test_run_frame(&f).unwrap();
    assert_eq!((r.verdict, r.frame), (Some(Verdict::Host), f));
    assert!(k.run(&[]).is_empty());

    // A tunnel from an address weft owns on another interface (a
    // loopback), cross-connected and resolved: its frames arriving on the
    // uplink are not weft's there (the host's), so the program, which
    // looks the table up before it checks the address, must not have it.
    let other = Ipv4Addr::new(10, 100, 9, 9);
    let lo = k.config.create_loopback(None, None).unwrap();
    k.config.add_del_ip4_address(lo, other, 32, false).unwrap();
    let t = k
        .config
        .vxlan_add_del(&VxlanArgs {
            src: Some(other.into()),
            ..tunnel_args(fixtures::KOKO1_IP, 300, true)
        })
        .unwrap()
        .unwrap();
    k.config.set_l2_xconnect(t, k.tunnel1).unwrap();
    let flows = install(&p, &k);
    assert!(
        flows.iter().all(|f| f.key.local == fixtures::WEFT_IP),
        "{flows:?}"
    );
    let f = VxlanFrame {
        dst_mac: k.mac,
        dst: other,
        vni: 300,
        ..VxlanFrame::FROM_KOKO1
    }
    .build(&inner(1));
    let r = p.test_run_frame(&f).unwrap();
    assert_eq!((r.verdict, r.frame), (Some(Verdict::Host), f));
}

/// A veth end can transmit from XDP only while its peer runs NAPI:
/// netdev's xdp-features say so, and follow the peer's GRO.
#[test]
fn xdp_transmit_follows_the_veth_peer() {
    if !privileged("xdp_transmit_follows_the_veth_peer") {
        return;
    }
    use weft::dataplane::io::netdev_genl::{XDP_ACT_BASIC, XDP_ACT_NDO_XMIT, xdp_features};
    let a = common::Netns::new("xfa");
    let b = common::Netns::new("xfb");
    common::veth(&a, "xfa0", &b, "xfb0");
    let ifindex = |ns: &common::Netns, dev: &str| -> u32 {
        let out = ns.ip(&["-o", "link", "show", "dev", dev]);
        let text = String::from_utf8_lossy(&out.stdout);
        text.split(':').next().unwrap().trim().parse().unwrap()
    };
    let ix = ifindex(&a, "xfa0");
    let features = || {
        let _in = a.enter();
        xdp_features(ix).unwrap()
    };
    b.exec_ok(&["ethtool", "-K", "xfb0", "gro", "off"]);
    let f = features();
    assert_ne!(f & XDP_ACT_BASIC, 0, "{f:#x}");
    assert_eq!(f & XDP_ACT_NDO_XMIT, 0, "peer without NAPI: {f:#x}");
    b.exec_ok(&["ethtool", "-K", "xfb0", "gro", "on"]);
    let f = features();
    assert_ne!(f & XDP_ACT_NDO_XMIT, 0, "peer with GRO: {f:#x}");
    // An interface that does not exist is an error, not "no features".
    let _in = a.enter();
    assert!(xdp_features(999_999).is_err());
}
