//! The telnet subset VPP's CLI socket speaks (RFC 854, 1091 TTYPE, 1073 NAWS).
//!
//! VPP's `src/vlib/unix/cli.c` greets every new CLI connection with a fixed
//! run of option bytes ([`SERVER_GREETING`]), then parses whatever the client
//! sends back: `WILL`/`WONT`/`DO`/`DONT` are consumed (3 bytes), `IAC IAC` is
//! a literal 255, and `SB … SE` carries the terminal type (`IAC SB 24 0
//! <term> IAC SE`) and window size (`IAC SB 31 <w16> <h16> IAC SE`). The
//! terminal type decides the session kind: `vppctl` means "one command per
//! line, no prompt, no echo, a NUL after every command" (see
//! [`super::protocol`]).
//!
//! [`Parser`] is a byte-at-a-time state machine, so an option split across
//! two `read`s is parsed the same as one that arrived whole. The same parser
//! serves both ends: the server uses [`Event::TerminalType`] and
//! [`Event::WindowSize`], the weftctl client [`Event::TerminalTypeRequest`].
//!
//! # Limitations
//!
//! * The server never answers negotiations (neither does VPP): the greeting
//!   states what it wants and it takes what the client sends.
//! * Subnegotiations longer than [`MAX_SUBNEGOTIATION`] bytes are consumed
//!   and dropped, so a hostile client cannot make the parser buffer without
//!   bound.

/// Interpret As Command: starts every telnet command.
pub const IAC: u8 = 255;
/// `DONT <option>`: asks the peer to stop using an option.
pub const DONT: u8 = 254;
/// `DO <option>`: asks the peer to use an option.
pub const DO: u8 = 253;
/// `WONT <option>`: refuses to use an option.
pub const WONT: u8 = 252;
/// `WILL <option>`: offers to use an option.
pub const WILL: u8 = 251;
/// Subnegotiation begin.
pub const SB: u8 = 250;
/// Are You There.
pub const AYT: u8 = 246;
/// Subnegotiation end.
pub const SE: u8 = 240;

/// Option: echo (RFC 857).
pub const OPT_ECHO: u8 = 1;
/// Option: suppress go-ahead (RFC 858).
pub const OPT_SGA: u8 = 3;
/// Option: terminal type (RFC 1091).
pub const OPT_TTYPE: u8 = 24;
/// Option: negotiate about window size (RFC 1073).
pub const OPT_NAWS: u8 = 31;
/// Option: line mode (RFC 1184).
pub const OPT_LINEMODE: u8 = 34;

/// TTYPE subnegotiation code: "my terminal type IS …".
pub const TTYPE_IS: u8 = 0;
/// TTYPE subnegotiation code: "SEND me your terminal type".
pub const TTYPE_SEND: u8 = 1;

/// Longest subnegotiation payload kept; longer ones are consumed and dropped.
pub const MAX_SUBNEGOTIATION: usize = 256;

/// The bytes VPP sends, verbatim, on every new CLI connection:
/// `IAC WONT LINEMODE, IAC DONT LINEMODE, IAC WILL SGA, IAC DO SGA,
/// IAC WILL ECHO, IAC DONT ECHO, IAC DO TTYPE, IAC SB TTYPE 1 IAC SE,
/// IAC DO NAWS, IAC SB NAWS 1 IAC SE` (`unix_cli_listen_read_ready`).
pub const SERVER_GREETING: [u8; 36] = [
    IAC,
    WONT,
    OPT_LINEMODE, //
    IAC,
    DONT,
    OPT_LINEMODE, //
    IAC,
    WILL,
    OPT_SGA, //
    IAC,
    DO,
    OPT_SGA, //
    IAC,
    WILL,
    OPT_ECHO, //
    IAC,
    DONT,
    OPT_ECHO, //
    IAC,
    DO,
    OPT_TTYPE, //
    IAC,
    SB,
    OPT_TTYPE,
    TTYPE_SEND,
    IAC,
    SE, //
    IAC,
    DO,
    OPT_NAWS, //
    IAC,
    SB,
    OPT_NAWS,
    1,
    IAC,
    SE,
];

/// The reply a client sends to the server's TTYPE request:
/// `IAC SB TTYPE 0 <term> IAC SE` (vppctl's `send_ttype`).
#[must_use]
pub fn terminal_type_reply(term: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(term.len() + 6);
    v.extend_from_slice(&[IAC, SB, OPT_TTYPE, TTYPE_IS]);
    v.extend(term.bytes().filter(|&b| b != IAC));
    v.extend_from_slice(&[IAC, SE]);
    v
}

/// What one input byte completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A data byte (including the 255 of `IAC IAC`).
    Data(u8),
    /// `IAC WILL|WONT|DO|DONT <option>`.
    Negotiation {
        /// [`WILL`], [`WONT`], [`DO`] or [`DONT`].
        command: u8,
        /// The option code.
        option: u8,
    },
    /// `IAC SB TTYPE 0 <term> IAC SE`: the peer's terminal type.
    TerminalType(String),
    /// `IAC SB TTYPE 1 IAC SE`: the peer asks for our terminal type.
    TerminalTypeRequest,
    /// `IAC SB NAWS <w16> <h16> IAC SE`: the peer's window size.
    WindowSize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// `IAC AYT`.
    AreYouThere,
    /// Any other complete command or subnegotiation, ignored by both ends.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    Iac,
    Option(u8),
    SbOption,
    SbData(u8),
    SbIac(u8),
}

/// Streaming telnet parser; feed it every received byte in order.
#[derive(Debug)]
pub struct Parser {
    state: State,
    sb: Vec<u8>,
    sb_overflow: bool,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser in the data state.
    #[must_use]
    pub fn new() -> Self {
        Parser {
            state: State::Data,
            sb: Vec::new(),
            sb_overflow: false,
        }
    }

    /// Consumes one byte; returns the event it completes, if any.
    pub fn push(&mut self, b: u8) -> Option<Event> {
        match self.state {
            State::Data => {
                if b == IAC {
                    self.state = State::Iac;
                    None
                } else {
                    Some(Event::Data(b))
                }
            }
            State::Iac => {
                self.state = State::Data;
                match b {
                    IAC => Some(Event::Data(IAC)),
                    WILL | WONT | DO | DONT => {
                        self.state = State::Option(b);
                        None
                    }
                    SB => {
                        self.state = State::SbOption;
                        None
                    }
                    AYT => Some(Event::AreYouThere),
                    _ => Some(Event::Other),
                }
            }
            State::Option(command) => {
                self.state = State::Data;
                Some(Event::Negotiation { command, option: b })
            }
            State::SbOption => {
                self.sb.clear();
                self.sb_overflow = false;
                self.state = State::SbData(b);
                None
            }
            State::SbData(opt) => {
                if b == IAC {
                    self.state = State::SbIac(opt);
                } else {
                    self.sb_push(b);
                }
                None
            }
            State::SbIac(opt) => match b {
                IAC => {
                    self.sb_push(IAC);
                    self.state = State::SbData(opt);
                    None
                }
                SE => {
                    self.state = State::Data;
                    Some(self.finish_sb(opt))
                }
                _ => {
                    // Malformed (RFC 854 allows only IAC IAC and IAC SE
                    // inside SB): drop the subnegotiation.
                    self.state = State::Data;
                    self.sb.clear();
                    Some(Event::Other)
                }
            },
        }
    }

    fn sb_push(&mut self, b: u8) {
        if self.sb.len() < MAX_SUBNEGOTIATION {
            self.sb.push(b);
        } else {
            self.sb_overflow = true;
        }
    }

    fn finish_sb(&mut self, opt: u8) -> Event {
        let sb = std::mem::take(&mut self.sb);
        if self.sb_overflow {
            return Event::Other;
        }
        match (opt, sb.as_slice()) {
            (OPT_TTYPE, [TTYPE_IS, term @ ..]) => {
                Event::TerminalType(String::from_utf8_lossy(term).into_owned())
            }
            (OPT_TTYPE, [TTYPE_SEND]) => Event::TerminalTypeRequest,
            (OPT_NAWS, &[w1, w0, h1, h0]) => Event::WindowSize {
                width: u16::from_be_bytes([w1, w0]),
                height: u16::from_be_bytes([h1, h0]),
            },
            _ => Event::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<Event> {
        let mut p = Parser::new();
        bytes.iter().filter_map(|&b| p.push(b)).collect()
    }

    #[test]
    fn greeting_is_vpps_byte_for_byte() {
        // VPP-CLI.md §3.1, in the order listed there.
        let expected = [
            0xff, 0xfc, 0x22, 0xff, 0xfe, 0x22, 0xff, 0xfb, 0x03, 0xff, 0xfd, 0x03, 0xff, 0xfb,
            0x01, 0xff, 0xfe, 0x01, 0xff, 0xfd, 0x18, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 0xff,
            0xfd, 0x1f, 0xff, 0xfa, 0x1f, 0x01, 0xff, 0xf0,
        ];
        assert_eq!(SERVER_GREETING, expected);
    }

    #[test]
    fn client_sees_ttype_request_in_greeting() {
        let events = parse(&SERVER_GREETING);
        assert!(events.contains(&Event::TerminalTypeRequest));
        assert!(!events.iter().any(|e| matches!(e, Event::Data(_))));
    }

    #[test]
    fn ttype_naws_and_data() {
        let mut input = terminal_type_reply("vppctl");
        input.extend_from_slice(&[IAC, SB, OPT_NAWS, 0, 132, 0, 43, IAC, SE]);
        input.extend_from_slice(b"ab");
        input.extend_from_slice(&[IAC, IAC, IAC, WILL, OPT_NAWS, IAC, AYT]);
        assert_eq!(
            parse(&input),
            vec![
                Event::TerminalType("vppctl".into()),
                Event::WindowSize {
                    width: 132,
                    height: 43
                },
                Event::Data(b'a'),
                Event::Data(b'b'),
                Event::Data(IAC),
                Event::Negotiation {
                    command: WILL,
                    option: OPT_NAWS
                },
                Event::AreYouThere,
            ]
        );
    }

    #[test]
    fn naws_with_escaped_255() {
        let input = [IAC, SB, OPT_NAWS, 0, IAC, IAC, 0, 24, IAC, SE];
        assert_eq!(
            parse(&input),
            vec![Event::WindowSize {
                width: 255,
                height: 24
            }]
        );
    }

    #[test]
    fn split_anywhere_parses_the_same() {
        let mut input = b"x".to_vec();
        input.extend(terminal_type_reply("xterm-256color"));
        input.extend_from_slice(b"y");
        let whole = parse(&input);
        for cut in 0..input.len() {
            let mut p = Parser::new();
            let mut events: Vec<Event> = input[..cut].iter().filter_map(|&b| p.push(b)).collect();
            events.extend(input[cut..].iter().filter_map(|&b| p.push(b)));
            assert_eq!(events, whole, "cut at {cut}");
        }
    }

    #[test]
    fn oversized_and_malformed_subnegotiations_are_dropped() {
        let mut input = vec![IAC, SB, OPT_TTYPE, TTYPE_IS];
        input.extend(std::iter::repeat_n(b'a', 10 * MAX_SUBNEGOTIATION));
        input.extend_from_slice(&[IAC, SE, b'z']);
        assert_eq!(parse(&input), vec![Event::Other, Event::Data(b'z')]);

        let input = [IAC, SB, OPT_TTYPE, TTYPE_IS, b'a', IAC, b'q', b'z'];
        assert_eq!(parse(&input), vec![Event::Other, Event::Data(b'z')]);
    }
}
