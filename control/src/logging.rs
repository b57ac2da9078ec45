//! weftd's log, as VPP keeps its own (`src/vlib/log.c`): every message
//! belongs to a class ([`CLASSES`]), each class has a level for the log
//! (the file or stderr, and the ring `show logging` prints) and a level
//! for syslog; the last [`RING_SIZE`] messages are kept in memory.
//!
//! Levels are VPP's (`emerg` ... `debug`, `disabled`). weft's code logs
//! with the `log` crate's macros: `error!` is `error`, `warn!` is `warn`,
//! `info!` is `notice` (VPP's default level, so what weft says by default
//! is shown by default, as VPP's own start-up messages are), `debug!` and
//! `trace!` are `debug`.
//!
//! A line of the log file, of stderr and of `show logging` is VPP's
//! `show logging` line: `2026/12/06 01:40:47:527 notice     cli            CLI
//! listening on ...` (local time, milliseconds; the level padded to 10, the
//! class to 14). Syslog gets `weftd[<pid>]: <class>: <message>` on
//! `/dev/log`, facility daemon.
//!
//! Not on the packet path: workers never log per packet. The state is one
//! mutex, taken per message.

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::SystemTime;

/// Messages kept for `show logging` (VPP's default `size`).
pub const RING_SIZE: usize = 512;

/// A VPP log level. Lower is more severe; a message is logged when its
/// level is at most the configured one, and never when that is
/// [`Level::Disabled`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `emerg`
    Emerg,
    /// `alert`
    Alert,
    /// `crit`
    Crit,
    /// `error`
    Error,
    /// `warn`
    Warn,
    /// `notice`
    Notice,
    /// `info`
    Info,
    /// `debug`
    Debug,
    /// `disabled`: nothing.
    Disabled,
}

impl Level {
    /// Every level, most severe first.
    pub const ALL: [Level; 9] = [
        Level::Emerg,
        Level::Alert,
        Level::Crit,
        Level::Error,
        Level::Warn,
        Level::Notice,
        Level::Info,
        Level::Debug,
        Level::Disabled,
    ];

    /// VPP's name (`format_vlib_log_level`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Disabled => "disabled",
        }
    }

    /// The level named `s` (exactly, as VPP's `unformat_vlib_log_level`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The level of a `log` crate record.
    #[must_use]
    pub fn of(l: log::Level) -> Level {
        match l {
            log::Level::Error => Level::Error,
            log::Level::Warn => Level::Warn,
            log::Level::Info => Level::Notice,
            log::Level::Debug | log::Level::Trace => Level::Debug,
        }
    }

    fn enables(self, configured: Level) -> bool {
        configured != Level::Disabled && self <= configured
    }

    /// syslog's severity (`LOG_EMERG` 0 ... `LOG_DEBUG` 7).
    fn severity(self) -> u8 {
        (self as u8).min(7)
    }
}

/// A class: its name, what it covers, and the module paths (log targets)
/// whose messages it gets.
#[derive(Debug)]
pub struct Class {
    /// The name `set logging class` takes.
    pub name: &'static str,
    /// What it is about (docs/observability.md lists the same).
    pub about: &'static str,
    targets: &'static [&'static str],
}

/// weft's log classes. A message goes to the class with the longest
/// matching target prefix, else to `weft`.
pub const CLASSES: &[Class] = &[
    Class {
        name: "weft",
        about: "anything no other class covers",
        targets: &[],
    },
    Class {
        name: "log",
        about: "the log itself (`clear logging`)",
        targets: &["control::logging"],
    },
    Class {
        name: "startup",
        about: "startup.conf, exec files, weftd starting and stopping",
        targets: &["daemon::startup", "daemon::weftd", "weftd"],
    },
    Class {
        name: "cli",
        about: "the CLI socket and its sessions",
        targets: &["console", "control::cli"],
    },
    Class {
        name: "config",
        about: "the configuration model (interfaces, bridge domains, addresses)",
        targets: &["control"],
    },
    Class {
        name: "interface",
        about: "devices: AF_XDP and AF_PACKET sockets, links, rtnetlink, ownership",
        targets: &[
            "daemon::device",
            "daemon::link",
            "daemon::runtime",
            "dataplane::io",
        ],
    },
    Class {
        name: "xdp",
        about: "weft's XDP program, the XDP fast path, libbpf",
        targets: &["daemon::xdp_fastpath", "dataplane::io::xdp_prog", "libbpf"],
    },
    Class {
        name: "neighbor",
        about: "ARP and neighbour discovery, resolution and ageing, ping replies",
        targets: &["daemon::neighbor", "daemon::punt", "control::ip"],
    },
    Class {
        name: "l2",
        about: "bridge domains and L2 FIB ageing",
        targets: &["daemon::l2age", "control::bridge"],
    },
    Class {
        name: "worker",
        about: "worker threads and their queues",
        targets: &["daemon::worker", "dataplane::worker"],
    },
    Class {
        name: "buffers",
        about: "the buffer pool",
        targets: &["dataplane::pool"],
    },
];

/// The index in [`CLASSES`] of the class named `name`.
#[must_use]
pub fn class_index(name: &str) -> Option<usize> {
    CLASSES.iter().position(|c| c.name == name)
}

/// The class of a log target (a module path).
#[must_use]
pub fn class_of(target: &str) -> usize {
    let mut best = (0, 0);
    for (i, c) in CLASSES.iter().enumerate() {
        for t in c.targets {
            let matches = target == *t
                || target
                    .strip_prefix(t)
                    .is_some_and(|rest| rest.starts_with("::"));
            if matches && t.len() > best.1 {
                best = (i, t.len());
            }
        }
    }
    best.0
}

/// One message kept for `show logging`.
#[derive(Clone, Debug)]
pub struct Entry {
    /// When it was logged.
    pub at: SystemTime,
    /// Its level.
    pub level: Level,
    /// Its class (index in [`CLASSES`]).
    pub class: usize,
    /// The message.
    pub message: String,
}

impl Entry {
    /// VPP's `show logging` line (without the newline).
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "{} {:<10} {:<14} {}",
            timestamp(self.at),
            self.level.name(),
            CLASSES[self.class].name,
            self.message
        )
    }
}

/// `at` as VPP's `format_time_float` prints it: `2026/12/06 01:40:47:527`,
/// local time.
#[must_use]
pub fn timestamp(at: SystemTime) -> String {
    let t: chrono::DateTime<chrono::Local> = at.into();
    t.format("%Y/%m/%d %H:%M:%S:%3f").to_string()
}

/// A class's levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Levels {
    /// The log (file or stderr, and `show logging`).
    pub level: Level,
    /// Syslog.
    pub syslog: Level,
}

/// The levels every class starts with: VPP's defaults.
pub const DEFAULT_LEVELS: Levels = Levels {
    level: Level::Notice,
    syslog: Level::Warn,
};

struct Inner {
    levels: Vec<Levels>,
    ring: VecDeque<Entry>,
    out: Option<Box<dyn Write + Send>>,
    syslog: Option<UnixDatagram>,
}

/// The log. weftd has one ([`logger`]).
pub struct Logger {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger").finish_non_exhaustive()
    }
}

impl Default for Logger {
    fn default() -> Self {
        Logger::new()
    }
}

impl Logger {
    /// A log with the default levels, writing nowhere but its ring.
    #[must_use]
    pub fn new() -> Logger {
        Logger {
            inner: Mutex::new(Inner {
                levels: vec![DEFAULT_LEVELS; CLASSES.len()],
                ring: VecDeque::with_capacity(RING_SIZE),
                out: None,
                syslog: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes the log's lines to `out` from now on (a file, stderr).
    pub fn set_output(&self, out: Box<dyn Write + Send>) {
        self.lock().out = Some(out);
    }

    /// Sends messages at or above each class's syslog level to the syslog
    /// socket at `path` (`/dev/log`), if it can be reached.
    pub fn set_syslog(&self, path: &std::path::Path) {
        let sock = UnixDatagram::unbound().and_then(|s| s.connect(path).map(|()| s));
        self.lock().syslog = sock.ok();
    }

    /// The levels of every class, as [`CLASSES`] lists them.
    #[must_use]
    pub fn levels(&self) -> Vec<Levels> {
        self.lock().levels.clone()
    }

    /// Sets the levels of class `class`.
    pub fn set_levels(&self, class: usize, levels: Levels) {
        self.lock().levels[class] = levels;
        log::set_max_level(self.max_level());
    }

    /// Sets the levels of every class.
    pub fn set_all(&self, levels: Levels) {
        self.lock().levels.fill(levels);
        log::set_max_level(self.max_level());
    }

    /// The most verbose `log` level any class or syslog takes (so the
    /// macros skip the rest without formatting).
    #[must_use]
    pub fn max_level(&self) -> log::LevelFilter {
        let most = self
            .lock()
            .levels
            .iter()
            .flat_map(|l| [l.level, l.syslog])
            .filter(|l| *l != Level::Disabled)
            .max();
        match most {
            None => log::LevelFilter::Off,
            Some(Level::Debug) => log::LevelFilter::Trace,
            Some(Level::Notice | Level::Info) => log::LevelFilter::Info,
            Some(Level::Warn) => log::LevelFilter::Warn,
            Some(_) => log::LevelFilter::Error,
        }
    }

    /// The messages kept, oldest first.
    #[must_use]
    pub fn entries(&self) -> Vec<Entry> {
        self.lock().ring.iter().cloned().collect()
    }

    /// Forgets the messages kept (`clear logging`), then logs `log
    /// cleared` at info, as VPP does.
    pub fn clear(&self) {
        self.lock().ring.clear();
        self.log(
            class_index("log").unwrap_or(0),
            Level::Info,
            "log cleared".into(),
        );
    }

    /// Logs `message` in `class` at `level`.
    pub fn log(&self, class: usize, level: Level, message: String) {
        let mut g = self.lock();
        let Levels {
            level: configured,
            syslog,
        } = g.levels[class];
        if level.enables(syslog)
            && let Some(s) = &g.syslog
        {
            let text = format!(
                "<{}>weftd[{}]: {}: {message}",
                3 * 8 + level.severity(),
                std::process::id(),
                CLASSES[class].name
            );
            let _ = s.send(text.as_bytes());
        }
        if !level.enables(configured) {
            return;
        }
        let entry = Entry {
            at: SystemTime::now(),
            level,
            class,
            message,
        };
        if let Some(out) = &mut g.out {
            let _ = writeln!(out, "{}", entry.line());
            let _ = out.flush();
        }
        if g.ring.len() >= RING_SIZE {
            g.ring.pop_front();
        }
        g.ring.push_back(entry);
    }
}

/// weftd's log.
pub fn logger() -> &'static Logger {
    static LOGGER: LazyLock<Logger> = LazyLock::new(Logger::new);
    &LOGGER
}

struct Facade;

impl log::Log for Facade {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        let levels = logger().lock().levels[class_of(m.target())];
        let l = Level::of(m.level());
        l.enables(levels.level) || l.enables(levels.syslog)
    }

    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            logger().log(
                class_of(r.target()),
                Level::of(r.level()),
                r.args().to_string(),
            );
        }
    }

    fn flush(&self) {
        if let Some(out) = &mut logger().lock().out {
            let _ = out.flush();
        }
    }
}

/// Makes [`logger`] the process's `log` logger (once; later calls do
/// nothing).
pub fn install() {
    if log::set_logger(&Facade).is_ok() {
        log::set_max_level(logger().max_level());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_target() {
        let name = |t: &str| CLASSES[class_of(t)].name;
        assert_eq!(name("console::server"), "cli");
        assert_eq!(name("control::cli::exec"), "cli");
        assert_eq!(name("control::config"), "config");
        assert_eq!(name("control::ip"), "neighbor");
        assert_eq!(name("dataplane::io::xdp_prog"), "xdp");
        assert_eq!(name("dataplane::io::af_xdp"), "interface");
        assert_eq!(name("libbpf"), "xdp");
        assert_eq!(name("daemon::weftd"), "startup");
        assert_eq!(name("dataplane::pool"), "buffers");
        // A prefix must end at a module boundary.
        assert_eq!(name("consoles"), "weft");
        assert_eq!(name("something::else"), "weft");
        let mut names: Vec<_> = CLASSES.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CLASSES.len());
    }

    #[test]
    fn levels_filter_and_ring() {
        let l = Logger::new();
        let cli = class_index("cli").unwrap();
        l.log(cli, Level::Notice, "shown".into());
        l.log(cli, Level::Info, "below notice".into());
        l.set_levels(
            cli,
            Levels {
                level: Level::Warn,
                syslog: Level::Warn,
            },
        );
        l.log(cli, Level::Notice, "below warn".into());
        l.log(cli, Level::Error, "above warn".into());
        let msgs: Vec<_> = l.entries().into_iter().map(|e| e.message).collect();
        assert_eq!(msgs, ["shown", "above warn"]);
        for i in 0..RING_SIZE + 3 {
            l.log(0, Level::Notice, format!("m{i}"));
        }
        let e = l.entries();
        assert_eq!(e.len(), RING_SIZE);
        assert_eq!(e[0].message, "m3");
        l.clear();
        let e = l.entries();
        // `log cleared` is at info, below the default notice.
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(Level::parse("warn"), Some(Level::Warn));
        assert_eq!(Level::parse("warning"), None);
        assert_eq!(Level::parse("disabled"), Some(Level::Disabled));
    }

    #[test]
    fn lines_in_vpps_layout() {
        let e = Entry {
            at: SystemTime::now(),
            level: Level::Notice,
            class: class_index("cli").unwrap(),
            message: "CLI listening on /run/weft/cli.sock".into(),
        };
        let line = e.line();
        // 2026/12/06 01:40:47:527 notice     cli            CLI ...
        let (ts, rest) = line.split_at(23);
        let b = ts.as_bytes();
        assert!(
            ts.chars().enumerate().all(|(i, c)| match i {
                4 | 7 => c == '/',
                10 => c == ' ',
                13 | 16 | 19 => c == ':',
                _ => c.is_ascii_digit(),
            }),
            "{ts}"
        );
        assert_eq!(b.len(), 23);
        assert_eq!(
            rest,
            " notice     cli            CLI listening on /run/weft/cli.sock"
        );
    }
}
