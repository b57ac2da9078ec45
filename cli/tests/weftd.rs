//! The real weftd binary driven through its real CLI socket: the vppctl
//! protocol byte for byte, golden outputs, VPP's error messages, prefix
//! matching, failed commands changing nothing, exec files, the socket's
//! mode, clean exit on SIGTERM. No root needed: no interface is attached.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::Daemon;

/// What VPP's CLI server sends on accept (VPP-CLI.md §3.1).
const GREETING: &[u8] = &[
    0xff, 0xfc, 0x22, 0xff, 0xfe, 0x22, 0xff, 0xfb, 0x03, 0xff, 0xfd, 0x03, 0xff, 0xfb, 0x01, 0xff,
    0xfe, 0x01, 0xff, 0xfd, 0x18, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 0xff, 0xfd, 0x1f, 0xff, 0xfa,
    0x1f, 0x01, 0xff, 0xf0,
];

#[test]
fn vppctl_one_shot_byte_for_byte() {
    let d = Daemon::start("vppctl", &[]);
    let mut s = UnixStream::connect(&d.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = vec![0u8; GREETING.len()];
    s.read_exact(&mut greeting).unwrap();
    assert_eq!(greeting, GREETING);
    // vppctl answers the TTYPE request with `vppctl`, then sends the command
    // (with a trailing NUL) and waits for the NUL that ends the output.
    let mut ttype = vec![0xff, 0xfa, 0x18, 0x00];
    ttype.extend_from_slice(b"vppctl");
    ttype.extend_from_slice(&[0xff, 0xf0]);
    s.write_all(&ttype).unwrap();
    s.write_all(b"show version\n\0").unwrap();
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        s.read_exact(&mut b).unwrap();
        if b[0] == 0 {
            break;
        }
        out.push(b[0]);
    }
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("weft v"), "{text:?}");
    assert!(text.ends_with('\n'));
    assert!(!text.contains("weft# "), "no prompt for vppctl");
    s.write_all(b"quit\n").unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "server closes after quit: {rest:?}");
}

/// The build information, gathered by `cli/build.rs`: real facts (the
/// checked-out commit, a date in VPP's format, rustc), the same in
/// `weftd --version`, `show version`, `show version verbose`,
/// `show version cmdline` and `--json show version`.
#[test]
fn build_information_in_version_flag_and_show_version() {
    let info = buildinfo::build_info!();
    let git = Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output();
    match git {
        Ok(o) if o.status.success() => {
            assert_eq!(info.commit, String::from_utf8_lossy(&o.stdout).trim());
        }
        _ => assert_eq!(info.commit, "unknown", "no git tree"),
    }
    let d = info.date.as_bytes();
    assert!(
        d.len() == 19
            && d.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                _ => c.is_ascii_digit(),
            }),
        "{}",
        info.date
    );
    assert!(info.compiler.starts_with("rustc 1."), "{}", info.compiler);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    assert_eq!(info.profile, profile);
    assert_ne!(info.user, "unknown");
    assert_ne!(info.host, "unknown");

    let out = Command::new(env!("CARGO_BIN_EXE_weftd"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        buildinfo::without_date(&String::from_utf8_lossy(&out.stdout)),
        buildinfo::without_date(&format!("weftd {}\n", info.clap_long_version()))
    );

    let d = Daemon::start("version", &[]);
    // The daemon's date: its build script may have run at another time
    // than the test's (cargo runs it once per profile), so take it from the
    // daemon, check its form, and compare every other fact exactly.
    let reply = console::client::Client::connect(&d.socket)
        .unwrap()
        .execute_json("show version")
        .unwrap();
    assert!(!reply.failed, "{}", reply.text);
    let v: serde_json::Value = serde_json::from_str(&reply.text).unwrap();
    let date = v["build_date"].as_str().unwrap_or_default().to_string();
    let d8 = date.as_bytes();
    assert!(
        d8.len() == 19 && d8[4] == b'-' && d8[10] == b'T' && d8[13] == b':',
        "{date}"
    );
    assert_eq!(
        d.ok("show version"),
        format!(
            "weft v{} built by {} on {} at {} (git {})\n",
            env!("CARGO_PKG_VERSION"),
            info.user,
            info.host,
            date,
            &info.commit[..info.commit.len().min(12)]
        )
    );
    let pid = d.child.id();
    let mut verbose = String::new();
    for (label, value) in [
        ("Version:", format!("v{}", env!("CARGO_PKG_VERSION"))),
        ("Git commit:", info.commit.to_string()),
        ("Compiled by:", info.user.to_string()),
        ("Compile host:", info.host.to_string()),
        ("Compile date:", date.clone()),
        ("Compile location:", info.location.to_string()),
        ("Compiler:", info.compiler.to_string()),
        ("Build profile:", info.profile.to_string()),
        ("Current PID:", pid.to_string()),
    ] {
        verbose.push_str(&format!("{label:<25} {value}\n"));
    }
    assert_eq!(d.ok("show version verbose"), verbose);
    let bin = env!("CARGO_BIN_EXE_weftd");
    let sock = d.socket.display();
    let cmdline = format!(
        "Command line arguments:  \n  {bin}\n  --cli-listen\n  {sock}\n  buffers\n    {{\n    \
         buffers-per-numa\n    4096\n    page-size\n    4K\n    }}\n"
    );
    assert_eq!(d.ok("show version cmdline"), cmdline);
    assert_eq!(
        d.ok("sh ver verbose cmdline"),
        format!("{verbose}{cmdline}")
    );
    assert_eq!(d.err("show version verbose bogus"), "unknown input `bogus'");

    assert_eq!(
        v,
        serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "commit": info.commit,
            "build_date": date,
            "compiler": info.compiler,
            "build_by": info.user,
            "build_host": info.host,
            "build_dir": info.location,
            "profile": info.profile,
            "pid": pid,
            "cmdline": [bin, "--cli-listen", d.socket.to_str().unwrap(), "buffers", "{",
                "buffers-per-numa", "4096", "page-size", "4K", "}"],
        })
    );
}

/// What an interactive session (terminal type xterm) receives after the
/// handshake, up to and including its first prompt.
fn interactive_start(d: &Daemon) -> Vec<u8> {
    let mut s = UnixStream::connect(&d.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = vec![0u8; GREETING.len()];
    s.read_exact(&mut greeting).unwrap();
    let mut ttype = vec![0xff, 0xfa, 0x18, 0x00];
    ttype.extend_from_slice(b"xterm");
    ttype.extend_from_slice(&[0xff, 0xf0]);
    s.write_all(&ttype).unwrap();
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(b"weft# ") {
        s.read_exact(&mut b).unwrap();
        out.push(b[0]);
    }
    out
}

/// `unix { nobanner }` (VPP's `cli-no-banner` too): interactive sessions
/// start with the prompt; without it, with the banner.
#[test]
fn nobanner_starts_interactive_sessions_with_the_prompt() {
    let d = Daemon::start("banner", &[]);
    let out = interactive_start(&d);
    assert!(
        out.starts_with(b"weft "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    assert!(out.len() > 40, "{:?}", String::from_utf8_lossy(&out));
    for words in [
        ["unix", "{", "nobanner", "}"],
        ["unix", "{", "cli-no-banner", "}"],
    ] {
        let d = Daemon::start("nobanner", &words);
        assert_eq!(
            String::from_utf8_lossy(&interactive_start(&d)),
            "weft# ",
            "{words:?}"
        );
        // Batch sessions are unchanged.
        assert!(d.ok("show version").starts_with("weft v"));
    }
}

#[test]
fn golden_outputs_prefixes_and_errors() {
    let d = Daemon::start("golden", &[]);
    assert_eq!(d.ok("create loopback interface"), "loop0\n");
    assert_eq!(d.ok("set interface state loop0 up"), "");
    assert_eq!(d.ok("set int ip addr loop0 10.99.5.1/24"), "");
    assert_eq!(
        d.ok("show interface address"),
        "local0 (dn):\nloop0 (up):\n  L3 10.99.5.1/24\n"
    );
    let show = d.ok("show interface");
    assert_eq!(
        show.lines().next().unwrap(),
        "              Name               Idx    State  MTU (L3/IP4/IP6/MPLS)     Counter          Count     "
    );
    assert_eq!(
        show.lines().nth(2).unwrap().trim_end(),
        "loop0                             1      up          9000/0/0/0"
    );
    assert_eq!(d.ok("sh int"), show, "unique prefixes");
    assert_eq!(
        d.ok("create vxlan tunnel src 10.99.5.1 dst 10.99.5.2 vni 11"),
        "vxlan_tunnel0\n"
    );
    assert_eq!(
        d.ok("show vxlan tunnel"),
        "[0] instance 0 src 10.99.5.1 dst 10.99.5.2 src_port 4789 dst_port 4789 vni 11 fib-idx 0 sw-if-idx 2 encap-dpo-idx 0 \n"
    );

    // VPP's validation messages for create vxlan tunnel (VPP-CLI.md §1.1),
    // and nothing changes when a command fails.
    let before = (d.ok("show interface"), d.ok("show vxlan tunnel"));
    for (cmd, msg) in [
        (
            "create vxlan tunnel dst 10.99.5.2 vni 1",
            "tunnel src address not specified",
        ),
        (
            "create vxlan tunnel src 10.99.5.1 vni 1",
            "tunnel dst address not specified",
        ),
        (
            "create vxlan tunnel src 10.99.5.1 dst 10.99.5.1 vni 1",
            "src and dst addresses are identical",
        ),
        (
            "create vxlan tunnel src 10.99.5.1 dst 10.99.5.2",
            "vni not specified",
        ),
        (
            "create vxlan tunnel src 10.99.5.1 dst 10.99.5.2 vni 0",
            "vni not specified",
        ),
        (
            "create vxlan tunnel src 10.99.5.1 dst 10.99.5.2 vni 16777216",
            "vni 16777216 out of range",
        ),
        (
            "create vxlan tunnel src 10.99.5.1 dst 224.0.0.1 vni 1",
            "dst address must be unicast",
        ),
    ] {
        assert_eq!(d.err(cmd), format!("create vxlan tunnel: {msg}"), "{cmd}");
    }
    assert_eq!(
        d.err("create vxlan tunnel src 10.99.5.1 dst 10.99.5.2 vni 11 bogus"),
        "create vxlan tunnel: parse error: 'bogus'"
    );
    assert_eq!(d.err("show frobnicate"), "show: unknown input `frobnicate'");
    assert_eq!(d.err("frobnicate now"), "unknown input `frobnicate now'");
    assert_eq!(
        d.err("set interface state nosuch0 up"),
        "set interface state: unknown interface `nosuch0 up'"
    );
    assert_eq!((d.ok("show interface"), d.ok("show vxlan tunnel")), before);
}

#[test]
fn socket_mode_exec_file_and_sigterm() {
    let dir = std::env::temp_dir().join(format!("weftd-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exec = dir.join("setup.exec");
    std::fs::write(
        &exec,
        "# weft setup\ncreate loopback interface\nset interface state loop0 up\nset interface state loop9 up\ncreate loopback interface\n",
    )
    .unwrap();
    let mut d = Daemon::start("exec", &["--exec", exec.to_str().unwrap()]);
    let mode = std::fs::metadata(&d.socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660, "socket mode");
    // The file ran up to its first failing line (line 4), not beyond.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !d.stderr().contains("loop9") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = d.stderr();
    assert!(
        log.contains(&format!(
            "exec {}:4: set interface state loop9 up: set interface state: unknown interface `loop9 up'",
            exec.display()
        )),
        "{log}"
    );
    let ints = d.ok("show interface");
    assert!(ints.contains("loop0"), "{ints}");
    assert!(
        !ints.contains("loop1"),
        "stopped at the failing line: {ints}"
    );

    let status = d.terminate();
    assert!(status.success(), "{status}");
    assert!(!Path::new(&d.socket).exists(), "socket removed on SIGTERM");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn weftctl_binary_one_shot_and_json() {
    let d = Daemon::start("weftctl", &[]);
    let ctl = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_weftctl"))
            .arg("-s")
            .arg(&d.socket)
            .args(args)
            .output()
            .unwrap()
    };
    let out = ctl(&["create", "loopback", "interface"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "loop0\n");
    let out = ctl(&["show", "frobnicate"]);
    assert_eq!(out.status.code(), Some(1), "a failed command exits 1");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("show: unknown input `frobnicate'")
            || String::from_utf8_lossy(&out.stdout).contains("show: unknown input `frobnicate'")
    );
    let out = ctl(&["--json", "show", "interface"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    assert!(text.contains("\"loop0\""), "{text}");
    assert!(text.contains("\"local0\""), "{text}");
    // Errors under --json: one JSON line on stderr, nothing on stdout,
    // exit 1 as without --json.
    let out = ctl(&["--json", "show", "ip", "fib", "bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err,
        serde_json::json!({"error": "show ip fib: unknown input `bogus'"})
    );
    let out = ctl(&["--json", "frobnicate"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "{\"error\":\"unknown input `frobnicate'\"}\n"
    );
    // An action's lines; show ip fib summary's counts.
    let out = ctl(&["--json", "create", "loopback", "interface"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"output": ["loop1"]}));
    let out = ctl(&["--json", "show", "ip", "fib", "summary"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["table"], "ipv4-VRF:0");
    assert_eq!(v[0]["total"], 4, "the four special prefixes: {v}");
}

/// An interactive session (terminal type xterm), greeting and first
/// prompt read.
fn interactive(d: &Daemon) -> UnixStream {
    let mut s = UnixStream::connect(&d.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = vec![0u8; GREETING.len()];
    s.read_exact(&mut greeting).unwrap();
    let mut ttype = vec![0xff, 0xfa, 0x18, 0x00];
    ttype.extend_from_slice(b"xterm");
    ttype.extend_from_slice(&[0xff, 0xf0]);
    s.write_all(&ttype).unwrap();
    read_through(&mut s, b"weft# ");
    s
}

/// Reads up to and including `end`.
fn read_through(s: &mut UnixStream, end: &[u8]) -> String {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(end) {
        s.read_exact(&mut b).unwrap();
        out.push(b[0]);
    }
    String::from_utf8(out).unwrap()
}

/// `history` (alias `show cli-history`) and `comment` as VPP has them: the
/// history is per session, numbered from the session's first line, kept
/// to `cli-history-limit` lines; vppctl sessions have none.
#[test]
fn history_and_comment_per_session() {
    let d = Daemon::start("history", &["unix", "{", "cli-history-limit", "3", "}"]);
    let mut a = interactive(&d);
    let mut b = interactive(&d);
    for line in [
        "show version",
        "comment { not run: create loopback interface }",
        "sh ver",
    ] {
        a.write_all(format!("{line}\r").as_bytes()).unwrap();
        read_through(&mut a, b"weft# ");
    }
    b.write_all(b"comment b\r").unwrap();
    read_through(&mut b, b"weft# ");
    a.write_all(b"history\r").unwrap();
    assert_eq!(
        read_through(&mut a, b"weft# "),
        "history\r\n2  comment { not run: create loopback interface }\r\n3  sh ver\r\n4  history\r\nweft# "
    );
    b.write_all(b"show cli-history\r").unwrap();
    assert_eq!(
        read_through(&mut b, b"weft# "),
        "show cli-history\r\n1  comment b\r\n2  show cli-history\r\nweft# "
    );
    // The comment ran nothing; words after the comment are an error.
    assert!(!d.ok("show interface").contains("loop0"));
    assert_eq!(d.ok("comment {}"), "");
    assert_eq!(d.err("comment two words"), "unknown input `words'");
    assert_eq!(d.err("comment"), "unknown input `comment'");
    // vppctl: VPP's answer.
    let mut v = UnixStream::connect(&d.socket).unwrap();
    v.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = vec![0u8; GREETING.len()];
    v.read_exact(&mut greeting).unwrap();
    v.write_all(b"\xff\xfa\x18\x00vppctl\xff\xf0history\n\0")
        .unwrap();
    assert_eq!(
        read_through(&mut v, b"\0"),
        "history: invalid for non-interactive sessions\n\0"
    );
    // weftctl: its own session's lines.
    let mut c = console::client::Client::connect(&d.socket).unwrap();
    assert_eq!(c.execute("comment x").unwrap().text, "");
    assert_eq!(
        c.execute("history").unwrap().text,
        "1  comment x\n2  history\n"
    );
    // (`history` again is not recorded twice in a row, as in VPP.)
    let j = c.execute_json("history").unwrap().text;
    let j: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"enabled": true, "history": [
            {"number": 1, "command": "comment x"},
            {"number": 2, "command": "history"},
        ]})
    );
}

/// The log (issue 18): `show logging` in VPP's layout, the same lines in
/// the log file with readable timestamps, `set logging class` taking
/// effect at once, bad classes and levels refused with nothing changed.
#[test]
fn logging_layout_levels_and_errors() {
    let log = std::env::temp_dir().join(format!("weftd-cli-logging-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let logp = log.to_str().unwrap();
    let d = Daemon::start("logging", &["unix", "{", "log", logp, "nosyslog", "}"]);
    // `<y/m/d> <H:M:S:ms> <level %-10> <class %-14> <message>`
    let parse = |line: &str| -> (String, String, String) {
        let (date, rest) = line.split_at(23);
        let ok = date.chars().enumerate().all(|(i, c)| match i {
            4 | 7 => c == '/',
            10 => c == ' ',
            13 | 16 | 19 => c == ':',
            _ => c.is_ascii_digit(),
        });
        assert!(ok, "timestamp {date:?} in {line:?}");
        assert_eq!(&rest[..1], " ", "{line:?}");
        assert_eq!(&rest[11..12], " ", "{line:?}");
        assert_eq!(&rest[26..27], " ", "{line:?}");
        (
            rest[1..11].trim_end().to_string(),
            rest[12..26].trim_end().to_string(),
            rest[27..].to_string(),
        )
    };
    let show = d.ok("show logging");
    let first: Vec<_> = show.lines().map(parse).collect();
    assert!(
        first.contains(&(
            "notice".into(),
            "startup".into(),
            format!("CLI listening on {}", d.socket.display())
        )),
        "{show}"
    );
    // notice: logged at the default level (notice)...
    d.ok("vpplog { first message }");
    // ...not with the class at warn (notice is below warn)...
    assert_eq!(d.ok("set logging class cli level warn"), "");
    d.ok("vpplog second");
    // ...and again with the class at debug (notice is above debug).
    d.ok("set logging class cli level debug syslog-level error");
    d.ok("vpplog third");
    let show = d.ok("show logging");
    let msgs: Vec<String> = show
        .lines()
        .map(parse)
        .filter(|(_, class, _)| class == "cli")
        .map(|(level, _, m)| format!("{level} {m}"))
        .filter(|m| m.contains("CLI: "))
        .collect();
    assert_eq!(msgs, ["notice CLI: first message", "notice CLI: third"]);
    // The log file holds the same lines.
    let file = std::fs::read_to_string(&log).unwrap();
    for line in show.lines() {
        assert!(file.lines().any(|l| l == line), "{line:?} not in\n{file}");
    }
    assert!(!file.contains("CLI: second"), "{file}");
    // The configuration says what was set, in VPP's layout.
    let conf = d.ok("show logging configuration");
    assert!(
        conf.starts_with("Buffer Size:         512 entries\nDefaults:\n  Log Level:         notice\n  Syslog Log Level:  warn\n  Kmsg Log Level:    disabled\n\nClass/Subclass         Level          Syslog Level   Kmsg Log Level\n"),
        "{conf}"
    );
    assert!(
        conf.contains("\ncli\n  default              debug          error          disabled\n"),
        "{conf}"
    );
    assert!(
        conf.contains("\nstartup\n  default              notice         warn           disabled\n"),
        "{conf}"
    );
    // Bad input: VPP's messages, nothing changed.
    for (cmd, want) in [
        (
            "set logging class nosuch level debug",
            "set logging class: unknown log class `nosuch level debug'",
        ),
        (
            "set logging class cli level warn syslog-level loud",
            "set logging class: unknown input `syslog-level loud'",
        ),
        (
            "set logging class cli level warning",
            "set logging class: unknown input `level warning'",
        ),
        (
            "set logging class cli level warn bogus",
            "set logging class: unknown input `bogus'",
        ),
        (
            "set logging class cli level warn rate-limit 10",
            "set logging class: rate-limit is not supported by weft (no throttling, no /dev/kmsg)",
        ),
    ] {
        assert_eq!(d.err(cmd), want, "{cmd}");
    }
    assert_eq!(d.ok("show logging configuration"), conf);
    // JSON: the same entries, field by field.
    let mut c = console::client::Client::connect(&d.socket).unwrap();
    let j: serde_json::Value =
        serde_json::from_str(&c.execute_json("show logging").unwrap().text).unwrap();
    let text = d.ok("show logging");
    let lines: Vec<_> = text.lines().collect();
    let entries = j.as_array().unwrap();
    assert!(entries.len() >= lines.len() - 1, "{j}");
    for (e, line) in entries.iter().zip(&lines) {
        let (level, class, message) = parse(line);
        assert_eq!(e["time"].as_str().unwrap(), &line[..23]);
        assert_eq!(e["level"], level.as_str());
        assert_eq!(e["class"], class.as_str());
        assert_eq!(e["message"], message.as_str());
    }
    // clear logging empties it (its own `log cleared` is at info, below
    // the log class's notice; cli back at notice hides its sessions'
    // debug lines).
    d.ok("set logging class cli level notice");
    assert_eq!(d.ok("clear logging"), "");
    assert_eq!(d.ok("show logging"), "");
    let _ = std::fs::remove_file(&log);
}
