//! AF_XDP interfaces (VPP's `src/plugins/af_xdp/cli.c`).
//!
//! ```text
//! create interface af_xdp host-if <ifname> [name <name>] [rx-queue-size <n>]
//!     [tx-queue-size <n>] [num-rx-queues <n>|all] [zero-copy|no-zero-copy]
//! delete interface af_xdp <interface> | sw_if_index <n>
//! ```

use dataplane::io::af_xdp::RingSize;

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};
use crate::device::{AfXdpArgs, DeviceArgs};
use crate::interface::InterfaceKind;

/// `create interface af_xdp` arguments, as VPP's
/// `unformat_af_xdp_create_if_args` reads them.
fn parse_af_xdp(input: &mut Input<'_>) -> Result<AfXdpArgs, CmdError> {
    let mut a = AfXdpArgs::default();
    let unknown = |input: &Input<'_>| CmdError::Failed(format!("unknown input `{}'", input.rest()));
    while !input.at_end() {
        let at = input.save();
        let w = input.word().unwrap_or_default();
        match w {
            "host-if" => match input.word() {
                Some(v) => a.host_if = v.to_string(),
                None => {
                    input.restore(at);
                    return Err(unknown(input));
                }
            },
            "name" => match input.word() {
                Some(v) => a.name = Some(v.to_string()),
                None => {
                    input.restore(at);
                    return Err(unknown(input));
                }
            },
            "rx-queue-size" | "tx-queue-size" => match input.u32() {
                Some(n) => {
                    // Checked here, once: the size goes down to the
                    // socket in this form.
                    let size = RingSize::new(n).map_err(CmdError::failed)?;
                    if w == "rx-queue-size" {
                        a.rx_queue_size = size;
                    } else {
                        a.tx_queue_size = size;
                    }
                }
                None => {
                    input.restore(at);
                    return Err(unknown(input));
                }
            },
            "num-rx-queues" => {
                if input.keyword("all") {
                    a.num_rx_queues = None;
                } else if let Some(n) = input.u32() {
                    a.num_rx_queues = Some(n);
                } else {
                    input.restore(at);
                    return Err(unknown(input));
                }
            }
            "zero-copy" => a.zero_copy = Some(true),
            "no-zero-copy" => a.zero_copy = Some(false),
            _ => {
                input.restore(at);
                return Err(unknown(input));
            }
        }
    }
    Ok(a)
}

fn create_af_xdp(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let args = parse_af_xdp(input)?;
    if args.host_if.is_empty() {
        return Err(CmdError::failed("missing host interface"));
    }
    st.create_device(&DeviceArgs::AfXdp(args))?;
    Ok(String::new())
}

fn delete_af_xdp(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut sw = None;
    while !input.at_end() {
        if let Some(n) = input.keyword_u32("sw_if_index") {
            sw = Some(n);
        } else if let Some(i) = input.interface(&st.config) {
            sw = Some(i);
        } else {
            return Err(CmdError::Failed(format!(
                "unknown input `{}'",
                input.rest()
            )));
        }
    }
    let Some(sw) = sw else {
        return Err(CmdError::failed(
            "please specify interface name or sw_if_index",
        ));
    };
    if st.config.interface(sw).map(|i| i.kind) != Some(InterfaceKind::AfXdp) {
        return Err(CmdError::failed("not an AVF interface"));
    }
    st.delete_device(sw)?;
    Ok(String::new())
}

/// The AF_XDP commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "create interface af_xdp",
            "create interface af_xdp host-if <linux-ifname> [name ifname] [rx-queue-size size] [tx-queue-size size] [num-rx-queues <num|all>] [zero-copy|no-zero-copy]",
            create_af_xdp,
        )
        .args(&[
            Arg::Keyword("host-if", "Linux interface"),
            Arg::Keyword("name", "weft interface name"),
            Arg::Keyword("rx-queue-size", "power of two, 256..65535"),
            Arg::Keyword("tx-queue-size", "power of two, 256..65535"),
            Arg::Keyword("num-rx-queues", "<n> or all"),
            Arg::Keyword("zero-copy", "force zero-copy"),
            Arg::Keyword("no-zero-copy", "force copy mode"),
        ])
        .mutates(),
        Command::locked(
            "delete interface af_xdp",
            "delete interface af_xdp {<interface> | sw_if_index <sw_idx>}",
            delete_af_xdp,
        )
        .args(&[Arg::Interface, Arg::Keyword("sw_if_index", "by index")])
        .mutates(),
    ]
}
