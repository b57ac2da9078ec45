//! Builds the BPF programs the integration tests attach to their test
//! hosts (`tests/bpf/*.bpf.c`) into `OUT_DIR`, with the code that builds
//! weft's own (`dataplane/build_bpf.rs`).

#[path = "dataplane/build_bpf.rs"]
mod build_bpf;

fn main() {
    build_bpf::build_bpf("tests/bpf/vlan_tag.bpf.c", "vlan_tag.bpf.o", &[]);
}
