//! Proves that the dataplane does no heap allocation per packet in steady
//! state: a counting global allocator counts this thread's allocations while
//! the koko path forwards 25 600 packets.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use weft::dataplane::fixtures::{self, VxlanFrame};
use weft::dataplane::io::pg::PgPort;
use weft::dataplane::nodes::standard_graph;
use weft::dataplane::pool::{PageSize, Pool, PoolConfig};
use weft::dataplane::stats::IfCounter;
use weft::dataplane::tables::new_handle;
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

#[test]
fn no_heap_allocation_per_packet() {
    let pool = Pool::new(PoolConfig {
        buffers: 2048,
        page_size: PageSize::Normal,
        ..PoolConfig::default()
    })
    .unwrap();
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
    // Warm up: first use of queues, caches and trace budgets may allocate.
    for _ in 0..10 {
        round(&mut worker);
    }
    ALLOCS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    for _ in 0..100 {
        round(&mut worker);
    }
    COUNTING.with(|c| c.set(false));
    let allocs = ALLOCS.with(|a| a.get());

    let sent = worker
        .stats()
        .interfaces
        .get(fixtures::UPLINK, IfCounter::TxPackets);
    assert_eq!(sent, 110 * 256, "every packet must be forwarded");
    assert_eq!(allocs, 0, "heap allocations in steady state");
    assert_eq!(pool.in_use(), 0);
}
