//! One CLI connection: telnet parsing, session kind, line handling and
//! output framing, independent of the socket (any [`Write`] will do, so
//! the tests drive it with a `Vec<u8>`).
//!
//! The server hands every received chunk to [`Session::feed`]; the session
//! calls the [`Executor`] for each complete line and writes the answer.
//! Which framing applies depends on the [`Kind`], decided by the terminal
//! type the client reports (see [`super::protocol`] for the wire rules and
//! weftctl's extensions).
//!
//! # Design
//!
//! * Until the terminal type arrives ([`Kind::Pending`]) data bytes are
//!   kept (up to [`super::protocol::MAX_LINE`]) and replayed once the kind
//!   is known. The server calls [`Session::deadline_expired`] after 1 s
//!   without a terminal type; the session then becomes interactive, as VPP's
//!   does.
//! * Commands run synchronously on the connection's thread; whatever was
//!   written before (echo, the newline) is flushed first, so a slow command
//!   shows its command line at once.
//! * Output follows `vlib_cli_output`: empty text prints nothing, otherwise a
//!   `\n` is appended if missing. Interactive sessions turn every `\n` into
//!   `\r\n`. NUL bytes are removed from command output (NUL frames batch
//!   replies).

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::editor::{Action, LineEditor};
use crate::history::{self, History};
use crate::protocol::{
    COMPLETE_REQUEST, END_OF_OUTPUT, ERROR_MARKER, JSON_REQUEST, MAX_LINE, REQUEST_MARKER,
    TERM_VPPCTL, TERM_WEFTCTL, format_candidates, is_quit, line_too_long_message,
};
use crate::telnet::{Event, Parser, SERVER_GREETING};

/// Executes one command line; returns the text to print (may be empty) or
/// an error message already formatted as VPP prints it (e.g.
/// "create vxlan tunnel: vni not specified" or "unknown input `foo'").
///
/// The server calls it from one thread per connection, concurrently.
pub trait Executor: Send + Sync + 'static {
    /// Runs `line` (leading and trailing blanks already removed, never
    /// empty, never `quit`/`exit`, which the session handles itself).
    fn execute(&self, line: &str) -> Result<String, String>;

    /// Words that can follow `prefix` (for `?` and tab completion):
    /// (word, short help). `prefix` is the complete words typed so far,
    /// joined by single spaces (empty at the start of a line); the caller
    /// filters by the partial word being typed. Words that start with `<`
    /// or `[` are placeholders: listed by `?`, never inserted by TAB.
    fn complete(&self, prefix: &str) -> Vec<(String, String)>;

    /// Runs `line` for weftctl's `--json` (the `"\x02json "` request, see
    /// [`super::protocol`]): the answer should be one JSON document. The
    /// default runs the plain command, so `--json` passes text through
    /// until an executor overrides this.
    fn execute_json(&self, line: &str) -> Result<String, String> {
        self.execute(line)
    }
}

/// What the session knows about its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No terminal type yet: data is held back.
    Pending,
    /// A person at a terminal: banner, prompt, echo, line editing, CRLF.
    Interactive,
    /// vppctl (or weftctl, with `extensions`): one command per line, no
    /// prompt or echo, a NUL after every command's output.
    Batch {
        /// weftctl's error marker and `\x02` requests are enabled.
        extensions: bool,
    },
}

/// Whether the connection should stay open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// `quit`/`exit`/`^D`: close the connection.
    Close,
}

/// What a command may know about the session that runs it: see
/// [`current`].
#[derive(Debug)]
pub struct Context {
    /// The session's kind (never [`Kind::Pending`]: commands run once the
    /// kind is known).
    pub kind: Kind,
    /// The lines the session ran, this one included: an interactive
    /// session's (VPP's `history`), and a weftctl session's (a weft
    /// extension). `None` for vppctl, which VPP gives no history.
    pub history: Option<History>,
}

thread_local! {
    /// The context of the command running on this thread. Each session
    /// runs its commands on its own thread, so the thread says which
    /// session a command came from.
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs `f` with the [`Context`] of the session whose command is running
/// on this thread; `None` when the command does not come from a session
/// (weftd's startup exec files, tests calling an [`Executor`] directly).
pub fn current<R>(f: impl FnOnce(Option<&Context>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_ref()))
}

/// The banner an interactive session starts with (VPP prints its ASCII art
/// there).
pub const BANNER: &str = concat!(
    "weft ",
    env!("CARGO_PKG_VERSION"),
    ": userspace packet forwarder, VPP-style debug CLI\n",
    "Type `?' for the words that can come next, TAB to complete, `quit' to leave.\n",
    "\n"
);

/// The answer to telnet `AYT` (VPP answers `fd.io VPP`).
pub const AYT_ANSWER: &str = "weft\n";

/// One connection's state; see the module docs.
pub struct Session<W: Write> {
    executor: Arc<dyn Executor>,
    out: W,
    obuf: Vec<u8>,
    telnet: Parser,
    kind: Kind,
    pending: Vec<u8>,
    editor: LineEditor,
    line: Vec<u8>,
    discarding: bool,
    window: Option<(u16, u16)>,
    banner: bool,
    /// What a weftctl session ran (an interactive session's history is the
    /// editor's).
    batch_history: History,
}

impl<W: Write> std::fmt::Debug for Session<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("kind", &self.kind)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Session<W> {
    /// A session writing to `out`, showing `prompt` when interactive (a
    /// space is appended if missing, as VPP's `cli-prompt` does).
    pub fn new(executor: Arc<dyn Executor>, out: W, prompt: &str) -> Self {
        Session {
            executor,
            out,
            obuf: Vec::new(),
            telnet: Parser::new(),
            kind: Kind::Pending,
            pending: Vec::new(),
            editor: LineEditor::new(normalize_prompt(prompt), history::DEFAULT_LIMIT),
            line: Vec::new(),
            discarding: false,
            window: None,
            banner: true,
            batch_history: History::default(),
        }
    }

    /// Keeps `limit` lines of history (VPP's `cli-history-limit`, default
    /// [`history::DEFAULT_LIMIT`]; 0 keeps none).
    #[must_use]
    pub fn history_limit(mut self, limit: usize) -> Self {
        self.editor = LineEditor::new(self.editor.prompt().to_string(), limit);
        self.batch_history = History::new(limit);
        self
    }

    /// The lines the session ran, if it keeps any (see [`Context`]).
    #[must_use]
    pub fn history(&self) -> Option<&History> {
        match self.kind {
            Kind::Interactive => Some(self.editor.history()),
            Kind::Batch { extensions: true } => Some(&self.batch_history),
            Kind::Batch { extensions: false } | Kind::Pending => None,
        }
    }

    fn history_mut(&mut self) -> Option<&mut History> {
        match self.kind {
            Kind::Interactive => Some(self.editor.history_mut()),
            Kind::Batch { extensions: true } => Some(&mut self.batch_history),
            Kind::Batch { extensions: false } | Kind::Pending => None,
        }
    }

    /// Runs `run` (a call of the executor) with this session as the
    /// thread's [`Context`]: the history is lent to it and taken back.
    fn in_context(
        &mut self,
        run: impl FnOnce(&dyn Executor) -> Result<String, String>,
    ) -> Result<String, String> {
        let history = self.history_mut().map(std::mem::take);
        let kind = self.kind;
        CURRENT.with(|c| *c.borrow_mut() = Some(Context { kind, history }));
        let result = run(&*self.executor);
        let lent = CURRENT
            .with(|c| c.borrow_mut().take())
            .and_then(|c| c.history);
        if let (Some(slot), Some(h)) = (self.history_mut(), lent) {
            *slot = h;
        }
        result
    }

    /// Whether an interactive session starts with [`BANNER`] (it does by
    /// default; VPP's `nobanner` turns it off).
    #[must_use]
    pub fn banner(mut self, on: bool) -> Self {
        self.banner = on;
        self
    }

    /// Sends the telnet greeting (VPP's option bytes, verbatim).
    ///
    /// # Errors
    /// Writing to the client failed.
    pub fn start(&mut self) -> io::Result<()> {
        self.obuf.extend_from_slice(&SERVER_GREETING);
        self.flush()
    }

    /// The session kind so far.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The client's window size (telnet NAWS), if it sent one.
    #[must_use]
    pub fn window_size(&self) -> Option<(u16, u16)> {
        self.window
    }

    /// No terminal type arrived in time: become interactive (banner,
    /// prompt), then process what was held back.
    ///
    /// # Errors
    /// Writing to the client failed.
    pub fn deadline_expired(&mut self) -> io::Result<Flow> {
        let flow = if self.kind == Kind::Pending {
            self.become_kind(Kind::Interactive)?
        } else {
            Flow::Continue
        };
        self.flush()?;
        Ok(flow)
    }

    /// The session is being closed for want of input after `idle`: an
    /// interactive session is told why (batch clients, vppctl and weftctl,
    /// get nothing that could be taken for a reply).
    ///
    /// # Errors
    /// Writing to the client failed.
    pub fn idle_close(&mut self, idle: Duration) -> io::Result<()> {
        if self.kind == Kind::Interactive {
            self.obuf.extend_from_slice(b"\r\n");
            self.write_text(&format!(
                "weft: no input for {} s; closing the session",
                idle.as_secs()
            ));
        }
        self.flush()
    }

    /// Processes received bytes, running every command they complete.
    ///
    /// # Errors
    /// Writing to the client failed.
    pub fn feed(&mut self, input: &[u8]) -> io::Result<Flow> {
        for &b in input {
            let Some(event) = self.telnet.push(b) else {
                continue;
            };
            if self.event(event)? == Flow::Close {
                self.flush()?;
                return Ok(Flow::Close);
            }
        }
        self.flush()?;
        Ok(Flow::Continue)
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.obuf.is_empty() {
            self.out.write_all(&self.obuf)?;
            self.obuf.clear();
        }
        self.out.flush()
    }

    fn event(&mut self, event: Event) -> io::Result<Flow> {
        match event {
            Event::Data(b) => self.data(b),
            Event::TerminalType(term) => self.terminal_type(&term),
            Event::WindowSize { width, height } => {
                self.window = Some((width, height));
                Ok(Flow::Continue)
            }
            Event::AreYouThere => {
                self.write_text(AYT_ANSWER);
                Ok(Flow::Continue)
            }
            Event::Negotiation { .. } | Event::TerminalTypeRequest | Event::Other => {
                Ok(Flow::Continue)
            }
        }
    }

    fn terminal_type(&mut self, term: &str) -> io::Result<Flow> {
        let batch = if term.eq_ignore_ascii_case(TERM_VPPCTL) {
            Some(Kind::Batch { extensions: false })
        } else if term.eq_ignore_ascii_case(TERM_WEFTCTL) {
            Some(Kind::Batch { extensions: true })
        } else {
            None
        };
        log::debug!("cli: terminal type {term:?}");
        match (self.kind, batch) {
            (Kind::Pending, Some(kind)) => self.become_kind(kind),
            (Kind::Pending, None) => self.become_kind(Kind::Interactive),
            // VPP switches to line mode whenever `vppctl` arrives.
            (Kind::Interactive, Some(kind)) => {
                self.kind = kind;
                Ok(Flow::Continue)
            }
            _ => Ok(Flow::Continue),
        }
    }

    fn become_kind(&mut self, kind: Kind) -> io::Result<Flow> {
        self.kind = kind;
        if kind == Kind::Interactive {
            if self.banner {
                self.write_text(BANNER);
            }
            self.editor.redraw(&mut self.obuf);
        }
        for b in std::mem::take(&mut self.pending) {
            if self.data(b)? == Flow::Close {
                return Ok(Flow::Close);
            }
        }
        Ok(Flow::Continue)
    }

    fn data(&mut self, b: u8) -> io::Result<Flow> {
        match self.kind {
            Kind::Pending => {
                if self.pending.len() >= MAX_LINE {
                    self.become_kind(Kind::Interactive)?;
                    return self.data(b);
                }
                self.pending.push(b);
                Ok(Flow::Continue)
            }
            Kind::Interactive => {
                let executor = &self.executor;
                let action = self
                    .editor
                    .key(b, &mut self.obuf, &|prefix| executor.complete(prefix));
                match action {
                    Action::None => Ok(Flow::Continue),
                    Action::Quit => Ok(Flow::Close),
                    Action::Execute(line) => self.run_interactive(&line),
                }
            }
            Kind::Batch { extensions } => self.batch_byte(b, extensions),
        }
    }

    fn run_interactive(&mut self, line: &str) -> io::Result<Flow> {
        let line = line.trim();
        if is_quit(line) {
            return Ok(Flow::Close);
        }
        if !line.is_empty() {
            self.flush()?;
            let (Ok(text) | Err(text)) = self.in_context(|e| e.execute(line));
            self.write_text(&text);
        }
        self.editor.redraw(&mut self.obuf);
        Ok(Flow::Continue)
    }

    fn batch_byte(&mut self, b: u8, extensions: bool) -> io::Result<Flow> {
        match b {
            b'\n' => {
                let line = std::mem::take(&mut self.line);
                if std::mem::take(&mut self.discarding) {
                    return Ok(Flow::Continue);
                }
                self.run_batch(&line, extensions)
            }
            b'\r' | 0 => Ok(Flow::Continue),
            _ if self.discarding => Ok(Flow::Continue),
            _ if self.line.len() >= MAX_LINE => {
                self.line = Vec::new();
                self.discarding = true;
                self.batch_reply(Err(line_too_long_message()), extensions);
                Ok(Flow::Continue)
            }
            _ => {
                self.line.push(b);
                Ok(Flow::Continue)
            }
        }
    }

    fn run_batch(&mut self, line: &[u8], extensions: bool) -> io::Result<Flow> {
        let text = String::from_utf8_lossy(line);
        let line = text.trim();
        if is_quit(line) {
            return Ok(Flow::Close);
        }
        let result = if line.is_empty() {
            Ok(String::new())
        } else if extensions && line.starts_with(REQUEST_MARKER) {
            self.flush()?;
            self.request(line)
        } else {
            self.flush()?;
            if extensions {
                self.batch_history.add(line);
            }
            self.in_context(|e| e.execute(line))
        };
        self.batch_reply(result, extensions);
        Ok(Flow::Continue)
    }

    /// A weftctl `\x02…` request.
    fn request(&mut self, line: &str) -> Result<String, String> {
        let arg = |req: &str| {
            line.strip_prefix(req.trim_end())
                .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
                .map(str::trim)
        };
        if let Some(prefix) = arg(COMPLETE_REQUEST) {
            Ok(format_candidates(&self.executor.complete(prefix)))
        } else if let Some(command) = arg(JSON_REQUEST) {
            if command.is_empty() {
                // As the executor's errors under --json (weft's docs/json.md).
                Err(r#"{"error":"json: command not specified"}"#.to_string())
            } else {
                self.batch_history.add(command);
                self.in_context(|e| e.execute_json(command))
            }
        } else {
            let name = line[1..].split_whitespace().next().unwrap_or("");
            Err(format!("unknown request `{name}'"))
        }
    }

    fn batch_reply(&mut self, result: Result<String, String>, extensions: bool) {
        let text = match result {
            Ok(text) => text,
            Err(text) => {
                if extensions {
                    self.obuf.push(ERROR_MARKER);
                }
                text
            }
        };
        self.write_text(&text);
        self.obuf.push(END_OF_OUTPUT);
    }

    /// Writes command output as `vlib_cli_output` does: nothing if empty,
    /// else the text plus `\n` if missing; CRLF when interactive.
    fn write_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let crlf = self.kind == Kind::Interactive;
        for &b in text.as_bytes() {
            match b {
                0 => {}
                b'\n' if crlf => self.obuf.extend_from_slice(b"\r\n"),
                _ => self.obuf.push(b),
            }
        }
        if !text.ends_with('\n') {
            self.obuf
                .extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
    }
}

fn normalize_prompt(prompt: &str) -> String {
    if prompt.ends_with(' ') {
        prompt.to_string()
    } else {
        format!("{prompt} ")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::telnet::{IAC, OPT_NAWS, SB, SE, terminal_type_reply};

    /// The fake executor the CLI tests share.
    #[derive(Debug, Default)]
    pub(crate) struct Fake;

    impl Executor for Fake {
        fn execute(&self, line: &str) -> Result<String, String> {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["show", "version"] => Ok("weft 0.1.0 (fake)".into()),
                ["echo", ..] => Ok(line["echo".len()..].trim().to_string()),
                ["silent"] => Ok(String::new()),
                ["slow"] => {
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    Ok("slow done\n".into())
                }
                ["fail"] => Err("fail: it failed".into()),
                ["history"] => current(|c| match c {
                    Some(Context {
                        history: Some(h), ..
                    }) => Ok(h.format()),
                    Some(_) => Err("history: invalid for non-interactive sessions".into()),
                    None => Err("history: not in a session".into()),
                }),
                _ => Err(unknown_input(line)),
            }
        }

        fn complete(&self, prefix: &str) -> Vec<(String, String)> {
            let words: &[(&str, &str)] = match prefix {
                "" => &[
                    ("show", "Show commands"),
                    ("slow", "Sleep 2 s"),
                    ("echo", "Print the rest of the line"),
                ],
                "show" => &[("version", "Show version"), ("verbose", "Verbose")],
                "echo" => &[("<text>", "Anything")],
                _ => &[],
            };
            words
                .iter()
                .map(|(w, h)| (w.to_string(), h.to_string()))
                .collect()
        }
    }

    /// VPP's ``unknown input `<rest>'``: the rest cut to 30 chars, trailing
    /// blanks stripped (`format_unformat_error`).
    pub(crate) fn unknown_input(rest: &str) -> String {
        let cut: String = rest.chars().take(30).collect();
        format!("unknown input `{}'", cut.trim_end())
    }

    fn session() -> Session<Vec<u8>> {
        let mut s = Session::new(Arc::new(Fake), Vec::new(), "weft#");
        s.start().unwrap();
        s
    }

    fn take(s: &mut Session<Vec<u8>>) -> Vec<u8> {
        std::mem::take(&mut s.out)
    }

    #[test]
    fn greeting_then_vppctl_batch() {
        let mut s = session();
        assert_eq!(take(&mut s), SERVER_GREETING);
        assert_eq!(s.kind(), Kind::Pending);
        // vppctl sends the command, its newline and a NUL right after TTYPE.
        let mut input = terminal_type_reply("vppctl");
        input.extend_from_slice(b"show version\n\0");
        assert_eq!(s.feed(&input).unwrap(), Flow::Continue);
        assert_eq!(s.kind(), Kind::Batch { extensions: false });
        assert_eq!(take(&mut s), b"weft 0.1.0 (fake)\n\0");
        s.feed(b"bogus  cmd \n").unwrap();
        assert_eq!(take(&mut s), b"unknown input `bogus  cmd'\n\0");
        s.feed(b"silent\n\n").unwrap();
        assert_eq!(take(&mut s), b"\0\0");
        assert_eq!(s.feed(b"quit\n").unwrap(), Flow::Close);
        assert_eq!(take(&mut s), b"");
    }

    #[test]
    fn unknown_input_is_cut_at_30() {
        assert_eq!(
            unknown_input("abcdefghijklmnopqrstuvwxyz0123456789"),
            "unknown input `abcdefghijklmnopqrstuvwxyz0123'"
        );
        assert_eq!(
            unknown_input("abcdefghijklmnopqrstuvwxyz012   x"),
            "unknown input `abcdefghijklmnopqrstuvwxyz012'"
        );
    }

    #[test]
    fn data_before_ttype_is_replayed() {
        let mut s = session();
        take(&mut s);
        s.feed(b"echo early\n").unwrap();
        assert_eq!(take(&mut s), b"");
        s.feed(&terminal_type_reply("vppctl")).unwrap();
        assert_eq!(take(&mut s), b"early\n\0");
    }

    #[test]
    fn weftctl_extensions() {
        let mut s = session();
        take(&mut s);
        s.feed(&terminal_type_reply("weftctl")).unwrap();
        assert_eq!(s.kind(), Kind::Batch { extensions: true });
        s.feed(b"fail\n").unwrap();
        assert_eq!(take(&mut s), b"\x01fail: it failed\n\0");
        s.feed(b"show version\n").unwrap();
        assert_eq!(take(&mut s), b"weft 0.1.0 (fake)\n\0");
        s.feed(b"\x02complete show\n").unwrap();
        assert_eq!(take(&mut s), b"version\tShow version\nverbose\tVerbose\n\0");
        s.feed(b"\x02complete\n").unwrap();
        let out = take(&mut s);
        assert!(out.starts_with(b"show\tShow commands\n") && out.ends_with(b"\0"));
        s.feed(b"\x02json show version\n").unwrap();
        assert_eq!(take(&mut s), b"weft 0.1.0 (fake)\n\0");
        s.feed(b"\x02json\n\x02frob x\n").unwrap();
        assert_eq!(
            take(&mut s),
            b"\x01{\"error\":\"json: command not specified\"}\n\0\x01unknown request `frob'\n\0"
        );
    }

    #[test]
    fn vppctl_never_sees_markers_or_requests() {
        let mut s = session();
        s.feed(&terminal_type_reply("vppctl")).unwrap();
        take(&mut s);
        s.feed(b"fail\n\x02complete show\n").unwrap();
        let out = String::from_utf8(take(&mut s)).unwrap();
        assert!(out.starts_with("fail: it failed\n\0unknown input `"));
        assert!(!out.contains('\x01'));
    }

    #[test]
    fn interactive_banner_prompt_echo_crlf() {
        let mut s = session();
        take(&mut s);
        s.feed(&terminal_type_reply("xterm")).unwrap();
        let expected = format!("{}weft# ", BANNER.replace('\n', "\r\n"));
        assert_eq!(String::from_utf8(take(&mut s)).unwrap(), expected);
        s.feed(b"echo a\nb\r").unwrap();
        // Only one line per Enter; "echo a" runs, then "b".
        let out = String::from_utf8(take(&mut s)).unwrap();
        assert_eq!(out, "echo a\r\na\r\nweft# b\r\nunknown input `b'\r\nweft# ");
        assert_eq!(s.feed(b"q\r").unwrap(), Flow::Close);
    }

    #[test]
    fn deadline_makes_interactive() {
        let mut s = session();
        take(&mut s);
        s.feed(b"show version\r").unwrap();
        assert_eq!(take(&mut s), b"");
        assert_eq!(s.deadline_expired().unwrap(), Flow::Continue);
        let out = String::from_utf8(take(&mut s)).unwrap();
        assert!(out.starts_with(BANNER.lines().next().unwrap()));
        assert!(out.ends_with("weft# show version\r\nweft 0.1.0 (fake)\r\nweft# "));
    }

    #[test]
    fn naws_and_ayt() {
        let mut s = session();
        s.feed(&[IAC, SB, OPT_NAWS, 0, 100, 0, 30, IAC, SE])
            .unwrap();
        assert_eq!(s.window_size(), Some((100, 30)));
        s.feed(&terminal_type_reply("vppctl")).unwrap();
        take(&mut s);
        s.feed(&[IAC, crate::telnet::AYT]).unwrap();
        assert_eq!(take(&mut s), b"weft\n");
    }

    #[test]
    fn overlong_batch_line() {
        let mut s = session();
        s.feed(&terminal_type_reply("weftctl")).unwrap();
        take(&mut s);
        s.feed(&vec![b'x'; MAX_LINE + 1000]).unwrap();
        let expected = format!("\x01{}\n\0", line_too_long_message());
        assert_eq!(take(&mut s), expected.as_bytes());
        s.feed(&vec![b'y'; 5000]).unwrap();
        s.feed(b"\nshow version\n").unwrap();
        assert_eq!(take(&mut s), b"weft 0.1.0 (fake)\n\0");
    }

    #[test]
    fn history_per_session_kind() {
        // Interactive: every line run, `history` included, numbered.
        let mut s = session();
        s.feed(&terminal_type_reply("xterm")).unwrap();
        take(&mut s);
        s.feed(b"show version\rshow version\r\rbogus\rhistory\r")
            .unwrap();
        let out = String::from_utf8(take(&mut s)).unwrap();
        assert!(
            out.ends_with("history\r\n1  show version\r\n2  bogus\r\n3  history\r\nweft# "),
            "{out:?}"
        );
        // The history is back in the session after the command.
        assert_eq!(s.history().unwrap().len(), 3);
        // weftctl: the same (JSON requests included, completion requests not).
        let mut s = session();
        s.feed(&terminal_type_reply("weftctl")).unwrap();
        take(&mut s);
        s.feed(b"echo a\n\x02complete show\n\x02json show version\nhistory\n")
            .unwrap();
        let out = String::from_utf8(take(&mut s)).unwrap();
        assert!(
            out.ends_with(concat!("\0", "1  echo a\n2  show version\n3  history\n\0")),
            "{out:?}"
        );
        // vppctl: none, as in VPP.
        let mut s = session();
        s.feed(&terminal_type_reply("vppctl")).unwrap();
        take(&mut s);
        s.feed(b"history\n").unwrap();
        assert_eq!(
            take(&mut s),
            b"history: invalid for non-interactive sessions\n\0"
        );
        assert!(s.history().is_none());
        // Limit 0: history not enabled.
        let mut s = Session::new(Arc::new(Fake), Vec::new(), "weft#").history_limit(0);
        s.feed(&terminal_type_reply("weftctl")).unwrap();
        s.feed(b"history\n").unwrap();
        assert_eq!(take(&mut s), b"History not enabled.\n\0");
        // Outside a session there is no context.
        assert_eq!(
            Fake.execute("history").unwrap_err(),
            "history: not in a session"
        );
    }

    #[test]
    fn junk_before_ttype_is_bounded() {
        let mut s = session();
        take(&mut s);
        let junk: Vec<u8> = (0..MAX_LINE * 3).map(|i| (i * 7 % 256) as u8).collect();
        s.feed(&junk).unwrap();
        assert!(s.pending.len() <= MAX_LINE);
    }
}
