#!/usr/bin/env bash
# callgrind.sh — instructions per operation (Ir/op) of grove-bench's timed
# regions under valgrind's callgrind: the repeatable figure on a noisy
# machine (docs/benchmarks.md). Only the timed region is counted
# (--instr-atstart=no plus the CALLGRIND_* markers in grove_bench.cpp).
# Usage: bash bench/callgrind.sh [GROVE_BENCH]   (default build/release/bench/grove-bench)
# Prints one line per workload: workload, args, n, Ir, Ir/op.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GB=${1:-$ROOT/build/release/bench/grove-bench}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf '%-4s %-22s %10s %14s %10s\n' workload args n Ir Ir/op
for args in "W1 200000" "W2 100000" "W4 200000" "W3 100000 post" "W6 100 1000"; do
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/cg.out" \
    "$GB" $args >"$TMP/json" 2>"$TMP/log"
  n=$(sed -n 's/.*"n":\([0-9]*\).*/\1/p' "$TMP/json")
  ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$TMP/log")
  printf '%-4s %-22s %10s %14s %10.1f\n' "${args%% *}" "$args" "$n" "$ir" "$(echo "$ir / $n" | bc -l)"
done
