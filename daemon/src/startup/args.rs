//! weftd's command line.

use clap::{CommandFactory, FromArgMatches};

use super::parse::Builder;
use super::*;

/// weftd's command line.
#[derive(Debug, Parser)]
#[command(
    name = "weftd",
    version,
    about = "weft's daemon: a userspace, VPP-style packet forwarder",
    long_about = "weft's daemon: a userspace, VPP-style packet forwarder.\n\n\
        weftd forwards packets in vectors through a graph of nodes on poll-mode worker threads \
        (AF_XDP and AF_PACKET interfaces, VXLAN, L2 cross-connects and bridge domains, IPv4 and \
        IPv6) and is configured through a VPP-compatible debug CLI on a Unix socket: weftctl, or \
        VPP's own vppctl, connects to it. weftd stays in the foreground; under systemd it runs \
        as weft.service.\n\n\
        The startup configuration is VPP's startup.conf format (sections unix, cpu, buffers and metrics; \
        other VPP sections are accepted with a warning or refused by name; \
        /usr/share/doc/weft/startup.md lists every keyword). It is built in this order, each \
        step overriding the one before: the built-in defaults (CLI socket /run/weft/cli.sock, \
        prompt `weft# `, one worker on the core after the main thread's, 16384 buffers of 2048 \
        data bytes, hugepages when reserved, /metrics on 127.0.0.1:9482), the -c file, startup.conf text given as trailing \
        arguments (as with `vpp unix { nodaemon }`), then the options below.\n\n\
        Interfaces, tunnels and cross-connects are created with CLI commands: typed at the \
        socket, or listed in exec files (`unix { exec FILE }`, --exec) run at start.",
    after_help = "Exit status: 0 stopped by SIGTERM/SIGINT/SIGHUP, 1 bad configuration or a \
        failure to start, 2 usage error.\n\
        See `weftd --help` for examples, files and more.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Args {
    /// Read the startup configuration from FILE (VPP's startup.conf format).
    /// [default: none: the built-in defaults apply; weft.service runs
    /// `weftd -c /etc/weft/startup.conf`]
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Listen for CLI sessions on this Unix socket (overrides
    /// `unix { cli-listen }`). Its directory is created if missing; the
    /// socket gets mode 0660 and the group of `unix { gid }`
    /// [default: /run/weft/cli.sock]
    #[arg(long = "cli-listen", visible_alias = "socket", value_name = "PATH")]
    pub cli_listen: Option<PathBuf>,

    /// Run the CLI commands in FILE at start, after the configuration's own
    /// `exec` files, stopping a file at its first failing line (weftd keeps
    /// running). Repeatable [default: none]
    #[arg(long = "exec", value_name = "FILE")]
    pub exec: Vec<PathBuf>,

    /// Run N worker threads (1 to 1024) on the cores after the main core
    /// (overrides `cpu { workers | corelist-workers }`) [default: 1]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_CORES as i64))]
    pub workers: Option<u16>,

    /// startup.conf text given inline, after the options, e.g.
    /// `unix { nodaemon } cpu { workers 2 }`; applied after the -c file and
    /// before the options [default: none]
    #[arg(value_name = "STARTUP-CONF", trailing_var_arg = true)]
    pub inline: Vec<String>,
}

/// The sections of `weftd --help` after the options.
const AFTER_LONG_HELP: &str = "\
Examples:
  weftd -c /etc/weft/startup.conf
        what weft.service runs
  weftd unix { interactive cli-listen /tmp/weft.sock } cpu { workers 2 }
        a console on this terminal (quit stops weftd), two workers
  weftd --cli-listen /tmp/weft.sock --exec setup.cli
        a private socket, then the commands of setup.cli, e.g.
          create interface af_xdp host-if eth0
          set interface ip address eth0/0 10.99.0.3/24
          set interface state eth0/0 up
  weftctl -s /tmp/weft.sock show interface
        ask the running weftd

Files:
  /etc/weft/startup.conf  the package's configuration, read with -c (a conffile)
  /run/weft/cli.sock      the CLI socket (unix { cli-listen }); /run/weft is the service's
                          RuntimeDirectory
  /usr/lib/systemd/system/weft.service
                          the systemd unit (restart on failure)

Environment:
  RUST_LOG  the starting level of every log class: error, warn, info (VPP's notice, the
            default), debug or trace (debug). Per class, at run time: `set logging
            class <class> level <level>`. Logs go to stderr (the journal under
            systemd), or to `unix { log FILE }`; warnings and errors to syslog too,
            unless `unix { nosyslog }`.

Signals:
  SIGTERM, SIGINT, SIGHUP  stop cleanly: XDP programs detached, the socket removed

Exit status:
  0  stopped by a signal (or the end of the `interactive` console)
  1  bad startup configuration, or a failure to start (buffer pool, workers, socket)
  2  usage error (an unknown option, a bad value)

See also:
  weftctl(1), weft-pktgen(1), vppctl(1); /usr/share/doc/weft/: README.md, startup.md,
  cli.md, observability.md";

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
/// bad usage (status 2). `--version` prints [`buildinfo::get`].
pub fn startup_from_args<I, T>(args: I) -> Result<Startup, StartupError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    try_parse_args(args).unwrap_or_else(|e| e.exit()).startup()
}

/// Parses weftd's command line with the build information as its
/// `--version`, without exiting.
///
/// # Errors
/// Bad usage, or `--help`/`--version` (clap reports those as errors too).
pub fn try_parse_args<I, T>(args: I) -> Result<Args, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = buildinfo::get()
        .clap_command(Args::command())
        .try_get_matches_from(args)?;
    Args::from_arg_matches(&matches)
}
