#!/usr/bin/env bash
# soak.sh DURATION_SECONDS [BUILD_DIR] — grove-chat under a steady mixed load
# (issue 17, §3; docs/benchmarks.md, "Soak").
#
# Starts BUILD_DIR's grove-chat (default build/release; built here if it is
# missing) on free loopback ports (port 0), with a short room idle timeout
# so passing rooms are created and removed all along, and runs
# bench/soak_driver.py against it for DURATION_SECONDS: TCP, WebSocket and
# long-poll clients joining, chatting, leaving, some never reading, some
# resetting. Every second the driver samples the server's RSS, open
# descriptors, fibers, timers, rooms and nicks; it fails when a message is
# lost or reordered, or when a figure grows over the second half of the run
# (least-squares slope above the limits stated in soak_driver.py). The
# samples go to BUILD_DIR/soak/samples.csv (and soak.png when python3-matplotlib
# is installed). The server is stopped at the end, also on failure.
# The slope check needs DURATION >= 150: long-poll members are kept for
# poll_expiry (60 s), so the state is steady only from then on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration=${1:?usage: bench/soak.sh DURATION_SECONDS [BUILD_DIR]}
build=${2:-build/release}
chat=$build/samples/chat/grove-chat
if [[ ! -x $chat ]]; then
  cmake --build "$build" -j2 --target grove-chat
fi

out=$build/soak
mkdir -p "$out"
log=$out/grove-chat.log
: >"$log"
"$chat" --host 127.0.0.1 --port 0 --http-port 0 --log-level warn --room-idle-timeout 2 >"$log" 2>&1 &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM INT

port_of() { sed -n "s/^grove-chat: $1 listening on .*:\([0-9]*\)$/\1/p" "$log"; }
for _ in $(seq 100); do
  [[ -n $(port_of http) ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "soak: grove-chat did not start" >&2; exit 1; }
  sleep 0.1
done
tcp_port=$(port_of tcp)
http_port=$(port_of http)
[[ -n $tcp_port && -n $http_port ]] || { cat "$log"; echo "soak: no ports" >&2; exit 1; }
echo "soak: grove-chat pid $pid, tcp $tcp_port, http $http_port, ${duration} s"

status=0
python3 bench/soak_driver.py --pid "$pid" --tcp-port "$tcp_port" --http-port "$http_port" \
  --duration "$duration" --csv "$out/samples.csv" || status=$?
for py in python3 /usr/bin/python3; do  # Debian's python3-matplotlib
  if "$py" -c 'import matplotlib' 2>/dev/null; then
    "$py" bench/soak_plot.py "$out/samples.csv" "$out/soak.png" && echo "soak: curves in $out/soak.png" || true
    break
  fi
done
kill -0 "$pid" 2>/dev/null || { echo "soak: grove-chat died" >&2; status=1; }
if grep -qiE 'error|critical' "$log"; then
  echo "soak: grove-chat logged errors:" >&2
  grep -iE 'error|critical' "$log" | head -20 >&2
fi
[[ $status -eq 0 ]] && echo "soak: ok" || echo "soak: FAILED"
exit $status
