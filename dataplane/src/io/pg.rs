//! The packet generator ("pg") driver: an in-memory interface, like VPP's
//! packet generator, that injects given frames into the graph and captures
//! what is transmitted.
//!
//! It is for unit tests and micro-benchmarks only: frames are copied in and
//! out, and the queues are behind mutexes. It is never a substitute for the
//! real driver in end-to-end tests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::pool::{Buf, PoolCache};
use crate::port::{Port, RxResult, TxResult};

/// Name of the pg input node.
pub const INPUT_NODE: &str = "pg-input";

/// The test's side of a pg interface.
#[derive(Debug, Default)]
pub struct PgHandle {
    rx: Mutex<VecDeque<Vec<u8>>>,
    tx: Mutex<Vec<Vec<u8>>>,
}

impl PgHandle {
    /// Queues a frame to be received by weft.
    pub fn inject(&self, frame: &[u8]) {
        self.rx.lock().expect("pg lock").push_back(frame.to_vec());
    }

    /// Takes every frame weft transmitted so far.
    pub fn take_tx(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.tx.lock().expect("pg lock"))
    }

    /// Frames queued but not yet received.
    pub fn pending_rx(&self) -> usize {
        self.rx.lock().expect("pg lock").len()
    }
}

/// A pg interface as a worker's port.
#[derive(Debug)]
pub struct PgPort {
    handle: Arc<PgHandle>,
    capture: bool,
}

impl PgPort {
    /// A port and the handle the test keeps.
    pub fn new() -> (PgPort, Arc<PgHandle>) {
        let handle = Arc::new(PgHandle::default());
        (
            PgPort {
                handle: handle.clone(),
                capture: true,
            },
            handle,
        )
    }

    /// A port that frees transmitted buffers without copying them out
    /// (for benchmarks).
    pub fn discarding() -> (PgPort, Arc<PgHandle>) {
        let (mut p, h) = Self::new();
        p.capture = false;
        (p, h)
    }
}

impl Port for PgPort {
    fn input_node(&self) -> &'static str {
        INPUT_NODE
    }

    fn rx(
        &mut self,
        cache: &mut PoolCache,
        out: &mut Vec<Buf>,
        max: usize,
        sw_if_index: u32,
    ) -> RxResult {
        let mut r = RxResult::default();
        let mut q = self.handle.rx.lock().expect("pg lock");
        while r.received < max {
            let Some(frame) = q.pop_front() else { break };
            let Some(mut b) = cache.alloc() else {
                r.no_buf += 1;
                continue;
            };
            let pool = cache.pool().clone();
            let mut p = pool.packet_mut(&mut b);
            if p.write(&frame) {
                p.meta.rx_if = sw_if_index;
                out.push(b);
                r.received += 1;
                r.bytes += frame.len() as u64;
            } else {
                // Larger than a buffer: the device could not take it.
                cache.free(b);
                r.miss += 1;
                r.too_big += 1;
            }
        }
        r
    }

    fn tx(&mut self, cache: &mut PoolCache, bufs: &mut Vec<Buf>) -> TxResult {
        let sent = bufs.len();
        if self.capture {
            let pool = cache.pool().clone();
            let mut q = self.handle.tx.lock().expect("pg lock");
            for b in bufs.iter() {
                q.push(pool.data(b).to_vec());
            }
        }
        cache.free_all(bufs);
        TxResult { sent, errors: 0 }
    }
}
