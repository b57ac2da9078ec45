//! A worker: one graph, one buffer cache, its ports, its statistics.
//!
//! [`Worker::poll`] is one iteration of the main loop: load the current
//! configuration snapshot (lock-free), run the input nodes, then every node
//! with pending packets. Threads, pinning and rx modes wrap this loop (see
//! the AF_XDP issue); tests and benchmarks call `poll` directly.

use std::sync::Arc;

use crate::graph::{Env, Graph};
use crate::pool::flags;
use crate::pool::{Buf, Pool, PoolCache};
use crate::port::Ports;
use crate::punt::{INJECT_PER_POLL, InjectQueue, Injector, Punt, inject_channel, punt_channel};
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
    punt: Punt,
    injector: Injector,
    inject: InjectQueue,
    output_node: usize,
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
        // Until the control plane connects its own, punts go nowhere (and
        // are counted as dropped).
        let (punt, _) = punt_channel(1);
        let (injector, inject) = inject_channel();
        let output_node = graph
            .node_index("interface-output")
            .expect("a worker graph has interface-output");
        Worker {
            pool: pool.clone(),
            cache: pool.cache(),
            graph,
            ports: Ports::default(),
            stats,
            tracer: Tracer::new(Arc::new(TraceShared::default())),
            tables,
            punt,
            injector,
            inject,
            output_node,
        }
    }

    /// Sends this worker's punts to `punt` (the control plane's channel).
    pub fn set_punt(&mut self, punt: Punt) {
        self.punt = punt;
    }

    /// A handle for the control plane to queue frames this worker sends.
    pub fn injector(&self) -> Injector {
        self.injector.clone()
    }

    /// Takes queued frames into buffers for interface-output.
    fn take_injected(&mut self) {
        for _ in 0..INJECT_PER_POLL {
            let Some(inject) = self.inject.try_next() else {
                break;
            };
            let Some(mut b) = self.cache.alloc() else {
                log::warn!("worker: no buffer for an injected frame; dropped");
                break;
            };
            let mut p = self.pool.packet_mut(&mut b);
            if !p.write(&inject.frame) {
                self.cache.free(b);
                continue;
            }
            p.meta.tx_if = inject.sw_if_index;
            p.meta.rx_if = inject.sw_if_index;
            p.meta.flags |= flags::LOCALLY_ORIGINATED;
            self.graph.enqueue(self.output_node, b);
        }
    }

    /// The worker's ports.
    pub fn ports_mut(&mut self) -> &mut Ports {
        &mut self.ports
    }

    /// The worker's ports, read-only (wake-up descriptors).
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// Removes the port of `sw_if_index` (buffers staged for it are freed)
    /// and returns it.
    pub fn remove_port(&mut self, sw_if_index: u32) -> Option<Box<dyn crate::port::Port>> {
        self.ports.remove(sw_if_index, &mut self.cache)
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
        self.take_injected();
        let tables = self.tables.load();
        let mut env = Env {
            pool: &self.pool,
            cache: &mut self.cache,
            tables: &tables,
            ports: &mut self.ports,
            stats: &self.stats,
            tracer: &mut self.tracer,
            punt: &self.punt,
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
