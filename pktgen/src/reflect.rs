//! The no-op reflector: the "limit" device under test. Every frame the
//! interface receives is transmitted back out of it, unchanged, by a
//! busy-polling loop on weft's own AF_XDP driver.
//!
//! # Design
//!
//! * The same I/O code as weftd: a [`Pool`] registered as the UMEM of an
//!   [`AfXdpSocket`], weft's steering program ([`XdpProgram`]) in L2 mode
//!   (every frame to the socket), `rx` into pool buffers and `tx` of the
//!   same buffers: a received frame is sent from where the kernel put it,
//!   with no copy in userspace. Whatever weftd does on top of this (the
//!   graph, VXLAN, the cross-connect) is what the comparison with this
//!   reflector measures.
//! * weft's driver kicks the tx ring until the kernel has taken the whole
//!   batch (a copy-mode kick sends at most 32 frames), so the reflector
//!   makes exactly the syscalls weftd makes.
//! * Busy-poll: the loop never sleeps.
//!
//! # Limitations
//!
//! * One queue (queue 0 by default).
//! * Frames the tx ring has no room for are dropped and counted
//!   (`tx_errors`), as weftd counts them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dataplane::io::af_xdp::{AfXdpError, AfXdpSocket, CopyMode, RingSize, SocketConfig};
use dataplane::io::xdp_prog::{XdpError, XdpMode, XdpProgram};
use dataplane::pool::{PageSize, Pool, PoolCache, PoolConfig, PoolError};
use dataplane::port::Port;
use serde::{Deserialize, Serialize};

/// Default ring sizes (rx, fill, tx, completion).
pub const DEFAULT_RING_SIZE: RingSize = RingSize::of(2048);
/// Default pool size.
pub const DEFAULT_BUFFERS: u32 = 8192;
/// Most frames taken per poll (weft's vector size).
pub const BATCH: usize = 256;
/// How long the reflector keeps running after `--count` was reached, so
/// the last frames leave.
const KICK_WINDOW: Duration = Duration::from_millis(100);

/// Where and how to reflect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReflectConfig {
    /// Linux interface (in the calling thread's netns).
    pub dev: String,
    /// Queue id.
    pub queue: u32,
    /// Rx and fill ring size.
    pub rx_size: RingSize,
    /// Tx and completion ring size.
    pub tx_size: RingSize,
    /// Buffers in the pool.
    pub buffers: u32,
    /// Copy or zero-copy.
    pub mode: CopyMode,
    /// Page policy of the pool.
    pub page_size: PageSize,
}

impl ReflectConfig {
    /// Defaults: queue 0, rings of [`DEFAULT_RING_SIZE`],
    /// [`DEFAULT_BUFFERS`] 2 KiB buffers (hugepages if reserved), auto copy
    /// mode.
    pub fn new(dev: &str) -> ReflectConfig {
        ReflectConfig {
            dev: dev.to_string(),
            queue: 0,
            rx_size: DEFAULT_RING_SIZE,
            tx_size: DEFAULT_RING_SIZE,
            buffers: DEFAULT_BUFFERS,
            mode: CopyMode::Auto,
            page_size: PageSize::Auto,
        }
    }
}

/// When a run stops (besides the stop flag).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limit {
    /// After this many frames were reflected (then it keeps running
    /// another 100 ms so the last ones leave).
    pub count: Option<u64>,
    /// After this long.
    pub duration: Option<Duration>,
}

/// The outcome of a run (the `summary` line of `weft-pktgen reflect`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReflectReport {
    /// Interface.
    pub dev: String,
    /// Frames received.
    pub received: u64,
    /// Frames handed back to the tx ring.
    pub sent: u64,
    /// Frames dropped for lack of tx ring room.
    pub tx_errors: u64,
    /// Fill-ring slots left empty for lack of buffers (`rx-no-buf`).
    pub rx_no_buf: u64,
    /// Frames the kernel dropped (no fill buffer, rx ring full: `rx-miss`).
    pub rx_miss: u64,
    /// From the start of the run to its end.
    pub seconds: f64,
    /// From the first received frame to the last.
    pub active_seconds: f64,
    /// `(received - 1) / active_seconds`: the frames after the first over
    /// the time they took (0 with fewer than two frames).
    pub pps: f64,
    /// Whether the socket ran in zero-copy mode.
    pub zero_copy: bool,
    /// XDP attach mode ("native" or "generic").
    pub xdp_mode: String,
}

/// Why the reflector could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReflectError {
    /// The pool could not be created.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The interface does not exist.
    #[error("interface {dev}: {errno}")]
    NoDevice {
        /// Its name.
        dev: String,
        /// The error.
        errno: nix::errno::Errno,
    },
    /// The steering program could not be attached or configured.
    #[error(transparent)]
    Xdp(#[from] XdpError),
    /// The socket could not be opened.
    #[error("{dev}: {source}")]
    Socket {
        /// Interface.
        dev: String,
        /// Why.
        source: AfXdpError,
    },
}

/// A reflector with its program attached and its socket open.
pub struct Reflector {
    // Field order is teardown order: the program is detached (and the
    // socket removed from its map) before the socket closes.
    prog: Option<XdpProgram>,
    socket: AfXdpSocket,
    cache: PoolCache,
    pool: Arc<Pool>,
    config: ReflectConfig,
}

impl std::fmt::Debug for Reflector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reflector")
            .field("prog", &self.prog)
            .field("socket", &self.socket)
            .field("pool", &self.pool)
            .finish()
    }
}

impl Reflector {
    /// Creates the pool, attaches weft's steering program in L2 mode and
    /// opens the socket (in the calling thread's network namespace).
    pub fn open(config: &ReflectConfig) -> Result<Reflector, ReflectError> {
        let ifindex = nix::net::if_::if_nametoindex(config.dev.as_str()).map_err(|errno| {
            ReflectError::NoDevice {
                dev: config.dev.clone(),
                errno,
            }
        })?;
        let pool = Pool::new(PoolConfig {
            buffers: config.buffers,
            data_size: 2048 - dataplane::pool::DEFAULT_HEADROOM,
            headroom: dataplane::pool::DEFAULT_HEADROOM,
            page_size: config.page_size,
        })?;
        let prog = XdpProgram::attach(ifindex)?;
        prog.set_l2(true)?;
        let socket_config = SocketConfig {
            ifname: config.dev.clone(),
            queue: config.queue,
            rx_size: config.rx_size,
            tx_size: config.tx_size,
            mode: config.mode,
        };
        let socket = dataplane::io::af_xdp::retry_busy(&config.dev, || {
            AfXdpSocket::open(&pool, &socket_config)
        })
        .map_err(|source| ReflectError::Socket {
            dev: config.dev.clone(),
            source,
        })?;
        prog.set_socket(config.queue, socket.fd())?;
        Ok(Reflector {
            prog: Some(prog),
            socket,
            cache: pool.cache(),
            pool,
            config: config.clone(),
        })
    }

    /// How the steering program is attached.
    pub fn xdp_mode(&self) -> XdpMode {
        self.prog.as_ref().map_or(XdpMode::Generic, |p| p.mode())
    }

    /// Whether the socket is in zero-copy mode.
    pub fn zero_copy(&self) -> bool {
        self.socket.zero_copy()
    }

    /// Reflects until `stop` is set or `limit` is reached. Busy-polls: the
    /// calling thread uses its whole core (pin it first).
    pub fn run(&mut self, stop: &AtomicBool, limit: Limit) -> ReflectReport {
        let mut bufs = Vec::with_capacity(BATCH);
        let (mut received, mut sent, mut tx_errors) = (0u64, 0u64, 0u64);
        let (mut no_buf, mut miss) = (0u64, 0u64);
        let start = Instant::now();
        let deadline = limit.duration.map(|d| start + d);
        let mut first_rx: Option<Instant> = None;
        let mut last_rx = start;
        let mut count_reached: Option<Instant> = None;
        loop {
            // No interfaces here: the receive interface is left 0.
            let r = self.socket.rx(&mut self.cache, &mut bufs, BATCH, 0);
            no_buf += r.no_buf as u64;
            miss += r.miss as u64;
            let now = Instant::now();
            if r.received > 0 {
                first_rx.get_or_insert(now);
                last_rx = now;
                received += r.received as u64;
                // `tx` kicks until the kernel has taken the whole batch
                // (copy mode sends at most 32 frames per kick).
                let t = self.socket.tx(&mut self.cache, &mut bufs);
                sent += t.sent as u64;
                tx_errors += t.errors as u64;
                if count_reached.is_none() && limit.count.is_some_and(|c| sent >= c) {
                    count_reached = Some(now);
                }
            }
            if count_reached.is_some_and(|t| now - t >= KICK_WINDOW)
                || deadline.is_some_and(|d| now >= d)
                || stop.load(Ordering::Relaxed)
            {
                break;
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        let active = first_rx.map_or(0.0, |f| (last_rx - f).as_secs_f64());
        ReflectReport {
            dev: self.config.dev.clone(),
            received,
            sent,
            tx_errors,
            rx_no_buf: no_buf,
            rx_miss: miss,
            seconds,
            active_seconds: active,
            pps: if active > 0.0 && received > 1 {
                // Frames after the first, over the time they took.
                (received - 1) as f64 / active
            } else {
                0.0
            },
            zero_copy: self.socket.zero_copy(),
            xdp_mode: self.xdp_mode().to_string(),
        }
    }

    /// Detaches the program (reporting the error) and closes the socket.
    pub fn close(mut self) -> Result<(), XdpError> {
        let prog = self.prog.take().expect("the program is there until close");
        prog.clear_socket(self.config.queue)?;
        prog.detach()
    }
}

impl Drop for Reflector {
    fn drop(&mut self) {
        if let Some(prog) = self.prog.take() {
            if let Err(e) = prog.clear_socket(self.config.queue) {
                log::error!("{e}");
            }
            // XdpProgram's Drop detaches and logs any error.
            drop(prog);
        }
    }
}
