#!/usr/bin/env bash
# grove_top_test.sh GROVE_CHAT GROVE_TOP — grove-top used as a person would
# (issue 14 §5): grove-chat runs on 127.0.0.1 (port 0) with two TCP clients
# chatting in one room, grove-top runs in a tmux pane against it, and the
# test reads the screen with `tmux capture-pane -p` and checks what is shown:
# the hub, the room's actor, the fibers; each sort key's column in order
# after its key is pressed; the loop-turn count moving between refreshes;
# q quitting. Every wait is bounded; everything started is stopped on exit.
# Without tmux: a failure in CI (CI set, not "false"/"0"), else exit 77
# (ctest: Skipped).
set -euo pipefail
chat=${1:?usage: grove_top_test.sh GROVE_CHAT GROVE_TOP}
top=${2:?usage: grove_top_test.sh GROVE_CHAT GROVE_TOP}

if ! command -v tmux >/dev/null 2>&1; then
  case ${CI:-} in
    "" | false | 0) echo "chat.GroveTop: tmux missing (bash scripts/install-deps.sh): skipped" >&2; exit 77 ;;
    *) echo "FAIL: chat.GroveTop: tmux missing (CI=$CI)" >&2; exit 1 ;;
  esac
fi

dir=$(mktemp -d)
session="grove-top-test-$$"
chat_pid=""
load_pids=()
cleanup() {
  tmux -L "$session" kill-server >/dev/null 2>&1 || true
  for p in "${load_pids[@]}"; do kill "$p" >/dev/null 2>&1 || true; done
  if [[ -n $chat_pid ]]; then kill "$chat_pid" >/dev/null 2>&1 || true; wait "$chat_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- the screen:" >&2
  cat "$dir/screen" >&2 2>/dev/null || true
  exit 1
}

"$chat" --host 127.0.0.1 --port 0 --http-port 0 --log-level warn --fiber-timing 1 --actor-timing 1 \
  >"$dir/chat.out" 2>&1 &
chat_pid=$!
for _ in $(seq 100); do
  grep -q "http listening" "$dir/chat.out" 2>/dev/null && break
  sleep 0.1
done
tcp_port=$(sed -n 's/.*tcp listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/chat.out")
http_port=$(sed -n 's/.*http listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/chat.out")
[[ -n $tcp_port && -n $http_port ]] || fail "grove-chat did not start: $(cat "$dir/chat.out")"

# The load: bob reads everything, alice says a line every 20 ms (at most 60 s).
(
  exec 3<>"/dev/tcp/127.0.0.1/$tcp_port"
  printf '/nick bob\n/join lobby\n' >&3
  cat <&3 >/dev/null
) &
load_pids+=($!)
(
  exec 3<>"/dev/tcp/127.0.0.1/$tcp_port"
  printf '/nick alice\n/join lobby\n' >&3
  cat <&3 >/dev/null &
  for i in $(seq 3000); do
    printf 'line %d\n' "$i" >&3 || exit 0
    sleep 0.02
  done
) &
load_pids+=($!)

tmux -L "$session" -f /dev/null new-session -d -s top -x 170 -y 45 "$top --interval 0.5 127.0.0.1:$http_port"

# screen_shows TEXT: true once capture-pane shows TEXT (within 10 s).
screen_shows() {
  for _ in $(seq 100); do
    tmux -L "$session" capture-pane -p -t top >"$dir/screen" 2>/dev/null || true
    grep -qF -- "$1" "$dir/screen" && return 0
    sleep 0.1
  done
  return 1
}

screen_shows "grove-top  http://127.0.0.1:$http_port/debug/fibers" || fail "no grove-top header"
screen_shows "room:lobby#1" || fail "the room's actor is not shown"
grep -qE '^ +0 +[0-9]+ +yes +[0-9]+' "$dir/screen" || fail "no row for hub 0"
grep -qF "ACTOR" "$dir/screen" || fail "no actors table"
grep -qE '^ +[0-9]+ +0 main +' "$dir/screen" || fail "the main fiber is not listed"
grep -qF "chat tcp writer" "$dir/screen" || fail "the clients' session fibers are not listed"
grep -qE '^room:lobby#1 +0 +[0-9]+ +(waiting|ready|running) ' "$dir/screen" || fail "the room's actor row"

# column_sorted START WIDTH: the fiber rows' column (1-based START, WIDTH
# characters) never increases down the screen.
column_sorted() {
  awk -v s="$1" -v w="$2" '
    /^  FIBER  HUB NAME/ { on = 1; next }
    on && NF > 0 { v = substr($0, s, w) + 0; if (n++ && v > last + 1e-9) bad = 1; last = v }
    END { exit (n < 3 || bad) }' "$dir/screen"
}

# Fiber row columns (top_view.cpp): WAIT MS 71-79, RUN MS 81-90, WAKES 92-99.
for key in w a r; do
  case $key in
    w) label="sort: wakes"; start=92; width=8 ;;
    a) label="sort: wait age"; start=71; width=9 ;;
    r) label="sort: run time"; start=81; width=10 ;;
  esac
  tmux -L "$session" send-keys -t top "$key"
  screen_shows "$label" || fail "key $key did not switch to '$label'"
  sleep 0.6  # one refresh with this key
  tmux -L "$session" capture-pane -p -t top >"$dir/screen"
  column_sorted "$start" "$width" || fail "fibers not sorted by '$label' (columns $start+$width)"
done
tmux -L "$session" send-keys -t top m
screen_shows "sort: mailbox depth" || fail "key m"

# The screen refreshes: hub 0's loop-turn count moves under the chat's load.
turns() { awk '/^ +HUB +THREAD/ { getline; print $4; exit }' "$dir/screen"; }
tmux -L "$session" capture-pane -p -t top >"$dir/screen"
before=$(turns)
sleep 1.2
tmux -L "$session" capture-pane -p -t top >"$dir/screen"
after=$(turns)
[[ -n $before && -n $after && $after -gt $before ]] || fail "loop turns did not move ($before -> $after)"

tmux -L "$session" send-keys -t top q
for _ in $(seq 50); do
  tmux -L "$session" has-session -t top 2>/dev/null || break
  sleep 0.1
done
if tmux -L "$session" has-session -t top 2>/dev/null; then fail "q did not quit grove-top"; fi
echo "chat.GroveTop: ok (hub, actor and fibers shown; sorted by w, a, r; m; refreshed; q quit)"
