//! A session's command history, as VPP keeps it (`src/vlib/unix/cli.c`):
//! the lines a session ran, for the arrow keys and for the `history`
//! command, which numbers them from the session's first command.
//!
//! VPP's rules: a blank line is not recorded, nor a line equal to the one
//! recorded just before it; at the limit (`unix { cli-history-limit <n> }`,
//! default [`DEFAULT_LIMIT`]) the oldest line goes; a limit of 0 records
//! nothing ("History not enabled."). weft also bounds the bytes kept
//! ([`HISTORY_BYTES`]), so 128 sessions of 64 KiB lines cannot hold 400 MiB.

use std::collections::VecDeque;

/// Lines kept when `cli-history-limit` is not given (VPP's
/// `UNIX_CLI_DEFAULT_HISTORY`).
pub const DEFAULT_LIMIT: usize = 50;

/// Bytes of lines a history keeps (the oldest go first). The last line is
/// always kept, however long.
pub const HISTORY_BYTES: usize = 64 * 1024;

/// One session's history; see the module docs.
#[derive(Clone, Debug)]
pub struct History {
    lines: VecDeque<String>,
    bytes: usize,
    limit: usize,
    /// Lines recorded since the session started (the number of the last).
    recorded: u64,
}

impl Default for History {
    fn default() -> Self {
        History::new(DEFAULT_LIMIT)
    }
}

impl History {
    /// An empty history keeping at most `limit` lines (0: none).
    #[must_use]
    pub fn new(limit: usize) -> History {
        History {
            lines: VecDeque::new(),
            bytes: 0,
            limit,
            recorded: 0,
        }
    }

    /// Whether lines are recorded at all (`cli-history-limit` is not 0).
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// Records `line` unless it is blank or repeats the last line.
    pub fn add(&mut self, line: &str) {
        if !self.enabled() || line.trim().is_empty() || self.last() == Some(line) {
            return;
        }
        while !self.lines.is_empty()
            && (self.lines.len() >= self.limit || self.bytes + line.len() > HISTORY_BYTES)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.len();
            }
        }
        self.bytes += line.len();
        self.lines.push_back(line.to_string());
        self.recorded += 1;
    }

    /// The last line recorded.
    #[must_use]
    pub fn last(&self) -> Option<&str> {
        self.lines.back().map(String::as_str)
    }

    /// Lines kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// No line kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `i` of those kept, oldest first.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&str> {
        self.lines.get(i).map(String::as_str)
    }

    /// The lines kept with their numbers (the first line the session ran
    /// is 1), oldest first.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &str)> {
        let first = self.recorded + 1 - self.lines.len() as u64;
        self.lines
            .iter()
            .enumerate()
            .map(move |(i, l)| (first + i as u64, l.as_str()))
    }

    /// What VPP's `history` prints: `<n>  <line>` per line, or `History not
    /// enabled.` when the limit is 0.
    #[must_use]
    pub fn format(&self) -> String {
        if !self.enabled() {
            return "History not enabled.\n".to_string();
        }
        self.entries().map(|(n, l)| format!("{n}  {l}\n")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpp_rules_and_numbering() {
        let mut h = History::new(3);
        for l in [
            "show version",
            "show version",
            "  ",
            "",
            "sh int",
            "show version",
        ] {
            h.add(l);
        }
        assert_eq!(h.format(), "1  show version\n2  sh int\n3  show version\n");
        // At the limit the oldest goes; numbers keep counting.
        h.add("history");
        assert_eq!(h.format(), "2  sh int\n3  show version\n4  history\n");
        assert_eq!(h.len(), 3);
        assert_eq!(h.get(0), Some("sh int"));
        assert_eq!(h.last(), Some("history"));
    }

    #[test]
    fn limit_zero_records_nothing() {
        let mut h = History::new(0);
        h.add("show version");
        assert!(h.is_empty() && !h.enabled());
        assert_eq!(h.format(), "History not enabled.\n");
        // An enabled history with no line prints nothing.
        assert_eq!(History::default().format(), "");
    }

    #[test]
    fn bounded_in_bytes() {
        let mut h = History::new(1000);
        for c in b'a'..=b'j' {
            h.add(&String::from_utf8(vec![c; 20 * 1024]).unwrap());
        }
        let bytes: usize = (0..h.len()).map(|i| h.get(i).unwrap().len()).sum();
        assert!(bytes <= HISTORY_BYTES, "{bytes} bytes kept");
        assert_eq!(h.len(), 3);
        assert!(h.get(0).unwrap().starts_with('h'));
        // Numbers count every line recorded, dropped ones included.
        assert_eq!(h.entries().next().unwrap().0, 8);
        // A line as long as the budget is kept alone.
        h.add(&"z".repeat(HISTORY_BYTES + 1));
        assert_eq!(h.len(), 1);
    }
}
