//! weftd: the weft daemon.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    eprintln!("weftd: the daemon is not built yet (see issue 4); nothing was started");
    std::process::ExitCode::from(2)
}
