#!/usr/bin/env bash
# safety.sh — issue 13 §4: libgrove_hook.so must not change a program that
# does not use fibers. Runs unmodified third-party programs plainly and
# with the hook preloaded and compares their output and exit status:
# curl against a python http.server on 127.0.0.1, redis-cli against a
# throw-away redis-server on a free loopback port (temporary directory,
# stopped at the end even on failure), and the --version of psql,
# redis-cli and curl. A program that is not installed is reported and
# skipped; at least curl must run.
# Usage: safety.sh <path of libgrove_hook.so>   (an uninstrumented build of it in an ASan build)
set -uo pipefail
PRELOAD=${1:?usage: safety.sh <path of libgrove_hook.so>}
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# Leak reports of the third-party programs are theirs, not the hook's.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # wait_port <port>: until something listens (5 s at most)
  for _ in $(seq 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

failures=0
checked=0
same() {  # same <name> <command...>: plain and preloaded runs must agree
  local name=$1
  shift
  "$@" >"$TMP/plain.out" 2>"$TMP/plain.err"
  local plain_rc=$?
  LD_PRELOAD=$PRELOAD "$@" >"$TMP/hooked.out" 2>"$TMP/hooked.err"
  local hooked_rc=$?
  checked=$((checked + 1))
  if [[ $plain_rc -ne $hooked_rc ]] || ! cmp -s "$TMP/plain.out" "$TMP/hooked.out"; then
    echo "DIFFERENT: $name (exit $plain_rc plain, $hooked_rc preloaded)"
    diff "$TMP/plain.out" "$TMP/hooked.out" | head -20
    sed 's/^/  preloaded stderr: /' "$TMP/hooked.err" | head -10
    failures=$((failures + 1))
  else
    echo "same: $name (exit $plain_rc, $(wc -c <"$TMP/plain.out") bytes)"
  fi
}

# curl against python's http.server.
if ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
  echo "safety.sh: curl and python3 are required (scripts/install-deps.sh)"
  exit 1
fi
mkdir -p "$TMP/www"
seq 1 20000 >"$TMP/www/numbers.txt"
echo '<html><body>grove hook safety</body></html>' >"$TMP/www/index.html"
HTTP_PORT=$(free_port)
(cd "$TMP/www" && exec python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=($!)
wait_port "$HTTP_PORT" || { echo "http.server did not start"; exit 1; }
same "curl --version" curl --version
same "curl GET index.html" curl -sS "http://127.0.0.1:$HTTP_PORT/index.html"
same "curl GET numbers.txt" curl -sS "http://127.0.0.1:$HTTP_PORT/numbers.txt"
same "curl GET a missing page (-f)" curl -sSf "http://127.0.0.1:$HTTP_PORT/missing"
same "curl to a closed port" curl -sS "http://127.0.0.1:$(free_port)/"

# redis-cli against a throw-away redis-server.
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
  REDIS_PORT=$(free_port)
  mkdir -p "$TMP/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP/redis" --save '' --appendonly no \
    --daemonize no >"$TMP/redis/log" 2>&1 &
  PIDS+=($!)
  if wait_port "$REDIS_PORT"; then
    same "redis-cli --version" redis-cli --version
    same "redis-cli SET" redis-cli -p "$REDIS_PORT" SET grove:hook safe
    same "redis-cli GET" redis-cli -p "$REDIS_PORT" GET grove:hook
    same "redis-cli LRANGE" redis-cli -p "$REDIS_PORT" LRANGE grove:none 0 -1
  else
    echo "redis-server did not start: redis checks skipped"
  fi
else
  echo "redis-server/redis-cli not installed: redis checks skipped"
fi

if command -v psql >/dev/null; then
  same "psql --version" psql --version
else
  echo "psql not installed: skipped"
fi
same "ls -la of a fixed directory" ls -la --time-style=+ "$TMP/www"
same "sleep 0.2 (nanosleep)" sleep 0.2

echo "safety.sh: $checked programs compared, $failures different"
[[ $failures -eq 0 ]]
