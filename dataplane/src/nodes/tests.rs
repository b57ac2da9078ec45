//! Graph tests through the pg driver on the koko configuration: exact
//! bytes out, counters, and no buffer leaked.

use std::net::Ipv4Addr;
use std::sync::Arc;

use etherparse::{EtherType as EpEtherType, Ethernet2Header, IpNumber, Ipv4Header, UdpHeader};

use crate::fixtures::*;
use crate::io::pg::{PgHandle, PgPort};
use crate::pool::{PageSize, Pool, PoolConfig};
use crate::stats::IfCounter;
use crate::tables::{L2Mode, Tables, TablesHandle, new_handle};
use crate::worker::Worker;

struct Rig {
    pool: Arc<Pool>,
    tables: TablesHandle,
    worker: Worker,
    eth0: Arc<PgHandle>,
    punts: std::sync::mpsc::Receiver<crate::punt::PuntMsg>,
}

impl Rig {
    fn new(t: Tables) -> Rig {
        let pool = Pool::new(PoolConfig {
            buffers: 1024,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .unwrap();
        let tables = new_handle();
        tables.store(Arc::new(t));
        let mut worker = Worker::new(&pool, super::standard_graph(&["pg-input"]), tables.clone());
        let (port, eth0) = PgPort::new();
        worker.ports_mut().insert(UPLINK, Box::new(port));
        let (punt, punts) = crate::punt::punt_channel(64);
        worker.set_punt(punt);
        Rig {
            pool,
            tables,
            worker,
            eth0,
            punts,
        }
    }

    fn koko() -> Rig {
        Rig::new(koko_tables())
    }

    /// Two rigs on `tables`: vxlan4-fastpath as `tables` says, and off.
    fn fast_and_node_path(tables: Tables) -> (Rig, Rig) {
        // Each rig learns into its own copy of the L2 FIB.
        let fib = &tables.l2.fib;
        let copy = crate::l2fib::L2Fib::new(fib.capacity(), fib.global_limit());
        for (bd, mac, e) in fib.entries() {
            copy.add(bd, &mac, e).unwrap();
        }
        let mut slow = Tables {
            vxlan4_fastpath: false,
            ..tables.clone()
        };
        slow.l2.fib = Arc::new(copy);
        (Rig::new(tables), Rig::new(slow))
    }

    /// The statistics (`show runtime`) of node `name`.
    fn runtime(&self, name: &str) -> &crate::stats::NodeStats {
        let i = self.worker.graph().node_index(name).unwrap();
        &self.worker.stats().nodes[i]
    }

    /// Injects frames, runs the worker until idle, returns what eth0 sent.
    fn run(&mut self, frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
        for f in frames {
            self.eth0.inject(f);
        }
        while self.eth0.pending_rx() > 0 {
            self.worker.poll();
        }
        self.worker.poll();
        self.eth0.take_tx()
    }

    fn counter(&self, node: &str, description: &str) -> u64 {
        self.worker.stats().node_counter(node, description)
    }

    fn ifc(&self, sw_if_index: u32, c: IfCounter) -> u64 {
        self.worker.stats().interfaces.get(sw_if_index, c)
    }

    fn assert_no_leak(&self) {
        assert_eq!(self.pool.in_use(), 0, "buffers leaked");
    }
}

fn icmp_inner(len: usize) -> Vec<u8> {
    // An inner IPv4 frame that is not UDP: hashed on addresses + protocol.
    let mut f = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 0, 0, len);
    f[14 + 9] = 1;
    crate::fixtures::ipv4_header(&mut f[14..34], TEST1_IP, TEST2_IP, 1, 64, (len - 14) as u16);
    f
}

/// The outer frame weft must send, built independently with etherparse.
fn expected(dst_mac: [u8; 6], dst: Ipv4Addr, sport: u16, vni: u32, inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    Ethernet2Header {
        source: WEFT_MAC.0,
        destination: dst_mac,
        ether_type: EpEtherType::IPV4,
    }
    .write(&mut out)
    .unwrap();
    let mut ip = Ipv4Header::new(
        (8 + 8 + inner.len()) as u16,
        253,
        IpNumber::UDP,
        WEFT_IP.octets(),
        dst.octets(),
    )
    .unwrap();
    ip.dont_fragment = false;
    ip.identification = 0;
    ip.header_checksum = ip.calc_header_checksum();
    ip.write(&mut out).unwrap();
    UdpHeader {
        source_port: sport,
        destination_port: 4789,
        length: (8 + 8 + inner.len()) as u16,
        checksum: 0,
    }
    .write(&mut out)
    .unwrap();
    out.extend_from_slice(&[0x08, 0, 0, 0]);
    out.extend_from_slice(&(vni << 8).to_be_bytes());
    out.extend_from_slice(inner);
    out
}

fn sport_of(frame: &[u8]) -> u16 {
    u16::from_be_bytes([frame[34], frame[35]])
}

#[test]
fn vni11_in_vni12_out_byte_for_byte() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, 60);
    let out = rig.run(&[VxlanFrame::FROM_KOKO1.build(&inner)]);
    assert_eq!(out.len(), 1);
    let sport = sport_of(&out[0]);
    assert!(sport >= 49152, "source port {sport} outside 49152-65535");
    assert_eq!(out[0], expected(KOKO2_MAC.0, KOKO2_IP, sport, 12, &inner));
    assert_eq!(rig.counter("vxlan4-input", "good packets decapsulated"), 1);
    assert_eq!(rig.counter("vxlan4-encap", "good packets encapsulated"), 1);
    assert_eq!(rig.counter("l2-input", "L2 input packets"), 1);
    assert_eq!(rig.counter("l2-output", "L2 output packets"), 1);
    rig.assert_no_leak();
}

#[test]
fn vni12_in_vni11_out_byte_for_byte() {
    let mut rig = Rig::koko();
    let inner = icmp_inner(98);
    let out = rig.run(&[VxlanFrame::FROM_KOKO2.build(&inner)]);
    assert_eq!(out.len(), 1);
    let sport = sport_of(&out[0]);
    assert_eq!(out[0], expected(KOKO1_MAC.0, KOKO1_IP, sport, 11, &inner));
    rig.assert_no_leak();
}

#[test]
fn ethernet_padding_is_trimmed() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let mut frame = VxlanFrame::FROM_KOKO1.build(&inner);
    frame.extend_from_slice(&[0; 8]); // padding after the IPv4 packet
    let out = rig.run(&[frame]);
    assert_eq!(out.len(), 1);
    assert_eq!(&out[0][50..], &inner[..]);
    rig.assert_no_leak();
}

#[test]
fn source_port_is_stable_per_flow_and_varies_across_flows() {
    let mut rig = Rig::koko();
    let flow = |sport: u16| inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, sport, 80, 100);
    let frames: Vec<Vec<u8>> = [1000, 1000, 1001, 1002, 1000]
        .iter()
        .map(|&p| VxlanFrame::FROM_KOKO1.build(&flow(p)))
        .collect();
    let out = rig.run(&frames);
    let ports: Vec<u16> = out.iter().map(|f| sport_of(f)).collect();
    assert_eq!(ports.len(), 5);
    assert_eq!(ports[0], ports[1]);
    assert_eq!(ports[0], ports[4]);
    assert_ne!(ports[0], ports[2]);
    assert_ne!(ports[2], ports[3]);
    assert!(ports.iter().all(|&p| p >= 49152));
    // A non-IP inner frame is hashed on MACs + ethertype.
    let mut arp = vec![0u8; 60];
    arp[0..6].copy_from_slice(&[0xff; 6]);
    arp[6..12].copy_from_slice(&TEST1_MAC.0);
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let out = rig.run(&[VxlanFrame::FROM_KOKO1.build(&arp)]);
    assert_eq!(out.len(), 1);
    assert!(sport_of(&out[0]) >= 49152);
    rig.assert_no_leak();
}

#[test]
fn counters_on_interfaces() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let frame = VxlanFrame::FROM_KOKO1.build(&inner);
    let out = rig.run(&[frame.clone(), frame.clone(), frame.clone()]);
    assert_eq!(out.len(), 3);
    assert_eq!(rig.ifc(UPLINK, IfCounter::RxPackets), 3);
    assert_eq!(rig.ifc(UPLINK, IfCounter::RxBytes), 3 * frame.len() as u64);
    assert_eq!(rig.ifc(UPLINK, IfCounter::Ip4), 3);
    assert_eq!(rig.ifc(TUNNEL0, IfCounter::RxPackets), 3);
    assert_eq!(rig.ifc(TUNNEL0, IfCounter::RxBytes), 3 * 60);
    assert_eq!(rig.ifc(TUNNEL1, IfCounter::TxPackets), 3);
    assert_eq!(rig.ifc(TUNNEL1, IfCounter::TxBytes), 3 * 60);
    assert_eq!(rig.ifc(UPLINK, IfCounter::TxPackets), 3);
    assert_eq!(rig.ifc(UPLINK, IfCounter::TxBytes), 3 * 110);
    assert_eq!(rig.ifc(UPLINK, IfCounter::Drops), 0);
    rig.assert_no_leak();
}

#[test]
fn tunnel_delete_stops_forwarding() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let frame = VxlanFrame::FROM_KOKO1.build(&inner);
    assert_eq!(rig.run(std::slice::from_ref(&frame)).len(), 1);
    // Delete vxlan_tunnel0: its key, tunnel and interface go; the peer
    // returns to L3.
    let mut t = koko_tables();
    t.generation += 1;
    t.vxlan4.retain(|_, &mut v| v != 0);
    t.tunnels[0] = None;
    t.interfaces[TUNNEL0 as usize] = None;
    t.interfaces[TUNNEL1 as usize].as_mut().unwrap().l2 = L2Mode::L3;
    rig.tables.store(Arc::new(t));
    assert!(rig.run(&[frame.clone(), frame]).is_empty());
    assert_eq!(rig.counter("vxlan4-input", "no such tunnel packets"), 2);
    assert_eq!(rig.ifc(UPLINK, IfCounter::Drops), 2);
    rig.assert_no_leak();
}

#[test]
fn tunnel_not_in_l2_mode_drops() {
    let mut t = koko_tables();
    t.interfaces[TUNNEL0 as usize].as_mut().unwrap().l2 = L2Mode::L3;
    let mut rig = Rig::new(t);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    assert!(rig.run(&[VxlanFrame::FROM_KOKO1.build(&inner)]).is_empty());
    assert_eq!(rig.counter("vxlan4-input", "good packets decapsulated"), 1);
    assert_eq!(rig.counter("l2-input", "L2 input drops"), 1);
    assert_eq!(rig.ifc(TUNNEL0, IfCounter::Drops), 1);
    rig.assert_no_leak();
}

#[test]
fn unresolved_next_hop_holds_then_sends() {
    let mut t = koko_tables();
    t.tunnels[1].as_mut().unwrap().encap = None;
    let mut rig = Rig::new(t);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let frame = VxlanFrame::FROM_KOKO1.build(&inner);
    assert!(rig.run(std::slice::from_ref(&frame)).is_empty());
    assert_eq!(rig.counter("vxlan4-encap", "tunnel next hop unresolved"), 1);
    assert_eq!(
        rig.counter("vxlan4-hold", "held for next hop resolution"),
        1
    );
    assert_eq!(rig.pool.in_use(), 1, "the packet waits in the hold queue");
    // The next hop resolves: the control plane publishes the rewrite.
    let mut t = koko_tables();
    t.generation += 1;
    rig.tables.store(Arc::new(t));
    rig.worker.poll();
    let sent = rig.eth0.take_tx();
    let want = Rig::koko().run(&[frame]);
    assert_eq!(sent, want, "sent exactly as if it had been resolved");
    assert_eq!(
        rig.counter("vxlan4-hold", "sent after next hop resolution"),
        1
    );
    assert_eq!(rig.ifc(TUNNEL1, IfCounter::TxPackets), 1);
    rig.assert_no_leak();
}

#[test]
fn held_packets_expire_and_the_queue_is_bounded() {
    use super::vxlan4_hold::{HOLD_MAX, HOLD_TIME};
    let mut t = koko_tables();
    t.tunnels[1].as_mut().unwrap().encap = None;
    let mut rig = Rig::new(t);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let frames = vec![VxlanFrame::FROM_KOKO1.build(&inner); HOLD_MAX + 5];
    assert!(rig.run(&frames).is_empty());
    assert_eq!(
        rig.counter("vxlan4-hold", "held for next hop resolution"),
        HOLD_MAX as u64
    );
    assert_eq!(rig.counter("vxlan4-hold", "hold queue full"), 5);
    assert_eq!(rig.pool.in_use(), HOLD_MAX);
    std::thread::sleep(HOLD_TIME + std::time::Duration::from_millis(100));
    rig.worker.poll();
    rig.worker.poll();
    assert!(rig.eth0.take_tx().is_empty());
    assert_eq!(
        rig.counter("vxlan4-hold", "next hop resolution timed out"),
        HOLD_MAX as u64
    );
    assert_eq!(rig.ifc(TUNNEL0, IfCounter::Drops), HOLD_MAX as u64 + 5);
    rig.assert_no_leak();
}

#[test]
fn held_packets_are_freed_with_the_worker() {
    let mut t = koko_tables();
    t.tunnels[1].as_mut().unwrap().encap = None;
    let mut rig = Rig::new(t);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    assert!(rig.run(&[VxlanFrame::FROM_KOKO1.build(&inner)]).is_empty());
    let pool = rig.pool.clone();
    assert_eq!(pool.in_use(), 1);
    drop(rig);
    assert_eq!(pool.in_use(), 0, "the hold queue is drained on drop");
}

#[test]
fn inner_frame_over_uplink_mtu_drops() {
    let mut rig = Rig::koko();
    // 1464 bytes of inner frame make a 1500-byte outer IPv4 packet: fits.
    let fits = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 1464);
    let too_big = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 1465);
    let out = rig.run(&[
        VxlanFrame::FROM_KOKO1.build(&fits),
        VxlanFrame::FROM_KOKO1.build(&too_big),
    ]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].len(), 1464 + 50);
    assert_eq!(
        rig.counter("vxlan4-encap", "MTU exceeded after encapsulation"),
        1
    );
    rig.assert_no_leak();
}

/// Every malformed case lands in its own named counter, and nothing leaks.
#[test]
fn decap_error_cases_are_counted() {
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let good = VxlanFrame::FROM_KOKO1;
    let set_csum = |f: &mut Vec<u8>| {
        f[24] = 0;
        f[25] = 0;
        let c = !crate::wire::checksum::data(&f[14..14 + ((f[14] & 0xf) as usize * 4)]);
        f[24..26].copy_from_slice(&c.to_be_bytes());
    };
    type Mangle = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, &str, Vec<u8>, Mangle)> = vec![
        (
            "vxlan4-input",
            "packets with bad flags field in vxlan header",
            VxlanFrame {
                flags: 0x0c,
                ..good
            }
            .build(&inner),
            Box::new(|_| {}),
        ),
        (
            "vxlan4-input",
            "no such tunnel packets",
            VxlanFrame { vni: 99, ..good }.build(&inner),
            Box::new(|_| {}),
        ),
        (
            "vxlan4-input",
            "no such tunnel packets",
            // VNI 11 with a non-zero reserved byte.
            good.build(&inner),
            Box::new(|f| f[49] = 1),
        ),
        (
            "vxlan4-input",
            "no such tunnel packets",
            // From an address that is not the tunnel's remote.
            VxlanFrame {
                src: Ipv4Addr::new(10, 99, 0, 9),
                ..good
            }
            .build(&inner),
            Box::new(|_| {}),
        ),
        (
            "ip4-udp-lookup",
            "No listener for dst port",
            VxlanFrame {
                dport: 4790,
                ..good
            }
            .build(&inner),
            Box::new(|_| {}),
        ),
        (
            "vxlan4-input",
            "inner frame too short",
            good.build(&inner[..13]),
            Box::new(|_| {}),
        ),
        (
            "vxlan4-input",
            "packets shorter than a vxlan header",
            good.build(&[]),
            Box::new(move |f| {
                // Cut the VXLAN header to 4 bytes, fixing the lengths.
                f.truncate(46);
                f[16..18].copy_from_slice(&32u16.to_be_bytes());
                f[38..40].copy_from_slice(&12u16.to_be_bytes());
                set_csum(f);
            }),
        ),
        (
            "ip4-input",
            "bad ip4 checksum",
            good.build(&inner),
            Box::new(|f| f[24] ^= 0xff),
        ),
        (
            "ip4-input",
            "ip4 ttl <= 1",
            VxlanFrame { ttl: 0, ..good }.build(&inner),
            Box::new(|_| {}),
        ),
        (
            "ip4-input",
            "ip4 version != 4",
            good.build(&inner),
            Box::new(move |f| {
                f[14] = 0x65;
                set_csum(f);
            }),
        ),
        (
            "ip4-input",
            "ip4 IHL < 5",
            good.build(&inner),
            Box::new(move |f| {
                f[14] = 0x44;
            }),
        ),
        (
            "ip4-input",
            "ip4 length > l2 length",
            good.build(&inner),
            Box::new(move |f| {
                f[16..18].copy_from_slice(&2000u16.to_be_bytes());
                set_csum(f);
            }),
        ),
        (
            "ip4-input",
            "ip4 length < 20 bytes",
            good.build(&inner),
            Box::new(|f| f.truncate(14 + 19)),
        ),
        (
            "ip4-input",
            "ip4 destination lookup miss",
            VxlanFrame {
                dst: Ipv4Addr::new(10, 99, 0, 77),
                ..good
            }
            .build(&inner),
            Box::new(|_| {}),
        ),
        (
            "ip4-local",
            "inconsistent udp/ip lengths",
            good.build(&inner),
            Box::new(|f| f[38..40].copy_from_slice(&9999u16.to_be_bytes())),
        ),
        (
            "ip4-local",
            "ip4 fragment (no reassembly)",
            good.build(&inner),
            Box::new(move |f| {
                f[20] = 0x20; // more fragments
                set_csum(f);
            }),
        ),
        (
            "ethernet-input",
            "l3 mac mismatch",
            VxlanFrame {
                dst_mac: KOKO2_MAC,
                ..good
            }
            .build(&inner),
            Box::new(|_| {}),
        ),
        (
            "ethernet-input",
            "unknown ethernet type",
            good.build(&inner),
            Box::new(|f| f[12..14].copy_from_slice(&[0x88, 0xb5])),
        ),
        (
            "ethernet-input",
            "unknown vlan",
            good.build(&inner),
            Box::new(|f| f[12..14].copy_from_slice(&[0x81, 0x00])),
        ),
        (
            "ethernet-input",
            "frame shorter than ethernet header",
            vec![0xff; 10],
            Box::new(|_| {}),
        ),
    ];
    for (node, counter, mut frame, mangle) in cases {
        let mut rig = Rig::koko();
        mangle(&mut frame);
        let out = rig.run(&[frame]);
        assert!(out.is_empty(), "{node}: {counter}: forwarded");
        assert_eq!(rig.counter(node, counter), 1, "{node}: {counter}");
        assert_eq!(rig.ifc(UPLINK, IfCounter::Drops), 1, "{counter}: drops");
        assert_eq!(
            rig.counter("vxlan4-input", "good packets decapsulated"),
            0,
            "{counter}"
        );
        rig.assert_no_leak();
    }
}

#[test]
fn interface_down_drops() {
    let mut t = koko_tables();
    t.interfaces[UPLINK as usize].as_mut().unwrap().up = false;
    let mut rig = Rig::new(t);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    assert!(rig.run(&[VxlanFrame::FROM_KOKO1.build(&inner)]).is_empty());
    assert_eq!(rig.counter("ethernet-input", "subinterface down"), 1);
    rig.assert_no_leak();
}

#[test]
fn trace_follows_a_packet_through_the_nodes() {
    // The node path (with the fast path on, see
    // traced_packets_take_the_fast_path).
    let mut rig = Rig::new(Tables {
        vxlan4_fastpath: false,
        ..koko_tables()
    });
    rig.worker.trace().add_budget("pg-input", 1);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let f = VxlanFrame::FROM_KOKO1.build(&inner);
    rig.run(&[f.clone(), f]);
    let packets = rig.worker.trace().packets.lock().unwrap().clone();
    assert_eq!(packets.len(), 1, "only one packet was asked for");
    let path: Vec<&str> = packets[0].entries.iter().map(|e| e.node).collect();
    assert_eq!(
        path,
        [
            "pg-input",
            "ethernet-input",
            "ip4-input",
            "vxlan4-input",
            "l2-input",
            "l2-output",
            "vxlan4-encap",
            "interface-output"
        ]
    );
    assert_eq!(
        packets[0].entries[3].text,
        "VXLAN decap from vxlan_tunnel0 vni 11 next 1 error 0"
    );
    assert_eq!(
        packets[0].entries[6].text,
        "VXLAN encap to vxlan_tunnel1 vni 12"
    );
    rig.assert_no_leak();
}

#[test]
fn runtime_stats_count_calls_and_vectors() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let frames: Vec<Vec<u8>> = (0..300)
        .map(|_| VxlanFrame::FROM_KOKO1.build(&inner))
        .collect();
    assert_eq!(rig.run(&frames).len(), 300);
    // The fast path takes them all (vxlan4-input's counter still counts).
    let fast = rig.runtime("vxlan4-fastpath");
    assert_eq!(fast.vectors.get(), 300);
    // 300 packets arrive as a vector of 256 and one of 44.
    assert_eq!(fast.calls.get(), 2);
    assert!(fast.clocks.get() > 0);
    assert_eq!(rig.runtime("vxlan4-input").vectors.get(), 0);
    assert_eq!(
        rig.counter("vxlan4-input", "good packets decapsulated"),
        300
    );
    rig.assert_no_leak();

    // With the fast path off, the node path runs.
    let mut rig = Rig::new(Tables {
        vxlan4_fastpath: false,
        ..koko_tables()
    });
    assert_eq!(rig.run(&frames).len(), 300);
    let input = rig.runtime("vxlan4-input");
    assert_eq!(input.vectors.get(), 300);
    assert_eq!(input.calls.get(), 2);
    assert_eq!(rig.runtime("vxlan4-fastpath").vectors.get(), 0);
    rig.assert_no_leak();
}

#[test]
fn pool_exhaustion_counts_rx_no_buf_and_recovers() {
    let pool = Pool::new(PoolConfig {
        buffers: 8,
        page_size: PageSize::Normal,
        ..PoolConfig::default()
    })
    .unwrap();
    let tables = new_handle();
    tables.store(Arc::new(koko_tables()));
    let mut worker = Worker::new(&pool, super::standard_graph(&["pg-input"]), tables);
    let (port, eth0) = PgPort::new();
    worker.ports_mut().insert(UPLINK, Box::new(port));
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let f = VxlanFrame::FROM_KOKO1.build(&inner);
    // Hold 6 of 8 buffers, as a stuck device would.
    let cache = worker.cache_mut();
    let mut held: Vec<_> = (0..6).map(|_| cache.alloc().unwrap()).collect();
    for _ in 0..5 {
        eth0.inject(&f);
    }
    worker.poll();
    assert_eq!(eth0.take_tx().len(), 2);
    assert_eq!(worker.stats().interfaces.get(UPLINK, IfCounter::RxNoBuf), 3);
    worker.cache_mut().free_all(&mut held);
    for _ in 0..5 {
        eth0.inject(&f);
    }
    worker.poll();
    assert_eq!(eth0.take_tx().len(), 5);
    assert_eq!(pool.in_use(), 0);
}

/// Every counter has a symbolic name fit for a Prometheus label value and
/// unique within its node (the `err{node,error}` series of `/metrics`),
/// and VPP's names stay what VPP calls them.
#[test]
fn counter_symbols_are_unique_per_node_and_vpp_names_kept() {
    let graph = super::standard_graph(&["pg-input", "af_xdp-input", "af-packet-input"]);
    let mut tables: Vec<(&str, &[crate::graph::CounterDesc])> = graph
        .node_infos()
        .iter()
        .map(|i| (i.name, i.counters))
        .collect();
    tables.push((
        "af-packet-input (driver)",
        crate::io::af_packet::Counter::DESCS,
    ));
    tables.push(("xdp-fastpath", crate::io::xdp_fastpath::Counter::DESCS));
    for (node, descs) in tables {
        let mut seen = std::collections::HashSet::new();
        for d in descs {
            assert!(
                !d.name.is_empty()
                    && d.name.starts_with(|c: char| c.is_ascii_lowercase())
                    && d.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{node}: bad symbol {:?} for {:?}",
                d.name,
                d.description
            );
            assert!(seen.insert(d.name), "{node}: {} twice", d.name);
        }
    }
    // A few of VPP's own names (vxlan_error.def, ip.api, arp.api,
    // l2_learn.c, interface.c): the contract dashboards rely on.
    let symbol = |descs: &[crate::graph::CounterDesc], desc: &str| {
        descs.iter().find(|d| d.description == desc).map(|d| d.name)
    };
    use super::*;
    assert_eq!(
        symbol(vxlan4_input::Counter::DESCS, "no such tunnel packets"),
        Some("no_such_tunnel")
    );
    assert_eq!(
        symbol(vxlan4_input::Counter::DESCS, "good packets decapsulated"),
        Some("decapsulated")
    );
    assert_eq!(
        symbol(vxlan4_encap::Counter::DESCS, "good packets encapsulated"),
        Some("encapsulated")
    );
    assert_eq!(
        symbol(ip4_input::Counter::DESCS, "bad ip4 checksum"),
        Some("bad_checksum")
    );
    assert_eq!(
        symbol(arp_reply::Counter::DESCS, "ARP replies sent"),
        Some("replies_sent")
    );
    assert_eq!(
        symbol(l2_learn::Counter::DESCS, "L2 mac moves"),
        Some("mac_move")
    );
    assert_eq!(
        symbol(interface_output::Counter::DESCS, "interface is down"),
        Some("interface_down")
    );
}

/// Every counter a node declares is counted somewhere in that node's file
/// (a declared counter that can never move misleads `show errors`).
#[test]
fn every_declared_counter_is_used() {
    let files = [
        ("ethernet_input.rs", include_str!("ethernet_input.rs")),
        ("ip4_input.rs", include_str!("ip4_input.rs")),
        ("ip4_local.rs", include_str!("ip4_local.rs")),
        ("ip4_udp_lookup.rs", include_str!("ip4_udp_lookup.rs")),
        ("vxlan4_input.rs", include_str!("vxlan4_input.rs")),
        ("l2_input.rs", include_str!("l2_input.rs")),
        ("l2_output.rs", include_str!("l2_output.rs")),
        ("l2_learn.rs", include_str!("l2_learn.rs")),
        ("l2_fwd.rs", include_str!("l2_fwd.rs")),
        ("l2_flood.rs", include_str!("l2_flood.rs")),
        ("arp_term_l2bd.rs", include_str!("arp_term_l2bd.rs")),
        ("vxlan4_encap.rs", include_str!("vxlan4_encap.rs")),
        ("interface_output.rs", include_str!("interface_output.rs")),
        ("arp_reply.rs", include_str!("arp_reply.rs")),
        ("ip4_icmp_input.rs", include_str!("ip4_icmp_input.rs")),
        ("vxlan4_hold.rs", include_str!("vxlan4_hold.rs")),
        ("ip6_input.rs", include_str!("ip6_input.rs")),
        ("ip6_icmp_input.rs", include_str!("ip6_icmp_input.rs")),
        ("vxlan6_input.rs", include_str!("vxlan6_input.rs")),
        ("vxlan6_encap.rs", include_str!("vxlan6_encap.rs")),
    ];
    // vxlan4-fastpath has no counters of its own: it counts the good
    // counters of the nodes whose work it does.
    assert!(!include_str!("vxlan4_fastpath.rs").contains("crate::counters!"));
    for (file, src) in files {
        let start = src.find("crate::counters! {").expect(file);
        let end = start + src[start..].find("\n}\n").expect(file);
        let decl = &src[start..end];
        let rest = format!("{}{}", &src[..start], &src[end..]);
        let mut n = 0;
        for line in decl.lines() {
            let line = line.trim();
            if line.starts_with("///") || !line.contains(" = (") {
                continue;
            }
            let variant = line.split_whitespace().next().unwrap();
            n += 1;
            assert!(
                rest.contains(&format!("Counter::{variant}")),
                "{file}: counter {variant} is declared but never counted"
            );
        }
        assert!(n > 0, "{file}: no counters found");
    }
}

/// An ARP frame (Ethernet + 28 bytes), written by hand.
#[allow(clippy::too_many_arguments)]
fn arp_frame(
    eth_dst: [u8; 6],
    eth_src: [u8; 6],
    op: u16,
    sha: [u8; 6],
    spa: Ipv4Addr,
    tha: [u8; 6],
    tpa: Ipv4Addr,
) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&eth_dst);
    f.extend_from_slice(&eth_src);
    f.extend_from_slice(&[0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4]);
    f.extend_from_slice(&op.to_be_bytes());
    f.extend_from_slice(&sha);
    f.extend_from_slice(&spa.octets());
    f.extend_from_slice(&tha);
    f.extend_from_slice(&tpa.octets());
    f
}

#[test]
fn arp_request_for_weft_is_answered_and_sender_learned() {
    let mut rig = Rig::koko();
    let req = arp_frame(
        [0xff; 6],
        KOKO1_MAC.0,
        1,
        KOKO1_MAC.0,
        KOKO1_IP,
        [0; 6],
        WEFT_IP,
    );
    let mut padded = req.clone();
    padded.resize(60, 0); // minimum Ethernet frame, as a NIC delivers it
    let out = rig.run(&[padded]);
    let want = arp_frame(
        KOKO1_MAC.0,
        WEFT_MAC.0,
        2,
        WEFT_MAC.0,
        WEFT_IP,
        KOKO1_MAC.0,
        KOKO1_IP,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(&out[0][..42], &want[..], "the reply");
    assert_eq!(rig.counter("arp-reply", "ARP replies sent"), 1);
    assert_eq!(
        rig.counter("arp-reply", "ARP request IP4 source address learned"),
        1
    );
    assert_eq!(
        rig.punts.try_recv().unwrap(),
        crate::punt::PuntMsg::Neighbor {
            sw_if_index: UPLINK,
            ip: KOKO1_IP.into(),
            mac: KOKO1_MAC,
            kind: crate::punt::ArpKind::Request,
        }
    );
    // A gratuitous ARP (sender = target) from koko1: not answered, punted
    // as an announcement.
    let garp = arp_frame(
        [0xff; 6],
        KOKO1_MAC.0,
        1,
        KOKO1_MAC.0,
        KOKO1_IP,
        [0; 6],
        KOKO1_IP,
    );
    assert!(rig.run(&[garp]).is_empty());
    assert_eq!(rig.counter("arp-reply", "gratuitous ARP received"), 1);
    assert_eq!(
        rig.punts.try_recv().unwrap(),
        crate::punt::PuntMsg::Neighbor {
            sw_if_index: UPLINK,
            ip: KOKO1_IP.into(),
            mac: KOKO1_MAC,
            kind: crate::punt::ArpKind::Announcement,
        }
    );
    rig.assert_no_leak();
}

#[test]
fn arp_cases_are_counted() {
    let other = Ipv4Addr::new(10, 99, 0, 50);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "IP4 destination address not local to subnet",
            arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                1,
                KOKO1_MAC.0,
                KOKO1_IP,
                [0; 6],
                other,
            ),
        ),
        (
            "ARP probe dropped",
            arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                1,
                KOKO1_MAC.0,
                Ipv4Addr::UNSPECIFIED,
                [0; 6],
                WEFT_IP,
            ),
        ),
        (
            "ARP hw addr does not match L2 frame src addr",
            arp_frame(
                [0xff; 6],
                KOKO2_MAC.0,
                1,
                KOKO1_MAC.0,
                KOKO1_IP,
                [0; 6],
                WEFT_IP,
            ),
        ),
        (
            "IP4 source address matches local interface",
            arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                1,
                KOKO1_MAC.0,
                WEFT_IP,
                [0; 6],
                KOKO1_IP,
            ),
        ),
        (
            "ARP opcode not request",
            arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                9,
                KOKO1_MAC.0,
                KOKO1_IP,
                [0; 6],
                WEFT_IP,
            ),
        ),
        ("ARP packet too short", {
            let mut f = arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                1,
                KOKO1_MAC.0,
                KOKO1_IP,
                [0; 6],
                WEFT_IP,
            );
            f.truncate(14 + 20);
            f
        }),
        ("L2 type not ethernet", {
            let mut f = arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                1,
                KOKO1_MAC.0,
                KOKO1_IP,
                [0; 6],
                WEFT_IP,
            );
            f[15] = 6; // hardware type 6 (IEEE 802)
            f
        }),
        ("L3 type not IP4", {
            let mut f = arp_frame(
                [0xff; 6],
                KOKO1_MAC.0,
                1,
                KOKO1_MAC.0,
                KOKO1_IP,
                [0; 6],
                WEFT_IP,
            );
            f[16] = 0x86; // protocol 0x86dd
            f[17] = 0xdd;
            f
        }),
    ];
    for (counter, frame) in cases {
        let mut rig = Rig::koko();
        assert!(rig.run(&[frame]).is_empty(), "{counter}: answered");
        assert_eq!(rig.counter("arp-reply", counter), 1, "{counter}");
        assert!(rig.punts.try_recv().is_err(), "{counter}: learned");
        rig.assert_no_leak();
    }
    // A reply to weft is learned and consumed.
    let mut rig = Rig::koko();
    let reply = arp_frame(
        WEFT_MAC.0,
        KOKO2_MAC.0,
        2,
        KOKO2_MAC.0,
        KOKO2_IP,
        WEFT_MAC.0,
        WEFT_IP,
    );
    assert!(rig.run(&[reply]).is_empty());
    assert_eq!(rig.counter("arp-reply", "ARP replies received"), 1);
    assert!(matches!(
        rig.punts.try_recv().unwrap(),
        crate::punt::PuntMsg::Neighbor { ip, .. } if ip == std::net::IpAddr::V4(KOKO2_IP)
    ));
    rig.assert_no_leak();
}

fn echo(src_mac: [u8; 6], src: Ipv4Addr, ty: u8, ident: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; 14 + 20 + 8];
    f[0..6].copy_from_slice(&WEFT_MAC.0);
    f[6..12].copy_from_slice(&src_mac);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(payload);
    let total = (f.len() - 14) as u16;
    crate::fixtures::ipv4_header(&mut f[14..34], src, WEFT_IP, 1, 64, total);
    f[34] = ty;
    f[38..40].copy_from_slice(&ident.to_be_bytes());
    f[40..42].copy_from_slice(&seq.to_be_bytes());
    let c = !crate::wire::checksum::data(&f[34..]);
    f[36..38].copy_from_slice(&c.to_be_bytes());
    f
}

#[test]
fn ping_to_weft_is_answered() {
    let mut rig = Rig::koko();
    let payload: Vec<u8> = (0..56).collect();
    let out = rig.run(&[echo(KOKO1_MAC.0, KOKO1_IP, 8, 0x1234, 7, &payload)]);
    assert_eq!(out.len(), 1);
    // Expected reply, built independently with etherparse.
    let mut want = Vec::new();
    Ethernet2Header {
        source: WEFT_MAC.0,
        destination: KOKO1_MAC.0,
        ether_type: EpEtherType::IPV4,
    }
    .write(&mut want)
    .unwrap();
    let icmp = etherparse::Icmpv4Header::with_checksum(
        etherparse::Icmpv4Type::EchoReply(etherparse::IcmpEchoHeader { id: 0x1234, seq: 7 }),
        &payload,
    );
    let mut ip = Ipv4Header::new(
        (8 + payload.len()) as u16,
        64,
        IpNumber::ICMP,
        WEFT_IP.octets(),
        KOKO1_IP.octets(),
    )
    .unwrap();
    ip.dont_fragment = false;
    ip.header_checksum = ip.calc_header_checksum();
    ip.write(&mut want).unwrap();
    icmp.write(&mut want).unwrap();
    want.extend_from_slice(&payload);
    assert_eq!(out[0], want);
    assert_eq!(rig.counter("ip4-icmp-input", "echo replies sent"), 1);
    rig.assert_no_leak();
}

#[test]
fn icmp_cases_are_counted_and_replies_punted() {
    let mut rig = Rig::koko();
    let mut bad = echo(KOKO1_MAC.0, KOKO1_IP, 8, 1, 1, &[1, 2, 3, 4]);
    bad[36] ^= 0xff;
    let unknown = echo(KOKO1_MAC.0, KOKO1_IP, 13, 1, 1, &[]);
    let reply = echo(KOKO1_MAC.0, KOKO1_IP, 0, 0xbeef, 3, &[0; 20]);
    assert!(rig.run(&[bad, unknown, reply]).is_empty());
    assert_eq!(rig.counter("ip4-icmp-input", "bad icmp checksum"), 1);
    assert_eq!(rig.counter("ip4-icmp-input", "unknown type"), 1);
    assert_eq!(rig.counter("ip4-icmp-input", "echo replies received"), 1);
    match rig.punts.try_recv().unwrap() {
        crate::punt::PuntMsg::EchoReply {
            src,
            ident,
            seq,
            ttl,
            len,
            ..
        } => assert_eq!(
            (src, ident, seq, ttl, len),
            (KOKO1_IP.into(), 0xbeef, 3, 64, 28)
        ),
        other => panic!("unexpected punt {other:?}"),
    }
    // The reply is consumed, not dropped: the uplink's drops count the
    // bad and unknown ones only (issue 18: `ping` raised them).
    assert_eq!(rig.ifc(UPLINK, IfCounter::Drops), 2);
    // A traced reply ends in ip4-icmp-echo-reply, in VPP's words.
    rig.worker.trace().add_budget("pg-input", 1);
    let reply = echo(KOKO1_MAC.0, KOKO1_IP, 0, 0xbeef, 4, &[0; 20]);
    assert!(rig.run(&[reply]).is_empty());
    let path = rig.take_trace();
    assert_eq!(
        path[0].last().unwrap(),
        &(
            "ip4-icmp-echo-reply".to_string(),
            "ICMP4 echo id 48879 seq 4 send to ping".to_string()
        ),
        "{path:?}"
    );
    assert_eq!(rig.ifc(UPLINK, IfCounter::Drops), 2);
    assert_eq!(rig.counter("ip4-icmp-input", "echo replies received"), 2);
    rig.assert_no_leak();
}

/// A control plane that does not keep up: punts beyond the queue are
/// dropped and counted under the node, and the packet path goes on (ARP
/// requests are still answered).
#[test]
fn full_punt_queue_is_counted() {
    let mut rig = Rig::koko();
    // One message of room, never drained.
    let (punt, _punts) = crate::punt::punt_channel(1);
    rig.worker.set_punt(punt);
    let req = arp_frame(
        [0xff; 6],
        KOKO1_MAC.0,
        1,
        KOKO1_MAC.0,
        KOKO1_IP,
        [0; 6],
        WEFT_IP,
    );
    let reply = echo(KOKO1_MAC.0, KOKO1_IP, 0, 0xbeef, 3, &[0; 20]);
    let out = rig.run(&[req.clone(), req.clone(), req, reply.clone(), reply]);
    assert_eq!(out.len(), 3, "every request answered");
    assert_eq!(rig.counter("arp-reply", "ARP replies sent"), 3);
    assert_eq!(rig.counter("arp-reply", "ARP punt queue full"), 2);
    assert_eq!(rig.counter("ip4-icmp-input", "echo replies received"), 2);
    assert_eq!(
        rig.counter("ip4-icmp-input", "echo reply punt queue full"),
        2
    );
    // With room again, nothing more is counted.
    let (punt, punts) = crate::punt::punt_channel(8);
    rig.worker.set_punt(punt);
    let req = arp_frame(
        [0xff; 6],
        KOKO2_MAC.0,
        1,
        KOKO2_MAC.0,
        KOKO2_IP,
        [0; 6],
        WEFT_IP,
    );
    assert_eq!(rig.run(&[req]).len(), 1);
    assert_eq!(rig.counter("arp-reply", "ARP punt queue full"), 2);
    assert!(matches!(
        punts.try_recv(),
        Ok(crate::punt::PuntMsg::Neighbor {
            ip: std::net::IpAddr::V4(KOKO2_IP),
            ..
        })
    ));
    rig.assert_no_leak();
}

#[test]
fn injected_frames_are_sent() {
    let mut rig = Rig::koko();
    let frame = arp_frame(
        [0xff; 6], WEFT_MAC.0, 1, WEFT_MAC.0, WEFT_IP, [0; 6], KOKO2_IP,
    );
    assert!(rig.worker.injector().send(crate::punt::Inject {
        sw_if_index: UPLINK,
        frame: frame.clone(),
    }));
    let out = rig.run(&[]);
    assert_eq!(out, vec![frame]);
    rig.assert_no_leak();
}

/// interface-output takes a vector for one interface whole, and a mixed
/// vector packet by packet: the same frames leave, in order, and the same
/// counters count either way.
#[test]
fn interface_output_sends_whole_and_mixed_vectors() {
    let mut t = koko_tables();
    // sw_if_index 4: a device that is up but has no port on this worker.
    let mut other = t.interfaces[UPLINK as usize].clone().unwrap();
    other.sw_if_index = 4;
    t.interfaces.push(Some(other));
    let mut rig = Rig::new(t);
    let frame = |k: u8| {
        let mut f = arp_frame(
            [0xff; 6], WEFT_MAC.0, 1, WEFT_MAC.0, WEFT_IP, [0; 6], KOKO2_IP,
        );
        f[41] = k;
        f
    };
    let mut send = |to: &[u32]| {
        for (k, sw_if_index) in to.iter().enumerate() {
            assert!(rig.worker.injector().send(crate::punt::Inject {
                sw_if_index: *sw_if_index,
                frame: frame(k as u8),
            }));
        }
        rig.run(&[])
    };
    // Whole: three frames for the uplink.
    let out = send(&[UPLINK; 3]);
    assert_eq!(out, (0..3).map(frame).collect::<Vec<_>>());
    // Mixed: local0 is down, tunnel0 is not a device, 4 has no port here,
    // 9 does not exist; the uplink's frames leave in order.
    let out = send(&[UPLINK, 0, UPLINK, TUNNEL0, 4, 9, UPLINK]);
    assert_eq!(out, vec![frame(0), frame(2), frame(6)]);
    // Whole but for a down interface: all dropped.
    assert!(send(&[0, 0]).is_empty());
    assert_eq!(rig.ifc(UPLINK, IfCounter::TxPackets), 6);
    assert_eq!(
        rig.ifc(UPLINK, IfCounter::TxBytes),
        6 * frame(0).len() as u64
    );
    assert_eq!(rig.counter("interface-output", "interface is down"), 3);
    assert_eq!(
        rig.counter("interface-output", "no device for tx interface"),
        3
    );
    rig.assert_no_leak();
}

/// A frame longer than the L3 MTU + 18 is dropped and counted, alone in a
/// vector (the whole-vector path) and among others (packet by packet);
/// frames of exactly the limit leave.
#[test]
fn interface_output_counts_frames_beyond_the_mtu() {
    let mut t = koko_tables();
    let up = t.interfaces[UPLINK as usize].as_mut().unwrap();
    up.mtu = 100;
    let mut rig = Rig::new(t);
    let frame = |len: usize| {
        let mut f = arp_frame(
            [0xff; 6], WEFT_MAC.0, 1, WEFT_MAC.0, WEFT_IP, [0; 6], KOKO2_IP,
        );
        f.resize(len, 0xa5);
        f
    };
    let mut send = |lens: &[usize]| {
        for &len in lens {
            assert!(rig.worker.injector().send(crate::punt::Inject {
                sw_if_index: UPLINK,
                frame: frame(len),
            }));
        }
        rig.run(&[])
    };
    assert_eq!(send(&[118, 118]), vec![frame(118), frame(118)]);
    assert!(send(&[119]).is_empty());
    assert_eq!(send(&[60, 119, 118, 1500]), vec![frame(60), frame(118)]);
    assert_eq!(
        rig.counter("interface-output", "frame exceeds interface MTU"),
        3
    );
    assert_eq!(rig.ifc(UPLINK, IfCounter::TxPackets), 4);
    rig.assert_no_leak();
}

/// `show errors` prints the reason in a 35-column field that truncates
/// (vppinfra's `%=35s`): every reason weft words itself must fit. VPP's own
/// longer strings are kept word for word (VPP truncates them too).
#[test]
fn counter_descriptions_fit_show_errors() {
    const VPP_WORDING: &[&str] = &[
        "IP4 destination address not local to subnet",
        "IP4 source address matches local interface",
        "ARP request IP4 source address learned",
        "ARP hw addr does not match L2 frame src addr",
        "packets with bad flags field in vxlan header",
        "L2 output to interface not in L2 mode or deleted",
        "neighbor solicitations for unknown targets",
    ];
    for node in super::standard_nodes(&["af_xdp-input", "pg-input"]) {
        let info = node.info();
        for c in info.counters {
            if VPP_WORDING.contains(&c.description) {
                continue;
            }
            assert!(
                c.description.len() <= 35,
                "{}: `{}' is {} characters, show errors cuts it at 35",
                info.name,
                c.description,
                c.description.len()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// vxlan4-fastpath against the node path

/// Everything a run leaves that the fast path and the node path must agree
/// on: frames sent, node counters, interface counters, punted messages and
/// buffers in use. (Not `show runtime`: which nodes ran is what differs.)
#[derive(Debug, PartialEq)]
struct Outcome {
    tx: Vec<Vec<u8>>,
    counters: Vec<(&'static str, &'static str, u64)>,
    interfaces: Vec<(u32, [u64; crate::stats::IF_COUNTERS])>,
    punts: Vec<String>,
    in_use: usize,
    /// The L2 FIB, sorted.
    l2fib: Vec<(u16, [u8; 6], crate::l2fib::Entry)>,
}

impl Rig {
    /// The trace records written so far, per packet as (node, text), and
    /// clears them.
    fn take_trace(&self) -> Vec<Vec<(String, String)>> {
        let t = self.worker.trace();
        let mut packets = t.packets.lock().unwrap();
        let out = packets
            .iter()
            .map(|p| {
                p.entries
                    .iter()
                    .map(|e| (e.node.to_string(), e.text.clone()))
                    .collect()
            })
            .collect();
        packets.clear();
        out
    }

    /// Runs `frames` (as few vectors as they fit) and returns the outcome;
    /// `sort` sorts the frames sent (the two paths may interleave packets
    /// of different flows differently within a vector).
    fn outcome(&mut self, frames: &[Vec<u8>], sort: bool) -> Outcome {
        let mut tx = self.run(frames);
        if sort {
            tx.sort();
        }
        let stats = self.worker.stats();
        let mut counters = Vec::new();
        for (n, info) in stats.node_infos.iter().enumerate() {
            for (c, desc) in info.counters.iter().enumerate() {
                let v = stats.nodes[n].counter(c);
                if v != 0 {
                    counters.push((info.name, desc.description, v));
                }
            }
        }
        Outcome {
            tx,
            counters,
            interfaces: (0..8).map(|i| (i, stats.interfaces.snapshot(i))).collect(),
            punts: self.punts.try_iter().map(|m| format!("{m:?}")).collect(),
            in_use: self.pool.in_use(),
            l2fib: {
                let t = self.tables.load();
                let mut e: Vec<_> =
                    t.l2.fib
                        .entries()
                        .into_iter()
                        .map(|(b, m, e)| (b, m.0, e))
                        .collect();
                e.sort_by_key(|&(b, m, _)| (b, m));
                e
            },
        }
    }
}

/// The IPv4 header checksum of a frame's outer header, recomputed.
fn fix_ip_checksum(f: &mut [u8]) {
    if f.len() >= 34 {
        f[24] = 0;
        f[25] = 0;
        let c = !crate::wire::checksum::data(&f[14..34]);
        f[24..26].copy_from_slice(&c.to_be_bytes());
    }
}

/// Valid frames for both tunnels and every kind of inner frame, then the
/// same frames with one byte changed (every byte, three ways, with and
/// without the outer IPv4 checksum fixed up), cut short at every length
/// and padded.
fn differential_frames() -> Vec<Vec<u8>> {
    let udp = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, 60);
    let back = inner_udp(TEST2_MAC, TEST1_MAC, TEST2_IP, TEST1_IP, 80, 1234, 98);
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&TEST1_MAC.0);
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.extend_from_slice(&[0; 28]);
    let valid = vec![
        VxlanFrame::FROM_KOKO1.build(&udp),
        VxlanFrame::FROM_KOKO2.build(&back),
        VxlanFrame::FROM_KOKO1.build(&icmp_inner(74)),
        VxlanFrame::FROM_KOKO1.build(&arp),
        VxlanFrame::FROM_KOKO1.build(&udp[..14]),
        VxlanFrame::FROM_KOKO1.build(&inner_udp(
            TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 1400,
        )),
    ];
    let mut frames = valid.clone();
    let base = &valid[0];
    for i in 0..base.len() {
        for x in [0x01u8, 0x40, 0xff] {
            let mut f = base.clone();
            f[i] ^= x;
            frames.push(f.clone());
            if (14..34).contains(&i) && !(24..26).contains(&i) {
                fix_ip_checksum(&mut f);
                frames.push(f);
            }
        }
    }
    for len in 0..base.len() {
        frames.push(base[..len].to_vec());
    }
    for pad in [1, 2, 20] {
        let mut f = base.clone();
        f.resize(f.len() + pad, 0);
        frames.push(f);
    }
    frames
}

/// Configurations under which the fast path must take some packets, or
/// none, and agree with the node path either way.
fn differential_configs() -> Vec<(&'static str, Tables)> {
    let mut v = vec![("koko", koko_tables())];
    let mut t = koko_tables();
    t.interfaces[TUNNEL0 as usize].as_mut().unwrap().l2 = L2Mode::L3;
    v.push(("tunnel0 not xconnected", t));
    let mut t = koko_tables();
    t.interfaces[TUNNEL1 as usize].as_mut().unwrap().up = false;
    v.push(("tunnel1 down", t));
    let mut t = koko_tables();
    t.tunnels[1].as_mut().unwrap().encap = None;
    v.push(("tunnel1 next hop unresolved", t));
    let mut t = koko_tables();
    for tun in t.tunnels.iter_mut().flatten() {
        tun.encap.as_mut().unwrap().max_inner = 100;
    }
    v.push(("uplink mtu 136", t));
    let mut t = koko_tables();
    t.interfaces[UPLINK as usize].as_mut().unwrap().up = false;
    v.push(("uplink down", t));
    let mut t = koko_tables();
    t.interfaces[UPLINK as usize].as_mut().unwrap().l2 = L2Mode::Xconnect { peer: TUNNEL0 };
    v.push(("uplink xconnected", t));
    let mut t = koko_tables();
    t.local4.clear();
    v.push(("no local address", t));
    let mut t = koko_tables();
    t.interfaces[TUNNEL0 as usize].as_mut().unwrap().l2 = L2Mode::Xconnect { peer: UPLINK };
    v.push(("tunnel0 xconnected to the uplink", t));
    let mut t = koko_tables();
    t.tunnels[1] = None;
    v.push(("tunnel1 deleted", t));
    // The egress leaves on an interface with no device on this worker:
    // interface-output drops and error-drop charges the receive interface,
    // which must be the tunnel the packet came in on.
    let mut t = koko_tables();
    let mut other = t.interfaces[UPLINK as usize].clone().unwrap();
    other.sw_if_index = 5;
    t.interfaces.push(None);
    t.interfaces.push(Some(other));
    t.tunnels[1]
        .as_mut()
        .unwrap()
        .encap
        .as_mut()
        .unwrap()
        .uplink = 5;
    v.push(("tunnel1 on an uplink without a device", t));
    v.extend(bridged_configs());
    v
}

/// The koko tunnels in bridge domain 1 instead of cross-connected, with
/// test1 learned behind tunnel 0 and test2 behind tunnel 1, then with
/// `change` applied.
fn bridged(change: impl FnOnce(&mut Tables)) -> Tables {
    use crate::tables::{BridgeDomain, Member};
    let mut t = koko_tables();
    for tun in [TUNNEL0, TUNNEL1] {
        t.interfaces[tun as usize].as_mut().unwrap().l2 = L2Mode::Bridge {
            bd: 1,
            shg: 0,
            bvi: false,
            isn: 1,
        };
    }
    let member = |sw_if_index| Member {
        sw_if_index,
        shg: 0,
        bvi: false,
    };
    t.l2.bds = vec![
        None,
        Some(BridgeDomain {
            bd_id: 10,
            learn: true,
            forward: true,
            flood: true,
            uu_flood: true,
            mac_age: 0,
            arp_term: false,
            arp: Default::default(),
            learn_limit: 1000,
            members: vec![member(TUNNEL0), member(TUNNEL1)],
        }),
    ];
    let fib = crate::l2fib::L2Fib::new(1024, 1000);
    fib.learn(1, &TEST1_MAC, TUNNEL0, 1, 1000);
    fib.learn(1, &TEST2_MAC, TUNNEL1, 1, 1000);
    t.l2.fib = Arc::new(fib);
    change(&mut t);
    t
}

/// Bridged configurations: known unicast the fast path takes, and every
/// way it must not (learning to do, unknown or stale destination, split
/// horizon, forwarding off, learning off).
fn bridged_configs() -> Vec<(&'static str, Tables)> {
    let shg = |t: &mut Tables, g| {
        for tun in [TUNNEL0, TUNNEL1] {
            if let L2Mode::Bridge { shg, .. } = &mut t.interfaces[tun as usize].as_mut().unwrap().l2
            {
                *shg = g;
            }
        }
    };
    vec![
        ("bridged", bridged(|_| {})),
        (
            "bridged, test2 unknown",
            bridged(|t| {
                t.l2.fib.remove(1, &TEST2_MAC);
            }),
        ),
        (
            "bridged, test1 learned elsewhere",
            bridged(|t| {
                t.l2.fib.learn(1, &TEST1_MAC, TUNNEL1, 1, 1000);
            }),
        ),
        (
            "bridged, tunnel1 rejoined (stale entries)",
            bridged(|t| {
                if let L2Mode::Bridge { isn, .. } =
                    &mut t.interfaces[TUNNEL1 as usize].as_mut().unwrap().l2
                {
                    *isn = 2;
                }
            }),
        ),
        ("bridged, split horizon", bridged(|t| shg(t, 1))),
        (
            "bridged, forward off",
            bridged(|t| t.l2.bds[1].as_mut().unwrap().forward = false),
        ),
        (
            "bridged, learn off",
            bridged(|t| t.l2.bds[1].as_mut().unwrap().learn = false),
        ),
        (
            "bridged, uu-flood off",
            bridged(|t| {
                t.l2.bds[1].as_mut().unwrap().uu_flood = false;
                t.l2.fib.remove(1, &TEST2_MAC);
            }),
        ),
        (
            "bridged, tunnel1 unresolved",
            bridged(|t| t.tunnels[1].as_mut().unwrap().encap = None),
        ),
    ]
}

/// Every frame of [`differential_frames`], alone, under every
/// configuration: the fast path and the node path send the same bytes and
/// count the same counters, and the fast path took the valid ones.
#[test]
fn fastpath_equals_node_path_frame_by_frame() {
    let frames = differential_frames();
    for (name, tables) in differential_configs() {
        let (mut fast, mut slow) = Rig::fast_and_node_path(tables);
        for (k, f) in frames.iter().enumerate() {
            let a = fast.outcome(std::slice::from_ref(f), false);
            let b = slow.outcome(std::slice::from_ref(f), false);
            assert_eq!(a, b, "{name}: frame {k} {f:02x?}");
        }
        let fast_seen = fast.runtime("vxlan4-fastpath").vectors.get();
        let encapsulated = fast.counter("vxlan4-encap", "good packets encapsulated");
        assert_eq!(
            slow.runtime("vxlan4-fastpath").vectors.get(),
            0,
            "{name}: the node path rig used the fast path"
        );
        assert_eq!(fast_seen, frames.len() as u64, "{name}");
        if name == "koko" {
            // The 6 valid frames, the 3 paddings, and the mutations the node
            // path forwards too (e.g. a changed TOS or inner byte).
            assert!(encapsulated > 9, "{name}: {encapsulated}");
        }
        if name == "bridged" {
            // Known unicast between the tunnels went through the fast path:
            // l2-fwd ran for fewer packets than it counted.
            assert!(encapsulated > 9, "{name}: {encapsulated}");
            let ran = fast.runtime("l2-fwd").vectors.get();
            let counted = fast.counter("l2-fwd", "L2 forward packets");
            assert!(
                ran + 9 <= counted,
                "{name}: l2-fwd ran {ran}, counted {counted}"
            );
        }
        // Held packets wait for ARP (the same number on both rigs, which
        // `Outcome` compares); anything else is a leak.
        if !name.contains("unresolved") {
            fast.assert_no_leak();
        }
    }
}

/// The same frames in full vectors, so that runs of one interface and one
/// tunnel start and end inside a vector and fast and node path packets
/// mix: same frames sent (as a set), same counters.
#[test]
fn fastpath_equals_node_path_in_vectors() {
    let frames = differential_frames();
    for (name, tables) in differential_configs() {
        let (mut fast, mut slow) = Rig::fast_and_node_path(tables);
        // Valid frames of both tunnels interleaved with the rest.
        let valid = &frames[..2];
        let mixed: Vec<Vec<u8>> = frames
            .iter()
            .enumerate()
            .flat_map(|(k, f)| [f.clone(), valid[k % 2].clone()])
            .collect();
        let a = fast.outcome(&mixed, true);
        let b = slow.outcome(&mixed, true);
        assert_eq!(a, b, "{name}");
        if name == "koko" {
            assert!(a.tx.len() >= frames.len(), "{name}: {}", a.tx.len());
        }
    }
}

/// A MAC that moves between the tunnels within one vector, and a
/// destination that a later packet of the vector moves: the node path
/// learns every packet before it forwards any, and the fast path, which
/// takes bridged packets only when nothing in their vector learns, ends
/// every packet, counter and L2 FIB entry as it does. A vector in which
/// nothing learns is still taken.
#[test]
fn fastpath_equals_node_path_when_macs_move_within_a_vector() {
    use crate::wire::EthernetAddress;
    const TEST3_MAC: EthernetAddress = EthernetAddress([0x0a, 0, 0, 0, 3, 3]);
    let frame = |side: VxlanFrame, vni: u32, src, dst, k: u16| {
        let inner = inner_udp(src, dst, TEST1_IP, TEST2_IP, 1000 + k, 80, 60);
        VxlanFrame { vni, ..side }.build(&inner)
    };
    let (k1, k2) = (VxlanFrame::FROM_KOKO1, VxlanFrame::FROM_KOKO2);
    // test1 on tunnel0, test2 on tunnel1, known unicast both ways.
    let clean: Vec<Vec<u8>> = (0..8)
        .flat_map(|k| {
            [
                frame(k1, 11, TEST1_MAC, TEST2_MAC, k),
                frame(k2, 12, TEST2_MAC, TEST1_MAC, k),
            ]
        })
        .collect();
    // test1 takes turns on both tunnels.
    let flapping: Vec<Vec<u8>> = (0..8)
        .flat_map(|k| {
            [
                frame(k1, 11, TEST1_MAC, TEST2_MAC, k),
                frame(k2, 12, TEST1_MAC, TEST3_MAC, k),
                frame(k2, 12, TEST2_MAC, TEST1_MAC, k),
            ]
        })
        .collect();
    // Known unicast first; then a packet that moves its destination.
    let mut moved_later = clean.clone();
    moved_later.push(frame(k1, 11, TEST2_MAC, TEST3_MAC, 99));
    // A new source in the middle, then known unicast to it.
    let mut learned_midway = clean.clone();
    learned_midway.insert(5, frame(k2, 12, TEST3_MAC, TEST1_MAC, 98));
    learned_midway.push(frame(k1, 11, TEST1_MAC, TEST3_MAC, 97));
    for (name, frames) in [
        ("clean", &clean),
        ("flapping", &flapping),
        ("destination moved later", &moved_later),
        ("source learned midway", &learned_midway),
    ] {
        for (config, tables) in bridged_configs() {
            let (mut fast, mut slow) = Rig::fast_and_node_path(tables);
            for round in 0..3 {
                let a = fast.outcome(frames, true);
                let b = slow.outcome(frames, true);
                assert_eq!(a, b, "{name}, {config}: round {round}");
            }
            if config == "bridged" {
                let l2fwd = fast.runtime("l2-fwd").vectors.get();
                assert_eq!(l2fwd == 0, name == "clean", "{name}: l2-fwd ran {l2fwd}");
            }
        }
    }
}

/// Many tunnels whose packets take turns within one vector, more decap
/// keys than vxlan4-fastpath remembers per vector (so slots are shared
/// and overwritten), in round-robin and reversed order, with an unknown
/// VNI among them and one pair unresolved or down: the fast path ends
/// every packet as the node path does.
#[test]
fn fastpath_equals_node_path_with_many_tunnels() {
    const PAIRS: u32 = 20;
    let frame = |side: VxlanFrame, vni: u32, k: u32| {
        let inner = inner_udp(
            TEST1_MAC,
            TEST2_MAC,
            TEST1_IP,
            TEST2_IP,
            1000 + k as u16,
            80,
            60,
        );
        VxlanFrame { vni, ..side }.build(&inner)
    };
    let mut frames = Vec::new();
    for _ in 0..2 {
        for k in 0..PAIRS {
            frames.push(frame(VxlanFrame::FROM_KOKO1, 11 + 2 * k, k));
            frames.push(frame(VxlanFrame::FROM_KOKO2, 12 + 2 * k, k));
        }
    }
    let reversed: Vec<Vec<u8>> = frames.iter().rev().cloned().collect();
    frames.extend(reversed);
    frames.insert(7, frame(VxlanFrame::FROM_KOKO1, 99, 0));
    assert!(frames.len() <= crate::graph::VECTOR_SIZE, "one vector");

    let mut configs = vec![("20 pairs", koko_tables_pairs(PAIRS))];
    let mut t = koko_tables_pairs(PAIRS);
    t.tunnels[9].as_mut().unwrap().encap = None;
    configs.push(("pair 4's koko2 end unresolved", t));
    let mut t = koko_tables_pairs(PAIRS);
    t.interfaces[(TUNNEL0 + 10) as usize].as_mut().unwrap().up = false;
    configs.push(("pair 5's koko1 end down", t));
    for (name, tables) in configs {
        let (mut fast, mut slow) = Rig::fast_and_node_path(tables);
        let a = fast.outcome(&frames, true);
        let b = slow.outcome(&frames, true);
        assert_eq!(a, b, "{name}");
        for i in 0..TUNNEL0 + 2 * PAIRS {
            assert_eq!(
                fast.worker.stats().interfaces.snapshot(i),
                slow.worker.stats().interfaces.snapshot(i),
                "{name}: sw_if_index {i}"
            );
        }
        assert_eq!(fast.runtime("vxlan4-fastpath").calls.get(), 1, "{name}");
        assert!(a.tx.len() >= 4 * PAIRS as usize, "{name}: {}", a.tx.len());
    }
    // With every pair up, only the unknown VNI took the node path.
    let (mut fast, _) = Rig::fast_and_node_path(koko_tables_pairs(PAIRS));
    assert_eq!(fast.run(&frames).len(), frames.len() - 1);
    assert_eq!(fast.runtime("vxlan4-input").vectors.get(), 1);
}

/// A traced packet takes the path an untraced one would: the fast path,
/// which writes its record between pg-input's and interface-output's.
#[test]
fn traced_packets_take_the_fast_path() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let f = VxlanFrame::FROM_KOKO1.build(&inner);
    let at = |r: &Rig, name| r.runtime(name).vectors.get();
    rig.worker.trace().add_budget("pg-input", 1);
    let traced = rig.run(std::slice::from_ref(&f));
    assert_eq!(
        (at(&rig, "vxlan4-fastpath"), at(&rig, "vxlan4-input")),
        (1, 0)
    );
    let untraced = rig.run(std::slice::from_ref(&f));
    assert_eq!(traced, untraced, "the same bytes");
    let records = rig.take_trace().concat();
    let nodes: Vec<&str> = records.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(nodes, ["pg-input", "vxlan4-fastpath", "interface-output"]);
    assert!(
        records[1]
            .1
            .starts_with("VXLAN decap from vxlan_tunnel0 vni 11, l2 xconnect, VXLAN encap to vxlan_tunnel1 vni 12"),
        "{}",
        records[1].1
    );
    rig.assert_no_leak();
}

/// The trace of a bridged packet is the path it took: vxlan4-fastpath's
/// record (`l2 bridge`) when the fast path took it, the node path's
/// records when a packet later in its vector learned and so sent it back
/// to the node path, whose bytes it then leaves with.
#[test]
fn traced_bridged_packets_show_the_path_they_took() {
    use crate::wire::EthernetAddress;
    const TEST3_MAC: EthernetAddress = EthernetAddress([0x0a, 0, 0, 0, 3, 3]);
    let frame = |src, dst| {
        let inner = inner_udp(src, dst, TEST1_IP, TEST2_IP, 1000, 80, 60);
        VxlanFrame::FROM_KOKO1.build(&inner)
    };
    let known = frame(TEST1_MAC, TEST2_MAC);
    let (mut rig, mut slow) = Rig::fast_and_node_path(bridged(|_| {}));
    rig.worker.trace().add_budget("pg-input", 2);
    let sent = rig.run(&[known.clone(), known.clone()]);
    assert_eq!(sent.len(), 2);
    let traced = rig.take_trace();
    assert_eq!(traced.len(), 2);
    for p in &traced {
        let nodes: Vec<&str> = p.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(nodes, ["pg-input", "vxlan4-fastpath", "interface-output"]);
        assert!(
            p[1].1
                .starts_with("VXLAN decap from vxlan_tunnel0 vni 11, l2 bridge, VXLAN encap to vxlan_tunnel1 vni 12"),
            "{}",
            p[1].1
        );
    }
    // A new source after the known unicast one: both take the node path.
    let frames = [known.clone(), frame(TEST3_MAC, TEST2_MAC)];
    rig.worker.trace().add_budget("pg-input", 2);
    let sent = rig.run(&frames);
    assert_eq!(sent, slow.run(&frames), "the node path's bytes");
    let traced = rig.take_trace();
    assert_eq!(traced.len(), 2);
    for p in &traced {
        let nodes: Vec<&str> = p.iter().map(|e| e.0.as_str()).collect();
        assert!(!nodes.contains(&"vxlan4-fastpath"), "{nodes:?}");
        assert!(
            nodes.contains(&"l2-learn") && nodes.contains(&"l2-fwd"),
            "{nodes:?}"
        );
    }
    rig.assert_no_leak();
}

/// The sub-interface of the sub-interface tests: VLAN 100 on the uplink.
const SUB: u32 = 10;
const SUB_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 100, 3);
const SUB_PEER: Ipv4Addr = Ipv4Addr::new(10, 99, 100, 1);

/// The koko tables with `eth0.100` (VLAN 100, 10.99.100.3) and tunnel0's
/// underlay on it.
fn sub_tables() -> Tables {
    use crate::tables::{Interface, Output};
    let mut t = koko_tables();
    t.interfaces.resize(SUB as usize + 1, None);
    t.interfaces[SUB as usize] = Some(Interface {
        sw_if_index: SUB,
        up: true,
        mac: WEFT_MAC,
        mtu: 1500,
        l2: L2Mode::L3,
        output: Output::Dot1q {
            parent: UPLINK,
            vlan: 100,
        },
    });
    t.dot1q.insert(UPLINK, 100, SUB);
    t.local4.insert(SUB_IP, SUB);
    if let Some(Some(tun)) = t.tunnels.get_mut(0)
        && let Some(e) = tun.encap.as_mut()
    {
        e.uplink = SUB;
    }
    t
}

/// `frame` with an 802.1Q tag of `vlan` after its MAC addresses.
fn tagged(frame: &[u8], vlan: u16) -> Vec<u8> {
    let mut f = frame.to_vec();
    crate::vlan::tag_frame(&mut f, vlan);
    f
}

#[test]
fn sub_interface_answers_arp_and_ping_tagged() {
    let mut rig = Rig::new(sub_tables());
    // ARP: the tagged request is answered with the tagged reply.
    let req = arp_frame(
        [0xff; 6],
        KOKO1_MAC.0,
        1,
        KOKO1_MAC.0,
        SUB_PEER,
        [0; 6],
        SUB_IP,
    );
    let out = rig.run(&[tagged(&req, 100)]);
    let want = arp_frame(
        KOKO1_MAC.0,
        WEFT_MAC.0,
        2,
        WEFT_MAC.0,
        SUB_IP,
        KOKO1_MAC.0,
        SUB_PEER,
    );
    assert_eq!(out, [tagged(&want, 100)]);
    assert_eq!(
        rig.punts.try_recv().unwrap(),
        crate::punt::PuntMsg::Neighbor {
            sw_if_index: SUB,
            ip: SUB_PEER.into(),
            mac: KOKO1_MAC,
            kind: crate::punt::ArpKind::Request,
        }
    );
    // ICMP echo: the reply goes back tagged.
    let payload: Vec<u8> = (0..32).collect();
    let mut ping = echo(KOKO1_MAC.0, SUB_PEER, 8, 7, 1, &payload);
    ping[30..34].copy_from_slice(&SUB_IP.octets());
    fix_ip_checksum(&mut ping);
    let out = rig.run(&[tagged(&ping, 100)]);
    assert_eq!(out.len(), 1);
    // The reply as on the untagged interface, tag added: MACs swapped,
    // addresses swapped, TTL 64, type 0, checksums right.
    let mut want = ping.clone();
    want[0..6].copy_from_slice(&KOKO1_MAC.0);
    want[6..12].copy_from_slice(&WEFT_MAC.0);
    want[22] = 64;
    want[26..30].copy_from_slice(&SUB_IP.octets());
    want[30..34].copy_from_slice(&SUB_PEER.octets());
    fix_ip_checksum(&mut want);
    want[34] = 0;
    want[36..38].copy_from_slice(&[0, 0]);
    let c = !crate::wire::checksum::data(&want[34..]);
    want[36..38].copy_from_slice(&c.to_be_bytes());
    assert_eq!(out[0], tagged(&want, 100));
    assert_eq!(rig.counter("ip4-icmp-input", "echo replies sent"), 1);
    // Counted on the sub-interface, both ways.
    assert_eq!(rig.ifc(SUB, IfCounter::RxPackets), 2);
    assert_eq!(rig.ifc(SUB, IfCounter::TxPackets), 2);
    assert_eq!(rig.counter("ethernet-input", "unknown vlan"), 0);
    rig.assert_no_leak();
}

#[test]
fn other_vlans_and_a_down_sub_interface_drop() {
    let mut rig = Rig::new(sub_tables());
    let req = arp_frame(
        [0xff; 6],
        KOKO1_MAC.0,
        1,
        KOKO1_MAC.0,
        SUB_PEER,
        [0; 6],
        SUB_IP,
    );
    // VLAN 200 has no sub-interface; VLAN 0 (a priority tag) is a VLAN
    // like any other, as in VPP.
    assert!(rig.run(&[tagged(&req, 200), tagged(&req, 0)]).is_empty());
    assert_eq!(rig.counter("ethernet-input", "unknown vlan"), 2);
    // A tag cut short.
    let mut short = tagged(&req, 100);
    short.truncate(16);
    assert!(rig.run(&[short]).is_empty());
    assert_eq!(rig.counter("ethernet-input", "unknown vlan"), 3);
    // The sub-interface down.
    let mut t = sub_tables();
    if let Some(Some(i)) = t.interfaces.get_mut(SUB as usize) {
        i.up = false;
    }
    rig.tables.store(Arc::new(t));
    assert!(rig.run(&[tagged(&req, 100)]).is_empty());
    assert_eq!(rig.counter("ethernet-input", "subinterface down"), 1);
    assert_eq!(rig.ifc(SUB, IfCounter::RxPackets), 0);
    rig.assert_no_leak();
}

/// A tunnel whose underlay is on a sub-interface: what the other tunnel
/// brings in leaves tagged, on the fast path and on the node path alike;
/// what arrives tagged on its VLAN is decapsulated.
#[test]
fn vxlan_over_a_sub_interface() {
    let (mut fast, mut slow) = Rig::fast_and_node_path(sub_tables());
    let inner = icmp_inner(98);
    for rig in [&mut fast, &mut slow] {
        let out = rig.run(&[VxlanFrame::FROM_KOKO2.build(&inner)]);
        assert_eq!(out.len(), 1);
        let sport = sport_of(&tagged_untag(&out[0]));
        let want = tagged(&expected(KOKO1_MAC.0, KOKO1_IP, sport, 11, &inner), 100);
        assert_eq!(out[0], want);
        assert_eq!(rig.ifc(SUB, IfCounter::TxPackets), 1);
        // The other way: tagged VXLAN from koko1's VLAN.
        let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, 60);
        let out = rig.run(&[tagged(&VxlanFrame::FROM_KOKO1.build(&inner), 100)]);
        assert_eq!(out.len(), 1);
        let sport = sport_of(&out[0]);
        assert_eq!(out[0], expected(KOKO2_MAC.0, KOKO2_IP, sport, 12, &inner));
        assert_eq!(rig.ifc(SUB, IfCounter::RxPackets), 1);
        rig.assert_no_leak();
    }
}

/// `frame` without its 802.1Q tag.
fn tagged_untag(frame: &[u8]) -> Vec<u8> {
    let mut f = frame[..12].to_vec();
    f.extend_from_slice(&frame[16..]);
    f
}

const WEFT_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3);
const KOKO1_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);

/// The koko tables with fd00::3 (and its link-local) on the uplink.
fn ip6_tables() -> Tables {
    let mut t = koko_tables();
    t.ip6
        .insert(UPLINK, crate::wire::ipv6::link_local(WEFT_MAC));
    t.ip6.insert(UPLINK, WEFT_IP6);
    t
}

/// An Ethernet + IPv6 + ICMPv6 frame from koko1: `icmp` is checksummed
/// here unless `bad_sum`.
fn icmp6_frame(
    dst_mac: [u8; 6],
    src: std::net::Ipv6Addr,
    dst: std::net::Ipv6Addr,
    hops: u8,
    icmp: &[u8],
    bad_sum: bool,
) -> Vec<u8> {
    use crate::wire::{Icmpv6Packet, Ipv6NextHeader, Ipv6Packet, Ipv6Repr};
    let mut f = Vec::new();
    f.extend_from_slice(&dst_mac);
    f.extend_from_slice(&KOKO1_MAC.0);
    f.extend_from_slice(&[0x86, 0xdd]);
    let mut ip = vec![0u8; 40];
    Ipv6Repr {
        src,
        dst,
        next_header: Ipv6NextHeader::Icmpv6,
        payload_len: icmp.len() as u16,
        hop_limit: hops,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]));
    let mut icmp = icmp.to_vec();
    Icmpv6Packet::new_unchecked(&mut icmp[..]).fill_checksum(&src, &dst);
    if bad_sum {
        icmp[2] ^= 1;
    }
    f.extend_from_slice(&ip);
    f.extend_from_slice(&icmp);
    f
}

/// A Neighbor Solicitation for `target` with koko1's MAC as source option.
fn ns(target: std::net::Ipv6Addr) -> Vec<u8> {
    let mut b = vec![0u8; crate::wire::icmpv6::NA_LEN];
    // The checksum is filled by icmp6_frame.
    crate::wire::icmpv6::emit_ns(&mut b, target, KOKO1_MAC, &KOKO1_IP6, &target);
    b
}

#[test]
fn neighbor_solicitation_is_answered_byte_for_byte() {
    let mut rig = Rig::new(ip6_tables());
    let group = crate::wire::ipv6::solicited_node(WEFT_IP6);
    let mac = crate::wire::ipv6::multicast_mac(group).0;
    let mut f = icmp6_frame(mac, KOKO1_IP6, group, 255, &ns(WEFT_IP6), false);
    f.resize(f.len() + 6, 0); // Ethernet padding is not echoed
    let out = rig.run(&[f]);
    assert_eq!(out.len(), 1);
    // What RFC 4861 section 7.2.4 asks for, checked with etherparse.
    let na = &out[0];
    assert_eq!(&na[0..6], &KOKO1_MAC.0);
    assert_eq!(&na[6..12], &WEFT_MAC.0);
    let (ip, rest) = etherparse::Ipv6Header::from_slice(&na[14..]).unwrap();
    assert_eq!(ip.source, WEFT_IP6.octets());
    assert_eq!(ip.destination, KOKO1_IP6.octets());
    assert_eq!((ip.hop_limit, ip.payload_length), (255, 32));
    assert_eq!(rest.len(), 32);
    let (icmp, body) = etherparse::Icmpv6Header::from_slice(rest).unwrap();
    assert_eq!(
        icmp.icmp_type
            .calc_checksum(ip.source, ip.destination, body)
            .unwrap(),
        icmp.checksum
    );
    assert_eq!(rest[0], 136);
    assert_eq!(rest[4], 0x60, "solicited, override");
    assert_eq!(&rest[8..24], &WEFT_IP6.octets());
    assert_eq!(&rest[24..32], &[2, 1, 2, 0xfe, 0, 0, 0, 3]);
    assert_eq!(
        rig.counter("ip6-icmp-input", "neighbor advertisements sent"),
        1
    );
    assert_eq!(rig.ifc(UPLINK, IfCounter::Ip6), 1);
    // For the link-local address too; from :: (DAD) to all-nodes.
    let ll = crate::wire::ipv6::link_local(WEFT_MAC);
    let mut dad = ns(ll);
    let group = crate::wire::ipv6::solicited_node(ll);
    let dad_frame = {
        let mut f = icmp6_frame(
            crate::wire::ipv6::multicast_mac(group).0,
            std::net::Ipv6Addr::UNSPECIFIED,
            group,
            255,
            &dad[..24],
            false,
        );
        dad.truncate(24);
        f.truncate(14 + 40 + 24);
        f
    };
    let out = rig.run(&[dad_frame]);
    assert_eq!(out.len(), 1);
    assert_eq!(&out[0][0..6], &[0x33, 0x33, 0, 0, 0, 1]);
    assert_eq!(
        &out[0][14 + 24..14 + 40],
        &[0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(out[0][14 + 40 + 4], 0x20, "override only");
    rig.assert_no_leak();
}

#[test]
fn echo_request_is_answered() {
    let mut rig = Rig::new(ip6_tables());
    let mut echo = vec![128, 0, 0, 0, 0x12, 0x34, 0, 7];
    echo.extend(0..32u8);
    let out = rig.run(&[icmp6_frame(
        WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo, false,
    )]);
    assert_eq!(out.len(), 1);
    let r = &out[0];
    assert_eq!(&r[0..6], &KOKO1_MAC.0);
    let (ip, rest) = etherparse::Ipv6Header::from_slice(&r[14..]).unwrap();
    assert_eq!(
        (ip.source, ip.destination),
        (WEFT_IP6.octets(), KOKO1_IP6.octets())
    );
    assert_eq!(ip.hop_limit, 64);
    let (icmp, body) = etherparse::Icmpv6Header::from_slice(rest).unwrap();
    assert!(matches!(
        icmp.icmp_type,
        etherparse::Icmpv6Type::EchoReply(e) if e.id == 0x1234 && e.seq == 7
    ));
    assert_eq!(
        icmp.icmp_type
            .calc_checksum(ip.source, ip.destination, body)
            .unwrap(),
        icmp.checksum
    );
    assert_eq!(body, &(0..32u8).collect::<Vec<_>>()[..]);
    assert_eq!(rig.counter("ip6-icmp-input", "echo replies sent"), 1);
    rig.assert_no_leak();
}

/// An ICMPv6 echo reply to weft is handed to `ping` and consumed in
/// ip6-icmp-echo-reply: not a drop.
#[test]
fn ip6_echo_reply_is_punted_and_consumed() {
    let mut rig = Rig::new(ip6_tables());
    rig.worker.trace().add_budget("pg-input", 1);
    let mut reply = vec![129, 0, 0, 0, 0xbe, 0xef, 0, 9];
    reply.extend([0u8; 16]);
    let frame = icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &reply, false);
    assert!(rig.run(&[frame]).is_empty());
    assert_eq!(rig.counter("ip6-icmp-input", "echo replies received"), 1);
    assert_eq!(rig.ifc(UPLINK, IfCounter::Drops), 0);
    match rig.punts.try_recv().unwrap() {
        crate::punt::PuntMsg::EchoReply { ident, seq, .. } => assert_eq!((ident, seq), (0xbeef, 9)),
        other => panic!("unexpected punt {other:?}"),
    }
    let path = rig.take_trace();
    assert_eq!(
        path[0].last().unwrap(),
        &(
            "ip6-icmp-echo-reply".to_string(),
            "ICMP6 echo id 48879 seq 9 send to ping".to_string()
        ),
        "{path:?}"
    );
    rig.assert_no_leak();
}

#[test]
fn ip6_cases_are_counted() {
    let group = crate::wire::ipv6::solicited_node(WEFT_IP6);
    let gmac = crate::wire::ipv6::multicast_mac(group).0;
    let other = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 9);
    let echo = [128u8, 0, 0, 0, 0, 1, 0, 1];
    let mut zero_opt = ns(WEFT_IP6);
    zero_opt[25] = 0;
    let mut short = icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo, false);
    short.truncate(14 + 39);
    let mut v4 = icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo, false);
    v4[14] = 0x40;
    let mut long = icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo, false);
    long[14 + 5] = 200;
    let mut udp = icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo, false);
    udp[14 + 6] = 17;
    let mut echo_code = echo;
    echo_code[1] = 1;
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("short", short, "ip6-input", "ip6 length < 40 bytes"),
        ("version", v4, "ip6-input", "ip6 version != 6"),
        (
            "payload beyond frame",
            long,
            "ip6-input",
            "ip6 length > l2 length",
        ),
        (
            "not ours",
            icmp6_frame(WEFT_MAC.0, KOKO1_IP6, other, 64, &echo, false),
            "ip6-input",
            "ip6 destination lookup miss",
        ),
        (
            "another group",
            icmp6_frame(
                gmac,
                KOKO1_IP6,
                crate::wire::ipv6::solicited_node(other),
                255,
                &ns(other),
                false,
            ),
            "ip6-input",
            "ip6 destination lookup miss",
        ),
        ("udp", udp, "ip6-input", "no listener for udp port"),
        (
            "bad checksum",
            icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo, true),
            "ip6-icmp-input",
            "bad icmp checksum",
        ),
        (
            "icmp too short",
            icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo[..4], false),
            "ip6-icmp-input",
            "payload length too small for type",
        ),
        (
            "ns hop limit",
            icmp6_frame(gmac, KOKO1_IP6, group, 254, &ns(WEFT_IP6), false),
            "ip6-icmp-input",
            "hop_limit != 255",
        ),
        (
            "ns unknown target",
            icmp6_frame(
                gmac,
                KOKO1_IP6,
                group,
                255,
                &ns(std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0x1_00, 3)),
                false,
            ),
            "ip6-icmp-input",
            "neighbor solicitations for unknown targets",
        ),
        (
            "ns option of length 0",
            icmp6_frame(gmac, KOKO1_IP6, group, 255, &zero_opt, false),
            "ip6-icmp-input",
            "option has zero length",
        ),
        (
            "echo code",
            icmp6_frame(WEFT_MAC.0, KOKO1_IP6, WEFT_IP6, 64, &echo_code, false),
            "ip6-icmp-input",
            "invalid code for type",
        ),
        (
            "echo to all-nodes",
            icmp6_frame(
                [0x33, 0x33, 0, 0, 0, 1],
                KOKO1_IP6,
                "ff02::1".parse().unwrap(),
                64,
                &echo,
                false,
            ),
            "ip6-icmp-input",
            "icmp6 dst address lookup misses",
        ),
        (
            "router solicitation",
            icmp6_frame(
                WEFT_MAC.0,
                KOKO1_IP6,
                WEFT_IP6,
                255,
                &[133, 0, 0, 0, 0, 0, 0, 0],
                false,
            ),
            "ip6-icmp-input",
            "neighbor discovery not configured",
        ),
        (
            "unknown type",
            icmp6_frame(
                WEFT_MAC.0,
                KOKO1_IP6,
                WEFT_IP6,
                64,
                &[200, 0, 0, 0, 0, 0, 0, 0],
                false,
            ),
            "ip6-icmp-input",
            "unknown type",
        ),
    ];
    for (case, frame, node, reason) in cases {
        let mut rig = Rig::new(ip6_tables());
        assert!(rig.run(&[frame]).is_empty(), "{case}: answered");
        assert_eq!(rig.counter(node, reason), 1, "{case}: {node} {reason}");
        rig.assert_no_leak();
    }
    // Without IPv6 on the interface, nothing is for it.
    let mut rig = Rig::koko();
    assert!(
        rig.run(&[icmp6_frame(
            gmac,
            KOKO1_IP6,
            group,
            255,
            &ns(WEFT_IP6),
            false
        )])
        .is_empty()
    );
    assert_eq!(rig.counter("ip6-input", "ip6 destination lookup miss"), 1);
    rig.assert_no_leak();
}

const KOKO2_IP6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);

/// The koko tables with tunnel 1 (koko2's side) over IPv6: fd00::3 to
/// fd00::2, VNI 62, cross-connected with tunnel 0 (IPv4, VNI 11).
fn v4_v6_tables() -> Tables {
    use crate::tables::{Output, Vxlan6Encap, Vxlan6EncapParams, Vxlan6Key, Vxlan6Tunnel};
    let mut t = ip6_tables();
    t.vxlan4.retain(|_, &mut v| v != 1);
    t.tunnels[1] = None;
    t.tunnels6 = vec![
        None,
        Some(Vxlan6Tunnel {
            sw_if_index: TUNNEL1,
            instance: 1,
            vni: 62,
            encap: Some(Vxlan6Encap::new(&Vxlan6EncapParams {
                src_mac: WEFT_MAC,
                dst_mac: KOKO2_MAC,
                src: WEFT_IP6,
                dst: KOKO2_IP6,
                dst_port: 4789,
                vni: 62,
                uplink: UPLINK,
                uplink_mtu: 1500,
            })),
        }),
    ];
    t.vxlan6.insert(
        Vxlan6Key {
            remote: KOKO2_IP6,
            local: WEFT_IP6,
            port: 4789,
            vni_word: 62 << 8,
        },
        1,
    );
    t.vxlan6_ports = vec![4789];
    if let Some(Some(i)) = t.interfaces.get_mut(TUNNEL1 as usize) {
        i.output = Output::Vxlan6 { tunnel: 1 };
    }
    t
}

/// koko2's VXLAN-over-IPv6 frame (VNI 62) to weft carrying `inner`, its
/// UDP checksum right (etherparse's).
fn vxlan6_from_koko2(inner: &[u8]) -> Vec<u8> {
    let mut payload = vec![0x08, 0, 0, 0];
    payload.extend_from_slice(&(62u32 << 8).to_be_bytes());
    payload.extend_from_slice(inner);
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2(KOKO2_MAC.0, WEFT_MAC.0)
        .ipv6(KOKO2_IP6.octets(), WEFT_IP6.octets(), 64)
        .udp(51000, 4789)
        .write(&mut out, &payload)
        .unwrap();
    out
}

#[test]
fn ipv4_tunnel_cross_connected_to_an_ipv6_tunnel() {
    let (mut fast, mut slow) = Rig::fast_and_node_path(v4_v6_tables());
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, 60);
    for rig in [&mut fast, &mut slow] {
        // IPv4 in (VNI 11), IPv6 out (VNI 62): checked with etherparse,
        // UDP checksum included.
        let out = rig.run(&[VxlanFrame::FROM_KOKO1.build(&inner)]);
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert_eq!(&f[0..6], &KOKO2_MAC.0);
        assert_eq!(&f[6..12], &WEFT_MAC.0);
        let p = etherparse::SlicedPacket::from_ethernet(f).unwrap();
        let Some(etherparse::NetSlice::Ipv6(ip)) = &p.net else {
            panic!("not IPv6: {p:?}");
        };
        let h = ip.header();
        assert_eq!(h.source_addr(), WEFT_IP6);
        assert_eq!(h.destination_addr(), KOKO2_IP6);
        assert_eq!(h.hop_limit(), 253);
        let Some(etherparse::TransportSlice::Udp(udp)) = &p.transport else {
            panic!("not UDP");
        };
        assert_eq!(udp.destination_port(), 4789);
        assert!(udp.source_port() >= 49152);
        let payload = udp.payload();
        assert_eq!(&payload[..8], &[0x08, 0, 0, 0, 0, 0, 62, 0]);
        assert_eq!(&payload[8..], &inner[..]);
        let want = udp
            .to_header()
            .calc_checksum_ipv6(&h.to_header(), payload)
            .unwrap();
        assert_eq!(udp.checksum(), want, "UDP checksum");
        assert_eq!(rig.counter("vxlan6-encap", "good packets encapsulated"), 1);
        assert_eq!(rig.ifc(TUNNEL1, IfCounter::TxPackets), 1);
        // IPv6 in (VNI 62), IPv4 out (VNI 11).
        let out = rig.run(&[vxlan6_from_koko2(&inner)]);
        assert_eq!(out.len(), 1);
        let sport = sport_of(&out[0]);
        assert_eq!(out[0], expected(KOKO1_MAC.0, KOKO1_IP, sport, 11, &inner));
        assert_eq!(rig.counter("vxlan6-input", "good packets decapsulated"), 1);
        assert_eq!(rig.ifc(TUNNEL1, IfCounter::RxPackets), 1);
        // A bad and a missing UDP checksum, another VNI, bad flags.
        let mut bad = vxlan6_from_koko2(&inner);
        bad[14 + 40 + 6] ^= 1;
        let mut zero = vxlan6_from_koko2(&inner);
        zero[14 + 40 + 6..14 + 40 + 8].copy_from_slice(&[0, 0]);
        let mut other = inner.clone();
        other[0] ^= 1;
        let mut vni = vxlan6_from_koko2(&other);
        vni[14 + 40 + 8 + 6] = 63;
        let fix = |f: &mut Vec<u8>| {
            let body = f[14 + 40 + 8..].to_vec();
            f.truncate(14);
            let mut out = Vec::new();
            etherparse::PacketBuilder::ipv6(KOKO2_IP6.octets(), WEFT_IP6.octets(), 64)
                .udp(51000, 4789)
                .write(&mut out, &body)
                .unwrap();
            f.extend_from_slice(&out);
        };
        fix(&mut vni);
        let mut flags = vxlan6_from_koko2(&inner);
        flags[14 + 40 + 8] = 0x0c;
        fix(&mut flags);
        assert!(rig.run(&[bad, zero, vni, flags]).is_empty());
        assert_eq!(rig.counter("vxlan6-input", "bad udp checksum"), 2);
        assert_eq!(rig.counter("vxlan6-input", "no such tunnel packets"), 1);
        assert_eq!(
            rig.counter(
                "vxlan6-input",
                "packets with bad flags field in vxlan header"
            ),
            1
        );
        rig.assert_no_leak();
    }
}

/// Packets for an IPv6 tunnel whose next hop is not resolved wait in
/// vxlan4-hold, as an IPv4 tunnel's do, and leave once it is.
#[test]
fn ipv6_tunnel_packets_wait_for_the_next_hop() {
    let mut unresolved = v4_v6_tables();
    if let Some(Some(t)) = unresolved.tunnels6.get_mut(1) {
        t.encap = None;
    }
    let mut rig = Rig::new(unresolved);
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1234, 80, 60);
    assert!(rig.run(&[VxlanFrame::FROM_KOKO1.build(&inner)]).is_empty());
    assert_eq!(rig.counter("vxlan6-encap", "tunnel next hop unresolved"), 1);
    assert_eq!(
        rig.counter("vxlan4-hold", "held for next hop resolution"),
        1
    );
    rig.tables.store(Arc::new(v4_v6_tables()));
    let out = rig.run(&[]);
    assert_eq!(out.len(), 1, "released once resolved");
    assert_eq!(&out[0][12..14], &[0x86, 0xdd]);
    assert_eq!(&out[0][14 + 40 + 8 + 8..], &inner[..]);
    assert_eq!(
        rig.counter("vxlan4-hold", "sent after next hop resolution"),
        1
    );
    assert_eq!(rig.ifc(TUNNEL1, IfCounter::TxPackets), 1);
    rig.assert_no_leak();
}

/// Starts a capture on the rig: the snapshot the workers read carries it.
fn start_capture(
    rig: &Rig,
    points: crate::pcap::Points,
    sw_if_index: Option<u32>,
    max: u32,
) -> Arc<crate::pcap::Capture> {
    let cap = Arc::new(
        crate::pcap::Capture::new(crate::pcap::Spec {
            points,
            sw_if_index,
            max,
            max_bytes: crate::pcap::DEFAULT_MAX_BYTES,
        })
        .unwrap(),
    );
    let mut t = (**rig.tables.load()).clone();
    t.pcap = Some(cap.clone());
    rig.tables.store(Arc::new(t));
    cap
}

/// Closes `cap` and returns its records' bytes, in claim order.
fn captured(cap: &crate::pcap::Capture) -> Vec<Vec<u8>> {
    let n = cap.close();
    assert_eq!(cap.wait(n, std::time::Duration::from_millis(100)), n);
    cap.records(n).map(|r| r.2).collect()
}

const RX_TX: crate::pcap::Points = crate::pcap::Points {
    rx: true,
    tx: true,
    drop: false,
};

/// rx and tx captures see every frame as received and as sent, on
/// vxlan4-fastpath and on the node path alike, and count what the
/// interface counters count.
#[test]
fn pcap_rx_tx_capture_every_frame_on_both_paths() {
    for fast in [true, false] {
        let mut rig = Rig::new(Tables {
            vxlan4_fastpath: fast,
            ..koko_tables()
        });
        let cap = start_capture(&rig, RX_TX, None, 100);
        let frames: Vec<Vec<u8>> = (0..3)
            .map(|i| {
                let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1 + i, 2, 60);
                VxlanFrame::FROM_KOKO1.build(&inner)
            })
            .collect();
        let sent = rig.run(&frames);
        assert_eq!(sent.len(), 3);
        assert_eq!(
            rig.runtime("vxlan4-fastpath").vectors.get(),
            if fast { 3 } else { 0 },
            "the path taken"
        );
        let records = captured(&cap);
        let want: Vec<Vec<u8>> = frames.iter().chain(&sent).cloned().collect();
        assert_eq!(
            records, want,
            "fast path {fast}: rx as received, tx as sent"
        );
        assert_eq!(
            records.len() as u64,
            rig.ifc(UPLINK, IfCounter::RxPackets) + rig.ifc(UPLINK, IfCounter::TxPackets)
        );
        // Closed: nothing more is recorded.
        rig.run(&frames[..1]);
        assert_eq!(cap.captured(), 6);
        rig.assert_no_leak();
    }
}

/// `max` holds, and `intfc` filters: a tunnel interface has no frames of
/// its own (as in VPP: its packets are captured on the uplink).
#[test]
fn pcap_max_and_interface_filter() {
    let mut rig = Rig::koko();
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let f = VxlanFrame::FROM_KOKO1.build(&inner);
    let cap = start_capture(&rig, RX_TX, None, 4);
    assert_eq!(rig.run(&[f.clone(), f.clone(), f.clone()]).len(), 3);
    assert_eq!(captured(&cap).len(), 4);
    let cap = start_capture(&rig, RX_TX, Some(TUNNEL0), 10);
    rig.run(std::slice::from_ref(&f));
    assert_eq!(captured(&cap).len(), 0);
    let cap = start_capture(&rig, RX_TX, Some(UPLINK), 10);
    let out = rig.run(std::slice::from_ref(&f));
    assert_eq!(captured(&cap), [f, out[0].clone()]);
    rig.assert_no_leak();
}

/// A drop capture records each dropped frame from its Ethernet header,
/// followed by `<node>: <symbolic counter name>` as VPP appends it, for
/// drops at every layer.
#[test]
fn pcap_drop_records_the_frame_and_the_reason() {
    let drop = crate::pcap::Points {
        drop: true,
        ..crate::pcap::Points::default()
    };
    let inner = inner_udp(TEST1_MAC, TEST2_MAC, TEST1_IP, TEST2_IP, 1, 2, 60);
    let good = VxlanFrame::FROM_KOKO1;
    let mut short_ttl = good.build(&inner);
    short_ttl[22] = 0;
    // (node, counter, tables, frame sent, frame recorded)
    type Case = (&'static str, &'static str, Tables, Vec<u8>, Vec<u8>);
    let cases: Vec<Case> = vec![
        // ethernet-input, before it advanced.
        (
            "ethernet-input",
            "l3 mac mismatch",
            koko_tables(),
            VxlanFrame {
                dst_mac: KOKO2_MAC,
                ..good
            }
            .build(&inner),
            vec![],
        ),
        // ip4-input, at the L3 header: rewound to the Ethernet header.
        (
            "ip4-input",
            "ip4 destination lookup miss",
            koko_tables(),
            VxlanFrame {
                dst: Ipv4Addr::new(10, 99, 0, 77),
                ..good
            }
            .build(&inner),
            vec![],
        ),
        // vxlan4-input, at the VXLAN header.
        (
            "vxlan4-input",
            "no such tunnel packets",
            koko_tables(),
            VxlanFrame { vni: 99, ..good }.build(&inner),
            vec![],
        ),
        // l2-output, after decap: the inner frame as it was dropped.
        (
            "l2-output",
            "interface is down",
            {
                let mut t = koko_tables();
                t.interfaces[TUNNEL1 as usize].as_mut().unwrap().up = false;
                t
            },
            good.build(&inner),
            inner.clone(),
        ),
    ];
    for (fast, (node, counter, tables, frame, dropped)) in [true, false]
        .into_iter()
        .flat_map(|f| cases.iter().map(move |c| (f, c)))
    {
        let mut rig = Rig::new(Tables {
            vxlan4_fastpath: fast,
            ..tables.clone()
        });
        let cap = start_capture(&rig, drop, None, 10);
        assert!(rig.run(std::slice::from_ref(frame)).is_empty());
        assert_eq!(rig.counter(node, counter), 1, "{node}: {counter}");
        let info = rig
            .worker
            .stats()
            .node_infos
            .iter()
            .find(|i| i.name == *node)
            .unwrap();
        let sym = info
            .counters
            .iter()
            .find(|c| c.description == *counter)
            .unwrap()
            .name;
        let reason = format!("{node}: {}", crate::pcap::snake_case(sym));
        let frame_part = if dropped.is_empty() { frame } else { dropped };
        assert_eq!(
            captured(&cap),
            [[&frame_part[..], reason.as_bytes()].concat()],
            "{node}: {counter} (fast path {fast})"
        );
        rig.assert_no_leak();
    }
}
