//! The command tree, VPP's word matching, and a small `unformat`.
//!
//! Commands are registered by path (`"create vxlan tunnel"`); the words of
//! all paths form a tree. A line is matched word by word from the root,
//! each word by **unique prefix**, an exact word beating longer candidates
//! (`sh int`, `set int st`, `sh err`), as `vlib_cli_sub_command_match`
//! does. Matching stops at the first word that names no child; the rest of
//! the line goes to the command of the node reached, or, if that node has
//! none, gives ``<path>: unknown input `<rest>'`` (``unknown input
//! `<rest>'`` at the root). An ambiguous prefix names no child either, so
//! it gives the same error, as in VPP.
//!
//! A handler reads its arguments with [`Input`] (VPP's `unformat`:
//! keywords, numbers, IPv4 addresses and prefixes, MACs, interfaces by
//! name or index), builds a typed value, validates it, and only then
//! applies it. Its error is a [`CmdError`]: [`CmdError::Failed`] prints as
//! `<full command path>: <message>`, [`CmdError::Raw`] as is.
//!
//! # Design
//!
//! The tree holds [`Command`]s behind `Arc`, so a command is found under a
//! read lock and run after it is released; extra commands (weftd's `ping`)
//! can be registered at any time.
//!
//! # Limitations
//!
//! Words are separated by blanks only (VPP also ends a command word at
//! other punctuation). `uncomment`, `leak-check`, `vpplog` and `{ }`
//! sub-inputs are not supported.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use dataplane::wire::EthernetAddress;

use super::exec::State;
use super::format::unformat_error;
use crate::config::Config;

/// Why a command failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdError {
    /// The handler's message: printed as `<full command path>: <message>`.
    Failed(String),
    /// Printed as is (e.g. ``unknown input `foo'`` for trailing input).
    Raw(String),
}

impl CmdError {
    /// A handler error from anything printable.
    pub fn failed(msg: impl std::fmt::Display) -> CmdError {
        CmdError::Failed(msg.to_string())
    }
}

impl<E: std::error::Error> From<E> for CmdError {
    fn from(e: E) -> CmdError {
        CmdError::Failed(e.to_string())
    }
}

/// The arguments of a command: the words after its path, read the way
/// VPP's `unformat` reads them. Every reader consumes its words only on
/// success.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    line: &'a str,
    /// Byte offset and text of each blank-separated word.
    words: Vec<(usize, &'a str)>,
    pos: usize,
}

impl<'a> Input<'a> {
    /// The words of `line`.
    pub fn new(line: &'a str) -> Input<'a> {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in line.char_indices() {
            match (c.is_whitespace(), start) {
                (true, Some(s)) => {
                    words.push((s, &line[s..i]));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((s, &line[s..]));
        }
        Input {
            line,
            words,
            pos: 0,
        }
    }

    /// No words left.
    pub fn at_end(&self) -> bool {
        self.pos >= self.words.len()
    }

    /// The next word, not consumed.
    pub fn peek(&self) -> Option<&'a str> {
        self.words.get(self.pos).map(|w| w.1)
    }

    /// The next word, consumed.
    pub fn word(&mut self) -> Option<&'a str> {
        let w = self.peek()?;
        self.pos += 1;
        Some(w)
    }

    /// The words left, not consumed.
    pub fn remaining(&self) -> Vec<&'a str> {
        self.words[self.pos.min(self.words.len())..]
            .iter()
            .map(|w| w.1)
            .collect()
    }

    /// Where the reader is (for [`Input::restore`]).
    pub fn save(&self) -> usize {
        self.pos
    }

    /// Goes back to a position from [`Input::save`].
    pub fn restore(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Consumes the next word if it is exactly `kw`.
    pub fn keyword(&mut self, kw: &str) -> bool {
        if self.peek() == Some(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Reads the next word with `parse`, consuming it on success.
    pub fn parse<T>(&mut self, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let v = parse(self.peek()?)?;
        self.pos += 1;
        Some(v)
    }

    /// A decimal number (`%d`).
    pub fn u32(&mut self) -> Option<u32> {
        self.parse(parse_u32)
    }

    /// `keyword <n>`: the number if both words are there (consumes both),
    /// else `None` (consumes nothing).
    pub fn keyword_u32(&mut self, kw: &str) -> Option<u32> {
        let at = self.save();
        if self.keyword(kw)
            && let Some(n) = self.u32()
        {
            return Some(n);
        }
        self.restore(at);
        None
    }

    /// An IPv4 address.
    pub fn ipv4(&mut self) -> Option<Ipv4Addr> {
        self.parse(|w| w.parse().ok())
    }

    /// `a.b.c.d/len` (the length is not checked against 32 here).
    pub fn ipv4_prefix(&mut self) -> Option<(Ipv4Addr, u8)> {
        self.parse(|w| {
            let (a, l) = w.split_once('/')?;
            Some((a.parse().ok()?, l.parse().ok()?))
        })
    }

    /// `x:x::x/len` (the length is not checked against 128 here).
    pub fn ipv6_prefix(&mut self) -> Option<(std::net::Ipv6Addr, u8)> {
        self.parse(|w| {
            let (a, l) = w.split_once('/')?;
            Some((a.parse().ok()?, l.parse().ok()?))
        })
    }

    /// An IPv6 address.
    pub fn ipv6(&mut self) -> Option<std::net::Ipv6Addr> {
        self.parse(|w| w.parse().ok())
    }

    /// A MAC address, `xx:xx:xx:xx:xx:xx` or `xxxx.xxxx.xxxx`.
    pub fn mac(&mut self) -> Option<EthernetAddress> {
        self.parse(parse_mac)
    }

    /// An interface by name, or by sw_if_index.
    pub fn interface(&mut self, config: &Config) -> Option<u32> {
        self.parse(|w| lookup_interface(config, w))
    }

    /// The rest of the line as VPP echoes it in errors (30 characters at
    /// most, trailing blanks removed).
    pub fn rest(&self) -> String {
        match self.words.get(self.pos) {
            Some(&(offset, _)) => unformat_error(&self.line[offset..]),
            None => String::new(),
        }
    }

    /// ``unknown input `<rest>'``, printed without the command path: what
    /// VPP prints when a handler leaves words it does not understand (they
    /// are dispatched again as a command of their own).
    pub fn unknown(&self) -> CmdError {
        CmdError::Raw(format!("unknown input `{}'", self.rest()))
    }

    /// Fails with [`Input::unknown`] unless every word was read. Handlers
    /// call this before applying anything.
    pub fn end(&self) -> Result<(), CmdError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unknown())
        }
    }
}

/// A decimal `u32`.
pub fn parse_u32(w: &str) -> Option<u32> {
    if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok()
}

/// A MAC address, `xx:xx:xx:xx:xx:xx` or `xxxx.xxxx.xxxx`.
pub fn parse_mac(w: &str) -> Option<EthernetAddress> {
    let mut b = [0u8; 6];
    let parts: Vec<&str> = w.split(':').collect();
    if parts.len() == 6 {
        for (o, p) in b.iter_mut().zip(&parts) {
            if p.is_empty() || p.len() > 2 {
                return None;
            }
            *o = u8::from_str_radix(p, 16).ok()?;
        }
        return Some(EthernetAddress(b));
    }
    let parts: Vec<&str> = w.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|p| p.len() == 4) {
        for (i, p) in parts.iter().enumerate() {
            let v = u16::from_str_radix(p, 16).ok()?;
            b[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
        }
        return Some(EthernetAddress(b));
    }
    None
}

/// The interface called `w`, or whose sw_if_index `w` is.
pub fn lookup_interface(config: &Config, w: &str) -> Option<u32> {
    config
        .interface_index(w)
        .or_else(|| parse_u32(w).filter(|&i| config.interface(i).is_some()))
}

/// A command run with the control-plane lock held.
pub type LockedFn = dyn Fn(&mut State, &mut Input<'_>) -> Result<String, CmdError> + Send + Sync;
/// A command that locks the state itself, briefly (`ping`).
pub type UnlockedFn =
    dyn Fn(&Arc<Mutex<State>>, &mut Input<'_>) -> Result<String, CmdError> + Send + Sync;
/// A command's JSON answer (weftctl `--json`), run with the lock held.
pub type JsonFn =
    dyn Fn(&mut State, &mut Input<'_>) -> Result<serde_json::Value, CmdError> + Send + Sync;

/// How a command runs.
#[derive(Clone)]
pub enum Run {
    /// With the control-plane lock held for the whole command.
    Locked(Arc<LockedFn>),
    /// Without the lock: the handler locks the state itself, briefly.
    Unlocked(Arc<UnlockedFn>),
}

/// What can come after a command's path, for `?` and completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A literal word, with its help.
    Keyword(&'static str, &'static str),
    /// A value, shown as a placeholder such as `<vni>`, with its help.
    Value(&'static str, &'static str),
    /// An interface: `<interface>` and every interface name.
    Interface,
    /// A graph node: `<node>` and every node name of the workers.
    Node,
}

/// One command: its path, help, argument hints and handler.
#[derive(Clone)]
pub struct Command {
    /// The words that select it (`"show vxlan tunnel"`).
    pub path: &'static str,
    /// VPP's `.short_help`: the syntax.
    pub short_help: &'static str,
    /// Argument hints for completion.
    pub args: &'static [Arg],
    /// The handler.
    pub run: Run,
    /// The JSON variant, for show commands.
    pub json: Option<Arc<JsonFn>>,
    /// Whether a success changed the configuration (then the runtime's
    /// `config_changed` hook is called).
    pub mutates: bool,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("path", &self.path)
            .field("short_help", &self.short_help)
            .finish_non_exhaustive()
    }
}

impl Command {
    /// A command run with the lock held.
    pub fn locked(
        path: &'static str,
        short_help: &'static str,
        f: impl Fn(&mut State, &mut Input<'_>) -> Result<String, CmdError> + Send + Sync + 'static,
    ) -> Command {
        Command {
            path,
            short_help,
            args: &[],
            run: Run::Locked(Arc::new(f)),
            json: None,
            mutates: false,
        }
    }

    /// A command that takes the lock itself (long-running, like `ping`).
    pub fn unlocked(
        path: &'static str,
        short_help: &'static str,
        f: impl Fn(&Arc<Mutex<State>>, &mut Input<'_>) -> Result<String, CmdError>
        + Send
        + Sync
        + 'static,
    ) -> Command {
        Command {
            path,
            short_help,
            args: &[],
            run: Run::Unlocked(Arc::new(f)),
            json: None,
            mutates: false,
        }
    }

    /// Sets the argument hints.
    pub fn args(mut self, args: &'static [Arg]) -> Command {
        self.args = args;
        self
    }

    /// Marks the command as changing the configuration: after a success,
    /// `Runtime::config_changed` runs with the lock still held. Only for
    /// locked commands; an unlocked one calls the hook itself.
    pub fn mutates(mut self) -> Command {
        self.mutates = true;
        self
    }

    /// Adds a JSON variant.
    pub fn json(
        mut self,
        f: impl Fn(&mut State, &mut Input<'_>) -> Result<serde_json::Value, CmdError>
        + Send
        + Sync
        + 'static,
    ) -> Command {
        self.json = Some(Arc::new(f));
        self
    }
}

/// One word of the tree.
#[derive(Debug, Default)]
struct Node {
    word: String,
    path: String,
    help: Option<String>,
    command: Option<Arc<Command>>,
    children: Vec<Node>,
}

impl Node {
    /// The child `w` selects: the exact word, else the only child it is a
    /// prefix of.
    fn child(&self, w: &str) -> Option<&Node> {
        if let Some(c) = self.children.iter().find(|c| c.word == w) {
            return Some(c);
        }
        let mut it = self.children.iter().filter(|c| c.word.starts_with(w));
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }

    fn help_text(&self) -> String {
        match (&self.command, &self.help) {
            (Some(c), _) => c.short_help.to_string(),
            (None, Some(h)) => h.clone(),
            (None, None) => format!("{} commands", self.path),
        }
    }

    fn commands<'a>(&'a self, out: &mut Vec<&'a Command>) {
        if let Some(c) = &self.command {
            out.push(c);
        }
        for c in &self.children {
            c.commands(out);
        }
    }
}

/// Where a line leads.
pub enum Resolved<'a> {
    /// A command and its arguments.
    Command(Arc<Command>, Input<'a>),
    /// Text to print (help, `?`).
    Text(String),
    /// An error, formatted.
    Error(String),
}

/// The command tree.
#[derive(Debug, Default)]
pub struct Tree {
    root: Node,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// Adds `cmd` (replacing a command with the same path).
    pub fn register(&mut self, cmd: Command) {
        let node = self.node_mut(cmd.path);
        node.command = Some(Arc::new(cmd));
    }

    /// Sets the help of an intermediate word (`"show"` → "Show commands").
    pub fn set_help(&mut self, path: &str, help: &str) {
        self.node_mut(path).help = Some(help.to_string());
    }

    fn node_mut(&mut self, path: &str) -> &mut Node {
        let mut node = &mut self.root;
        let mut full = String::new();
        for w in path.split_whitespace() {
            if !full.is_empty() {
                full.push(' ');
            }
            full.push_str(w);
            let i = match node.children.iter().position(|c| c.word == w) {
                Some(i) => i,
                None => {
                    node.children.push(Node {
                        word: w.to_string(),
                        path: full.clone(),
                        ..Node::default()
                    });
                    node.children.sort_by(|a, b| a.word.cmp(&b.word));
                    node.children
                        .iter()
                        .position(|c| c.word == w)
                        .expect("just inserted")
                }
            };
            node = &mut node.children[i];
        }
        node
    }

    /// Every command, sorted by path.
    pub fn commands(&self) -> Vec<&Command> {
        let mut out = Vec::new();
        self.root.commands(&mut out);
        out.sort_by(|a, b| a.path.cmp(b.path));
        out
    }

    /// Finds the command `line` selects.
    pub fn resolve<'a>(&self, line: &'a str) -> Resolved<'a> {
        let mut input = Input::new(line);
        if input.peek() == Some("help") {
            input.word();
            return self.help(input);
        }
        let mut node = &self.root;
        while let Some(w) = input.peek() {
            if w == "?" || w == "choices" {
                let mut cmds = Vec::new();
                node.commands(&mut cmds);
                cmds.sort_by(|a, b| a.path.cmp(b.path));
                let text = cmds
                    .iter()
                    .map(|c| format!("  {:<40} {}\n", c.path, c.short_help))
                    .collect();
                return Resolved::Text(text);
            }
            match node.child(w) {
                Some(c) => {
                    input.word();
                    node = c;
                }
                None => break,
            }
        }
        match &node.command {
            Some(c) => Resolved::Command(c.clone(), input),
            None if node.path.is_empty() => {
                Resolved::Error(format!("unknown input `{}'", input.rest()))
            }
            None => Resolved::Error(format!("{}: unknown input `{}'", node.path, input.rest())),
        }
    }

    /// `help` (root words and their help) or `help <path>` (that node's
    /// help).
    fn help<'a>(&self, mut input: Input<'a>) -> Resolved<'a> {
        let at_end = input.at_end();
        let mut node = &self.root;
        while let Some(w) = input.peek() {
            match node.child(w) {
                Some(c) => {
                    input.word();
                    node = c;
                }
                None => return Resolved::Error(format!("unknown input `{}'", input.rest())),
            }
        }
        if !at_end {
            return Resolved::Text(node.help_text());
        }
        Resolved::Text(
            node.children
                .iter()
                .map(|c| format!("  {:<30} {}\n", c.word, c.help_text()))
                .collect(),
        )
    }

    /// What can follow the complete words of `prefix`: child words with
    /// their help, then the command's argument hints (interfaces and nodes
    /// from `names`).
    pub fn complete(
        &self,
        prefix: &str,
        names: &dyn Fn(Arg) -> Vec<String>,
    ) -> Vec<(String, String)> {
        let mut input = Input::new(prefix);
        let mut node = &self.root;
        while let Some(w) = input.peek() {
            match node.child(w) {
                Some(c) => {
                    input.word();
                    node = c;
                }
                None => break,
            }
        }
        let mut out = Vec::new();
        if input.at_end() {
            out.extend(
                node.children
                    .iter()
                    .map(|c| (c.word.clone(), c.help_text())),
            );
        }
        if let Some(cmd) = &node.command {
            let typed = input.remaining();
            for &arg in cmd.args {
                match arg {
                    Arg::Keyword(k, h) => {
                        if !typed.contains(&k) {
                            out.push((k.to_string(), h.to_string()));
                        }
                    }
                    Arg::Value(p, h) => out.push((p.to_string(), h.to_string())),
                    Arg::Interface => {
                        out.push(("<interface>".into(), "interface name or index".into()));
                        out.extend(names(arg).into_iter().map(|n| (n, "interface".into())));
                    }
                    Arg::Node => {
                        out.push(("<node>".into(), "graph node name".into()));
                        out.extend(names(arg).into_iter().map(|n| (n, "node".into())));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(_: &mut State, _: &mut Input<'_>) -> Result<String, CmdError> {
        Ok(String::new())
    }

    fn tree() -> Tree {
        let mut t = Tree::new();
        for p in [
            "show interface",
            "show interface rx-placement",
            "show hardware-interfaces",
            "show errors",
            "set interface state",
            "set interface ip address",
            "set interface l2 xconnect",
            "set interface l3",
            "create vxlan tunnel",
            "clear interfaces",
            "clear errors",
        ] {
            t.register(Command::locked(p, "help", ok));
        }
        t
    }

    fn path(t: &Tree, line: &str) -> Result<(String, Vec<String>), String> {
        match t.resolve(line) {
            Resolved::Command(c, i) => Ok((
                c.path.to_string(),
                i.remaining().iter().map(|s| s.to_string()).collect(),
            )),
            Resolved::Text(t) => Ok((t, vec![])),
            Resolved::Error(e) => Err(e),
        }
    }

    #[test]
    fn unique_prefixes() {
        let t = tree();
        assert_eq!(path(&t, "sh int").unwrap().0, "show interface");
        assert_eq!(
            path(&t, "set int st eth0 up").unwrap(),
            (
                "set interface state".to_string(),
                vec!["eth0".to_string(), "up".to_string()]
            )
        );
        assert_eq!(path(&t, "sh err").unwrap().0, "show errors");
        assert_eq!(
            path(&t, "sh int rx").unwrap().0,
            "show interface rx-placement"
        );
        assert_eq!(path(&t, "set int l3 eth0").unwrap().0, "set interface l3");
        assert_eq!(
            path(&t, "set int l2 x a b").unwrap().0,
            "set interface l2 xconnect"
        );
        // Arguments that are no sub-command go to the command.
        assert_eq!(path(&t, "show interface eth0").unwrap().1, ["eth0"]);
    }

    #[test]
    fn exact_word_beats_longer_ones() {
        let mut t = Tree::new();
        t.register(Command::locked("show int", "", ok));
        t.register(Command::locked("show interface", "", ok));
        assert_eq!(path(&t, "show int").unwrap().0, "show int");
        assert_eq!(path(&t, "show inte").unwrap().0, "show interface");
    }

    #[test]
    fn unknown_and_ambiguous() {
        let t = tree();
        assert_eq!(
            path(&t, "foo bar  ").unwrap_err(),
            "unknown input `foo bar'"
        );
        // `c` is ambiguous at the root (clear, create).
        assert_eq!(path(&t, "c int").unwrap_err(), "unknown input `c int'");
        assert_eq!(
            path(&t, "show foo").unwrap_err(),
            "show: unknown input `foo'"
        );
        assert_eq!(
            path(&t, "set interface bogus x").unwrap_err(),
            "set interface: unknown input `bogus x'"
        );
        assert_eq!(
            path(&t, "set int l2 b").unwrap_err(),
            "set interface l2: unknown input `b'"
        );
        assert_eq!(
            path(&t, "set abcdefghijklmnopqrstuvwxyz0123456789").unwrap_err(),
            "set: unknown input `abcdefghijklmnopqrstuvwxyz0123'"
        );
        assert_eq!(path(&t, "show").unwrap_err(), "show: unknown input `'");
    }

    #[test]
    fn inputs() {
        let mut i = Input::new("del  10.0.0.1/24 02:fe:00:00:00:01 0a00.0000.0101 7 x");
        assert!(!i.keyword("de"));
        assert!(i.keyword("del"));
        assert_eq!(i.ipv4(), None);
        assert_eq!(i.ipv4_prefix(), Some(("10.0.0.1".parse().unwrap(), 24)));
        assert_eq!(i.mac(), Some(EthernetAddress([2, 0xfe, 0, 0, 0, 1])));
        assert_eq!(i.mac(), Some(EthernetAddress([0x0a, 0, 0, 0, 1, 1])));
        assert_eq!(i.keyword_u32("vni"), None);
        assert_eq!(i.u32(), Some(7));
        assert_eq!(i.rest(), "x");
        assert_eq!(i.end(), Err(CmdError::Raw("unknown input `x'".into())));
        i.word();
        assert!(i.end().is_ok());
    }
}
