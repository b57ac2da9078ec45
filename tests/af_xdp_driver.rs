//! The AF_XDP driver on a real veth, with weft's steering program and the
//! real kernel VXLAN devices koko makes: the koko topology in miniature.
//!
//! ```text
//!  netns c1 (10.100.0.1) link1: vxlan VNI 11 ─┐           ┌─ netns w: veth wx0, weft 10.99.2.2
//!  netns c2 (10.100.0.2) link2: vxlan VNI 12 ─┴ netns u ──┘   (AF_XDP + weft_xdp, worker thread)
//!                                     underlay va 10.99.2.1
//! ```
//!
//! Both vxlan devices live in the underlay netns `u` (distinct VNIs), made
//! with the `ip` commands of shared/KOKO.md, then moved into the containers.

mod common;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Netns, privileged, veth_single_queue};
use weft::control::{Config, VxlanArgs};
use weft::dataplane::io::af_xdp::{AfXdpSocket, SocketConfig};
use weft::dataplane::io::xdp_prog::{XdpProgram, attached};
use weft::dataplane::nodes::standard_graph;
use weft::dataplane::pool::{Pool, PoolConfig};
use weft::dataplane::stats::IfCounter;
use weft::dataplane::tables::new_handle;
use weft::dataplane::wire::EthernetAddress;
use weft::dataplane::worker::Worker;

const WEFT: Ipv4Addr = Ipv4Addr::new(10, 99, 2, 2);
const UNDERLAY: Ipv4Addr = Ipv4Addr::new(10, 99, 2, 1);

fn link_info(ns: &Netns, dev: &str) -> (u32, EthernetAddress) {
    let out = ns.ip(&["-o", "link", "show", dev]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let ifindex: u32 = text.split(':').next().unwrap().trim().parse().unwrap();
    let mac = text
        .split("link/ether ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (ifindex, mac)
}

/// Creates a koko vxlan link in the underlay and moves it into a container.
fn koko_link(u: &Netns, c: &Netns, tmp: &str, link: &str, vni: &str, addr: &str) {
    u.ip(&[
        "link",
        "add",
        tmp,
        "type",
        "vxlan",
        "id",
        vni,
        "remote",
        "10.99.2.2",
        "dev",
        "va",
        "dstport",
        "4789",
        "learning",
        "l2miss",
        "l3miss",
        "ttl",
        "auto",
    ]);
    u.ip(&["link", "set", tmp, "netns", c.name()]);
    c.ip(&["link", "set", tmp, "name", link]);
    c.ip(&["link", "set", link, "up"]);
    c.ip(&["addr", "add", addr, "brd", "+", "dev", link]);
}

#[test]
fn containers_ping_through_weft_over_af_xdp() {
    if !privileged("af_xdp_driver::containers_ping_through_weft_over_af_xdp") {
        return;
    }
    let u = Netns::new("axd-u");
    let w = Netns::new("axd-w");
    let c1 = Netns::new("axd-c1");
    let c2 = Netns::new("axd-c2");
    veth_single_queue(&u, "va", &w, "wx0");
    u.ip(&["addr", "add", "10.99.2.1/24", "dev", "va"]);
    let (ifindex, wx0_mac) = link_info(&w, "wx0");
    let (_, va_mac) = link_info(&u, "va");
    // weft answers no ARP yet: the underlay knows weft's MAC statically.
    u.ip(&[
        "neigh",
        "add",
        "10.99.2.2",
        "lladdr",
        &wx0_mac.to_string(),
        "dev",
        "va",
    ]);
    koko_link(&u, &c1, "tmp11", "link1", "11", "10.100.0.1/24");
    koko_link(&u, &c2, "tmp12", "link2", "12", "10.100.0.2/24");

    // weft: pool, configuration through the control backend, worker.
    let pool = Pool::new(PoolConfig {
        buffers: 4096,
        ..PoolConfig::default()
    })
    .unwrap();
    let handle = new_handle();
    let mut config = Config::new(handle.clone());
    let (uplink, _unused_pg_port, _pg) = config.create_pg_interface("wx0/0").unwrap();
    config.set_interface_mac(uplink, wx0_mac).unwrap();
    config.add_del_ip4_address(uplink, WEFT, 24, false).unwrap();
    config.set_interface_state(uplink, true).unwrap();
    config
        .add_del_neighbor(uplink, UNDERLAY, va_mac, true, false)
        .unwrap();
    let tunnel = |vni| VxlanArgs {
        src: Some(WEFT.into()),
        dst: Some(UNDERLAY.into()),
        vni: Some(vni),
        ..VxlanArgs::default()
    };
    let t0 = config.vxlan_add_del(&tunnel(11)).unwrap().unwrap();
    let t1 = config.vxlan_add_del(&tunnel(12)).unwrap().unwrap();
    config.set_l2_xconnect(t0, t1).unwrap();
    config.set_l2_xconnect(t1, t0).unwrap();

    let (prog, socket) = {
        let _inside = w.enter();
        let prog = XdpProgram::attach(ifindex).unwrap();
        let socket = AfXdpSocket::open(&pool, &SocketConfig::new("wx0")).unwrap();
        prog.set_socket(0, socket.fd()).unwrap();
        prog.add_address(WEFT).unwrap();
        (prog, socket)
    };
    assert!(!socket.zero_copy(), "veth has no zero-copy");
    let mut worker = Worker::new(&pool, standard_graph(&["af_xdp-input"]), handle);
    worker.ports_mut().insert(uplink, Box::new(socket));
    let stats = worker.stats().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let forwarder = std::thread::spawn(move || {
        while !stop2.load(Ordering::Relaxed) {
            if worker.poll() == 0 {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
        }
        worker
    });

    let ping = c1.exec(&["ping", "-c", "3", "-i", "0.2", "-W", "2", "10.100.0.2"]);
    let back = c2.exec(&["ping", "-c", "2", "-i", "0.2", "-W", "2", "10.100.0.1"]);
    // Host traffic on the same interface is untouched: the underlay can
    // still reach an address of wx0 that weft does not own.
    w.ip(&["addr", "add", "10.99.2.9/24", "dev", "wx0"]);
    let host = u.exec(&["ping", "-c", "1", "-W", "2", "10.99.2.9"]);

    // Stop steering, then let the worker drain what was already steered:
    // a late frame (an ARP refresh, a retransmit) may be in the RX ring.
    // The program counts a frame before its map lookup, so a frame arriving
    // while the socket is being removed is counted but may fall back to
    // XDP_PASS: everything counted before clearing must arrive, and nothing
    // beyond what was counted by the time the map change has settled.
    let (before, _) = prog.stats().unwrap();
    prog.clear_socket(0).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let (redirected, passed) = prog.stats().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while stats.interfaces.get(uplink, IfCounter::RxPackets) < before
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    let worker = forwarder.join().unwrap();
    assert!(
        ping.status.success(),
        "c1 -> c2 through weft: {}",
        String::from_utf8_lossy(&ping.stdout)
    );
    assert!(
        back.status.success(),
        "c2 -> c1: {}",
        String::from_utf8_lossy(&back.stdout)
    );
    assert!(host.status.success(), "host traffic on wx0 broken");
    assert!(
        passed >= 1,
        "the host's own ping must be passed to the kernel"
    );
    let decap = stats.node_counter("vxlan4-input", "good packets decapsulated");
    let encap = stats.node_counter("vxlan4-encap", "good packets encapsulated");
    // 5 echo requests + 5 replies, plus the ARP exchanges in each direction.
    assert!(decap >= 10 && encap == decap, "decap {decap} encap {encap}");
    let received = stats.interfaces.get(uplink, IfCounter::RxPackets);
    assert!(
        (before..=redirected).contains(&received),
        "every frame the program redirected was received: {before} <= {received} <= {redirected}"
    );
    assert_eq!(
        stats.interfaces.get(t0, IfCounter::RxPackets),
        stats.interfaces.get(t1, IfCounter::TxPackets)
    );

    // Teardown: no buffer leaks, the program goes away.
    drop(worker);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
    let _inside = w.enter();
    prog.detach().unwrap();
    assert_eq!(attached(ifindex).unwrap(), None);
}

/// Received packets of `dev` in `ns`, from the kernel's interface stats.
fn rx_packets(ns: &Netns, dev: &str) -> u64 {
    let out = ns.exec_ok(&[
        "cat",
        &format!("/sys/class/net/{dev}/statistics/rx_packets"),
    ]);
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// In copy mode one `sendto` transmits at most 32 frames, so a driver that
/// kicks once per vector leaves most of a 256-frame burst in the ring and
/// the following bursts find it full (they were counted as tx errors and
/// dropped). Four bursts of 256 through `tx` must all leave, whole, and
/// arrive at the peer.
#[test]
fn copy_mode_tx_sends_whole_bursts() {
    use weft::dataplane::port::Port;
    if !privileged("af_xdp_driver::copy_mode_tx_sends_whole_bursts") {
        return;
    }
    let a = Netns::new("axd-ta");
    let b = Netns::new("axd-tb");
    // No IPv6 chatter: the peer must receive exactly the test's frames.
    a.disable_ipv6();
    b.disable_ipv6();
    veth_single_queue(&a, "ta0", &b, "tb0");
    let (_, ta_mac) = link_info(&a, "ta0");
    let (_, tb_mac) = link_info(&b, "tb0");
    let pool = Pool::new(PoolConfig {
        buffers: 4096,
        ..PoolConfig::default()
    })
    .unwrap();
    let mut socket = {
        let _inside = a.enter();
        AfXdpSocket::open(&pool, &SocketConfig::new("ta0")).unwrap()
    };
    assert!(!socket.zero_copy(), "veth has no zero-copy");
    let frame = weft::dataplane::fixtures::inner_udp(
        ta_mac,
        tb_mac,
        Ipv4Addr::new(10, 99, 3, 1),
        Ipv4Addr::new(10, 99, 3, 2),
        1234,
        80,
        60,
    );
    let mut cache = pool.cache();
    let start = rx_packets(&b, "tb0");
    const BURSTS: usize = 4;
    for burst in 0..BURSTS {
        let mut bufs: Vec<_> = (0..256)
            .map(|_| {
                let mut buf = cache.alloc().unwrap();
                assert!(pool.packet_mut(&mut buf).write(&frame));
                buf
            })
            .collect();
        let r = socket.tx(&mut cache, &mut bufs);
        assert_eq!((r.sent, r.errors), (256, 0), "burst {burst}");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while rx_packets(&b, "tb0") - start < (BURSTS * 256) as u64
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(rx_packets(&b, "tb0") - start, (BURSTS * 256) as u64);
    drop(socket);
    drop(cache);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}
