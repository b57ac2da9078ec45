//! Interface commands (VPP's `src/vnet/interface_cli.c`,
//! `src/vnet/ip/ip46_cli.c`, `src/vnet/ethernet/interface.c`). Devices'
//! own commands (`create interface af_xdp`) are in [`super::af_xdp`].
//!
//! ```text
//! show interface [address|addr] [<interface> ...]
//! show hardware-interfaces [brief|verbose|detail] [<interface> ...]
//! clear interfaces
//! set interface state <interface> up|down
//! set interface ip address [del] <interface> <a.b.c.d/len> | del <interface> all
//! set interface mac address <interface> <mac>
//! set interface mtu [packet] <value> <interface>
//! create loopback interface [mac <mac>] [instance <n>]
//! delete loopback interface intfc <interface>
//! show interface rx-placement
//! set interface rx-mode <interface> [queue <n>] polling|interrupt|adaptive
//! ```

use serde_json::{Value, json};

use super::exec::State;
use super::format::{center, left};
use super::grammar::{Arg, CmdError, Command, Input};
use crate::device::DeviceDetails;
use crate::interface::{InterfaceConfig, InterfaceKind};
use crate::runtime::RxMode;
use dataplane::tables::L2Mode;

/// Interface counter names as `show interface` prints them, in VPP's
/// order, with their index in `IfCounters` and JSON name. Combined
/// counters come as (packets, bytes) pairs.
const COMBINED: [(&str, usize, usize); 2] = [("rx", 0, 1), ("tx", 2, 3)];
const SIMPLE: [(&str, usize); 8] = [
    ("drops", 4),
    ("punt", 5),
    ("ip4", 6),
    ("ip6", 7),
    ("rx-no-buf", 8),
    ("rx-miss", 9),
    ("rx-error", 10),
    ("tx-error", 11),
];

/// The `show interface` header.
pub fn show_interface_header() -> String {
    format!(
        "{}{}{}{}{}{}\n",
        center("Name", 32),
        center("Idx", 5),
        center("State", 10),
        center("MTU (L3/IP4/IP6/MPLS)", 21),
        center("Counter", 16),
        center("Count", 16)
    )
}

/// Non-zero counters in display order: (`rx packets`, value), ...
fn nonzero_counters(c: &[u64]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for (name, p, b) in COMBINED {
        if c[p] != 0 {
            out.push((format!("{name} packets"), c[p]));
            out.push((format!("{name} bytes"), c[b]));
        }
    }
    for (name, i) in SIMPLE {
        if c[i] != 0 {
            out.push((name.to_string(), c[i]));
        }
    }
    out
}

fn mtu_text(i: &InterfaceConfig) -> String {
    format!("{}/0/0/0", i.mtu)
}

fn state_word(i: &InterfaceConfig) -> &'static str {
    if i.admin_up { "up" } else { "down" }
}

/// One `show interface` row with its counters.
fn interface_row(st: &State, i: &InterfaceConfig) -> String {
    let mut s = format!(
        "{}{}{}{}",
        left(&i.name, 32),
        center(&i.sw_if_index.to_string(), 5),
        center(state_word(i), 10),
        center(&mtu_text(i), 21)
    );
    for (n, (name, v)) in nonzero_counters(&st.if_counters(i.sw_if_index))
        .into_iter()
        .enumerate()
    {
        if n > 0 {
            s.push('\n');
            s.push_str(&" ".repeat(68));
        }
        s.push_str(&format!("{}{:>16}", left(&name, 16), v));
    }
    s.push('\n');
    s
}

/// What an interface is at layer 2, for `show interface address`.
enum L2Row {
    L3,
    Xconnect {
        peer: String,
        peer_sw_if_index: u32,
    },
    Bridge {
        bd_id: u32,
        bd_index: u16,
        shg: u8,
        bvi: bool,
    },
}

/// One interface of `show interface address`, gathered once for the text
/// and the JSON.
struct AddressRow {
    name: String,
    sw_if_index: u32,
    admin_up: bool,
    l2: L2Row,
    ip4: Vec<String>,
    ip6: Vec<String>,
}

fn address_row(st: &State, i: &InterfaceConfig) -> AddressRow {
    let l2 = match i.l2 {
        L2Mode::L3 => L2Row::L3,
        L2Mode::Xconnect { peer } => L2Row::Xconnect {
            peer: st
                .config
                .interface(peer)
                .map_or_else(|| peer.to_string(), |p| p.name.clone()),
            peer_sw_if_index: peer,
        },
        L2Mode::Bridge { bd, shg, bvi, .. } => L2Row::Bridge {
            bd_id: st.config.bridge_domain_by_index(bd).map_or(0, |b| b.bd_id),
            bd_index: bd,
            shg,
            bvi,
        },
    };
    AddressRow {
        name: i.name.clone(),
        sw_if_index: i.sw_if_index,
        admin_up: i.admin_up,
        l2,
        ip4: i.ip4.iter().map(ToString::to_string).collect(),
        ip6: st
            .config
            .ip6_interface(i.sw_if_index)
            .map(|v6| v6.addresses.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
    }
}

impl AddressRow {
    /// `show interface address` lines for one interface.
    fn text(&self) -> String {
        let mut s = format!(
            "{} ({}):\n",
            self.name,
            if self.admin_up { "up" } else { "dn" }
        );
        match &self.l2 {
            L2Row::L3 => {}
            L2Row::Xconnect { peer, .. } => s.push_str(&format!("  L2 xconnect {peer}\n")),
            L2Row::Bridge {
                bd_id,
                bd_index,
                shg,
                bvi,
            } => {
                let bvi = if *bvi { "bvi" } else { " " };
                s.push_str(&format!(
                    "  L2 bridge bd-id {bd_id} idx {bd_index} shg {shg} {bvi}\n"
                ));
            }
        }
        for a in self.ip4.iter().chain(&self.ip6) {
            s.push_str(&format!("  L3 {a}\n"));
        }
        s
    }

    fn json(&self) -> Value {
        let l2 = match &self.l2 {
            L2Row::L3 => Value::Null,
            L2Row::Xconnect {
                peer,
                peer_sw_if_index,
            } => json!({ "mode": "xconnect", "peer": peer, "peer_sw_if_index": peer_sw_if_index }),
            L2Row::Bridge {
                bd_id,
                bd_index,
                shg,
                bvi,
            } => json!({
                "mode": "bridge", "bd_id": bd_id, "bd_index": bd_index, "shg": shg, "bvi": bvi,
            }),
        };
        json!({
            "name": self.name,
            "sw_if_index": self.sw_if_index,
            "admin_up": self.admin_up,
            "l2": l2,
            "ip4": self.ip4,
            "ip6": self.ip6,
        })
    }
}

/// Parsed `show interface` arguments.
struct ShowInterface {
    addresses: bool,
    interfaces: Vec<u32>,
}

fn parse_show_interface(st: &State, input: &mut Input<'_>) -> Result<ShowInterface, CmdError> {
    let mut cmd = ShowInterface {
        addresses: false,
        interfaces: Vec::new(),
    };
    while !input.at_end() {
        if input.keyword("address") || input.keyword("addr") {
            cmd.addresses = true;
        } else if let Some(i) = input.interface(&st.config) {
            cmd.interfaces.push(i);
        } else if input.keyword("verbose") {
        } else {
            return Err(CmdError::Failed(format!(
                "unknown input `{}'",
                input.rest()
            )));
        }
    }
    Ok(cmd)
}

/// The interfaces to list: those named, in that order, or all sorted by
/// name.
fn selected<'a>(st: &'a State, named: &[u32]) -> Vec<&'a InterfaceConfig> {
    if named.is_empty() {
        let mut all: Vec<_> = st.config.interfaces().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    } else {
        named
            .iter()
            .filter_map(|&i| st.config.interface(i))
            .collect()
    }
}

fn show_interface(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let cmd = parse_show_interface(st, input)?;
    let list = selected(st, &cmd.interfaces);
    if cmd.addresses {
        return Ok(list.iter().map(|i| address_row(st, i).text()).collect());
    }
    let mut s = show_interface_header();
    for i in list {
        s.push_str(&interface_row(st, i));
    }
    Ok(s)
}

fn counters_json(c: &[u64]) -> Value {
    let mut m = serde_json::Map::new();
    for (name, p, b) in COMBINED {
        m.insert(format!("{name}_packets"), json!(c[p]));
        m.insert(format!("{name}_bytes"), json!(c[b]));
    }
    for (name, i) in SIMPLE {
        m.insert(name.replace('-', "_"), json!(c[i]));
    }
    Value::Object(m)
}

fn show_interface_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let cmd = parse_show_interface(st, input)?;
    let list = selected(st, &cmd.interfaces);
    if cmd.addresses {
        return Ok(Value::Array(
            list.iter().map(|i| address_row(st, i).json()).collect(),
        ));
    }
    Ok(Value::Array(
        list.iter()
            .map(|i| {
                let peer = match i.l2 {
                    L2Mode::Xconnect { peer } => json!(peer),
                    L2Mode::L3 | L2Mode::Bridge { .. } => Value::Null,
                };
                json!({
                    "name": i.name,
                    "sw_if_index": i.sw_if_index,
                    "admin_up": i.admin_up,
                    "link_up": i.link_up,
                    "mtu": i.mtu,
                    "mac": i.mac.to_string(),
                    "ip4": i.ip4.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    "ip6": st.config.ip6_interface(i.sw_if_index).map_or_else(Vec::new, |v6| {
                        v6.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>()
                    }),
                    "xconnect_peer": peer,
                    "counters": counters_json(&st.if_counters(i.sw_if_index)),
                })
            })
            .collect(),
    ))
}

/// Link state as `show hardware-interfaces` prints it: a device's is the
/// Linux interface's (up, running, and there), once weft's interface is
/// administratively up.
fn link_up(i: &InterfaceConfig) -> bool {
    match i.kind {
        InterfaceKind::Local => false,
        InterfaceKind::Vxlan4 { .. } | InterfaceKind::Vxlan6 { .. } => true,
        _ => i.admin_up && i.link_up,
    }
}

/// One receive queue of `show hardware-interfaces`.
struct HwQueue {
    queue: u32,
    /// The polling worker's thread index and name.
    thread: Option<(u32, String)>,
    mode: RxMode,
}

/// One interface of `show hardware-interfaces`, gathered once for the
/// text and the JSON.
struct Hardware {
    name: String,
    sw_if_index: u32,
    link_up: bool,
    queues: Vec<HwQueue>,
    /// `None` for local0.
    mac: Option<String>,
    driver: Option<DeviceDetails>,
}

/// `show hardware-interfaces [brief|verbose|detail] [<interface> ...]`:
/// whether `brief`, and the interfaces.
fn hardware(st: &State, input: &mut Input<'_>) -> Result<(bool, Vec<Hardware>), CmdError> {
    let mut brief = false;
    let mut named = Vec::new();
    while !input.at_end() {
        if input.keyword("brief") {
            brief = true;
        } else if input.keyword("verbose") || input.keyword("detail") {
            brief = false;
        } else if let Some(i) = input.interface(&st.config) {
            named.push(i);
        } else {
            return Err(CmdError::Failed(format!(
                "unknown input `{}'",
                input.rest()
            )));
        }
    }
    // Sub-interfaces have no hardware of their own (VPP lists them in
    // `show interface` only).
    let list: Vec<&InterfaceConfig> = if named.is_empty() {
        st.config
            .interfaces()
            .filter(|i| i.sub().is_none())
            .collect()
    } else {
        named
            .iter()
            .filter_map(|&i| st.config.interface(i))
            .collect()
    };
    let placement = st.runtime.rx_placement();
    let workers = st.runtime.workers();
    let rows = list
        .into_iter()
        .map(|i| Hardware {
            name: i.name.clone(),
            sw_if_index: i.sw_if_index,
            link_up: link_up(i),
            queues: placement
                .iter()
                .filter(|q| q.sw_if_index == i.sw_if_index)
                .map(|q| HwQueue {
                    queue: q.queue,
                    thread: workers
                        .get(q.worker)
                        .map(|w| (w.thread_index, w.name.clone())),
                    mode: q.mode,
                })
                .collect(),
            mac: (i.kind != InterfaceKind::Local).then(|| i.mac.to_string()),
            driver: st.runtime.hardware(i.sw_if_index),
        })
        .collect();
    Ok((brief, rows))
}

fn show_hardware(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let (brief, rows) = hardware(st, input)?;
    let mut s = format!(
        "{}{}{}{}\n",
        center("Name", 32),
        center("Idx", 6),
        center("Link", 8),
        "Hardware"
    );
    for h in rows {
        s.push_str(&format!(
            "{}{}{}{}\n",
            left(&h.name, 32),
            center(&h.sw_if_index.to_string(), 6),
            center(if h.link_up { "up" } else { "down" }, 8),
            h.name
        ));
        if brief {
            continue;
        }
        s.push_str("  Link speed: unknown\n");
        if !h.queues.is_empty() {
            s.push_str("  RX Queues:\n");
            s.push_str(&format!(
                "    {}{}{}\n",
                left("queue", 6),
                left("thread", 15),
                left("mode", 10)
            ));
            for q in &h.queues {
                let thread = q
                    .thread
                    .as_ref()
                    .map_or_else(String::new, |(index, name)| format!("{name} ({index})"));
                s.push_str(&format!(
                    "    {}{}{}\n",
                    left(&q.queue.to_string(), 6),
                    left(&thread, 15),
                    left(q.mode.as_str(), 10)
                ));
            }
        }
        if let Some(mac) = &h.mac {
            s.push_str(&format!("  Ethernet address {mac}\n"));
        }
        for line in h.driver.iter().flat_map(DeviceDetails::lines) {
            s.push_str(&format!("  {line}\n"));
        }
    }
    Ok(s)
}

/// `show hardware-interfaces` as JSON: every field whatever `brief` says.
fn show_hardware_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let (_brief, rows) = hardware(st, input)?;
    Ok(Value::Array(
        rows.iter()
            .map(|h| {
                json!({
                    "name": h.name,
                    "sw_if_index": h.sw_if_index,
                    "link_up": h.link_up,
                    "link_speed": Value::Null,
                    "rx_queues": h.queues.iter().map(|q| json!({
                        "queue": q.queue,
                        "thread": q.thread.as_ref().map(|t| t.0),
                        "thread_name": q.thread.as_ref().map(|t| t.1.clone()),
                        "mode": q.mode.as_str(),
                    })).collect::<Vec<_>>(),
                    "mac": h.mac,
                    "driver": h.driver.as_ref().map(DeviceDetails::json),
                })
            })
            .collect(),
    ))
}

fn clear_interfaces(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    let indices: Vec<u32> = st.config.interfaces().map(|i| i.sw_if_index).collect();
    for i in indices {
        st.zero_if_counters(i);
    }
    Ok(String::new())
}

fn set_state(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    let up = if input.keyword("up") {
        true
    } else if input.keyword("down") {
        false
    } else {
        return Err(CmdError::Failed(format!(
            "unknown flags `{}'",
            input.rest()
        )));
    };
    input.end()?;
    st.config.set_interface_state(sw, up)?;
    Ok(String::new())
}

/// `set interface ip address` after parsing.
enum IpAddressCmd {
    Add(u32, std::net::Ipv4Addr, u8),
    Del(u32, std::net::Ipv4Addr, u8),
    Add6(u32, std::net::Ipv6Addr, u8),
    Del6(u32, std::net::Ipv6Addr, u8),
    DelAll(u32),
}

fn set_ip_address(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let del = input.keyword("del");
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    let cmd = if del && input.keyword("all") {
        IpAddressCmd::DelAll(sw)
    } else if let Some((a, l)) = input.ipv4_prefix() {
        if del {
            IpAddressCmd::Del(sw, a, l)
        } else {
            IpAddressCmd::Add(sw, a, l)
        }
    } else if let Some((a, l)) = input.ipv6_prefix() {
        if del {
            IpAddressCmd::Del6(sw, a, l)
        } else {
            IpAddressCmd::Add6(sw, a, l)
        }
    } else {
        return Err(CmdError::Failed(format!(
            "expected IP4/IP6 address/length `{}'",
            input.rest()
        )));
    };
    input.end()?;
    match cmd {
        IpAddressCmd::Add(sw, a, l) => st.config.add_del_ip4_address(sw, a, l, false)?,
        IpAddressCmd::Del(sw, a, l) => st.config.add_del_ip4_address(sw, a, l, true)?,
        IpAddressCmd::Add6(sw, a, l) => st.config.add_del_ip6_address(sw, a, l, false)?,
        IpAddressCmd::Del6(sw, a, l) => st.config.add_del_ip6_address(sw, a, l, true)?,
        IpAddressCmd::DelAll(sw) => {
            let addrs = st
                .config
                .interface(sw)
                .map(|i| i.ip4.clone())
                .unwrap_or_default();
            for a in addrs {
                st.config
                    .add_del_ip4_address(sw, a.address(), a.prefix_len(), true)?;
            }
            let addrs6 = st
                .config
                .ip6_interface(sw)
                .map(|i| i.addresses.clone())
                .unwrap_or_default();
            for a in addrs6 {
                st.config
                    .add_del_ip6_address(sw, a.address(), a.prefix_len(), true)?;
            }
        }
    }
    Ok(String::new())
}

fn set_mac(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(sw) = input.interface(&st.config) else {
        return Err(CmdError::Failed(format!(
            "unknown interface `{}'",
            input.rest()
        )));
    };
    let Some(mac) = input.mac() else {
        return Err(CmdError::Failed(format!(
            "expected mac address `{}'",
            input.rest()
        )));
    };
    input.end()?;
    st.config.set_interface_mac(sw, mac)?;
    Ok(String::new())
}

/// `set interface mtu [packet] <value> <interface>` (VPP's `mtu_cmd`).
///
/// * Without `packet` (VPP's hardware MTU): on a device interface
///   (AF_XDP, host-interface) the Linux interface's MTU changes, through
///   rtnetlink, and weft's L3 MTU with it; the kernel's refusal is the
///   error. On pg and loopback interfaces only weft's MTU changes.
/// * `packet`: weft's L3 MTU only, at most the Linux interface's.
/// * `ip4`, `ip6`, `mpls`: refused; weft keeps one MTU per interface.
fn set_mtu(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let packet = input.keyword("packet");
    if !packet {
        for kw in ["ip4", "ip6", "mpls"] {
            if input.keyword(kw) {
                return Err(CmdError::Failed(format!(
                    "{kw} MTU: weft keeps one L3 MTU per interface; use `set interface mtu packet <value> <interface>`"
                )));
            }
        }
    }
    let at = input.save();
    let (Some(mtu), Some(sw)) = (input.u32(), input.interface(&st.config)) else {
        input.restore(at);
        return Err(CmdError::Failed(format!(
            "unknown input `{}'",
            input.rest()
        )));
    };
    input.end()?;
    let Some(ifc) = st.config.interface(sw) else {
        return Err(CmdError::failed("unknown interface"));
    };
    if matches!(
        ifc.kind,
        InterfaceKind::Local | InterfaceKind::Vxlan4 { .. } | InterfaceKind::Vxlan6 { .. }
    ) {
        return Err(CmdError::failed("not supported"));
    }
    let name = ifc.name.clone();
    let mtu = u16::try_from(mtu)
        .ok()
        .filter(|&m| m >= 68)
        .ok_or_else(|| CmdError::Failed(format!("mtu {mtu}: must be between 68 and 65535")))?;
    let device = st.runtime.device_mtu(sw);
    if packet {
        if let Some(dev) = device
            && mtu > dev
        {
            return Err(CmdError::Failed(format!(
                "mtu {mtu} is larger than the MTU {dev} of the Linux interface under {name} \
                 (`set interface mtu {mtu} {name}` changes that)"
            )));
        }
        st.config.set_interface_mtu(sw, mtu)?;
    } else if matches!(ifc.kind, InterfaceKind::AfXdp | InterfaceKind::AfPacket) {
        let st = &mut *st;
        st.runtime
            .set_device_mtu(&mut st.config, sw, mtu)
            .map_err(CmdError::failed)?;
    } else {
        st.config.set_interface_mtu(sw, mtu)?;
    }
    Ok(String::new())
}

fn create_loopback(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut mac = None;
    let mut instance = None;
    while !input.at_end() {
        let at = input.save();
        if input.keyword("mac")
            && let Some(m) = input.mac()
        {
            mac = Some(m);
            continue;
        }
        input.restore(at);
        if let Some(n) = input.keyword_u32("instance") {
            instance = Some(n);
            continue;
        }
        return Err(CmdError::Failed(format!(
            "unknown input `{}'",
            input.rest()
        )));
    }
    let sw = st.config.create_loopback(mac, instance)?;
    Ok(st.created(sw))
}

fn delete_loopback(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut sw = None;
    loop {
        let at = input.save();
        if input.keyword("intfc")
            && let Some(i) = input.interface(&st.config)
        {
            sw = Some(i);
            continue;
        }
        input.restore(at);
        break;
    }
    let Some(sw) = sw else {
        return Err(CmdError::failed("interface not specified"));
    };
    input.end()?;
    st.config.delete_loopback(sw)?;
    Ok(String::new())
}

/// One queue of `show interface rx-placement`, in the text's order:
/// by worker, then by input node (in the order the worker's queues first
/// name it), then as placed.
struct Placement {
    thread_index: u32,
    thread: String,
    node: &'static str,
    interface: String,
    sw_if_index: u32,
    queue: u32,
    mode: RxMode,
}

fn placement(st: &State, input: &mut Input<'_>) -> Result<Vec<Placement>, CmdError> {
    input.end()?;
    let placement = st.runtime.rx_placement();
    let mut rows = Vec::new();
    for (wi, w) in st.runtime.workers().iter().enumerate() {
        let mine: Vec<_> = placement.iter().filter(|q| q.worker == wi).collect();
        let mut nodes: Vec<&'static str> = Vec::new();
        for q in &mine {
            if !nodes.contains(&q.input_node) {
                nodes.push(q.input_node);
            }
        }
        for node in nodes {
            for q in mine.iter().filter(|q| q.input_node == node) {
                rows.push(Placement {
                    thread_index: w.thread_index,
                    thread: w.name.clone(),
                    node,
                    interface: st
                        .config
                        .interface(q.sw_if_index)
                        .map_or_else(|| q.sw_if_index.to_string(), |i| i.name.clone()),
                    sw_if_index: q.sw_if_index,
                    queue: q.queue,
                    mode: q.mode,
                });
            }
        }
    }
    Ok(rows)
}

fn show_rx_placement(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut s = String::new();
    let mut last: Option<(u32, &str)> = None;
    for p in placement(st, input)? {
        if last.is_none_or(|(t, _)| t != p.thread_index) {
            s.push_str(&format!("Thread {} ({}):\n", p.thread_index, p.thread));
            last = None;
        }
        if last.is_none_or(|(_, n)| n != p.node) {
            s.push_str(&format!("  node {}:\n", p.node));
        }
        last = Some((p.thread_index, p.node));
        s.push_str(&format!(
            "    {} queue {} ({})\n",
            p.interface,
            p.queue,
            p.mode.as_str()
        ));
    }
    Ok(s)
}

fn show_rx_placement_json(st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    Ok(Value::Array(
        placement(st, input)?
            .iter()
            .map(|p| {
                json!({
                    "thread": p.thread_index,
                    "thread_name": p.thread,
                    "node": p.node,
                    "interface": p.interface,
                    "sw_if_index": p.sw_if_index,
                    "queue": p.queue,
                    "mode": p.mode.as_str(),
                })
            })
            .collect(),
    ))
}

fn set_rx_mode(st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut sw = None;
    let mut queue = None;
    let mut mode = None;
    while !input.at_end() {
        if let Some(q) = input.keyword_u32("queue") {
            queue = Some(q);
        } else if let Some(i) = input.interface(&st.config) {
            sw = Some(i);
        } else if input.keyword("polling") {
            mode = Some(RxMode::Polling);
        } else if input.keyword("interrupt") {
            mode = Some(RxMode::Interrupt);
        } else if input.keyword("adaptive") {
            mode = Some(RxMode::Adaptive);
        } else {
            return Err(CmdError::Failed(format!("parse error: '{}'", input.rest())));
        }
    }
    let Some(sw) = sw else {
        return Err(CmdError::failed("please specify valid interface name"));
    };
    let Some(mode) = mode else {
        return Err(CmdError::failed("please specify valid rx-mode"));
    };
    let placement = st.runtime.rx_placement();
    let name = st
        .config
        .interface(sw)
        .map(|i| i.name.clone())
        .unwrap_or_default();
    if let Some(q) = queue
        && !placement
            .iter()
            .any(|p| p.sw_if_index == sw && p.queue == q)
    {
        return Err(CmdError::Failed(format!(
            "unknown queue {q} on interface {name}"
        )));
    }
    st.runtime
        .set_rx_mode(sw, queue, mode)
        .map_err(CmdError::failed)?;
    Ok(String::new())
}

/// The interface commands.
pub fn commands() -> Vec<Command> {
    const IFS: &[Arg] = &[
        Arg::Keyword("address", "show addresses"),
        Arg::Keyword("addr", "show addresses"),
        Arg::Interface,
    ];
    vec![
        Command::locked(
            "show interface",
            "show interface [address|addr] [<interface> [<interface> [..]]]",
            show_interface,
        )
        .args(IFS)
        .json(show_interface_json),
        Command::locked(
            "show hardware-interfaces",
            "show hardware-interfaces [brief|verbose|detail] [<interface> [<interface> [..]]]",
            show_hardware,
        )
        .args(&[
            Arg::Keyword("brief", "one line per interface"),
            Arg::Keyword("verbose", "queues, addresses, driver (default)"),
            Arg::Keyword("detail", "as verbose"),
            Arg::Interface,
        ])
        .json(show_hardware_json),
        Command::locked("clear interfaces", "clear interfaces", clear_interfaces),
        Command::locked(
            "set interface state",
            "set interface state <interface> [up|down]",
            set_state,
        )
        .args(&[
            Arg::Interface,
            Arg::Keyword("up", "admin up"),
            Arg::Keyword("down", "admin down"),
        ])
        .mutates(),
        Command::locked(
            "set interface ip address",
            "set interface ip address [del] <interface> <ip-addr>/<mask> | [all]",
            set_ip_address,
        )
        .args(&[
            Arg::Keyword("del", "delete"),
            Arg::Interface,
            Arg::Value("<ip-addr>/<mask>", "IPv4 address and prefix length"),
            Arg::Keyword("all", "with del: every address"),
        ])
        .mutates(),
        Command::locked(
            "set interface mac address",
            "set interface mac address <interface> <mac-address>",
            set_mac,
        )
        .args(&[
            Arg::Interface,
            Arg::Value("<mac-address>", "xx:xx:xx:xx:xx:xx"),
        ])
        .mutates(),
        Command::locked(
            "set interface mtu",
            "set interface mtu [packet|ip4|ip6|mpls] <value> <interface>",
            set_mtu,
        )
        .args(&[
            Arg::Keyword("packet", "weft's L3 MTU only"),
            Arg::Value("<value>", "bytes, 68..65535"),
            Arg::Interface,
        ])
        .mutates(),
        Command::locked(
            "create loopback interface",
            "create loopback interface [mac <mac-addr>] [instance <instance>]",
            create_loopback,
        )
        .args(&[
            Arg::Keyword("mac", "MAC address"),
            Arg::Keyword("instance", "number in the name loop<N>"),
        ])
        .mutates(),
        Command::locked(
            "loopback create-interface",
            "loopback create-interface [mac <mac-addr>] [instance <instance>]",
            create_loopback,
        )
        .mutates(),
        Command::locked(
            "delete loopback interface",
            "delete loopback interface intfc <interface>",
            delete_loopback,
        )
        .args(&[Arg::Keyword("intfc", "the loopback"), Arg::Interface])
        .mutates(),
        Command::locked(
            "loopback delete-interface",
            "loopback delete-interface intfc <interface>",
            delete_loopback,
        )
        .mutates(),
        Command::locked(
            "show interface rx-placement",
            "show interface rx-placement",
            show_rx_placement,
        )
        .json(show_rx_placement_json),
        Command::locked(
            "set interface rx-mode",
            "set interface rx-mode <interface> [queue <n>] [polling | interrupt | adaptive]",
            set_rx_mode,
        )
        .args(&[
            Arg::Interface,
            Arg::Keyword("queue", "queue number"),
            Arg::Keyword("polling", "busy poll"),
            Arg::Keyword("interrupt", "sleep until a frame arrives"),
            Arg::Keyword("adaptive", "poll under load, sleep when idle"),
        ])
        .mutates(),
    ]
}
