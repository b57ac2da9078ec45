//! weftctl: the weft console client (see `weft_cli::ctl`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    weft_cli::ctl::main()
}
