#!/usr/bin/env bash
# run_chat_page.sh GROVE_CHAT — runs chat_page.test.mjs (headless Debian
# Chromium through playwright-core) against that grove-chat binary. Installs
# playwright-core from package-lock.json first (npm ci) when node_modules is
# missing; never downloads a browser.
#
# When node, npm (needed only without node_modules) or /usr/bin/chromium is
# missing, the test cannot run: in CI (CI set and not "false"/"0") that is a
# failure with the list of what is missing; elsewhere it exits 77, which
# ctest reports as "Skipped" (SKIP_RETURN_CODE), never as a silent pass.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chat=${1:?usage: run_chat_page.sh PATH/TO/grove-chat}
chromium=${CHROMIUM:-/usr/bin/chromium}  # chat_page.test.mjs reads CHROMIUM too

missing=()
command -v node >/dev/null 2>&1 || missing+=("node")
if [[ ! -d $here/node_modules/playwright-core ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=("npm")
fi
[[ -x $chromium ]] || missing+=("chromium ($chromium)")
if [[ ${#missing[@]} -gt 0 ]]; then
  msg="browser.ChatPage: cannot run, missing: ${missing[*]}. Install them with: bash scripts/install-deps.sh"
  case ${CI:-} in
    "" | false | 0)
      echo "$msg (not in CI: skipped)" >&2
      exit 77
      ;;
    *)
      echo "FAIL: $msg (CI=$CI: the browser test must run in CI)" >&2
      exit 1
      ;;
  esac
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$here/chat_page.test.mjs" "$chat"
