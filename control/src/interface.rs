//! Interfaces: creation, lookup, admin state, MAC and MTU
//! (VPP's `src/vnet/interface_cli.c`).
//!
//! Every interface has a sw_if_index, the lowest free one when it is
//! created (an index is reused after a delete), and a unique name:
//!
//! | kind | name | MAC | MTU | state |
//! |---|---|---|---|---|
//! | local0 | `local0`, always index 0 | none (zero) | 0 | down |
//! | pg | as given | `02:fe:` + sw_if_index (big-endian) | 1500 | down |
//! | VXLAN | `vxlan_tunnel<instance>` | `02:fe:` + 4 random-looking bytes | 0 | up |
//!
//! The MTU is the L3 (packet) MTU, as `set interface mtu packet` sets it.
//! VPP shows `0/0/0/0` for a vxlan tunnel; the encap checks the uplink's
//! MTU instead.

use std::sync::Arc;

use dataplane::io::pg::{PgHandle, PgPort};
use dataplane::tables::{L2Mode, Output};
use dataplane::wire::EthernetAddress;

use crate::config::{Config, ConfigError};
use crate::ip::Ipv4Cidr;

/// Default L3 MTU of a pg interface.
pub const PG_MTU: u16 = 1500;

/// L3 MTU of a loopback interface (VPP shows `9000/0/0/0`).
pub const LOOPBACK_MTU: u16 = 9000;

/// What an interface is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterfaceKind {
    /// `local0`, VPP's placeholder at index 0: no addresses, no L2 mode,
    /// everything sent to it is dropped.
    Local,
    /// A packet-generator interface (in-memory, for tests and benchmarks).
    Pg,
    /// An AF_XDP interface on a Linux netdev (the device itself is the
    /// runtime's; the model only knows it is an Ethernet device).
    AfXdp,
    /// An AF_PACKET interface (`create host-interface`) on a Linux netdev.
    AfPacket,
    /// A loopback interface (`create loopback interface`): Ethernet-like,
    /// with no device; what is sent to it is dropped.
    Loopback {
        /// The number in its name, `loop<instance>`.
        instance: u32,
    },
    /// An IPv4 VXLAN tunnel.
    Vxlan4 {
        /// The tunnel's pool index.
        tunnel: u32,
    },
    /// An IPv6 VXLAN tunnel.
    Vxlan6 {
        /// The tunnel's pool index.
        tunnel: u32,
    },
    /// An 802.1Q sub-interface of an Ethernet device ([`crate::subif`]).
    Sub(crate::subif::SubIf),
}

impl InterfaceKind {
    /// How packets sent out of such an interface leave.
    pub fn output(self) -> Output {
        match self {
            InterfaceKind::Local | InterfaceKind::Loopback { .. } => Output::Drop,
            InterfaceKind::Pg | InterfaceKind::AfXdp | InterfaceKind::AfPacket => Output::Device,
            InterfaceKind::Vxlan4 { tunnel } => Output::Vxlan4 { tunnel },
            InterfaceKind::Vxlan6 { tunnel } => Output::Vxlan6 { tunnel },
            InterfaceKind::Sub(s) => Output::Dot1q {
                parent: s.parent,
                vlan: s.vlan,
            },
        }
    }
}

impl InterfaceConfig {
    /// How packets sent out of it leave: its kind's output, or into its
    /// bridge for a BVI.
    pub fn output(&self) -> Output {
        match self.l2 {
            L2Mode::Bridge { bvi: true, .. } => Output::Bvi,
            _ => self.kind.output(),
        }
    }
}

/// One interface as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceConfig {
    /// Index (VPP's sw_if_index).
    pub sw_if_index: u32,
    /// Name, unique.
    pub name: String,
    /// What it is.
    pub kind: InterfaceKind,
    /// Administratively up.
    pub admin_up: bool,
    /// The link is up: for a device, what the kernel last said of the
    /// Linux interface (running, and present); always true for interfaces
    /// without a device. Up in the dataplane means both.
    pub link_up: bool,
    /// MAC address (zero for local0).
    pub mac: EthernetAddress,
    /// L3 MTU in bytes.
    pub mtu: u16,
    /// L3, or xconnected to a peer.
    pub l2: L2Mode,
    /// IPv4 addresses, in the order they were added.
    pub ip4: Vec<Ipv4Cidr>,
}

impl Config {
    /// Creates a pg interface named `name`: Ethernet, admin down, L3 MTU
    /// [`PG_MTU`], MAC `02:fe:` followed by its sw_if_index. Returns its
    /// sw_if_index, the port for a worker and the handle the test injects
    /// and captures frames with.
    ///
    /// Errors: [`ConfigError::InvalidName`] for an empty name or one with
    /// whitespace, [`ConfigError::NameInUse`] if another interface has it.
    pub fn create_pg_interface(
        &mut self,
        name: &str,
    ) -> Result<(u32, PgPort, Arc<PgHandle>), ConfigError> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(ConfigError::InvalidName(name.to_string()));
        }
        if self.interface_index(name).is_some() {
            return Err(ConfigError::NameInUse(name.to_string()));
        }
        let sw_if_index = self.add_interface(|sw_if_index| {
            let [a, b, c, d] = sw_if_index.to_be_bytes();
            InterfaceConfig {
                sw_if_index,
                name: name.to_string(),
                kind: InterfaceKind::Pg,
                admin_up: false,
                link_up: true,
                mac: EthernetAddress([0x02, 0xfe, a, b, c, d]),
                mtu: PG_MTU,
                l2: L2Mode::L3,
                ip4: Vec::new(),
            }
        });
        self.publish();
        let (port, handle) = PgPort::new();
        Ok((sw_if_index, port, handle))
    }

    /// Adds a device interface (AF_XDP) named `name` with the device's
    /// own `mac` and L3 `mtu`, admin down, L3 mode. Returns its sw_if_index.
    ///
    /// Errors: [`ConfigError::InvalidName`], [`ConfigError::NameInUse`].
    pub fn create_device_interface(
        &mut self,
        name: &str,
        kind: InterfaceKind,
        mac: EthernetAddress,
        mtu: u16,
    ) -> Result<u32, ConfigError> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(ConfigError::InvalidName(name.to_string()));
        }
        if self.interface_index(name).is_some() {
            return Err(ConfigError::NameInUse(name.to_string()));
        }
        let sw_if_index = self.add_interface(|sw_if_index| InterfaceConfig {
            sw_if_index,
            name: name.to_string(),
            kind,
            admin_up: false,
            link_up: true,
            mac,
            mtu,
            l2: L2Mode::L3,
            ip4: Vec::new(),
        });
        self.publish();
        Ok(sw_if_index)
    }

    /// Deletes device interface `sw_if_index` with its addresses and
    /// neighbours; interfaces xconnected to it go back to L3, tunnels that
    /// used it as uplink lose their encap until another uplink reaches
    /// their remote.
    ///
    /// Errors: [`ConfigError::UnknownInterface`]; local0 and tunnels are
    /// not device interfaces ([`ConfigError::InvalidL2Config`] is not
    /// right for them, so the same unknown-interface error is returned).
    pub fn delete_device_interface(&mut self, sw_if_index: u32) -> Result<(), ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        if !matches!(
            ifc.kind,
            InterfaceKind::Pg | InterfaceKind::AfXdp | InterfaceKind::AfPacket
        ) {
            return Err(ConfigError::UnknownInterface(ifc.name.clone()));
        }
        self.remove_interface(sw_if_index);
        self.publish();
        Ok(())
    }

    /// The sw_if_index of the interface called `name`.
    pub fn interface_index(&self, name: &str) -> Option<u32> {
        self.interfaces()
            .find(|i| i.name == name)
            .map(|i| i.sw_if_index)
    }

    /// The interface `sw_if_index`.
    pub fn interface(&self, sw_if_index: u32) -> Option<&InterfaceConfig> {
        self.interfaces
            .get(sw_if_index as usize)
            .and_then(Option::as_ref)
    }

    /// Every interface, by increasing sw_if_index.
    pub fn interfaces(&self) -> impl Iterator<Item = &InterfaceConfig> {
        self.interfaces.iter().flatten()
    }

    /// Creates a loopback interface (`create loopback interface [mac <mac>]
    /// [instance <n>]`): named `loop<instance>`, where the instance is the
    /// one asked for or else the lowest free one; MAC `mac` or VPP's
    /// default `de:ad:00:00:00:<instance>` (low byte of the instance); L3
    /// MTU [`LOOPBACK_MTU`]; admin down. Returns its sw_if_index.
    ///
    /// Errors: [`ConfigError::LoopbackCreateFailed`] if the instance is
    /// taken or its name is used by another interface.
    pub fn create_loopback(
        &mut self,
        mac: Option<EthernetAddress>,
        instance: Option<u32>,
    ) -> Result<u32, ConfigError> {
        let taken = |c: &Config, n: u32| {
            c.interfaces()
                .any(|i| i.kind == InterfaceKind::Loopback { instance: n })
                || c.interface_index(&format!("loop{n}")).is_some()
        };
        let instance = match instance {
            Some(n) if taken(self, n) => return Err(ConfigError::LoopbackCreateFailed),
            Some(n) => n,
            None => (0..=u32::MAX)
                .find(|&n| !taken(self, n))
                .ok_or(ConfigError::LoopbackCreateFailed)?,
        };
        let mac = mac.unwrap_or(EthernetAddress([0xde, 0xad, 0, 0, 0, instance as u8]));
        let sw_if_index = self.add_interface(|sw_if_index| InterfaceConfig {
            sw_if_index,
            name: format!("loop{instance}"),
            kind: InterfaceKind::Loopback { instance },
            admin_up: false,
            link_up: true,
            mac,
            mtu: LOOPBACK_MTU,
            l2: L2Mode::L3,
            ip4: Vec::new(),
        });
        self.publish();
        Ok(sw_if_index)
    }

    /// Deletes loopback interface `sw_if_index` with its addresses and
    /// neighbours (`delete loopback interface intfc <if>`).
    ///
    /// Errors: [`ConfigError::LoopbackDeleteFailed`] if it is not a
    /// loopback (or does not exist).
    pub fn delete_loopback(&mut self, sw_if_index: u32) -> Result<(), ConfigError> {
        match self.interface(sw_if_index) {
            Some(i) if matches!(i.kind, InterfaceKind::Loopback { .. }) => {}
            _ => return Err(ConfigError::LoopbackDeleteFailed),
        }
        self.remove_interface(sw_if_index);
        self.publish();
        Ok(())
    }

    /// Sets the admin state (`set interface state <if> up|down`).
    pub fn set_interface_state(&mut self, sw_if_index: u32, up: bool) -> Result<(), ConfigError> {
        self.existing_mut(sw_if_index)?.admin_up = up;
        self.publish();
        Ok(())
    }

    /// Sets the link state of a device interface, as the kernel reports
    /// it (no publish when it does not change).
    pub fn set_link_state(&mut self, sw_if_index: u32, up: bool) -> Result<(), ConfigError> {
        let ifc = self.existing_mut(sw_if_index)?;
        if ifc.link_up != up {
            ifc.link_up = up;
            self.publish();
        }
        Ok(())
    }

    /// Sets the MAC address (`set interface mac address <if> <mac>`).
    /// Tunnels using the interface as uplink are re-stacked.
    ///
    /// Errors: [`ConfigError::MacChangeNotSupported`] for local0.
    pub fn set_interface_mac(
        &mut self,
        sw_if_index: u32,
        mac: EthernetAddress,
    ) -> Result<(), ConfigError> {
        let ifc = self.existing_mut(sw_if_index)?;
        if matches!(ifc.kind, InterfaceKind::Local | InterfaceKind::Sub(_)) {
            return Err(ConfigError::MacChangeNotSupported(sw_if_index));
        }
        let old = std::mem::replace(&mut ifc.mac, mac);
        // Its sub-interfaces have its MAC.
        for sub in self.interfaces.iter_mut().flatten() {
            if sub.sub().is_some_and(|s| s.parent == sw_if_index) {
                sub.mac = mac;
            }
        }
        let ifc = self.existing(sw_if_index)?;
        if let L2Mode::Bridge { bd, bvi: true, .. } = ifc.l2 {
            self.move_bvi_mac(bd, sw_if_index, old, mac);
        }
        self.publish();
        Ok(())
    }

    /// Sets the L3 MTU (`set interface mtu packet <mtu> <if>`). Like VPP,
    /// no range is enforced. Tunnels using the interface as uplink are
    /// re-stacked.
    pub fn set_interface_mtu(&mut self, sw_if_index: u32, mtu: u16) -> Result<(), ConfigError> {
        self.existing_mut(sw_if_index)?.mtu = mtu;
        self.publish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use dataplane::tables::{Interface, Output};

    use super::*;
    use crate::config::test_util::{config, fails, snapshot};
    use crate::vxlan::VxlanArgs;

    #[test]
    fn create_pg() {
        let mut c = config();
        let (eth0, _port, pg) = c.create_pg_interface("eth0").unwrap();
        let (eth1, _port1, _pg1) = c.create_pg_interface("eth1").unwrap();
        assert_eq!((eth0, eth1), (1, 2));
        assert_eq!(pg.pending_rx(), 0);
        assert_eq!(
            c.interface(eth1).unwrap(),
            &InterfaceConfig {
                sw_if_index: 2,
                name: "eth1".into(),
                kind: InterfaceKind::Pg,
                admin_up: false,
                link_up: true,
                mac: EthernetAddress([0x02, 0xfe, 0, 0, 0, 2]),
                mtu: 1500,
                l2: L2Mode::L3,
                ip4: vec![],
            }
        );
        let t = snapshot(&c);
        assert_eq!(t.generation, 3);
        assert_eq!(
            t.interface(eth0),
            Some(&Interface {
                sw_if_index: 1,
                up: false,
                mac: EthernetAddress([0x02, 0xfe, 0, 0, 0, 1]),
                mtu: 1500,
                l2: L2Mode::L3,
                output: Output::Device,
            })
        );
        assert_eq!(c.interface_index("eth1"), Some(2));
        assert_eq!(c.interface_index("eth2"), None);
        let names: Vec<_> = c.interfaces().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["local0", "eth0", "eth1"]);
    }

    #[test]
    fn create_pg_failures() {
        let mut c = config();
        c.create_pg_interface("eth0").unwrap();
        // 1. Duplicate name.
        let e = fails(&mut c, |c| c.create_pg_interface("eth0"));
        assert_eq!(e, ConfigError::NameInUse("eth0".into()));
        assert_eq!(e.to_string(), "interface `eth0' already exists");
        // 2. local0's name.
        let e = fails(&mut c, |c| c.create_pg_interface("local0"));
        assert_eq!(e, ConfigError::NameInUse("local0".into()));
        // 3. Empty name.
        let e = fails(&mut c, |c| c.create_pg_interface(""));
        assert_eq!(e.to_string(), "invalid interface name `'");
        // 4. Whitespace.
        let e = fails(&mut c, |c| c.create_pg_interface("eth 1"));
        assert_eq!(e, ConfigError::InvalidName("eth 1".into()));
    }

    #[test]
    fn indices_are_reused_lowest_first() {
        let mut c = config();
        let vxlan = |vni| VxlanArgs {
            src: Some("10.0.0.1".parse().unwrap()),
            dst: Some("10.0.0.2".parse().unwrap()),
            vni: Some(vni),
            ..VxlanArgs::default()
        };
        let del = |vni| VxlanArgs {
            is_add: false,
            ..vxlan(vni)
        };
        assert_eq!(c.vxlan_add_del(&vxlan(1)).unwrap(), Some(1));
        assert_eq!(c.vxlan_add_del(&vxlan(2)).unwrap(), Some(2));
        assert_eq!(c.vxlan_add_del(&vxlan(3)).unwrap(), Some(3));
        c.vxlan_add_del(&del(1)).unwrap();
        c.vxlan_add_del(&del(2)).unwrap();
        assert!(c.interface(1).is_none());
        assert_eq!(snapshot(&c).interfaces[1], None);
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        assert_eq!(eth0, 1);
        assert_eq!(c.vxlan_add_del(&vxlan(4)).unwrap(), Some(2));
    }

    #[test]
    fn state_mac_mtu() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        let mac = EthernetAddress([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01]);
        c.set_interface_state(eth0, true).unwrap();
        c.set_interface_mac(eth0, mac).unwrap();
        c.set_interface_mtu(eth0, 9000).unwrap();
        let ifc = c.interface(eth0).unwrap();
        assert!(ifc.admin_up);
        assert_eq!((ifc.mac, ifc.mtu), (mac, 9000));
        let t = snapshot(&c);
        let i = t.interface(eth0).unwrap();
        assert!(i.up);
        assert_eq!((i.mac, i.mtu), (mac, 9000));
        c.set_interface_state(eth0, false).unwrap();
        assert!(!snapshot(&c).interface(eth0).unwrap().up);
        // local0 can go up and take an MTU.
        c.set_interface_state(0, true).unwrap();
        c.set_interface_mtu(0, 1500).unwrap();
        assert!(snapshot(&c).interface(0).unwrap().up);
    }

    #[test]
    fn state_mac_mtu_failures() {
        let mut c = config();
        let mac = EthernetAddress([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01]);
        // 1. Unknown interface, for each operation.
        let e = fails(&mut c, |c| c.set_interface_state(7, true));
        assert_eq!(e, ConfigError::UnknownInterface("7".into()));
        assert_eq!(e.to_string(), "unknown interface `7'");
        let e = fails(&mut c, |c| c.set_interface_mac(7, mac));
        assert_eq!(e, ConfigError::UnknownInterface("7".into()));
        let e = fails(&mut c, |c| c.set_interface_mtu(7, 1500));
        assert_eq!(e, ConfigError::UnknownInterface("7".into()));
        // 2. local0 has no MAC to change.
        let e = fails(&mut c, |c| c.set_interface_mac(0, mac));
        assert_eq!(
            e.to_string(),
            "mac address change is not supported for interface index 0"
        );
    }

    #[test]
    fn loopbacks() {
        let mut c = config();
        let l0 = c.create_loopback(None, None).unwrap();
        let l5 = c.create_loopback(None, Some(5)).unwrap();
        let mac = EthernetAddress([2, 0, 0, 0, 0, 9]);
        let l1 = c.create_loopback(Some(mac), None).unwrap();
        let ifc = |i| c.interface(i).unwrap().clone();
        assert_eq!(ifc(l0).name, "loop0");
        assert_eq!(ifc(l0).mac, EthernetAddress([0xde, 0xad, 0, 0, 0, 0]));
        assert_eq!(ifc(l5).name, "loop5");
        assert_eq!(ifc(l5).mac, EthernetAddress([0xde, 0xad, 0, 0, 0, 5]));
        assert_eq!((ifc(l1).name.as_str(), ifc(l1).mac), ("loop1", mac));
        assert_eq!(ifc(l1).mtu, LOOPBACK_MTU);
        assert_eq!(snapshot(&c).interface(l1).unwrap().output, Output::Drop);
        // 1. Instance taken.
        let e = fails(&mut c, |c| c.create_loopback(None, Some(5)));
        assert_eq!(e.to_string(), "vnet_create_loopback_interface failed");
        // 2. Deleting something else.
        let e = fails(&mut c, |c| c.delete_loopback(0));
        assert_eq!(e.to_string(), "vnet_delete_loopback_interface failed");
        c.delete_loopback(l0).unwrap();
        assert!(c.interface(l0).is_none());
        assert_eq!(c.create_loopback(None, None).unwrap(), l0);
    }

    #[test]
    fn kinds_map_to_outputs() {
        assert_eq!(InterfaceKind::Local.output(), Output::Drop);
        assert_eq!(InterfaceKind::Pg.output(), Output::Device);
        assert_eq!(
            InterfaceKind::Vxlan4 { tunnel: 3 }.output(),
            Output::Vxlan4 { tunnel: 3 }
        );
    }
}
