//! Bridge domain and L2 FIB commands (VPP's `src/vnet/l2/l2_bd.c`,
//! `l2_input.c`, `l2_fib.c`), in VPP's syntax, messages and layouts.
//!
//! ```text
//! create bridge-domain <id> [learn <0|1>] [forward <0|1>] [uu-flood <0|1>] [flood <0|1>] [arp-term <0|1>] [mac-age <nn>] [del]
//! set bridge-domain learn|forward|flood|uu-flood <id> [disable]
//! set bridge-domain mac-age <id> <mins>
//! set bridge-domain learn-limit <id> <learn-limit>
//! set bridge-domain arp term <id> [disable]
//! set bridge-domain arp entry <id> [<ip-addr> <mac-addr> [del] | del-all]
//! set interface l2 bridge <interface> <bridge-domain-id> [bvi] [shg]
//! show bridge-domain [<id> [detail|int|arp]]
//! show l2fib [all|verbose] | [bd_id <nn> | bd_index <nn>] [learn | add]
//! l2fib add <mac> <bridge-domain-id> <intf> [static | bvi]
//! l2fib del <mac> <bridge-domain-id>
//! clear l2fib
//! ```

use dataplane::tables::L2Mode;
use serde_json::{Value, json};

use super::exec::State;
use super::format::{center, float_e};
use super::grammar::{Arg, CmdError, Command, Input};
use crate::bridge::{BridgeArgs, BridgeConfig, BridgeError, Switch};
use crate::config::Config;

/// Reads a `<0|1>` value after `kw`.
fn flag(input: &mut Input<'_>, kw: &str) -> Option<bool> {
    input.keyword_u32(kw).map(|n| n != 0)
}

fn create(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let id = input.u32();
    let mut a = BridgeArgs::new(id.unwrap_or(0));
    let mut del = false;
    loop {
        if let Some(v) = flag(input, "learn") {
            a.learn = v;
        } else if let Some(v) = flag(input, "forward") {
            a.forward = v;
        } else if let Some(v) = flag(input, "uu-flood") {
            a.uu_flood = v;
        } else if let Some(v) = flag(input, "flood") {
            a.flood = v;
        } else if let Some(v) = flag(input, "arp-term") {
            a.arp_term = v;
        } else if let Some(v) = flag(input, "arp-ufwd") {
            if v {
                return Err(CmdError::failed("arp-ufwd is not supported by weft"));
            }
        } else if let Some(n) = input.keyword_u32("mac-age") {
            a.mac_age = n;
        } else if input.keyword("del") {
            del = true;
        } else {
            break;
        }
    }
    input.end()?;
    let bd_id = match id {
        Some(id) => id,
        None if del => return Err(CmdError::failed("bridge-domain-id not specified")),
        // As VPP: the lowest unused id.
        None => (1..)
            .find(|i| st.config.bridge_domain(*i).is_none())
            .unwrap_or(1),
    };
    a.bd_id = bd_id;
    if del {
        if bd_id == 0 {
            return Err(BridgeError::NotModifiable.into());
        }
        if a.mac_age > 255 {
            return Err(BridgeError::MacAge.into());
        }
        st.config.bridge_domain_del(bd_id)?;
        return Ok(String::new());
    }
    st.config.bridge_domain_add(&a)?;
    Ok(format!("bridge-domain {bd_id}\n"))
}

/// The id of `set bridge-domain ...`.
fn bd_id(input: &mut Input<'_>) -> Result<u32, CmdError> {
    input.u32().ok_or_else(|| {
        CmdError::Failed(format!(
            "expecting bridge-domain id but got `{}'",
            input.rest()
        ))
    })
}

/// The id of `set bridge-domain ...` that takes more arguments: checked
/// to name a domain before they are read, as VPP does.
fn existing_bd_id(st: &State, input: &mut Input<'_>) -> Result<u32, CmdError> {
    let id = bd_id(input)?;
    if id == 0 {
        return Err(BridgeError::DefaultDomain.into());
    }
    if st.config.bridge_domain(id).is_none() {
        return Err(BridgeError::NoSuchDomain(id).into());
    }
    Ok(id)
}

fn set_switch(s: Switch) -> impl Fn(&mut State, &mut Input<'_>) -> Result<String, CmdError> {
    move |st, input| {
        let id = bd_id(input)?;
        let on = !input.keyword("disable");
        input.end()?;
        st.config.set_bridge_switch(id, s, on)?;
        Ok(String::new())
    }
}

fn set_mac_age(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let id = existing_bd_id(st, input)?;
    let Some(age) = input.u32() else {
        return Err(CmdError::Failed(format!(
            "expecting ageing time in minutes but got `{}'",
            input.rest()
        )));
    };
    if age > 255 {
        return Err(CmdError::failed("mac aging time cannot be bigger than 255"));
    }
    input.end()?;
    st.config.set_bridge_mac_age(id, age)?;
    Ok(String::new())
}

fn set_learn_limit(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let id = existing_bd_id(st, input)?;
    let Some(n) = input.u32() else {
        return Err(CmdError::Failed(format!(
            "expecting maxium number of learned entries but got `{}'",
            input.rest()
        )));
    };
    input.end()?;
    st.config.set_bridge_learn_limit(id, n)?;
    Ok(String::new())
}

fn set_arp_term(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let id = bd_id(input)?;
    let on = !input.keyword("disable");
    input.end()?;
    st.config.set_bridge_arp_term(id, on)?;
    Ok(String::new())
}

fn set_arp_entry(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let id = existing_bd_id(st, input)?;
    if input.keyword("del-all") {
        input.end()?;
        st.config.bridge_arp_clear(id)?;
        return Ok(String::new());
    }
    let Some(ip) = input.ipv4() else {
        return Err(CmdError::Failed(format!(
            "expecting IP address but got `{}'",
            input.rest()
        )));
    };
    let Some(mac) = input.mac() else {
        return Err(CmdError::Failed(format!(
            "expecting MAC address but got `{}'",
            input.rest()
        )));
    };
    let del = input.keyword("del");
    input.end()?;
    st.config.bridge_arp_entry(id, ip, mac, del)?;
    Ok(String::new())
}

fn l2_bridge(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    let Some(id) = input.u32() else {
        return Err(CmdError::Failed(format!(
            "expected bridge domain ID `{}'",
            input.rest()
        )));
    };
    let bvi = input.keyword("bvi");
    if input.keyword("uu-fwd") {
        return Err(CmdError::failed("uu-fwd is not supported by weft"));
    }
    let shg = input.u32().unwrap_or(0);
    input.end()?;
    st.config.set_l2_bridge(sw, id, bvi, shg)?;
    Ok(String::new())
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn interface_name(config: &Config, sw_if_index: u32) -> String {
    config
        .interface(sw_if_index)
        .map_or_else(|| sw_if_index.to_string(), |i| i.name.clone())
}

/// The members as `show bridge-domain` lists them: the BVI first (VPP
/// keeps it at the head of its member vector), then in joining order.
fn members(bd: &BridgeConfig) -> impl Iterator<Item = &dataplane::tables::Member> {
    bd.members
        .iter()
        .filter(|m| m.bvi)
        .chain(bd.members.iter().filter(|m| !m.bvi))
}

/// The features weft runs for the domain, in VPP's `detail` line format.
fn feature_line(bd: &BridgeConfig) -> String {
    let mut s = String::new();
    for (on, name) in [
        (bd.learn, "l2-learn"),
        (bd.arp_term, "arp-term-l2bd"),
        (bd.forward, "l2-fwd"),
        (bd.uu_flood, "l2-flood"),
        (bd.flood, "l2-flood"),
        (true, "l2-output"),
    ] {
        if on {
            s.push_str(name);
            s.push(' ');
        }
    }
    s
}

fn show_bd(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let c = &st.config;
    let mut list: Vec<&BridgeConfig> = c.bridge_domains().collect();
    list.sort_by_key(|b| b.bd_index);
    let (mut detail, mut int, mut arp) = (false, false, false);
    if let Some(id) = input.u32() {
        detail = input.keyword("detail") || input.keyword("det");
        int = input.keyword("int");
        arp = input.keyword("arp");
        if id == 0 {
            return Err(BridgeError::DefaultDomain.into());
        }
        match c.bridge_domain(id) {
            Some(b) => list = vec![b],
            None => return Err(BridgeError::NoSuchDomain(id).into()),
        }
    }
    input.end()?;
    if list.is_empty() {
        return Ok("no bridge-domains in use\n".to_string());
    }
    let fib = c.l2fib();
    let mut s = String::new();
    let head = [
        ("BD-ID", 8),
        ("Index", 7),
        ("BSN", 4),
        ("Age(min)", 9),
        ("Learning", 9),
        ("U-Forwrd", 9),
        ("UU-Flood", 11),
        ("Flooding", 9),
        ("ARP-Term", 9),
        ("arp-ufwd", 9),
        ("Learn-count", 8),
        ("Learn-limit", 8),
        ("BVI-Intf", 11),
    ];
    let row = |cells: &[(String, usize)]| -> String {
        let v: Vec<String> = cells.iter().map(|(t, w)| center(t, *w)).collect();
        v.join(" ") + "\n"
    };
    s.push_str(&row(&head
        .iter()
        .map(|(t, w)| (t.to_string(), *w))
        .collect::<Vec<_>>()));
    for b in list {
        let age = if b.mac_age == 0 {
            "off".to_string()
        } else {
            b.mac_age.to_string()
        };
        let bvi = b
            .bvi()
            .map_or_else(|| "N/A".to_string(), |i| interface_name(c, i));
        let cells = [
            b.bd_id.to_string(),
            b.bd_index.to_string(),
            "0".to_string(),
            age,
            on_off(b.learn).to_string(),
            on_off(b.forward).to_string(),
            if b.uu_flood { "flood" } else { "drop" }.to_string(),
            on_off(b.flood).to_string(),
            on_off(b.arp_term).to_string(),
            "off".to_string(),
            fib.learned(b.bd_index).to_string(),
            b.learn_limit.to_string(),
            bvi,
        ];
        s.push_str(&row(&cells
            .into_iter()
            .zip(head.iter().map(|h| h.1))
            .collect::<Vec<_>>()));
        if detail {
            s.push_str(&feature_line(b));
            s.push('\n');
        }
        if detail || int {
            let mut first = true;
            for m in members(b) {
                if first {
                    first = false;
                    s.push('\n');
                    s.push_str(&format!(
                        "{}{}{}{}{}{}{}\n",
                        center("Interface", 30),
                        center("If-idx", 7),
                        center("ISN", 5),
                        center("SHG", 5),
                        center("BVI", 5),
                        center("TxFlood", 9),
                        center("VLAN-Tag-Rewrite", 30)
                    ));
                }
                let isn = match c.interface(m.sw_if_index).map(|i| i.l2) {
                    Some(L2Mode::Bridge { isn, .. }) => isn,
                    _ => 0,
                };
                s.push_str(&format!(
                    "{}{}{}{}{}{}{}\n",
                    center(&interface_name(c, m.sw_if_index), 30),
                    center(&m.sw_if_index.to_string(), 7),
                    center(&isn.to_string(), 5),
                    center(&m.shg.to_string(), 5),
                    center(if m.bvi { "*" } else { "-" }, 5),
                    center("*", 9),
                    center("none", 30)
                ));
            }
        }
        if (detail || arp) && b.arp_term {
            s.push_str("\n  IP4/IP6 to MAC table for ARP Termination\n");
            for (ip, mac) in &b.arp {
                s.push_str(&format!(
                    "{} => {}\n",
                    center(&ip.to_string(), 40),
                    center(&mac.to_string(), 20)
                ));
            }
        }
    }
    Ok(s)
}

fn show_bd_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let c = &st.config;
    let id = input.u32();
    let _ = input.keyword("detail")
        || input.keyword("det")
        || input.keyword("int")
        || input.keyword("arp");
    input.end()?;
    let mut list: Vec<&BridgeConfig> = match id {
        Some(0) => return Err(BridgeError::DefaultDomain.into()),
        Some(id) => vec![c.bridge_domain(id).ok_or(BridgeError::NoSuchDomain(id))?],
        None => c.bridge_domains().collect(),
    };
    list.sort_by_key(|b| b.bd_index);
    Ok(Value::Array(
        list.iter()
            .map(|b| {
                json!({
                    "bd_id": b.bd_id,
                    "bd_index": b.bd_index,
                    "learn": b.learn,
                    "forward": b.forward,
                    "uu_flood": b.uu_flood,
                    "flood": b.flood,
                    "arp_term": b.arp_term,
                    "arp_entries": b.arp.iter().map(|(ip, mac)| json!({
                        "ip": ip.to_string(),
                        "mac": mac.to_string(),
                    })).collect::<Vec<_>>(),
                    "mac_age": b.mac_age,
                    "learn_count": c.l2fib().learned(b.bd_index),
                    "learn_limit": b.learn_limit,
                    "bvi": b.bvi().map(|i| interface_name(c, i)),
                    "members": members(b).map(|m| json!({
                        "interface": interface_name(c, m.sw_if_index),
                        "sw_if_index": m.sw_if_index,
                        "shg": m.shg,
                        "bvi": m.bvi,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    ))
}

/// What `show l2fib` was asked for.
struct L2fibQuery {
    verbose: bool,
    bd_index: Option<u16>,
    learn: bool,
    add: bool,
}

fn parse_l2fib(st: &State, input: &mut Input<'_>) -> Result<L2fibQuery, CmdError> {
    let mut q = L2fibQuery {
        verbose: false,
        bd_index: None,
        learn: false,
        add: false,
    };
    loop {
        if input.keyword("verbose") || input.keyword("all") {
            q.verbose = true;
        } else if let Some(i) = input.keyword_u32("bd_index") {
            q.verbose = true;
            q.bd_index = Some(i as u16);
        } else if input.keyword("learn") {
            (q.verbose, q.learn, q.add) = (true, true, false);
        } else if input.keyword("add") {
            (q.verbose, q.learn, q.add) = (true, false, true);
        } else if let Some(id) = input.keyword_u32("bd_id") {
            let Some(b) = st.config.bridge_domain(id) else {
                return Err(CmdError::Failed(format!(
                    "bridge domain id {id} doesn't exist\n"
                )));
            };
            q.verbose = true;
            q.bd_index = Some(b.bd_index);
        } else {
            break;
        }
    }
    input.end()?;
    Ok(q)
}

fn show_l2fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let q = parse_l2fib(st, input)?;
    let c = &st.config;
    let fib = c.l2fib();
    let mut entries = fib.entries();
    if entries.is_empty() {
        return Ok("no l2fib entries\n".to_string());
    }
    entries.sort_by_key(|(bd, mac, _)| (*bd, mac.0));
    let mut s = String::new();
    if q.verbose {
        s.push_str(&format!(
            "{}{}{}{}{}{}{}{}{}\n",
            center("Mac-Address", 19),
            center("BD-Idx", 7),
            center("If-Idx", 7),
            center("BSN-ISN", 8),
            center("Age(min)", 9),
            center("static", 7),
            center("filter", 7),
            center("bvi", 5),
            center("Interface-Name", 30)
        ));
        let now = fib.now();
        for (bd, mac, e) in &entries {
            if q.bd_index.is_some_and(|b| b != *bd)
                || (q.learn && !e.is_learned())
                || (q.add && e.is_learned())
            {
                continue;
            }
            let age = if !e.is_learned() {
                "no".to_string()
            } else {
                match c.bridge_domain_by_index(*bd).map(|b| b.mac_age) {
                    Some(a) if a != 0 => now.wrapping_sub(e.stamp).to_string(),
                    _ => "-".to_string(),
                }
            };
            let isn = if e.is_learned() { e.isn } else { 0 };
            s.push_str(&format!(
                "{}{}{} {:>3}/{:<3}{}{}{}{}{}\n",
                center(&mac.to_string(), 19),
                center(&bd.to_string(), 7),
                center(&e.sw_if_index.to_string(), 7),
                0,
                isn,
                center(&age, 9),
                center(if e.is_static { "*" } else { "-" }, 7),
                center("-", 7),
                center(if e.bvi { "*" } else { "-" }, 5),
                center(&interface_name(c, e.sw_if_index), 30)
            ));
        }
    }
    s.push_str(&format!(
        "L2FIB total/learned entries: {}/{}  Last scan time: {}sec  Learn limit: {} \n",
        entries.len(),
        fib.global_learned(),
        float_e(c.l2fib_last_scan().as_secs_f64(), 4),
        fib.global_limit()
    ));
    Ok(s)
}

fn show_l2fib_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let q = parse_l2fib(st, input)?;
    let c = &st.config;
    let fib = c.l2fib();
    let mut entries = fib.entries();
    entries.sort_by_key(|(bd, mac, _)| (*bd, mac.0));
    let now = fib.now();
    let list: Vec<Value> = entries
        .iter()
        .filter(|(bd, _, e)| {
            !(q.bd_index.is_some_and(|b| b != *bd)
                || (q.learn && !e.is_learned())
                || (q.add && e.is_learned()))
        })
        .map(|(bd, mac, e)| {
            let bd_id = c.bridge_domain_by_index(*bd).map(|b| b.bd_id);
            json!({
                "mac": mac.to_string(),
                "bd_index": bd,
                "bd_id": bd_id,
                "sw_if_index": e.sw_if_index,
                "interface": interface_name(c, e.sw_if_index),
                "static": e.is_static,
                "bvi": e.bvi,
                "learned": e.is_learned(),
                "age_minutes": e.is_learned().then(|| now.wrapping_sub(e.stamp)),
            })
        })
        .collect();
    Ok(json!({
        "entries": list,
        "total": entries.len(),
        "learned": fib.global_learned(),
        "learn_limit": fib.global_limit(),
    }))
}

fn l2fib_add(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let (mac, id) = mac_and_bd(input)?;
    if input.keyword("filter") {
        return Err(CmdError::failed("filter entries are not supported by weft"));
    }
    if st.config.bridge_domain(id).is_none() {
        return Err(BridgeError::Invalid(id).into());
    }
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    let is_static = input.keyword("static");
    let bvi = !is_static && input.keyword("bvi");
    input.end()?;
    st.config.l2fib_add(mac, id, sw, is_static, bvi)?;
    Ok(String::new())
}

fn mac_and_bd(input: &mut Input<'_>) -> Result<(dataplane::wire::EthernetAddress, u32), CmdError> {
    let Some(mac) = input.mac() else {
        return Err(CmdError::Failed(format!(
            "expected mac address `{}'",
            input.rest()
        )));
    };
    let Some(id) = input.u32() else {
        return Err(CmdError::Failed(format!(
            "expected bridge domain ID `{}'",
            input.rest()
        )));
    };
    Ok((mac, id))
}

fn l2fib_del(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let (mac, id) = mac_and_bd(input)?;
    input.end()?;
    st.config.l2fib_del(mac, id)?;
    Ok(String::new())
}

fn clear_l2fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    st.config.l2fib_clear();
    Ok(String::new())
}

/// The bridge domain and L2 FIB commands.
pub fn commands() -> Vec<Command> {
    let mut v = vec![
        Command::locked(
            "create bridge-domain",
            "create bridge-domain <bridge-domain-id> [learn <0|1>] [forward <0|1>] [uu-flood <0|1>] [flood <0|1>] [arp-term <0|1>] [mac-age <nn>] [del]",
            create,
        )
        .mutates(),
        Command::locked(
            "set bridge-domain mac-age",
            "set bridge-domain mac-age <bridge-domain-id> <mins>",
            set_mac_age,
        )
        .mutates(),
        Command::locked(
            "set bridge-domain learn-limit",
            "set bridge-domain learn-limit <bridge-domain-id> <learn-limit>",
            set_learn_limit,
        )
        .mutates(),
        Command::locked(
            "set bridge-domain arp term",
            "set bridge-domain arp term <bridge-domain-id> [disable]",
            set_arp_term,
        )
        .mutates(),
        Command::locked(
            "set bridge-domain arp entry",
            "set bridge-domain arp entry <bridge-domain-id> [<ip-addr> <mac-addr> [del] | del-all]",
            set_arp_entry,
        )
        .mutates(),
        Command::locked(
            "set interface l2 bridge",
            "set interface l2 bridge <interface> <bridge-domain-id> [bvi] [shg]",
            l2_bridge,
        )
        .args(&[Arg::Interface])
        .mutates(),
        Command::locked(
            "show bridge-domain",
            "show bridge-domain [bridge-domain-id [detail|int|arp]]",
            show_bd,
        )
        .json(show_bd_json),
        Command::locked(
            "show l2fib",
            "show l2fib [all] | [bd_id <nn> | bd_index <nn>] [learn | add]",
            show_l2fib,
        )
        .json(show_l2fib_json),
        Command::locked(
            "l2fib add",
            "l2fib add <mac> <bridge-domain-id> <intf> [static | bvi]",
            l2fib_add,
        )
        .mutates(),
        Command::locked(
            "l2fib del",
            "l2fib del <mac> <bridge-domain-id>",
            l2fib_del,
        )
        .mutates(),
        Command::locked("clear l2fib", "clear l2fib", clear_l2fib).mutates(),
    ];
    for (path, help, s) in [
        (
            "set bridge-domain learn",
            "set bridge-domain learn <bridge-domain-id> [disable]",
            Switch::Learn,
        ),
        (
            "set bridge-domain forward",
            "set bridge-domain forward <bridge-domain-id> [disable]",
            Switch::Forward,
        ),
        (
            "set bridge-domain flood",
            "set bridge-domain flood <bridge-domain-id> [disable]",
            Switch::Flood,
        ),
        (
            "set bridge-domain uu-flood",
            "set bridge-domain uu-flood <bridge-domain-id> [disable]",
            Switch::UuFlood,
        ),
    ] {
        v.push(Command::locked(path, help, set_switch(s)).mutates());
    }
    v
}
