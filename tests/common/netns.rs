//! Network namespaces for privileged tests: [`privileged`], the [`Netns`]
//! guard, veth pairs, and a [`Child`] guard. Shared by the root package's
//! tests (`tests/common/mod.rs`) and weft-pktgen's
//! (`pktgen/tests/common/mod.rs`, through `#[path]`).

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
        // In the workspace's target directory, where scripts/test.sh looks
        // (the including crate may be the root package or a member).
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .find(|d| d.join("Cargo.lock").exists())
            .unwrap_or(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
            .join("target/weft-skipped-privileged.txt");
        let line = format!("{test}: {why}\n");
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
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

/// A network namespace owned by one test.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates `weft-<prefix>-<pid>` with its loopback up. The prefix names
    /// the test, so two tests never share a namespace.
    pub fn new(prefix: &str) -> Netns {
        let name = format!("weft-{prefix}-{}", std::process::id());
        // A namespace of this exact name can only be left over from a
        // crashed run of this same test in a process with the same pid.
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        run(&["ip", "netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
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

    /// Turns IPv6 off in the namespace, so that no router solicitation or
    /// MLD report crosses the test's links.
    pub fn disable_ipv6(&self) {
        self.exec_ok(&[
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ]);
    }

    /// A `Command` running `cmd` inside the namespace.
    pub fn command(&self, cmd: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).args(cmd);
        c
    }

    /// Runs a command inside the namespace, returning its output whatever
    /// its exit status.
    pub fn exec(&self, cmd: &[&str]) -> Output {
        self.command(cmd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?} in {}: {e}", self.name))
    }

    /// Runs a command inside the namespace, panicking on failure.
    pub fn exec_ok(&self, cmd: &[&str]) -> Output {
        let out = self.exec(cmd);
        assert!(
            out.status.success(),
            "{cmd:?} in {} failed: {}{}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The MAC address of `dev`.
    pub fn mac(&self, dev: &str) -> String {
        let out = self.ip(&["-o", "link", "show", "dev", dev]);
        let text = String::from_utf8_lossy(&out.stdout);
        text.split("link/ether ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no MAC for {dev} in {}: {text}", self.name))
    }

    /// Whether an XDP program is attached to `dev`.
    pub fn has_xdp(&self, dev: &str) -> bool {
        let out = self.ip(&["-d", "link", "show", "dev", dev]);
        String::from_utf8_lossy(&out.stdout).contains("prog/xdp")
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

/// As [`veth`], with one receive and one transmit queue on each end. A
/// veth has one queue per CPU by default and receives a frame on the queue
/// its sender's CPU picked, so a test that opens an AF_XDP socket on queue
/// 0 only (weftd opens every queue) would miss the frames that land on
/// another queue: weft's program sends those to the kernel.
pub fn veth_single_queue(a: &Netns, a_name: &str, b: &Netns, b_name: &str) {
    a.ip(&[
        "link",
        "add",
        a_name,
        "numtxqueues",
        "1",
        "numrxqueues",
        "1",
        "type",
        "veth",
        "peer",
        "name",
        b_name,
        "numtxqueues",
        "1",
        "numrxqueues",
        "1",
        "netns",
        b.name(),
    ]);
    a.ip(&["link", "set", a_name, "up"]);
    b.ip(&["link", "set", b_name, "up"]);
}

/// A child process killed (by its own pid) and reaped on Drop, so a failed
/// test leaves no busy-polling process behind.
#[derive(Debug)]
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
