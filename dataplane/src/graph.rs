//! The vector graph: nodes, their counters, and the dispatcher.
//!
//! # Design
//!
//! A node takes a [`Vector`] of up to [`VECTOR_SIZE`] buffer handles and
//! decides a next node for each (`v.nexts[i]`, an index into the node's own
//! `next_nodes` list). The dispatcher then moves each buffer to the pending
//! queue of its next node. Nodes that consume buffers (transmit, drop) take
//! them out of the vector instead. Nodes run in topological order, so one
//! pass over the graph moves every packet of a poll from input to output;
//! a node that received more than one vector's worth runs again in the next
//! pass.
//!
//! Per node the graph keeps calls, vectors and clocks (`show runtime`) and
//! the node's counters (`show errors`), all in [`WorkerStats`]: one writer
//! (the worker), any number of readers (the control plane). Nodes count in
//! locals and add to the shared counters once per vector.
//!
//! A node's counters and next nodes are declared once with
//! [`counters!`](crate::counters) and [`next_nodes!`](crate::next_nodes).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::pool::{Buf, Pool, PoolCache, PoolView};
use crate::port::Ports;
use crate::punt::Punt;
use crate::stats::{IfCounters, NodeStats, WorkerStats};
use crate::tables::Tables;
use crate::trace::Tracer;

/// Most buffers a node processes in one call (VPP's `VLIB_FRAME_SIZE`).
pub const VECTOR_SIZE: usize = 256;

/// Severity of a counter, shown in `show errors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Normal events (e.g. packets decapsulated).
    Info,
    /// Something worth a look.
    Warning,
    /// Packets dropped for a fault.
    Error,
}

impl Severity {
    /// The word VPP prints.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warn",
            Severity::Error => "error",
        }
    }
}

/// One declared counter of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterDesc {
    /// Symbolic name: the `error` label of `/metrics` (`no_such_tunnel`).
    /// VPP's name where VPP has the counter (the lowercased symbol of its
    /// `foreach_*_error` list, or the name in its `.api` counters); for
    /// weft's own counters, the snake case of the enum variant.
    pub name: &'static str,
    /// Human description, as `show errors` prints it (VPP's wording where
    /// VPP has the counter).
    pub description: &'static str,
    /// Severity.
    pub severity: Severity,
}

/// Declares a node's counters: an enum whose variants index `DESCS`.
/// Each counter has its symbolic name ([`CounterDesc::name`]), its
/// description and its severity.
///
/// ```
/// dataplane::counters! {
///     /// Counters of the example node.
///     pub enum ExampleCounter {
///         /// Packets that went well.
///         Good = ("good", "good packets", Info),
///         /// Packets dropped.
///         Bad = ("bad", "bad packets", Error),
///     }
/// }
/// assert_eq!(ExampleCounter::DESCS[ExampleCounter::Bad as usize].description, "bad packets");
/// assert_eq!(ExampleCounter::DESCS[ExampleCounter::Bad as usize].name, "bad");
/// ```
#[macro_export]
macro_rules! counters {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($sym:literal, $desc:literal, $sev:ident) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),*
        }
        impl $name {
            /// The counter table, in variant order.
            pub const DESCS: &'static [$crate::graph::CounterDesc] = &[
                $( $crate::graph::CounterDesc {
                    name: $sym,
                    description: $desc,
                    severity: $crate::graph::Severity::$sev,
                } ),*
            ];
        }
    };
}

/// Declares a node's next nodes: an enum whose variants index `NAMES`.
#[macro_export]
macro_rules! next_nodes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $node:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u16)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),*
        }
        impl $name {
            /// Next node names, in variant order.
            pub const NAMES: &'static [&'static str] = &[ $( $node ),* ];
        }
    };
}

/// Whether a node polls devices or is fed by other nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Runs every loop, with an empty vector, and fills it.
    Input,
    /// Runs when packets are pending for it.
    Internal,
}

/// Static description of a node.
#[derive(Debug)]
pub struct NodeInfo {
    /// Name, as VPP names the node (`vxlan4-input`).
    pub name: &'static str,
    /// Input or internal.
    pub kind: NodeKind,
    /// Next nodes by name; `Vector::nexts` values index this list.
    pub next_nodes: &'static [&'static str],
    /// Counters; `NodeCtx::count` indexes this list.
    pub counters: &'static [CounterDesc],
}

/// A node of the graph.
pub trait Node: Send {
    /// The node's static description.
    fn info(&self) -> &'static NodeInfo;

    /// Processes one vector: for every buffer left in `v.bufs`, pushes its
    /// next index to `v.nexts`. Buffers the node consumes are taken out.
    fn process(&mut self, ctx: &mut NodeCtx<'_>, v: &mut Vector);

    /// Frees every buffer the node keeps between calls (a worker going
    /// away). Most nodes keep none.
    fn drain(&mut self, _cache: &mut PoolCache) {}

    /// Called once when the graph is built, with every node in graph index
    /// order, for a node that counts into other nodes' counters
    /// ([`NodeCtx::count_in`]) or names them (error-drop's capture). Most
    /// nodes need nothing.
    fn bind(&mut self, _nodes: &[&'static NodeInfo]) {}
}

/// The buffers handed to a node, and the next node chosen for each.
#[derive(Debug, Default)]
pub struct Vector {
    /// Buffer handles.
    pub bufs: Vec<Buf>,
    /// After `process`: one next index per buffer in `bufs`.
    pub nexts: Vec<u16>,
}

impl Vector {
    fn with_capacity(n: usize) -> Self {
        Vector {
            bufs: Vec::with_capacity(n),
            nexts: Vec::with_capacity(n),
        }
    }

    /// Each buffer paired with its next-node slot, for nodes that keep
    /// every buffer: sets `nexts` to one slot per buffer (next index 0)
    /// first, so the packet loop stores each decision without the
    /// capacity check of a push.
    #[inline]
    pub fn pairs(
        &mut self,
    ) -> std::iter::Zip<std::slice::IterMut<'_, Buf>, std::slice::IterMut<'_, u16>> {
        self.nexts.clear();
        self.nexts.resize(self.bufs.len(), 0);
        self.bufs.iter_mut().zip(self.nexts.iter_mut())
    }

    /// Number of buffers.
    pub fn len(&self) -> usize {
        self.bufs.len()
    }

    /// True when there are no buffers.
    pub fn is_empty(&self) -> bool {
        self.bufs.is_empty()
    }
}

/// What a node sees while it runs.
pub struct NodeCtx<'a> {
    /// The buffer pool (its geometry, copied for fast access).
    pub pool: PoolView<'a>,
    /// This worker's buffer cache.
    pub cache: &'a mut PoolCache,
    /// The configuration snapshot in force for this vector.
    pub tables: &'a Tables,
    /// This worker's devices.
    pub ports: &'a mut Ports,
    /// Interface counters of this worker.
    pub ifc: &'a IfCounters,
    /// Packet tracer of this worker.
    pub tracer: &'a mut Tracer,
    /// Messages to the control plane.
    pub punt: &'a Punt,
    /// This node's counters.
    counters: &'a [AtomicU64],
    /// Every node's statistics, by graph index (for [`NodeCtx::count_in`]).
    nodes: &'a [NodeStats],
    /// This node's name (for traces).
    pub node_name: &'static str,
    /// This node's graph index.
    node_index: usize,
}

impl NodeCtx<'_> {
    /// The drop reason of this node's counter 0, as [`BufMeta::error`]
    /// holds it; a node that drops a buffer under counter `c` stores
    /// `error_base() | c` there (nothing reads it unless a drop capture is
    /// on, see [`crate::pcap`]).
    ///
    /// [`BufMeta::error`]: crate::pool::BufMeta::error
    #[inline]
    pub fn error_base(&self) -> u32 {
        error_base(self.node_index)
    }

    /// Adds `n` to counter `c` of the running node (once per vector, not
    /// per packet). Single writer: a plain load and store.
    #[inline]
    pub fn count(&self, c: usize, n: u64) {
        if n != 0 {
            let a = &self.counters[c];
            a.store(a.load(Ordering::Relaxed) + n, Ordering::Relaxed);
        }
    }

    /// Adds `n` to counter `c` of node `node` (a graph index learnt in
    /// [`Node::bind`]): for a node that does another node's work and keeps
    /// that node's `show errors` lines true. Same single writer as
    /// [`count`](Self::count); an index out of range counts nothing.
    #[inline]
    pub fn count_in(&self, node: usize, c: usize, n: u64) {
        if n != 0
            && let Some(a) = self.nodes.get(node).and_then(|s| s.counters.get(c))
        {
            a.store(a.load(Ordering::Relaxed) + n, Ordering::Relaxed);
        }
    }
}

/// The drop reason of counter 0 of the node at graph index `node`
/// ([`NodeCtx::error_base`]).
#[inline]
pub fn error_base(node: usize) -> u32 {
    ((node as u32 + 1) & 0xffff) << 16
}

/// The (graph index, counter) a [`BufMeta::error`](crate::pool::BufMeta::error)
/// names, `None` for 0.
pub fn error_of(code: u32) -> Option<(usize, usize)> {
    let node = (code >> 16) as usize;
    (node > 0).then(|| (node - 1, (code & 0xffff) as usize))
}

/// Clock ticks for `show runtime` (the CPU's time-stamp counter).
pub(crate) fn now_ticks(clock: &quanta::Clock) -> u64 {
    clock.raw()
}

/// Error building a graph.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GraphError {
    /// Two nodes share a name.
    #[error("duplicate node `{0}`")]
    Duplicate(&'static str),
    /// A next node is not in the graph.
    #[error("node `{node}` names unknown next node `{next}`")]
    UnknownNext {
        /// The node.
        node: &'static str,
        /// The missing next node.
        next: &'static str,
    },
}

/// A worker's graph: its nodes, their pending queues, and the dispatcher.
pub struct Graph {
    nodes: Vec<Box<dyn Node>>,
    next_map: Vec<Vec<u16>>,
    order: Vec<u16>,
    queues: Vec<Vec<Buf>>,
    scratch: Vector,
    clock: quanta::Clock,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.nodes.iter().map(|n| n.info().name))
            .finish()
    }
}

impl Graph {
    /// Builds a graph from its nodes, resolving next nodes by name and
    /// ordering the nodes so that every node runs after those feeding it.
    pub fn new(nodes: Vec<Box<dyn Node>>) -> Result<Graph, GraphError> {
        let names: Vec<&'static str> = nodes.iter().map(|n| n.info().name).collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(GraphError::Duplicate(n));
            }
        }
        let mut next_map = Vec::with_capacity(nodes.len());
        for n in &nodes {
            let info = n.info();
            let mut map = Vec::with_capacity(info.next_nodes.len());
            for next in info.next_nodes {
                let j = names
                    .iter()
                    .position(|x| x == next)
                    .ok_or(GraphError::UnknownNext {
                        node: info.name,
                        next,
                    })?;
                map.push(j as u16);
            }
            next_map.push(map);
        }
        // Kahn's algorithm; input nodes first. The graph may have cycles
        // (a BVI's replies go from interface-output back into l2-input, a
        // bridged frame for the BVI from l2-fwd back to ethernet-input):
        // when every node left waits on one, the first of them in
        // declaration order runs next, so a cycle's entry comes before the
        // rest of it. The order is only a schedule: `run` repeats passes
        // until nothing is pending, so a packet sent back along a cycle
        // runs in the next pass.
        let mut indegree = vec![0usize; nodes.len()];
        for map in &next_map {
            for &j in map {
                indegree[j as usize] += 1;
            }
        }
        let mut placed = vec![false; nodes.len()];
        let mut ready: Vec<usize> = (0..nodes.len())
            .filter(|&i| indegree[i] == 0)
            .rev()
            .collect();
        let mut order = Vec::with_capacity(nodes.len());
        while order.len() < nodes.len() {
            let i = match ready.pop() {
                Some(i) => i,
                None => (0..nodes.len())
                    .find(|&i| !placed[i])
                    .expect("a node is left"),
            };
            if placed[i] {
                continue;
            }
            placed[i] = true;
            order.push(i as u16);
            for &j in &next_map[i] {
                let j = j as usize;
                indegree[j] = indegree[j].saturating_sub(1);
                if indegree[j] == 0 && !placed[j] {
                    ready.push(j);
                }
            }
        }
        let mut nodes = nodes;
        let infos: Vec<&'static NodeInfo> = nodes.iter().map(|n| n.info()).collect();
        for n in &mut nodes {
            n.bind(&infos);
        }
        let queues = nodes
            .iter()
            .map(|_| Vec::with_capacity(4 * VECTOR_SIZE))
            .collect();
        Ok(Graph {
            nodes,
            next_map,
            order,
            queues,
            scratch: Vector::with_capacity(4 * VECTOR_SIZE),
            clock: quanta::Clock::new(),
        })
    }

    /// Node names in graph index order (the order of `WorkerStats`).
    pub fn node_infos(&self) -> Vec<&'static NodeInfo> {
        self.nodes.iter().map(|n| n.info()).collect()
    }

    /// Index of a node by name.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.info().name == name)
    }

    /// Runs every input node once, then every node with pending packets
    /// until no packet is pending. Returns the number of buffers the input
    /// nodes produced.
    pub fn run(&mut self, env: &mut Env<'_>) -> usize {
        let mut received = 0;
        for k in 0..self.order.len() {
            let i = self.order[k] as usize;
            if self.nodes[i].info().kind == NodeKind::Input {
                received += self.run_node(i, env);
            }
        }
        loop {
            let mut ran = false;
            for k in 0..self.order.len() {
                let i = self.order[k] as usize;
                if !self.queues[i].is_empty() {
                    self.run_node(i, env);
                    ran = true;
                }
            }
            if !ran {
                return received;
            }
        }
    }

    /// Injects buffers into a node's pending queue (for `ping` and tests).
    pub fn enqueue(&mut self, node: usize, buf: Buf) {
        self.queues[node].push(buf);
    }

    fn run_node(&mut self, i: usize, env: &mut Env<'_>) -> usize {
        let v = &mut self.scratch;
        debug_assert!(v.bufs.is_empty() && v.nexts.is_empty());
        let q = &mut self.queues[i];
        if q.len() <= VECTOR_SIZE {
            std::mem::swap(&mut v.bufs, q);
        } else {
            v.bufs.extend(q.drain(..VECTOR_SIZE));
        }
        let n_in = v.bufs.len();
        let node = &mut self.nodes[i];
        let info = node.info();
        let stats = &env.stats.nodes[i];
        let t0 = now_ticks(&self.clock);
        {
            let mut ctx = NodeCtx {
                pool: env.pool.view(),
                cache: &mut *env.cache,
                tables: env.tables,
                ports: &mut *env.ports,
                ifc: &env.stats.interfaces,
                tracer: &mut *env.tracer,
                punt: env.punt,
                counters: &stats.counters,
                nodes: &env.stats.nodes,
                node_name: info.name,
                node_index: i,
            };
            node.process(&mut ctx, v);
        }
        let t1 = now_ticks(&self.clock);
        assert_eq!(
            v.bufs.len(),
            v.nexts.len(),
            "node {} left buffers without a next node",
            info.name
        );
        let n_vec = if info.kind == NodeKind::Input {
            v.bufs.len()
        } else {
            n_in
        };
        if info.kind == NodeKind::Internal || n_vec > 0 {
            stats.add(1, n_vec as u64, t1.wrapping_sub(t0));
        }
        let map = &self.next_map[i];
        if let Some(&first) = v.nexts.first() {
            if all_same(&v.nexts, first) {
                // The common case: the whole vector goes to one node. Move
                // it at once (a swap of storage when the queue is empty).
                let q = &mut self.queues[map[first as usize] as usize];
                if q.is_empty() {
                    std::mem::swap(q, &mut v.bufs);
                } else {
                    q.append(&mut v.bufs);
                }
                v.nexts.clear();
            } else {
                for (b, nx) in v.bufs.drain(..).zip(v.nexts.drain(..)) {
                    self.queues[map[nx as usize] as usize].push(b);
                }
            }
        }
        // Queue storage rotates between the queues and the scratch vector;
        // all start with the same capacity, so steady state never allocates.
        n_vec
    }

    /// Frees every pending buffer (used when a worker stops).
    pub fn drain(&mut self, cache: &mut PoolCache) {
        for q in &mut self.queues {
            cache.free_all(q);
        }
        for n in &mut self.nodes {
            n.drain(cache);
        }
    }
}

/// True when every next index equals `first`. Branch-free so the compiler
/// vectorises it (a short-circuiting `all` costs a compare and a branch per
/// packet).
#[inline]
fn all_same(nexts: &[u16], first: u16) -> bool {
    nexts.iter().fold(0u16, |diff, &nx| diff | (nx ^ first)) == 0
}

/// Everything outside the graph that nodes need while running.
pub struct Env<'a> {
    /// The buffer pool.
    pub pool: &'a Pool,
    /// The worker's cache.
    pub cache: &'a mut PoolCache,
    /// The configuration snapshot.
    pub tables: &'a Tables,
    /// The worker's devices.
    pub ports: &'a mut Ports,
    /// The worker's shared statistics.
    pub stats: &'a Arc<WorkerStats>,
    /// The worker's tracer.
    pub tracer: &'a mut Tracer,
    /// Messages to the control plane.
    pub punt: &'a Punt,
}
