//! Builds the sink's XDP program (`bpf/sink.bpf.c`) with clang, through
//! libbpf-cargo's `SkeletonBuilder` (which supplies libbpf's headers and the
//! BPF target flags), into `OUT_DIR/sink.bpf.o`, with the same code that
//! builds weft's steering program (`dataplane/build_bpf.rs`). `src/sink.rs`
//! embeds the object with `include_bytes!`; no skeleton is generated (see
//! the module docs of `dataplane::io::xdp_prog` for why).
//!
//! Needs at build time what `dataplane/build.rs` needs: `clang` (BPF
//! target) and the kernel UAPI headers (Debian: `linux-libc-dev`).
//!
//! It also gathers the build information `weft-pktgen --version` prints
//! (the `buildinfo` crate).

#[path = "../dataplane/build_bpf.rs"]
mod build_bpf;

fn main() {
    build_bpf::build_bpf("bpf/sink.bpf.c", "sink.bpf.o", &[]);
    buildinfo::gather::emit();
}
