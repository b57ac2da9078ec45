//! The log's commands, in VPP's syntax and layouts (`src/vlib/log.c`):
//! `show logging [configuration]`, `clear logging`, `set logging class
//! <class> [level <level>] [syslog-level <level>]`. The log itself is
//! [`crate::logging`].

use serde_json::{Value, json};

use super::exec::State;
use super::grammar::{Arg, CmdError, Command, Input};
use crate::logging::{CLASSES, DEFAULT_LEVELS, Level, Levels, RING_SIZE, class_index, logger};

fn show_text(_st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let configuration = input.keyword("configuration");
    input.end()?;
    if configuration {
        return Ok(configuration_text(&logger().levels()));
    }
    let mut out = String::new();
    for e in logger().entries() {
        out.push_str(&e.line());
        out.push('\n');
    }
    Ok(out)
}

/// VPP's `show logging configuration` without its rate-limit rows (weft
/// does not throttle) and with weft's classes (no subclasses: each has
/// VPP's `default` row).
fn configuration_text(levels: &[Levels]) -> String {
    let mut out = format!("{:<20} {RING_SIZE} entries\n", "Buffer Size:");
    out.push_str("Defaults:\n");
    for (k, v) in [
        ("  Log Level:", DEFAULT_LEVELS.level),
        ("  Syslog Log Level:", DEFAULT_LEVELS.syslog),
        ("  Kmsg Log Level:", Level::Disabled),
    ] {
        out.push_str(&format!("{k:<20} {}\n", v.name()));
    }
    out.push('\n');
    out.push_str(&format!(
        "{:<22} {:<14} {:<14} {}\n",
        "Class/Subclass", "Level", "Syslog Level", "Kmsg Log Level"
    ));
    for (c, l) in CLASSES.iter().zip(levels) {
        out.push_str(&format!(
            "{}\n  {:<20} {:<14} {:<14} {}\n",
            c.name,
            "default",
            l.level.name(),
            l.syslog.name(),
            Level::Disabled.name()
        ));
    }
    out
}

fn show_json(_st: &mut State, input: &mut Input<'_>) -> Result<Value, CmdError> {
    let configuration = input.keyword("configuration");
    input.end()?;
    if configuration {
        let classes: Vec<Value> = CLASSES
            .iter()
            .zip(logger().levels())
            .map(|(c, l)| {
                json!({
                    "class": c.name,
                    "about": c.about,
                    "level": l.level.name(),
                    "syslog_level": l.syslog.name(),
                })
            })
            .collect();
        return Ok(json!({
            "buffer_size": RING_SIZE,
            "default_level": DEFAULT_LEVELS.level.name(),
            "default_syslog_level": DEFAULT_LEVELS.syslog.name(),
            "classes": classes,
        }));
    }
    let entries: Vec<Value> = logger()
        .entries()
        .into_iter()
        .map(|e| {
            let unix =
                e.at.duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64();
            json!({
                "time": crate::logging::timestamp(e.at),
                "unix_time": unix,
                "level": e.level.name(),
                "class": CLASSES[e.class].name,
                "message": e.message,
            })
        })
        .collect();
    Ok(Value::Array(entries))
}

fn clear(_st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    input.end()?;
    logger().clear();
    Ok(String::new())
}

/// What `set logging class` asks for, checked whole before anything
/// changes.
fn parse_set(input: &mut Input<'_>) -> Result<(usize, Levels), CmdError> {
    let class = input
        .peek()
        .and_then(class_index)
        .ok_or_else(|| CmdError::failed(format!("unknown log class `{}'", input.rest())))?;
    input.word();
    let mut levels = logger().levels()[class];
    loop {
        let at = input.save();
        match input.word() {
            None => break,
            Some(kw @ ("level" | "syslog-level")) => {
                let Some(l) = input.word().and_then(Level::parse) else {
                    input.restore(at);
                    return Err(CmdError::failed(format!(
                        "unknown input `{}'",
                        input.rest()
                    )));
                };
                if kw == "level" {
                    levels.level = l;
                } else {
                    levels.syslog = l;
                }
            }
            Some(kw @ ("rate-limit" | "kmsg-level")) => {
                return Err(CmdError::failed(format!(
                    "{kw} is not supported by weft (no throttling, no /dev/kmsg)"
                )));
            }
            Some(_) => {
                input.restore(at);
                return Err(CmdError::failed(format!(
                    "unknown input `{}'",
                    input.rest()
                )));
            }
        }
    }
    Ok((class, levels))
}

fn set(_st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let (class, levels) = parse_set(input)?;
    logger().set_levels(class, levels);
    Ok(String::new())
}

/// `vpplog <text>`: logs `CLI: <text>` at notice in class `cli`, as VPP
/// does (`vpplog { several words }` keeps what is inside the braces).
fn vpplog(_st: &mut State, input: &mut Input<'_>) -> Result<String, CmdError> {
    let mut words = Vec::new();
    while let Some(w) = input.word() {
        words.push(w);
    }
    let text = words.join(" ");
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(&text)
        .trim();
    if text.is_empty() {
        return Err(CmdError::Raw("unknown input `vpplog'".to_string()));
    }
    logger().log(
        class_index("cli").unwrap_or(0),
        Level::Notice,
        format!("CLI: {text}"),
    );
    Ok(String::new())
}

/// The log's commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::locked("vpplog", "vpplog <text>", vpplog)
            .args(&[Arg::Value("<text>", "logged at notice in class cli")]),
        Command::locked("show logging", "show logging [configuration]", show_text)
            .args(&[Arg::Keyword("configuration", "the levels of every class")])
            .json(show_json),
        Command::locked("clear logging", "clear logging", clear),
        Command::locked(
            "set logging class",
            "set logging class <class> [level <level>] [syslog-level <level>]",
            set,
        )
        .args(&[
            Arg::Value(
                "<class>",
                "weft, log, startup, cli, config, interface, xdp, neighbor, l2, worker, buffers",
            ),
            Arg::Value(
                "level",
                "emerg|alert|crit|error|warn|notice|info|debug|disabled",
            ),
            Arg::Value("syslog-level", "the same levels, for syslog"),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_layout() {
        let mut levels = vec![DEFAULT_LEVELS; CLASSES.len()];
        levels[3].level = Level::Debug;
        let text = configuration_text(&levels);
        let want_head = "Buffer Size:         512 entries\nDefaults:\n  Log Level:         notice\n  Syslog Log Level:  warn\n  Kmsg Log Level:    disabled\n\nClass/Subclass         Level          Syslog Level   Kmsg Log Level\nweft\n  default              notice         warn           disabled\n";
        assert!(text.starts_with(want_head), "{text}");
        assert!(
            text.contains("\ncli\n  default              debug          warn           disabled\n"),
            "{text}"
        );
    }
}
