//! The pg rig the daemon's tests share: local0, eth0 and eth1 on one
//! polled worker, the koko demo made through the CLI, koko traffic.
#![allow(dead_code)] // each test binary uses its own part

use std::sync::Arc;

use dataplane::fixtures::{self, VxlanFrame};
use dataplane::io::pg::PgHandle;
use dataplane::tables::new_handle;

use control::Config;
use control::cli::{Cli, Executor};
use daemon::device::pg::{PgDevice, PgDrivers};
use daemon::runtime::Runtime;
use daemon::worker::PolledHandle;

pub struct Rig {
    pub cli: Cli,
    pub workers: PolledHandle,
    /// eth0's device: what the runtime did to it.
    pub eth0_dev: Arc<PgDevice>,
    pub eth0: Arc<PgHandle>,
    pub eth1: Arc<PgHandle>,
}

impl Rig {
    /// local0, eth0 (1, worker 0), eth1 (2, worker 0); nothing else.
    pub fn bare() -> Rig {
        let handle = new_handle();
        let mut config = Config::new(handle.clone());
        let (mut rt, workers) = Runtime::polled(&handle, 1, Box::new(PgDrivers::default()));
        let (_, eth0_dev) = rt.add_pg(&mut config, "eth0", 0).unwrap();
        let (_, eth1) = rt.add_pg(&mut config, "eth1", 0).unwrap();
        Rig {
            cli: Cli::new(config, Box::new(rt)),
            workers,
            eth0: eth0_dev.handle(),
            eth1: eth1.handle(),
            eth0_dev,
        }
    }

    /// The koko demo through the CLI, on eth0; eth1 left alone.
    pub fn koko() -> Rig {
        let r = Rig::bare();
        for line in [
            "set interface mac address eth0 02:fe:00:00:00:03",
            "set interface ip address eth0 10.99.0.3/24",
            "set interface state eth0 up",
            "ip neighbor eth0 10.99.0.1 02:00:00:00:00:01 static",
            "ip neighbor eth0 10.99.0.2 02:00:00:00:00:02 static",
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11",
            "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12",
            "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1",
            "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0",
        ] {
            r.ok(line);
        }
        r
    }

    pub fn ok(&self, line: &str) -> String {
        self.cli
            .execute(line)
            .unwrap_or_else(|e| panic!("`{line}` failed: {e}"))
    }

    pub fn err(&self, line: &str) -> String {
        match self.cli.execute(line) {
            Ok(out) => panic!("`{line}` succeeded: {out}"),
            Err(e) => e,
        }
    }

    /// Sends `n` koko1 → koko2 frames (VNI 11 in, VNI 12 out) and one
    /// frame for no tunnel (VNI 99), and lets the worker forward them.
    pub fn traffic(&self, n: usize) {
        let inner = fixtures::inner_udp(
            fixtures::TEST1_MAC,
            fixtures::TEST2_MAC,
            fixtures::TEST1_IP,
            fixtures::TEST2_IP,
            1000,
            2000,
            60,
        );
        for _ in 0..n {
            self.eth0.inject(&VxlanFrame::FROM_KOKO1.build(&inner));
        }
        self.eth0.inject(
            &VxlanFrame {
                vni: 99,
                ..VxlanFrame::FROM_KOKO1
            }
            .build(&inner),
        );
        self.workers.run();
        self.eth0.take_tx();
        self.eth1.take_tx();
    }
}
