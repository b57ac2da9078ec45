//! weftd's configuration: VPP's startup.conf format and weftd's command line.
//!
//! weftd reads the three sections of VPP's startup.conf that mean something
//! for weft (`unix`, `cpu`, `buffers`) with VPP's syntax, so a VPP user's
//! file works as is; docs/startup.md lists every keyword, its default and
//! what weft ignores or rejects.
//!
//! ```
//! use daemon::startup::Startup;
//!
//! let conf = Startup::parse(
//!     "unix { nodaemon cli-listen /run/weft/cli.sock }\n\
//!      cpu {\n  main-core 0\n  corelist-workers 1-2\n}\n",
//! )?;
//! assert_eq!(conf.worker_cores(&[0, 1, 2, 3])?, [Some(1), Some(2)]);
//! assert_eq!(conf.pool_config().buffers, 16384);
//! # Ok::<(), daemon::startup::StartupError>(())
//! ```
//!
//! | item | what |
//! |---|---|
//! | [`Startup`] | the whole configuration: [`Startup::parse`], [`Startup::load`], [`Startup::default`] |
//! | [`Startup::placement`], [`Startup::worker_cores`] | which cores the main thread and the workers run on |
//! | [`Startup::pool_config`] | the buffer pool geometry |
//! | [`Args`], [`startup_from_args`] | `weftd [-c FILE] [--cli-listen PATH] [--exec FILE]... [--workers N] [STARTUP-CONF...]` |
//! | [`read_exec_file`] | the numbered command lines of a `unix { exec }` file |
//!
//! The parts, one file each: `lexer` (words, braces, quotes),
//! `parse` (sources applied in order, with one file per section under
//! `parse/`: `unix`, `cpu`, `buffers`), `cores` (placement, core lists and
//! masks), `files` (startup configs and exec scripts) and `args` (weftd's
//! command line); this file holds the configuration types and errors.
//!
//! # Syntax (as VPP reads it)
//!
//! * The text is a sequence of words separated by blanks and newlines; a
//!   word *starting* with `#` starts a comment that runs to the end of the
//!   line (`foo#bar` is one word, as in VPP).
//! * A section is `name { words... }`, on one line or many. As in VPP, a
//!   section with a single word may omit the braces (`unix interactive`).
//! * Keywords match exactly (no prefixes), values follow their keyword
//!   after blanks (`cli-listen /run/weft/cli.sock`, `default data-size 2048`).
//! * weft extensions: `{` and `}` are words on their own even when glued
//!   to another word (`unix {nodaemon}`), and a value may be written in
//!   double quotes to hold blanks or braces (`cli-prompt "edge 1# "`, with
//!   `\"` and `\\` as escapes).
//! * Sections may repeat; later keywords override earlier ones, except
//!   `exec`, which accumulates, and `workers`/`corelist-workers`, which may
//!   be given once per source.
//!
//! Every error names the file and line (`startup.conf:7: unknown keyword
//! 'foo' in section 'unix'`). Sections and keywords that are harmless for
//! weft are accepted and reported as [`Warning`]s, which the daemon logs
//! ([`Startup::log_warnings`]).

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use dataplane::pool::{self, PageSize, PoolConfig};

use console::client::DEFAULT_SOCKET;

/// The CLI prompt when `cli-prompt` is not given.
pub const DEFAULT_PROMPT: &str = "weft# ";
/// Most worker threads (and highest core number + 1) weft accepts: the
/// size of Linux's `cpu_set_t`.
pub const MAX_CORES: usize = 1024;
/// Smallest `default data-size`: smaller values would make frames shorter
/// than AF_XDP's 2048-byte minimum chunk.
pub const MIN_DATA_SIZE: u32 = 1024 - pool::DEFAULT_HEADROOM + 1;
/// Largest `default data-size`: headroom plus data must fit a 4096-byte
/// AF_XDP frame (a chunk may not exceed the page size).
pub const MAX_DATA_SIZE: u32 = 4096 - pool::DEFAULT_HEADROOM;

/// Sections weft accepts and ignores, with the reason given in the warning.
const IGNORED_SECTIONS: &[(&str, &str)] = &[
    ("api-trace", "weft has no binary API"),
    ("api-segment", "weft has no binary API"),
    ("socksvr", "weft has no binary API socket"),
    (
        "statseg",
        "weft has no stats segment; counters are read through the CLI and /metrics (section 'metrics')",
    ),
    ("plugins", "weft has no plugins; its features are built in"),
    (
        "logging",
        "weftd's log levels are set with `set logging class` (an exec file)",
    ),
    ("memory", "weft sizes its heap itself"),
    ("heapsize", "weft sizes its heap itself"),
];

// ---------------------------------------------------------------------------
// The configuration
// ---------------------------------------------------------------------------

/// weftd's startup configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Startup {
    /// `unix { }`: CLI socket, exec scripts, prompt, log, group.
    pub unix: UnixConf,
    /// `cpu { }`: main thread and worker placement.
    pub cpu: CpuConf,
    /// `buffers { }`: the buffer pool.
    pub buffers: BuffersConf,
    /// `metrics { }`: the Prometheus endpoint.
    pub metrics: MetricsConf,
    /// Things accepted but ignored (harmless VPP keywords and sections), for
    /// the daemon to log once it has a logger ([`Startup::log_warnings`]).
    pub warnings: Vec<Warning>,
}

/// The `unix { }` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixConf {
    /// `cli-listen <path>`: the CLI socket (default `/run/weft/cli.sock`).
    pub cli_listen: PathBuf,
    /// `exec <file>` / `startup-config <file>` (synonyms), then `--exec`:
    /// CLI scripts run at start, in this order.
    pub exec: Vec<PathBuf>,
    /// `nodaemon`: stay in the foreground.
    pub nodaemon: bool,
    /// `interactive`: run a CLI session on stdin; its end stops weftd.
    pub interactive: bool,
    /// `cli-prompt <s>`, always ending in a space (default `weft# `).
    pub cli_prompt: String,
    /// `log <file>`: the startup log file.
    pub log: Option<PathBuf>,
    /// `gid <number|group name>`: group of the CLI socket.
    pub gid: Option<u32>,
    /// `nobanner` / `cli-no-banner`: no banner on interactive CLI sessions.
    pub no_banner: bool,
    /// `nosyslog`: nothing goes to syslog (by default messages at or above
    /// each log class's syslog level go to `/dev/log`).
    pub no_syslog: bool,
    /// `cli-history-limit <n>`: lines of command history per CLI session
    /// (VPP's default 50; 0 keeps none).
    pub cli_history_limit: usize,
    /// `cli-idle-timeout <seconds>` (weft): a CLI session with no input
    /// for this long is closed (default 600; `None` for 0: never).
    pub cli_idle_timeout: Option<Duration>,
    /// `cli-first-input-timeout <seconds>` (weft): a CLI connection that
    /// sent nothing at all for this long is closed (default 30; `None` for
    /// 0: never).
    pub cli_first_input_timeout: Option<Duration>,
}

impl Default for UnixConf {
    fn default() -> Self {
        UnixConf {
            cli_listen: PathBuf::from(DEFAULT_SOCKET),
            exec: Vec::new(),
            nodaemon: false,
            interactive: false,
            cli_prompt: DEFAULT_PROMPT.to_string(),
            log: None,
            gid: None,
            no_banner: false,
            no_syslog: false,
            cli_history_limit: console::history::DEFAULT_LIMIT,
            cli_idle_timeout: Some(console::server::DEFAULT_IDLE_TIMEOUT),
            cli_first_input_timeout: Some(console::server::DEFAULT_FIRST_INPUT_TIMEOUT),
        }
    }
}

/// The `cpu { }` section. [`Startup::placement`] turns it into cores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuConf {
    /// `main-core <n>`: the main (control) thread's core.
    pub main_core: Option<usize>,
    /// `corelist-workers <list>` (or `coremask-workers <hex>`): one worker
    /// per listed core, ascending, no duplicates.
    pub corelist_workers: Option<Vec<usize>>,
    /// `workers <n>`: n workers on the cores after the main core.
    pub workers: Option<usize>,
    /// `skip-cores <n>`: the first n available cores are left alone.
    pub skip_cores: usize,
    /// `relative`: core numbers index the cores weftd may use (its affinity
    /// set) instead of naming absolute cores.
    pub relative: bool,
}

/// The `buffers { }` section. [`Startup::pool_config`] turns it into a
/// [`PoolConfig`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuffersConf {
    /// `buffers-per-numa <n>`: the number of buffers (weft has one pool).
    pub buffers_per_numa: u32,
    /// `page-size <4K|2M|default|default-hugepage>`.
    pub page_size: PageSize,
    /// `default data-size <n>`: data bytes per buffer.
    pub data_size: u32,
}

impl Default for BuffersConf {
    fn default() -> Self {
        BuffersConf {
            buffers_per_numa: pool::DEFAULT_BUFFERS,
            page_size: PageSize::Auto,
            data_size: pool::DEFAULT_DATA_SIZE,
        }
    }
}

/// VPP's exporter's port (Prometheus's default port allocations).
pub const DEFAULT_METRICS_PORT: u16 = 9482;

/// The `metrics { }` section: where `/metrics` is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsConf {
    /// `listen <address>:<port>` (default `127.0.0.1:9482`, in weftd's
    /// network namespace); `None` after `disable`.
    pub listen: Option<std::net::SocketAddr>,
    /// Whether `listen` was given: weftd then stops if it cannot listen
    /// there, where it only logs an error for the default address.
    pub explicit: bool,
}

impl Default for MetricsConf {
    fn default() -> Self {
        MetricsConf {
            listen: Some(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                DEFAULT_METRICS_PORT,
            ))),
            explicit: false,
        }
    }
}

/// Something in the configuration that weft accepted but ignores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The file (or `command line`).
    pub file: String,
    /// The line, when the source has lines.
    pub line: Option<usize>,
    /// What was ignored and why.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", At(&self.file, self.line), self.message)
    }
}

/// Where the main thread and the workers run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The main thread's core; `None` when the available cores are unknown
    /// and no `main-core` was given (leave it unpinned).
    pub main: Option<usize>,
    /// One entry per worker: its core, or `None` to leave it unpinned.
    pub workers: Vec<Option<usize>>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A problem at a place in a configuration source.
    #[error("{}{message}", At(file, *line))]
    Config {
        /// The file (or `command line`).
        file: String,
        /// The line, when the source has lines.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A file could not be opened or read.
    #[error("{what}: cannot open {}: {}", path.display(), os_message(error))]
    Open {
        /// What the file was for (`startup config`, `exec`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        error: io::Error,
    },
    /// The `cpu { }` placement does not fit the cores weftd may use.
    #[error("cpu: {0}")]
    Placement(String),
}

/// `file:line: ` (or `file: ` without a line).
struct At<'a>(&'a str, Option<usize>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(line) => write!(f, "{}:{line}: ", self.0),
            None => write!(f, "{}: ", self.0),
        }
    }
}

/// `No such file or directory` rather than `... (os error 2)`.
fn os_message(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => e.to_string(),
    }
}

impl Startup {
    /// Parses startup.conf text; errors and warnings name it `startup.conf`.
    pub fn parse(text: &str) -> Result<Startup, StartupError> {
        Self::parse_named(text, "startup.conf")
    }

    /// Parses startup.conf text; errors and warnings name it `name`.
    pub fn parse_named(text: &str, name: &str) -> Result<Startup, StartupError> {
        let mut b = Builder::default();
        b.apply(text, name, true)?;
        b.finish()
    }

    /// Reads and parses a startup.conf file; errors name the path as given.
    pub fn load(path: impl AsRef<Path>) -> Result<Startup, StartupError> {
        let path = path.as_ref();
        let text = read_text(path, "startup config")?;
        Self::parse_named(&text, &path.display().to_string())
    }

    /// Logs every [`Warning`] (`log::warn!`).
    pub fn log_warnings(&self) {
        for w in &self.warnings {
            log::warn!("{w}");
        }
    }

    /// The buffer pool geometry (headroom is always
    /// [`pool::DEFAULT_HEADROOM`]).
    pub fn pool_config(&self) -> PoolConfig {
        PoolConfig {
            buffers: self.buffers.buffers_per_numa,
            data_size: self.buffers.data_size,
            headroom: pool::DEFAULT_HEADROOM,
            page_size: self.buffers.page_size,
        }
    }
}

mod args;
mod cores;
mod files;
mod lexer;
mod parse;

pub use args::{Args, startup_from_args, try_parse_args};
use cores::parse_core_mask;
pub use cores::{available_cores, format_core_list, parse_core_list};
pub use files::read_exec_file;
use files::read_text;
use parse::Builder;

#[cfg(test)]
mod tests;
