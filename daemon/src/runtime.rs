//! [`Runtime`]: the running dataplane the CLI drives
//! ([`control::runtime::Runtime`]): the workers, the devices and the
//! buffer pool.
//!
//! The runtime is the same whatever runs the workers and whatever backs
//! the devices: weftd starts it over pinned threads and the real drivers
//! ([`Runtime::start`]); tests start it over workers they poll themselves
//! and pg drivers ([`Runtime::polled`]), so everything here — names,
//! placement of queues on workers, rx modes, create and delete as a whole
//! or not at all — is tested without root.
//!
//! # Placement
//!
//! Queue `q` of every device goes to worker `q % workers`. A worker
//! transmits only on the interfaces it has a port of (a port's rings are
//! single-producer), so a frame that must leave by an interface the
//! receiving worker does not poll is dropped (`no device for tx
//! interface`). Placing by queue number gives worker 0 queue 0 of every
//! interface, so two single-queue uplinks forward to each other with any
//! number of workers; a global round-robin would put them on different
//! workers. VPP transmits from any worker instead (per-thread tx queues).

use std::collections::BTreeMap;
use std::sync::Arc;

use control::Config;
use control::ConfigError;
use control::device::{DeviceArgs, DeviceDetails, DeviceError};
use control::runtime::{DeviceCounter, RxMode, RxQueue, WorkerInfo, XdpUplink};
use dataplane::io::netlink::{self, LinkEvent, LinkInfo};
use dataplane::nodes::standard_graph;
use dataplane::pool::{PageSize, Pool, PoolConfig};
use dataplane::port::Port;
use dataplane::punt::Punt;
use dataplane::tables::TablesHandle;
use dataplane::worker::Worker;

use crate::device::pg::{Pg, PgDevice};
use crate::device::{Driver, DriverFactory, Drivers, Steering};
use crate::linux::{self, mtu16};
use crate::worker::{Polled, PolledHandle, Threads, WorkerHandle, Workers};
use crate::xdp_fastpath::{self, KernelPathHandle};

/// One receive queue of a device.
#[derive(Debug)]
struct Queue {
    queue: u32,
    worker: usize,
    mode: RxMode,
    input_node: &'static str,
}

/// One device interface: its driver and where its queues are polled.
#[derive(Debug)]
struct Device {
    driver: Box<dyn Driver>,
    /// Empty while detached.
    queues: Vec<Queue>,
    /// The Linux interface it is attached to; `None` while detached (or
    /// for in-memory devices).
    ifindex: Option<u32>,
    /// The Linux interface's MTU when last seen.
    mtu: u16,
    /// Open: its ports are with the workers.
    attached: bool,
    /// It sits on a Linux interface (opened with an ifindex): a link dump
    /// that does not list its interface means it is gone.
    on_linux: bool,
}

/// weftd's runtime; see the [module docs](self).
pub struct Runtime {
    pool: Arc<Pool>,
    workers: Box<dyn Workers>,
    drivers: Box<dyn DriverFactory>,
    devices: BTreeMap<u32, Device>,
    main_core: Option<usize>,
    config_changes: usize,
    /// The XDP fast path of the AF_XDP devices.
    kernel: KernelPathHandle,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.workers.len())
            .field("devices", &self.devices)
            .finish_non_exhaustive()
    }
}

/// The worker that polls queue `queue` (see the [module docs](self)).
fn worker_for_queue(queue: u32, workers: usize) -> usize {
    queue as usize % workers.max(1)
}

impl Runtime {
    /// weftd's runtime: one worker thread per entry of `cores` (pinned
    /// there when `Some`), forwarding with the snapshots of `tables` and
    /// punting to `punt`, with the real drivers.
    pub fn start(
        pool: &Arc<Pool>,
        tables: &TablesHandle,
        cores: &[Option<usize>],
        punt: &Punt,
    ) -> std::io::Result<Runtime> {
        let drivers = Drivers;
        let mut threads = Vec::with_capacity(cores.len());
        for (index, &core) in cores.iter().enumerate() {
            let mut worker =
                Worker::new(pool, standard_graph(drivers.input_nodes()), tables.clone());
            worker.set_punt(punt.clone());
            threads.push(WorkerHandle::spawn(index, core, worker)?);
        }
        Ok(Runtime::new(
            pool,
            Box::new(Threads(threads)),
            Box::new(drivers),
        ))
    }

    /// A runtime over `workers` making devices with `drivers`.
    pub fn new(
        pool: &Arc<Pool>,
        workers: Box<dyn Workers>,
        drivers: Box<dyn DriverFactory>,
    ) -> Runtime {
        Runtime {
            pool: pool.clone(),
            workers,
            drivers,
            devices: BTreeMap::new(),
            main_core: None,
            config_changes: 0,
            kernel: KernelPathHandle::default(),
        }
    }

    /// A runtime for tests: `n_workers` workers that the caller polls
    /// through the returned handle, forwarding with the snapshots of
    /// `tables`, over a pool of 4096 buffers (normal pages), making devices
    /// with `drivers` (usually [`crate::device::pg::PgDrivers`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use control::Config;
    /// use control::cli::{Cli, Executor};
    /// use daemon::device::pg::PgDrivers;
    /// use daemon::runtime::Runtime;
    /// use dataplane::tables::new_handle;
    ///
    /// let handle = new_handle();
    /// let mut config = Config::new(handle.clone());
    /// let drivers = Arc::new(PgDrivers::default());
    /// let (mut runtime, workers) = Runtime::polled(&handle, 2, Box::new(drivers.clone()));
    /// let (_eth0, pg) = runtime.add_pg(&mut config, "eth0", 1)?;
    /// let cli = Cli::new(config, Box::new(runtime));
    /// cli.execute("set interface state eth0 up")?;
    /// // A "Linux interface" for AF_XDP is a pg device here.
    /// assert_eq!(cli.execute("create interface af_xdp host-if veth7")?, "");
    /// let veth7 = drivers.device("veth7").unwrap();
    /// pg.handle().inject(&[0u8; 60]);
    /// veth7.handle().inject(&[0u8; 60]);
    /// workers.run();
    /// assert!(cli.execute("show interface eth0")?.contains("rx packets"));
    /// assert!(cli.execute("show interface veth7/0")?.contains("rx packets"));
    /// assert_eq!(
    ///     cli.execute("set int state loop7 up").unwrap_err(),
    ///     "set interface state: unknown interface `loop7 up'"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the pool cannot be allocated.
    pub fn polled(
        tables: &TablesHandle,
        n_workers: usize,
        drivers: Box<dyn DriverFactory>,
    ) -> (Runtime, PolledHandle) {
        Runtime::polled_on(tables, &vec![None; n_workers], drivers)
    }

    /// [`Runtime::polled`] with one worker per entry of `cores`, which
    /// `show threads` reports as the worker's core (nothing is pinned).
    ///
    /// # Panics
    ///
    /// If the pool cannot be allocated.
    pub fn polled_on(
        tables: &TablesHandle,
        cores: &[Option<usize>],
        drivers: Box<dyn DriverFactory>,
    ) -> (Runtime, PolledHandle) {
        let pool = Pool::new(PoolConfig {
            buffers: 4096,
            page_size: PageSize::Normal,
            ..PoolConfig::default()
        })
        .expect("test buffer pool");
        let workers = cores
            .iter()
            .map(|_| Worker::new(&pool, standard_graph(drivers.input_nodes()), tables.clone()))
            .collect();
        let (mut polled, handle) = Polled::new(workers);
        polled.set_cores(cores);
        (Runtime::new(&pool, Box::new(polled), drivers), handle)
    }

    /// Creates pg interface `name` (see `Config::create_pg_interface`)
    /// and gives its queue to worker `worker` (0-based), polling. Returns
    /// its sw_if_index and the device, whose handle the caller injects and
    /// captures frames with.
    ///
    /// # Panics
    ///
    /// If there is no such worker.
    pub fn add_pg(
        &mut self,
        config: &mut Config,
        name: &str,
        worker: usize,
    ) -> Result<(u32, Arc<PgDevice>), ConfigError> {
        assert!(worker < self.workers.len(), "no worker {worker}");
        let (sw_if_index, port, handle) = config.create_pg_interface(name)?;
        let (driver, device) = Pg::attached(name, handle);
        let queue = Queue {
            queue: 0,
            worker,
            mode: RxMode::Polling,
            input_node: port.input_node(),
        };
        self.workers
            .add_port(worker, sw_if_index, Box::new(port), RxMode::Polling);
        self.devices.insert(
            sw_if_index,
            Device {
                driver: Box::new(driver),
                queues: vec![queue],
                ifindex: None,
                mtu: control::interface::PG_MTU,
                attached: true,
                on_linux: false,
            },
        );
        Ok((sw_if_index, device))
    }

    /// The largest L3 MTU weft's buffers hold: a frame is one buffer, so a
    /// packet may be a buffer's data less an Ethernet header (3826 bytes
    /// with the default `buffers { default data-size }`).
    pub fn max_mtu(&self) -> u16 {
        let data = self.pool.frame_size() - self.pool.config().headroom as usize;
        mtu16((data - 14) as u32)
    }

    /// The XDP fast path, for the configuration's publish hook
    /// ([`Config::set_publish_hook`]): weftd installs it so that every
    /// snapshot reaches the XDP programs.
    pub fn kernel_path(&self) -> KernelPathHandle {
        self.kernel.clone()
    }

    /// Gives device `sw_if_index`'s XDP fast path (if its driver has one)
    /// to the kernel path.
    fn attach_fastpath(&self, sw_if_index: u32) {
        if let Some(dev) = self.devices.get(&sw_if_index)
            && let Some((ifindex, maps)) = dev.driver.fastpath()
        {
            xdp_fastpath::lock(&self.kernel).attach(
                sw_if_index,
                dev.driver.host_if(),
                ifindex,
                maps,
            );
        }
    }

    /// Pretends the main thread is pinned to `core` (for `show threads`).
    pub fn set_main_core(&mut self, core: Option<usize>) {
        self.main_core = core;
    }

    /// How many times [`control::runtime::Runtime::config_changed`] ran.
    pub fn config_changes(&self) -> usize {
        self.config_changes
    }

    /// Detaches every device and stops the workers (clean exit).
    pub fn shutdown(&mut self) {
        let devices: Vec<u32> = self.devices.keys().copied().collect();
        for sw_if_index in devices {
            self.take_down(sw_if_index);
        }
        self.workers.stop();
    }

    /// Takes the device's ports back from their workers (dropping them
    /// closes them), then closes the device and forgets it.
    fn take_down(&mut self, sw_if_index: u32) {
        if let Some(mut dev) = self.devices.remove(&sw_if_index) {
            detach(&mut *self.workers, &self.kernel, sw_if_index, &mut dev);
        }
    }

    /// The device interfaces on Linux interface `name`.
    fn on_host_if(&self, name: &str) -> Vec<u32> {
        self.devices
            .iter()
            .filter(|(_, d)| d.driver.host_if() == name)
            .map(|(&sw, _)| sw)
            .collect()
    }

    /// The Linux interface under device `sw_if_index` is there, as `info`
    /// says: attach again if it had gone (or was replaced by a new one of
    /// the same name), and follow its link state and MTU.
    fn link_changed(&mut self, config: &mut Config, sw_if_index: u32, info: &LinkInfo) {
        let max_mtu = self.max_mtu();
        let Some(dev) = self.devices.get_mut(&sw_if_index) else {
            return;
        };
        let name = config
            .interface(sw_if_index)
            .map_or_else(|| sw_if_index.to_string(), |i| i.name.clone());
        if dev.attached && dev.ifindex.is_some_and(|i| i != info.ifindex) {
            log::warn!(
                "{name}: {} was replaced (ifindex {} -> {}); attaching to the new one",
                info.name,
                dev.ifindex.unwrap_or(0),
                info.ifindex
            );
            detach(&mut *self.workers, &self.kernel, sw_if_index, dev);
        }
        if !dev.attached {
            match dev.driver.open(&self.pool, self.workers.len()) {
                Ok(opened) => {
                    dev.ifindex = opened.ifindex;
                    dev.mtu = opened.mtu;
                    dev.attached = true;
                    dev.queues = place(&mut *self.workers, sw_if_index, opened.ports);
                    let mtu = effective_mtu(max_mtu, &name, opened.mtu);
                    if config.interface(sw_if_index).is_some_and(|i| i.mtu != mtu) {
                        let _ = config.set_interface_mtu(sw_if_index, mtu);
                    }
                    if let Some(ifc) = config.interface(sw_if_index) {
                        dev.driver
                            .configure(ifc, &Steering::of(config, sw_if_index));
                    }
                    if let Some((ifindex, maps)) = dev.driver.fastpath() {
                        xdp_fastpath::lock(&self.kernel).attach(
                            sw_if_index,
                            dev.driver.host_if(),
                            ifindex,
                            maps,
                        );
                    }
                    log::info!(
                        "{name}: {} is back (ifindex {}); attached again",
                        info.name,
                        info.ifindex
                    );
                }
                Err(e) => {
                    log::warn!("{name}: {} is back but cannot be attached: {e}", info.name);
                    return;
                }
            }
        }
        let up = linux::is_up(info);
        if config
            .interface(sw_if_index)
            .is_some_and(|i| i.link_up != up)
        {
            log::info!("{name}: link {}", if up { "up" } else { "down" });
            let _ = config.set_link_state(sw_if_index, up);
        }
        let mtu = linux::mtu16(info.mtu);
        if mtu != dev.mtu {
            log::info!("{name}: {} MTU {} -> {mtu}", info.name, dev.mtu);
            dev.mtu = mtu;
            let _ = config.set_interface_mtu(sw_if_index, effective_mtu(max_mtu, &name, mtu));
        }
    }

    /// The Linux interface under device `sw_if_index` is gone: its queues
    /// come back from the workers and the device closes; the weft
    /// interface stays, link down, with its configuration.
    fn link_gone(&mut self, config: &mut Config, sw_if_index: u32) {
        let Some(dev) = self.devices.get_mut(&sw_if_index) else {
            return;
        };
        if !dev.attached {
            return;
        }
        let name = config
            .interface(sw_if_index)
            .map_or_else(|| sw_if_index.to_string(), |i| i.name.clone());
        log::warn!(
            "{name}: {} is gone; detached, waiting for it to come back",
            dev.driver.host_if()
        );
        detach(&mut *self.workers, &self.kernel, sw_if_index, dev);
        let _ = config.set_link_state(sw_if_index, false);
    }
}

/// weft's L3 MTU for a Linux interface of MTU `linux`: the same, unless
/// weft's buffers hold less (then that, with a warning: larger frames are
/// dropped and counted by the driver).
fn effective_mtu(max: u16, name: &str, linux: u16) -> u16 {
    if linux > max {
        log::warn!(
            "{name}: the Linux MTU {linux} is more than weft's buffers hold; weft's MTU is {max} \
             and larger frames are dropped and counted (buffers {{ default data-size }} sets the size)"
        );
        max
    } else {
        linux
    }
}

/// Hands `ports` (queue 0 first) to their workers.
fn place(workers: &mut dyn Workers, sw_if_index: u32, ports: Vec<Box<dyn Port>>) -> Vec<Queue> {
    let mut queues = Vec::with_capacity(ports.len());
    for (queue, port) in (0..).zip(ports) {
        let worker = worker_for_queue(queue, workers.len());
        queues.push(Queue {
            queue,
            worker,
            mode: RxMode::Adaptive,
            input_node: port.input_node(),
        });
        workers.add_port(worker, sw_if_index, port, RxMode::Adaptive);
    }
    queues
}

/// Takes `dev`'s XDP fast path out, its ports back from the workers
/// (dropping them closes them) and closes it; it stays known, detached.
fn detach(
    workers: &mut dyn Workers,
    kernel: &KernelPathHandle,
    sw_if_index: u32,
    dev: &mut Device,
) {
    xdp_fastpath::lock(kernel).detach(sw_if_index);
    for q in dev.queues.drain(..) {
        drop(workers.remove_port(q.worker, sw_if_index));
    }
    dev.driver.close();
    dev.attached = false;
    dev.ifindex = None;
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl control::runtime::Runtime for Runtime {
    fn workers(&self) -> Vec<WorkerInfo> {
        self.workers.infos()
    }

    fn counters(&self) -> Vec<WorkerInfo> {
        let mut out = self.workers.infos();
        out.extend(xdp_fastpath::lock(&self.kernel).info());
        out
    }

    fn trace_armed(&mut self, armed: bool) {
        xdp_fastpath::lock(&self.kernel).set_tracing(armed);
    }

    fn xdp_fastpath(&self) -> Vec<XdpUplink> {
        xdp_fastpath::lock(&self.kernel).uplinks()
    }

    fn tick(&mut self) {
        xdp_fastpath::lock(&self.kernel).tick();
    }

    fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    fn create_device(
        &mut self,
        config: &mut Config,
        args: &DeviceArgs,
    ) -> Result<u32, DeviceError> {
        if args.host_if().is_empty() {
            return Err(DeviceError::MissingHostIf);
        }
        let name = args.name();
        if config.interface_index(&name).is_some() {
            return Err(ConfigError::NameInUse(name).into());
        }
        if self
            .devices
            .values()
            .any(|d| d.driver.host_if() == args.host_if())
        {
            return Err(DeviceError::HostIfInUse(args.host_if().to_string()));
        }
        let mut driver = self.drivers.driver(args)?;
        let opened = driver.open(&self.pool, self.workers.len())?;
        let mac = opened.mac.unwrap_or_else(|| config.random_mac());
        let mtu = effective_mtu(self.max_mtu(), &name, opened.mtu);
        let sw_if_index = match config.create_device_interface(&name, driver.kind(), mac, mtu) {
            Ok(sw) => sw,
            Err(e) => {
                drop(opened);
                driver.close();
                return Err(e.into());
            }
        };
        if !opened.up {
            log::info!("{name}: link down");
            let _ = config.set_link_state(sw_if_index, false);
        }
        let queues = place(&mut *self.workers, sw_if_index, opened.ports);
        self.devices.insert(
            sw_if_index,
            Device {
                driver,
                queues,
                ifindex: opened.ifindex,
                mtu: opened.mtu,
                attached: true,
                on_linux: opened.ifindex.is_some(),
            },
        );
        self.attach_fastpath(sw_if_index);
        Ok(sw_if_index)
    }

    fn delete_device(&mut self, config: &mut Config, sw_if_index: u32) -> Result<(), DeviceError> {
        let Some(dev) = self.devices.get(&sw_if_index) else {
            return Err(DeviceError::NotADevice);
        };
        log::debug!("deleting {} device {}", dev.driver.name(), sw_if_index);
        config.delete_device_interface(sw_if_index)?;
        self.take_down(sw_if_index);
        Ok(())
    }

    fn hardware(&self, sw_if_index: u32) -> Option<DeviceDetails> {
        self.devices.get(&sw_if_index)?.driver.hardware()
    }

    fn link_event(&mut self, config: &mut Config, event: &LinkEvent) {
        match event {
            LinkEvent::Changed(info) => {
                for sw in self.on_host_if(&info.name) {
                    self.link_changed(config, sw, info);
                }
                // An interface renamed away from a device's name.
                let renamed: Vec<u32> = self
                    .devices
                    .iter()
                    .filter(|(_, d)| {
                        d.ifindex == Some(info.ifindex) && d.driver.host_if() != info.name
                    })
                    .map(|(&sw, _)| sw)
                    .collect();
                for sw in renamed {
                    self.link_gone(config, sw);
                }
            }
            LinkEvent::Deleted { ifindex, .. } => {
                let gone: Vec<u32> = self
                    .devices
                    .iter()
                    .filter(|(_, d)| d.ifindex == Some(*ifindex))
                    .map(|(&sw, _)| sw)
                    .collect();
                for sw in gone {
                    self.link_gone(config, sw);
                }
            }
            LinkEvent::Resync => match netlink::links() {
                Ok(links) => {
                    let devices: Vec<(u32, String)> = self
                        .devices
                        .iter()
                        .filter(|(_, d)| d.on_linux)
                        .map(|(&sw, d)| (sw, d.driver.host_if().to_string()))
                        .collect();
                    for (sw, host_if) in devices {
                        match links.iter().find(|l| l.name == host_if) {
                            Some(info) => self.link_changed(config, sw, info),
                            None => self.link_gone(config, sw),
                        }
                    }
                }
                Err(e) => log::error!("link resync: {e}"),
            },
        }
    }

    fn device_mtu(&self, sw_if_index: u32) -> Option<u16> {
        self.devices
            .get(&sw_if_index)
            .filter(|d| d.attached)
            .map(|d| d.mtu.min(self.max_mtu()))
    }

    fn set_device_mtu(
        &mut self,
        config: &mut Config,
        sw_if_index: u32,
        mtu: u16,
    ) -> Result<(), DeviceError> {
        let max = self.max_mtu();
        let dev = self
            .devices
            .get_mut(&sw_if_index)
            .ok_or(DeviceError::NotADevice)?;
        if mtu > max {
            return Err(DeviceError::MtuTooBig { mtu, max });
        }
        dev.driver.set_mtu(mtu)?;
        // The kernel's event follows; weft's MTU changes now, so the
        // command's effect shows at once.
        dev.mtu = mtu;
        config.set_interface_mtu(sw_if_index, mtu)?;
        Ok(())
    }

    fn device_counters(&self) -> Vec<DeviceCounter> {
        let infos = self.workers.infos();
        let mut out: Vec<DeviceCounter> = Vec::new();
        for dev in self.devices.values() {
            for (queue, rows) in dev.queues.iter().zip(dev.driver.counters()) {
                let thread_index = infos
                    .get(queue.worker)
                    .map_or(queue.worker as u32 + 1, |w| w.thread_index);
                for (desc, count) in rows {
                    match out.iter_mut().find(|d| {
                        d.thread_index == thread_index
                            && d.node == queue.input_node
                            && std::ptr::eq(d.desc, desc)
                    }) {
                        Some(d) => d.count += count,
                        None => out.push(DeviceCounter {
                            thread_index,
                            node: queue.input_node,
                            desc,
                            count,
                        }),
                    }
                }
            }
        }
        out
    }

    fn rx_placement(&self) -> Vec<RxQueue> {
        self.devices
            .iter()
            .flat_map(|(&sw_if_index, dev)| {
                dev.queues.iter().map(move |q| RxQueue {
                    sw_if_index,
                    queue: q.queue,
                    worker: q.worker,
                    mode: q.mode,
                    input_node: q.input_node,
                })
            })
            .collect()
    }

    fn set_rx_mode(
        &mut self,
        sw_if_index: u32,
        queue: Option<u32>,
        mode: RxMode,
    ) -> Result<(), DeviceError> {
        let Some(dev) = self.devices.get_mut(&sw_if_index) else {
            return Err(DeviceError::NoRxQueues);
        };
        if let Some(q) = queue
            && !dev.queues.iter().any(|x| x.queue == q)
        {
            return Err(DeviceError::UnknownQueue {
                queue: q,
                interface: dev.driver.host_if().to_string(),
            });
        }
        for q in dev
            .queues
            .iter_mut()
            .filter(|x| queue.is_none_or(|n| n == x.queue))
        {
            q.mode = mode;
            self.workers.set_mode(q.worker, sw_if_index, mode);
        }
        Ok(())
    }

    fn config_changed(&mut self, config: &Config) {
        self.config_changes += 1;
        for (&sw_if_index, dev) in &mut self.devices {
            if let Some(ifc) = config.interface(sw_if_index) {
                dev.driver
                    .configure(ifc, &Steering::of(config, sw_if_index));
            }
        }
    }

    fn main_core(&self) -> Option<usize> {
        self.main_core
    }

    fn send_frame(&self, sw_if_index: u32, frame: Vec<u8>) -> bool {
        let Some(q) = self
            .devices
            .get(&sw_if_index)
            .and_then(|d| d.queues.first())
        else {
            return false;
        };
        self.workers.inject(q.worker, sw_if_index, frame)
    }

    fn send_into_bridge(&self, bvi: u32, frame: Vec<u8>) -> bool {
        !self.workers.is_empty() && self.workers.inject(0, bvi, frame)
    }

    fn shutdown(&mut self) {
        Runtime::shutdown(self);
    }
}
