//! weftctl's interactive console: rustyline for editing and history, the
//! daemon for completion.
//!
//! * Prompt [`PROMPT`] (weftd's `interactive` console: its `cli-prompt`); history in `~/.weft_history` ([`HISTORY_FILE`]).
//! * TAB completes through the daemon (`\x02complete` request); a unique
//!   word is inserted with a space, several are extended to their common
//!   prefix, then listed on a second TAB.
//! * `?` lists the words that can come next with their help, then gives the
//!   line back as it was (VPP's behaviour). It is implemented by binding `?`
//!   to an interrupt that remembers the line and cursor; the console prints
//!   the list and restarts the line editor with the same text.
//! * `quit`, `q`, `exit` or Ctrl-D leave; Ctrl-C abandons the line.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};

use crate::protocol::{
    filter_candidates, format_help_list, is_placeholder, is_quit, split_for_completion,
};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Context, Editor, Event, EventContext,
    EventHandler, Helper, KeyCode, KeyEvent, Modifiers, RepeatCount,
};

use crate::client::Client;

/// The console's prompt.
pub const PROMPT: &str = "weft# ";
/// History file name, in the home directory.
pub const HISTORY_FILE: &str = ".weft_history";

/// How the console session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user left (`quit`, Ctrl-D).
    Quit,
    /// The daemon closed the connection.
    Disconnected,
}

/// Runs the console until the user leaves or the daemon goes away,
/// showing `prompt` ([`PROMPT`] for weftctl). With `json`, commands are
/// sent as JSON requests.
///
/// # Errors
/// The terminal could not be set up or read.
pub fn run(client: Client, prompt: &str, json: bool) -> Result<Ending, ReadlineError> {
    let client = Rc::new(RefCell::new(client));
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(1000)?
        .build();
    let mut editor: Editor<ConsoleHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(ConsoleHelper {
        client: Rc::clone(&client),
    }));
    let help_request: Arc<Mutex<Option<(String, usize)>>> = Arc::default();
    editor.bind_sequence(
        KeyEvent(KeyCode::Char('?'), Modifiers::NONE),
        EventHandler::Conditional(Box::new(HelpKey(Arc::clone(&help_request)))),
    );
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }

    let mut initial: Option<(String, String)> = None;
    let ending = loop {
        let read = match initial.take() {
            Some((left, right)) => editor.readline_with_initial(prompt, (&left, &right)),
            None => editor.readline(prompt),
        };
        match read {
            Ok(line) => {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line);
                if is_quit(line) {
                    break Ending::Quit;
                }
                let mut client = client.borrow_mut();
                let reply = if json {
                    client.execute_json(line)
                } else {
                    client.execute(line)
                };
                match reply {
                    Ok(reply) => {
                        let mut stdout = io::stdout().lock();
                        let _ = stdout.write_all(reply.text.as_bytes());
                        let _ = stdout.flush();
                    }
                    Err(e) => {
                        eprintln!("weftctl: {e}");
                        break Ending::Disconnected;
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                let request = help_request
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                // A real Ctrl-C just abandons the line.
                let Some((line, pos)) = request else { continue };
                let (prefix, partial) = split_for_completion(&line[..pos]);
                let words = match client.borrow_mut().complete(&prefix) {
                    Ok(words) => filter_candidates(words, partial),
                    Err(e) => {
                        eprintln!("weftctl: {e}");
                        break Ending::Disconnected;
                    }
                };
                print!("{}", format_help_list(&words));
                let _ = io::stdout().flush();
                initial = Some((line[..pos].to_string(), line[pos..].to_string()));
            }
            Err(ReadlineError::Eof) => break Ending::Quit,
            Err(e) => return Err(e),
        }
    };
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    drop(editor);
    if ending == Ending::Quit
        && let Ok(client) = Rc::try_unwrap(client)
    {
        let _ = client.into_inner().quit();
    }
    Ok(ending)
}

fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(HISTORY_FILE))
}

/// `?`: remember the line and cursor, then interrupt the editor.
struct HelpKey(Arc<Mutex<Option<(String, usize)>>>);

impl ConditionalEventHandler for HelpKey {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((ctx.line().to_string(), ctx.pos()));
        Some(Cmd::Interrupt)
    }
}

/// Completion through the daemon; no hints, highlighting or validation.
struct ConsoleHelper {
    client: Rc<RefCell<Client>>,
}

impl Completer for ConsoleHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (prefix, partial) = split_for_completion(&line[..pos]);
        let words = self
            .client
            .try_borrow_mut()
            .ok()
            .and_then(|mut c| c.complete(&prefix).ok())
            .unwrap_or_default();
        let pairs = filter_candidates(words, partial)
            .into_iter()
            .filter(|(w, _)| !is_placeholder(w))
            .map(|(w, _)| Pair {
                display: w.clone(),
                replacement: format!("{w} "),
            })
            .collect();
        Ok((pos - partial.len(), pairs))
    }
}

impl Hinter for ConsoleHelper {
    type Hint = String;
}

impl Highlighter for ConsoleHelper {}

impl Validator for ConsoleHelper {}

impl Helper for ConsoleHelper {}
