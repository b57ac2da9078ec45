//! L2 mode commands (VPP's `src/vnet/l2/l2_input.c`).
//!
//! ```text
//! set interface l2 xconnect <interface> <peer interface>
//! set interface l3 <interface>
//! show mode [<if-name1> <if-name2> ...]
//! ```
//!
//! Bridge domains (`set interface l2 bridge`) are in [`super::bridge`].

use dataplane::tables::L2Mode;
use serde_json::{Value, json};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};

fn xconnect(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    let Some(peer) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown peer interface `{}'",
            input.rest()
        )));
    };
    input.end()?;
    st.config.set_l2_xconnect(sw, peer)?;
    Ok(String::new())
}

fn l3(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    input.end()?;
    st.config.set_l3(sw)?;
    Ok(String::new())
}

/// (mode, interface, args) per interface, as `show mode` prints them.
fn modes(st: &State, input: &mut Input<'_>) -> Result<Vec<(String, String, String)>, CmdError> {
    let mut named = Vec::new();
    while !input.at_end() {
        match input.interface(&st.config) {
            Some(i) => named.push(i),
            None => {
                return Err(CmdError::Failed(format!("parse error: '{}'", input.rest())));
            }
        }
    }
    let list: Vec<_> = if named.is_empty() {
        st.config.interfaces().collect()
    } else {
        named
            .iter()
            .filter_map(|&i| st.config.interface(i))
            .collect()
    };
    Ok(list
        .into_iter()
        .map(|i| match i.l2 {
            L2Mode::L3 => ("l3".to_string(), i.name.clone(), " ".to_string()),
            L2Mode::Xconnect { peer } => (
                "l2 xconnect".to_string(),
                i.name.clone(),
                st.config
                    .interface(peer)
                    .map_or_else(|| peer.to_string(), |p| p.name.clone()),
            ),
            L2Mode::Bridge { bd, shg, bvi, .. } => (
                "l2 bridge".to_string(),
                i.name.clone(),
                format!(
                    "bd_id {}{} shg {shg}",
                    st.config.bridge_domain_by_index(bd).map_or(0, |b| b.bd_id),
                    if bvi { " bvi" } else { "" }
                ),
            ),
        })
        .collect())
}

fn show_mode(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    Ok(modes(st, input)?
        .into_iter()
        .map(|(m, i, a)| format!("{m} {i} {a}\n"))
        .collect())
}

fn show_mode_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    Ok(Value::Array(
        modes(st, input)?
            .into_iter()
            .map(|(m, i, a)| {
                let peer = if m == "l2 xconnect" {
                    json!(a)
                } else {
                    Value::Null
                };
                let bridge = if m == "l2 bridge" {
                    json!(a)
                } else {
                    Value::Null
                };
                json!({ "interface": i, "mode": m, "peer": peer, "bridge": bridge })
            })
            .collect(),
    ))
}

/// The L2 commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "set interface l2 xconnect",
            "set interface l2 xconnect <interface> <peer interface>",
            xconnect,
        )
        .args(&[Arg::Interface])
        .mutates(),
        Command::locked("set interface l3", "set interface l3 <interface>", l3)
            .args(&[Arg::Interface])
            .mutates(),
        Command::locked(
            "show mode",
            "show mode [<if-name1> <if-name2> ...]",
            show_mode,
        )
        .args(&[Arg::Interface])
        .json(show_mode_json),
    ]
}
