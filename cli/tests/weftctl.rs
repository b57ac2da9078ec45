//! weftctl end to end: the built binary against a CLI server (with a fake
//! executor) running in the test process.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use console::client::Client;
use console::{Executor, Server, ServerHandle};

/// `show version`, `echo <text>`, `fail`; anything else is VPP's
/// ``unknown input `<rest>'``. `--json` requests answer `{"json":…}`.
/// Counts the commands it ran.
#[derive(Default)]
struct Fake(AtomicUsize);

impl Executor for Fake {
    fn execute(&self, line: &str) -> Result<String, String> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["show", "version"] => Ok("weft 0.1.0 (fake)".into()),
            ["echo", ..] => Ok(line["echo".len()..].trim().to_string()),
            ["fail"] => Err("fail: it failed".into()),
            _ => {
                let cut: String = line.chars().take(30).collect();
                Err(format!("unknown input `{}'", cut.trim_end()))
            }
        }
    }

    fn complete(&self, prefix: &str) -> Vec<(String, String)> {
        let words: &[(&str, &str)] = match prefix {
            "" => &[("show", "Show commands"), ("echo", "Print")],
            "show" => &[("version", "Show version"), ("verbose", "Verbose")],
            _ => &[],
        };
        words
            .iter()
            .map(|(w, h)| (w.to_string(), h.to_string()))
            .collect()
    }

    fn execute_json(&self, line: &str) -> Result<String, String> {
        self.execute(line)
            .map(|text| format!("{{\"json\":{text:?}}}"))
    }
}

struct Fixture {
    dir: PathBuf,
    server: Option<ServerHandle>,
    fake: Arc<Fake>,
}

impl Fixture {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "weftctl-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let fake = Arc::new(Fake::default());
        let server = Server::bind(&dir.join("cli.sock"), None, "weft# ".into())
            .unwrap()
            .spawn(fake.clone())
            .unwrap();
        Fixture {
            dir,
            server: Some(server),
            fake,
        }
    }

    /// How many commands the server ran.
    fn executed(&self) -> usize {
        self.fake.0.load(Ordering::SeqCst)
    }

    fn sock(&self) -> PathBuf {
        self.dir.join("cli.sock")
    }

    fn weftctl(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weftctl"))
            .arg("-s")
            .arg(self.sock())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    fn script(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn one_shot_success_exits_0() {
    let f = Fixture::new();
    let out = f.weftctl(&["show", "version"], b"");
    assert_eq!(text(&out.stdout), "weft 0.1.0 (fake)\n");
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn one_shot_failure_exits_1() {
    let f = Fixture::new();
    let out = f.weftctl(&["show", "bogus"], b"");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "unknown input `show bogus'\n");
    assert_eq!(out.status.code(), Some(1));

    let out = f.weftctl(&["fail"], b"");
    assert_eq!(text(&out.stderr), "fail: it failed\n");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn one_shot_words_with_hyphens_are_the_command() {
    let f = Fixture::new();
    let out = f.weftctl(&["echo", "-x", "--json"], b"");
    assert_eq!(text(&out.stdout), "-x --json\n");
    assert_eq!(out.status.code(), Some(0));
}

/// An unknown option before the command is a usage error, as it is for
/// weftd: exit status 2, clap's message, and nothing is sent to the daemon
/// (weftctl used to run `--bogus` as a command: `unknown input`, status 1).
#[test]
fn unknown_option_before_the_command_is_a_usage_error() {
    let f = Fixture::new();
    for (args, bad) in [
        (&["--bogus"][..], "--bogus"),
        (&["--bogus", "show", "version"], "--bogus"),
        (&["-x"], "-x"),
        (&["--json", "--bogus"], "--bogus"),
    ] {
        let out = f.weftctl(args, b"");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("error: unexpected argument '{bad}' found")),
            "{args:?}: {err}"
        );
        assert!(err.contains("Usage: weftctl"), "{args:?}: {err}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
    }
    assert_eq!(f.executed(), 0, "nothing reached the daemon");
    // After `--` a word with a dash is the command.
    let out = f.weftctl(&["--", "--bogus"], b"");
    assert_eq!(text(&out.stderr), "unknown input `--bogus'\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(f.executed(), 1);
}

#[test]
fn version_prints_the_build_information() {
    let out = Command::new(env!("CARGO_BIN_EXE_weftctl"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let info = buildinfo::build_info!();
    assert_eq!(
        buildinfo::without_date(text(&out.stdout)),
        buildinfo::without_date(&format!("weftctl {}\n", info.clap_long_version()))
    );
    assert_ne!(info.date, "unknown");
    assert!(info.compiler.starts_with("rustc "), "{}", info.compiler);
}

#[test]
fn json_flag_sends_json_requests() {
    let f = Fixture::new();
    let out = f.weftctl(&["--json", "show", "version"], b"");
    assert_eq!(text(&out.stdout), "{\"json\":\"weft 0.1.0 (fake)\"}\n");
    assert_eq!(out.status.code(), Some(0));
    let out = f.weftctl(&["--json", "fail"], b"");
    assert_eq!(out.status.code(), Some(1));
    // A script under --json: its error is one JSON line with the place.
    let path = f.script("j.cli", "echo a\nfail\necho never\n");
    let out = f.weftctl(&["--json", "exec", path.to_str().unwrap()], b"");
    assert_eq!(text(&out.stdout), "{\"json\":\"a\"}\n");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err,
        serde_json::json!({"error": "fail: it failed", "file": path.to_str().unwrap(), "line": 2})
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exec_stops_at_first_failure_with_line_number() {
    let f = Fixture::new();
    let path = f.script(
        "setup.cli",
        "# a comment\n\
         echo one\n\
         \n\
         show version\n\
         \x20 # indented comment\n\
         show bogus words\n\
         echo never\n",
    );
    let out = f.weftctl(&["exec", path.to_str().unwrap()], b"");
    assert_eq!(text(&out.stdout), "one\nweft 0.1.0 (fake)\n");
    assert_eq!(
        text(&out.stderr),
        format!("{}:6: unknown input `show bogus words'\n", path.display())
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exec_all_good_exits_0() {
    let f = Fixture::new();
    let path = f.script("ok.cli", "echo a\r\necho b\n# done\n");
    let out = f.weftctl(&["exec", path.to_str().unwrap()], b"");
    assert_eq!(text(&out.stdout), "a\nb\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn exec_missing_file_exits_2() {
    let f = Fixture::new();
    let out = f.weftctl(&["exec", "/nonexistent/file.cli"], b"");
    assert!(text(&out.stderr).contains("/nonexistent/file.cli"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn commands_on_stdin_when_not_a_terminal() {
    let f = Fixture::new();
    let out = f.weftctl(&[], b"echo x\nfail\necho y\n");
    assert_eq!(text(&out.stdout), "x\n");
    assert_eq!(text(&out.stderr), "<stdin>:2: fail: it failed\n");
    assert_eq!(out.status.code(), Some(1));
    let out = f.weftctl(&["exec", "-"], b"echo z\n");
    assert_eq!(text(&out.stdout), "z\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn no_daemon_exits_2() {
    let dir = std::env::temp_dir().join(format!("weftctl-none-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_weftctl"))
        .arg("-s")
        .arg(dir.join("cli.sock"))
        .args(["show", "version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("weftctl: cannot connect to ") && err.contains("is weftd running?"),
        "{err}"
    );
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_weftctl"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "-s, --socket <SOCKET>",
        "/run/weft/cli.sock",
        "--json",
        "exec <file>",
        "Exit status",
        "-h, --help",
        "-V, --version",
        "[default: off]",
        "Examples:",
        "weftctl --json show interface",
        "Files:",
        "/etc/weft/startup.conf",
        "~/.weft_history",
        "2  usage error",
        "See also:",
        "weftd(8)",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn client_library_completion_and_quit() {
    let f = Fixture::new();
    let mut c = Client::connect(&f.sock()).unwrap();
    let words = c.complete("show").unwrap();
    assert_eq!(
        words,
        [
            ("version".to_string(), "Show version".to_string()),
            ("verbose".to_string(), "Verbose".to_string())
        ]
    );
    assert_eq!(c.complete("").unwrap().len(), 2);
    assert!(c.complete("nothing here").unwrap().is_empty());
    let r = c.execute("show version").unwrap();
    assert!(!r.failed);
    assert_eq!(r.text, "weft 0.1.0 (fake)\n");
    assert!(c.execute("a\nb").is_err());
    // `quit` as a command is handled locally, the session stays usable.
    assert_eq!(c.execute("quit").unwrap().text, "");
    assert!(c.execute("fail").unwrap().failed);
    c.quit().unwrap();
}

#[test]
fn client_reports_refusal_text() {
    let dir = std::env::temp_dir().join(format!("weftctl-limit-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let sock = dir.join("cli.sock");
    let server = Server::bind(&sock, None, "weft# ".into())
        .unwrap()
        .max_sessions(1)
        .spawn(Arc::new(Fake::default()))
        .unwrap();
    let first = Client::connect(&sock).unwrap();
    // A root client (this test, run as root) also gets the slot kept for
    // root (console::server::ROOT_RESERVE).
    let reserved = nix::unistd::Uid::effective()
        .is_root()
        .then(|| Client::connect(&sock).unwrap());
    let err = Client::connect(&sock).unwrap_err();
    assert!(err.to_string().contains("too many CLI sessions"), "{err}");
    first.quit().unwrap();
    if let Some(r) = reserved {
        r.quit().unwrap();
    }
    server.shutdown();
    let _ = fs::remove_dir_all(&dir);
    assert!(!Path::new(&sock).exists());
}
