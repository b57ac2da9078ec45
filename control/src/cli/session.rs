//! The commands about the CLI session itself, as VPP has them in
//! `src/vlib/unix/cli.c` and `src/vlib/cli.c`:
//!
//! * `history`: the lines this session ran, numbered from its first
//!   (`<n>  <line>`), `History not enabled.` when `unix {
//!   cli-history-limit 0 }`, and VPP's ``invalid for non-interactive
//!   sessions`` for vppctl and outside a session (weftd's startup exec
//!   files). weftctl sessions have a history too (a weft extension).
//!   `show cli-history` is the same command under the name issue 18 asked
//!   for (weft's alias; VPP has only `history`).
//! * `comment <word>` and `comment { <anything> }`: nothing happens (VPP
//!   reads one word, or a brace-delimited group, and ignores it). As for
//!   any command, words left after that give ``unknown input `...'``
//!   (VPP runs them as a further command, which is the same error unless
//!   they happen to be one).
//!
//! The session is found through [`console::session::current`]: a command
//! runs on the thread of the session that sent it.

use console::session::{Context, current};

use super::grammar::{Arg, CmdError, Command, Input};

/// VPP's error for `history` where no session history exists.
pub const NOT_INTERACTIVE: &str = "invalid for non-interactive sessions";

fn history_text(input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    current(|c| match c {
        Some(Context {
            history: Some(h), ..
        }) => Ok(h.format()),
        _ => Err(CmdError::failed(NOT_INTERACTIVE)),
    })
}

fn history_json(input: &mut Input<'_>) -> Result<serde_json::Value, CmdError> {
    input.end()?;
    current(|c| match c {
        Some(Context {
            history: Some(h), ..
        }) => Ok(serde_json::json!({
            "enabled": h.enabled(),
            "history": h
                .entries()
                .map(|(n, l)| serde_json::json!({ "number": n, "command": l }))
                .collect::<Vec<_>>(),
        })),
        _ => Err(CmdError::failed(NOT_INTERACTIVE)),
    })
}

/// `comment`: one word, or a `{ ... }` group (braces may nest, and may be
/// glued to words: `{a b}`), is read and ignored.
fn comment(input: &mut Input<'_>) -> Result<String, CmdError> {
    let Some(first) = input.word() else {
        // VPP's `comment %v` needs a word; without one `comment` is no
        // command at all.
        return Err(CmdError::Raw("unknown input `comment'".to_string()));
    };
    if first.starts_with('{') {
        let mut depth = 0i64;
        let mut word = Some(first);
        while let Some(w) = word {
            for c in w.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if depth <= 0 {
                break;
            }
            // An unclosed group runs to the end of the line, as in VPP.
            word = input.word();
        }
    }
    input.end()?;
    Ok(String::new())
}

/// The session commands.
pub fn commands() -> Vec<Command> {
    let history = |path: &'static str| {
        Command::unlocked(path, path, |_, input| history_text(input))
            .json(|_, input| history_json(input))
    };
    vec![
        history("history"),
        history("show cli-history"),
        Command::unlocked(
            "comment",
            "comment { <text> } | comment <word>",
            |_, input| comment(input),
        )
        .args(&[Arg::Value("{ <text> }", "ignored")]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<String, CmdError> {
        comment(&mut Input::new(line))
    }

    #[test]
    fn comment_reads_a_word_or_a_group() {
        for ok in [
            "hello",
            "{ anything goes here }",
            "{anything}",
            "{ nested { braces } too }",
            "{ unclosed to the end",
            "{}",
        ] {
            assert_eq!(run(ok), Ok(String::new()), "{ok}");
        }
        assert_eq!(
            run("two words"),
            Err(CmdError::Raw("unknown input `words'".into()))
        );
        assert_eq!(
            run("{ a } show version"),
            Err(CmdError::Raw("unknown input `show version'".into()))
        );
        assert_eq!(
            run(""),
            Err(CmdError::Raw("unknown input `comment'".into()))
        );
    }

    #[test]
    fn history_outside_a_session() {
        assert_eq!(
            history_text(&mut Input::new("")),
            Err(CmdError::Failed(NOT_INTERACTIVE.into()))
        );
        assert_eq!(
            history_text(&mut Input::new("x")),
            Err(CmdError::Raw("unknown input `x'".into()))
        );
    }
}
