//! The CLI socket server: a Unix stream socket speaking VPP's CLI-socket
//! protocol, so stock `vppctl -s <path>` works against weftd unchanged.
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::Arc;
//! use console::{Executor, Server};
//!
//! struct Echo;
//! impl Executor for Echo {
//!     fn execute(&self, line: &str) -> Result<String, String> {
//!         Ok(line.to_string())
//!     }
//!     fn complete(&self, _prefix: &str) -> Vec<(String, String)> {
//!         Vec::new()
//!     }
//! }
//!
//! let server = Server::bind(Path::new("/run/weft/cli.sock"), None, "weft# ".into())?;
//! let handle = server.spawn(Arc::new(Echo))?;
//! // … run the daemon …
//! handle.shutdown(); // closes every session and removes the socket file
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Protocol
//!
//! On accept the server sends VPP's telnet greeting
//! ([`super::telnet::SERVER_GREETING`]); the terminal type the client
//! answers picks the session kind ([`super::session::Kind`]): `vppctl` gets
//! VPP's non-interactive mode (no banner, prompt or echo; one `\0` after each
//! command's output), `weftctl` the same plus weftctl's compatible
//! extensions (error marker `\x01`, `\x02complete` and `\x02json`
//! requests), anything else, or nothing within [`TTYPE_DEADLINE`], an
//! interactive session with banner, prompt, echo and line editing.
//! [`super::protocol`] states the wire rules byte by byte.
//!
//! # Design
//!
//! * One accept thread, one thread per session (at most
//!   [`DEFAULT_MAX_SESSIONS`] by default; more are refused with a one-line
//!   message). A session's thread runs its commands synchronously, so a slow
//!   command delays only that session.
//! * Nobody can lock the others out by holding sessions open:
//!   - [`ROOT_RESERVE`] slots beyond the limit are kept for clients whose
//!     peer credentials (`SO_PEERCRED`, taken when they connected) say uid
//!     0, so root always gets a session however many other clients hold
//!     theirs;
//!   - a session with no input for [`DEFAULT_IDLE_TIMEOUT`] (startup.conf's
//!     `unix { cli-idle-timeout <s> }`) is closed, and a connection that has
//!     sent nothing at all since it connected is closed after
//!     [`DEFAULT_FIRST_INPUT_TIMEOUT`] (`cli-first-input-timeout <s>`), so
//!     slots held by forgotten or hostile clients come back. A command that
//!     runs long does not count as idle time: the clock starts again when
//!     it returns. With [`Server::spare_own_process`] a client in the
//!     server's own process (weftd's `unix { interactive }` console) is
//!     never timed out.
//! * The socket file gets mode 0660 and, if asked, the given group (VPP's
//!   socket is group-writable too). Its parent directory is created (0755)
//!   if missing. An existing socket file is replaced only when nothing
//!   answers on it (a daemon that was killed); a live server or a file that
//!   is not a socket is an error.
//! * [`ServerHandle::shutdown`] (or dropping the handle) wakes the accept
//!   thread by `shutdown(2)` on the listening socket, shuts down every
//!   session socket and removes the socket file if it is still the one this
//!   server created.
//! * Input is bounded everywhere: lines at [`super::protocol::MAX_LINE`]
//!   bytes (answered with an error), telnet subnegotiations at
//!   [`super::telnet::MAX_SUBNEGOTIATION`], data before the terminal type at
//!   one line. Writes time out after [`WRITE_TIMEOUT`], so a client that
//!   stops reading loses its session, not the daemon's time.
//!
//! # Limitations
//!
//! * VPP keeps idle sessions forever and has no session limit; weft has
//!   both, and the timeouts (weft keywords, 0 turns one off).
//! * A command cannot be interrupted: a client that disconnects mid-command
//!   frees its slot when the command returns.
//! * No pager: long output is written in one go.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::session::{Executor, Flow, Kind, Session};

/// Sessions served at once unless [`Server::max_sessions`] says otherwise.
pub const DEFAULT_MAX_SESSIONS: usize = 128;
/// Sessions beyond the limit that only a local root client (peer uid 0)
/// may open.
pub const ROOT_RESERVE: usize = 1;
/// A session with no input for this long is closed, unless
/// [`Server::idle_timeout`] says otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// A connection that has sent nothing at all for this long is closed,
/// unless [`Server::first_input_timeout`] says otherwise.
pub const DEFAULT_FIRST_INPUT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a new connection may take to report its terminal type before
/// it is treated as interactive (VPP: 1 s).
pub const TTYPE_DEADLINE: Duration = Duration::from_secs(1);
/// A write to a client that blocks longer than this ends its session.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Mode of the socket file.
pub const SOCKET_MODE: u32 = 0o660;

/// A bound CLI socket, not yet serving; see the module docs.
#[derive(Debug)]
pub struct Server {
    listener: UnixListener,
    file: SocketFile,
    prompt: String,
    banner: bool,
    max_sessions: usize,
    timeouts: Timeouts,
    history_limit: usize,
    spare_own_process: bool,
}

/// When a session is closed for want of input.
#[derive(Clone, Copy, Debug)]
struct Timeouts {
    /// No input since the last command (or since the first input).
    idle: Option<Duration>,
    /// Nothing received at all since the connection was accepted.
    first_input: Option<Duration>,
}

impl Server {
    /// Binds the CLI socket at `path`: creates the parent directory if
    /// missing, replaces a stale socket left by a killed daemon, sets mode
    /// 0660 and, if `gid` is given, the group. `prompt` is shown by
    /// interactive sessions (a space is appended if missing).
    ///
    /// # Errors
    /// `AddrInUse` if a live server answers on `path`, `AlreadyExists` if
    /// `path` is not a socket, or the I/O error (with the path in the
    /// message) of creating the directory, binding, `chmod` or `chown`.
    pub fn bind(path: &Path, gid: Option<u32>, prompt: String) -> io::Result<Server> {
        let ctx = |what: &str, e: io::Error| {
            io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir)
                .map_err(|e| ctx("cannot create the directory of", e))?;
        }
        match fs::symlink_metadata(path) {
            Ok(md) if !md.file_type().is_socket() => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{} exists and is not a socket; refusing to replace it",
                        path.display()
                    ),
                ));
            }
            Ok(_) => match UnixStream::connect(path) {
                Ok(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        format!(
                            "another CLI server is listening on {}; stop it first",
                            path.display()
                        ),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    log::info!("cli: replacing stale socket {}", path.display());
                    fs::remove_file(path).map_err(|e| ctx("cannot remove stale socket", e))?;
                }
                Err(e) => return Err(ctx("cannot probe existing socket", e)),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(ctx("cannot stat", e)),
        }
        let listener = UnixListener::bind(path).map_err(|e| ctx("cannot bind", e))?;
        let md = fs::metadata(path).map_err(|e| ctx("cannot stat", e))?;
        let file = SocketFile {
            path: path.to_path_buf(),
            dev: md.dev(),
            ino: md.ino(),
        };
        fs::set_permissions(path, fs::Permissions::from_mode(SOCKET_MODE))
            .map_err(|e| ctx("cannot chmod", e))?;
        if let Some(gid) = gid {
            std::os::unix::fs::chown(path, None, Some(gid))
                .map_err(|e| ctx(&format!("cannot chgrp {gid}"), e))?;
        }
        Ok(Server {
            listener,
            file,
            prompt,
            banner: true,
            max_sessions: DEFAULT_MAX_SESSIONS,
            timeouts: Timeouts {
                idle: Some(DEFAULT_IDLE_TIMEOUT),
                first_input: Some(DEFAULT_FIRST_INPUT_TIMEOUT),
            },
            history_limit: crate::history::DEFAULT_LIMIT,
            spare_own_process: false,
        })
    }

    /// Whether interactive sessions start with the banner (on by default;
    /// off is startup.conf's `unix { nobanner }`, VPP's `cli-no-banner`).
    #[must_use]
    pub fn banner(mut self, on: bool) -> Self {
        self.banner = on;
        self
    }

    /// Sets how many sessions are served at once (at least 1); a local
    /// root client may open [`ROOT_RESERVE`] more.
    #[must_use]
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n.max(1);
        self
    }

    /// Keeps `n` lines of command history per session (VPP's
    /// `cli-history-limit`; 0 keeps none).
    #[must_use]
    pub fn history_limit(mut self, n: usize) -> Self {
        self.history_limit = n;
        self
    }

    /// Closes a session that has received no input for `t` (`None`: never).
    /// The clock starts at the session's first input and again at the end
    /// of every command.
    #[must_use]
    pub fn idle_timeout(mut self, t: Option<Duration>) -> Self {
        self.timeouts.idle = t.filter(|t| !t.is_zero());
        self
    }

    /// Closes a connection that has sent nothing at all within `t` of being
    /// accepted (`None`: never).
    #[must_use]
    pub fn first_input_timeout(mut self, t: Option<Duration>) -> Self {
        self.timeouts.first_input = t.filter(|t| !t.is_zero());
        self
    }

    /// Never times out a client in this process (weftd's `unix {
    /// interactive }` console, whose end stops weftd).
    #[must_use]
    pub fn spare_own_process(mut self, spare: bool) -> Self {
        self.spare_own_process = spare;
        self
    }

    /// The socket's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// Starts serving on a new thread; every session runs its commands
    /// through `executor`.
    ///
    /// # Errors
    /// The listening socket could not be duplicated or the thread not started.
    pub fn spawn(self, executor: Arc<dyn Executor>) -> io::Result<ServerHandle> {
        let waker = UnixStream::from(OwnedFd::from(self.listener.try_clone()?));
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            sessions: Mutex::new(HashMap::new()),
        });
        let accept = {
            let shared = Arc::clone(&shared);
            let listener = self.listener;
            let greeting = Greeting {
                prompt: self.prompt,
                banner: self.banner,
                timeouts: self.timeouts,
                history_limit: self.history_limit,
                spare_own_process: self.spare_own_process,
            };
            let max = self.max_sessions;
            thread::Builder::new()
                .name("weft-cli-accept".into())
                .spawn(move || accept_loop(&listener, &shared, &executor, &greeting, max))?
        };
        Ok(ServerHandle {
            file: Some(self.file),
            shared,
            waker: Some(waker),
            accept: Some(accept),
        })
    }
}

/// A running server; shut it down with [`ServerHandle::shutdown`] or by
/// dropping it.
#[derive(Debug)]
pub struct ServerHandle {
    file: Option<SocketFile>,
    shared: Arc<Shared>,
    waker: Option<UnixStream>,
    accept: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The socket's path.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    /// Sessions open right now.
    #[must_use]
    pub fn active_sessions(&self) -> usize {
        self.shared.active.load(Ordering::SeqCst)
    }

    /// Stops accepting, closes every session's socket (a command still
    /// running finishes, its output is lost) and removes the socket file.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(waker) = self.waker.take() {
            // shutdown(2) on a listening socket makes a blocked accept(2)
            // return EINVAL.
            let _ = waker.shutdown(Shutdown::Both);
        }
        if accept.join().is_err() {
            log::error!("cli: the accept thread panicked");
        }
        for stream in lock(&self.shared.sessions).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        self.file = None; // removes the socket file
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The socket file this server created; removed on drop unless something
/// else has replaced it since.
#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        match fs::symlink_metadata(&self.path) {
            Ok(md) if md.dev() == self.dev && md.ino() == self.ino => {
                if let Err(e) = fs::remove_file(&self.path) {
                    log::warn!("cli: cannot remove {}: {e}", self.path.display());
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug)]
struct Shared {
    stopping: AtomicBool,
    active: AtomicUsize,
    /// A clone of every open session's socket, to shut them down on stop.
    sessions: Mutex<HashMap<u64, UnixStream>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Unregisters a session when its thread ends, however it ends.
struct SessionSlot {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        lock(&self.shared.sessions).remove(&self.id);
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How sessions greet the user, and when they are closed for idleness.
#[derive(Clone, Debug)]
struct Greeting {
    prompt: String,
    banner: bool,
    timeouts: Timeouts,
    history_limit: usize,
    spare_own_process: bool,
}

/// The uid of the process at the other end of `stream`, as the kernel
/// recorded it at connect(2).
fn peer_uid(stream: &UnixStream) -> Option<u32> {
    nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
        .ok()
        .map(|c| c.uid())
}

/// The pid of the process at the other end of `stream` (at connect(2)).
fn peer_pid(stream: &UnixStream) -> Option<u32> {
    nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
        .ok()
        .and_then(|c| u32::try_from(c.pid()).ok())
}

fn accept_loop(
    listener: &UnixListener,
    shared: &Arc<Shared>,
    executor: &Arc<dyn Executor>,
    greeting: &Greeting,
    max: usize,
) {
    let mut next_id = 0u64;
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) if shared.stopping.load(Ordering::SeqCst) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // EMFILE and friends: wait for sessions to end.
                log::warn!("cli: accept: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        // Only this thread increments, so check-then-add cannot overshoot.
        let active = shared.active.load(Ordering::SeqCst);
        if active >= max {
            let root = peer_uid(&stream) == Some(0);
            if !root || active >= max + ROOT_RESERVE {
                refuse(stream, active);
                continue;
            }
            log::info!("cli: a root client takes a reserved session ({active} open)");
        }
        next_id += 1;
        let id = next_id;
        match stream.try_clone() {
            Ok(clone) => {
                lock(&shared.sessions).insert(id, clone);
            }
            Err(e) => {
                log::warn!("cli: session {id}: {e}");
                continue;
            }
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        let slot = SessionSlot {
            shared: Arc::clone(shared),
            id,
        };
        let executor = Arc::clone(executor);
        let mut greeting = greeting.clone();
        // weftd's own console (`unix { interactive }`) is a client in this
        // process: it is never closed for idleness (weftd would stop).
        if greeting.spare_own_process && peer_pid(&stream) == Some(std::process::id()) {
            greeting.timeouts = Timeouts {
                idle: None,
                first_input: None,
            };
        }
        let spawned = thread::Builder::new()
            .name(format!("weft-cli-{id}"))
            .spawn(move || {
                let _slot = slot;
                if let Err(e) = serve(&stream, executor, &greeting) {
                    log::debug!("cli: session {id} ended: {e}");
                }
                let _ = stream.shutdown(Shutdown::Both);
            });
        if let Err(e) = spawned {
            // The closure, and so the slot and the stream, were dropped.
            log::warn!("cli: cannot start a session thread: {e}");
        }
    }
}

fn refuse(mut stream: UnixStream, open: usize) {
    log::warn!("cli: refusing a session: {open} already open");
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = writeln!(
        stream,
        "weft: too many CLI sessions ({open} open); try again later"
    );
    let _ = stream.shutdown(Shutdown::Both);
}

/// Runs one session until the client quits, disconnects or stays idle too
/// long.
fn serve(stream: &UnixStream, executor: Arc<dyn Executor>, greeting: &Greeting) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut session = Session::new(executor, stream.try_clone()?, &greeting.prompt)
        .banner(greeting.banner)
        .history_limit(greeting.history_limit);
    session.start()?;
    let started = Instant::now();
    // When input last arrived or a command last returned; None until the
    // first byte.
    let mut active: Option<Instant> = None;
    let mut buf = vec![0u8; 4096];
    let mut reader = stream;
    loop {
        let ttype = (session.kind() == Kind::Pending).then(|| started + TTYPE_DEADLINE);
        let idle = match active {
            None => greeting.timeouts.first_input.map(|t| (started + t, t)),
            Some(at) => greeting.timeouts.idle.map(|t| (at + t, t)),
        };
        let now = Instant::now();
        if let Some(at) = ttype
            && at <= now
        {
            if session.deadline_expired()? == Flow::Close {
                return Ok(());
            }
            continue;
        }
        if let Some((at, t)) = idle
            && at <= now
        {
            log::info!(
                "cli: closing a session idle for {} s{}",
                t.as_secs(),
                if active.is_none() {
                    " (it sent nothing)"
                } else {
                    ""
                }
            );
            return session.idle_close(t);
        }
        let wake = match (ttype, idle.map(|i| i.0)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        stream.set_read_timeout(wake.map(|at| at - now))?;
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        if session.feed(&buf[..n])? == Flow::Close {
            return Ok(());
        }
        active = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{MAX_LINE, line_too_long_message};
    use crate::session::BANNER;
    use crate::session::tests::Fake;
    use crate::telnet::{SERVER_GREETING, terminal_type_reply};
    use std::sync::atomic::AtomicU32;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "weft-cli-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = fs::remove_dir_all(&dir);
            TempDir(dir)
        }
        fn sock(&self) -> PathBuf {
            self.0.join("run/cli.sock")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn start(dir: &TempDir) -> ServerHandle {
        Server::bind(&dir.sock(), None, "weft#".into())
            .unwrap()
            .spawn(Arc::new(Fake))
            .unwrap()
    }

    fn connect(path: &Path) -> UnixStream {
        let s = UnixStream::connect(path).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    fn read_exact(s: &mut UnixStream, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        s.read_exact(&mut v).unwrap();
        v
    }

    /// Reads up to and including the next NUL.
    fn read_until_nul(s: &mut UnixStream) -> Vec<u8> {
        let mut out = Vec::new();
        let mut b = [0u8];
        loop {
            s.read_exact(&mut b).unwrap();
            out.push(b[0]);
            if b[0] == 0 {
                return out;
            }
        }
    }

    /// Reads until `needle` has been seen; returns everything read.
    fn read_until(s: &mut UnixStream, needle: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while !out.windows(needle.len()).any(|w| w == needle) {
            let n = s.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "EOF before {:?}; got {:?}",
                String::from_utf8_lossy(needle),
                String::from_utf8_lossy(&out)
            );
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    fn expect_eof(s: &mut UnixStream) {
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"", "expected EOF");
    }

    /// Handshake as vppctl (or weftctl) does: read the greeting, answer TTYPE.
    fn batch_client(path: &Path, term: &str) -> UnixStream {
        let mut s = connect(path);
        assert_eq!(read_exact(&mut s, SERVER_GREETING.len()), SERVER_GREETING);
        s.write_all(&terminal_type_reply(term)).unwrap();
        s
    }

    #[test]
    fn cli_vppctl_one_shot_byte_for_byte() {
        let dir = TempDir::new();
        let server = start(&dir);
        for (command, answer) in [
            (&b"show version\n\0"[..], &b"weft 0.1.0 (fake)\n\0"[..]),
            (b"show bogus\n\0", b"unknown input `show bogus'\n\0"),
            (b"fail\n\0", b"fail: it failed\n\0"),
            (b"silent\n\0", b"\0"),
        ] {
            // VPP-CLI.md §3.2: the greeting, byte for byte.
            let mut s = connect(&dir.sock());
            let greeting = read_exact(&mut s, 36);
            assert_eq!(
                greeting,
                [
                    0xff, 0xfc, 0x22, 0xff, 0xfe, 0x22, 0xff, 0xfb, 0x03, 0xff, 0xfd, 0x03, 0xff,
                    0xfb, 0x01, 0xff, 0xfe, 0x01, 0xff, 0xfd, 0x18, 0xff, 0xfa, 0x18, 0x01, 0xff,
                    0xf0, 0xff, 0xfd, 0x1f, 0xff, 0xfa, 0x1f, 0x01, 0xff, 0xf0
                ]
            );
            // IAC SB TTYPE IS "vppctl" IAC SE, then the command with its
            // newline and trailing NUL (vppctl writes strlen(cmd) + 1).
            s.write_all(b"\xff\xfa\x18\x00vppctl\xff\xf0").unwrap();
            s.write_all(command).unwrap();
            assert_eq!(read_until_nul(&mut s), answer);
            s.write_all(b"quit\n").unwrap();
            expect_eof(&mut s);
        }
        server.shutdown();
    }

    #[test]
    fn cli_socket_mode_parent_dir_and_removal() {
        let dir = TempDir::new();
        let server = start(&dir);
        let md = fs::metadata(dir.sock()).unwrap();
        assert!(md.file_type().is_socket());
        assert_eq!(md.permissions().mode() & 0o777, 0o660);
        assert_eq!(server.path(), Some(dir.sock().as_path()));
        server.shutdown();
        assert!(!dir.sock().exists());
    }

    #[test]
    fn cli_gid_is_applied() {
        // The group of a file we create is one we may chgrp to.
        let dir = TempDir::new();
        fs::create_dir_all(&dir.0).unwrap();
        let probe = dir.0.join("probe");
        fs::write(&probe, b"").unwrap();
        let gid = fs::metadata(&probe).unwrap().gid();
        let server = Server::bind(&dir.sock(), Some(gid), "weft# ".into()).unwrap();
        assert_eq!(fs::metadata(dir.sock()).unwrap().gid(), gid);
        drop(server);
    }

    #[test]
    fn cli_stale_socket_replaced_live_one_refused() {
        let dir = TempDir::new();
        fs::create_dir_all(dir.sock().parent().unwrap()).unwrap();
        // A stale socket: bound, then its listener dropped (as after kill -9).
        drop(UnixListener::bind(dir.sock()).unwrap());
        assert!(dir.sock().exists());
        let server = start(&dir);
        let mut s = batch_client(&dir.sock(), "vppctl");
        s.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut s), b"weft 0.1.0 (fake)\n\0");

        let err = Server::bind(&dir.sock(), None, "x".into()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains("another CLI server"), "{err}");
        // The live server is untouched.
        s.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut s), b"weft 0.1.0 (fake)\n\0");
        server.shutdown();

        let file = dir.0.join("plain");
        fs::write(&file, b"data").unwrap();
        let err = Server::bind(&file, None, "x".into()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&file).unwrap(), b"data");
    }

    #[test]
    fn cli_interactive_session() {
        let dir = TempDir::new();
        let server = start(&dir);
        let mut s = connect(&dir.sock());
        read_exact(&mut s, SERVER_GREETING.len());
        s.write_all(&terminal_type_reply("xterm")).unwrap();
        // Banner then prompt.
        let out = read_until(&mut s, b"weft# ");
        assert_eq!(
            out,
            format!("{}weft# ", BANNER.replace('\n', "\r\n")).as_bytes()
        );
        // Typed characters echo; backspace erases.
        s.write_all(b"shox").unwrap();
        assert_eq!(read_exact(&mut s, 4), b"shox");
        s.write_all(b"\x7f").unwrap();
        assert_eq!(read_exact(&mut s, 3), b"\x08 \x08");
        s.write_all(b"w version\r\n").unwrap();
        let out = read_until(&mut s, b"weft# ");
        assert_eq!(out, b"w version\r\nweft 0.1.0 (fake)\r\nweft# ");
        // `?` lists the next words with their help and redraws the line.
        s.write_all(b"show ?").unwrap();
        let out = String::from_utf8(read_until(&mut s, b"weft# show ")).unwrap();
        assert_eq!(
            out,
            "show \r\n  version  Show version\r\n  verbose  Verbose\r\nweft# show "
        );
        // TAB completes the unique word.
        s.write_all(b"\x15sl\t").unwrap();
        let out = read_until(&mut s, b"slow ");
        assert!(out.ends_with(b"\x08\x08slow "), "{out:?}");
        // Up arrow recalls the last command.
        s.write_all(b"\x15\x1b[A").unwrap();
        read_until(&mut s, b"show version");
        s.write_all(b"\r").unwrap();
        let out = read_until(&mut s, b"weft# ");
        assert_eq!(out, b"\r\nweft 0.1.0 (fake)\r\nweft# ");
        // Ctrl-C clears the line.
        s.write_all(b"junk\x03").unwrap();
        read_until(&mut s, b"junk^C\r\nweft# ");
        s.write_all(b"quit\r\n").unwrap();
        read_until(&mut s, b"quit\r\n");
        expect_eof(&mut s);
        server.shutdown();
    }

    #[test]
    fn cli_no_ttype_becomes_interactive_after_deadline() {
        let dir = TempDir::new();
        let server = start(&dir);
        let mut s = connect(&dir.sock());
        read_exact(&mut s, SERVER_GREETING.len());
        let t0 = Instant::now();
        let out = read_until(&mut s, b"weft# ");
        assert!(t0.elapsed() >= Duration::from_millis(900));
        assert!(out.starts_with(b"weft "));
        s.write_all(b"exit\r").unwrap();
        read_until(&mut s, b"exit\r\n");
        expect_eof(&mut s);
        server.shutdown();
    }

    #[test]
    fn cli_hundred_concurrent_clients() {
        let dir = TempDir::new();
        let server = start(&dir);
        let threads: Vec<_> = (0..100)
            .map(|c| {
                let path = dir.sock();
                thread::spawn(move || {
                    let mut s = batch_client(&path, if c % 2 == 0 { "vppctl" } else { "weftctl" });
                    for i in 0..10 {
                        writeln!(s, "echo client {c} command {i}").unwrap();
                        let expected = format!("client {c} command {i}\n\0");
                        assert_eq!(read_until_nul(&mut s), expected.as_bytes());
                    }
                    s.write_all(b"quit\n").unwrap();
                    expect_eof(&mut s);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        server.shutdown();
    }

    #[test]
    fn cli_disconnect_mid_command_does_not_affect_others() {
        let dir = TempDir::new();
        let server = start(&dir);
        let mut slow = batch_client(&dir.sock(), "vppctl");
        slow.write_all(b"slow\n\0").unwrap();
        let mut other = batch_client(&dir.sock(), "vppctl");
        thread::sleep(Duration::from_millis(200));
        drop(slow); // mid-command
        let t0 = Instant::now();
        other.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut other), b"weft 0.1.0 (fake)\n\0");
        // `slow` takes 2 s; an answer well before that proves no blocking.
        assert!(
            t0.elapsed() < Duration::from_millis(1500),
            "blocked by the slow one"
        );
        // Once `slow` returns, its write fails and its slot is freed.
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.active_sessions() > 1 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(server.active_sessions(), 1);
        other.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut other), b"weft 0.1.0 (fake)\n\0");
        server.shutdown();
    }

    #[test]
    fn cli_megabyte_line_and_binary_junk() {
        let dir = TempDir::new();
        let server = start(&dir);
        // 1 MiB without a newline, after a weftctl handshake: one error as
        // soon as the limit is crossed, then the session still works.
        let mut s = batch_client(&dir.sock(), "weftctl");
        let writer = {
            let mut w = s.try_clone().unwrap();
            thread::spawn(move || {
                w.write_all(&vec![b'x'; 1 << 20]).unwrap();
                w.write_all(b"\nshow version\n").unwrap();
            })
        };
        let expected = format!("\x01{}\n\0", line_too_long_message());
        assert_eq!(read_until_nul(&mut s), expected.as_bytes());
        assert_eq!(read_until_nul(&mut s), b"weft 0.1.0 (fake)\n\0");
        writer.join().unwrap();
        drop(s);

        // 1 MiB of binary junk with no handshake at all.
        let mut junk = connect(&dir.sock());
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let bytes: Vec<u8> = (0..1 << 20)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng >> 24) as u8
            })
            .collect();
        let mut reader = junk.try_clone().unwrap();
        let drain = thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let _ = junk.write_all(&bytes);
        let _ = junk.shutdown(Shutdown::Write);
        drop(junk);

        // The next client is fine.
        let mut s = batch_client(&dir.sock(), "vppctl");
        s.write_all(b"show version\n\0").unwrap();
        assert_eq!(read_until_nul(&mut s), b"weft 0.1.0 (fake)\n\0");
        s.write_all(b"quit\n").unwrap();
        expect_eof(&mut s);
        server.shutdown();
        drain.join().unwrap();
        const { assert!(MAX_LINE < 1 << 20) };
    }

    /// Whether this test process is root, so its clients get the
    /// [`ROOT_RESERVE`] slots too.
    fn root() -> bool {
        nix::unistd::Uid::effective().is_root()
    }

    #[test]
    fn cli_session_limit() {
        let dir = TempDir::new();
        let server = Server::bind(&dir.sock(), None, "weft# ".into())
            .unwrap()
            .max_sessions(2)
            .spawn(Arc::new(Fake))
            .unwrap();
        let a = batch_client(&dir.sock(), "vppctl");
        let b = batch_client(&dir.sock(), "vppctl");
        // A root client gets the reserved slot beyond the limit.
        let reserved: Vec<UnixStream> = if root() {
            (0..ROOT_RESERVE)
                .map(|_| {
                    let mut r = batch_client(&dir.sock(), "vppctl");
                    r.write_all(b"show version\n").unwrap();
                    assert_eq!(read_until_nul(&mut r), b"weft 0.1.0 (fake)\n\0");
                    r
                })
                .collect()
        } else {
            Vec::new()
        };
        let open = 2 + reserved.len();
        let mut c = connect(&dir.sock());
        let mut text = String::new();
        c.read_to_string(&mut text).unwrap();
        assert_eq!(
            text,
            format!("weft: too many CLI sessions ({open} open); try again later\n")
        );
        drop((a, b, reserved));
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.active_sessions() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let mut d = batch_client(&dir.sock(), "vppctl");
        d.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut d), b"weft 0.1.0 (fake)\n\0");
        server.shutdown();
    }

    /// Waits (5 s at most) for the server to hold `n` sessions.
    fn wait_sessions(server: &ServerHandle, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.active_sessions() != n {
            assert!(
                Instant::now() < deadline,
                "{} sessions open, expected {n}",
                server.active_sessions()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Reads until EOF on a thread of its own; the thread returns what was
    /// read and when EOF came.
    fn read_to_eof(mut s: UnixStream) -> thread::JoinHandle<(Vec<u8>, Instant)> {
        thread::spawn(move || {
            let mut out = Vec::new();
            s.read_to_end(&mut out).unwrap();
            (out, Instant::now())
        })
    }

    #[test]
    fn cli_idle_sessions_are_closed() {
        let dir = TempDir::new();
        let idle = Duration::from_millis(1500);
        let first = Duration::from_millis(600);
        let server = Server::bind(&dir.sock(), None, "weft#".into())
            .unwrap()
            .idle_timeout(Some(idle))
            .first_input_timeout(Some(first))
            .spawn(Arc::new(Fake))
            .unwrap();
        let t0 = Instant::now();
        // Sends nothing at all: closed after the first-input timeout, with
        // nothing but the greeting (the 1 s terminal-type deadline that
        // would make it interactive has not passed).
        let silent = read_to_eof(connect(&dir.sock()));
        // A vppctl that ran one command, then went quiet.
        let mut quiet = batch_client(&dir.sock(), "vppctl");
        quiet.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut quiet), b"weft 0.1.0 (fake)\n\0");
        let quiet_at = Instant::now();
        let quiet = read_to_eof(quiet);
        // An interactive session kept busy: a command every 500 ms outlives
        // the idle timeout; then it goes quiet and is told why it is closed.
        let mut busy = connect(&dir.sock());
        read_exact(&mut busy, SERVER_GREETING.len());
        busy.write_all(&terminal_type_reply("xterm")).unwrap();
        read_until(&mut busy, b"weft# ");
        wait_sessions(&server, 3);

        let mut last = Instant::now();
        while t0.elapsed() < idle * 2 {
            busy.write_all(b"show version\r").unwrap();
            read_until(&mut busy, b"weft 0.1.0 (fake)\r\nweft# ");
            last = Instant::now();
            thread::sleep(Duration::from_millis(500));
        }
        assert_eq!(server.active_sessions(), 1, "busy is still open");
        let (out, eof) = silent.join().unwrap();
        assert_eq!(out, SERVER_GREETING);
        let after = eof - t0;
        assert!(
            after >= first && after < first + Duration::from_millis(900),
            "{after:?}"
        );
        // Closed silently: a batch client must not read text it did not
        // ask for.
        let (out, eof) = quiet.join().unwrap();
        assert_eq!(out, b"");
        let after = eof - quiet_at;
        assert!(
            after >= idle && after < idle + Duration::from_millis(900),
            "{after:?}"
        );

        let (out, eof) = read_to_eof(busy).join().unwrap();
        assert_eq!(out, b"\r\nweft: no input for 1 s; closing the session\r\n");
        let after = eof - last;
        assert!(after >= idle - Duration::from_millis(50), "{after:?}");
        wait_sessions(&server, 0);
        server.shutdown();
    }

    /// weftd's own console (a client in the server's process) is never
    /// timed out when the server is told to spare it.
    #[test]
    fn cli_own_process_spared() {
        let dir = TempDir::new();
        let server = Server::bind(&dir.sock(), None, "weft#".into())
            .unwrap()
            .idle_timeout(Some(Duration::from_millis(300)))
            .first_input_timeout(Some(Duration::from_millis(300)))
            .spare_own_process(true)
            .spawn(Arc::new(Fake))
            .unwrap();
        let mut s = batch_client(&dir.sock(), "vppctl");
        let silent = connect(&dir.sock());
        thread::sleep(Duration::from_millis(1200));
        assert_eq!(server.active_sessions(), 2);
        s.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut s), b"weft 0.1.0 (fake)\n\0");
        drop(silent);
        server.shutdown();
    }

    #[test]
    fn cli_timeouts_off_and_long_commands() {
        let dir = TempDir::new();
        // The idle clock stops while a command runs: `slow` (2 s) outlasts
        // a 1.5 s timeout and the session stays open for the next command.
        let server = Server::bind(&dir.sock(), None, "weft#".into())
            .unwrap()
            .idle_timeout(Some(Duration::from_millis(1500)))
            .first_input_timeout(None)
            .spawn(Arc::new(Fake))
            .unwrap();
        let mut silent = connect(&dir.sock());
        read_exact(&mut silent, SERVER_GREETING.len());
        let mut s = batch_client(&dir.sock(), "vppctl");
        s.write_all(b"slow\n").unwrap();
        assert_eq!(read_until_nul(&mut s), b"slow done\n\0");
        thread::sleep(Duration::from_millis(700));
        s.write_all(b"show version\n").unwrap();
        assert_eq!(read_until_nul(&mut s), b"weft 0.1.0 (fake)\n\0");
        // With the first-input timeout off, the silent connection is still
        // there (interactive after the 1 s terminal-type deadline); its idle
        // clock has not started since it sent nothing.
        assert_eq!(server.active_sessions(), 2);
        silent.write_all(b"show version\r").unwrap();
        read_until(&mut silent, b"weft 0.1.0 (fake)\r\nweft# ");
        server.shutdown();
    }

    #[test]
    fn cli_shutdown_closes_sessions() {
        let dir = TempDir::new();
        let server = start(&dir);
        let mut s = batch_client(&dir.sock(), "vppctl");
        s.write_all(b"show version\n").unwrap();
        read_until_nul(&mut s);
        server.shutdown();
        expect_eof(&mut s);
        assert!(UnixStream::connect(dir.sock()).is_err());
    }
}
