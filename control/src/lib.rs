//! weft's control plane: configuration state and the debug CLI's grammar
//! and commands.
//!
//! Today this crate holds the configuration model, [`Config`]: the single
//! backend the CLI (and any later API) calls, one method per operation,
//! like VPP's `vnet_vxlan_add_del_tunnel` behind both `create vxlan tunnel`
//! and the binary API. Each method validates, changes the model only if
//! every check passed, then publishes a fresh
//! [`dataplane::tables::Tables`] snapshot for the workers.
//!
//! | module | operations |
//! |---|---|
//! | [`config`] | the model, [`ConfigError`], snapshot building |
//! | [`interface`] | pg interfaces, lookup, state, MAC, MTU |
//! | [`device`] | what `create interface af_xdp` asks for ([`device::DeviceArgs`]), [`device::DeviceError`] |
//! | [`ip`] | IPv4 addresses, neighbours |
//! | [`vxlan`] | tunnels ([`VxlanError`]) |
//! | [`l2`] | xconnect, L3 |
//! | [`bridge`] | bridge domains, members, the L2 FIB ([`bridge::BridgeError`]) |
//! | [`pcap`] | the packet capture in progress (`pcap trace`, [`pcap::PcapError`]) |
//! | [`runtime`] | what the CLI needs from the running dataplane ([`runtime::Runtime`]) |
//! | [`metrics`] | `/metrics`: the counters in the names of VPP's Prometheus exporter ([`metrics::Scrape`]) |
//! | [`cli`] | the debug CLI: command grammar ([`cli::Cli`]), commands |
//!
//! Errors carry VPP's message text, so the CLI prints
//! `<command path>: <message>` exactly as VPP does.
//!
//! # Example: the koko demo
//!
//! ```
//! use control::{Config, VxlanArgs};
//! use dataplane::tables::new_handle;
//! use dataplane::wire::EthernetAddress;
//!
//! let handle = new_handle();
//! let mut config = Config::new(handle.clone());
//! let (eth0, _port, _pg) = config.create_pg_interface("eth0")?;
//! config.add_del_ip4_address(eth0, "10.99.0.3".parse()?, 24, false)?;
//! config.set_interface_state(eth0, true)?;
//! let koko1 = EthernetAddress([0x02, 0x42, 0x0a, 0x63, 0x00, 0x01]);
//! config.add_del_neighbor(eth0, "10.99.0.1".parse::<std::net::Ipv4Addr>()?, koko1, true, false)?;
//! let tunnel = |dst: &str, vni| -> Result<VxlanArgs, std::net::AddrParseError> {
//!     Ok(VxlanArgs {
//!         src: Some("10.99.0.3".parse()?),
//!         dst: Some(dst.parse()?),
//!         vni: Some(vni),
//!         ..VxlanArgs::default()
//!     })
//! };
//! let t0 = config.vxlan_add_del(&tunnel("10.99.0.1", 11)?)?.unwrap();
//! let t1 = config.vxlan_add_del(&tunnel("10.99.0.2", 12)?)?.unwrap();
//! assert_eq!(config.interface(t0).unwrap().name, "vxlan_tunnel0");
//! config.set_l2_xconnect(t0, t1)?;
//! config.set_l2_xconnect(t1, t0)?;
//!
//! let tables = handle.load();
//! assert!(tables.tunnel(0).unwrap().encap.is_some()); // koko1's MAC is known
//! assert!(tables.tunnel(1).unwrap().encap.is_none()); // koko2's is not
//!
//! // Errors print as VPP prints them.
//! let err = config.vxlan_add_del(&VxlanArgs::default()).unwrap_err();
//! assert_eq!(err.to_string(), "tunnel src address not specified");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bridge;
pub mod cli;
pub mod config;
pub mod device;
pub mod egress;
pub mod fib;
pub mod interface;
pub mod ip;
pub mod ip6;
pub mod l2;
pub mod logging;
pub mod metrics;
pub mod pcap;
pub mod runtime;
pub mod subif;
pub mod vxlan;

pub use config::{Config, ConfigError};
pub use interface::{InterfaceConfig, InterfaceKind};
pub use ip::{Ipv4Cidr, Neighbor};
pub use vxlan::{TunnelConfig, VXLAN_PORT, VxlanArgs, VxlanError};
