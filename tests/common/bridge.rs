//! The multipoint koko topology (VPP-GOLDEN.md section 1) as a test
//! fixture: three container hosts on one segment with vpp1, each with one
//! container whose kernel vxlan link points at vpp1, for a bridge domain
//! in the forwarder with one VXLAN tunnel per container host.
//!
//! ```text
//!   test1 link1 10.100.0.1/24   test2 link2 10.100.0.2/24   test3 link3 10.100.0.3/24
//!   VNI 11 -> 10.99.0.3         VNI 12 -> 10.99.0.3         VNI 13 -> 10.99.0.3
//!     |                           |                           |
//!   koko1 eth0 10.99.0.1/24     koko2 eth0 10.99.0.2/24     koko3 eth0 10.99.0.4/24
//!     +--------------------------- br0 ---------------------------+
//!                                   |
//!                       vpp1 eth0 (no address: the forwarder owns 10.99.0.3)
//! ```
//!
//! Built as [`super::koko::KokoTopology`] is, with its pieces
//! ([`segment`], [`koko_link`]): the vxlan links are koko's, the bridge
//! port towards vpp1 has tx checksum offload off (AF_XDP carries no
//! checksum metadata), and every namespace is a [`Netns`] named
//! `weft-<prefix>-<role>-<pid>`, deleted by exact name on drop, also when
//! the test panics. IPv6 is off everywhere, so that only what a test sends
//! crosses the bridge domain and its counters can be compared exactly.

use std::net::Ipv4Addr;
use std::process::Output;
use std::time::Duration;

use weft::dataplane::wire::{
    ArpOperation, ArpPacket, ArpRepr, EtherType, EthernetAddress, EthernetFrame, EthernetRepr,
};

use super::Netns;
use super::koko::{KOKO1_IP, KOKO2_IP, LINK1, LINK2, TEST1_IP, TEST2_IP, koko_link, ping, segment};
use super::rawsock::RawSocket;
use super::weftd::Weftd;

/// koko3's underlay address (VPP-GOLDEN.md's: .3 is vpp1).
pub const KOKO3_IP: &str = "10.99.0.4";
/// test3's inner address (on `link3`).
pub const TEST3_IP: &str = "10.100.0.3";
/// test3's vxlan link.
pub const LINK3: &str = "link3";
/// The bridge domain's BVI address (loop0 in weft).
pub const BVI_IP: &str = "10.100.0.254";
/// The bridge domain's id.
pub const BD: u32 = 10;

/// One container host and its container, as the forwarder sees them.
#[derive(Debug, Clone, Copy)]
pub struct Spoke {
    /// The container host's role name (namespace and bridge port).
    pub host: &'static str,
    /// Its underlay address: the forwarder's tunnel destination.
    pub host_ip: &'static str,
    /// The container's role name.
    pub container: &'static str,
    /// The container's vxlan link.
    pub link: &'static str,
    /// Its VNI (koko's `-x eth0,10.99.0.3,<vni>`).
    pub vni: u32,
    /// The container's address on `link`.
    pub ip: &'static str,
    /// The forwarder's tunnel towards the host, when the tunnels are made
    /// in this order.
    pub tunnel: &'static str,
}

/// The three spokes, in tunnel order.
pub const SPOKES: [Spoke; 3] = [
    Spoke {
        host: "koko1",
        host_ip: KOKO1_IP,
        container: "test1",
        link: LINK1,
        vni: 11,
        ip: TEST1_IP,
        tunnel: "vxlan_tunnel0",
    },
    Spoke {
        host: "koko2",
        host_ip: KOKO2_IP,
        container: "test2",
        link: LINK2,
        vni: 12,
        ip: TEST2_IP,
        tunnel: "vxlan_tunnel1",
    },
    Spoke {
        host: "koko3",
        host_ip: KOKO3_IP,
        container: "test3",
        link: LINK3,
        vni: 13,
        ip: TEST3_IP,
        tunnel: "vxlan_tunnel2",
    },
];

/// The multipoint topology: eight namespaces, deleted by exact name on
/// drop. Fields drop in declaration order: containers, hosts, vpp1, the
/// bridge. `containers[i]` and `hosts[i]` are [`SPOKES`]`[i]`'s.
#[derive(Debug)]
pub struct BridgeTopology {
    /// The containers test1..test3.
    pub containers: [Netns; 3],
    /// The container hosts koko1..koko3.
    pub hosts: [Netns; 3],
    /// The forwarder's host: `eth0` up, no address.
    pub vpp1: Netns,
    /// The L2 segment: bridge `br0` with one port per host.
    pub bridge: Netns,
}

impl BridgeTopology {
    /// Builds it with namespaces `weft-<prefix>-{test1..3,koko1..3,vpp1,br}-<pid>`.
    ///
    /// # Panics
    ///
    /// If the prefix is longer than [`super::koko::MAX_PREFIX`] or any
    /// step fails; the namespaces made so far are deleted while unwinding.
    pub fn new(prefix: &str) -> BridgeTopology {
        assert!(
            !prefix.is_empty() && prefix.len() <= super::koko::MAX_PREFIX,
            "bridge prefix {prefix:?} is too long"
        );
        let ns = |role: &str| Netns::new(&format!("{prefix}-{role}"));
        // Each guard exists before anything is done in it (from_fn drops
        // what it made if a later one panics).
        let topo = BridgeTopology {
            containers: std::array::from_fn(|i| ns(SPOKES[i].container)),
            hosts: std::array::from_fn(|i| ns(SPOKES[i].host)),
            vpp1: ns("vpp1"),
            bridge: ns("br"),
        };
        for ns in topo.namespaces() {
            ns.disable_ipv6();
        }
        let hosts: Vec<(&Netns, &str, &str)> = topo
            .hosts
            .iter()
            .zip(SPOKES)
            .map(|(ns, s)| (ns, s.host, s.host_ip))
            .collect();
        segment(&topo.bridge, &hosts, &topo.vpp1, true);
        for (i, s) in SPOKES.iter().enumerate() {
            koko_link(
                &topo.hosts[i],
                &topo.containers[i],
                s.vni,
                4789,
                s.link,
                s.ip,
            );
        }
        topo
    }

    /// All eight namespaces, containers first.
    pub fn namespaces(&self) -> Vec<&Netns> {
        self.containers
            .iter()
            .chain(&self.hosts)
            .chain([&self.vpp1, &self.bridge])
            .collect()
    }

    /// The MAC address of container `i`'s vxlan link.
    pub fn mac(&self, i: usize) -> String {
        self.containers[i].mac(SPOKES[i].link)
    }

    /// Forgets every neighbour each container has learned on its link.
    pub fn flush_neighbours(&self) {
        for (c, s) in self.containers.iter().zip(SPOKES) {
            c.exec_ok(&["ip", "neigh", "flush", "dev", s.link]);
        }
    }

    /// Every container to every other container (both directions), then
    /// every container to `bvi`, as (from index, to address).
    pub fn pairs(bvi: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        for from in 0..SPOKES.len() {
            for (to, s) in SPOKES.iter().enumerate() {
                if to != from {
                    out.push((from, s.ip));
                }
            }
        }
        out.extend((0..SPOKES.len()).map(|from| (from, bvi)));
        out
    }

    /// Pings (`ping -c 2`) every (from, to) of `pings` at once; each must
    /// succeed if `reach`, fail otherwise. `context` says what else to
    /// print when one does not.
    pub fn expect_pings(&self, pings: &[(usize, &str)], reach: bool, context: impl Fn() -> String) {
        let outs: Vec<Output> = std::thread::scope(|s| {
            let handles: Vec<_> = pings
                .iter()
                .map(|&(from, to)| s.spawn(move || ping(&self.containers[from], to, 2)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (&(from, to), out) in pings.iter().zip(&outs) {
            assert_eq!(
                out.status.success(),
                reach,
                "{} -> {to} should {}: {}{}",
                SPOKES[from].container,
                if reach { "pass" } else { "fail" },
                String::from_utf8_lossy(&out.stdout),
                context()
            );
        }
    }

    /// Sends `n` broadcast ARP requests for `target` out of container
    /// `i`'s link, from its MAC and address, through an AF_PACKET socket
    /// (the kernel's own ARP would retry on its own schedule).
    pub fn send_arp_requests(&self, i: usize, target: &str, n: usize) {
        let s = SPOKES[i];
        let mac: EthernetAddress = self.mac(i).parse().unwrap();
        let arp = ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Request,
            source_hardware_addr: mac,
            source_protocol_addr: s.ip.parse().unwrap(),
            target_hardware_addr: EthernetAddress([0; 6]),
            target_protocol_addr: target.parse::<Ipv4Addr>().unwrap(),
        };
        let mut frame = vec![0u8; EthernetRepr::header_len() + arp.buffer_len()];
        EthernetRepr {
            src_addr: mac,
            dst_addr: EthernetAddress::BROADCAST,
            ethertype: EtherType::Arp,
        }
        .emit(&mut EthernetFrame::new_unchecked(&mut frame[..]));
        arp.emit(&mut ArpPacket::new_unchecked(
            &mut frame[EthernetRepr::header_len()..],
        ));
        let sock = {
            let _in = self.containers[i].enter();
            RawSocket::open(s.link)
        };
        for _ in 0..n {
            sock.send(&frame)
                .unwrap_or_else(|e| panic!("send on {}: {e}", s.link));
        }
    }
}

/// What `read` returns once two readings 100 ms apart agree (counters
/// that stopped moving), at most 5 s.
pub fn settled<T: PartialEq + std::fmt::Debug>(mut read: impl FnMut() -> T) -> T {
    let mut last = read();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("still moving after 5 s: {last:?}");
}

/// One row of `show l2fib verbose` (VPP's columns, read by whitespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2fibEntry {
    /// `Mac-Address`.
    pub mac: String,
    /// `BD-Idx`: the bridge domain's index (not its id).
    pub bd_index: u32,
    /// `If-Idx`: the interface's sw_if_index.
    pub sw_if_index: u32,
    /// `BSN-ISN`, as printed (`0/3`).
    pub sequence: String,
    /// `Age(min)`: `-` (no ageing), `no` (static), or minutes.
    pub age: String,
    /// `static`: `*` or `-`.
    pub is_static: bool,
    /// `filter`: `*` or `-`.
    pub filter: bool,
    /// `bvi`: `*` or `-`.
    pub bvi: bool,
    /// `Interface-Name`.
    pub interface: String,
}

/// The header of `show l2fib verbose`, as VPP prints it (trailing spaces
/// kept; VPP-GOLDEN.md 1c).
pub const L2FIB_HEADER: &str = "    Mac-Address     BD-Idx If-Idx BSN-ISN Age(min) static filter bvi         Interface-Name        ";

/// `show l2fib verbose`: its rows and its summary's (total, learned).
///
/// # Panics
///
/// If the layout is not VPP's: the header exactly, every row as wide as
/// the header with nine columns, then
/// `L2FIB total/learned entries: N/M  Last scan time: ...  Learn limit: ...`.
pub fn l2fib(text: &str) -> (Vec<L2fibEntry>, (u32, u32)) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(L2FIB_HEADER), "header in\n{text}");
    let mut rows = Vec::new();
    for line in lines.by_ref() {
        if let Some(rest) = line.strip_prefix("L2FIB total/learned entries: ") {
            let (counts, tail) = rest
                .split_once("  Last scan time: ")
                .unwrap_or_else(|| panic!("summary `{line}`"));
            assert!(tail.contains("  Learn limit: "), "summary `{line}`");
            let (total, learned) = counts
                .split_once('/')
                .and_then(|(t, l)| Some((t.parse().ok()?, l.parse().ok()?)))
                .unwrap_or_else(|| panic!("summary `{line}`"));
            assert_eq!(lines.next(), None, "nothing after the summary in\n{text}");
            return (rows, (total, learned));
        }
        assert_eq!(
            line.len(),
            L2FIB_HEADER.len(),
            "row `{line}` is not as wide as the header in\n{text}"
        );
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 9, "row `{line}`");
        let flag = |s: &str| match s {
            "*" => true,
            "-" => false,
            _ => panic!("flag {s:?} in `{line}`"),
        };
        let num = |s: &str| s.parse().unwrap_or_else(|_| panic!("{s:?} in `{line}`"));
        rows.push(L2fibEntry {
            mac: f[0].to_string(),
            bd_index: num(f[1]),
            sw_if_index: num(f[2]),
            sequence: f[3].to_string(),
            age: f[4].to_string(),
            is_static: flag(f[5]),
            filter: flag(f[6]),
            bvi: flag(f[7]),
            interface: f[8].to_string(),
        });
    }
    panic!("no summary line in\n{text}");
}

/// The sw_if_index of every interface in `show interface` (`Idx` column).
pub fn if_indexes(text: &str) -> std::collections::BTreeMap<String, u32> {
    text.lines()
        .skip(1)
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect()
}

/// The `Ethernet address` of `ifname` in `show hardware-interfaces`.
pub fn hw_mac(weftd: &Weftd, ifname: &str) -> String {
    let hw = weftd.ok(&format!("show hardware-interfaces {ifname}"));
    hw.lines()
        .find_map(|l| l.trim().strip_prefix("Ethernet address "))
        .unwrap_or_else(|| panic!("no Ethernet address in\n{hw}"))
        .to_string()
}
