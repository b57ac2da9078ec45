//! Helpers for weft-pktgen's privileged tests: the same `privileged()` and
//! `Netns` guard as the root package's `tests/common/mod.rs` (which this
//! crate cannot reach), plus what these tests need (IPv6 off in each
//! namespace, so that nothing but the test's own frames crosses the links).
#![allow(dead_code)]

use std::process::{Command, Output};

/// True if the calling test may use root and network namespaces.
///
/// # Panics
///
/// If it may not and `WEFT_SKIP_PRIVILEGED=1` is not set.
pub fn privileged(test: &str) -> bool {
    let root = nix::unistd::Uid::effective().is_root();
    let netns = root
        && Command::new("ip")
            .args(["netns", "list"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if root && netns {
        return true;
    }
    let why = if root {
        "`ip netns` does not work here (is iproute2 installed?)"
    } else {
        "the test needs root"
    };
    if std::env::var("WEFT_SKIP_PRIVILEGED").as_deref() == Ok("1") {
        // The workspace's target directory, where scripts/test.sh looks.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/weft-skipped-privileged.txt"
        );
        let line = format!("{test}: {why}\n");
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
        eprintln!("SKIPPED (WEFT_SKIP_PRIVILEGED=1): {line}");
        return false;
    }
    panic!(
        "{test}: {why}. Run the suite as root (scripts/test.sh), or set \
         WEFT_SKIP_PRIVILEGED=1 to skip privileged tests (they are then reported as skipped)"
    );
}

/// Runs a command, panicking with its output if it fails.
pub fn run(cmd: &[&str]) -> Output {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A network namespace owned by one test, deleted by exact name on Drop
/// (also when the test fails).
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates `weft-<prefix>-<pid>` with its loopback up and IPv6 off.
    pub fn new(prefix: &str) -> Netns {
        let name = format!("weft-{prefix}-{}", std::process::id());
        // A namespace of this exact name can only be left over from a
        // crashed run of this same test in a process with the same pid.
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        run(&["ip", "netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        // No router solicitations or MLD reports on the test links.
        ns.exec_ok(&[
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ]);
        ns
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `ip -n <ns> <args>`, panicking on failure.
    pub fn ip(&self, args: &[&str]) -> Output {
        let mut cmd = vec!["ip", "-n", &self.name];
        cmd.extend_from_slice(args);
        run(&cmd)
    }

    /// A `Command` running `cmd` inside the namespace.
    pub fn command(&self, cmd: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).args(cmd);
        c
    }

    /// Runs a command inside the namespace, panicking on failure.
    pub fn exec_ok(&self, cmd: &[&str]) -> Output {
        let out = self
            .command(cmd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?} in {}: {e}", self.name));
        assert!(
            out.status.success(),
            "{cmd:?} in {} failed: {}{}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Moves the calling thread into the namespace until the guard drops.
    pub fn enter(&self) -> Entered {
        let path = format!("/run/netns/{}", self.name);
        let target = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let back = std::fs::File::open("/proc/thread-self/ns/net").expect("own netns");
        nix::sched::setns(&target, nix::sched::CloneFlags::CLONE_NEWNET)
            .unwrap_or_else(|e| panic!("setns {path}: {e}"));
        Entered { back }
    }

    /// The MAC address of `dev`.
    pub fn mac(&self, dev: &str) -> String {
        let out = self.ip(&["-o", "link", "show", dev]);
        String::from_utf8_lossy(&out.stdout)
            .split("link/ether ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("no MAC for {dev}"))
            .to_string()
    }

    /// Whether an XDP program is attached to `dev`.
    pub fn has_xdp(&self, dev: &str) -> bool {
        let out = self.ip(&["-d", "link", "show", dev]);
        String::from_utf8_lossy(&out.stdout).contains("prog/xdp")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// The calling thread is inside a [`Netns`]; dropping returns it.
#[derive(Debug)]
pub struct Entered {
    back: std::fs::File,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let _ = nix::sched::setns(&self.back, nix::sched::CloneFlags::CLONE_NEWNET);
    }
}

/// Creates a veth pair with one end in each namespace, both up.
pub fn veth(a: &Netns, a_name: &str, b: &Netns, b_name: &str) {
    a.ip(&[
        "link",
        "add",
        a_name,
        "type",
        "veth",
        "peer",
        "name",
        b_name,
        "netns",
        b.name(),
    ]);
    a.ip(&["link", "set", a_name, "up"]);
    b.ip(&["link", "set", b_name, "up"]);
}

/// A child process killed (by its own pid) and reaped on Drop, so a failed
/// test leaves no busy-polling reflector behind.
#[derive(Debug)]
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
