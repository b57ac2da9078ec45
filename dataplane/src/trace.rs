//! Per-packet traces (`trace add`, `show trace`).
//!
//! An input node marks up to the requested number of packets as traced
//! ([`flags::TRACED`]); every node that handles a traced buffer appends a
//! line for it. When nothing is traced the cost is one flag test per packet
//! in each node, behind a branch the compiler lays out as cold; the
//! recording functions are `#[cold]` and never inlined.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::pool::{BufMeta, flags};

/// One node's line in a packet's trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// Time since the worker started.
    pub at: Duration,
    /// Node name.
    pub node: &'static str,
    /// What the node did, in the node's words.
    pub text: String,
}

/// A traced packet's path through the graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TracePacket {
    /// One entry per node visited, in order.
    pub entries: Vec<TraceEntry>,
}

/// Trace state shared between a worker and the control plane.
#[derive(Debug, Default)]
pub struct TraceShared {
    /// Packets still to trace, per input node name.
    budgets: Mutex<Vec<(&'static str, Arc<AtomicU32>)>>,
    /// Recorded packets.
    pub packets: Mutex<Vec<TracePacket>>,
}

impl TraceShared {
    /// Adds `n` packets to trace at input node `node` (`trace add`);
    /// `n == 0` resets the budget.
    pub fn add_budget(&self, node: &'static str, n: u32) {
        let mut b = self.budgets.lock().expect("trace lock");
        let budget = match b.iter().find(|(name, _)| *name == node) {
            Some((_, a)) => a.clone(),
            None => {
                let a = Arc::new(AtomicU32::new(0));
                b.push((node, a.clone()));
                a
            }
        };
        if n == 0 {
            budget.store(0, Ordering::Relaxed);
        } else {
            budget.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Stops tracing and forgets recorded packets (`clear trace`).
    pub fn clear(&self) {
        for (_, a) in self.budgets.lock().expect("trace lock").iter() {
            a.store(0, Ordering::Relaxed);
        }
        self.packets.lock().expect("trace lock").clear();
    }

    fn budget(&self, node: &'static str) -> Arc<AtomicU32> {
        let mut b = self.budgets.lock().expect("trace lock");
        if let Some((_, a)) = b.iter().find(|(name, _)| *name == node) {
            return a.clone();
        }
        let a = Arc::new(AtomicU32::new(0));
        b.push((node, a.clone()));
        a
    }
}

/// A worker's tracer.
#[derive(Debug)]
pub struct Tracer {
    start: Instant,
    shared: Arc<TraceShared>,
    cached: Vec<(&'static str, Arc<AtomicU32>)>,
}

impl Tracer {
    /// A tracer recording into `shared`.
    pub fn new(shared: Arc<TraceShared>) -> Self {
        Tracer {
            start: Instant::now(),
            shared,
            cached: Vec::new(),
        }
    }

    /// The state shared with the control plane.
    pub fn shared(&self) -> &Arc<TraceShared> {
        &self.shared
    }

    /// Packets input node `node` should still trace (checked once per
    /// vector by input nodes).
    #[inline]
    pub fn budget(&mut self, node: &'static str) -> u32 {
        let a = match self.cached.iter().find(|(n, _)| *n == node) {
            Some((_, a)) => a,
            None => {
                let a = self.shared.budget(node);
                self.cached.push((node, a));
                &self.cached.last().expect("just pushed").1
            }
        };
        a.load(Ordering::Relaxed)
    }

    /// Marks a buffer traced and records its first line, if the input
    /// node's budget allows. Returns true when the buffer is now traced.
    #[cold]
    #[inline(never)]
    pub fn start(&mut self, meta: &mut BufMeta, node: &'static str, text: String) -> bool {
        let Some((_, a)) = self.cached.iter().find(|(n, _)| *n == node) else {
            return false;
        };
        let left = a.load(Ordering::Relaxed);
        if left == 0 {
            return false;
        }
        a.store(left - 1, Ordering::Relaxed);
        let mut packets = self.shared.packets.lock().expect("trace lock");
        meta.flags |= flags::TRACED;
        meta.trace_index = packets.len() as u32;
        packets.push(TracePacket {
            entries: vec![TraceEntry {
                at: self.start.elapsed(),
                node,
                text,
            }],
        });
        true
    }

    /// Appends a line to a traced buffer's record.
    #[cold]
    #[inline(never)]
    pub fn add(&mut self, meta: &BufMeta, node: &'static str, text: String) {
        let at = self.start.elapsed();
        let mut packets = self.shared.packets.lock().expect("trace lock");
        if let Some(p) = packets.get_mut(meta.trace_index as usize) {
            p.entries.push(TraceEntry { at, node, text });
        }
    }
}
