//! One arbitrary frame through the whole standard graph of a worker with
//! the koko tables (pg port on UPLINK), the way `dataplane/src/nodes/tests.rs`
//! drives it. Nothing may panic, and every buffer must be back in the pool
//! once the worker is idle (no leak per input).
//!
//! Two workers take every input: one with vxlan4-fastpath on (the default)
//! and one with it off. They must send the same bytes and count the same
//! node and interface counters: the fast path may only ever do what the
//! node path would.
//!
//! The pool and worker are built once per process (thread-local); the leak
//! check compares `pool.in_use()` with its value right after construction
//! (buffers sitting in the worker's free cache count as available, so the
//! baseline is 0).
#![no_main]

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use dataplane::fixtures::{UPLINK, koko_tables};
use dataplane::io::pg::{PgHandle, PgPort};
use dataplane::nodes::standard_graph;
use dataplane::pool::{PageSize, Pool, PoolConfig};
use dataplane::punt::{PuntMsg, punt_channel};
use dataplane::tables::{Tables, new_handle};
use dataplane::worker::Worker;
use libfuzzer_sys::fuzz_target;

struct Rig {
    pool: Arc<Pool>,
    worker: Worker,
    eth0: Arc<PgHandle>,
    punts: Receiver<PuntMsg>,
    baseline: usize,
}

impl Rig {
    fn new(fastpath: bool) -> Rig {
        let pool = Pool::new(PoolConfig {
            buffers: 1024,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .expect("pool");
        let tables = new_handle();
        tables.store(Arc::new(Tables {
            vxlan4_fastpath: fastpath,
            ..koko_tables()
        }));
        let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), tables);
        let (port, eth0) = PgPort::new();
        worker.ports_mut().insert(UPLINK, Box::new(port));
        let (punt, punts) = punt_channel(64);
        worker.set_punt(punt);
        let baseline = pool.in_use();
        Rig {
            pool,
            worker,
            eth0,
            punts,
            baseline,
        }
    }

    /// Runs one frame; what was sent, and every counter.
    fn run(&mut self, data: &[u8]) -> (Vec<Vec<u8>>, Vec<u64>) {
        self.eth0.inject(data);
        while self.eth0.pending_rx() > 0 {
            self.worker.poll();
        }
        self.worker.poll();
        let tx = self.eth0.take_tx();
        while self.punts.try_recv().is_ok() {}
        assert_eq!(self.pool.in_use(), self.baseline, "buffers leaked");
        let stats = self.worker.stats();
        let mut counters: Vec<u64> = stats
            .nodes
            .iter()
            .flat_map(|n| (0..n.counters.len()).map(|c| n.counter(c)))
            .collect();
        for i in 0..8 {
            counters.extend(stats.interfaces.snapshot(i));
        }
        (tx, counters)
    }
}

thread_local! {
    static FAST: RefCell<Rig> = RefCell::new(Rig::new(true));
    static SLOW: RefCell<Rig> = RefCell::new(Rig::new(false));
}

fuzz_target!(|data: &[u8]| {
    let fast = FAST.with_borrow_mut(|r| r.run(data));
    let slow = SLOW.with_borrow_mut(|r| r.run(data));
    assert_eq!(fast, slow, "vxlan4-fastpath differs from the node path");
});
