#!/usr/bin/env bash
# Runs every cargo-fuzz (libFuzzer) target in fuzz/ for a while and prints the
# executions per target.
#
#   scripts/fuzz.sh [seconds]        # per target, default 30
#
# Installs cargo-fuzz if missing. Targets are built once (release, debug
# assertions, AddressSanitizer: cargo fuzz's defaults) with RUSTC_BOOTSTRAP=1
# because the sanitizer flags are nightly-only. Seeds come from
# fuzz/corpus/<target> (read only); inputs libFuzzer finds go to
# fuzz/target/fuzz-corpus/<target>, kept between runs and not committed.
# A crashing input is written under fuzz/artifacts/<target>/ and the script
# exits 1 at the end. FUZZ_TARGETS="wire cli" runs only those.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

secs=${1:-30}
case $secs in '' | *[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;; esac
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked || exit 1
fi

targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
echo "==> cargo fuzz build"
cargo fuzz build || exit 1

logs=fuzz/target/fuzz-logs
mkdir -p "$logs"
results=()
failed=0
for t in $targets; do
  work=fuzz/target/fuzz-corpus/$t
  mkdir -p "$work" "fuzz/artifacts/$t"
  echo "==> $t: ${secs}s"
  cargo fuzz run "$t" "$work" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -print_final_stats=1 >"$logs/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$logs/$t.log" | tail -1)
  if [ $rc -eq 0 ]; then
    status=ok
  else
    status="CRASH (rc $rc): $(grep -m1 -o 'Test unit written to .*' "$logs/$t.log" || echo "see $logs/$t.log")"
    grep -m1 "panicked at" "$logs/$t.log" | sed 's/^/    /'
    failed=1
  fi
  results+=("$(printf '%-8s %12s execs  %6s exec/s  %-10s %s' "$t" "${execs:-?}" \
    "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "${cov:-}" "$status")")
done

echo
echo "==> results (${secs}s per target; logs in $logs)"
printf '%s\n' "${results[@]}"
exit $failed
