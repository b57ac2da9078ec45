//! Bridge domains through the CLI over pg interfaces and polled workers:
//! VPP's commands, messages and layouts, and what the bridge does to
//! frames (learning, moves, ageing's inputs, static entries, flooding and
//! its switches, split horizon, the BVI, the learn limit), with exact
//! bytes and counters, and no buffer leaked.

use std::net::Ipv4Addr;
use std::sync::Arc;

use dataplane::fixtures::{self, VxlanFrame};
use dataplane::io::pg::PgHandle;
use dataplane::tables::new_handle;
use dataplane::wire::EthernetAddress;

use control::Config;
use control::cli::{Cli, Executor};
use daemon::device::pg::PgDrivers;
use daemon::runtime::Runtime;
use daemon::worker::PolledHandle;

const KOKO3_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 4);
const KOKO3_MAC: EthernetAddress = EthernetAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x04]);
/// The containers behind each tunnel.
const TEST: [EthernetAddress; 3] = [
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x01]),
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x02]),
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x03]),
];
const BVI_MAC: EthernetAddress = EthernetAddress([0xde, 0xad, 0, 0, 0, 0]);

struct Rig {
    cli: Cli,
    workers: PolledHandle,
    eth0: Arc<PgHandle>,
}

/// One frame weft sent on eth0, decoded.
#[derive(Debug, PartialEq, Eq)]
struct Sent {
    /// Outer destination (which koko host).
    to: Ipv4Addr,
    vni: u32,
    inner: Vec<u8>,
}

impl Rig {
    /// eth0 (10.99.0.3/24, three static koko neighbours), three tunnels
    /// (VNI 11, 12, 13 towards 10.99.0.1, .2, .4) in bridge domain 10,
    /// loop0 the BVI with 10.100.0.254/24.
    fn new(shg: u32) -> Rig {
        let handle = new_handle();
        let mut config = Config::new(handle.clone());
        let (mut rt, workers) = Runtime::polled(&handle, 1, Box::new(PgDrivers::default()));
        let (_, eth0) = rt.add_pg(&mut config, "eth0", 0).unwrap();
        let r = Rig {
            cli: Cli::new(config, Box::new(rt)),
            workers,
            eth0: eth0.handle(),
        };
        assert_eq!(
            r.ok("create bridge-domain 10 learn 1 forward 1 uu-flood 1 flood 1 arp-term 0"),
            "bridge-domain 10\n"
        );
        for line in [
            "set interface mac address eth0 02:fe:00:00:00:03",
            "set interface ip address eth0 10.99.0.3/24",
            "set interface state eth0 up",
            "ip neighbor eth0 10.99.0.1 02:00:00:00:00:01 static",
            "ip neighbor eth0 10.99.0.2 02:00:00:00:00:02 static",
            "ip neighbor eth0 10.99.0.4 02:00:00:00:00:04 static",
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11",
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12",
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.4 vni 13",
        ] {
            r.ok(line);
        }
        for t in 0..3 {
            r.ok(&format!("set interface l2 bridge vxlan_tunnel{t} 10 {shg}"));
        }
        assert_eq!(r.ok("create loopback interface"), "loop0\n");
        for line in [
            "set interface l2 bridge loop0 10 bvi",
            "set interface ip address loop0 10.100.0.254/24",
            "set interface state loop0 up",
        ] {
            r.ok(line);
        }
        r
    }

    fn ok(&self, line: &str) -> String {
        self.cli
            .execute(line)
            .unwrap_or_else(|e| panic!("`{line}` failed: {e}"))
    }

    fn err(&self, line: &str) -> String {
        match self.cli.execute(line) {
            Ok(out) => panic!("`{line}` succeeded: {out}"),
            Err(e) => e,
        }
    }

    /// Sends `inner` from koko host `k` (0, 1, 2) and returns what weft
    /// sent, sorted.
    fn send(&self, k: usize, inner: &[u8]) -> Vec<Sent> {
        self.send_many(k, &[inner.to_vec()])
    }

    fn send_many(&self, k: usize, inners: &[Vec<u8>]) -> Vec<Sent> {
        let (src_mac, src) = [
            (fixtures::KOKO1_MAC, fixtures::KOKO1_IP),
            (fixtures::KOKO2_MAC, fixtures::KOKO2_IP),
            (KOKO3_MAC, KOKO3_IP),
        ][k];
        for inner in inners {
            let f = VxlanFrame {
                src_mac,
                src,
                vni: 11 + k as u32,
                ..VxlanFrame::FROM_KOKO1
            };
            self.eth0.inject(&f.build(inner));
        }
        self.workers.run();
        let mut out: Vec<Sent> = self
            .eth0
            .take_tx()
            .into_iter()
            .map(|f| {
                assert_eq!(&f[6..12], &fixtures::WEFT_MAC.0, "outer source MAC");
                Sent {
                    to: Ipv4Addr::new(f[30], f[31], f[32], f[33]),
                    vni: u32::from_be_bytes([0, f[46], f[47], f[48]]),
                    inner: f[50..].to_vec(),
                }
            })
            .collect();
        out.sort_by_key(|s| s.vni);
        out
    }

    fn counter(&self, node: &str, reason: &str) -> u64 {
        let errors = self.ok("show errors");
        errors
            .lines()
            .filter(|l| l.contains(node) && l.contains(reason))
            .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
            .sum()
    }

    fn buffers_used(&self) -> u64 {
        let b = self.ok("show buffers");
        let line = b.lines().nth(1).unwrap();
        line.split_whitespace().last().unwrap().parse().unwrap()
    }
}

/// An inner frame from `src` to `dst` (IPv4 UDP, 60 bytes).
fn frame(src: EthernetAddress, dst: EthernetAddress) -> Vec<u8> {
    fixtures::inner_udp(
        src,
        dst,
        fixtures::TEST1_IP,
        fixtures::TEST2_IP,
        1000,
        2000,
        60,
    )
}

/// An ARP request from `mac`/`ip` for `target`, broadcast.
fn arp_request(mac: EthernetAddress, ip: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    let mut f = vec![0xffu8; 6];
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&ip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&target.octets());
    f
}

const TO: [Ipv4Addr; 3] = [fixtures::KOKO1_IP, fixtures::KOKO2_IP, KOKO3_IP];

#[test]
fn learning_flooding_and_forwarding() {
    let r = Rig::new(0);
    let bcast = EthernetAddress::BROADCAST;
    // A broadcast from test1 floods to the two other tunnels (and the
    // BVI), never back to tunnel 0.
    let arp = arp_request(TEST[0], fixtures::TEST1_IP, fixtures::TEST2_IP);
    let out = r.send(0, &arp);
    assert_eq!(
        out,
        vec![
            Sent {
                to: TO[1],
                vni: 12,
                inner: arp.clone()
            },
            Sent {
                to: TO[2],
                vni: 13,
                inner: arp.clone()
            },
        ]
    );
    // Unknown unicast from test2 to test3 floods too (and learns test2).
    let f = frame(TEST[1], TEST[2]);
    let out = r.send(1, &f);
    assert_eq!(out.iter().map(|s| s.vni).collect::<Vec<_>>(), vec![11, 13]);
    // test1 is known: unicast goes to tunnel 0 only.
    let f = frame(TEST[1], TEST[0]);
    assert_eq!(
        r.send(1, &f),
        vec![Sent {
            to: TO[0],
            vni: 11,
            inner: f.clone()
        }]
    );
    // A frame to the sender's own side is dropped (reflection).
    assert_eq!(r.send(0, &frame(TEST[0], TEST[0])), vec![]);
    assert_eq!(r.counter("l2-fwd", "Reflection Drop"), 1);

    // show l2fib: the two learned MACs and the BVI's.
    let fib = r.ok("show l2fib verbose");
    let lines: Vec<&str> = fib.lines().collect();
    assert_eq!(
        lines[0],
        "    Mac-Address     BD-Idx If-Idx BSN-ISN Age(min) static filter bvi         Interface-Name        "
    );
    assert_eq!(
        &lines[1..4],
        &[
            " 0a:00:00:00:00:01    1      2      0/1      -       -      -     -           vxlan_tunnel0        ",
            " 0a:00:00:00:00:02    1      3      0/1      -       -      -     -           vxlan_tunnel1        ",
            " de:ad:00:00:00:00    1      5      0/0      no      *      -     *               loop0            ",
        ]
    );
    assert!(
        lines[4].starts_with("L2FIB total/learned entries: 3/2  Last scan time: "),
        "{}",
        lines[4]
    );
    assert!(
        lines[4].ends_with("sec  Learn limit: 131072 "),
        "{}",
        lines[4]
    );
    assert_eq!(lines.len(), 5);
    // Without arguments, only the summary.
    assert_eq!(r.ok("show l2fib").lines().count(), 1);

    // A MAC move: test1 now behind tunnel 2.
    r.send(2, &frame(TEST[0], bcast));
    assert_eq!(r.counter("l2-learn", "L2 mac moves"), 1);
    let f = frame(TEST[1], TEST[0]);
    assert_eq!(r.send(1, &f)[0].vni, 13);

    // Counters: VPP's names.
    assert!(r.counter("l2-input", "L2 input packets") >= 6);
    assert_eq!(r.counter("l2-learn", "L2 learn misses"), 2);
    assert!(r.counter("l2-flood", "L2 flood packets") >= 3);
    assert!(r.counter("l2-fwd", "L2 forward hits") >= 2);
    assert_eq!(r.buffers_used(), 0, "a buffer leaked");
}

#[test]
fn switches_static_entries_and_split_horizon() {
    let r = Rig::new(0);
    let bcast = EthernetAddress::BROADCAST;
    // flood 0: broadcasts go nowhere; unknown unicast still floods.
    r.ok("set bridge-domain flood 10 disable");
    assert_eq!(r.send(0, &frame(TEST[0], bcast)), vec![]);
    assert_eq!(r.counter("l2-flood", "L2 flood disabled drops"), 1);
    assert_eq!(r.send(0, &frame(TEST[0], TEST[1])).len(), 2);
    // uu-flood 0: unknown unicast is dropped too.
    r.ok("set bridge-domain uu-flood 10 disable");
    assert_eq!(r.send(0, &frame(TEST[0], TEST[2])), vec![]);
    assert_eq!(r.counter("l2-fwd", "L2 forward misses"), 2);
    // A static entry makes it known.
    r.ok("l2fib add 0a:00:00:00:00:03 10 vxlan_tunnel2 static");
    assert_eq!(r.send(0, &frame(TEST[0], TEST[2]))[0].vni, 13);
    // It never moves: a frame from that MAC elsewhere is dropped.
    assert_eq!(r.send(1, &frame(TEST[2], TEST[0])), vec![]);
    assert_eq!(r.counter("l2-learn", "L2 mac move violations"), 1);
    let fib = r.ok("show l2fib verbose");
    assert!(
        fib.contains(" 0a:00:00:00:00:03    1      4      0/0      no      *      -     -           vxlan_tunnel2        \n"),
        "{fib}"
    );
    assert_eq!(r.ok("l2fib del 0a:00:00:00:00:03 10"), "");
    assert_eq!(
        r.err("l2fib del 0a:00:00:00:00:03 10"),
        "l2fib del: mac entry not found"
    );
    r.ok("set bridge-domain flood 10");
    r.ok("set bridge-domain uu-flood 10");

    // Split horizon: all tunnels in group 1. A broadcast reaches only the
    // BVI; known unicast between them is dropped.
    for t in 0..3 {
        r.ok(&format!("set interface l2 bridge vxlan_tunnel{t} 10 1"));
    }
    // Joining again flushed their MACs.
    assert!(!r.ok("show l2fib verbose").contains("vxlan_tunnel"));
    assert_eq!(r.send(0, &frame(TEST[0], bcast)), vec![]);
    assert_eq!(r.send(1, &frame(TEST[1], bcast)), vec![]);
    assert_eq!(r.send(1, &frame(TEST[1], TEST[0])), vec![]);
    assert_eq!(r.counter("l2-output", "L2 split horizon drops"), 1);
    assert_eq!(
        r.ok("show mode"),
        "l3 local0  \nl3 eth0  \nl2 bridge vxlan_tunnel0 bd_id 10 shg 1\nl2 bridge vxlan_tunnel1 bd_id 10 shg 1\nl2 bridge vxlan_tunnel2 bd_id 10 shg 1\nl2 bridge loop0 bd_id 10 bvi shg 0\n"
    );
    // Back to group 0: flooding between them again.
    for t in 0..3 {
        r.ok(&format!("set interface l2 bridge vxlan_tunnel{t} 10"));
    }
    assert_eq!(r.send(0, &frame(TEST[0], bcast)).len(), 2);
    assert_eq!(r.buffers_used(), 0, "a buffer leaked");
}

#[test]
fn bvi_answers_arp_and_ping() {
    let r = Rig::new(0);
    // ARP for the BVI's address from test1: flooded to the other tunnels
    // and answered by the BVI through tunnel 0.
    let bvi_ip = Ipv4Addr::new(10, 100, 0, 254);
    let out = r.send(0, &arp_request(TEST[0], fixtures::TEST1_IP, bvi_ip));
    assert_eq!(out.len(), 3, "{out:?}");
    let reply = &out[0];
    assert_eq!((reply.to, reply.vni), (TO[0], 11));
    let a = &reply.inner;
    assert_eq!(&a[0..6], &TEST[0].0);
    assert_eq!(&a[6..12], &BVI_MAC.0);
    assert_eq!(&a[12..14], &[0x08, 0x06]);
    assert_eq!(&a[20..22], &[0, 2], "an ARP reply");
    assert_eq!(&a[22..28], &BVI_MAC.0);
    assert_eq!(&a[28..32], &bvi_ip.octets());
    // An echo request to the BVI gets its reply through tunnel 0.
    let mut ping = fixtures::inner_udp(TEST[0], BVI_MAC, fixtures::TEST1_IP, bvi_ip, 0, 0, 60);
    ping[23] = 1; // ICMP
    ping[34..42].copy_from_slice(&[8, 0, 0, 0, 0x12, 0x34, 0, 1]);
    let sum = !dataplane::wire::checksum::data(&ping[34..]);
    ping[36..38].copy_from_slice(&sum.to_be_bytes());
    let h = &mut ping[14..34];
    h[10] = 0;
    h[11] = 0;
    let c = !dataplane::wire::checksum::data(h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    let out = r.send(0, &ping);
    assert_eq!(out.len(), 1, "{out:?}");
    let e = &out[0].inner;
    assert_eq!(out[0].vni, 11);
    assert_eq!(&e[0..6], &TEST[0].0);
    assert_eq!(&e[26..30], &bvi_ip.octets(), "from the BVI");
    assert_eq!(e[34], 0, "an echo reply");
    // loop0 counted what it received and sent.
    let int = r.ok("show interface loop0");
    assert!(int.contains("rx packets                     2"), "{int}");
    assert!(int.contains("tx packets                     2"), "{int}");
    assert_eq!(r.counter("arp-reply", "ARP replies sent"), 1);
    assert_eq!(r.buffers_used(), 0, "a buffer leaked");
}

#[test]
fn learn_limit_under_a_mac_flood() {
    let r = Rig::new(0);
    r.ok("set bridge-domain learn-limit 10 100");
    let flood: Vec<Vec<u8>> = (0..1000u32)
        .map(|n| {
            let b = n.to_be_bytes();
            frame(
                EthernetAddress([0x02, 0x77, b[0], b[1], b[2], b[3]]),
                EthernetAddress::BROADCAST,
            )
        })
        .collect();
    for chunk in flood.chunks(200) {
        let out = r.send_many(1, chunk);
        assert_eq!(out.len(), 2 * chunk.len(), "still flooded");
    }
    assert_eq!(r.counter("l2-learn", "L2 not learned due to limit"), 900);
    assert_eq!(r.counter("l2-learn", "L2 learn misses"), 1000);
    let bd = r.ok("show bridge-domain 10");
    assert_eq!(
        bd.lines().nth(1).unwrap(),
        "   10       1      0     off        on        on       flood        on       off       off       100      100      loop0   "
    );
    assert!(
        r.ok("show l2fib")
            .starts_with("L2FIB total/learned entries: 101/100  ")
    );
    assert_eq!(r.buffers_used(), 0, "a buffer leaked");
}

#[test]
fn commands_and_messages() {
    let r = Rig::new(0);
    assert_eq!(
        r.ok("show bridge-domain 10 detail"),
        concat!(
            "  BD-ID   Index   BSN  Age(min)  Learning  U-Forwrd   UU-Flood   Flooding  ARP-Term  arp-ufwd Learn-co Learn-li   BVI-Intf \n",
            "   10       1      0     off        on        on       flood        on       off       off        0     131072     loop0   \n",
            "l2-learn l2-fwd l2-flood l2-flood l2-output \n",
            "\n",
            "           Interface           If-idx ISN  SHG  BVI  TxFlood        VLAN-Tag-Rewrite       \n",
            "             loop0               5     1    0    *      *                 none             \n",
            "         vxlan_tunnel0           2     1    0    -      *                 none             \n",
            "         vxlan_tunnel1           3     1    0    -      *                 none             \n",
            "         vxlan_tunnel2           4     1    0    -      *                 none             \n",
        )
    );
    assert_eq!(
        r.ok("show bridge-domain"),
        concat!(
            "  BD-ID   Index   BSN  Age(min)  Learning  U-Forwrd   UU-Flood   Flooding  ARP-Term  arp-ufwd Learn-co Learn-li   BVI-Intf \n",
            "   10       1      0     off        on        on       flood        on       off       off        0     131072     loop0   \n",
        )
    );
    let addr = r.ok("show interface address");
    assert!(
        addr.contains("loop0 (up):\n  L2 bridge bd-id 10 idx 1 shg 0 bvi\n  L3 10.100.0.254/24\n")
    );
    assert!(addr.contains("vxlan_tunnel1 (up):\n  L2 bridge bd-id 10 idx 1 shg 0  \n"));
    r.ok("set bridge-domain mac-age 10 1");
    assert!(
        r.ok("show bridge-domain")
            .contains("   10       1      0      1         on  ")
    );

    // VPP's messages; a failed command changes nothing.
    let before = (r.ok("show bridge-domain 10 detail"), r.ok("show mode"));
    for (line, msg) in [
        (
            "create bridge-domain 0",
            "create bridge-domain: bridge domain 0 can not be modified",
        ),
        (
            "create bridge-domain 20000000",
            "create bridge-domain: bridge domain ID exceed 16M limit",
        ),
        (
            "create bridge-domain 10 del",
            "create bridge-domain: bridge domain in use - remove members",
        ),
        (
            "create bridge-domain 11 del",
            "create bridge-domain: bridge domain ID does not exist",
        ),
        (
            "create bridge-domain 10",
            "create bridge-domain: bd_add_del returned -119",
        ),
        (
            "create bridge-domain 12 mac-age 256",
            "create bridge-domain: mac age must be less than 256",
        ),
        (
            "set bridge-domain arp entry 10 10.100.0.9 0a:00:00:00:00:09 del",
            "set bridge-domain arp entry: MAC del for IP 10.100.0.9 and MAC 0a:00:00:00:00:09 failed",
        ),
        (
            "set bridge-domain arp entry 10 x",
            "set bridge-domain arp entry: expecting IP address but got `x'",
        ),
        (
            "set bridge-domain arp entry 10 10.100.0.9 y",
            "set bridge-domain arp entry: expecting MAC address but got `y'",
        ),
        (
            "set interface l2 bridge nosuch 10",
            "set interface l2 bridge: unknown interface `nosuch 10'",
        ),
        (
            "set interface l2 bridge local0 10",
            "set interface l2 bridge: bridged interface must be ethernet",
        ),
        (
            "set interface l2 bridge vxlan_tunnel0 10 bvi",
            "set interface l2 bridge: only a loopback interface can be a bvi",
        ),
        (
            "set interface l2 bridge vxlan_tunnel0 10 300",
            "set interface l2 bridge: split horizon group must be less than 256",
        ),
        (
            "set bridge-domain learn 0",
            "set bridge-domain learn: No operations on the default bridge domain are supported",
        ),
        (
            "set bridge-domain flood 99",
            "set bridge-domain flood: No such bridge domain 99",
        ),
        (
            "set bridge-domain mac-age 10 300",
            "set bridge-domain mac-age: mac aging time cannot be bigger than 255",
        ),
        (
            "set bridge-domain learn x",
            "set bridge-domain learn: expecting bridge-domain id but got `x'",
        ),
        (
            "show bridge-domain 99",
            "show bridge-domain: No such bridge domain 99",
        ),
        (
            "l2fib add 02:00:00:00:00:99 99 vxlan_tunnel0 static",
            "l2fib add: bridge domain ID 99 invalid",
        ),
        (
            "l2fib add 02:00:00:00:00:99 10 eth0 static",
            "l2fib add: Interface sw_if_index 1 not in L2 mode",
        ),
        ("l2fib add zz 10", "l2fib add: expected mac address `zz 10'"),
        (
            "l2fib del 02:00:00:00:00:99 10",
            "l2fib del: mac entry not found",
        ),
    ] {
        assert_eq!(r.err(line), msg, "{line}");
    }
    r.ok("create loopback interface");
    assert_eq!(
        r.err("set interface l2 bridge loop1 10 bvi"),
        "set interface l2 bridge: bridge-domain already has a bvi interface"
    );
    // Unlike VPP, the refused command left loop1 in L3.
    assert!(r.ok("show mode loop1").starts_with("l3 loop1"));
    assert_eq!(before.0, r.ok("show bridge-domain 10 detail"));

    // A domain is made by its first member too, and deleted once empty.
    r.ok("set interface l2 bridge loop1 20");
    assert!(r.ok("show bridge-domain 20").contains("   20       2   "));
    r.ok("set interface l3 loop1");
    assert_eq!(r.ok("create bridge-domain 20 del"), "");
    assert_eq!(
        r.err("show bridge-domain 20"),
        "show bridge-domain: No such bridge domain 20"
    );
    // clear l2fib removes everything, the BVI's entry too (as VPP).
    r.ok("clear l2fib");
    assert_eq!(r.ok("show l2fib verbose"), "no l2fib entries\n");
    // --json
    let v: serde_json::Value =
        serde_json::from_str(&r.cli.execute_json("show bridge-domain 10").unwrap()).unwrap();
    assert_eq!(v[0]["bd_id"], 10);
    assert_eq!(v[0]["members"].as_array().unwrap().len(), 4);
}

#[test]
fn deleting_members_takes_them_and_their_macs_out() {
    let r = Rig::new(0);
    r.send(0, &frame(TEST[0], EthernetAddress::BROADCAST));
    r.send(2, &frame(TEST[2], EthernetAddress::BROADCAST));
    assert!(r.ok("show l2fib verbose").contains("vxlan_tunnel2"));
    r.ok("create vxlan tunnel src 10.99.0.3 dst 10.99.0.4 vni 13 del");
    let detail = r.ok("show bridge-domain 10 detail");
    assert!(!detail.contains("vxlan_tunnel2"), "{detail}");
    let fib = r.ok("show l2fib verbose");
    assert!(!fib.contains("0a:00:00:00:00:03"), "{fib}");
    assert!(fib.contains("0a:00:00:00:00:01"), "{fib}");
    // Floods now reach tunnel 1 only.
    assert_eq!(
        r.send(0, &frame(TEST[0], EthernetAddress::BROADCAST)).len(),
        1
    );
    // The BVI goes too, with its entry.
    r.ok("delete loopback interface intfc loop0");
    assert!(
        r.ok("show bridge-domain 10")
            .lines()
            .nth(1)
            .unwrap()
            .contains(" N/A ")
    );
    assert!(!r.ok("show l2fib verbose").contains("de:ad:00:00:00:00"));
    // Empty of members, the domain can go.
    r.ok("set interface l3 vxlan_tunnel0");
    r.ok("set interface l3 vxlan_tunnel1");
    assert_eq!(r.ok("create bridge-domain 10 del"), "");
    assert_eq!(r.ok("show bridge-domain"), "no bridge-domains in use\n");
    assert_eq!(r.ok("show l2fib"), "no l2fib entries\n");
    assert_eq!(r.buffers_used(), 0, "a buffer leaked");
}

#[test]
fn arp_termination_answers_from_the_domains_table() {
    let r = Rig::new(1);
    r.ok("set bridge-domain arp term 10");
    r.ok("set bridge-domain arp entry 10 10.100.0.2 0a:00:00:00:00:02");
    let test2_ip = fixtures::TEST2_IP;
    // A request for a known address: answered to the requester only, even
    // with every tunnel in split-horizon group 1.
    let out = r.send(0, &arp_request(TEST[0], fixtures::TEST1_IP, test2_ip));
    assert_eq!(out.len(), 1, "{out:?}");
    let a = &out[0].inner;
    assert_eq!((out[0].to, out[0].vni), (TO[0], 11));
    assert_eq!(&a[0..6], &TEST[0].0);
    assert_eq!(&a[6..12], &TEST[1].0);
    assert_eq!(&a[20..22], &[0, 2], "a reply");
    assert_eq!(&a[22..28], &TEST[1].0);
    assert_eq!(&a[28..32], &test2_ip.octets());
    assert_eq!(&a[32..38], &TEST[0].0);
    assert_eq!(&a[38..42], &fixtures::TEST1_IP.octets());
    assert_eq!(r.counter("arp-term-l2bd", "ARP replies sent"), 1);
    // An unknown target floods as without termination (to the BVI only,
    // here: the tunnels share a group).
    let unknown = Ipv4Addr::new(10, 100, 0, 7);
    assert_eq!(
        r.send(0, &arp_request(TEST[0], fixtures::TEST1_IP, unknown)),
        vec![]
    );
    assert!(r.counter("l2-flood", "L2 flood packets") >= 1);
    let bd = r.ok("show bridge-domain 10 arp");
    assert!(
        bd.lines().nth(1).unwrap().contains("   on       off  "),
        "{bd}"
    );
    assert!(
        bd.ends_with(
            "\n  IP4/IP6 to MAC table for ARP Termination\n               10.100.0.2                =>   0a:00:00:00:00:02 \n"
        ),
        "{bd:?}"
    );
    // Off again: the request is flooded (to the BVI, here).
    r.ok("set bridge-domain arp term 10 disable");
    assert_eq!(
        r.send(0, &arp_request(TEST[0], fixtures::TEST1_IP, test2_ip)),
        vec![]
    );
    assert_eq!(r.counter("arp-term-l2bd", "ARP replies sent"), 1);
    r.ok("set bridge-domain arp entry 10 del-all");
    assert_eq!(r.buffers_used(), 0, "a buffer leaked");
}
