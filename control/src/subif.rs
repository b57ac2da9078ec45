//! 802.1Q sub-interfaces (`create sub-interfaces <if> <id> [dot1q <vlan>
//! exact-match]`, `delete sub-interface <if>`; VPP's
//! `src/vnet/interface_cli.c` and `src/vnet/ethernet/interface.c`).
//!
//! A sub-interface `<parent>.<id>` takes the frames of one VLAN on an
//! Ethernet device (AF_XDP, host-interface, pg) and sends its own with
//! that tag on the parent's device. It has its own sw_if_index, admin
//! state, addresses, neighbours and counters; its MAC is the parent's
//! (followed when the parent's changes) and it is up only while the
//! parent is. Tunnels whose remote is on its subnet leave through it (a
//! VXLAN underlay on a VLAN).
//!
//! What weft does not do (refused, never accepted and ignored): L2 modes
//! on a sub-interface (VPP's `l2 tag-rewrite` world), QinQ (`dot1ad`,
//! `inner-dot1q`), `any`/`default`/`untagged` matches and id ranges. Every
//! sub-interface is exact-match with one tag, as VPP's plain
//! `create sub-interfaces <if> <id>` is (and as VPP requires of routed
//! sub-interfaces).

use dataplane::tables::L2Mode;
use dataplane::vlan::MAX_VLAN;

use crate::config::{Config, ConfigError};
use crate::interface::{InterfaceConfig, InterfaceKind};

/// A sub-interface's place: its parent, its number and its VLAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubIf {
    /// The parent's sw_if_index.
    pub parent: u32,
    /// The number in its name, `<parent>.<id>`.
    pub id: u32,
    /// The VLAN id its frames carry (0..=4095).
    pub vlan: u16,
}

impl Config {
    /// Creates sub-interface `<parent>.<id>` for VLAN `vlan` (`None`: the
    /// id, as VPP's `create sub-interfaces <if> <id>`), admin down, with
    /// the parent's MAC and MTU. Returns its sw_if_index. The same
    /// sub-interface again is not an error (VPP's CLI skips an existing
    /// id silently): its index is returned, nothing changes.
    ///
    /// Errors: [`ConfigError::NotEthernetParent`] for a parent that is not
    /// an Ethernet device, [`ConfigError::VlanRange`],
    /// [`ConfigError::VlanInUse`] for a VLAN another sub-interface of the
    /// parent has, or an id that exists with another VLAN.
    pub fn create_sub_interface(
        &mut self,
        parent: u32,
        id: u32,
        vlan: Option<u32>,
    ) -> Result<u32, ConfigError> {
        let p = self.existing(parent)?;
        if !matches!(
            p.kind,
            InterfaceKind::AfXdp | InterfaceKind::AfPacket | InterfaceKind::Pg
        ) {
            return Err(ConfigError::NotEthernetParent(p.name.clone()));
        }
        let vlan = vlan.unwrap_or(id);
        let vlan = u16::try_from(vlan)
            .ok()
            .filter(|&v| v <= MAX_VLAN)
            .ok_or(ConfigError::VlanRange(vlan))?;
        let (name, mac, mtu) = (format!("{}.{id}", p.name), p.mac, p.mtu);
        for s in self.sub_interfaces_of(parent) {
            let (sw, sub) = (s.sw_if_index, s.sub().expect("a sub-interface"));
            match (sub.id == id, sub.vlan == vlan) {
                (true, true) => return Ok(sw),
                (false, false) => {}
                _ => return Err(ConfigError::VlanInUse),
            }
        }
        if self.interface_index(&name).is_some() {
            return Err(ConfigError::NameInUse(name));
        }
        let sw_if_index = self.add_interface(|sw_if_index| InterfaceConfig {
            sw_if_index,
            name,
            kind: InterfaceKind::Sub(SubIf { parent, id, vlan }),
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

    /// Deletes sub-interface `sw_if_index` with its addresses and
    /// neighbours (`delete sub-interface <if>`).
    ///
    /// Errors: [`ConfigError::SubInterfaceDeleteFailed`] if it is not a
    /// sub-interface.
    pub fn delete_sub_interface(&mut self, sw_if_index: u32) -> Result<(), ConfigError> {
        if self.interface(sw_if_index).and_then(|i| i.sub()).is_none() {
            return Err(ConfigError::SubInterfaceDeleteFailed);
        }
        self.remove_interface(sw_if_index);
        self.publish();
        Ok(())
    }

    /// The sub-interfaces of `parent`, by sw_if_index.
    pub fn sub_interfaces_of(&self, parent: u32) -> impl Iterator<Item = &InterfaceConfig> {
        self.interfaces()
            .filter(move |i| i.sub().is_some_and(|s| s.parent == parent))
    }

    /// [`ConfigError::SubInterfaceL2`] if `sw_if_index` is a
    /// sub-interface: weft's are L3 only.
    pub(crate) fn refuse_sub_l2(&self, sw_if_index: u32) -> Result<(), ConfigError> {
        match self.interface(sw_if_index) {
            Some(i) if i.sub().is_some() => Err(ConfigError::SubInterfaceL2(i.name.clone())),
            _ => Ok(()),
        }
    }
}

impl InterfaceConfig {
    /// Its place, if it is a sub-interface.
    pub fn sub(&self) -> Option<SubIf> {
        match self.kind {
            InterfaceKind::Sub(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use dataplane::tables::Output;

    use super::*;
    use crate::config::test_util::{config, fails, snapshot};

    #[test]
    fn create_show_delete() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        let s100 = c.create_sub_interface(eth0, 100, None).unwrap();
        let s7 = c.create_sub_interface(eth0, 7, Some(200)).unwrap();
        let ifc = c.interface(s100).unwrap().clone();
        assert_eq!(ifc.name, "eth0.100");
        assert_eq!(
            ifc.sub(),
            Some(SubIf {
                parent: eth0,
                id: 100,
                vlan: 100
            })
        );
        assert_eq!(ifc.mac, c.interface(eth0).unwrap().mac);
        assert!(!ifc.admin_up);
        assert_eq!(c.interface(s7).unwrap().name, "eth0.7");
        // The same again: nothing new.
        assert_eq!(c.create_sub_interface(eth0, 100, Some(100)).unwrap(), s100);
        let t = snapshot(&c);
        assert_eq!(
            t.interface(s7).unwrap().output,
            Output::Dot1q {
                parent: eth0,
                vlan: 200
            }
        );
        assert_eq!(t.dot1q.lookup(eth0, 200), Some(s7));
        assert_eq!(t.dot1q.lookup(eth0, 7), None);
        // Up only while the parent is.
        c.set_interface_state(s100, true).unwrap();
        assert!(!snapshot(&c).interface(s100).unwrap().up);
        c.set_interface_state(eth0, true).unwrap();
        assert!(snapshot(&c).interface(s100).unwrap().up);
        c.set_link_state(eth0, false).unwrap();
        assert!(!snapshot(&c).interface(s100).unwrap().up);
        c.set_link_state(eth0, true).unwrap();
        // The parent's MAC is followed.
        let mac = dataplane::wire::EthernetAddress([2, 0, 0, 0, 0, 0x42]);
        c.set_interface_mac(eth0, mac).unwrap();
        assert_eq!(c.interface(s100).unwrap().mac, mac);
        assert_eq!(snapshot(&c).interface(s100).unwrap().mac, mac);
        c.delete_sub_interface(s7).unwrap();
        assert!(c.interface(s7).is_none());
        assert_eq!(snapshot(&c).dot1q.lookup(eth0, 200), None);
        // Deleting the parent takes its sub-interfaces.
        c.delete_device_interface(eth0).unwrap();
        assert!(c.interface(s100).is_none());
        assert!(snapshot(&c).dot1q.is_empty());
    }

    #[test]
    fn refusals_change_nothing() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        let s = c.create_sub_interface(eth0, 100, None).unwrap();
        let lo = c.create_loopback(None, None).unwrap();
        let e = fails(&mut c, |c| c.create_sub_interface(eth0, 101, Some(100)));
        assert_eq!(e.to_string(), "vlan is already in use");
        let e = fails(&mut c, |c| c.create_sub_interface(eth0, 100, Some(101)));
        assert_eq!(e, ConfigError::VlanInUse);
        let e = fails(&mut c, |c| c.create_sub_interface(eth0, 5000, None));
        assert_eq!(e.to_string(), "vlan id 5000 out of range (0-4095)");
        let e = fails(&mut c, |c| c.create_sub_interface(lo, 1, None));
        assert_eq!(
            e.to_string(),
            "`loop0' is not an Ethernet device: weft makes sub-interfaces of af_xdp, host and pg interfaces"
        );
        let e = fails(&mut c, |c| c.create_sub_interface(s, 1, None));
        assert_eq!(e, ConfigError::NotEthernetParent("eth0.100".into()));
        let e = fails(&mut c, |c| c.delete_sub_interface(eth0));
        assert_eq!(e.to_string(), "delete_subinterface_interface failed");
        // L3 only.
        let e = fails(&mut c, |c| c.set_l2_xconnect(s, eth0));
        assert_eq!(
            e.to_string(),
            "eth0.100 is a sub-interface: weft's sub-interfaces are L3 only"
        );
        let e = fails(&mut c, |c| c.set_l2_xconnect(eth0, s));
        assert_eq!(e, ConfigError::SubInterfaceL2("eth0.100".into()));
        // A sub-interface's own MAC does not change.
        let mac = dataplane::wire::EthernetAddress([2, 0, 0, 0, 0, 0x42]);
        let e = fails(&mut c, |c| c.set_interface_mac(s, mac));
        assert_eq!(e, ConfigError::MacChangeNotSupported(s));
    }
}
