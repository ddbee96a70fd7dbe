#!/usr/bin/env bash
# compare.sh — runs grove-bench beside the peers of ../shared/peers in one
# run on this machine, interleaved rep by rep, and writes
#   bench/results/latest.jsonl   one JSON line per run (grove and peers)
#   bench/results/latest.md      medians and grove's ratio to each goal's peer
# Usage: bash bench/compare.sh            (REPS=3 by default; about 6 minutes)
#        REPS=5 bash bench/compare.sh
# The peers are copied to a scratch folder so shared/ is left untouched.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_SRC=${PEERS:-$ROOT/../shared/peers}
REPS=${REPS:-3}
OUT=$ROOT/bench/results/latest.jsonl
SCRATCH=${SCRATCH:-/tmp/grove-peers}

bash "$ROOT/scripts/install-deps.sh"
cmake -S "$ROOT" -B "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$ROOT/build/release" --target grove-bench -j2 >/dev/null
GB=$ROOT/build/release/bench/grove-bench

rm -rf "$SCRATCH" && cp -r "$PEERS_SRC" "$SCRATCH"
echo "== building the peers" >&2
ONLY_BUILD=1 bash "$SCRATCH/run_all.sh"

: >"$OUT"
grove_rep() {
  local rep=$1
  for args in "W1 1000000" "W2 100000" "W3 1000000 post" "W3 1000000 dispatch" "W4 1000000" \
      "W5 10000000" "W6 100 10000" "W8 100000"; do
    # shellcheck disable=SC2086
    line=$(timeout 120 "$GB" $args 2>/dev/null | grep '^{' | tail -1) || true
    [ -n "$line" ] && echo "${line%\}},\"rep\":$rep}" >>"$OUT"
  done
}

for rep in $(seq 1 "$REPS"); do
  echo "== rep $rep/$REPS: grove" >&2
  grove_rep "$rep"
  echo "== rep $rep/$REPS: peers" >&2
  REPS=1 SKIP_W7=1 SKIP_BUILD=1 bash "$SCRATCH/run_all.sh" 2>/dev/null || true
  sed "s/\"rep\":1}/\"rep\":$rep}/" "$SCRATCH/results.jsonl" >>"$OUT"
done

/usr/bin/python3 "$ROOT/bench/summarize.py" "$OUT" >"$ROOT/bench/results/latest.md"
cat "$ROOT/bench/results/latest.md"
