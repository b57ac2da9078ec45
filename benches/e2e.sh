#!/usr/bin/env bash
# End-to-end throughput: weft against the kernel's own VXLAN path and
# against a no-op AF_XDP reflector, on one hairpin topology, in one run.
#
#   benches/e2e.sh [--quick] [--runs N] [--duration S] [--sizes "60 512 1400"]
#                  [--duts "limit xdp-bound weft weft-graph weft-bridge weft-hif kernel"] [--flows N] [--no-build]
#                  [--out DIR] [--no-docs] [--bin-dir DIR] [--prefix P]
#
# Needs root (network namespaces, XDP). Installs what is missing with apt,
# builds weftd, weftctl and weft-pktgen (release), then for each device
# under test (DUT), each inner frame size and each run:
#
#   namespace wbe-gen                      namespace wbe-dut
#   ┌──────────────────────────────┐       ┌──────────────────────────┐
#   │ weft-pktgen gen  (AF_XDP tx) │       │ DUT on core 1:           │
#   │   VXLAN VNI 11, A -> DUT     ├─veth──┤  limit:  AF_XDP reflector│
#   │ weft-pktgen sink (XDP, drop) │       │  xdp-bound: a bare XDP   │
#   │   counts VNI 12 (B) frames   │       │     rewrite, XDP_TX      │
#   │                              │       │  weft:   weftd, VNI 11   │
#   │                              │       │          xconnect VNI 12 │
#   │                              │       │     (XDP fast path on)   │
#   │                              │       │  weft-graph: the same,   │
#   │                              │       │     fast path off        │
#   │                              │       │  weft-bridge: the two    │
#   │                              │       │     tunnels in bridge    │
#   │                              │       │     domain 10 instead    │
#   │                              │       │  weft-hif: weft over     │
#   │                              │       │     create host-interface│
#   │ A 10.99.0.2, B 10.99.0.3     │       │  kernel: vxlan11 + tc    │
#   └──────────────────────────────┘       │    mirred -> vxlan12     │
#                                          │ 10.99.0.1                │
#                                          └──────────────────────────┘
#
# The generator (core 0) sends as fast as the interface takes frames for
# --duration seconds; the sink counts what comes back forwarded (VNI 12;
# for the reflector, the VNI 11 frames it returns). Offered = sent/s,
# delivered = forwarded frames counted by the sink / the send time. CPU use
# per core comes from /proc/stat over the same window.
#
# Where the DUT's work runs: a veth delivers a frame to its peer's XDP
# program in a NAPI poll, by default on the CPU that sent it (the
# generator's). So that every DUT's receive work runs on core 1, the DUT
# end's NAPI is threaded and its kthread pinned to core 1 (XDP DUTs), and
# the kernel DUT's receive processing is steered there with RPS.
#
# Writes DIR/results.csv (every run), DIR/table.md (medians and ratios),
# DIR/e2e.png (the chart), and, unless --no-docs, copies the table and the
# chart into docs/performance.md and docs/e2e.png. DIR defaults to
# target/e2e. --bin-dir takes weftd, weftctl and weft-pktgen from DIR
# instead of building them; --prefix names the namespaces P-gen and P-dut
# (default wbe).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=5
DURATION=2
SIZES="60 512 1400"
DUTS="limit xdp-bound weft weft-graph weft-bridge weft-hif kernel"
FLOWS=64
BUILD=1
DOCS=1
OUT=$ROOT/target/e2e
BIN=$ROOT/target/release
# Namespace names: PREFIX-gen and PREFIX-dut (tests use their own).
PREFIX=wbe
while [ $# -gt 0 ]; do
  case $1 in
    --quick) RUNS=1; DURATION=2 ;;
    --runs) RUNS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --duts) DUTS=$2; shift ;;
    --flows) FLOWS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --no-docs) DOCS=0 ;;
    --out) OUT=$2; shift ;;
    --bin-dir) BIN=$2; BUILD=0; shift ;;
    --prefix) PREFIX=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "e2e.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$(id -u)" -ne 0 ]; then
  echo "e2e.sh: run as root (it creates network namespaces and attaches XDP)" >&2
  exit 1
fi
if [ "$(nproc)" -lt 2 ]; then
  echo "e2e.sh: needs 2 cores (generator on core 0, DUT on core 1)" >&2
  exit 1
fi

step() { printf '\n==> %s\n' "$*"; }
start_time=$(date +%s)

# --- install and build ---------------------------------------------------------
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
need_pkgs=()
weft_need_build_deps
weft_need_cmd tc iproute2
weft_apt_install
if [ "$BUILD" = 1 ]; then
  step "cargo build --release (weftd, weftctl, weft-pktgen)"
  cargo build --release -p weft-cli -p weft-pktgen
fi
for b in weftd weftctl weft-pktgen; do
  [ -x "$BIN/$b" ] || { echo "e2e.sh: $BIN/$b missing (drop --no-build)" >&2; exit 1; }
done
PKTGEN=$BIN/weft-pktgen

# --- topology -------------------------------------------------------------------
NS_GEN=$PREFIX-gen
NS_DUT=$PREFIX-dut
IF_GEN=wbe-g
IF_DUT=wbe-d
MAC_GEN=02:00:0a:63:00:02
MAC_DUT=02:00:0a:63:00:01
IP_DUT=10.99.0.1
IP_A=10.99.0.2
IP_B=10.99.0.3
# weft-pktgen gen's default inner destination MAC (B's container).
INNER_DST_MAC=0a:00:00:00:02:02
GEN_CORE=0
DUT_CORE=1
WORK=$OUT/run
SOCK=$WORK/weftd.sock
mkdir -p "$OUT" "$WORK"

dut_pid=""
sink_pid=""
cleanup() {
  set +e
  if [ -n "$sink_pid" ]; then
    kill "$sink_pid" 2>/dev/null
    wait "$sink_pid" 2>/dev/null
    sink_pid=""
  fi
  if [ -n "$dut_pid" ]; then
    kill "$dut_pid" 2>/dev/null
    wait "$dut_pid" 2>/dev/null
  fi
  # Only what this script created, by exact name.
  ip netns del "$NS_GEN" 2>/dev/null
  ip netns del "$NS_DUT" 2>/dev/null
}
trap cleanup EXIT

in_gen() { ip netns exec "$NS_GEN" "$@"; }
in_dut() { ip netns exec "$NS_DUT" "$@"; }

topology() {
  cleanup
  ip netns add "$NS_GEN"
  ip netns add "$NS_DUT"
  # No IPv6: the kernel DUT's vxlan devices would send their own link-local
  # chatter (MLD, router solicitations) into VNI 12, counted as forwarded.
  local ns
  for ns in "$NS_GEN" "$NS_DUT"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  done
  ip link add "$IF_GEN" netns "$NS_GEN" address "$MAC_GEN" type veth \
    peer name "$IF_DUT" netns "$NS_DUT" address "$MAC_DUT"
  in_gen ip link set lo up
  in_dut ip link set lo up
  in_gen ip addr add "$IP_A/24" dev "$IF_GEN"
  in_gen ip addr add "$IP_B/24" dev "$IF_GEN"
  in_gen ip link set "$IF_GEN" up
  in_dut ip link set "$IF_DUT" up
  # The generator side answers ARP from its kernel (the sink passes what it
  # does not count); the DUTs get static entries anyway so that no run
  # waits for resolution.
  in_gen ip neigh replace "$IP_DUT" lladdr "$MAC_DUT" dev "$IF_GEN" nud permanent
}

# /proc/stat busy and total jiffies per core: "busy0 total0 busy1 total1".
cpu_snapshot() {
  awk '/^cpu[01] /{busy=$2+$3+$4+$7+$8+$9; total=busy+$5+$6; printf "%d %d ", busy, total}' /proc/stat
}

# --- DUTs -------------------------------------------------------------------------
# A DUT started as $dut_pid that attaches an XDP program is ready once the
# program is on the DUT's veth; OUT is its output, shown if it fails.
wait_xdp_attached() {
  local out=$1
  for _ in $(seq 100); do
    in_dut ip link show "$IF_DUT" | grep -q xdp && return 0
    kill -0 "$dut_pid" 2>/dev/null || { cat "$out"; return 1; }
    sleep 0.1
  done
  cat "$out"
  return 1
}

dut_start_limit() {
  # Same ring sizes as weftd's af_xdp interface (VPP's default, 512).
  ip netns exec "$NS_DUT" "$PKTGEN" reflect --dev "$IF_DUT" --core "$DUT_CORE" --ring-size 512 \
    >"$WORK/reflect.out" 2>&1 &
  dut_pid=$!
  wait_xdp_attached "$WORK/reflect.out"
}

weftctl() { in_dut "$BIN/weftctl" -s "$SOCK" "$@"; }
# Configuration commands: their output (tunnel names) goes to the log.
configure() { weftctl "$@" >>"$WORK/weftctl.log"; }

# weftd with the demo's commands on an interface made by CREATE, named IF;
# L2 is how the two tunnels are joined: xconnect (the demo) or bridge; RX_MODE
# is the interface's rx-mode (polling, as VPP runs, unless given).
dut_start_weftd() {
  local create=$1 ifc=$2 l2=${3:-xconnect} rx_mode=${4:-polling}
  rm -f "$SOCK"
  cat >"$WORK/startup.conf" <<EOF
unix {
  nodaemon
  cli-listen $SOCK
  log $WORK/weftd.log
}
cpu {
  main-core $GEN_CORE
  corelist-workers $DUT_CORE
}
EOF
  ip netns exec "$NS_DUT" "$BIN/weftd" -c "$WORK/startup.conf" >"$WORK/weftd.out" 2>&1 &
  dut_pid=$!
  for _ in $(seq 150); do
    [ -S "$SOCK" ] && break
    kill -0 "$dut_pid" 2>/dev/null || { cat "$WORK/weftd.out"; return 1; }
    sleep 0.1
  done
  # The demo's commands (scripts/demo.sh), with this topology's addresses.
  # shellcheck disable=SC2086
  configure $create
  configure set interface ip address "$ifc" "$IP_DUT/24"
  configure set interface state "$ifc" up
  configure set interface rx-mode "$ifc" "$rx_mode"
  configure create vxlan tunnel src "$IP_DUT" dst "$IP_A" vni 11
  configure create vxlan tunnel src "$IP_DUT" dst "$IP_B" vni 12
  if [ "$l2" = bridge ]; then
    # Bridge domain 10 (learning, forwarding, flooding: VPP's defaults).
    # The generator's inner destination sits behind vxlan_tunnel1, as if
    # learned from B's replies, so every frame is known unicast, no
    # flooding: the first one (its inner source learned on vxlan_tunnel0)
    # through l2-learn and l2-fwd, the rest through vxlan4-fastpath.
    configure create bridge-domain 10
    configure set interface l2 bridge vxlan_tunnel0 10
    configure set interface l2 bridge vxlan_tunnel1 10
    configure l2fib add "$INNER_DST_MAC" 10 vxlan_tunnel1
  else
    configure set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1
    configure set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0
  fi
  configure ip neighbor "$ifc" "$IP_A" "$MAC_GEN" static
  configure ip neighbor "$ifc" "$IP_B" "$MAC_GEN" static
}

# With the fast path the worker's rx-mode is weft's default, adaptive: the
# frames stay in the kernel, whose NAPI thread shares core 1 with the
# worker, and a polling worker would take half of that core from it.
dut_start_weft() {
  dut_start_weftd "create interface af_xdp host-if $IF_DUT" "$IF_DUT/0" xconnect adaptive
}
# The same with weft's XDP fast path turned off: every frame through the
# AF_XDP socket and the graph.
dut_start_weft-graph() {
  dut_start_weftd "create interface af_xdp host-if $IF_DUT" "$IF_DUT/0"
  configure set vxlan xdp-fastpath disable
}
# The same over af_xdp, the tunnels in a bridge domain instead of the xconnect.
dut_start_weft-bridge() {
  dut_start_weftd "create interface af_xdp host-if $IF_DUT" "$IF_DUT/0" bridge
}
# AF_PACKET: weft's MAC is its own (02:fe:...), so the generator's frames
# for MAC_DUT reach it only because the socket is promiscuous; hw-addr
# keeps the topology's MAC instead.
dut_start_weft-hif() {
  dut_start_weftd "create host-interface name $IF_DUT hw-addr $MAC_DUT" "host-$IF_DUT"
}

# The bound of an XDP forwarder: weft-pktgen's sink rewriting each VNI 11
# frame into the VNI 12 frame to B and sending it back (XDP_TX), with no
# check beyond finding the headers (pktgen/bpf/sink.bpf.c).
dut_start_xdp-bound() {
  ip netns exec "$NS_DUT" "$PKTGEN" sink --dev "$IF_DUT" --vni 11 --rewrite-vni 12 \
    --rewrite-dst-ip "$IP_B" --pass-other --interval 0 >"$WORK/bound.out" 2>&1 &
  dut_pid=$!
  wait_xdp_attached "$WORK/bound.out"
}

# The DUT end's NAPI (which runs XDP on a veth) in a kthread on core 1,
# not in the generator's softirq. Its kthread is napi/<dev>-<napi id>.
napi_on_dut_core() {
  in_dut sh -c "echo 1 > /sys/class/net/$IF_DUT/threaded"
  local pid
  for _ in $(seq 50); do
    pid=$(pgrep -x "napi/$IF_DUT-[0-9]*" | head -n 1 || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "e2e.sh: no NAPI thread for $IF_DUT" >&2; return 1; }
  taskset -pc "$DUT_CORE" "$pid" >/dev/null
}

dut_start_kernel() {
  in_dut ip addr add "$IP_DUT/24" dev "$IF_DUT"
  in_dut ip neigh replace "$IP_A" lladdr "$MAC_GEN" dev "$IF_DUT" nud permanent
  in_dut ip neigh replace "$IP_B" lladdr "$MAC_GEN" dev "$IF_DUT" nud permanent
  in_dut ip link add vxlan11 type vxlan id 11 local "$IP_DUT" remote "$IP_A" dstport 4789 dev "$IF_DUT"
  in_dut ip link add vxlan12 type vxlan id 12 local "$IP_DUT" remote "$IP_B" dstport 4789 dev "$IF_DUT"
  in_dut ip link set vxlan11 up
  in_dut ip link set vxlan12 up
  # Cross-connect: everything received on vxlan11 leaves on vxlan12 (u32
  # match-all; this kernel has no matchall classifier).
  in_dut tc qdisc add dev vxlan11 ingress
  in_dut tc filter add dev vxlan11 parent ffff: protocol all prio 1 u32 match u32 0 0 \
    action mirred egress redirect dev vxlan12
  # Receive processing on the DUT's core, as weft's worker gets it (RPS).
  in_dut sh -c "echo $((1 << DUT_CORE)) > /sys/class/net/$IF_DUT/queues/rx-0/rps_cpus"
}

dut_stop() {
  if [ -n "$dut_pid" ]; then
    kill "$dut_pid" 2>/dev/null || true
    wait "$dut_pid" 2>/dev/null || true
    dut_pid=""
  fi
}

# --- one measurement --------------------------------------------------------------
# measure DUT SIZE RUN: appends one CSV row.
measure() {
  local dut=$1 size=$2 run=$3 vni=12
  [ "$dut" = limit ] && vni=11
  # Started with `ip netns exec` itself (it execs), not through a shell
  # function: $! must be the sink, and a background subshell would ignore
  # SIGINT for it.
  ip netns exec "$NS_GEN" "$PKTGEN" sink --dev "$IF_GEN" --vni "$vni" --pass-other --json \
    --interval 0 >"$WORK/sink.json" 2>"$WORK/sink.err" &
  sink_pid=$!
  for _ in $(seq 100); do
    grep -q '"ready"' "$WORK/sink.json" 2>/dev/null && break
    kill -0 "$sink_pid" 2>/dev/null || { cat "$WORK/sink.err"; return 1; }
    sleep 0.05
  done
  # weft's fast path follows the sink's XDP program (the veth's XDP
  # transmit needs one on the peer; weftd reads it again every second):
  # measure with it in place.
  if [ "$dut" = weft ]; then
    for _ in $(seq 50); do
      weftctl show vxlan xdp-fastpath | grep -q ": on, " && break
      sleep 0.1
    done
    weftctl show vxlan xdp-fastpath | grep -q ": on, " ||
      { weftctl show vxlan xdp-fastpath; return 1; }
  fi
  local before after
  before=$(cpu_snapshot)
  in_gen "$PKTGEN" gen --dev "$IF_GEN" --dst-mac "$MAC_DUT" --src-ip "$IP_A" --dst-ip "$IP_DUT" \
    --vni 11 --inner-size "$size" --flows "$FLOWS" --duration "$DURATION" --core "$GEN_CORE" \
    >"$WORK/gen.json" 2>"$WORK/gen.err"
  after=$(cpu_snapshot)
  # Frames still in flight (rings, the DUT's vector) arrive within ms.
  sleep 0.3
  kill -TERM "$sink_pid"
  wait "$sink_pid" || { cat "$WORK/sink.err"; return 1; }
  sink_pid=""
  python3 - "$dut" "$size" "$run" "$before" "$after" "$WORK/gen.json" "$WORK/sink.json" \
    >>"$OUT/results.csv" <<'EOF'
import json, sys
dut, size, run, before, after, gen, sink = sys.argv[1:]
def last(path, event):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    return [r for r in rows if r.get("event") == event][-1]
g = last(gen, "summary")
s = last(sink, "summary")
b = [int(x) for x in before.split()]
a = [int(x) for x in after.split()]
cpu = [100.0 * (a[i] - b[i]) / max(1, a[i + 1] - b[i + 1]) for i in (0, 2)]
secs = g["seconds"]
offered = g["sent"] / secs
delivered = s["total"]["matched"]["packets"] / secs
loss = 0.0 if g["sent"] == 0 else max(0.0, 1 - s["total"]["matched"]["packets"] / g["sent"])
print(f"{dut},{size},{run},{g['sent']},{s['total']['matched']['packets']},{secs:.4f},"
      f"{offered:.0f},{delivered:.0f},{loss:.4f},{cpu[0]:.1f},{cpu[1]:.1f}")
EOF
  tail -n 1 "$OUT/results.csv" | awk -F, '{printf "  %-6s %4s B run %s: offered %9.0f pps, delivered %9.0f pps, loss %5.1f %%, cpu0 %5.1f %%, cpu1 %5.1f %%\n", $1, $2, $3, $7, $8, 100*$9, $10, $11}'
}

# --- run ---------------------------------------------------------------------------
echo "dut,inner_size,run,sent,delivered_frames,seconds,offered_pps,delivered_pps,loss,cpu0_pct,cpu1_pct" \
  >"$OUT/results.csv"
# Runs are interleaved (run 1 of every DUT, then run 2, ...) so that a
# drift of the machine (another job, thermal) spreads over all DUTs instead
# of landing on one; each DUT starts afresh on a fresh topology every run.
for run in $(seq "$RUNS"); do
  for dut in $DUTS; do
    step "run $run/$RUNS, DUT: $dut"
    topology
    "dut_start_$dut"
    case $dut in xdp-bound | weft) napi_on_dut_core ;; esac
    for size in $SIZES; do
      measure "$dut" "$size" "$run"
    done
    if [[ $dut == weft* ]] && [ "$run" = "$RUNS" ]; then
      weftctl show runtime >"$OUT/$dut-show-runtime.txt" || true
      weftctl show errors >"$OUT/$dut-show-errors.txt" || true
      weftctl show interface >"$OUT/$dut-show-interface.txt" || true
      weftctl show vxlan xdp-fastpath >"$OUT/$dut-show-xdp-fastpath.txt" || true
      weftctl show hardware-interfaces >"$OUT/$dut-show-hardware.txt" || true
      if [ "$dut" = weft-bridge ]; then
        weftctl show bridge-domain 10 detail >"$OUT/$dut-show-bridge-domain.txt" || true
        weftctl show l2fib verbose >"$OUT/$dut-show-l2fib.txt" || true
      fi
    fi
    dut_stop
  done
done
cleanup

step "Report"
report_args=(--csv "$OUT/results.csv" --markdown "$OUT/table.md" --png "$OUT/e2e.png")
if [ "$DOCS" = 1 ]; then
  report_args+=(--update-doc docs/performance.md --png-copy docs/e2e.png)
fi
"$PKTGEN" report "${report_args[@]}"
cat "$OUT/table.md"
echo
echo "e2e.sh: done in $(( $(date +%s) - start_time )) s; results in $OUT"
