//! The nodes of the koko path, one per file, named as VPP names them.
//!
//! ```text
//!  pg-input / af_xdp-input
//!        |  (untraced vectors, fast path on)
//!        +--> vxlan4-fastpath --(VXLAN xconnected to VXLAN)----------------> interface-output
//!        |          | (everything else)
//!        v          v
//!  ethernet-input --(L2 xconnect)--> l2-input --> l2-output --+--> vxlan4-encap --+
//!        | (L3, IPv4 to us)              ^                     |                   |
//!  ip4-input --> ip4-local --> ip4-udp-lookup --> vxlan4-input  +-------------------+--> interface-output
//!        └──────(VXLAN to a tunnel port: ip4-vxlan-bypass)────^
//!        |           └──────> ip4-icmp-input (echo reply in place) ───────────────────────┘
//!  ethernet-input --(ARP)--> arp-reply (reply in place) ──────────────────────────────────┘
//!  ethernet-input --(IPv6)--> ip6-input --> ip6-icmp-input (echo reply, NA, in place) ────┘
//!                                 └──(UDP to a tunnel port)--> vxlan6-input --> l2-input
//!  l2-output --(IPv6 tunnel)--> vxlan6-encap --> interface-output
//!
//!  any node --> error-drop (counts the drop on the receive interface, frees)
//! ```
//!
//! Each file holds, in order: trace text helpers, the next-node and counter
//! declarations, the node type and its `process`, its `NodeInfo`, tests.

pub mod arp_reply;
pub mod arp_term_l2bd;
pub mod error_drop;
pub mod ethernet_input;
pub mod icmp_echo_reply;
pub mod input;
pub mod interface_output;
pub mod ip4_icmp_input;
pub mod ip4_input;
pub mod ip4_local;
pub mod ip4_udp_lookup;
pub mod ip6_icmp_input;
pub mod ip6_input;
pub mod l2_flood;
pub mod l2_fwd;
pub mod l2_input;
pub mod l2_learn;
pub mod l2_output;
pub mod vxlan4_encap;
pub mod vxlan4_fastpath;
pub mod vxlan4_hold;
pub mod vxlan4_input;
pub mod vxlan6_encap;
pub mod vxlan6_input;

#[cfg(test)]
mod tests;

use crate::graph::{Graph, Node};

/// The nodes of the standard graph, for a worker polling the given input
/// nodes (e.g. `["pg-input"]`).
pub fn standard_nodes(inputs: &[&'static str]) -> Vec<Box<dyn Node>> {
    let mut nodes: Vec<Box<dyn Node>> = Vec::new();
    for name in inputs {
        nodes.push(Box::new(input::InputNode::new(name)));
    }
    nodes.push(Box::new(vxlan4_fastpath::Vxlan4Fastpath::default()));
    nodes.push(Box::new(ethernet_input::EthernetInput));
    nodes.push(Box::new(ip4_input::Ip4Input));
    nodes.push(Box::new(ip4_local::Ip4Local));
    nodes.push(Box::new(ip4_icmp_input::Ip4IcmpInput));
    nodes.push(Box::new(icmp_echo_reply::IcmpEchoReply::ip4()));
    nodes.push(Box::new(arp_reply::ArpReply));
    nodes.push(Box::new(ip6_input::Ip6Input));
    nodes.push(Box::new(ip6_icmp_input::Ip6IcmpInput));
    nodes.push(Box::new(icmp_echo_reply::IcmpEchoReply::ip6()));
    nodes.push(Box::new(ip4_udp_lookup::Ip4UdpLookup));
    nodes.push(Box::new(vxlan4_input::Vxlan4Input));
    nodes.push(Box::new(l2_input::L2Input));
    nodes.push(Box::new(l2_learn::L2Learn));
    nodes.push(Box::new(arp_term_l2bd::ArpTermL2bd));
    nodes.push(Box::new(l2_fwd::L2Fwd));
    nodes.push(Box::new(l2_flood::L2Flood::default()));
    nodes.push(Box::new(l2_output::L2Output));
    nodes.push(Box::new(vxlan4_encap::Vxlan4Encap));
    nodes.push(Box::new(vxlan4_hold::Vxlan4Hold::default()));
    nodes.push(Box::new(vxlan6_input::Vxlan6Input));
    nodes.push(Box::new(vxlan6_encap::Vxlan6EncapNode));
    nodes.push(Box::new(interface_output::InterfaceOutput::default()));
    nodes.push(Box::new(error_drop::ErrorDrop::default()));
    nodes
}

/// The standard graph for the given input nodes.
pub fn standard_graph(inputs: &[&'static str]) -> Graph {
    Graph::new(standard_nodes(inputs)).expect("the standard graph is well formed")
}
