//! A weftd process for end-to-end tests: started inside a test's network
//! namespace with a generated startup.conf, driven through its real CLI
//! socket, stopped (SIGTERM, then SIGKILL) when the guard drops.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use weft::console::client::{Client, Reply};

use super::Netns;

/// Path of a binary of the workspace, built once per test process if it
/// is missing (`cargo test --workspace` builds it anyway).
pub fn bin(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    BUILD.call_once(|| {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(root)
            .args(["build", "-q", "-p", "weft-cli", "--bins"]);
        if profile == "release" {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo build weft-cli");
        assert!(status.success(), "building weftd/weftctl failed");
    });
    target.join(profile).join(name)
}

/// A running weftd.
#[derive(Debug)]
pub struct Weftd {
    child: Option<Child>,
    /// Its CLI socket.
    pub socket: PathBuf,
    /// Its log file.
    pub log: PathBuf,
    dir: PathBuf,
}

impl Weftd {
    /// Starts weftd in `ns` with `extra` appended to a startup.conf that
    /// sets the socket, the log and one worker; waits for the socket.
    pub fn start(ns: &Netns, tag: &str, extra: &str) -> Weftd {
        let dir = std::env::temp_dir().join(format!("weft-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("cli.sock");
        let log = dir.join("weftd.log");
        let conf = dir.join("startup.conf");
        std::fs::write(
            &conf,
            format!(
                "unix {{\n  nodaemon\n  cli-listen {}\n  log {}\n}}\n{extra}\n",
                socket.display(),
                log.display()
            ),
        )
        .unwrap();
        let mut d = Weftd {
            child: None,
            socket,
            log,
            dir,
        };
        d.spawn(ns, &conf);
        d
    }

    fn spawn(&mut self, ns: &Netns, conf: &Path) {
        let child = Command::new("ip")
            .args(["netns", "exec", ns.name()])
            .arg(bin("weftd"))
            .arg("-c")
            .arg(conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(self.dir.join("stderr")).unwrap(),
            ))
            .spawn()
            .expect("start weftd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Client::connect(&self.socket).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("weftd exited with {status}: {}", self.diagnostics());
            }
            assert!(
                Instant::now() < deadline,
                "weftd socket did not appear: {}",
                self.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Restarts weftd in `ns` with the same startup.conf (after a kill).
    pub fn restart(&mut self, ns: &Netns) {
        let conf = self.dir.join("startup.conf");
        self.spawn(ns, &conf);
    }

    /// weftd's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The log and stderr, for failure messages.
    pub fn diagnostics(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let err = std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default();
        format!("\n--- log ---\n{log}\n--- stderr ---\n{err}")
    }

    /// Runs one command through the socket.
    pub fn cli(&self, command: &str) -> Reply {
        let mut c = Client::connect(&self.socket)
            .unwrap_or_else(|e| panic!("connect: {e}{}", self.diagnostics()));
        c.execute(command)
            .unwrap_or_else(|e| panic!("{command}: {e}{}", self.diagnostics()))
    }

    /// Runs a command under `--json` that must succeed; returns its JSON.
    pub fn json(&self, command: &str) -> serde_json::Value {
        let mut c = Client::connect(&self.socket)
            .unwrap_or_else(|e| panic!("connect: {e}{}", self.diagnostics()));
        let r = c
            .execute_json(command)
            .unwrap_or_else(|e| panic!("{command}: {e}{}", self.diagnostics()));
        assert!(!r.failed, "`{command}` failed: {}", r.text);
        serde_json::from_str(&r.text).unwrap_or_else(|e| panic!("{command}: {e}: {}", r.text))
    }

    /// Waits until `show interface` and `show errors` read the same twice
    /// 100 ms apart (the last packets of a transfer, e.g. TCP's final
    /// ACKs, may still be crossing weft when the transfer returns).
    pub fn settle(&self) {
        super::bridge::settled(|| (self.ok("show interface"), self.ok("show errors")));
    }

    /// Runs a command that must succeed; returns its output.
    pub fn ok(&self, command: &str) -> String {
        let r = self.cli(command);
        assert!(
            !r.failed,
            "`{command}` failed: {}{}",
            r.text,
            self.diagnostics()
        );
        r.text
    }

    /// Runs a command that must fail; returns the error text.
    pub fn err(&self, command: &str) -> String {
        let r = self.cli(command);
        assert!(
            r.failed,
            "`{command}` should have failed, printed: {}",
            r.text
        );
        r.text
    }

    /// Sends SIGKILL and waits: no cleanup happens.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM and waits up to 10 s for a clean exit; returns the
    /// exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        // `ip netns exec` execs weftd, so the child pid is weftd's.
        let pid = nix::unistd::Pid::from_raw(c.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = c.try_wait().unwrap() {
                return Some(s);
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                let _ = c.wait();
                panic!("weftd ignored SIGTERM for 10 s{}", self.diagnostics());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Weftd {
    fn drop(&mut self) {
        // Never panics: SIGTERM, a grace period, then SIGKILL.
        if let Some(mut c) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(c.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
