//! VXLAN commands (VPP's `src/plugins/vxlan/vxlan.c`).
//!
//! ```text
//! create vxlan tunnel src <local-vtep-addr> {dst <remote-vtep-addr>|group <mcast-vtep-addr> <intf-name>}
//!     vni <nn> [instance <id>] [encap-vrf-id <nn>] [decap-next [l2|node <name>]] [del] [l3]
//!     [src_port <local-vtep-udp-port>] [dst_port <remote-vtep-udp-port>]
//! show vxlan tunnel [raw]
//! set vxlan fastpath enable|disable      (weft's own)
//! show vxlan fastpath                    (weft's own)
//! set vxlan xdp-fastpath [<interface>] enable|disable   (weft's own)
//! show vxlan xdp-fastpath                (weft's own)
//! ```
//!
//! Keywords come in any order; every check of VPP's CLI runs, in VPP's
//! order, before weft's own limits (IPv4 unicast only, table 0, decap to
//! `l2-input`, no `l3`), then [`Config::vxlan_add_del`](crate::Config::vxlan_add_del).

use std::net::IpAddr;

use serde_json::{Value, json};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input, parse_u32};
use crate::vxlan::{TunnelConfig, VxlanArgs, VxlanError};

/// `decap-next` as given.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DecapNext {
    /// `l2` (the default, `l2-input`).
    L2,
    /// `node <name>` naming an existing node other than `l2-input`.
    Other(String),
    /// A node that does not exist, or a number.
    NotFound,
}

/// `create vxlan tunnel` as parsed, before any check.
#[derive(Clone, Debug)]
struct Parsed {
    del: bool,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    group: Option<(IpAddr, Option<u32>)>,
    vni: Option<u32>,
    instance: Option<u32>,
    decap_next: DecapNext,
    l3: bool,
    src_port: Option<u16>,
    dst_port: Option<u16>,
}

fn parse(st: &State, input: &mut Input<'_>) -> Result<Parsed, CmdError> {
    let mut p = Parsed {
        del: false,
        src: None,
        dst: None,
        group: None,
        vni: None,
        instance: None,
        decap_next: DecapNext::L2,
        l3: false,
        src_port: None,
        dst_port: None,
    };
    let nodes: Vec<&'static str> = st
        .runtime
        .workers()
        .first()
        .map(|w| w.stats.node_infos.iter().map(|i| i.name).collect())
        .unwrap_or_default();
    let ip = |w: &str| w.parse::<IpAddr>().ok();
    let port = |w: &str| parse_u32(w).and_then(|n| u16::try_from(n).ok());
    while !input.at_end() {
        let at = input.save();
        let w = input.word().unwrap_or_default();
        let ok = match w {
            "del" => {
                p.del = true;
                true
            }
            "l3" => {
                p.l3 = true;
                true
            }
            "instance" => input.u32().map(|n| p.instance = Some(n)).is_some(),
            "src" => input.parse(ip).map(|a| p.src = Some(a)).is_some(),
            "dst" => input.parse(ip).map(|a| p.dst = Some(a)).is_some(),
            "group" => match (input.parse(ip), input.word()) {
                (Some(a), Some(ifname)) => {
                    p.group = Some((a, super::grammar::lookup_interface(&st.config, ifname)));
                    p.dst = Some(a);
                    true
                }
                _ => false,
            },
            "encap-vrf-id" => match input.u32() {
                Some(0) => true,
                Some(n) => {
                    return Err(CmdError::Failed(format!("nonexistent encap-vrf-id {n}")));
                }
                None => false,
            },
            "decap-next" => {
                if input.keyword("l2") {
                    p.decap_next = DecapNext::L2;
                    true
                } else if input.keyword("node") {
                    match input.word() {
                        Some("l2-input") => {
                            p.decap_next = DecapNext::L2;
                            true
                        }
                        Some(n) if nodes.contains(&n) => {
                            p.decap_next = DecapNext::Other(n.to_string());
                            true
                        }
                        Some(_) => {
                            p.decap_next = DecapNext::NotFound;
                            true
                        }
                        None => false,
                    }
                } else if input.u32().is_some() {
                    p.decap_next = DecapNext::NotFound;
                    true
                } else {
                    false
                }
            }
            "vni" => input.u32().map(|n| p.vni = Some(n)).is_some(),
            "src_port" => input.parse(port).map(|n| p.src_port = Some(n)).is_some(),
            "dst_port" => input.parse(port).map(|n| p.dst_port = Some(n)).is_some(),
            _ => false,
        };
        if !ok {
            input.restore(at);
            return Err(CmdError::Failed(format!("parse error: '{}'", input.rest())));
        }
    }
    Ok(p)
}

/// VPP's CLI checks in VPP's order, then weft's limits; the backend
/// arguments if all pass.
fn check(p: &Parsed) -> Result<VxlanArgs, CmdError> {
    let fail = |m: &str| Err(CmdError::failed(m));
    let Some(src) = p.src else {
        return Err(VxlanError::SrcNotSpecified.into());
    };
    let Some(dst) = p.dst else {
        return Err(VxlanError::DstNotSpecified.into());
    };
    if let Some((g, _)) = p.group
        && !g.is_multicast()
    {
        return fail("tunnel group address not multicast");
    }
    if p.group.is_none() && dst.is_multicast() {
        return Err(VxlanError::DstNotUnicast.into());
    }
    if let Some((_, None)) = p.group {
        return fail("tunnel nonexistent multicast device");
    }
    if src.is_ipv4() != dst.is_ipv4() {
        return fail("both IPv4 and IPv6 addresses specified");
    }
    if src == dst {
        return Err(VxlanError::SrcDstIdentical.into());
    }
    if p.decap_next == DecapNext::NotFound {
        return fail("next node not found");
    }
    match p.vni {
        None | Some(0) => return Err(VxlanError::VniNotSpecified.into()),
        Some(v) if v >> 24 != 0 => return Err(VxlanError::VniOutOfRange(v).into()),
        Some(_) => {}
    }
    // weft's limits.
    if p.group.is_some() {
        return fail("multicast (group) tunnels are not supported by weft");
    }
    if p.l3 {
        return fail("l3 tunnels are not supported by weft");
    }
    if let DecapNext::Other(n) = &p.decap_next {
        return Err(CmdError::Failed(format!(
            "decap-next node {n} is not supported by weft (only l2)"
        )));
    }
    Ok(VxlanArgs {
        is_add: !p.del,
        src: Some(src),
        dst: Some(dst),
        vni: p.vni,
        instance: p.instance,
        src_port: p.src_port,
        dst_port: p.dst_port,
    })
}

fn create_vxlan_tunnel(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let parsed = parse(st, input)?;
    let args = check(&parsed)?;
    match st.config.vxlan_add_del(&args)? {
        Some(sw) => {
            st.zero_if_counters(sw);
            let name = st
                .config
                .interface(sw)
                .map(|i| i.name.clone())
                .unwrap_or_default();
            Ok(format!("{name}\n"))
        }
        None => Ok(String::new()),
    }
}

/// One `show vxlan tunnel` line (`format_vxlan_tunnel`), with its
/// trailing space. weft has no DPOs: `encap-dpo-idx` is the tunnel's pool
/// index (each tunnel owns its encap rewrite), `fib-idx` is always 0.
pub fn format_tunnel(t: &TunnelConfig) -> String {
    format!(
        "[{}] instance {} src {} dst {} src_port {} dst_port {} vni {} fib-idx 0 sw-if-idx {} encap-dpo-idx {} ",
        t.index, t.instance, t.src, t.dst, t.src_port, t.dst_port, t.vni, t.sw_if_index, t.index
    )
}

fn show_vxlan_tunnel(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let raw = input.keyword("raw");
    input.end()?;
    if st.config.tunnels().next().is_none() {
        return Ok("No vxlan tunnels configured...\n".into());
    }
    let mut s = String::new();
    for t in st.config.tunnels() {
        s.push_str(&format_tunnel(t));
        s.push('\n');
    }
    if raw {
        s.push_str("decap keys (remote, local, udp port, vni -> tunnel):\n");
        for t in st.config.tunnels() {
            s.push_str(&format!(
                "  {} {} {} {} -> {}\n",
                t.dst, t.src, t.src_port, t.vni, t.index
            ));
        }
    }
    Ok(s)
}

fn show_vxlan_tunnel_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.keyword("raw");
    input.end()?;
    let tables = st.config.tables().load();
    Ok(Value::Array(
        st.config
            .tunnels()
            .map(|t| {
                let resolved = tables.tunnel(t.index).is_some_and(|x| x.encap.is_some());
                json!({
                    "index": t.index,
                    "instance": t.instance,
                    "name": t.name(),
                    "src": t.src.to_string(),
                    "dst": t.dst.to_string(),
                    "src_port": t.src_port,
                    "dst_port": t.dst_port,
                    "vni": t.vni,
                    "fib_index": 0,
                    "sw_if_index": t.sw_if_index,
                    "encap_resolved": resolved,
                })
            })
            .collect(),
    ))
}

/// `set vxlan fastpath enable|disable`: whether input nodes hand vectors to
/// vxlan4-fastpath (weft's own command; see docs/design.md).
fn set_vxlan_fastpath(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let on = if input.keyword("enable") {
        true
    } else if input.keyword("disable") {
        false
    } else if input.at_end() {
        return Err(CmdError::failed("expected enable or disable"));
    } else {
        return Err(input.end().expect_err("input is left"));
    };
    input.end()?;
    st.config.set_vxlan4_fastpath(on);
    Ok(String::new())
}

/// Packets vxlan4-fastpath took, summed over workers.
fn fastpath_packets(st: &State) -> u64 {
    st.runtime
        .workers()
        .iter()
        .map(|w| {
            w.stats
                .node_infos
                .iter()
                .position(|i| i.name == "vxlan4-fastpath")
                .map_or(0, |n| w.stats.nodes[n].vectors.get())
        })
        .sum()
}

/// `show vxlan fastpath`: on or off, and the packets it took.
fn show_vxlan_fastpath(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    Ok(format!(
        "vxlan4-fastpath: {}, {} packets\n",
        if st.config.vxlan4_fastpath() {
            "enabled"
        } else {
            "disabled"
        },
        fastpath_packets(st)
    ))
}

fn show_vxlan_fastpath_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    Ok(json!({
        "enabled": st.config.vxlan4_fastpath(),
        "packets": fastpath_packets(st),
    }))
}

/// `set vxlan xdp-fastpath [<interface>] enable|disable`: whether weft's
/// XDP program forwards established cross-connects in the kernel, on every
/// interface or on one (weft's own command; docs/af_xdp.md).
fn set_vxlan_xdp_fastpath(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut sw_if_index = None;
    let mut on = None;
    while !input.at_end() {
        if input.keyword("enable") {
            on = Some(true);
        } else if input.keyword("disable") {
            on = Some(false);
        } else if sw_if_index.is_none()
            && let Some(sw) = input.interface(&st.config)
        {
            sw_if_index = Some(sw);
        } else {
            return Err(input.end().expect_err("input is left"));
        }
    }
    let Some(on) = on else {
        return Err(CmdError::failed("expected enable or disable"));
    };
    st.config.set_xdp_fastpath(sw_if_index, on)?;
    Ok(String::new())
}

/// `show vxlan xdp-fastpath`: the switches, then each AF_XDP interface's
/// state and counts.
fn show_vxlan_xdp_fastpath(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let x = st.config.xdp_fastpath();
    let mut s = format!(
        "xdp-fastpath: {}\n",
        if x.enabled { "enabled" } else { "disabled" }
    );
    for u in st.runtime.xdp_fastpath() {
        let state = match u.off {
            Some(why) => format!("off ({why})"),
            None => format!("on, {} flows", u.flows),
        };
        s.push_str(&format!("{}: {state}\n", uplink_name(st, u.sw_if_index)));
        s.push_str(&format!(
            "  netdev {} ifindex {}: forwarded in the kernel {}, fell back to the graph for want of XDP transmit {} times\n",
            u.host_if, u.ifindex, u.forwarded, u.fallbacks
        ));
    }
    Ok(s)
}

fn uplink_name(st: &State, sw: u32) -> String {
    st.config
        .interface(sw)
        .map_or_else(|| sw.to_string(), |i| i.name.clone())
}

fn show_vxlan_xdp_fastpath_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    input.end()?;
    let uplinks: Vec<Value> = st
        .runtime
        .xdp_fastpath()
        .iter()
        .map(|u| {
            json!({
                "interface": uplink_name(st, u.sw_if_index),
                "sw_if_index": u.sw_if_index,
                "host_if": u.host_if,
                "ifindex": u.ifindex,
                "on": u.off.is_none(),
                "off_reason": u.off,
                "flows": u.flows,
                "forwarded": u.forwarded,
                "fallbacks": u.fallbacks,
            })
        })
        .collect();
    Ok(json!({
        "enabled": st.config.xdp_fastpath().enabled,
        "interfaces": uplinks,
    }))
}

/// The VXLAN commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked(
            "set vxlan xdp-fastpath",
            "set vxlan xdp-fastpath [<interface>] enable|disable",
            set_vxlan_xdp_fastpath,
        )
        .args(&[
            Arg::Interface,
            Arg::Keyword(
                "enable",
                "established cross-connects forwarded by weft's XDP program (default)",
            ),
            Arg::Keyword("disable", "every packet to weft's socket and graph"),
        ])
        .mutates(),
        Command::locked(
            "show vxlan xdp-fastpath",
            "show vxlan xdp-fastpath",
            show_vxlan_xdp_fastpath,
        )
        .json(show_vxlan_xdp_fastpath_json),
        Command::locked(
            "set vxlan fastpath",
            "set vxlan fastpath enable|disable",
            set_vxlan_fastpath,
        )
        .args(&[
            Arg::Keyword(
                "enable",
                "VXLAN cross-connected to VXLAN in one node (default)",
            ),
            Arg::Keyword("disable", "every packet through the node path, as VPP"),
        ])
        .mutates(),
        Command::locked(
            "show vxlan fastpath",
            "show vxlan fastpath",
            show_vxlan_fastpath,
        )
        .json(show_vxlan_fastpath_json),
        Command::locked(
            "create vxlan tunnel",
            "create vxlan tunnel src <local-vtep-addr> {dst <remote-vtep-addr>|group <mcast-vtep-addr> <intf-name>} vni <nn> [instance <id>] [encap-vrf-id <nn>] [decap-next [l2|node <name>]] [del] [l3] [src_port <local-vtep-udp-port>] [dst_port <remote-vtep-udp-port>]",
            create_vxlan_tunnel,
        )
        .args(&[
            Arg::Keyword("src", "local VTEP address"),
            Arg::Keyword("dst", "remote VTEP address"),
            Arg::Keyword("vni", "VXLAN network identifier, 1..16777215"),
            Arg::Keyword("instance", "number in the name vxlan_tunnel<N>"),
            Arg::Keyword("src_port", "local UDP port (default 4789)"),
            Arg::Keyword("dst_port", "remote UDP port (default 4789)"),
            Arg::Keyword("encap-vrf-id", "underlay table (0 only)"),
            Arg::Keyword("decap-next", "l2 only"),
            Arg::Keyword("del", "delete the tunnel with this key"),
        ])
        .mutates(),
        Command::locked(
            "show vxlan tunnel",
            "show vxlan tunnel [raw]",
            show_vxlan_tunnel,
        )
        .args(&[Arg::Keyword("raw", "also the decap keys")])
        .json(show_vxlan_tunnel_json),
    ]
}
