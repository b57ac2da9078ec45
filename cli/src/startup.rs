//! weftd's configuration: VPP's startup.conf format and weftd's command line.
//!
//! weftd reads the three sections of VPP's startup.conf that mean something
//! for weft (`unix`, `cpu`, `buffers`) with VPP's syntax, so a VPP user's
//! file works as is; docs/startup.md lists every keyword, its default and
//! what weft ignores or rejects.
//!
//! ```
//! use weft_cli::startup::Startup;
//!
//! let conf = Startup::parse(
//!     "unix { nodaemon cli-listen /run/weft/cli.sock }\n\
//!      cpu {\n  main-core 0\n  corelist-workers 1-2\n}\n",
//! )?;
//! assert_eq!(conf.worker_cores(&[0, 1, 2, 3])?, [Some(1), Some(2)]);
//! assert_eq!(conf.pool_config().buffers, 16384);
//! # Ok::<(), weft_cli::startup::StartupError>(())
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
        "weft has no stats segment; counters are read through the CLI",
    ),
    ("plugins", "weft has no plugins; its features are built in"),
    ("logging", "weftd's log level is set with RUST_LOG"),
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

    /// The worker threads' cores (see [`Startup::placement`]).
    pub fn worker_cores(&self, available: &[usize]) -> Result<Vec<Option<usize>>, StartupError> {
        Ok(self.placement(available)?.workers)
    }

    /// Places the main thread and the workers on `available`, the cores
    /// weftd may run on ([`available_cores`]; empty = unknown).
    ///
    /// * main thread: `main-core`, else the first available core after
    ///   `skip-cores`;
    /// * `corelist-workers`: one worker on each listed core;
    /// * `workers n`: the n free cores following the main core (wrapping
    ///   round to the lower ones), skipping `skip-cores`;
    /// * neither: one worker on the first such core, or unpinned when the
    ///   machine has a single core.
    ///
    /// A core that is not available, a worker on the main core, or more
    /// `workers` than free cores is an error (as in VPP), never a silent
    /// clamp. With `relative`, core numbers are indices into `available`.
    /// When `available` is empty, explicit cores are trusted and workers
    /// without one are left unpinned.
    pub fn placement(&self, available: &[usize]) -> Result<Placement, StartupError> {
        let cpu = &self.cpu;
        let mut avail = available.to_vec();
        avail.sort_unstable();
        avail.dedup();
        let fail = |m: String| Err(StartupError::Placement(m));
        if avail.is_empty() {
            if cpu.relative {
                return fail("'relative' needs the list of cores weftd may use".into());
            }
            let workers = match (&cpu.corelist_workers, cpu.workers) {
                (Some(list), _) => list.iter().map(|&c| Some(c)).collect(),
                (None, Some(n)) => vec![None; n],
                (None, None) => vec![None],
            };
            return Ok(Placement {
                main: cpu.main_core,
                workers,
            });
        }
        let shown = format_core_list(&avail);
        let translate = |n: usize, what: &str| -> Result<usize, StartupError> {
            if !cpu.relative {
                return Ok(n);
            }
            avail.get(n).copied().ok_or_else(|| {
                StartupError::Placement(format!(
                    "relative core {n} ({what}) is out of range: weftd may use {} cores ({shown})",
                    avail.len()
                ))
            })
        };
        if cpu.skip_cores >= avail.len() {
            return fail(format!(
                "skip-cores {} leaves no core: weftd may use {} cores ({shown})",
                cpu.skip_cores,
                avail.len()
            ));
        }
        let (skipped, usable) = avail.split_at(cpu.skip_cores);
        let main = match cpu.main_core {
            Some(m) => translate(m, "main-core")?,
            None => usable[0],
        };
        if skipped.contains(&main) {
            return fail(format!(
                "main-core {main} is skipped by skip-cores {}",
                cpu.skip_cores
            ));
        }
        if !usable.contains(&main) {
            return fail(format!(
                "main-core {main} is not available to weftd (available cores: {shown})"
            ));
        }
        // Free cores after the main core first, then the ones below it.
        let free: Vec<usize> = usable
            .iter()
            .filter(|&&c| c > main)
            .chain(usable.iter().filter(|&&c| c < main))
            .copied()
            .collect();
        let workers = match (&cpu.corelist_workers, cpu.workers) {
            (Some(list), _) => {
                let mut cores = Vec::with_capacity(list.len());
                for &c in list {
                    let c = translate(c, "corelist-workers")?;
                    if c == main {
                        return fail(format!("corelist-workers includes the main core {c}"));
                    }
                    if skipped.contains(&c) {
                        return fail(format!(
                            "core {c} in corelist-workers is skipped by skip-cores {}",
                            cpu.skip_cores
                        ));
                    }
                    if !usable.contains(&c) {
                        return fail(format!(
                            "core {c} in corelist-workers is not available to weftd (available cores: {shown})"
                        ));
                    }
                    cores.push(Some(c));
                }
                cores
            }
            (None, Some(n)) => {
                if n > free.len() {
                    return fail(format!(
                        "'workers {n}' needs {n} free cores besides the main core {main}, but only {} {} ({})",
                        free.len(),
                        if free.len() == 1 { "is" } else { "are" },
                        if free.is_empty() {
                            "none".to_string()
                        } else {
                            format_core_list(&free)
                        }
                    ));
                }
                free[..n].iter().map(|&c| Some(c)).collect()
            }
            (None, None) => vec![free.first().copied()],
        };
        Ok(Placement {
            main: Some(main),
            workers,
        })
    }
}

/// The cores this process may run on (its affinity set), ascending; empty
/// when they cannot be read.
pub fn available_cores() -> Vec<usize> {
    let mut cores: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    cores.sort_unstable();
    cores
}

/// Formats cores in VPP's list syntax: `0-3,6`.
pub fn format_core_list(cores: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cores.len() {
        let mut j = i;
        while j + 1 < cores.len() && cores[j + 1] == cores[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if j == i {
            out.push_str(&cores[i].to_string());
        } else {
            out.push_str(&format!("{}-{}", cores[i], cores[j]));
        }
        i = j + 1;
    }
    out
}

/// Parses VPP's core list syntax (`1,3-5`) into ascending, distinct cores.
pub fn parse_core_list(s: &str) -> Result<Vec<usize>, String> {
    let mut cores = Vec::new();
    for part in s.split(',') {
        let (lo, hi) = match part.split_once('-') {
            Some((lo, hi)) => (lo, hi),
            None => (part, part),
        };
        let (lo, hi) = (parse_core(lo, s)?, parse_core(hi, s)?);
        if lo > hi {
            return Err(format!(
                "invalid core list '{s}': range {lo}-{hi} is backwards"
            ));
        }
        cores.extend(lo..=hi);
    }
    cores.sort_unstable();
    cores.dedup();
    Ok(cores)
}

fn parse_core(word: &str, list: &str) -> Result<usize, String> {
    match parse_decimal(word) {
        Some(c) if (c as usize) < MAX_CORES => Ok(c as usize),
        Some(c) => Err(format!(
            "invalid core list '{list}': core {c} is beyond the highest core number {}",
            MAX_CORES - 1
        )),
        None => Err(format!("invalid core list '{list}' (expected e.g. 1,3-5)")),
    }
}

/// Parses a hex core mask (`0x1e` or `1e`) into ascending cores.
fn parse_core_mask(s: &str) -> Result<Vec<usize>, String> {
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("invalid core mask '{s}' (expected hex, e.g. 0x1e)"));
    }
    let mut cores = Vec::new();
    for (i, digit) in hex.bytes().rev().enumerate() {
        let v = (digit as char).to_digit(16).unwrap_or(0);
        for bit in 0..4 {
            if v & (1 << bit) != 0 {
                let core = i * 4 + bit;
                if core >= MAX_CORES {
                    return Err(format!(
                        "invalid core mask '{s}': core {core} is beyond the highest core number {}",
                        MAX_CORES - 1
                    ));
                }
                cores.push(core);
            }
        }
    }
    cores.sort_unstable();
    Ok(cores)
}

/// Decimal digits only (VPP's `%u`), up to `u64`.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A size with an optional `k`/`m`/`g` suffix (VPP's `unformat_memory_size`).
fn parse_memory_size(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 10),
        b'm' | b'M' => (&s[..s.len() - 1], 20),
        b'g' | b'G' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    parse_decimal(digits)?.checked_mul(1 << shift)
}

/// A group id: a number, or a group name looked up in the group database.
fn parse_gid(s: &str) -> Result<u32, String> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| format!("gid {s} is out of range"));
    }
    match nix::unistd::Group::from_name(s) {
        Ok(Some(group)) => Ok(group.gid.as_raw()),
        Ok(None) => Err(format!("unknown group '{s}'")),
        Err(e) => Err(format!("cannot look up group '{s}': {}", e.desc())),
    }
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// Reads a regular UTF-8 text file; `what` prefixes the error.
fn read_text(path: &Path, what: &'static str) -> Result<String, StartupError> {
    let open_error = |error| StartupError::Open {
        what,
        path: path.to_path_buf(),
        error,
    };
    let meta = fs::metadata(path).map_err(open_error)?;
    if meta.is_dir() {
        return Err(open_error(io::Error::from(nix::errno::Errno::EISDIR)));
    }
    if !meta.is_file() {
        return Err(open_error(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let bytes = fs::read(path).map_err(open_error)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        StartupError::Config {
            file: path.display().to_string(),
            line: Some(valid.iter().filter(|&&b| b == b'\n').count() + 1),
            message: "not valid UTF-8 text".to_string(),
        }
    })
}

/// Reads an exec file (a CLI command script): its command lines with their
/// 1-based line numbers, trimmed, without blank lines and lines whose first
/// non-blank character is `#`.
///
/// Errors: `exec: cannot open <path>: No such file or directory` (or
/// `Is a directory`, `Permission denied`, `not a regular file`), and
/// `<path>:<line>: not valid UTF-8 text`.
pub fn read_exec_file(path: impl AsRef<Path>) -> Result<Vec<(usize, String)>, StartupError> {
    let text = read_text(path.as_ref(), "exec")?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| (n, line.to_string()))
        .collect())
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
struct Token {
    text: String,
    line: usize,
    /// An unquoted `{` or `}`.
    brace: bool,
}

impl Token {
    fn is_open(&self) -> bool {
        self.brace && self.text == "{"
    }
}

/// Splits text into words (see the module docs); `Err((line, message))`.
fn tokenize(text: &str) -> Result<Vec<Token>, (usize, String)> {
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '{' | '}' => {
                chars.next();
                tokens.push(Token {
                    text: c.to_string(),
                    line,
                    brace: true,
                });
            }
            '"' => {
                chars.next();
                let mut word = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\')) => {
                            word.extend(chars.next());
                        }
                        Some('\n') | None => {
                            return Err((line, "unterminated quoted string".to_string()));
                        }
                        Some(c) => word.push(c),
                    }
                }
                tokens.push(Token {
                    text: word,
                    line,
                    brace: false,
                });
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '{' || c == '}' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token {
                    text: word,
                    line,
                    brace: false,
                });
            }
        }
    }
    Ok(tokens)
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// One configuration source (a file, or the command line).
struct Src<'a> {
    name: &'a str,
    /// Whether line numbers mean anything (not for the command line).
    lines: bool,
    /// Which source this is, in order of application.
    index: usize,
}

impl Src<'_> {
    fn line(&self, line: usize) -> Option<usize> {
        self.lines.then_some(line)
    }

    fn err(&self, line: usize, message: impl Into<String>) -> StartupError {
        StartupError::Config {
            file: self.name.to_string(),
            line: self.line(line),
            message: message.into(),
        }
    }

    fn warning(&self, line: usize, message: impl Into<String>) -> Warning {
        Warning {
            file: self.name.to_string(),
            line: self.line(line),
            message: message.into(),
        }
    }
}

/// Where a keyword was read: for cross-keyword checks.
#[derive(Clone, Debug)]
struct Seen {
    file: String,
    line: Option<usize>,
    source: usize,
}

/// Accumulates sources in order, then validates ([`Builder::finish`]).
#[derive(Debug, Default)]
struct Builder {
    conf: Startup,
    sources: usize,
    workers: Option<Seen>,
    corelist: Option<Seen>,
    skip_cores: Option<Seen>,
    relative: Option<Seen>,
}

/// A cursor over a section's words.
struct Words<'t> {
    toks: &'t [Token],
    pos: usize,
}

impl<'t> Words<'t> {
    fn next(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.pos)?;
        self.pos += 1;
        Some(t)
    }

    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }
}

impl Builder {
    /// Applies one source's text on top of what is there.
    fn apply(&mut self, text: &str, name: &str, lines: bool) -> Result<(), StartupError> {
        let src = Src {
            name,
            lines,
            index: self.sources,
        };
        self.sources += 1;
        let tokens = tokenize(text).map_err(|(line, m)| src.err(line, m))?;
        let mut i = 0;
        while i < tokens.len() {
            let name_tok = &tokens[i];
            if name_tok.brace {
                return Err(src.err(name_tok.line, format!("unexpected '{}'", name_tok.text)));
            }
            let body = match tokens.get(i + 1) {
                Some(t) if t.is_open() => {
                    let end = matching_brace(&tokens, i + 1).ok_or_else(|| {
                        src.err(
                            name_tok.line,
                            format!("section '{}' is not closed: missing '}}'", name_tok.text),
                        )
                    })?;
                    let body = &tokens[i + 2..end];
                    i = end + 1;
                    body
                }
                // VPP's `name word` form: a one-word section without braces.
                Some(t) if !t.brace => {
                    i += 2;
                    &tokens[i - 1..i]
                }
                _ => {
                    return Err(src.err(
                        name_tok.line,
                        format!(
                            "section '{}' needs a body: {} {{ ... }}",
                            name_tok.text, name_tok.text
                        ),
                    ));
                }
            };
            self.section(&src, name_tok, body)?;
        }
        Ok(())
    }

    fn section(&mut self, src: &Src, name: &Token, body: &[Token]) -> Result<(), StartupError> {
        match name.text.as_str() {
            "unix" => self.unix(src, body),
            "cpu" => self.cpu(src, body),
            "buffers" => self.buffers(src, body),
            "dpdk" => self.dpdk(src, name, body),
            other => match IGNORED_SECTIONS.iter().find(|(s, _)| *s == other) {
                Some((_, why)) => {
                    self.conf
                        .warnings
                        .push(src.warning(name.line, format!("ignoring section '{other}': {why}")));
                    Ok(())
                }
                None => Err(src.err(
                    name.line,
                    format!(
                        "unknown section '{other}' (weft reads unix, cpu and buffers; see docs/startup.md)"
                    ),
                )),
            },
        }
    }

    /// `dpdk { }`: weft has no DPDK. Devices cannot be honoured (error);
    /// anything else (`no-pci`, `socket-mem`, `dev default { }`...) only
    /// tunes DPDK and is ignored with a warning.
    fn dpdk(&mut self, src: &Src, name: &Token, body: &[Token]) -> Result<(), StartupError> {
        let mut depth = 0usize;
        for (k, t) in body.iter().enumerate() {
            match (t.brace, t.text.as_str()) {
                (true, "{") => depth += 1,
                (true, _) => depth = depth.saturating_sub(1),
                (false, "dev" | "vdev") if depth == 0 => {
                    let arg = body
                        .get(k + 1)
                        .filter(|a| !a.brace)
                        .map(|a| a.text.as_str());
                    if t.text == "dev" && arg == Some("default") {
                        continue;
                    }
                    return Err(src.err(
                        t.line,
                        format!(
                            "'{} {}' in section 'dpdk': weft has no DPDK driver; attach the \
                             interface with 'create interface af_xdp host-if <ifname>' in an exec file",
                            t.text,
                            arg.unwrap_or("")
                        ),
                    ));
                }
                _ => {}
            }
        }
        self.conf.warnings.push(src.warning(
            name.line,
            "ignoring section 'dpdk': weft has no DPDK driver (interfaces are created with \
             'create interface af_xdp')",
        ));
        Ok(())
    }

    fn unix(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        while let Some(kw) = w.next() {
            let unix = &mut self.conf.unix;
            match keyword(src, kw, "unix")? {
                "cli-listen" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let s = v.text.as_str();
                    if s.is_empty() {
                        return Err(src.err(v.line, "cli-listen: empty socket path"));
                    }
                    if !s.contains('/') && s.contains(':') {
                        return Err(src.err(
                            v.line,
                            format!(
                                "cli-listen {s}: TCP CLI sockets are not supported; give a Unix socket path"
                            ),
                        ));
                    }
                    unix.cli_listen = PathBuf::from(s);
                }
                "exec" | "startup-config" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    unix.exec.push(PathBuf::from(&v.text));
                }
                "nodaemon" => unix.nodaemon = true,
                "interactive" => unix.interactive = true,
                "cli-prompt" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    if v.text.is_empty() {
                        return Err(src.err(v.line, "cli-prompt: empty prompt"));
                    }
                    unix.cli_prompt = if v.text.ends_with(' ') {
                        v.text.clone()
                    } else {
                        format!("{} ", v.text)
                    };
                }
                "log" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    unix.log = Some(PathBuf::from(&v.text));
                }
                "gid" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    unix.gid = Some(parse_gid(&v.text).map_err(|m| src.err(v.line, m))?);
                }
                "nobanner" | "cli-no-banner" => unix.no_banner = true,
                // Ask for the absence of things weft's CLI never does.
                "cli-no-pager" | "nocolor" => {}
                "cli-line-mode" => {
                    return Err(src.err(
                        kw.line,
                        "cli-line-mode is not supported: weft's CLI socket always negotiates \
                         telnet (use weftctl or vppctl)",
                    ));
                }
                "full-coredump" | "nosyslog" => {
                    let why = if kw.text == "nosyslog" {
                        "weftd does not log to syslog"
                    } else {
                        "weft leaves the core dump filter alone"
                    };
                    self.conf
                        .warnings
                        .push(src.warning(kw.line, format!("ignoring '{}': {why}", kw.text)));
                }
                "coredump-size" | "runtime-dir" | "pidfile" | "poll-sleep-usec"
                | "cli-history-limit" => {
                    let v = value(src, &mut w, kw, "unix")?;
                    let why = match kw.text.as_str() {
                        "coredump-size" => "weft leaves the core size limit alone",
                        "runtime-dir" => "weft puts nothing there (cli-listen is explicit)",
                        "pidfile" => "weftd writes no pid file",
                        "poll-sleep-usec" => "weft has no main-loop sleep setting",
                        _ => "weft's CLI history keeps 100 lines",
                    };
                    if matches!(kw.text.as_str(), "poll-sleep-usec" | "cli-history-limit")
                        && parse_decimal(&v.text).is_none()
                    {
                        return Err(expected_number(src, kw, v));
                    }
                    self.conf.warnings.push(
                        src.warning(kw.line, format!("ignoring '{} {}': {why}", kw.text, v.text)),
                    );
                }
                _ => return Err(unknown_keyword(src, kw, "unix")),
            }
        }
        Ok(())
    }

    fn cpu(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        while let Some(kw) = w.next() {
            match keyword(src, kw, "cpu")? {
                "main-core" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    self.conf.cpu.main_core = Some(core_number(src, kw, v)?);
                }
                "corelist-workers" | "coremask-workers" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    let cores = if kw.text == "corelist-workers" {
                        parse_core_list(&v.text)
                    } else {
                        parse_core_mask(&v.text)
                    }
                    .map_err(|m| src.err(v.line, m))?;
                    if cores.is_empty() {
                        return Err(src.err(v.line, format!("{}: no cores given", kw.text)));
                    }
                    self.check_placement_once(src, kw)?;
                    self.conf.cpu.corelist_workers = Some(cores);
                    self.conf.cpu.workers = None;
                    self.workers = None;
                    self.corelist = Some(seen(src, kw));
                }
                "workers" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    let n = match parse_decimal(&v.text) {
                        Some(n) => n,
                        None => return Err(expected_number(src, kw, v)),
                    };
                    if n == 0 {
                        return Err(src.err(
                            v.line,
                            "workers 0: weft needs at least one worker (its main thread does not forward packets)",
                        ));
                    }
                    if n > MAX_CORES as u64 {
                        return Err(
                            src.err(v.line, format!("workers {n}: at most {MAX_CORES} workers"))
                        );
                    }
                    self.check_placement_once(src, kw)?;
                    self.conf.cpu.workers = Some(n as usize);
                    self.conf.cpu.corelist_workers = None;
                    self.corelist = None;
                    self.workers = Some(seen(src, kw));
                }
                "skip-cores" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    self.conf.cpu.skip_cores = core_number(src, kw, v)?;
                    self.skip_cores = Some(seen(src, kw));
                }
                "relative" => {
                    self.conf.cpu.relative = true;
                    self.relative = Some(seen(src, kw));
                }
                "scheduler-policy" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    if !matches!(v.text.as_str(), "other" | "batch" | "idle" | "fifo" | "rr") {
                        return Err(src.err(
                            v.line,
                            format!(
                                "scheduler-policy {}: expected other, batch, idle, fifo or rr",
                                v.text
                            ),
                        ));
                    }
                    self.ignore_cpu(src, kw, Some(v));
                }
                "scheduler-priority" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    if parse_decimal(&v.text).is_none() {
                        return Err(expected_number(src, kw, v));
                    }
                    self.ignore_cpu(src, kw, Some(v));
                }
                "thread-prefix" | "numa-heap-size" => {
                    let v = value(src, &mut w, kw, "cpu")?;
                    self.ignore_cpu(src, kw, Some(v));
                }
                "use-pthreads" => self.ignore_cpu(src, kw, None),
                other => {
                    // VPP's generic `<thread type> <count>` and
                    // `corelist-<type>` / `coremask-<type>` forms.
                    let thread_type = other
                        .strip_prefix("corelist-")
                        .or_else(|| other.strip_prefix("coremask-"))
                        .or_else(|| {
                            w.peek()
                                .filter(|v| parse_decimal(&v.text).is_some())
                                .map(|_| other)
                        });
                    return Err(match thread_type {
                        Some(t) => src.err(
                            kw.line,
                            format!("no such thread type '{t}' (weft has only 'workers')"),
                        ),
                        None => unknown_keyword(src, kw, "cpu"),
                    });
                }
            }
        }
        Ok(())
    }

    /// `workers` and `corelist-workers` may appear once per source
    /// together (VPP: "already configured"); a later source overrides.
    fn check_placement_once(&self, src: &Src, kw: &Token) -> Result<(), StartupError> {
        let earlier = [
            ("workers", &self.workers),
            ("corelist-workers", &self.corelist),
        ];
        for (what, seen) in earlier {
            let Some(seen) = seen else { continue };
            if seen.source != src.index {
                continue;
            }
            let at = seen
                .line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            let message = if what == kw.text {
                format!("'{what}' is given twice{at}")
            } else {
                format!("'{}' and '{what}'{at} cannot be used together", kw.text)
            };
            return Err(src.err(kw.line, message));
        }
        Ok(())
    }

    fn ignore_cpu(&mut self, src: &Src, kw: &Token, v: Option<&Token>) {
        let what = match v {
            Some(v) => format!("{} {}", kw.text, v.text),
            None => kw.text.clone(),
        };
        let why = match kw.text.as_str() {
            "scheduler-policy" | "scheduler-priority" => {
                "weft's threads keep the default scheduling policy"
            }
            "thread-prefix" => "weft's threads are named weft_wk_<n>",
            "numa-heap-size" => "weft sizes its heap itself",
            _ => "weft's workers are always native threads",
        };
        self.conf
            .warnings
            .push(src.warning(kw.line, format!("ignoring '{what}': {why}")));
    }

    fn buffers(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        while let Some(kw) = w.next() {
            match keyword(src, kw, "buffers")? {
                "buffers-per-numa" => {
                    let v = value(src, &mut w, kw, "buffers")?;
                    let n = match parse_decimal(&v.text) {
                        Some(n) => n,
                        None => return Err(expected_number(src, kw, v)),
                    };
                    if n == 0 || n > u64::from(pool::MAX_BUFFERS) {
                        return Err(src.err(
                            v.line,
                            format!(
                                "buffers-per-numa {n}: must be between 1 and {} (weft's buffer index is 20 bits)",
                                pool::MAX_BUFFERS
                            ),
                        ));
                    }
                    self.conf.buffers.buffers_per_numa = n as u32;
                }
                "page-size" => {
                    let v = value(src, &mut w, kw, "buffers")?;
                    self.conf.buffers.page_size =
                        page_size(&v.text).map_err(|m| src.err(v.line, m))?;
                }
                "default" => {
                    let data_size = match w.next() {
                        Some(t) if !t.brace && t.text == "data-size" => t,
                        _ => {
                            return Err(src.err(
                                kw.line,
                                "'default' in section 'buffers' must be followed by 'data-size <n>'",
                            ));
                        }
                    };
                    let v = value(src, &mut w, data_size, "buffers")?;
                    let n = match parse_decimal(&v.text) {
                        Some(n) => n,
                        None => {
                            return Err(src.err(
                                v.line,
                                format!("'default data-size' expects a number, got '{}'", v.text),
                            ));
                        }
                    };
                    if n < u64::from(MIN_DATA_SIZE) || n > u64::from(MAX_DATA_SIZE) {
                        return Err(src.err(
                            v.line,
                            format!(
                                "data-size {n} is out of range: weft's buffers are AF_XDP frames of 2048 \
                                 or 4096 bytes holding {} bytes of headroom plus the data, so data-size \
                                 must be between {MIN_DATA_SIZE} and {MAX_DATA_SIZE}",
                                pool::DEFAULT_HEADROOM
                            ),
                        ));
                    }
                    self.conf.buffers.data_size = n as u32;
                }
                "layout" => {
                    let v = value(src, &mut w, kw, "buffers")?;
                    if !matches!(v.text.as_str(), "natural" | "packed") {
                        return Err(src.err(
                            v.line,
                            format!("layout {}: expected natural or packed", v.text),
                        ));
                    }
                    self.conf.warnings.push(src.warning(
                        kw.line,
                        format!(
                            "ignoring 'layout {}': weft's buffer metadata is always kept apart from the frames",
                            v.text
                        ),
                    ));
                }
                "numa" => {
                    return Err(src.err(
                        kw.line,
                        "per-NUMA buffer counts are not supported: weft has one buffer pool; use \
                         'buffers-per-numa <n>'",
                    ));
                }
                _ => return Err(unknown_keyword(src, kw, "buffers")),
            }
        }
        Ok(())
    }

    /// Applies weftd's command-line flags on top of the sources.
    fn flags(&mut self, args: &Args) {
        let unix = &mut self.conf.unix;
        if let Some(path) = &args.cli_listen {
            unix.cli_listen = path.clone();
        }
        unix.exec.extend(args.exec.iter().cloned());
        if let Some(n) = args.workers {
            self.conf.cpu.workers = Some(n as usize);
            self.conf.cpu.corelist_workers = None;
            self.corelist = None;
            self.workers = None;
        }
    }

    /// Cross-keyword checks on the merged configuration (VPP's rules).
    fn finish(self) -> Result<Startup, StartupError> {
        let cpu = &self.conf.cpu;
        if cpu.main_core.is_none() {
            let needs_main = [
                (
                    cpu.corelist_workers.is_some(),
                    "corelist-workers",
                    &self.corelist,
                ),
                (cpu.skip_cores != 0, "skip-cores", &self.skip_cores),
                (cpu.relative, "relative", &self.relative),
            ];
            for (set, what, seen) in needs_main {
                if set {
                    let (file, line) = seen
                        .as_ref()
                        .map(|s| (s.file.clone(), s.line))
                        .unwrap_or_else(|| ("startup config".to_string(), None));
                    return Err(StartupError::Config {
                        file,
                        line,
                        message: format!("'{what}' requires 'main-core' in section 'cpu'"),
                    });
                }
            }
        }
        Ok(self.conf)
    }
}

/// The index of the `}` matching the `{` at `open`.
fn matching_brace(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if !t.brace {
            continue;
        }
        if t.text == "{" {
            depth += 1;
        } else {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

fn seen(src: &Src, kw: &Token) -> Seen {
    Seen {
        file: src.name.to_string(),
        line: src.line(kw.line),
        source: src.index,
    }
}

/// A keyword word (a brace where a keyword belongs is an error).
fn keyword<'t>(src: &Src, kw: &'t Token, section: &str) -> Result<&'t str, StartupError> {
    if kw.brace {
        return Err(src.err(
            kw.line,
            format!("unexpected '{}' in section '{section}'", kw.text),
        ));
    }
    Ok(&kw.text)
}

/// The value word following `kw`.
fn value<'t>(
    src: &Src,
    w: &mut Words<'t>,
    kw: &Token,
    section: &str,
) -> Result<&'t Token, StartupError> {
    match w.peek() {
        Some(t) if !t.brace => {
            w.pos += 1;
            Ok(t)
        }
        _ => Err(src.err(
            kw.line,
            format!("'{}' in section '{section}' needs a value", kw.text),
        )),
    }
}

fn expected_number(src: &Src, kw: &Token, v: &Token) -> StartupError {
    src.err(
        v.line,
        format!("'{}' expects a number, got '{}'", kw.text, v.text),
    )
}

fn core_number(src: &Src, kw: &Token, v: &Token) -> Result<usize, StartupError> {
    match parse_decimal(&v.text) {
        Some(n) if (n as usize) < MAX_CORES => Ok(n as usize),
        Some(n) => Err(src.err(
            v.line,
            format!(
                "{} {n}: beyond the highest core number {}",
                kw.text,
                MAX_CORES - 1
            ),
        )),
        None => Err(expected_number(src, kw, v)),
    }
}

fn unknown_keyword(src: &Src, kw: &Token, section: &str) -> StartupError {
    let hint = match (section, kw.text.as_str()) {
        ("buffers", "data-size" | "default-data-size") => {
            " (VPP's syntax is 'default data-size <n>')"
        }
        ("unix" | "buffers", "workers" | "main-core" | "corelist-workers") => {
            " (it belongs in section 'cpu')"
        }
        _ => "",
    };
    src.err(
        kw.line,
        format!("unknown keyword '{}' in section '{section}'{hint}", kw.text),
    )
}

/// `page-size`: VPP's values mapped onto weft's page policies.
fn page_size(s: &str) -> Result<PageSize, String> {
    match s {
        "default" => return Ok(PageSize::Normal),
        "default-hugepage" => return Ok(PageSize::Huge),
        _ => {}
    }
    match parse_memory_size(s) {
        Some(4096) => Ok(PageSize::Normal),
        Some(0x20_0000) => Ok(PageSize::Huge),
        Some(_) => Err(format!(
            "page-size {s} is not supported: weft uses 4K pages or 2M hugepages"
        )),
        None => Err(format!(
            "page-size {s}: expected 4K, 2M, default or default-hugepage"
        )),
    }
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/// weftd's command line.
#[derive(Debug, Parser)]
#[command(
    name = "weftd",
    version,
    about = "weft's daemon: a userspace, VPP-style packet forwarder",
    long_about = "weft's daemon: a userspace, VPP-style packet forwarder.\n\n\
        The configuration is VPP's startup.conf format (sections unix, cpu and buffers; see \
        docs/startup.md). It is read in this order, later items overriding earlier ones: \
        built-in defaults (CLI socket /run/weft/cli.sock, one worker, 16384 buffers), the \
        -c file, startup.conf text given as trailing arguments (as with `vpp unix { nodaemon }`), \
        then the flags below.\n\n\
        Commands are typed at the CLI socket with weftctl (or VPP's vppctl), or listed in exec \
        files run at start.",
    after_help = "Examples:\n  \
        weftd -c /etc/weft/startup.conf\n  \
        weftd unix { interactive cli-listen /tmp/weft.sock } cpu { workers 2 }\n  \
        weftd --cli-listen /tmp/weft.sock --exec setup.cli"
)]
pub struct Args {
    /// Read the startup configuration from FILE (VPP's startup.conf format).
    /// Without it, built-in defaults apply.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Listen for CLI sessions on this Unix socket (overrides
    /// `unix { cli-listen }`).
    #[arg(long = "cli-listen", visible_alias = "socket", value_name = "PATH")]
    pub cli_listen: Option<PathBuf>,

    /// Run the CLI commands in FILE at start, after the configuration's own
    /// `exec` files, stopping at the first failing line. Repeatable.
    #[arg(long = "exec", value_name = "FILE")]
    pub exec: Vec<PathBuf>,

    /// Run N worker threads on the cores after the main core (overrides
    /// `cpu { workers | corelist-workers }`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_CORES as i64))]
    pub workers: Option<u16>,

    /// startup.conf text given inline, after the options, e.g.
    /// `unix { nodaemon } cpu { workers 2 }`; applied after the -c file.
    #[arg(value_name = "STARTUP-CONF", trailing_var_arg = true)]
    pub inline: Vec<String>,
}

impl Args {
    /// The configuration these arguments describe: defaults, then the
    /// `-c` file, then the inline text, then the flags.
    pub fn startup(&self) -> Result<Startup, StartupError> {
        let mut b = Builder::default();
        if let Some(path) = &self.config {
            let text = read_text(path, "startup config")?;
            b.apply(&text, &path.display().to_string(), true)?;
        }
        if !self.inline.is_empty() {
            if let Some(flag) = self.inline.iter().find(|w| w.starts_with('-')) {
                return Err(StartupError::Config {
                    file: "command line".to_string(),
                    line: None,
                    message: format!(
                        "'{flag}': options must come before the inline startup configuration"
                    ),
                });
            }
            b.apply(&self.inline.join(" "), "command line", false)?;
        }
        b.flags(self);
        b.finish()
    }
}

/// Parses weftd's command line (`args` includes the program name) and
/// returns the merged configuration. Like clap's `parse_from`, prints the
/// help, version or usage error and exits for `--help`, `--version` and
/// bad usage.
pub fn startup_from_args<I, T>(args: I) -> Result<Startup, StartupError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Args::parse_from(args).startup()
}

#[cfg(test)]
mod tests;
