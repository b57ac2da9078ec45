//! The koko topology fixture itself (tests/common/koko.rs), kernel only:
//! the vxlan links are koko's, field for field; the underlay is one L2
//! segment; vpp1's Linux owns no address; every namespace is deleted by
//! exact name when the topology drops, also when the test panics.

mod common;

use common::koko::{
    self, ETH0, KOKO1_IP, KOKO2_IP, KokoOptions, KokoTopology, LINK1, LINK2, VPP1_IP,
};
use common::{Netns, privileged};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Checks one container's vxlan link against what koko creates.
fn assert_koko_link(
    container: &Netns,
    host: &Netns,
    link: &str,
    vni: u32,
    dstport: u16,
    addr: &str,
) {
    let details = koko::link_details(container, link);
    // Inside the container the lower device is shown by its ifindex in
    // the link-netns (the container host), where it is eth0.
    let eth0 = koko::ifindex(host, ETH0);
    for want in [
        "mtu 1450 ".to_string(),
        format!("link-netns {} ", host.name()),
        format!("vxlan id {vni} remote {VPP1_IP} dev if{eth0} "),
        format!(" dstport {dstport} "),
        " l2miss l3miss ttl auto ".to_string(),
    ] {
        assert!(
            details.contains(&want),
            "{link} in {}: want {want:?} in\n{details}",
            container.name()
        );
    }
    assert!(
        !details.contains("nolearning"),
        "{link}: learning must be on\n{details}"
    );
    assert!(
        !details.contains(" local "),
        "{link}: koko sets no local address\n{details}"
    );
    let addrs = text(&container.ip(&["-4", "-o", "addr", "show", "dev", link]));
    let want = format!(
        "inet {addr}/24 brd {}.255 ",
        addr.rsplit_once('.').unwrap().0
    );
    assert!(addrs.contains(&want), "{link}: want {want:?} in {addrs}");
    assert!(
        text(&container.ip(&["-o", "link", "show", "dev", link])).contains(",UP,"),
        "{link} is up"
    );
    // The UDP socket stays in the underlay (the container host).
    let sockets = text(&host.exec_ok(&["cat", "/proc/net/udp"]));
    let port = format!(":{dstport:04X} ");
    assert!(
        sockets.contains(&format!("00000000{port}")),
        "{}: no 0.0.0.0:{dstport} socket in\n{sockets}",
        host.name()
    );
}

/// `tx-checksumming` of the bridge port towards vpp1: "on" or "off".
fn tx_checksumming(topo: &KokoTopology) -> String {
    let out = text(&topo.bridge.exec_ok(&["ethtool", "-k", koko::VPP1_PORT]));
    out.lines()
        .find_map(|l| l.strip_prefix("tx-checksumming: "))
        .unwrap_or_else(|| panic!("no tx-checksumming in {out}"))
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn builds_koko_links_and_underlay() {
    if !privileged("koko_topology::builds_koko_links_and_underlay") {
        return;
    }
    let topo = KokoTopology::new("kt-build", KokoOptions::default());
    assert_koko_link(&topo.test1, &topo.koko1, LINK1, 11, 4789, koko::TEST1_IP);
    assert_koko_link(&topo.test2, &topo.koko2, LINK2, 12, 4789, koko::TEST2_IP);

    // The underlay is one L2 segment.
    let out = koko::ping(&topo.koko1, KOKO2_IP, 2);
    assert!(out.status.success(), "koko1 -> koko2: {}", text(&out));
    let out = koko::ping(&topo.koko2, KOKO1_IP, 1);
    assert!(out.status.success(), "koko2 -> koko1: {}", text(&out));

    // vpp1: eth0 up, with no IPv4 address; nobody answers for 10.99.0.3
    // until a forwarder attaches.
    assert_eq!(topo.vpp1_if(), "eth0");
    let link = text(&topo.vpp1.ip(&["-o", "link", "show", "dev", ETH0]));
    assert!(link.contains(",UP,"), "vpp1 eth0 must be up: {link}");
    assert!(
        link.starts_with(&format!("{}:", topo.vpp1_ifindex())),
        "{link}"
    );
    assert!(link.contains(&topo.vpp1_mac()), "{link}");
    let v4 = text(&topo.vpp1.ip(&["-4", "-o", "addr", "show", "dev", ETH0]));
    assert!(v4.trim().is_empty(), "vpp1 eth0 has an address: {v4}");
    let out = koko::ping(&topo.koko1, VPP1_IP, 1);
    assert!(!out.status.success(), "10.99.0.3 answered without weft");

    // vpp1 receives finished checksums: tx offload is off on its port.
    assert_eq!(tx_checksumming(&topo), "off");

    // All three hosts are ports of the bridge.
    let ports = text(
        &topo
            .bridge
            .ip(&["-o", "link", "show", "master", koko::BRIDGE]),
    );
    for port in ["koko1", "koko2", "vpp1"] {
        assert!(ports.contains(&format!(" {port}@")), "{port} in {ports}");
    }

    // A command run through vpp1_command runs in the vpp1 namespace.
    let out = topo
        .vpp1_command("ip")
        .args(["-o", "link", "show", "dev", ETH0])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&topo.vpp1_mac()));
}

#[test]
fn port_variant_8472() {
    if !privileged("koko_topology::port_variant_8472") {
        return;
    }
    let topo = KokoTopology::new(
        "kt-8472",
        KokoOptions {
            vni1: 21,
            vni2: 22,
            dstport1: 8472,
            dstport2: 8472,
            wire_checksums: false,
        },
    );
    assert_koko_link(&topo.test1, &topo.koko1, LINK1, 21, 8472, koko::TEST1_IP);
    assert_koko_link(&topo.test2, &topo.koko2, LINK2, 22, 8472, koko::TEST2_IP);
    assert_eq!(tx_checksumming(&topo), "on", "veth's default offloads");
}

#[test]
fn names_are_prefixed_and_removed_on_drop() {
    if !privileged("koko_topology::names_are_prefixed_and_removed_on_drop") {
        return;
    }
    let names = {
        let topo = KokoTopology::new("kt-drop", KokoOptions::default());
        let names = topo.names();
        let pid = std::process::id();
        for (name, role) in names
            .iter()
            .zip(["test1", "test2", "koko1", "koko2", "vpp1", "br"])
        {
            assert_eq!(name, &format!("weft-kt-drop-{role}-{pid}"));
            assert!(koko::netns_exists(name), "{name} exists");
        }
        assert_eq!(topo.vpp1_ns(), names[4]);
        names
    };
    for name in &names {
        assert!(!koko::netns_exists(name), "{name} left behind");
    }
}

#[test]
fn removed_when_the_test_panics() {
    if !privileged("koko_topology::removed_when_the_test_panics") {
        return;
    }
    let names = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = names.clone();
    let r = std::thread::spawn(move || {
        let topo = KokoTopology::new("kt-panic", KokoOptions::default());
        *seen.lock().unwrap() = topo.names();
        panic!("test body failed");
    })
    .join();
    assert!(r.is_err());
    let names = names.lock().unwrap().clone();
    assert_eq!(names.len(), 6);
    for name in &names {
        assert!(!koko::netns_exists(name), "{name} left behind");
    }
}

#[test]
fn removed_when_building_fails() {
    if !privileged("koko_topology::removed_when_building_fails") {
        return;
    }
    // A VNI the kernel refuses (VNIs are 24 bits) panics half-way through
    // building, after every namespace was made.
    let r = std::thread::spawn(|| {
        KokoTopology::new(
            "kt-fail",
            KokoOptions {
                vni2: 1 << 24,
                ..KokoOptions::default()
            },
        )
    })
    .join();
    assert!(r.is_err(), "an out-of-range VNI must fail");
    let pid = std::process::id();
    for role in ["test1", "test2", "koko1", "koko2", "vpp1", "br"] {
        let name = format!("weft-kt-fail-{role}-{pid}");
        assert!(!koko::netns_exists(&name), "{name} left behind");
    }
}
