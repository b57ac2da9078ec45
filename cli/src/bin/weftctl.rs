//! weftctl: the weft console client.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    eprintln!("weftctl: the console is not built yet (see issue 4); nothing was sent");
    std::process::ExitCode::from(2)
}
