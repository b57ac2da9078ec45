//! Builds weft's XDP steering program (`bpf/weft_xdp.bpf.c`) with clang
//! (through libbpf-cargo's `SkeletonBuilder`, which supplies libbpf's headers
//! and the BPF target flags) twice: `OUT_DIR/weft_xdp.bpf.o` (plain) and
//! `OUT_DIR/weft_xdp_bound.bpf.o` (device-bound, `-DWEFT_DEV_BOUND`).
//! `src/io/xdp_prog.rs` embeds both objects with `include_bytes!`, so weftd
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

#[path = "build_bpf.rs"]
mod build_bpf;

fn main() {
    build_bpf::build_bpf("bpf/weft_xdp.bpf.c", "weft_xdp.bpf.o", &[]);
    // The device-bound build, which reads VLAN tags the device kept out
    // of the frame (see the program's header comment).
    build_bpf::build_bpf(
        "bpf/weft_xdp.bpf.c",
        "weft_xdp_bound.bpf.o",
        &["WEFT_DEV_BOUND"],
    );
}
