//! weftctl: the weft console client (see `console::ctl`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    buildinfo::install(buildinfo::build_info!());
    console::ctl::main()
}
