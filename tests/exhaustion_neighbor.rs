//! Neighbour table full and ARP resolution queue full, through weftd on
//! AF_XDP (issue 7, "Exhaustion and churn"). Root: see [`privileged`].
//!
//! * **Neighbour table full** (the koko topology, `common::koko`): weft
//!   learns koko1 and koko2, then the sender of every ARP request for its
//!   address, up to VPP's default limit of 50 000 entries
//!   (`set ip neighbor-config ip4 limit`). ARP requests from 49 998 more
//!   addresses fill the table exactly; the next new sender is refused and
//!   counted (`show ip neighbor-config`: `refused:1`, a warning in the
//!   log) while weft still answers its ARP; an existing entry still
//!   moves (announced by a gratuitous ARP); and test1 <-> test2 keep pinging through the tunnels, whose
//!   next hops are among the 50 000.
//! * **Hold queue full** (a veth pair, frames from an AF_PACKET socket):
//!   with koko2 unresolved, packets for tunnel1 wait in vxlan4-hold, at
//!   most 256 ([`HOLD_MAX`]). Of 300 frames exactly 256 are held and 44
//!   counted `hold queue full`; while they wait `show buffers` Used is the
//!   fill ring plus exactly 256; 1.5 s later the 256 are counted `next hop
//!   resolution timed out` and Used is exactly 256 lower, so no buffer
//!   leaked; once koko2 resolves, traffic flows.
//! * **Ageing** (same rig): with `age 1`, three learned neighbours that
//!   never answer get exactly three probes each and are removed; the
//!   static entry stays.

mod common;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use common::koko::{KokoOptions, KokoTopology, TEST1_IP, TEST2_IP, ping};
use common::malformed;
use common::privileged;
use common::rawsock::RawSocket;
use common::show::{self, error_keys, if_keys};
use common::veth_weftd::VethWeftd;
use common::weftd::Weftd;
use weft::dataplane::fixtures;
use weft::dataplane::nodes::vxlan4_hold::HOLD_MAX;
use weft::dataplane::wire::EthernetAddress;

/// VPP's default limit, which weft keeps (`control::ip::DEFAULT_NEIGHBOR_LIMIT`).
const LIMIT: u32 = 50_000;
const WAIT: Duration = Duration::from_secs(20);

type Counters = BTreeMap<(String, String), u64>;

/// An ARP request `who has 10.99.0.3, tell <spa>` from `sha`, unicast to
/// `dst`.
fn arp_request(dst: EthernetAddress, sha: EthernetAddress, spa: Ipv4Addr) -> Vec<u8> {
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(dst.as_bytes());
    f.extend_from_slice(sha.as_bytes());
    f.extend_from_slice(&[0x08, 0x06]); // ARP
    f.extend_from_slice(&[0, 1, 0x08, 0, 6, 4, 0, 1]); // Ethernet/IPv4, request
    f.extend_from_slice(sha.as_bytes());
    f.extend_from_slice(&spa.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&[10, 99, 0, 3]);
    f
}

/// `show ip neighbor-config`'s weft line: (entries, refused, recycled).
fn neighbor_stats(weftd: &Weftd) -> (u64, u64, u64) {
    let text = weftd.ok("show ip neighbor-config");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("entries:"))
        .unwrap_or_else(|| panic!("no entries line in\n{text}"));
    let v: Vec<u64> = line
        .split(',')
        .map(|f| f.split(':').nth(1).unwrap().trim().parse().unwrap())
        .collect();
    (v[0], v[1], v[2])
}

/// Waits (at most [`WAIT`]) for `cond`; panics with `what` and weftd's
/// state otherwise.
fn wait(weftd: &Weftd, what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {}\n{}{}",
            weftd.ok("show ip neighbor-config"),
            weftd.ok("show errors"),
            weftd.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The i-th filler address: 10.99.4.1 upwards, 250 per /24, never one of
/// koko's or weft's.
fn filler(i: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, 99, (4 + i / 250) as u8, (i % 250 + 1) as u8)
}

fn learned(errors: &Counters) -> u64 {
    errors
        .get(&(
            "arp-reply".to_string(),
            show::reason("ARP request IP4 source address learned"),
        ))
        .copied()
        .unwrap_or(0)
}

#[test]
fn neighbor_table_full_refuses_and_traffic_continues() {
    if !privileged("neighbor_table_full_refuses_and_traffic_continues") {
        return;
    }
    let started = Instant::now();
    let topo = KokoTopology::new("nbrfull", KokoOptions::default());
    let weftd = Weftd::start(&topo.vpp1, "nbrfull", "cpu { workers 1 }");
    // VPP's defaults, read before any tunnel exists: once the tunnels are
    // created weft ARPs for their remotes at once, and the replies can be
    // in the table before the next command runs.
    assert_eq!(
        weftd.ok("show ip neighbor-config"),
        "ip4:\n  limit:50000, age:300, recycle:0\n  entries:0, refused:0, recycled:0\n  learning: moved:0, off-subnet:0, network-or-broadcast:0, not-unicast-mac:0, own-mac:0, mac-change:0, unsolicited-reply:0, unknown-announcement:0, static:0\n"
    );
    for cmd in [
        "create interface af_xdp host-if eth0",
        // A /16: the 49 998 senders (10.99.4.1 up) are on its subnet.
        "set interface ip address eth0/0 10.99.0.3/16",
        "set interface state eth0/0 up",
        "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11",
        "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12",
        "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1",
        "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0",
    ] {
        weftd.ok(cmd);
    }
    // weft ARPs for both tunnel remotes; their replies are the first two
    // entries.
    wait(&weftd, "koko1 and koko2 resolved", || {
        neighbor_stats(&weftd).0 == 2
    });
    assert!(ping(&topo.test1, TEST2_IP, 2).status.success());

    // Fill the table from koko1's side of the segment: one sender MAC,
    // 49 998 sender addresses. In rounds of 256, each waited for, so
    // neither weft's 512-slot rx ring nor the punt queue (4096 messages)
    // overflows and every request is learned.
    let weft_mac = EthernetAddress::from_str(&topo.vpp1_mac()).unwrap();
    let sha = EthernetAddress([0x02, 0x00, 0x0a, 0x63, 0xff, 0x01]);
    let sock = {
        let _in = topo.koko1.enter();
        RawSocket::open("eth0")
    };
    let fill = LIMIT - 2;
    let learned0 = learned(&show::errors(&weftd.ok("show errors")));
    let mut sent = 0;
    while sent < fill {
        let round = (fill - sent).min(256);
        for i in sent..sent + round {
            sock.send(&arp_request(weft_mac, sha, filler(i))).unwrap();
        }
        sent += round;
        wait(&weftd, &format!("{sent} fillers learned"), || {
            neighbor_stats(&weftd).0 == u64::from(2 + sent)
        });
    }
    assert_eq!(neighbor_stats(&weftd), (u64::from(LIMIT), 0, 0));
    // (koko1's and koko2's own requests, refreshing their entries, are
    // counted too.)
    assert!(learned(&show::errors(&weftd.ok("show errors"))) - learned0 >= u64::from(fill));
    let filled_in = started.elapsed();

    // The next new sender: answered, refused, counted.
    let errors0 = show::errors(&weftd.ok("show errors"));
    let extra = filler(fill);
    sock.send(&arp_request(weft_mac, sha, extra)).unwrap();
    wait(&weftd, "the refusal counted", || {
        neighbor_stats(&weftd).1 == 1
    });
    assert_eq!(neighbor_stats(&weftd), (u64::from(LIMIT), 1, 0));
    // weft still answered it: every request since, the refused one
    // included (and any refresh from koko1 or koko2), got its reply.
    let moved = show::moved(&errors0, &show::errors(&weftd.ok("show errors")));
    let replies = moved
        .get(&("arp-reply".to_string(), show::reason("ARP replies sent")))
        .copied();
    assert!(replies >= Some(1), "{moved:?}");
    assert_eq!(learned(&moved), replies.unwrap(), "{moved:?}");
    let warning = format!(
        "neighbor table full (50000 entries): {extra} on sw_if_index 1 refused (1 refused so far)"
    );
    wait(&weftd, "the warning in the log", || {
        weftd.diagnostics().contains(&warning)
    });
    // The same sender again is refused again; an existing entry moving
    // to another MAC is an update, not a new entry.
    sock.send(&arp_request(weft_mac, sha, extra)).unwrap();
    // The move is announced (a gratuitous ARP, broadcast): a request
    // claiming another MAC would be refused (docs/af_xdp.md, "Neighbours").
    let sha2 = EthernetAddress([0x02, 0x00, 0x0a, 0x63, 0xff, 0x02]);
    let mut garp = arp_request(EthernetAddress::BROADCAST, sha2, filler(0));
    garp[38..42].copy_from_slice(&filler(0).octets());
    sock.send(&garp).unwrap();
    wait(&weftd, "the second refusal", || {
        neighbor_stats(&weftd).1 == 2
    });
    wait(&weftd, "the update", || {
        weftd
            .ok("show ip neighbors eth0/0")
            .lines()
            .any(|l| l.contains(&format!(" {} ", filler(0))) && l.contains(&sha2.to_string()))
    });
    assert_eq!(neighbor_stats(&weftd), (u64::from(LIMIT), 2, 0));

    // Existing traffic continues: both tunnels' next hops are in the
    // full table.
    weftd.ok("clear interfaces");
    for (from, to) in [(&topo.test1, TEST2_IP), (&topo.test2, TEST1_IP)] {
        let out = ping(from, to, 3);
        assert!(
            out.status.success(),
            "ping {to} with the table full: {}{}",
            String::from_utf8_lossy(&out.stdout),
            weftd.ok("show errors")
        );
    }
    let ifs = show::interface_counters(&weftd.ok("show interface"));
    let get = |i: &str, c: &str| ifs.get(&(i.to_string(), c.to_string())).copied();
    assert!(get("vxlan_tunnel0", "rx packets") >= Some(3), "{ifs:?}");
    assert_eq!(
        get("vxlan_tunnel0", "rx packets"),
        get("vxlan_tunnel1", "tx packets")
    );
    assert_eq!(
        get("vxlan_tunnel1", "rx packets"),
        get("vxlan_tunnel0", "tx packets")
    );
    assert_eq!(neighbor_stats(&weftd), (u64::from(LIMIT), 2, 0));
    assert!(
        !weftd.diagnostics().contains("panicked"),
        "{}",
        weftd.diagnostics()
    );
    eprintln!(
        "neighbour table: {LIMIT} entries learned through AF_XDP in {filled_in:.1?}, \
         test {:.1?}",
        started.elapsed()
    );
}

/// weftd on one end of a veth, an AF_PACKET socket on the other, koko1
/// resolved (static), koko2 not.
struct Rig {
    v: VethWeftd,
}

impl std::ops::Deref for Rig {
    type Target = VethWeftd;

    fn deref(&self) -> &VethWeftd {
        &self.v
    }
}

const IF: &str = "nbh0/0";
/// The driver's fill ring: every buffer in it counts as used.
const FILL_RING: u64 = 512;

impl Rig {
    /// `tag` names the test: namespaces `weft-<tag>-{w,p}-<pid>`, so the
    /// tests of this file (one process) never share one.
    fn new(tag: &str) -> Rig {
        let v = VethWeftd::start(
            tag,
            "nbh0",
            "nbhp0",
            "cpu { workers 1 }\nbuffers {\n  buffers-per-numa 4096\n  page-size default\n}",
            None,
            &[format!("set interface rx-mode {IF} polling")],
        );
        let r = Rig { v };
        // Until the worker has given the kernel its fill ring, a frame
        // finds no buffer and is lost.
        r.wait("the fill ring filled", |r| r.used() == FILL_RING);
        r
    }

    fn wait(&self, what: &str, cond: impl Fn(&Rig) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: used {}\n{}{:?}{}",
                self.used(),
                self.weftd.ok("show errors"),
                self.ifs(),
                self.weftd.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn hold_queue_full_counts_overflow_and_frees_every_buffer() {
    if !privileged("hold_queue_full_counts_overflow_and_frees_every_buffer") {
        return;
    }
    const SENT: u64 = 300;
    let hold = HOLD_MAX as u64;
    let r = Rig::new("nbh");
    let good = malformed::good(r.mac);

    // 1. 300 frames for tunnel1 while koko2 is unresolved.
    let e0 = r.errors();
    let i0 = r.ifs();
    for _ in 0..SENT {
        r.peer.send(&good).unwrap();
    }
    r.wait("256 held, 44 overflowed", |r| {
        show::moved(&e0, &r.errors())
            .get(&("vxlan4-hold".to_string(), show::reason("hold queue full")))
            == Some(&(SENT - hold))
    });
    let mut want = malformed::forwarding(SENT);
    want.pop();
    want.push((("vxlan4-encap", "tunnel next hop unresolved"), SENT));
    want.push((("vxlan4-hold", "held for next hop resolution"), hold));
    want.push((("vxlan4-hold", "hold queue full"), SENT - hold));
    assert_eq!(show::moved(&e0, &r.errors()), error_keys(want.clone()));
    // The held packets keep their buffers, the overflow was freed. The
    // driver's fill ring is full to within 63 (it refills when 64 slots
    // are free), and it receives nothing more: read the level while the
    // 256 wait (the least of a few reads, in case one catches an ARP
    // request of weft's in flight).
    let used_held = (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(20));
            r.used()
        })
        .min()
        .unwrap();
    let expired = |r: &Rig| {
        show::moved(&e0, &r.errors())
            .get(&(
                "vxlan4-hold".to_string(),
                show::reason("next hop resolution timed out"),
            ))
            .copied()
    };
    assert_eq!(expired(&r), None, "read before the hold time ran out");
    let fill_level = used_held - hold;
    assert!(
        (FILL_RING - 63..=FILL_RING).contains(&fill_level),
        "Used {used_held} while 256 are held: the rest is not the fill ring"
    );

    // 2. The next hop does not resolve within 1.5 s: every held packet is
    //    dropped, and exactly the 256 buffers come back.
    r.wait("the held packets expired", |r| expired(r) == Some(hold));
    want.push((("vxlan4-hold", "next hop resolution timed out"), hold));
    assert_eq!(show::moved(&e0, &r.errors()), error_keys(want));
    r.wait("every held buffer back", |r| r.used() == fill_level);
    let di = show::moved(&i0, &r.ifs());
    let get = |i: &str, c: &str| di.get(&(i.to_string(), c.to_string())).copied();
    assert_eq!(
        (
            get(IF, "rx packets"),
            get("vxlan_tunnel0", "rx packets"),
            get("vxlan_tunnel0", "drops"),
            get("vxlan_tunnel1", "tx packets"),
        ),
        (Some(SENT), Some(SENT), Some(SENT), None),
        "received 300, dropped 300 (44 full + 256 expired), sent none: {di:?}"
    );
    // What weft sent meanwhile: ARP requests for koko2, nothing else. A
    // request counted just now may still be crossing the veth: collect as
    // many as were counted.
    let sent = get(IF, "tx packets").unwrap_or(0) as usize;
    let out = r.peer.collect_incoming(sent, Duration::from_secs(2));
    assert!(!out.is_empty(), "weft asks for koko2");
    for f in &out {
        assert_eq!(f[12..14], [0x08, 0x06], "only ARP left weft: {f:02x?}");
        assert_eq!(f[38..42], [10, 99, 0, 2], "who-has koko2: {f:02x?}");
    }
    assert_eq!(get(IF, "tx packets"), Some(out.len() as u64));

    // 3. koko2 resolves: traffic flows again, and the pool is whole.
    r.weftd.ok(&format!(
        "ip neighbor {IF} 10.99.0.2 {} static",
        fixtures::KOKO2_MAC
    ));
    let i0 = r.ifs();
    for _ in 0..100 {
        r.peer.send(&good).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    r.wait("100 forwarded", |r| {
        show::moved(&i0, &r.ifs()).get(&(IF.to_string(), "tx packets".to_string())) == Some(&100)
    });
    let (outer, inner) = (good.len() as u64, good.len() as u64 - 50);
    assert_eq!(
        show::moved(&i0, &r.ifs()),
        if_keys([
            ((IF, "rx packets"), 100),
            ((IF, "rx bytes"), 100 * outer),
            ((IF, "ip4"), 100),
            ((IF, "tx packets"), 100),
            ((IF, "tx bytes"), 100 * outer),
            (("vxlan_tunnel0", "rx packets"), 100),
            (("vxlan_tunnel0", "rx bytes"), 100 * inner),
            (("vxlan_tunnel1", "tx packets"), 100),
            (("vxlan_tunnel1", "tx bytes"), 100 * inner),
        ])
    );
    // Idle again: only the fill ring holds buffers.
    std::thread::sleep(Duration::from_millis(100));
    let used = r.used();
    assert!(
        (FILL_RING - 63..=FILL_RING).contains(&used),
        "Used {used} when idle"
    );
}

#[test]
fn learned_neighbors_age_out_after_three_probes() {
    if !privileged("learned_neighbors_age_out_after_three_probes") {
        return;
    }
    let r = Rig::new("nba");
    r.weftd.ok("set ip neighbor-config ip4 age 1");
    assert_eq!(
        r.weftd.ok("show ip neighbor-config"),
        "ip4:\n  limit:50000, age:1, recycle:0\n  entries:1, refused:0, recycled:0\n  learning: moved:0, off-subnet:0, network-or-broadcast:0, not-unicast-mac:0, own-mac:0, mac-change:0, unsolicited-reply:0, unknown-announcement:0, static:0\n"
    );
    let silent = [11, 12, 13].map(|d| Ipv4Addr::new(10, 99, 0, d));
    let sha = EthernetAddress([0x02, 0x00, 0x0a, 0x63, 0xfe, 0x01]);
    let _ = r.peer.drain_incoming();
    for ip in silent {
        r.peer.send(&arp_request(r.mac, sha, ip)).unwrap();
    }
    wait(&r.weftd, "three neighbours learned", || {
        neighbor_stats(&r.weftd).0 == 4
    });
    // They never answer weft's probes: after `age` seconds each is asked
    // three times, a second apart, then removed. koko1 is static.
    wait(&r.weftd, "the silent neighbours aged out", || {
        neighbor_stats(&r.weftd).0 == 1
    });
    let neighbors = r.weftd.ok("show ip neighbors");
    assert_eq!(neighbors.lines().count(), 2, "{neighbors}");
    assert!(neighbors.contains(" 10.99.0.1 "), "{neighbors}");
    let out = r.peer.drain_incoming();
    let asked = |ip: Ipv4Addr| {
        out.iter()
            .filter(|f| {
                f[12..14] == [0x08, 0x06] && f[20..22] == [0, 1] && f[38..42] == ip.octets()
            })
            .count()
    };
    for ip in silent {
        assert_eq!(asked(ip), 3, "probes for {ip}");
    }
    let log = r.weftd.diagnostics();
    for ip in silent {
        assert!(
            log.contains(&format!("neighbor {ip} (sw_if_index 1) aged out")),
            "{log}"
        );
    }
}
