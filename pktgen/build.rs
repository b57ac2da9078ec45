//! Builds the sink's XDP program (`bpf/sink.bpf.c`) with clang, through
//! libbpf-cargo's `SkeletonBuilder` (which supplies libbpf's headers and the
//! BPF target flags), into `OUT_DIR/sink.bpf.o`, exactly as
//! `dataplane/build.rs` builds weft's steering program. `src/sink.rs`
//! embeds the object with `include_bytes!`; no skeleton is generated (see
//! the module docs of `dataplane::io::xdp_prog` for why).
//!
//! Needs at build time what `dataplane/build.rs` needs: `clang` (BPF
//! target) and the kernel UAPI headers (Debian: `linux-libc-dev`).

use std::env;
use std::path::{Path, PathBuf};

use libbpf_cargo::SkeletonBuilder;

const SRC: &str = "bpf/sink.bpf.c";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let arch = env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets CARGO_CFG_TARGET_ARCH");
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();

    let mut args = vec!["-Wall".to_string()];
    // Debian/Ubuntu keep `asm/types.h` (needed by `linux/bpf.h`) in the
    // multiarch directory, which clang does not search for `-target bpf`.
    let multiarch = format!("/usr/include/{arch}-linux-{target_env}");
    if Path::new(&multiarch).is_dir() {
        args.push(format!("-I{multiarch}"));
    }

    SkeletonBuilder::new()
        .source(SRC)
        .obj(out.join("sink.bpf.o"))
        .clang_args(&args)
        .build()
        .unwrap_or_else(|e| {
            panic!(
                "building {SRC} failed: {e:#}\n\
                 (needs clang and the kernel UAPI headers; on Debian: \
                 apt-get install clang linux-libc-dev libelf-dev zlib1g-dev pkg-config m4)"
            )
        });
    println!("cargo:rerun-if-changed={SRC}");
}
