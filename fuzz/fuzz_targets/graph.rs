//! One arbitrary frame through the whole standard graph of a worker, the
//! way `dataplane/src/nodes/tests.rs` drives it. Nothing may panic, and
//! every buffer must be back in the pool once the worker is idle (no leak
//! per input).
//!
//! Two configurations, each run by two workers: one with vxlan4-fastpath on
//! (the default) and one with it off. The two must send the same bytes and
//! count the same node and interface counters: the fast path may only ever
//! do what the node path would.
//!
//! * **koko**: the koko tables (`fixtures::koko_tables`, pg port on
//!   UPLINK): VNI 11 and 12 cross-connected.
//! * **bridge**: built through `control::Config` as the CLI does: eth0
//!   (pg, 10.99.0.3/24, the koko neighbours static) and two bridge domains.
//!   Domain 10 (everything on) has vxlan_tunnel0 (VNI 11, koko1) and
//!   vxlan_tunnel1 (VNI 12, koko2) in split-horizon group 1, vxlan_tunnel2
//!   (VNI 13, koko3) in group 0, and loop0, its BVI, with 10.100.0.254/24;
//!   the containers' MACs behind each tunnel are learned. Domain 20 learns
//!   with a learn limit of 0 and floods nothing (flood 0, uu-flood 0):
//!   vxlan_tunnel3 (VNI 21, koko1) and vxlan_tunnel4 (VNI 22, koko2), with
//!   a static entry for koko2's container behind tunnel 4. So the seeds'
//!   VXLAN frames from koko1 and koko2 are bridged here, and fuzzed frames
//!   reach l2-learn (learning, moves, refreshes, limits, static move
//!   violations), l2-fwd (hits, misses, reflection, the BVI), l2-flood
//!   (replication, split horizon, the switches) and the BVI's ARP and ICMP
//!   replies, which re-enter the bridge. eth0 also has fd00::3/64 (IPv6,
//!   Neighbor Discovery, echo) and a sub-interface, eth0.100 (VLAN 100,
//!   10.99.100.3/24).
//!
//! The pools and workers are built once per process (thread-local); the
//! leak check compares `pool.in_use()` with its value right after
//! construction (buffers sitting in the worker's free cache count as
//! available, so the baseline is 0). The bridge's MAC table is the one
//! piece of state an input leaves behind, so each input starts from the
//! same table: the containers' entries are learned again before it (moving
//! back what the last input moved), the MAC it taught the bridge is
//! removed after it, and its length's parity sets the table's minute, so
//! about half the inputs refresh the entries they hit.
#![no_main]

use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use control::bridge::BridgeArgs;
use control::{Config, VxlanArgs};
use dataplane::fixtures::{self, UPLINK, koko_tables};
use dataplane::io::pg::{PgHandle, PgPort};
use dataplane::l2fib::L2Fib;
use dataplane::nodes::standard_graph;
use dataplane::pool::{PageSize, Pool, PoolConfig};
use dataplane::punt::{PuntMsg, punt_channel};
use dataplane::tables::{L2Mode, Tables, new_handle};
use dataplane::wire::EthernetAddress;
use dataplane::worker::Worker;
use libfuzzer_sys::fuzz_target;

/// koko3, the bridge's third VTEP.
const KOKO3_IP: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 4);
const KOKO3_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 0x04]);

/// A MAC learned behind a tunnel before every input.
#[derive(Clone, Copy)]
struct Learned {
    bd: u16,
    mac: EthernetAddress,
    sw_if_index: u32,
    isn: u8,
    limit: u32,
}

/// The bridge configuration's MAC table and what each input starts with.
struct BridgeState {
    /// Owns the table and the domains (the workers' snapshots share them).
    _config: Config,
    fib: Arc<L2Fib>,
    learned: Vec<Learned>,
    /// Domain 10's and 20's indices.
    bds: [u16; 2],
}

impl BridgeState {
    /// Learns the containers' MACs behind their tunnels again (minute 0).
    fn prime(&self, minute: u8) {
        self.fib.set_now(0);
        for l in &self.learned {
            let _ = self.fib.learn(l.bd, &l.mac, l.sw_if_index, l.isn, l.limit);
        }
        self.fib.set_now(minute);
    }

    /// Removes what `frame` taught the bridge: the inner source MAC of a
    /// VXLAN frame (the only MAC one input can teach it; the BVI's replies
    /// come from its static MAC), or, if that was not it, every learned
    /// entry but the primed ones.
    fn forget(&self, frame: &[u8]) {
        let primed = |bd: u16, mac: &EthernetAddress| {
            self.learned.iter().any(|l| l.bd == bd && l.mac == *mac)
        };
        if let Some(&ihl) = frame.get(14) {
            let inner = 14 + usize::from(ihl & 0x0f) * 4 + 16;
            if let Some(src) = frame.get(inner + 6..inner + 12) {
                let mac = EthernetAddress::from_bytes(src);
                for bd in self.bds {
                    if !primed(bd, &mac)
                        && self.fib.lookup(bd, &mac).is_some_and(|e| e.is_learned())
                    {
                        self.fib.remove(bd, &mac);
                    }
                }
            }
        }
        let expected = self.learned.iter().filter(|l| l.bd == self.bds[0]).count() as u32;
        if self.fib.learned(self.bds[0]) != expected || self.fib.learned(self.bds[1]) != 0 {
            self.fib
                .remove_if(|bd, mac, e| e.is_learned() && !primed(bd, &mac));
        }
    }
}

struct Rig {
    pool: Arc<Pool>,
    worker: Worker,
    eth0: Arc<PgHandle>,
    punts: Receiver<PuntMsg>,
    baseline: usize,
    bridge: Option<BridgeState>,
}

fn new_pool() -> Arc<Pool> {
    Pool::new(PoolConfig {
        buffers: 1024,
        page_size: PageSize::Normal,
        ..PoolConfig::default()
    })
    .expect("pool")
}

impl Rig {
    fn finish(
        pool: Arc<Pool>,
        mut worker: Worker,
        eth0: Arc<PgHandle>,
        bridge: Option<BridgeState>,
    ) -> Rig {
        let (punt, punts) = punt_channel(64);
        worker.set_punt(punt);
        let baseline = pool.in_use();
        Rig {
            pool,
            worker,
            eth0,
            punts,
            baseline,
            bridge,
        }
    }

    /// The koko tables.
    fn koko(fastpath: bool) -> Rig {
        let pool = new_pool();
        let tables = new_handle();
        tables.store(Arc::new(Tables {
            vxlan4_fastpath: fastpath,
            ..koko_tables()
        }));
        let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), tables);
        let (port, eth0) = PgPort::new();
        worker.ports_mut().insert(UPLINK, Box::new(port));
        Rig::finish(pool, worker, eth0, None)
    }

    /// The two bridge domains (see the module's documentation).
    fn bridge(fastpath: bool) -> Rig {
        let pool = new_pool();
        let handle = new_handle();
        let mut c = Config::new(handle.clone());
        let (eth0, port, pg) = c.create_pg_interface("eth0").expect("eth0");
        c.set_interface_mac(eth0, fixtures::WEFT_MAC).expect("mac");
        c.add_del_ip4_address(eth0, fixtures::WEFT_IP, 24, false)
            .expect("address");
        c.set_interface_state(eth0, true).expect("up");
        // IPv6 on eth0 (ip6-input, ND, echo) and eth0.100, VLAN 100, with
        // 10.99.100.3/24 (tags popped and pushed).
        c.add_del_ip6_address(eth0, "fd00::3".parse().expect("v6"), 64, false)
            .expect("v6 address");
        let sub = c.create_sub_interface(eth0, 100, None).expect("eth0.100");
        c.add_del_ip4_address(sub, Ipv4Addr::new(10, 99, 100, 3), 24, false)
            .expect("sub address");
        c.set_interface_state(sub, true).expect("sub up");
        let hosts = [
            (fixtures::KOKO1_IP, fixtures::KOKO1_MAC),
            (fixtures::KOKO2_IP, fixtures::KOKO2_MAC),
            (KOKO3_IP, KOKO3_MAC),
        ];
        for (ip, mac) in hosts {
            c.add_del_neighbor(eth0, ip, mac, true, false)
                .expect("neighbour");
        }
        c.bridge_domain_add(&BridgeArgs::new(10)).expect("bd 10");
        c.bridge_domain_add(&BridgeArgs {
            flood: false,
            uu_flood: false,
            ..BridgeArgs::new(20)
        })
        .expect("bd 20");
        c.set_bridge_learn_limit(20, 0).expect("learn limit");
        // The containers behind tunnels 0, 1, 2.
        let containers = [
            fixtures::TEST1_MAC,
            fixtures::TEST2_MAC,
            EthernetAddress([0x0a, 0, 0, 0, 0x03, 0x03]),
        ];
        // (host, VNI, domain, split-horizon group)
        let tunnels = [
            (0, 11, 10, 1),
            (1, 12, 10, 1),
            (2, 13, 10, 0),
            (0, 21, 20, 0),
            (1, 22, 20, 0),
        ];
        let mut sw = Vec::new();
        for (host, vni, bd, shg) in tunnels {
            let t = c
                .vxlan_add_del(&VxlanArgs {
                    src: Some(fixtures::WEFT_IP.into()),
                    dst: Some(hosts[host].0.into()),
                    vni: Some(vni),
                    ..VxlanArgs::default()
                })
                .expect("tunnel")
                .expect("created");
            c.set_l2_bridge(t, bd, false, shg).expect("bridged");
            sw.push(t);
        }
        let loop0 = c.create_loopback(None, None).expect("loop0");
        c.set_l2_bridge(loop0, 10, true, 0).expect("bvi");
        c.add_del_ip4_address(loop0, Ipv4Addr::new(10, 100, 0, 254), 24, false)
            .expect("bvi address");
        c.set_interface_state(loop0, true).expect("bvi up");
        c.l2fib_add(containers[1], 20, sw[4], true, false)
            .expect("static entry");
        c.set_vxlan4_fastpath(fastpath);

        let bd_index = |id| c.bridge_domain(id).expect("domain").bd_index;
        let bds = [bd_index(10), bd_index(20)];
        let learned = (0..3)
            .map(|k| {
                let Some(L2Mode::Bridge { isn, .. }) = c.interface(sw[k]).map(|i| i.l2) else {
                    unreachable!("bridged above")
                };
                Learned {
                    bd: bds[0],
                    mac: containers[k],
                    sw_if_index: sw[k],
                    isn,
                    limit: c.bridge_domain(10).expect("bd 10").learn_limit,
                }
            })
            .collect();
        let bridge = BridgeState {
            fib: c.l2fib().clone(),
            _config: c,
            learned,
            bds,
        };
        let mut worker = Worker::new(&pool, standard_graph(&["pg-input"]), handle);
        worker.ports_mut().insert(eth0, Box::new(port));
        Rig::finish(pool, worker, pg, Some(bridge))
    }

    /// Runs one frame; what was sent, and every counter.
    fn run(&mut self, data: &[u8]) -> (Vec<Vec<u8>>, Vec<u64>) {
        if let Some(b) = &self.bridge {
            b.prime((data.len() & 1) as u8);
        }
        self.eth0.inject(data);
        while self.eth0.pending_rx() > 0 {
            self.worker.poll();
        }
        self.worker.poll();
        let tx = self.eth0.take_tx();
        while self.punts.try_recv().is_ok() {}
        assert_eq!(self.pool.in_use(), self.baseline, "buffers leaked");
        if let Some(b) = &self.bridge {
            b.forget(data);
        }
        let stats = self.worker.stats();
        let mut counters: Vec<u64> = stats
            .nodes
            .iter()
            .flat_map(|n| (0..n.counters.len()).map(|c| n.counter(c)))
            .collect();
        for i in 0..8 {
            counters.extend(stats.interfaces.snapshot(i));
        }
        (tx, counters)
    }
}

thread_local! {
    static FAST: RefCell<Rig> = RefCell::new(Rig::koko(true));
    static SLOW: RefCell<Rig> = RefCell::new(Rig::koko(false));
    static BRIDGE_FAST: RefCell<Rig> = RefCell::new(Rig::bridge(true));
    static BRIDGE_SLOW: RefCell<Rig> = RefCell::new(Rig::bridge(false));
}

fuzz_target!(|data: &[u8]| {
    let fast = FAST.with_borrow_mut(|r| r.run(data));
    let slow = SLOW.with_borrow_mut(|r| r.run(data));
    assert_eq!(fast, slow, "vxlan4-fastpath differs from the node path");
    let fast = BRIDGE_FAST.with_borrow_mut(|r| r.run(data));
    let slow = BRIDGE_SLOW.with_borrow_mut(|r| r.run(data));
    assert_eq!(
        fast, slow,
        "bridged: vxlan4-fastpath differs from the node path"
    );
});
