//! IPv4 routes and the FIB (VPP's `src/vnet/ip/lookup.c`).
//!
//! ```text
//! ip route [add|del] <dst-ip-addr>/<width> [via <next-hop-address> [<next-hop-interface>]]
//! show ip fib
//! ```
//!
//! One path per prefix, table 0 only; `del` without `via` deletes the
//! prefix. `count`, `table`, weights, preferences, labels and IPv6 are not
//! supported (the words are refused as unknown input).

use std::net::Ipv4Addr;

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};
use crate::fib::Prefix;

fn ip_route(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut del = false;
    if input.keyword("del") || input.keyword("delete") {
        del = true;
    } else {
        let _ = input.keyword("add");
    }
    let Some((addr, len)) = input.ipv4_prefix() else {
        return Err(CmdError::failed(
            "expected ip4/ip6 destination address/length.",
        ));
    };
    let prefix = Prefix::new(addr, len)
        .ok_or_else(|| CmdError::failed("expected ip4/ip6 destination address/length."))?;
    let mut via: Option<Ipv4Addr> = None;
    let mut interface = None;
    if input.keyword("via") {
        via = input.ipv4();
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
    match (del, via) {
        (false, None) => Err(CmdError::failed("expected paths.")),
        (_, via) => {
            st.config.ip_route_add_del(
                prefix,
                via.unwrap_or(Ipv4Addr::UNSPECIFIED),
                interface,
                del,
            )?;
            Ok(String::new())
        }
    }
}

fn show_ip_fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    Ok(st.config.format_ip_fib())
}

/// The commands of this module.
pub fn commands() -> Vec<Command> {
    const ARGS: &[Arg] = &[
        Arg::Keyword("add", "add a route (default)"),
        Arg::Keyword("del", "delete a route"),
        Arg::Value("<prefix>", "destination a.b.c.d/len"),
        Arg::Keyword("via", "next hop address [interface]"),
    ];
    vec![
        Command::locked(
            "ip route",
            "ip route [add|del] <dst-ip-addr>/<width> via <next-hop-address> [<next-hop-interface>]",
            ip_route,
        )
        .args(ARGS)
        .mutates(),
        Command::locked("show ip fib", "show ip fib", show_ip_fib),
    ]
}
