//! Gathers the build information weftd and weftctl report (`--version`,
//! `show version`): see the `buildinfo` crate.

fn main() {
    buildinfo::gather::emit();
}
