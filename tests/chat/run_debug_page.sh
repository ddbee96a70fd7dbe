#!/usr/bin/env bash
# run_debug_page.sh GROVE_CHAT — runs debug_page.test.mjs (grove-chat's
# /debug/ page in headless Debian Chromium through playwright-core, which
# tests/browser installs: npm ci there when its node_modules is missing;
# never downloads a browser). Without node, npm or /usr/bin/chromium: a
# failure in CI (CI set, not "false"/"0"), else exit 77 (ctest: Skipped).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
browser=$here/../browser
chat=${1:?usage: run_debug_page.sh PATH/TO/grove-chat}
chromium=${CHROMIUM:-/usr/bin/chromium}

missing=()
command -v node >/dev/null 2>&1 || missing+=("node")
if [[ ! -d $browser/node_modules/playwright-core ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=("npm")
fi
[[ -x $chromium ]] || missing+=("chromium ($chromium)")
if [[ ${#missing[@]} -gt 0 ]]; then
  msg="chat.DebugPage: cannot run, missing: ${missing[*]}. Install them with: bash scripts/install-deps.sh"
  case ${CI:-} in
    "" | false | 0) echo "$msg (not in CI: skipped)" >&2; exit 77 ;;
    *) echo "FAIL: $msg (CI=$CI: the browser test must run in CI)" >&2; exit 1 ;;
  esac
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d $browser/node_modules/playwright-core ]]; then
  (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$here/debug_page.test.mjs" "$chat"
