//! The koko configuration over a pg interface, built through the control
//! backend (the calls the CLI makes), with one worker the test polls
//! itself: the rig of `tests/koko_pg.rs` and the pg tests, with the pool size and the
//! resolved neighbours chosen by the test, and helpers that snapshot every
//! counter so a test can assert exactly which ones moved.
//!
//! ```text
//!  koko1 10.99.0.1 ──┐                   ┌── koko2 10.99.0.2
//!   VNI 11 ──────────┴── eth0 (pg) ──────┴── VNI 12
//!            vxlan_tunnel0 <-xconnect-> vxlan_tunnel1
//! ```

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use weft::control::{Config, VxlanArgs};
use weft::dataplane::fixtures::{self, VxlanFrame};
use weft::dataplane::io::pg::PgHandle;
use weft::dataplane::nodes::standard_graph;
use weft::dataplane::pool::{PageSize, Pool, PoolConfig};
use weft::dataplane::stats::{IF_COUNTERS, IfCounter};
use weft::dataplane::tables::new_handle;
use weft::dataplane::wire::EthernetAddress;
use weft::dataplane::worker::Worker;

/// The interface counters by name, in `IfCounter` order (as
/// `show interface` names them).
pub const IF_COUNTER_NAMES: [&str; IF_COUNTERS] = [
    "rx packets",
    "rx bytes",
    "tx packets",
    "tx bytes",
    "drops",
    "punt",
    "ip4",
    "ip6",
    "rx-no-buf",
    "rx-miss",
    "rx-error",
    "tx-error",
];

/// The koko rig over pg.
pub struct KokoPg {
    /// The buffer pool.
    pub pool: Arc<Pool>,
    /// The control plane's model.
    pub config: Config,
    /// The worker, polled by the test.
    pub worker: Worker,
    /// The test's side of eth0.
    pub eth0: Arc<PgHandle>,
    /// eth0's sw_if_index.
    pub eth0_if: u32,
    /// vxlan_tunnel0 (VNI 11, koko1).
    pub tunnel0: u32,
    /// vxlan_tunnel1 (VNI 12, koko2).
    pub tunnel1: u32,
    /// eth0's MAC (weft's).
    pub mac: EthernetAddress,
}

/// A node counter: (node, description as `show errors` prints it).
pub type NodeCounter = (&'static str, &'static str);

/// A VXLAN tunnel from weft to `dst`.
pub fn tunnel_args(dst: Ipv4Addr, vni: u32, is_add: bool) -> VxlanArgs {
    VxlanArgs {
        is_add,
        src: Some(fixtures::WEFT_IP.into()),
        dst: Some(dst.into()),
        vni: Some(vni),
        ..VxlanArgs::default()
    }
}

impl KokoPg {
    /// The demo's configuration over a pool of `buffers` buffers, with
    /// koko1 resolved (static neighbour) and koko2 resolved only if
    /// `resolve_koko2`.
    pub fn new(buffers: u32, resolve_koko2: bool) -> KokoPg {
        let pool = Pool::new(PoolConfig {
            buffers,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .unwrap();
        let handle = new_handle();
        let mut config = Config::new(handle.clone());
        let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), handle);
        let (eth0_if, port, eth0) = config.create_pg_interface("eth0").unwrap();
        worker.ports_mut().insert(eth0_if, Box::new(port));
        config
            .add_del_ip6_address(eth0_if, super::malformed::WEFT_IP6, 64, false)
            .unwrap();
        config
            .add_del_ip4_address(eth0_if, fixtures::WEFT_IP, 24, false)
            .unwrap();
        config.set_interface_state(eth0_if, true).unwrap();
        config
            .add_del_neighbor(
                eth0_if,
                fixtures::KOKO1_IP,
                fixtures::KOKO1_MAC,
                true,
                false,
            )
            .unwrap();
        let tunnel0 = config
            .vxlan_add_del(&tunnel_args(fixtures::KOKO1_IP, 11, true))
            .unwrap()
            .unwrap();
        let tunnel1 = config
            .vxlan_add_del(&tunnel_args(fixtures::KOKO2_IP, 12, true))
            .unwrap()
            .unwrap();
        config.set_l2_xconnect(tunnel0, tunnel1).unwrap();
        config.set_l2_xconnect(tunnel1, tunnel0).unwrap();
        let mac = config.interface(eth0_if).unwrap().mac;
        let mut k = KokoPg {
            pool,
            config,
            worker,
            eth0,
            eth0_if,
            tunnel0,
            tunnel1,
            mac,
        };
        if resolve_koko2 {
            k.resolve_koko2(true);
        }
        k
    }

    /// Adds (or deletes) koko2's static neighbour entry.
    pub fn resolve_koko2(&mut self, add: bool) {
        self.config
            .add_del_neighbor(
                self.eth0_if,
                fixtures::KOKO2_IP,
                fixtures::KOKO2_MAC,
                true,
                !add,
            )
            .unwrap();
    }

    /// A frame from koko1's VTEP (VNI 11) carrying `inner`.
    pub fn frame_from_koko1(&self, inner: &[u8]) -> Vec<u8> {
        VxlanFrame {
            dst_mac: self.mac,
            ..VxlanFrame::FROM_KOKO1
        }
        .build(inner)
    }

    /// A frame from koko2's VTEP (VNI 12) carrying `inner`.
    pub fn frame_from_koko2(&self, inner: &[u8]) -> Vec<u8> {
        VxlanFrame {
            dst_mac: self.mac,
            ..VxlanFrame::FROM_KOKO2
        }
        .build(inner)
    }

    /// Queues `frames`, polls until the pg queue is empty, then once more;
    /// returns what eth0 transmitted.
    pub fn run(&mut self, frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
        for f in frames {
            self.eth0.inject(f);
        }
        while self.eth0.pending_rx() > 0 {
            self.worker.poll();
        }
        self.worker.poll();
        self.eth0.take_tx()
    }

    /// Every node counter of the worker, by (node, description).
    pub fn node_counters(&self) -> BTreeMap<NodeCounter, u64> {
        let stats = self.worker.stats();
        let mut out = BTreeMap::new();
        for (n, info) in stats.node_infos.iter().enumerate() {
            for (c, desc) in info.counters.iter().enumerate() {
                out.insert((info.name, desc.description), stats.nodes[n].counter(c));
            }
        }
        out
    }

    /// Every interface counter of eth0 and both tunnels, by (interface
    /// name, counter name).
    pub fn if_counters(&self) -> BTreeMap<(&'static str, &'static str), u64> {
        let stats = self.worker.stats();
        let mut out = BTreeMap::new();
        for (name, sw) in [
            ("eth0", self.eth0_if),
            ("vxlan_tunnel0", self.tunnel0),
            ("vxlan_tunnel1", self.tunnel1),
        ] {
            let values = stats.interfaces.snapshot(sw);
            for (c, v) in IF_COUNTER_NAMES.iter().zip(values) {
                out.insert((name, *c), v);
            }
        }
        out
    }

    /// One interface counter.
    pub fn ifc(&self, sw_if_index: u32, c: IfCounter) -> u64 {
        self.worker.stats().interfaces.get(sw_if_index, c)
    }
}

/// The entries of `after` that differ from `before`, as increments
/// (counters only grow).
pub fn moved<K: Ord + Copy>(
    before: &BTreeMap<K, u64>,
    after: &BTreeMap<K, u64>,
) -> BTreeMap<K, u64> {
    after
        .iter()
        .filter_map(|(k, &v)| {
            let b = before.get(k).copied().unwrap_or(0);
            (v != b).then(|| (*k, v - b))
        })
        .collect()
}

/// An inner Ethernet + IPv4 + UDP frame from test1 to test2, 98 bytes.
pub fn inner(sport: u16) -> Vec<u8> {
    fixtures::inner_udp(
        fixtures::TEST1_MAC,
        fixtures::TEST2_MAC,
        fixtures::TEST1_IP,
        fixtures::TEST2_IP,
        sport,
        80,
        98,
    )
}
