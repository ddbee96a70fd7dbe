#!/usr/bin/env bash
# goals.sh — the issue-11 goal rows only (W2, W3 FIFO, W4, W6), grove beside
# the peers those goals name, interleaved rep by rep in one run: a shorter
# companion of compare.sh (which runs every workload and every peer).
# Needs the peers built by compare.sh (or ONLY_BUILD=1 run_all.sh) in PEERS_BUILD.
# Usage: REPS=5 bash bench/goals.sh   -> bench/results/goals-latest.jsonl + summary
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${PEERS_BUILD:-/tmp/grove-peers/build}
REPS=${REPS:-5}
GB=$ROOT/build/release/bench/grove-bench
OUT=$ROOT/bench/results/goals-latest.jsonl
: >"$OUT"
add() {  # add REP cmd... : appends the command's JSON line with "rep"
  local rep=$1
  shift
  line=$(timeout 120 "$@" 2>/dev/null | grep '^{' | tail -1) || true
  [ -n "$line" ] && echo "${line%\}},\"rep\":$rep}" >>"$OUT"
}
for rep in $(seq 1 "$REPS"); do
  echo "== rep $rep/$REPS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  add "$rep" "$GB" W2 100000
  add "$rep" env GOMAXPROCS=1 "$B/go_bench" -w W2 -n 100000
  add "$rep" "$GB" W3 1000000 post
  add "$rep" env GOMAXPROCS=1 "$B/go_bench" -w W3 -n 1000000
  add "$rep" "$GB" W4 1000000
  add "$rep" env GOMAXPROCS=1 "$B/go_bench" -w W4 -n 1000000
  add "$rep" env GOMAXPROCS=2 "$B/go_bench" -w W4 -n 1000000
  add "$rep" "$B/bf_bench" W4 1000000
  add "$rep" "$GB" W6 100 10000
  add "$rep" env GOMAXPROCS=1 "$B/go_bench" -w W6 -n 100 -k 10000
  add "$rep" env GOMAXPROCS=2 "$B/go_bench" -w W6 -n 100 -k 10000
done
/usr/bin/python3 "$ROOT/bench/summarize.py" "$OUT" | sed -n '/| goal/,$p'
