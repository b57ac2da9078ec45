# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/demo.sh: finds the Debian packages
# that building and testing weft need and installs (as root, with apt) only
# those that are missing, so that a warm run costs a few `command -v` calls.
#
#   need_pkgs=()
#   weft_need_build_deps        # appends what weft's build and tests miss
#   weft_need_cmd socat socat   # appends PKG if CMD is missing
#   weft_apt_install            # installs need_pkgs, if any

# Appends PKG to need_pkgs unless the command CMD exists.
weft_need_cmd() {
  command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2")
}

# Appends to need_pkgs what building weft and running its tests miss.
weft_need_build_deps() {
  weft_need_cmd cc gcc
  weft_need_cmd pkg-config pkg-config
  weft_need_cmd ip iproute2
  weft_need_cmd ping iputils-ping
  weft_need_cmd ethtool ethtool
  # The XDP program is compiled with clang at build time; libbpf-sys and
  # libxdp-sys build libbpf/libxdp from source.
  weft_need_cmd clang clang
  weft_need_cmd make make
  weft_need_cmd m4 m4
  local h
  for h in /usr/include/gelf.h:libelf-dev /usr/include/zlib.h:zlib1g-dev \
           /usr/include/linux/bpf.h:linux-libc-dev /usr/include/pcap/pcap.h:libpcap-dev \
           /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core; do
    [ -e "${h%%:*}" ] || need_pkgs+=("${h##*:}")
  done
}

# Installs need_pkgs with apt (nothing when it is empty); exits 1 when
# something is missing and this is not root.
weft_apt_install() {
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    printf '\n==> %s\n' "installing with apt: ${need_pkgs[*]}"
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: missing ${need_pkgs[*]} and not root; install them and re-run" >&2
      exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}"
  fi
}
