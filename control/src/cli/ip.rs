//! IPv4 neighbour commands (VPP's `src/vnet/ip-neighbor/ip_neighbor.c`).
//!
//! ```text
//! ip neighbor [del] <interface> <ip-address> <mac-address> [static]
//! show ip neighbors [<interface>]
//! set ip neighbor-config ip4 [limit <limit>] [age <age>] [recycle|norecycle]
//! show ip neighbor-config
//! ```
//!
//! `set ip neighbor` is an alias of `ip neighbor`, `delete` of `del`;
//! `show ip neighbor` of `show ip neighbors`, which lists both families;
//! `show ip4 neighbors` and `show ip6 neighbors` list one. `no-fib-entry`
//! and `count` are not supported.

use std::net::IpAddr;

use dataplane::wire::EthernetAddress;
use serde_json::{Value, json};

use super::exec::State;
use super::format::{center, float_f, right};
use super::grammar::{Arg, CmdError, Command, Input};
use crate::ip::{LearnRefusal, NeighborConfig};

/// `ip neighbor` after parsing.
struct NeighborCmd {
    del: bool,
    sw_if_index: u32,
    ip: IpAddr,
    mac: EthernetAddress,
    is_static: bool,
}

fn parse(st: &State, input: &mut Input<'_>) -> Result<NeighborCmd, CmdError> {
    let (mut del, mut is_static) = (false, false);
    let (mut sw, mut ip, mut mac) = (None, None, None);
    while !input.at_end() {
        let at = input.save();
        if let Some(i) = input.interface(&st.config) {
            if let Some(a) = input
                .ipv4()
                .map(IpAddr::V4)
                .or_else(|| input.ipv6().map(IpAddr::V6))
            {
                sw = Some(i);
                ip = Some(a);
                continue;
            }
            input.restore(at);
        }
        if let Some(m) = input.mac() {
            mac = Some(m);
        } else if input.keyword("delete") || input.keyword("del") {
            del = true;
        } else if input.keyword("static") {
            is_static = true;
        } else {
            break;
        }
    }
    match (sw, ip, mac) {
        (Some(sw_if_index), Some(ip), Some(mac)) if !ip.is_unspecified() && mac.0 != [0; 6] => {
            input.end()?;
            Ok(NeighborCmd {
                del,
                sw_if_index,
                ip,
                mac,
                is_static,
            })
        }
        _ => Err(CmdError::Failed(format!(
            "specify interface, IP address and MAC: `{}'",
            input.rest()
        ))),
    }
}

fn ip_neighbor(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let c = parse(st, input)?;
    st.config
        .add_del_neighbor(c.sw_if_index, c.ip, c.mac, c.is_static, c.del)?;
    Ok(String::new())
}

fn selected(st: &State, input: &mut Input<'_>) -> Result<Option<u32>, CmdError> {
    let sw = input.interface(&st.config);
    input.end()?;
    Ok(sw)
}

/// Which family a `show ... neighbors` lists.
#[derive(Clone, Copy)]
enum Family {
    Both,
    V4,
    V6,
}

impl Family {
    fn has(self, ip: &IpAddr) -> bool {
        match self {
            Family::Both => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

fn show_neighbors(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    show_family(st, input, Family::Both)
}

fn show_neighbors4(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    show_family(st, input, Family::V4)
}

fn show_neighbors6(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    show_family(st, input, Family::V6)
}

fn show_family(st: &mut State, input: &mut Input<'_>, family: Family) -> Result<String, CmdError> {
    let only = selected(st, input)?;
    let list: Vec<_> = st
        .config
        .neighbors()
        .filter(|n| only.is_none_or(|i| i == n.sw_if_index) && family.has(&n.ip))
        .collect();
    if list.is_empty() {
        return Ok(String::new());
    }
    let mut s = format!(
        "{}{}{}{}{}\n",
        center("Age", 12),
        center("IP", 40),
        center("Flags", 6),
        center("Ethernet", 20),
        center("Interface", 24)
    );
    for n in list {
        let name = st
            .config
            .interface(n.sw_if_index)
            .map_or_else(|| n.sw_if_index.to_string(), |i| i.name.clone());
        s.push_str(&format!(
            "{}{}{}{}{}\n",
            right(&float_f(n.updated.elapsed().as_secs_f64(), 4), 12),
            center(&n.ip.to_string(), 40),
            center(if n.is_static { "S" } else { "D" }, 6),
            center(&n.mac.to_string(), 20),
            name
        ));
    }
    Ok(s)
}

fn show_neighbors_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    json_family(st, input, Family::Both)
}

fn show_neighbors4_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    json_family(st, input, Family::V4)
}

fn show_neighbors6_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    json_family(st, input, Family::V6)
}

fn json_family(st: &mut State, input: &mut Input<'_>, family: Family) -> Result<Value, CmdError> {
    let only = selected(st, input)?;
    Ok(Value::Array(
        st.config
            .neighbors()
            .filter(|n| only.is_none_or(|i| i == n.sw_if_index) && family.has(&n.ip))
            .map(|n| {
                json!({
                    "age": n.updated.elapsed().as_secs_f64(),
                    "ip": n.ip.to_string(),
                    "flags": if n.is_static { "S" } else { "D" },
                    "static": n.is_static,
                    "mac": n.mac.to_string(),
                    "interface": st.config.interface(n.sw_if_index).map(|i| i.name.clone()),
                    "sw_if_index": n.sw_if_index,
                })
            })
            .collect(),
    ))
}

/// `set ip neighbor-config ip4|ip6 [limit <n>] [age <s>] [recycle|norecycle]`
/// (VPP's `ip_neighbor_config_set`): keywords in any order, each keeping
/// the current value unless given. As in VPP an empty line does nothing.
fn set_neighbor_config(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    if input.at_end() {
        return Ok(String::new());
    }
    let parse_error =
        |input: &Input<'_>| CmdError::Failed(format!("parse error `{}'", input.rest()));
    if input.keyword("ip6") || input.keyword("ipv6") {
        return Err(CmdError::failed(
            "weft keeps one neighbor table for IPv4 and IPv6: set it with ip4",
        ));
    }
    if !(input.keyword("ip4") || input.keyword("ipv4")) {
        return Err(parse_error(input));
    }
    let mut c = st.config.neighbor_config();
    while !input.at_end() {
        if let Some(n) = input.keyword_u32("limit") {
            c.limit = n;
        } else if let Some(n) = input.keyword_u32("age") {
            c.age = n;
        } else if input.keyword("recycle") {
            c.recycle = true;
        } else if input.keyword("norecycle") {
            c.recycle = false;
        } else {
            return Err(parse_error(input));
        }
    }
    st.config.set_neighbor_config(c);
    Ok(String::new())
}

/// `show ip neighbor-config`: VPP's lines for ip4 (weft has no IPv6), then
/// weft's own lines: entries, what the limit refused and recycled, and
/// what learning followed (MAC moves) and refused, by reason.
fn show_neighbor_config(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let NeighborConfig {
        limit,
        age,
        recycle,
    } = st.config.neighbor_config();
    let stats = st.config.neighbor_stats();
    let mut refused = String::new();
    for why in LearnRefusal::ALL {
        refused.push_str(&format!(
            ", {}:{}",
            why.name(),
            stats.learn_refused[why as usize]
        ));
    }
    Ok(format!(
        "ip4:\n  limit:{limit}, age:{age}, recycle:{}\n  entries:{}, refused:{}, recycled:{}\n  learning: moved:{}{refused}\n",
        u8::from(recycle),
        st.config.neighbors().count(),
        stats.refused,
        stats.recycled,
        stats.moved
    ))
}

fn show_neighbor_config_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    let c = st.config.neighbor_config();
    let stats = st.config.neighbor_stats();
    Ok(json!({
        "ip4": {
            "limit": c.limit,
            "age": c.age,
            "recycle": c.recycle,
            "entries": st.config.neighbors().count(),
            "refused": stats.refused,
            "recycled": stats.recycled,
            "learning": {
                "moved": stats.moved,
                "refused": LearnRefusal::ALL
                    .iter()
                    .map(|w| (w.name().to_string(), json!(stats.learn_refused[*w as usize])))
                    .collect::<serde_json::Map<String, Value>>(),
            },
        }
    }))
}

/// The neighbour commands.
pub fn commands() -> Vec<Command> {
    const ARGS: &[Arg] = &[
        Arg::Keyword("del", "delete"),
        Arg::Interface,
        Arg::Value("<ip-address>", "IPv4 or IPv6 address"),
        Arg::Value("<mac-address>", "xx:xx:xx:xx:xx:xx"),
        Arg::Keyword("static", "never replaced by a learned entry"),
    ];
    type Show = fn(&mut State, &mut Input<'_>) -> Result<String, CmdError>;
    type Json = fn(&mut State, &mut Input<'_>) -> Result<Value, CmdError>;
    let show = |path, text: Show, json: Json| {
        Command::locked(path, "show ip neighbors [interface]", text)
            .args(&[Arg::Interface])
            .json(json)
    };
    vec![
        Command::locked(
            "ip neighbor",
            "ip neighbor [del] <intfc> <ip-address> <mac-address> [static]",
            ip_neighbor,
        )
        .args(ARGS)
        .mutates(),
        Command::locked(
            "set ip neighbor",
            "set ip neighbor [del] <intfc> <ip-address> <mac-address> [static]",
            ip_neighbor,
        )
        .args(ARGS)
        .mutates(),
        show("show ip neighbors", show_neighbors, show_neighbors_json),
        show("show ip neighbor", show_neighbors, show_neighbors_json),
        show("show ip4 neighbors", show_neighbors4, show_neighbors4_json),
        show("show ip6 neighbors", show_neighbors6, show_neighbors6_json),
        Command::locked(
            "set ip neighbor-config",
            "set ip neighbor-config ip4|ip6 [limit <limit>] [age <age>] [recycle|norecycle]",
            set_neighbor_config,
        )
        .mutates()
        .args(&[
            Arg::Keyword("ip4", "the IPv4 table (weft has no other)"),
            Arg::Keyword("limit", "most entries; 0: no limit (default 50000)"),
            Arg::Keyword(
                "age",
                "seconds before a silent dynamic entry is probed; 0: never (default 300)",
            ),
            Arg::Keyword("recycle", "when full, replace the oldest dynamic entry"),
            Arg::Keyword("norecycle", "when full, refuse new entries (default)"),
        ]),
        Command::locked(
            "show ip neighbor-config",
            "show ip neighbor-config",
            show_neighbor_config,
        )
        .json(show_neighbor_config_json),
    ]
}
