//! Proves that the dataplane does no heap allocation per packet in steady
//! state: a counting global allocator counts this thread's allocations while
//! the koko path forwards 25 600 packets, and while a bridge domain of
//! three tunnels and a BVI learns, refreshes and moves MACs, forwards known
//! unicast, floods broadcasts and unknown unicast, and answers ARP and ping
//! on its BVI (25 600 packets in, 33 600 out, fast path on and off), and
//! while VXLAN over IPv6 is cross-connected to VXLAN on a VLAN
//! sub-interface next to Neighbor Discovery and ICMPv6 echo.
//! l2-flood's copies come from the buffer pool, not the heap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::Ipv4Addr;
use std::sync::Arc;

use weft::control::bridge::BridgeArgs;
use weft::control::{Config, VxlanArgs};
use weft::dataplane::fixtures::{self, VxlanFrame};
use weft::dataplane::io::pg::PgPort;
use weft::dataplane::nodes::{
    arp_reply, ip4_icmp_input, l2_flood, l2_fwd, l2_learn, standard_graph,
};
use weft::dataplane::pool::{PageSize, Pool, PoolConfig};
use weft::dataplane::punt::punt_channel;
use weft::dataplane::stats::IfCounter;
use weft::dataplane::tables::new_handle;
use weft::dataplane::wire::{EthernetAddress, checksum};
use weft::dataplane::worker::Worker;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; the
// thread-local counters are const-initialised `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.with(|a| a.set(a.get() + 1));
        }
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.with(|a| a.set(a.get() + 1));
        }
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations during rounds 10..110 of `round`, after rounds 0..10
/// warmed up (first use of queues, caches, trace budgets, the MACs
/// learned).
fn steady_state_allocs(mut round: impl FnMut(u32)) -> u64 {
    for n in 0..10 {
        round(n);
    }
    ALLOCS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    for n in 10..110 {
        round(n);
    }
    COUNTING.with(|c| c.set(false));
    ALLOCS.with(|a| a.get())
}

/// A pool of `buffers` buffers on normal pages.
fn pool(buffers: u32) -> Arc<Pool> {
    Pool::new(PoolConfig {
        buffers,
        page_size: PageSize::Normal,
        ..PoolConfig::default()
    })
    .unwrap()
}

#[test]
fn no_heap_allocation_per_packet() {
    let pool = pool(2048);
    let tables = new_handle();
    tables.store(Arc::new(fixtures::koko_tables()));
    let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), tables);
    let (port, _handle) = PgPort::discarding();
    worker.ports_mut().insert(fixtures::UPLINK, Box::new(port));
    let inner = fixtures::inner_udp(
        fixtures::TEST1_MAC,
        fixtures::TEST2_MAC,
        fixtures::TEST1_IP,
        fixtures::TEST2_IP,
        1234,
        80,
        60,
    );
    let frame = VxlanFrame::FROM_KOKO1.build(&inner);

    let round = |worker: &mut Worker| {
        for _ in 0..256 {
            let mut b = worker.cache_mut().alloc().expect("pool has room");
            assert!(pool.packet_mut(&mut b).write(&frame));
            pool.meta_mut(&mut b).rx_if = fixtures::UPLINK;
            worker.enqueue("ethernet-input", b);
        }
        worker.poll();
    };
    let allocs = steady_state_allocs(|_| round(&mut worker));

    let sent = worker
        .stats()
        .interfaces
        .get(fixtures::UPLINK, IfCounter::TxPackets);
    assert_eq!(sent, 110 * 256, "every packet must be forwarded");
    assert_eq!(allocs, 0, "heap allocations in steady state");
    assert_eq!(pool.in_use(), 0);
}

/// koko3, the third VTEP of docs/l2.md's multipoint lab.
const KOKO3_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 4);
const KOKO3_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 0x04]);
/// The containers behind tunnels 0, 1, 2, and one more that moves
/// between tunnels 1 and 2.
const TEST: [EthernetAddress; 4] = [
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x01]),
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x02]),
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x03]),
    EthernetAddress([0x0a, 0, 0, 0, 0, 0x04]),
];
/// loop0's MAC (VPP's default for loopback instance 0).
const BVI_MAC: EthernetAddress = EthernetAddress([0xde, 0xad, 0, 0, 0, 0]);
const BVI_IP: Ipv4Addr = Ipv4Addr::new(10, 100, 0, 254);

/// What VTEP `k` (on vxlan_tunnel`k`) sends weft carrying `inner`.
fn from_host(k: usize, inner: &[u8]) -> Vec<u8> {
    let (src_mac, src) = [
        (fixtures::KOKO1_MAC, fixtures::KOKO1_IP),
        (fixtures::KOKO2_MAC, fixtures::KOKO2_IP),
        (KOKO3_MAC, KOKO3_IP),
    ][k];
    VxlanFrame {
        src_mac,
        src,
        vni: 11 + k as u32,
        ..VxlanFrame::FROM_KOKO1
    }
    .build(inner)
}

fn udp(src: EthernetAddress, dst: EthernetAddress) -> Vec<u8> {
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

/// A broadcast ARP request from `mac`/`ip` for the BVI's address.
fn arp_request(mac: EthernetAddress, ip: Ipv4Addr) -> Vec<u8> {
    let mut f = vec![0xffu8; 6];
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    f.extend_from_slice(&mac.0);
    f.extend_from_slice(&ip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&BVI_IP.octets());
    f
}

/// An ICMP echo request from `mac`/`ip` to the BVI (32 bytes of data).
fn echo_request(mac: EthernetAddress, ip: Ipv4Addr) -> Vec<u8> {
    let mut f = vec![0u8; 14 + 20 + 8 + 32];
    f[0..6].copy_from_slice(&BVI_MAC.0);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    fixtures::ipv4_header(&mut f[14..34], ip, BVI_IP, 1, 64, 60);
    f[34] = 8; // echo request
    f[38..42].copy_from_slice(&[0x12, 0x34, 0, 1]);
    for (i, b) in f[42..].iter_mut().enumerate() {
        *b = i as u8;
    }
    let c = !checksum::data(&f[34..]);
    f[36..38].copy_from_slice(&c.to_be_bytes());
    f
}

/// A node counter of the worker.
fn counter(worker: &Worker, node: &str, c: usize) -> u64 {
    let i = worker.graph().node_index(node).expect("a standard node");
    worker.stats().nodes[i].counter(c)
}

/// The bridge of docs/l2.md's multipoint lab, configured through the
/// control plane's model: three tunnels and the BVI loop0 in bridge
/// domain 10. Every round sends two vectors. The first, 256 frames:
/// known unicast both ways, broadcasts, unknown unicast, ARP and ping to
/// the BVI, 32 source MACs never seen before (learned), a MAC moving
/// between two tunnels with every round; the L2 FIB's minute advances
/// every other round, so every known MAC is refreshed too. Frames in it
/// learn, so all of it takes the node path. The second, 256 frames of
/// known unicast both ways, learns nothing: with the fast path on it goes
/// through vxlan4-fastpath. Frames enter where pg-input hands them.
fn bridged_steady_state(fastpath: bool) {
    let pool = pool(4096);
    let handle = new_handle();
    let mut config = Config::new(handle.clone());
    let (eth0, _, _) = config.create_pg_interface("eth0").unwrap();
    config.set_interface_mac(eth0, fixtures::WEFT_MAC).unwrap();
    config
        .add_del_ip4_address(eth0, fixtures::WEFT_IP, 24, false)
        .unwrap();
    config.set_interface_state(eth0, true).unwrap();
    config.bridge_domain_add(&BridgeArgs::new(10)).unwrap();
    let remotes = [
        (fixtures::KOKO1_IP, fixtures::KOKO1_MAC),
        (fixtures::KOKO2_IP, fixtures::KOKO2_MAC),
        (KOKO3_IP, KOKO3_MAC),
    ];
    for (k, (ip, mac)) in remotes.into_iter().enumerate() {
        config.add_del_neighbor(eth0, ip, mac, true, false).unwrap();
        let t = config
            .vxlan_add_del(&VxlanArgs {
                src: Some(fixtures::WEFT_IP.into()),
                dst: Some(ip.into()),
                vni: Some(11 + k as u32),
                ..VxlanArgs::default()
            })
            .unwrap()
            .unwrap();
        config.set_l2_bridge(t, 10, false, 0).unwrap();
    }
    let loop0 = config.create_loopback(None, None).unwrap();
    config.set_l2_bridge(loop0, 10, true, 0).unwrap();
    config
        .add_del_ip4_address(loop0, BVI_IP, 24, false)
        .unwrap();
    config.set_interface_state(loop0, true).unwrap();
    config.set_vxlan4_fastpath(fastpath);
    let fib = config.l2fib().clone();

    let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), handle);
    let (port, _handle) = PgPort::discarding();
    worker.ports_mut().insert(eth0, Box::new(port));
    let (punt, punts) = punt_channel(1024);
    worker.set_punt(punt);
    // pg-input hands an untraced vector to vxlan4-fastpath when it is on.
    let entry = if fastpath {
        "vxlan4-fastpath"
    } else {
        "ethernet-input"
    };

    let test3_ip = Ipv4Addr::new(10, 100, 0, 3);
    let unknown = EthernetAddress([0x0a, 0, 0, 0, 0, 0x99]);
    // (frame, copies): the round's frames, built before counting.
    let kinds: Vec<(Vec<u8>, usize)> = vec![
        // Known unicast, both ways between tunnels 0 and 1.
        (from_host(0, &udp(TEST[0], TEST[1])), 64),
        (from_host(1, &udp(TEST[1], TEST[0])), 64),
        // Broadcast: flooded to tunnels 1, 2 and the BVI.
        (from_host(0, &udp(TEST[0], EthernetAddress::BROADCAST)), 32),
        // ARP for the BVI: flooded; the BVI's reply goes back to tunnel 2.
        (from_host(2, &arp_request(TEST[2], test3_ip)), 16),
        // Ping to the BVI: its reply goes back to tunnel 0.
        (from_host(0, &echo_request(TEST[0], fixtures::TEST1_IP)), 16),
        // Unknown unicast: flooded.
        (from_host(0, &udp(TEST[0], unknown)), 16),
    ];
    // New source MACs from tunnel 2 (patched per round and frame below).
    let fresh = from_host(2, &udp(EthernetAddress([0x02, 0x77, 0, 0, 0, 0]), TEST[0]));
    // A MAC that moves between tunnels 1 and 2 with every round.
    let moving = [
        from_host(1, &udp(TEST[3], TEST[0])),
        from_host(2, &udp(TEST[3], TEST[0])),
    ];
    let per_round: usize = kinds.iter().map(|k| k.1).sum::<usize>() + 32 + 16;
    assert_eq!(per_round, 256);
    // Frames out on eth0 per round: 64 + 64 known unicast, 32 x 2 and 16 x
    // 2 flooded to the other tunnels, 16 x 2 ARP requests flooded and 16
    // replies, 16 echo replies, 32 fresh and 16 moving known unicast; then
    // 256 known unicast.
    let out_per_round = 64 + 64 + 64 + 32 + 48 + 16 + 32 + 16 + 256;
    let known = [kinds[0].0.clone(), kinds[1].0.clone()];

    let round = |worker: &mut Worker, n: u32| {
        fib.set_now((n / 2) as u8);
        let put = |worker: &mut Worker, frame: &[u8], src: Option<[u8; 6]>| {
            let mut b = worker.cache_mut().alloc().expect("pool has room");
            let mut p = pool.packet_mut(&mut b);
            assert!(p.write(frame));
            if let Some(mac) = src {
                p.data_mut()[50 + 6..50 + 12].copy_from_slice(&mac);
            }
            p.meta.rx_if = eth0;
            worker.enqueue(entry, b);
        };
        for (frame, copies) in &kinds {
            for _ in 0..*copies {
                put(worker, frame, None);
            }
        }
        for i in 0..32u32 {
            let [_, a, b, c] = (n * 32 + i).to_be_bytes();
            put(worker, &fresh, Some([0x02, 0x77, 0, a, b, c]));
        }
        for _ in 0..16 {
            put(worker, &moving[n as usize % 2], None);
        }
        worker.poll();
        for k in 0..256 {
            put(worker, &known[k % 2], None);
        }
        worker.poll();
        while punts.try_recv().is_ok() {}
    };
    let allocs = steady_state_allocs(|n| round(&mut worker, n));

    let sent = worker.stats().interfaces.get(eth0, IfCounter::TxPackets);
    let c = |node, c| counter(&worker, node, c);
    assert_eq!(
        sent,
        110 * out_per_round,
        "every frame forwarded or flooded"
    );
    assert_eq!(
        c("l2-learn", l2_learn::Counter::Packets as usize),
        110 * 512 + 110 * 32
    );
    assert!(
        c("l2-learn", l2_learn::Counter::Misses as usize) >= 110 * 32,
        "learned"
    );
    assert_eq!(
        c("l2-learn", l2_learn::Counter::Moves as usize),
        109,
        "moved once a round"
    );
    assert!(
        c("l2-learn", l2_learn::Counter::HitUpdates as usize) >= 50 * 3,
        "refreshed"
    );
    assert_eq!(c("l2-flood", l2_flood::Counter::Packets as usize), 110 * 64);
    assert_eq!(c("l2-flood", l2_flood::Counter::ReplFail as usize), 0);
    assert_eq!(
        c("l2-fwd", l2_fwd::Counter::Hits as usize),
        110 * (64 + 64 + 16 + 32 + 16 + 32 + 256)
    );
    assert_eq!(
        c("arp-reply", arp_reply::Counter::RepliesSent as usize),
        110 * 16
    );
    assert_eq!(
        c(
            "ip4-icmp-input",
            ip4_icmp_input::Counter::EchoRepliesSent as usize
        ),
        110 * 16
    );
    // Which way the frames went: with the fast path on, the second vector
    // of every round never reaches vxlan4-input, and nothing of the first
    // is taken.
    let i = worker.graph().node_index("vxlan4-input").unwrap();
    let decapsulated = worker.stats().nodes[i].vectors.get();
    assert_eq!(
        decapsulated,
        110 * if fastpath { 256 } else { 512 },
        "decapsulated by the node path"
    );
    assert_eq!(allocs, 0, "heap allocations in steady state");
    assert_eq!(pool.in_use(), 0);
}

/// A domain of eight tunnels flooding full vectors of broadcasts: each
/// vector becomes 7 x 256 = 1 792 frames, more than the graph's queues
/// hold when it is built (4 x 256). Their storage grows in the first few
/// polls (and moves between queues as vectors are swapped, so a few
/// polls grow it again until every queue that takes part is large
/// enough: 6, 1, 1, 1 allocations in the first four polls), then never
/// again.
#[test]
fn no_heap_allocation_flooding_wide_bridge() {
    let members: u32 = 8;
    let pool = pool(8192);
    let handle = new_handle();
    let mut config = Config::new(handle.clone());
    let (eth0, _, _) = config.create_pg_interface("eth0").unwrap();
    config
        .add_del_ip4_address(eth0, fixtures::WEFT_IP, 24, false)
        .unwrap();
    config.set_interface_state(eth0, true).unwrap();
    for k in 0..members {
        let ip = Ipv4Addr::new(10, 99, 0, 10 + k as u8);
        config
            .add_del_neighbor(eth0, ip, KOKO3_MAC, true, false)
            .unwrap();
        let t = config
            .vxlan_add_del(&VxlanArgs {
                src: Some(fixtures::WEFT_IP.into()),
                dst: Some(ip.into()),
                vni: Some(100 + k),
                ..VxlanArgs::default()
            })
            .unwrap()
            .unwrap();
        config.set_l2_bridge(t, 10, false, 0).unwrap();
    }
    let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), handle);
    let (port, _handle) = PgPort::discarding();
    worker.ports_mut().insert(eth0, Box::new(port));
    let frame = VxlanFrame {
        src: Ipv4Addr::new(10, 99, 0, 10),
        dst_mac: config.interface(eth0).unwrap().mac,
        vni: 100,
        ..VxlanFrame::FROM_KOKO1
    }
    .build(&udp(TEST[0], EthernetAddress::BROADCAST));
    let round = |worker: &mut Worker| {
        for _ in 0..256 {
            let mut b = worker.cache_mut().alloc().expect("pool has room");
            assert!(pool.packet_mut(&mut b).write(&frame));
            pool.meta_mut(&mut b).rx_if = eth0;
            worker.enqueue("vxlan4-fastpath", b);
        }
        worker.poll();
    };
    let allocs = steady_state_allocs(|_| round(&mut worker));
    let sent = worker.stats().interfaces.get(eth0, IfCounter::TxPackets);
    assert_eq!(allocs, 0, "heap allocations in steady state");
    assert_eq!(
        sent,
        110 * 256 * (u64::from(members) - 1),
        "every copy sent"
    );
    assert_eq!(pool.in_use(), 0);
}

#[test]
fn no_heap_allocation_per_packet_bridged() {
    bridged_steady_state(true);
}

#[test]
fn no_heap_allocation_per_packet_bridged_node_path() {
    bridged_steady_state(false);
}

/// The IPv6 and VLAN paths, configured through `control::Config`: VXLAN
/// over IPv6 cross-connected to VXLAN over IPv4 on a VLAN-100
/// sub-interface (decap with the UDP checksum verified, encap with it
/// computed, tags popped and pushed), Neighbor Solicitations answered,
/// ICMPv6 echo answered, every round: no heap allocation per packet.
#[test]
fn no_heap_allocation_per_packet_ipv6_and_vlan() {
    use std::net::Ipv6Addr;
    let pool = pool(2048);
    let handle = new_handle();
    let mut c = Config::new(handle.clone());
    let (eth0, _port, _pg) = c.create_pg_interface("eth0").unwrap();
    c.set_interface_mac(eth0, fixtures::WEFT_MAC).unwrap();
    let (weft6, koko1_6): (Ipv6Addr, Ipv6Addr) =
        ("fd00::3".parse().unwrap(), "fd00::1".parse().unwrap());
    c.add_del_ip6_address(eth0, weft6, 64, false).unwrap();
    c.set_interface_state(eth0, true).unwrap();
    let sub = c.create_sub_interface(eth0, 100, None).unwrap();
    c.add_del_ip4_address(sub, fixtures::WEFT_IP, 24, false)
        .unwrap();
    c.set_interface_state(sub, true).unwrap();
    c.add_del_neighbor(eth0, koko1_6, fixtures::KOKO1_MAC, true, false)
        .unwrap();
    c.add_del_neighbor(sub, fixtures::KOKO2_IP, fixtures::KOKO2_MAC, true, false)
        .unwrap();
    let t6 = c
        .vxlan_add_del(&VxlanArgs {
            src: Some(weft6.into()),
            dst: Some(koko1_6.into()),
            vni: Some(11),
            ..VxlanArgs::default()
        })
        .unwrap()
        .unwrap();
    let t4 = c
        .vxlan_add_del(&VxlanArgs {
            src: Some(fixtures::WEFT_IP.into()),
            dst: Some(fixtures::KOKO2_IP.into()),
            vni: Some(12),
            ..VxlanArgs::default()
        })
        .unwrap()
        .unwrap();
    c.set_l2_xconnect(t6, t4).unwrap();
    c.set_l2_xconnect(t4, t6).unwrap();
    let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), handle);
    let (port, _handle) = PgPort::discarding();
    worker.ports_mut().insert(eth0, Box::new(port));
    let (punt, punts) = punt_channel(1 << 16);
    worker.set_punt(punt);

    let inner = fixtures::inner_udp(
        fixtures::TEST1_MAC,
        fixtures::TEST2_MAC,
        fixtures::TEST1_IP,
        fixtures::TEST2_IP,
        1234,
        80,
        60,
    );
    // koko1 over IPv6 (UDP checksum right), koko2 over IPv4 on VLAN 100.
    let mut payload = vec![0x08, 0, 0, 0, 0, 0, 11, 0];
    payload.extend_from_slice(&inner);
    let mut from6 = Vec::new();
    etherparse::PacketBuilder::ethernet2(fixtures::KOKO1_MAC.0, fixtures::WEFT_MAC.0)
        .ipv6(koko1_6.octets(), weft6.octets(), 64)
        .udp(51000, 4789)
        .write(&mut from6, &payload)
        .unwrap();
    let mut from4 = VxlanFrame {
        dst_mac: fixtures::WEFT_MAC,
        ..VxlanFrame::FROM_KOKO2
    }
    .build(&inner);
    weft::dataplane::vlan::tag_frame(&mut from4, 100);
    // An NS for fd00::3 and an echo request to it.
    let icmp6 = |dst_mac: [u8; 6], dst: Ipv6Addr, hops: u8, mut msg: Vec<u8>| {
        use weft::dataplane::wire::Icmpv6Packet;
        Icmpv6Packet::new_unchecked(&mut msg[..]).fill_checksum(&koko1_6, &dst);
        let mut f = Vec::new();
        etherparse::PacketBuilder::ethernet2(fixtures::KOKO1_MAC.0, dst_mac)
            .ipv6(koko1_6.octets(), dst.octets(), hops)
            .write(&mut f, etherparse::IpNumber::IPV6_ICMP, &msg)
            .unwrap();
        f
    };
    let group = weft::dataplane::wire::ipv6::solicited_node(weft6);
    let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
    ns.extend_from_slice(&weft6.octets());
    ns.extend_from_slice(&[1, 1]);
    ns.extend_from_slice(&fixtures::KOKO1_MAC.0);
    let ns = icmp6(
        weft::dataplane::wire::ipv6::multicast_mac(group).0,
        group,
        255,
        ns,
    );
    let echo = icmp6(
        fixtures::WEFT_MAC.0,
        weft6,
        64,
        vec![128, 0, 0, 0, 0, 1, 0, 1, 9, 9],
    );
    let frames = [from6, from4, ns, echo];

    let round = |worker: &mut Worker| {
        for k in 0..256 {
            let f = &frames[k % frames.len()];
            let mut b = worker.cache_mut().alloc().expect("pool has room");
            assert!(pool.packet_mut(&mut b).write(f));
            pool.meta_mut(&mut b).rx_if = eth0;
            worker.enqueue("ethernet-input", b);
        }
        worker.poll();
        while punts.try_recv().is_ok() {}
    };
    let allocs = steady_state_allocs(|_| round(&mut worker));

    let ifc = &worker.stats().interfaces;
    // Every frame answered or forwarded: 64 of each kind per round.
    assert_eq!(
        ifc.get(eth0, IfCounter::TxPackets),
        110 * 256 - 110 * 64,
        "eth0 tx"
    );
    assert_eq!(ifc.get(sub, IfCounter::TxPackets), 110 * 64, "eth0.100 tx");
    assert_eq!(ifc.get(t4, IfCounter::RxPackets), 110 * 64);
    assert_eq!(ifc.get(t6, IfCounter::RxPackets), 110 * 64);
    assert_eq!(ifc.get(eth0, IfCounter::Drops), 0);
    assert_eq!(allocs, 0, "heap allocations in steady state");
    assert_eq!(pool.in_use(), 0);
}
