#!/usr/bin/env bash
# bench/w7.sh — W7 (TCP echo, loopback) per ../shared/bench/WORKLOADS.md:
# grove-echo against the raw single-threaded Asio callback server
# (peers/asio/asio_echo.cpp, 1 thread), both driven by the shared loadgen
# with C = 100 and C = 1000, interleaved, REPS repetitions, each server
# fresh per repetition. Prints the JSON lines, the medians and the ratios
# (grove rt/s / asio rt/s, grove p99 / asio p99), then the server RSS with
# IDLE idle connections (VmRSS before/after, bytes per connection).
# Loopback only. Environment: REPS=3 W7_SECS=5 W7_WARMUP=0.5 IDLE=10000
# BUILD_DIR=build/release SHARED_DIR=../shared.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SHARED_DIR:-$root/../shared}
build=${BUILD_DIR:-$root/build/release}
reps=${REPS:-3}
secs=${W7_SECS:-5}
warm=${W7_WARMUP:-0.5}
idle=${IDLE:-10000}
conns_list=${CONNS:-"100 1000"}
py=/usr/bin/python3
[[ -x $py ]] || py=python3

scratch=$(mktemp -d /tmp/grove-w7.XXXXXX)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

echo "# building loadgen, asio_echo and the idle client in $scratch" >&2
g++ -O2 -DNDEBUG -std=c++17 -o "$scratch/loadgen" "$shared/peers/loadgen/loadgen.cpp" -lpthread
g++ -O2 -DNDEBUG -std=c++17 -o "$scratch/asio_echo" "$shared/peers/asio/asio_echo.cpp" -lpthread
# Go and gevent echo servers beside them (W7_PEERS=0 skips them).
peers_extra=${W7_PEERS:-1}
if [[ $peers_extra == 1 ]]; then
  if command -v go >/dev/null && [[ -d $shared/peers/go ]]; then
    (rm -rf "$scratch/go" && cp -r "$shared/peers/go" "$scratch/go" && cd "$scratch/go" &&
      GOCACHE=$scratch/gocache GOPATH=$scratch/gopath GOPROXY=off GOFLAGS=-mod=mod go build -o "$scratch/go_echo" ./echo) ||
      echo "# go echo did not build; skipped" >&2
  fi
  $py -c 'import gevent' 2>/dev/null || echo "# python3-gevent missing; gevent skipped" >&2
fi
cat > "$scratch/idle_conns.cpp" <<'CPP'
// idle_conns PORT N SERVER_PID LABEL: opens N idle connections to
// 127.0.0.1:PORT and prints the server's VmRSS before and after.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
static long rss_kb(long pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  while (std::fgets(line, sizeof line, f))
    if (!std::strncmp(line, "VmRSS:", 6)) { v = std::strtol(line + 6, nullptr, 10); break; }
  std::fclose(f);
  return v;
}
int main(int argc, char** argv) {
  if (argc < 5) return 2;
  int port = std::atoi(argv[1]), n = std::atoi(argv[2]);
  long pid = std::atol(argv[3]);
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long before = rss_kb(pid);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (sockaddr*)&sa, sizeof sa) != 0) { std::perror("connect"); return 1; }
    fds.push_back(fd);
  }
  usleep(1500 * 1000);  // let the server accept everything and go idle
  long after = rss_kb(pid);
  std::printf("{\"peer\":\"%s\",\"workload\":\"W7-idle\",\"conns\":%d,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,"
              "\"bytes_per_conn\":%.0f}\n", argv[4], n, before, after, (after - before) * 1024.0 / n);
  for (int fd : fds) close(fd);
  return 0;
}
CPP
g++ -O2 -DNDEBUG -std=c++17 -o "$scratch/idle_conns" "$scratch/idle_conns.cpp"
if [[ ! -x $build/samples/grove-echo ]]; then
  cmake --build "$build" -j2 --target grove-echo >&2
fi
grove_echo=$build/samples/grove-echo

free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_listening() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.02
  done
  echo "server on port $1 did not come up" >&2
  return 1
}
start_server() {  # start_server grove|asio PORT
  case $1 in
    grove) "$grove_echo" --port "$2" >/dev/null 2>"$scratch/server.err" & ;;
    asio) "$scratch/asio_echo" "$2" 1 >/dev/null 2>"$scratch/server.err" & ;;
    go) GOMAXPROCS=1 "$scratch/go_echo" -port "$2" >/dev/null 2>"$scratch/server.err" & ;;
    gevent) $py "$shared/peers/gevent/echo_server.py" "$2" >/dev/null 2>"$scratch/server.err" & ;;
  esac
  server_pid=$!
  wait_listening "$2"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

echo "# load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
results=$scratch/results.jsonl
for rep in $(seq "$reps"); do
  order="grove asio"
  (( rep % 2 == 0 )) && order="asio grove"
  [[ -x $scratch/go_echo ]] && order="$order go"
  [[ $peers_extra == 1 ]] && $py -c 'import gevent' 2>/dev/null && order="$order gevent"
  for server in $order; do
    port=$(free_port)
    start_server "$server" "$port"
    case $server in
      grove) label=grove-echo ;; asio) label=asio-callback-1thr ;;
      go) label=go-net-GOMAXPROCS=1 ;; gevent) label=gevent-StreamServer ;;
    esac
    for c in $conns_list; do
      line=$("$scratch/loadgen" "$port" "$c" "$secs" "$warm" "$label" "$server_pid")
      line=${line%\}},\"rep\":$rep}
      echo "$line" | tee -a "$results"
    done
    stop_server
  done
done

for server in grove asio; do
  port=$(free_port)
  start_server "$server" "$port"
  label=$([[ $server == grove ]] && echo grove-echo || echo asio-callback-1thr)
  "$scratch/idle_conns" "$port" "$idle" "$server_pid" "$label" | tee -a "$results"
  stop_server
done
echo "# load after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

$py - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = [r for r in rows if r.get("workload") != "W7-idle"]
def label(r):
    return r["peer"]
groups = {}
for r in runs:
    groups.setdefault((label(r), r["conns"]), []).append(r)
print("\n# medians")
m = {}
for (lab, c), rs in sorted(groups.items()):
    ops = statistics.median(x["ops_per_s"] for x in rs)
    p50 = statistics.median(x["p50_us"] for x in rs)
    p99 = statistics.median(x["p99_us"] for x in rs)
    rss = statistics.median(x.get("server_rss_kb", -1) for x in rs)
    m[(lab, c)] = (ops, p99)
    print(json.dumps({"server": lab, "conns": c, "reps": len(rs), "ops_per_s": round(ops), "p50_us": p50,
                      "p99_us": p99, "server_rss_kb": rss}))
print("\n# ratios (grove / asio)")
labs = sorted({k[0] for k in m})
g = [l for l in labs if "grove" in l]
a = [l for l in labs if "asio" in l]
for c in sorted({k[1] for k in m}):
    if g and a and (g[0], c) in m and (a[0], c) in m:
        go, gp = m[(g[0], c)]
        ao, ap = m[(a[0], c)]
        print(json.dumps({"conns": c, "rt_per_s_ratio": round(go / ao, 3), "p99_ratio": round(gp / ap, 3)}))
for r in rows:
    if r.get("workload") == "W7-idle":
        print(json.dumps(r))
PY
