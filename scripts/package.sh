#!/usr/bin/env bash
# Builds weft's Debian package (weftd, weftctl, weft-pktgen, the systemd unit
# weft.service, /etc/weft/startup.conf) from this tree, release profile.
#
#   scripts/package.sh          # prints the .deb's path on its last line
#
# Steps: installs cargo-deb (crates.io, MIT) if missing, builds the three
# binaries (cargo build --release -p weft-cli -p weft-pktgen; an up-to-date
# target/release is reused), makes their man pages from --help (help2man),
# then `cargo deb -p weft-cli --no-build --strip`. The package lands in
# target/debian/weft_<version>-1_<arch>.deb. Needs help2man and dpkg-dev
# (dpkg-shlibdeps, for the dependencies); scripts/test.sh installs them.
# docs/packaging.md describes the package.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deb --version >/dev/null 2>&1; then
  echo "==> installing cargo-deb"
  cargo install cargo-deb --locked --version '^3.8'
fi
for c in help2man dpkg-shlibdeps; do
  command -v "$c" >/dev/null 2>&1 || {
    echo "error: $c not found (apt-get install ${c/dpkg-shlibdeps/dpkg-dev})" >&2
    exit 1
  }
done

echo "==> cargo build --release -p weft-cli -p weft-pktgen"
cargo build --release --locked -p weft-cli -p weft-pktgen

target_dir=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
rel=$target_dir/release
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

echo "==> man pages (help2man)"
mkdir -p "$rel/man"
man_page() { # binary section name
  help2man --no-info --section="$2" --name="$3" --version-string="$1 $version" \
    "$rel/$1" | gzip -9n > "$rel/man/$1.$2.gz"
}
man_page weftd 8 "weft's daemon: a userspace, VPP-style packet forwarder"
man_page weftctl 1 "the CLI client of weftd (VPP's vppctl for weft)"
man_page weft-pktgen 1 "AF_XDP VXLAN generator, XDP sink and reflector for weft's benchmarks"

echo "==> cargo deb -p weft-cli --no-build --strip"
out=$(cargo deb -p weft-cli --no-build --strip)
echo "$out"
