//! weftd on an AF_XDP interface of a veth, configured with the koko demo's
//! commands, and an AF_PACKET socket on the peer end: the rig of the
//! malformed-packet and exhaustion tests.
//!
//! ```text
//!  netns weft-<tag>-w-<pid>                  netns weft-<tag>-p-<pid>
//!  <dev> (AF_XDP, weftd: 10.99.0.3) <-veth-> <peer_dev> (no address, AF_PACKET)
//! ```
//!
//! IPv6 is off in both namespaces, so nothing but the test's frames
//! crosses the link.

use std::collections::BTreeMap;
use std::str::FromStr;

use weft::dataplane::fixtures;
use weft::dataplane::wire::EthernetAddress;

use super::rawsock::RawSocket;
use super::show;
use super::weftd::Weftd;
use super::{Netns, veth};

/// The running rig. Fields drop in order: weftd, the socket, then the
/// namespaces.
pub struct VethWeftd {
    /// The daemon, in `w`.
    pub weftd: Weftd,
    /// AF_PACKET socket on the peer end.
    pub peer: RawSocket,
    /// weft's interface MAC.
    pub mac: EthernetAddress,
    /// weftd's namespace.
    pub w: Netns,
    /// The peer's namespace.
    pub p: Netns,
}

impl VethWeftd {
    /// Starts weftd with `startup` on `dev` (peer `peer_dev`, both with
    /// `mtu` if given) and runs the demo's commands: `<dev>/0` at
    /// 10.99.0.3/24 and up, koko1 (10.99.0.1) a static neighbour, tunnels
    /// for VNI 11 and 12 cross-connected; then `extra`.
    pub fn start(
        tag: &str,
        dev: &str,
        peer_dev: &str,
        startup: &str,
        mtu: Option<u16>,
        extra: &[String],
    ) -> VethWeftd {
        let w = Netns::new(&format!("{tag}-w"));
        let p = Netns::new(&format!("{tag}-p"));
        w.disable_ipv6();
        p.disable_ipv6();
        veth(&w, dev, &p, peer_dev);
        if let Some(mtu) = mtu {
            w.ip(&["link", "set", dev, "mtu", &mtu.to_string()]);
            p.ip(&["link", "set", peer_dev, "mtu", &mtu.to_string()]);
        }
        let mac = EthernetAddress::from_str(&w.mac(dev)).unwrap();
        let weftd = Weftd::start(&w, tag, startup);
        let ifname = format!("{dev}/0");
        let demo = [
            format!("create interface af_xdp host-if {dev}"),
            format!("set interface ip address {ifname} 10.99.0.3/24"),
            format!("set interface ip address {ifname} fd00::3/64"),
            format!("set interface state {ifname} up"),
            format!(
                "ip neighbor {ifname} 10.99.0.1 {} static",
                fixtures::KOKO1_MAC
            ),
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11".into(),
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12".into(),
            "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1".into(),
            "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0".into(),
        ];
        for cmd in demo.iter().chain(extra) {
            weftd.ok(cmd);
        }
        let peer = {
            let _in = p.enter();
            RawSocket::open(peer_dev)
        };
        VethWeftd {
            weftd,
            peer,
            mac,
            w,
            p,
        }
    }

    /// `show errors`, by (node, reason).
    pub fn errors(&self) -> BTreeMap<(String, String), u64> {
        show::errors(&self.weftd.ok("show errors"))
    }

    /// `show interface` counters, by (interface, counter).
    pub fn ifs(&self) -> BTreeMap<(String, String), u64> {
        show::interface_counters(&self.weftd.ok("show interface"))
    }

    /// `show buffers` Used.
    pub fn used(&self) -> u64 {
        show::buffers_used(&self.weftd.ok("show buffers")) as u64
    }
}
