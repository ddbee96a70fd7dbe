#!/usr/bin/env bash
# run_chat_page.sh GROVE_CHAT — runs chat_page.test.mjs (headless Debian
# Chromium through playwright-core) against that grove-chat binary. Installs
# playwright-core from package-lock.json first (npm ci) when node_modules is
# missing; never downloads a browser.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chat=${1:?usage: run_chat_page.sh PATH/TO/grove-chat}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$here/chat_page.test.mjs" "$chat"
