//! The pg driver: devices in memory ([`PgPort`]), for tests, benchmarks
//! and the CLI fuzzer. [`PgDrivers`] stands in for the real drivers: a
//! `create interface af_xdp host-if eth0` makes a pg device whose frames
//! the test injects and captures through [`PgDrivers::device`], so the
//! runtime's logic (names, placement, rx modes, lifecycle) runs without
//! root or a kernel. The device records what the runtime did to it
//! ([`PgDevice`]) and can be told to fail, which makes it the fake driver
//! of the runtime's tests too.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use control::InterfaceConfig;
use control::device::{DeviceArgs, DeviceDetails, DeviceError};
use control::interface::{InterfaceKind, PG_MTU};
use dataplane::io::pg::{PgHandle, PgPort};
use dataplane::pool::Pool;
use dataplane::port::Port;
use dataplane::wire::EthernetAddress;

use super::{Driver, DriverFactory, Opened};

/// The test's side of one pg device: its queues' handles and what the
/// runtime did to it.
#[derive(Debug)]
pub struct PgDevice {
    /// The handle of each queue of the current opening (queue 0 first).
    handles: Mutex<Vec<Arc<PgHandle>>>,
    /// Times opened, closed, configured.
    pub opens: AtomicUsize,
    /// Times closed.
    pub closes: AtomicUsize,
    /// Times `configure` ran.
    pub configures: AtomicUsize,
    /// The next `open` fails (as a missing Linux interface would).
    pub fail_open: AtomicBool,
    /// The last configuration `configure` saw.
    pub last_config: Mutex<Option<InterfaceConfig>>,
    /// The device's MTU (what `open` reports, `set_mtu` changes).
    pub mtu: Mutex<u16>,
    /// The "Linux" ifindex `open` reports (`None`: an in-memory device;
    /// the stand-ins of [`PgDrivers`] get one, so link events can name
    /// them).
    pub ifindex: Mutex<Option<u32>>,
}

impl Default for PgDevice {
    fn default() -> Self {
        PgDevice {
            handles: Mutex::default(),
            opens: AtomicUsize::default(),
            closes: AtomicUsize::default(),
            configures: AtomicUsize::default(),
            fail_open: AtomicBool::default(),
            last_config: Mutex::default(),
            mtu: Mutex::new(PG_MTU),
            ifindex: Mutex::new(None),
        }
    }
}

impl PgDevice {
    /// The handle of queue `queue` while the device is open.
    pub fn queue(&self, queue: usize) -> Option<Arc<PgHandle>> {
        self.handles.lock().expect("pg lock").get(queue).cloned()
    }

    /// The handle of queue 0.
    ///
    /// # Panics
    ///
    /// If the device is not open.
    pub fn handle(&self) -> Arc<PgHandle> {
        self.queue(0).expect("the pg device is open")
    }
}

/// A pg device as a [`Driver`].
#[derive(Debug)]
pub struct Pg {
    host_if: String,
    kind: InterfaceKind,
    queues: u32,
    mac: EthernetAddress,
    state: Arc<PgDevice>,
    open: bool,
}

impl Pg {
    /// A pg device of `kind` named after `host_if`, with `queues` receive
    /// queues and MAC `mac`.
    pub fn new(
        host_if: &str,
        kind: InterfaceKind,
        queues: u32,
        mac: EthernetAddress,
    ) -> (Pg, Arc<PgDevice>) {
        let state = Arc::new(PgDevice::default());
        (
            Pg {
                host_if: host_if.to_string(),
                kind,
                queues: queues.max(1),
                mac,
                state: state.clone(),
                open: false,
            },
            state,
        )
    }
}

impl Pg {
    /// A pg interface made by `Config::create_pg_interface`, already open
    /// on `handle`'s port.
    pub fn attached(name: &str, handle: Arc<PgHandle>) -> (Pg, Arc<PgDevice>) {
        let state = Arc::new(PgDevice::default());
        *state.handles.lock().expect("pg lock") = vec![handle];
        let pg = Pg {
            host_if: name.to_string(),
            kind: InterfaceKind::Pg,
            queues: 1,
            mac: EthernetAddress::default(),
            state: state.clone(),
            open: true,
        };
        (pg, state)
    }
}

impl Driver for Pg {
    fn kind(&self) -> InterfaceKind {
        self.kind
    }

    fn host_if(&self) -> &str {
        &self.host_if
    }

    fn name(&self) -> &'static str {
        match self.kind {
            InterfaceKind::AfXdp => "AF_XDP",
            InterfaceKind::AfPacket => "AF_PACKET",
            _ => "pg",
        }
    }

    fn open(&mut self, _pool: &Arc<Pool>, workers: usize) -> Result<Opened, DeviceError> {
        if self.state.fail_open.swap(false, Ordering::Relaxed) {
            return Err(DeviceError::NoSuchHostIf {
                host_if: self.host_if.clone(),
                source: std::io::Error::from_raw_os_error(nix::errno::Errno::ENODEV as i32),
            });
        }
        if self.queues as usize > workers {
            return Err(DeviceError::TooManyQueuesForWorkers {
                requested: self.queues,
                workers,
            });
        }
        let mut ports: Vec<Box<dyn Port>> = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..self.queues {
            let (port, handle) = PgPort::new();
            ports.push(Box::new(port));
            handles.push(handle);
        }
        *self.state.handles.lock().expect("pg lock") = handles;
        self.state.opens.fetch_add(1, Ordering::Relaxed);
        self.open = true;
        Ok(Opened {
            ports,
            mac: Some(self.mac),
            mtu: *self.state.mtu.lock().expect("pg lock"),
            ifindex: *self.state.ifindex.lock().expect("pg lock"),
            up: true,
        })
    }

    fn close(&mut self) {
        if std::mem::take(&mut self.open) {
            self.state.handles.lock().expect("pg lock").clear();
            self.state.closes.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn set_mtu(&mut self, mtu: u16) -> Result<(), DeviceError> {
        *self.state.mtu.lock().expect("pg lock") = mtu;
        Ok(())
    }

    fn configure(&mut self, ifc: &InterfaceConfig, _steer: &super::Steering) {
        self.state.configures.fetch_add(1, Ordering::Relaxed);
        *self.state.last_config.lock().expect("pg lock") = Some(ifc.clone());
    }

    fn hardware(&self) -> Option<DeviceDetails> {
        (self.kind != InterfaceKind::Pg).then(|| DeviceDetails::PgStandIn {
            host_if: self.host_if.clone(),
        })
    }
}

/// Makes pg devices for every `create` command; see the [module
/// docs](self).
#[derive(Debug, Default)]
pub struct PgDrivers {
    devices: Mutex<BTreeMap<String, Arc<PgDevice>>>,
    made: AtomicUsize,
    fail: Mutex<Vec<String>>,
}

impl PgDrivers {
    /// The next device made for `host_if` fails to open, as a missing
    /// Linux interface would.
    pub fn fail_next_open(&self, host_if: &str) {
        self.fail.lock().expect("pg lock").push(host_if.to_string());
    }

    /// The pg device made for Linux interface `host_if` (the latest, if
    /// several were).
    pub fn device(&self, host_if: &str) -> Option<Arc<PgDevice>> {
        self.devices.lock().expect("pg lock").get(host_if).cloned()
    }
}

impl DriverFactory for PgDrivers {
    fn driver(&self, args: &DeviceArgs) -> Result<Box<dyn Driver>, DeviceError> {
        let n = self.made.fetch_add(1, Ordering::Relaxed) as u8;
        let (kind, queues) = match args {
            DeviceArgs::AfXdp(a) => {
                if a.host_if.is_empty() {
                    return Err(DeviceError::MissingHostIf);
                }
                (InterfaceKind::AfXdp, a.num_rx_queues.unwrap_or(1))
            }
            DeviceArgs::AfPacket(a) => (InterfaceKind::AfPacket, u32::from(a.socket.rx_queues())),
        };
        let mac = EthernetAddress([0x02, 0xfe, 0xaf, 0, 0, n]);
        let (pg, state) = Pg::new(args.host_if(), kind, queues, mac);
        *state.ifindex.lock().expect("pg lock") = Some(1000 + u32::from(n));
        let mut fail = self.fail.lock().expect("pg lock");
        if let Some(i) = fail.iter().position(|h| h == args.host_if()) {
            fail.remove(i);
            state.fail_open.store(true, Ordering::Relaxed);
        }
        self.devices
            .lock()
            .expect("pg lock")
            .insert(args.host_if().to_string(), state);
        Ok(Box::new(pg))
    }

    fn input_nodes(&self) -> &'static [&'static str] {
        &[dataplane::io::pg::INPUT_NODE]
    }
}

impl DriverFactory for Arc<PgDrivers> {
    fn driver(&self, args: &DeviceArgs) -> Result<Box<dyn Driver>, DeviceError> {
        self.as_ref().driver(args)
    }

    fn input_nodes(&self) -> &'static [&'static str] {
        self.as_ref().input_nodes()
    }
}
