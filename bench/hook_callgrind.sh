#!/usr/bin/env bash
# hook_callgrind.sh — H5: instructions a hooked libc call costs outside a
# fiber, under valgrind's callgrind (user-space instructions only, so the
# system call itself counts the same in both runs). Runs grove-hook-cost
# plain and with LD_PRELOAD=libgrove_hook.so and prints Ir/call of each and
# the difference (goal: at most 15; docs/benchmarks.md).
# Usage: bash bench/hook_callgrind.sh [BUILD_DIR] [CALLS]   (default build/release, 100000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
N=${2:-100000}
BIN=$BUILD/bench/grove-hook-cost
HOOK=$BUILD/hook/libgrove_hook.so
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
run() {  # run <label> <env...>: prints Ir/call
  env "$@" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/cg.out" \
    "$BIN" "$N" >"$TMP/out" 2>"$TMP/log"
  local ir
  ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$TMP/log")
  echo "$ir / $N" | bc -l
}
plain=$(run GROVE_BENCH_RUN=plain)
hooked=$(run LD_PRELOAD="$HOOK")
printf 'recv(MSG_DONTWAIT) outside a fiber, Ir/call: plain %.1f, hooked %.1f, hook costs %.1f\n' \
  "$plain" "$hooked" "$(echo "$hooked - $plain" | bc -l)"
