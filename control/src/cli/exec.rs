//! [`Cli`]: the [`Executor`] over the command tree, the configuration and
//! the runtime.
//!
//! A [`Cli`] needs a [`Runtime`]: weftd's (`daemon::runtime::Runtime`),
//! whose docs show a session over pg interfaces.
//!
//! # Design
//!
//! Each line is resolved under a read lock on the tree; the command then
//! runs with the [`State`] lock held (VPP runs non-mp-safe commands under
//! the worker barrier; weft's workers never take this lock, they read
//! published snapshots), or, for [`Run::Unlocked`] commands such as
//! `ping`, with the `Arc<Mutex<State>>` to lock briefly itself. After a
//! successful command marked `mutates`, [`Runtime::config_changed`] runs
//! with the lock still held.
//!
//! Counters are never reset in the dataplane (they have one writer, the
//! worker): `clear interfaces`, `clear errors` and `clear runtime` record
//! baselines here, and the show commands print the difference.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use dataplane::stats::IF_COUNTERS;

use super::grammar::{Arg, CmdError, Command, Resolved, Run, Tree};
use crate::config::Config;
use crate::device::DeviceArgs;
use crate::runtime::{Runtime, WorkerInfo};
use console::Executor;

/// Baselines recorded by the `clear` commands.
#[derive(Debug)]
pub struct Baselines {
    /// `clear interfaces` (and an interface's creation): per (thread
    /// index, sw_if_index), that thread's counters then, so that each
    /// thread's counts restart at zero as VPP's do (`/metrics` reports
    /// them per thread).
    pub interfaces: HashMap<(u32, u32), [u64; IF_COUNTERS]>,
    /// `clear errors`: per (thread index, node index, counter index).
    pub errors: HashMap<(u32, usize, usize), u64>,
    /// `clear errors`: the drivers' counters, per (thread index, node,
    /// description).
    pub device_errors: HashMap<(u32, &'static str, &'static str), u64>,
    /// `clear runtime`: per (thread index, node index), calls, vectors,
    /// clocks.
    pub runtime: HashMap<(u32, usize), [u64; 3]>,
    /// `clear runtime`: main-loop iterations per thread index.
    pub loops: HashMap<u32, u64>,
    /// `clear runtime` (or start): the base of `show runtime`'s Time.
    pub runtime_since: Instant,
}

impl Baselines {
    /// A node's calls, vectors and clocks at the last `clear runtime` on
    /// `thread` (zeros if never cleared).
    #[must_use]
    pub fn runtime_of(&self, thread: u32, node: usize) -> [u64; 3] {
        self.runtime.get(&(thread, node)).copied().unwrap_or([0; 3])
    }
}

impl Default for Baselines {
    fn default() -> Self {
        Baselines {
            interfaces: HashMap::new(),
            errors: HashMap::new(),
            device_errors: HashMap::new(),
            runtime: HashMap::new(),
            loops: HashMap::new(),
            runtime_since: Instant::now(),
        }
    }
}

/// What commands run against: the configuration, the runtime, and the
/// CLI's own baselines.
pub struct State {
    /// The configuration model.
    pub config: Config,
    /// The running dataplane.
    pub runtime: Box<dyn Runtime>,
    /// Counter baselines of the `clear` commands.
    pub baselines: Baselines,
    /// When the CLI was created (weft's "process start").
    pub started: Instant,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl State {
    /// Interface counters of `sw_if_index` summed over workers, since the
    /// last `clear interfaces`.
    pub fn if_counters(&self, sw_if_index: u32) -> [u64; IF_COUNTERS] {
        let mut sum = [0u64; IF_COUNTERS];
        for (_, c) in self.if_counters_per_thread(sw_if_index, &self.runtime.counters()) {
            for (s, v) in sum.iter_mut().zip(c) {
                *s = s.wrapping_add(v);
            }
        }
        sum
    }

    /// Interface counters of `sw_if_index` on each thread of `threads`
    /// (what [`Runtime::counters`] returned), since the last `clear
    /// interfaces`: (thread index, counters), in the order of `threads`.
    pub fn if_counters_per_thread(
        &self,
        sw_if_index: u32,
        threads: &[WorkerInfo],
    ) -> Vec<(u32, [u64; IF_COUNTERS])> {
        threads
            .iter()
            .map(|w| {
                let mut c = w.stats.interfaces.snapshot(sw_if_index);
                if let Some(base) = self
                    .baselines
                    .interfaces
                    .get(&(w.thread_index, sw_if_index))
                {
                    for (v, b) in c.iter_mut().zip(base) {
                        *v = v.saturating_sub(*b);
                    }
                }
                (w.thread_index, c)
            })
            .collect()
    }

    /// Creates the device `args` asks for (`create interface af_xdp`,
    /// `create host-interface`), its counters starting at zero.
    pub fn create_device(&mut self, args: &DeviceArgs) -> Result<u32, CmdError> {
        let sw = self
            .runtime
            .create_device(&mut self.config, args)
            .map_err(CmdError::failed)?;
        self.zero_if_counters(sw);
        Ok(sw)
    }

    /// Deletes device interface `sw_if_index`.
    pub fn delete_device(&mut self, sw_if_index: u32) -> Result<(), CmdError> {
        self.runtime
            .delete_device(&mut self.config, sw_if_index)
            .map_err(CmdError::failed)
    }

    /// A new interface: its counters start at zero, and the line VPP prints
    /// after creating one (its name) is returned.
    pub fn created(&mut self, sw_if_index: u32) -> String {
        self.zero_if_counters(sw_if_index);
        let name = self
            .config
            .interface(sw_if_index)
            .map(|i| i.name.clone())
            .unwrap_or_default();
        format!("{name}\n")
    }

    /// Starts the counters of a new interface at zero (an index may be
    /// reused after a delete; VPP zeroes counters on create).
    pub fn zero_if_counters(&mut self, sw_if_index: u32) {
        for w in self.runtime.counters() {
            let raw = w.stats.interfaces.snapshot(sw_if_index);
            self.baselines
                .interfaces
                .insert((w.thread_index, sw_if_index), raw);
        }
    }
}

/// The debug CLI: command tree plus shared state. Cheap to share behind
/// an `Arc`; [`Executor`] methods may be called from many threads.
pub struct Cli {
    state: Arc<Mutex<State>>,
    tree: RwLock<Tree>,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli").finish_non_exhaustive()
    }
}

/// Locks the state, going on after a handler panicked with it held.
pub fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cli {
    /// A CLI over `config` and `runtime` with every built-in command.
    pub fn new(config: Config, runtime: Box<dyn Runtime>) -> Cli {
        let state = State {
            config,
            runtime,
            baselines: Baselines::default(),
            started: Instant::now(),
        };
        let mut tree = Tree::new();
        for (path, help) in [
            ("show", "Show commands"),
            ("set", "Set commands"),
            ("clear", "Clear commands"),
            ("create", "Create commands"),
            ("delete", "Delete commands"),
        ] {
            tree.set_help(path, help);
        }
        for cmd in super::builtin_commands() {
            tree.register(cmd);
        }
        Cli {
            state: Arc::new(Mutex::new(state)),
            tree: RwLock::new(tree),
        }
    }

    /// The shared state (for [`Run::Unlocked`] commands and for the
    /// daemon's own threads).
    pub fn state(&self) -> &Arc<Mutex<State>> {
        &self.state
    }

    /// Adds a command (or replaces the one with the same path).
    pub fn register(&self, cmd: Command) {
        self.tree
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .register(cmd);
    }

    /// Every registered command's path, and whether it has a JSON form
    /// (every `show` command must: `daemon/tests/cli.rs` walks them).
    pub fn command_paths(&self) -> Vec<(&'static str, bool)> {
        self.tree
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .commands()
            .into_iter()
            .map(|c| (c.path, c.json.is_some()))
            .collect()
    }

    fn resolve<'a>(&self, line: &'a str) -> Resolved<'a> {
        self.tree
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .resolve(line)
    }

    fn finish<T>(path: &str, r: Result<T, CmdError>) -> Result<T, String> {
        r.map_err(|e| match e {
            CmdError::Failed(m) => format!("{path}: {m}"),
            CmdError::Raw(m) => m,
        })
    }
}

/// `?` after a command: its path and help, as VPP prints it.
fn command_help(cmd: &Command) -> String {
    format!("  {:<40} {}\n", cmd.path, cmd.short_help)
}

impl Executor for Cli {
    fn execute(&self, line: &str) -> Result<String, String> {
        let (cmd, mut input) = match self.resolve(line) {
            Resolved::Command(c, i) => (c, i),
            Resolved::Text(t) => return Ok(t),
            Resolved::Error(e) => return Err(e),
        };
        if input.remaining() == ["?"] {
            return Ok(command_help(&cmd));
        }
        let r = match &cmd.run {
            Run::Locked(f) => {
                let mut st = lock(&self.state);
                let r = f(&mut st, &mut input);
                if r.is_ok() && cmd.mutates {
                    let st = &mut *st;
                    st.runtime.config_changed(&st.config);
                }
                r
            }
            Run::Unlocked(f) => f(&self.state, &mut input),
        };
        Self::finish(cmd.path, r)
    }

    fn complete(&self, prefix: &str) -> Vec<(String, String)> {
        // Names first, so the state and tree locks are never held together.
        let (interfaces, nodes) = {
            let st = lock(&self.state);
            let mut ifs: Vec<String> = st.config.interfaces().map(|i| i.name.clone()).collect();
            ifs.sort();
            let mut nodes: Vec<String> = st
                .runtime
                .workers()
                .first()
                .map(|w| {
                    w.stats
                        .node_infos
                        .iter()
                        .map(|i| i.name.to_string())
                        .collect()
                })
                .unwrap_or_default();
            nodes.sort();
            (ifs, nodes)
        };
        let names = |arg: Arg| -> Vec<String> {
            match arg {
                Arg::Interface => interfaces.clone(),
                Arg::Node => nodes.clone(),
                _ => Vec::new(),
            }
        };
        let mut out = self
            .tree
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .complete(prefix, &names);
        if prefix.trim().is_empty() {
            out.push(("help".into(), "list commands, or help <command>".into()));
        }
        out
    }

    fn execute_json(&self, line: &str) -> Result<String, String> {
        let (cmd, mut input) = match self.resolve(line) {
            Resolved::Command(c, i) => (c, i),
            Resolved::Text(t) => return Ok(document(&serde_json::Value::String(t))),
            Resolved::Error(e) => return Err(json_error(&e)),
        };
        if input.remaining() == ["?"] {
            return Ok(document(&serde_json::Value::String(command_help(&cmd))));
        }
        let Some(f) = &cmd.json else {
            // An action (set, create, clear, ...; every show command has a
            // JSON form): the lines it prints, none for most.
            return self
                .execute(line)
                .map(|t| document(&serde_json::json!({ "output": t.lines().collect::<Vec<_>>() })))
                .map_err(|e| json_error(&e));
        };
        let r = {
            let mut st = lock(&self.state);
            f(&mut st, &mut input)
        };
        Self::finish(cmd.path, r)
            .map(|v| document(&v))
            .map_err(|e| json_error(&e))
    }
}

/// A JSON answer: pretty-printed, with a final newline.
fn document(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// An error under `--json`: `{"error": "<the text without --json>"}` on
/// one line (docs/json.md).
pub fn json_error(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}
