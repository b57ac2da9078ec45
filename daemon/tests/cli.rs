//! Golden tests of the commands: a koko-like configuration made through
//! the CLI over pg interfaces, frames pushed through a worker, every show
//! command's text compared with VPP's layout.

use std::sync::atomic::Ordering;

use control::cli::Executor;

mod common;
use common::Rig;

/// Blanks out the digits of trace time stamps and neighbour ages.
fn mask_times(s: &str) -> String {
    s.lines()
        .map(|l| {
            let b = l.as_bytes();
            if b.len() >= 17 && b[2] == b':' && b[5] == b':' && b[8] == b':' && b[15] == b':' {
                format!("HH:MM:SS:uuuuuu{}", &l[15..])
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

#[test]
fn show_interface_golden() {
    let r = Rig::koko();
    r.traffic(3);
    let expected = concat!(
        "              Name               Idx    State  MTU (L3/IP4/IP6/MPLS)     Counter          Count     \n",
        "eth0                              1      up          1500/0/0/0     rx packets                     4\n",
        "                                                                    rx bytes                     440\n",
        "                                                                    tx packets                     3\n",
        "                                                                    tx bytes                     330\n",
        "                                                                    drops                          1\n",
        "                                                                    ip4                            4\n",
        "eth1                              2     down         1500/0/0/0     \n",
        "local0                            0     down          0/0/0/0       \n",
        "vxlan_tunnel0                     3      up           0/0/0/0       rx packets                     3\n",
        "                                                                    rx bytes                     180\n",
        "vxlan_tunnel1                     4      up           0/0/0/0       tx packets                     3\n",
        "                                                                    tx bytes                     180\n",
    );
    assert_eq!(r.ok("show interface"), expected);
    // Prefixes, an explicit list (in the order given), an index.
    assert_eq!(r.ok("sh int"), expected);
    let two = r.ok("sh int vxlan_tunnel1 1");
    assert!(two.starts_with(&expected[..expected.find('\n').unwrap() + 1]));
    assert!(two.contains("\nvxlan_tunnel1 ") && two.contains("\neth0 "));
    assert!(two.find("vxlan_tunnel1").unwrap() < two.find("eth0").unwrap());
    assert!(!two.contains("local0"));
    assert_eq!(
        r.err("show interface nosuch"),
        "show interface: unknown input `nosuch'"
    );

    assert_eq!(
        r.ok("show interface address"),
        concat!(
            "eth0 (up):\n",
            "  L3 10.99.0.3/24\n",
            "eth1 (dn):\n",
            "local0 (dn):\n",
            "vxlan_tunnel0 (up):\n",
            "  L2 xconnect vxlan_tunnel1\n",
            "vxlan_tunnel1 (up):\n",
            "  L2 xconnect vxlan_tunnel0\n",
        )
    );
    assert_eq!(r.ok("sh int addr eth0"), "eth0 (up):\n  L3 10.99.0.3/24\n");

    // clear interfaces zeroes everything; new traffic counts from zero.
    r.ok("clear interfaces");
    let cleared = r.ok("show interface eth0");
    assert!(
        cleared.ends_with("eth0                              1      up          1500/0/0/0     \n")
    );
    r.traffic(1);
    assert!(
        r.ok("show interface vxlan_tunnel0")
            .contains("rx packets                     1\n")
    );
}

#[test]
fn show_hardware_golden() {
    let r = Rig::koko();
    assert_eq!(
        r.ok("show hardware-interfaces local0 eth0"),
        concat!(
            "              Name                Idx   Link  Hardware\n",
            "local0                             0    down  local0\n",
            "  Link speed: unknown\n",
            "eth0                               1     up   eth0\n",
            "  Link speed: unknown\n",
            "  RX Queues:\n",
            "    queue thread         mode      \n",
            "    0     weft_wk_0 (1)  polling   \n",
            "  Ethernet address 02:fe:00:00:00:03\n",
        )
    );
    assert_eq!(
        r.ok("sh hard brief eth1 vxlan_tunnel0"),
        concat!(
            "              Name                Idx   Link  Hardware\n",
            "eth1                               2    down  eth1\n",
            "vxlan_tunnel0                      3     up   vxlan_tunnel0\n",
        )
    );
}

#[test]
fn show_vxlan_mode_neighbors_golden() {
    let r = Rig::koko();
    assert_eq!(
        r.ok("show vxlan tunnel"),
        concat!(
            "[0] instance 0 src 10.99.0.3 dst 10.99.0.1 src_port 4789 dst_port 4789 vni 11 fib-idx 0 sw-if-idx 3 encap-dpo-idx 0 \n",
            "[1] instance 1 src 10.99.0.3 dst 10.99.0.2 src_port 4789 dst_port 4789 vni 12 fib-idx 0 sw-if-idx 4 encap-dpo-idx 1 \n",
        )
    );
    assert_eq!(
        r.ok("show mode"),
        concat!(
            "l3 local0  \n",
            "l3 eth0  \n",
            "l3 eth1  \n",
            "l2 xconnect vxlan_tunnel0 vxlan_tunnel1\n",
            "l2 xconnect vxlan_tunnel1 vxlan_tunnel0\n",
        )
    );
    assert_eq!(r.ok("show mode eth1"), "l3 eth1  \n");
    assert_eq!(r.err("show mode bogus"), "show mode: parse error: 'bogus'");

    let n = r.ok("show ip neighbors");
    let lines: Vec<&str> = n.lines().collect();
    assert_eq!(
        lines[0],
        "     Age                       IP                    Flags      Ethernet              Interface       "
    );
    assert_eq!(lines.len(), 3);
    for (l, ip, mac) in [
        (lines[1], "10.99.0.1", "02:00:00:00:00:01"),
        (lines[2], "10.99.0.2", "02:00:00:00:00:02"),
    ] {
        let age = &l[..12];
        assert!(
            age.trim().parse::<f64>().is_ok() && age.starts_with("      "),
            "{l}"
        );
        assert_eq!(
            &l[12..],
            format!("                {ip}                  S    {mac} eth0")
        );
    }
    r.ok("ip neighbor del eth0 10.99.0.2 02:00:00:00:00:02");
    assert_eq!(r.ok("show ip neighbors").lines().count(), 2);
    assert_eq!(r.ok("show ip neighbors eth1"), "");
    assert_eq!(
        r.err("ip neighbor eth0 10.99.0.7"),
        "ip neighbor: specify interface, IP address and MAC: `'"
    );
    assert_eq!(
        r.err("ip neighbor bogus 10.99.0.7 02:00:00:00:00:07"),
        "ip neighbor: specify interface, IP address and MAC: `bogus 10.99.0.7 02:00:00:00:00'"
    );
    assert_eq!(
        r.err("ip neighbor del eth0 10.99.0.9 02:00:00:00:00:09"),
        "ip neighbor: No such entry"
    );
    r.ok("set ip neighbor eth0 10.99.0.9 02:00:00:00:00:09");
    assert!(
        r.ok("sh ip neighbors")
            .contains("10.99.0.9                  D    02:00:00:00:00:09 eth0")
    );
}

#[test]
fn show_errors_golden() {
    let r = Rig::koko();
    r.traffic(3);
    let expected = concat!(
        "   Count                  Node                              Reason               Severity \n",
        "         3            vxlan4-input                good packets decapsulated        info   \n",
        "         1            vxlan4-input                  no such tunnel packets         error  \n",
        "         3              l2-input                       L2 input packets            info   \n",
        "         3             l2-output                      L2 output packets            info   \n",
        "         3            vxlan4-encap                good packets encapsulated        info   \n",
    );
    assert_eq!(r.ok("show errors"), expected);
    assert_eq!(r.ok("sh err"), expected);
    assert_eq!(r.ok("show node counters"), expected);
    r.ok("clear errors");
    assert_eq!(
        r.ok("show errors"),
        &expected[..expected.find('\n').unwrap() + 1]
    );
    r.traffic(1);
    assert_eq!(
        r.ok("show errors").lines().nth(1),
        Some(
            "         1            vxlan4-input                good packets decapsulated        info   "
        )
    );
}

#[test]
fn show_runtime_layout() {
    let r = Rig::koko();
    // The node path (as VPP runs it), then the default fast path.
    r.ok("set vxlan fastpath disable");
    let node_path = [
        "error-drop                       active                  1               1               0",
        "ethernet-input                   active                  1               4               0",
        "interface-output                 active                  1               3               0",
        "ip4-input                        active                  1               4               0",
        "l2-input                         active                  1               3               0",
        "l2-output                        active                  1               3               0",
        "pg-input                         polling                 1               4               0",
        "vxlan4-encap                     active                  1               3               0",
        "vxlan4-input                     active                  1               4               0",
    ];
    runtime_rows(&r, &node_path, "3.14", "            4.00");
    r.ok("set vxlan fastpath enable");
    // The frame for VNI 99 (no such tunnel) goes on to the node path.
    let fast_path = [
        "error-drop                       active                  1               1               0",
        "ethernet-input                   active                  1               1               0",
        "interface-output                 active                  1               3               0",
        "ip4-input                        active                  1               1               0",
        "pg-input                         polling                 1               4               0",
        "vxlan4-fastpath                  active                  1               4               0",
        "vxlan4-input                     active                  1               1               0",
    ];
    runtime_rows(&r, &fast_path, "1.60", "            1.00");
}

/// Sends 3 frames and one for an unknown VNI, and checks `show runtime`:
/// header lines, then `rows` (name to suspends), the number formats, and
/// the second row's vectors/call.
fn runtime_rows(r: &Rig, rows_expected: &[&str], rate: &str, second_per_call: &str) {
    r.ok("clear runtime");
    r.traffic(3);
    let out = r.ok("show runtime");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Thread 1 weft_wk_0");
    assert!(lines[1].starts_with("Time "), "{}", lines[1]);
    assert!(
        lines[1].contains(&format!(
            ", 10 sec internal node vector rate {rate} loops/sec "
        )),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("  vector rates in "), "{}", lines[2]);
    assert!(lines[2].ends_with(", punt 0.0000e0"));
    assert_eq!(
        lines[3],
        "             Name                 State         Calls          Vectors        Suspends         Clocks       Vectors/Call  "
    );
    // Name, State, Calls, Vectors, Suspends; then Clocks (%16.2e) and
    // Vectors/Call (%16.2f).
    let rows: Vec<(&str, &str)> = lines[4..].iter().map(|l| (&l[..90], &l[90..])).collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), rows_expected);
    for (_, tail) in &rows {
        assert_eq!(tail.len(), 32);
        let clocks = tail[..16].trim();
        assert!(clocks.contains('e') && !clocks.contains('+'), "{tail}");
    }
    assert_eq!(&rows[1].1[16..], second_per_call);
    // clear runtime forgets the nodes.
    r.ok("clear runtime");
    assert_eq!(r.ok("show runtime").lines().count(), 4);
}

#[test]
fn trace_golden() {
    let r = Rig::koko();
    assert_eq!(
        r.ok("show trace"),
        "------------------- Start of thread 1 weft_wk_0 -------------------\nNo packets in trace buffer\n"
    );
    // With the fast path on, a traced packet takes it and it writes one
    // record.
    r.ok("trace add pg-input 1");
    r.traffic(1);
    assert_eq!(
        mask_times(&r.ok("show trace")),
        concat!(
            "------------------- Start of thread 1 weft_wk_0 -------------------\n",
            "Packet 1\n",
            "\n",
            "HH:MM:SS:uuuuuu: pg-input\n",
            "  pg-input: sw_if_index 1 len 110 next-node vxlan4-fastpath\n",
            "HH:MM:SS:uuuuuu: vxlan4-fastpath\n",
            "  VXLAN decap from vxlan_tunnel0 vni 11, l2 xconnect, VXLAN encap to vxlan_tunnel1 vni 12, tx sw_if_index 1 len 110 flow hash 0xa54a4521\n",
            "HH:MM:SS:uuuuuu: interface-output\n",
            "  sw_if_index 1 len 110\n",
            "\n",
        )
    );
    r.ok("clear trace");
    // With it off, VPP's nodes.
    r.ok("set vxlan fastpath disable");
    r.ok("trace add pg-input 2");
    r.traffic(3);
    let out = mask_times(&r.ok("show trace max 1"));
    assert_eq!(
        out,
        concat!(
            "Limiting display to 1 packets. To display more specify max.\n",
            "------------------- Start of thread 1 weft_wk_0 -------------------\n",
            "Packet 1\n",
            "\n",
            "HH:MM:SS:uuuuuu: pg-input\n",
            "  pg-input: sw_if_index 1 len 110 next-node ethernet-input\n",
            "HH:MM:SS:uuuuuu: ethernet-input\n",
            "  IP4: 02:00:00:00:00:01 -> 02:fe:00:00:00:03 next ip4-input\n",
            "HH:MM:SS:uuuuuu: ip4-input\n",
            "  IPv4 src=10.99.0.1 dst=10.99.0.3 proto=UDP ttl=64 len=96 next vxlan4-input\n",
            "HH:MM:SS:uuuuuu: vxlan4-input\n",
            "  VXLAN decap from vxlan_tunnel0 vni 11 next 1 error 0\n",
            "HH:MM:SS:uuuuuu: l2-input\n",
            "  l2-input: sw_if_index 3 dst 0a:00:00:00:02:02 src 0a:00:00:00:01:01\n",
            "HH:MM:SS:uuuuuu: l2-output\n",
            "  l2-output: sw_if_index 4 dst 0a:00:00:00:02:02 src 0a:00:00:00:01:01 data 08004500002e000000004011\n",
            "HH:MM:SS:uuuuuu: vxlan4-encap\n",
            "  VXLAN encap to vxlan_tunnel1 vni 12\n",
            "HH:MM:SS:uuuuuu: interface-output\n",
            "  sw_if_index 1 len 110\n",
            "\n",
            "Limiting display to 1 packets. To display more specify max.\n",
        )
    );
    assert_eq!(r.ok("show trace").matches("Packet ").count(), 2);
    r.ok("clear trace");
    assert!(r.ok("show trace").ends_with("No packets in trace buffer\n"));
    assert_eq!(
        r.err("trace add nosuch-node 5"),
        "trace add: expected NODE COUNT, got `nosuch-node 5'"
    );
    assert_eq!(r.err("trace add"), "trace add: expected NODE COUNT, got `'");
    assert_eq!(
        r.err("trace add l2-input 5"),
        "trace add: node 'l2-input' doesn't support per-node tracing. There may be another way to initiate trace on this node."
    );
}

#[test]
fn threads_buffers_placement_version() {
    let r = Rig::koko();
    let t = r.ok("show threads");
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0],
        "ID     Name                Type        LWP     Sched Policy (Priority)  lcore  Core   Socket State     "
    );
    assert!(lines[1].starts_with("0      weft_main                       "));
    assert_eq!(
        lines[2],
        "1      weft_wk_0           workers     0       other (n/a)              n/a    n/a    n/a              "
    );

    r.traffic(1);
    let b = r.ok("show buffers");
    let lines: Vec<&str> = b.lines().collect();
    assert_eq!(
        lines[0],
        "Pool Name            Index NUMA  Size  Data Size  Total  Avail  Cached   Used  "
    );
    assert!(
        lines[1].starts_with("default-numa-0         0     0   4096     2048    4096 "),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "Cache                 Free  ");
    assert!(lines[3].starts_with("cache 0 "));

    assert_eq!(
        r.ok("show interface rx-placement"),
        "Thread 1 (weft_wk_0):\n  node pg-input:\n    eth0 queue 0 (polling)\n    eth1 queue 0 (polling)\n"
    );
    r.ok("set interface rx-mode eth1 interrupt");
    r.ok("set int rx-mode eth0 queue 0 adaptive");
    assert!(
        r.ok("sh int rx")
            .contains("    eth0 queue 0 (adaptive)\n    eth1 queue 0 (interrupt)\n")
    );
    assert_eq!(
        r.err("set interface rx-mode eth0 queue 3 polling"),
        "set interface rx-mode: unknown queue 3 on interface eth0"
    );
    assert_eq!(
        r.err("set interface rx-mode polling"),
        "set interface rx-mode: please specify valid interface name"
    );
    assert_eq!(
        r.err("set interface rx-mode eth0"),
        "set interface rx-mode: please specify valid rx-mode"
    );
    assert_eq!(
        r.err("set interface rx-mode eth0 sometimes"),
        "set interface rx-mode: parse error: 'sometimes'"
    );

    assert_eq!(
        r.ok("show version"),
        format!("{}\n", control::cli::version::version_line())
    );
    assert!(r.ok("show version").starts_with(concat!(
        "weft v",
        env!("CARGO_PKG_VERSION"),
        " built by "
    )));
    assert!(
        r.ok("show version verbose")
            .starts_with(&format!("{:<25} v", "Version:"))
    );
}

/// Every `create vxlan tunnel` message of VPP-CLI.md §1.1, numbered.
#[test]
fn vxlan_validation_messages() {
    let r = Rig::koko();
    let cases = [
        // 1. Nothing.
        ("", "tunnel src address not specified"),
        // 2. No src.
        ("dst 10.99.0.1 vni 5", "tunnel src address not specified"),
        // 3. No dst.
        ("src 10.99.0.3 vni 5", "tunnel dst address not specified"),
        // 4. group not multicast.
        (
            "src 10.99.0.3 group 10.99.0.9 eth0 vni 5",
            "tunnel group address not multicast",
        ),
        // 5. multicast dst.
        (
            "src 10.99.0.3 dst 239.1.1.1 vni 5",
            "dst address must be unicast",
        ),
        // 6. group on an unknown interface.
        (
            "src 10.99.0.3 group 239.1.1.1 nosuch vni 5",
            "tunnel nonexistent multicast device",
        ),
        // 7. IPv4 and IPv6.
        (
            "src 10.99.0.3 dst 2001:db8::1 vni 5",
            "both IPv4 and IPv6 addresses specified",
        ),
        // 8. src == dst.
        (
            "src 10.99.0.3 dst 10.99.0.3 vni 5",
            "src and dst addresses are identical",
        ),
        // 9. unknown decap-next node.
        (
            "src 10.99.0.3 dst 10.99.0.7 decap-next node nosuch vni 5",
            "next node not found",
        ),
        // 10. no vni.
        ("src 10.99.0.3 dst 10.99.0.7", "vni not specified"),
        // 11. vni 0.
        ("src 10.99.0.3 dst 10.99.0.7 vni 0", "vni not specified"),
        // 12. vni too big.
        (
            "src 10.99.0.3 dst 10.99.0.7 vni 16777216",
            "vni 16777216 out of range",
        ),
        // 13. unknown vrf.
        (
            "src 10.99.0.3 dst 10.99.0.7 vni 5 encap-vrf-id 7",
            "nonexistent encap-vrf-id 7",
        ),
        // 14. existing key.
        (
            "src 10.99.0.3 dst 10.99.0.1 vni 11",
            "tunnel already exists...",
        ),
        // 15. delete of a missing key.
        (
            "del src 10.99.0.3 dst 10.99.0.1 vni 99",
            "tunnel does not exist...",
        ),
        // 16. instance in use.
        (
            "src 10.99.0.3 dst 10.99.0.7 vni 5 instance 1",
            "Instance is in use",
        ),
        // 17. unknown keyword.
        (
            "src 10.99.0.3 dst 10.99.0.7 vni 5 bogus word",
            "parse error: 'bogus word'",
        ),
        // 18. keyword without its value.
        ("src 10.99.0.3 dst 10.99.0.7 vni", "parse error: 'vni'"),
        // 19. weft's limits: multicast, l3, other decap-next (IPv6 is
        // fine, but not mixed with IPv4).
        (
            "src 2001:db8::3 dst 10.99.0.1 vni 5",
            "both IPv4 and IPv6 addresses specified",
        ),
        (
            "src 10.99.0.3 group 239.1.1.1 eth0 vni 5",
            "multicast (group) tunnels are not supported by weft",
        ),
        (
            "src 10.99.0.3 dst 10.99.0.7 vni 5 l3",
            "l3 tunnels are not supported by weft",
        ),
        (
            "src 10.99.0.3 dst 10.99.0.7 vni 5 decap-next node ip4-input",
            "decap-next node ip4-input is not supported by weft (only l2)",
        ),
    ];
    let before = r.ok("show vxlan tunnel");
    for (args, msg) in cases {
        assert_eq!(
            r.err(&format!("create vxlan tunnel {args}")),
            format!("create vxlan tunnel: {msg}"),
            "{args}"
        );
    }
    assert_eq!(r.ok("show vxlan tunnel"), before);

    // Keywords in any order; ports; instance; del repeats the key.
    assert_eq!(
        r.ok("create vxlan tunnel vni 13 instance 7 dst_port 4790 dst 10.99.0.7 src_port 4800 src 10.99.0.3 decap-next l2"),
        "vxlan_tunnel7\n"
    );
    assert!(r.ok("show vxlan tunnel").ends_with(
        "[2] instance 7 src 10.99.0.3 dst 10.99.0.7 src_port 4800 dst_port 4790 vni 13 fib-idx 0 sw-if-idx 5 encap-dpo-idx 2 \n"
    ));
    assert_eq!(
        r.ok("create vxlan tunnel del src 10.99.0.3 dst 10.99.0.7 src_port 4800 vni 13"),
        ""
    );
    assert_eq!(r.ok("show vxlan tunnel"), before);
    assert!(
        r.ok("show vxlan tunnel raw")
            .contains("10.99.0.1 10.99.0.3 4789 11 -> 0")
    );
    assert_eq!(
        r.ok("create vxlan tunnel src 10.99.0.3 dst 10.99.0.7 vni 13 encap-vrf-id 0"),
        "vxlan_tunnel2\n"
    );

    let empty = Rig::bare();
    assert_eq!(
        empty.ok("show vxlan tunnel"),
        "No vxlan tunnels configured...\n"
    );
}

#[test]
fn interface_config_commands() {
    let r = Rig::bare();
    r.ok("set int st eth0 up");
    r.ok("set interface ip address eth0 10.0.0.1/24");
    r.ok("set interface ip address eth0 10.0.0.2/24");
    r.ok("set interface mac address eth0 0a00.0000.0001");
    assert_eq!(
        r.ok("show interface address eth0"),
        "eth0 (up):\n  L3 10.0.0.1/24\n  L3 10.0.0.2/24\n"
    );
    assert!(
        r.ok("show hardware-interfaces eth0")
            .contains("Ethernet address 0a:00:00:00:00:01")
    );
    r.ok("set interface ip address del eth0 10.0.0.1/24");
    assert_eq!(r.ok("sh int addr eth0"), "eth0 (up):\n  L3 10.0.0.2/24\n");
    r.ok("set interface ip address del eth0 all");
    assert_eq!(r.ok("sh int addr eth0"), "eth0 (up):\n");
    r.ok("set interface state eth0 down");

    for (line, msg) in [
        (
            "set interface state eth9 up",
            "set interface state: unknown interface `eth9 up'",
        ),
        (
            "set interface state eth0 sideways",
            "set interface state: unknown flags `sideways'",
        ),
        ("set interface state eth0 up now", "unknown input `now'"),
        (
            "set interface ip address eth9 10.0.0.1/24",
            "set interface ip address: unknown interface `eth9 10.0.0.1/24'",
        ),
        (
            "set interface ip address eth0 10.0.0.1",
            "set interface ip address: expected IP4/IP6 address/length `10.0.0.1'",
        ),
        (
            "set interface ip address eth0 10.0.0.1/33",
            "set interface ip address: expected IP4/IP6 address/length `10.0.0.1/33'",
        ),
        (
            "set interface ip address local0 10.0.0.1/24",
            "set interface ip address: local0 interface doesn't support IP addressing",
        ),
        (
            "set interface ip address del eth0 10.0.0.9/24",
            "set interface ip address: 10.0.0.9/24 not found for interface eth0",
        ),
        (
            "set interface mac address eth0 zz",
            "set interface mac address: expected mac address `zz'",
        ),
        (
            "set interface mac address local0 02:00:00:00:00:01",
            "set interface mac address: mac address change is not supported for interface index 0",
        ),
        (
            "set interface l2 xconnect eth0 eth9",
            "set interface l2 xconnect: unknown peer interface `eth9'",
        ),
        (
            "set interface l2 xconnect eth9 eth0",
            "set interface l2 xconnect: unknown interface `eth9 eth0'",
        ),
        (
            "set interface l2 xconnect local0 eth0",
            "set interface l2 xconnect: invalid configuration for interface",
        ),
        (
            "set interface l2 tag-rewrite eth0 pop 1",
            "set interface l2: unknown input `tag-rewrite eth0 pop 1'",
        ),
        (
            "set interface l3 eth9",
            "set interface l3: unknown interface `eth9'",
        ),
    ] {
        assert_eq!(r.err(line), msg, "{line}");
    }

    // Loopbacks.
    assert_eq!(r.ok("create loopback interface"), "loop0\n");
    assert_eq!(
        r.ok("create loopback interface instance 5 mac 02:00:00:00:00:55"),
        "loop5\n"
    );
    assert_eq!(r.ok("loopback create-interface"), "loop1\n");
    assert!(
        r.ok("show hardware-interfaces loop0")
            .contains("Ethernet address de:ad:00:00:00:00")
    );
    assert!(
        r.ok("sh int loop5")
            .contains("loop5                             4     down         9000/0/0/0     ")
    );
    assert_eq!(
        r.err("create loopback interface instance 5"),
        "create loopback interface: vnet_create_loopback_interface failed"
    );
    assert_eq!(
        r.err("create loopback interface colour blue"),
        "create loopback interface: unknown input `colour blue'"
    );
    assert_eq!(
        r.err("delete loopback interface"),
        "delete loopback interface: interface not specified"
    );
    assert_eq!(
        r.err("delete loopback interface intfc eth0"),
        "delete loopback interface: vnet_delete_loopback_interface failed"
    );
    assert_eq!(r.ok("delete loopback interface intfc loop0"), "");
    assert!(!r.ok("show interface").contains("loop0 "));

    // af_xdp (the pg stand-in runtime).
    for (line, msg) in [
        (
            "create interface af_xdp name x",
            "create interface af_xdp: missing host interface",
        ),
        (
            "create interface af_xdp host-if veth0 rx-queue-size 100",
            "create interface af_xdp: queue size must be a power of two between 256 and 65535",
        ),
        (
            "create interface af_xdp host-if veth0 tx-queue-size 131072",
            "create interface af_xdp: queue size must be a power of two between 256 and 65535",
        ),
        (
            "create interface af_xdp host-if veth0 prog x.o",
            "create interface af_xdp: unknown input `prog x.o'",
        ),
        (
            "create interface af_xdp host-if",
            "create interface af_xdp: unknown input `host-if'",
        ),
        (
            "delete interface af_xdp",
            "delete interface af_xdp: please specify interface name or sw_if_index",
        ),
        (
            "delete interface af_xdp eth0",
            "delete interface af_xdp: not an AVF interface",
        ),
    ] {
        assert_eq!(r.err(line), msg, "{line}");
    }
    assert_eq!(
        r.ok(
            "create interface af_xdp host-if veth0 num-rx-queues all rx-queue-size 1024 zero-copy"
        ),
        ""
    );
    let hw = r.ok("show hardware-interfaces veth0/0");
    assert!(hw.contains("  netdev veth0 (pg stand-in)\n"), "{hw}");
    r.ok("create int af_xdp host-if veth1 name uplink");
    assert!(r.ok("sh int uplink").contains("uplink "));
    r.ok("delete interface af_xdp veth0/0");
    let idx = r.ok("sh int uplink");
    let idx = idx.lines().nth(1).unwrap()[32..37].trim().to_string();
    r.ok(&format!("delete interface af_xdp sw_if_index {idx}"));
    assert!(!r.ok("show interface").contains("uplink"));
}

/// A failing command changes nothing: the show output before equals the
/// one after, and the runtime hook is not called.
#[test]
fn failed_commands_change_nothing() {
    let r = Rig::koko();
    let snapshot = || {
        [
            "show interface",
            "show interface address",
            "show mode",
            "show vxlan tunnel",
            "show hardware-interfaces eth0 eth1 local0",
        ]
        .map(|c| r.ok(c))
        .join("")
    };
    let neighbors = || {
        r.ok("show ip neighbors")
            .lines()
            .map(|l| l.get(12..).unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    let before = (
        snapshot(),
        neighbors(),
        r.eth0_dev.configures.load(Ordering::Relaxed),
    );
    for line in [
        "set interface state eth0 up now",
        "set interface ip address eth1 10.99.0.9/24",
        "set interface ip address eth1 10.0.0.1/24 extra",
        "set interface ip address del eth0 all extra",
        "set interface mac address eth0 02:00:00:00:00:01 extra",
        "set interface l2 xconnect eth0 eth1 extra",
        "set interface l3 vxlan_tunnel0 extra",
        "create vxlan tunnel src 10.99.0.3 dst 10.99.0.7 vni 99 bogus",
        "create vxlan tunnel src 10.99.0.3 dst 10.99.0.7 vni 99 instance 0",
        "ip neighbor eth1 10.0.0.1 02:00:00:00:00:01 static trailing",
        "ip neighbor eth0 10.99.0.1 02:00:00:00:00:09",
        "create loopback interface instance 1 junk",
        "delete loopback interface intfc eth0",
        "create interface af_xdp host-if veth0 rx-queue-size 3",
        "set interface rx-mode eth0 queue 4 polling",
        "clear interfaces now",
        "clear errors now",
    ] {
        r.err(line);
    }
    assert_eq!(
        (
            snapshot(),
            neighbors(),
            r.eth0_dev.configures.load(Ordering::Relaxed)
        ),
        before
    );
    // And a successful one calls the hook once.
    r.ok("set interface state eth1 up");
    assert_eq!(r.eth0_dev.configures.load(Ordering::Relaxed), before.2 + 1);
}

#[test]
fn grammar_errors_and_prefixes() {
    let r = Rig::koko();
    assert_eq!(
        r.err("frobnicate the widget"),
        "unknown input `frobnicate the widget'"
    );
    // Ambiguous: `s` is set and show; `c` is clear and create.
    assert_eq!(r.err("s int"), "unknown input `s int'");
    assert_eq!(r.err("c errors"), "unknown input `c errors'");
    assert_eq!(
        r.err("show nonsense here"),
        "show: unknown input `nonsense here'"
    );
    assert_eq!(
        r.err("show 0123456789012345678901234567890123456789"),
        "show: unknown input `012345678901234567890123456789'"
    );
    // What weft does not have is unknown input, never a fake success.
    assert_eq!(
        r.err("show acl-plugin acl"),
        "show: unknown input `acl-plugin acl'"
    );
    assert_eq!(r.err("ping 10.99.0.1"), "unknown input `ping 10.99.0.1'");
    assert_eq!(r.err("ip table add 1"), "ip: unknown input `table add 1'");
    // ip route: VPP's messages, and the route shows in show ip fib.
    assert_eq!(
        r.err("ip route add via 10.99.0.1"),
        "ip route: expected ip4/ip6 destination address/length."
    );
    assert_eq!(
        r.err("ip route add 10.7.0.0/16"),
        "ip route: expected paths."
    );
    assert_eq!(r.ok("ip route add 10.7.0.0/16 via 10.99.0.1"), "");
    assert!(r.ok("show ip fib").contains("\n10.7.0.0/16\n"));
    assert_eq!(r.ok("ip route del 10.7.0.0/16"), "");
    assert!(!r.ok("show ip fib").contains("10.7.0.0/16"));
    assert_eq!(
        r.err("ip route del 10.7.0.0/16"),
        "ip route: route 10.7.0.0/16 not found"
    );
    // Prefixes.
    r.ok("set int st eth1 up");
    assert!(r.ok("sh int eth1").contains("  up  "));
    assert_eq!(r.ok("sh vx tun"), r.ok("show vxlan tunnel"));
    assert_eq!(r.ok("sh mo eth0"), "l3 eth0  \n");
    // `?` after a command and `help`.
    assert_eq!(
        r.ok("show mode ?"),
        format!(
            "  {:<40} {}\n",
            "show mode", "show mode [<if-name1> <if-name2> ...]"
        )
    );
    assert!(
        r.ok("help")
            .contains(&format!("  {:<30} {}\n", "show", "Show commands"))
    );
    assert_eq!(r.ok("help show vxlan tunnel"), "show vxlan tunnel [raw]");
    assert!(r.ok("show ?").contains("  show vxlan tunnel "));
    assert!(!r.ok("show ?").contains("  set "));
}

#[test]
fn completion() {
    let r = Rig::koko();
    let words = |prefix: &str| -> Vec<String> {
        r.cli.complete(prefix).into_iter().map(|(w, _)| w).collect()
    };
    let root = words("");
    for w in ["clear", "create", "delete", "ip", "set", "show", "trace"] {
        assert!(root.contains(&w.to_string()), "{root:?}");
    }
    let show = words("sh");
    for w in [
        "errors",
        "hardware-interfaces",
        "interface",
        "runtime",
        "vxlan",
        "version",
    ] {
        assert!(show.contains(&w.to_string()), "{show:?}");
    }
    // Sub-commands, then the command's arguments with interfaces.
    let int = words("show interface");
    assert_eq!(int[0], "rx-placement");
    for w in ["address", "<interface>", "eth0", "local0", "vxlan_tunnel1"] {
        assert!(int.contains(&w.to_string()), "{int:?}");
    }
    let state = r.cli.complete("set int state eth0");
    assert!(state.contains(&("up".to_string(), "admin up".to_string())));
    // Keywords already typed are not offered again.
    let vx = words("create vxlan tunnel src 10.99.0.3");
    assert!(vx.contains(&"dst".to_string()) && !vx.contains(&"src".to_string()));
    // Graph nodes for trace add.
    let t = words("trace add");
    assert!(t.contains(&"<node>".to_string()) && t.contains(&"pg-input".to_string()));
    // Help text comes along.
    let help: Vec<_> = r
        .cli
        .complete("show")
        .into_iter()
        .filter(|(w, _)| w == "version")
        .collect();
    assert_eq!(
        help,
        [(
            "version".to_string(),
            "show version [verbose] [cmdline]".to_string()
        )]
    );
    assert!(words("nonsense").is_empty());
}

#[test]
fn json() {
    let r = Rig::koko();
    // The node path, so that l2-input has vectors to show.
    r.ok("set vxlan fastpath disable");
    r.traffic(2);
    let v = |line: &str| -> serde_json::Value {
        serde_json::from_str(&r.cli.execute_json(line).unwrap()).unwrap()
    };
    let ifs = v("show interface");
    let eth0 = ifs
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "eth0")
        .unwrap();
    assert_eq!(eth0["sw_if_index"], 1);
    assert_eq!(eth0["admin_up"], true);
    assert_eq!(eth0["counters"]["rx_packets"], 3);
    assert_eq!(eth0["counters"]["drops"], 1);
    assert_eq!(eth0["ip4"][0], "10.99.0.3/24");
    let tun = v("show vxlan tunnel");
    assert_eq!(tun[1]["name"], "vxlan_tunnel1");
    assert_eq!(tun[1]["vni"], 12);
    assert_eq!(tun[1]["encap_resolved"], true);
    let errors = v("show errors");
    assert_eq!(errors[0]["node"], "vxlan4-input");
    assert_eq!(errors[0]["count"], 2);
    assert_eq!(errors[0]["severity"], "info");
    let rt = v("show runtime");
    assert_eq!(rt[0]["name"], "weft_wk_0");
    assert!(
        rt[0]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["name"] == "l2-input" && n["vectors"] == 2)
    );
    let n = v("show ip neighbors");
    assert_eq!(n[0]["flags"], "S");
    assert_eq!(n[0]["interface"], "eth0");
    let m = v("show mode");
    assert_eq!(m[3]["mode"], "l2 xconnect");
    assert_eq!(m[3]["peer"], "vxlan_tunnel1");
    assert_eq!(m[0]["peer"], serde_json::Value::Null);
    let t = v("show threads");
    assert_eq!(t[1]["type"], "workers");
    let b = v("show buffers");
    assert_eq!(b["total"], 4096);
    // Errors are JSON too: the text without --json, under "error".
    assert_eq!(
        r.cli.execute_json("show interface bogus").unwrap_err(),
        r#"{"error":"show interface: unknown input `bogus'"}"#
    );
    assert_eq!(
        r.cli.execute_json("frobnicate").unwrap_err(),
        r#"{"error":"unknown input `frobnicate'"}"#
    );
    assert_eq!(
        r.cli
            .execute_json("create vxlan tunnel src 10.99.0.3 dst 10.99.0.9")
            .unwrap_err(),
        r#"{"error":"create vxlan tunnel: vni not specified"}"#
    );
    // Actions answer the lines they print (none for most).
    assert_eq!(
        v("set interface state eth1 up"),
        serde_json::json!({"output": []})
    );
    assert_eq!(
        v("create loopback interface"),
        serde_json::json!({"output": ["loop0"]})
    );
    assert_eq!(
        v("show hardware-interfaces eth0")[0]["rx_queues"][0]["mode"],
        "polling"
    );
    // `?` and help stay text, as a JSON string.
    assert!(
        v("show ip fib ?")
            .as_str()
            .unwrap()
            .contains("show ip fib [summary]")
    );
    // show version: every fact, the options only choose the text.
    let ver = v("show version verbose");
    assert_eq!(ver, v("show version"));
    assert_eq!(ver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(ver["pid"], std::process::id());
    let info = buildinfo::get();
    for (key, value) in [
        ("commit", info.commit),
        ("build_date", info.date),
        ("compiler", info.compiler),
        ("build_by", info.user),
        ("build_host", info.host),
        ("build_dir", info.location),
        ("profile", info.profile),
    ] {
        assert_eq!(ver[key], value, "{key}");
    }
    assert_eq!(
        ver["cmdline"],
        serde_json::json!(std::env::args().collect::<Vec<_>>())
    );
    assert_eq!(ver.as_object().unwrap().len(), 10);
}

/// Commands from other crates: registered later, run with or without the
/// lock.
#[test]
fn registered_commands() {
    use control::cli::{CmdError, Command};
    let r = Rig::bare();
    r.cli
        .register(Command::unlocked("ping", "ping <ip>", |state, input| {
            let ip = input
                .ipv4()
                .ok_or_else(|| CmdError::failed("expected address"))?;
            input.end()?;
            // Locks briefly, as ping does between probes.
            let n = control::cli::exec::lock(state).config.interfaces().count();
            Ok(format!("{ip}: {n} interfaces\n"))
        }));
    assert_eq!(r.ok("ping 10.0.0.1"), "10.0.0.1: 3 interfaces\n");
    assert_eq!(r.err("ping x"), "ping: expected address");
    assert_eq!(r.err("ping 10.0.0.1 x"), "unknown input `x'");
    r.cli
        .register(Command::locked("ip route", "ip route ...", |_s, _i| {
            Ok("route\n".into())
        }));
    assert_eq!(r.ok("ip ro"), "route\n");
    // `ip neighbor` still resolves next to it.
    r.ok("ip nei eth0 10.0.0.2 02:00:00:00:00:02");
}

#[test]
fn neighbor_config_limit_golden() {
    let r = Rig::koko();
    assert_eq!(
        r.ok("show ip neighbor-config"),
        "ip4:\n  limit:50000, age:300, recycle:0\n  entries:2, refused:0, recycled:0\n  learning: moved:0, off-subnet:0, network-or-broadcast:0, not-unicast-mac:0, own-mac:0, mac-change:0, unsolicited-reply:0, unknown-announcement:0, static:0\n"
    );
    // VPP does nothing on an empty line.
    assert_eq!(r.ok("set ip neighbor-config"), "");
    for (line, err) in [
        (
            "set ip neighbor-config limit 3",
            "set ip neighbor-config: parse error `limit 3'",
        ),
        (
            "set ip neighbor-config ip6 limit 3",
            "set ip neighbor-config: weft keeps one neighbor table for IPv4 and IPv6: set it with ip4",
        ),
        (
            "set ip neighbor-config ip4 limit many",
            "set ip neighbor-config: parse error `limit many'",
        ),
        (
            "set ip neighbor-config ip4 recycle sometimes",
            "set ip neighbor-config: parse error `sometimes'",
        ),
    ] {
        assert_eq!(r.err(line), err, "{line}");
    }
    // A failed line changed nothing.
    assert!(
        r.ok("show ip neighbor-config")
            .contains("limit:50000, age:300, recycle:0")
    );
    // Keywords in any order; the rest keeps its value.
    r.ok("set ip neighbor-config ip4 recycle limit 3");
    r.ok("set ip neighbor-config ipv4 norecycle age 0");
    assert_eq!(
        r.ok("sh ip neighbor-config"),
        "ip4:\n  limit:3, age:0, recycle:0\n  entries:2, refused:0, recycled:0\n  learning: moved:0, off-subnet:0, network-or-broadcast:0, not-unicast-mac:0, own-mac:0, mac-change:0, unsolicited-reply:0, unknown-announcement:0, static:0\n"
    );
    // The `ip neighbor` commands are unaffected by the longer word.
    r.ok("ip neighbor eth1 10.98.0.1 02:00:00:00:00:07");
    assert_eq!(
        r.err("ip neighbor eth1 10.98.0.2 02:00:00:00:00:08 static"),
        "ip neighbor: neighbor table full (limit 3 entries)"
    );
    assert_eq!(r.ok("show ip neighbors").lines().count(), 4);
    // Full, but the existing entries still update.
    r.ok("ip neighbor eth1 10.98.0.1 02:00:00:00:00:09");
    r.ok("set ip neighbor-config ip4 recycle");
    r.ok("ip neighbor eth1 10.98.0.2 02:00:00:00:00:08 static");
    let n = r.ok("show ip neighbors");
    assert!(!n.contains("10.98.0.1 "), "the dynamic entry recycled: {n}");
    assert!(n.contains("10.98.0.2 "), "{n}");
    assert_eq!(
        r.ok("show ip neighbor-config"),
        "ip4:\n  limit:3, age:0, recycle:1\n  entries:3, refused:1, recycled:1\n  learning: moved:0, off-subnet:0, network-or-broadcast:0, not-unicast-mac:0, own-mac:0, mac-change:0, unsolicited-reply:0, unknown-announcement:0, static:0\n"
    );
    let v: serde_json::Value = serde_json::from_str(
        &r.cli
            .execute_json("show ip neighbor-config")
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap();
    assert_eq!(
        v,
        serde_json::json!({"ip4": {"limit": 3, "age": 0, "recycle": true,
            "entries": 3, "refused": 1, "recycled": 1,
            "learning": {"moved": 0, "refused": {"off-subnet": 0,
                "network-or-broadcast": 0, "not-unicast-mac": 0, "own-mac": 0,
                "mac-change": 0, "unsolicited-reply": 0, "unknown-announcement": 0,
                "static": 0}}}})
    );
}

#[test]
fn vxlan_fastpath_toggles_and_publishes() {
    let r = Rig::koko();
    let snap = |r: &Rig| {
        control::cli::exec::lock(r.cli.state())
            .config
            .tables()
            .load()
            .vxlan4_fastpath
    };
    assert!(snap(&r), "on by default");
    assert_eq!(
        r.ok("show vxlan fastpath"),
        "vxlan4-fastpath: enabled, 0 packets\n"
    );
    assert_eq!(r.ok("set vxlan fastpath disable"), "");
    assert!(!snap(&r));
    assert_eq!(
        r.ok("show vxlan fastpath"),
        "vxlan4-fastpath: disabled, 0 packets\n"
    );
    for (line, err) in [
        (
            "set vxlan fastpath",
            "set vxlan fastpath: expected enable or disable",
        ),
        ("set vxlan fastpath on", "unknown input `on'"),
        ("set vxlan fastpath enable now", "unknown input `now'"),
        ("show vxlan fastpath x", "unknown input `x'"),
    ] {
        assert_eq!(r.err(line), err, "{line}");
    }
    // The failed lines changed nothing.
    assert!(!snap(&r));
    r.ok("set vxlan fastpath enable");
    assert!(snap(&r));
    let j: serde_json::Value =
        serde_json::from_str(&r.cli.execute_json("show vxlan fastpath").unwrap()).unwrap();
    assert_eq!(j, serde_json::json!({"enabled": true, "packets": 0}));
}

/// `set vxlan xdp-fastpath`: on by default, off globally or per interface,
/// in the snapshot the XDP programs follow; bad lines change nothing. (pg
/// devices have no XDP program: `show` lists no interface.)
#[test]
fn xdp_fastpath_switches() {
    let r = Rig::koko();
    let snap = |r: &Rig| {
        control::cli::exec::lock(r.cli.state())
            .config
            .tables()
            .load()
            .xdp
            .clone()
    };
    assert!(snap(&r).on(1), "on by default");
    assert_eq!(r.ok("show vxlan xdp-fastpath"), "xdp-fastpath: enabled\n");
    r.ok("set vxlan xdp-fastpath eth0 disable");
    assert!(!snap(&r).on(1) && snap(&r).on(2));
    r.ok("set vxlan xdp-fastpath disable");
    assert!(!snap(&r).on(2));
    assert_eq!(r.ok("show vxlan xdp-fastpath"), "xdp-fastpath: disabled\n");
    r.ok("set vxlan xdp-fastpath enable");
    assert!(!snap(&r).on(1) && snap(&r).on(2), "eth0 stays off");
    r.ok("set vxlan xdp-fastpath enable eth0");
    assert!(snap(&r).on(1));
    for (line, err) in [
        (
            "set vxlan xdp-fastpath",
            "set vxlan xdp-fastpath: expected enable or disable",
        ),
        (
            "set vxlan xdp-fastpath eth0",
            "set vxlan xdp-fastpath: expected enable or disable",
        ),
        (
            "set vxlan xdp-fastpath eth9 disable",
            "unknown input `eth9 disable'",
        ),
        ("set vxlan xdp-fastpath on", "unknown input `on'"),
        ("show vxlan xdp-fastpath x", "unknown input `x'"),
    ] {
        assert_eq!(r.err(line), err, "{line}");
    }
    assert!(snap(&r).on(1), "the failed lines changed nothing");
    // A deleted interface's switch goes with it.
    r.ok("create loopback interface");
    r.ok("set vxlan xdp-fastpath loop0 disable");
    let loop0 = control::cli::exec::lock(r.cli.state())
        .config
        .interface_index("loop0")
        .unwrap();
    assert!(!snap(&r).on(loop0));
    r.ok("delete loopback interface intfc loop0");
    assert!(snap(&r).off.is_empty(), "{:?}", snap(&r));
}

/// `pcap trace` through the CLI: VPP's messages, the status lines, the
/// file written on `off` (read back), every refusal.
#[test]
fn pcap_trace_golden() {
    use dataplane::pcap::read_pcap;
    let r = Rig::koko();
    let name = format!("weft-cli-pcap-{}.pcap", std::process::id());
    let path = format!("/tmp/{name}");
    assert_eq!(
        r.ok("pcap trace status"),
        "pcap dispatch capture disabled\n"
    );
    assert_eq!(
        r.err("pcap trace off"),
        "pcap trace: dispatch trace already disabled..."
    );
    assert_eq!(
        r.ok(&format!("pcap trace rx tx max 100 intfc any file {name}")),
        ""
    );
    assert_eq!(
        r.err("pcap trace drop"),
        "pcap trace: dispatch trace already enabled..."
    );
    // Two frames forwarded, one for no tunnel: 3 received, 2 sent.
    r.traffic(2);
    assert_eq!(
        r.ok("pcap trace status"),
        format!(
            "pcap rx and tx dispatch capture enabled: 5 of 100 pkts...\ncapture to file {path}\n"
        )
    );
    assert_eq!(
        r.ok("pcap trace off"),
        format!("Write 5 packets to {path}, and stop capture...\n")
    );
    assert_eq!(
        r.ok("pcap trace status"),
        "pcap dispatch capture disabled\n"
    );
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let (link, packets) = read_pcap(&bytes).unwrap();
    assert_eq!(link, 1);
    assert_eq!(packets.len(), 5);
    // rx: koko1's frames (VNI 11, 11, 99); tx: re-encapsulated (VNI 12).
    let vnis: Vec<u32> = packets
        .iter()
        .map(|p| u32::from_be_bytes([0, p.data[46], p.data[47], p.data[48]]))
        .collect();
    assert_eq!(vnis, [11, 11, 99, 12, 12]);

    // Drops, with the reason appended; `max` holds.
    assert_eq!(r.ok(&format!("pcap trace drop max 2 file {name}")), "");
    r.traffic(1);
    r.traffic(1);
    r.traffic(1);
    assert_eq!(
        r.ok("pcap trace status"),
        format!("pcap drop dispatch capture enabled: 2 of 2 pkts...\ncapture to file {path}\n")
    );
    assert_eq!(
        r.ok("pcap trace drop off"),
        format!("Write 2 packets to {path}, and stop capture...\n")
    );
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let (_, packets) = read_pcap(&bytes).unwrap();
    assert_eq!(packets.len(), 2);
    for p in &packets {
        assert!(
            p.data.ends_with(b"vxlan4-input: no_such_tunnel"),
            "{:?}",
            String::from_utf8_lossy(&p.data)
        );
        assert_eq!(p.orig_len as usize, p.data.len());
    }

    // Nothing captured: stopped all the same, nothing written.
    assert_eq!(r.ok("pcap trace tx intfc eth1"), "");
    assert_eq!(
        r.ok("pcap trace status"),
        "pcap tx dispatch capture enabled: 0 of 1000 pkts...\ncapture to file /tmp/tx.pcap\n"
    );
    assert_eq!(r.err("pcap trace"), "pcap trace: No packets captured...");
    assert_eq!(
        r.ok("pcap trace status"),
        "pcap dispatch capture disabled\n"
    );
    // Default names, VPP's.
    r.ok("pcap trace rx drop max 1");
    assert!(
        r.ok("pcap trace status")
            .ends_with("capture to file /tmp/rxdrop.pcap\n")
    );
    assert_eq!(
        r.err("pcap trace off"),
        "pcap trace: No packets captured..."
    );

    // Refusals change nothing.
    for (line, err) in [
        (
            "pcap trace rx max-bytes-per-pkt 31",
            "pcap trace: Max bytes per pkt must be > 32, < 9000...",
        ),
        (
            "pcap trace rx max-bytes-per-pkt 9001",
            "pcap trace: Max bytes per pkt must be > 32, < 9000...",
        ),
        (
            "pcap trace rx file ../x",
            "pcap trace: unknown input `file ../x'",
        ),
        (
            "pcap trace rx file a/b",
            "pcap trace: unknown input `file a/b'",
        ),
        (
            "pcap trace rx intfc bogus0",
            "pcap trace: unknown input `intfc bogus0'",
        ),
        (
            "pcap trace rx max many",
            "pcap trace: unknown input `max many'",
        ),
        ("pcap trace rx filter", "pcap trace: unknown input `filter'"),
        (
            "pcap dispatch trace on",
            "pcap: unknown input `dispatch trace on'",
        ),
    ] {
        assert_eq!(r.err(line), err, "{line}");
        assert_eq!(
            r.ok("pcap trace status"),
            "pcap dispatch capture disabled\n"
        );
    }
}

/// Every registered `show` command has a JSON form, and none answers
/// text: each runs under `--json` (as weftctl sends it) on the koko rig,
/// with traffic and a trace, and gives a JSON document that is not a
/// `{"text": ...}` or `{"output": ...}` wrapper.
#[test]
fn every_show_command_answers_json() {
    let r = Rig::koko();
    r.ok("trace add pg-input 2");
    r.traffic(2);
    let paths = r.cli.command_paths();
    let shows: Vec<_> = paths
        .iter()
        .filter(|(p, _)| p.starts_with("show "))
        .collect();
    assert!(shows.len() >= 20, "{shows:?}");
    let missing: Vec<_> = shows.iter().filter(|(_, j)| !j).map(|(p, _)| *p).collect();
    assert!(
        missing.is_empty(),
        "show commands without JSON: {missing:?}"
    );
    for (path, _) in shows {
        // A session's history exists only in a session (VPP's error
        // outside one; its JSON is tested in cli/tests/weftd.rs).
        if *path == "show cli-history" {
            assert_eq!(
                r.cli.execute_json(path).unwrap_err(),
                r#"{"error":"show cli-history: invalid for non-interactive sessions"}"#
            );
            continue;
        }
        let out = r
            .cli
            .execute_json(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{path}: {e}: {out}"));
        if let Some(o) = v.as_object() {
            assert!(
                !o.contains_key("text") && !o.contains_key("output"),
                "{path}: {out}"
            );
        }
        assert!(!v.is_string(), "{path}: {out}");
    }
}

/// The words of each non-empty line of `text` after `skip` lines.
fn rows(text: &str, skip: usize) -> Vec<Vec<&str>> {
    text.lines()
        .skip(skip)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect()
}

/// A JSON value as the text prints it (strings without quotes).
fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Every show command's JSON, field by field against its text, on the
/// koko rig with a route, IPv6, a bridge domain with a BVI and a static
/// MAC, an af_xdp stand-in, traffic and a trace: the values a script reads
/// are the ones an operator reads.
#[test]
fn json_matches_text() {
    let r = Rig::koko();
    for line in [
        "set vxlan fastpath disable",
        "trace add pg-input 2",
        "ip route add 10.98.0.0/16 via 10.99.0.254",
        "set interface ip address eth1 fd00::3/64",
        "ip neighbor eth1 fd00::1 02:00:00:00:00:11 static",
        "ip route add fd01::/64 via fd00::1",
        "create bridge-domain 10 mac-age 5",
        "create loopback interface",
        "set interface l2 bridge loop0 10 bvi",
        "l2fib add 02:00:00:00:00:09 10 loop0 static",
        "create interface af_xdp host-if veth9",
    ] {
        r.ok(line);
    }
    r.traffic(2);
    let j = |line: &str| -> serde_json::Value {
        let out = r
            .cli
            .execute_json(line)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{line}: {e}: {out}"))
    };
    let arr = |v: &serde_json::Value| v.as_array().unwrap().clone();

    // show interface: every row and every non-zero counter; the counters
    // the text leaves out are zero.
    let text = r.ok("show interface");
    let json = arr(&j("show interface"));
    let mut i = 0;
    let mut shown: Vec<(String, u64)> = Vec::new();
    let check_counters = |ifc: &serde_json::Value, shown: &mut Vec<(String, u64)>| {
        let c = ifc["counters"].as_object().unwrap();
        for (k, v) in c {
            let want = shown.iter().find(|(n, _)| n == k).map_or(0, |s| s.1);
            assert_eq!(v.as_u64().unwrap(), want, "{} {k}", ifc["name"]);
        }
        assert!(shown.iter().all(|(n, _)| c.contains_key(n)), "{shown:?}");
        shown.clear();
    };
    for row in rows(&text, 1) {
        let counter = |words: &[&str]| {
            let (name, n) = words.split_at(words.len() - 1);
            (
                name.join("_").replace('-', "_"),
                n[0].parse::<u64>().unwrap(),
            )
        };
        if row.len() >= 4 && row[1].parse::<u32>().is_ok() {
            if i > 0 {
                check_counters(&json[i - 1], &mut shown);
            }
            let ifc = &json[i];
            assert_eq!(ifc["name"], row[0]);
            assert_eq!(plain(&ifc["sw_if_index"]), row[1]);
            assert_eq!(ifc["admin_up"], row[2] == "up");
            assert_eq!(format!("{}/0/0/0", ifc["mtu"]), row[3]);
            if row.len() > 4 {
                shown.push(counter(&row[4..]));
            }
            i += 1;
        } else {
            shown.push(counter(&row));
        }
    }
    check_counters(&json[i - 1], &mut shown);
    assert_eq!(i, json.len());

    // show interface address
    let text = r.ok("show interface address");
    let json = arr(&j("show interface address"));
    let mut lines = text.lines();
    for ifc in &json {
        let up = if ifc["admin_up"] == true { "up" } else { "dn" };
        assert_eq!(
            lines.next().unwrap(),
            format!("{} ({up}):", plain(&ifc["name"]))
        );
        let l2 = &ifc["l2"];
        if l2["mode"] == "xconnect" {
            assert_eq!(
                lines.next().unwrap(),
                format!("  L2 xconnect {}", plain(&l2["peer"]))
            );
            assert_eq!(
                json.iter().find(|i| i["name"] == l2["peer"]).unwrap()["sw_if_index"],
                l2["peer_sw_if_index"]
            );
        } else if l2["mode"] == "bridge" {
            assert_eq!(
                lines.next().unwrap(),
                format!(
                    "  L2 bridge bd-id {} idx {} shg {} {}",
                    l2["bd_id"],
                    l2["bd_index"],
                    l2["shg"],
                    if l2["bvi"] == true { "bvi" } else { " " }
                )
            );
        } else {
            assert!(l2.is_null());
        }
        for a in arr(&ifc["ip4"]).iter().chain(&arr(&ifc["ip6"])) {
            assert_eq!(lines.next().unwrap(), format!("  L3 {}", plain(a)));
        }
    }
    assert_eq!(lines.next(), None);

    // show hardware-interfaces: rows, queues, MAC, the driver's lines.
    let text = r.ok("show hardware-interfaces");
    let json = arr(&j("show hardware-interfaces"));
    let mut expect = String::from(text.lines().next().unwrap());
    expect.push('\n');
    for h in &json {
        let name = plain(&h["name"]);
        let link = if h["link_up"] == true { "up" } else { "down" };
        let head = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
            .unwrap();
        assert_eq!(
            head.split_whitespace().collect::<Vec<_>>(),
            [
                name.as_str(),
                &plain(&h["sw_if_index"]),
                link,
                name.as_str()
            ]
        );
        expect.push_str(head);
        expect.push_str("\n  Link speed: unknown\n");
        assert!(h["link_speed"].is_null());
        let queues = arr(&h["rx_queues"]);
        if !queues.is_empty() {
            expect.push_str("  RX Queues:\n    queue thread         mode      \n");
            for q in queues {
                expect.push_str(&format!(
                    "    {:<6}{:<15}{:<10}\n",
                    plain(&q["queue"]),
                    format!("{} ({})", plain(&q["thread_name"]), q["thread"]),
                    plain(&q["mode"])
                ));
            }
        }
        if !h["mac"].is_null() {
            expect.push_str(&format!("  Ethernet address {}\n", plain(&h["mac"])));
        }
        if !h["driver"].is_null() {
            // The pg stand-in's two lines (af_xdp's and af_packet's are
            // compared with their JSON in control::device's tests).
            assert_eq!(h["driver"]["type"], "pg");
            assert_eq!(h["driver"]["attached"], true);
            expect.push_str(&format!(
                "  netdev {} (pg stand-in)\n  flags: initialized\n",
                plain(&h["driver"]["host_if"])
            ));
        }
    }
    assert_eq!(text, expect);
    assert_eq!(json[6]["driver"]["host_if"], "veth9");

    // show interface rx-placement
    let text = r.ok("show interface rx-placement");
    let mut expect = String::new();
    let (mut thread, mut node) = (None, None);
    for p in arr(&j("show interface rx-placement")) {
        if thread != Some(p["thread"].clone()) {
            expect.push_str(&format!(
                "Thread {} ({}):\n",
                p["thread"],
                plain(&p["thread_name"])
            ));
            thread = Some(p["thread"].clone());
            node = None;
        }
        if node != Some(p["node"].clone()) {
            expect.push_str(&format!("  node {}:\n", plain(&p["node"])));
            node = Some(p["node"].clone());
        }
        expect.push_str(&format!(
            "    {} queue {} ({})\n",
            plain(&p["interface"]),
            p["queue"],
            plain(&p["mode"])
        ));
    }
    assert_eq!(text, expect);

    // show ip fib / show ip6 fib: every entry's prefix, index and DPO.
    for (cmd, ip) in [("show ip fib", "ip4"), ("show ip6 fib", "ip6")] {
        let text = r.ok(cmd);
        let tables = arr(&j(cmd));
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        assert_eq!(t["table_id"], 0);
        assert_eq!(t["fib_index"], 0);
        assert!(text.starts_with(&format!("{}, fib_index:0,", plain(&t["table"]))));
        let blocks: Vec<&str> = text.lines().skip(1).collect();
        let entries = arr(&t["entries"]);
        assert_eq!(blocks.len(), entries.len() * 4, "{cmd}");
        for (e, b) in entries.iter().zip(blocks.chunks(4)) {
            let idx = plain(&e["index"]);
            assert_eq!(b[0], plain(&e["prefix"]));
            assert_eq!(
                plain(&e["prefix"]),
                format!("{}/{}", plain(&e["address"]), e["prefix_len"])
            );
            assert_eq!(b[1], format!("  unicast-{ip}-chain"));
            assert!(
                b[2].contains(&format!("index:{idx} buckets:1 uRPF:{idx} ")),
                "{b:?}"
            );
            let p = &e["paths"][0];
            let dpo = b[3];
            match plain(&p["forwarding"]).as_str() {
                "drop" => assert!(dpo.contains(&format!("dpo-drop {ip}")), "{dpo}"),
                "glean" => assert!(
                    dpo.ends_with(&format!(
                        "-glean: [src:{}] {}",
                        plain(&e["prefix"]),
                        plain(&p["interface"])
                    )),
                    "{dpo}"
                ),
                "receive" => assert!(
                    dpo.ends_with(&format!(
                        "dpo-receive: {} on {}",
                        plain(&p["next_hop"]),
                        plain(&p["interface"])
                    )),
                    "{dpo}"
                ),
                "adjacency" => {
                    let tail = format!(" via {} {}", plain(&p["next_hop"]), plain(&p["interface"]));
                    let unresolved = if p["resolved"] == true {
                        ""
                    } else {
                        " (unresolved)"
                    };
                    assert!(dpo.ends_with(&format!("{tail}{unresolved}")), "{dpo} {p}");
                }
                "link-local" => assert!(dpo.ends_with("ip6-link-local"), "{dpo}"),
                f => panic!("{f}"),
            }
        }
    }
    // The kinds the rig has, by prefix.
    let fib = j("show ip fib")[0]["entries"].clone();
    let entry = |p: &str| arr(&fib).into_iter().find(|e| e["prefix"] == p).unwrap();
    assert_eq!(entry("10.98.0.0/16")["source"], "CLI");
    assert_eq!(entry("10.98.0.0/16")["paths"][0]["type"], "recursive");
    assert_eq!(entry("10.98.0.0/16")["paths"][0]["resolved"], false);
    assert_eq!(entry("10.99.0.1/32")["type"], "adjacency");
    assert_eq!(entry("10.99.0.3/32")["type"], "local");
    assert_eq!(
        entry("10.99.0.0/24")["flags"],
        serde_json::json!(["connected", "attached"])
    );
    let fib6 = j("show ip6 fib")[0]["entries"].clone();
    assert!(arr(&fib6).iter().any(|e| e["prefix"] == "fd01::/64"
        && e["paths"][0]["next_hop"] == "fd00::1"
        && e["paths"][0]["resolved"] == true));

    // show ip fib <prefix>: the detail's entry is the JSON's one entry.
    for (q, prefix) in [
        ("10.99.0.1/32", "10.99.0.1/32"),
        ("10.98.7.7", "10.98.0.0/16"),
        ("8.8.8.8", "0.0.0.0/0"),
    ] {
        let text = r.ok(&format!("show ip fib {q}"));
        let t = j(&format!("show ip fib {q}"));
        let e = &t[0]["entries"][0];
        assert_eq!(arr(&t[0]["entries"]).len(), 1);
        assert_eq!(e["prefix"], prefix);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            format!("{prefix} fib:0 index:{} locks:1", e["index"])
        );
        assert!(
            text.lines()
                .nth(2)
                .unwrap()
                .starts_with(&format!("  {} refs:1", plain(&e["source"])))
        );
        assert!(
            text.lines()
                .nth(4)
                .unwrap()
                .contains(&format!(" {}: ", plain(&e["paths"][0]["type"]))),
            "{text}"
        );
    }
    // summary: the counts per length, and their sum is every entry.
    for (cmd, ip) in [("show ip fib", 4), ("show ip6 fib", 6)] {
        let text = r.ok(&format!("{cmd} summary"));
        let t = &j(&format!("{cmd} summary"))[0];
        let lens = arr(&t["prefix_lengths"]);
        assert_eq!(
            rows(&text, 2),
            lens.iter()
                .map(|l| vec![plain(&l["prefix_len"]), plain(&l["count"])])
                .collect::<Vec<_>>()
        );
        let all = arr(&j(cmd)[0]["entries"]).len();
        assert_eq!(t["total"], all);
        assert_eq!(
            lens.iter()
                .map(|l| l["count"].as_u64().unwrap())
                .sum::<u64>(),
            all as u64
        );
        assert!(text.starts_with(&format!("ipv{ip}-VRF:0")));
    }

    // Neighbours: every row.
    for cmd in [
        "show ip neighbors",
        "show ip4 neighbors",
        "show ip6 neighbors",
    ] {
        let text = r.ok(cmd);
        let json = arr(&j(cmd));
        let rows = rows(&text, 1);
        assert_eq!(rows.len(), json.len(), "{cmd}");
        assert!(!json.is_empty(), "{cmd}");
        for (row, n) in rows.iter().zip(&json) {
            assert_eq!(
                row[1..],
                [
                    plain(&n["ip"]),
                    plain(&n["flags"]),
                    plain(&n["mac"]),
                    plain(&n["interface"])
                ]
            );
            assert_eq!(n["static"], row[2] == "S");
            let age: f64 = format!("0{}", row[0]).parse().unwrap();
            assert!((n["age"].as_f64().unwrap() - age).abs() < 1.0, "{age} {n}");
        }
    }

    // show ip neighbor-config: every number of the text.
    let text = r.ok("show ip neighbor-config");
    let c = &j("show ip neighbor-config")["ip4"];
    let refused = &c["learning"]["refused"];
    assert_eq!(
        text,
        format!(
            "ip4:\n  limit:{}, age:{}, recycle:{}\n  entries:{}, refused:{}, recycled:{}\n  learning: moved:{}, {}\n",
            c["limit"],
            c["age"],
            u8::from(c["recycle"] == true),
            c["entries"],
            c["refused"],
            c["recycled"],
            c["learning"]["moved"],
            [
                "off-subnet",
                "network-or-broadcast",
                "not-unicast-mac",
                "own-mac",
                "mac-change",
                "unsolicited-reply",
                "unknown-announcement",
                "static"
            ]
            .map(|k| format!("{k}:{}", refused[k]))
            .join(", ")
        )
    );
    assert_eq!(c["entries"], 3);

    // show ip6 interface
    let text = r.ok("show ip6 interface eth1");
    let v6 = &arr(&j("show ip6 interface eth1"))[0];
    let groups: String = arr(&v6["joined_groups"])
        .iter()
        .map(|g| format!("    {}\n", plain(g)))
        .collect();
    let unicast: String = arr(&v6["local_unicast"])
        .iter()
        .map(|g| format!("    {}\n", plain(g)))
        .collect();
    assert_eq!(
        text,
        format!(
            "{} is admin {}\n  Local unicast address(es):\n{unicast}  Link-local address(es):\n    {}\n  Joined group address(es):\n{groups}  Neighbor Discovery: enabled\n    ICMP redirects are disabled\n    ICMP unreachables are not sent\n    ND DAD is disabled\n  MTU is {}\n",
            plain(&v6["name"]),
            if v6["admin_up"] == true { "up" } else { "down" },
            plain(&v6["link_local"]),
            v6["mtu"]
        )
    );
    assert_eq!(v6["local_unicast"], serde_json::json!(["fd00::3/64"]));

    // show bridge-domain
    let text = r.ok("show bridge-domain 10 detail");
    let bd = &arr(&j("show bridge-domain 10 detail"))[0];
    let onoff = |v: &serde_json::Value| if v == true { "on" } else { "off" };
    assert_eq!(
        rows(&text, 1)[0],
        [
            plain(&bd["bd_id"]),
            plain(&bd["bd_index"]),
            "0".into(),
            plain(&bd["mac_age"]),
            onoff(&bd["learn"]).into(),
            onoff(&bd["forward"]).into(),
            if bd["uu_flood"] == true {
                "flood"
            } else {
                "drop"
            }
            .into(),
            onoff(&bd["flood"]).into(),
            onoff(&bd["arp_term"]).into(),
            "off".into(),
            plain(&bd["learn_count"]),
            plain(&bd["learn_limit"]),
            plain(&bd["bvi"]),
        ]
    );
    let m = &bd["members"][0];
    assert_eq!(
        rows(&text, 5)[0][..5],
        [
            plain(&m["interface"]),
            plain(&m["sw_if_index"]),
            "1".into(),
            plain(&m["shg"]),
            "*".into()
        ]
    );
    assert_eq!(j("show bridge-domain"), j("show bridge-domain 10"));

    // show l2fib: the counts line, and each entry as `show l2fib all` lists it.
    let text = r.ok("show l2fib");
    let l2 = j("show l2fib");
    assert!(text.starts_with(&format!(
        "L2FIB total/learned entries: {}/{} ",
        l2["total"], l2["learned"]
    )));
    assert!(text.contains(&format!("Learn limit: {} ", l2["learn_limit"])));
    let all = r.ok("show l2fib all");
    let entries = arr(&l2["entries"]);
    assert_eq!(entries.len(), 2);
    for e in &entries {
        let line = all
            .lines()
            .find(|l| l.contains(e["mac"].as_str().unwrap()))
            .unwrap();
        let w: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            w[..3],
            [
                plain(&e["mac"]),
                plain(&e["bd_index"]),
                plain(&e["sw_if_index"])
            ]
        );
        assert!(line.contains(e["interface"].as_str().unwrap()));
    }
    assert_eq!(entries.iter().filter(|e| e["bvi"] == true).count(), 1);

    // show mode
    let text = r.ok("show mode");
    let mut expect = String::new();
    for m in arr(&j("show mode")) {
        let args = if !m["peer"].is_null() {
            plain(&m["peer"])
        } else if !m["bridge"].is_null() {
            let b = &m["bridge"];
            format!(
                "bd_id {}{} shg {}",
                b["bd_id"],
                if b["bvi"] == true { " bvi" } else { "" },
                b["shg"]
            )
        } else {
            " ".into()
        };
        expect.push_str(&format!(
            "{} {} {args}\n",
            plain(&m["mode"]),
            plain(&m["interface"])
        ));
    }
    assert_eq!(text, expect);

    // show errors (and its alias)
    for cmd in ["show errors", "show node counters"] {
        let text = r.ok(cmd);
        let json = arr(&j(cmd));
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), json.len());
        for (l, e) in lines.iter().zip(&json) {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(w[0], plain(&e["count"]));
            assert_eq!(w[1], plain(&e["node"]));
            assert_eq!(w[2..w.len() - 1].join(" "), plain(&e["reason"]));
            assert_eq!(w[w.len() - 1], plain(&e["severity"]));
            assert_eq!(e["thread"], 1);
        }
    }

    // show runtime: the node rows' integer columns exactly.
    let text = r.ok("show runtime");
    let rt = &arr(&j("show runtime"))[0];
    assert!(text.starts_with(&format!("Thread {} {}\n", 1, plain(&rt["name"]))));
    let nodes = arr(&rt["nodes"]);
    let node_rows: Vec<_> = rows(&text, 4);
    assert_eq!(node_rows.len(), nodes.len());
    for (row, n) in node_rows.iter().zip(&nodes) {
        assert_eq!(row[0], plain(&n["name"]));
        assert_eq!(row[1], plain(&n["state"]));
        assert_eq!(
            row[2..5],
            [
                plain(&n["calls"]),
                plain(&n["vectors"]),
                plain(&n["suspends"])
            ]
        );
        assert_eq!(
            row[6],
            format!("{:.2}", n["vectors_per_call"].as_f64().unwrap())
        );
    }
    assert!(
        nodes
            .iter()
            .any(|n| n["name"] == "l2-input" && n["vectors"] == 2)
    );

    // show threads
    let text = r.ok("show threads");
    let json = arr(&j("show threads"));
    for (row, t) in rows(&text, 1).iter().zip(&json) {
        assert_eq!(row[..2], [plain(&t["id"]), plain(&t["name"])]);
        assert!(row.contains(&plain(&t["lwp"]).as_str()));
        assert!(row.join(" ").contains(t["sched"].as_str().unwrap()));
    }
    assert_eq!(json[1]["type"], "workers");

    // show buffers
    let text = r.ok("show buffers");
    let b = j("show buffers");
    assert_eq!(
        rows(&text, 1)[0],
        [
            plain(&b["name"]),
            "0".into(),
            "0".into(),
            plain(&b["buffer_size"]),
            plain(&b["data_size"]),
            plain(&b["total"]),
            plain(&b["available"]),
            plain(&b["cached"]),
            plain(&b["used"]),
        ]
    );
    assert_eq!(rows(&text, 3)[0], ["cache", "0", &plain(&b["caches"][0])]);

    // show trace: every record's time, node and text.
    let text = r.ok("show trace");
    let t = &arr(&j("show trace"))[0];
    let mut expect = format!(
        "------------------- Start of thread {} {} -------------------\n",
        t["thread"],
        plain(&t["name"])
    );
    for p in arr(&t["packets"]) {
        expect.push_str(&format!("Packet {}\n", p["packet"]));
        for rec in arr(&p["records"]) {
            let us = (rec["time"].as_f64().unwrap() * 1e6).round() as u64;
            expect.push_str(&format!(
                "\n00:00:{:02}:{:06}: {}\n  {}",
                us / 1_000_000,
                us % 1_000_000,
                plain(&rec["node"]),
                plain(&rec["text"]).replace('\n', "\n  ")
            ));
        }
        expect.push_str("\n\n");
    }
    assert_eq!(text, expect);
    assert_eq!(t["total"], 2);
    assert_eq!(t["packets"][0]["records"][0]["node"], "pg-input");

    // VXLAN
    let text = r.ok("show vxlan tunnel");
    for (l, t) in text.lines().zip(arr(&j("show vxlan tunnel"))) {
        assert_eq!(
            l,
            format!(
                "[{}] instance {} src {} dst {} src_port {} dst_port {} vni {} fib-idx {} sw-if-idx {} encap-dpo-idx {} ",
                t["index"],
                t["instance"],
                plain(&t["src"]),
                plain(&t["dst"]),
                t["src_port"],
                t["dst_port"],
                t["vni"],
                t["fib_index"],
                t["sw_if_index"],
                t["index"]
            )
        );
    }
    let f = j("show vxlan fastpath");
    assert_eq!(
        r.ok("show vxlan fastpath"),
        format!("vxlan4-fastpath: disabled, {} packets\n", f["packets"])
    );
    assert_eq!(f["enabled"], false);
    let x = j("show vxlan xdp-fastpath");
    assert_eq!(r.ok("show vxlan xdp-fastpath"), "xdp-fastpath: enabled\n");
    assert_eq!(x, serde_json::json!({"enabled": true, "interfaces": []}));
}

/// `show ip fib <addr>[/<len>]` and `summary` in VPP's layouts
/// (VPP-GOLDEN.md), errors with the command's path: before issue 18
/// `show ip fib 10.99.0.1/32` answered ``unknown input `10.99.0.1/32'``.
#[test]
fn show_ip_fib_prefix_and_summary_golden() {
    let r = Rig::koko();
    r.ok("ip route add 10.98.0.0/16 via 10.99.0.254");
    r.ok("ip route add 10.97.0.0/16 via 10.99.0.1 eth0");
    let header = "ipv4-VRF:0, fib_index:0, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[default-route:1, ]\n";
    // An adjacency (VPP's own sample: the same lines, without the MAC
    // rewrite and the extensions weft does not have).
    let adj = format!(
        "{header}10.99.0.1/32 fib:0 index:5 locks:1
  adjacency refs:1 entry-flags:attached, src-flags:added,contributing,active,
    path-list:[5] locks:1 uPRF-list:5 len:1 itfs:[1, ]
      path:[5] pl-index:5 ip4 weight=1 pref=0 attached-nexthop:  oper-flags:resolved,
        10.99.0.1 eth0
      [@3]: ipv4 via 10.99.0.1 eth0

 forwarding:   unicast-ip4-chain
  [@0]: dpo-load-balance: [proto:ip4 index:5 buckets:1 uRPF:5 to:[0:0]]
    [0] [@3]: ipv4 via 10.99.0.1 eth0
"
    );
    assert_eq!(r.ok("show ip fib 10.99.0.1/32"), adj);
    // The address alone is a /32; a shorter mask stops at it.
    assert_eq!(r.ok("show ip fib 10.99.0.1"), adj);
    assert_eq!(r.ok("sh ip fib table 0 10.99.0.1 detail"), adj);
    let connected = r.ok("show ip fib 10.99.0.1/24");
    assert!(connected.starts_with(&format!("{header}10.99.0.0/24 fib:0 index:4 locks:1\n  interface refs:1 entry-flags:connected,attached, ")), "{connected}");
    assert!(
        connected.contains("pref=0 attached:  oper-flags:resolved,\n         eth0\n"),
        "{connected}"
    );
    // Longest prefix match: a recursive route through the connected
    // prefix (index 4), one naming its interface, weft's own address,
    // and the default route for what nothing else holds.
    let route = r.ok("show ip fib 10.98.200.1");
    assert_eq!(
        route,
        format!(
            "{header}10.98.0.0/16 fib:0 index:3 locks:1
  CLI refs:1 src-flags:added,contributing,active,
    path-list:[3] locks:1 uPRF-list:3 len:1 itfs:[1, ]
      path:[3] pl-index:3 ip4 weight=1 pref=0 recursive:  oper-flags:resolved,
        via 10.99.0.254 in fib:0 via-fib:4 via-dpo:[dpo-load-balance:4]

 forwarding:   unicast-ip4-chain
  [@0]: dpo-load-balance: [proto:ip4 index:3 buckets:1 uRPF:3 to:[0:0]]
    [0] [@3]: ipv4 via 10.99.0.254 eth0 (unresolved)
"
        )
    );
    assert!(r.ok("show ip fib 10.97.0.0/16").contains(
        "pref=0 attached-nexthop:  oper-flags:resolved,\n        10.99.0.1 eth0\n      [@3]: ipv4 via 10.99.0.1 eth0\n"
    ));
    assert!(
        r.ok("show ip fib 10.99.0.3").contains(
            "  interface refs:1 entry-flags:local, src-flags:added,contributing,active,\n"
        )
    );
    assert!(r.ok("show ip fib 8.8.8.8").starts_with(&format!(
        "{header}0.0.0.0/0 fib:0 index:0 locks:1\n  default-route refs:1 entry-flags:drop, "
    )));
    // Another table: nothing, as VPP prints nothing for a table it lacks.
    assert_eq!(r.ok("show ip fib table 7"), "");
    assert_eq!(r.ok("show ip fib summary index 1"), "");
    assert_eq!(
        r.ok("show ip fib summary"),
        format!(
            "{header}    Prefix length         Count     
                   0               1
                   4               1
                  16               2
                  24               1
                  32               5
"
        )
    );
    r.ok("set interface ip address eth1 fd00::3/64");
    assert_eq!(
        r.ok("show ip6 fib summary"),
        "ipv6-VRF:0, fib_index:0, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[default-route:1, ]
    Prefix length         Count     
         128                1       
         64                 1       
         10                 1       
          0                 1       
"
    );
    assert!(r.ok("show ip6 fib fd00::9").starts_with(
        "ipv6-VRF:0, fib_index:0, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[default-route:1, ]\nfd00::/64 fib:0 index:1 locks:1\n"
    ));
    // Errors carry the path, with and without --json.
    for (line, err) in [
        ("show ip fib bogus", "show ip fib: unknown input `bogus'"),
        (
            "show ip fib 10.99.0.1/33",
            "show ip fib: unknown input `10.99.0.1/33'",
        ),
        (
            "show ip fib fd00::1",
            "show ip fib: unknown input `fd00::1'",
        ),
        (
            "show ip6 fib 10.99.0.1",
            "show ip6 fib: unknown input `10.99.0.1'",
        ),
        (
            "show ip fib table x",
            "show ip fib: unknown input `table x'",
        ),
    ] {
        assert_eq!(r.err(line), err);
        assert_eq!(
            r.cli.execute_json(line).unwrap_err(),
            serde_json::json!({ "error": err }).to_string()
        );
    }
}
