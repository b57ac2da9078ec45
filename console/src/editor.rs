//! Server-side line editing for interactive sessions (VPP's
//! `unix_cli_line_edit`): echo, cursor movement, history, `?` and TAB.
//!
//! The editor works on bytes and draws with nothing but backspace (`\b`),
//! spaces and re-sent text, so it works on any terminal, `dumb` included.
//! Every newline it writes is `\r\n`.
//!
//! | key | action |
//! |---|---|
//! | printable ASCII | insert at the cursor |
//! | Enter (`\r`, `\n`, `\r\n`, `\r\0`) | run the line |
//! | Backspace (`DEL`, `^H`) / Delete (`ESC [3~`), `^D` | delete left / right of the cursor; `^D` on an empty line quits |
//! | `^A` `^E` Home End / `^B` `^F` ← → | move |
//! | `^U` / `^K` / `^W` | erase to start / to end / the word left of the cursor |
//! | `^C` | abandon the line, fresh prompt |
//! | `^L` | clear the screen, redraw |
//! | ↑ ↓ / `^P` `^N` | history (the line being typed is kept as a draft) |
//! | `?` | list the words that can come next, with their help |
//! | TAB | complete a unique word; extend to the common prefix; else list |
//!
//! # Limitations
//!
//! Only printable ASCII is inserted (VPP uses `isprint` too). No pager, no
//! reverse search, no ANSI colour.

use crate::protocol::{
    MAX_LINE, common_prefix, filter_candidates, format_help_list, is_placeholder,
    line_too_long_message, split_for_completion,
};

pub use crate::history::HISTORY_BYTES;
use crate::history::History;

/// What a key press asks the session to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing beyond what the editor already wrote.
    None,
    /// Run this line (the editor already wrote `\r\n`), then prompt again.
    Execute(String),
    /// Close the session (`^D` on an empty line).
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    Started,
    /// `ESC [` or `ESC O`, with the numeric parameter so far.
    Csi(u16),
}

/// One interactive session's line, cursor and history.
#[derive(Debug)]
pub(crate) struct LineEditor {
    prompt: String,
    buf: Vec<u8>,
    cursor: usize,
    history: History,
    /// Index into `history` while browsing it; `None` when editing a new line.
    browsing: Option<usize>,
    draft: Vec<u8>,
    esc: Esc,
    after_cr: bool,
    /// The current line overflowed [`MAX_LINE`]; discard until Enter.
    discarding: bool,
}

impl LineEditor {
    /// An editor showing `prompt`, remembering up to `history_limit`
    /// lines.
    pub(crate) fn new(prompt: String, history_limit: usize) -> Self {
        LineEditor {
            prompt,
            buf: Vec::new(),
            cursor: 0,
            history: History::new(history_limit),
            browsing: None,
            draft: Vec::new(),
            esc: Esc::None,
            after_cr: false,
            discarding: false,
        }
    }

    /// The prompt.
    pub(crate) fn prompt(&self) -> &str {
        &self.prompt
    }

    /// Writes the prompt (and the current line, if any).
    pub(crate) fn redraw(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.prompt.as_bytes());
        out.extend_from_slice(&self.buf);
        back(out, self.buf.len() - self.cursor);
    }

    /// Handles one input byte; `complete` answers "which words can follow
    /// this prefix" ([`super::Executor::complete`]).
    pub(crate) fn key(
        &mut self,
        b: u8,
        out: &mut Vec<u8>,
        complete: &dyn Fn(&str) -> Vec<(String, String)>,
    ) -> Action {
        if std::mem::take(&mut self.after_cr) && (b == b'\n' || b == 0) {
            return Action::None;
        }
        match self.esc {
            Esc::None => {}
            Esc::Started => {
                self.esc = if b == b'[' || b == b'O' {
                    Esc::Csi(0)
                } else {
                    Esc::None
                };
                return Action::None;
            }
            Esc::Csi(n) => {
                if b.is_ascii_digit() {
                    self.esc = Esc::Csi(n.saturating_mul(10).saturating_add(u16::from(b - b'0')));
                    return Action::None;
                }
                if b == b';' {
                    return Action::None;
                }
                self.esc = Esc::None;
                match (b, n) {
                    (b'A', _) => self.history_step(true, out),
                    (b'B', _) => self.history_step(false, out),
                    (b'C', _) => self.right(out),
                    (b'D', _) => self.left(out),
                    (b'H', _) | (b'~', 1 | 7) => self.home(out),
                    (b'F', _) | (b'~', 4 | 8) => self.end(out),
                    (b'~', 3) => self.delete_right(out),
                    _ => {}
                }
                return Action::None;
            }
        }
        if self.discarding {
            if b == b'\r' || b == b'\n' {
                self.after_cr = b == b'\r';
                self.discarding = false;
            }
            return Action::None;
        }
        match b {
            b'\r' | b'\n' => {
                self.after_cr = b == b'\r';
                self.end(out);
                out.extend_from_slice(b"\r\n");
                let line = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
                self.cursor = 0;
                self.browsing = None;
                self.draft.clear();
                self.history.add(&line);
                return Action::Execute(line);
            }
            0x1b => self.esc = Esc::Started,
            0x7f | 0x08 => self.backspace(out),
            0x01 => self.home(out),
            0x05 => self.end(out),
            0x02 => self.left(out),
            0x06 => self.right(out),
            0x04 => {
                if self.buf.is_empty() {
                    return Action::Quit;
                }
                self.delete_right(out);
            }
            0x0b => {
                let mut new = self.buf.clone();
                new.truncate(self.cursor);
                self.replace(new, self.cursor, out);
            }
            0x15 => {
                let new = self.buf[self.cursor..].to_vec();
                self.replace(new, 0, out);
            }
            0x17 => {
                let mut start = self.cursor;
                while start > 0 && self.buf[start - 1] == b' ' {
                    start -= 1;
                }
                while start > 0 && self.buf[start - 1] != b' ' {
                    start -= 1;
                }
                let mut new = self.buf[..start].to_vec();
                new.extend_from_slice(&self.buf[self.cursor..]);
                self.replace(new, start, out);
            }
            0x03 => {
                out.extend_from_slice(b"^C\r\n");
                self.buf.clear();
                self.cursor = 0;
                self.browsing = None;
                self.redraw(out);
            }
            0x0c => {
                out.extend_from_slice(b"\x1b[H\x1b[2J");
                self.redraw(out);
            }
            0x10 => self.history_step(true, out),
            0x0e => self.history_step(false, out),
            b'?' => self.help(out, complete),
            b'\t' => self.tab(out, complete),
            0x20..=0x7e => self.insert(&[b], out),
            _ => {}
        }
        Action::None
    }

    fn insert(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        if self.buf.len() + bytes.len() > MAX_LINE {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(line_too_long_message().as_bytes());
            out.extend_from_slice(b"\r\n");
            self.buf.clear();
            self.cursor = 0;
            self.discarding = true;
            self.redraw(out);
            return;
        }
        self.buf
            .splice(self.cursor..self.cursor, bytes.iter().copied());
        out.extend_from_slice(&self.buf[self.cursor..]);
        self.cursor += bytes.len();
        back(out, self.buf.len() - self.cursor);
    }

    fn backspace(&mut self, out: &mut Vec<u8>) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        self.buf.remove(self.cursor);
        out.push(0x08);
        self.rewrite_tail(out);
    }

    fn delete_right(&mut self, out: &mut Vec<u8>) {
        if self.cursor == self.buf.len() {
            return;
        }
        self.buf.remove(self.cursor);
        self.rewrite_tail(out);
    }

    /// After one byte was removed at the cursor: redraw from the cursor to
    /// the end, blank the old last column, return.
    fn rewrite_tail(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.buf[self.cursor..]);
        out.push(b' ');
        back(out, self.buf.len() - self.cursor + 1);
    }

    fn left(&mut self, out: &mut Vec<u8>) {
        if self.cursor > 0 {
            self.cursor -= 1;
            out.push(0x08);
        }
    }

    fn right(&mut self, out: &mut Vec<u8>) {
        if self.cursor < self.buf.len() {
            out.push(self.buf[self.cursor]);
            self.cursor += 1;
        }
    }

    fn home(&mut self, out: &mut Vec<u8>) {
        back(out, self.cursor);
        self.cursor = 0;
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.buf[self.cursor..]);
        self.cursor = self.buf.len();
    }

    /// Replaces the whole line on screen and in the buffer.
    fn replace(&mut self, new: Vec<u8>, cursor: usize, out: &mut Vec<u8>) {
        back(out, self.cursor);
        out.extend_from_slice(&new);
        let old_len = self.buf.len();
        if old_len > new.len() {
            let extra = old_len - new.len();
            out.extend(std::iter::repeat_n(b' ', extra));
            back(out, extra);
        }
        back(out, new.len() - cursor);
        self.buf = new;
        self.cursor = cursor;
    }

    /// The lines run so far (the `history` command prints them).
    pub(crate) fn history(&self) -> &History {
        &self.history
    }

    /// The history, to lend to a command and take back
    /// ([`crate::session::current`]).
    pub(crate) fn history_mut(&mut self) -> &mut History {
        &mut self.history
    }

    fn history_step(&mut self, older: bool, out: &mut Vec<u8>) {
        let next = match (self.browsing, older) {
            (None, true) if !self.history.is_empty() => {
                self.draft = self.buf.clone();
                Some(self.history.len() - 1)
            }
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i + 1 < self.history.len() => Some(i + 1),
            (Some(_), false) => None,
            (None, _) => return,
        };
        self.browsing = next;
        let new = match next {
            Some(i) => self.history.get(i).unwrap_or_default().as_bytes().to_vec(),
            None => std::mem::take(&mut self.draft),
        };
        let len = new.len();
        self.replace(new, len, out);
    }

    fn left_text(&self) -> String {
        String::from_utf8_lossy(&self.buf[..self.cursor]).into_owned()
    }

    fn candidates(
        &self,
        complete: &dyn Fn(&str) -> Vec<(String, String)>,
    ) -> (Vec<(String, String)>, usize) {
        let left = self.left_text();
        let (prefix, partial) = split_for_completion(&left);
        (filter_candidates(complete(&prefix), partial), partial.len())
    }

    fn help(&mut self, out: &mut Vec<u8>, complete: &dyn Fn(&str) -> Vec<(String, String)>) {
        let (cands, _) = self.candidates(complete);
        self.list(&cands, out);
    }

    fn list(&self, cands: &[(String, String)], out: &mut Vec<u8>) {
        out.extend_from_slice(b"\r\n");
        for line in format_help_list(cands).lines() {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.redraw(out);
    }

    fn tab(&mut self, out: &mut Vec<u8>, complete: &dyn Fn(&str) -> Vec<(String, String)>) {
        let (cands, partial_len) = self.candidates(complete);
        let words: Vec<&str> = cands
            .iter()
            .map(|(w, _)| w.as_str())
            .filter(|w| !is_placeholder(w))
            .collect();
        let insertion = match words.as_slice() {
            [] => {
                if !cands.is_empty() {
                    self.list(&cands, out);
                }
                return;
            }
            [only] => format!("{only} "),
            _ => match common_prefix(&cands) {
                Some(p) if p.len() > partial_len => p,
                _ => {
                    self.list(&cands, out);
                    return;
                }
            },
        };
        let start = self.cursor - partial_len;
        let mut new = self.buf[..start].to_vec();
        new.extend_from_slice(insertion.as_bytes());
        let cursor = new.len();
        new.extend_from_slice(&self.buf[self.cursor..]);
        if new.len() > MAX_LINE {
            return;
        }
        self.replace(new, cursor, out);
    }
}

fn back(out: &mut Vec<u8>, n: usize) {
    out.extend(std::iter::repeat_n(0x08, n));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(prefix: &str) -> Vec<(String, String)> {
        let words: &[(&str, &str)] = match prefix {
            "" => &[("show", "Show things"), ("set", "Set things")],
            "show" => &[
                ("version", "Show version"),
                ("interface", "Show interfaces"),
                ("int-stats", "Interface stats"),
            ],
            "set" => &[("<name>", "Name")],
            _ => &[],
        };
        words
            .iter()
            .map(|(w, h)| (w.to_string(), h.to_string()))
            .collect()
    }

    /// Feeds `input`; returns (screen bytes, actions that are not None).
    fn feed(ed: &mut LineEditor, input: &[u8]) -> (Vec<u8>, Vec<Action>) {
        let mut out = Vec::new();
        let actions = input
            .iter()
            .map(|&b| ed.key(b, &mut out, &complete))
            .filter(|a| *a != Action::None)
            .collect();
        (out, actions)
    }

    fn ed() -> LineEditor {
        LineEditor::new("weft# ".into(), crate::history::DEFAULT_LIMIT)
    }

    #[test]
    fn echo_and_enter() {
        let mut e = ed();
        let (out, acts) = feed(&mut e, b"sh ver\r\n");
        assert_eq!(out, b"sh ver\r\n");
        assert_eq!(acts, [Action::Execute("sh ver".into())]);
        // \r\0 (telnet) is one Enter too.
        let (_, acts) = feed(&mut e, b"x\r\0y\n");
        assert_eq!(
            acts,
            [Action::Execute("x".into()), Action::Execute("y".into())]
        );
    }

    #[test]
    fn history_is_bounded_in_lines_and_bytes() {
        use crate::history::DEFAULT_LIMIT;
        let mut e = ed();
        for i in 0..150 {
            feed(&mut e, format!("line {i}\r").as_bytes());
        }
        let h = e.history();
        assert_eq!(h.len(), DEFAULT_LIMIT);
        assert_eq!(h.get(0), Some("line 100"));
        assert_eq!(h.last(), Some("line 149"));
        // 20 KiB lines: three fit in 64 KiB, the oldest go.
        for c in b'a'..=b'j' {
            let mut line = vec![c; 20 * 1024];
            line.push(b'\r');
            feed(&mut e, &line);
        }
        let h = e.history();
        let bytes: usize = (0..h.len()).map(|i| h.get(i).unwrap().len()).sum();
        assert!(bytes <= HISTORY_BYTES, "{bytes} bytes kept");
        assert_eq!(h.len(), 3);
        assert!(h.get(0).unwrap().starts_with('h') && h.get(2).unwrap().starts_with('j'));
        // A line as long as the budget is kept alone.
        let mut line = vec![b'z'; HISTORY_BYTES];
        line.push(b'\r');
        feed(&mut e, &line);
        assert_eq!(e.history().len(), 1);
        assert_eq!(e.history().get(0).unwrap().len(), HISTORY_BYTES);
        // Blank lines and repeats are not kept, as in VPP (and the
        // 64 KiB line goes to make room).
        feed(&mut e, b"a\ra\r  \r\rb\r");
        assert_eq!(e.history().format(), "162  a\n163  b\n");
    }

    #[test]
    fn backspace_and_mid_line_edit() {
        let mut e = ed();
        let (out, _) = feed(&mut e, b"abc\x7f");
        assert_eq!(out, b"abc\x08 \x08");
        // One left, then insert before the 'b'.
        let (out, _) = feed(&mut e, b"\x1b[DX");
        assert_eq!(out, b"\x08Xb\x08");
        let (_, acts) = feed(&mut e, b"\r");
        assert_eq!(acts, [Action::Execute("aXb".into())]);
    }

    #[test]
    fn ctrl_u_ctrl_c_ctrl_w_ctrl_k() {
        let mut e = ed();
        let (out, _) = feed(&mut e, b"abc\x15");
        assert_eq!(out, b"abc\x08\x08\x08   \x08\x08\x08");
        let (out, _) = feed(&mut e, b"zz\x03");
        assert_eq!(out, b"zz^C\r\nweft# ");
        let (_, acts) = feed(&mut e, b"show int\x17ver\r");
        assert_eq!(acts, [Action::Execute("show ver".into())]);
        let (_, acts) = feed(&mut e, b"show int\x01\x06\x06\x0b\r");
        assert_eq!(acts, [Action::Execute("sh".into())]);
    }

    #[test]
    fn history_up_down_keeps_draft() {
        let mut e = ed();
        feed(&mut e, b"one\rtwo\rdra");
        let (out, _) = feed(&mut e, b"\x1b[A");
        assert_eq!(out, b"\x08\x08\x08two");
        let (out, _) = feed(&mut e, b"\x1bOA");
        assert_eq!(out, b"\x08\x08\x08one");
        let (_, _) = feed(&mut e, b"\x1b[A"); // stays at the oldest
        let (out, _) = feed(&mut e, b"\x1b[B\x1b[B");
        assert_eq!(out, b"\x08\x08\x08two\x08\x08\x08dra");
        let (_, acts) = feed(&mut e, b"\x10\r");
        assert_eq!(acts, [Action::Execute("two".into())]);
        // Blank lines and repeats are not recorded.
        feed(&mut e, b"two\r \r");
        assert_eq!(e.history().format(), "1  one\n2  two\n");
    }

    #[test]
    fn question_mark_lists_and_redraws() {
        let mut e = ed();
        let (out, acts) = feed(&mut e, b"show ?");
        assert!(acts.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "show \r\n  version    Show version\r\n  interface  Show interfaces\r\n  int-stats  Interface stats\r\nweft# show "
        );
        let (out, _) = feed(&mut e, b"i?");
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("interface") && !text.contains("version"));
        assert!(text.ends_with("weft# show i"));
    }

    #[test]
    fn tab_completes_unique_and_common_prefix() {
        let mut e = ed();
        let (out, _) = feed(&mut e, b"sh\t");
        assert_eq!(out, b"sh\x08\x08show ");
        let (_, _) = feed(&mut e, b"i\t");
        assert_eq!(e.buf, b"show int");
        let (out, _) = feed(&mut e, b"\t");
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("interface") && text.ends_with("weft# show int"));
        feed(&mut e, b"e\t");
        assert_eq!(e.buf, b"show interface ");
        // Placeholders are listed, never inserted.
        let mut e = ed();
        let (out, _) = feed(&mut e, b"set \t");
        assert!(String::from_utf8(out).unwrap().contains("<name>"));
        assert_eq!(e.buf, b"set ");
    }

    #[test]
    fn ctrl_d_quits_only_on_empty_line() {
        let mut e = ed();
        let (_, acts) = feed(&mut e, b"ab\x02\x04");
        assert!(acts.is_empty());
        assert_eq!(e.buf, b"a");
        feed(&mut e, b"\x15");
        let (_, acts) = feed(&mut e, b"\x04");
        assert_eq!(acts, [Action::Quit]);
    }

    #[test]
    fn overlong_line_is_refused_then_discarded() {
        let mut e = ed();
        let input = vec![b'x'; MAX_LINE + 10];
        let (out, acts) = feed(&mut e, &input);
        assert!(acts.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("line too long"));
        assert!(e.buf.is_empty());
        let (_, acts) = feed(&mut e, b"\rok\r");
        assert_eq!(acts, [Action::Execute("ok".into())]);
    }

    #[test]
    fn control_junk_is_ignored() {
        let mut e = ed();
        let junk: Vec<u8> = (0u8..=255)
            .filter(|b| !matches!(b, b'\r' | b'\n' | 0x04 | 0x1b | b'?' | b'\t'))
            .filter(|b| !b.is_ascii_graphic() && *b != b' ')
            .collect();
        let (_, acts) = feed(&mut e, &junk);
        assert!(acts.is_empty());
        assert!(e.buf.is_empty());
    }
}
