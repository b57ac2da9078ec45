//! The malformed packet matrix of issue 7 (`tests/common/malformed.rs`)
//! through the pg driver, on the koko configuration built through the
//! control backend (as `tests/koko_pg.rs` builds it).
//!
//! For every case, with the frames of the case sent at once:
//!
//! * nothing is forwarded (or, for the few cases weft accepts, exactly the
//!   expected frames are);
//! * the node counters that moved are exactly the case's one counter, by
//!   the number of frames (forwarding counters included: none moves for a
//!   drop), and the interface counters that moved are exactly rx, drops
//!   and ip4 (or rx-miss) on eth0;
//! * `pool.in_use()` is what it was before (no buffer leaked);
//! * a good frame sent right after is forwarded byte for byte as the first
//!   one was, moving exactly the forwarding counters.
//!
//! No panic is implied by the test finishing. The observed table is
//! printed (`--nocapture`) for docs/robustness.md.

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::malformed::{
    self, Case, Expect, check_reference, expected_out, forwarding, l3_counter,
};
use common::pg::{KokoPg, moved};

/// The pg interface's MTU (`control::interface::PG_MTU`).
const PG_MTU: usize = 1500;

/// Runs one case; returns the counters that moved, for the table.
fn run_case(k: &mut KokoPg, case: &Case, reference: &[u8], good: &[u8]) -> String {
    let name = case.name;
    let n = case.frames.len() as u64;
    let bytes: u64 = case.frames.iter().map(|f| f.len() as u64).sum();
    let nodes0 = k.node_counters();
    let ifs0 = k.if_counters();
    let used0 = k.pool.in_use();

    let out = k.run(&case.frames);

    let dn = moved(&nodes0, &k.node_counters());
    let di = moved(&ifs0, &k.if_counters());
    let mut want_if = BTreeMap::from([(("eth0", "rx packets"), n), (("eth0", "rx bytes"), bytes)]);
    let observed = match &case.expect {
        Expect::Drop(c) => {
            assert!(out.is_empty(), "{name}: forwarded {} frames", out.len());
            assert_eq!(dn, BTreeMap::from([(*c, n)]), "{name}: node counters");
            want_if.insert(("eth0", "drops"), n);
            if let Some(l3) = l3_counter(c.0) {
                want_if.insert(("eth0", l3), n);
            }
            assert_eq!(di, want_if, "{name}: interface counters");
            format!("{} `{}` +{n}", c.0, c.1)
        }
        Expect::DropMtu => {
            assert!(out.is_empty(), "{name}: forwarded {} frames", out.len());
            let mtu = ("vxlan4-encap", "MTU exceeded after encapsulation");
            let mut want: BTreeMap<_, _> = forwarding(n).into_iter().collect();
            want.remove(&("vxlan4-encap", "good packets encapsulated"));
            want.insert(mtu, n);
            assert_eq!(dn, want, "{name}: node counters");
            // Decapsulated first: rx on vxlan_tunnel0, and the drop is
            // charged to the interface it was received on by then.
            want_if.insert(("eth0", "ip4"), n);
            want_if.insert(("vxlan_tunnel0", "rx packets"), n);
            want_if.insert(("vxlan_tunnel0", "rx bytes"), bytes - 50 * n);
            want_if.insert(("vxlan_tunnel0", "drops"), n);
            assert_eq!(di, want_if, "{name}: interface counters");
            format!("{} `{}` +{n} (after decap)", mtu.0, mtu.1)
        }
        Expect::Forward { inner, info } => {
            let want_out = expected_out(reference, inner);
            assert_eq!(out.len() as u64, n, "{name}: forwarded");
            for f in &out {
                assert_eq!(f, &want_out, "{name}: output bytes");
            }
            let mut want: BTreeMap<_, _> = forwarding(n).into_iter().collect();
            if let Some(c) = info {
                want.insert(*c, n);
            }
            assert_eq!(dn, want, "{name}: node counters");
            let inner_bytes = n * inner.len() as u64;
            want_if.insert(("eth0", "ip4"), n);
            want_if.insert(("eth0", "tx packets"), n);
            want_if.insert(("eth0", "tx bytes"), n * want_out.len() as u64);
            want_if.insert(("vxlan_tunnel0", "rx packets"), n);
            want_if.insert(("vxlan_tunnel0", "rx bytes"), inner_bytes);
            want_if.insert(("vxlan_tunnel1", "tx packets"), n);
            want_if.insert(("vxlan_tunnel1", "tx bytes"), inner_bytes);
            assert_eq!(di, want_if, "{name}: interface counters");
            match info {
                Some(c) => format!("forwarded; {} `{}` +{n}", c.0, c.1),
                None => "forwarded".to_string(),
            }
        }
        Expect::RxMiss => {
            assert!(out.is_empty(), "{name}: forwarded {} frames", out.len());
            assert_eq!(
                dn,
                BTreeMap::from([(("pg-input", "frame larger than a buffer"), n)]),
                "{name}: node counters"
            );
            assert_eq!(
                di,
                BTreeMap::from([(("eth0", "rx-miss"), n)]),
                "{name}: interface counters"
            );
            format!("eth0 `rx-miss` +{n} (show interface)")
        }
    };
    assert_eq!(k.pool.in_use(), used0, "{name}: buffers leaked");

    // The graph is unaffected: the good frame still goes through, byte
    // for byte, moving exactly the forwarding counters.
    let nodes1 = k.node_counters();
    let out = k.run(&[good.to_vec()]);
    assert_eq!(
        out,
        vec![reference.to_vec()],
        "{name}: the good frame after"
    );
    assert_eq!(
        moved(&nodes1, &k.node_counters()),
        forwarding(1).into_iter().collect(),
        "{name}: the good frame after"
    );
    assert_eq!(k.pool.in_use(), used0, "{name}: buffers leaked");
    observed
}

#[test]
fn malformed_matrix_through_pg() {
    let started = Instant::now();
    let mut k = KokoPg::new(2048, true);
    let max_frame = k.pool.frame_size() - k.pool.config().headroom as usize;
    assert_eq!(max_frame, 3840, "default buffers: 4096-byte frames");
    let good = malformed::good(k.mac);
    let out = k.run(std::slice::from_ref(&good));
    assert_eq!(out.len(), 1, "the good frame is forwarded");
    let reference = out[0].clone();
    check_reference(&reference, k.mac);
    assert_eq!(k.pool.in_use(), 0);

    let cases = malformed::matrix(k.mac, max_frame, PG_MTU, &[9000, 70000]);
    let mut table = String::new();
    let mut frames = 0;
    for case in &cases {
        let observed = run_case(&mut k, case, &reference, &good);
        frames += case.frames.len();
        table.push_str(&format!(
            "| {} | {} | {observed} |\n",
            case.name,
            case.frames.len()
        ));
    }
    assert_eq!(k.pool.in_use(), 0, "every buffer back in the pool");
    eprintln!(
        "{} cases, {frames} malformed frames, {:?}\n{table}",
        cases.len(),
        started.elapsed()
    );
}

/// The cases are sent mixed in one vector too: each counter still moves by
/// exactly its own frames, the good frames among them go through, and no
/// buffer is left behind.
#[test]
fn malformed_matrix_interleaved_with_good_frames() {
    let mut k = KokoPg::new(2048, true);
    let max_frame = k.pool.frame_size() - k.pool.config().headroom as usize;
    let good = malformed::good(k.mac);
    let reference = k.run(std::slice::from_ref(&good)).remove(0);
    let cases = malformed::matrix(k.mac, max_frame, PG_MTU, &[9000, 70000]);
    let mut want: BTreeMap<_, u64> = BTreeMap::new();
    let mut all = Vec::new();
    let mut goods = 0;
    for case in &cases {
        match &case.expect {
            Expect::Drop(c) => *want.entry(*c).or_default() += case.frames.len() as u64,
            // Only the pure drops: the others move forwarding counters.
            _ => continue,
        }
        for f in &case.frames {
            all.push(f.clone());
            all.push(good.clone());
            goods += 1;
        }
    }
    for (c, n) in forwarding(goods) {
        want.insert(c, n);
    }
    let before = k.node_counters();
    let out = k.run(&all);
    assert_eq!(out.len() as u64, goods);
    assert!(out.iter().all(|f| *f == reference), "good frames intact");
    assert_eq!(moved(&before, &k.node_counters()), want);
    assert_eq!(k.pool.in_use(), 0);
}
