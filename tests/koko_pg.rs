//! The koko configuration built through the control backend (the same
//! calls the CLI makes), forwarding through a worker over pg interfaces:
//! both directions, tunnel delete and re-create, and reconfiguration while
//! a worker thread forwards.

mod common;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::pg::{KokoPg, inner, tunnel_args as tunnel};
use weft::dataplane::fixtures::{self, VxlanFrame};
use weft::dataplane::wire::EthernetAddress;

/// The demo's commands through the backend, both remotes resolved.
fn koko() -> KokoPg {
    KokoPg::new(2048, true)
}

/// Checks the outer headers of a frame weft sent towards `dst`.
fn assert_outer(
    frame: &[u8],
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    dst: Ipv4Addr,
    vni: u32,
) {
    assert_eq!(&frame[0..6], &dst_mac.0);
    assert_eq!(&frame[6..12], &src_mac.0);
    assert_eq!(&frame[26..30], &fixtures::WEFT_IP.octets());
    assert_eq!(&frame[30..34], &dst.octets());
    assert_eq!(frame[22], 253, "TTL");
    assert_eq!(&frame[36..38], &4789u16.to_be_bytes());
    assert_eq!(&frame[42..46], &[0x08, 0, 0, 0]);
    assert_eq!(&frame[46..50], &(vni << 8).to_be_bytes());
}

#[test]
fn both_directions_through_the_backend() {
    let mut k = koko();
    let out = k.run(&[k.frame_from_koko1(&inner(1)), k.frame_from_koko2(&inner(2))]);
    assert_eq!(out.len(), 2);
    assert_outer(&out[0], k.mac, fixtures::KOKO2_MAC, fixtures::KOKO2_IP, 12);
    assert_eq!(&out[0][50..], &inner(1)[..]);
    assert_outer(&out[1], k.mac, fixtures::KOKO1_MAC, fixtures::KOKO1_IP, 11);
    assert_eq!(&out[1][50..], &inner(2)[..]);
    assert_eq!(k.pool.in_use(), 0);
}

#[test]
fn delete_stops_traffic_and_recreate_restores_it() {
    let mut k = koko();
    let f = k.frame_from_koko1(&inner(1));
    assert_eq!(k.run(std::slice::from_ref(&f)).len(), 1);

    k.config
        .vxlan_add_del(&tunnel(fixtures::KOKO1_IP, 11, false))
        .unwrap();
    assert!(k.run(std::slice::from_ref(&f)).is_empty());
    assert_eq!(
        k.worker
            .stats()
            .node_counter("vxlan4-input", "no such tunnel packets"),
        1
    );

    // Re-create: it gets vxlan_tunnel0 back; the peer was returned to L3
    // by the delete, so both directions need the xconnect again.
    let t0 = k
        .config
        .vxlan_add_del(&tunnel(fixtures::KOKO1_IP, 11, true))
        .unwrap()
        .unwrap();
    assert_eq!(k.config.interface(t0).unwrap().name, "vxlan_tunnel0");
    let t1 = k.config.interface_index("vxlan_tunnel1").unwrap();
    k.config.set_l2_xconnect(t0, t1).unwrap();
    k.config.set_l2_xconnect(t1, t0).unwrap();
    let out = k.run(&[f, k.frame_from_koko2(&inner(3))]);
    assert_eq!(out.len(), 2);
    assert_eq!(k.pool.in_use(), 0);
}

/// A worker thread forwards continuously while the control thread deletes
/// and re-creates a tunnel: every frame that leaves is a complete, correct
/// VNI 12 frame, nothing panics, nothing leaks.
#[test]
fn reconfiguration_never_corrupts_a_packet_in_flight() {
    let KokoPg {
        pool,
        mut config,
        mut worker,
        eth0,
        mac,
        ..
    } = koko();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let forwarder = std::thread::spawn(move || {
        while !stop2.load(Ordering::Relaxed) {
            worker.poll();
        }
        worker.poll();
        worker
    });
    let frame = VxlanFrame {
        dst_mac: mac,
        ..VxlanFrame::FROM_KOKO1
    }
    .build(&inner(7));
    let mut sent = 0;
    let mut out = Vec::new();
    for round in 0..200 {
        for _ in 0..20 {
            eth0.inject(&frame);
            sent += 1;
        }
        let del = round % 2 == 0;
        if del {
            config
                .vxlan_add_del(&tunnel(fixtures::KOKO2_IP, 12, false))
                .unwrap();
        } else {
            let t1 = config
                .vxlan_add_del(&tunnel(fixtures::KOKO2_IP, 12, true))
                .unwrap()
                .unwrap();
            let t0 = config.interface_index("vxlan_tunnel0").unwrap();
            config.set_l2_xconnect(t0, t1).unwrap();
            config.set_l2_xconnect(t1, t0).unwrap();
        }
        out.extend(eth0.take_tx());
    }
    while eth0.pending_rx() > 0 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    let worker = forwarder.join().unwrap();
    out.extend(eth0.take_tx());
    for f in &out {
        assert_eq!(f.len(), 50 + 98);
        assert_outer(f, mac, fixtures::KOKO2_MAC, fixtures::KOKO2_IP, 12);
        assert_eq!(&f[50..], &inner(7)[..]);
    }
    let stats = worker.stats();
    let forwarded = stats.node_counter("vxlan4-encap", "good packets encapsulated");
    let dropped = stats.node_counter("vxlan4-input", "no such tunnel packets")
        + stats.node_counter("l2-input", "L2 input drops")
        + stats.node_counter(
            "l2-output",
            "L2 output to interface not in L2 mode or deleted",
        )
        + stats.node_counter("vxlan4-encap", "packets dropped: not a vxlan tunnel");
    assert_eq!(forwarded as usize, out.len());
    assert_eq!(
        forwarded + dropped,
        sent,
        "every packet forwarded or counted"
    );
    drop(worker);
    assert_eq!(pool.in_use(), 0);
}
