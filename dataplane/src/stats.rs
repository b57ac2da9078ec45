//! Per-worker statistics shared with the control plane: node runtime,
//! node counters and interface counters.
//!
//! Every counter has exactly one writer, the worker that owns it, which
//! adds with a relaxed load and store (a plain `mov` on x86, no locked
//! instruction). The control plane reads with relaxed loads and sums over
//! workers. "Clearing" is done by the reader keeping a baseline, as VPP's
//! `clear errors` does, so the writer never races a reset.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::graph::NodeInfo;

/// A single-writer counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`. Only the owning worker may call this.
    #[inline]
    pub fn add(&self, n: u64) {
        self.0.store(
            self.0.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// Current value.
    #[inline]
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runtime statistics and counters of one node on one worker.
#[derive(Debug)]
pub struct NodeStats {
    /// Times the node ran (input nodes: runs that produced packets).
    pub calls: Counter,
    /// Packets processed.
    pub vectors: Counter,
    /// CPU clock ticks spent.
    pub clocks: Counter,
    /// The node's declared counters, in declaration order.
    pub counters: Box<[AtomicU64]>,
}

impl NodeStats {
    fn new(info: &NodeInfo) -> Self {
        NodeStats {
            calls: Counter::default(),
            vectors: Counter::default(),
            clocks: Counter::default(),
            counters: info.counters.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[inline]
    pub(crate) fn add(&self, calls: u64, vectors: u64, clocks: u64) {
        self.calls.add(calls);
        self.vectors.add(vectors);
        self.clocks.add(clocks);
    }

    /// Value of counter `c`.
    pub fn counter(&self, c: usize) -> u64 {
        self.counters[c].load(Ordering::Relaxed)
    }
}

/// Interface counters, named as VPP names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum IfCounter {
    /// Received packets.
    RxPackets,
    /// Received bytes.
    RxBytes,
    /// Transmitted packets.
    TxPackets,
    /// Transmitted bytes.
    TxBytes,
    /// Packets dropped (charged to the receive interface).
    Drops,
    /// Packets punted.
    Punt,
    /// IPv4 packets received (charged by ip4-input).
    Ip4,
    /// IPv6 packets received.
    Ip6,
    /// Receive failed for lack of buffers.
    RxNoBuf,
    /// Receive ring had no room (fill ring empty).
    RxMiss,
    /// Receive errors.
    RxError,
    /// Transmit errors.
    TxError,
}

/// Number of [`IfCounter`] kinds.
pub const IF_COUNTERS: usize = 12;

/// Default largest sw_if_index + 1 that counters are kept for.
pub const DEFAULT_MAX_INTERFACES: usize = 16384;

/// Interface counters of one worker, by sw_if_index.
#[derive(Debug)]
pub struct IfCounters {
    values: Box<[AtomicU64]>,
}

impl IfCounters {
    fn new(max_interfaces: usize) -> Self {
        IfCounters {
            values: (0..max_interfaces * IF_COUNTERS)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Number of interfaces counted for.
    pub fn capacity(&self) -> usize {
        self.values.len() / IF_COUNTERS
    }

    /// Adds `n` to counter `c` of interface `sw_if_index` (ignored for an
    /// index beyond the capacity). Only the owning worker may call this.
    #[inline]
    pub fn add(&self, sw_if_index: u32, c: IfCounter, n: u64) {
        if let Some(a) = self
            .values
            .get(sw_if_index as usize * IF_COUNTERS + c as usize)
        {
            a.store(a.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
        }
    }

    /// Adds a packet count and a byte count at once (rx or tx).
    #[inline]
    pub fn add_combined(&self, sw_if_index: u32, packets: IfCounter, packets_n: u64, bytes: u64) {
        self.add(sw_if_index, packets, packets_n);
        self.add(
            sw_if_index,
            if packets == IfCounter::RxPackets {
                IfCounter::RxBytes
            } else {
                IfCounter::TxBytes
            },
            bytes,
        );
    }

    /// Value of counter `c` of interface `sw_if_index`.
    pub fn get(&self, sw_if_index: u32, c: IfCounter) -> u64 {
        self.values
            .get(sw_if_index as usize * IF_COUNTERS + c as usize)
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }

    /// All counters of one interface.
    pub fn snapshot(&self, sw_if_index: u32) -> [u64; IF_COUNTERS] {
        let mut out = [0; IF_COUNTERS];
        for (k, o) in out.iter_mut().enumerate() {
            *o = self
                .values
                .get(sw_if_index as usize * IF_COUNTERS + k)
                .map_or(0, |a| a.load(Ordering::Relaxed));
        }
        out
    }
}

/// Everything one worker counts.
#[derive(Debug)]
pub struct WorkerStats {
    /// Per node, in graph index order.
    pub nodes: Vec<NodeStats>,
    /// Node names, in graph index order.
    pub node_infos: Vec<&'static NodeInfo>,
    /// Interface counters.
    pub interfaces: IfCounters,
    /// Main-loop iterations.
    pub loops: Counter,
}

impl WorkerStats {
    /// Statistics for a graph with these nodes.
    pub fn new(node_infos: Vec<&'static NodeInfo>, max_interfaces: usize) -> Self {
        WorkerStats {
            nodes: node_infos.iter().map(|i| NodeStats::new(i)).collect(),
            node_infos,
            interfaces: IfCounters::new(max_interfaces),
            loops: Counter::default(),
        }
    }

    /// Value of a node counter by node name and counter description.
    pub fn node_counter(&self, node: &str, description: &str) -> u64 {
        self.node_infos
            .iter()
            .position(|i| i.name == node)
            .and_then(|n| {
                self.node_infos[n]
                    .counters
                    .iter()
                    .position(|c| c.description == description)
                    .map(|c| self.nodes[n].counter(c))
            })
            .unwrap_or(0)
    }
}
