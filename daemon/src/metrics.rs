//! weftd's `/metrics` endpoint (startup.conf `metrics { listen ... }`):
//! a small HTTP/1.x server on its own thread, as VPP's
//! `vpp_prometheus_export` is one, serving [`control::metrics::Scrape`].
//!
//! Each request is answered and the connection closed (`Connection:
//! close`, as VPP's exporter does). `GET /metrics` takes the control-plane
//! lock only to copy the counters out (the workers never take that lock,
//! and their counters are read with relaxed loads), then encodes without
//! it. At most [`MAX_CLIENTS`] requests are served at once, each on its
//! own short-lived thread with read and write timeouts, so a client that
//! connects and sends nothing holds one slot for at most
//! [`READ_TIMEOUT`] and cannot keep Prometheus out.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use control::cli::State;
use control::metrics::{CONTENT_TYPE, Scrape};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// Requests served at once; a connection beyond them is closed unanswered.
pub const MAX_CLIENTS: usize = 8;
/// How long a client may take to send its request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to read the answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest request head read (request line and headers).
const MAX_HEAD: usize = 8192;
/// How often the accept loop looks at its stop flag.
const STOP_CHECK_MS: u16 = 200;

/// The page at `/`, as VPP's exporter serves it.
const ROOT_PAGE: &str = "<html><head><title>Metrics exporter</title></head><body><ul><li><a href=\"/metrics\">metrics</a></li></ul></body></html>";
/// The page of any other path, as VPP's exporter serves it.
const NOT_FOUND_PAGE: &str = "<html><head><title>Document not found</title></head><body><h1>404 - Document not found</h1></body></html>";

/// The running endpoint; [`MetricsServer::shutdown`] stops it.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Listens on `addr` (in the caller's network namespace) and serves
    /// scrapes of `state` from a thread of its own.
    pub fn spawn(addr: SocketAddr, state: Arc<Mutex<State>>) -> std::io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("weft_metrics".into())
            .spawn(move || serve(&listener, &state, &flag))?;
        Ok(MetricsServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens (the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits for the accept loop to end (requests in
    /// flight finish on their own threads).
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(listener: &TcpListener, state: &Arc<Mutex<State>>, stop: &AtomicBool) {
    let busy = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(STOP_CHECK_MS)) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => {}
            Err(e) => {
                log::error!("metrics: poll: {e}; /metrics is off");
                return;
            }
        }
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => {
                log::warn!("metrics: accept: {e}");
                continue;
            }
        };
        if busy.fetch_add(1, Ordering::Relaxed) >= MAX_CLIENTS {
            busy.fetch_sub(1, Ordering::Relaxed);
            log::warn!("metrics: {MAX_CLIENTS} requests in progress; connection closed");
            continue;
        }
        let (state, busy2) = (state.clone(), busy.clone());
        let spawned = std::thread::Builder::new()
            .name("weft_metrics_req".into())
            .spawn(move || {
                if let Err(e) = answer(stream, &state) {
                    log::debug!("metrics: request: {e}");
                }
                busy2.fetch_sub(1, Ordering::Relaxed);
            });
        if let Err(e) = spawned {
            busy.fetch_sub(1, Ordering::Relaxed);
            log::warn!("metrics: cannot start a request thread: {e}");
        }
    }
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    /// `GET` (or `HEAD`: `body` false) of a path, query string removed.
    Get { path: String, body: bool },
    /// Another method.
    Method,
    /// Not an HTTP/1.x request line.
    Bad,
}

/// Reads a request line from `head` (the bytes up to the blank line).
fn parse_request(head: &[u8]) -> Request {
    let Some(line) = head
        .split(|&b| b == b'\n')
        .next()
        .and_then(|l| std::str::from_utf8(l).ok())
    else {
        return Request::Bad;
    };
    let mut words = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Request::Bad;
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Request::Bad;
    }
    let path = target.split('?').next().unwrap_or(target).to_string();
    match method {
        "GET" => Request::Get { path, body: true },
        "HEAD" => Request::Get { path, body: false },
        _ => Request::Method,
    }
}

/// Reads the request head (up to the blank line) within [`MAX_HEAD`]
/// bytes and [`READ_TIMEOUT`] in all; `None` if the client closed, sent
/// too much or took too long.
fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let deadline = std::time::Instant::now() + READ_TIMEOUT;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        stream.set_read_timeout(Some(left))?;
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Ok(Some(head));
        }
        if let Some(end) = head.windows(2).position(|w| w == b"\n\n") {
            head.truncate(end);
            return Ok(Some(head));
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

fn answer(mut stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let Some(head) = read_head(&mut stream)? else {
        return respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            "bad request\n",
            true,
        );
    };
    match parse_request(&head) {
        Request::Bad => respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            "bad request\n",
            true,
        ),
        Request::Method => respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            "only GET\n",
            true,
        ),
        Request::Get { path, body } => match path.as_str() {
            "/metrics" => {
                let scrape = Scrape::collect(&control::cli::exec::lock(state));
                let text = scrape.encode();
                respond(&mut stream, "200 OK", CONTENT_TYPE, &text, body)
            }
            "/" => respond(&mut stream, "200 OK", "text/html", ROOT_PAGE, body),
            _ => respond(
                &mut stream,
                "404 Not Found",
                "text/html",
                NOT_FOUND_PAGE,
                body,
            ),
        },
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    text: &str,
    body: bool,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
        text.len(),
        if status.starts_with("405") {
            "Allow: GET, HEAD\r\n"
        } else {
            ""
        }
    );
    if body {
        out.push_str(text);
    }
    stream.write_all(out.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let get = |p: &str, body| Request::Get {
            path: p.into(),
            body,
        };
        assert_eq!(
            parse_request(b"GET /metrics HTTP/1.1\r\nHost: x"),
            get("/metrics", true)
        );
        assert_eq!(
            parse_request(b"GET /metrics?x=1 HTTP/1.0"),
            get("/metrics", true)
        );
        assert_eq!(parse_request(b"HEAD / HTTP/1.1"), get("/", false));
        assert_eq!(parse_request(b"POST /metrics HTTP/1.1"), Request::Method);
        assert_eq!(parse_request(b"GET /metrics"), Request::Bad);
        assert_eq!(parse_request(b"GET metrics HTTP/1.1"), Request::Bad);
        assert_eq!(parse_request(b"GET /metrics SPDY/3"), Request::Bad);
        assert_eq!(parse_request(b"\xff\xfe"), Request::Bad);
        assert_eq!(parse_request(b""), Request::Bad);
    }
}
