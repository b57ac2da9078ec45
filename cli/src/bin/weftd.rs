//! weftd: the weft daemon (see `weft_cli::daemon`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    weft_cli::daemon::main()
}
