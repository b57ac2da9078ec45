//! IPv4 and IPv6 routes and the FIBs (VPP's `src/vnet/ip/lookup.c`).
//!
//! ```text
//! ip route [add|del] <dst-ip-addr>/<width> [via <next-hop-address> [<next-hop-interface>]]
//! show ip fib
//! show ip6 fib
//! ```
//!
//! One path per prefix, table 0 only; `del` without `via` deletes the
//! prefix; the next hop is of the prefix's family. `count`, `table`,
//! weights, preferences and labels are not supported (the words are
//! refused as unknown input).

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

fn show_ip_fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    Ok(st.config.format_ip_fib())
}

fn show_ip6_fib(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    Ok(st.config.format_ip6_fib())
}

/// The commands of this module.
pub fn commands() -> Vec<Command> {
    const ARGS: &[Arg] = &[
        Arg::Keyword("add", "add a route (default)"),
        Arg::Keyword("del", "delete a route"),
        Arg::Value("<prefix>", "destination a.b.c.d/len or x:x::x/len"),
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
        Command::locked("show ip6 fib", "show ip6 fib", show_ip6_fib),
    ]
}
