//! A device's life in the real world, through weftd on the koko
//! topology, for both drivers: a second weftd refused while the first
//! keeps forwarding; the Linux interface going down and up, deleted and
//! re-created, with weft following and re-attaching by itself; its MTU
//! followed, changed from the CLI, and frames that do not fit counted.
//! One topology and one weftd for all of it (CI time).

mod common;

use std::time::{Duration, Instant};

use common::koko::{KokoOptions, KokoTopology, TEST2_IP, ping, tcp_transfer};
use common::privileged;
use common::show::errors;
use common::weftd::Weftd;

/// The uplink for one driver: the command that makes it, and its name.
struct Uplink {
    create: &'static str,
    delete: &'static str,
    name: &'static str,
}

const AF_XDP: Uplink = Uplink {
    create: "create interface af_xdp host-if eth0",
    delete: "delete interface af_xdp eth0/0",
    name: "eth0/0",
};

const AF_PACKET: Uplink = Uplink {
    create: "create host-interface name eth0",
    delete: "delete host-interface name eth0",
    name: "host-eth0",
};

fn configure(weftd: &Weftd, up: &Uplink, tunnels: bool) {
    weftd.ok(up.create);
    weftd.ok(&format!(
        "set interface ip address {} 10.99.0.3/24",
        up.name
    ));
    weftd.ok(&format!("set interface state {} up", up.name));
    if tunnels {
        for cmd in [
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11",
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12",
            "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1",
            "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0",
        ] {
            weftd.ok(cmd);
        }
    }
}

/// Waits up to `limit` for `cond`; returns how long it took.
fn within(limit: Duration, what: &str, weftd: &Weftd, cond: impl Fn() -> bool) -> Duration {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "{what}: not within {limit:?}{}",
            weftd.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    start.elapsed()
}

/// The Link column of `show hardware-interfaces <if>`.
fn hw_link(weftd: &Weftd, ifname: &str) -> String {
    let hw = weftd.ok(&format!("show hardware-interfaces {ifname} brief"));
    hw.lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or_default()
        .to_string()
}

/// Pings test1 -> test2 until one round trip works (weft may need to
/// resolve the remotes again).
fn forwards(topo: &KokoTopology, weftd: &Weftd) {
    within(
        Duration::from_secs(10),
        "test1 -> test2 through weft",
        weftd,
        || ping(&topo.test1, TEST2_IP, 1).status.success(),
    );
}

fn log(weftd: &Weftd) -> String {
    std::fs::read_to_string(&weftd.log).unwrap_or_default()
}

/// Link down/up, then delete and re-create the Linux interface: weft
/// follows within a second, re-attaches by itself and forwards again.
fn link_follows(topo: &KokoTopology, weftd: &Weftd, up: &Uplink) {
    let ifname = up.name;
    assert_eq!(hw_link(weftd, ifname), "up");
    topo.vpp1.ip(&["link", "set", "eth0", "down"]);
    let t = within(Duration::from_secs(1), "link down shown", weftd, || {
        hw_link(weftd, ifname) == "down"
    });
    eprintln!("{ifname}: link down seen after {t:?}");
    assert!(log(weftd).contains(&format!("{ifname}: link down")));
    assert!(!ping(&topo.test1, TEST2_IP, 1).status.success());
    topo.vpp1.ip(&["link", "set", "eth0", "up"]);
    within(Duration::from_secs(1), "link up shown", weftd, || {
        hw_link(weftd, ifname) == "up"
    });
    forwards(topo, weftd);

    // Deleted: the weft interface stays, down, with its address; the
    // tunnels stay.
    let old = topo.vpp1_ifindex();
    topo.vpp1.ip(&["link", "del", "eth0"]);
    let t = within(Duration::from_secs(1), "detached", weftd, || {
        weftd
            .ok(&format!("show hardware-interfaces {ifname}"))
            .contains("not attached")
    });
    eprintln!("{ifname}: deletion seen after {t:?}");
    assert_eq!(hw_link(weftd, ifname), "down");
    assert_eq!(
        weftd.ok(&format!("show interface address {ifname}")),
        format!("{ifname} (up):\n  L3 10.99.0.3/24\n")
    );
    assert!(log(weftd).contains("eth0 is gone; detached"));
    assert!(
        weftd.ok("show interface rx-placement").is_empty() || {
            !weftd.ok("show interface rx-placement").contains(ifname)
        }
    );
    // Back (a new ifindex): attached again by itself.
    topo.replug_vpp1();
    let new = topo.vpp1_ifindex();
    assert_ne!(old, new);
    let t = within(Duration::from_secs(2), "re-attached", weftd, || {
        weftd
            .ok(&format!("show hardware-interfaces {ifname}"))
            .contains(&format!("ifindex {new}"))
    });
    eprintln!("{ifname}: re-attached after {t:?}");
    assert!(log(weftd).contains("eth0 is back"));
    // The new veth is created down, then set up: weft follows both.
    within(
        Duration::from_secs(1),
        "link up after re-attach",
        weftd,
        || hw_link(weftd, ifname) == "up",
    );
    forwards(topo, weftd);
    let (sent, got) = tcp_transfer(&topo.test1, &topo.test2, TEST2_IP, 1 << 20);
    assert!(got == sent, "1 MiB after re-attach");
}

#[test]
fn devices_survive_owners_links_and_mtus() {
    if !privileged("devices_survive_owners_links_and_mtus") {
        return;
    }
    let topo = KokoTopology::new("life", KokoOptions::default());
    let weftd = Weftd::start(&topo.vpp1, "life-a", "cpu { workers 1 }");
    configure(&weftd, &AF_XDP, true);
    forwards(&topo, &weftd);

    // A second weftd on the same interface is refused, naming the owner,
    // and the first keeps forwarding, untouched.
    {
        let second = Weftd::start(&topo.vpp1, "life-b", "cpu { workers 1 }");
        let owner = format!(
            "host interface eth0 is in use by weftd (pid {})",
            weftd.pid()
        );
        assert_eq!(
            second.err("create interface af_xdp host-if eth0"),
            format!("create interface af_xdp: {owner}\n")
        );
        assert!(ping(&topo.test1, TEST2_IP, 2).status.success(), "during");
        assert_eq!(
            second.err("create host-interface name eth0"),
            format!("create host-interface: {owner}\n")
        );
        assert!(!second.ok("show interface").contains("eth0"));
        let hw = weftd.ok("show hardware-interfaces eth0/0");
        assert!(hw.contains("xdp program: weft_xdp"), "{hw}");
    }
    assert!(ping(&topo.test1, TEST2_IP, 2).status.success(), "after");
    // The owner's own delete and create work.
    weftd.ok(AF_XDP.delete);
    configure(&weftd, &AF_XDP, false);
    forwards(&topo, &weftd);

    link_follows(&topo, &weftd, &AF_XDP);

    // The MTU follows the kernel's, and changes from the CLI.
    let mtu_col = |weftd: &Weftd| {
        weftd
            .ok("show interface eth0/0")
            .lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().nth(3))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(mtu_col(&weftd), "1500/0/0/0");
    topo.vpp1.ip(&["link", "set", "eth0", "mtu", "1400"]);
    within(Duration::from_secs(1), "MTU followed", &weftd, || {
        mtu_col(&weftd) == "1400/0/0/0"
    });
    weftd.ok("set interface mtu 1450 eth0/0");
    assert_eq!(mtu_col(&weftd), "1450/0/0/0");
    let link = String::from_utf8(topo.vpp1.ip(&["-o", "link", "show", "eth0"]).stdout).unwrap();
    assert!(link.contains(" mtu 1450 "), "{link}");
    // More than a buffer holds is refused; nothing changes.
    assert_eq!(
        weftd.err("set interface mtu 9000 eth0/0"),
        "set interface mtu: mtu 9000 is more than weft's buffers hold: at most 3826 (buffers { default data-size } sets the buffer size)\n"
    );
    assert_eq!(mtu_col(&weftd), "1450/0/0/0");
    assert_eq!(
        weftd.err("set interface mtu packet 1500 eth0/0"),
        "set interface mtu: mtu 1500 is larger than the MTU 1450 of the Linux interface under \
         eth0/0 (`set interface mtu 1500 eth0/0` changes that)\n"
    );
    assert_eq!(
        weftd.err("set interface mtu ip6 1500 eth0/0"),
        "set interface mtu: ip6 MTU: weft keeps one L3 MTU per interface; use `set interface mtu packet <value> <interface>`\n"
    );
    // A frame that does not fit is counted, not lost in the kernel.
    weftd.ok("set interface mtu packet 1300 eth0/0");
    weftd.ok("clear errors");
    let p = weftd.ok("ping 10.99.0.1 size 1400 repeat 1 interval 0.1");
    assert!(p.contains("1 sent, 0 received"), "{p}");
    let errs = errors(&weftd.ok("show errors"));
    assert_eq!(
        errs.get(&(
            "interface-output".to_string(),
            "frame exceeds interface MTU".to_string()
        )),
        Some(&1),
        "{errs:?}"
    );
    weftd.ok("set interface mtu 1500 eth0/0");
    forwards(&topo, &weftd);

    // The same life for a host-interface.
    weftd.ok(AF_XDP.delete);
    configure(&weftd, &AF_PACKET, false);
    forwards(&topo, &weftd);
    link_follows(&topo, &weftd, &AF_PACKET);
}
