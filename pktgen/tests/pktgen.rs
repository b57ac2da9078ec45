//! weft-pktgen on real veth pairs in network namespaces: the generator
//! sends exactly what it is asked to, the sink counts exactly what arrives,
//! the frames are the ones documented (checked against frames built here
//! with etherparse), and the reflector returns every frame unchanged.
//!
//! ```text
//!   netns g: wpg0 ──veth── wpg1 :netns d
//!   generator (tx)          sink, AF_PACKET capture, or reflector
//!   sink / capture  ◀────── (reflector test)
//! ```
//!
//! Namespaces are `weft-wpg-<test>-<pid>`; links are `wpg0`/`wpg1` inside
//! them. IPv6 is off in both, so nothing but the test's frames crosses.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::{Child, Netns, privileged, veth};
use dataplane::wire::EthernetAddress;
use etherparse::{IpHeaders, Ipv4Header, PacketBuilder};
use nix::sys::socket::{
    AddressFamily, LinkAddr, SockFlag, SockProtocol, SockType, recvfrom, setsockopt, socket,
    sockopt,
};
use nix::sys::time::TimeVal;
use pktgen::Event;
use pktgen::generator::{GenConfig, GenReport, Generator};
use pktgen::reflect::ReflectReport;
use pktgen::sink::{Count, Sink, SinkFilter, SinkReport};
use pktgen::template::TemplateSpec;
use std::os::fd::{AsRawFd, OwnedFd};

const BIN: &str = env!("CARGO_BIN_EXE_weft-pktgen");
const GEN_MAC: &str = "02:00:00:00:00:01";

/// `--version` is the build information (`pktgen/build.rs`), `--help` a
/// man page's sections and every option's default. No root needed.
#[test]
fn version_and_help() {
    let out = std::process::Command::new(BIN)
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        buildinfo::without_date(&String::from_utf8_lossy(&out.stdout)),
        buildinfo::without_date(&format!(
            "weft-pktgen {}\n",
            buildinfo::build_info!().clap_long_version()
        ))
    );
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "Exit status:",
        "See also:",
        "gen",
        "sink",
        "reflect",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    for sub in ["gen", "sink", "reflect", "report"] {
        let out = std::process::Command::new(BIN)
            .args([sub, "--help"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8_lossy(&out.stdout);
        // Every optional option says its default; the required ones are
        // in the usage line.
        let mut option: Option<String> = None;
        let mut body = String::new();
        let check = |option: &Option<String>, body: &str| {
            if let Some(o) = option
                && !o.contains("--help")
                && !o.contains("--version")
                && !["--dev", "--dst-mac", "--csv", "--rewrite-dst-ip"]
                    .iter()
                    .any(|r| o.starts_with(r))
            {
                assert!(body.contains("[default: "), "{sub} {o}: {body}");
            }
        };
        for line in help.lines().skip_while(|l| *l != "Options:").skip(1) {
            if let Some(flag) = line.strip_prefix("      --").or(line.strip_prefix("  -")) {
                check(&option, &body);
                option = Some(format!("--{flag}"));
                body = line.to_string();
            } else {
                body.push_str(line);
            }
        }
        check(&option, &body);
    }
}

/// Two namespaces joined by a veth pair `wpg0` (g) ↔ `wpg1` (d), IPv6 off
/// so that nothing but the test's own frames crosses the link.
fn pair(test: &str) -> (Netns, Netns) {
    let g = Netns::new(&format!("wpg-{test}-g"));
    let d = Netns::new(&format!("wpg-{test}-d"));
    g.disable_ipv6();
    d.disable_ipv6();
    veth(&g, "wpg0", &d, "wpg1");
    g.ip(&["link", "set", "wpg0", "address", GEN_MAC]);
    (g, d)
}

/// Runs `weft-pktgen gen` in `ns`; returns its summary.
fn gen_cli(ns: &Netns, args: &[&str]) -> GenReport {
    let mut cmd = vec![BIN, "gen", "--dev", "wpg0"];
    cmd.extend_from_slice(args);
    let out = ns.exec_ok(&cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().expect("a summary line");
    let e: Event<GenReport> = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(e.event, "summary");
    e.body
}

/// What the generator must send for `flow`, built with etherparse from the
/// documented header layout (docs/pktgen.md), independently of
/// `pktgen::template`.
fn expected_frame(dst_mac: [u8; 6], vni: u32, inner_size: usize, flow: u16) -> Vec<u8> {
    let ipv4 = |src, dst| {
        IpHeaders::Ipv4(
            Ipv4Header {
                source: src,
                destination: dst,
                time_to_live: 64,
                dont_fragment: false,
                ..Default::default()
            },
            Default::default(),
        )
    };
    let payload: Vec<u8> = (0..inner_size - 42).map(|i| i as u8).collect();
    let mut inner = Vec::new();
    PacketBuilder::ethernet2([0x0a, 0, 0, 0, 1, 1], [0x0a, 0, 0, 0, 2, 2])
        .ip(ipv4([10, 100, 0, 1], [10, 100, 0, 2]))
        .udp(10000 + flow, 5001)
        .write(&mut inner, &payload)
        .unwrap();
    let mut vxlan = vec![0x08, 0, 0, 0];
    vxlan.extend_from_slice(&(vni << 8).to_be_bytes());
    vxlan.extend_from_slice(&inner);
    let mut outer = Vec::new();
    let src_mac: EthernetAddress = GEN_MAC.parse().unwrap();
    PacketBuilder::ethernet2(src_mac.0, dst_mac)
        .ip(ipv4([10, 99, 0, 1], [10, 99, 0, 3]))
        .udp(32768 + flow, 4789)
        .write(&mut outer, &vxlan)
        .unwrap();
    outer
}

/// An AF_PACKET socket receiving every frame of the calling thread's
/// namespace, with a receive timeout.
fn capture_socket() -> OwnedFd {
    let fd = socket(
        AddressFamily::Packet,
        SockType::Raw,
        SockFlag::empty(),
        SockProtocol::EthAll,
    )
    .expect("AF_PACKET socket");
    setsockopt(
        &fd,
        sockopt::ReceiveTimeout,
        &TimeVal::new(0, 200_000), // 200 ms
    )
    .unwrap();
    fd
}

/// Frames received on `fd` (not sent from this namespace) until a receive
/// times out.
fn captured(fd: &OwnedFd) -> Vec<Vec<u8>> {
    const PACKET_OUTGOING: u8 = 4;
    let mut frames = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok((n, from)) = recvfrom::<LinkAddr>(fd.as_raw_fd(), &mut buf) {
        if from.is_some_and(|a| a.pkttype() != PACKET_OUTGOING) {
            frames.push(buf[..n].to_vec());
        }
    }
    frames
}

fn mac_bytes(mac: &str) -> [u8; 6] {
    mac.parse::<EthernetAddress>().unwrap().0
}

/// The library generator sends exactly `count` frames at 1000 pps and the
/// sink on the far side counts exactly those, to the byte.
#[test]
fn generator_sends_exactly_count_and_sink_counts_them() {
    if !privileged("pktgen::generator_sends_exactly_count_and_sink_counts_them") {
        return;
    }
    let (g, d) = pair("cnt");
    let dst: EthernetAddress = d.mac("wpg1").parse().unwrap();
    let sink = {
        let _in = d.enter();
        Sink::attach_dev("wpg1", &SinkFilter::vxlan(11)).unwrap()
    };
    assert!(d.has_xdp("wpg1"));

    let spec = TemplateSpec {
        flows: 4,
        ..TemplateSpec::koko(GEN_MAC.parse().unwrap(), dst)
    };
    let config = GenConfig {
        rate: 1000,
        count: Some(500),
        ..GenConfig::new("wpg0", spec)
    };
    let report = {
        let _in = g.enter();
        let mut generator = Generator::open(&config).unwrap();
        assert!(!generator.zero_copy(), "veth has no AF_XDP zero-copy");
        generator.run(&AtomicBool::new(false)).unwrap()
    };
    assert_eq!(report.posted, 500);
    assert_eq!(report.sent, 500);
    assert_eq!(report.tx_errors, 0);
    assert_eq!(report.tx_invalid_descs, 0);
    // 500 frames at 1000 pps: the last is due at 0.499 s.
    assert!(
        (0.45..1.5).contains(&report.seconds),
        "took {} s",
        report.seconds
    );

    // The sink's counter is read on the CPU that ran XDP: wait for the last
    // frame to land.
    let mut c = sink.counters().unwrap();
    for _ in 0..50 {
        if c.matched.packets >= 500 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        c = sink.counters().unwrap();
    }
    assert_eq!(
        c.matched,
        Count {
            packets: 500,
            bytes: 500 * 110
        }
    );
    assert_eq!(c.other, Count::default(), "nothing else crossed the link");
    {
        let _in = d.enter();
        sink.detach().unwrap();
    }
    assert!(!d.has_xdp("wpg1"), "the sink detached");
}

/// The frames on the wire are byte for byte the documented ones, flows
/// cycle 0, 1, 2, 3, 0, ... and vary the outer and inner source ports.
#[test]
fn captured_frames_match_independently_built_frames() {
    if !privileged("pktgen::captured_frames_match_independently_built_frames") {
        return;
    }
    let (g, d) = pair("cap");
    let dst = d.mac("wpg1");
    let fd = {
        let _in = d.enter();
        capture_socket()
    };
    let report = gen_cli(
        &g,
        &[
            "--dst-mac",
            &dst,
            "--inner-size",
            "512",
            "--flows",
            "4",
            "--rate",
            "1000",
            "--count",
            "8",
        ],
    );
    assert_eq!((report.posted, report.sent), (8, 8));
    assert_eq!(report.frames.frame_len, 562);
    let frames = captured(&fd);
    assert_eq!(frames.len(), 8, "captured {} frames", frames.len());
    for (k, f) in frames.iter().enumerate() {
        let flow = (k % 4) as u16;
        let want = expected_frame(mac_bytes(&dst), 11, 512, flow);
        assert_eq!(f.len(), 562);
        assert!(
            *f == want,
            "frame {k} (flow {flow}) differs:\n got {f:02x?}\nwant {want:02x?}"
        );
        assert_eq!(u16::from_be_bytes([f[34], f[35]]), 32768 + flow);
        assert_eq!(u16::from_be_bytes([f[84], f[85]]), 10000 + flow);
    }
}

/// Starts `weft-pktgen ARGS` in `ns` and waits for its `ready` line;
/// returns the child and its remaining stdout lines.
fn start_ready(
    ns: &Netns,
    args: &[&str],
) -> (Child, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut cmd = vec![BIN];
    cmd.extend_from_slice(args);
    let mut child = ns
        .command(&cmd)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let child = Child(child);
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines
        .next()
        .unwrap_or_else(|| panic!("{cmd:?} exited before it was ready"))
        .unwrap();
    let e: Event<serde_json::Value> = serde_json::from_str(&ready).unwrap();
    assert_eq!(e.event, "ready", "{ready}");
    (child, lines)
}

/// The last line of `lines` (after the child exits), parsed as a summary.
fn summary<T: serde::de::DeserializeOwned>(
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
) -> T {
    let last = lines.map(Result::unwrap).last().expect("a summary line");
    let e: Event<T> = serde_json::from_str(&last).unwrap_or_else(|e| panic!("{e}: {last}"));
    assert_eq!(e.event, "summary", "{last}");
    e.body
}

/// The sink's VNI filter counts only its VNI as matched and the rest as
/// other; SIGTERM prints the summary and detaches (the CLI path of both
/// tools).
#[test]
fn sink_filter_separates_vnis() {
    if !privileged("pktgen::sink_filter_separates_vnis") {
        return;
    }
    let (g, d) = pair("vni");
    let dst = d.mac("wpg1");
    let (sink, lines) = start_ready(
        &d,
        &[
            "sink",
            "--dev",
            "wpg1",
            "--vni",
            "12",
            "--pass-other",
            "--interval",
            "0",
            "--json",
        ],
    );
    assert!(d.has_xdp("wpg1"));
    for (vni, count, size) in [("11", "100", "60"), ("12", "50", "1400"), ("13", "7", "60")] {
        let r = gen_cli(
            &g,
            &[
                "--dst-mac",
                &dst,
                "--vni",
                vni,
                "--count",
                count,
                "--inner-size",
                size,
                "--rate",
                "5000",
            ],
        );
        assert_eq!(r.sent.to_string(), count);
    }
    std::thread::sleep(Duration::from_millis(100));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sink.0.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let r: SinkReport = summary(lines);
    assert_eq!(
        r.filter,
        "vxlan vni 12 port 4789, others passed to the kernel"
    );
    assert_eq!(
        r.total.matched,
        Count {
            packets: 50,
            bytes: 50 * 1450
        }
    );
    assert_eq!(
        r.total.other,
        Count {
            packets: 107,
            bytes: 107 * 110
        }
    );
    drop(sink);
    assert!(!d.has_xdp("wpg1"), "the sink detached on SIGTERM");
}

/// gen -> reflector -> sink: the reflector (weft's AF_XDP driver) returns
/// exactly every frame, unchanged.
#[test]
fn reflector_returns_every_frame_unchanged() {
    if !privileged("pktgen::reflector_returns_every_frame_unchanged") {
        return;
    }
    let (g, d) = pair("rfl");
    let dst = d.mac("wpg1");
    let reflect = |count: &str| {
        start_ready(
            &d,
            &[
                "reflect",
                "--dev",
                "wpg1",
                "--core",
                "1",
                "--count",
                count,
                "--duration",
                "30",
                "--ring-size",
                "512",
                "--buffers",
                "2048",
            ],
        )
    };

    // 500 frames at 1000 pps, counted by the sink on the generator side.
    let (reflector, lines) = reflect("500");
    assert!(d.has_xdp("wpg1"));
    let sink = {
        let _in = g.enter();
        Sink::attach_dev("wpg0", &SinkFilter::vxlan(11)).unwrap()
    };
    let r = gen_cli(
        &g,
        &[
            "--dst-mac",
            &dst,
            "--flows",
            "4",
            "--rate",
            "1000",
            "--count",
            "500",
        ],
    );
    assert_eq!(r.sent, 500);
    let back: ReflectReport = summary(lines);
    drop(reflector);
    assert_eq!((back.received, back.sent, back.tx_errors), (500, 500, 0));
    assert!(!d.has_xdp("wpg1"), "the reflector detached at exit");
    let c = sink.counters().unwrap();
    assert_eq!(
        c.matched,
        Count {
            packets: 500,
            bytes: 500 * 110
        }
    );
    assert_eq!(c.other, Count::default());
    {
        let _in = g.enter();
        sink.detach().unwrap();
    }

    // The same path without the sink: the frames that come back are the
    // ones sent.
    let (reflector, lines) = reflect("8");
    let fd = {
        let _in = g.enter();
        capture_socket()
    };
    let r = gen_cli(
        &g,
        &[
            "--dst-mac",
            &dst,
            "--flows",
            "4",
            "--rate",
            "1000",
            "--count",
            "8",
            "--inner-size",
            "512",
        ],
    );
    assert_eq!(r.sent, 8);
    let back: ReflectReport = summary(lines);
    drop(reflector);
    assert_eq!((back.received, back.sent), (8, 8));
    let frames = captured(&fd);
    assert_eq!(frames.len(), 8, "captured {} frames", frames.len());
    for (k, f) in frames.iter().enumerate() {
        let want = expected_frame(mac_bytes(&dst), 11, 512, (k % 4) as u16);
        assert!(
            *f == want,
            "frame {k} changed:\n got {f:02x?}\nwant {want:02x?}"
        );
    }
}

/// The sink with a rewrite is a bare XDP cross-connect (benches/e2e.sh's
/// bound): each matched frame comes back, and only those, as the frame a
/// cross-connect to VNI 12 at 10.99.0.2 sends: Ethernet addresses swapped,
/// destination and VNI replaced, a valid IPv4 checksum, UDP checksum 0.
#[test]
fn rewriting_sink_sends_the_cross_connected_frame() {
    if !privileged("pktgen::rewriting_sink_sends_the_cross_connected_frame") {
        return;
    }
    let (g, d) = pair("rwr");
    let dst = d.mac("wpg1");
    // XDP_TX on a veth reaches a peer with an XDP program (a GRO-only
    // peer's NAPI is not woken by it): a sink on wpg0 passing every frame
    // on to the capture.
    let g_sink = {
        let _in = g.enter();
        Sink::attach_dev("wpg0", &SinkFilter::vxlan(99).pass_other(true)).unwrap()
    };
    let filter = SinkFilter::vxlan(11).rewrite(Some(pktgen::sink::Rewrite {
        vni: 12,
        dst_ip: [10, 99, 0, 2].into(),
    }));
    let sink = {
        let _in = d.enter();
        Sink::attach_dev("wpg1", &filter).unwrap()
    };
    let fd = {
        let _in = g.enter();
        capture_socket()
    };
    // Eight VNI 11 frames and four of VNI 13, which are not matched.
    for (vni, count) in [("11", "8"), ("13", "4")] {
        let r = gen_cli(
            &g,
            &[
                "--dst-mac",
                &dst,
                "--vni",
                vni,
                "--flows",
                "4",
                "--rate",
                "1000",
                "--count",
                count,
                "--inner-size",
                "60",
            ],
        );
        assert_eq!(r.sent, count.parse::<u64>().unwrap());
    }
    let frames = captured(&fd);
    let c = sink.counters().unwrap();
    assert_eq!((c.matched.packets, c.other.packets), (8, 4));
    assert_eq!(g_sink.counters().unwrap().other.packets, 8);
    {
        let _in = d.enter();
        sink.detach().unwrap();
    }
    {
        let _in = g.enter();
        g_sink.detach().unwrap();
    }
    assert_eq!(frames.len(), 8, "captured {} frames", frames.len());
    for (k, f) in frames.iter().enumerate() {
        let mut want = expected_frame(mac_bytes(&dst), 12, 60, (k % 4) as u16);
        let (dmac, smac) = (want[0..6].to_vec(), want[6..12].to_vec());
        want[0..6].copy_from_slice(&smac);
        want[6..12].copy_from_slice(&dmac);
        want[30..34].copy_from_slice(&[10, 99, 0, 2]);
        let mut ip = Ipv4Header::from_slice(&want[14..34]).unwrap().0;
        ip.header_checksum = ip.calc_header_checksum();
        want[24..26].copy_from_slice(&ip.header_checksum.to_be_bytes());
        want[40..42].copy_from_slice(&[0, 0]);
        assert!(*f == want, "frame {k}:\n got {f:02x?}\nwant {want:02x?}");
    }
}
