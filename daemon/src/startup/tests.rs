use std::io::Write;

use clap::CommandFactory;

use super::*;

fn err(text: &str) -> String {
    match Startup::parse(text) {
        Ok(conf) => panic!("expected an error for {text:?}, got {conf:?}"),
        Err(e) => e.to_string(),
    }
}

fn args(words: &[&str]) -> Args {
    let mut all = vec!["weftd"];
    all.extend_from_slice(words);
    Args::try_parse_from(all).unwrap()
}

/// A temporary file with `contents`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("weft-startup-test-{}-{name}", std::process::id()));
        fs::File::create(&path)
            .unwrap()
            .write_all(contents)
            .unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

// --- defaults ---------------------------------------------------------------

#[test]
fn defaults_without_a_file() {
    let conf = Startup::default();
    assert_eq!(conf.unix.cli_listen, PathBuf::from("/run/weft/cli.sock"));
    assert!(conf.unix.exec.is_empty());
    assert!(!conf.unix.nodaemon && !conf.unix.interactive && !conf.unix.no_banner);
    assert_eq!(conf.unix.cli_prompt, "weft# ");
    assert_eq!(conf.unix.log, None);
    assert_eq!(conf.unix.gid, None);
    assert_eq!(conf.cpu, CpuConf::default());
    assert_eq!(conf.buffers.buffers_per_numa, 16384);
    assert_eq!(conf.buffers.data_size, 2048);
    assert_eq!(conf.buffers.page_size, PageSize::Auto);
    assert_eq!(conf.pool_config(), PoolConfig::default());
    assert_eq!(conf.pool_config().frame_size(), 4096);
    // An empty file and a file of comments are the defaults too.
    assert_eq!(Startup::parse("").unwrap(), conf);
    assert_eq!(Startup::parse("# nothing\n\n   # here\n").unwrap(), conf);
    // No arguments at all.
    assert_eq!(args(&[]).startup().unwrap(), conf);
}

#[test]
fn default_placement() {
    let conf = Startup::default();
    // Two cores: main on 0, one worker on 1.
    assert_eq!(
        conf.placement(&[0, 1]).unwrap(),
        Placement {
            main: Some(0),
            workers: vec![Some(1)]
        }
    );
    // One core: the worker shares it, unpinned.
    assert_eq!(
        conf.placement(&[3]).unwrap(),
        Placement {
            main: Some(3),
            workers: vec![None]
        }
    );
    // Unknown cores: one unpinned worker.
    assert_eq!(
        conf.placement(&[]).unwrap(),
        Placement {
            main: None,
            workers: vec![None]
        }
    );
    assert_eq!(conf.worker_cores(&[0, 1, 2, 3]).unwrap(), [Some(1)]);
    // The affinity set of this process has at least one core.
    assert!(!available_cores().is_empty());
    assert_eq!(conf.worker_cores(&available_cores()).unwrap().len(), 1);
}

// --- syntax -----------------------------------------------------------------

#[test]
fn one_line_and_multi_line_sections_are_the_same() {
    let one = Startup::parse(
        "unix { nodaemon cli-listen /tmp/w.sock } cpu { main-core 0 workers 2 } buffers { buffers-per-numa 4096 }",
    )
    .unwrap();
    let many = Startup::parse(
        "unix\n{\n  nodaemon\n  cli-listen\n    /tmp/w.sock\n}\n\ncpu {\n  main-core 0\n  workers 2\n}\nbuffers {\n buffers-per-numa 4096 }\n",
    )
    .unwrap();
    assert_eq!(one, many);
    assert!(one.unix.nodaemon);
    assert_eq!(one.unix.cli_listen, PathBuf::from("/tmp/w.sock"));
    assert_eq!(one.cpu.workers, Some(2));
    assert_eq!(one.buffers.buffers_per_numa, 4096);
    // Braces glued to words, and VPP's one-word form without braces.
    assert!(Startup::parse("unix {nodaemon}").unwrap().unix.nodaemon);
    assert!(
        Startup::parse("unix{interactive}")
            .unwrap()
            .unix
            .interactive
    );
    assert!(Startup::parse("unix interactive").unwrap().unix.interactive);
}

#[test]
fn comments() {
    let conf = Startup::parse(
        "# a comment line\n\
         unix { # comment after a brace\n\
           nodaemon # trailing comment\n\
           # interactive\n\
           cli-prompt a#b\n\
         }\n\
         # cpu { workers 9 }\n",
    )
    .unwrap();
    assert!(conf.unix.nodaemon);
    assert!(!conf.unix.interactive);
    // A word that does not start with `#` keeps it (as in VPP).
    assert_eq!(conf.unix.cli_prompt, "a#b ");
    assert_eq!(conf.cpu.workers, None);
    // `#` inside quotes is not a comment.
    let conf = Startup::parse("unix { cli-prompt \"#1 \" }").unwrap();
    assert_eq!(conf.unix.cli_prompt, "#1 ");
}

#[test]
fn quoted_values() {
    let conf = Startup::parse(r#"unix { cli-prompt "edge {1}#" log "/tmp/a b.log" }"#).unwrap();
    assert_eq!(conf.unix.cli_prompt, "edge {1}# ");
    assert_eq!(conf.unix.log, Some(PathBuf::from("/tmp/a b.log")));
    let conf = Startup::parse(r#"unix { cli-prompt "say \"hi\" \\ " }"#).unwrap();
    assert_eq!(conf.unix.cli_prompt, r#"say "hi" \ "#);
    assert_eq!(
        err("unix {\n cli-prompt \"open\n}"),
        "startup.conf:2: unterminated quoted string"
    );
}

#[test]
fn repeated_sections_merge() {
    let conf = Startup::parse(
        "unix { exec /a cli-prompt one }\nunix { startup-config /b cli-prompt two }",
    )
    .unwrap();
    assert_eq!(conf.unix.exec, [PathBuf::from("/a"), PathBuf::from("/b")]);
    assert_eq!(conf.unix.cli_prompt, "two ");
}

#[test]
fn stock_vpp_startup_conf() {
    // The shape of VPP's src/vpp/conf/startup.conf, keeping the sections
    // weft reads plus the ones it ignores, with numeric gids.
    let text = "\n\
unix {\n\
  nodaemon\n\
  log /var/log/weft/weft.log\n\
  full-coredump\n\
  cli-listen /run/weft/cli.sock\n\
  gid 0\n\
}\n\
\n\
api-trace {\n\
## This stanza controls binary API tracing. Unless there is a very strong reason,\n\
## please leave this feature enabled.\n\
  on\n\
## nitems <nnn>\n\
}\n\
\n\
api-segment {\n\
  gid 0\n\
}\n\
\n\
socksvr {\n\
  default\n\
}\n\
\n\
cpu {\n\
\t## In the VPP there is one main thread and optionally the user can create worker(s)\n\
\t# main-core 1\n\
\t# corelist-workers 2-3,18-19\n\
\t# skip-cores 4\n\
\t# workers 2\n\
\t# scheduler-policy fifo\n\
\t# scheduler-priority 50\n\
}\n\
\n\
# buffers {\n\
\t## Default is 16384 (8192 if running unpriviledged)\n\
\t# buffers-per-numa 128000\n\
\t# default data-size 2048\n\
# }\n\
\n\
# dpdk {\n\
\t# dev 0000:02:00.0\n\
# }\n\
\n\
# plugins {\n\
\t# plugin default { disable }\n\
# }\n";
    let conf = Startup::parse(text).unwrap();
    assert!(conf.unix.nodaemon);
    assert_eq!(conf.unix.log, Some(PathBuf::from("/var/log/weft/weft.log")));
    assert_eq!(conf.unix.cli_listen, PathBuf::from("/run/weft/cli.sock"));
    assert_eq!(conf.unix.gid, Some(0));
    assert_eq!(conf.cpu, CpuConf::default());
    assert_eq!(conf.buffers, BuffersConf::default());
    let warnings: Vec<String> = conf.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "startup.conf:5: ignoring 'full-coredump': weft leaves the core dump filter alone",
            "startup.conf:10: ignoring section 'api-trace': weft has no binary API",
            "startup.conf:17: ignoring section 'api-segment': weft has no binary API",
            "startup.conf:21: ignoring section 'socksvr': weft has no binary API socket",
        ]
    );
}

#[test]
fn koko_demo_style_file() {
    // What a VPP user running the koko demo in containers typically has.
    let conf = Startup::parse(
        "unix { nodaemon cli-listen /run/vpp/cli.sock startup-config /etc/vpp/setup.gate gid 0 }\n\
         cpu { main-core 0 corelist-workers 1 }\n\
         dpdk { no-pci }\n\
         plugins { plugin default { disable } plugin af_packet_plugin.so { enable } plugin vxlan_plugin.so { enable } }\n\
         memory { main-heap-size 256M }\n\
         heapsize 1G\n\
         statseg { socket-name /run/vpp/stats.sock }\n\
         logging { default-log-level debug }\n",
    )
    .unwrap();
    assert_eq!(conf.unix.exec, [PathBuf::from("/etc/vpp/setup.gate")]);
    assert_eq!(conf.cpu.corelist_workers, Some(vec![1]));
    assert_eq!(conf.warnings.len(), 6);
    assert_eq!(
        conf.warnings[0].to_string(),
        "startup.conf:3: ignoring section 'dpdk': weft has no DPDK driver (interfaces are \
         created with 'create interface af_xdp')"
    );
    assert_eq!(
        conf.warnings[1].to_string(),
        "startup.conf:4: ignoring section 'plugins': weft has no plugins; its features are built in"
    );
    assert_eq!(conf.warnings[3].line, Some(6));
    // Devices in a dpdk section cannot be honoured.
    assert_eq!(
        err("dpdk {\n  uio-driver vfio-pci\n  dev 0000:02:00.0 { name eth0 }\n}"),
        "startup.conf:3: 'dev 0000:02:00.0' in section 'dpdk': weft has no DPDK driver; attach \
         the interface with 'create interface af_xdp host-if <ifname>' in an exec file"
    );
    assert!(
        err("dpdk { vdev net_af_packet0,iface=eth0 }").starts_with("startup.conf:1: 'vdev net_af")
    );
    // `dev default { }` only sets DPDK defaults.
    assert!(Startup::parse("dpdk { dev default { num-rx-queues 2 } no-multi-seg }").is_ok());
}

// --- unix -------------------------------------------------------------------

#[test]
fn unix_keywords() {
    let conf = Startup::parse(
        "unix {\n\
           cli-listen /tmp/weft/cli.sock\n\
           exec /etc/weft/a.cli\n\
           startup-config /etc/weft/b.cli\n\
           exec relative.cli\n\
           nodaemon\n\
           interactive\n\
           cli-prompt edge1#\n\
           log /var/log/weft.log\n\
           gid 123\n\
           nobanner\n\
           cli-no-pager\n\
           nocolor\n\
         }",
    )
    .unwrap();
    let u = &conf.unix;
    assert_eq!(u.cli_listen, PathBuf::from("/tmp/weft/cli.sock"));
    assert_eq!(
        u.exec,
        [
            PathBuf::from("/etc/weft/a.cli"),
            PathBuf::from("/etc/weft/b.cli"),
            PathBuf::from("relative.cli")
        ]
    );
    assert!(u.nodaemon && u.interactive && u.no_banner);
    assert_eq!(u.cli_prompt, "edge1# ");
    assert_eq!(u.log, Some(PathBuf::from("/var/log/weft.log")));
    assert_eq!(u.gid, Some(123));
    assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
    assert!(
        Startup::parse("unix { cli-no-banner }")
            .unwrap()
            .unix
            .no_banner
    );
    // A prompt that already ends in a space is kept as is.
    assert_eq!(
        Startup::parse("unix { cli-prompt \"vpp# \" }")
            .unwrap()
            .unix
            .cli_prompt,
        "vpp# "
    );
}

#[test]
fn unix_ignored_keywords_warn() {
    let conf = Startup::parse(
        "unix {\n full-coredump\n coredump-size unlimited\n runtime-dir /run/vpp\n pidfile /run/vpp/vpp.pid\n poll-sleep-usec 100\n nosyslog\n}",
    )
    .unwrap();
    let lines: Vec<Option<usize>> = conf.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6].map(Some));
    assert!(conf.unix.no_syslog);
    assert!(!Startup::default().unix.no_syslog);
    assert_eq!(
        conf.warnings[4].to_string(),
        "startup.conf:6: ignoring 'poll-sleep-usec 100': weft has no main-loop sleep setting"
    );
    assert_eq!(
        err("unix { poll-sleep-usec fast }"),
        "startup.conf:1: 'poll-sleep-usec' expects a number, got 'fast'"
    );
}

#[test]
fn unix_cli_session_keywords() {
    let d = Startup::default().unix;
    assert_eq!(d.cli_history_limit, 50);
    assert_eq!(d.cli_idle_timeout, Some(Duration::from_secs(600)));
    assert_eq!(d.cli_first_input_timeout, Some(Duration::from_secs(30)));
    let u = Startup::parse(
        "unix { cli-history-limit 0 cli-idle-timeout 3600 cli-first-input-timeout 5 }",
    )
    .unwrap()
    .unix;
    assert_eq!(u.cli_history_limit, 0);
    assert_eq!(u.cli_idle_timeout, Some(Duration::from_secs(3600)));
    assert_eq!(u.cli_first_input_timeout, Some(Duration::from_secs(5)));
    let u = Startup::parse("unix { cli-idle-timeout 0 cli-first-input-timeout 0 }")
        .unwrap()
        .unix;
    assert_eq!(
        (u.cli_idle_timeout, u.cli_first_input_timeout),
        (None, None)
    );
    assert_eq!(
        err("unix {\n cli-idle-timeout 10m\n}"),
        "startup.conf:2: 'cli-idle-timeout' expects a number of seconds (0 to 86400; 0 turns it \
         off), got '10m'"
    );
    assert_eq!(
        err("unix { cli-first-input-timeout 86401 }"),
        "startup.conf:1: 'cli-first-input-timeout' expects a number of seconds (0 to 86400; 0 \
         turns it off), got '86401'"
    );
    assert_eq!(
        err("unix { cli-history-limit many }"),
        "startup.conf:1: 'cli-history-limit' expects a number, got 'many'"
    );
    assert_eq!(
        err("unix { cli-history-limit 100001 }"),
        "startup.conf:1: cli-history-limit 100001: at most 100000 lines"
    );
    assert_eq!(
        err("unix { cli-idle-timeout }"),
        "startup.conf:1: 'cli-idle-timeout' in section 'unix' needs a value"
    );
}

#[test]
fn gid_by_number_and_name() {
    assert_eq!(Startup::parse("unix { gid 0 }").unwrap().unix.gid, Some(0));
    assert_eq!(
        Startup::parse("unix { gid 4242 }").unwrap().unix.gid,
        Some(4242)
    );
    assert_eq!(
        Startup::parse("unix { gid root }").unwrap().unix.gid,
        Some(0)
    );
    assert_eq!(
        err("unix {\n gid no-such-group-weft\n}"),
        "startup.conf:2: unknown group 'no-such-group-weft'"
    );
    assert_eq!(
        err("unix { gid 99999999999 }"),
        "startup.conf:1: gid 99999999999 is out of range"
    );
}

#[test]
fn unix_errors() {
    assert_eq!(
        err("unix {\n  nodaemon\n\n\n\n\n  foo\n}"),
        "startup.conf:7: unknown keyword 'foo' in section 'unix'"
    );
    assert_eq!(
        err("unix {\n  cli-listen\n}"),
        "startup.conf:2: 'cli-listen' in section 'unix' needs a value"
    );
    assert_eq!(
        err("unix { exec }"),
        "startup.conf:1: 'exec' in section 'unix' needs a value"
    );
    assert_eq!(
        err("unix { cli-listen localhost:5002 }"),
        "startup.conf:1: cli-listen localhost:5002: TCP CLI sockets are not supported; give a \
         Unix socket path"
    );
    assert_eq!(
        err("unix {\n cli-line-mode }"),
        "startup.conf:2: cli-line-mode is not supported: weft's CLI socket always negotiates \
         telnet (use weftctl or vppctl)"
    );
    assert_eq!(
        err("unix { cli-prompt \"\" }"),
        "startup.conf:1: cli-prompt: empty prompt"
    );
    assert_eq!(
        err("unix { workers 2 }"),
        "startup.conf:1: unknown keyword 'workers' in section 'unix' (it belongs in section 'cpu')"
    );
}

// --- sections and structure -------------------------------------------------

#[test]
fn structure_errors() {
    assert_eq!(
        err("unix { nodaemon }\n\ndpdkk { }"),
        "startup.conf:3: unknown section 'dpdkk' (weft reads unix, cpu, buffers and metrics; see docs/startup.md)"
    );
    assert_eq!(
        err("unix { nodaemon }\nnat {\n}"),
        "startup.conf:2: unknown section 'nat' (weft reads unix, cpu, buffers and metrics; see docs/startup.md)"
    );
    assert_eq!(
        err("\nunix {\n  nodaemon\n"),
        "startup.conf:2: section 'unix' is not closed: missing '}'"
    );
    assert_eq!(
        err("unix { nodaemon }\n}"),
        "startup.conf:2: unexpected '}'"
    );
    assert_eq!(
        err("unix"),
        "startup.conf:1: section 'unix' needs a body: unix { ... }"
    );
    assert_eq!(
        err("unix { { nodaemon } }"),
        "startup.conf:1: unexpected '{' in section 'unix'"
    );
    assert_eq!(
        Startup::parse_named("cpu { foo }", "/etc/weft/startup.conf")
            .unwrap_err()
            .to_string(),
        "/etc/weft/startup.conf:1: unknown keyword 'foo' in section 'cpu'"
    );
}

// --- cpu --------------------------------------------------------------------

#[test]
fn cpu_keywords() {
    let conf = Startup::parse("cpu { main-core 1 corelist-workers 2-3,18-19 }").unwrap();
    assert_eq!(conf.cpu.main_core, Some(1));
    assert_eq!(conf.cpu.corelist_workers, Some(vec![2, 3, 18, 19]));
    assert_eq!(conf.cpu.workers, None);
    let conf = Startup::parse("cpu { workers 3 }").unwrap();
    assert_eq!(conf.cpu.workers, Some(3));
    let conf = Startup::parse("cpu { main-core 2 skip-cores 1 relative workers 1 }").unwrap();
    assert_eq!(conf.cpu.skip_cores, 1);
    assert!(conf.cpu.relative);
    let conf = Startup::parse("cpu { main-core 0 coremask-workers 0x1e }").unwrap();
    assert_eq!(conf.cpu.corelist_workers, Some(vec![1, 2, 3, 4]));
    let conf = Startup::parse(
        "cpu {\n scheduler-policy fifo\n scheduler-priority 50\n use-pthreads\n thread-prefix vpp\n}",
    )
    .unwrap();
    assert_eq!(conf.cpu, CpuConf::default());
    assert_eq!(conf.warnings.len(), 4);
    assert_eq!(
        conf.warnings[0].to_string(),
        "startup.conf:2: ignoring 'scheduler-policy fifo': weft's threads keep the default scheduling policy"
    );
}

#[test]
fn core_lists() {
    assert_eq!(parse_core_list("1,3-5").unwrap(), [1, 3, 4, 5]);
    assert_eq!(parse_core_list("7").unwrap(), [7]);
    assert_eq!(parse_core_list("5-5,2,2,0-1").unwrap(), [0, 1, 2, 5]);
    assert!(parse_core_list("5-3").unwrap_err().contains("backwards"));
    assert!(parse_core_list("1,,2").is_err());
    assert!(parse_core_list("a-b").is_err());
    assert!(parse_core_list("0-100000").unwrap_err().contains("beyond"));
    assert_eq!(format_core_list(&[0, 1, 2, 3, 6, 8, 9]), "0-3,6,8-9");
    assert_eq!(format_core_list(&[]), "");
    assert_eq!(parse_core_mask("0x5").unwrap(), [0, 2]);
    assert_eq!(parse_core_mask("100").unwrap(), [8]);
    assert!(parse_core_mask("0xg").is_err());
    assert_eq!(
        err("cpu {\n main-core 0\n corelist-workers 1,x\n}"),
        "startup.conf:3: invalid core list '1,x' (expected e.g. 1,3-5)"
    );
}

#[test]
fn cpu_errors() {
    assert_eq!(
        err("cpu {\n corelist-workers 2-3\n}"),
        "startup.conf:2: 'corelist-workers' requires 'main-core' in section 'cpu'"
    );
    assert_eq!(
        err("cpu { skip-cores 2 }"),
        "startup.conf:1: 'skip-cores' requires 'main-core' in section 'cpu'"
    );
    assert_eq!(
        err("cpu { relative }"),
        "startup.conf:1: 'relative' requires 'main-core' in section 'cpu'"
    );
    // main-core may come after corelist-workers, even in another section.
    assert!(Startup::parse("cpu { corelist-workers 2 }\ncpu { main-core 1 }").is_ok());
    assert_eq!(
        err("cpu {\n main-core 0\n workers 2\n corelist-workers 1-2\n}"),
        "startup.conf:4: 'corelist-workers' and 'workers' (line 3) cannot be used together"
    );
    assert_eq!(
        err("cpu {\n main-core 0\n corelist-workers 1-2\n workers 2\n}"),
        "startup.conf:4: 'workers' and 'corelist-workers' (line 3) cannot be used together"
    );
    assert_eq!(
        err("cpu { workers 2 }\ncpu { workers 3 }"),
        "startup.conf:2: 'workers' is given twice (line 1)"
    );
    assert_eq!(
        err("cpu { workers 0 }"),
        "startup.conf:1: workers 0: weft needs at least one worker (its main thread does not forward packets)"
    );
    assert_eq!(
        err("cpu { workers two }"),
        "startup.conf:1: 'workers' expects a number, got 'two'"
    );
    assert_eq!(
        err("cpu { main-core -1 }"),
        "startup.conf:1: 'main-core' expects a number, got '-1'"
    );
    assert_eq!(
        err("cpu { main-core 5000 }"),
        "startup.conf:1: main-core 5000: beyond the highest core number 1023"
    );
    assert_eq!(
        err("cpu { io 1 }"),
        "startup.conf:1: no such thread type 'io' (weft has only 'workers')"
    );
    assert_eq!(
        err("cpu { main-core 0 corelist-io 1 }"),
        "startup.conf:1: no such thread type 'io' (weft has only 'workers')"
    );
    assert_eq!(
        err("cpu { scheduler-policy realtime }"),
        "startup.conf:1: scheduler-policy realtime: expected other, batch, idle, fifo or rr"
    );
    assert_eq!(
        err("cpu { main-core }"),
        "startup.conf:1: 'main-core' in section 'cpu' needs a value"
    );
}

#[test]
fn placement_of_workers() {
    let p = |text: &str, avail: &[usize]| Startup::parse(text).unwrap().placement(avail);
    // workers n: the cores after the main core.
    assert_eq!(
        p("cpu { workers 2 }", &[0, 1, 2, 3]).unwrap(),
        Placement {
            main: Some(0),
            workers: vec![Some(1), Some(2)]
        }
    );
    // ... wrapping round to the cores below it.
    assert_eq!(
        p("cpu { main-core 2 workers 3 }", &[0, 1, 2, 3])
            .unwrap()
            .workers,
        [Some(3), Some(0), Some(1)]
    );
    // skip-cores leaves the first cores alone.
    assert_eq!(
        p("cpu { main-core 2 skip-cores 2 workers 1 }", &[0, 1, 2, 3])
            .unwrap()
            .workers,
        [Some(3)]
    );
    // corelist-workers: exactly those.
    assert_eq!(
        p(
            "cpu { main-core 0 corelist-workers 1,3-5 }",
            &[0, 1, 2, 3, 4, 5]
        )
        .unwrap(),
        Placement {
            main: Some(0),
            workers: vec![Some(1), Some(3), Some(4), Some(5)]
        }
    );
    // relative: indices into the available cores.
    assert_eq!(
        p(
            "cpu { main-core 0 corelist-workers 1-2 relative }",
            &[4, 6, 8, 10]
        )
        .unwrap(),
        Placement {
            main: Some(4),
            workers: vec![Some(6), Some(8)]
        }
    );
    // Unknown available cores: explicit cores trusted, the rest unpinned.
    assert_eq!(
        p("cpu { main-core 0 corelist-workers 5 }", &[])
            .unwrap()
            .workers,
        [Some(5)]
    );
    assert_eq!(p("cpu { workers 2 }", &[]).unwrap().workers, [None, None]);
}

#[test]
fn placement_errors() {
    let e = |text: &str, avail: &[usize]| {
        Startup::parse(text)
            .unwrap()
            .placement(avail)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        e("cpu { workers 2 }", &[0, 1]),
        "cpu: 'workers 2' needs 2 free cores besides the main core 0, but only 1 is (1)"
    );
    assert_eq!(
        e("cpu { workers 1 }", &[0]),
        "cpu: 'workers 1' needs 1 free cores besides the main core 0, but only 0 are (none)"
    );
    assert_eq!(
        e("cpu { main-core 7 }", &[0, 1, 2, 3]),
        "cpu: main-core 7 is not available to weftd (available cores: 0-3)"
    );
    assert_eq!(
        e("cpu { main-core 0 corelist-workers 1,9 }", &[0, 1, 2, 3]),
        "cpu: core 9 in corelist-workers is not available to weftd (available cores: 0-3)"
    );
    assert_eq!(
        e("cpu { main-core 1 corelist-workers 1-2 }", &[0, 1, 2, 3]),
        "cpu: corelist-workers includes the main core 1"
    );
    assert_eq!(
        e(
            "cpu { main-core 3 skip-cores 2 corelist-workers 1 }",
            &[0, 1, 2, 3]
        ),
        "cpu: core 1 in corelist-workers is skipped by skip-cores 2"
    );
    assert_eq!(
        e("cpu { main-core 0 skip-cores 1 }", &[0, 1]),
        "cpu: main-core 0 is skipped by skip-cores 1"
    );
    assert_eq!(
        e("cpu { main-core 0 skip-cores 4 }", &[0, 1]),
        "cpu: skip-cores 4 leaves no core: weftd may use 2 cores (0-1)"
    );
    assert_eq!(
        e("cpu { main-core 5 relative }", &[0, 1]),
        "cpu: relative core 5 (main-core) is out of range: weftd may use 2 cores (0-1)"
    );
}

// --- buffers ----------------------------------------------------------------

#[test]
fn buffers_keywords() {
    let conf = Startup::parse(
        "buffers {\n buffers-per-numa 128000\n page-size 2M\n default data-size 3840\n}",
    )
    .unwrap();
    assert_eq!(conf.buffers.buffers_per_numa, 128000);
    assert_eq!(conf.buffers.page_size, PageSize::Huge);
    assert_eq!(conf.buffers.data_size, 3840);
    let pc = conf.pool_config();
    assert_eq!(
        (pc.buffers, pc.data_size, pc.headroom, pc.page_size),
        (128000, 3840, 256, PageSize::Huge)
    );
    assert_eq!(pc.frame_size(), 4096);
    // The smallest data size still gives AF_XDP's minimum 2048-byte frame.
    let pc = Startup::parse("buffers { default data-size 769 }")
        .unwrap()
        .pool_config();
    assert_eq!(pc.frame_size(), 2048);
    for (text, page) in [
        ("default", PageSize::Normal),
        ("4K", PageSize::Normal),
        ("4k", PageSize::Normal),
        ("4096", PageSize::Normal),
        ("default-hugepage", PageSize::Huge),
        ("2m", PageSize::Huge),
        ("2048K", PageSize::Huge),
    ] {
        let conf = Startup::parse(&format!("buffers {{ page-size {text} }}")).unwrap();
        assert_eq!(conf.buffers.page_size, page, "{text}");
    }
    assert_eq!(
        Startup::parse("buffers { buffers-per-numa 1048576 }")
            .unwrap()
            .buffers
            .buffers_per_numa,
        1 << 20
    );
    let conf = Startup::parse("buffers { layout packed }").unwrap();
    assert_eq!(conf.buffers, BuffersConf::default());
    assert_eq!(conf.warnings.len(), 1);
}

#[test]
fn buffers_errors() {
    assert_eq!(
        err("buffers {\n buffers-per-numa 0\n}"),
        "startup.conf:2: buffers-per-numa 0: must be between 1 and 1048576 (weft's buffer index is 20 bits)"
    );
    assert_eq!(
        err("buffers { buffers-per-numa 1048577 }"),
        "startup.conf:1: buffers-per-numa 1048577: must be between 1 and 1048576 (weft's buffer index is 20 bits)"
    );
    assert_eq!(
        err("buffers { buffers-per-numa 128k }"),
        "startup.conf:1: 'buffers-per-numa' expects a number, got '128k'"
    );
    let too_big = "startup.conf:3: data-size 9000 is out of range: weft's buffers are AF_XDP frames \
                   of 2048 or 4096 bytes holding 256 bytes of headroom plus the data, so data-size \
                   must be between 769 and 3840";
    assert_eq!(err("buffers {\n\n default data-size 9000 }"), too_big);
    assert!(err("buffers { default data-size 3841 }").contains("between 769 and 3840"));
    assert!(err("buffers { default data-size 768 }").contains("between 769 and 3840"));
    assert_eq!(
        err("buffers { default data-size big }"),
        "startup.conf:1: 'default data-size' expects a number, got 'big'"
    );
    assert_eq!(
        err("buffers { default data-size }"),
        "startup.conf:1: 'data-size' in section 'buffers' needs a value"
    );
    assert_eq!(
        err("buffers { default 2048 }"),
        "startup.conf:1: 'default' in section 'buffers' must be followed by 'data-size <n>'"
    );
    assert_eq!(
        err("buffers { default-data-size 2048 }"),
        "startup.conf:1: unknown keyword 'default-data-size' in section 'buffers' (VPP's syntax \
         is 'default data-size <n>')"
    );
    assert_eq!(
        err("buffers { page-size 1G }"),
        "startup.conf:1: page-size 1G is not supported: weft uses 4K pages or 2M hugepages"
    );
    assert_eq!(
        err("buffers { page-size huge }"),
        "startup.conf:1: page-size huge: expected 4K, 2M, default or default-hugepage"
    );
    assert_eq!(
        err("buffers {\n numa 0 { buffers 1000 }\n}"),
        "startup.conf:2: per-NUMA buffer counts are not supported: weft has one buffer pool; use \
         'buffers-per-numa <n>'"
    );
}

// --- files ------------------------------------------------------------------

#[test]
fn load_a_file() {
    let f = TempFile::new("load.conf", b"unix {\n  nodaemon\n}\ncpu {\n  bogus\n}\n");
    let e = Startup::load(&f.0).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:5: unknown keyword 'bogus' in section 'cpu'",
            f.0.display()
        )
    );
    let f = TempFile::new("ok.conf", b"unix { interactive }\n");
    assert!(Startup::load(&f.0).unwrap().unix.interactive);
    assert_eq!(
        Startup::load("/nonexistent/weft/startup.conf")
            .unwrap_err()
            .to_string(),
        "startup config: cannot open /nonexistent/weft/startup.conf: No such file or directory"
    );
    let f = TempFile::new("bad-utf8.conf", b"unix {\n nodaemon\n cli-prompt \xff\n}\n");
    assert_eq!(
        Startup::load(&f.0).unwrap_err().to_string(),
        format!("{}:3: not valid UTF-8 text", f.0.display())
    );
}

#[test]
fn exec_files() {
    let f = TempFile::new(
        "setup.cli",
        b"# the koko demo\n\ncreate interface af_xdp host-if eth0\n   set interface state eth0/0 up   \n  # indented comment\r\nshow int\r\n",
    );
    assert_eq!(
        read_exec_file(&f.0).unwrap(),
        [
            (3, "create interface af_xdp host-if eth0".to_string()),
            (4, "set interface state eth0/0 up".to_string()),
            (6, "show int".to_string()),
        ]
    );
    let empty = TempFile::new("empty.cli", b"");
    assert!(read_exec_file(&empty.0).unwrap().is_empty());
    assert_eq!(
        read_exec_file("/nonexistent/setup.cli")
            .unwrap_err()
            .to_string(),
        "exec: cannot open /nonexistent/setup.cli: No such file or directory"
    );
    let dir = std::env::temp_dir();
    assert_eq!(
        read_exec_file(&dir).unwrap_err().to_string(),
        format!("exec: cannot open {}: Is a directory", dir.display())
    );
    assert_eq!(
        read_exec_file("/dev/null").unwrap_err().to_string(),
        "exec: cannot open /dev/null: not a regular file"
    );
}

// --- command line -----------------------------------------------------------

#[test]
fn help_documents_every_flag() {
    Args::command().debug_assert();
    let help = Args::command().render_long_help().to_string();
    for flag in [
        "--config",
        "-c",
        "--cli-listen",
        "--exec",
        "--workers",
        "STARTUP-CONF",
        "--help",
        "--version",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    for arg in Args::command().get_arguments() {
        assert!(
            arg.get_help().is_some() || arg.get_long_help().is_some(),
            "{} has no help",
            arg.get_id()
        );
    }
    // Man-page sections, each option's default, the files.
    for needle in [
        "Examples:",
        "Files:",
        "Environment:",
        "Signals:",
        "Exit status:",
        "See also:",
        "/etc/weft/startup.conf",
        "/run/weft/cli.sock",
        "[default: /run/weft/cli.sock]",
        "[default: 1]",
        "RUST_LOG",
        "weftctl(1)",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    for arg in Args::command().get_arguments() {
        let text = arg
            .get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        assert!(
            builtin || text.contains("[default: "),
            "{} does not say its default: {text}",
            arg.get_id()
        );
    }
}

#[test]
fn version_flag_prints_the_build_information() {
    use clap::error::ErrorKind;
    let e = try_parse_args(["weftd", "--version"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DisplayVersion);
    let text = e.to_string();
    assert!(text.starts_with("weftd "), "{text}");
    for (label, value) in buildinfo::get().rows() {
        assert!(
            text.contains(&buildinfo::format_row(label, &value)),
            "{label} missing from:\n{text}"
        );
    }
    let e = try_parse_args(["weftd", "-V"]).unwrap_err();
    assert_eq!(
        e.to_string().trim_end(),
        format!("weftd {}", buildinfo::get().clap_version())
    );
    // Usage errors exit with 2.
    let e = try_parse_args(["weftd", "--bogus"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn args_merge_file_inline_and_flags() {
    let f = TempFile::new(
        "args.conf",
        b"unix { cli-listen /run/a.sock exec /a.cli }\ncpu { main-core 0 corelist-workers 1-2 }\n",
    );
    let path = f.0.to_str().unwrap();
    // File only.
    let conf = args(&["-c", path]).startup().unwrap();
    assert_eq!(conf.unix.cli_listen, PathBuf::from("/run/a.sock"));
    assert_eq!(conf.cpu.corelist_workers, Some(vec![1, 2]));
    // Inline text overrides the file; a later source may switch from
    // corelist-workers to workers.
    let conf = args(&[
        "-c",
        path,
        "unix",
        "{",
        "interactive",
        "cli-listen",
        "/run/b.sock",
        "}",
        "cpu",
        "{",
        "workers",
        "3",
        "}",
    ])
    .startup()
    .unwrap();
    assert!(conf.unix.interactive);
    assert_eq!(conf.unix.cli_listen, PathBuf::from("/run/b.sock"));
    assert_eq!(
        (conf.cpu.workers, conf.cpu.corelist_workers.clone()),
        (Some(3), None)
    );
    // Flags override both; --exec appends.
    let conf = args(&[
        "--config",
        path,
        "--cli-listen",
        "/run/c.sock",
        "--exec",
        "/b.cli",
        "--exec",
        "/c.cli",
        "--workers",
        "2",
    ])
    .startup()
    .unwrap();
    assert_eq!(conf.unix.cli_listen, PathBuf::from("/run/c.sock"));
    assert_eq!(
        conf.unix.exec,
        [
            PathBuf::from("/a.cli"),
            PathBuf::from("/b.cli"),
            PathBuf::from("/c.cli")
        ]
    );
    assert_eq!(
        (conf.cpu.workers, conf.cpu.corelist_workers.clone()),
        (Some(2), None)
    );
    assert_eq!(
        args(&["--socket", "/x.sock"])
            .startup()
            .unwrap()
            .unix
            .cli_listen,
        PathBuf::from("/x.sock")
    );
    // Inline only, VPP style; inline errors name the command line.
    let conf = args(&[
        "unix", "{", "nodaemon", "}", "cpu", "{", "workers", "1", "}",
    ])
    .startup()
    .unwrap();
    assert!(conf.unix.nodaemon);
    assert_eq!(conf.cpu.workers, Some(1));
    assert_eq!(
        args(&["unix", "{", "bogus", "}"])
            .startup()
            .unwrap_err()
            .to_string(),
        "command line: unknown keyword 'bogus' in section 'unix'"
    );
    assert_eq!(
        args(&["unix", "{", "nodaemon", "}", "--workers", "2"])
            .startup()
            .unwrap_err()
            .to_string(),
        "command line: '--workers': options must come before the inline startup configuration"
    );
    // A missing -c file.
    assert_eq!(
        args(&["-c", "/nonexistent/weft.conf"])
            .startup()
            .unwrap_err()
            .to_string(),
        "startup config: cannot open /nonexistent/weft.conf: No such file or directory"
    );
    // Bad flag values are clap usage errors.
    assert!(Args::try_parse_from(["weftd", "--workers", "0"]).is_err());
    assert!(Args::try_parse_from(["weftd", "--bogus"]).is_err());
    // startup_from_args parses and merges.
    let conf = startup_from_args(["weftd", "--cli-listen", "/y.sock"]).unwrap();
    assert_eq!(conf.unix.cli_listen, PathBuf::from("/y.sock"));
}

#[test]
fn main_core_from_file_satisfies_inline_corelist() {
    let f = TempFile::new("main.conf", b"cpu { main-core 0 }\n");
    let conf = args(&[
        "-c",
        f.0.to_str().unwrap(),
        "cpu",
        "{",
        "corelist-workers",
        "1",
        "}",
    ])
    .startup()
    .unwrap();
    assert_eq!(conf.cpu.corelist_workers, Some(vec![1]));
    assert_eq!(
        args(&["cpu", "{", "corelist-workers", "1", "}"])
            .startup()
            .unwrap_err()
            .to_string(),
        "command line: 'corelist-workers' requires 'main-core' in section 'cpu'"
    );
}

#[test]
fn warnings_are_logged_without_panicking() {
    Startup::parse("api-trace { on }").unwrap().log_warnings();
}

#[test]
fn metrics_section() {
    use std::net::SocketAddr;
    // Default: VPP's exporter's port on the loopback.
    assert_eq!(
        Startup::parse("").unwrap().metrics.listen,
        Some("127.0.0.1:9482".parse::<SocketAddr>().unwrap())
    );
    assert_eq!(
        Startup::parse("metrics { listen 0.0.0.0:9100 }")
            .unwrap()
            .metrics
            .listen,
        Some("0.0.0.0:9100".parse::<SocketAddr>().unwrap())
    );
    assert_eq!(
        Startup::parse("metrics { listen [::1]:9482 }")
            .unwrap()
            .metrics
            .listen,
        Some("[::1]:9482".parse::<SocketAddr>().unwrap())
    );
    assert_eq!(
        Startup::parse("metrics { disable }")
            .unwrap()
            .metrics
            .listen,
        None
    );
    // The one-word form, as for other sections.
    assert_eq!(
        Startup::parse("metrics disable").unwrap().metrics.listen,
        None
    );
    assert_eq!(
        err("metrics {\n  listen 9482\n}"),
        "startup.conf:2: listen 9482: expected <address>:<port>, e.g. 127.0.0.1:9482 or [::1]:9482"
    );
    assert_eq!(
        err("metrics { listen }"),
        "startup.conf:1: 'listen' in section 'metrics' needs a value"
    );
    assert_eq!(
        err("metrics { port 9482 }"),
        "startup.conf:1: unknown keyword 'port' in section 'metrics'"
    );
    assert_eq!(
        err("metrics {\n  listen 127.0.0.1:1\n  disable\n}"),
        "startup.conf:3: 'disable' and 'listen' together in section 'metrics': give one"
    );
}
