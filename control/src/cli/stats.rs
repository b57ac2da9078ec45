//! Counters and threads (VPP's `src/vlib/error.c`, `node_cli.c`,
//! `threads_cli.c`, `buffer.c`).
//!
//! ```text
//! show errors            (alias show node counters)
//! clear errors           (alias clear node counters)
//! show runtime
//! clear runtime
//! show threads
//! show buffers
//! ```
//!
//! Only the worker threads run a graph in weft, so `show runtime` lists
//! workers only (no `Thread 0` section); the `Time` line's second field is
//! VPP's stats-segment update interval, printed as VPP's default (`10`).

use std::time::Instant;

use dataplane::graph::NodeKind;
use serde_json::{Value, json};

use super::exec::State;
use super::format::{center, float_e, float_f, left, right};
use super::grammar::{CmdError, Command, Input};
use crate::runtime::{RxMode, WorkerInfo};

/// One non-zero error counter since the last `clear errors`.
struct ErrorRow {
    thread: u32,
    count: u64,
    node: &'static str,
    reason: &'static str,
    severity: &'static str,
}

fn error_rows(st: &State) -> Vec<ErrorRow> {
    let mut rows = Vec::new();
    let device = st.runtime.device_counters();
    for w in st.runtime.counters() {
        for (ni, info) in w.stats.node_infos.iter().enumerate() {
            for (ci, desc) in info.counters.iter().enumerate() {
                let base = st
                    .baselines
                    .errors
                    .get(&(w.thread_index, ni, ci))
                    .copied()
                    .unwrap_or(0);
                let count = w.stats.nodes[ni].counter(ci).saturating_sub(base);
                if count != 0 {
                    rows.push(ErrorRow {
                        thread: w.thread_index,
                        count,
                        node: info.name,
                        reason: desc.description,
                        severity: desc.severity.as_str(),
                    });
                }
            }
        }
        for d in device.iter().filter(|d| d.thread_index == w.thread_index) {
            let base = st
                .baselines
                .device_errors
                .get(&(d.thread_index, d.node, d.desc.description))
                .copied()
                .unwrap_or(0);
            let count = d.count.saturating_sub(base);
            if count != 0 {
                rows.push(ErrorRow {
                    thread: d.thread_index,
                    count,
                    node: d.node,
                    reason: d.desc.description,
                    severity: d.desc.severity.as_str(),
                });
            }
        }
    }
    rows
}

fn show_errors(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let mut s = format!(
        "{}{}{}{}\n",
        center("Count", 10),
        center("Node", 35),
        center("Reason", 35),
        center("Severity", 10)
    );
    for r in error_rows(st) {
        s.push_str(&format!(
            "{:>10}{}{}{}\n",
            r.count,
            center(r.node, 35),
            center(r.reason, 35),
            center(r.severity, 10)
        ));
    }
    Ok(s)
}

fn show_errors_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    Ok(Value::Array(
        error_rows(st)
            .into_iter()
            .map(|r| {
                json!({
                    "thread": r.thread,
                    "count": r.count,
                    "node": r.node,
                    "reason": r.reason,
                    "severity": r.severity,
                })
            })
            .collect(),
    ))
}

fn clear_errors(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    for w in st.runtime.counters() {
        for (ni, info) in w.stats.node_infos.iter().enumerate() {
            for ci in 0..info.counters.len() {
                st.baselines
                    .errors
                    .insert((w.thread_index, ni, ci), w.stats.nodes[ni].counter(ci));
            }
        }
    }
    for d in st.runtime.device_counters() {
        st.baselines
            .device_errors
            .insert((d.thread_index, d.node, d.desc.description), d.count);
    }
    Ok(String::new())
}

/// One node of `show runtime`, since the last `clear runtime`.
struct NodeRow {
    name: &'static str,
    state: &'static str,
    calls: u64,
    vectors: u64,
    clocks: u64,
}

impl NodeRow {
    fn clocks_per(&self) -> f64 {
        let d = if self.vectors > 0 {
            self.vectors
        } else {
            self.calls
        };
        if d == 0 {
            0.0
        } else {
            self.clocks as f64 / d as f64
        }
    }

    fn vectors_per_call(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.vectors as f64 / self.calls as f64
        }
    }
}

/// One thread of `show runtime`.
struct ThreadRuntime {
    worker: WorkerInfo,
    dt: f64,
    internal_rate: f64,
    loops_per_sec: f64,
    rates: [f64; 4],
    nodes: Vec<NodeRow>,
}

fn runtime_rows(st: &State) -> Vec<ThreadRuntime> {
    let dt = st.baselines.runtime_since.elapsed().as_secs_f64().max(1e-9);
    let placement = st.runtime.rx_placement();
    let workers = st.runtime.counters();
    let mut out = Vec::new();
    for (wi, w) in workers.iter().enumerate() {
        let mut nodes = Vec::new();
        let (mut n_in, mut n_out, mut n_drop) = (0u64, 0u64, 0u64);
        let (mut int_vectors, mut int_calls) = (0u64, 0u64);
        for (ni, info) in w.stats.node_infos.iter().enumerate() {
            let n = &w.stats.nodes[ni];
            let base = st.baselines.runtime_of(w.thread_index, ni);
            let calls = n.calls.get().saturating_sub(base[0]);
            let vectors = n.vectors.get().saturating_sub(base[1]);
            let clocks = n.clocks.get().saturating_sub(base[2]);
            let state = match info.kind {
                NodeKind::Input => {
                    let interrupt = placement.iter().any(|q| {
                        q.worker == wi && q.input_node == info.name && q.mode == RxMode::Interrupt
                    });
                    n_in += vectors;
                    if interrupt {
                        "interrupt wait"
                    } else {
                        "polling"
                    }
                }
                NodeKind::Internal => {
                    if info.name == "interface-output" {
                        n_out += vectors;
                    } else {
                        int_vectors += vectors;
                        int_calls += calls;
                    }
                    if info.name == "error-drop" {
                        n_drop += vectors;
                    }
                    "active"
                }
            };
            if calls > 0 {
                nodes.push(NodeRow {
                    name: info.name,
                    state,
                    calls,
                    vectors,
                    clocks,
                });
            }
        }
        nodes.sort_by(|a, b| a.name.cmp(b.name));
        let loops = w.stats.loops.get().saturating_sub(
            st.baselines
                .loops
                .get(&w.thread_index)
                .copied()
                .unwrap_or(0),
        );
        out.push(ThreadRuntime {
            worker: w.clone(),
            dt,
            internal_rate: if int_calls == 0 {
                0.0
            } else {
                int_vectors as f64 / int_calls as f64
            },
            loops_per_sec: loops as f64 / dt,
            rates: [n_in as f64 / dt, n_out as f64 / dt, n_drop as f64 / dt, 0.0],
            nodes,
        });
    }
    out
}

fn show_runtime(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let mut s = String::new();
    for (j, t) in runtime_rows(st).iter().enumerate() {
        if j > 0 {
            s.push_str("---------------\n");
        }
        match t.worker.core {
            Some(c) => s.push_str(&format!(
                "Thread {} {} (lcore {c})\n",
                t.worker.thread_index, t.worker.name
            )),
            None => s.push_str(&format!(
                "Thread {} {}\n",
                t.worker.thread_index, t.worker.name
            )),
        }
        s.push_str(&format!(
            "Time {}, 10 sec internal node vector rate {} loops/sec {}\n",
            float_f(t.dt, 1),
            float_f(t.internal_rate, 2),
            float_f(t.loops_per_sec, 2)
        ));
        s.push_str(&format!(
            "  vector rates in {}, out {}, drop {}, punt {}\n",
            float_e(t.rates[0], 4),
            float_e(t.rates[1], 4),
            float_e(t.rates[2], 4),
            float_e(t.rates[3], 4)
        ));
        s.push_str(&format!(
            "{}{}{}{}{}{}{}\n",
            center("Name", 30),
            center("State", 12),
            center("Calls", 16),
            center("Vectors", 16),
            center("Suspends", 16),
            center("Clocks", 16),
            center("Vectors/Call", 16)
        ));
        for n in &t.nodes {
            s.push_str(&format!(
                "{}{}{:>16}{:>16}{:>16}{}{}\n",
                left(n.name, 30),
                center(n.state, 12),
                n.calls,
                n.vectors,
                0,
                right(&float_e(n.clocks_per(), 2), 16),
                right(&float_f(n.vectors_per_call(), 2), 16)
            ));
        }
    }
    Ok(s)
}

fn show_runtime_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    Ok(Value::Array(
        runtime_rows(st)
            .iter()
            .map(|t| {
                json!({
                    "thread": t.worker.thread_index,
                    "name": t.worker.name,
                    "lcore": t.worker.core,
                    "time": t.dt,
                    "internal_node_vector_rate": t.internal_rate,
                    "loops_per_sec": t.loops_per_sec,
                    "vector_rates": {
                        "in": t.rates[0], "out": t.rates[1], "drop": t.rates[2], "punt": t.rates[3],
                    },
                    "nodes": t.nodes.iter().map(|n| json!({
                        "name": n.name,
                        "state": n.state,
                        "calls": n.calls,
                        "vectors": n.vectors,
                        "suspends": 0,
                        "clocks": n.clocks_per(),
                        "vectors_per_call": n.vectors_per_call(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    ))
}

fn clear_runtime(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    for w in st.runtime.counters() {
        for (ni, n) in w.stats.nodes.iter().enumerate() {
            st.baselines.runtime.insert(
                (w.thread_index, ni),
                [n.calls.get(), n.vectors.get(), n.clocks.get()],
            );
        }
        st.baselines
            .loops
            .insert(w.thread_index, w.stats.loops.get());
    }
    st.baselines.runtime_since = Instant::now();
    Ok(String::new())
}

/// One `show threads` row.
struct ThreadRow {
    id: u32,
    name: String,
    kind: &'static str,
    lwp: u32,
    sched: String,
    core: Option<usize>,
}

/// Scheduling policy and priority of thread `lwp` as VPP prints them
/// (`other (0)`), from `/proc`.
fn sched_of(lwp: u32) -> String {
    let read = || -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/task/{lwp}/stat", std::process::id()))
            .ok()?;
        let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
        // Fields 40 (rt_priority) and 41 (policy); the first after ')' is 3.
        let prio: i64 = fields.get(37)?.parse().ok()?;
        let policy: u32 = fields.get(38)?.parse().ok()?;
        let name = match policy {
            0 => "other",
            1 => "fifo",
            2 => "rr",
            3 => "batch",
            5 => "idle",
            _ => "unknown",
        };
        Some(format!("{name} ({prio})"))
    };
    read().unwrap_or_else(|| "other (n/a)".into())
}

fn sysfs_cpu(core: usize, attr: &str) -> String {
    std::fs::read_to_string(format!("/sys/devices/system/cpu/cpu{core}/topology/{attr}"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "0".into())
}

fn thread_rows(st: &State) -> Vec<ThreadRow> {
    let pid = std::process::id();
    let mut rows = vec![ThreadRow {
        id: 0,
        name: "weft_main".into(),
        kind: "",
        lwp: pid,
        sched: sched_of(pid),
        core: st.runtime.main_core(),
    }];
    for w in st.runtime.workers() {
        rows.push(ThreadRow {
            id: w.thread_index,
            name: w.name.clone(),
            kind: "workers",
            lwp: w.lwp,
            sched: if w.lwp == 0 {
                "other (n/a)".into()
            } else {
                sched_of(w.lwp)
            },
            core: w.core,
        });
    }
    rows
}

fn show_threads(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let mut s = format!(
        "{}{}{}{}{}{}{}{}{}\n",
        left("ID", 7),
        left("Name", 20),
        left("Type", 12),
        left("LWP", 8),
        left("Sched Policy (Priority)", 25),
        left("lcore", 7),
        left("Core", 7),
        left("Socket", 7),
        left("State", 10)
    );
    for r in thread_rows(st) {
        s.push_str(&format!(
            "{}{}{}{}{}",
            left(&r.id.to_string(), 7),
            left(&r.name, 20),
            left(r.kind, 12),
            left(&r.lwp.to_string(), 8),
            left(&r.sched, 25)
        ));
        match r.core {
            Some(c) => s.push_str(&format!(
                "{}{}{}",
                left(&c.to_string(), 7),
                left(&sysfs_cpu(c, "core_id"), 7),
                left(&sysfs_cpu(c, "physical_package_id"), 17)
            )),
            None => s.push_str(&format!(
                "{}{}{}",
                left("n/a", 7),
                left("n/a", 7),
                left("n/a", 17)
            )),
        }
        s.push('\n');
    }
    Ok(s)
}

fn show_threads_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    Ok(Value::Array(
        thread_rows(st)
            .into_iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "name": r.name,
                    "type": r.kind,
                    "lwp": r.lwp,
                    "sched": r.sched,
                    "lcore": r.core,
                    "core": r.core.map(|c| sysfs_cpu(c, "core_id").parse::<u64>().ok()),
                    "socket": r.core.map(|c| sysfs_cpu(c, "physical_package_id").parse::<u64>().ok()),
                })
            })
            .collect(),
    ))
}

/// `show buffers` figures.
struct Buffers {
    size: usize,
    data_size: u32,
    total: u32,
    avail: usize,
    cached: Vec<usize>,
    used: usize,
}

fn buffers(st: &State) -> Buffers {
    let pool = st.runtime.pool();
    let cached = pool.cache_free_counts();
    Buffers {
        size: pool.frame_size(),
        data_size: pool.config().data_size,
        total: pool.len(),
        avail: pool.shared_free(),
        used: pool.in_use(),
        cached,
    }
}

fn show_buffers(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let b = buffers(st);
    let mut s = format!(
        "{}{}{}{}{}{}{}{}{}\n",
        left("Pool Name", 20),
        center("Index", 6),
        center("NUMA", 6),
        center("Size", 6),
        center("Data Size", 11),
        center("Total", 6),
        center("Avail", 8),
        center("Cached", 8),
        center("Used", 8)
    );
    s.push_str(&format!(
        "{}{}{}{}{}{}{}{}{}\n",
        left("default-numa-0", 20),
        center("0", 6),
        center("0", 6),
        center(&b.size.to_string(), 6),
        center(&b.data_size.to_string(), 11),
        center(&b.total.to_string(), 6),
        center(&b.avail.to_string(), 8),
        center(&b.cached.iter().sum::<usize>().to_string(), 8),
        center(&b.used.to_string(), 8)
    ));
    s.push_str(&format!("{}{}\n", left("Cache", 20), center("Free", 8)));
    for (i, free) in b.cached.iter().enumerate() {
        s.push_str(&format!(
            "{}{}\n",
            left(&format!("cache {i}"), 20),
            center(&free.to_string(), 8)
        ));
    }
    Ok(s)
}

fn show_buffers_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    let b = buffers(st);
    Ok(json!({
        "name": "default-numa-0",
        "buffer_size": b.size,
        "data_size": b.data_size,
        "total": b.total,
        "available": b.avail,
        "cached": b.cached.iter().sum::<usize>(),
        "used": b.used,
        "caches": b.cached,
    }))
}

/// The counter and thread commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked("show errors", "show errors", show_errors).json(show_errors_json),
        Command::locked("show node counters", "show node counters", show_errors)
            .json(show_errors_json),
        Command::locked("clear errors", "clear errors", clear_errors),
        Command::locked("clear node counters", "clear node counters", clear_errors),
        Command::locked("show runtime", "show runtime", show_runtime).json(show_runtime_json),
        Command::locked("clear runtime", "clear runtime", clear_runtime),
        Command::locked("show threads", "show threads", show_threads).json(show_threads_json),
        Command::locked("show buffers", "show buffers", show_buffers).json(show_buffers_json),
    ]
}
