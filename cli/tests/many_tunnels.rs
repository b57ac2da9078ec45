//! Many tunnels through the CLI (issue 7, "Exhaustion and churn"): a real
//! weftd (no root, no interface attached; fixture `common::Daemon`) gets
//! [`tunnels()`] VXLAN tunnels created and then deleted over one CLI
//! session, twice. Every create must print its interface name, every
//! delete nothing; after each cycle `show vxlan tunnel` is empty and
//! `show interface` is exactly what it was before the first tunnel; and
//! weftd's resident memory after the second cycle is no higher than after
//! the first, within [`RSS_SLACK_KIB`] (no growth cycle over cycle).
//!
//! The count is 10 000 in a release build and [`DEBUG_TUNNELS`] in a debug
//! build; `WEFT_TUNNELS=<n>` overrides it. Every configuration change
//! republishes the whole snapshot, and each publish looks up the egress of
//! every tunnel by scanning every interface (tunnels are interfaces), so a
//! cycle costs time cubic in the count: 10 000 creates take 11 min in
//! release, 3 to 5 s once each publish collects the connected prefixes
//! once (the fix described in docs/robustness.md, "Many tunnels"), and a
//! debug weftd is about ten times slower than release. The 10 000 figure
//! is run with
//!
//! ```text
//! cargo test --release -p weft-cli --test many_tunnels -- --nocapture
//! ```
//!
//! and the figures it prints are recorded in docs/robustness.md.

use std::time::{Duration, Instant};

use console::client::Client;

mod common;

use common::Daemon;

/// Tunnels per cycle in a debug build (about 25 s on two shared cores).
const DEBUG_TUNNELS: usize = 800;

/// Tunnels per cycle in a release build: the issue's figure.
const RELEASE_TUNNELS: usize = 10_000;

/// How much higher weftd's VmRSS may be after the second cycle than after
/// the first. The allocator keeps freed memory for reuse rather than
/// returning every page (glibc's arenas; each CLI session is a thread),
/// and the configuration keeps the capacity of its interface and tunnel
/// tables, so the level after a cycle is a plateau above the start, and
/// the second cycle reuses it. Measured (docs/robustness.md): at 10 000
/// tunnels in release the second cycle ends 1.4 to 2.1 MiB *below* the
/// first (the level after a cycle varies by about 2 MiB with the
/// allocator's state); at 800 in debug at the same level. 1 MiB is
/// about an eighth of what 10 000 tunnels occupy at their peak (7.5 MiB):
/// a leak of 105 bytes per tunnel and cycle would exceed it at 10 000.
const RSS_SLACK_KIB: u64 = 1024;

/// The number of tunnels per cycle (see the module docs).
fn tunnels() -> usize {
    match std::env::var("WEFT_TUNNELS") {
        Ok(n) => n.parse().expect("WEFT_TUNNELS: a number of tunnels"),
        Err(_) if cfg!(debug_assertions) => DEBUG_TUNNELS,
        Err(_) => RELEASE_TUNNELS,
    }
}

/// weftd's resident set once idle: 500 ms after the last command, so the
/// worker has dropped the snapshots it held, in KiB.
fn settled_rss_kib(d: &Daemon) -> u64 {
    std::thread::sleep(Duration::from_millis(500));
    rss_kib(d)
}

/// weftd's resident set (`VmRSS` in `/proc/<pid>/status`), in KiB.
fn rss_kib(d: &Daemon) -> u64 {
    let pid = d.child.id();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in /proc/{pid}/status"))
}

/// Tunnel `i`: VNI i + 1 towards one of 250 remotes in 10.100.0.0/16
/// (neither on a connected prefix nor routed, so weft never ARPs for
/// them), from loop0's address.
fn tunnel(i: usize, del: bool) -> String {
    format!(
        "create vxlan tunnel src 10.99.0.3 dst 10.100.{}.{} vni {}{}",
        i / 250 % 256,
        i % 250 + 1,
        i + 1,
        if del { " del" } else { "" }
    )
}

/// One cycle on one session: `n` creates, each printing the next name,
/// the listing, `n` deletes, each printing nothing. Returns the VmRSS at
/// the peak (all tunnels there) and the time of the creates and of the
/// deletes.
fn cycle(d: &Daemon, c: &mut Client, n: usize) -> (u64, Duration, Duration) {
    let t = Instant::now();
    for i in 0..n {
        let cmd = tunnel(i, false);
        let r = c.execute(&cmd).unwrap();
        assert!(!r.failed, "`{cmd}` failed: {}", r.text);
        // The lowest free pool index, and so the instance, is i.
        assert_eq!(r.text, format!("vxlan_tunnel{i}\n"), "`{cmd}`");
    }
    let created = t.elapsed();
    let peak = settled_rss_kib(d);
    let listing = c.execute("show vxlan tunnel").unwrap().text;
    assert_eq!(listing.lines().count(), n, "one line per tunnel");
    for (i, line) in [(0, listing.lines().next()), (n - 1, listing.lines().last())] {
        let want = format!(
            "[{i}] instance {i} src 10.99.0.3 dst 10.100.{}.{} src_port 4789 dst_port 4789 \
             vni {} fib-idx 0 sw-if-idx {} encap-dpo-idx {i} ",
            i / 250 % 256,
            i % 250 + 1,
            i + 1,
            i + 2
        );
        assert_eq!(line, Some(want.as_str()));
    }
    let t = Instant::now();
    for i in 0..n {
        let cmd = tunnel(i, true);
        let r = c.execute(&cmd).unwrap();
        assert!(!r.failed, "`{cmd}` failed: {}", r.text);
        assert_eq!(r.text, "", "`{cmd}`");
    }
    let deleted = t.elapsed();
    assert_eq!(
        c.execute("show vxlan tunnel").unwrap().text,
        "No vxlan tunnels configured...\n"
    );
    (peak, created, deleted)
}

#[test]
fn tunnels_created_and_deleted_twice_memory_returns() {
    let n = tunnels();
    let d = Daemon::start("many-tunnels", &[]);
    assert_eq!(d.ok("create loopback interface"), "loop0\n");
    assert_eq!(d.ok("set interface ip address loop0 10.99.0.3/24"), "");
    let interfaces = d.ok("show interface");
    let mut c = Client::connect(&d.socket).unwrap();
    let start = settled_rss_kib(&d);

    let (peak1, add1, del1) = cycle(&d, &mut c, n);
    let after1 = settled_rss_kib(&d);
    let (peak2, add2, del2) = cycle(&d, &mut c, n);
    let after2 = settled_rss_kib(&d);
    c.quit().unwrap();

    eprintln!(
        "{n} tunnels ({} build): cycle 1 create {add1:.1?} delete {del1:.1?}, \
         cycle 2 create {add2:.1?} delete {del2:.1?}; VmRSS KiB: start {start}, \
         peak {peak1}, after cycle 1 {after1}, peak {peak2}, after cycle 2 {after2}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    // Everything the tunnels brought is gone.
    assert_eq!(d.ok("show interface"), interfaces);
    assert_eq!(d.ok("show mode"), "l3 local0  \nl3 loop0  \n");
    // No growth cycle over cycle.
    assert!(
        after2 <= after1 + RSS_SLACK_KIB,
        "VmRSS grew by {} KiB from cycle 1 to cycle 2 (start {start}, after cycle 1 {after1}, \
         after cycle 2 {after2} KiB)",
        after2 - after1
    );
    assert!(
        !d.stderr().contains("panicked"),
        "weftd panicked: {}",
        d.stderr()
    );
}
