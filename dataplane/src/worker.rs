//! A worker: one graph, one buffer cache, its ports, its statistics.
//!
//! [`Worker::poll`] is one iteration of the main loop: load the current
//! configuration snapshot (lock-free), run the input nodes, then every node
//! with pending packets. Threads, pinning and rx modes wrap this loop (see
//! the AF_XDP issue); tests and benchmarks call `poll` directly.

use std::sync::Arc;

use crate::graph::{Env, Graph};
use crate::pool::{Buf, Pool, PoolCache};
use crate::port::Ports;
use crate::stats::{DEFAULT_MAX_INTERFACES, WorkerStats};
use crate::tables::TablesHandle;
use crate::trace::{TraceShared, Tracer};

/// One worker's dataplane state.
pub struct Worker {
    pool: Arc<Pool>,
    cache: PoolCache,
    graph: Graph,
    ports: Ports,
    stats: Arc<WorkerStats>,
    tracer: Tracer,
    tables: TablesHandle,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("graph", &self.graph)
            .field("ports", &self.ports)
            .finish()
    }
}

impl Worker {
    /// A worker running `graph` over buffers of `pool`, forwarding with the
    /// snapshots published in `tables`.
    pub fn new(pool: &Arc<Pool>, graph: Graph, tables: TablesHandle) -> Worker {
        let stats = Arc::new(WorkerStats::new(graph.node_infos(), DEFAULT_MAX_INTERFACES));
        Worker {
            pool: pool.clone(),
            cache: pool.cache(),
            graph,
            ports: Ports::default(),
            stats,
            tracer: Tracer::new(Arc::new(TraceShared::default())),
            tables,
        }
    }

    /// The worker's ports.
    pub fn ports_mut(&mut self) -> &mut Ports {
        &mut self.ports
    }

    /// The worker's statistics (shared with the control plane).
    pub fn stats(&self) -> &Arc<WorkerStats> {
        &self.stats
    }

    /// The worker's trace state (shared with the control plane).
    pub fn trace(&self) -> &Arc<TraceShared> {
        self.tracer.shared()
    }

    /// The worker's buffer cache.
    pub fn cache_mut(&mut self) -> &mut PoolCache {
        &mut self.cache
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Queues a buffer for a node by name (benchmarks, `ping`).
    ///
    /// # Panics
    ///
    /// If the graph has no such node.
    pub fn enqueue(&mut self, node: &str, buf: Buf) {
        let i = self
            .graph
            .node_index(node)
            .unwrap_or_else(|| panic!("no node {node}"));
        self.graph.enqueue(i, buf);
    }

    /// One loop iteration. Returns the number of packets received.
    pub fn poll(&mut self) -> usize {
        let tables = self.tables.load();
        let mut env = Env {
            pool: &self.pool,
            cache: &mut self.cache,
            tables: &tables,
            ports: &mut self.ports,
            stats: &self.stats,
            tracer: &mut self.tracer,
        };
        let n = self.graph.run(&mut env);
        self.stats.loops.add(1);
        n
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.graph.drain(&mut self.cache);
        self.ports.clear(&mut self.cache);
    }
}
