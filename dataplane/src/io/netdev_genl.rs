//! The kernel's `netdev` generic netlink family: what XDP an interface
//! supports (`xdp-features`), the one thing weft asks it.
//!
//! On a veth the features reflect the peer: `NETDEV_XDP_ACT_NDO_XMIT` is
//! set only while the peer runs NAPI (an XDP program of its own, or GRO
//! enabled), which is exactly when a frame this end sends back with
//! `XDP_TX` reaches the peer instead of being dropped. weft's XDP fast path
//! asks before it transmits ([`xdp_features`]).
//!
//! Messages are built and parsed with the rust-netlink crates
//! (`netlink-packet-generic` for the family lookup and the genl header);
//! the family's two attributes are plain netlink attributes.

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload, Nla,
    NlasIterator, Parseable, ParseableParametrized,
};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_GENERIC};

/// `NETDEV_CMD_DEV_GET`.
const CMD_DEV_GET: u8 = 1;
/// `NETDEV_A_DEV_IFINDEX` (u32).
const A_DEV_IFINDEX: u16 = 1;
/// `NETDEV_A_DEV_XDP_FEATURES` (u64, `NETDEV_XDP_ACT_*`).
const A_DEV_XDP_FEATURES: u16 = 3;

/// `NETDEV_XDP_ACT_BASIC`: XDP_PASS, XDP_DROP, XDP_TX, XDP_ABORTED.
pub const XDP_ACT_BASIC: u64 = 1 << 0;
/// `NETDEV_XDP_ACT_REDIRECT`: the driver's XDP can redirect.
pub const XDP_ACT_REDIRECT: u64 = 1 << 1;
/// `NETDEV_XDP_ACT_NDO_XMIT`: frames can be transmitted from XDP (on a
/// veth: the peer runs NAPI).
pub const XDP_ACT_NDO_XMIT: u64 = 1 << 2;

/// A netdev message: the command and its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Netdev {
    family: u16,
    cmd: u8,
    nlas: Vec<DefaultNla>,
}

impl GenlFamily for Netdev {
    fn family_name() -> &'static str {
        "netdev"
    }

    fn family_id(&self) -> u16 {
        self.family
    }

    fn command(&self) -> u8 {
        self.cmd
    }

    fn version(&self) -> u8 {
        1
    }
}

impl Emitable for Netdev {
    fn buffer_len(&self) -> usize {
        self.nlas.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.nlas.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for Netdev {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let nlas = NlasIterator::new(buf)
            .map(|nla| nla.and_then(|nla| DefaultNla::parse(&nla)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Netdev {
            family: 0,
            cmd: header.cmd,
            nlas,
        })
    }
}

/// Sends one request and returns the first reply's payload, or the
/// kernel's error.
fn ask<F>(socket: &Socket, msg: GenlMessage<F>) -> std::io::Result<F>
where
    F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + std::fmt::Debug,
{
    let mut nl = NetlinkMessage::from(msg);
    nl.header.flags = NLM_F_REQUEST;
    nl.finalize();
    let mut tx = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut tx);
    socket.send(&tx, 0)?;
    let (rx, _) = socket.recv_from_full()?;
    let reply = NetlinkMessage::<GenlMessage<F>>::deserialize(&rx)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    match reply.payload {
        NetlinkPayload::InnerMessage(m) => Ok(m.payload),
        NetlinkPayload::Error(e) => Err(e.to_io()),
        other => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected netlink reply {other:?}"),
        )),
    }
}

/// The `xdp-features` of interface `ifindex` (in the calling thread's
/// network namespace), `NETDEV_XDP_ACT_*` bits.
pub fn xdp_features(ifindex: u32) -> std::io::Result<u64> {
    let mut socket = Socket::new(NETLINK_GENERIC)?;
    socket.bind_auto()?;
    socket.connect(&SocketAddr::new(0, 0))?;
    let ctrl = ask(
        &socket,
        GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(Netdev::family_name().into())],
        }),
    )?;
    let family = ctrl
        .nlas
        .iter()
        .find_map(|a| match a {
            GenlCtrlAttrs::FamilyId(id) => Some(*id),
            _ => None,
        })
        .ok_or_else(|| std::io::Error::other("no netdev generic netlink family"))?;
    let mut msg = GenlMessage::from_payload(Netdev {
        family,
        cmd: CMD_DEV_GET,
        nlas: vec![DefaultNla::new(
            A_DEV_IFINDEX,
            ifindex.to_ne_bytes().to_vec(),
        )],
    });
    msg.set_resolved_family_id(family);
    let dev = ask(&socket, msg)?;
    dev.nlas
        .iter()
        .find(|a| a.kind() == A_DEV_XDP_FEATURES)
        .and_then(|a| {
            let mut v = [0u8; 8];
            let n = a.value_len().min(8);
            a.emit_value(&mut v[..n]);
            (n == 8).then(|| u64::from_ne_bytes(v))
        })
        .ok_or_else(|| std::io::Error::other("no xdp-features in the netdev reply"))
}
