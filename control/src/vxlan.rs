//! IPv4 VXLAN tunnels: `create vxlan tunnel` and `show vxlan tunnel`
//! (VPP's `src/plugins/vxlan/vxlan.c`: the CLI checks of
//! `vxlan_add_del_tunnel_command_fn`, then `vnet_vxlan_add_del_tunnel`).
//!
//! A tunnel is identified by its key (src, dst, src_port, vni; the FIB is
//! always 0), which is also its decap key: a packet from `dst` to `src`,
//! UDP destination port `src_port`, VNI word `vni << 8`. So a delete must
//! repeat every key field.
//!
//! On add, the tunnel takes the lowest free pool index; its instance (the
//! number in `vxlan_tunnel<N>`) is the one asked for or else the pool
//! index. Its interface is Ethernet-like, with a random-looking `02:fe:`
//! MAC, admin **up**, in L3 mode (so decapsulated frames are dropped until
//! the tunnel is xconnected), output through the tunnel's encap.
//!
//! On delete, the interface, its addresses and neighbours go, the pool
//! index and instance are freed, and every interface xconnected to it goes
//! back to L3.
//!
//! Tunnels are IPv4 or IPv6 (src and dst of one family): an IPv6 tunnel's
//! interface outputs through vxlan6-encap, its packets are decapsulated by
//! vxlan6-input, and its next hop is resolved by Neighbor Discovery. Any
//! two tunnels can be cross-connected or bridged, whatever their families.
//!
//! Not supported: multicast (`group`), `encap-vrf-id`, `decap-next`, `l3`.

use std::net::{IpAddr, Ipv4Addr};

use dataplane::tables::{L2Mode, Vxlan4Key, Vxlan6Key};

use crate::config::{Config, lowest_free, put, take};
use crate::interface::{InterfaceConfig, InterfaceKind};

/// The IANA VXLAN port, the default src_port and dst_port.
pub const VXLAN_PORT: u16 = 4789;

/// Why `create vxlan tunnel` was refused, with VPP's messages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VxlanError {
    /// No src.
    #[error("tunnel src address not specified")]
    SrcNotSpecified,
    /// No dst.
    #[error("tunnel dst address not specified")]
    DstNotSpecified,
    /// A multicast dst (multicast tunnels take `group`, which weft does not
    /// support).
    #[error("dst address must be unicast")]
    DstNotUnicast,
    /// src and dst of different families (VPP's text).
    #[error("both IPv4 and IPv6 addresses specified")]
    MixedFamilies,
    /// src == dst.
    #[error("src and dst addresses are identical")]
    SrcDstIdentical,
    /// No VNI, or VNI 0.
    #[error("vni not specified")]
    VniNotSpecified,
    /// VNI ≥ 2^24 (printed with C's `%d`, so above 2^31 it is negative).
    #[error("vni {} out of range", *.0 as i32)]
    VniOutOfRange(u32),
    /// Add of a key that exists.
    #[error("tunnel already exists...")]
    TunnelExists,
    /// Delete of a key that does not exist.
    #[error("tunnel does not exist...")]
    NoSuchTunnel,
    /// The instance (explicit, or the pool index by default) is taken.
    #[error("Instance is in use")]
    InstanceInUse,
    /// Another interface already has the name `vxlan_tunnel<instance>`
    /// (weft's text; VPP names its interfaces itself).
    #[error("interface `{0}' already exists")]
    NameInUse(String),
}

/// The arguments of `create vxlan tunnel`, as parsed. `Default` is an add
/// with nothing specified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VxlanArgs {
    /// Add (`true`) or delete (`del`).
    pub is_add: bool,
    /// `src`: weft's address.
    pub src: Option<IpAddr>,
    /// `dst`: the remote VTEP.
    pub dst: Option<IpAddr>,
    /// `vni`.
    pub vni: Option<u32>,
    /// `instance`: the number in the interface name.
    pub instance: Option<u32>,
    /// `src_port`: the local UDP port decapsulated; `None` or 0 means 4789.
    pub src_port: Option<u16>,
    /// `dst_port`: the remote UDP port; `None` or 0 means 4789.
    pub dst_port: Option<u16>,
}

impl Default for VxlanArgs {
    fn default() -> VxlanArgs {
        VxlanArgs {
            is_add: true,
            src: None,
            dst: None,
            vni: None,
            instance: None,
            src_port: None,
            dst_port: None,
        }
    }
}

/// One tunnel as configured (`show vxlan tunnel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TunnelConfig {
    /// Pool index (`[N]` in `show vxlan tunnel`, VPP's dev_instance).
    pub index: u32,
    /// Instance: the number in the interface name.
    pub instance: u32,
    /// Local VTEP address.
    pub src: IpAddr,
    /// Remote VTEP address (the same family).
    pub dst: IpAddr,
    /// Local UDP port (decap).
    pub src_port: u16,
    /// Remote UDP port (encap).
    pub dst_port: u16,
    /// VNI.
    pub vni: u32,
    /// The tunnel interface.
    pub sw_if_index: u32,
}

/// A tunnel's decap key, which also identifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunnelKey {
    /// An IPv4 tunnel's.
    V4(Vxlan4Key),
    /// An IPv6 tunnel's.
    V6(Vxlan6Key),
}

impl TunnelKey {
    fn new(src: IpAddr, dst: IpAddr, port: u16, vni: u32) -> Option<TunnelKey> {
        match (src, dst) {
            (IpAddr::V4(local), IpAddr::V4(remote)) => Some(TunnelKey::V4(Vxlan4Key {
                remote,
                local,
                port,
                vni_word: vni << 8,
            })),
            (IpAddr::V6(local), IpAddr::V6(remote)) => Some(TunnelKey::V6(Vxlan6Key {
                remote,
                local,
                port,
                vni_word: vni << 8,
            })),
            _ => None,
        }
    }
}

impl TunnelConfig {
    /// The decap key of the tunnel, which also identifies it.
    pub fn key(&self) -> TunnelKey {
        TunnelKey::new(self.src, self.dst, self.src_port, self.vni).expect("one family")
    }

    /// The remote's IPv4 address, for an IPv4 tunnel.
    pub fn dst4(&self) -> Option<Ipv4Addr> {
        match self.dst {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }

    /// The name of the tunnel interface, `vxlan_tunnel<instance>`.
    pub fn name(&self) -> String {
        interface_name(self.instance)
    }
}

/// `vxlan_tunnel<instance>`.
fn interface_name(instance: u32) -> String {
    format!("vxlan_tunnel{instance}")
}

/// Validates what does not depend on existing state, in VPP's order, and
/// returns the tunnel key and dst_port.
fn check(args: &VxlanArgs) -> Result<(TunnelKey, u16), VxlanError> {
    let src = args.src.ok_or(VxlanError::SrcNotSpecified)?;
    let dst = args.dst.ok_or(VxlanError::DstNotSpecified)?;
    if dst.is_multicast() {
        return Err(VxlanError::DstNotUnicast);
    }
    if src.is_ipv4() != dst.is_ipv4() {
        return Err(VxlanError::MixedFamilies);
    }
    if src == dst {
        return Err(VxlanError::SrcDstIdentical);
    }
    let vni = match args.vni {
        None | Some(0) => return Err(VxlanError::VniNotSpecified),
        Some(vni) if vni >> 24 != 0 => return Err(VxlanError::VniOutOfRange(vni)),
        Some(vni) => vni,
    };
    let port = |p: Option<u16>| p.filter(|&p| p != 0).unwrap_or(VXLAN_PORT);
    let key = TunnelKey::new(src, dst, port(args.src_port), vni).expect("one family");
    Ok((key, port(args.dst_port)))
}

impl Config {
    /// Creates or deletes a tunnel (`create vxlan tunnel ... [del]`).
    /// Returns the new interface's sw_if_index on add, `None` on delete.
    ///
    /// Errors, in this order: [`VxlanError::SrcNotSpecified`],
    /// [`VxlanError::DstNotSpecified`], [`VxlanError::DstNotUnicast`],
    /// [`VxlanError::SrcDstIdentical`], [`VxlanError::VniNotSpecified`],
    /// [`VxlanError::VniOutOfRange`]; then on add
    /// [`VxlanError::TunnelExists`], [`VxlanError::InstanceInUse`],
    /// [`VxlanError::NameInUse`], on delete [`VxlanError::NoSuchTunnel`].
    pub fn vxlan_add_del(&mut self, args: &VxlanArgs) -> Result<Option<u32>, VxlanError> {
        let (key, dst_port) = check(args)?;
        let existing = self.tunnels().find(|t| t.key() == key).map(|t| t.index);
        if !args.is_add {
            let index = existing.ok_or(VxlanError::NoSuchTunnel)?;
            let tunnel = take(&mut self.tunnels, index).expect("found above");
            self.remove_interface(tunnel.sw_if_index);
            self.publish();
            return Ok(None);
        }

        if existing.is_some() {
            return Err(VxlanError::TunnelExists);
        }
        let index = lowest_free(&self.tunnels);
        let instance = args.instance.unwrap_or(index);
        if self.tunnels().any(|t| t.instance == instance) {
            return Err(VxlanError::InstanceInUse);
        }
        let name = interface_name(instance);
        if self.interface_index(&name).is_some() {
            return Err(VxlanError::NameInUse(name));
        }

        let mac = self.random_mac();
        let kind = match key {
            TunnelKey::V4(_) => InterfaceKind::Vxlan4 { tunnel: index },
            TunnelKey::V6(_) => InterfaceKind::Vxlan6 { tunnel: index },
        };
        let (src, dst, src_port, vni_word) = match key {
            TunnelKey::V4(k) => (k.local.into(), k.remote.into(), k.port, k.vni_word),
            TunnelKey::V6(k) => (k.local.into(), k.remote.into(), k.port, k.vni_word),
        };
        let sw_if_index = self.add_interface(|sw_if_index| InterfaceConfig {
            sw_if_index,
            name,
            kind,
            admin_up: true,
            link_up: true,
            mac,
            mtu: 0,
            l2: L2Mode::L3,
            ip4: Vec::new(),
        });
        put(
            &mut self.tunnels,
            index,
            TunnelConfig {
                index,
                instance,
                src,
                dst,
                src_port,
                dst_port,
                vni: vni_word >> 8,
                sw_if_index,
            },
        );
        self.publish();
        Ok(Some(sw_if_index))
    }

    /// Every tunnel, by pool index.
    pub fn tunnels(&self) -> impl Iterator<Item = &TunnelConfig> {
        self.tunnels.iter().flatten()
    }

    /// The tunnel with pool index `index`.
    pub fn tunnel(&self, index: u32) -> Option<&TunnelConfig> {
        self.tunnels.get(index as usize).and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use dataplane::tables::Output;

    use super::*;
    use crate::config::test_util::{config, fails, ip, snapshot};

    const SRC: Ipv4Addr = ip(10, 99, 0, 3);
    const DST: Ipv4Addr = ip(10, 99, 0, 1);

    fn add(dst: Ipv4Addr, vni: u32) -> VxlanArgs {
        VxlanArgs {
            src: Some(SRC.into()),
            dst: Some(dst.into()),
            vni: Some(vni),
            ..VxlanArgs::default()
        }
    }

    fn del(dst: Ipv4Addr, vni: u32) -> VxlanArgs {
        VxlanArgs {
            is_add: false,
            ..add(dst, vni)
        }
    }

    #[test]
    fn ipv6_tunnels() {
        let mut c = config();
        let v6 = |s: &str| -> IpAddr { s.parse().unwrap() };
        let sw = c
            .vxlan_add_del(&VxlanArgs {
                src: Some(v6("fd00::3")),
                dst: Some(v6("fd00::1")),
                vni: Some(61),
                ..VxlanArgs::default()
            })
            .unwrap()
            .unwrap();
        let ifc = c.interface(sw).unwrap();
        assert_eq!(ifc.name, "vxlan_tunnel0");
        assert_eq!(ifc.kind, InterfaceKind::Vxlan6 { tunnel: 0 });
        let t = snapshot(&c);
        assert_eq!(
            t.interface(sw).unwrap().output,
            Output::Vxlan6 { tunnel: 0 }
        );
        let key = Vxlan6Key {
            remote: "fd00::1".parse().unwrap(),
            local: "fd00::3".parse().unwrap(),
            port: VXLAN_PORT,
            vni_word: 61 << 8,
        };
        assert_eq!(t.vxlan6.get(&key), Some(&0));
        assert_eq!(t.vxlan6_ports, [VXLAN_PORT]);
        assert!(t.vxlan4.is_empty() && t.tunnels.iter().all(Option::is_none));
        // Unresolved: no uplink on fd00::/64 yet.
        assert_eq!(t.tunnel6(0).unwrap().encap, None);
        // An IPv4 tunnel takes the next pool index.
        c.vxlan_add_del(&add(DST, 11)).unwrap();
        assert!(snapshot(&c).tunnel(1).is_some());
        let e = fails(&mut c, |c| {
            c.vxlan_add_del(&VxlanArgs {
                src: Some(v6("fd00::3")),
                dst: Some(DST.into()),
                vni: Some(62),
                ..VxlanArgs::default()
            })
        });
        assert_eq!(e, VxlanError::MixedFamilies);
        assert_eq!(e.to_string(), "both IPv4 and IPv6 addresses specified");
        c.vxlan_add_del(&VxlanArgs {
            is_add: false,
            src: Some(v6("fd00::3")),
            dst: Some(v6("fd00::1")),
            vni: Some(61),
            ..VxlanArgs::default()
        })
        .unwrap();
        assert!(snapshot(&c).vxlan6.is_empty());
    }

    #[test]
    fn default_args() {
        let a = VxlanArgs::default();
        assert!(a.is_add);
        assert_eq!(a.src.or(a.dst), None);
        assert_eq!(
            (a.vni, a.instance, a.src_port, a.dst_port),
            (None, None, None, None)
        );
    }

    /// Every check, in VPP's order: each case also satisfies the checks
    /// before it, and fails without publishing anything.
    #[test]
    fn validation_failures() {
        let mut c = config();
        c.vxlan_add_del(&add(DST, 11)).unwrap();
        let cases: [(VxlanArgs, VxlanError, &str); 15] = [
            // 1. Nothing at all.
            (
                VxlanArgs::default(),
                VxlanError::SrcNotSpecified,
                "tunnel src address not specified",
            ),
            // 2. No src, even with everything else.
            (
                VxlanArgs {
                    src: None,
                    ..add(DST, 11)
                },
                VxlanError::SrcNotSpecified,
                "tunnel src address not specified",
            ),
            // 3. No dst.
            (
                VxlanArgs {
                    dst: None,
                    ..add(DST, 11)
                },
                VxlanError::DstNotSpecified,
                "tunnel dst address not specified",
            ),
            // 4. Multicast dst.
            (
                add(ip(239, 1, 1, 1), 11),
                VxlanError::DstNotUnicast,
                "dst address must be unicast",
            ),
            // 5. src == dst.
            (
                add(SRC, 11),
                VxlanError::SrcDstIdentical,
                "src and dst addresses are identical",
            ),
            // 6. src == dst is checked before the VNI.
            (
                VxlanArgs {
                    vni: None,
                    ..add(SRC, 11)
                },
                VxlanError::SrcDstIdentical,
                "src and dst addresses are identical",
            ),
            // 7. No VNI.
            (
                VxlanArgs {
                    vni: None,
                    ..add(DST, 11)
                },
                VxlanError::VniNotSpecified,
                "vni not specified",
            ),
            // 8. VNI 0.
            (
                add(DST, 0),
                VxlanError::VniNotSpecified,
                "vni not specified",
            ),
            // 9. VNI 2^24.
            (
                add(DST, 1 << 24),
                VxlanError::VniOutOfRange(1 << 24),
                "vni 16777216 out of range",
            ),
            // 10. VNI 2^32 - 1, printed as C's %d does.
            (
                add(DST, u32::MAX),
                VxlanError::VniOutOfRange(u32::MAX),
                "vni -1 out of range",
            ),
            // 11. Range is checked on delete too.
            (
                del(DST, 1 << 24),
                VxlanError::VniOutOfRange(1 << 24),
                "vni 16777216 out of range",
            ),
            // 12. The same key again.
            (
                add(DST, 11),
                VxlanError::TunnelExists,
                "tunnel already exists...",
            ),
            // 13. The same key with explicit default ports and another
            //     instance and dst_port (not part of the key).
            (
                VxlanArgs {
                    src_port: Some(4789),
                    dst_port: Some(9999),
                    instance: Some(7),
                    ..add(DST, 11)
                },
                VxlanError::TunnelExists,
                "tunnel already exists...",
            ),
            // 14. Delete of a missing key (another VNI).
            (
                del(DST, 12),
                VxlanError::NoSuchTunnel,
                "tunnel does not exist...",
            ),
            // 15. Delete of a missing key (another src_port).
            (
                VxlanArgs {
                    src_port: Some(4790),
                    ..del(DST, 11)
                },
                VxlanError::NoSuchTunnel,
                "tunnel does not exist...",
            ),
        ];
        for (n, (args, err, text)) in cases.into_iter().enumerate() {
            let got = fails(&mut c, |c| c.vxlan_add_del(&args));
            assert_eq!(got, err, "case {}", n + 1);
            assert_eq!(got.to_string(), text, "case {}", n + 1);
        }
    }

    #[test]
    fn instance() {
        let mut c = config();
        let sw = c
            .vxlan_add_del(&VxlanArgs {
                instance: Some(5),
                ..add(DST, 11)
            })
            .unwrap()
            .unwrap();
        assert_eq!(c.interface(sw).unwrap().name, "vxlan_tunnel5");
        let t = c.tunnel(0).unwrap();
        assert_eq!(
            (t.index, t.instance, t.name()),
            (0, 5, "vxlan_tunnel5".to_string())
        );
        assert_eq!(snapshot(&c).tunnel(0).unwrap().instance, 5);

        // A second instance 5 (another key).
        let e = fails(&mut c, |c| {
            c.vxlan_add_del(&VxlanArgs {
                instance: Some(5),
                ..add(ip(10, 99, 0, 2), 12)
            })
        });
        assert_eq!(e, VxlanError::InstanceInUse);
        assert_eq!(e.to_string(), "Instance is in use");

        // Without instance, the pool index (1) is the instance.
        let sw = c
            .vxlan_add_del(&add(ip(10, 99, 0, 2), 12))
            .unwrap()
            .unwrap();
        assert_eq!(c.interface(sw).unwrap().name, "vxlan_tunnel1");

        // As in VPP, the default instance can collide with an explicit one:
        // pool index 2 is free but instance 2 is taken.
        let mut c = config();
        c.vxlan_add_del(&VxlanArgs {
            instance: Some(2),
            ..add(DST, 1)
        })
        .unwrap();
        c.vxlan_add_del(&add(DST, 2)).unwrap();
        assert_eq!(c.tunnel(1).unwrap().name(), "vxlan_tunnel1");
        let e = fails(&mut c, |c| c.vxlan_add_del(&add(DST, 3)));
        assert_eq!(e, VxlanError::InstanceInUse);
    }

    #[test]
    fn name_in_use() {
        let mut c = config();
        c.create_pg_interface("vxlan_tunnel0").unwrap();
        let e = fails(&mut c, |c| c.vxlan_add_del(&add(DST, 11)));
        assert_eq!(e, VxlanError::NameInUse("vxlan_tunnel0".into()));
        assert_eq!(e.to_string(), "interface `vxlan_tunnel0' already exists");
        // Another instance works.
        c.vxlan_add_del(&VxlanArgs {
            instance: Some(1),
            ..add(DST, 11)
        })
        .unwrap();
    }

    #[test]
    fn add_publishes_the_tunnel() {
        let mut c = config();
        let sw = c
            .vxlan_add_del(&VxlanArgs {
                src_port: Some(4790),
                dst_port: Some(8472),
                ..add(DST, 0x00ab_cdef)
            })
            .unwrap()
            .unwrap();
        assert_eq!(sw, 1);
        let tun = *c.tunnel(0).unwrap();
        assert_eq!(
            tun,
            TunnelConfig {
                index: 0,
                instance: 0,
                src: SRC.into(),
                dst: DST.into(),
                src_port: 4790,
                dst_port: 8472,
                vni: 0x00ab_cdef,
                sw_if_index: 1,
            }
        );
        let ifc = c.interface(sw).unwrap();
        assert_eq!(ifc.kind, InterfaceKind::Vxlan4 { tunnel: 0 });
        assert!(ifc.admin_up);
        assert_eq!(ifc.l2, L2Mode::L3);
        assert_eq!(&ifc.mac.0[..2], &[0x02, 0xfe]);

        let t = snapshot(&c);
        let i = t.interface(sw).unwrap();
        assert_eq!(i.output, Output::Vxlan4 { tunnel: 0 });
        assert!(i.up);
        assert_eq!(i.l2, L2Mode::L3);
        let key = Vxlan4Key {
            remote: DST,
            local: SRC,
            port: 4790,
            vni_word: 0xabcd_ef00,
        };
        assert_eq!(tun.key(), TunnelKey::V4(key));
        assert_eq!(t.vxlan4.get(&key), Some(&0));
        assert_eq!(t.vxlan4_ports, vec![4790]);
        let tt = t.tunnel(0).unwrap();
        assert_eq!((tt.sw_if_index, tt.instance, tt.vni), (1, 0, 0x00ab_cdef));
        assert_eq!(tt.encap, None);
    }

    #[test]
    fn ports_are_deduplicated_and_sorted() {
        let mut c = config();
        for (vni, port) in [(1, 5000), (2, 4789), (3, 5000), (4, 0)] {
            c.vxlan_add_del(&VxlanArgs {
                src_port: Some(port),
                ..add(DST, vni)
            })
            .unwrap();
        }
        assert_eq!(snapshot(&c).vxlan4_ports, vec![4789, 5000]);
        c.vxlan_add_del(&VxlanArgs {
            src_port: Some(5000),
            ..del(DST, 1)
        })
        .unwrap();
        assert_eq!(snapshot(&c).vxlan4_ports, vec![4789, 5000]);
        c.vxlan_add_del(&VxlanArgs {
            src_port: Some(5000),
            ..del(DST, 3)
        })
        .unwrap();
        assert_eq!(snapshot(&c).vxlan4_ports, vec![4789]);
    }

    #[test]
    fn delete_frees_index_and_instance_and_unxconnects_the_peer() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        let t0 = c.vxlan_add_del(&add(DST, 11)).unwrap().unwrap();
        let t1 = c
            .vxlan_add_del(&add(ip(10, 99, 0, 2), 12))
            .unwrap()
            .unwrap();
        assert_eq!((eth0, t0, t1), (1, 2, 3));
        c.set_l2_xconnect(t0, t1).unwrap();
        c.set_l2_xconnect(t1, t0).unwrap();
        c.set_l2_xconnect(eth0, t0).unwrap();

        let gen_before = snapshot(&c).generation;
        assert_eq!(c.vxlan_add_del(&del(DST, 11)).unwrap(), None);
        let t = snapshot(&c);
        assert_eq!(t.generation, gen_before + 1);
        // The tunnel and its interface are gone.
        assert!(c.interface(t0).is_none());
        assert!(c.tunnel(0).is_none());
        assert_eq!(t.interfaces[t0 as usize], None);
        assert_eq!(t.tunnels[0], None);
        assert_eq!(t.vxlan4.len(), 1);
        // Its peers are back in L3; the survivor keeps its own mode.
        assert_eq!(c.interface(t1).unwrap().l2, L2Mode::L3);
        assert_eq!(c.interface(eth0).unwrap().l2, L2Mode::L3);
        assert_eq!(t.interface(t1).unwrap().l2, L2Mode::L3);
        assert_eq!(t.interface(eth0).unwrap().l2, L2Mode::L3);

        // Deleting it again fails.
        let e = fails(&mut c, |c| c.vxlan_add_del(&del(DST, 11)));
        assert_eq!(e, VxlanError::NoSuchTunnel);

        // The index and instance are reused: pool 0, instance 0, sw_if_index 2.
        let again = c.vxlan_add_del(&add(DST, 13)).unwrap().unwrap();
        assert_eq!(again, t0);
        let tun = c.tunnel(0).unwrap();
        assert_eq!((tun.instance, tun.vni, tun.sw_if_index), (0, 13, t0));
        assert_eq!(c.interface(again).unwrap().name, "vxlan_tunnel0");
        assert_eq!(c.interface(again).unwrap().l2, L2Mode::L3);

        // An explicit instance is freed too.
        c.vxlan_add_del(&VxlanArgs {
            instance: Some(9),
            ..add(DST, 20)
        })
        .unwrap();
        c.vxlan_add_del(&del(DST, 20)).unwrap();
        assert_eq!(c.tunnels().count(), 2);
        let sw = c
            .vxlan_add_del(&VxlanArgs {
                instance: Some(9),
                ..add(DST, 21)
            })
            .unwrap()
            .unwrap();
        assert_eq!(c.interface(sw).unwrap().name, "vxlan_tunnel9");
        // Deleting the last tunnel shrinks the published vectors.
        c.vxlan_add_del(&del(DST, 21)).unwrap();
        c.vxlan_add_del(&del(ip(10, 99, 0, 2), 12)).unwrap();
        c.vxlan_add_del(&del(DST, 13)).unwrap();
        let t = snapshot(&c);
        assert!(t.tunnels.is_empty() && t.vxlan4.is_empty() && t.vxlan4_ports.is_empty());
        assert_eq!(t.interfaces.len(), 2);
    }

    #[test]
    fn listing() {
        let mut c = config();
        assert_eq!(c.tunnels().count(), 0);
        c.vxlan_add_del(&add(DST, 11)).unwrap();
        c.vxlan_add_del(&VxlanArgs {
            instance: Some(7),
            ..add(ip(10, 99, 0, 2), 12)
        })
        .unwrap();
        let listed: Vec<_> = c.tunnels().map(|t| (t.index, t.instance, t.vni)).collect();
        assert_eq!(listed, [(0, 0, 11), (1, 7, 12)]);
        assert!(c.tunnel(2).is_none());
    }
}
