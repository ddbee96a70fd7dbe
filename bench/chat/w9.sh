#!/usr/bin/env bash
# bench/chat/w9.sh — W9 (HTTP hello, ../../../shared/bench/WORKLOADS.md):
# `wrk -t1 -c100 -d5s --latency http://127.0.0.1:PORT/` against
#   grove        bench/chat/w9_grove_http (grove-chat's HTTP stack:
#                StreamServer + Beast sync http::read/write over grove::Stream)
#   beast-async  bench/chat/w9_beast_async (raw Beast, async, 1 io_context thread)
# alternating (the order flips each repetition), a fresh server per run,
# REPS repetitions. Each run's JSON line goes to stderr; stdout gets one
# JSON line per side with the medians:
#   {"peer":"grove","config":"...","workload":"W9","n":...,"elapsed_ms":...,
#    "ns_per_op":...,"ops_per_s":...,"rss_kb":...,"hwm_kb":...,
#    "p50_us":...,"p99_us":...,"reps":3}
# and a last line {"workload":"W9","ratio_rps":grove/beast,"p99_ratio":...}.
# Environment: REPS=3 SECS=5 CONNS=100 BUILD_DIR=build/bench-rel
# W9_GATHER=1 adds a diagnostic side, grove with --gather (see w9_grove_http.cpp).
# Loopback only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build/bench-rel}
reps=${REPS:-3}
secs=${SECS:-5}
conns=${CONNS:-100}
py=/usr/bin/python3
[[ -x $py ]] || py=python3

command -v wrk >/dev/null || bash "$root/scripts/install-deps.sh" >&2
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j2 --target w9_grove_http w9_beast_async >&2

scratch=$(mktemp -d /tmp/grove-w9.XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# start_server SIDE: starts it on port 0 and sets server_pid and port.
start_server() {
  local out=$scratch/server.out
  : >"$out"
  case $1 in
    grove) "$build/bench/chat/w9_grove_http" --port 0 >"$out" 2>"$scratch/server.err" & ;;
    grove-gather) "$build/bench/chat/w9_grove_http" --port 0 --gather >"$out" 2>"$scratch/server.err" & ;;
    beast-async) "$build/bench/chat/w9_beast_async" --port 0 >"$out" 2>"$scratch/server.err" & ;;
  esac
  server_pid=$!
  for _ in $(seq 250); do
    port=$(sed -n 's/.* listening on .*:\([0-9][0-9]*\)$/\1/p' "$out")
    [[ -n $port ]] && return 0
    sleep 0.02
  done
  echo "w9.sh: $1 did not print its port" >&2
  cat "$scratch/server.err" >&2
  return 1
}
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

# to_json SIDE REP WRK_OUTPUT RSS HWM: one run's JSON line from wrk's --latency output.
to_json() {
  $py - "$@" <<'PY'
import json, re, sys
side, rep, path, rss, hwm = sys.argv[1:6]
text = open(path).read()
def us(v, unit):
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
lat = {p: round(us(v, u), 1) for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", text)
n, elapsed_ms = int(m.group(1)), us(m.group(2), m.group(3)) / 1e3
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
config = {"grove": "StreamServer+Beast sync over grove::Stream, 1 hub",
          "grove-gather": "as grove, writes gathered into one send (diagnostic)",
          "beast-async": "raw Beast async, 1 io_context thread"}[side]
row = {"peer": side, "config": config + ", wrk -t1 -c%s" % re.search(r"(\d+) connections", text).group(1),
       "workload": "W9", "n": n, "elapsed_ms": round(elapsed_ms, 1), "ns_per_op": round(1e9 / rps, 1),
       "ops_per_s": rps, "rss_kb": int(rss or -1), "hwm_kb": int(hwm or -1),
       "p50_us": lat.get("50"), "p99_us": lat.get("99"), "rep": int(rep)}
if errors:
    row["socket_errors"] = sum(int(x) for x in errors.groups())
if non2xx:
    row["non_2xx"] = int(non2xx.group(1))
print(json.dumps(row))
PY
}

sides=(grove beast-async)
[[ ${W9_GATHER:-0} == 1 ]] && sides+=(grove-gather)
echo "# W9: wrk -t1 -c$conns -d${secs}s, $reps reps; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
runs=$scratch/runs.jsonl
for rep in $(seq "$reps"); do
  order=("${sides[@]}")
  if (( rep % 2 == 0 )); then order=(beast-async grove); [[ ${W9_GATHER:-0} == 1 ]] && order+=(grove-gather); fi
  for side in "${order[@]}"; do
    start_server "$side"
    wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/" >"$scratch/wrk.out"
    rss=$(status_kb "$server_pid" VmRSS)
    hwm=$(status_kb "$server_pid" VmHWM)
    stop_server
    to_json "$side" "$rep" "$scratch/wrk.out" "$rss" "$hwm" | tee -a "$runs" >&2
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

$py - "$runs" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = {}
for side in dict.fromkeys(r["peer"] for r in rows):
    rs = [r for r in rows if r["peer"] == side]
    out = dict(rs[0])
    out.pop("rep", None)
    for k in ("n", "elapsed_ms", "ops_per_s", "rss_kb", "hwm_kb", "p50_us", "p99_us"):
        v = statistics.median(r[k] for r in rs)
        out[k] = int(v) if v == int(v) else round(v, 1)
    out["ns_per_op"] = round(1e9 / out["ops_per_s"], 1)
    out["reps"] = len(rs)
    med[side] = out
    print(json.dumps(out))
if "grove" in med and "beast-async" in med:
    g, b = med["grove"], med["beast-async"]
    print(json.dumps({"workload": "W9", "ratio_rps": round(g["ops_per_s"] / b["ops_per_s"], 4),
                      "p99_ratio": round(g["p99_us"] / b["p99_us"], 4), "goal_rps_ratio": 0.9,
                      "met": g["ops_per_s"] >= 0.9 * b["ops_per_s"]}))
PY
