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

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};

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

fn show_ip6_interface(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    if input.at_end() {
        let mut s = String::new();
        let enabled: Vec<u32> = st
            .config
            .interfaces()
            .map(|i| i.sw_if_index)
            .filter(|&sw| st.config.ip6_interface(sw).is_some())
            .collect();
        for sw in enabled {
            s.push_str(&st.config.format_ip6_interface(sw)?);
        }
        return Ok(s);
    }
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown input `{}'",
            input.rest()
        )));
    };
    input.end()?;
    Ok(st.config.format_ip6_interface(sw)?)
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
        .args(&[Arg::Interface]),
    ]
}
