//! Hostile use of weftd's CLI socket (issue 7, "CLI and socket"): a 1 MiB
//! line and an endless one, binary junk, 100 concurrent clients, clients
//! that vanish mid-command or never read, `exec` of what is not a command
//! file, and a user outside the socket's group. After each abuse weftd must
//! still be running, answer exactly as before (`show version`,
//! `show interface`, `show interface address`, `show vxlan tunnel`) and hold
//! no more file descriptors or threads than before (one thread and a few
//! descriptors per open session, so a leaked session shows up in both).
//!
//! The limits exercised here are listed in docs/robustness.md ("CLI and
//! socket"). Only the permission and lock-out tests need root (`runuser`,
//! clients as `nobody`); see [`privileged`].

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use console::client::Client;

mod common;

use common::Daemon;

/// Bytes of the telnet greeting weftd sends on accept (VPP-CLI.md §3.1).
const GREETING_LEN: usize = 36;
/// Longest command line weftd accepts (`console::protocol::MAX_LINE`).
const MAX_LINE: usize = 64 * 1024;
/// The answer to a longer line, as the user sees it.
const LINE_TOO_LONG: &str = "line too long (limit 65536 bytes)";
/// No single read or write of these tests may block longer than this.
const IO_TIMEOUT: Duration = Duration::from_secs(20);
const MIB: usize = 1 << 20;
/// Sessions weftd serves at once (`console::server::DEFAULT_MAX_SESSIONS`).
const MAX_SESSIONS: usize = 128;
/// Sessions beyond those only a root client may open
/// (`console::server::ROOT_RESERVE`).
const ROOT_RESERVE: usize = 1;

fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

// ---------------------------------------------------------------------------
// What "unaffected" means
// ---------------------------------------------------------------------------

/// A configuration every test starts from, so that "answers exactly as
/// before" compares more than empty tables.
fn configure(d: &Daemon) {
    assert_eq!(d.ok("create loopback interface"), "loop0\n");
    assert_eq!(d.ok("set interface state loop0 up"), "");
    assert_eq!(d.ok("set interface ip address loop0 10.99.7.1/24"), "");
    assert_eq!(
        d.ok("create vxlan tunnel src 10.99.7.1 dst 10.99.7.2 vni 77"),
        "vxlan_tunnel0\n"
    );
}

/// The daemon's answers to the read-only commands the tests compare.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    version: String,
    interface: String,
    address: String,
    vxlan: String,
}

impl Snapshot {
    fn take(d: &Daemon) -> Snapshot {
        Snapshot {
            version: d.ok("show version"),
            interface: d.ok("show interface"),
            address: d.ok("show interface address"),
            vxlan: d.ok("show vxlan tunnel"),
        }
    }
}

/// Open file descriptors and threads of the weftd process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Usage {
    fds: usize,
    threads: usize,
}

fn usage(d: &Daemon) -> Usage {
    let pid = d.child.id();
    let count = |what: &str| {
        std::fs::read_dir(format!("/proc/{pid}/{what}"))
            .unwrap_or_else(|e| panic!("/proc/{pid}/{what}: {e}"))
            .count()
    };
    Usage {
        fds: count("fd"),
        threads: count("task"),
    }
}

/// Usage with no session open: sampled until two samples 200 ms apart agree
/// (the sessions of earlier `Daemon::ok` calls end asynchronously).
fn idle_usage(d: &Daemon) -> Usage {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = usage(d);
    loop {
        thread::sleep(Duration::from_millis(200));
        let now = usage(d);
        if now == last {
            return now;
        }
        assert!(Instant::now() < deadline, "weftd never settles: {now:?}");
        last = now;
    }
}

/// Waits (5 s at most) for weftd to be back at `base` descriptors and
/// threads: every session of the abuse has ended and freed what it held.
fn assert_back_to(d: &Daemon, base: Usage, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = usage(d);
        if now == base {
            return;
        }
        if Instant::now() >= deadline {
            let fds: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", d.child.id()))
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .map(|e| {
                            let target = std::fs::read_link(e.path()).unwrap_or_default();
                            format!(
                                "{} -> {}",
                                e.file_name().to_string_lossy(),
                                target.display()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            panic!("{what}: weftd holds {now:?}, {base:?} before the abuse; fds: {fds:#?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// weftd is running, has not panicked and answers exactly as in `snap`.
fn assert_unaffected(d: &mut Daemon, snap: &Snapshot, what: &str) {
    if let Some(status) = d.child.try_wait().unwrap() {
        panic!("{what}: weftd exited ({status}): {}", d.stderr());
    }
    let log = d.stderr();
    assert!(!log.contains("panicked"), "{what}: weftd panicked: {log}");
    assert_eq!(&Snapshot::take(d), snap, "{what}: weftd's answers changed");
}

// ---------------------------------------------------------------------------
// Raw clients
// ---------------------------------------------------------------------------

/// `IAC SB TTYPE IS <term> IAC SE`.
fn ttype(term: &str) -> Vec<u8> {
    let mut v = vec![0xff, 0xfa, 0x18, 0x00];
    v.extend_from_slice(term.as_bytes());
    v.extend_from_slice(&[0xff, 0xf0]);
    v
}

/// A connection driven byte by byte, with timeouts so a hang fails the test.
struct Conn {
    s: UnixStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Connected, nothing read or sent.
    fn raw(d: &Daemon) -> Conn {
        let s = UnixStream::connect(&d.socket).unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        Conn { s, buf: Vec::new() }
    }

    /// Greeting read, terminal type `term` sent: a batch session for
    /// `vppctl` (replies end in NUL) and `weftctl` (plus the `\x01` error
    /// marker), interactive for anything else.
    fn session(d: &Daemon, term: &str) -> Conn {
        let mut c = Conn::raw(d);
        let mut greeting = [0u8; GREETING_LEN];
        c.s.read_exact(&mut greeting).unwrap();
        assert_eq!(&greeting[..3], [0xff, 0xfc, 0x22], "telnet greeting");
        c.send(&ttype(term));
        c
    }

    fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).unwrap();
    }

    /// Everything up to `end` (included); `None` at EOF.
    fn read_through(&mut self, end: &[u8]) -> Option<Vec<u8>> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            if let Some(i) = self.buf.windows(end.len()).position(|w| w == end) {
                let rest = self.buf.split_off(i + end.len());
                return Some(std::mem::replace(&mut self.buf, rest));
            }
            let n = self.s.read(&mut chunk).unwrap();
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// The next batch reply, without its terminating NUL.
    fn reply(&mut self) -> String {
        let mut r = self
            .read_through(b"\0")
            .expect("the server closed the connection instead of replying");
        r.pop();
        String::from_utf8(r).unwrap()
    }

    /// Sends `line` and a newline; returns the reply.
    fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\n").as_bytes());
        self.reply()
    }

    /// Everything until the server closes the connection. A server that
    /// closes while some of our input is still unread (it ended the
    /// session on a `^D` or `quit` inside the junk) makes the kernel reset
    /// the connection: that is a close too, after what was read so far.
    fn rest(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        match self.s.read_to_end(&mut out) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("reading until the server closes: {e}"),
        }
        out
    }
}

/// A deterministic stream of random bytes (xorshift64), all 256 values.
fn junk(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 32) as u8
        })
        .collect()
}

fn rss_kib(d: &Daemon) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{}/status", d.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

// ---------------------------------------------------------------------------
// Long lines
// ---------------------------------------------------------------------------

#[test]
fn megabyte_and_endless_lines_are_bounded() {
    let mut d = Daemon::start("abuse-line", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);

    for (term, marker) in [("weftctl", "\x01"), ("vppctl", "")] {
        let mut c = Conn::session(&d, term);
        // A line of exactly MAX_LINE bytes is still a command (an unknown
        // one, echoed cut to 30 characters as VPP does).
        c.send(&[b'x'; MAX_LINE]);
        assert_eq!(
            c.command(""),
            format!("{marker}unknown input `{}'\n", "x".repeat(30)),
            "{term}: a line of MAX_LINE bytes"
        );
        // One byte more and the error comes at once, before any newline.
        c.send(&[b'x'; MAX_LINE + 1]);
        assert_eq!(c.reply(), format!("{marker}{LINE_TOO_LONG}\n"), "{term}");
        // The rest of the 1 MiB line and its newline are discarded: the
        // error was that line's one reply, so the next reply belongs to the
        // next command.
        c.send(&vec![b'x'; MIB - MAX_LINE - 1]);
        c.send(b"\n");
        assert_eq!(c.command("show version"), snap.version, "{term}");
        assert_eq!(c.command("show interface"), snap.interface, "{term}");
        c.send(b"quit\n");
        assert_eq!(c.rest(), b"", "{term}: quit closes the session");
    }

    // An endless line (16 MiB, no newline) costs no memory: weftd keeps at
    // most MAX_LINE bytes of a line.
    let rss_before = rss_kib(&d);
    let mut c = Conn::session(&d, "weftctl");
    let chunk = vec![b'y'; MIB];
    for _ in 0..16 {
        c.send(&chunk);
    }
    assert_eq!(c.reply(), format!("\x01{LINE_TOO_LONG}\n"));
    c.send(b"\n");
    // This reply comes after the server has consumed all 16 MiB.
    assert_eq!(c.command("show version"), snap.version);
    let grown = rss_kib(&d).saturating_sub(rss_before);
    assert!(
        grown < 4 * 1024,
        "16 MiB without a newline grew RSS by {grown} KiB"
    );
    drop(c);

    // Interactive (terminal type xterm): 64 KiB are echoed, then the error
    // and a fresh prompt; the rest of the line is dropped, its Enter runs
    // nothing, and the next command works.
    let mut c = Conn::session(&d, "xterm");
    let banner = c.read_through(b"weft# ").unwrap();
    assert!(banner.starts_with(b"weft "), "{banner:?}");
    let mut w = c.s.try_clone().unwrap();
    let reader = thread::spawn(move || c.rest());
    w.write_all(&vec![b'x'; MIB]).unwrap();
    w.write_all(b"\r\nshow version\r\nquit\r\n").unwrap();
    let out = String::from_utf8(reader.join().unwrap()).unwrap();
    let expected = format!(
        "{}\r\n{LINE_TOO_LONG}\r\nweft# show version\r\n{}weft# quit\r\n",
        "x".repeat(MAX_LINE),
        snap.version.replace('\n', "\r\n")
    );
    assert!(
        out == expected,
        "interactive 1 MiB line: {} bytes back",
        out.len()
    );
    drop(w);

    assert_back_to(&d, base, "long lines");
    assert_unaffected(&mut d, &snap, "long lines");
}

// ---------------------------------------------------------------------------
// Binary junk
// ---------------------------------------------------------------------------

/// Sends `bytes` on a fresh connection (after `prefix`), half-closes and
/// reads until the server closes; returns what it sent back.
fn junk_session(d: &Daemon, prefix: &[u8], bytes: Vec<u8>) -> Vec<u8> {
    let mut c = Conn::raw(d);
    let mut w = c.s.try_clone().unwrap();
    let reader = thread::spawn(move || c.rest());
    // The server may close first (e.g. ^D on an empty interactive line), so
    // a failed write is fine; the read side says how the session ended.
    let _ = w.write_all(prefix).and_then(|()| w.write_all(&bytes));
    let _ = w.shutdown(Shutdown::Write);
    reader
        .join()
        .expect("the server closes the connection at EOF")
}

#[test]
fn binary_junk_is_answered_or_dropped() {
    let mut d = Daemon::start("abuse-junk", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);

    // Crafted junk on one weftctl session: each line gets exactly its reply
    // and the session stays usable.
    let mut c = Conn::session(&d, "weftctl");
    for (input, expected) in [
        // NUL bytes inside a line are dropped (vppctl ends commands with one).
        (&b"sh\0ow ver\0sion\n"[..], snap.version.clone()),
        // Telnet negotiations inside a line are consumed.
        (
            b"show \xff\xfb\x01\xff\xfd\x18\xff\xfe\x1fversion\n",
            snap.version.clone(),
        ),
        // A malformed subnegotiation (IAC other than IAC/SE inside SB) is
        // dropped and data resumes after it.
        (
            b"\xff\xfa\x18\x00ab\xff\x41show version\n",
            snap.version.clone(),
        ),
        // An oversized one (10 KiB) too.
        (
            &[
                &b"\xff\xfa\x18\x00"[..],
                &[b'a'; 10 * 1024],
                b"\xff\xf0show version\n",
            ]
            .concat(),
            snap.version.clone(),
        ),
        // A terminal type in the middle of a batch session changes nothing.
        (
            &[&ttype("xterm")[..], b"show version\n"].concat(),
            snap.version.clone(),
        ),
        // IAC IAC is a 0xff data byte: invalid UTF-8, shown as U+FFFD.
        (
            b"show \xff\xff\n",
            "\x01show: unknown input `\u{fffd}'\n".into(),
        ),
        // Invalid UTF-8 in a word.
        (
            b"show \xc3\x28\xa0\xa1 version\n",
            "\x01show: unknown input `\u{fffd}(\u{fffd}\u{fffd} version'\n".into(),
        ),
        // Control characters are not blanks: an unknown word.
        (
            b"\x1b[A\x03\x04 show\n",
            "\x01unknown input `\x1b[A\x03\x04 show'\n".into(),
        ),
        // Only blanks, NULs and CRs: an empty line, an empty reply.
        (b" \0\r\t \n", String::new()),
        // An unknown weftctl request.
        (b"\x02frob\n", "\x01unknown request `frob'\n".into()),
    ] {
        c.send(input);
        assert_eq!(
            c.reply(),
            expected,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
    // IAC AYT is answered inline (VPP answers `fd.io VPP`), before the next
    // command's output.
    c.send(b"\xff\xf6show version\n");
    assert_eq!(c.reply(), format!("weft\n{}", snap.version));
    assert_eq!(c.command("show interface"), snap.interface);
    drop(c);

    // 1 MiB of random bytes (every value, NULs and IACs included): with no
    // handshake at all, after a vppctl handshake and after a weftctl one.
    // Whatever it makes of them, the server answers and closes the
    // connection at EOF.
    for (seed, prefix) in [
        (1u64, Vec::new()),
        (2, ttype("vppctl")),
        (3, ttype("weftctl")),
    ] {
        let back = junk_session(&d, &prefix, junk(MIB, 0x9e37_79b9_7f4a_7c15 ^ seed));
        assert!(back.len() >= GREETING_LEN, "seed {seed}: no greeting");
        assert_unaffected(&mut d, &snap, "random junk");
    }
    // Many junk lines in a row (none a command: they start with `zz`), sent
    // without waiting: exactly one reply per line, in order.
    let mut c = Conn::session(&d, "vppctl");
    let words: Vec<String> = junk(64 * 1024, 7)
        .chunks(40)
        .map(|chunk| {
            let letters = chunk[1..].iter().take(usize::from(chunk[0]) % 40);
            let letters: String = letters.map(|b| char::from(b'a' + b % 26)).collect();
            format!("zz{letters}")
        })
        .collect();
    let input: String = words.iter().map(|w| format!("{w}\n")).collect();
    let mut w = c.s.try_clone().unwrap();
    let writer = thread::spawn(move || w.write_all(input.as_bytes()).unwrap());
    for word in &words {
        let cut: String = word.chars().take(30).collect();
        assert_eq!(c.reply(), format!("unknown input `{cut}'\n"));
    }
    writer.join().unwrap();
    assert_eq!(c.command("show version"), snap.version);
    drop(c);

    assert_back_to(&d, base, "binary junk");
    assert_unaffected(&mut d, &snap, "binary junk");
}

// ---------------------------------------------------------------------------
// Many clients at once
// ---------------------------------------------------------------------------

/// 100 clients at once, each creating, showing and deleting its own
/// loopback; then the session limit.
#[test]
fn hundred_concurrent_clients() {
    const CLIENTS: usize = 100;
    let mut d = Daemon::start("abuse-many", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);

    // Three rendezvous: all connected; all loopbacks created; all deleted.
    let connected = Arc::new(Barrier::new(CLIENTS + 1));
    let created = Arc::new(Barrier::new(CLIENTS + 1));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let path = d.socket.clone();
            let snap = snap.clone();
            let (connected, created) = (connected.clone(), created.clone());
            thread::spawn(move || {
                let mut c = Client::connect(&path).unwrap();
                connected.wait();
                let run = |c: &mut Client, cmd: &str| {
                    let r = c.execute(cmd).unwrap();
                    assert!(!r.failed, "client {i}: `{cmd}` failed: {}", r.text);
                    r.text
                };
                assert_eq!(run(&mut c, "show version"), snap.version, "client {i}");
                let name = run(&mut c, "create loopback interface");
                let name = name.strip_suffix('\n').unwrap().to_string();
                assert!(name.starts_with("loop"), "client {i}: {name:?}");
                created.wait();
                let row = run(&mut c, &format!("show interface {name}"));
                let row = row.lines().nth(1).unwrap_or_default().to_string();
                assert!(row.starts_with(&format!("{name} ")), "client {i}: {row:?}");
                assert!(row.contains(" down "), "client {i}: {row:?}");
                assert_eq!(
                    run(&mut c, &format!("delete loopback interface intfc {name}")),
                    "",
                    "client {i}"
                );
                assert_eq!(run(&mut c, "show vxlan tunnel"), snap.vxlan, "client {i}");
                c.quit().unwrap();
                name
            })
        })
        .collect();

    connected.wait();
    // One thread per session: all hundred are being served at once.
    let open = usage(&d);
    assert_eq!(open.threads, base.threads + CLIENTS, "{open:?} vs {base:?}");
    assert!(open.fds >= base.fds + CLIENTS, "{open:?} vs {base:?}");
    // None of them quits before `created`, so 28 more fill the 128
    // sessions weftd serves at once; a root client (this test, when run as
    // root) gets the one reserved slot beyond; the next one is turned away.
    let open = MAX_SESSIONS + if is_root() { ROOT_RESERVE } else { 0 };
    let extra: Vec<Conn> = (CLIENTS..open)
        .map(|_| Conn::session(&d, "vppctl"))
        .collect();
    let mut refused = Conn::raw(&d);
    assert_eq!(
        String::from_utf8(refused.rest()).unwrap(),
        format!("weft: too many CLI sessions ({open} open); try again later\n")
    );
    drop(extra);
    created.wait();
    let names: BTreeSet<String> = clients
        .into_iter()
        .map(|t| t.join().expect("a client failed"))
        .collect();
    // Each got its own loopback; loop0 was there before.
    let expected: BTreeSet<String> = (1..=CLIENTS).map(|n| format!("loop{n}")).collect();
    assert_eq!(names, expected);

    assert_back_to(&d, base, "100 clients");
    assert_unaffected(&mut d, &snap, "100 clients");
}

// ---------------------------------------------------------------------------
// Clients that vanish or never read
// ---------------------------------------------------------------------------

/// The interface names in `show interface` (rows that do not start with a
/// blank; the header and counter lines do).
fn interface_names(d: &Daemon) -> Vec<String> {
    d.ok("show interface")
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn vanishing_and_stalled_clients() {
    let mut d = Daemon::start("abuse-vanish", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);

    // Gone at once, gone after the greeting, gone in the middle of the
    // terminal-type answer, gone after half a command line (before and
    // after the handshake): nothing runs, nothing stays open. `create
    // loopback inter` is a complete command by prefix, so running the
    // half line at EOF would show up as a new interface.
    for _ in 0..10 {
        drop(UnixStream::connect(&d.socket).unwrap());
        let mut c = Conn::raw(&d);
        c.s.read_exact(&mut [0u8; GREETING_LEN]).unwrap();
        drop(c);
        let mut c = Conn::raw(&d);
        c.send(b"\xff\xfa\x18\x00vpp");
        drop(c);
        let mut c = Conn::raw(&d);
        c.send(b"create loopback inter");
        drop(c);
        for term in ["vppctl", "weftctl", "xterm"] {
            let mut c = Conn::session(&d, term);
            c.send(b"create loopback inter");
            drop(c);
        }
    }
    assert_back_to(&d, base, "clients gone mid-line");
    assert_unaffected(&mut d, &snap, "clients gone mid-line");

    // Gone right after sending a whole command, before its reply: the
    // command was received, so it runs, exactly once.
    for _ in 0..10 {
        let mut c = Conn::session(&d, "weftctl");
        c.send(b"create loopback interface\n");
        drop(c);
    }
    assert_back_to(&d, base, "clients gone before the reply");
    let mut names = interface_names(&d);
    names.sort();
    let mut expected: Vec<String> = ["local0", "vxlan_tunnel0"]
        .into_iter()
        .map(String::from)
        .chain((0..=10).map(|n| format!("loop{n}")))
        .collect();
    expected.sort();
    assert_eq!(names, expected, "each vanished client's command ran once");
    for n in 1..=10 {
        assert_eq!(
            d.ok(&format!("delete loopback interface intfc loop{n}")),
            ""
        );
    }
    assert_unaffected(&mut d, &snap, "clients gone before the reply");

    // A client that sends many commands and never reads their output: once
    // the socket buffers are full its session waits in write(2), and a last
    // command (`create loopback interface`) stays unexecuted. Meanwhile
    // weftd accepts and serves everybody else.
    let n = flood_len(&snap);
    let flood = |c: &mut Conn| flood(c, n);
    let mut stalled = Conn::session(&d, "weftctl");
    flood(&mut stalled);
    let t0 = Instant::now();
    let mut with_loop1 = None;
    while t0.elapsed() < Duration::from_secs(1) {
        assert_eq!(Snapshot::take(&d), snap, "while a client is not reading");
        assert_eq!(d.ok("create loopback interface"), "loop1\n");
        with_loop1.get_or_insert_with(|| d.ok("show interface"));
        assert_eq!(d.ok("delete loopback interface intfc loop1"), "");
    }
    // It reads at last: every reply is there, in order, then the last
    // command runs. Replies its session computed before it stalled may
    // have seen loop1, which the loop above creates and deletes.
    let with_loop1 = with_loop1.expect("the loop ran");
    for i in 0..n {
        let r = stalled.reply();
        assert!(
            r == snap.interface || r == with_loop1,
            "reply {i} of {n}: {r}"
        );
    }
    assert_eq!(stalled.reply(), "loop1\n");
    drop(stalled);
    assert_eq!(d.ok("delete loopback interface intfc loop1"), "");

    // The same client vanishing while its session waits in write(2): the
    // write fails, the session ends, its unread commands never run.
    let mut gone = Conn::session(&d, "weftctl");
    flood(&mut gone);
    assert_eq!(gone.reply(), snap.interface, "the flood is being answered");
    thread::sleep(Duration::from_millis(300));
    assert_eq!(Snapshot::take(&d), snap, "while a client is not reading");
    drop(gone);
    assert_back_to(&d, base, "client gone while its output was pending");
    assert_unaffected(&mut d, &snap, "client gone while its output was pending");
}

/// How many `show interface` replies overfill the socket buffers between
/// weftd and a client that does not read (8 times the default send
/// buffer, in replies as long as `snap`'s).
fn flood_len(snap: &Snapshot) -> usize {
    let wmem: usize = std::fs::read_to_string("/proc/sys/net/core/wmem_default")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(212_992);
    8 * wmem / (snap.interface.len() + 1) + 1
}

/// Sends `n` `sh int` then `create loopback interface`, reading nothing.
fn flood(c: &mut Conn, n: usize) {
    let mut input = "sh int\n".repeat(n);
    input.push_str("create loopback interface\n");
    c.send(input.as_bytes());
}

/// A client that stays connected but never reads: its session waits in
/// write(2) for `WRITE_TIMEOUT` (30 s), then ends. weftd closes the
/// connection, frees the session's thread and descriptors, and the
/// commands it had not run yet never run.
#[test]
fn client_that_never_reads_loses_its_session_after_30_s() {
    use console::server::WRITE_TIMEOUT;
    let mut d = Daemon::start("abuse-stall", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);
    let n = flood_len(&snap);
    let mut stalled = Conn::session(&d, "weftctl");
    flood(&mut stalled, n);
    let t0 = Instant::now();
    assert_ne!(usage(&d), base, "the session is open");
    // Served meanwhile, and back to the idle usage once the session ends.
    while usage(&d) != base {
        assert!(
            t0.elapsed() < WRITE_TIMEOUT + Duration::from_secs(10),
            "the stalled session is still open after {:?}",
            t0.elapsed()
        );
        assert_eq!(Snapshot::take(&d), snap, "while a client is not reading");
        thread::sleep(Duration::from_millis(500));
    }
    let ended = t0.elapsed();
    assert!(
        ended >= WRITE_TIMEOUT - Duration::from_secs(1),
        "the session ended after {ended:?}, before the write timeout"
    );
    // What the client finds when it reads at last: the replies that fitted
    // in the buffers, then the end of the connection; not every reply, and
    // not the last command's.
    let out = stalled.rest();
    let replies: Vec<&[u8]> = out.split(|b| *b == 0).filter(|r| !r.is_empty()).collect();
    assert!(
        replies.len() < n,
        "{} of {n} replies arrived",
        replies.len()
    );
    assert!(
        replies.iter().all(|r| *r == snap.interface.as_bytes()),
        "a reply other than `show interface`'s (the last command's?)"
    );
    assert_unaffected(&mut d, &snap, "a client that never reads");
}

// ---------------------------------------------------------------------------
// exec
// ---------------------------------------------------------------------------

#[test]
fn exec_of_what_is_not_a_command_file() {
    let mut d = Daemon::start("abuse-exec", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);
    let dir = d.dir.join("exec");
    std::fs::create_dir(&dir).unwrap();

    // VPP's own messages (unix_cli_exec): nothing runs, nothing changes.
    let missing = dir.join("missing.cli");
    let fifo = dir.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    for (cmd, expected) in [
        (
            format!("exec {}", missing.display()),
            format!(
                "exec: failed to open `{}': No such file or directory",
                missing.display()
            ),
        ),
        (
            format!("exec {}", dir.display()),
            format!("exec: not a regular file `{}'", dir.display()),
        ),
        // Never opened, so the session does not block on a FIFO nobody
        // writes to.
        (
            format!("exec {}", fifo.display()),
            format!("exec: not a regular file `{}'", fifo.display()),
        ),
        (
            "exec /dev/null".into(),
            "exec: not a regular file `/dev/null'".into(),
        ),
    ] {
        assert_eq!(d.err(&cmd), expected);
        assert_unaffected(&mut d, &snap, &cmd);
    }

    // Exec files may run exec files, at most 8 levels deep: a chain of 8
    // works, a file that runs itself stops at the limit with a clear error
    // instead of overflowing the session thread's stack (it used to abort
    // weftd).
    let chain = |len: usize, last: &str| {
        for i in 0..len {
            let next = if i + 1 == len {
                last.to_string()
            } else {
                format!("exec {}", dir.join(format!("c{len}-{}", i + 1)).display())
            };
            std::fs::write(
                dir.join(format!("c{len}-{i}")),
                format!("# level {i}\n{next}\n"),
            )
            .unwrap();
        }
        format!("exec {}", dir.join(format!("c{len}-0")).display())
    };
    assert_eq!(d.ok(&chain(8, "create loopback interface")), "loop1\n");
    assert_eq!(d.ok("delete loopback interface intfc loop1"), "");
    let nine = chain(9, "create loopback interface");
    let mut expected = String::from("exec: ");
    for i in 0..8 {
        expected.push_str(&format!(
            "{}:2: exec: ",
            dir.join(format!("c9-{i}")).display()
        ));
    }
    expected.push_str("exec files nested deeper than 8 levels");
    assert_eq!(d.err(&nine), expected);
    assert_unaffected(&mut d, &snap, "9 nested exec files");

    let me = dir.join("me.cli");
    std::fs::write(&me, format!("exec {}\n", me.display())).unwrap();
    let mut expected = String::from("exec: ");
    for _ in 0..8 {
        expected.push_str(&format!("{}:1: exec: ", me.display()));
    }
    expected.push_str("exec files nested deeper than 8 levels");
    assert_eq!(d.err(&format!("exec {}", me.display())), expected);

    assert_back_to(&d, base, "exec");
    assert_unaffected(&mut d, &snap, "exec");
}

// ---------------------------------------------------------------------------
// Who may connect
// ---------------------------------------------------------------------------

/// True if the test may run as root and switch to `nobody` with
/// `runuser`. Otherwise it fails with a clear message, unless
/// `WEFT_SKIP_PRIVILEGED=1`: then it records itself in
/// `target/weft-skipped-privileged.txt` at the workspace root (which
/// `scripts/test.sh` counts and reports, as for tests/common/mod.rs) and
/// returns false.
fn privileged(test: &str) -> bool {
    let root = nix::unistd::Uid::effective().is_root();
    let runuser = root
        && Command::new("runuser")
            .args(["-u", "nobody", "--", "true"])
            .output()
            .is_ok_and(|o| o.status.success());
    if runuser {
        return true;
    }
    let why = if root {
        "`runuser -u nobody -- true` does not work here (util-linux runuser and the user nobody are needed)"
    } else {
        "the test needs root (it runs weftctl as nobody with runuser)"
    };
    if std::env::var("WEFT_SKIP_PRIVILEGED").as_deref() == Ok("1") {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/weft-skipped-privileged.txt"
        );
        let line = format!("{test}: {why}\n");
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        eprintln!("SKIPPED (WEFT_SKIP_PRIVILEGED=1): {line}");
        return false;
    }
    panic!(
        "{test}: {why}. Run the suite as root (scripts/test.sh), or set \
         WEFT_SKIP_PRIVILEGED=1 to skip privileged tests (they are then reported as skipped)"
    );
}

/// Runs weftctl as `nobody` against `socket`. The binary is copied next to
/// the socket (mode 0755), so the target directory's permissions play no
/// part.
fn weftctl_as_nobody(d: &Daemon, socket: &Path, args: &[&str]) -> Output {
    let ctl = d.dir.join("weftctl");
    if !ctl.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_weftctl"), &ctl).unwrap();
        std::fs::set_permissions(&ctl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&ctl)
        .arg("-s")
        .arg(socket)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn socket_refuses_users_outside_its_group() {
    if !privileged("abuse::socket_refuses_users_outside_its_group") {
        return;
    }
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let nobody_groups = Command::new("runuser")
        .args(["-u", "nobody", "--", "id", "-G"])
        .output()
        .unwrap();
    let nobody_groups: BTreeSet<u32> = String::from_utf8(nobody_groups.stdout)
        .unwrap()
        .split_whitespace()
        .map(|g| g.parse().unwrap())
        .collect();

    let mut d = Daemon::start("abuse-perm", &[]);
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);
    // The directory is open to everybody, so only the socket's own mode
    // and group can stop nobody.
    std::fs::set_permissions(&d.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let md = std::fs::metadata(&d.socket).unwrap();
    assert_eq!(md.permissions().mode() & 0o777, 0o660, "socket mode");
    assert_eq!(md.uid(), 0, "socket owner");
    assert!(
        !nobody_groups.contains(&md.gid()),
        "nobody ({nobody_groups:?}) must be outside the socket's group {}",
        md.gid()
    );

    // Control: as nobody, weftctl runs and reaches into the directory (a
    // socket that is not there is "No such file or directory", not
    // "Permission denied").
    let missing = d.dir.join("missing.sock");
    let out = weftctl_as_nobody(&d, &missing, &["show", "version"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "weftctl: cannot connect to {}: No such file or directory (os error 2) (is weftd running?)\n",
            missing.display()
        )
    );

    // The socket itself: EACCES.
    let out = weftctl_as_nobody(&d, &d.socket, &["show", "version"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "weftctl: cannot connect to {}: Permission denied (os error 13)\n",
            d.socket.display()
        )
    );
    assert!(out.stdout.is_empty());
    assert_back_to(&d, base, "refused connection");
    assert_unaffected(&mut d, &snap, "refused connection");

    // Control: with `unix { gid <nobody's group> }` the same user may
    // connect, and gets the same answers as root.
    let gid = nobody.gid.as_raw().to_string();
    let member = Daemon::start("abuse-perm-group", &["unix", "{", "gid", &gid, "}"]);
    std::fs::set_permissions(&member.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let md = std::fs::metadata(&member.socket).unwrap();
    assert_eq!(md.permissions().mode() & 0o777, 0o660);
    assert_eq!(md.gid(), nobody.gid.as_raw());
    let out = weftctl_as_nobody(&member, &member.socket, &["show", "version"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        member.ok("show version")
    );
}

// ---------------------------------------------------------------------------
// Idle sessions cannot lock anybody out
// ---------------------------------------------------------------------------

/// weftctl processes run as `nobody`, each holding one idle session (its
/// stdin a pipe the test never writes to: weftctl connects, completes the
/// handshake, then waits for a command line). Killed on drop.
struct Holders(Vec<std::process::Child>);

impl Drop for Holders {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The weftctl binary copied where `nobody` can run it (as
/// [`weftctl_as_nobody`] does).
fn nobody_weftctl(d: &Daemon) -> std::path::PathBuf {
    let ctl = d.dir.join("weftctl");
    if !ctl.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_weftctl"), &ctl).unwrap();
        std::fs::set_permissions(&ctl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    ctl
}

/// The lock-out of issue 18: 128 idle sessions held by a user who may use
/// the socket (`nobody`, in its group) used to turn every other client
/// away. Now a local root client still gets a session (the slot kept for
/// uid 0), a 129th client of `nobody` is turned away, the idle sessions
/// are closed after `cli-idle-timeout` and their slots come back, and a
/// connection that sends nothing is closed after `cli-first-input-timeout`.
#[test]
fn idle_sessions_cannot_lock_root_out_and_time_out() {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    if !privileged("abuse::idle_sessions_cannot_lock_root_out_and_time_out") {
        return;
    }
    const IDLE: Duration = Duration::from_secs(12);
    const FIRST_INPUT: Duration = Duration::from_secs(2);
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let gid = nobody.gid.as_raw().to_string();
    let mut d = Daemon::start(
        "abuse-idle",
        &[
            "unix",
            "{",
            "gid",
            &gid,
            "cli-idle-timeout",
            &IDLE.as_secs().to_string(),
            "cli-first-input-timeout",
            &FIRST_INPUT.as_secs().to_string(),
            "}",
        ],
    );
    std::fs::set_permissions(&d.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    configure(&d);
    let snap = Snapshot::take(&d);
    let base = idle_usage(&d);
    let ctl = nobody_weftctl(&d);
    let as_nobody = |args: &[&str]| {
        let mut c = Command::new(&ctl);
        c.uid(nobody.uid.as_raw())
            .gid(nobody.gid.as_raw())
            .arg("-s")
            .arg(&d.socket)
            .args(args);
        c
    };

    // nobody fills every session and sits on them.
    let mut holders = Holders(Vec::new());
    for _ in 0..MAX_SESSIONS {
        holders.0.push(
            as_nobody(&[])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    let filled = Instant::now();
    // Exactly the holders' sessions are open (one thread each): the
    // reserved slot is free again once an earlier session's thread ended.
    let only_holders = || {
        let deadline = Instant::now() + Duration::from_secs(20);
        while usage(&d).threads != base.threads + MAX_SESSIONS {
            assert!(
                Instant::now() < deadline,
                "{:?} with {MAX_SESSIONS} holders, {base:?} before",
                usage(&d)
            );
            thread::sleep(Duration::from_millis(20));
        }
    };
    only_holders();
    let all_open = Instant::now();
    assert!(
        all_open - filled < IDLE / 2,
        "holders took {:?}",
        all_open - filled
    );

    // Another client of nobody's is turned away...
    let out = as_nobody(&["show", "version"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "weftctl: cannot connect to {}: the server closed the connection: weft: too many \
             CLI sessions ({MAX_SESSIONS} open); try again later\n",
            d.socket.display()
        )
    );
    // ...root is not, and gets the usual answers.
    only_holders();
    assert_eq!(d.ok("show version"), snap.version);
    only_holders();
    let out = Command::new(env!("CARGO_BIN_EXE_weftctl"))
        .arg("-s")
        .arg(&d.socket)
        .args(["show", "vxlan", "tunnel"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), snap.vxlan);

    // A root connection that never sends anything is closed after the
    // first-input timeout (after the banner and prompt it got when no
    // terminal type came within 1 s), and told why.
    only_holders();
    let t0 = Instant::now();
    let mut silent = Conn::raw(&d);
    let out = silent.rest();
    let after = t0.elapsed();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.ends_with("weft# \r\nweft: no input for 2 s; closing the session\r\n"),
        "{text:?}"
    );
    assert!(
        after >= FIRST_INPUT && after < FIRST_INPUT + Duration::from_secs(2),
        "closed after {after:?}"
    );

    // The idle sessions end after cli-idle-timeout, not before; weftd is
    // back to what it held before.
    while usage(&d) != base {
        let waited = all_open.elapsed();
        assert!(
            waited < IDLE + Duration::from_secs(10),
            "{:?} after {waited:?}, {base:?} before",
            usage(&d)
        );
        thread::sleep(Duration::from_millis(100));
    }
    let ended = filled.elapsed();
    assert!(ended >= IDLE, "the idle sessions ended after {ended:?}");
    // nobody is served again, and a holder that finally sends a command
    // finds its session gone.
    let out = as_nobody(&["show", "version"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), snap.version);
    let mut late = holders.0.pop().unwrap();
    late.stdin
        .take()
        .unwrap()
        .write_all(b"show version\n")
        .unwrap();
    let out = late.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    drop(holders);
    assert_back_to(&d, base, "idle sessions");
    assert_unaffected(&mut d, &snap, "idle sessions");
}
