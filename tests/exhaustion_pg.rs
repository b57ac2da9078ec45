//! Buffer pool exhaustion through the pg driver (issue 7): a pool of 64
//! buffers on the koko configuration.
//!
//! * Packets for a tunnel whose next hop is not resolved wait in
//!   vxlan4-hold, holding their buffers: the pool runs dry and every
//!   further frame is counted `rx-no-buf` on eth0 (the pg driver counts a
//!   frame it has no buffer for). Resolving the next hop sends the held
//!   packets and forwarding resumes.
//! * Under bursts larger than the pool each poll takes what the pool has
//!   and counts the rest `rx-no-buf`; smaller bursts go through whole.
//! * After all that the hold experiment is repeated and takes exactly 64
//!   frames again, and `pool.in_use()` ends at 0: no buffer leaked.
//!
//! All counts are exact: the pg driver is deterministic.

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::malformed::{self, forwarding};
use common::pg::{KokoPg, moved};
use weft::dataplane::stats::IfCounter;

const POOL: u32 = 64;

/// Holds: sends `n` (> POOL) frames with koko2 unresolved. Exactly POOL
/// are received and held, the rest counted rx-no-buf; nothing leaves.
fn hold_until_dry(k: &mut KokoPg, good: &[u8], n: usize) {
    let nodes0 = k.node_counters();
    let ifs0 = k.if_counters();
    let out = k.run(&vec![good.to_vec(); n]);
    assert!(out.is_empty(), "nothing can leave before koko2 resolves");
    let p = u64::from(POOL);
    let mut want: BTreeMap<_, _> = forwarding(p).into_iter().collect();
    want.remove(&("vxlan4-encap", "good packets encapsulated"));
    want.insert(("vxlan4-encap", "tunnel next hop unresolved"), p);
    want.insert(("vxlan4-hold", "held for next hop resolution"), p);
    assert_eq!(moved(&nodes0, &k.node_counters()), want, "node counters");
    let di = moved(&ifs0, &k.if_counters());
    assert_eq!(di[&("eth0", "rx packets")], p);
    assert_eq!(di[&("eth0", "rx-no-buf")], n as u64 - p);
    assert_eq!(di.get(&("eth0", "drops")), None, "nothing dropped");
    assert_eq!(k.pool.in_use(), POOL as usize, "the pool is dry");
}

/// Resolves koko2: the held packets leave, byte for byte.
fn release(k: &mut KokoPg, reference: &[u8]) {
    let nodes0 = k.node_counters();
    k.resolve_koko2(true);
    let out = k.run(&[]);
    assert_eq!(out.len(), POOL as usize, "every held packet leaves");
    assert!(out.iter().all(|f| f == reference), "held packets intact");
    assert_eq!(
        moved(&nodes0, &k.node_counters()),
        BTreeMap::from([(
            ("vxlan4-hold", "sent after next hop resolution"),
            u64::from(POOL)
        )])
    );
    assert_eq!(k.pool.in_use(), 0, "every buffer back");
}

#[test]
fn pool_exhaustion_counts_rx_no_buf_and_forwarding_resumes() {
    let started = Instant::now();
    // Koko2 resolved only to record the reference output.
    let mut k = KokoPg::new(POOL, true);
    let good = malformed::good(k.mac);
    let reference = k.run(std::slice::from_ref(&good)).remove(0);
    malformed::check_reference(&reference, k.mac);
    k.resolve_koko2(false);

    // 1. Held packets drain the pool.
    hold_until_dry(&mut k, &good, 100);
    // Still dry: more traffic is all rx-no-buf, and nothing panics.
    let nobuf0 = k.ifc(k.eth0_if, IfCounter::RxNoBuf);
    assert!(k.run(&vec![good.clone(); 1000]).is_empty());
    assert_eq!(k.ifc(k.eth0_if, IfCounter::RxNoBuf) - nobuf0, 1000);
    // 2. The next hop resolves: the pressure drops, forwarding resumes.
    release(&mut k, &reference);
    let out = k.run(&vec![good.clone(); 50]);
    assert_eq!(out.len(), 50);
    assert!(out.iter().all(|f| *f == reference));

    // 3. Bursts of 100 on a pool of 64, one poll each: each poll takes 64
    //    (freed again as they leave) and counts 36 rx-no-buf.
    let ifs0 = k.if_counters();
    let mut sent_out = 0;
    for _ in 0..20 {
        for _ in 0..100 {
            k.eth0.inject(&good);
        }
        k.worker.poll();
        let out = k.eth0.take_tx();
        assert!(out.iter().all(|f| *f == reference));
        sent_out += out.len() as u64;
    }
    let di = moved(&ifs0, &k.if_counters());
    assert_eq!(sent_out, 20 * 64);
    assert_eq!(di[&("eth0", "rx packets")], 20 * 64);
    assert_eq!(di[&("eth0", "rx-no-buf")], 20 * 36);
    assert_eq!(di[&("eth0", "tx packets")], 20 * 64);
    assert_eq!(di.get(&("eth0", "drops")), None);
    assert_eq!(k.pool.in_use(), 0);
    //    Bursts within the pool go through whole.
    let ifs0 = k.if_counters();
    for _ in 0..20 {
        let out = k.run(&vec![good.clone(); 60]);
        assert_eq!(out.len(), 60);
    }
    let di = moved(&ifs0, &k.if_counters());
    assert_eq!(di.get(&("eth0", "rx-no-buf")), None);
    assert_eq!(di[&("eth0", "tx packets")], 20 * 60);

    // 4. No leak: the hold experiment takes exactly the whole pool again.
    k.resolve_koko2(false);
    hold_until_dry(&mut k, &good, 100);
    release(&mut k, &reference);
    assert_eq!(k.pool.in_use(), 0);
    eprintln!("pool exhaustion through pg: {:?}", started.elapsed());
}
