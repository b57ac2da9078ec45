//! Criterion benchmarks of the dataplane.
//!
//! * `path/vxlan_decap_xconnect_encap`: the whole koko path on one core. One
//!   iteration is one `Worker::poll()` of the standard graph, which receives
//!   256 VXLAN frames (VNI 11 from koko1, 60-byte inner frames) on the
//!   uplink, decapsulates them, cross-connects them to vxlan_tunnel1 and
//!   sends them, re-encapsulated with VNI 12, to koko2.
//! * `path/vxlan_bridge_known_unicast` and `path/vxlan_bridge_flood_3`:
//!   three tunnels (VNI 11, 12, 13) in one bridge domain, configured
//!   through `control::Config` as the CLI does: known unicast from
//!   tunnel0's container to tunnel1's (its MAC learned beforehand by the
//!   bridge itself), and broadcasts from tunnel0 replicated to the two
//!   other tunnels.
//! * `node/<name>`: one node of that path at a time, fed 256 buffers in the
//!   state the real path leaves them just before the node; `node/baseline`
//!   is the harness alone (see [`node`] for how to read the figures).
//! * `pool/alloc_free`: 256 buffers allocated then freed through a
//!   `PoolCache`.
//!
//! Every group reports `Throughput::Elements(256)`: ns per packet is the
//! iteration time divided by 256 (criterion's "thrpt" is packets/s).
//!
//! Buffers never leave the graph: a bench-only port ([`LoopPort`]) takes
//! transmitted buffers back and hands them out again as received ones, so
//! the loop measures the graph and not a frame copy or the allocator.
//!
//! Run with `cargo bench --bench dataplane` (about a minute);
//! `cargo test --benches` runs every benchmark once as a smoke test.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use weft::control::bridge::BridgeArgs;
use weft::control::{Config, VxlanArgs};
use weft::dataplane::fixtures::{
    self, KOKO1_IP, KOKO1_MAC, KOKO2_IP, KOKO2_MAC, TEST1_IP, TEST1_MAC, TEST2_IP, TEST2_MAC,
    TUNNEL0, TUNNEL1, UPLINK, VxlanFrame, WEFT_IP, WEFT_MAC,
};
use weft::dataplane::graph::{Env, Graph, Node, NodeCtx, NodeInfo, NodeKind, VECTOR_SIZE, Vector};
use weft::dataplane::nodes::vxlan4_encap::{flow_hash, src_port};
use weft::dataplane::nodes::{standard_graph, standard_nodes};
use weft::dataplane::pool::{
    Buf, BufMeta, PacketMut, PageSize, Pool, PoolCache, PoolConfig, flags,
};
use weft::dataplane::port::{Port, Ports, RxResult, TxResult};
use weft::dataplane::punt::{Punt, punt_channel};
use weft::dataplane::stats::{DEFAULT_MAX_INTERFACES, IfCounter, WorkerStats};
use weft::dataplane::tables::{
    Tables, VXLAN4_REWRITE_LEN, VXLAN4_TTL, VXLAN6_REWRITE_LEN, new_handle,
};
use weft::dataplane::trace::{TraceShared, Tracer};
use weft::dataplane::wire::{EthernetAddress, ethernet, ipv4, udp, vxlan};
use weft::dataplane::worker::Worker;

/// Packets per iteration: one full vector.
const N: usize = VECTOR_SIZE;
/// Inner frame length (Ethernet + IPv4 + UDP + 18 bytes of payload).
const INNER_LEN: usize = 60;
/// Outer Ethernet + IPv4 + UDP + VXLAN header.
const OUTER_LEN: usize = VXLAN4_REWRITE_LEN;

/// The nodes of the koko path, in the order a packet visits them.
/// (ip4-input hands VXLAN for a tunnel port straight to vxlan4-input, as
/// VPP's ip4-vxlan-bypass: ip4-local and ip4-udp-lookup are off this path.)
const PATH: [&str; 7] = [
    "ethernet-input",
    "ip4-input",
    "vxlan4-input",
    "l2-input",
    "l2-output",
    "vxlan4-encap",
    "interface-output",
];

/// test1 -> test2, UDP 1234 -> 80, 60 bytes.
fn inner_frame() -> Vec<u8> {
    fixtures::inner_udp(
        TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, INNER_LEN,
    )
}

/// The frame koko1 sends: VNI 11 to weft.
fn rx_frame() -> Vec<u8> {
    VxlanFrame::FROM_KOKO1.build(&inner_frame())
}

/// The frame koko1 sends on tunnel pair `pair`: VNI 11 + 2 × pair.
fn rx_frame_for(pair: u32) -> Vec<u8> {
    VxlanFrame {
        vni: 11 + 2 * pair,
        ..VxlanFrame::FROM_KOKO1
    }
    .build(&inner_frame())
}

/// The frame weft must send to koko2: VNI 12, outer fields as vxlan4-encap
/// writes them (TTL 253, ID 0, UDP source port from the flow hash).
fn tx_frame() -> Vec<u8> {
    tx_frame_for(0)
}

/// [`tx_frame`] on tunnel pair `pair`: VNI 12 + 2 × pair.
fn tx_frame_for(pair: u32) -> Vec<u8> {
    let inner = inner_frame();
    VxlanFrame {
        src_mac: WEFT_MAC,
        dst_mac: KOKO2_MAC,
        src: WEFT_IP,
        dst: KOKO2_IP,
        sport: src_port(flow_hash(&inner)),
        dport: vxlan::UDP_PORT,
        flags: vxlan::FLAG_I,
        vni: 12 + 2 * pair,
        ttl: VXLAN4_TTL,
    }
    .build(&inner)
}

fn new_pool() -> Arc<Pool> {
    Pool::new(PoolConfig {
        buffers: 1024,
        // No hugepages are reserved on the bench machines.
        page_size: PageSize::Normal,
        ..PoolConfig::default()
    })
    .expect("buffer pool")
}

/// What the benchmark reads back from a [`LoopPort`].
#[derive(Default)]
struct Probe {
    /// Buffers transmitted through the port.
    sent: AtomicU64,
    /// When set, the next `tx` records its first buffer in `captured`.
    capture: AtomicBool,
    /// Bytes and metadata of a transmitted buffer.
    captured: Mutex<Option<(Vec<u8>, BufMeta)>>,
}

/// A bench-only device that owns a fixed set of pre-filled buffers: `tx`
/// takes transmitted buffers back into its ring instead of freeing them,
/// and `rx` hands them out again restored to their received state. No
/// frame is copied and nothing is allocated or freed while benchmarking.
struct LoopPort {
    input_node: &'static str,
    ring: Vec<Buf>,
    /// Metadata of a buffer as received (as `alloc` + `write` leave it, plus
    /// whatever state the benchmark starts its graph in).
    received: BufMeta,
    /// The received outer headers, when the graph overwrites them (the
    /// full path re-encapsulates in place).
    outer: Outer,
    /// When set, which buffers (by index) are the ring's own: `tx` takes
    /// those back and frees the others (the copies l2-flood makes), as a
    /// driver frees what it transmitted. `None`: every transmitted buffer
    /// is one of the ring's.
    owned: Option<Vec<bool>>,
    probe: Arc<Probe>,
}

/// What [`LoopPort::rx`] writes back over the outer header.
enum Outer {
    /// Nothing: the graph leaves it as received.
    Keep,
    /// The same header in every buffer.
    Same([u8; OUTER_LEN]),
    /// One header per buffer, by buffer index (frames of several tunnels).
    PerBuffer(Vec<[u8; OUTER_LEN]>),
    /// The same IPv6 outer header (70 bytes) in every buffer.
    Same6([u8; VXLAN6_REWRITE_LEN]),
}

impl LoopPort {
    /// A port polled by `input_node` holding `N` buffers, buffer `i` with
    /// `frames[i % frames.len()]` written after the headroom then passed
    /// through `prepare`. All buffers must come out of `prepare` with the
    /// same metadata.
    fn new(
        cache: &mut PoolCache,
        input_node: &'static str,
        frames: &[Vec<u8>],
        restore_outer: bool,
        mut prepare: impl FnMut(&mut PacketMut<'_>),
    ) -> (LoopPort, Arc<Probe>) {
        let pool = cache.pool().clone();
        let mut ring = Vec::with_capacity(2 * N);
        let mut received = None;
        let mut outers = vec![[0; OUTER_LEN]; pool.len() as usize];
        for frame in frames.iter().cycle().take(N) {
            let mut b = cache.alloc().expect("pool has room for a vector");
            outers[b.index() as usize] = frame[..OUTER_LEN].try_into().expect("50 bytes");
            let mut p = pool.packet_mut(&mut b);
            assert!(p.write(frame));
            prepare(&mut p);
            assert_eq!(*received.get_or_insert(*p.meta), *p.meta);
            ring.push(b);
        }
        let outer = match frames {
            _ if !restore_outer => Outer::Keep,
            [frame] => Outer::Same(frame[..OUTER_LEN].try_into().expect("50 bytes")),
            _ => Outer::PerBuffer(outers),
        };
        let probe = Arc::new(Probe::default());
        let port = LoopPort {
            input_node,
            ring,
            received: received.expect("N > 0"),
            outer,
            owned: None,
            probe: probe.clone(),
        };
        (port, probe)
    }

    /// The port frees transmitted buffers that are not its own (see
    /// [`LoopPort::owned`]) instead of taking them into its ring.
    fn reaping(mut self, pool: &Pool) -> LoopPort {
        let mut owned = vec![false; pool.len() as usize];
        for b in &self.ring {
            owned[b.index() as usize] = true;
        }
        self.owned = Some(owned);
        self
    }
}

impl Port for LoopPort {
    fn input_node(&self) -> &'static str {
        self.input_node
    }

    /// The buffers come back exactly as `prepare` left them, receive
    /// interface included (the path benchmark's is the uplink, the
    /// interface this port is polled as; the node benchmarks' is whatever
    /// the real path has set by then).
    fn rx(&mut self, cache: &mut PoolCache, out: &mut Vec<Buf>, max: usize, _: u32) -> RxResult {
        let pool = cache.pool().view();
        let n = max.min(self.ring.len());
        // Restoring the received state is the only harness work inside the
        // measured loop: one 32-byte metadata store (data offset = headroom,
        // length = frame length, every other field as a fresh buffer has
        // it) and, on the full path, the 50-byte outer header that the graph
        // overwrote in place. The inner frame is never written by weft, so
        // it needs no restoring. One loop per kind of restore, so that the
        // one-tunnel path pays no per-buffer choice.
        let ring = &mut self.ring[..n];
        match &self.outer {
            Outer::Keep => {
                for b in ring {
                    *pool.packet_mut(b).meta = self.received;
                }
            }
            Outer::Same(outer) => {
                for b in ring {
                    let mut p = pool.packet_mut(b);
                    *p.meta = self.received;
                    p.data_mut()[..OUTER_LEN].copy_from_slice(outer);
                }
            }
            Outer::PerBuffer(outers) => {
                for b in ring {
                    let outer = &outers[b.index() as usize];
                    let mut p = pool.packet_mut(b);
                    *p.meta = self.received;
                    p.data_mut()[..OUTER_LEN].copy_from_slice(outer);
                }
            }
            Outer::Same6(outer) => {
                for b in ring {
                    let mut p = pool.packet_mut(b);
                    *p.meta = self.received;
                    p.data_mut()[..VXLAN6_REWRITE_LEN].copy_from_slice(outer);
                }
            }
        }
        out.extend(self.ring.drain(..n));
        RxResult {
            received: n,
            bytes: n as u64 * u64::from(self.received.len),
            ..RxResult::default()
        }
    }

    fn tx(&mut self, cache: &mut PoolCache, bufs: &mut Vec<Buf>) -> TxResult {
        let sent = bufs.len();
        if self.probe.capture.load(Ordering::Relaxed)
            && let Some(b) = bufs.first()
        {
            let pool = cache.pool();
            *self.probe.captured.lock().expect("probe lock") =
                Some((pool.data(b).to_vec(), *pool.meta(b)));
            self.probe.capture.store(false, Ordering::Relaxed);
        }
        self.probe.sent.fetch_add(sent as u64, Ordering::Relaxed);
        match &self.owned {
            None => self.ring.append(bufs),
            Some(owned) => {
                for b in bufs.drain(..) {
                    if owned[b.index() as usize] {
                        self.ring.push(b);
                    } else {
                        cache.free(b);
                    }
                }
            }
        }
        TxResult { sent, errors: 0 }
    }
}

/// What the real path leaves in a buffer after `node` handled a koko1
/// VXLAN frame bound for koko2, read off each node's `process`. Applied in
/// [`PATH`] order to a received buffer, it gives the state just before the
/// next node. (`out_header`: the outer header vxlan4-encap writes.)
fn apply(node: &str, p: &mut PacketMut<'_>, out_header: &[u8]) {
    match node {
        "pg-input" => p.meta.rx_if = UPLINK,
        // L3 interface, IPv4 for weft's MAC: pops Ethernet, marks L3.
        "ethernet-input" => {
            assert!(p.advance(ethernet::HEADER_LEN));
            p.meta.l3_offset = p.meta.data_offset;
        }
        // Trims to the IPv4 total length (no padding here); VXLAN to port
        // 4789, which has a tunnel: pops IPv4 and UDP (ip4-vxlan-bypass).
        "ip4-input" => {
            let total = u16::from_be_bytes([p.data()[2], p.data()[3]]);
            assert!(p.set_len(total as usize));
            assert!(p.advance(ipv4::HEADER_LEN + udp::HEADER_LEN));
        }
        // Pops VXLAN; received on vxlan_tunnel0 from now on.
        "vxlan4-input" => {
            assert!(p.advance(vxlan::HEADER_LEN));
            p.meta.rx_if = TUNNEL0;
        }
        // vxlan_tunnel0 is xconnected to vxlan_tunnel1.
        "l2-input" => p.meta.tx_if = TUNNEL1,
        // Only chooses the next node.
        "l2-output" => {}
        // Prepends the outer header; flow hash kept; leaves on the uplink.
        "vxlan4-encap" => {
            let hash = flow_hash(p.data());
            p.prepend(OUTER_LEN)
                .expect("headroom")
                .copy_from_slice(out_header);
            p.meta.flow_hash = hash;
            p.meta.flags |= flags::FLOW_HASH_VALID;
            p.meta.tx_if = UPLINK;
        }
        _ => unreachable!("{node} is not on the koko path"),
    }
}

/// Brings a just-received koko1 frame to the state the real path leaves it
/// in just before `node` (which must be on [`PATH`]).
fn state_before(node: &str) -> impl FnMut(&mut PacketMut<'_>) + use<> {
    let k = PATH
        .iter()
        .position(|n| *n == node)
        .expect("node on the path");
    let out_header = tx_frame()[..OUTER_LEN].to_vec();
    move |p| {
        apply("pg-input", p, &out_header);
        for n in &PATH[..k] {
            apply(n, p, &out_header);
        }
    }
}

// ---------------------------------------------------------------------------
// path

fn path(c: &mut Criterion) {
    let mut g = c.benchmark_group("path");
    g.throughput(Throughput::Elements(N as u64));
    // The default graph: vxlan4-fastpath takes the whole vector.
    path_one(&mut g, "vxlan_decap_xconnect_encap", true, 1);
    // `set vxlan fastpath off`: the seven nodes of PATH, as VPP runs them.
    path_one(&mut g, "vxlan_decap_xconnect_encap_node_path", false, 1);
    // Eight cross-connected pairs, their packets interleaved in every
    // vector (pair 0, 1, ..., 7, 0, ...): every packet has another tunnel
    // than the one before it, the worst case for per-run caching.
    path_one(&mut g, "vxlan_decap_xconnect_encap_8_pairs", true, 8);
    path_one(
        &mut g,
        "vxlan_decap_xconnect_encap_8_pairs_node_path",
        false,
        8,
    );
    // Three tunnels in one bridge domain: tunnel0's container to tunnel1's
    // (MAC already learned), with vxlan4-fastpath on (the default graph)
    // and off (the node path as VPP runs it); then broadcasts from tunnel0,
    // each flooded to the two other tunnels.
    path_bridge(&mut g, "vxlan_bridge_known_unicast", true, false);
    path_bridge(&mut g, "vxlan_bridge_known_unicast_node_path", false, false);
    path_bridge(&mut g, "vxlan_bridge_flood_3", true, true);
    // VXLAN over IPv6 on both sides (the graph: no fast path for IPv6),
    // 60- and 1400-byte inner frames: the outer UDP checksum vxlan6-encap
    // computes and vxlan6-input verifies costs a pass over every byte.
    path_v6(&mut g, "vxlan6_decap_xconnect_encap", INNER_LEN);
    path_v6(&mut g, "vxlan6_decap_xconnect_encap_1400", 1400);
    g.finish();
}

/// koko1's (fd00::1) and koko2's (fd00::2) IPv6 VTEPs.
const KOKO1_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
const KOKO2_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
const WEFT_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3);

/// An IPv6 VXLAN frame from `src` (at `mac`) to weft, VNI `vni`, carrying
/// `inner`, its UDP checksum right (etherparse's).
fn vxlan6_frame(mac: EthernetAddress, src: std::net::Ipv6Addr, vni: u32, inner: &[u8]) -> Vec<u8> {
    let mut payload = vec![vxlan::FLAG_I, 0, 0, 0];
    payload.extend_from_slice(&(vni << 8).to_be_bytes());
    payload.extend_from_slice(inner);
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2(mac.0, WEFT_MAC.0)
        .ipv6(src.octets(), WEFT_IP6.octets(), 64)
        .udp(51000, 4789)
        .write(&mut out, &payload)
        .expect("frame");
    out
}

/// One IPv6 path benchmark: weft configured as the CLI does (eth0 with
/// fd00::3/64, koko1 and koko2 static neighbours, tunnels VNI 11 to
/// fd00::1 and VNI 12 to fd00::2, cross-connected), 256 frames from koko1
/// with `inner_len`-byte inner frames per poll, each sent to koko2.
fn path_v6(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    inner_len: usize,
) {
    let pool = new_pool();
    let handle = new_handle();
    let mut config = Config::new(handle.clone());
    let (eth0, _pg_port, _pg) = config.create_pg_interface("eth0").expect("eth0");
    config.set_interface_mac(eth0, WEFT_MAC).expect("mac");
    config
        .add_del_ip6_address(eth0, WEFT_IP6, 64, false)
        .expect("address");
    config.set_interface_state(eth0, true).expect("up");
    let mut tunnels = Vec::new();
    for (ip, mac, vni) in [(KOKO1_IP6, KOKO1_MAC, 11), (KOKO2_IP6, KOKO2_MAC, 12)] {
        config
            .add_del_neighbor(eth0, ip, mac, true, false)
            .expect("neighbour");
        tunnels.push(
            config
                .vxlan_add_del(&VxlanArgs {
                    src: Some(WEFT_IP6.into()),
                    dst: Some(ip.into()),
                    vni: Some(vni),
                    ..VxlanArgs::default()
                })
                .expect("tunnel")
                .expect("created"),
        );
    }
    config.set_l2_xconnect(tunnels[0], tunnels[1]).expect("xc");
    config.set_l2_xconnect(tunnels[1], tunnels[0]).expect("xc");
    let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), handle);
    let inner = fixtures::inner_udp(
        TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, inner_len,
    );
    let frame = vxlan6_frame(KOKO1_MAC, KOKO1_IP6, 11, &inner);
    let (port, probe) = LoopPort::new(
        worker.cache_mut(),
        "pg-input",
        std::slice::from_ref(&frame),
        false,
        |p| p.meta.rx_if = UPLINK,
    );
    let port = LoopPort {
        outer: Outer::Same6(frame[..VXLAN6_REWRITE_LEN].try_into().expect("70 bytes")),
        ..port
    };
    worker.ports_mut().insert(UPLINK, Box::new(port));
    let (out, _) = prime_and_capture(&mut worker, &probe, 1);
    // koko2's frame: VNI 12, its UDP checksum right.
    let p = etherparse::SlicedPacket::from_ethernet(&out).expect("parses");
    let (Some(etherparse::NetSlice::Ipv6(ip)), Some(etherparse::TransportSlice::Udp(udp))) =
        (&p.net, &p.transport)
    else {
        panic!("not IPv6 UDP");
    };
    assert_eq!(ip.header().destination_addr(), KOKO2_IP6);
    assert_eq!(
        &udp.payload()[4..8],
        &(12u32 << 8).to_be_bytes(),
        "VNI 12 out"
    );
    assert_eq!(&udp.payload()[8..], &inner[..]);
    let sum = udp
        .to_header()
        .calc_checksum_ipv6(&ip.header().to_header(), udp.payload())
        .expect("checksum");
    assert_eq!(udp.checksum(), sum, "UDP checksum");
    let ifc = &worker.stats().interfaces;
    assert_eq!(ifc.get(tunnels[1], IfCounter::TxPackets), 4 * N as u64);
    assert_eq!(ifc.get(UPLINK, IfCounter::Drops), 0);

    g.bench_function(name, |b| b.iter(|| worker.poll()));

    assert_eq!(
        probe.sent.load(Ordering::Relaxed),
        N as u64 * worker.stats().loops.get(),
        "packets were dropped while benchmarking"
    );
    drop(worker);
    drop(config);
}

/// Before measuring: four polls forward every frame (`fanout` frames out
/// per frame in), also after the port recycled the buffers; returns the
/// first frame the fourth sent, with its metadata.
fn prime_and_capture(worker: &mut Worker, probe: &Probe, fanout: u64) -> (Vec<u8>, BufMeta) {
    for _ in 0..3 {
        assert_eq!(worker.poll(), N, "pg-input must receive a full vector");
    }
    probe.capture.store(true, Ordering::Relaxed);
    assert_eq!(worker.poll(), N);
    assert_eq!(probe.sent.load(Ordering::Relaxed), fanout * 4 * N as u64);
    probe
        .captured
        .lock()
        .expect("probe lock")
        .take()
        .expect("a frame was transmitted")
}

/// One `path` benchmark: the standard graph with the fast path on or off,
/// `pairs` tunnel pairs ([`fixtures::koko_tables_pairs`]) taking turns.
fn path_one(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    fastpath: bool,
    pairs: u32,
) {
    let pool = new_pool();
    let tables = new_handle();
    tables.store(Arc::new(Tables {
        vxlan4_fastpath: fastpath,
        ..fixtures::koko_tables_pairs(pairs)
    }));
    let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), tables);
    let frames: Vec<Vec<u8>> = (0..pairs).map(rx_frame_for).collect();
    let frame = rx_frame();
    // Received on the uplink, as pg-input's driver sets it.
    let (port, probe) = LoopPort::new(worker.cache_mut(), "pg-input", &frames, true, |p| {
        p.meta.rx_if = UPLINK
    });
    worker.ports_mut().insert(UPLINK, Box::new(port));

    // Before measuring: a poll forwards all 256 packets (also after the
    // port recycled them), and what leaves is the VNI 12 frame for koko2,
    // in the state the node benchmarks feed interface-output with.
    let (out, meta) = prime_and_capture(&mut worker, &probe, 1);
    assert_eq!(out[42], vxlan::FLAG_I);
    assert_eq!(out[46..50], (12u32 << 8).to_be_bytes(), "VNI 12 out");
    assert_eq!(out, tx_frame(), "the frame koko2 must receive");
    // Every pair carried its share, each on its own egress tunnel.
    for pair in 0..pairs {
        let ifc = &worker.stats().interfaces;
        let (rx, tx) = (TUNNEL0 + 2 * pair, TUNNEL1 + 2 * pair);
        let share = 4 * N as u64 / u64::from(pairs);
        assert_eq!(ifc.get(rx, IfCounter::RxPackets), share, "pair {pair} in");
        assert_eq!(ifc.get(tx, IfCounter::TxPackets), share, "pair {pair} out");
    }
    let mut b = worker.cache_mut().alloc().expect("pool has room");
    let expect_meta = {
        let mut p = pool.packet_mut(&mut b);
        assert!(p.write(&frame));
        state_before("interface-output")(&mut p);
        *p.meta
    };
    worker.cache_mut().free(b);
    assert_eq!(meta, expect_meta, "node benchmarks use the real state");
    assert_eq!(worker.stats().interfaces.get(UPLINK, IfCounter::Drops), 0);
    // Which way the packets went.
    let at = |node: &str| {
        let i = worker.graph().node_index(node).expect("a standard node");
        worker.stats().nodes[i].vectors.get()
    };
    let (fast, slow) = (at("vxlan4-fastpath"), at("vxlan4-input"));
    if fastpath {
        assert_eq!((fast, slow), (4 * N as u64, 0), "all on the fast path");
    } else {
        assert_eq!((fast, slow), (0, 4 * N as u64), "all on the node path");
    }

    g.bench_function(name, |b| b.iter(|| worker.poll()));

    // Every poll forwarded the whole vector, measured ones included.
    assert_eq!(
        probe.sent.load(Ordering::Relaxed),
        N as u64 * worker.stats().loops.get(),
        "packets were dropped while benchmarking"
    );
}

// ---------------------------------------------------------------------------
// path: bridge domain

/// koko3's underlay address (the third host of docs/l2.md's lab).
const KOKO3_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 4);
/// koko3's eth0 MAC.
const KOKO3_MAC: EthernetAddress = EthernetAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x04]);
/// The container behind koko3.
const TEST3_MAC: EthernetAddress = EthernetAddress([0x0a, 0x00, 0x00, 0x00, 0x03, 0x03]);
/// sw_if_index of vxlan_tunnel2 (VNI 13, towards koko3).
const TUNNEL2: u32 = 4;
/// The bridge domain's id.
const BD_ID: u32 = 10;

/// One member host of the bridge: its VTEP and the container behind it.
struct BridgeHost {
    ip: Ipv4Addr,
    mac: EthernetAddress,
    vni: u32,
    container: EthernetAddress,
}

/// Hosts `k` = 0, 1, 2 on vxlan_tunnel`k` (sw_if_index `TUNNEL0 + k`).
const BRIDGE_HOSTS: [BridgeHost; 3] = [
    BridgeHost {
        ip: KOKO1_IP,
        mac: KOKO1_MAC,
        vni: 11,
        container: TEST1_MAC,
    },
    BridgeHost {
        ip: KOKO2_IP,
        mac: KOKO2_MAC,
        vni: 12,
        container: TEST2_MAC,
    },
    BridgeHost {
        ip: KOKO3_IP,
        mac: KOKO3_MAC,
        vni: 13,
        container: TEST3_MAC,
    },
];

/// A 60-byte inner UDP frame between two containers' MACs.
fn bridge_inner(src: EthernetAddress, dst: EthernetAddress) -> Vec<u8> {
    fixtures::inner_udp(src, dst, TEST1_IP, TEST2_IP, 1234, 80, INNER_LEN)
}

/// What host `k`'s VTEP sends weft carrying `inner`.
fn bridge_rx_frame(k: usize, inner: &[u8]) -> Vec<u8> {
    let h = &BRIDGE_HOSTS[k];
    VxlanFrame {
        src_mac: h.mac,
        src: h.ip,
        vni: h.vni,
        ..VxlanFrame::FROM_KOKO1
    }
    .build(inner)
}

/// What weft must send host `k`'s VTEP carrying `inner`.
fn bridge_tx_frame(k: usize, inner: &[u8]) -> Vec<u8> {
    let h = &BRIDGE_HOSTS[k];
    VxlanFrame {
        src_mac: WEFT_MAC,
        dst_mac: h.mac,
        src: WEFT_IP,
        dst: h.ip,
        sport: src_port(flow_hash(inner)),
        dport: vxlan::UDP_PORT,
        flags: vxlan::FLAG_I,
        vni: h.vni,
        ttl: VXLAN4_TTL,
    }
    .build(inner)
}

/// The multipoint lab of docs/l2.md through the control plane's model
/// (the calls the CLI makes): eth0 (pg, 10.99.0.3/24, weft's MAC, the three
/// koko neighbours static), vxlan_tunnel0..2 (VNI 11, 12, 13) in bridge
/// domain 10 (learn, forward, flood, uu-flood), no BVI. Each container's
/// MAC is then learned by the bridge itself from a broadcast its host
/// sends through the worker, as in the lab. Returns the model (which owns
/// the L2 FIB the worker's snapshots share) and the worker, whose uplink
/// has no port yet.
fn bridge_lab(pool: &Arc<Pool>, fastpath: bool) -> (Config, Worker) {
    let handle = new_handle();
    let mut config = Config::new(handle.clone());
    let (eth0, pg_port, pg) = config.create_pg_interface("eth0").expect("eth0");
    assert_eq!(eth0, UPLINK);
    config.set_interface_mac(eth0, WEFT_MAC).expect("mac");
    config
        .add_del_ip4_address(eth0, WEFT_IP, 24, false)
        .expect("address");
    config.set_interface_state(eth0, true).expect("up");
    config
        .bridge_domain_add(&BridgeArgs::new(BD_ID))
        .expect("bridge domain");
    for (k, h) in BRIDGE_HOSTS.iter().enumerate() {
        config
            .add_del_neighbor(eth0, h.ip, h.mac, true, false)
            .expect("neighbour");
        let t = config
            .vxlan_add_del(&VxlanArgs {
                src: Some(WEFT_IP.into()),
                dst: Some(h.ip.into()),
                vni: Some(h.vni),
                ..VxlanArgs::default()
            })
            .expect("tunnel")
            .expect("created");
        assert_eq!(t, TUNNEL0 + k as u32);
        config.set_l2_bridge(t, BD_ID, false, 0).expect("bridged");
    }
    config.set_vxlan4_fastpath(fastpath);
    let mut worker = Worker::new(pool, standard_graph(&["pg-input"]), handle);
    worker.ports_mut().insert(eth0, Box::new(pg_port));
    for (k, h) in BRIDGE_HOSTS.iter().enumerate() {
        pg.inject(&bridge_rx_frame(
            k,
            &bridge_inner(h.container, EthernetAddress::BROADCAST),
        ));
    }
    while pg.pending_rx() > 0 {
        worker.poll();
    }
    assert_eq!(
        pg.take_tx().len(),
        6,
        "each broadcast flooded to two tunnels"
    );
    let bd = config.bridge_domain(BD_ID).expect("bd 10").bd_index;
    for (k, h) in BRIDGE_HOSTS.iter().enumerate() {
        let e = config.l2fib().lookup(bd, &h.container).expect("learned");
        assert_eq!(e.sw_if_index, TUNNEL0 + k as u32, "host {k} learned");
    }
    worker.remove_port(eth0);
    (config, worker)
}

/// One bridge benchmark: the standard graph with the fast path on or off
/// over [`bridge_lab`]; 256 frames from tunnel0's container per poll, to
/// tunnel1's container (known unicast) or, with `flood`, broadcast (one
/// copy made per frame, the original to the last member).
fn path_bridge(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    fastpath: bool,
    flood: bool,
) {
    let pool = new_pool();
    let (config, mut worker) = bridge_lab(&pool, fastpath);
    let dst = if flood {
        EthernetAddress::BROADCAST
    } else {
        TEST2_MAC
    };
    let inner = bridge_inner(TEST1_MAC, dst);
    let frame = bridge_rx_frame(0, &inner);
    let (port, probe) = LoopPort::new(worker.cache_mut(), "pg-input", &[frame], true, |p| {
        p.meta.rx_if = UPLINK
    });
    // Flood copies are new buffers: the port frees them once sent.
    let port = if flood { port.reaping(&pool) } else { port };
    worker.ports_mut().insert(UPLINK, Box::new(port));
    // Frames out per frame in.
    let fanout: u64 = if flood { 2 } else { 1 };

    let stats = worker.stats().clone();
    let ifc = |sw_if_index: u32, c: IfCounter| stats.interfaces.get(sw_if_index, c);
    let node = |name: &str| worker.graph().node_index(name).expect("a standard node");
    let (fast_node, decap_node) = (node("vxlan4-fastpath"), node("vxlan4-input"));
    let at = |i: usize| stats.nodes[i].vectors.get();
    let before = [
        ifc(TUNNEL0, IfCounter::RxPackets),
        ifc(TUNNEL1, IfCounter::TxPackets),
        ifc(TUNNEL2, IfCounter::TxPackets),
        ifc(UPLINK, IfCounter::Drops),
        at(fast_node),
        at(decap_node),
    ];
    // Before measuring: four polls forward every frame, also after the
    // port recycled the buffers, and the first frame out is tunnel1's.
    let (out, _) = prime_and_capture(&mut worker, &probe, fanout);
    assert_eq!(
        out,
        bridge_tx_frame(1, &inner),
        "the frame koko2 must receive"
    );
    let after = [
        ifc(TUNNEL0, IfCounter::RxPackets),
        ifc(TUNNEL1, IfCounter::TxPackets),
        ifc(TUNNEL2, IfCounter::TxPackets),
        ifc(UPLINK, IfCounter::Drops),
        at(fast_node),
        at(decap_node),
    ];
    let moved: Vec<u64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
    let n4 = 4 * N as u64;
    assert_eq!(
        moved[..4],
        [n4, n4, if flood { n4 } else { 0 }, 0],
        "{name}"
    );
    if fastpath {
        assert_eq!(
            moved[4], n4,
            "the default graph passes through vxlan4-fastpath"
        );
        // Which way the fast path sent them (bridged traffic may or may not
        // have a fused path).
        let way = match moved[5] {
            0 => "vxlan4-fastpath took them",
            n if n == n4 => "vxlan4-fastpath passed them to the node path",
            _ => "vxlan4-fastpath took some",
        };
        eprintln!("path/{name}: {way}");
    } else {
        assert_eq!(moved[4..], [0, n4], "{name}: all on the node path");
    }

    let (loops0, sent0) = (stats.loops.get(), probe.sent.load(Ordering::Relaxed));
    g.bench_function(name, |b| b.iter(|| worker.poll()));

    // Every poll forwarded (and replicated) the whole vector, and the
    // copies went back to the pool: steady state.
    assert_eq!(
        probe.sent.load(Ordering::Relaxed) - sent0,
        fanout * N as u64 * (stats.loops.get() - loops0),
        "packets were dropped while benchmarking"
    );
    assert_eq!(ifc(UPLINK, IfCounter::Drops), after[3], "drops");
    assert_eq!(pool.in_use(), N, "only the port's own buffers are out");
    drop(worker);
    drop(config);
}

// ---------------------------------------------------------------------------
// node

/// Name of the bench input node.
const BENCH_INPUT: &str = "bench-input";

fn leak_info(name: &'static str, kind: NodeKind, next_nodes: &[&'static str]) -> &'static NodeInfo {
    Box::leak(Box::new(NodeInfo {
        name,
        kind,
        next_nodes: Box::leak(next_nodes.to_vec().into_boxed_slice()),
        counters: &[],
    }))
}

/// Polls the [`LoopPort`] and sends everything to the node under test.
struct BenchInput {
    info: &'static NodeInfo,
}

impl Node for BenchInput {
    fn info(&self) -> &'static NodeInfo {
        self.info
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        let NodeCtx { cache, ports, .. } = ctx;
        ports.for_each_rx(BENCH_INPUT, |sw_if_index, port| {
            let room = VECTOR_SIZE - v.bufs.len();
            port.rx(cache, &mut v.bufs, room, sw_if_index);
        });
        v.nexts.resize(v.bufs.len(), 0);
    }
}

/// Stands in for a next node: hands its buffers back to the [`LoopPort`]
/// (on the uplink, where interface-output also transmits them).
struct Sink {
    info: &'static NodeInfo,
}

impl Node for Sink {
    fn info(&self) -> &'static NodeInfo {
        self.info
    }

    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        for b in v.bufs.drain(..) {
            ctx.ports
                .stage(UPLINK, b)
                .expect("the loop port is on the uplink");
        }
        ctx.ports.flush(ctx.cache, |_, _| {});
    }
}

/// The baseline's node under test: touches nothing, sends all to its one
/// next node.
struct PassThrough {
    info: &'static NodeInfo,
}

impl Node for PassThrough {
    fn info(&self) -> &'static NodeInfo {
        self.info
    }

    fn process(&mut self, _ctx: &mut NodeCtx<'_>, v: &mut Vector) {
        v.nexts.resize(v.bufs.len(), 0);
    }
}

/// A graph of bench-input -> the node under test -> one sink per next node,
/// with everything a worker would give it.
struct NodeRig {
    graph: Graph,
    pool: Arc<Pool>,
    cache: PoolCache,
    tables: Tables,
    ports: Ports,
    stats: Arc<WorkerStats>,
    tracer: Tracer,
    punt: Punt,
    probe: Arc<Probe>,
}

impl NodeRig {
    fn new(node: Box<dyn Node>, prepare: impl FnMut(&mut PacketMut<'_>)) -> NodeRig {
        let info = node.info();
        let mut nodes: Vec<Box<dyn Node>> = vec![Box::new(BenchInput {
            info: leak_info(BENCH_INPUT, NodeKind::Input, &[info.name]),
        })];
        for next in info.next_nodes {
            nodes.push(Box::new(Sink {
                info: leak_info(next, NodeKind::Internal, &[]),
            }));
        }
        nodes.push(node);
        let graph = Graph::new(nodes).expect("bench graph");
        let pool = new_pool();
        let mut cache = pool.cache();
        let (port, probe) = LoopPort::new(&mut cache, BENCH_INPUT, &[rx_frame()], false, prepare);
        let mut ports = Ports::default();
        ports.insert(UPLINK, Box::new(port));
        let stats = Arc::new(WorkerStats::new(graph.node_infos(), DEFAULT_MAX_INTERFACES));
        NodeRig {
            graph,
            pool,
            cache,
            tables: fixtures::koko_tables(),
            ports,
            stats,
            tracer: Tracer::new(Arc::new(TraceShared::default())),
            punt: punt_channel(1).0,
            probe,
        }
    }

    /// One pass of the graph: 256 buffers through the node under test.
    #[inline]
    fn run(&mut self) -> usize {
        let mut env = Env {
            pool: &self.pool,
            cache: &mut self.cache,
            tables: &self.tables,
            ports: &mut self.ports,
            stats: &self.stats,
            tracer: &mut self.tracer,
            punt: &self.punt,
        };
        self.graph.run(&mut env)
    }

    /// Packets that reached node `name` so far.
    fn packets_at(&self, name: &str) -> u64 {
        self.graph
            .node_index(name)
            .map_or(0, |i| self.stats.nodes[i].vectors.get())
    }

    /// Runs twice (the second time on recycled buffers) and checks that
    /// every packet went where the real path sends it: to next node
    /// `expect`, or (`None`) straight out through the loop port.
    fn check(&mut self, expect: Option<&str>) {
        for round in 1..=2u64 {
            assert_eq!(self.run(), N);
            assert_eq!(self.probe.sent.load(Ordering::Relaxed), round * N as u64);
            assert_eq!(self.packets_at("error-drop"), 0, "{expect:?}: drops");
            if let Some(next) = expect {
                assert_eq!(self.packets_at(next), round * N as u64, "{next}");
            }
        }
    }
}

/// How to read the `node` group: each figure is one pass of a small graph
/// (bench input -> node -> sinks), so it includes the harness: restoring
/// 256 buffers' metadata, the dispatcher moving them twice (input -> node,
/// node -> sink), the sinks handing them back to the loop port.
/// `node/baseline` is that harness around a node that does nothing, so a
/// node's own cost is about `(figure - baseline) / 256` ns per packet.
///
/// Exception: interface-output hands its buffers to the port itself, so
/// its graph has no node -> sink move and no sink; its difference to the
/// baseline understates its cost by about that much.
///
/// The `path` figure is roughly the sum of the nodes' own costs, plus one
/// dispatcher move per node, plus pg-input and the loop port's restore.
fn node(c: &mut Criterion) {
    let mut g = c.benchmark_group("node");
    g.throughput(Throughput::Elements(N as u64));

    let pass = PassThrough {
        info: leak_info("bench-pass", NodeKind::Internal, &["bench-sink"]),
    };
    let mut rig = NodeRig::new(Box::new(pass), state_before("ethernet-input"));
    rig.check(Some("bench-sink"));
    g.bench_function("baseline", |b| b.iter(|| rig.run()));
    drop(rig);

    for (k, name) in PATH.iter().enumerate() {
        let node = standard_nodes(&[])
            .into_iter()
            .find(|n| n.info().name == *name)
            .expect("a standard node");
        let mut rig = NodeRig::new(node, state_before(name));
        // The last node, interface-output, transmits on the uplink (the
        // loop port) rather than passing buffers to a next node.
        rig.check(PATH.get(k + 1).copied());
        g.bench_function(*name, |b| b.iter(|| rig.run()));
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// pool

fn pool(c: &mut Criterion) {
    let pool = new_pool();
    let mut cache = pool.cache();
    let mut held = Vec::with_capacity(N);
    let mut g = c.benchmark_group("pool");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("alloc_free", |b| {
        b.iter(|| {
            for _ in 0..N {
                held.push(cache.alloc().expect("pool has room"));
            }
            cache.free_all(&mut held);
        })
    });
    g.finish();
    assert_eq!(pool.in_use(), 0);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
}

criterion_group! {
    name = benches;
    config = config();
    targets = path, node, pool
}
criterion_main!(benches);
