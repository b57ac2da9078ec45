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

/// One interface of `show mode`, gathered once for the text and the JSON.
struct ModeRow {
    interface: String,
    sw_if_index: u32,
    /// `l3`, `l2 xconnect` or `l2 bridge`.
    mode: &'static str,
    /// The cross-connect peer (name, index).
    peer: Option<(String, u32)>,
    /// The bridge domain: (bd_id, bd_index, shg, bvi).
    bridge: Option<(u32, u16, u8, bool)>,
}

impl ModeRow {
    /// What VPP prints after the interface name.
    fn args(&self) -> String {
        match (&self.peer, self.bridge) {
            (Some((peer, _)), _) => peer.clone(),
            (None, Some((bd_id, _, shg, bvi))) => {
                format!("bd_id {bd_id}{} shg {shg}", if bvi { " bvi" } else { "" })
            }
            (None, None) => " ".to_string(),
        }
    }
}

fn modes(st: &State, input: &mut Input<'_>) -> Result<Vec<ModeRow>, CmdError> {
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
        .map(|i| {
            let (mode, peer, bridge) = match i.l2 {
                L2Mode::L3 => ("l3", None, None),
                L2Mode::Xconnect { peer } => (
                    "l2 xconnect",
                    Some((
                        st.config
                            .interface(peer)
                            .map_or_else(|| peer.to_string(), |p| p.name.clone()),
                        peer,
                    )),
                    None,
                ),
                L2Mode::Bridge { bd, shg, bvi, .. } => (
                    "l2 bridge",
                    None,
                    Some((
                        st.config.bridge_domain_by_index(bd).map_or(0, |b| b.bd_id),
                        bd,
                        shg,
                        bvi,
                    )),
                ),
            };
            ModeRow {
                interface: i.name.clone(),
                sw_if_index: i.sw_if_index,
                mode,
                peer,
                bridge,
            }
        })
        .collect())
}

fn show_mode(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    Ok(modes(st, input)?
        .into_iter()
        .map(|m| format!("{} {} {}\n", m.mode, m.interface, m.args()))
        .collect())
}

fn show_mode_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    Ok(Value::Array(
        modes(st, input)?
            .into_iter()
            .map(|m| {
                json!({
                    "interface": m.interface,
                    "sw_if_index": m.sw_if_index,
                    "mode": m.mode,
                    "peer": m.peer.as_ref().map(|p| p.0.clone()),
                    "peer_sw_if_index": m.peer.as_ref().map(|p| p.1),
                    "bridge": m.bridge.map(|(bd_id, bd_index, shg, bvi)| json!({
                        "bd_id": bd_id, "bd_index": bd_index, "shg": shg, "bvi": bvi,
                    })),
                })
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
