#!/usr/bin/env bash
# The koko + VPP demo with weft in VPP's place (shared/KOKO.md).
#
#   scripts/demo.sh [--bridge] [--host-interface] [--ipv6] [--keep] [--topology-only] [--no-build]
#   scripts/demo.sh --clean
#
# Run as root on Debian 12. It installs what is missing (apt), builds weft in
# release mode, builds the demo topology in network namespaces named
# weftdemo-*, starts weftd in weftdemo-vpp1, configures it with the demo's
# VPP commands through weftctl, pings test1 <-> test2 through it, moves 16 MiB
# over TCP between the containers (sha256 checked), shows weft's counters,
# and tears everything down. The last line is PASS (exit 0) or FAIL (exit 1).
#
#   --bridge         the multipoint case (shared/VPP-GOLDEN.md section 1): a
#                    third host koko3 (10.99.0.4) with container test3 (link3
#                    10.100.0.3/24, VNI 13); weft puts the three tunnels and a
#                    BVI (loop0, 10.100.0.254/24) in bridge domain 10 instead
#                    of cross-connecting two tunnels, every container pings
#                    every other and the BVI, the TCP file goes test1 -> test3,
#                    and the bridge domain and its L2 FIB are shown
#   --host-interface attach weftd to eth0 with AF_PACKET (`create host-interface
#                    name eth0`, interface host-eth0) instead of AF_XDP; the
#                    bridge port keeps its tx checksum offload on
#   --ipv6           the same over an IPv6 underlay (shared/VPP-GOLDEN.md
#                    section 3): koko1 fd00::1/64, koko2 fd00::2/64 (nodad),
#                    the kernel vxlan links with remote fd00::3, weft's
#                    tunnels src fd00::3 dst fd00::1|2, resolved by Neighbor
#                    Discovery (not with --bridge)
#   --keep           leave the topology and weftd running, and print how to
#                    reach them; `scripts/demo.sh --clean` removes them
#   --topology-only  kernel part only: build the topology, check the
#                    underlay between the koko hosts, tear down (no build, no weftd)
#   --no-build       use the existing target/release/weftd and weftctl
#   --clean          stop a kept weftd and delete the weftdemo-* namespaces
#                    (those of --bridge too)
#
#   WEFT_DEMO_BIN=DIR  take weftd and weftctl from DIR instead of building
#                      target/release (implies --no-build)
#   WEFT_DEMO_TYPING=0 print CLI commands at once instead of typing them
#
#   koko1 eth0 10.99.0.1/24 --+                     test1: link1 10.100.0.1/24
#   koko2 eth0 10.99.0.2/24 --+-- br0 (weftdemo-br)   vxlan VNI 11 -> 10.99.0.3
#   vpp1  eth0 (no address) --+                     test2: link2 10.100.0.2/24
#     weftd: AF_XDP (or AF_PACKET) on eth0,         vxlan VNI 12 -> 10.99.0.3
#            owns 10.99.0.3
#   --bridge adds:
#   koko3 eth0 10.99.0.4/24 --+ (on br0)            test3: link3 10.100.0.3/24
#     weftd: bridge domain 10 = vxlan_tunnel0..2      vxlan VNI 13 -> 10.99.0.3
#            + BVI loop0 10.100.0.254/24
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/.."

# --- options -----------------------------------------------------------------
keep=0 topology_only=0 build=1 clean_only=0 host_interface=0 bridge=0 ipv6=0
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"; }
for arg in "$@"; do
  case "$arg" in
    --bridge) bridge=1 ;;
    --host-interface) host_interface=1 ;;
    --ipv6) ipv6=1 ;;
    --keep) keep=1 ;;
    --topology-only) topology_only=1 ;;
    --no-build) build=0 ;;
    --clean) clean_only=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo.sh: unknown option $arg" >&2; usage >&2; exit 1 ;;
  esac
done
if [ "$ipv6" = 1 ] && [ "$bridge" = 1 ]; then
  echo "demo.sh: --ipv6 and --bridge do not go together (yet)" >&2
  exit 1
fi
# The underlay's addresses: weft's, and each koko host's.
if [ "$ipv6" = 1 ]; then
  WEFT_UL=fd00::3 KOKO1_UL=fd00::1 KOKO2_UL=fd00::2 UL_LEN=64 PING6=-6
  LINK_MTU=1430 # the kernel's vxlan over IPv6: 1500 - 70
else
  WEFT_UL=10.99.0.3 KOKO1_UL=10.99.0.1 KOKO2_UL=10.99.0.2 UL_LEN=24 PING6=
  LINK_MTU=1450
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (it creates network namespaces and attaches XDP)" >&2
  exit 1
fi

# --- names (fixed, so --keep can print them and a later run can remove them) --
NS_BR=weftdemo-br
NS_KOKO1=weftdemo-koko1
NS_KOKO2=weftdemo-koko2
NS_VPP1=weftdemo-vpp1
NS_TEST1=weftdemo-test1
NS_TEST2=weftdemo-test2
NS_KOKO3=weftdemo-koko3
NS_TEST3=weftdemo-test3
# What --clean and a new run remove: every demo's namespaces.
ALL_NS=("$NS_TEST1" "$NS_TEST2" "$NS_TEST3" "$NS_KOKO1" "$NS_KOKO2" "$NS_KOKO3" "$NS_VPP1" "$NS_BR")
# What this run builds; HOSTS are the container hosts, by role name.
if [ "$bridge" = 1 ]; then
  DEMO_NS=("${ALL_NS[@]}")
  HOSTS=(koko1 koko2 koko3)
else
  DEMO_NS=("$NS_TEST1" "$NS_TEST2" "$NS_KOKO1" "$NS_KOKO2" "$NS_VPP1" "$NS_BR")
  HOSTS=(koko1 koko2)
fi
RUN_DIR=/run/weft
SOCK=$RUN_DIR/demo.sock
PIDFILE=$RUN_DIR/demo.pid
WORK=$RUN_DIR/demo            # startup.conf, weftd's log, transfer files
BIN_DIR=${WEFT_DEMO_BIN:-target/release}
[ -z "${WEFT_DEMO_BIN:-}" ] || build=0
WEFTD=$BIN_DIR/weftd
WEFTCTL=$BIN_DIR/weftctl
TCP_PORT=5001
TRANSFER_MIB=16
# The TCP transfer's receiver: test2, or test3 with --bridge.
if [ "$bridge" = 1 ]; then
  TCP_TO=test3 TCP_TO_NS=$NS_TEST3 TCP_TO_IP=10.100.0.3
else
  TCP_TO=test2 TCP_TO_NS=$NS_TEST2 TCP_TO_IP=10.100.0.2
fi

# The weft interface on vpp1's eth0, and the command that makes it.
if [ "$host_interface" = 1 ]; then
  UPLINK=host-eth0
  CREATE_UPLINK="create host-interface name eth0"
else
  UPLINK=eth0/0
  CREATE_UPLINK="create interface af_xdp host-if eth0"
fi

# --- output helpers ------------------------------------------------------------
step_no=0
step_title=""
if [ "$topology_only" = 1 ]; then steps_total=3; else steps_total=10; fi
[ "$build" = 1 ] || [ "$topology_only" = 1 ] || steps_total=$((steps_total - 1))

# step TITLE PROVES: a numbered step and one line on what it proves.
step() {
  step_no=$((step_no + 1))
  step_title=$1
  printf '\n[%d/%d] %s\n' "$step_no" "$steps_total" "$1"
  printf '      (%s)\n' "$2"
}
# run CMD...: prints the command, runs it, indents its output.
run() {
  printf '  $ %s\n' "$*"
  "$@" 2>&1 | sed 's/^/    /'
}
# run_quiet CMD...: prints the command, runs it, shows its output only if
# it fails.
run_quiet() {
  local out
  printf '  $ %s\n' "$*"
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/    /'
    die "$*"
  fi
}
# ok MESSAGE: a check that passed.
ok() { printf '  ok: %s\n' "$*"; }
# die MESSAGE: a check that failed; the EXIT trap prints FAIL and tears down.
fail_msg=""
die() {
  fail_msg=$*
  printf '  FAILED: %s\n' "$*" >&2
  exit 1
}
# Types a CLI command after the `weft# ` prompt like a person would (only on
# a terminal; WEFT_DEMO_TYPING=0 turns it off).
type_line() {
  local s=$1 i
  printf 'weft# '
  if [ -t 1 ] && [ "${WEFT_DEMO_TYPING:-1}" != 0 ]; then
    for ((i = 0; i < ${#s}; i++)); do
      printf '%s' "${s:i:1}"
      sleep 0.01
    done
    printf '\n'
  else
    printf '%s\n' "$s"
  fi
}
# weft COMMAND...: runs one CLI command on the demo's weftd, as typed; its
# output is also left in $weft_out.
weft_out=""
weft() {
  local line=$* words out
  read -ra words <<<"$line"
  type_line "$line"
  if ! out=$("$WEFTCTL" -s "$SOCK" "${words[@]}" 2>&1); then
    [ -z "$out" ] || printf '%s\n' "$out"
    die "weft# $line"
  fi
  [ -z "$out" ] || printf '%s\n' "$out"
  weft_out=$out
}
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF -- "$1"; }

# --- teardown ------------------------------------------------------------------
# Stops the demo's weftd (by the pid it recorded, and only if that process is
# still weftd) and deletes the demo's namespaces by exact name.
teardown() {
  local pid i ns
  if [ -f "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = weftd ]; then
      echo "  stopping weftd (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [ -e "/proc/$pid" ] || break
        sleep 0.1
      done
      if [ -e "/proc/$pid" ]; then
        echo "  weftd did not stop on SIGTERM in 5 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$PIDFILE"
  fi
  for ns in "${ALL_NS[@]}"; do
    if ns_exists "$ns"; then
      echo "  ip netns del $ns"
      ip netns del "$ns"
    fi
  done
  rm -f "$SOCK"
}

if [ "$clean_only" = 1 ]; then
  echo "demo.sh --clean: removing a kept demo"
  teardown
  rm -rf "$WORK"
  echo "clean"
  exit 0
fi

weftd_pid=""
listener_pid=""
passed=0
on_exit() {
  local rc=$?
  set +e
  [ -z "$listener_pid" ] || kill "$listener_pid" 2>/dev/null
  if [ "$passed" != 1 ] && [ -n "$weftd_pid" ]; then
    printf '\n--- weftd output (%s) ---\n' "$WORK/weftd.out"
    tail -n 30 "$WORK/weftd.out" 2>/dev/null
    printf -- '--- weftd log (%s) ---\n' "$WORK/weftd.log"
    tail -n 30 "$WORK/weftd.log" 2>/dev/null
  fi
  if [ "$keep" = 1 ]; then
    print_kept
  else
    printf '\nTearing down\n'
    teardown
    rm -rf "$WORK"
  fi
  echo
  if [ "$passed" = 1 ] && [ "$rc" = 0 ]; then
    echo "PASS"
    exit 0
  fi
  echo "FAIL at step $step_no/$steps_total ($step_title)${fail_msg:+: $fail_msg}"
  exit 1
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

print_kept() {
  printf '\n%s\n' "Left running (--keep). Enter a namespace with: ip netns exec NAME bash"
  printf '  %-16s %s\n' \
    "$NS_TEST1" "container test1: link1 10.100.0.1/24, vxlan VNI 11 -> $WEFT_UL" \
    "$NS_TEST2" "container test2: link2 10.100.0.2/24, vxlan VNI 12 -> $WEFT_UL"
  [ "$bridge" = 0 ] || printf '  %-16s %s\n' \
    "$NS_TEST3" "container test3: link3 10.100.0.3/24, vxlan VNI 13 -> 10.99.0.3"
  printf '  %-16s %s\n' \
    "$NS_KOKO1" "host koko1: eth0 10.99.0.1/24" \
    "$NS_KOKO2" "host koko2: eth0 10.99.0.2/24"
  [ "$bridge" = 0 ] || printf '  %-16s %s\n' "$NS_KOKO3" "host koko3: eth0 10.99.0.4/24"
  printf '  %-16s %s\n' \
    "$NS_VPP1" "host vpp1: eth0 (weftd's, no Linux address)" \
    "$NS_BR" "the L2 segment: bridge br0"
  if [ -n "$weftd_pid" ]; then
    echo "weftd: pid $weftd_pid, socket $SOCK, log $WORK/weftd.log"
    echo "  console:     $(realpath "$WEFTCTL") -s $SOCK"
    echo "  one command: $(realpath "$WEFTCTL") -s $SOCK show interface"
    echo "  (stock vppctl works too: vppctl -s $SOCK show interface)"
  fi
  echo "Remove everything: $SELF --clean"
}

# --- 1. install what is missing ------------------------------------------------
step "Install what is missing" \
  "the machine has the build tools, iproute2, ping, ethtool and socat"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
need_pkgs=()
weft_need_build_deps
weft_need_cmd ss iproute2
weft_need_cmd socat socat
weft_need_cmd sha256sum coreutils
weft_apt_install
if [ "$topology_only" = 0 ] && [ "$build" = 1 ] && ! command -v cargo >/dev/null 2>&1; then
  die "cargo not found; weft needs Rust 1.95 (https://rustup.rs)"
fi
ok "all present"

# --- 2. build weft -------------------------------------------------------------
if [ "$topology_only" = 0 ] && [ "$build" = 1 ]; then
  step "Build weft (release)" "weftd and weftctl compile"
  run cargo build --release -p weft-cli
fi
if [ "$topology_only" = 0 ]; then
  for bin in "$WEFTD" "$WEFTCTL"; do
    [ -x "$bin" ] || die "$bin is missing (build it, or run without --no-build)"
  done
fi
t_start=$(date +%s)

# --- 3. topology ---------------------------------------------------------------
if [ "$bridge" = 1 ]; then
  step "Build the multipoint koko topology" \
    "four hosts on one L2 segment; test1/test2/test3's vxlan links made exactly as koko makes them"
else
  step "Build the koko topology" \
    "three hosts on one L2 segment; test1/test2's vxlan links made exactly as koko makes them"
fi
leftovers=()
for ns in "${ALL_NS[@]}"; do ns_exists "$ns" && leftovers+=("$ns"); done
if [ ${#leftovers[@]} -gt 0 ] || [ -f "$PIDFILE" ]; then
  echo "  removing what a previous run left (${leftovers[*]:-weftd})"
  teardown
fi
rm -rf "$WORK"
mkdir -p "$WORK"
for ns in "${DEMO_NS[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
echo "  namespaces: ${DEMO_NS[*]}"
run ip -n "$NS_BR" link add br0 type bridge
run ip -n "$NS_BR" link set br0 up
# Each host's eth0 is a veth whose peer (named after the host) is a port of
# br0. Both ends are up: XDP on vpp1's eth0 needs its peer up.
for host in "${HOSTS[@]}" vpp1; do
  ns=weftdemo-$host
  run ip -n "$ns" link add eth0 type veth peer name "$host" netns "$NS_BR"
  run ip -n "$NS_BR" link set "$host" master br0
  run ip -n "$NS_BR" link set "$host" up
  run ip -n "$ns" link set eth0 up
done
# veth hands frames over with checksums left to "hardware" (the vxlan device
# offloads the inner TCP checksum). AF_XDP carries no checksum metadata, so
# for it the bridge port towards vpp1 finishes them, as a real wire would
# carry them; AF_PACKET's virtio-net header says which checksums are still
# to be done (and which frames are GSO super-frames), so weft completes
# them itself and the offload stays on. GRO on the same port makes it run
# NAPI, which a veth needs to receive what weft's XDP program forwards in
# the kernel (XDP_TX); without it weft forwards everything itself.
if [ "$host_interface" = 0 ]; then
  run_quiet ip netns exec "$NS_BR" ethtool -K vpp1 tx off gro on
fi
run ip -n "$NS_KOKO1" addr add 10.99.0.1/24 dev eth0
run ip -n "$NS_KOKO2" addr add 10.99.0.2/24 dev eth0
if [ "$ipv6" = 1 ]; then
  for ns in "$NS_KOKO1" "$NS_KOKO2"; do
    run ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
  done
  run ip -n "$NS_KOKO1" -6 addr add "$KOKO1_UL/$UL_LEN" dev eth0 nodad
  run ip -n "$NS_KOKO2" -6 addr add "$KOKO2_UL/$UL_LEN" dev eth0 nodad
fi
[ "$bridge" = 0 ] || run ip -n "$NS_KOKO3" addr add 10.99.0.4/24 dev eth0
echo "  # vpp1's eth0 gets no Linux address: weftd owns $WEFT_UL"
# koko -n test1,link1,10.100.0.1/24 -x eth0,10.99.0.3,11 (and test2, VNI 12;
# test3, VNI 13)
koko_link() { # HOST CONTAINER VNI LINK ADDR
  local host=$1 container=$2 vni=$3 link=$4 addr=$5
  run ip -n "$host" link add "tmp$vni" type vxlan id "$vni" remote "$WEFT_UL" dev eth0 \
    dstport 4789 learning l2miss l3miss ttl auto
  run ip -n "$host" link set "tmp$vni" netns "$container"
  run ip -n "$container" link set "tmp$vni" name "$link"
  run ip -n "$container" link set "$link" up
  run ip -n "$container" addr add "$addr" brd + dev "$link"
}
koko_link "$NS_KOKO1" "$NS_TEST1" 11 link1 10.100.0.1/24
koko_link "$NS_KOKO2" "$NS_TEST2" 12 link2 10.100.0.2/24
[ "$bridge" = 0 ] || koko_link "$NS_KOKO3" "$NS_TEST3" 13 link3 10.100.0.3/24
# Seen from the container, the vxlan's lower device is eth0 of its host
# (the link-netns, where the UDP socket stays), shown by ifindex.
links=("$NS_TEST1 link1 11 $NS_KOKO1" "$NS_TEST2 link2 12 $NS_KOKO2")
[ "$bridge" = 0 ] || links+=("$NS_TEST3 link3 13 $NS_KOKO3")
for triple in "${links[@]}"; do
  read -r ns link vni host <<<"$triple"
  eth0=$(ip -n "$host" -o link show eth0 | cut -d: -f1)
  details=$(ip -n "$ns" -d link show "$link")
  if ! grep -q "link-netns $host " <<<"$details" \
    || ! vx=$(grep -o "vxlan id $vni remote ${WEFT_UL//./\\.} dev if$eth0 srcport 0 0 dstport 4789 l2miss l3miss ttl auto" \
      <<<"$details"); then
    printf '%s\n' "$details" | sed 's/^/    /'
    die "$link in $ns is not koko's device"
  fi
  if grep -q nolearning <<<"$details"; then die "$link in $ns has learning off"; fi
  mtu=$(grep -o 'mtu [0-9]*' <<<"$details" | head -1 | cut -d' ' -f2)
  [ "$mtu" = "$LINK_MTU" ] || die "$link in $ns has mtu $mtu, not $LINK_MTU"
  ok "$ns $link: $vx (if$eth0 = eth0 of $host; learning on; mtu $LINK_MTU)"
done

# --- 4. underlay ---------------------------------------------------------------
step "Check the underlay" \
  "the koko hosts reach each other over the bridge; nothing answers for $WEFT_UL yet"
run ip netns exec "$NS_KOKO1" ping $PING6 -c 2 -i 0.2 -W 2 "$KOKO2_UL" || die "koko1 cannot ping koko2"
run ip netns exec "$NS_KOKO2" ping $PING6 -c 1 -W 2 "$KOKO1_UL" || die "koko2 cannot ping koko1"
if [ "$bridge" = 1 ]; then
  run ip netns exec "$NS_KOKO3" ping -c 1 -W 2 10.99.0.1 || die "koko3 cannot ping koko1"
  run ip netns exec "$NS_KOKO2" ping -c 1 -W 2 10.99.0.4 || die "koko2 cannot ping koko3"
fi
if ip netns exec "$NS_KOKO1" ping $PING6 -c 1 -W 1 "$WEFT_UL" >/dev/null 2>&1; then
  die "$WEFT_UL answers before weftd runs: vpp1's Linux must not own it"
fi
# Forget the failed ARP (ND) lookup, so that koko1 asks again at once later.
ip -n "$NS_KOKO1" neigh flush dev eth0
ok "$WEFT_UL is silent before weftd"

if [ "$topology_only" = 1 ]; then
  passed=1
  exit 0
fi

# --- 5. weftd ------------------------------------------------------------------
step "Start weftd in $NS_VPP1" \
  "the daemon reads a VPP-style startup.conf and opens its CLI socket"
mkdir -p "$RUN_DIR"
rm -f "$SOCK"
cat >"$WORK/startup.conf" <<EOF
unix {
  nodaemon
  cli-listen $SOCK
  log $WORK/weftd.log
}
cpu {
  workers 1
}
EOF
sed 's/^/    /' "$WORK/startup.conf"
printf '  $ %s &\n' "ip netns exec $NS_VPP1 $WEFTD -c $WORK/startup.conf"
ip netns exec "$NS_VPP1" "$WEFTD" -c "$WORK/startup.conf" >"$WORK/weftd.out" 2>&1 &
weftd_pid=$!
echo "$weftd_pid" >"$PIDFILE"
for ((i = 0; i < 150; i++)); do
  [ -S "$SOCK" ] && break
  if ! kill -0 "$weftd_pid" 2>/dev/null; then
    st=0
    wait "$weftd_pid" || st=$?
    weftd_pid=""
    printf '  weftd output:\n'
    sed 's/^/    /' "$WORK/weftd.out"
    if [ -s "$WORK/weftd.log" ]; then
      printf '  weftd log:\n'
      tail -n 30 "$WORK/weftd.log" | sed 's/^/    /'
    fi
    die "weftd exited with status $st before opening $SOCK"
  fi
  sleep 0.1
done
[ -S "$SOCK" ] || die "weftd (pid $weftd_pid) did not open $SOCK within 15 s"
ok "weftd pid $weftd_pid listening on $SOCK"

# --- 6. configure --------------------------------------------------------------
if [ "$bridge" = 1 ]; then
  step "Configure weft as the multipoint demo's VPP" \
    "weft accepts VPP's commands: $UPLINK on eth0, bridge domain 10 with three VXLAN tunnels and a BVI"
else
  step "Configure weft as the demo's VPP" \
    "weft accepts the demo's VPP commands: $UPLINK on eth0, two VXLAN tunnels, L2 cross-connect"
fi
weft $CREATE_UPLINK
weft set interface ip address $UPLINK 10.99.0.3/24
[ "$ipv6" = 0 ] || weft set interface ip address $UPLINK "$WEFT_UL/$UL_LEN"
weft set interface state $UPLINK up
if [ "$bridge" = 1 ]; then
  weft create bridge-domain 10 learn 1 forward 1 uu-flood 1 flood 1 arp-term 0
  weft create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11
  weft create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12
  weft create vxlan tunnel src 10.99.0.3 dst 10.99.0.4 vni 13
  weft set interface l2 bridge vxlan_tunnel0 10
  weft set interface l2 bridge vxlan_tunnel1 10
  weft set interface l2 bridge vxlan_tunnel2 10
  weft create loopback interface
  weft set interface l2 bridge loop0 10 bvi
  weft set interface ip address loop0 10.100.0.254/24
  weft set interface state loop0 up
else
  weft create vxlan tunnel src "$WEFT_UL" dst "$KOKO1_UL" vni 11
  weft create vxlan tunnel src "$WEFT_UL" dst "$KOKO2_UL" vni 12
  weft set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1
  weft set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0
fi

# --- 7. weft owns 10.99.0.3 ----------------------------------------------------
step "Reach weft on the underlay" \
  "weft answers ARP (ND) and ping for $WEFT_UL on eth0, which Linux on vpp1 does not own"
run ip netns exec "$NS_KOKO1" ping $PING6 -c 2 -i 0.2 -W 2 "$WEFT_UL" || die "koko1 cannot ping weft"
run ip netns exec "$NS_KOKO2" ping $PING6 -c 2 -i 0.2 -W 2 "$WEFT_UL" || die "koko2 cannot ping weft"
if [ "$bridge" = 1 ]; then
  run ip netns exec "$NS_KOKO3" ping -c 2 -i 0.2 -W 2 10.99.0.3 || die "koko3 cannot ping weft"
fi

# --- 8. ping through weft ------------------------------------------------------
if [ "$bridge" = 1 ]; then
  step "Ping every container and the BVI through weft" \
    "frames from each tunnel are flooded or forwarded by learned MAC to the others and to loop0"
  for from in 1 2 3; do
    for to in 1 2 3 254; do
      [ "$from" != "$to" ] || continue
      run ip netns exec "weftdemo-test$from" ping -c 2 -i 0.2 -W 2 "10.100.0.$to" \
        || die "test$from cannot ping 10.100.0.$to"
    done
  done
else
  step "Ping test1 <-> test2 through weft" \
    "VNI 11 frames are decapsulated, cross-connected and re-encapsulated as VNI 12, and back"
  run ip netns exec "$NS_TEST1" ping -c 3 -i 0.2 -W 2 10.100.0.2 || die "test1 cannot ping test2"
  run ip netns exec "$NS_TEST2" ping -c 3 -i 0.2 -W 2 10.100.0.1 || die "test2 cannot ping test1"
fi

# --- 9. TCP transfer -----------------------------------------------------------
step "Move $TRANSFER_MIB MiB over TCP from test1 to $TCP_TO" \
  "full-size frames (inner MTU $LINK_MTU) cross weft both ways intact: sha256 matches"
head -c "$((TRANSFER_MIB * 1024 * 1024))" /dev/urandom >"$WORK/send.bin"
printf '  $ %s &\n' "ip netns exec $TCP_TO_NS socat -u TCP-LISTEN:$TCP_PORT,bind=$TCP_TO_IP,reuseaddr CREATE:$WORK/recv.bin"
ip netns exec "$TCP_TO_NS" timeout 40 \
  socat -u "TCP-LISTEN:$TCP_PORT,bind=$TCP_TO_IP,reuseaddr" "CREATE:$WORK/recv.bin" &
listener_pid=$!
for ((i = 0; i < 50; i++)); do
  ip netns exec "$TCP_TO_NS" ss -Hltn "sport = :$TCP_PORT" | grep -q . && break
  sleep 0.1
done
t0=$(date +%s.%N)
run ip netns exec "$NS_TEST1" timeout 30 socat -u "OPEN:$WORK/send.bin" "TCP:$TCP_TO_IP:$TCP_PORT" \
  || die "the transfer from test1 failed"
st=0
wait "$listener_pid" || st=$?
listener_pid=""
t1=$(date +%s.%N)
[ "$st" = 0 ] || die "the receiver in $TCP_TO failed (status $st)"
sent=$(sha256sum <"$WORK/send.bin" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/recv.bin" | cut -d' ' -f1)
echo "  sent by test1:     $sent"
echo "  received by $TCP_TO: $got ($(stat -c %s "$WORK/recv.bin") bytes)"
[ "$sent" = "$got" ] || die "the received file differs from the sent one"
ok "$(awk -v s="$t0" -v e="$t1" -v m="$TRANSFER_MIB" \
  'BEGIN { printf "%d MiB in %.2f s (%.0f Mbit/s), content identical", m, e - s, m * 8 * 1.048576 / (e - s) }')"
rm -f "$WORK/send.bin" "$WORK/recv.bin"

# --- 10. counters --------------------------------------------------------------
step "Look inside weft" \
  "interface, tunnel, error and per-node runtime counters account for the traffic"
weft show interface
weft show vxlan tunnel
if [ "$bridge" = 1 ]; then
  weft show bridge-domain 10 detail
  weft show l2fib verbose
  # Each container's MAC was learned on the tunnel towards its host.
  for i in 1 2 3; do
    mac=$(ip -n "weftdemo-test$i" -o link show "link$i" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
    tunnel=vxlan_tunnel$((i - 1))
    grep -E "^ *$mac .* $tunnel *\$" <<<"$weft_out" >/dev/null \
      || die "test$i's MAC $mac is not in the L2 FIB on $tunnel"
    ok "test$i's MAC $mac learned on $tunnel"
  done
fi
weft show errors
weft show runtime

echo
echo "Demo done in $(($(date +%s) - t_start)) s after the build."
passed=1
