//! Worker threads: one [`Worker`] each, pinned to a core, polling its ports
//! and sleeping when idle as the rx mode allows.
//!
//! The control plane talks to a worker through a command mailbox (ports
//! come and go, rx modes change) and an eventfd that wakes it when it
//! sleeps. The worker checks the mailbox once per loop iteration with one
//! relaxed atomic load; nothing on the packet path takes a lock.
//!
//! # Rx modes
//!
//! - `polling`: never sleep (VPP's default; one core at 100 %).
//! - `interrupt`: sleep in `poll(2)` on the ports' sockets as soon as a
//!   loop iteration receives nothing.
//! - `adaptive` (weft's default): poll while traffic flows; after
//!   [`ADAPTIVE_IDLE`] without a packet, sleep like `interrupt`.
//!
//! A worker sleeps only if every port it polls can wake it
//! ([`dataplane::port::Port::wait_fd`]) and no port is in `polling` mode.
//! Sleeps are bounded by [`MAX_SLEEP`] so housekeeping (TX completions)
//! still happens on an idle link.

use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use control::runtime::{RxMode, WorkerInfo};
use dataplane::port::Port;
use dataplane::punt::{Inject, Injector};
use dataplane::stats::WorkerStats;
use dataplane::trace::TraceShared;
use dataplane::worker::Worker;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::eventfd::{EfdFlags, EventFd};

/// How long an adaptive worker polls without receiving before it sleeps.
pub const ADAPTIVE_IDLE: Duration = Duration::from_millis(10);

/// Longest single sleep.
pub const MAX_SLEEP: Duration = Duration::from_millis(100);

/// A request to a worker.
pub enum Command {
    /// Start polling (and transmitting on) a port.
    AddPort {
        /// Interface the port belongs to.
        sw_if_index: u32,
        /// The device queue.
        port: Box<dyn Port>,
        /// Its rx mode.
        mode: RxMode,
    },
    /// Stop using a port and hand it back (so it is closed by the
    /// control plane, after the worker no longer touches it).
    RemovePort {
        /// Interface.
        sw_if_index: u32,
        /// Where the port goes.
        reply: Sender<Option<Box<dyn Port>>>,
    },
    /// Change a port's rx mode.
    SetMode {
        /// Interface.
        sw_if_index: u32,
        /// New mode.
        mode: RxMode,
    },
}

/// The control plane's handle on one worker thread.
pub struct WorkerHandle {
    /// Index among workers (0-based; VPP's thread index is this + 1).
    pub index: usize,
    /// Thread name (`weft_wk_<index>`).
    pub name: String,
    /// Core it is pinned to.
    pub core: Option<usize>,
    /// Linux thread id, set by the thread when it starts.
    pub lwp: Arc<AtomicU32>,
    /// Counters.
    pub stats: Arc<WorkerStats>,
    /// Trace state.
    pub trace: Arc<TraceShared>,
    injector: Injector,
    commands: Sender<Command>,
    pending: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    wake: Arc<EventFd>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerHandle")
            .field("name", &self.name)
            .field("core", &self.core)
            .finish()
    }
}

impl WorkerHandle {
    /// Starts `worker` on a new thread pinned to `core`.
    pub fn spawn(index: usize, core: Option<usize>, worker: Worker) -> std::io::Result<Self> {
        let name = format!("weft_wk_{index}");
        let stats = worker.stats().clone();
        let trace = worker.trace().clone();
        let injector = worker.injector();
        let (tx, rx) = mpsc::channel();
        let pending = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(EventFd::from_flags(
            EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC,
        )?);
        let lwp = Arc::new(AtomicU32::new(0));
        let mut run = Loop {
            worker,
            commands: rx,
            pending: pending.clone(),
            stop: stop.clone(),
            wake: wake.clone(),
            modes: Vec::new(),
            can_sleep: true,
        };
        let thread_lwp = lwp.clone();
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                if let Some(core) = core
                    && !core_affinity::set_for_current(core_affinity::CoreId { id: core })
                {
                    log::warn!("worker {index}: could not pin to core {core}");
                }
                thread_lwp.store(nix::unistd::gettid().as_raw() as u32, Ordering::Relaxed);
                run.run();
            })?;
        Ok(WorkerHandle {
            index,
            name,
            core,
            lwp,
            stats,
            trace,
            injector,
            commands: tx,
            pending,
            stop,
            wake,
            thread: Some(thread),
        })
    }

    /// Sends a command and wakes the worker.
    pub fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            log::error!("{}: worker thread is gone", self.name);
        }
        self.pending.store(true, Ordering::Release);
        self.wake();
    }

    /// Takes a port away from the worker and returns it.
    pub fn remove_port(&self, sw_if_index: u32) -> Option<Box<dyn Port>> {
        let (reply, answer) = mpsc::channel();
        self.send(Command::RemovePort { sw_if_index, reply });
        answer.recv_timeout(Duration::from_secs(5)).ok().flatten()
    }

    /// Queues a frame for the worker to send on `sw_if_index`.
    pub fn inject(&self, sw_if_index: u32, frame: Vec<u8>) -> bool {
        let ok = self.injector.send(Inject { sw_if_index, frame });
        self.wake();
        ok
    }

    fn wake(&self) {
        if let Err(e) = self.wake.write(1) {
            log::debug!("{}: wake: {e}", self.name);
        }
    }

    /// Stops the thread and waits for it (its ports are closed and its
    /// buffers returned when the worker drops).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.pending.store(true, Ordering::Release);
        self.wake();
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            log::error!("{}: worker thread panicked", self.name);
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The thread's state.
struct Loop {
    worker: Worker,
    commands: Receiver<Command>,
    pending: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    wake: Arc<EventFd>,
    /// (sw_if_index, mode) of each port.
    modes: Vec<(u32, RxMode)>,
    /// Every port has a wake-up descriptor.
    can_sleep: bool,
}

impl Loop {
    fn run(&mut self) {
        let mut last_rx = Instant::now();
        loop {
            if self.pending.load(Ordering::Acquire) {
                self.pending.store(false, Ordering::Relaxed);
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                self.commands();
            }
            if self.worker.poll() > 0 {
                last_rx = Instant::now();
                continue;
            }
            if let Some(timeout) = self.sleep_for(last_rx) {
                self.sleep(timeout);
            }
        }
    }

    /// Whether to sleep now, and for how long at most.
    fn sleep_for(&self, last_rx: Instant) -> Option<Duration> {
        if self.modes.is_empty() {
            return Some(MAX_SLEEP);
        }
        if !self.can_sleep || self.modes.iter().any(|m| m.1 == RxMode::Polling) {
            return None;
        }
        let interrupt = self.modes.iter().all(|m| m.1 == RxMode::Interrupt);
        if interrupt || last_rx.elapsed() >= ADAPTIVE_IDLE {
            Some(MAX_SLEEP)
        } else {
            None
        }
    }

    fn sleep(&self, timeout: Duration) {
        let mut fds = vec![PollFd::new(self.wake.as_fd(), PollFlags::POLLIN)];
        fds.extend(
            self.worker
                .ports()
                .wait_fds()
                .unwrap_or_default()
                .into_iter()
                .map(|fd| PollFd::new(fd, PollFlags::POLLIN)),
        );
        let ms = timeout.as_millis().min(u128::from(u16::MAX)) as u16;
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => log::warn!("worker poll(): {e}"),
        }
        // Drain the eventfd (non-blocking: EAGAIN when nobody woke us).
        let _ = self.wake.read();
    }

    fn commands(&mut self) {
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::AddPort {
                    sw_if_index,
                    port,
                    mode,
                } => {
                    self.worker.ports_mut().insert(sw_if_index, port);
                    self.modes.retain(|m| m.0 != sw_if_index);
                    self.modes.push((sw_if_index, mode));
                }
                Command::RemovePort { sw_if_index, reply } => {
                    let port = self.worker.remove_port(sw_if_index);
                    self.modes.retain(|m| m.0 != sw_if_index);
                    let _ = reply.send(port);
                }
                Command::SetMode { sw_if_index, mode } => {
                    for m in self.modes.iter_mut().filter(|m| m.0 == sw_if_index) {
                        m.1 = mode;
                    }
                }
            }
        }
        self.can_sleep = self.worker.ports().wait_fds().is_some();
    }
}

/// The runtime's workers, however they run: on threads of their own
/// ([`Threads`], weftd) or polled by the caller ([`Polled`], tests). The
/// runtime reaches its workers only through this, so everything above the
/// threads (devices, placement, rx modes) runs the same in both.
pub trait Workers: Send {
    /// How many there are.
    fn len(&self) -> usize;

    /// True when there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What `show threads` and `show runtime` list, in thread-index order.
    fn infos(&self) -> Vec<WorkerInfo>;

    /// Worker `worker` starts polling (and transmitting on) `port` as
    /// interface `sw_if_index`.
    fn add_port(&mut self, worker: usize, sw_if_index: u32, port: Box<dyn Port>, mode: RxMode);

    /// Worker `worker` stops using the port of `sw_if_index` and hands it
    /// back, so it is closed here, after the worker no longer touches it.
    fn remove_port(&mut self, worker: usize, sw_if_index: u32) -> Option<Box<dyn Port>>;

    /// Changes the rx mode of worker `worker`'s port of `sw_if_index`.
    fn set_mode(&mut self, worker: usize, sw_if_index: u32, mode: RxMode);

    /// Queues a frame for worker `worker` to send on `sw_if_index`.
    fn inject(&self, worker: usize, sw_if_index: u32, frame: Vec<u8>) -> bool;

    /// Stops every worker (their ports close, their buffers go back).
    fn stop(&mut self);
}

/// weftd's workers: one pinned thread each.
#[derive(Debug, Default)]
pub struct Threads(pub Vec<WorkerHandle>);

impl Workers for Threads {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn infos(&self) -> Vec<WorkerInfo> {
        self.0
            .iter()
            .map(|w| WorkerInfo {
                thread_index: w.index as u32 + 1,
                name: w.name.clone(),
                lwp: w.lwp.load(Ordering::Relaxed),
                core: w.core,
                stats: w.stats.clone(),
                trace: w.trace.clone(),
            })
            .collect()
    }

    fn add_port(&mut self, worker: usize, sw_if_index: u32, port: Box<dyn Port>, mode: RxMode) {
        self.0[worker].send(Command::AddPort {
            sw_if_index,
            port,
            mode,
        });
    }

    fn remove_port(&mut self, worker: usize, sw_if_index: u32) -> Option<Box<dyn Port>> {
        self.0[worker].remove_port(sw_if_index)
    }

    fn set_mode(&mut self, worker: usize, sw_if_index: u32, mode: RxMode) {
        self.0[worker].send(Command::SetMode { sw_if_index, mode });
    }

    fn inject(&self, worker: usize, sw_if_index: u32, frame: Vec<u8>) -> bool {
        self.0[worker].inject(sw_if_index, frame)
    }

    fn stop(&mut self) {
        for w in &mut self.0 {
            w.stop();
        }
    }
}

/// Workers the caller polls itself, on its own thread ([`PolledHandle`]):
/// for tests and the CLI fuzzer, with no threads and no timing.
#[derive(Debug)]
pub struct Polled {
    shared: PolledHandle,
    infos: Vec<WorkerInfo>,
}

/// The caller's side of [`Polled`] workers.
#[derive(Clone, Debug)]
pub struct PolledHandle {
    workers: Arc<std::sync::Mutex<Vec<Worker>>>,
    injectors: Vec<Injector>,
}

impl Polled {
    /// Wraps `workers`, named `weft_wk_<i>` (thread indices 1..=n).
    pub fn new(workers: Vec<Worker>) -> (Polled, PolledHandle) {
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
        let shared = PolledHandle {
            injectors: workers.iter().map(Worker::injector).collect(),
            workers: Arc::new(std::sync::Mutex::new(workers)),
        };
        (
            Polled {
                shared: shared.clone(),
                infos,
            },
            shared,
        )
    }

    /// Pretends worker `i` is pinned to core `cores[i]` (for `show
    /// threads`).
    pub fn set_cores(&mut self, cores: &[Option<usize>]) {
        for (w, c) in self.infos.iter_mut().zip(cores) {
            w.core = *c;
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Vec<Worker>) -> R) -> R {
        f(&mut self.shared.workers.lock().expect("workers lock"))
    }
}

impl PolledHandle {
    /// Polls every worker once; returns the packets received.
    pub fn poll(&self) -> usize {
        let mut ws = self.workers.lock().expect("workers lock");
        ws.iter_mut().map(Worker::poll).sum()
    }

    /// Polls until a poll receives nothing, then once more (so frames
    /// queued between nodes are flushed).
    pub fn run(&self) {
        while self.poll() > 0 {}
        self.poll();
    }
}

impl Workers for Polled {
    fn len(&self) -> usize {
        self.infos.len()
    }

    fn infos(&self) -> Vec<WorkerInfo> {
        self.infos.clone()
    }

    fn add_port(&mut self, worker: usize, sw_if_index: u32, port: Box<dyn Port>, _mode: RxMode) {
        self.with(|ws| ws[worker].ports_mut().insert(sw_if_index, port));
    }

    fn remove_port(&mut self, worker: usize, sw_if_index: u32) -> Option<Box<dyn Port>> {
        self.with(|ws| ws[worker].remove_port(sw_if_index))
    }

    fn set_mode(&mut self, _worker: usize, _sw_if_index: u32, _mode: RxMode) {}

    fn inject(&self, worker: usize, sw_if_index: u32, frame: Vec<u8>) -> bool {
        self.shared.injectors[worker].send(Inject { sw_if_index, frame })
    }

    fn stop(&mut self) {
        self.with(|ws| ws.clear());
    }
}
