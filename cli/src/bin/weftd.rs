//! weftd: the weft daemon (see the `daemon` crate).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    buildinfo::install(buildinfo::build_info!());
    daemon::main()
}
