#!/usr/bin/env bash
# run_ws_client.sh URL ACTION... — runs ws_client.mjs (the npm `ws` package,
# installed with `undici` from package-lock.json by `npm ci` on first use);
# run_ws_client.sh --server runs ws_server.mjs instead, and
# run_ws_client.sh --undici BASE_URL runs undici_client.mjs. Without node
# (or without npm when node_modules is missing) it exits 77: the C++ test
# then reports itself skipped in a developer's tree and fails in CI (CI set
# and not "false"/"0"), so it never passes silently.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v node >/dev/null 2>&1 ||
  { [[ ! -d $here/node_modules/ws || ! -d $here/node_modules/undici ]] && ! command -v npm >/dev/null 2>&1; }; then
  echo "run_ws_client.sh: node or npm missing; install them with: bash scripts/install-deps.sh" >&2
  exit 77
fi
if [[ ! -d $here/node_modules/ws || ! -d $here/node_modules/undici ]]; then
  (cd "$here" && flock "$here/.npm-ci.lock" bash -c \
    '[[ -d node_modules/ws && -d node_modules/undici ]] || npm ci --no-audit --no-fund --loglevel=error') >&2
fi
script=ws_client.mjs
if [[ ${1:-} == --server ]]; then
  script=ws_server.mjs
  shift
elif [[ ${1:-} == --undici ]]; then
  script=undici_client.mjs
  shift
fi
exec node "$here/$script" "$@"
