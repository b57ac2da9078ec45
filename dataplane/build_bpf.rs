//! Compiles one BPF C program with clang through libbpf-cargo's
//! `SkeletonBuilder` (which supplies libbpf's headers and the BPF target
//! flags) into `OUT_DIR/<obj>`, without generating a skeleton. Shared by
//! `dataplane/build.rs` (weft's steering program) and `pktgen/build.rs`
//! (the sink), which include it with `#[path]`.

use std::env;
use std::path::{Path, PathBuf};

use libbpf_cargo::SkeletonBuilder;

/// Builds `src` (relative to the crate) into `OUT_DIR/obj`, with `defines`
/// passed to clang as `-D<name>`, and asks cargo to rerun when it changes.
pub fn build_bpf(src: &str, obj: &str, defines: &[&str]) {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let arch = env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets CARGO_CFG_TARGET_ARCH");
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();

    let mut args = vec!["-Wall".to_string()];
    args.extend(defines.iter().map(|d| format!("-D{d}")));
    // Debian/Ubuntu keep `asm/types.h` (needed by `linux/bpf.h`) in the
    // multiarch directory, which clang does not search for `-target bpf`.
    let multiarch = format!("/usr/include/{arch}-linux-{target_env}");
    if Path::new(&multiarch).is_dir() {
        args.push(format!("-I{multiarch}"));
    }

    SkeletonBuilder::new()
        .source(src)
        .obj(out.join(obj))
        .clang_args(&args)
        .build()
        .unwrap_or_else(|e| {
            panic!(
                "building {src} failed: {e:#}\n\
                 (needs clang and the kernel UAPI headers; on Debian: \
                 apt-get install clang linux-libc-dev libelf-dev zlib1g-dev pkg-config m4)"
            )
        });
    println!("cargo:rerun-if-changed={src}");
}
