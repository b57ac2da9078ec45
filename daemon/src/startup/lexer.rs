//! The words of a startup config: VPP's tokenisation (see the module docs
//! of [`super`]).

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) text: String,
    pub(super) line: usize,
    /// An unquoted `{` or `}`.
    pub(super) brace: bool,
}

impl Token {
    pub(super) fn is_open(&self) -> bool {
        self.brace && self.text == "{"
    }
}

/// Splits text into words (see the module docs); `Err((line, message))`.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, (usize, String)> {
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '{' | '}' => {
                chars.next();
                tokens.push(Token {
                    text: c.to_string(),
                    line,
                    brace: true,
                });
            }
            '"' => {
                chars.next();
                let mut word = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\')) => {
                            word.extend(chars.next());
                        }
                        Some('\n') | None => {
                            return Err((line, "unterminated quoted string".to_string()));
                        }
                        Some(c) => word.push(c),
                    }
                }
                tokens.push(Token {
                    text: word,
                    line,
                    brace: false,
                });
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '{' || c == '}' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token {
                    text: word,
                    line,
                    brace: false,
                });
            }
        }
    }
    Ok(tokens)
}

/// The index of the `}` matching the `{` at `open`.
pub(super) fn matching_brace(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if !t.brace {
            continue;
        }
        if t.text == "{" {
            depth += 1;
        } else {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}
