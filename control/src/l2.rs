//! L2 modes: `set interface l2 xconnect` and `set interface l3`
//! (VPP's `src/vnet/l2/l2_input.c`, `set_int_l2_mode`).
//!
//! An xconnect is one direction only: every frame received on the
//! interface is sent out of its peer. Both interfaces must be xconnected
//! for traffic to flow both ways, as in the koko demo:
//!
//! ```text
//! set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1
//! set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0
//! ```
//!
//! Deleting an interface returns every interface xconnected to it to L3
//! (see [`crate::vxlan`]). Bridge domains are in [`crate::bridge`].

use dataplane::tables::L2Mode;

use crate::config::{Config, ConfigError};
use crate::interface::InterfaceKind;

impl Config {
    /// Sends every frame received on `sw_if_index` out of `peer`
    /// (`set interface l2 xconnect <if> <peer>`). An interface may be
    /// xconnected to itself.
    ///
    /// Errors, in this order: [`ConfigError::UnknownInterface`],
    /// [`ConfigError::UnknownPeer`], [`ConfigError::InvalidL2Config`] if
    /// either is local0.
    pub fn set_l2_xconnect(&mut self, sw_if_index: u32, peer: u32) -> Result<(), ConfigError> {
        let ifc = self.existing(sw_if_index)?;
        let peer_ifc = self
            .interface(peer)
            .ok_or_else(|| ConfigError::UnknownPeer(peer.to_string()))?;
        if ifc.kind == InterfaceKind::Local || peer_ifc.kind == InterfaceKind::Local {
            return Err(ConfigError::InvalidL2Config);
        }
        self.refuse_sub_l2(sw_if_index)?;
        self.refuse_sub_l2(peer)?;
        self.leave_bridge(sw_if_index);
        self.existing_mut(sw_if_index)?.l2 = L2Mode::Xconnect { peer };
        self.publish();
        Ok(())
    }

    /// Returns an interface to routed mode (`set interface l3 <if>`).
    pub fn set_l3(&mut self, sw_if_index: u32) -> Result<(), ConfigError> {
        self.existing(sw_if_index)?;
        self.leave_bridge(sw_if_index);
        self.existing_mut(sw_if_index)?.l2 = L2Mode::L3;
        self.publish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_util::{config, fails, snapshot};

    #[test]
    fn xconnect_and_back() {
        let mut c = config();
        let (eth0, _p0, _h0) = c.create_pg_interface("eth0").unwrap();
        let (eth1, _p1, _h1) = c.create_pg_interface("eth1").unwrap();
        c.set_l2_xconnect(eth0, eth1).unwrap();
        // One direction only.
        assert_eq!(
            c.interface(eth0).unwrap().l2,
            L2Mode::Xconnect { peer: eth1 }
        );
        assert_eq!(c.interface(eth1).unwrap().l2, L2Mode::L3);
        let t = snapshot(&c);
        assert_eq!(
            t.interface(eth0).unwrap().l2,
            L2Mode::Xconnect { peer: eth1 }
        );
        assert_eq!(t.interface(eth1).unwrap().l2, L2Mode::L3);
        // Re-pointing replaces the peer; hairpin is allowed.
        c.set_l2_xconnect(eth0, eth0).unwrap();
        assert_eq!(
            snapshot(&c).interface(eth0).unwrap().l2,
            L2Mode::Xconnect { peer: eth0 }
        );
        c.set_l3(eth0).unwrap();
        assert_eq!(c.interface(eth0).unwrap().l2, L2Mode::L3);
        assert_eq!(snapshot(&c).interface(eth0).unwrap().l2, L2Mode::L3);
        // set l3 on an L3 interface (local0 included) is fine.
        c.set_l3(0).unwrap();
    }

    #[test]
    fn xconnect_failures() {
        let mut c = config();
        let (eth0, _p, _h) = c.create_pg_interface("eth0").unwrap();
        // 1. Unknown interface (checked before the peer).
        let e = fails(&mut c, |c| c.set_l2_xconnect(9, 8));
        assert_eq!(e, ConfigError::UnknownInterface("9".into()));
        assert_eq!(e.to_string(), "unknown interface `9'");
        // 2. Unknown peer.
        let e = fails(&mut c, |c| c.set_l2_xconnect(eth0, 8));
        assert_eq!(e, ConfigError::UnknownPeer("8".into()));
        assert_eq!(e.to_string(), "unknown peer interface `8'");
        // 3. local0 as the interface.
        let e = fails(&mut c, |c| c.set_l2_xconnect(0, eth0));
        assert_eq!(e.to_string(), "invalid configuration for interface");
        // 4. local0 as the peer.
        let e = fails(&mut c, |c| c.set_l2_xconnect(eth0, 0));
        assert_eq!(e, ConfigError::InvalidL2Config);
        // 5. set l3 on an unknown interface.
        let e = fails(&mut c, |c| c.set_l3(9));
        assert_eq!(e, ConfigError::UnknownInterface("9".into()));
    }
}
