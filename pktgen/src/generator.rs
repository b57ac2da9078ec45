//! The generator: replays a [`TemplateSpec`]'s frames through a
//! [`TxSocket`] at a given rate (or as fast as the interface takes them)
//! for a number of frames or a duration.
//!
//! # Design
//!
//! * Templates are built and copied into the UMEM once, in
//!   [`Generator::open`]; per packet only a descriptor is posted.
//! * Pacing: the `k`-th frame (0-based) is due `k / rate` seconds after the
//!   start. Each loop posts what is due (at most one batch), so a late loop
//!   catches up in bursts of at most `batch` frames. Waits longer than
//!   200 µs sleep, shorter ones spin.
//! * "Sent" is what the kernel *completed* (the completion ring), not what
//!   was posted. After the last post the generator waits up to
//!   [`DRAIN_TIMEOUT`] for the remaining completions; what never completes
//!   is reported as `tx_errors`.
//! * The clock runs from the first post to the last completion (or the end
//!   of the drain).
//!
//! # Limitations
//!
//! * One queue per generator; run several (each pinned to its own core) for
//!   more.
//! * In copy mode (veth, or a NIC without AF_XDP zero-copy) every frame is
//!   copied into an skb by the kernel, in the `sendto` that kicks the ring,
//!   at most 32 frames per call: the generator's core does that work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dataplane::io::af_xdp::{CopyMode, RingSize};
use nix::errno::Errno;
use serde::{Deserialize, Serialize};

use crate::template::{TemplateError, TemplateSpec, TemplateSummary};
use dataplane::io::xsk_tx::{OpenError, TxConfig, TxSocket};

/// Longest wait for the last completions after the last post.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);
/// Default descriptors posted per loop.
pub const DEFAULT_BATCH: u32 = 64;
/// Default tx ring size.
pub const DEFAULT_TX_SIZE: RingSize = RingSize::of(2048);

/// What to send, where, how fast and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Linux interface to send on (in the calling thread's netns).
    pub dev: String,
    /// Queue id.
    pub queue: u32,
    /// The frames.
    pub spec: TemplateSpec,
    /// Frames per second; 0 = as fast as the interface takes them.
    pub rate: u64,
    /// Stop after this many frames (posted).
    pub count: Option<u64>,
    /// Stop posting after this long.
    pub duration: Option<Duration>,
    /// Most descriptors posted per loop.
    pub batch: u32,
    /// Tx ring size.
    pub tx_size: RingSize,
    /// Copy or zero-copy.
    pub mode: CopyMode,
    /// Frames one kick may send in copy mode (`XDP_MAX_TX_SKB_BUDGET`,
    /// 32..=tx_size; `None`: the kernel's default of 32). Refused with an
    /// error by kernels before 6.17.
    pub tx_budget: Option<u32>,
}

impl GenConfig {
    /// Defaults: queue 0, unlimited rate, no count or duration (runs until
    /// stopped), batch [`DEFAULT_BATCH`], tx ring [`DEFAULT_TX_SIZE`], auto
    /// copy mode.
    pub fn new(dev: &str, spec: TemplateSpec) -> GenConfig {
        GenConfig {
            dev: dev.to_string(),
            queue: 0,
            spec,
            rate: 0,
            count: None,
            duration: None,
            batch: DEFAULT_BATCH,
            tx_size: DEFAULT_TX_SIZE,
            mode: CopyMode::Auto,
            tx_budget: None,
        }
    }
}

/// The outcome of a run (the `summary` line of `weft-pktgen gen`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenReport {
    /// Interface.
    pub dev: String,
    /// Descriptors posted to the tx ring.
    pub posted: u64,
    /// Frames the kernel completed (sent).
    pub sent: u64,
    /// Posted but not completed by the end of the drain (`posted - sent`).
    pub tx_errors: u64,
    /// Descriptors the kernel found invalid (`XDP_STATISTICS`; should be 0).
    pub tx_invalid_descs: u64,
    /// Kicks that failed with `ENOBUFS`/`ENOMEM` (the kernel could not
    /// allocate an skb; the frames stay in the ring and are retried).
    pub kick_errors: u64,
    /// First post to last completion.
    pub seconds: f64,
    /// `sent / seconds`.
    pub pps: f64,
    /// `sent` frame bytes (without FCS) × 8 / `seconds`.
    pub bps: f64,
    /// The rate asked for (0 = unlimited).
    pub rate: u64,
    /// The frames.
    pub frames: TemplateSummary,
    /// Whether the socket ran in zero-copy mode.
    pub zero_copy: bool,
}

/// Why a run could not start or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The template spec is out of range.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The socket could not be opened.
    #[error("{dev}: {source}")]
    Open {
        /// Interface.
        dev: String,
        /// Why.
        source: OpenError,
    },
    /// The kernel refused to transmit (interface down or gone).
    #[error("{dev}: sendto: {errno}")]
    Kick {
        /// Interface.
        dev: String,
        /// The error.
        errno: Errno,
    },
    /// The kernel refused the tx budget (before 6.17: no such option;
    /// otherwise out of 32..=tx ring size).
    #[error("{dev}: cannot set the tx budget to {budget} (XDP_MAX_TX_SKB_BUDGET): {source}")]
    TxBudget {
        /// Interface.
        dev: String,
        /// The budget asked for.
        budget: u32,
        /// The error.
        source: std::io::Error,
    },
    /// A parameter is out of range.
    #[error("{0}")]
    Invalid(&'static str),
}

/// A generator with its socket open and its templates in the UMEM.
#[derive(Debug)]
pub struct Generator {
    config: GenConfig,
    socket: TxSocket,
}

impl Generator {
    /// Builds the templates and opens the socket (in the calling thread's
    /// network namespace).
    pub fn open(config: &GenConfig) -> Result<Generator, GenError> {
        config.spec.validate()?;
        if config.batch == 0 || config.batch > config.tx_size.get() {
            return Err(GenError::Invalid(
                "batch must be between 1 and the tx ring size",
            ));
        }
        let templates: Vec<Vec<u8>> = (0..config.spec.flows)
            .map(|f| config.spec.frame(f))
            .collect();
        let tx_config = TxConfig {
            ifname: config.dev.clone(),
            queue: config.queue,
            tx_size: config.tx_size,
            mode: config.mode,
        };
        let socket = dataplane::io::af_xdp::retry_busy(&config.dev, || {
            TxSocket::open(&tx_config, &templates)
        })
        .map_err(|source| GenError::Open {
            dev: config.dev.clone(),
            source,
        })?;
        if let Some(budget) = config.tx_budget {
            socket
                .set_tx_budget(budget)
                .map_err(|source| GenError::TxBudget {
                    dev: config.dev.clone(),
                    budget,
                    source,
                })?;
        }
        Ok(Generator {
            config: config.clone(),
            socket,
        })
    }

    /// Whether the socket is in zero-copy mode.
    pub fn zero_copy(&self) -> bool {
        self.socket.zero_copy()
    }

    /// Sends until the count or duration is reached, or `stop` is set; then
    /// waits up to [`DRAIN_TIMEOUT`] for the last completions.
    pub fn run(&mut self, stop: &AtomicBool) -> Result<GenReport, GenError> {
        let c = &self.config;
        let s = &mut self.socket;
        let mut posted = 0u64;
        let mut sent = 0u64;
        let mut kick_errors = 0u64;
        let start = Instant::now();
        let deadline = c.duration.map(|d| start + d);
        let kick = |s: &TxSocket, kick_errors: &mut u64| match s
            .kick()
            .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))
        {
            Ok(()) | Err(Errno::EAGAIN | Errno::EBUSY) => Ok(()),
            Err(Errno::ENOBUFS | Errno::ENOMEM) => {
                *kick_errors += 1;
                Ok(())
            }
            Err(errno) => Err(GenError::Kick {
                dev: c.dev.clone(),
                errno,
            }),
        };

        loop {
            sent += u64::from(s.complete());
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let mut want = u64::from(c.batch);
            if let Some(count) = c.count {
                if posted >= count {
                    break;
                }
                want = want.min(count - posted);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                break;
            }
            if c.rate > 0 {
                let allowed = frames_due(now - start, c.rate).saturating_sub(posted);
                if allowed == 0 {
                    if s.needs_wakeup() && !s.ring_empty() {
                        kick(s, &mut kick_errors)?;
                    }
                    let next = start + due_at(posted, c.rate);
                    let wait = next.saturating_duration_since(Instant::now());
                    if wait > Duration::from_micros(200) {
                        std::thread::sleep(wait - Duration::from_micros(100));
                    } else {
                        std::hint::spin_loop();
                    }
                    continue;
                }
                want = want.min(allowed);
            }
            posted += u64::from(s.post(want as u32));
            if s.needs_wakeup() && !s.ring_empty() {
                kick(s, &mut kick_errors)?;
            }
        }

        // Drain: wait for the kernel to finish what was posted.
        let mut end = Instant::now();
        let drain_deadline = end + DRAIN_TIMEOUT;
        while sent < posted {
            let now = Instant::now();
            if now >= drain_deadline {
                break;
            }
            if s.needs_wakeup() && !s.ring_empty() {
                kick(s, &mut kick_errors)?;
            }
            let n = s.complete();
            if n > 0 {
                sent += u64::from(n);
                end = now;
            } else {
                std::thread::sleep(Duration::from_micros(20));
            }
        }
        // `end` is now the time of the last completion seen (or the end of
        // the loop, if everything had completed by then); after a timeout
        // it is the end of the drain.
        if sent < posted {
            end = Instant::now();
        }
        let invalid = s.kernel_stats().map(|k| k.tx_invalid_descs).unwrap_or(0);
        let seconds = (end - start).as_secs_f64();
        let pps = if seconds > 0.0 {
            sent as f64 / seconds
        } else {
            0.0
        };
        Ok(GenReport {
            dev: c.dev.clone(),
            posted,
            sent,
            tx_errors: posted - sent,
            tx_invalid_descs: invalid,
            kick_errors,
            seconds,
            pps,
            bps: pps * (c.spec.frame_len() * 8) as f64,
            rate: c.rate,
            frames: TemplateSummary::from(&c.spec),
            zero_copy: s.zero_copy(),
        })
    }
}

/// How many frames are due `elapsed` after the start at `rate` (> 0)
/// frames per second: frame `k` (0-based) is due at `k / rate` s, so one
/// frame is due at once.
fn frames_due(elapsed: Duration, rate: u64) -> u64 {
    (elapsed.as_nanos() * u128::from(rate) / 1_000_000_000) as u64 + 1
}

/// When frame `k` (0-based) is due at `rate` (> 0) frames per second,
/// rounded up to the nanosecond (so that [`frames_due`] counts it then).
fn due_at(k: u64, rate: u64) -> Duration {
    Duration::from_nanos((u128::from(k) * 1_000_000_000).div_ceil(u128::from(rate)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacing() {
        assert_eq!(frames_due(Duration::ZERO, 1000), 1);
        assert_eq!(frames_due(Duration::from_micros(999), 1000), 1);
        assert_eq!(frames_due(Duration::from_millis(1), 1000), 2);
        assert_eq!(frames_due(Duration::from_millis(499), 1000), 500);
        assert_eq!(frames_due(Duration::from_secs(10), 10_000_000), 100_000_001);
        assert_eq!(due_at(0, 1000), Duration::ZERO);
        assert_eq!(due_at(499, 1000), Duration::from_millis(499));
        assert_eq!(due_at(3, 3), Duration::from_secs(1));
        // Frame k is counted as due once its time has come.
        for k in [0u64, 1, 7, 1000, 123_456] {
            for rate in [1u64, 999, 1000, 14_880_952] {
                assert!(frames_due(due_at(k, rate), rate) > k, "k {k} rate {rate}");
            }
        }
    }

    #[test]
    fn open_refuses_bad_parameters_before_any_syscall() {
        use crate::template::TemplateSpec;
        use dataplane::wire::EthernetAddress;
        let spec = TemplateSpec::koko(EthernetAddress([2, 0, 0, 0, 0, 1]), EthernetAddress([2; 6]));
        let mut c = GenConfig::new("nonexistent0", spec);
        c.batch = 0;
        assert!(matches!(Generator::open(&c), Err(GenError::Invalid(_))));
        c.batch = c.tx_size.get() + 1;
        assert!(matches!(Generator::open(&c), Err(GenError::Invalid(_))));
        c.batch = 64;
        c.spec.inner_size = 10;
        assert!(matches!(
            Generator::open(&c),
            Err(GenError::Template(TemplateError::InnerSize(10)))
        ));
    }
}
