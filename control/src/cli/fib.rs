//! IPv4 and IPv6 routes and the FIBs (VPP's `src/vnet/ip/lookup.c`).
//!
//! ```text
//! ip route [add|del] <dst-ip-addr>/<width> [via <next-hop-address> [<next-hop-interface>]]
//! show ip fib [summary] [table <table-id>] [index <fib-id>] [<ip4-addr>[/<mask>]] [detail]
//! show ip6 fib [summary] [table <table-id>] [index <fib-id>] [<ip6-addr>[/<width>]] [detail]
//! ```
//!
//! The FIB's entries come from the configuration ([`Config::ip_fib`],
//! [`Config::ip6_fib`]); the text and the JSON form are both made from
//! them here.
//!
//! One path per prefix, table 0 only; `del` without `via` deletes the
//! prefix; the next hop is of the prefix's family. `count`, `table`,
//! weights, preferences and labels are not supported (the words are
//! refused as unknown input).

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{Value, json};

use super::exec::State;
use super::format::center;
use super::grammar::{Arg, CmdError, Command, Input};
use crate::config::Config;
use crate::fib::{FibEntry, FibKind, Forwarding, Prefix, fib_lookup};

fn ip_route(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut del = false;
    if input.keyword("del") || input.keyword("delete") {
        del = true;
    } else {
        let _ = input.keyword("add");
    }
    let expected = || CmdError::failed("expected ip4/ip6 destination address/length.");
    if let Some((addr, len)) = input.ipv4_prefix() {
        let prefix = Prefix::new(addr, len).ok_or_else(expected)?;
        let (via, interface) = path(st, input, del, |i| i.ipv4())?;
        st.config
            .ip_route_add_del(prefix, via.unwrap_or(Ipv4Addr::UNSPECIFIED), interface, del)?;
    } else {
        let (addr, len) = input.ipv6_prefix().ok_or_else(expected)?;
        let prefix = crate::ip6::Ipv6Cidr::new(addr, len).ok_or_else(expected)?;
        let (via, interface) = path(st, input, del, |i| i.ipv6())?;
        st.config.ip6_route_add_del(
            prefix,
            via.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED),
            interface,
            del,
        )?;
    }
    Ok(String::new())
}

/// `[via <next-hop> [<interface>]]`, the next hop read by `addr` (of the
/// prefix's family); required unless `del`.
fn path<A>(
    st: &State,
    input: &mut Input<'_>,
    del: bool,
    addr: impl Fn(&mut Input<'_>) -> Option<A>,
) -> Result<(Option<A>, Option<u32>), CmdError> {
    let (mut via, mut interface) = (None, None);
    if input.keyword("via") {
        via = addr(input);
        if via.is_none() {
            return Err(CmdError::failed("expected paths."));
        }
        if !input.at_end() {
            interface = input.interface(&st.config);
            if interface.is_none() {
                return Err(input.unknown());
            }
        }
    }
    input.end()?;
    if !del && via.is_none() {
        return Err(CmdError::failed("expected paths."));
    }
    Ok((via, interface))
}

/// What `show ip fib` / `show ip6 fib` were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FibQuery {
    /// Every entry.
    All,
    /// `summary`: entries per prefix length.
    Summary,
    /// `<addr>[/<len>]`: the longest prefix of at most `len` bits holding
    /// `addr`, in detail.
    Match(IpAddr, u8),
}

/// The family a FIB command shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn ip(self) -> &'static str {
        match self {
            Family::V4 => "ip4",
            Family::V6 => "ip6",
        }
    }

    fn max_len(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

/// `[summary|sum|brief] [detail|det] [table <id>] [index <n>]
/// [<addr>[/<len>]]` (VPP's `ip4_show_fib` / `ip6_show_fib`). Returns the
/// query and whether table 0 is selected (another `table`/`index` shows
/// nothing, as VPP shows nothing for a table it does not have).
fn parse_fib(input: &mut Input<'_>, family: Family) -> Result<(FibQuery, bool), CmdError> {
    let mut query = FibQuery::All;
    let mut summary = false;
    let mut table0 = true;
    while !input.at_end() {
        if input.keyword("summary") || input.keyword("sum") || input.keyword("brief") {
            summary = true;
        } else if input.keyword("detail") || input.keyword("det") {
        } else if let Some(id) = input
            .keyword_u32("table")
            .or_else(|| input.keyword_u32("index"))
        {
            table0 &= id == 0;
        } else if let Some(m) = input.parse(|w| {
            let (a, len) = match w.split_once('/') {
                Some((a, l)) => (a, super::grammar::parse_u32(l)?),
                None => (w, u32::from(family.max_len())),
            };
            let a: IpAddr = a.parse().ok()?;
            let len = u8::try_from(len).ok().filter(|&l| l <= family.max_len())?;
            (a.is_ipv4() == (family == Family::V4)).then_some(FibQuery::Match(a, len))
        }) {
            query = m;
        } else {
            return Err(CmdError::Failed(format!(
                "unknown input `{}'",
                input.rest()
            )));
        }
    }
    if summary {
        query = FibQuery::Summary;
    }
    Ok((query, table0))
}

/// The table header line (`ipv4-VRF:0, fib_index:0, flow hash:[...] ...`).
fn table_header(family: Family) -> String {
    format!(
        "ipv{}-VRF:0, fib_index:0, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[default-route:1, ]\n",
        if family == Family::V4 { 4 } else { 6 }
    )
}

fn interface_name(config: &Config, sw: Option<u32>) -> Option<String> {
    sw.map(|sw| {
        config
            .interface(sw)
            .map_or_else(|| format!("sw_if_index {sw}"), |i| i.name.clone())
    })
}

fn prefix_text(e: &FibEntry) -> String {
    format!("{}/{}", e.prefix.0, e.prefix.1)
}

/// The bucket's DPO as VPP prints it (`[@1]: ipv4-glean: ...`).
fn dpo_text(config: &Config, e: &FibEntry, family: Family) -> String {
    let v4 = family == Family::V4;
    let name = interface_name(config, e.path.sw_if_index).unwrap_or_default();
    let nh = e.path.next_hop.map(|a| a.to_string()).unwrap_or_default();
    let p = prefix_text(e);
    match e.path.forwarding {
        Forwarding::Drop => match e.kind {
            FibKind::Route => format!(
                "[@0]: dpo-drop {} (via {nh}: no connected route)",
                family.ip()
            ),
            _ => format!("[@0]: dpo-drop {}", family.ip()),
        },
        Forwarding::Glean if v4 => format!("[@1]: ipv4-glean: [src:{p}] {name}"),
        Forwarding::Glean => format!("[@4]: ipv6-glean: [src:{p}] {name}"),
        Forwarding::Receive => format!(
            "[@{}]: dpo-receive: {nh} on {name}",
            if v4 { 2 } else { 15 }
        ),
        Forwarding::Adjacency => format!(
            "[@{}]: ipv{} via {nh} {name}{}",
            if v4 { 3 } else { 5 },
            if v4 { 4 } else { 6 },
            if e.path.resolved { "" } else { " (unresolved)" }
        ),
        Forwarding::LinkLocal => "[@14]: ip6-link-local".to_string(),
    }
}

/// The forwarding chain of entry `index`: the chain line, the
/// load-balance line and its one bucket.
fn chain_text(config: &Config, index: usize, e: &FibEntry, family: Family) -> String {
    format!(
        "  unicast-{ip}-chain\n  [@0]: dpo-load-balance: [proto:{ip} index:{index} buckets:1 uRPF:{index} to:[0:0]]\n    [0] {}\n",
        dpo_text(config, e, family),
        ip = family.ip()
    )
}

/// The whole table in VPP's layout, without the last newline (the text of
/// `show ip fib` / `show ip6 fib`).
pub fn format_fib(config: &Config, entries: &[FibEntry], ipv6: bool) -> String {
    let family = if ipv6 { Family::V6 } else { Family::V4 };
    let mut out = table_header(family);
    for (index, e) in entries.iter().enumerate() {
        out.push_str(&prefix_text(e));
        out.push('\n');
        out.push_str(&chain_text(config, index, e, family));
    }
    out.pop();
    out
}

/// The path's type: VPP's `fib_path_type_names` (JSON `paths[].type`).
/// A route is `recursive` (resolved through the entry covering its next
/// hop) unless it names its interface (`attached-nexthop`, as in VPP).
fn path_type(e: &FibEntry) -> &'static str {
    match e.kind {
        FibKind::Drop | FibKind::LinkLocal => "special",
        FibKind::Connected => "attached",
        FibKind::Local => "receive",
        FibKind::Adjacency => "attached-nexthop",
        FibKind::Route if e.interface_given => "attached-nexthop",
        FibKind::Route => "recursive",
    }
}

/// The entry a recursive route resolves through: the longest prefix
/// holding its next hop (at worst the default route), with its index.
fn via_entry(entries: &[FibEntry], e: &FibEntry, family: Family) -> Option<usize> {
    let nh = e.path.next_hop?;
    fib_lookup(entries, nh, family.max_len())
        .filter(|(_, v)| v.prefix != e.prefix)
        .map(|(i, _)| i)
}

/// One entry in detail (`show ip fib <prefix>`): VPP's `format_fib_entry`
/// (`FIB_ENTRY_FORMAT_DETAIL`) with what weft has: one source, one path
/// list of one path, no covers, extensions or delegates.
fn format_detail(
    config: &Config,
    entries: &[FibEntry],
    index: usize,
    e: &FibEntry,
    family: Family,
) -> String {
    let mut s = table_header(family);
    s.push_str(&format!("{} fib:0 index:{index} locks:1\n", prefix_text(e)));
    s.push_str(&format!("  {} refs:1", e.source.as_str()));
    let flags = e.kind.flags();
    if !flags.is_empty() {
        s.push_str(&format!(" entry-flags:{},", flags.join(",")));
    }
    s.push_str(" src-flags:added,contributing,active,\n");
    let itfs = e
        .path
        .sw_if_index
        .map(|sw| format!("{sw}, "))
        .unwrap_or_default();
    s.push_str(&format!(
        "    path-list:[{index}] locks:1 uPRF-list:{index} len:1 itfs:[{itfs}]\n"
    ));
    let ptype = path_type(e);
    let oper = match (e.kind, e.path.resolved) {
        (FibKind::Drop, _) => " cfg-flags:drop,",
        (FibKind::LinkLocal, _) => "",
        (FibKind::Route, false) if ptype == "attached-nexthop" => "",
        _ => " oper-flags:resolved,",
    };
    s.push_str(&format!(
        "      path:[{index}] pl-index:{index} {} weight=1 pref=0 {ptype}: {oper}\n",
        family.ip()
    ));
    let name = interface_name(config, e.path.sw_if_index).unwrap_or_default();
    let nh = e.path.next_hop.map(|a| a.to_string()).unwrap_or_default();
    let dpo = dpo_text(config, e, family);
    match ptype {
        "attached-nexthop" => {
            s.push_str(&format!("        {nh} {name}\n"));
            if e.path.resolved {
                s.push_str(&format!("      {dpo}\n"));
            } else {
                s.push_str("        unresolved\n");
            }
        }
        "attached" => s.push_str(&format!("         {name}\n")),
        "recursive" => {
            let via = via_entry(entries, e, family).unwrap_or(0);
            s.push_str(&format!(
                "        via {nh} in fib:0 via-fib:{via} via-dpo:[dpo-load-balance:{via}]\n"
            ));
        }
        _ => s.push_str(&format!("        {dpo}\n")),
    }
    s.push_str("\n forwarding: ");
    s.push_str(&chain_text(config, index, e, family));
    s
}

/// Entries per prefix length: IPv4 shortest first, IPv6 longest first
/// (as VPP lists them).
fn prefix_lengths(entries: &[FibEntry], family: Family) -> Vec<(u8, usize)> {
    let mut counts: std::collections::BTreeMap<u8, usize> = std::collections::BTreeMap::new();
    for e in entries {
        *counts.entry(e.prefix.1).or_default() += 1;
    }
    let mut v: Vec<(u8, usize)> = counts.into_iter().collect();
    if family == Family::V6 {
        v.reverse();
    }
    v
}

/// `show ip fib summary`: VPP's `%=20s%=16s` header, then `%20d%16d` rows
/// (IPv6: `%=20d%=16d`).
fn format_summary(entries: &[FibEntry], family: Family) -> String {
    let mut s = table_header(family);
    s.push_str(&format!(
        "{}{}\n",
        center("Prefix length", 20),
        center("Count", 16)
    ));
    for (len, n) in prefix_lengths(entries, family) {
        match family {
            Family::V4 => s.push_str(&format!("{len:>20}{n:>16}\n")),
            Family::V6 => s.push_str(&format!(
                "{}{}\n",
                center(&len.to_string(), 20),
                center(&n.to_string(), 16)
            )),
        }
    }
    s
}

fn entries(st: &State, family: Family) -> Vec<FibEntry> {
    match family {
        Family::V4 => st.config.ip_fib(),
        Family::V6 => st.config.ip6_fib(),
    }
}

fn show_fib(st: &mut State, input: &mut Input<'_>, family: Family) -> Result<String, CmdError> {
    let (query, table0) = parse_fib(input, family)?;
    if !table0 {
        return Ok(String::new());
    }
    let entries = entries(st, family);
    Ok(match query {
        FibQuery::All => format_fib(&st.config, &entries, family == Family::V6),
        FibQuery::Summary => format_summary(&entries, family),
        FibQuery::Match(addr, len) => match fib_lookup(&entries, addr, len) {
            Some((index, e)) => format_detail(&st.config, &entries, index, e, family),
            None => table_header(family),
        },
    })
}

fn entry_json(config: &Config, index: usize, e: &FibEntry) -> Value {
    json!({
        "prefix": prefix_text(e),
        "address": e.prefix.0.to_string(),
        "prefix_len": e.prefix.1,
        "index": index,
        "source": e.source.as_str(),
        "type": e.kind.as_str(),
        "flags": e.kind.flags(),
        "paths": [{
            "type": path_type(e),
            "next_hop": e.path.next_hop.map(|a| a.to_string()),
            "interface": interface_name(config, e.path.sw_if_index),
            "sw_if_index": e.path.sw_if_index,
            "forwarding": e.path.forwarding.as_str(),
            "resolved": e.path.resolved,
        }],
    })
}

/// The JSON form: a list of tables (weft has table 0 only; an empty list
/// for another `table`/`index`), each with its entries (all, or the one
/// matched) or, for `summary`, its counts per prefix length.
fn show_fib_json(st: &mut State, input: &mut Input<'_>, family: Family) -> Result<Value, CmdError> {
    let (query, table0) = parse_fib(input, family)?;
    if !table0 {
        return Ok(json!([]));
    }
    let entries = entries(st, family);
    let mut table = json!({
        "table": format!("ipv{}-VRF:0", if family == Family::V4 { 4 } else { 6 }),
        "table_id": 0,
        "fib_index": 0,
    });
    match query {
        FibQuery::All => {
            table["entries"] = entries
                .iter()
                .enumerate()
                .map(|(i, e)| entry_json(&st.config, i, e))
                .collect();
        }
        FibQuery::Match(addr, len) => {
            table["entries"] = fib_lookup(&entries, addr, len)
                .map(|(i, e)| entry_json(&st.config, i, e))
                .into_iter()
                .collect();
        }
        FibQuery::Summary => {
            table["prefix_lengths"] = prefix_lengths(&entries, family)
                .into_iter()
                .map(|(len, count)| json!({ "prefix_len": len, "count": count }))
                .collect();
            table["total"] = json!(entries.len());
        }
    }
    Ok(json!([table]))
}

fn show_ip_fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    show_fib(st, input, Family::V4)
}

fn show_ip6_fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    show_fib(st, input, Family::V6)
}

fn show_ip_fib_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    show_fib_json(st, input, Family::V4)
}

fn show_ip6_fib_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    show_fib_json(st, input, Family::V6)
}

/// The commands of this module.
pub fn commands() -> Vec<Command> {
    const ARGS: &[Arg] = &[
        Arg::Keyword("add", "add a route (default)"),
        Arg::Keyword("del", "delete a route"),
        Arg::Value("<prefix>", "destination a.b.c.d/len or x:x::x/len"),
        Arg::Keyword("via", "next hop address [interface]"),
    ];
    const SHOW_ARGS: &[Arg] = &[
        Arg::Keyword("summary", "entries per prefix length"),
        Arg::Keyword("table", "table id (0 only)"),
        Arg::Keyword("index", "fib index (0 only)"),
        Arg::Value("<addr>[/<len>]", "the longest prefix holding it, in detail"),
        Arg::Keyword("detail", "as without"),
    ];
    vec![
        Command::locked(
            "ip route",
            "ip route [add|del] <dst-ip-addr>/<width> via <next-hop-address> [<next-hop-interface>]",
            ip_route,
        )
        .args(ARGS)
        .mutates(),
        Command::locked(
            "show ip fib",
            "show ip fib [summary] [table <table-id>] [index <fib-id>] [<ip4-addr>[/<mask>]] [detail]",
            show_ip_fib,
        )
        .args(SHOW_ARGS)
        .json(show_ip_fib_json),
        Command::locked(
            "show ip6 fib",
            "show ip6 fib [summary] [table <table-id>] [index <fib-id>] [<ip6-addr>[/<width>]] [detail]",
            show_ip6_fib,
        )
        .args(SHOW_ARGS)
        .json(show_ip6_fib_json),
    ]
}
