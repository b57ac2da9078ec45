//! weftd's command line.

use super::parse::Builder;
use super::*;

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
