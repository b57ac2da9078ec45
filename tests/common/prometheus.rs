//! A real Prometheus server for end-to-end tests (Debian's `prometheus`):
//! started inside a test's network namespace with a generated
//! configuration that scrapes weftd's `/metrics` every second, queried
//! through its HTTP API (`/api/v1/query`), killed and its storage removed
//! when the guard drops, even when the test fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Netns;

/// `GET http://<addr><path>` from inside `ns` (on a thread of its own, so
/// the caller's namespace is untouched); returns (status code, body).
pub fn http_get(ns: &Netns, addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let _inside = ns.enter();
            let mut c = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
            c.set_read_timeout(Some(Duration::from_secs(10)))?;
            write!(
                c,
                "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )?;
            let mut out = String::new();
            c.read_to_string(&mut out)?;
            let (head, body) = out
                .split_once("\r\n\r\n")
                .ok_or_else(|| std::io::Error::other(format!("no response head: {out:?}")))?;
            let code = head
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| std::io::Error::other(format!("bad status line: {head:?}")))?;
            Ok((code, body.to_string()))
        })
        .join()
        .expect("http_get thread")
    })
}

/// Percent-encodes a query-string value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A running Prometheus server.
#[derive(Debug)]
pub struct Prometheus<'a> {
    ns: &'a Netns,
    child: Child,
    dir: PathBuf,
    /// Where its HTTP API listens (inside `ns`).
    pub addr: SocketAddr,
}

impl<'a> Prometheus<'a> {
    /// Whether the `prometheus` and `promtool` binaries are installed.
    pub fn installed() -> bool {
        ["prometheus", "promtool"].iter().all(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    }

    /// Starts Prometheus in `ns`, listening on `addr` and scraping
    /// `target` (`host:port`, `/metrics`) every second; waits until it is
    /// ready.
    pub fn start(ns: &'a Netns, tag: &str, addr: SocketAddr, target: &str) -> Prometheus<'a> {
        assert!(
            Prometheus::installed(),
            "prometheus/promtool missing: apt-get install prometheus (scripts/test.sh installs it)"
        );
        let dir = std::env::temp_dir().join(format!("weft-prom-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("prometheus.yml");
        std::fs::write(
            &conf,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: weftd\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", ns.name(), "prometheus"])
            .arg(format!("--config.file={}", conf.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let mut p = Prometheus {
            ns,
            child,
            dir,
            addr,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = p.child.try_wait().unwrap() {
                panic!("prometheus exited with {status}: {}", p.log());
            }
            if matches!(http_get(ns, addr, "/-/ready"), Ok((200, _))) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "prometheus not ready: {}",
                p.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        p
    }

    /// Its log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// `GET /api/v1/query?query=<promql>`: the result vector as
    /// (labels, value) pairs, sorted by labels.
    pub fn query(&self, promql: &str) -> Vec<(serde_json::Value, f64)> {
        let (code, body) = http_get(
            self.ns,
            self.addr,
            &format!("/api/v1/query?query={}", encode(promql)),
        )
        .unwrap_or_else(|e| panic!("query {promql}: {e}"));
        assert_eq!(code, 200, "query {promql}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON from Prometheus");
        assert_eq!(v["status"], "success", "{body}");
        assert_eq!(v["data"]["resultType"], "vector", "{body}");
        let mut out: Vec<_> = v["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let value = r["value"][1].as_str().unwrap().parse().unwrap();
                (r["metric"].clone(), value)
            })
            .collect();
        out.sort_by_key(|(l, _)| l.to_string());
        out
    }

    /// The one value `promql` returns, or `None` while it returns nothing.
    pub fn scalar(&self, promql: &str) -> Option<f64> {
        let r = self.query(promql);
        assert!(r.len() <= 1, "{promql}: {r:?}");
        r.first().map(|(_, v)| *v)
    }
}

impl Drop for Prometheus<'_> {
    fn drop(&mut self) {
        // `ip netns exec` execs prometheus: the child is prometheus itself.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `promtool check metrics` on `text`: its complaints (empty when clean)
/// and whether it exited 0.
pub fn promtool_check_metrics(text: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
