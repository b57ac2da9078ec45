//! A weftd started for one test, without root (no interface attached): its
//! own socket in a temp directory, a small pool on normal pages.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use console::client::Client;

/// A running weftd; killed and its directory removed on drop.
pub struct Daemon {
    pub child: Child,
    pub dir: PathBuf,
    pub socket: PathBuf,
}

impl Daemon {
    pub fn start(tag: &str, extra_args: &[&str]) -> Daemon {
        let dir = std::env::temp_dir().join(format!("weftd-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("cli.sock");
        let child = Command::new(env!("CARGO_BIN_EXE_weftd"))
            .arg("--cli-listen")
            .arg(&socket)
            .args(extra_args)
            .args([
                "buffers",
                "{",
                "buffers-per-numa",
                "4096",
                "page-size",
                "4K",
                "}",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .unwrap();
        let mut d = Daemon { child, dir, socket };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Client::connect(&d.socket).is_err() {
            if let Some(s) = d.child.try_wait().unwrap() {
                panic!("weftd exited {s}: {}", d.stderr());
            }
            assert!(Instant::now() < deadline, "no socket: {}", d.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    pub fn run(&self, cmd: &str) -> Result<String, String> {
        let r = Client::connect(&self.socket).unwrap().execute(cmd).unwrap();
        if r.failed { Err(r.text) } else { Ok(r.text) }
    }

    pub fn ok(&self, cmd: &str) -> String {
        self.run(cmd)
            .unwrap_or_else(|e| panic!("`{cmd}` failed: {e}"))
    }

    pub fn err(&self, cmd: &str) -> String {
        match self.run(cmd) {
            Ok(t) => panic!("`{cmd}` succeeded: {t}"),
            Err(e) => e.trim_end().to_string(),
        }
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "SIGTERM ignored");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
