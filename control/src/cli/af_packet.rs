//! AF_PACKET interfaces (VPP's `src/plugins/af_packet/cli.c`).
//!
//! ```text
//! create host-interface [v2] name <ifname> [num-rx-queues <n>] [num-tx-queues <n>]
//!     [hw-addr <mac>] [mode ip] [qdisc-bypass-disable] [cksum-gso-disable]
//!     [rx-size <n>] [tx-size <n>] [rx-per-block <n>] [tx-per-block <n>]
//! delete host-interface name <ifname>
//! ```
//!
//! The interface is named `host-<ifname>`. Every number is checked here,
//! once, by `dataplane::io::af_packet::Config::new`, and reaches the
//! sockets in that form.

use dataplane::io::af_packet::{self, HostIf, Options, Version};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};
use crate::device::{AfPacketArgs, DeviceArgs};
use crate::interface::InterfaceKind;

fn unknown(input: &Input<'_>) -> CmdError {
    CmdError::Failed(format!("unknown input `{}'", input.rest()))
}

/// `create host-interface` arguments, as VPP's CLI reads them.
fn parse_create(input: &mut Input<'_>) -> Result<AfPacketArgs, CmdError> {
    let mut name = None;
    let mut opts = Options::default();
    let mut tx_queues = 1u32;
    let mut hw_addr = None;
    while !input.at_end() {
        let at = input.save();
        let w = input.word().unwrap_or_default();
        let number = |input: &mut Input<'_>| match input.u32() {
            Some(n) => Ok(n),
            None => {
                input.restore(at);
                Err(unknown(input))
            }
        };
        match w {
            "name" => match input.word() {
                Some(v) => name = Some(v.to_string()),
                None => {
                    input.restore(at);
                    return Err(unknown(input));
                }
            },
            "v2" => opts.version = Version::V2,
            "rx-size" => opts.rx_frame_size = Some(number(input)?),
            "tx-size" => opts.tx_frame_size = Some(number(input)?),
            "rx-per-block" => opts.rx_frames_per_block = Some(number(input)?),
            "tx-per-block" => opts.tx_frames_per_block = Some(number(input)?),
            "num-rx-queues" => {
                opts.rx_queues = u16::try_from(number(input)?).unwrap_or(u16::MAX);
            }
            "num-tx-queues" => tx_queues = number(input)?,
            "qdisc-bypass-disable" => opts.qdisc_bypass = false,
            "cksum-gso-disable" => opts.cksum_gso = false,
            "mode" => {
                if input.keyword("ip") {
                    return Err(CmdError::failed(
                        "mode ip is not supported by weft: a host-interface carries Ethernet frames",
                    ));
                }
                input.restore(at);
                return Err(unknown(input));
            }
            "hw-addr" => match input.mac() {
                Some(m) => hw_addr = Some(m),
                None => {
                    input.restore(at);
                    return Err(unknown(input));
                }
            },
            _ => {
                input.restore(at);
                return Err(unknown(input));
            }
        }
    }
    let Some(host_if) = name else {
        return Err(CmdError::failed("missing host interface name"));
    };
    let socket =
        af_packet::Config::new(HostIf::Name(host_if.clone()), &opts).map_err(CmdError::failed)?;
    if tx_queues == 0 || tx_queues > u32::from(socket.rx_queues()) {
        return Err(CmdError::Failed(format!(
            "num-tx-queues {tx_queues}: must be between 1 and num-rx-queues ({}): each worker \
             transmits through the socket of the queue it polls",
            socket.rx_queues()
        )));
    }
    Ok(AfPacketArgs {
        host_if,
        socket,
        tx_queues: tx_queues as u16,
        hw_addr,
    })
}

fn create(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let args = DeviceArgs::AfPacket(parse_create(input)?);
    st.create_device(&args)?;
    Ok(format!("{}\n", args.name()))
}

fn delete(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut name = None;
    while !input.at_end() {
        let at = input.save();
        if input.keyword("name")
            && let Some(n) = input.word()
        {
            name = Some(n.to_string());
            continue;
        }
        input.restore(at);
        return Err(unknown(input));
    }
    let Some(host_if) = name else {
        return Err(CmdError::failed("missing host interface name"));
    };
    let sw = st
        .config
        .interface_index(&format!("host-{host_if}"))
        .filter(|&sw| st.config.interface(sw).map(|i| i.kind) == Some(InterfaceKind::AfPacket))
        .ok_or_else(|| CmdError::Failed(format!("no host-interface on `{host_if}'")))?;
    st.delete_device(sw)?;
    Ok(String::new())
}

/// The AF_PACKET commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "create host-interface",
            "create host-interface [v2] name <ifname> [num-rx-queues <n>] [num-tx-queues <n>] [hw-addr <mac-addr>] [mode ip] [qdisc-bypass-disable] [cksum-gso-disable]",
            create,
        )
        .args(&[
            Arg::Keyword("name", "Linux interface"),
            Arg::Keyword("v2", "TPACKET_V2 rings (default V3)"),
            Arg::Keyword("num-rx-queues", "sockets in a fanout group, one per worker"),
            Arg::Keyword("num-tx-queues", "at most num-rx-queues"),
            Arg::Keyword("hw-addr", "MAC address (default 02:fe:...)"),
            Arg::Keyword("qdisc-bypass-disable", "send through the qdisc"),
            Arg::Keyword("cksum-gso-disable", "no virtio-net header"),
            Arg::Keyword("rx-size", "rx frame size"),
            Arg::Keyword("tx-size", "tx frame size"),
            Arg::Keyword("rx-per-block", "rx frames per block"),
            Arg::Keyword("tx-per-block", "tx frames per block"),
        ])
        .mutates(),
        Command::locked(
            "delete host-interface",
            "delete host-interface name <ifname>",
            delete,
        )
        .args(&[Arg::Keyword("name", "Linux interface")])
        .mutates(),
    ]
}
