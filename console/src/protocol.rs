//! The CLI socket's session kinds and weftctl's compatible extensions.
//!
//! # Session kinds
//!
//! The terminal type the client reports (telnet TTYPE, see
//! [`super::telnet`]) picks one of three kinds:
//!
//! | terminal type | kind | behaviour |
//! |---|---|---|
//! | [`TERM_VPPCTL`] | batch | VPP's non-interactive mode, exactly as stock `vppctl` expects it |
//! | [`TERM_WEFTCTL`] | batch + extensions | as `vppctl`, plus the three extensions below |
//! | anything else, or none within 1 s | interactive | banner, prompt, echo, line editing, CRLF |
//!
//! A **batch** session reads one command per `\n`-terminated line (`\r` and
//! NUL bytes are dropped, so vppctl's `show int\n\0` is one command), writes
//! the command's output with a `\n` appended if missing (`vlib_cli_output`),
//! then exactly one [`END_OF_OUTPUT`] byte, also for commands that print
//! nothing and for empty lines. `quit`, `q` (any prefix of `quit`) and
//! `exit` close the session without output. Lines longer than [`MAX_LINE`]
//! bytes are answered with an error (and the end-of-output byte) as soon as
//! the limit is crossed; the rest of that line is discarded.
//!
//! # weftctl extensions (terminal type `weftctl` only)
//!
//! Stock vppctl sessions never see any of these.
//!
//! 1. **Error marker.** When a command fails, its output starts with the
//!    single byte [`ERROR_MARKER`] (`0x01`), then the message as VPP prints
//!    it. weftctl strips the byte and exits with status 1.
//! 2. **Completion request.** A line `"\x02complete <prefix>"`
//!    ([`COMPLETE_REQUEST`]) is answered with the words that can follow
//!    `<prefix>` ([`super::Executor::complete`]), one per line as
//!    `word\thelp` (see [`format_candidates`] / [`parse_candidates`]),
//!    then the end-of-output byte. `<prefix>` is the words before the one
//!    being completed, as [`split_for_completion`] returns it.
//! 3. **JSON request.** A line `"\x02json <command>"` ([`JSON_REQUEST`])
//!    runs `<command>` through [`super::Executor::execute_json`]; framing
//!    and error marker as for plain commands.
//!
//! An unknown `\x02` request is an error (with the marker).

/// The terminal type stock vppctl reports in one-shot / non-tty use.
pub const TERM_VPPCTL: &str = "vppctl";
/// The terminal type weftctl reports; enables the extensions.
pub const TERM_WEFTCTL: &str = "weftctl";

/// Written after every command's output in a batch session.
pub const END_OF_OUTPUT: u8 = 0;
/// First byte of a failed command's output (weftctl sessions only).
pub const ERROR_MARKER: u8 = 0x01;
/// First byte of every extension request line (weftctl sessions only).
pub const REQUEST_MARKER: char = '\x02';
/// Completion request: followed by the prefix, then `\n`.
pub const COMPLETE_REQUEST: &str = "\x02complete ";
/// JSON request: followed by the command, then `\n`.
pub const JSON_REQUEST: &str = "\x02json ";

/// Longest command line accepted, in bytes (without the `\n`).
pub const MAX_LINE: usize = 64 * 1024;

/// The message sent when a line exceeds [`MAX_LINE`].
#[must_use]
pub fn line_too_long_message() -> String {
    format!("line too long (limit {MAX_LINE} bytes)")
}

/// Is `line` (already trimmed) one of the commands that close a session:
/// `exit`, or `quit` or any prefix of it (VPP matches words by unique prefix)?
#[must_use]
pub fn is_quit(line: &str) -> bool {
    line == "exit" || (!line.is_empty() && "quit".starts_with(line))
}

/// Splits the text left of the cursor into the prefix handed to
/// [`super::Executor::complete`] (the complete words, joined by single
/// spaces) and the partial word being typed (empty after a blank).
///
/// ```
/// use console::protocol::split_for_completion;
/// assert_eq!(split_for_completion("sh  int"), ("sh".to_string(), "int"));
/// assert_eq!(split_for_completion("show "), ("show".to_string(), ""));
/// assert_eq!(split_for_completion(""), (String::new(), ""));
/// ```
#[must_use]
pub fn split_for_completion(left: &str) -> (String, &str) {
    let cut = left.rfind(char::is_whitespace).map_or(0, |i| {
        i + left[i..].chars().next().map_or(1, char::len_utf8)
    });
    let prefix = left[..cut].split_whitespace().collect::<Vec<_>>().join(" ");
    (prefix, &left[cut..])
}

/// Is `word` a placeholder such as `<interface>` (listed by `?`, never
/// inserted by completion)?
#[must_use]
pub fn is_placeholder(word: &str) -> bool {
    word.starts_with('<') || word.starts_with('[')
}

/// Keeps the candidates that match the partial word: every candidate when
/// `partial` is empty, else those starting with it (placeholders are always
/// kept, for listing). Duplicate words are dropped, order is kept.
#[must_use]
pub fn filter_candidates(
    candidates: Vec<(String, String)>,
    partial: &str,
) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    candidates
        .into_iter()
        .filter(|(w, _)| is_placeholder(w) || w.starts_with(partial))
        .filter(|(w, _)| seen.insert(w.clone()))
        .collect()
}

/// Longest common prefix of the non-placeholder candidates, if any.
#[must_use]
pub fn common_prefix(candidates: &[(String, String)]) -> Option<String> {
    let mut words = candidates
        .iter()
        .map(|(w, _)| w.as_str())
        .filter(|w| !is_placeholder(w));
    let first = words.next()?;
    let mut len = first.len();
    for w in words {
        len = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    Some(first[..len].to_string())
}

/// Formats candidates as the answer to a completion request: `word\thelp\n`
/// per candidate (tabs and newlines inside either field become spaces).
#[must_use]
pub fn format_candidates(candidates: &[(String, String)]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r', '\0'], " ");
    candidates
        .iter()
        .map(|(w, h)| format!("{}\t{}\n", clean(w), clean(h)))
        .collect()
}

/// Parses the answer to a completion request (inverse of [`format_candidates`]).
#[must_use]
pub fn parse_candidates(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('\t') {
            Some((w, h)) => (w.to_string(), h.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

/// Lays out candidates for `?` and ambiguous TAB: two spaces, the word
/// padded to the longest one (at most 30 columns), two spaces, the help.
/// Lines end with `\n`.
#[must_use]
pub fn format_help_list(candidates: &[(String, String)]) -> String {
    let width = candidates
        .iter()
        .map(|(w, _)| w.chars().count())
        .max()
        .unwrap_or(0)
        .min(30);
    candidates
        .iter()
        .map(|(w, h)| {
            if h.is_empty() {
                format!("  {w}\n")
            } else {
                format!("  {w:<width$}  {h}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(words: &[&str]) -> Vec<(String, String)> {
        words
            .iter()
            .map(|w| (w.to_string(), format!("help {w}")))
            .collect()
    }

    #[test]
    fn quit_words() {
        for q in ["q", "qu", "qui", "quit", "exit"] {
            assert!(is_quit(q), "{q}");
        }
        for q in ["", "quitx", "e", "ex", "exi", "exec", "show"] {
            assert!(!is_quit(q), "{q}");
        }
    }

    #[test]
    fn split() {
        assert_eq!(split_for_completion("show"), (String::new(), "show"));
        assert_eq!(
            split_for_completion(" set  interface st"),
            ("set interface".to_string(), "st")
        );
        assert_eq!(
            split_for_completion("set\tinterface\t"),
            ("set interface".to_string(), "")
        );
    }

    #[test]
    fn filter_and_common_prefix() {
        let all = c(&["interface", "int-stats", "ip", "<name>", "ip"]);
        let f = filter_candidates(all, "in");
        assert_eq!(
            f.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(),
            ["interface", "int-stats", "<name>"]
        );
        assert_eq!(common_prefix(&f).as_deref(), Some("int"));
        assert_eq!(common_prefix(&c(&["<x>"])), None);
        assert_eq!(common_prefix(&c(&["version"])).as_deref(), Some("version"));
    }

    #[test]
    fn candidates_round_trip() {
        let cands = vec![
            ("show".to_string(), "Show things".to_string()),
            ("set".to_string(), String::new()),
            ("we\tird".to_string(), "multi\nline".to_string()),
        ];
        let text = format_candidates(&cands);
        assert_eq!(text, "show\tShow things\nset\t\nwe ird\tmulti line\n");
        let back = parse_candidates(&text);
        assert_eq!(back[0], cands[0]);
        assert_eq!(back[1], cands[1]);
        assert_eq!(back[2], ("we ird".to_string(), "multi line".to_string()));
    }

    #[test]
    fn help_list_layout() {
        let list = format_help_list(&[
            ("version".into(), "Show version".into()),
            ("int".into(), "Interfaces".into()),
            ("<name>".into(), String::new()),
        ]);
        assert_eq!(
            list,
            "  version  Show version\n  int      Interfaces\n  <name>\n"
        );
    }
}
