//! The real weftd's `/metrics` (startup.conf `metrics { listen ... }`) on
//! the loopback, without root: series appear for what the CLI creates, and
//! a `listen` address that cannot be had stops weftd with a clear error.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::Daemon;

/// A port nothing listens on now (bound and let go).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn weftd_serves_metrics_where_told() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let d = Daemon::start("metrics", &["metrics", "{", "listen", &listen, "}"]);
    // The listener starts right after the CLI socket.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = get(port);
    while text.is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        text = get(port);
    }
    let text = text.unwrap_or_else(|e| panic!("/metrics on {listen}: {e}\n{}", d.stderr()));
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.contains("\ninterfaces_rx_packets{interface=\"local0\",index=\"0\",thread=\"1\"} 0\n"),
        "{text}"
    );
    assert!(text.contains("\nsys_num_worker_threads 1.0\n"), "{text}");
    assert!(!text.contains("loop0"), "{text}");
    assert_eq!(d.ok("create loopback interface"), "loop0\n");
    let text = get(port).unwrap();
    assert!(
        text.contains("\ninterfaces_tx_packets{interface=\"loop0\",index=\"1\",thread=\"1\"} 0\n"),
        "{text}"
    );
}

#[test]
fn a_listen_address_in_use_stops_weftd() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap();
    let dir = std::env::temp_dir().join(format!("weftd-metrics-held-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weftd"))
        .arg("--cli-listen")
        .arg(dir.join("cli.sock"))
        .args([
            "buffers",
            "{",
            "buffers-per-numa",
            "4096",
            "page-size",
            "4K",
            "}",
        ])
        .args(["metrics", "{", "listen", &addr.to_string(), "}"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "weftd: metrics listen {addr}: Address already in use (os error 98)\n"
        )),
        "{stderr}"
    );
    drop(held);
}
