//! weft's XDP steering program on real (virtual) devices: attach and
//! detach through a bpf_link, native and generic mode, steering by address,
//! nothing left behind by a SIGKILLed owner, replacement of a stale
//! netlink-attached program, refusal of a live owner's and of foreign
//! programs, deleted and re-created interfaces. Privileged: each test works
//! in network namespaces of its own, with addresses in 10.99.0.0/16.
//!
//! No AF_XDP socket is used here: a frame steered to weft on a queue with no
//! socket falls back to the kernel, so pings still work and the program's
//! counters tell steered from passed.

mod common;

use std::net::Ipv4Addr;
use std::process::Command;

use common::{Netns, privileged, veth};
use dataplane::io::xdp_prog::{self, XdpError, XdpMode, XdpProgram};

const XDP_PASS: u32 = 2;

/// The ifindex of `dev` in `ns`.
fn ifindex(ns: &Netns, dev: &str) -> u32 {
    let out = ns.ip(&["-o", "link", "show", "dev", dev]);
    let s = String::from_utf8_lossy(&out.stdout);
    s.split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no ifindex in {s:?}"))
}

/// `ip -d link show dev <dev>` in `ns`.
fn link_details(ns: &Netns, dev: &str) -> String {
    String::from_utf8_lossy(&ns.ip(&["-d", "link", "show", "dev", dev]).stdout).into_owned()
}

fn ping(ns: &Netns, to: &str) -> bool {
    let out = ns.exec(&["ping", "-c", "3", "-i", "0.2", "-W", "2", to]);
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    }
    out.status.success()
}

/// A minimal XDP_PASS program named `not_weft` (or another name), compiled
/// with clang into a file of this test's own (removed on drop).
struct ForeignObj(std::path::PathBuf);

impl ForeignObj {
    fn build() -> ForeignObj {
        ForeignObj::named("not_weft")
    }

    fn named(name: &str) -> ForeignObj {
        let dir = std::env::temp_dir();
        let src = dir.join(format!("weft-xdp-{name}-{}.c", std::process::id()));
        let obj = src.with_extension("o");
        std::fs::write(
            &src,
            format!(
                "__attribute__((section(\"xdp\"), used)) int {name}(void *ctx) {{ return 2; }}\n\
                 char _license[] __attribute__((section(\"license\"), used)) = \"MIT\";\n"
            ),
        )
        .expect("write foreign program source");
        let out = Command::new("clang")
            .args(["-O2", "-target", "bpf", "-c"])
            .arg(&src)
            .arg("-o")
            .arg(&obj)
            .output()
            .expect("run clang (apt-get install clang)");
        let _ = std::fs::remove_file(&src);
        assert!(
            out.status.success(),
            "clang: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ForeignObj(obj)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for ForeignObj {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn attach_and_detach_native_on_veth() {
    if !privileged("xdp_prog::attach_and_detach_native_on_veth") {
        return;
    }
    let a = Netns::new("xdp-attach-a");
    let b = Netns::new("xdp-attach-b");
    veth(&a, "va", &b, "vb");
    let idx = ifindex(&b, "vb");
    let _in = b.enter();

    assert!(xdp_prog::attached(idx).unwrap().is_none());
    let prog = XdpProgram::attach(idx).unwrap();
    assert_eq!(prog.mode(), XdpMode::Native, "veth supports native XDP");
    // veth has the rx VLAN metadata kfunc (Linux 6.8): the device-bound
    // build loads.
    assert!(prog.reads_vlan_metadata());
    assert_eq!(prog.ifindex(), idx);
    assert_eq!(prog.replaced_stale(), None);
    // Held by a bpf_link.
    assert!(prog.link_id().is_some());
    assert_eq!(xdp_prog::xdp_link_id(idx, prog.prog_id()), prog.link_id());

    let details = link_details(&b, "vb");
    assert!(
        details.contains(&format!("prog/xdp id {} name weft_xdp", prog.prog_id())),
        "{details}"
    );
    // `xdp` (native) rather than `xdpgeneric` on the first line.
    assert!(details.contains(" xdp qdisc"), "{details}");
    assert_eq!(
        xdp_prog::attached(idx).unwrap(),
        Some((prog.prog_id(), "weft_xdp".to_string(), XdpMode::Native))
    );

    prog.detach().unwrap();
    assert!(xdp_prog::attached(idx).unwrap().is_none());
    assert!(!link_details(&b, "vb").contains("prog/xdp"));

    // Dropping detaches too.
    let prog = XdpProgram::attach(idx).unwrap();
    assert!(xdp_prog::attached(idx).unwrap().is_some());
    drop(prog);
    assert!(xdp_prog::attached(idx).unwrap().is_none());
}

#[test]
fn steers_weft_addresses_and_passes_the_rest() {
    if !privileged("xdp_prog::steers_weft_addresses_and_passes_the_rest") {
        return;
    }
    let a = Netns::new("xdp-steer-a");
    let b = Netns::new("xdp-steer-b");
    veth(&a, "va", &b, "vb");
    a.ip(&["addr", "add", "10.99.1.1/24", "dev", "va"]);
    b.ip(&["addr", "add", "10.99.1.2/24", "dev", "vb"]);
    b.ip(&["addr", "add", "10.99.1.3/24", "dev", "vb"]);
    let idx = ifindex(&b, "vb");
    let _in = b.enter();

    let prog = XdpProgram::attach(idx).unwrap();
    prog.add_address(Ipv4Addr::new(10, 99, 1, 2)).unwrap();
    let (r0, p0) = prog.stats().unwrap();

    // weft's address, no socket on the queue: steered, and the redirect
    // falls back to the kernel, which answers.
    assert!(
        ping(&a, "10.99.1.2"),
        "ping to a weft address with no socket"
    );
    let (r1, p1) = prog.stats().unwrap();
    assert!(r1 - r0 >= 3, "3 echo requests steered: {r0} -> {r1}");

    // Not weft's: passed.
    assert!(ping(&a, "10.99.1.3"), "ping to a host address");
    let (r2, p2) = prog.stats().unwrap();
    assert!(p2 - p1 >= 3, "3 echo requests passed: {p1} -> {p2}");
    // Only a stray ARP probe for 10.99.1.2 may be steered meanwhile.
    assert!(
        r2 - r1 < 3,
        "echo requests to 10.99.1.3 steered: {r1} -> {r2}"
    );
    assert!(p1 >= p0);

    // L2 mode takes everything.
    prog.set_l2(true).unwrap();
    assert!(ping(&a, "10.99.1.3"));
    let (r3, _) = prog.stats().unwrap();
    assert!(r3 - r2 >= 3, "L2 mode steers everything: {r2} -> {r3}");
    prog.set_l2(false).unwrap();

    // Address removed: back to the kernel.
    prog.del_address(Ipv4Addr::new(10, 99, 1, 2)).unwrap();
    prog.del_address(Ipv4Addr::new(10, 99, 1, 2)).unwrap();
    let (r4, p4) = prog.stats().unwrap();
    assert!(ping(&a, "10.99.1.2"));
    let (r5, p5) = prog.stats().unwrap();
    assert!(p5 - p4 >= 3, "{p4} -> {p5}");
    assert!(r5 - r4 < 3, "{r4} -> {r5}");

    prog.detach().unwrap();
}

/// Frames for the parse cases: Ethernet to/from fixed MACs.
fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ipv4(version_ihl: u8, dst: [u8; 4]) -> Vec<u8> {
    let mut h = vec![version_ihl, 0, 0, 28, 0, 0, 0x40, 0, 64, 1, 0, 0];
    h.extend_from_slice(&[10, 99, 2, 1]);
    h.extend_from_slice(&dst);
    h.extend_from_slice(&[8, 0, 0xf7, 0xff, 0, 0, 0, 0]); // ICMP echo request
    h
}

fn arp(ptype: u16, plen: u8, tpa: [u8; 4]) -> Vec<u8> {
    let mut a = vec![0, 1];
    a.extend_from_slice(&ptype.to_be_bytes());
    a.extend_from_slice(&[6, plen, 0, 1]);
    a.extend_from_slice(&[0x02, 0, 0, 0, 0, 1, 10, 99, 2, 1]);
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&tpa);
    a
}

/// An IPv6 packet to `dst` carrying ICMPv6 `icmp` (checksum not filled:
/// the program does not look at it).
fn ipv6(dst: std::net::Ipv6Addr, icmp: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(icmp.len() as u16).to_be_bytes());
    h.extend_from_slice(&[58, 255]);
    h.extend_from_slice(&"fd00::2:1".parse::<std::net::Ipv6Addr>().unwrap().octets());
    h.extend_from_slice(&dst.octets());
    h.extend_from_slice(icmp);
    h
}

/// A Neighbor Solicitation for `target` (no options).
fn solicit(target: std::net::Ipv6Addr) -> Vec<u8> {
    let mut m = vec![135, 0, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&target.octets());
    m
}

#[test]
fn generic_mode_on_loopback_and_parse_cases() {
    if !privileged("xdp_prog::generic_mode_on_loopback_and_parse_cases") {
        return;
    }
    let ns = Netns::new("xdp-parse");
    // Loopback has no native XDP (so this covers the fallback), exists on
    // every kernel (unlike `dummy`), and in a namespace of our own receives
    // nothing, so the counters see only the test runs.
    let idx = ifindex(&ns, "lo");
    let _in = ns.enter();

    let prog = XdpProgram::attach(idx).unwrap();
    assert_eq!(prog.mode(), XdpMode::Generic);
    // Generic mode takes the plain build only.
    assert!(!prog.reads_vlan_metadata());
    assert!(link_details(&ns, "lo").contains(" xdpgeneric"));
    assert_eq!(
        xdp_prog::attached(idx).unwrap(),
        Some((prog.prog_id(), "weft_xdp".to_string(), XdpMode::Generic))
    );

    let weft = [10, 99, 2, 2];
    let other = [10, 99, 2, 3];
    prog.add_address(Ipv4Addr::from(weft)).unwrap();
    prog.add_subnet(Ipv4Addr::new(10, 99, 2, 0), 24).unwrap();
    let (weft6, other6): (std::net::Ipv6Addr, std::net::Ipv6Addr) =
        ("fd00::2:2".parse().unwrap(), "fd00::2:3".parse().unwrap());
    prog.add_address6(weft6).unwrap();
    let sn = |a: std::net::Ipv6Addr| weft::dataplane::wire::ipv6::solicited_node(a);
    let echo6 = [128u8, 0, 0, 0, 0, 1, 0, 1];
    let mut ns_short = ipv6(sn(weft6), &solicit(weft6));
    ns_short.truncate(40 + 23);
    let mut v6_short = ipv6(weft6, &echo6);
    v6_short.truncate(39);
    // A gratuitous ARP: sender = target = `spa`.
    let garp = |spa: [u8; 4]| {
        let mut a = arp(0x0800, 4, spa);
        a[14..18].copy_from_slice(&spa);
        eth(0x0806, &a)
    };

    let mut ipv4_short = eth(0x0800, &ipv4(0x45, weft));
    ipv4_short.truncate(14 + 19);
    let mut arp_short = eth(0x0806, &arp(0x0800, 4, weft));
    arp_short.truncate(14 + 27);
    // One tag (VLAN 10), then `inner`.
    let tagged = |tpid: u16, inner: u16, l3: &[u8]| {
        let mut t = vec![0x00, 0x0a];
        t.extend_from_slice(&inner.to_be_bytes());
        t.extend_from_slice(l3);
        eth(tpid, &t)
    };
    let mut tagged_short = tagged(0x8100, 0x0800, &ipv4(0x45, weft));
    tagged_short.truncate(18 + 19);
    // An IPv4 header claiming version 6: not IPv6 to anyone of weft's.
    let ipv6_v4 = ipv4(0x65, weft);

    // (case, frame, steered?)
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("ipv4 to weft", eth(0x0800, &ipv4(0x45, weft)), true),
        (
            "ipv4 to weft with options",
            eth(0x0800, &ipv4(0x46, weft)),
            true,
        ),
        ("ipv4 to other", eth(0x0800, &ipv4(0x45, other)), false),
        ("ipv4 truncated", ipv4_short, false),
        (
            "ipv4 ethertype, version 6",
            eth(0x0800, &ipv4(0x65, weft)),
            false,
        ),
        ("arp for weft", eth(0x0806, &arp(0x0800, 4, weft)), true),
        ("arp for other", eth(0x0806, &arp(0x0800, 4, other)), false),
        ("gratuitous arp on weft's subnet", garp(other), true),
        (
            "gratuitous arp off weft's subnet",
            garp([10, 99, 3, 1]),
            false,
        ),
        ("arp truncated", arp_short, false),
        ("arp, not ipv4", eth(0x0806, &arp(0x86dd, 4, weft)), false),
        ("arp, plen 16", eth(0x0806, &arp(0x0800, 16, weft)), false),
        // In-band tags: the payload decides, as untagged (weft sorts
        // them to a sub-interface or drops them as `unknown vlan`).
        (
            "802.1q tagged ipv4 to weft",
            tagged(0x8100, 0x0800, &ipv4(0x45, weft)),
            true,
        ),
        (
            "802.1ad tagged ipv4 to weft",
            tagged(0x88a8, 0x0800, &ipv4(0x45, weft)),
            true,
        ),
        (
            "802.1q tagged ipv4 to other",
            tagged(0x8100, 0x0800, &ipv4(0x45, other)),
            false,
        ),
        (
            "802.1q tagged arp for weft",
            tagged(0x8100, 0x0806, &arp(0x0800, 4, weft)),
            true,
        ),
        (
            "802.1q tagged arp for other",
            tagged(0x8100, 0x0806, &arp(0x0800, 4, other)),
            false,
        ),
        ("802.1q tagged ipv4 truncated", tagged_short, false),
        (
            "802.1q tag, truncated",
            eth(0x8100, &[0x00, 0x0a, 0x08]),
            false,
        ),
        (
            "two tags (only one is looked into)",
            tagged(0x88a8, 0x8100, &[0x00, 0x0a, 0x08, 0x00]),
            false,
        ),
        (
            "ipv6, version 6 in the ipv4 field",
            eth(0x86dd, &ipv6_v4),
            false,
        ),
        ("ipv6 to weft", eth(0x86dd, &ipv6(weft6, &echo6)), true),
        ("ipv6 to other", eth(0x86dd, &ipv6(other6, &echo6)), false),
        ("ipv6 truncated", eth(0x86dd, &v6_short), false),
        (
            "ns for weft",
            eth(0x86dd, &ipv6(sn(weft6), &solicit(weft6))),
            true,
        ),
        (
            "ns for other",
            eth(0x86dd, &ipv6(sn(other6), &solicit(other6))),
            false,
        ),
        ("ns truncated", eth(0x86dd, &ns_short), false),
        (
            "ns for weft, unicast to other",
            eth(0x86dd, &ipv6(other6, &solicit(weft6))),
            false,
        ),
        (
            "802.1q tagged ipv6 to weft",
            tagged(0x8100, 0x86dd, &ipv6(weft6, &echo6)),
            true,
        ),
        ("ethernet only", eth(0x0800, &[]), false),
    ];
    for (case, frame, steered) in &cases {
        let (r0, p0) = prog.stats().unwrap();
        // No socket on queue 0: a redirect falls back to XDP_PASS.
        assert_eq!(prog.test_run(frame).unwrap(), XDP_PASS, "{case}");
        let (r1, p1) = prog.stats().unwrap();
        let got = (r1 - r0, p1 - p0);
        let want = if *steered { (1, 0) } else { (0, 1) };
        assert_eq!(got, want, "{case}: (steered, passed)");
    }

    // L2 mode: everything, even what L3 mode passes.
    prog.set_l2(true).unwrap();
    for (case, frame, _) in &cases {
        let (r0, _) = prog.stats().unwrap();
        prog.test_run(frame).unwrap();
        assert_eq!(prog.stats().unwrap().0 - r0, 1, "L2 mode: {case}");
    }
    prog.set_l2(false).unwrap();
    let (r0, _) = prog.stats().unwrap();
    prog.test_run(&cases[2].1).unwrap();
    assert_eq!(prog.stats().unwrap().0, r0, "L2 mode cleared");

    // Sockets: only AF_XDP sockets go into xsks_map, only for queues 0..64.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let e = prog
        .set_socket(0, std::os::fd::AsFd::as_fd(&udp))
        .unwrap_err();
    assert!(matches!(e, XdpError::SetSocket { queue: 0, .. }), "{e}");
    let e = prog
        .set_socket(64, std::os::fd::AsFd::as_fd(&udp))
        .unwrap_err();
    assert!(matches!(e, XdpError::QueueRange(64)), "{e}");
    prog.clear_socket(0).unwrap();
    prog.clear_socket(63).unwrap();

    prog.detach().unwrap();
    assert!(xdp_prog::attached(idx).unwrap().is_none());
}

/// Environment variable that makes [`child_holds_the_program`] do its
/// work: the ifindex to attach to.
const CHILD_ENV: &str = "WEFT_XDP_TEST_CHILD";

#[test]
fn sigkilled_owner_leaves_nothing_and_a_live_one_is_never_replaced() {
    if !privileged("xdp_prog::sigkilled_owner_leaves_nothing_and_a_live_one_is_never_replaced") {
        return;
    }
    let a = Netns::new("xdp-kill-a");
    let b = Netns::new("xdp-kill-b");
    veth(&a, "va", &b, "vb");
    let idx = ifindex(&b, "vb");
    let lo = ifindex(&b, "lo");

    for (dev, idx, mode) in [("vb", idx, XdpMode::Native), ("lo", lo, XdpMode::Generic)] {
        // A weftd, in a process of its own.
        let exe = std::env::current_exe().unwrap();
        let mut child = common::Child(
            b.command(&[
                exe.to_str().unwrap(),
                "child_holds_the_program",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, idx.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn the child"),
        );
        let stdout = child.0.stdout.take().unwrap();
        // libtest's "test child_holds_the_program ... " starts the line.
        let id: u32 = std::io::BufRead::lines(std::io::BufReader::new(stdout))
            .map_while(Result::ok)
            .find_map(|l| l.split_once("ATTACHED ")?.1.parse().ok())
            .unwrap_or_else(|| panic!("{dev}: the child did not attach"));

        let _in = b.enter();
        assert_eq!(
            xdp_prog::attached(idx).unwrap(),
            Some((id, "weft_xdp".to_string(), mode)),
            "{dev}"
        );
        let link = xdp_prog::xdp_link_id(idx, id).expect("attached through a bpf_link");

        // A second weft on the same interface: refused, the first one's
        // program untouched.
        let e = XdpProgram::attach(idx).unwrap_err();
        assert!(
            matches!(e, XdpError::LinkOwned { ifindex, id: i, link: l }
                if ifindex == idx && i == id && l == link),
            "{dev}: {e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "ifindex {idx} has weft_xdp (id {id}) attached through a bpf_link (link id \
                 {link}) by a live process; refusing (another weft owns this interface)"
            )
        );
        assert_eq!(
            xdp_prog::attached(idx).unwrap(),
            Some((id, "weft_xdp".to_string(), mode)),
            "{dev}"
        );

        // SIGKILL: nothing detaches explicitly, and nothing is left.
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        assert_eq!(xdp_prog::attached(idx).unwrap(), None, "{dev}");
        assert!(!link_details(&b, dev).contains("prog/xdp"), "{dev}");
        assert_eq!(xdp_prog::xdp_link_id(idx, id), None, "{dev}");

        // And the next weft attaches as on a clean interface.
        let next = XdpProgram::attach(idx).unwrap();
        assert_eq!(next.replaced_stale(), None, "{dev}");
        assert_eq!(next.mode(), mode, "{dev}");
        next.detach().unwrap();
    }
}

/// Not a test: the child process of
/// [`sigkilled_owner_leaves_nothing_and_a_live_one_is_never_replaced`],
/// which runs this binary with `--ignored --exact child_holds_the_program`
/// inside its namespace and [`CHILD_ENV`] set. Attaches, says `ATTACHED
/// <prog id>`, and waits to be killed (at most a minute).
#[test]
#[ignore = "child process of sigkilled_owner_leaves_nothing_and_a_live_one_is_never_replaced"]
fn child_holds_the_program() {
    let Ok(idx) = std::env::var(CHILD_ENV) else {
        return;
    };
    let prog = XdpProgram::attach(idx.parse().unwrap()).unwrap();
    println!("ATTACHED {}", prog.prog_id());
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn stale_netlink_attached_weft_program_is_replaced() {
    if !privileged("xdp_prog::stale_netlink_attached_weft_program_is_replaced") {
        return;
    }
    // What an older weft left: a program named weft_xdp attached through
    // netlink, which outlives its process.
    let legacy = ForeignObj::named("weft_xdp");
    let a = Netns::new("xdp-stale-a");
    let b = Netns::new("xdp-stale-b");
    veth(&a, "va", &b, "vb");
    let idx = ifindex(&b, "vb");
    let lo = ifindex(&b, "lo");

    for (dev, idx, mode, ip_mode) in [
        ("vb", idx, XdpMode::Native, "xdpdrv"),
        ("lo", lo, XdpMode::Generic, "xdpgeneric"),
    ] {
        b.ip(&[
            "link",
            "set",
            "dev",
            dev,
            ip_mode,
            "obj",
            legacy.path(),
            "sec",
            "xdp",
        ]);
        let _in = b.enter();
        let (old_id, name, old_mode) = xdp_prog::attached(idx).unwrap().expect("legacy attached");
        assert_eq!((name.as_str(), old_mode), ("weft_xdp", mode), "{dev}");
        assert_eq!(xdp_prog::xdp_link_id(idx, old_id), None, "{dev}: no link");

        let new = XdpProgram::attach(idx).unwrap();
        assert_eq!(new.replaced_stale(), Some(old_id), "{dev}");
        assert_eq!(new.mode(), mode, "{dev}");
        assert_ne!(new.prog_id(), old_id);
        assert!(new.link_id().is_some(), "{dev}");
        assert_eq!(
            xdp_prog::attached(idx).unwrap(),
            Some((new.prog_id(), "weft_xdp".to_string(), mode))
        );
        let details = link_details(&b, dev);
        assert_eq!(details.matches("prog/xdp").count(), 1, "{details}");
        assert_eq!(details.matches("name weft_xdp").count(), 1, "{details}");

        new.detach().unwrap();
        assert!(xdp_prog::attached(idx).unwrap().is_none(), "{dev}");
    }
}

#[test]
fn generic_link_when_native_mode_refuses() {
    if !privileged("xdp_prog::generic_link_when_native_mode_refuses") {
        return;
    }
    let a = Netns::new("xdp-fallback-a");
    let b = Netns::new("xdp-fallback-b");
    veth(&a, "va", &b, "vb");
    // Native XDP on a veth needs its peer's frames to fit one page.
    a.ip(&["link", "set", "va", "mtu", "9000"]);
    let idx = ifindex(&b, "vb");
    let _in = b.enter();

    let prog = XdpProgram::attach(idx).unwrap();
    assert_eq!(prog.mode(), XdpMode::Generic);
    assert!(link_details(&b, "vb").contains(" xdpgeneric"));
    assert!(prog.link_id().is_some());
    assert_eq!(xdp_prog::xdp_link_id(idx, prog.prog_id()), prog.link_id());
    drop(prog);
    assert!(xdp_prog::attached(idx).unwrap().is_none());
}

#[test]
fn deleted_and_recreated_interface() {
    if !privileged("xdp_prog::deleted_and_recreated_interface") {
        return;
    }
    let a = Netns::new("xdp-recreate-a");
    let b = Netns::new("xdp-recreate-b");
    veth(&a, "va", &b, "vb");
    let old = ifindex(&b, "vb");
    let _in = b.enter();

    let prog = XdpProgram::attach(old).unwrap();
    let id = prog.prog_id();
    // The interface goes while attached: the kernel detaches the program,
    // and detaching afterwards is no error.
    b.ip(&["link", "del", "vb"]);
    assert_eq!(xdp_prog::xdp_link_id(old, id), None);
    prog.detach().unwrap();

    // Same name, new ifindex: a new attach works.
    veth(&a, "va", &b, "vb");
    let new = ifindex(&b, "vb");
    assert_ne!(new, old);
    let prog = XdpProgram::attach(new).unwrap();
    assert_eq!(prog.mode(), XdpMode::Native);
    b.ip(&["link", "del", "vb"]);
    drop(prog); // quietly
}

#[test]
fn foreign_program_is_never_replaced() {
    if !privileged("xdp_prog::foreign_program_is_never_replaced") {
        return;
    }
    let foreign = ForeignObj::build();
    let a = Netns::new("xdp-foreign-a");
    let b = Netns::new("xdp-foreign-b");
    veth(&a, "va", &b, "vb");
    let idx = ifindex(&b, "vb");
    let lo = ifindex(&b, "lo");
    b.ip(&[
        "link",
        "set",
        "dev",
        "vb",
        "xdpdrv",
        "obj",
        foreign.path(),
        "sec",
        "xdp",
    ]);
    b.ip(&[
        "link",
        "set",
        "dev",
        "lo",
        "xdpgeneric",
        "obj",
        foreign.path(),
        "sec",
        "xdp",
    ]);
    let _in = b.enter();

    for (idx, mode) in [(idx, XdpMode::Native), (lo, XdpMode::Generic)] {
        let (id, name, got_mode) = xdp_prog::attached(idx).unwrap().expect("foreign attached");
        assert_eq!((name.as_str(), got_mode), ("not_weft", mode));

        let e = XdpProgram::attach(idx).unwrap_err();
        assert!(
            matches!(&e, XdpError::Foreign { id: i, name, mode: m, .. }
                if *i == id && name == "not_weft" && *m == mode),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(msg.contains("`not_weft`"), "{msg}");
        assert!(msg.contains(&format!("id {id}, {mode} mode")), "{msg}");

        // Still there, untouched.
        assert_eq!(
            xdp_prog::attached(idx).unwrap(),
            Some((id, "not_weft".to_string(), mode))
        );
    }
    b.ip(&["link", "set", "dev", "vb", "xdpdrv", "off"]);
    b.ip(&["link", "set", "dev", "lo", "xdpgeneric", "off"]);
}
