//! One arbitrary frame through the whole standard graph of a worker with
//! the koko tables (pg port on UPLINK), the way `dataplane/src/nodes/tests.rs`
//! drives it. Nothing may panic, and every buffer must be back in the pool
//! once the worker is idle (no leak per input).
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
use dataplane::tables::new_handle;
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
    fn new() -> Rig {
        let pool = Pool::new(PoolConfig {
            buffers: 1024,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .expect("pool");
        let tables = new_handle();
        tables.store(Arc::new(koko_tables()));
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
}

thread_local! {
    static RIG: RefCell<Rig> = RefCell::new(Rig::new());
}

fuzz_target!(|data: &[u8]| {
    RIG.with_borrow_mut(|r| {
        r.eth0.inject(data);
        while r.eth0.pending_rx() > 0 {
            r.worker.poll();
        }
        r.worker.poll();
        let _ = r.eth0.take_tx();
        while r.punts.try_recv().is_ok() {}
        assert_eq!(r.pool.in_use(), r.baseline, "buffers leaked");
    });
});
