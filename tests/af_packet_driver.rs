//! The AF_PACKET driver on a real veth pair between two namespaces: weft's
//! socket on `pa0` in netns `a`, the peer `pb0` in netns `b` (the kernel,
//! with its tx checksum offload and TSO left on, and a plain AF_PACKET
//! socket to see what was sent).
//!
//! ```text
//!   netns a: pa0 ── AfPacketSocket            netns b: pb0 (10.99.7.2)
//!            (10.99.7.1 only for the TCP test)        RawSocket, kernel sockets
//! ```

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::rawsock::{PACKET_OUTGOING, RawSocket};
use common::{Netns, privileged, veth};
use etherparse::{Ipv4Header, SlicedPacket, TcpHeader, TransportSlice, UdpHeader};
use nix::poll::{PollFd, PollFlags, poll};
use weft::dataplane::io::af_packet::{
    AfPacketSocket, Config, Counter, HostIf, Options, STATS_INTERVAL, Version,
};
use weft::dataplane::pool::{Pool, PoolCache, PoolConfig};
use weft::dataplane::port::Port;

/// The MAC weft would use on the interface (VPP's 02:fe prefix).
const WEFT_MAC: &str = "02:fe:00:00:00:01";
const WEFT_MAC_BYTES: [u8; 6] = [0x02, 0xfe, 0, 0, 0, 1];

fn pool() -> Arc<Pool> {
    Pool::new(PoolConfig {
        buffers: 4096,
        ..PoolConfig::default()
    })
    .unwrap()
}

/// Two namespaces joined by pa0 (a) — pb0 (b), IPv6 off so that nothing
/// but the test's traffic crosses the link; b has 10.99.7.2/24 and knows
/// 10.99.7.1 as weft's MAC.
fn pair(prefix: &str) -> (Netns, Netns) {
    let a = Netns::new(&format!("{prefix}-a"));
    let b = Netns::new(&format!("{prefix}-b"));
    a.disable_ipv6();
    b.disable_ipv6();
    veth(&a, "pa0", &b, "pb0");
    b.ip(&["addr", "add", "10.99.7.2/24", "dev", "pb0"]);
    (a, b)
}

fn weft_neighbour(b: &Netns, ip: &str, dev: &str) {
    b.ip(&["neigh", "replace", ip, "lladdr", WEFT_MAC, "dev", dev]);
}

fn open(a: &Netns, pool: &Arc<Pool>, options: &Options) -> AfPacketSocket {
    let config = Config::new(HostIf::Name("pa0".into()), options).unwrap();
    let _inside = a.enter();
    AfPacketSocket::open(pool, &config).unwrap()
}

/// One rx call; the frames copied out, the buffers freed.
fn rx_once(s: &mut AfPacketSocket, cache: &mut PoolCache) -> Vec<Vec<u8>> {
    let mut bufs = Vec::new();
    let r = s.rx(cache, &mut bufs, 256, 1);
    assert_eq!(r.received, bufs.len());
    let pool = cache.pool().clone();
    let v = bufs.iter().map(|b| pool.data(b).to_vec()).collect();
    cache.free_all(&mut bufs);
    v
}

/// Frames received until `n` matching `keep` arrived or `timeout` passed.
fn collect(
    s: &mut AfPacketSocket,
    cache: &mut PoolCache,
    n: usize,
    timeout: Duration,
    keep: impl Fn(&[u8]) -> bool,
) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        let got = rx_once(s, cache);
        if got.is_empty() {
            std::thread::sleep(Duration::from_micros(200));
        }
        out.extend(got.into_iter().filter(|f| keep(f)));
    }
    out
}

/// Frames the peer's host sent on its socket's interface.
fn outgoing(raw: &RawSocket, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        match raw.try_recv() {
            Some((f, t)) if t == PACKET_OUTGOING => out.push(f),
            Some(_) => {}
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    out
}

fn is_udp_to(f: &[u8], port: u16) -> bool {
    matches!(
        SlicedPacket::from_ethernet(f).ok().and_then(|p| p.transport),
        Some(TransportSlice::Udp(u)) if u.destination_port() == port
    )
}

/// The UDP checksum of an untagged IPv4 frame is right.
fn udp_checksum_ok(f: &[u8], ip_off: usize) -> bool {
    let (ip, rest) = Ipv4Header::from_slice(&f[ip_off..]).unwrap();
    let (u, pl) = UdpHeader::from_slice(rest).unwrap();
    u.checksum
        == u.calc_checksum_ipv4(&ip, &pl[..u.length as usize - 8])
            .unwrap()
}

/// Runs `f` on a thread inside `ns`.
fn in_ns<T: Send + 'static>(
    ns: &Netns,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let path = format!("/run/netns/{}", ns.name());
    std::thread::spawn(move || {
        let target = std::fs::File::open(&path).unwrap();
        nix::sched::setns(&target, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        f()
    })
}

fn udp_send(ns: &Netns, from: &str, to: &str, payload: Vec<u8>) {
    let (from, to): (SocketAddr, SocketAddr) = (from.parse().unwrap(), to.parse().unwrap());
    in_ns(ns, move || {
        let s = UdpSocket::bind(from).unwrap();
        s.send_to(&payload, to).unwrap();
    })
    .join()
    .unwrap();
}

/// (a) frames the peer's kernel sends arrive byte for byte, the partial
/// UDP checksum veth leaves completed; (d) the host's own transmissions on
/// the interface are not received.
#[test]
fn kernel_frames_arrive_complete_and_own_transmissions_do_not() {
    if !privileged("af_packet_driver::kernel_frames_arrive_complete_and_own_transmissions_do_not") {
        return;
    }
    let (a, b) = pair("apk-rx");
    weft_neighbour(&b, "10.99.7.1", "pb0");
    let pool = pool();
    let mut cache = pool.cache();
    let mut s = open(&a, &pool, &Options::default());
    let raw = {
        let _inside = b.enter();
        RawSocket::open("pb0")
    };

    // Nothing waiting: the socket is not readable.
    let readable = |s: &AfPacketSocket, ms: u16| {
        let fd = s.wait_fd().expect("a wake-up descriptor");
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        poll(&mut fds, ms).unwrap() == 1
    };
    assert!(!readable(&s, 0));

    // UDP, odd length: veth leaves the checksum partial.
    let payload: Vec<u8> = (0..333u32).map(|i| (i * 13) as u8).collect();
    udp_send(&b, "10.99.7.2:4000", "10.99.7.1:9999", payload.clone());
    // The block is retired within its timeout and wakes a sleeper.
    assert!(readable(&s, 1000), "POLLIN after a frame arrived");
    let sent = outgoing(&raw, 1, Duration::from_secs(2));
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert!(
        !udp_checksum_ok(sent, 14),
        "veth should leave the checksum partial"
    );
    let got = collect(&mut s, &mut cache, 1, Duration::from_secs(2), |f| {
        is_udp_to(f, 9999)
    });
    assert_eq!(got.len(), 1);
    let got = &got[0];
    assert_eq!(
        &got[..14],
        &WEFT_MAC_BYTES
            .iter()
            .chain(&sent[6..14])
            .copied()
            .collect::<Vec<_>>()[..]
    );
    assert_eq!(got.len(), sent.len());
    assert_eq!(&got[..40], &sent[..40], "all but the UDP checksum as sent");
    assert_eq!(&got[42..], &sent[42..]);
    assert_eq!(&got[42..], &payload[..]);
    assert!(udp_checksum_ok(got, 14), "UDP checksum completed");
    assert_eq!(s.counters().get(Counter::ChecksumsCompleted), 1);

    // ICMP echo (checksummed by the sender): byte for byte.
    let ping = b.exec(&["ping", "-c", "1", "-W", "1", "-s", "101", "10.99.7.1"]);
    let _ = ping; // no reply: nothing answers for weft here
    let sent = outgoing(&raw, 1, Duration::from_secs(2));
    let got = collect(&mut s, &mut cache, 1, Duration::from_secs(2), |f| {
        f.len() > 23 && f[12..14] == [8, 0] && f[23] == 1
    });
    assert_eq!((sent.len(), got.len()), (1, 1));
    assert_eq!(got[0], sent[0], "ICMP echo byte for byte");

    // (d) The host of pa0 transmits on it (an ARP exchange, then the
    // datagram): b sees the frames, weft none of them.
    a.ip(&["addr", "add", "10.99.7.1/24", "dev", "pa0"]);
    let host_mac = mac_bytes(&a.mac("pa0"));
    udp_send(&a, "10.99.7.1:5000", "10.99.7.2:5001", vec![7; 100]);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut seen_by_peer = Vec::new();
    while !seen_by_peer.iter().any(|f: &Vec<u8>| is_udp_to(f, 5001)) && Instant::now() < deadline {
        seen_by_peer.extend(raw.collect_incoming(1, Duration::from_millis(100)));
    }
    assert!(
        seen_by_peer.iter().any(|f| is_udp_to(f, 5001)),
        "the host's datagram left pa0"
    );
    std::thread::sleep(Duration::from_millis(20));
    let got = collect(&mut s, &mut cache, 1, Duration::from_millis(200), |f| {
        f[6..12] == host_mac
    });
    assert!(
        got.is_empty(),
        "the host's own transmissions were received: {got:?}"
    );

    drop(s);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}

fn frame(dst: [u8; 6], src: [u8; 6], len: usize, tag: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(len);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&0x88b5u16.to_be_bytes()); // local experimental
    f.extend_from_slice(&tag.to_be_bytes());
    while f.len() < len {
        f.push((f.len() as u16 ^ tag) as u8);
    }
    f
}

fn mac_bytes(s: &str) -> [u8; 6] {
    let v: Vec<u8> = s
        .split(':')
        .map(|x| u8::from_str_radix(x, 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

/// (b) frames weft transmits arrive at the peer exactly, bursts of a whole
/// vector included, and weft does not receive its own frames.
#[test]
fn transmitted_frames_arrive_exactly() {
    if !privileged("af_packet_driver::transmitted_frames_arrive_exactly") {
        return;
    }
    for version in [Version::V3, Version::V2] {
        let (a, b) = pair(if version == Version::V3 {
            "apk-tx3"
        } else {
            "apk-tx2"
        });
        let peer = mac_bytes(&b.mac("pb0"));
        let pool = pool();
        let mut cache = pool.cache();
        let mut s = open(
            &a,
            &pool,
            &Options {
                version,
                ..Options::default()
            },
        );
        let raw = {
            let _inside = b.enter();
            RawSocket::open("pb0")
        };
        let mut want = Vec::new();
        for burst in 0..3u16 {
            let mut bufs = Vec::new();
            for i in 0..256u16 {
                let len = [60, 61, 1000, 1514][(i % 4) as usize];
                let dst = if i % 2 == 0 { peer } else { [0xff; 6] };
                let f = frame(dst, WEFT_MAC_BYTES, len, burst * 256 + i);
                let mut buf = cache.alloc().unwrap();
                assert!(pool.packet_mut(&mut buf).write(&f));
                bufs.push(buf);
                want.push(f);
            }
            let r = s.tx(&mut cache, &mut bufs);
            assert_eq!((r.sent, r.errors), (256, 0), "{version:?} burst {burst}");
            assert!(bufs.is_empty());
            // Let the peer's socket drain between bursts.
            std::thread::sleep(Duration::from_millis(20));
        }
        let got = raw.collect_incoming(want.len(), Duration::from_secs(3));
        assert_eq!(got.len(), want.len(), "{version:?}: every frame arrived");
        assert!(got == want, "{version:?}: frames arrive exactly, in order");
        assert_eq!(s.counters().get(Counter::TxRingFull), 0);
        // Weft's own frames never come back on its socket.
        let back = collect(&mut s, &mut cache, 1, Duration::from_millis(100), |f| {
            f.len() > 13 && f[12..14] == [0x88, 0xb5]
        });
        assert!(back.is_empty(), "{version:?}: weft received its own frames");
        drop(s);
        drop(cache);
        assert_eq!(pool.in_use(), 0, "buffers leaked");
    }
}

/// A TCP segment received by weft: (seq, payload, flags SYN).
fn tcp_segment(f: &[u8], port: u16) -> Option<(u32, Vec<u8>, bool)> {
    let p = SlicedPacket::from_ethernet(f).ok()?;
    let Some(TransportSlice::Tcp(t)) = p.transport else {
        return None;
    };
    if t.destination_port() != port {
        return None;
    }
    assert!(
        f.len() <= 1514,
        "a segment of {} bytes: not segmented",
        f.len()
    );
    let (ip, rest) = Ipv4Header::from_slice(&f[14..]).unwrap();
    assert_eq!(
        ip.header_checksum,
        ip.calc_header_checksum(),
        "IPv4 checksum"
    );
    assert_eq!(ip.total_len as usize, f.len() - 14);
    let (th, pl) = TcpHeader::from_slice(rest).unwrap();
    assert_eq!(
        th.checksum,
        th.calc_checksum_ipv4(&ip, pl).unwrap(),
        "TCP checksum"
    );
    Some((th.sequence_number, pl.to_vec(), th.syn))
}

/// A VXLAN segment received by weft: every header checked (outer IPv4
/// and UDP lengths and checksums, inner IPv4 and TCP), then as
/// [`tcp_segment`] for the inner frame.
fn vxlan_tcp_segment(f: &[u8], port: u16) -> Option<(u32, Vec<u8>, bool)> {
    if !is_udp_to(f, 4789) {
        return None;
    }
    assert!(
        f.len() <= 1514,
        "a VXLAN frame of {} bytes: not segmented",
        f.len()
    );
    let (outer, rest) = Ipv4Header::from_slice(&f[14..]).unwrap();
    assert_eq!(
        outer.header_checksum,
        outer.calc_header_checksum(),
        "outer IPv4 checksum"
    );
    assert_eq!(outer.total_len as usize, f.len() - 14);
    let (u, pl) = UdpHeader::from_slice(rest).unwrap();
    assert_eq!(u.length as usize, f.len() - 34, "outer UDP length");
    if u.checksum != 0 {
        assert_eq!(
            u.checksum,
            u.calc_checksum_ipv4(&outer, pl).unwrap(),
            "outer UDP checksum"
        );
    }
    assert_eq!(pl[0], 0x08, "VXLAN flags");
    tcp_segment(&pl[8..], port)
}

/// (c) a TCP stream of several MB from the peer's kernel (TSO on) arrives
/// as segments of at most the MTU with right checksums, whose payloads
/// put together are what was sent.
fn tcp_stream(prefix: &str, version: Version, bytes: usize, vxlan: bool) {
    let (a, b) = pair(prefix);
    a.ip(&["addr", "add", "10.99.7.1/24", "dev", "pa0"]);
    let server_ip = if vxlan {
        // The koko link: b's kernel vxlan device sends to a, whose own
        // vxlan device terminates the tunnel; weft's socket on pa0 sees
        // the encapsulated super-frames.
        b.ip(&[
            "link",
            "add",
            "tmp11",
            "type",
            "vxlan",
            "id",
            "11",
            "remote",
            "10.99.7.1",
            "dev",
            "pb0",
            "dstport",
            "4789",
            "learning",
            "l2miss",
            "l3miss",
            "ttl",
            "auto",
        ]);
        b.ip(&["link", "set", "tmp11", "up"]);
        b.ip(&["addr", "add", "10.100.7.2/24", "dev", "tmp11"]);
        a.ip(&[
            "link",
            "add",
            "vx11",
            "type",
            "vxlan",
            "id",
            "11",
            "remote",
            "10.99.7.2",
            "dev",
            "pa0",
            "dstport",
            "4789",
        ]);
        a.ip(&["link", "set", "vx11", "up"]);
        a.ip(&["addr", "add", "10.100.7.1/24", "dev", "vx11"]);
        Ipv4Addr::new(10, 100, 7, 1)
    } else {
        Ipv4Addr::new(10, 99, 7, 1)
    };
    let pool = pool();
    let mut cache = pool.cache();
    let mut s = open(
        &a,
        &pool,
        &Options {
            version,
            ..Options::default()
        },
    );
    let data: Arc<Vec<u8>> = Arc::new(
        (0..bytes as u64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect(),
    );
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let server = in_ns(&a, move || {
        let l = TcpListener::bind((server_ip, 5001)).unwrap();
        ready_tx.send(()).unwrap();
        let (mut c, _) = l.accept().unwrap();
        let mut got = Vec::new();
        c.read_to_end(&mut got).unwrap();
        got.len()
    });
    ready_rx.recv().unwrap();
    let d = data.clone();
    let started = Instant::now();
    let client = in_ns(&b, move || {
        let mut c = TcpStream::connect((server_ip, 5001)).unwrap();
        c.write_all(&d).unwrap();
    });
    let mut segs = Vec::new();
    let mut quiet = 0;
    while !(client.is_finished() && server.is_finished()) || quiet < 50 {
        let got = rx_once(&mut s, &mut cache);
        if got.is_empty() {
            quiet += 1;
            std::thread::sleep(Duration::from_micros(200));
        } else {
            quiet = 0;
        }
        segs.extend(got.iter().filter_map(|f| {
            if vxlan {
                vxlan_tcp_segment(f, 5001)
            } else {
                tcp_segment(f, 5001)
            }
        }));
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "stream stalled"
        );
    }
    let elapsed = started.elapsed();
    client.join().unwrap();
    assert_eq!(server.join().unwrap(), bytes);
    let isn = segs.iter().find(|s| s.2).expect("the SYN was received").0;
    let mut stream = vec![0u8; bytes];
    let mut have = vec![false; bytes];
    for (seq, pl, _) in &segs {
        let off = seq.wrapping_sub(isn.wrapping_add(1)) as usize;
        if pl.is_empty() || off >= bytes {
            continue;
        }
        stream[off..off + pl.len()].copy_from_slice(pl);
        have[off..off + pl.len()].fill(true);
    }
    let missing = have.iter().filter(|h| !**h).count();
    let c = s.counters();
    eprintln!(
        "{version:?}{}: {} segments, {} GSO super-frames → {} segments, {} checksums completed, {:.0} Mbit/s through the test",
        if vxlan { " vxlan" } else { "" },
        segs.len(),
        c.get(Counter::GsoFrames),
        c.get(Counter::Segments),
        c.get(Counter::ChecksumsCompleted),
        bytes as f64 * 8.0 / elapsed.as_secs_f64() / 1e6
    );
    assert_eq!(missing, 0, "{missing} stream bytes never received");
    assert!(stream == *data, "the segments' payloads are the stream");
    assert!(c.get(Counter::GsoFrames) > 0, "no GSO super-frame seen");
    assert!(c.get(Counter::Segments) > c.get(Counter::GsoFrames));
    drop(s);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}

#[test]
fn tcp_stream_is_segmented() {
    if !privileged("af_packet_driver::tcp_stream_is_segmented") {
        return;
    }
    tcp_stream("apk-tcp3", Version::V3, 6 << 20, false);
}

#[test]
fn tcp_stream_is_segmented_v2() {
    if !privileged("af_packet_driver::tcp_stream_is_segmented_v2") {
        return;
    }
    tcp_stream("apk-tcp2", Version::V2, 2 << 20, false);
}

/// The same through the kernel's VXLAN (koko's link): the super-frames
/// are VXLAN-in-UDP-in-IPv4 with the TCP inside.
#[test]
fn vxlan_tcp_stream_is_segmented() {
    if !privileged("af_packet_driver::vxlan_tcp_stream_is_segmented") {
        return;
    }
    tcp_stream("apk-vxlan", Version::V3, 4 << 20, true);
}

/// (e) a tagged frame arrives with its tag back in place: from a kernel
/// vlan device on the peer, and injected raw (priority bits, 802.1ad).
#[test]
fn vlan_tags_are_restored() {
    if !privileged("af_packet_driver::vlan_tags_are_restored") {
        return;
    }
    let (a, b) = pair("apk-vlan");
    let pool = pool();
    let mut cache = pool.cache();
    let mut s = open(&a, &pool, &Options::default());
    let raw = {
        let _inside = b.enter();
        RawSocket::open("pb0")
    };

    let vlan = b.exec(&[
        "ip", "link", "add", "link", "pb0", "name", "pb0.100", "type", "vlan", "id", "100",
    ]);
    if vlan.status.success() {
        b.ip(&["link", "set", "pb0.100", "up"]);
        b.ip(&["addr", "add", "10.99.8.2/24", "dev", "pb0.100"]);
        weft_neighbour(&b, "10.99.8.1", "pb0.100");
        let raw100 = {
            let _inside = b.enter();
            RawSocket::open("pb0.100")
        };
        udp_send(&b, "10.99.8.2:4000", "10.99.8.1:7777", vec![0x5a; 77]);
        let sent = outgoing(&raw100, 1, Duration::from_secs(2));
        assert_eq!(sent.len(), 1);
        let got = collect(&mut s, &mut cache, 1, Duration::from_secs(2), |f| {
            f.len() > 18 && f[12..16] == [0x81, 0x00, 0x00, 0x64]
        });
        assert_eq!(got.len(), 1, "tagged datagram received with its tag");
        let g = &got[0];
        let untagged: Vec<u8> = g[..12].iter().chain(&g[16..]).copied().collect();
        assert_eq!(untagged.len(), sent[0].len());
        assert_eq!(&untagged[..40], &sent[0][..40]);
        assert_eq!(&untagged[42..], &sent[0][42..]);
        assert!(udp_checksum_ok(g, 18), "checksum completed under the tag");
    } else {
        eprintln!(
            "no vlan devices here ({}): raw injection only",
            String::from_utf8_lossy(&vlan.stderr).trim()
        );
    }

    // Raw frames with in-band tags: the kernel strips the outer one into
    // tp_vlan_tci; weft puts it back, priority bits and TPID included.
    let peer = mac_bytes(&b.mac("pb0"));
    let mut tagged = [&WEFT_MAC_BYTES[..], &peer, &[0x81, 0x00, 0xa0, 0x64]].concat();
    tagged.extend(frame([0; 6], [0; 6], 100, 1)[12..].iter());
    let mut qinq = [
        &WEFT_MAC_BYTES[..],
        &peer,
        &[0x88, 0xa8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x08],
    ]
    .concat();
    qinq.extend(frame([0; 6], [0; 6], 100, 2)[12..].iter());
    raw.send(&tagged).unwrap();
    raw.send(&qinq).unwrap();
    let got = collect(&mut s, &mut cache, 2, Duration::from_secs(2), |f| {
        f.len() > 20 && (f[12..14] == [0x81, 0x00] || f[12..14] == [0x88, 0xa8])
    });
    assert_eq!(got, vec![tagged, qinq]);
    assert!(s.counters().get(Counter::VlanRestored) >= 2);
    drop(s);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}

/// (g) frames the kernel could not put in a full ring come back as
/// rx-miss, from PACKET_STATISTICS.
#[test]
fn ring_overrun_is_rx_miss() {
    if !privileged("af_packet_driver::ring_overrun_is_rx_miss") {
        return;
    }
    let (a, b) = pair("apk-miss");
    let pool = pool();
    let mut cache = pool.cache();
    // Two 8 KiB blocks: a handful of frames.
    let mut s = open(
        &a,
        &pool,
        &Options {
            rx_frames_per_block: Some(4),
            rx_blocks: Some(2),
            ..Options::default()
        },
    );
    let raw = {
        let _inside = b.enter();
        RawSocket::open("pb0")
    };
    const SENT: usize = 300;
    for i in 0..SENT {
        raw.send(&frame(WEFT_MAC_BYTES, [2, 0, 0, 0, 0, 2], 1000, i as u16))
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    let (mut received, mut miss) = (0, 0);
    for _ in 0..STATS_INTERVAL {
        let mut bufs = Vec::new();
        let r = s.rx(&mut cache, &mut bufs, 256, 1);
        received += r.received;
        miss += r.miss;
        cache.free_all(&mut bufs);
    }
    eprintln!("overrun: {received} received, {miss} rx-miss of {SENT}");
    assert!(miss > 0, "no rx-miss with a 16 KiB ring and {SENT} frames");
    assert_eq!(received + miss, SENT, "every frame received or missed");
    assert_eq!(s.counters().get(Counter::KernelDrops), miss as u64);
    assert_eq!(s.counters().get(Counter::KernelPackets), SENT as u64);
    drop(s);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}

/// Two rx queues in one fanout group share the flows of the interface.
#[test]
fn fanout_spreads_flows() {
    if !privileged("af_packet_driver::fanout_spreads_flows") {
        return;
    }
    let (a, b) = pair("apk-fan");
    weft_neighbour(&b, "10.99.7.1", "pb0");
    let pool = pool();
    let mut cache = pool.cache();
    let config = Config::new(
        HostIf::Name("pa0".into()),
        &Options {
            rx_queues: 2,
            ..Options::default()
        },
    )
    .unwrap();
    let mut socks = {
        let _inside = a.enter();
        AfPacketSocket::open_queues(&pool, &config).unwrap()
    };
    assert_eq!(socks.len(), 2);
    let group = socks[0].fanout_group().expect("in a fanout group");
    assert_eq!(socks[1].fanout_group(), Some(group));
    const FLOWS: u16 = 64;
    in_ns(&b, || {
        for i in 0..FLOWS {
            let s = UdpSocket::bind(("10.99.7.2", 20000 + i)).unwrap();
            s.send_to(&[i as u8; 50], "10.99.7.1:9").unwrap();
        }
    })
    .join()
    .unwrap();
    let mut per = [0usize; 2];
    let deadline = Instant::now() + Duration::from_secs(2);
    while per.iter().sum::<usize>() < FLOWS as usize && Instant::now() < deadline {
        for (q, s) in socks.iter_mut().enumerate() {
            per[q] += rx_once(s, &mut cache)
                .iter()
                .filter(|f| is_udp_to(f, 9))
                .count();
        }
    }
    assert_eq!(
        per.iter().sum::<usize>(),
        FLOWS as usize,
        "every flow received once: {per:?}"
    );
    assert!(per[0] > 0 && per[1] > 0, "both queues got flows: {per:?}");
    drop(socks);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}

/// With `cksum-gso-disable` there is no virtio-net header: frames are taken
/// as they are, a partial checksum stays partial; transmit still works.
#[test]
fn without_vnet_hdr_frames_are_taken_as_they_are() {
    if !privileged("af_packet_driver::without_vnet_hdr_frames_are_taken_as_they_are") {
        return;
    }
    let (a, b) = pair("apk-novnet");
    weft_neighbour(&b, "10.99.7.1", "pb0");
    let pool = pool();
    let mut cache = pool.cache();
    let mut s = open(
        &a,
        &pool,
        &Options {
            cksum_gso: false,
            ..Options::default()
        },
    );
    let raw = {
        let _inside = b.enter();
        RawSocket::open("pb0")
    };
    udp_send(&b, "10.99.7.2:4000", "10.99.7.1:9999", vec![1; 99]);
    let sent = outgoing(&raw, 1, Duration::from_secs(2));
    let got = collect(&mut s, &mut cache, 1, Duration::from_secs(2), |f| {
        is_udp_to(f, 9999)
    });
    assert_eq!((sent.len(), got.len()), (1, 1));
    assert_eq!(&got[0][6..], &sent[0][6..], "as it was handed over");
    assert!(
        !udp_checksum_ok(&got[0], 14),
        "partial checksum left partial"
    );
    assert_eq!(s.counters().get(Counter::ChecksumsCompleted), 0);
    let peer = mac_bytes(&b.mac("pb0"));
    let f = frame(peer, WEFT_MAC_BYTES, 200, 9);
    let mut buf = cache.alloc().unwrap();
    assert!(pool.packet_mut(&mut buf).write(&f));
    let mut bufs = vec![buf];
    assert_eq!(s.tx(&mut cache, &mut bufs).sent, 1);
    assert_eq!(raw.collect_incoming(1, Duration::from_secs(2)), vec![f]);
    drop(s);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}
