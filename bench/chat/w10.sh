#!/usr/bin/env bash
# bench/chat/w10.sh — W10 (chat fan-out, ../../../shared/bench/WORKLOADS.md)
# on grove-chat: CLIENTS TCP clients in one room, one sender at RATE
# messages/s for SECS seconds, every client receives every message
# (bench/chat/w10_driver). Beside it, as a reference point, the raw
# single-threaded Asio fan-out server bench/chat/w10_asio_fanout (same line
# protocol subset, formats each line once, coalesces writes), alternating
# with grove-chat. A fresh server per run; each run's JSON line goes to
# stderr, and stdout gets one median line per server:
#   {"peer":"grove-chat","config":"...","workload":"W10","n":...,"elapsed_ms":...,
#    "ns_per_op":...,"ops_per_s":deliveries/s,"rss_kb":...,"hwm_kb":...,
#    "p50_us":...,"p99_us":...,"p999_us":...,"max_us":...,"reps":3,"correct":...}
# followed by {"workload":"W10","p99_us":...,"goal_p99_us":5000,"met":...}
# for grove-chat.
# Environment: REPS=3 CLIENTS=1000 RATE=1000 SECS=10 BUILD_DIR=build/bench-rel
# GROVE_CHAT=path (default: the build's grove-chat) SIDES="grove-chat asio-fanout".
# Loopback only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build/bench-rel}
reps=${REPS:-3}
clients=${CLIENTS:-1000}
rate=${RATE:-1000}
secs=${SECS:-10}
py=/usr/bin/python3
[[ -x $py ]] || py=python3

# 1,000 clients plus the server's side of each connection: lift the soft
# descriptor limit (both programs also raise their own to the hard limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
if (( $(ulimit -n) < 2 * clients + 64 )); then
  echo "w10.sh: ulimit -n is $(ulimit -n), too low for $clients clients" >&2
  exit 1
fi

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
targets=(w10_driver w10_asio_fanout)
[[ -z ${GROVE_CHAT:-} ]] && targets+=(grove-chat)
cmake --build "$build" -j2 --target "${targets[@]}" >&2
chat=${GROVE_CHAT:-}
if [[ -z $chat ]]; then
  for candidate in "$build/samples/grove-chat" "$build/samples/chat/grove-chat"; do
    [[ -x $candidate ]] && chat=$candidate && break
  done
fi
[[ -x $chat ]] || { echo "w10.sh: no grove-chat binary in $build/samples" >&2; exit 1; }
driver=$build/bench/chat/w10_driver

scratch=$(mktemp -d /tmp/grove-w10.XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

start_server() {  # start_server grove-chat|asio-fanout
  local out=$scratch/server.out program=$chat
  [[ $1 == asio-fanout ]] && program=$build/bench/chat/w10_asio_fanout
  : >"$out"
  "$program" --host 127.0.0.1 --port 0 --http-port 0 --log-level warn >"$out" 2>"$scratch/server.err" &
  server_pid=$!
  for _ in $(seq 250); do
    port=$(sed -n 's/.*tcp listening on .*:\([0-9][0-9]*\)$/\1/p' "$out")
    [[ -n $port ]] && return 0
    sleep 0.02
  done
  echo "w10.sh: $1 did not print its tcp port" >&2
  cat "$out" "$scratch/server.err" >&2
  return 1
}
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

echo "# W10: $clients clients, $rate msg/s, ${secs}s, $reps reps; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
runs=$scratch/runs.jsonl
status=0
read -r -a sides <<<"${SIDES:-grove-chat asio-fanout}"
for rep in $(seq "$reps"); do
  order=("${sides[@]}")
  if (( rep % 2 == 0 )); then
    order=()
    for (( i = ${#sides[@]} - 1; i >= 0; --i )); do order+=("${sides[i]}"); done
  fi
  for side in "${order[@]}"; do
    start_server "$side"
    line=$("$driver" --port "$port" --clients "$clients" --rate "$rate" --seconds "$secs" \
      --server-pid "$server_pid" --label "$side") || { [[ $side == grove-chat ]] && status=1; }
    stop_server
    [[ -n $line ]] && echo "${line%\}},\"rep\":$rep}" | tee -a "$runs" >&2
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

$py - "$runs" <<'PY'
import json, statistics, sys
all_rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if not all_rows:
    sys.exit("w10.sh: no run produced a result")
med = {}
for side in dict.fromkeys(r["peer"] for r in all_rows):
    rows = [r for r in all_rows if r["peer"] == side]
    out = dict(rows[0])
    out.pop("rep", None)
    for k in ("n", "elapsed_ms", "ops_per_s", "rss_kb", "hwm_kb", "p50_us", "p99_us", "p999_us", "max_us",
              "delivered", "send_lag_max_us", "deliveries_per_read"):
        v = statistics.median(r[k] for r in rows)
        out[k] = int(v) if v == int(v) else round(v, 2)
    out["ns_per_op"] = round(out["elapsed_ms"] * 1e6 / out["n"], 1) if out["n"] else 0
    out["reps"] = len(rows)
    out["correct"] = all(r["correct"] for r in rows)
    out["p99_us_per_rep"] = [r["p99_us"] for r in rows]
    med[side] = out
    print(json.dumps(out))
if "grove-chat" in med:
    g = med["grove-chat"]
    print(json.dumps({"workload": "W10", "p99_us": g["p99_us"], "p99_us_per_rep": g["p99_us_per_rep"],
                      "goal_p99_us": 5000, "met": g["correct"] and g["p99_us"] < 5000}))
PY
exit $status
