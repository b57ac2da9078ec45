//! weftctl's interactive console under a pseudo-terminal, against the real
//! weftd: the prompt, commands, history recall with Up-arrow, TAB
//! completion, `?` help, VPP's error messages, `quit` and Ctrl-D (status
//! 0), the history file, the daemon going away (status 2). No root needed:
//! no interface is attached.
//!
//! The pty is driven with rexpect; ANSI escape sequences (rustyline's
//! redraws, bracketed paste) are stripped from what is read, so the
//! expectations below see plain text (and carriage returns).

use std::path::PathBuf;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};
mod common;

use common::Daemon;

/// Per-expectation timeout: generous, the machine is slow and shared.
const TIMEOUT_MS: u64 = 5_000;
const PROMPT: &str = "weft# ";
const UP: &str = "\x1b[A";

/// weftctl on a pty against the shared daemon fixture.
trait Console {
    fn home(&self) -> PathBuf;
    fn console(&self) -> PtySession;
}

impl Console for Daemon {
    /// The home directory given to weftctl (for its history file).
    fn home(&self) -> PathBuf {
        let home = self.dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        home
    }

    /// weftctl's console on a fresh pty, once its first prompt is shown.
    fn console(&self) -> PtySession {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weftctl"));
        cmd.arg("-s").arg(&self.socket).env("HOME", self.home());
        on_pty(cmd, PROMPT)
    }
}

/// Runs `cmd` on a fresh pty (as an xterm: a terminal rustyline fully
/// supports, whatever the test runs under), once `prompt` is shown.
fn on_pty(mut cmd: Command, prompt: &str) -> PtySession {
    cmd.env("TERM", "xterm");
    let options = Options::new()
        .timeout_ms(Some(TIMEOUT_MS))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(cmd, options).unwrap();
    p.exp_string(prompt).unwrap();
    p
}

/// Types `line` and Enter, then returns what is printed after the echoed
/// line, up to the next prompt.
fn run(p: &mut PtySession, line: &str) -> String {
    run_to(p, line, PROMPT)
}

/// As [`run`], up to `prompt`.
fn run_to(p: &mut PtySession, line: &str, prompt: &str) -> String {
    p.send_line(line).unwrap();
    // The line is echoed as typed; the output follows it.
    p.exp_string(line).unwrap();
    p.exp_string(prompt).unwrap()
}

/// Waits for weftctl to close the terminal and exit; returns its status.
fn exit_code(mut p: PtySession) -> i32 {
    p.exp_eof().unwrap();
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("weftctl did not exit: {other:?}"),
    }
}

#[test]
fn commands_history_errors_and_quit() {
    let d = Daemon::start("console-commands", &[]);
    let mut p = d.console();

    let out = run(&mut p, "create loopback interface");
    assert_eq!(out.trim(), "loop0", "{out:?}");

    // Up-arrow brings back the previous command; Enter runs it again.
    p.send(UP).unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("{PROMPT}create loopback interface"))
        .unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    let out = p.exp_string(PROMPT).unwrap();
    assert_eq!(out.trim(), "loop1", "{out:?}");

    let out = run(&mut p, "show interface");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert!(rows.contains(&vec!["loop0", "1", "down"]), "{out:?}");
    assert!(rows.contains(&vec!["loop1", "2", "down"]), "{out:?}");

    // Further back: Up twice skips `show interface`.
    p.send(UP).unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("{PROMPT}show interface")).unwrap();
    p.send(UP).unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("{PROMPT}create loopback interface"))
        .unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    let out = p.exp_string(PROMPT).unwrap();
    assert_eq!(out.trim(), "loop2", "{out:?}");

    // VPP's error message, and the console goes on.
    let out = run(&mut p, "show frobnicate");
    assert_eq!(out.trim(), "show: unknown input `frobnicate'", "{out:?}");
    assert!(
        out.ends_with("`frobnicate'\r\n\r"),
        "on its own line: {out:?}"
    );
    let out = run(&mut p, "show interface");
    assert!(out.contains("loop2"), "{out:?}");

    p.send_line("quit").unwrap();
    assert_eq!(exit_code(p), 0, "`quit` leaves with status 0");
    let history = std::fs::read_to_string(d.home().join(".weft_history")).unwrap();
    assert!(
        history.contains("create loopback interface") && history.contains("show frobnicate"),
        "{history:?}"
    );
    assert!(!d.stderr().contains("panic"), "{}", d.stderr());
}

#[test]
fn tab_completion_and_help() {
    let d = Daemon::start("console-complete", &[]);
    let mut p = d.console();
    let out = run(
        &mut p,
        "create vxlan tunnel src 10.99.5.1 dst 10.99.5.2 vni 11",
    );
    assert_eq!(out.trim(), "vxlan_tunnel0", "{out:?}");

    // A unique word is completed with a space after it; the line is redrawn.
    p.send("sh\t").unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("{PROMPT}show ")).unwrap();
    p.send("vx\t").unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("{PROMPT}show vxlan ")).unwrap();

    // `?` lists what can come next with its help, then gives the line back.
    p.send("?").unwrap();
    p.flush().unwrap();
    let out = p.exp_string(&format!("{PROMPT}show vxlan ")).unwrap();
    assert_eq!(
        out.trim_matches(['\r', '\n']),
        "  fastpath      show vxlan fastpath\r\n  tunnel        show vxlan tunnel [raw]\r\n  xdp-fastpath  show vxlan xdp-fastpath",
        "{out:?}"
    );
    // The line given back is the one that runs: `show vxlan tunnel`.
    let out = run(&mut p, "tunnel");
    assert_eq!(
        out.trim(),
        "[0] instance 0 src 10.99.5.1 dst 10.99.5.2 src_port 4789 dst_port 4789 vni 11 fib-idx 0 sw-if-idx 1 encap-dpo-idx 0",
        "{out:?}"
    );

    // `?` after `show `: every next word, each with its help.
    p.send("show ?").unwrap();
    p.flush().unwrap();
    let out = p.exp_string(&format!("{PROMPT}show ")).unwrap();
    let listed: Vec<(&str, &str)> = out
        .lines()
        .filter_map(|l| l.trim().split_once("  "))
        .map(|(w, h)| (w, h.trim()))
        .collect();
    assert!(
        listed.contains(&(
            "interface",
            "show interface [address|addr] [<interface> [<interface> [..]]]"
        )),
        "{out:?}"
    );
    assert!(
        listed.contains(&("vxlan", "show vxlan commands")),
        "{out:?}"
    );
    assert!(
        listed.contains(&("version", "show version [verbose] [cmdline]")),
        "{out:?}"
    );

    // TAB on an ambiguous point rings the bell; a second TAB lists the
    // candidates (words only) and redraws the line.
    p.send("\t").unwrap();
    p.flush().unwrap();
    p.exp_char('\x07').unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    let out = p.exp_string(&format!("{PROMPT}show ")).unwrap();
    let words: Vec<&str> = out.split_whitespace().collect();
    for w in ["interface", "vxlan", "version"] {
        assert!(words.contains(&w), "{w}: {out:?}");
    }
    assert!(
        !out.contains("show vxlan commands"),
        "no help on TAB: {out:?}"
    );

    // Finish the line by completion and run it.
    p.send("ver\t").unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("{PROMPT}show version ")).unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    let out = p.exp_string(PROMPT).unwrap();
    assert!(out.trim().starts_with("weft v"), "{out:?}");

    // Ctrl-D on an empty line leaves, with status 0 too.
    p.send_control('d').unwrap();
    assert_eq!(exit_code(p), 0, "Ctrl-D leaves with status 0");
}

#[test]
fn daemon_gone_ends_the_console_with_status_2() {
    let mut d = Daemon::start("console-gone", &[]);
    let mut p = d.console();
    let out = run(&mut p, "create loopback interface");
    assert_eq!(out.trim(), "loop0", "{out:?}");
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    p.send_line("show interface").unwrap();
    p.exp_string("weftctl: ").unwrap();
    assert_eq!(exit_code(p), 2, "connection trouble");
}

/// weftd with `unix { interactive }` runs the same console on its own
/// terminal with its `cli-prompt`: commands work, and `quit` (or Ctrl-D)
/// stops weftd cleanly (status 0, socket removed), as VPP stops when its
/// stdin session ends.
#[test]
fn weftd_interactive_console_on_its_own_terminal() {
    for (leave, prompt_conf, prompt) in [
        ("quit", None, PROMPT),
        ("ctrl-d", Some("edge1#"), "edge1# "),
    ] {
        let dir =
            std::env::temp_dir().join(format!("weftd-interactive-{leave}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("cli.sock");
        let log = dir.join("weftd.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weftd"));
        cmd.arg("--cli-listen")
            .arg(&socket)
            .args(["unix", "{", "interactive", "log"])
            .arg(&log);
        if let Some(p) = prompt_conf {
            cmd.args(["cli-prompt", p]);
        }
        cmd.args(["}", "buffers", "{", "buffers-per-numa", "4096"])
            .args(["page-size", "4K", "}"])
            .env("HOME", &dir);
        let mut p = on_pty(cmd, prompt);
        let out = run_to(&mut p, "create loopback interface", prompt);
        assert_eq!(out.trim(), "loop0", "{out:?}");
        let out = run_to(&mut p, "show interface address", prompt);
        assert!(out.contains("loop0 (dn):"), "{out:?}");
        // The socket serves other clients meanwhile, on the same state.
        let other = console::client::Client::connect(&socket)
            .unwrap()
            .execute("show interface address")
            .unwrap();
        assert_eq!(other.text, "local0 (dn):\nloop0 (dn):\n");
        if leave == "quit" {
            p.send_line("quit").unwrap();
        } else {
            p.send_control('d').unwrap();
        }
        assert_eq!(exit_code(p), 0, "{leave}");
        assert!(!socket.exists(), "{leave}: socket removed");
        let log = std::fs::read_to_string(&log).unwrap();
        assert!(log.contains("SIGTERM: shutting down"), "{log}");
        assert!(log.contains("weftd stopped"), "{log}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
