#!/usr/bin/env bash
# Soak weftd in the koko demo topology (issue 7, "Exhaustion and churn").
#
#   scripts/soak.sh [--minutes N | --seconds N] [--rate PPS] [--no-build]
#                   [--bin-dir DIR] [--prefix NAME] [--sample SECS] [--keep]
#
# Run as root. It builds weft in release mode (unless --no-build or
# --bin-dir), builds the koko demo topology in network namespaces named
# weft-<prefix>-{br,koko1,koko2,vpp1,test1,test2} (prefix default
# soak<pid>, so two runs never share one), starts weftd in vpp1 and
# configures it with the demo's commands through weftctl. Then, for the
# duration (default 10 minutes):
#
#   traffic  ping -i 0.01 test1 -> test2 and test2 -> test1 (each request
#            and reply crosses weft), and `weft-pktgen gen` sending VXLAN
#            VNI 11 from koko1 at --rate frames/s (default 5000; 0: no
#            generator), 4 flows, 110-byte frames, forwarded by weft to
#            koko2 as VNI 12
#   churn    every 100 ms one CLI operation on two extra tunnels (create
#            A, create B, xconnect A->B, B->A, delete A, delete B; their
#            remotes 10.99.0.100-199 never answer ARP), and every 5 s the
#            traffic's own xconnects are removed (`set interface l3`) and
#            restored 100 ms later, one direction at a time, and koko2's
#            neighbour entry is deleted (weft ARPs again at once; packets
#            towards koko2 wait in vxlan4-hold meanwhile)
#   samples  every --sample seconds (default 5): weftd alive, `show
#            buffers` Used, VmRSS (and the part outside the buffer pool),
#            and the uplink's and tunnels' counters, into samples.tsv
#
# At the end it stops the churn and the traffic, restores the xconnects,
# waits for weft to be idle, pings both ways once more and checks:
#
#   - weftd ran throughout and logged no panic; every churn operation
#     succeeded; exactly the two traffic tunnels are left
#   - `show buffers` Used is back to the idle level: the AF_XDP fill ring's
#     buffers and nothing else (its size, or up to 63 fewer: the ring is
#     topped up once 64 slots are free)
#   - VmRSS outside the buffer pool grew by less than RSS_BOUND_KIB (4 MiB)
#     between the first sample after the warm-up and the end
#   - counters are consistent, with weft's definitions (counted when idle):
#       vxlan_tunnel0 rx = vxlan_tunnel1 tx + vxlan_tunnel0 drops
#       vxlan_tunnel1 rx = vxlan_tunnel0 tx + vxlan_tunnel1 drops
#         (a decapsulated frame leaves by the peer or is dropped, charged
#         to the tunnel it came in on: xconnect churn windows, hold)
#       eth0/0 rx = eth0/0 drops + Σ tunnel rx + ARP replies sent
#                   + ICMP echo replies sent
#         (a frame weft receives is decapsulated, answered in place or
#         dropped)
#       vxlan4-input decapsulated = Σ tunnel rx;
#       vxlan4-encap encapsulated + vxlan4-hold released = Σ tunnel tx
#
# It prints a summary (duration, frames, pings, churn operations, RSS,
# buffers, counters) and its last line is PASS (exit 0) or FAIL (exit 1).
# Namespaces and processes are removed by exact name and pid on any exit;
# the work directory (weftd's log, samples.tsv, the summary) is kept on
# failure or with --keep.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/.."

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"; }
duration=600 rate=5000 build=1 bin_dir=target/release prefix="soak$$" sample=5 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) duration=$(($2 * 60)); shift ;;
    --seconds) duration=$2; shift ;;
    --rate) rate=$2; shift ;;
    --no-build) build=0 ;;
    --bin-dir) bin_dir=$2; build=0; shift ;;
    --prefix) prefix=$2; shift ;;
    --sample) sample=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak.sh: unknown option $1" >&2; usage >&2; exit 1 ;;
  esac
  shift
done
if [ "$(id -u)" -ne 0 ]; then
  echo "soak.sh: run as root (network namespaces, AF_XDP)" >&2
  exit 1
fi

# shellcheck source=scripts/deps.sh
. scripts/deps.sh
need_pkgs=()
weft_need_cmd ip iproute2
weft_need_cmd ping iputils-ping
weft_need_cmd ethtool ethtool
weft_need_cmd jq jq
weft_apt_install

if [ "$build" = 1 ]; then
  echo "==> cargo build --release -p weft-cli -p weft-pktgen"
  cargo build --release -q -p weft-cli -p weft-pktgen
fi
WEFTD=$(realpath "$bin_dir/weftd")
WEFTCTL=$(realpath "$bin_dir/weftctl")
PKTGEN=$(realpath -m "$bin_dir/weft-pktgen")
for b in "$WEFTD" "$WEFTCTL"; do
  [ -x "$b" ] || { echo "soak.sh: $b is missing" >&2; exit 1; }
done
if [ "$rate" != 0 ] && [ ! -x "$PKTGEN" ]; then
  echo "soak.sh: $PKTGEN is missing (build it, or --rate 0)" >&2
  exit 1
fi

# Heap growth allowed over the run (KiB), outside the buffer pool.
RSS_BOUND_KIB=4096
# The churn period and the samples.
CHURN_SLEEP=0.1
WARMUP=10
[ "$duration" -ge 60 ] || WARMUP=3

NS_BR=weft-$prefix-br
NS_KOKO1=weft-$prefix-koko1
NS_KOKO2=weft-$prefix-koko2
NS_VPP1=weft-$prefix-vpp1
NS_TEST1=weft-$prefix-test1
NS_TEST2=weft-$prefix-test2
ALL_NS=("$NS_TEST1" "$NS_TEST2" "$NS_KOKO1" "$NS_KOKO2" "$NS_VPP1" "$NS_BR")
WORK=$(mktemp -d "/tmp/weft-$prefix.XXXXXX")
SOCK=$WORK/cli.sock
STOP=$WORK/stop

weftd_pid="" ping1_pid="" ping2_pid="" pktgen_pid="" churn_pid=""
failures=()
fail() {
  failures+=("$*")
  echo "  FAIL: $*"
}
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF -- "$1"; }
# Stops one of our processes by pid, politely first.
stop_pid() {
  local pid=$1 sig=${2:-TERM} i
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? ns
  set +e
  touch "$STOP"
  stop_pid "$churn_pid"
  stop_pid "$pktgen_pid"
  stop_pid "$ping1_pid" INT
  stop_pid "$ping2_pid" INT
  stop_pid "$weftd_pid"
  for ns in "${ALL_NS[@]}"; do
    ns_exists "$ns" && ip netns del "$ns"
  done
  if [ "$rc" = 0 ] && [ "$keep" = 0 ]; then
    rm -rf "$WORK"
  else
    echo "work directory kept: $WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

weft() { "$WEFTCTL" -s "$SOCK" "$@"; }
wjson() { "$WEFTCTL" -s "$SOCK" --json "$@"; }

# --- topology (scripts/demo.sh's, tests/common/koko.rs's) ----------------------
echo "==> topology: ${ALL_NS[*]}"
for ns in "${ALL_NS[@]}"; do
  ns_exists "$ns" && ip netns del "$ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # No IPv6 chatter: when the traffic stops, weft must go idle.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NS_BR" link add br0 type bridge
ip -n "$NS_BR" link set br0 up
for host in koko1 koko2 vpp1; do
  ns=weft-$prefix-$host
  ip -n "$ns" link add eth0 type veth peer name "$host" netns "$NS_BR"
  ip -n "$NS_BR" link set "$host" master br0
  ip -n "$NS_BR" link set "$host" up
  ip -n "$ns" link set eth0 up
done
ip netns exec "$NS_BR" ethtool -K vpp1 tx off >/dev/null
ip -n "$NS_KOKO1" addr add 10.99.0.1/24 dev eth0
ip -n "$NS_KOKO2" addr add 10.99.0.2/24 dev eth0
koko_link() { # HOST CONTAINER VNI LINK ADDR
  ip -n "$1" link add "tmp$3" type vxlan id "$3" remote 10.99.0.3 dev eth0 \
    dstport 4789 learning l2miss l3miss ttl auto
  ip -n "$1" link set "tmp$3" netns "$2"
  ip -n "$2" link set "tmp$3" name "$4"
  ip -n "$2" link set "$4" up
  ip -n "$2" addr add "$5" brd + dev "$4"
}
koko_link "$NS_KOKO1" "$NS_TEST1" 11 link1 10.100.0.1/24
koko_link "$NS_KOKO2" "$NS_TEST2" 12 link2 10.100.0.2/24
VPP1_MAC=$(ip netns exec "$NS_VPP1" cat /sys/class/net/eth0/address)
KOKO2_MAC=$(ip netns exec "$NS_KOKO2" cat /sys/class/net/eth0/address)

# --- weftd ----------------------------------------------------------------------
cat >"$WORK/startup.conf" <<EOF
unix {
  nodaemon
  cli-listen $SOCK
  log $WORK/weftd.log
}
cpu {
  workers 1
}
buffers {
  buffers-per-numa 4096
  page-size default
}
EOF
ip netns exec "$NS_VPP1" "$WEFTD" -c "$WORK/startup.conf" >"$WORK/weftd.out" 2>&1 &
weftd_pid=$!
for ((i = 0; i < 100; i++)); do
  [ -S "$SOCK" ] && weft show version >/dev/null 2>&1 && break
  kill -0 "$weftd_pid" 2>/dev/null || { cat "$WORK/weftd.out"; echo "weftd died"; exit 1; }
  sleep 0.1
done
echo "==> weftd pid $weftd_pid ($WEFTD), socket $SOCK"
for cmd in "create interface af_xdp host-if eth0" \
  "set interface ip address eth0/0 10.99.0.3/24" \
  "set interface state eth0/0 up" \
  "create vxlan tunnel src 10.99.0.3 dst 10.99.0.1 vni 11" \
  "create vxlan tunnel src 10.99.0.3 dst 10.99.0.2 vni 12" \
  "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1" \
  "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0"; do
  read -ra words <<<"$cmd"
  weft "${words[@]}" >/dev/null
done
for ((i = 0; i < 100; i++)); do
  n=$(wjson show ip neighbors | jq '[.[] | select(.ip == "10.99.0.1" or .ip == "10.99.0.2")] | length')
  [ "$n" = 2 ] && break
  sleep 0.1
done
[ "$n" = 2 ] || { fail "weft did not resolve koko1 and koko2"; exit 1; }
ip netns exec "$NS_TEST1" ping -c 2 -i 0.2 -W 2 10.100.0.2 >/dev/null || { fail "no ping before the soak"; exit 1; }

# --- helpers over weft's counters ---------------------------------------------------
used() { wjson show buffers | jq .used; }
# Pool bytes: the mapping outside which VmRSS is the heap (and the rest).
POOL_KIB=$(($(wjson show buffers | jq '.total * .buffer_size') / 1024))
# VmRSS and VmRSS outside the pool's mapping (the anonymous mapping at
# least as large as the pool; adjacent anonymous memory the kernel merged
# into it is counted with the pool).
rss() {
  local total heap
  total=$(awk '/^VmRSS:/{print $2}' "/proc/$weftd_pid/status")
  heap=$(awk -v pool="$POOL_KIB" '
    /^[0-9a-f]+-[0-9a-f]+ / { anon = ($6 == "") }
    /^Size:/ { size = $2 }
    /^Rss:/ { if (!(anon && size >= pool)) sum += $2 }
    END { print sum }' "/proc/$weftd_pid/smaps")
  echo "$total $heap"
}
# counters > FILE: "name counter value" for every interface counter.
counters() {
  wjson show interface | jq -r '.[] | .name as $n | .counters | to_entries[] | "\($n) \(.key) \(.value)"'
}
ctr() { awk -v n="$1" -v c="$2" '$1 == n && $2 == c {print $3; f = 1} END {if (!f) print 0}' "$3"; }
err_count() { # NODE REASON FILE(json)
  jq --arg n "$1" --arg r "$2" '[.[] | select(.node == $n and .reason == $r) | .count] | add // 0' "$3"
}

idle_used=$(used)
# The AF_XDP fill ring: all the buffers an idle weft holds.
fill_ring=$(sed -n 's/.*af_xdp: eth0 queue 0: .* rx \([0-9]*\) tx .*/\1/p' "$WORK/weftd.log" | tail -1)
fill_ring=${fill_ring:-512}
echo "==> idle: show buffers Used $idle_used of $(wjson show buffers | jq .total) (fill ring $fill_ring)"

# --- traffic --------------------------------------------------------------------------
gen_note=""
[ "$rate" = 0 ] || gen_note=", weft-pktgen $rate frames/s"
echo "==> traffic for ${duration}s: ping -i 0.01 both ways$gen_note"
ip netns exec "$NS_TEST1" ping -q -i 0.01 -W 1 10.100.0.2 >"$WORK/ping1.txt" 2>&1 &
ping1_pid=$!
ip netns exec "$NS_TEST2" ping -q -i 0.01 -W 1 10.100.0.1 >"$WORK/ping2.txt" 2>&1 &
ping2_pid=$!
if [ "$rate" != 0 ]; then
  ip netns exec "$NS_KOKO1" "$PKTGEN" gen --dev eth0 --dst-mac "$VPP1_MAC" \
    --src-ip 10.99.0.1 --dst-ip 10.99.0.3 --vni 11 --flows 4 --rate "$rate" \
    >"$WORK/pktgen.json" 2>"$WORK/pktgen.err" &
  pktgen_pid=$!
fi

# --- churn ----------------------------------------------------------------------------
churn() {
  local k=0 i=0 ok=0 bad=0 a="" b="" out
  local -a cmd
  run_op() {
    if out=$(weft "$@" 2>&1); then
      ok=$((ok + 1))
    else
      bad=$((bad + 1))
      echo "$(date +%s.%N) $*: $out" >>"$WORK/churn.err"
    fi
  }
  while [ ! -e "$STOP" ]; do
    case $((k % 6)) in
      0) cmd=(create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((100 + i % 50))" vni "$((1000 + 2 * (i % 1000)))") ;;
      1) cmd=(create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((150 + i % 50))" vni "$((1001 + 2 * (i % 1000)))") ;;
      2) cmd=(set interface l2 xconnect "$a" "$b") ;;
      3) cmd=(set interface l2 xconnect "$b" "$a") ;;
      4) cmd=(create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((100 + i % 50))" vni "$((1000 + 2 * (i % 1000)))" del) ;;
      5) cmd=(create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((150 + i % 50))" vni "$((1001 + 2 * (i % 1000)))" del)
        i=$((i + 1)) ;;
    esac
    run_op "${cmd[@]}"
    case $((k % 6)) in
      0) a=$out ;;
      1) b=$out ;;
    esac
    # The traffic's own xconnects, one direction at a time, every 5 s.
    case $((k % 50)) in
      20) run_op set interface l3 vxlan_tunnel0 ;;
      21) run_op set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1 ;;
      33) run_op ip neighbor del eth0/0 10.99.0.2 "$KOKO2_MAC" ;;
      45) run_op set interface l3 vxlan_tunnel1 ;;
      46) run_op set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0 ;;
    esac
    k=$((k + 1))
    echo "$ok $bad" >"$WORK/churn.count.new"
    mv "$WORK/churn.count.new" "$WORK/churn.count"
    sleep "$CHURN_SLEEP"
  done
  # Leave no extra tunnel behind, whatever the phase.
  case $((k % 6)) in
    1) run_op create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((100 + i % 50))" vni "$((1000 + 2 * (i % 1000)))" del ;;
    2 | 3 | 4)
      run_op create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((100 + i % 50))" vni "$((1000 + 2 * (i % 1000)))" del
      run_op create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((150 + i % 50))" vni "$((1001 + 2 * (i % 1000)))" del ;;
    5) run_op create vxlan tunnel src 10.99.0.3 dst "10.99.0.$((150 + i % 50))" vni "$((1001 + 2 * (i % 1000)))" del ;;
  esac
  echo "$ok $bad" >"$WORK/churn.count"
}
churn &
churn_pid=$!

# --- samples --------------------------------------------------------------------------
printf 't\talive\tused\trss_kib\theap_kib\teth0_rx\teth0_tx\teth0_drops\tt0_rx\tt1_tx\tt0_drops\tchurn_ok\tchurn_failed\n' >"$WORK/samples.tsv"
t0=$(date +%s)
rss_start="" heap_start="" max_used=0 samples=0
while :; do
  now=$(date +%s)
  el=$((now - t0))
  if ! kill -0 "$weftd_pid" 2>/dev/null; then
    fail "weftd died after ${el}s"
    break
  fi
  u=$(used)
  read -r r h <<<"$(rss)"
  counters >"$WORK/c.txt"
  read -r cok cbad <<<"$(cat "$WORK/churn.count" 2>/dev/null || echo "0 0")"
  printf '%s\t1\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$el" "$u" "$r" "$h" \
    "$(ctr eth0/0 rx_packets "$WORK/c.txt")" "$(ctr eth0/0 tx_packets "$WORK/c.txt")" \
    "$(ctr eth0/0 drops "$WORK/c.txt")" "$(ctr vxlan_tunnel0 rx_packets "$WORK/c.txt")" \
    "$(ctr vxlan_tunnel1 tx_packets "$WORK/c.txt")" "$(ctr vxlan_tunnel0 drops "$WORK/c.txt")" \
    "$cok" "$cbad" >>"$WORK/samples.tsv"
  samples=$((samples + 1))
  [ "$u" -le "$max_used" ] || max_used=$u
  if [ -z "$rss_start" ] && [ "$el" -ge "$WARMUP" ]; then
    rss_start=$r heap_start=$h
  fi
  printf '  %5ss  used %4s  rss %6s KiB (heap %6s)  eth0 rx %9s  churn ok %5s failed %s\n' \
    "$el" "$u" "$r" "$h" "$(ctr eth0/0 rx_packets "$WORK/c.txt")" "$cok" "$cbad"
  [ "$el" -lt "$duration" ] || break
  sleep "$sample"
done

# --- stop, settle -----------------------------------------------------------------------
echo "==> stopping churn and traffic"
touch "$STOP"
wait "$churn_pid" || true
churn_pid=""
read -r churn_ok churn_bad <<<"$(cat "$WORK/churn.count")"
stop_pid "$ping1_pid" INT
ping1_pid=""
stop_pid "$ping2_pid" INT
ping2_pid=""
pktgen_sent=0
if [ -n "$pktgen_pid" ]; then
  stop_pid "$pktgen_pid"
  pktgen_pid=""
  pktgen_sent=$(jq -r 'select(.event == "summary") | .sent' "$WORK/pktgen.json" 2>/dev/null || echo 0)
  [ -n "$pktgen_sent" ] || pktgen_sent=0
fi
soak_seconds=$(($(date +%s) - t0))
kill -0 "$weftd_pid" 2>/dev/null || fail "weftd is not running at the end"
# Whatever the churn's last step, the traffic's xconnects are back.
weft set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1 >/dev/null
weft set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0 >/dev/null
for dir in "$NS_TEST1 10.100.0.2" "$NS_TEST2 10.100.0.1"; do
  read -r ns dst <<<"$dir"
  ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$dst" >/dev/null || fail "ping $dst from $ns after the soak"
done
# Idle: held packets are released or expired within 1.5 s; then two
# identical snapshots 1 s apart.
sleep 2
for ((i = 0; i < 20; i++)); do
  counters >"$WORK/c1.txt"
  wjson show errors >"$WORK/e1.json"
  sleep 1
  counters >"$WORK/c2.txt"
  wjson show errors >"$WORK/e2.json"
  cmp -s "$WORK/c1.txt" "$WORK/c2.txt" && cmp -s "$WORK/e1.json" "$WORK/e2.json" && break
done
cmp -s "$WORK/c1.txt" "$WORK/c2.txt" || fail "weft never went idle (counters kept moving)"
C=$WORK/c2.txt E=$WORK/e2.json
end_used=$(used)
read -r rss_end heap_end <<<"$(rss)"

# --- checks -------------------------------------------------------------------------------
echo "==> checks"
if grep -qi 'panicked' "$WORK/weftd.log" "$WORK/weftd.out" 2>/dev/null; then
  fail "weftd logged a panic"
fi
[ "$churn_bad" = 0 ] || fail "$churn_bad churn operations failed (see $WORK/churn.err)"
tunnels=$(wjson show vxlan tunnel | jq -r '[.[].name] | join(" ")')
[ "$tunnels" = "vxlan_tunnel0 vxlan_tunnel1" ] || fail "tunnels left: $tunnels"
# Idle, weft holds the fill ring's buffers and nothing else; the ring is
# topped up once 64 slots are free, so it holds between size - 63 and size.
if [ "$end_used" -gt "$fill_ring" ] || [ "$end_used" -lt $((fill_ring - 63)) ]; then
  fail "show buffers Used $end_used after the soak: not the idle fill ring ($((fill_ring - 63))..$fill_ring)"
fi
heap_growth=$((heap_end - heap_start))
[ "$heap_growth" -lt "$RSS_BOUND_KIB" ] || fail "VmRSS outside the pool grew by $heap_growth KiB"

t0_rx=$(ctr vxlan_tunnel0 rx_packets "$C") t0_tx=$(ctr vxlan_tunnel0 tx_packets "$C")
t0_dr=$(ctr vxlan_tunnel0 drops "$C") t1_rx=$(ctr vxlan_tunnel1 rx_packets "$C")
t1_tx=$(ctr vxlan_tunnel1 tx_packets "$C") t1_dr=$(ctr vxlan_tunnel1 drops "$C")
e_rx=$(ctr eth0/0 rx_packets "$C") e_tx=$(ctr eth0/0 tx_packets "$C") e_dr=$(ctr eth0/0 drops "$C")
e_nobuf=$(ctr eth0/0 rx_no_buf "$C") e_miss=$(ctr eth0/0 rx_miss "$C") e_txerr=$(ctr eth0/0 tx_error "$C")
arp_sent=$(err_count arp-reply "ARP replies sent" "$E")
echo_sent=$(err_count ip4-icmp-input "echo replies sent" "$E")
decap=$(err_count vxlan4-input "good packets decapsulated" "$E")
encap=$(err_count vxlan4-encap "good packets encapsulated" "$E")
released=$(err_count vxlan4-hold "sent after next hop resolution" "$E")
check() { # NAME LEFT RIGHT
  if [ "$2" = "$3" ]; then echo "  ok: $1: $2 = $3"; else fail "$1: $2 != $3"; fi
}
check "vxlan_tunnel0 rx = vxlan_tunnel1 tx + vxlan_tunnel0 drops" "$t0_rx" "$((t1_tx + t0_dr))"
check "vxlan_tunnel1 rx = vxlan_tunnel0 tx + vxlan_tunnel1 drops" "$t1_rx" "$((t0_tx + t1_dr))"
check "eth0/0 rx = drops + tunnel rx + ARP replies + echo replies" "$e_rx" \
  "$((e_dr + t0_rx + t1_rx + arp_sent + echo_sent))"
check "vxlan4-input decapsulated = tunnel rx" "$decap" "$((t0_rx + t1_rx))"
check "vxlan4-encap encapsulated + vxlan4-hold released = tunnel tx" "$((encap + released))" "$((t0_tx + t1_tx))"
# Whatever else weft sent on eth0/0: ARP requests and probes of its own.
own_tx=$((e_tx - t0_tx - t1_tx - arp_sent - echo_sent))
[ "$own_tx" -ge 0 ] || fail "eth0/0 tx $e_tx is less than what weft forwarded and answered"
if [ "$t0_rx" = 0 ] || [ "$t1_rx" = 0 ]; then fail "no traffic crossed the tunnels"; fi

ping_stats() { # FILE -> "sent received"
  sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1"
}
read -r p1s p1r <<<"$(ping_stats "$WORK/ping1.txt")"
read -r p2s p2r <<<"$(ping_stats "$WORK/ping2.txt")"
errors_moved=$(jq -r '.[] | select(.severity == "error") | "    \(.count) \(.node): \(.reason)"' "$E")

{
  echo
  echo "soak summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), weftd $WEFTD)"
  echo "  duration:        ${soak_seconds} s of traffic and churn, $samples samples every ${sample} s"
  echo "  weft-pktgen:     $pktgen_sent VXLAN frames sent at $rate/s"
  echo "  ping test1->2:   ${p1s:-?} sent, ${p1r:-?} received; test2->1: ${p2s:-?} sent, ${p2r:-?} received"
  echo "  churn:           $churn_ok CLI operations, $churn_bad failed"
  echo "  eth0/0:          rx $e_rx, tx $e_tx, drops $e_dr, rx-no-buf $e_nobuf, rx-miss $e_miss, tx-error $e_txerr"
  echo "  vxlan_tunnel0:   rx $t0_rx, tx $t0_tx, drops $t0_dr"
  echo "  vxlan_tunnel1:   rx $t1_rx, tx $t1_tx, drops $t1_dr"
  echo "  show errors:     decapsulated $decap, encapsulated $encap, released $released, ARP replies $arp_sent, echo replies $echo_sent; weft's own frames on eth0/0 $own_tx"
  echo "  error counters:"
  echo "${errors_moved:-    none}"
  echo "  buffers Used:    idle $idle_used before, $end_used after (fill ring $fill_ring), at most $max_used in the samples"
  echo "  VmRSS KiB:       $rss_start after ${WARMUP} s, $rss_end at the end; outside the pool $heap_start -> $heap_end ($heap_growth, bound $RSS_BOUND_KIB)"
  if [ ${#failures[@]} -eq 0 ]; then
    echo "PASS"
  else
    echo "failures:"
    printf '  %s\n' "${failures[@]}"
    echo "FAIL"
  fi
} | tee "$WORK/summary.txt"
[ ${#failures[@]} -eq 0 ]
