//! 802.1Q sub-interface commands (VPP's syntax and messages; the model is
//! [`crate::subif`]):
//!
//! ```text
//! create sub-interfaces <interface> <id> [dot1q <vlan> exact-match]
//! delete sub-interface <interface>
//! ```

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};

/// VPP's message for what does not parse as a sub-interface.
fn expected_id(input: &Input<'_>) -> CmdError {
    CmdError::Failed(format!("expected ID or ID MIN-MAX, got `{}'", input.rest()))
}

fn create_sub_interfaces(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(parent) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    // VPP's forms weft does not have are refused by name.
    let unsupported = |what: &str| {
        Err(CmdError::Failed(format!(
            "{what} sub-interfaces are not supported by weft (one dot1q tag, exact-match)"
        )))
    };
    if input.peek().is_some_and(|w| w.contains('-')) {
        return unsupported("ranges of");
    }
    let Some(id) = input.u32() else {
        return Err(expected_id(input));
    };
    let mut vlan = None;
    if input.keyword("dot1q") {
        if input.keyword("any") {
            return unsupported("dot1q any");
        }
        let Some(v) = input.u32() else {
            return Err(CmdError::Failed(format!(
                "expected dot1q config, got `{}'",
                input.rest()
            )));
        };
        if input.keyword("inner-dot1q") {
            return unsupported("QinQ (inner-dot1q)");
        }
        if !input.keyword("exact-match") {
            return Err(CmdError::failed(
                "sub-interface without exact-match doesn't support IP addressing, and weft's \
                 sub-interfaces are L3 only: add exact-match",
            ));
        }
        vlan = Some(v);
    } else if input.keyword("dot1ad") {
        return unsupported("dot1ad");
    } else if input.keyword("default") {
        return unsupported("default");
    } else if input.keyword("untagged") {
        return unsupported("untagged");
    }
    input.end()?;
    let existed = st
        .config
        .sub_interfaces_of(parent)
        .any(|i| i.sub().is_some_and(|s| s.id == id));
    let sw = st.config.create_sub_interface(parent, id, vlan)?;
    if existed {
        // VPP's CLI skips an existing id without a word.
        return Ok(String::new());
    }
    Ok(st.created(sw))
}

fn delete_sub_interface(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::failed("interface doesn't exist"));
    };
    input.end()?;
    st.config.delete_sub_interface(sw)?;
    Ok(String::new())
}

/// The sub-interface commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "create sub-interfaces",
            "create sub-interfaces <interface> {<subId> [default|untagged]} | {<subId>-<subId>} | \
             {<subId> dot1q|dot1ad <vlanId>|any [inner-dot1q <vlanId>|any] [exact-match]}",
            create_sub_interfaces,
        )
        .args(&[
            Arg::Interface,
            Arg::Value("<subId>", "the number after the dot in its name"),
            Arg::Keyword("dot1q", "the VLAN id (default: the subId)"),
            Arg::Keyword("exact-match", "exactly one tag (weft's only kind)"),
        ])
        .mutates(),
        Command::locked(
            "delete sub-interface",
            "delete sub-interface <interface>",
            delete_sub_interface,
        )
        .args(&[Arg::Interface])
        .mutates(),
    ]
}
