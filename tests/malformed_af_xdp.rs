//! The malformed packet matrix of issue 7 (`tests/common/malformed.rs`)
//! through the real AF_XDP path: weftd (the `Weftd` fixture) on one end
//! of a veth pair, raw frames sent from the other end with an AF_PACKET
//! socket, assertions on `show errors`, `show interface` and
//! `show buffers` over the CLI socket.
//!
//! ```text
//!  netns weft-wmf-w-<pid>                  netns weft-wmf-p-<pid>
//!  wmf0 (AF_XDP, weftd owns 10.99.0.3)  <-veth->  wmfp0 (no address)
//!    + an AF_PACKET socket: what the        + an AF_PACKET socket: sends
//!      kernel gets on wmf0                    the cases, sees what weft sends
//! ```
//!
//! weft's XDP program redirects to weft only IPv4 for its address and ARP
//! for it (Ethernet/IPv4 ARP, at least 28 bytes); everything else is
//! `XDP_PASS`. So each case is checked on its path:
//!
//! * to weft: exactly the case's counter moves by the number of frames
//!   (`show errors`), the interface counters are exactly rx, drops, ip4
//!   (`show interface`), the kernel's socket on wmf0 sees none of them;
//! * to the kernel: the socket on wmf0 receives every frame byte for byte
//!   and no counter of weft moves;
//! * unsendable (shorter than an Ethernet header): the kernel refuses to
//!   send them (`EINVAL`), weft sees nothing.
//!
//! After each case `show buffers` is back at its idle level and a good
//! frame is forwarded byte for byte. Frames are sent one at a time, each
//! after weft has counted the previous one, which makes the idle level
//! exact: the driver keeps the 512-slot fill ring topped up in chunks of
//! 64, so with one frame per poll, after R received frames the kernel holds
//! `512 - R % 64` buffers and nothing else may be in use.

mod common;

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::malformed::{self, Case, Expect, Path, check_reference, expected_out, l3_counter};
use common::rawsock::RawSocket;
use common::show::{self, error_keys, if_keys};
use common::veth_weftd::VethWeftd;
use common::{Netns, privileged, veth};
use weft::dataplane::fixtures;

/// The veth MTU: room for frames larger than a buffer, and still within
/// what veth allows a native XDP program (about 3500).
const MTU: usize = 3000;
/// weft's rx (fill) ring size (the default).
const RING: usize = 512;
/// The driver refills its fill ring in chunks of this many buffers.
const REFILL_CHUNK: usize = 64;
/// How long to wait for something weft or the kernel must do.
const WAIT: Duration = Duration::from_secs(5);

struct Rig {
    // Dropped first: the host socket, then weftd, its peer socket and
    // the namespaces.
    host: RawSocket,
    v: VethWeftd,
}

impl std::ops::Deref for Rig {
    type Target = VethWeftd;

    fn deref(&self) -> &VethWeftd {
        &self.v
    }
}

type Counters = BTreeMap<(String, String), u64>;

impl Rig {
    fn new() -> Rig {
        // data-size 1024: 2048-byte frames, so a buffer takes at most
        // 1792 bytes and a larger frame still fits the veth's MTU.
        let v = VethWeftd::start(
            "wmf",
            "wmf0",
            "wmfp0",
            "cpu { workers 1 }\nbuffers {\n  default data-size 1024\n}",
            Some(MTU as u16),
            &[format!(
                "ip neighbor wmf0/0 10.99.0.2 {} static",
                fixtures::KOKO2_MAC
            )],
        );
        let host = {
            let _in = v.w.enter();
            RawSocket::open("wmf0")
        };
        Rig { host, v }
    }

    fn ifc(&self, name: &str) -> u64 {
        self.ifs()
            .get(&("wmf0/0".to_string(), name.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Waits until `cond` holds, polling the CLI.
    fn wait(&self, what: &str, cond: impl Fn(&Rig) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}{}",
                self.weftd.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends `f` and waits until wmf0/0's `counter` has counted it.
    fn send_counted(&self, f: &[u8], counter: &str) {
        let before = self.ifc(counter);
        self.peer.send(f).unwrap();
        self.wait(&format!("wmf0/0 {counter} {}", before + 1), |r| {
            r.ifc(counter) == before + 1
        });
    }

    /// The idle level of `show buffers` Used after `rx` received frames
    /// (see the module docs), once weft has nothing in flight.
    fn wait_idle_buffers(&self, what: &str) {
        let rx = self.ifc("rx packets") as usize;
        let want = RING - rx % REFILL_CHUNK;
        let deadline = Instant::now() + WAIT;
        loop {
            let used = self.used() as usize;
            if used == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: show buffers Used {used}, idle level after {rx} frames is {want}: \
                 buffers leaked{}",
                self.weftd.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends the good frame; checks it leaves byte for byte as `reference`
    /// and moves exactly the forwarding counters.
    fn good_frame_after(&self, what: &str, good: &[u8], reference: &[u8]) {
        let e0 = self.errors();
        self.send_counted(good, "rx packets");
        let out = self.peer.collect_incoming(1, WAIT);
        assert_eq!(
            out,
            vec![reference.to_vec()],
            "{what}: the good frame after"
        );
        self.wait(&format!("{what}: forwarding counters"), |r| {
            show::moved(&e0, &r.errors()) == error_keys(malformed::forwarding(1))
        });
        self.wait_idle_buffers(what);
    }
}

/// Runs one case; returns what was observed, for the table.
fn run_case(r: &Rig, case: &Case, good: &[u8], reference: &[u8]) -> String {
    let name = case.name;
    let n = case.frames.len() as u64;
    let bytes: u64 = case.frames.iter().map(|f| f.len() as u64).sum();
    let e0 = r.errors();
    let i0 = r.ifs();
    let polling = matches!(case.expect, Expect::RxMiss);
    if polling {
        // rx-miss comes from the kernel's socket statistics, which the
        // driver reads every 1024 polls: poll continuously meanwhile.
        r.weftd.ok("set interface rx-mode wmf0/0 polling");
    }
    match case.path {
        Path::Unsendable => {
            for f in &case.frames {
                let e = r.peer.send(f).unwrap_err();
                assert_eq!(
                    e.raw_os_error(),
                    Some(nix::libc::EINVAL),
                    "{name}: {} bytes: {e}",
                    f.len()
                );
            }
        }
        Path::Kernel => {
            for f in &case.frames {
                r.peer.send(f).unwrap();
            }
            let got = r.host.collect_incoming(case.frames.len(), WAIT);
            assert_eq!(got, case.frames, "{name}: the kernel gets every frame");
        }
        Path::Weft => {
            let counter = if polling { "rx-miss" } else { "rx packets" };
            for f in &case.frames {
                r.send_counted(f, counter);
            }
        }
    }
    let forwarded = match &case.expect {
        Expect::Forward { inner, .. } if case.path == Path::Weft => {
            let want = expected_out(reference, inner);
            let out = r.peer.collect_incoming(case.frames.len(), WAIT);
            assert_eq!(out, vec![want; case.frames.len()], "{name}: forwarded");
            true
        }
        _ => false,
    };
    // Anything late or extra would show now.
    std::thread::sleep(Duration::from_millis(100));
    if polling {
        r.weftd.ok("set interface rx-mode wmf0/0 adaptive");
    }
    let de = show::moved(&e0, &r.errors());
    let di = show::moved(&i0, &r.ifs());
    if !forwarded {
        assert_eq!(
            r.peer.drain_incoming(),
            Vec::<Vec<u8>>::new(),
            "{name}: weft sent something"
        );
    }
    let observed = if case.path != Path::Weft {
        assert_eq!(de, Counters::new(), "{name}: weft's node counters");
        assert_eq!(di, Counters::new(), "{name}: weft's interface counters");
        match case.path {
            Path::Kernel => format!("XDP_PASS: the kernel got all {n}; weft's counters unchanged"),
            _ => "not sendable on veth (`EINVAL`)".to_string(),
        }
    } else {
        assert_eq!(
            r.host.drain_incoming(),
            Vec::<Vec<u8>>::new(),
            "{name}: redirected to weft, the kernel must not get it"
        );
        let rx = [
            (("wmf0/0", "rx packets"), n),
            (("wmf0/0", "rx bytes"), bytes),
        ];
        match &case.expect {
            Expect::Drop(c) => {
                assert_eq!(de, error_keys([(*c, n)]), "{name}: show errors");
                let mut want = if_keys(rx);
                want.extend(if_keys([(("wmf0/0", "drops"), n)]));
                if let Some(l3) = l3_counter(c.0) {
                    want.extend(if_keys([(("wmf0/0", l3), n)]));
                }
                assert_eq!(di, want, "{name}: show interface");
                format!("{} `{}` +{n}", c.0, c.1)
            }
            Expect::Forward { inner, info } => {
                let mut want: Vec<_> = malformed::forwarding(n);
                want.extend(info.map(|c| (c, n)));
                assert_eq!(de, error_keys(want), "{name}: show errors");
                let inner_bytes = n * inner.len() as u64;
                let out_bytes = n * (inner.len() as u64 + 50);
                let mut want_if = if_keys(rx);
                want_if.extend(if_keys([
                    (("wmf0/0", "ip4"), n),
                    (("wmf0/0", "tx packets"), n),
                    (("wmf0/0", "tx bytes"), out_bytes),
                    (("vxlan_tunnel0", "rx packets"), n),
                    (("vxlan_tunnel0", "rx bytes"), inner_bytes),
                    (("vxlan_tunnel1", "tx packets"), n),
                    (("vxlan_tunnel1", "tx bytes"), inner_bytes),
                ]));
                assert_eq!(di, want_if, "{name}: show interface");
                match info {
                    Some(c) => format!("forwarded; {} `{}` +{n}", c.0, c.1),
                    None => "forwarded".to_string(),
                }
            }
            Expect::RxMiss => {
                assert_eq!(
                    de,
                    error_keys([(("af_xdp-input", "frame larger than a buffer"), n)]),
                    "{name}: show errors"
                );
                assert_eq!(
                    di,
                    if_keys([(("wmf0/0", "rx-miss"), n)]),
                    "{name}: show interface"
                );
                format!(
                    "wmf0/0 `rx-miss` +{n} and af_xdp-input `frame larger than a buffer` +{n} (the kernel's drop, from its socket statistics)"
                )
            }
            Expect::DropMtu => unreachable!("{name}: the veth MTU takes the largest buffer"),
        }
    };
    r.wait_idle_buffers(name);
    r.good_frame_after(name, good, reference);
    observed
}

#[test]
fn malformed_matrix_through_af_xdp() {
    if !privileged("malformed_matrix_through_af_xdp") {
        return;
    }
    let started = Instant::now();
    let r = Rig::new();
    let hw = r.weftd.ok("show hardware-interfaces wmf0/0");
    assert!(hw.contains("xdp program: weft_xdp"), "{hw}");
    // weft's MTU stops at what a buffer holds: 1792 bytes less an Ethernet
    // header; larger frames still fit the veth's MTU.
    let mtu = r.weftd.ok("show interface wmf0/0");
    assert!(mtu.contains("1778/0/0/0"), "{mtu}");
    r.wait_idle_buffers("before any frame");

    let good = malformed::good(r.mac);
    r.send_counted(&good, "rx packets");
    let out = r.peer.collect_incoming(1, WAIT);
    assert_eq!(out.len(), 1, "the good frame is forwarded");
    let reference = out[0].clone();
    check_reference(&reference, r.mac);
    r.wait_idle_buffers("after the first good frame");

    // A buffer holds 2048 - 256 bytes; the veth takes frames up to
    // MTU + 14.
    let max_frame = 2048 - 256;
    let cases = malformed::matrix(r.mac, max_frame, MTU, &[MTU + 14]);
    let mut table = String::new();
    for case in &cases {
        let observed = run_case(&r, case, &good, &reference);
        table.push_str(&format!(
            "| {} | {} | {observed} |\n",
            case.name,
            case.frames.len()
        ));
    }
    let errors = r.weftd.ok("show errors");
    eprintln!(
        "{}\n{} cases in {:?}\n{table}\n{errors}",
        hw,
        cases.len(),
        started.elapsed()
    );
    assert!(
        !r.weftd.diagnostics().contains("panicked"),
        "{}",
        r.weftd.diagnostics()
    );
}

/// The kernel refuses frames shorter than an Ethernet header on a veth
/// (`EINVAL`), so truncated Ethernet frames can only reach weft through
/// pg. Checked here so the matrix's `Unsendable` stays true.
#[test]
fn short_frames_are_refused_by_the_kernel() {
    if !privileged("short_frames_are_refused_by_the_kernel") {
        return;
    }
    let w = Netns::new("wmf-s");
    let p = Netns::new("wmf-sp");
    veth(&w, "wmfs0", &p, "wmfsp0");
    let s = {
        let _in = p.enter();
        RawSocket::open("wmfsp0")
    };
    for n in 0..14 {
        let e = s.send(&vec![0xff; n]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{n} bytes");
    }
    s.send(&[0xff; 14]).unwrap();
}
