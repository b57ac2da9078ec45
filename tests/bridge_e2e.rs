//! The multipoint koko case end to end (VPP-GOLDEN.md section 1): three
//! koko hosts with one container each, weftd on vpp1's eth0 over AF_XDP
//! with one VXLAN tunnel per host, the three tunnels and a BVI (loop0) in
//! bridge domain 10, configured with VPP's commands through the CLI
//! socket. One topology and one weftd for the whole story: learning,
//! forwarding, flooding, split horizon, and back.

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::bridge::{
    BD, BVI_IP, BridgeTopology, KOKO3_IP, L2fibEntry, SPOKES, TEST3_IP, hw_mac, if_indexes, l2fib,
    settled,
};
use common::koko::{KOKO1_IP, KOKO2_IP, VPP1_IP, tcp_transfer, wait_neighbors};
use common::privileged;
use common::show::{buffers_used, errors, interface_counters, moved, reason};
use common::weftd::Weftd;

type Counters = BTreeMap<(String, String), u64>;

/// What an operator would look at when a step fails (never panics).
fn state(weftd: &Weftd) -> String {
    let mut s = String::new();
    for cmd in [
        "show interface",
        "show errors",
        "show mode",
        "show bridge-domain 10 detail",
        "show l2fib verbose",
        "show ip neighbors",
    ] {
        s.push_str(&format!("\n--- {cmd} ---\n{}", weftd.cli(cmd).text));
    }
    s + &weftd.diagnostics()
}

/// Interface and error counters once they stopped moving.
fn counters(weftd: &Weftd) -> (Counters, Counters) {
    settled(|| {
        (
            interface_counters(&weftd.ok("show interface")),
            errors(&weftd.ok("show errors")),
        )
    })
}

fn count(m: &Counters, a: &str, b: &str) -> u64 {
    m.get(&(a.to_string(), b.to_string())).copied().unwrap_or(0)
}

/// Runs each command; each must print exactly `want`.
fn expect(weftd: &Weftd, cmds: &[(String, &str)]) {
    for (cmd, want) in cmds {
        let got = weftd.ok(cmd);
        assert_eq!(got, *want, "`{cmd}`");
    }
}

/// Puts the three tunnels into the bridge domain with split-horizon
/// group `shg` (none given: VPP's default, 0); `show mode` says so.
fn join_tunnels(weftd: &Weftd, shg: Option<u8>) {
    let arg = shg.map(|g| format!(" {g}")).unwrap_or_default();
    let cmds: Vec<(String, &str)> = SPOKES
        .iter()
        .map(|s| {
            (
                format!("set interface l2 bridge {} {BD}{arg}", s.tunnel),
                "",
            )
        })
        .collect();
    expect(weftd, &cmds);
    let mode = weftd.ok("show mode");
    let shg = shg.unwrap_or(0);
    for s in SPOKES {
        let want = format!("l2 bridge {} bd_id {BD} shg {shg}", s.tunnel);
        assert!(
            mode.lines().any(|l| l.trim_end() == want),
            "`{want}` in\n{mode}"
        );
    }
}

#[test]
fn bridge_domain_over_three_vxlan_tunnels_with_a_bvi() {
    if !privileged("bridge_domain_over_three_vxlan_tunnels_with_a_bvi") {
        return;
    }
    let started = Instant::now();
    // Where the time goes, on stderr (timings are never pass/fail).
    let phase = |what: &str| eprintln!("bridge e2e: {what} at {:.1?}", started.elapsed());
    let topo = BridgeTopology::new("bd");
    let weftd = Weftd::start(&topo.vpp1, "bd", "cpu { workers 1 }");
    uplink_and_tunnels(&topo, &weftd);
    bridge_domain(&weftd);
    phase("configured");

    // Everyone reaches everyone, and the BVI.
    let all = BridgeTopology::pairs(BVI_IP);
    topo.expect_pings(&all, true, || state(&weftd));
    // weft itself reaches a container through the BVI (VPP's output).
    let p = weftd.ok("ping 10.100.0.1 repeat 3 interval 0.2");
    assert!(
        p.trim_end()
            .ends_with("Statistics: 3 sent, 3 received, 0% packet loss"),
        "{p}{}",
        state(&weftd)
    );
    assert_eq!(
        p.matches("bytes from 10.100.0.1: icmp_seq=").count(),
        3,
        "{p}"
    );
    phase("pinged");
    check_l2fib(&topo, &weftd);
    unicast_stays_on_its_tunnels(&topo, &weftd);
    broadcast_floods_to_the_other_tunnels(&topo, &weftd);
    phase("unicast and flood checked");

    // Split-horizon group 1 on every tunnel: spoke to spoke is cut (VPP
    // never floods or forwards between members of one group), the BVI is
    // still reached by all.
    join_tunnels(&weftd, Some(1));
    expect(&weftd, &[("clear l2fib".into(), "")]);
    topo.flush_neighbours();
    let (spokes, bvi) = all.split_at(all.len() - SPOKES.len());
    std::thread::scope(|s| {
        s.spawn(|| topo.expect_pings(spokes, false, || state(&weftd)));
        s.spawn(|| topo.expect_pings(bvi, true, || state(&weftd)));
    });
    // Back to group 0: everything reaches everything again.
    phase("split horizon checked");
    join_tunnels(&weftd, Some(0));
    topo.flush_neighbours();
    topo.expect_pings(&all, true, || state(&weftd));
    phase("group 0 again");

    let errs = errors(&weftd.ok("show errors"));
    for (node, what) in [
        ("l2-input", "L2 input packets"),
        ("l2-learn", "L2 learn packets"),
        ("l2-fwd", "L2 forward packets"),
        ("l2-flood", "L2 flood packets"),
    ] {
        assert!(
            count(&errs, node, &reason(what)) > 0,
            "{node}: {what}: {errs:?}"
        );
    }

    // No buffer is lost: with the uplink gone the pool is whole again.
    expect(&weftd, &[("delete interface af_xdp eth0/0".into(), "")]);
    let used = settled(|| buffers_used(&weftd.ok("show buffers")));
    assert_eq!(used, 0, "buffers still in use{}", state(&weftd));
    phase("done");
}

/// eth0/0 over AF_XDP at 10.99.0.3 and one tunnel per koko host; weft
/// resolves the three hosts, and a frame from each container arrives on
/// its own tunnel only (the kernel side is koko's; nothing is bridged
/// yet).
fn uplink_and_tunnels(topo: &BridgeTopology, weftd: &Weftd) {
    let mut cmds: Vec<(String, &str)> = vec![
        ("create interface af_xdp host-if eth0".into(), ""),
        (format!("set interface ip address eth0/0 {VPP1_IP}/24"), ""),
        ("set interface state eth0/0 up".into(), ""),
    ];
    let names: Vec<String> = SPOKES.iter().map(|s| format!("{}\n", s.tunnel)).collect();
    for (s, name) in SPOKES.iter().zip(&names) {
        let cmd = format!(
            "create vxlan tunnel src {VPP1_IP} dst {} vni {}",
            s.host_ip, s.vni
        );
        cmds.push((cmd, name));
    }
    expect(weftd, &cmds);
    wait_neighbors(weftd, &[KOKO1_IP, KOKO2_IP, KOKO3_IP]);
    for (i, from) in SPOKES.iter().enumerate() {
        let (before, _) = counters(weftd);
        topo.send_arp_requests(i, "10.100.0.200", 1);
        let (after, _) = counters(weftd);
        let d = moved(&before, &after);
        for (j, s) in SPOKES.iter().enumerate() {
            assert_eq!(
                count(&d, s.tunnel, "rx packets"),
                u64::from(i == j),
                "a frame from {} on {}: {d:?}",
                from.container,
                s.tunnel
            );
        }
    }
}

/// Bridge domain 10 as in VPP-GOLDEN.md 1a: the three tunnels
/// (split-horizon group 0, VPP's default) and loop0 as its BVI at
/// 10.100.0.254.
fn bridge_domain(weftd: &Weftd) {
    expect(
        weftd,
        &[(
            format!("create bridge-domain {BD} learn 1 forward 1 uu-flood 1 flood 1 arp-term 0"),
            "bridge-domain 10\n",
        )],
    );
    join_tunnels(weftd, None);
    expect(
        weftd,
        &[
            ("create loopback interface".into(), "loop0\n"),
            (format!("set interface l2 bridge loop0 {BD} bvi"), ""),
            (format!("set interface ip address loop0 {BVI_IP}/24"), ""),
            ("set interface state loop0 up".into(), ""),
        ],
    );
    let mode = weftd.ok("show mode");
    assert!(
        mode.lines()
            .any(|l| l.trim_end() == "l2 bridge loop0 bd_id 10 bvi shg 0"),
        "{mode}"
    );
}

/// `show l2fib verbose` after everyone pinged everyone: the three
/// containers' MACs learned on their tunnels, the BVI's MAC static on
/// loop0, all in the one bridge domain.
fn check_l2fib(topo: &BridgeTopology, weftd: &Weftd) {
    let bvi_mac = hw_mac(weftd, "loop0");
    let idx = if_indexes(&weftd.ok("show interface"));
    let text = weftd.ok("show l2fib verbose");
    let (rows, summary) = l2fib(&text);
    assert_eq!(summary, (4, 3), "total/learned in\n{text}");
    assert_eq!(rows.len(), 4, "{text}");
    let mut want: Vec<(String, &str, bool)> = SPOKES
        .iter()
        .enumerate()
        .map(|(i, s)| (topo.mac(i), s.tunnel, false))
        .collect();
    want.push((bvi_mac, "loop0", true));
    for (mac, ifname, bvi) in &want {
        let row = rows
            .iter()
            .find(|r| &r.mac == mac)
            .unwrap_or_else(|| panic!("{mac} ({ifname}) missing in\n{text}"));
        assert_eq!(row.interface, *ifname, "{text}");
        assert_eq!(
            Some(&row.sw_if_index),
            idx.get(*ifname),
            "If-Idx in\n{text}"
        );
        assert_eq!(
            (row.is_static, row.bvi, row.filter),
            (*bvi, *bvi, false),
            "static, bvi, filter in\n{text}"
        );
        assert_eq!(row.age, if *bvi { "no" } else { "-" }, "{text}");
        // VPP's first bridge domain has index 1 (0 is the default one).
        assert_eq!(row.bd_index, 1, "BD-Idx in\n{text}");
    }
}

/// 10 MiB test1 -> test2, intact; known unicast leaves by one tunnel
/// only: what one tunnel received the other sent, and test3's tunnel saw
/// nothing.
fn unicast_stays_on_its_tunnels(topo: &BridgeTopology, weftd: &Weftd) {
    let (before, _) = counters(weftd);
    let (sent, got) = tcp_transfer(
        &topo.containers[0],
        &topo.containers[1],
        SPOKES[1].ip,
        10 << 20,
    );
    assert_eq!(got.len(), sent.len(), "all 10 MiB arrived");
    assert!(got == sent, "content differs");
    let (after, _) = counters(weftd);
    let d = moved(&before, &after);
    let c = |i: usize, what: &str| count(&d, SPOKES[i].tunnel, what);
    assert!(
        c(0, "rx packets") > 5000 && c(1, "rx packets") > 100,
        "{d:?}"
    );
    assert_eq!(c(0, "rx packets"), c(1, "tx packets"), "{d:?}");
    assert_eq!(c(1, "rx packets"), c(0, "tx packets"), "{d:?}");
    assert_eq!((c(2, "rx packets"), c(2, "tx packets")), (0, 0), "{d:?}");
}

/// Broadcast ARP requests from test1 (for an address nobody has, so
/// nothing answers) go out of the other two tunnels, never back out of
/// tunnel0.
fn broadcast_floods_to_the_other_tunnels(topo: &BridgeTopology, weftd: &Weftd) {
    const N: u64 = 5;
    let (if_before, err_before) = counters(weftd);
    topo.send_arp_requests(0, "10.100.0.200", N as usize);
    let (if_after, err_after) = counters(weftd);
    let d = moved(&if_before, &if_after);
    let c = |i: usize, what: &str| count(&d, SPOKES[i].tunnel, what);
    assert_eq!(
        [
            c(0, "rx packets"),
            c(0, "tx packets"),
            c(1, "tx packets"),
            c(2, "tx packets")
        ],
        [N, 0, N, N],
        "rx tunnel0, tx tunnel0/1/2: {d:?}"
    );
    let e = moved(&err_before, &err_after);
    assert!(
        count(&e, "l2-flood", &reason("L2 flood packets")) >= N,
        "{e:?}"
    );
}

/// The fixture with Linux in weft's place: in vpp1, eth0 owns 10.99.0.3
/// and a Linux bridge holds one kernel vxlan device per koko host and the
/// BVI address. What the weft test expects of the containers holds here:
/// all pairs and the BVI reach each other, TCP crosses, and with the
/// tunnel ports isolated (Linux's split horizon) only the BVI is reached.
#[test]
fn the_fixture_with_a_linux_bridge_in_vpp1() {
    if !privileged("the_fixture_with_a_linux_bridge_in_vpp1") {
        return;
    }
    let topo = BridgeTopology::new("bdk");
    let v = &topo.vpp1;
    v.ip(&["addr", "add", &format!("{VPP1_IP}/24"), "dev", "eth0"]);
    v.ip(&["link", "add", "bd10", "type", "bridge"]);
    for s in SPOKES {
        let (dev, vni) = (format!("vx{}", s.vni), s.vni.to_string());
        v.ip(&[
            "link",
            "add",
            &dev,
            "type",
            "vxlan",
            "id",
            &vni,
            "remote",
            s.host_ip,
            "dev",
            "eth0",
            "dstport",
            "4789",
            "nolearning",
        ]);
        v.ip(&["link", "set", &dev, "master", "bd10", "up"]);
    }
    v.ip(&["addr", "add", &format!("{BVI_IP}/24"), "dev", "bd10"]);
    v.ip(&["link", "set", "bd10", "up"]);
    let none = String::new;
    let all = BridgeTopology::pairs(BVI_IP);
    topo.expect_pings(&all, true, none);
    let (sent, got) = tcp_transfer(&topo.containers[0], &topo.containers[2], TEST3_IP, 2 << 20);
    assert!(got == sent, "2 MiB test1 -> test3");

    for s in SPOKES {
        v.ip(&[
            "link",
            "set",
            &format!("vx{}", s.vni),
            "type",
            "bridge_slave",
            "isolated",
            "on",
        ]);
    }
    topo.flush_neighbours();
    let (spokes, bvi) = all.split_at(all.len() - SPOKES.len());
    std::thread::scope(|s| {
        s.spawn(|| topo.expect_pings(spokes, false, none));
        s.spawn(|| topo.expect_pings(bvi, true, none));
    });
}

/// The parsers read VPP's own `show l2fib verbose` (VPP-GOLDEN.md 1c).
#[test]
fn l2fib_parser_reads_vpps_output() {
    let text = concat!(
        "    Mac-Address     BD-Idx If-Idx BSN-ISN Age(min) static filter bvi         Interface-Name        \r\n",
        " 0a:5c:eb:93:c1:51    1      4      0/3      -       -      -     -           vxlan_tunnel2        \r\n",
        " de:ad:00:00:00:00    1      5      0/0      no      *      -     *               loop0            \r\n",
        "L2FIB total/learned entries: 2/1  Last scan time: 6.3195e-3sec  Learn limit: 16777216 \r\n",
    );
    let (rows, summary) = l2fib(text);
    assert_eq!(summary, (2, 1));
    assert_eq!(
        rows[1],
        L2fibEntry {
            mac: "de:ad:00:00:00:00".into(),
            bd_index: 1,
            sw_if_index: 5,
            sequence: "0/0".into(),
            age: "no".into(),
            is_static: true,
            filter: false,
            bvi: true,
            interface: "loop0".into(),
        }
    );
    assert_eq!(
        (rows[0].interface.as_str(), rows[0].bvi),
        ("vxlan_tunnel2", false)
    );
}
