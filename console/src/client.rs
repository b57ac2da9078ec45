//! One weftctl session on weftd's CLI socket.
//!
//! The client speaks vppctl's one-shot protocol (VPP's `vppctl.c`): it
//! waits for the server's telnet TTYPE request, answers with its terminal
//! type, sends one command per line and reads the output up to the NUL
//! that ends it. Its terminal type is `weftctl` rather than `vppctl`, which
//! turns on the extensions documented in `crate::protocol`: the
//! error marker (so [`Reply::failed`] is known), remote completion
//! ([`Client::complete`]) and JSON requests ([`Client::execute_json`]).
//!
//! # Limitations
//!
//! Against VPP itself use vppctl: VPP does not know the `weftctl` terminal
//! type and would treat the session as interactive.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use crate::protocol::{
    COMPLETE_REQUEST, END_OF_OUTPUT, ERROR_MARKER, JSON_REQUEST, TERM_WEFTCTL, is_quit,
    parse_candidates,
};
use crate::telnet::{Event, Parser, terminal_type_reply};

/// Where weftd listens unless told otherwise (VPP: `/run/vpp/cli.sock`).
pub const DEFAULT_SOCKET: &str = "/run/weft/cli.sock";

/// How long the server may take to send its greeting.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// One command's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The output, or the error message (marker removed).
    pub text: String,
    /// The command failed (the server sent the error marker).
    pub failed: bool,
}

/// A weftctl session; see the module docs.
#[derive(Debug)]
pub struct Client {
    stream: UnixStream,
    parser: Parser,
    buf: Vec<u8>,
    pos: usize,
}

impl Client {
    /// Connects to the CLI socket at `path` and completes the telnet
    /// handshake.
    ///
    /// # Errors
    /// The connection failed, or the server closed it or sent no TTYPE
    /// request within [`HANDSHAKE_TIMEOUT`] (the error carries any text it
    /// sent, e.g. "too many CLI sessions").
    pub fn connect(path: &Path) -> io::Result<Client> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
        let mut client = Client {
            stream,
            parser: Parser::new(),
            buf: Vec::new(),
            pos: 0,
        };
        let mut early = Vec::new();
        loop {
            let event = match client.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => {
                    let text = String::from_utf8_lossy(&early);
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        format!("the server closed the connection: {}", text.trim()),
                    ));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no telnet greeting from the server (is this weftd's CLI socket?)",
                    ));
                }
                Err(e) => return Err(e),
            };
            match event {
                Event::TerminalTypeRequest => break,
                Event::Data(b) if early.len() < 4096 => early.push(b),
                _ => {}
            }
        }
        client
            .stream
            .write_all(&terminal_type_reply(TERM_WEFTCTL))?;
        client.stream.set_read_timeout(None)?;
        Ok(client)
    }

    /// Runs one command. `quit`/`exit` are not sent (use [`Client::quit`]);
    /// they return an empty reply.
    ///
    /// # Errors
    /// I/O errors, the server closing the connection, or a command
    /// containing a line break or NUL.
    pub fn execute(&mut self, command: &str) -> io::Result<Reply> {
        if is_quit(command.trim()) {
            return Ok(Reply {
                text: String::new(),
                failed: false,
            });
        }
        self.request(command)
    }

    /// Runs one command asking for JSON output (`"\x02json "` request).
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub fn execute_json(&mut self, command: &str) -> io::Result<Reply> {
        self.request(&format!("{JSON_REQUEST}{}", command.trim()))
    }

    /// The words that can follow `prefix` (complete words, as
    /// `crate::protocol::split_for_completion` returns them), with
    /// their help. A failed request yields no words.
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub fn complete(&mut self, prefix: &str) -> io::Result<Vec<(String, String)>> {
        let reply = self.request(&format!("{COMPLETE_REQUEST}{prefix}"))?;
        Ok(if reply.failed {
            Vec::new()
        } else {
            parse_candidates(&reply.text)
        })
    }

    /// Sends `quit` and waits (a few seconds at most) for the server to close.
    ///
    /// # Errors
    /// Writing `quit` failed.
    pub fn quit(mut self) -> io::Result<()> {
        self.stream.write_all(b"quit\n")?;
        self.stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
        let mut sink = [0u8; 4096];
        while matches!(self.stream.read(&mut sink), Ok(n) if n > 0) {}
        Ok(())
    }

    fn request(&mut self, line: &str) -> io::Result<Reply> {
        if line.contains(['\n', '\r', '\0']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a command cannot contain a line break or a NUL byte",
            ));
        }
        let mut wire = Vec::with_capacity(line.len() + 1);
        wire.extend_from_slice(line.as_bytes());
        wire.push(b'\n');
        self.stream.write_all(&wire)?;
        let mut out = Vec::new();
        loop {
            match self.next_event()? {
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ));
                }
                Some(Event::Data(END_OF_OUTPUT)) => break,
                Some(Event::Data(b)) => out.push(b),
                Some(_) => {}
            }
        }
        let failed = out.first() == Some(&ERROR_MARKER);
        let text = String::from_utf8_lossy(if failed { &out[1..] } else { &out }).into_owned();
        Ok(Reply { text, failed })
    }

    /// The next telnet event from the server; `None` at EOF.
    fn next_event(&mut self) -> io::Result<Option<Event>> {
        loop {
            while self.pos < self.buf.len() {
                let b = self.buf[self.pos];
                self.pos += 1;
                if let Some(event) = self.parser.push(b) {
                    return Ok(Some(event));
                }
            }
            self.buf.resize(4096, 0);
            self.pos = 0;
            let n = loop {
                match self.stream.read(&mut self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
            let n = n.inspect_err(|_| self.buf.clear())?;
            self.buf.truncate(n);
            if n == 0 {
                return Ok(None);
            }
        }
    }
}
