//! The koko demo over `create host-interface name eth0` (AF_PACKET) with
//! the bridge port's tx checksum offload left ON: the frames reach weft
//! with their inner TCP checksums unfinished and as GSO super-frames, and
//! weft completes and segments them (the AF_XDP demo needs `ethtool -K
//! vpp1 tx off` for the same traffic).

mod common;

use common::koko::{
    KokoOptions, KokoTopology, TEST1_IP, TEST2_IP, ping, tcp_transfer, wait_resolved,
};
use common::privileged;
use common::show::{buffers_used, errors, interface_counters, moved, reason};
use common::weftd::Weftd;

fn demo(weftd: &Weftd) {
    assert_eq!(weftd.ok("create host-interface name eth0"), "host-eth0\n");
    for cmd in [
        "set interface ip address host-eth0 10.99.0.3/24",
        "set interface state host-eth0 up",
        "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11",
        "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12",
        "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1",
        "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0",
    ] {
        weftd.ok(cmd);
    }
}

fn count(m: &Counters, a: &str, b: &str) -> u64 {
    m.get(&(a.to_string(), b.to_string())).copied().unwrap_or(0)
}

#[test]
fn koko_demo_over_host_interface_with_checksum_offload_on() {
    if !privileged("koko_demo_over_host_interface_with_checksum_offload_on") {
        return;
    }
    let topo = KokoTopology::new(
        "hif",
        KokoOptions {
            wire_checksums: false,
            ..KokoOptions::default()
        },
    );
    let weftd = Weftd::start(&topo.vpp1, "hif", "cpu { workers 1 }");
    demo(&weftd);

    // What the parser refuses changes nothing.
    assert_eq!(
        weftd.err("create host-interface name eth0"),
        "create host-interface: interface `host-eth0' already exists\n"
    );
    assert_eq!(
        weftd.err("create host-interface name nosuch0"),
        "create host-interface: host interface nosuch0: No such device (os error 19)\n"
    );
    assert_eq!(
        weftd.err("create host-interface name eth0 mode ip"),
        "create host-interface: mode ip is not supported by weft: a host-interface carries Ethernet frames\n"
    );
    assert_eq!(
        weftd.err("create host-interface num-rx-queues 1"),
        "create host-interface: missing host interface name\n"
    );
    assert_eq!(
        weftd.err("create host-interface name eth0 rx-size 1000"),
        "create host-interface: rx frame size 1000 must be a multiple of 16 and at least 96 bytes\n"
    );

    let hw = weftd.ok("show hardware-interfaces host-eth0");
    for line in [
        "Linux PACKET socket interface v3",
        "  qdisc-bpass-enabled",
        "  cksum-gso-enabled",
        "RX Queue 0:",
        "TX Queue 0:",
    ] {
        assert!(hw.contains(line), "{line} missing in\n{hw}");
    }
    // Its JSON: the real AF_PACKET device's facts, as the text has them.
    let d = weftd.json("show hardware-interfaces host-eth0")[0]["driver"].clone();
    assert_eq!(d["type"], "af_packet", "{d}");
    assert_eq!(d["version"], "v3");
    assert_eq!(d["qdisc_bypass"], true);
    assert_eq!(d["cksum_gso"], true);
    assert!(
        hw.contains(&format!("  netdev eth0 ifindex {}", d["ifindex"])),
        "{d}\n{hw}"
    );
    for (dir, title) in [("rx_queues", "RX"), ("tx_queues", "TX")] {
        let queues = d[dir].as_array().unwrap();
        assert_eq!(
            queues.len(),
            hw.matches(&format!("{title} Queue ")).count(),
            "{hw}"
        );
        for q in queues {
            let r = &q["ring"];
            let line = format!(
                "  {title} Queue {}:\n    block size:{} nr:{}  frame size:{} nr:{}\n",
                q["queue"], r["block_size"], r["block_nr"], r["frame_size"], r["frame_nr"]
            );
            assert!(hw.contains(&line), "{line} in\n{hw}");
        }
    }
    // weft's own MAC, not the Linux interface's.
    let mac = topo.vpp1.mac("eth0");
    let hw_mac = hw
        .lines()
        .find_map(|l| l.trim().strip_prefix("Ethernet address "))
        .unwrap();
    assert!(hw_mac.starts_with("02:fe:"), "{hw}");
    assert_ne!(hw_mac, mac.to_string());

    wait_resolved(&weftd);
    assert!(
        ping(&topo.test1, TEST2_IP, 3).status.success(),
        "{}",
        weftd.diagnostics()
    );
    assert!(ping(&topo.test2, TEST1_IP, 3).status.success());

    // Counters from here: what the transfers move, read as differences of
    // two snapshots (a clear of interfaces and one of errors are two
    // commands, and a frame can fall between them).
    let if_before = interface_counters(&weftd.ok("show interface"));
    let err_before = errors(&weftd.ok("show errors"));
    let (sent, got) = tcp_transfer(&topo.test1, &topo.test2, TEST2_IP, 10 << 20);
    assert_eq!(got.len(), sent.len(), "all 10 MiB arrived");
    assert!(got == sent, "content differs");
    let (sent, got) = tcp_transfer(&topo.test2, &topo.test1, TEST1_IP, 2 << 20);
    assert!(got == sent, "2 MiB back");

    // The last ACKs may still be crossing: read once nothing moves.
    let (if_after, err_after) = settled(&weftd);
    let show = moved(&if_before, &if_after);
    let errs = moved(&err_before, &err_after);
    let rx0 = count(&show, "vxlan_tunnel0", "rx packets");
    let rx1 = count(&show, "vxlan_tunnel1", "rx packets");
    assert!(rx0 > 5000 && rx1 > 1000, "{show:?}");
    assert_eq!(rx0, count(&show, "vxlan_tunnel1", "tx packets"));
    assert_eq!(rx1, count(&show, "vxlan_tunnel0", "tx packets"));
    assert_eq!(
        count(&errs, "vxlan4-input", &reason("good packets decapsulated")),
        rx0 + rx1,
        "{errs:?}"
    );
    // The offloads were really in play: weft segmented super-frames and
    // completed checksums.
    let segmented = count(
        &errs,
        "af-packet-input",
        &reason("GSO super-frames segmented"),
    );
    let segments = count(
        &errs,
        "af-packet-input",
        &reason("segments made from GSO super-frames"),
    );
    let completed = count(
        &errs,
        "af-packet-input",
        &reason("partial checksums completed"),
    );
    assert!(segmented > 10 && segments > 5 * segmented, "{errs:?}");
    assert!(completed > 100, "{errs:?}");
    // Nothing dropped on the way.
    for ((node, why), n) in &errs {
        assert!(
            !why.contains("frame larger") && !why.contains("GSO super-frame with"),
            "{node}: {why} = {n}"
        );
    }
    assert_eq!(count(&show, "vxlan_tunnel0", "drops"), 0);
    assert_eq!(count(&show, "vxlan_tunnel1", "drops"), 0);

    // Delete, and traffic stops; re-create, and it resumes; no buffer is
    // lost either way.
    weftd.ok("delete host-interface name eth0");
    assert!(!weftd.ok("show interface").contains("host-eth0"));
    assert_eq!(
        weftd.err("delete host-interface name eth0"),
        "delete host-interface: no host-interface on `eth0'\n"
    );
    assert!(!ping(&topo.test1, TEST2_IP, 1).status.success());
    assert_eq!(buffers_used(&weftd.ok("show buffers")), 0);
    demo_again(&weftd);
    wait_resolved(&weftd);
    assert!(
        ping(&topo.test1, TEST2_IP, 3).status.success(),
        "{}",
        weftd.diagnostics()
    );
}

type Counters = std::collections::BTreeMap<(String, String), u64>;

/// `show interface` and `show errors` once two readings 100 ms apart agree.
fn settled(weftd: &Weftd) -> (Counters, Counters) {
    let read = || {
        (
            interface_counters(&weftd.ok("show interface")),
            errors(&weftd.ok("show errors")),
        )
    };
    let mut last = read();
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("counters kept moving{}", weftd.diagnostics());
}

/// The uplink again after a delete (the tunnels stayed).
fn demo_again(weftd: &Weftd) {
    assert_eq!(weftd.ok("create host-interface name eth0"), "host-eth0\n");
    weftd.ok("set interface ip address host-eth0 10.99.0.3/24");
    weftd.ok("set interface state host-eth0 up");
}
