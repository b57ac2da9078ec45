//! weftd's main: read the startup configuration, pin the main thread,
//! start the workers and the CLI socket, run the exec files, then wait for
//! SIGTERM/SIGINT and shut down cleanly (XDP programs detached, socket file
//! removed).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use console::Server;
use control::Config;
use control::cli::{Cli, Executor};
use dataplane::pool::Pool;
use dataplane::punt::punt_channel;
use dataplane::tables::new_handle;
use nix::sys::signal::{SigSet, Signal};

use crate::commands;
use crate::punt::{self, ControlPlane, WithState};
use crate::runtime::Runtime;
use crate::startup::{Startup, available_cores, read_exec_file, startup_from_args};

/// Punt messages queued between the workers and the control plane.
pub const PUNT_QUEUE: usize = 4096;

fn init_logging(startup: &Startup) -> Result<(), String> {
    use control::logging::{Level, Levels, logger};
    let log = logger();
    if let Ok(v) = std::env::var("RUST_LOG") {
        let level = match v.trim() {
            "error" => Some(Level::Error),
            "warn" => Some(Level::Warn),
            "info" => Some(Level::Notice),
            "debug" | "trace" => Some(Level::Debug),
            "off" => Some(Level::Disabled),
            _ => None,
        };
        match level {
            Some(level) => log.set_all(Levels {
                level,
                syslog: control::logging::DEFAULT_LEVELS.syslog,
            }),
            None => eprintln!(
                "weftd: RUST_LOG={v}: not a level (error, warn, info, debug, trace, off); ignored"
            ),
        }
    }
    match &startup.unix.log {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("log {}: {e}", path.display()))?;
            log.set_output(Box::new(file));
        }
        None => log.set_output(Box::new(std::io::stderr())),
    }
    if !startup.unix.no_syslog {
        log.set_syslog(std::path::Path::new("/dev/log"));
    }
    control::logging::install();
    log::info!(
        "weftd {} starting, pid {}",
        buildinfo::get().version,
        std::process::id()
    );
    Ok(())
}

/// Runs the exec files: each line as a CLI command, stopping a file at its
/// first failing line. Returns false if a line failed.
pub fn run_exec_files(startup: &Startup, cli: &dyn Executor) -> bool {
    for path in &startup.unix.exec {
        let lines = match read_exec_file(path) {
            Ok(l) => l,
            Err(e) => {
                log::error!("{e}");
                return false;
            }
        };
        for (n, line) in lines {
            match cli.execute(&line) {
                Ok(out) => {
                    log::info!("exec {}:{n}: {line}", path.display());
                    if !out.is_empty() {
                        log::info!("{}", out.trim_end());
                    }
                }
                Err(e) => {
                    log::error!("exec {}:{n}: {line}: {e}", path.display());
                    return false;
                }
            }
        }
    }
    true
}

/// weftd.
pub fn main() -> ExitCode {
    let startup = match startup_from_args(std::env::args_os()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("weftd: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = init_logging(&startup) {
        eprintln!("weftd: {e}");
        return ExitCode::from(1);
    }
    match run(&startup) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            eprintln!("weftd: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(startup: &Startup) -> Result<(), String> {
    startup.log_warnings();
    let placement = startup
        .placement(&available_cores())
        .map_err(|e| e.to_string())?;
    if let Some(core) = placement.main
        && !core_affinity::set_for_current(core_affinity::CoreId { id: core })
    {
        log::warn!("could not pin the main thread to core {core}");
    }
    // Every thread started from here inherits the blocked signals; the
    // main thread takes them with sigwait.
    let mut signals = SigSet::empty();
    for s in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        signals.add(s);
    }
    signals
        .thread_block()
        .map_err(|e| format!("blocking signals: {e}"))?;

    let pool = Pool::new(startup.pool_config()).map_err(|e| format!("buffer pool: {e}"))?;
    log::info!(
        "buffer pool: {} buffers of {} bytes ({:?})",
        pool.len(),
        pool.frame_size(),
        pool.backing()
    );
    let tables = new_handle();
    let mut config = Config::new(tables.clone());
    let (punt_tx, punt_rx) = punt_channel(PUNT_QUEUE);
    let rt = Runtime::start(&pool, &tables, &placement.workers, &punt_tx)
        .map_err(|e| format!("starting workers: {e}"))?;
    // Every snapshot reaches the XDP programs' fast path tables.
    let kernel = rt.kernel_path();
    config.set_publish_hook(move |t| crate::xdp_fastpath::lock(&kernel).published(t));
    for (i, core) in placement.workers.iter().enumerate() {
        match core {
            Some(c) => log::info!("worker {i} pinned to core {c}"),
            None => log::info!("worker {i} not pinned"),
        }
    }
    drop(punt_tx);

    let cp = Arc::new(ControlPlane::default());
    let (cli, with, cli_state) = make_cli(config, Box::new(rt), &cp);
    let stop = Arc::new(AtomicBool::new(false));
    let punt_thread = punt::spawn(cp.clone(), punt_rx, with.clone(), stop.clone())
        .map_err(|e| format!("punt thread: {e}"))?;
    let link_thread =
        crate::link::spawn(with.clone(), stop.clone()).map_err(|e| format!("link thread: {e}"))?;

    let server = Server::bind(
        &startup.unix.cli_listen,
        startup.unix.gid,
        startup.unix.cli_prompt.clone(),
    )
    .map_err(|e| format!("cli-listen: {e}"))?
    .banner(!startup.unix.no_banner)
    .history_limit(startup.unix.cli_history_limit)
    .idle_timeout(startup.unix.cli_idle_timeout)
    .first_input_timeout(startup.unix.cli_first_input_timeout)
    .spare_own_process(startup.unix.interactive)
    .spawn(cli.clone())
    .map_err(|e| format!("cli server: {e}"))?;
    log::info!("CLI listening on {}", startup.unix.cli_listen.display());
    let metrics = start_metrics(startup, &cli_state)?;

    if !run_exec_files(startup, &*cli) {
        log::warn!("startup exec stopped at the failing line; weftd keeps running");
    }
    if startup.unix.interactive {
        spawn_console(&startup.unix.cli_listen, startup.unix.cli_prompt.clone())
            .map_err(|e| format!("console: {e}"))?;
    }

    let signal = signals.wait().map_err(|e| format!("sigwait: {e}"))?;
    log::info!("{signal:?}: shutting down");
    server.shutdown();
    if let Some(m) = metrics {
        m.shutdown();
    }
    stop.store(true, Ordering::Relaxed);
    with(&mut |_config, rt| rt.shutdown());
    let _ = punt_thread.join();
    let _ = link_thread.join();
    log::info!("weftd stopped");
    Ok(())
}

/// `metrics { }`: serves `/metrics` in weftd's network namespace. An
/// address given with `listen` that cannot be had stops weftd; the default
/// one only logs an error (another exporter may hold VPP's port).
fn start_metrics(
    startup: &Startup,
    state: &Arc<std::sync::Mutex<control::cli::State>>,
) -> Result<Option<crate::metrics::MetricsServer>, String> {
    let Some(addr) = startup.metrics.listen else {
        log::info!("metrics: disabled");
        return Ok(None);
    };
    match crate::metrics::MetricsServer::spawn(addr, state.clone()) {
        Ok(m) => {
            log::info!("metrics: serving http://{}/metrics", m.local_addr());
            Ok(Some(m))
        }
        Err(e) if startup.metrics.explicit => Err(format!("metrics listen {addr}: {e}")),
        Err(e) => {
            log::error!("metrics: cannot listen on {addr}: {e}; /metrics is off");
            Ok(None)
        }
    }
}

/// Builds the CLI executor over the configuration and runtime, with the
/// daemon's own commands (`ping`, `exec`) registered, and the closure the
/// punt thread locks them with, and the state itself (for `/metrics`).
fn make_cli(
    config: Config,
    runtime: Box<dyn control::runtime::Runtime>,
    cp: &Arc<ControlPlane>,
) -> (
    Arc<dyn Executor>,
    Arc<WithState>,
    Arc<std::sync::Mutex<control::cli::State>>,
) {
    let cli = Arc::new(Cli::new(config, runtime));
    let state = cli.state().clone();
    let locked = state.clone();
    let with: Arc<WithState> = Arc::new(move |f| {
        let mut g = control::cli::exec::lock(&locked);
        let st = &mut *g;
        f(&mut st.config, &mut *st.runtime);
    });
    commands::register(&cli, cp, &with);
    (cli, with, state)
}

/// `unix { interactive }`: the weftctl console on weftd's own stdin and
/// stdout, as a session of its CLI socket, with the `cli-prompt`. When it ends (`quit`, Ctrl-D,
/// end of input) weftd stops as on SIGTERM, as VPP does when its stdin
/// session closes.
fn spawn_console(socket: &std::path::Path, prompt: String) -> std::io::Result<()> {
    let client = console::client::Client::connect(socket)?;
    std::thread::Builder::new()
        .name("weft-console".into())
        .spawn(move || {
            match console::interactive::run(client, &prompt, false) {
                Ok(ending) => log::info!("console: {ending:?}"),
                Err(e) => log::warn!("console: {e}"),
            }
            // The main thread is in sigwait for exactly this.
            let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), Signal::SIGTERM);
        })?;
    Ok(())
}
