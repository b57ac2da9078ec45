//! IPv6 interface commands (VPP's `src/vnet/ip/ip6_link.c`; the model is
//! [`crate::ip6`]):
//!
//! ```text
//! enable ip6 interface <interface>
//! disable ip6 interface <interface>
//! show ip6 interface [<interface>]
//! ```
//!
//! Addresses are set with `set interface ip address` (cli/interface.rs).

use serde_json::{Value, json};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};
use crate::ip6::{Ip6Link, Ipv6Cidr};

/// VPP's message when no interface is named (sic, its quote).
fn unknown_interface(input: &Input<'_>) -> CmdError {
    CmdError::Failed(format!("unknown interface\n'{}'", input.rest()))
}

fn enable(st: &mut State, input: &mut Input<'_>, on: bool) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(unknown_interface(input));
    };
    input.end()?;
    st.config.enable_ip6(sw, on)?;
    Ok(String::new())
}

fn enable_ip6(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    enable(st, input, true)
}

fn disable_ip6(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    enable(st, input, false)
}

/// `show ip6 interface [<interface>]`: every interface IPv6 is enabled
/// on, or the one named, as (sw_if_index, its IPv6 state if enabled).
fn ip6_links(st: &State, input: &mut Input<'_>) -> Result<Vec<(u32, Option<Ip6Link>)>, CmdError> {
    let list: Vec<u32> = if input.at_end() {
        st.config
            .interfaces()
            .map(|i| i.sw_if_index)
            .filter(|&sw| st.config.ip6_interface(sw).is_some())
            .collect()
    } else {
        let Some(sw) = input.interface(&st.config) else {
            return Err(CmdError::Failed(format!(
                "unknown input `{}'",
                input.rest()
            )));
        };
        input.end()?;
        vec![sw]
    };
    list.into_iter()
        .map(|sw| Ok((sw, st.config.ip6_link(sw)?)))
        .collect()
}

fn show_ip6_interface(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    Ok(ip6_links(st, input)?
        .into_iter()
        .map(|(_, l)| l.map_or_else(|| "IP6 disabled\n".to_string(), |l| l.text()))
        .collect())
}

fn show_ip6_interface_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let strings = |v: &[Ipv6Cidr]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    Ok(ip6_links(st, input)?
        .into_iter()
        .map(|(sw, l)| match l {
            None => json!({
                "name": st.config.interface(sw).map(|i| i.name.clone()),
                "sw_if_index": sw,
                "enabled": false,
            }),
            Some(l) => json!({
                "name": l.name,
                "sw_if_index": l.sw_if_index,
                "enabled": true,
                "admin_up": l.admin_up,
                "local_unicast": strings(&l.local),
                "global_unicast": strings(&l.global),
                "link_local": l.link_local.to_string(),
                "joined_groups": l.groups.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "neighbor_discovery": true,
                "icmp_redirects": false,
                "icmp_unreachables": false,
                "dad": false,
                "mtu": l.mtu,
            }),
        })
        .collect())
}

/// The IPv6 interface commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "enable ip6 interface",
            "enable ip6 interface <interface>",
            enable_ip6,
        )
        .args(&[Arg::Interface])
        .mutates(),
        Command::locked(
            "disable ip6 interface",
            "disable ip6 interface <interface>",
            disable_ip6,
        )
        .args(&[Arg::Interface])
        .mutates(),
        Command::locked(
            "show ip6 interface",
            "show ip6 interface <interface>",
            show_ip6_interface,
        )
        .args(&[Arg::Interface])
        .json(show_ip6_interface_json),
    ]
}
