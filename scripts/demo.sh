#!/usr/bin/env bash
# The main demo: installs what is missing, builds grove-chat in Release and
# runs it on 127.0.0.1 — the chat page at http://127.0.0.1:8080/ (WebSocket
# and long poll) and the TCP line protocol on port 5555 (try `nc 127.0.0.1
# 5555`, then /nick alice, /join lobby, hello). Ctrl-C drains and exits.
# Arguments are passed to grove-chat (e.g. --http-port 9090).
# GROVE_DEMO=fibers runs the small fiber demo (grove-demo) instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
if [[ ${GROVE_DEMO:-chat} == fibers ]]; then
  cmake --build build/release --target grove-demo -j2
  exec build/release/samples/grove-demo "$@"
fi
cmake --build build/release --target grove-chat -j2
cat <<'MSG'

grove-chat: open http://127.0.0.1:8080/ in a browser (two tabs make two users),
            or talk over TCP:  nc 127.0.0.1 5555   then  /nick alice  /join lobby  hello
            Ctrl-C stops the server.

MSG
exec build/release/samples/chat/grove-chat "$@"
