//! Buffer pool exhaustion through the real AF_XDP path (issue 7): weftd
//! with a pool of 128 buffers (`buffers { buffers-per-numa 128 }`), smaller
//! than its 512-slot fill ring, on a veth; VXLAN frames sent from the peer
//! namespace with an AF_PACKET socket; assertions over the CLI socket.
//!
//! ```text
//!  netns weft-wmfx-w-<pid>                netns weft-wmfx-p-<pid>
//!  wmfx0 (AF_XDP, weftd: 10.99.0.3) <-veth-> wmfxp0 (no address, AF_PACKET)
//! ```
//!
//! * Idle: all 128 buffers sit in the kernel's fill ring (`show buffers`
//!   Used 128) and `rx-no-buf` stays 0.
//! * Dry pool, exact: with koko2's next hop unresolved, packets wait in
//!   vxlan4-hold with their buffers. Of 200 frames the kernel can place
//!   exactly 128 (one per buffer) and finds the fill ring empty for the
//!   other 72: `rx-no-buf` 72, whatever the timing.
//! * The next hop resolves: the 128 held packets leave, forwarding
//!   resumes (100 paced frames, all forwarded).
//! * Heavy traffic: as many frames as one sender thread can push. Every
//!   frame the sender got out is accounted for exactly: received by weft,
//!   or counted `rx-no-buf` / `rx-miss`; and every received frame is sent
//!   or counted dropped.
//! * No leak: the dry-pool experiment is repeated at the end and again
//!   takes exactly 128 frames: every buffer is back in the fill ring.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::malformed::{self, check_reference};
use common::privileged;
use common::show::{self, error_keys};
use common::veth_weftd::VethWeftd;
use weft::dataplane::fixtures;

const POOL: u64 = 128;
const WAIT: Duration = Duration::from_secs(5);
const IF: &str = "wmfx0/0";
/// Frames in the heavy-traffic phase.
const HEAVY: u64 = 20_000;

type Counters = BTreeMap<(String, String), u64>;

struct Rig {
    v: VethWeftd,
}

impl std::ops::Deref for Rig {
    type Target = VethWeftd;

    fn deref(&self) -> &VethWeftd {
        &self.v
    }
}

impl Rig {
    fn new() -> Rig {
        let v = VethWeftd::start(
            "wmfx",
            "wmfx0",
            "wmfxp0",
            "cpu { workers 1 }\nbuffers {\n  buffers-per-numa 128\n  page-size default\n}",
            None,
            // The kernel's drop counts reach rx-no-buf / rx-miss when the
            // driver reads the socket statistics, every 1024 polls: poll.
            &[format!("set interface rx-mode {IF} polling")],
        );
        Rig { v }
    }

    fn wait(&self, what: &str, cond: impl Fn(&Rig) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:?}{}",
                self.ifs(),
                self.weftd.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// VXLAN frames weft sent (ARP requests weft may send are left out).
    fn collect_vxlan(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + WAIT;
        let mut out = Vec::new();
        while out.len() < n && Instant::now() < deadline {
            out.extend(
                self.peer
                    .collect_incoming(n - out.len(), Duration::from_millis(50))
                    .into_iter()
                    .filter(|f| is_vxlan(f)),
            );
        }
        out
    }

    fn resolve_koko2(&self, add: bool) {
        self.weftd.ok(&format!(
            "ip neighbor {}{IF} 10.99.0.2 {} static",
            if add { "" } else { "del " },
            fixtures::KOKO2_MAC
        ));
    }
}

/// An IPv4 frame: weft sends VXLAN, and here nothing else but the ARP
/// requests for koko2 that it may get a buffer for.
fn is_vxlan(f: &[u8]) -> bool {
    f.len() > 14 && f[12..14] == [0x08, 0x00]
}

fn get(c: &Counters, ifname: &str, name: &str) -> u64 {
    c.get(&(ifname.to_string(), name.to_string()))
        .copied()
        .unwrap_or(0)
}

/// With koko2 unresolved: 200 frames, exactly 128 taken (held), 72 counted
/// rx-no-buf, nothing sent.
fn hold_until_dry(r: &Rig, good: &[u8]) {
    let e0 = r.errors();
    let i0 = r.ifs();
    for _ in 0..200 {
        r.peer.send(good).unwrap();
    }
    r.wait("128 received and 72 rx-no-buf", |r| {
        let d = show::moved(&i0, &r.ifs());
        get(&d, IF, "rx packets") == POOL && get(&d, IF, "rx-no-buf") == 200 - POOL
    });
    std::thread::sleep(Duration::from_millis(50));
    let di = show::moved(&i0, &r.ifs());
    assert_eq!(get(&di, IF, "rx packets"), POOL, "{di:?}");
    assert_eq!(get(&di, IF, "rx-no-buf"), 200 - POOL, "{di:?}");
    assert_eq!(get(&di, IF, "rx-miss"), 0, "{di:?}");
    assert_eq!(get(&di, IF, "drops"), 0, "{di:?}");
    assert_eq!(get(&di, IF, "tx packets"), 0, "{di:?}");
    let mut want = malformed::forwarding(POOL);
    want.pop();
    want.push((("vxlan4-encap", "tunnel next hop unresolved"), POOL));
    want.push((("vxlan4-hold", "held for next hop resolution"), POOL));
    assert_eq!(show::moved(&e0, &r.errors()), error_keys(want));
    assert_eq!(r.used(), POOL, "every buffer held");
    assert!(
        !r.peer.drain_incoming().iter().any(|f| is_vxlan(f)),
        "nothing leaves"
    );
}

/// Resolves koko2: the 128 held packets leave, intact. Returns what weft
/// sent for the good frame (its UDP source port is a hash of the flow),
/// checked field by field.
fn release(r: &Rig) -> Vec<u8> {
    let e0 = r.errors();
    r.resolve_koko2(true);
    let out = r.collect_vxlan(POOL as usize);
    assert_eq!(
        out.len() as u64,
        POOL,
        "every held packet leaves: {}{}",
        r.weftd.ok("show errors"),
        r.weftd.diagnostics()
    );
    check_reference(&out[0], r.mac);
    assert!(out.iter().all(|f| *f == out[0]), "held packets intact");
    r.wait("the release counted", |r| {
        show::moved(&e0, &r.errors())
            == error_keys([(("vxlan4-hold", "sent after next hop resolution"), POOL)])
    });
    r.wait("every buffer back in the fill ring", |r| r.used() == POOL);
    out[0].clone()
}

#[test]
fn af_xdp_pool_exhaustion() {
    if !privileged("af_xdp_pool_exhaustion") {
        return;
    }
    let started = Instant::now();
    let r = Rig::new();
    let good = malformed::good(r.mac);

    // Idle: the whole pool is in the fill ring, and rx-no-buf does not
    // move without traffic.
    r.wait("the fill ring filled", |r| r.used() == POOL);
    std::thread::sleep(Duration::from_millis(300));
    let idle = r.ifs();
    assert_eq!(get(&idle, IF, "rx-no-buf"), 0, "rx-no-buf while idle");
    assert_eq!(get(&idle, IF, "rx packets"), 0, "{idle:?}");

    // 1. Dry pool.
    let t1 = Instant::now();
    hold_until_dry(&r, &good);

    // 2. The pressure drops: the held packets leave, and forwarding
    //    resumes (frames 1 ms apart, all forwarded).
    let reference = release(&r);
    eprintln!("dry pool and release: {:?}", t1.elapsed());
    let i0 = r.ifs();
    for _ in 0..100 {
        r.peer.send(&good).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = r.collect_vxlan(100);
    assert_eq!(out.len(), 100, "forwarding resumed");
    assert!(out.iter().all(|f| *f == reference));
    r.wait("100 forwarded", |r| {
        get(&show::moved(&i0, &r.ifs()), IF, "tx packets") == 100
    });
    let di = show::moved(&i0, &r.ifs());
    assert_eq!(get(&di, IF, "rx packets"), 100, "{di:?}");
    assert_eq!(get(&di, IF, "rx-no-buf"), 0, "{di:?}");
    assert_eq!(get(&di, IF, "drops"), 0, "{di:?}");

    // 3. Heavy traffic on the small pool: every frame accounted for.
    let i0 = r.ifs();
    let e0 = r.errors();
    let t = Instant::now();
    let (mut sent, mut refused) = (0u64, 0u64);
    for _ in 0..HEAVY {
        match r.peer.send(&good) {
            Ok(()) => sent += 1,
            // The veth's queue towards weft was full: the frame never
            // reached weft's XDP program.
            Err(e) if e.raw_os_error() == Some(nix::libc::ENOBUFS) => refused += 1,
            Err(e) => panic!("send: {e}"),
        }
    }
    let send_time = t.elapsed();
    r.wait("every sent frame accounted for", |r| {
        let d = show::moved(&i0, &r.ifs());
        get(&d, IF, "rx packets") + get(&d, IF, "rx-no-buf") + get(&d, IF, "rx-miss") == sent
    });
    std::thread::sleep(Duration::from_millis(200));
    let di = show::moved(&i0, &r.ifs());
    let de = show::moved(&e0, &r.errors());
    let _ = r.peer.drain_incoming();
    let (rx, no_buf, miss) = (
        get(&di, IF, "rx packets"),
        get(&di, IF, "rx-no-buf"),
        get(&di, IF, "rx-miss"),
    );
    let (tx, drops, tx_err) = (
        get(&di, IF, "tx packets"),
        get(&di, IF, "drops"),
        get(&di, IF, "tx-error"),
    );
    eprintln!(
        "heavy: {HEAVY} frames in {send_time:?}: sent {sent}, refused by the veth {refused}; \
         weft: rx {rx}, rx-no-buf {no_buf}, rx-miss {miss}, tx {tx}, tx-error {tx_err}, drops {drops}\n\
         show errors moved: {de:?}"
    );
    assert_eq!(
        rx + no_buf + miss,
        sent,
        "every frame sent is received or counted lost"
    );
    assert_eq!(drops, 0, "weft dropped good frames");
    assert_eq!(
        de,
        error_keys(malformed::forwarding(rx)),
        "every received frame decapsulated and encapsulated"
    );
    assert_eq!(
        rx,
        tx + tx_err + drops,
        "every frame received is sent or counted"
    );
    // Whether the pool runs dry under this burst depends on how fast the
    // worker turns buffers round (it usually does: 1799 of 20000 frames
    // found no buffer in one run, none in another), so it is reported, not
    // asserted; the dry-pool experiments above and below count rx-no-buf
    // exactly.
    if no_buf == 0 {
        eprintln!("heavy: the pool of {POOL} did not run dry under {sent} frames this time");
    }
    r.wait("every buffer back in the fill ring", |r| r.used() == POOL);

    // 4. No leak: the dry-pool experiment takes exactly 128 frames again.
    r.resolve_koko2(false);
    std::thread::sleep(Duration::from_millis(300));
    hold_until_dry(&r, &good);
    assert_eq!(release(&r), reference);
    assert!(
        !r.weftd.diagnostics().contains("panicked"),
        "{}",
        r.weftd.diagnostics()
    );
    eprintln!("AF_XDP pool exhaustion: {:?}", started.elapsed());
}
