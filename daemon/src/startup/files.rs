//! The files weftd reads: startup configs and exec scripts.

use super::*;

/// Reads a regular UTF-8 text file; `what` prefixes the error.
pub(super) fn read_text(path: &Path, what: &'static str) -> Result<String, StartupError> {
    let open_error = |error| StartupError::Open {
        what,
        path: path.to_path_buf(),
        error,
    };
    let meta = fs::metadata(path).map_err(open_error)?;
    if meta.is_dir() {
        return Err(open_error(io::Error::from(nix::errno::Errno::EISDIR)));
    }
    if !meta.is_file() {
        return Err(open_error(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let bytes = fs::read(path).map_err(open_error)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        StartupError::Config {
            file: path.display().to_string(),
            line: Some(valid.iter().filter(|&&b| b == b'\n').count() + 1),
            message: "not valid UTF-8 text".to_string(),
        }
    })
}

/// Reads an exec file (a CLI command script): its command lines with their
/// 1-based line numbers, trimmed, without blank lines and lines whose first
/// non-blank character is `#`.
///
/// Errors: `exec: cannot open <path>: No such file or directory` (or
/// `Is a directory`, `Permission denied`, `not a regular file`), and
/// `<path>:<line>: not valid UTF-8 text`.
pub fn read_exec_file(path: impl AsRef<Path>) -> Result<Vec<(usize, String)>, StartupError> {
    let text = read_text(path.as_ref(), "exec")?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| (n, line.to_string()))
        .collect())
}
