//! Packet trace commands (VPP's `src/vlib/trace.c`).
//!
//! ```text
//! trace add <input-graph-node> <add'l-pkts-for-node->
//! show trace [max COUNT]
//! clear trace
//! ```
//!
//! Each worker traces up to the count at that input node (VPP adds the
//! count on every thread too). Only input nodes start traces.

use dataplane::graph::NodeKind;
use serde_json::{Value, json};

use super::exec::State;
use super::format::trace_time;
use super::grammar::{Arg, CmdError, Command, Input};

fn trace_add(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let workers = st.runtime.workers();
    let infos: Vec<_> = workers
        .first()
        .map(|w| w.stats.node_infos.clone())
        .unwrap_or_default();
    let mut target = None;
    while !input.at_end() {
        let at = input.save();
        if let Some(info) = input.parse(|w| infos.iter().find(|i| i.name == w).copied())
            && let Some(n) = input.u32()
        {
            target = Some((info, n));
            continue;
        }
        input.restore(at);
        if input.keyword("verbose") {
            continue;
        }
        return Err(CmdError::Failed(format!(
            "expected NODE COUNT, got `{}'",
            input.rest()
        )));
    }
    let Some((info, n)) = target else {
        return Err(CmdError::Failed(format!(
            "expected NODE COUNT, got `{}'",
            input.rest()
        )));
    };
    if info.kind != NodeKind::Input {
        return Err(CmdError::Failed(format!(
            "node '{}' doesn't support per-node tracing. There may be another way to initiate trace on this node.",
            info.name
        )));
    }
    for w in &workers {
        w.trace.add_budget(info.name, n);
    }
    // What is traced must take the path weft traces: the graph.
    st.runtime.trace_armed(true);
    Ok(String::new())
}

/// One thread of `show trace`: its packets, up to `max`, and how many it
/// holds.
struct ThreadTrace {
    thread_index: u32,
    name: String,
    /// The packets shown, each its records (time since the worker
    /// started, node, text).
    packets: Vec<Vec<(std::time::Duration, &'static str, String)>>,
    /// Packets in the buffer (more than shown when the display is limited).
    total: usize,
}

/// `show trace [max COUNT]`: the count (default 50) and every worker's
/// trace, gathered once for the text and the JSON.
fn traces(st: &State, input: &mut Input<'_>) -> Result<(usize, Vec<ThreadTrace>), CmdError> {
    let max = input.keyword_u32("max").unwrap_or(50) as usize;
    input.end()?;
    let threads = st
        .runtime
        .workers()
        .iter()
        .map(|w| {
            let packets = w.trace.packets.lock().unwrap_or_else(|e| e.into_inner());
            ThreadTrace {
                thread_index: w.thread_index,
                name: w.name.clone(),
                packets: packets
                    .iter()
                    .take(max)
                    .map(|p| {
                        p.entries
                            .iter()
                            .map(|e| (e.at, e.node, e.text.trim_end().to_string()))
                            .collect()
                    })
                    .collect(),
                total: packets.len(),
            }
        })
        .collect();
    Ok((max, threads))
}

fn show_trace(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let (max, threads) = traces(st, input)?;
    let mut warnings = String::new();
    let mut s = String::new();
    for t in threads {
        s.push_str(&format!(
            "------------------- Start of thread {} {} -------------------\n",
            t.thread_index, t.name
        ));
        if t.total == 0 {
            s.push_str("No packets in trace buffer\n");
            continue;
        }
        for (i, p) in t.packets.iter().enumerate() {
            s.push_str(&format!("Packet {}\n", i + 1));
            for (at, node, text) in p {
                s.push_str(&format!("\n{}: {node}", trace_time(*at)));
                s.push_str(&format!("\n  {}", text.replace('\n', "\n  ")));
            }
            s.push_str("\n\n");
        }
        if t.total > max {
            let warn = format!("Limiting display to {max} packets. To display more specify max.");
            warnings.push_str(&warn);
            warnings.push('\n');
            s.push_str(&warn);
            s.push('\n');
        }
    }
    Ok(warnings + &s)
}

fn show_trace_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let (_max, threads) = traces(st, input)?;
    Ok(threads
        .iter()
        .map(|t| {
            json!({
                "thread": t.thread_index,
                "name": t.name,
                "total": t.total,
                "packets": t.packets.iter().enumerate().map(|(i, p)| json!({
                    "packet": i + 1,
                    "records": p.iter().map(|(at, node, text)| json!({
                        "time": at.as_micros() as f64 / 1e6,
                        "node": node,
                        "text": text,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect())
}

fn clear_trace(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    for w in st.runtime.workers() {
        w.trace.clear();
    }
    st.runtime.trace_armed(false);
    Ok(String::new())
}

/// The trace commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "trace add",
            "trace add <input-graph-node> <add'l-pkts-for-node->",
            trace_add,
        )
        .args(&[
            Arg::Node,
            Arg::Value("<count>", "packets to trace per worker"),
        ]),
        Command::locked("show trace", "show trace [max COUNT]", show_trace)
            .args(&[Arg::Keyword(
                "max",
                "packets to show per thread (default 50)",
            )])
            .json(show_trace_json),
        Command::locked(
            "clear trace",
            "Clear trace buffer and free memory",
            clear_trace,
        ),
    ]
}
