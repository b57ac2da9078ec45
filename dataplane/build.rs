//! Builds weft's XDP steering program (`bpf/weft_xdp.bpf.c`) with clang
//! (through libbpf-cargo's `SkeletonBuilder`, which supplies libbpf's headers
//! and the BPF target flags) into `OUT_DIR/weft_xdp.bpf.o`.
//! `src/io/xdp_prog.rs` embeds that object with `include_bytes!`, so weftd
//! needs no file at run time.
//!
//! No skeleton is generated: the loader opens the embedded object into an
//! owned `libbpf_rs::Object` (see the module docs of `io::xdp_prog` for
//! why), so generating one would only cost a rustfmt run.
//!
//! Needs at build time: `clang` (BPF target), the kernel UAPI headers
//! (`linux/bpf.h`, Debian package `linux-libc-dev`, whose `asm/` headers live
//! in the multiarch directory added below), and for libbpf-sys's vendored
//! libbpf `libelf-dev`, `zlib1g-dev`, `pkg-config`, `make` and `m4`. The libbpf
//! headers (`bpf/bpf_helpers.h`) come from libbpf-sys itself.

use std::env;
use std::path::{Path, PathBuf};

use libbpf_cargo::SkeletonBuilder;

const SRC: &str = "bpf/weft_xdp.bpf.c";

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
        .obj(out.join("weft_xdp.bpf.o"))
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
