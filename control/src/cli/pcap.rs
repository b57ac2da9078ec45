//! Packet capture to a pcap file (VPP's `pcap trace`,
//! `src/vnet/interface_cli.c`).
//!
//! ```text
//! pcap trace [rx] [tx] [drop] [off] [max <nn>] [intfc <interface>|any]
//!            [file <name>] [status] [max-bytes-per-pkt <nnnn>]
//! ```
//!
//! Words are read left to right as VPP reads them (`off` clears the rx,
//! tx and drop seen before it). With `status`, the state; with any of
//! rx/tx/drop, a new capture; otherwise (`off`, or nothing), the capture
//! stops and its file is written. Files go to `/tmp/<name>` (a name with
//! `/` or `..` is refused, as VPP refuses it), by default
//! `/tmp/<rx|tx|drop...>.pcap`. VPP's `filter` and `error <name>` are not
//! supported (refused as unknown input); `preallocate-data` and
//! `free-data` are accepted and change nothing (weft always preallocates
//! and frees). The design: [`dataplane::pcap`], [`crate::pcap`].

use std::path::PathBuf;

use dataplane::pcap::{DEFAULT_MAX, DEFAULT_MAX_BYTES, Points, Spec};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input, lookup_interface};

/// Where VPP writes captures.
const DIR: &str = "/tmp";

/// A file name as VPP's `unformat_vlib_tmpfile` takes it: `/tmp/<name>`,
/// none with `..` or `/`.
fn tmpfile(name: &str) -> Option<PathBuf> {
    (!name.contains("..") && !name.contains('/')).then(|| PathBuf::from(DIR).join(name))
}

/// What the command line asked for.
#[derive(Debug, Default)]
struct Request {
    points: Points,
    status: bool,
    max: Option<u32>,
    max_bytes: Option<u32>,
    file: Option<PathBuf>,
    /// `None`: any interface.
    sw_if_index: Option<u32>,
}

fn parse(st: &State, input: &mut Input<'_>) -> Result<Request, CmdError> {
    let mut r = Request::default();
    let unknown = |input: &Input<'_>| CmdError::Failed(format!("unknown input `{}'", input.rest()));
    while !input.at_end() {
        let at = input.save();
        match input.word().unwrap_or_default() {
            "rx" => r.points.rx = true,
            "tx" => r.points.tx = true,
            "drop" => r.points.drop = true,
            "off" => r.points = Points::default(),
            "status" => r.status = true,
            "preallocate-data" | "free-data" => {}
            w @ ("max-bytes-per-pkt" | "max" | "packets-to-capture") => {
                let Some(n) = input.u32() else {
                    input.restore(at);
                    return Err(unknown(input));
                };
                if w == "max-bytes-per-pkt" {
                    r.max_bytes = Some(n);
                } else {
                    r.max = Some(n);
                }
            }
            "file" => match input.parse(tmpfile) {
                Some(f) => r.file = Some(f),
                None => {
                    input.restore(at);
                    return Err(unknown(input));
                }
            },
            "intfc" | "interface" => {
                if let Some(sw) = input.parse(|w| lookup_interface(&st.config, w)) {
                    // sw_if_index 0 (local0) means any, as in VPP.
                    r.sw_if_index = Some(sw).filter(|&s| s != 0);
                } else if input.keyword("any") {
                    r.sw_if_index = None;
                } else {
                    input.restore(at);
                    return Err(unknown(input));
                }
            }
            _ => {
                input.restore(at);
                return Err(unknown(input));
            }
        }
    }
    Ok(r)
}

fn pcap_trace(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let r = parse(st, input)?;
    if r.status {
        return Ok(match st.config.pcap() {
            Some(s) => {
                let c = s.capture();
                format!(
                    "pcap {} dispatch capture enabled: {} of {} pkts...\ncapture to file {}\n",
                    c.spec().points.words(),
                    c.captured(),
                    c.spec().max,
                    s.file().display()
                )
            }
            None => "pcap dispatch capture disabled\n".to_string(),
        });
    }
    if r.points.is_empty() {
        let w = st.config.pcap_stop().map_err(CmdError::failed)?;
        return Ok(format!(
            "Write {} packets to {}, and stop capture...\n",
            w.packets,
            w.file.display()
        ));
    }
    let spec = Spec {
        points: r.points,
        sw_if_index: r.sw_if_index,
        max: r.max.unwrap_or(DEFAULT_MAX),
        max_bytes: r.max_bytes.unwrap_or(DEFAULT_MAX_BYTES),
    };
    let file = r
        .file
        .unwrap_or_else(|| PathBuf::from(format!("{DIR}/{}.pcap", r.points.stem())));
    st.config.pcap_start(spec, file).map_err(CmdError::failed)?;
    Ok(String::new())
}

/// The pcap commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "pcap trace",
            "pcap trace [rx] [tx] [drop] [off] [max <nn>] [intfc <interface>|any] [file <name>] [status] [max-bytes-per-pkt <nnnn>]",
            pcap_trace,
        )
        .args(&[
            Arg::Keyword("rx", "capture frames as received"),
            Arg::Keyword("tx", "capture frames as sent"),
            Arg::Keyword("drop", "capture dropped frames, with the reason"),
            Arg::Keyword("off", "stop and write the file"),
            Arg::Keyword("max", "packets to capture (default 1000)"),
            Arg::Keyword("intfc", "one interface, or any (default)"),
            Arg::Interface,
            Arg::Keyword("file", "file name in /tmp (default /tmp/<rx|tx|drop>.pcap)"),
            Arg::Keyword("status", "what is being captured"),
            Arg::Keyword(
                "max-bytes-per-pkt",
                "bytes kept of each packet, 32-9000 (default 512)",
            ),
        ]),
    ]
}
