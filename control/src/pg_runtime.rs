//! [`PgRuntime`]: a [`Runtime`] over pg interfaces and [`Worker`]s that the
//! caller polls itself, for tests (no threads, no root, no kernel).
//!
//! ```
//! use control::Config;
//! use control::cli::{Cli, Executor};
//! use control::pg_runtime::PgRuntime;
//! use dataplane::tables::new_handle;
//!
//! let handle = new_handle();
//! let mut config = Config::new(handle.clone());
//! let (mut runtime, workers) = PgRuntime::new(&handle, 2);
//! let (eth0, pg) = runtime.add_pg(&mut config, "eth0", 1).unwrap();
//! let cli = Cli::new(config, Box::new(runtime));
//! cli.execute("set interface state eth0 up").unwrap();
//! pg.inject(&[0u8; 60]);
//! workers.run();
//! assert!(cli.execute("show interface eth0").unwrap().contains("rx packets"));
//! # let _ = eth0;
//! ```
//!
//! `create interface af_xdp` works too: it makes an [`InterfaceKind::AfXdp`]
//! interface backed by a pg port (its handle from [`PgWorkers::pg`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use dataplane::io::pg::{INPUT_NODE, PgHandle, PgPort};
use dataplane::nodes::standard_graph;
use dataplane::pool::{PageSize, Pool, PoolConfig};
use dataplane::tables::TablesHandle;
use dataplane::wire::EthernetAddress;
use dataplane::worker::Worker;

use crate::config::{Config, ConfigError};
use crate::interface::InterfaceKind;
use crate::runtime::{AfXdpArgs, Runtime, RxMode, RxQueue, WorkerInfo};

/// The test's handle on the workers and pg interfaces of a [`PgRuntime`].
#[derive(Clone, Debug)]
pub struct PgWorkers {
    workers: Arc<Mutex<Vec<Worker>>>,
    pgs: Arc<Mutex<BTreeMap<u32, Arc<PgHandle>>>>,
    changes: Arc<AtomicUsize>,
}

impl PgWorkers {
    /// Polls every worker once; returns the packets received.
    pub fn poll(&self) -> usize {
        let mut ws = self.workers.lock().expect("workers lock");
        ws.iter_mut().map(Worker::poll).sum()
    }

    /// Polls until every pg interface's receive queue is empty, then once
    /// more (so frames queued between nodes are flushed).
    pub fn run(&self) {
        loop {
            let pending: usize = self
                .pgs
                .lock()
                .expect("pg lock")
                .values()
                .map(|h| h.pending_rx())
                .sum();
            self.poll();
            if pending == 0 {
                break;
            }
        }
    }

    /// The pg handle of interface `sw_if_index`.
    pub fn pg(&self, sw_if_index: u32) -> Option<Arc<PgHandle>> {
        self.pgs.lock().expect("pg lock").get(&sw_if_index).cloned()
    }

    /// How many times `config_changed` was called.
    pub fn config_changes(&self) -> usize {
        self.changes.load(Ordering::Relaxed)
    }
}

/// A [`Runtime`] for tests; see the [module docs](self).
#[derive(Debug)]
pub struct PgRuntime {
    pool: Arc<Pool>,
    infos: Vec<WorkerInfo>,
    shared: PgWorkers,
    placement: Vec<RxQueue>,
    hardware: BTreeMap<u32, Vec<String>>,
    next_worker: usize,
    main_core: Option<usize>,
}

impl PgRuntime {
    /// `n_workers` workers (named `weft_wk_<i>`, thread indices 1..=n)
    /// forwarding with the snapshots of `tables`, over a pool of 4096
    /// buffers.
    ///
    /// # Panics
    ///
    /// If the pool cannot be allocated.
    pub fn new(tables: &TablesHandle, n_workers: usize) -> (PgRuntime, PgWorkers) {
        let pool = Pool::new(PoolConfig {
            buffers: 4096,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .expect("test buffer pool");
        let workers: Vec<Worker> = (0..n_workers)
            .map(|_| Worker::new(&pool, standard_graph(&[INPUT_NODE]), tables.clone()))
            .collect();
        let infos = workers
            .iter()
            .enumerate()
            .map(|(i, w)| WorkerInfo {
                thread_index: i as u32 + 1,
                name: format!("weft_wk_{i}"),
                lwp: 0,
                core: None,
                stats: w.stats().clone(),
                trace: w.trace().clone(),
            })
            .collect();
        let shared = PgWorkers {
            workers: Arc::new(Mutex::new(workers)),
            pgs: Arc::default(),
            changes: Arc::default(),
        };
        (
            PgRuntime {
                pool,
                infos,
                shared: shared.clone(),
                placement: Vec::new(),
                hardware: BTreeMap::new(),
                next_worker: 0,
                main_core: None,
            },
            shared,
        )
    }

    /// Pretends workers and the main thread are pinned: worker `i` to
    /// core `cores[i]`, the main thread to `main`.
    pub fn set_cores(&mut self, main: Option<usize>, cores: &[Option<usize>]) {
        self.main_core = main;
        for (w, c) in self.infos.iter_mut().zip(cores) {
            w.core = *c;
        }
    }

    /// Creates pg interface `name` in `config` and gives its queue 0 to
    /// worker `worker` (0-based). Returns its sw_if_index and pg handle.
    ///
    /// # Panics
    ///
    /// If there is no such worker.
    pub fn add_pg(
        &mut self,
        config: &mut Config,
        name: &str,
        worker: usize,
    ) -> Result<(u32, Arc<PgHandle>), ConfigError> {
        let (sw_if_index, port, handle) = config.create_pg_interface(name)?;
        self.attach(sw_if_index, port, handle.clone(), worker);
        Ok((sw_if_index, handle))
    }

    fn attach(&mut self, sw_if_index: u32, port: PgPort, handle: Arc<PgHandle>, worker: usize) {
        self.shared.workers.lock().expect("workers lock")[worker]
            .ports_mut()
            .insert(sw_if_index, Box::new(port));
        self.shared
            .pgs
            .lock()
            .expect("pg lock")
            .insert(sw_if_index, handle);
        self.placement.push(RxQueue {
            sw_if_index,
            queue: 0,
            worker,
            mode: RxMode::Polling,
            input_node: INPUT_NODE,
        });
    }

    /// Sets the driver lines `show hardware-interfaces` prints for an
    /// interface.
    pub fn set_hardware_lines(&mut self, sw_if_index: u32, lines: Vec<String>) {
        self.hardware.insert(sw_if_index, lines);
    }
}

impl Runtime for PgRuntime {
    fn workers(&self) -> Vec<WorkerInfo> {
        self.infos.clone()
    }

    fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    fn create_af_xdp(&mut self, config: &mut Config, args: &AfXdpArgs) -> Result<u32, String> {
        if args.host_if.is_empty() {
            return Err("missing host interface".into());
        }
        let name = args
            .name
            .clone()
            .unwrap_or_else(|| format!("{}/0", args.host_if));
        let n = config.interfaces().count() as u8;
        let mac = EthernetAddress([0x02, 0xfe, 0xaf, 0, 0, n]);
        let sw_if_index = config
            .create_device_interface(&name, InterfaceKind::AfXdp, mac, 1500)
            .map_err(|e| e.to_string())?;
        let (port, handle) = PgPort::new();
        let worker = self.next_worker % self.infos.len().max(1);
        self.next_worker += 1;
        self.attach(sw_if_index, port, handle, worker);
        self.hardware.insert(
            sw_if_index,
            vec![
                format!("netdev {} (pg stand-in)", args.host_if),
                "flags: initialized".into(),
            ],
        );
        Ok(sw_if_index)
    }

    fn delete_af_xdp(&mut self, config: &mut Config, sw_if_index: u32) -> Result<(), String> {
        config
            .delete_device_interface(sw_if_index)
            .map_err(|e| e.to_string())?;
        for q in self
            .placement
            .iter()
            .filter(|q| q.sw_if_index == sw_if_index)
        {
            let mut ws = self.shared.workers.lock().expect("workers lock");
            drop(ws[q.worker].remove_port(sw_if_index));
        }
        self.placement.retain(|q| q.sw_if_index != sw_if_index);
        self.hardware.remove(&sw_if_index);
        self.shared
            .pgs
            .lock()
            .expect("pg lock")
            .remove(&sw_if_index);
        Ok(())
    }

    fn hardware_lines(&self, sw_if_index: u32) -> Vec<String> {
        self.hardware.get(&sw_if_index).cloned().unwrap_or_default()
    }

    fn rx_placement(&self) -> Vec<RxQueue> {
        self.placement.clone()
    }

    fn set_rx_mode(
        &mut self,
        sw_if_index: u32,
        queue: Option<u32>,
        mode: RxMode,
    ) -> Result<(), String> {
        let mut found = false;
        for q in &mut self.placement {
            if q.sw_if_index == sw_if_index && queue.is_none_or(|n| n == q.queue) {
                q.mode = mode;
                found = true;
            }
        }
        if found {
            Ok(())
        } else {
            Err("interface has no receive queue".into())
        }
    }

    fn config_changed(&mut self, _config: &Config) {
        self.shared.changes.fetch_add(1, Ordering::Relaxed);
    }

    fn main_core(&self) -> Option<usize> {
        self.main_core
    }
}
