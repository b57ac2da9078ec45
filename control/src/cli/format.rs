//! vppinfra `format()` quirks, so tables come out byte for byte as VPP
//! prints them (VPP-CLI.md §0, `src/vppinfra/format.c`).
//!
//! - A field width **truncates** a longer value (`justify()`).
//! - `%=N` centres; odd padding puts the extra space on the **left**.
//! - f-style floats below 1 have no leading zero (`.0789`); zero prints
//!   `0` and the requested fraction (`0.00`).
//! - e-style exponents have no `+` and no padding (`5.71e2`, `3.03e-3`,
//!   `0.0000e0`): exactly Rust's `{:e}`.

/// Keeps the first `width` characters of `s`.
fn cut(s: &str, width: usize) -> &str {
    match s.char_indices().nth(width) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `%-Ns`: left-justified in `width`, truncated to it.
pub fn left(s: &str, width: usize) -> String {
    let s = cut(s, width);
    format!("{s:<width$}")
}

/// `%Ns`: right-justified in `width`, truncated to it.
pub fn right(s: &str, width: usize) -> String {
    let s = cut(s, width);
    format!("{s:>width$}")
}

/// `%=Ns`: centred in `width` (extra space on the left), truncated to it.
pub fn center(s: &str, width: usize) -> String {
    let s = cut(s, width);
    let pad = width - s.chars().count();
    let l = pad - pad / 2;
    let r = pad / 2;
    format!("{}{s}{}", " ".repeat(l), " ".repeat(r))
}

/// `%.Nf` as vppinfra prints it.
pub fn float_f(x: f64, precision: usize) -> String {
    if x == 0.0 {
        return format!("{:.precision$}", 0.0);
    }
    let s = format!("{:.precision$}", x.abs());
    let s = match s.strip_prefix("0.") {
        Some(frac) => format!(".{frac}"),
        None => s,
    };
    if x < 0.0 { format!("-{s}") } else { s }
}

/// `%.Ne` as vppinfra prints it.
pub fn float_e(x: f64, precision: usize) -> String {
    format!("{x:.precision$e}")
}

/// `HH:MM:SS:uuuuuu`, the time stamp of `show trace` lines.
pub fn trace_time(at: std::time::Duration) -> String {
    let secs = at.as_secs();
    format!(
        "{:02}:{:02}:{:02}:{:06}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        at.subsec_micros()
    )
}

/// The rest of a command line as VPP echoes it in `unknown input `...'`
/// and `parse error: '...'` (`format_unformat_error`): at most 30
/// characters, control characters escaped, trailing blanks removed.
pub fn unformat_error(rest: &str) -> String {
    let mut out = String::new();
    for c in rest.trim_start().chars().take(30) {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn justify() {
        assert_eq!(
            center("Name", 32),
            format!("{}Name{}", " ".repeat(14), " ".repeat(14))
        );
        assert_eq!(center("Idx", 5), " Idx ");
        assert_eq!(center("State", 10), "   State  ");
        assert_eq!(center("toolong", 4), "tool");
        assert_eq!(left("abcdef", 3), "abc");
        assert_eq!(right("7", 4), "   7");
    }

    #[test]
    fn floats() {
        assert_eq!(float_f(0.0, 2), "0.00");
        assert_eq!(float_f(0.0789, 4), ".0789");
        assert_eq!(float_f(12.5, 2), "12.50");
        assert_eq!(float_f(-0.5, 1), "-.5");
        assert_eq!(float_e(571.0, 2), "5.71e2");
        assert_eq!(float_e(0.00303, 2), "3.03e-3");
        assert_eq!(float_e(0.0, 4), "0.0000e0");
    }

    #[test]
    fn error_rest() {
        assert_eq!(unformat_error("foo  "), "foo");
        assert_eq!(
            unformat_error("01234567890123456789012345678 9abc"),
            "01234567890123456789012345678"
        );
        assert_eq!(unformat_error("a\tb"), "a\\tb");
    }

    #[test]
    fn trace_times() {
        let d = std::time::Duration::from_micros(3_723_000_042);
        assert_eq!(trace_time(d), "01:02:03:000042");
    }
}
