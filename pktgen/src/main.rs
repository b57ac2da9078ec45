//! `weft-pktgen`: the generator, the sink and the reflector of weft's
//! benchmarks, for scripts. See `docs/pktgen.md`.
//!
//! stdout carries machine-readable lines only (one JSON object per line,
//! with an `event` field: `ready`, `interval`, `summary`), except for
//! `sink` without `--json`, which prints text; logs and human-readable
//! notes go to stderr. Network namespaces are the caller's business
//! (`ip netns exec NS weft-pktgen ...`).

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use dataplane::io::af_xdp::{CopyMode, RingSize};
use dataplane::wire::EthernetAddress;
use nix::sys::signal::{SigSet, Signal};
use pktgen::Event;
use pktgen::generator::{DEFAULT_BATCH, DEFAULT_TX_SIZE, GenConfig, Generator};
use pktgen::reflect::{self, Limit, ReflectConfig, Reflector};
use pktgen::sink::{Rewrite, Sink, SinkFilter, SinkReport, VxlanMatch};
use pktgen::template::{
    DEFAULT_INNER_DPORT, DEFAULT_INNER_SPORT_BASE, DEFAULT_SPORT_BASE, TemplateSpec, VXLAN_PORT,
};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "weft-pktgen",
    version,
    about = "AF_XDP VXLAN generator, XDP sink and AF_XDP reflector for weft's benchmarks",
    long_about = "AF_XDP VXLAN generator, XDP sink and AF_XDP reflector for weft's benchmarks.\n\n\
        `gen` replays pre-built VXLAN frames over N flows from an AF_XDP socket, at a rate or as \
        fast as the interface takes them; `sink` counts (and drops, or sends back rewritten) the \
        frames an interface receives, in an XDP program; `reflect` sends every frame received \
        back unchanged from weft's own AF_XDP driver (the \"limit\" device under test); `report` \
        turns benches/e2e.sh's CSV into a table and a chart.\n\n\
        Each tool works in the network namespace it is started in (`ip netns exec NS \
        weft-pktgen ...`) and needs root (AF_XDP, XDP attach). stdout carries one JSON object \
        per line with an `event` field (`ready`, `interval`, `summary`), except `sink` without \
        --json, which prints text; logs go to stderr. `weft-pktgen <subcommand> --help` lists a \
        subcommand's options with their defaults.",
    after_help = "Exit status: 0 success, 1 failure (message on stderr), 2 usage error.\n\
        See `weft-pktgen --help` for examples and more.",
    after_long_help = AFTER_LONG_HELP
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Send VXLAN frames from pre-built templates over AF_XDP (tx only).
    Gen(GenArgs),
    /// Count and drop received frames at XDP.
    Sink(SinkArgs),
    /// Send every received frame back unchanged (AF_XDP, busy-poll).
    Reflect(ReflectArgs),
    /// Medians, table and chart of benches/e2e.sh's results.
    Report(ReportArgs),
}

/// The sections of `weft-pktgen --help` after the subcommands.
const AFTER_LONG_HELP: &str = "\
Examples:
  ip netns exec d weft-pktgen sink --dev veth1 --vni 12 --interval 1
        count VNI 12's frames arriving on veth1, every second
  ip netns exec g weft-pktgen gen --dev veth0 --dst-mac 02:fe:00:00:00:03 \\
        --vni 11 --inner-size 60 --flows 8 --duration 10
        10 s of VXLAN frames (VNI 11, 8 flows) to the device under test
  ip netns exec x weft-pktgen reflect --dev eth0 --duration 10
        send back everything eth0 receives for 10 s
  weft-pktgen report --csv results.csv --markdown table.md --png chart.png

Environment:
  RUST_LOG  log level on stderr (default warn)

Exit status:
  0  the run finished (count, duration or SIGINT/SIGTERM)
  1  failure: interface missing, program refused, queue busy (message on stderr)
  2  usage error (an unknown option, a bad value)

See also:
  weftd(8), weftctl(1); /usr/share/doc/weft/pktgen.md, performance.md";

#[derive(Args)]
struct ReportArgs {
    /// The CSV benches/e2e.sh wrote (one row per run).
    #[arg(long)]
    csv: std::path::PathBuf,
    /// Write the Markdown table here [default: not written].
    #[arg(long)]
    markdown: Option<std::path::PathBuf>,
    /// Write the chart (PNG) here [default: not written].
    #[arg(long)]
    png: Option<std::path::PathBuf>,
    /// Replace the generated section of this document with the table
    /// [default: no document].
    #[arg(long)]
    update_doc: Option<std::path::PathBuf>,
    /// Also copy the chart here (e.g. docs/e2e.png) [default: no copy].
    #[arg(long, requires = "png")]
    png_copy: Option<std::path::PathBuf>,
}

/// Copy-mode flags shared by gen and reflect.
#[derive(Args)]
struct ModeArgs {
    /// Force AF_XDP copy mode [default: zero-copy where the driver has it,
    /// else copy].
    #[arg(long, conflicts_with = "zero_copy")]
    copy: bool,
    /// Force AF_XDP zero-copy mode (fails where the driver has none)
    /// [default: zero-copy where the driver has it, else copy].
    #[arg(long)]
    zero_copy: bool,
}

impl ModeArgs {
    fn mode(&self) -> CopyMode {
        if self.copy {
            CopyMode::Copy
        } else if self.zero_copy {
            CopyMode::ZeroCopy
        } else {
            CopyMode::Auto
        }
    }
}

#[derive(Args)]
struct GenArgs {
    /// Interface to send on.
    #[arg(long)]
    dev: String,
    /// Queue to send on.
    #[arg(long, default_value_t = 0)]
    queue: u32,
    /// Outer source MAC [default: the interface's].
    #[arg(long)]
    src_mac: Option<EthernetAddress>,
    /// Outer destination MAC (the device under test).
    #[arg(long)]
    dst_mac: EthernetAddress,
    /// Outer source address ("remote A").
    #[arg(long, default_value = "10.99.0.1")]
    src_ip: Ipv4Addr,
    /// Outer destination address (the device under test).
    #[arg(long, default_value = "10.99.0.3")]
    dst_ip: Ipv4Addr,
    /// VXLAN network identifier.
    #[arg(long, default_value_t = 11)]
    vni: u32,
    /// Outer UDP destination port.
    #[arg(long, default_value_t = VXLAN_PORT)]
    port: u16,
    /// Inner Ethernet frame length without FCS (42..=1464); 50 bytes more on the wire.
    #[arg(long, default_value_t = 60)]
    inner_size: usize,
    /// Flows: flow i uses outer UDP source port sport-base+i and inner UDP source port inner-sport-base+i.
    #[arg(long, default_value_t = 1)]
    flows: u32,
    /// Frames per second; 0 = as fast as the interface takes them.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Stop after this many seconds [default: at SIGINT/SIGTERM].
    #[arg(long, conflicts_with = "count")]
    duration: Option<f64>,
    /// Stop after this many frames [default: at SIGINT/SIGTERM].
    #[arg(long)]
    count: Option<u64>,
    /// Pin the generator to this CPU [default: not pinned].
    #[arg(long)]
    core: Option<usize>,
    /// Most descriptors posted per loop.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    batch: u32,
    /// Tx ring size (power of two, 256..=65535).
    #[arg(long, default_value_t = DEFAULT_TX_SIZE, value_parser = RingSize::parse)]
    tx_size: RingSize,
    /// Frames one kick may send in copy mode (XDP_MAX_TX_SKB_BUDGET, Linux >= 6.17; 32..=tx-size) [default: the kernel's, 32].
    #[arg(long)]
    tx_budget: Option<u32>,
    /// Send outer UDP checksum 0 instead of computing it [default: computed].
    #[arg(long)]
    no_outer_csum: bool,
    /// Outer UDP source port of flow 0.
    #[arg(long, default_value_t = DEFAULT_SPORT_BASE)]
    sport_base: u16,
    /// Inner UDP source port of flow 0.
    #[arg(long, default_value_t = DEFAULT_INNER_SPORT_BASE)]
    inner_sport_base: u16,
    /// Inner UDP destination port.
    #[arg(long, default_value_t = DEFAULT_INNER_DPORT)]
    inner_dport: u16,
    /// Inner source MAC.
    #[arg(long, default_value = "0a:00:00:00:01:01")]
    inner_src_mac: EthernetAddress,
    /// Inner destination MAC.
    #[arg(long, default_value = "0a:00:00:00:02:02")]
    inner_dst_mac: EthernetAddress,
    /// Inner source address.
    #[arg(long, default_value = "10.100.0.1")]
    inner_src_ip: Ipv4Addr,
    /// Inner destination address.
    #[arg(long, default_value = "10.100.0.2")]
    inner_dst_ip: Ipv4Addr,
    #[command(flatten)]
    mode: ModeArgs,
}

#[derive(Args)]
struct SinkArgs {
    /// Interface to count on.
    #[arg(long)]
    dev: String,
    /// Stop after this many seconds [default: at SIGINT/SIGTERM].
    #[arg(long)]
    duration: Option<f64>,
    /// Print the counters every this many seconds (0: only at the end).
    #[arg(long, default_value_t = 1.0)]
    interval: f64,
    /// Count as "matched" only VXLAN frames of this VNI (others are counted as "other")
    /// [default: every frame matches].
    #[arg(long)]
    vni: Option<u32>,
    /// UDP port of the VXLAN filter.
    #[arg(long, default_value_t = VXLAN_PORT, requires = "vni")]
    port: u16,
    /// Pass frames that do not match the filter to the kernel instead of dropping them
    /// [default: dropped].
    #[arg(long)]
    pass_other: bool,
    /// Send matched frames back out (XDP_TX) as this VNI instead of dropping them, Ethernet
    /// addresses swapped and the outer destination --rewrite-dst-ip: a bare XDP
    /// cross-connect, the bound benches/e2e.sh measures weft against [default: dropped].
    #[arg(long, requires_all = ["vni", "rewrite_dst_ip"])]
    rewrite_vni: Option<u32>,
    /// Outer IPv4 destination of the rewritten frames (required with --rewrite-vni).
    #[arg(long, requires = "rewrite_vni")]
    rewrite_dst_ip: Option<Ipv4Addr>,
    /// One JSON object per line on stdout instead of text [default: text].
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReflectArgs {
    /// Interface to reflect on.
    #[arg(long)]
    dev: String,
    /// Queue.
    #[arg(long, default_value_t = 0)]
    queue: u32,
    /// Pin the reflector to this CPU [default: not pinned].
    #[arg(long)]
    core: Option<usize>,
    /// Stop after this many seconds [default: at SIGINT/SIGTERM].
    #[arg(long)]
    duration: Option<f64>,
    /// Stop 100 ms after this many frames were reflected [default: at SIGINT/SIGTERM].
    #[arg(long)]
    count: Option<u64>,
    /// Rx and tx ring size (power of two, 256..=65535).
    #[arg(long, default_value_t = reflect::DEFAULT_RING_SIZE, value_parser = RingSize::parse)]
    ring_size: RingSize,
    /// Buffers in the pool.
    #[arg(long, default_value_t = reflect::DEFAULT_BUFFERS)]
    buffers: u32,
    #[command(flatten)]
    mode: ModeArgs,
}

fn main() {
    buildinfo::install(buildinfo::build_info!());
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = parse_args(std::env::args_os());
    let stop = match stop_on_signals() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("weft-pktgen: {}", message(&e));
            std::process::exit(1);
        }
    };
    let result = match cli.cmd {
        Cmd::Gen(a) => generate(&a, &stop),
        Cmd::Sink(a) => sink(&a, &stop),
        Cmd::Reflect(a) => reflect(&a, &stop),
        Cmd::Report(a) => report(&a),
    };
    if let Err(e) = result {
        eprintln!("weft-pktgen: {}", message(&e));
        std::process::exit(1);
    }
}

/// Parses the command line with the build information as `--version`;
/// prints the help, version or usage error and exits as clap's `parse` does.
fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let matches = buildinfo::get()
        .clap_command(Cli::command())
        .get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The error and its causes, leaving out a cause whose text the message
/// already contains (weft's error types include their source in their own
/// message).
fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}

/// Blocks SIGINT and SIGTERM in every thread and sets the returned flag
/// when one arrives; a second one exits at once.
fn stop_on_signals() -> Result<Arc<AtomicBool>> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block().context("blocking SIGINT/SIGTERM")?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            while let Ok(sig) = set.wait() {
                if flag.swap(true, Ordering::Relaxed) {
                    eprintln!("weft-pktgen: {sig:?} again, exiting now");
                    std::process::exit(130);
                }
            }
        })
        .context("starting the signal thread")?;
    Ok(stop)
}

fn seconds(s: Option<f64>, what: &str) -> Result<Option<Duration>> {
    s.map(|s| {
        Duration::try_from_secs_f64(s)
            .ok()
            .filter(|d| !d.is_zero())
            .with_context(|| format!("{what} must be a positive number of seconds (got {s})"))
    })
    .transpose()
}

fn pin(core: Option<usize>) -> Result<()> {
    if let Some(core) = core {
        pktgen::pin_to_core(core).map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

fn print_line<T: Serialize>(event: &str, body: T) {
    println!("{}", Event::to_line(event, body));
}

fn generate(a: &GenArgs, stop: &AtomicBool) -> Result<()> {
    let src_mac = match a.src_mac {
        Some(m) => m,
        None => pktgen::interface_mac(&a.dev)
            .with_context(|| format!("cannot read the MAC of {}; give --src-mac", a.dev))?,
    };
    let spec = TemplateSpec {
        src_mac,
        dst_mac: a.dst_mac,
        src_ip: a.src_ip,
        dst_ip: a.dst_ip,
        dst_port: a.port,
        vni: a.vni,
        inner_size: a.inner_size,
        flows: a.flows,
        sport_base: a.sport_base,
        outer_udp_checksum: !a.no_outer_csum,
        inner_src_mac: a.inner_src_mac,
        inner_dst_mac: a.inner_dst_mac,
        inner_src_ip: a.inner_src_ip,
        inner_dst_ip: a.inner_dst_ip,
        inner_sport_base: a.inner_sport_base,
        inner_dport: a.inner_dport,
    };
    spec.validate()?;
    let config = GenConfig {
        rate: a.rate,
        count: a.count,
        duration: seconds(a.duration, "--duration")?,
        batch: a.batch,
        tx_size: a.tx_size,
        mode: a.mode.mode(),
        queue: a.queue,
        tx_budget: a.tx_budget,
        ..GenConfig::new(&a.dev, spec)
    };
    pin(a.core)?;
    let mut g = Generator::open(&config)?;
    eprintln!(
        "weft-pktgen gen: {}: {spec}, rate {}",
        a.dev,
        if a.rate == 0 {
            "unlimited".to_string()
        } else {
            format!("{} pps", a.rate)
        }
    );
    let r = g.run(stop)?;
    eprintln!(
        "weft-pktgen gen: sent {} of {} frames in {:.3} s: {:.0} pps",
        r.sent, r.posted, r.seconds, r.pps
    );
    print_line("summary", &r);
    Ok(())
}

fn sink(a: &SinkArgs, stop: &AtomicBool) -> Result<()> {
    if !a.interval.is_finite() || a.interval < 0.0 {
        bail!("--interval must be 0 or a positive number of seconds");
    }
    let duration = seconds(a.duration, "--duration")?;
    let filter = SinkFilter {
        vxlan: a.vni.map(|vni| VxlanMatch { vni, port: a.port }),
        pass_other: a.pass_other,
        rewrite: a
            .rewrite_vni
            .zip(a.rewrite_dst_ip)
            .map(|(vni, dst_ip)| Rewrite { vni, dst_ip }),
    };
    let sink = Sink::attach_dev(&a.dev, &filter)?;
    let start = Instant::now();
    let zero = sink.counters()?;
    if a.json {
        #[derive(Serialize)]
        struct Ready<'a> {
            dev: &'a str,
            filter: String,
            xdp_mode: String,
            prog_id: u32,
        }
        print_line(
            "ready",
            Ready {
                dev: &a.dev,
                filter: filter.to_string(),
                xdp_mode: sink.mode().to_string(),
                prog_id: sink.prog_id(),
            },
        );
    } else {
        println!(
            "sink on {} ({} mode, program id {}): counting {filter}",
            a.dev,
            sink.mode(),
            sink.prog_id()
        );
    }
    let report = |r: &SinkReport, final_line: bool| {
        if a.json {
            print_line(if final_line { "summary" } else { "interval" }, r);
        } else {
            println!(
                "{}{:.1} s: matched {} frames {} bytes ({:.0} pps), other {} frames {} bytes ({:.0} pps)",
                if final_line { "total after " } else { "" },
                r.seconds,
                r.total.matched.packets,
                r.total.matched.bytes,
                r.matched_pps,
                r.total.other.packets,
                r.total.other.bytes,
                r.other_pps,
            );
        }
    };
    let interval = (a.interval > 0.0).then(|| Duration::from_secs_f64(a.interval));
    let mut previous = zero;
    let mut last = start;
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let now = Instant::now();
        let done = stop.load(Ordering::Relaxed) || duration.is_some_and(|d| now - start >= d);
        if done {
            break;
        }
        if let Some(i) = interval
            && now - last >= i
        {
            let c = sink.counters()? - zero;
            let r = SinkReport::new(
                &sink,
                &a.dev,
                (now - start).as_secs_f64(),
                c,
                previous,
                (now - last).as_secs_f64(),
            );
            report(&r, false);
            previous = c;
            last = now;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let total = sink.counters()? - zero;
    let r = SinkReport::new(&sink, &a.dev, secs, total, Default::default(), secs);
    sink.detach()?;
    report(&r, true);
    Ok(())
}

fn reflect(a: &ReflectArgs, stop: &AtomicBool) -> Result<()> {
    let config = ReflectConfig {
        queue: a.queue,
        rx_size: a.ring_size,
        tx_size: a.ring_size,
        buffers: a.buffers,
        mode: a.mode.mode(),
        ..ReflectConfig::new(&a.dev)
    };
    let limit = Limit {
        count: a.count,
        duration: seconds(a.duration, "--duration")?,
    };
    pin(a.core)?;
    let mut r = Reflector::open(&config)?;
    #[derive(Serialize)]
    struct Ready<'a> {
        dev: &'a str,
        xdp_mode: String,
        zero_copy: bool,
    }
    print_line(
        "ready",
        Ready {
            dev: &a.dev,
            xdp_mode: r.xdp_mode().to_string(),
            zero_copy: r.zero_copy(),
        },
    );
    let report = r.run(stop, limit);
    r.close()?;
    eprintln!(
        "weft-pktgen reflect: received {} sent {} frames, {:.0} pps",
        report.received, report.sent, report.pps
    );
    print_line("summary", &report);
    Ok(())
}

/// The machine the figures come from, for the report's header.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} × {cpu}, Linux {kernel}")
}

fn report(a: &ReportArgs) -> Result<()> {
    use pktgen::report;
    let text =
        std::fs::read_to_string(&a.csv).with_context(|| format!("reading {}", a.csv.display()))?;
    let cells = report::summarize(&report::parse_csv(&text)?);
    let table = report::markdown(&cells);
    if let Some(md) = &a.markdown {
        std::fs::write(md, &table).with_context(|| format!("writing {}", md.display()))?;
    }
    if let Some(png) = &a.png {
        report::chart(&cells, png)?;
        if let Some(copy) = &a.png_copy {
            std::fs::copy(png, copy).with_context(|| format!("copying to {}", copy.display()))?;
        }
    }
    if let Some(doc) = &a.update_doc {
        let old =
            std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
        let date = std::process::Command::new("date")
            .arg("+%Y-%m-%d")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let mut body = format!("Measured {date} on {}.\n\n{table}", machine());
        if a.png_copy.is_some() {
            body.push_str("\n![Delivered Mpps per DUT and inner frame size](e2e.png)\n");
        }
        let new = report::splice(&old, &body)?;
        std::fs::write(doc, new).with_context(|| format!("writing {}", doc.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn gen_defaults_and_conflicts() {
        let cli = Cli::try_parse_from([
            "weft-pktgen",
            "gen",
            "--dev",
            "eth0",
            "--dst-mac",
            "02:fe:00:00:00:03",
            "--count",
            "5",
        ])
        .unwrap();
        let Cmd::Gen(a) = cli.cmd else {
            panic!("not gen")
        };
        assert_eq!(a.vni, 11);
        assert_eq!(a.inner_size, 60);
        assert_eq!(a.src_ip, Ipv4Addr::new(10, 99, 0, 1));
        assert_eq!(a.dst_ip, Ipv4Addr::new(10, 99, 0, 3));
        assert_eq!((a.rate, a.count, a.duration), (0, Some(5), None));
        assert!(matches!(a.mode.mode(), CopyMode::Auto));
        // --count and --duration exclude each other; --dst-mac is required.
        for args in [
            &[
                "gen",
                "--dev",
                "x",
                "--dst-mac",
                "02:00:00:00:00:01",
                "--count",
                "1",
                "--duration",
                "1",
            ][..],
            &["gen", "--dev", "x"][..],
            &["gen", "--dev", "x", "--dst-mac", "zz"][..],
            &["sink", "--dev", "x", "--port", "4790"][..],
            &["reflect", "--dev", "x", "--copy", "--zero-copy"][..],
        ] {
            let argv = std::iter::once("weft-pktgen").chain(args.iter().copied());
            assert!(Cli::try_parse_from(argv).is_err(), "{args:?} accepted");
        }
    }

    #[test]
    fn error_message_skips_repeated_causes() {
        let e = anyhow::Error::from(std::io::Error::from_raw_os_error(libc::EBUSY))
            .context("xsk_socket__create: Device or resource busy (os error 16)")
            .context("eth0");
        assert_eq!(
            message(&e),
            "eth0: xsk_socket__create: Device or resource busy (os error 16)"
        );
    }

    #[test]
    fn seconds_must_be_positive() {
        assert_eq!(seconds(None, "--duration").unwrap(), None);
        assert_eq!(
            seconds(Some(0.5), "--duration").unwrap(),
            Some(Duration::from_millis(500))
        );
        for bad in [0.0, -1.0, f64::NAN] {
            assert!(seconds(Some(bad), "--duration").is_err(), "{bad}");
        }
    }
}
