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

fn show_trace(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let max = input.keyword_u32("max").unwrap_or(50) as usize;
    input.end()?;
    let mut warnings = String::new();
    let mut s = String::new();
    for w in st.runtime.workers() {
        s.push_str(&format!(
            "------------------- Start of thread {} {} -------------------\n",
            w.thread_index, w.name
        ));
        let packets = w.trace.packets.lock().unwrap_or_else(|e| e.into_inner());
        if packets.is_empty() {
            s.push_str("No packets in trace buffer\n");
            continue;
        }
        for (i, p) in packets.iter().enumerate() {
            if i == max {
                let warn =
                    format!("Limiting display to {max} packets. To display more specify max.");
                warnings.push_str(&warn);
                warnings.push('\n');
                s.push_str(&warn);
                s.push('\n');
                break;
            }
            s.push_str(&format!("Packet {}\n", i + 1));
            for e in &p.entries {
                s.push_str(&format!("\n{}: {}", trace_time(e.at), e.node));
                s.push_str(&format!("\n  {}", e.text.trim_end().replace('\n', "\n  ")));
            }
            s.push_str("\n\n");
        }
    }
    Ok(warnings + &s)
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
        Command::locked("show trace", "show trace [max COUNT]", show_trace).args(&[Arg::Keyword(
            "max",
            "packets to show per thread (default 50)",
        )]),
        Command::locked(
            "clear trace",
            "Clear trace buffer and free memory",
            clear_trace,
        ),
    ]
}
