#!/usr/bin/env bash
# check-style.sh [base-ref] — clang-format and clang-tidy on the C++ files
# changed since base-ref (added, copied, modified or renamed; deleted files
# are skipped).
#
#   base-ref defaults to the merge-base with origin/main, else with main;
#   when there is no such ref (a fresh CI clone) or it is HEAD itself, the
#   files changed by the last commit are checked (all files of HEAD when it
#   has no parent).
#
# clang-format --dry-run -Werror uses .clang-format; clang-tidy uses
# .clang-tidy and build/release/compile_commands.json (configure first:
# cmake -S . -B build/release; GROVE_STYLE_BUILD_DIR picks another build).
# clang-tidy runs on the changed .cpp files and reports findings in the
# changed headers they include (--header-filter lists exactly those).
# Exit status: 0 when every check passes, 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${GROVE_STYLE_BUILD_DIR:-build/release}
clang_format=${CLANG_FORMAT:-clang-format}
# Debian 12's default clang-tidy (14) cannot parse libstdc++ 12's <ranges>
# (it reports clang-diagnostic-error on std::views code), so the newest
# versioned clang-tidy installed is preferred (install-deps.sh installs
# clang-tidy-16); CLANG_TIDY=... overrides.
clang_tidy=${CLANG_TIDY:-}
if [[ -z "$clang_tidy" ]]; then
  for v in 19 18 17 16 15; do
    if command -v "clang-tidy-$v" >/dev/null 2>&1; then
      clang_tidy=clang-tidy-$v
      break
    fi
  done
  clang_tidy=${clang_tidy:-clang-tidy}
fi

for tool in "$clang_format" "$clang_tidy"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-style: $tool not found (bash scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

# ---------------------------------------------------------------- the files
has_ref() { git rev-parse --verify --quiet "$1^{commit}" >/dev/null; }

base=""
if [[ $# -ge 1 ]]; then
  if ! has_ref "$1"; then
    echo "check-style: '$1' is not a commit" >&2
    exit 2
  fi
  base=$(git rev-parse "$1")
else
  for ref in origin/main main; do
    if has_ref "$ref"; then
      base=$(git merge-base HEAD "$ref" || true)
      [[ -n "$base" ]] && break
    fi
  done
  # On main itself (or merged into it) the merge-base is HEAD: nothing to
  # compare with, so fall back to the last commit.
  if [[ -z "$base" || "$base" == "$(git rev-parse HEAD)" ]]; then
    base=""
    has_ref HEAD~1 && base=$(git rev-parse HEAD~1)
  fi
fi

if [[ -n "$base" ]]; then
  echo "check-style: C++ files changed since ${base:0:12}"
  mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp' '*.hpp' '*.ipp' '*.h')
else
  echo "check-style: no base commit; checking the files of HEAD's commit"
  mapfile -t changed < <(git diff-tree --root --no-commit-id -r --name-only --diff-filter=ACMR HEAD -- \
    '*.cpp' '*.hpp' '*.ipp' '*.h')
fi

files=()
for f in "${changed[@]}"; do
  [[ -f "$f" ]] && files+=("$f")
done
if [[ ${#files[@]} -eq 0 ]]; then
  echo "check-style: no C++ file changed"
  exit 0
fi
printf '  %s\n' "${files[@]}"

status=0

# ------------------------------------------------------------ clang-format
echo "== clang-format ($("$clang_format" --version | head -n1))"
if ! "$clang_format" --dry-run -Werror "${files[@]}"; then
  echo "!! clang-format: run  $clang_format -i <file>  on the files above" >&2
  status=1
fi

# -------------------------------------------------------------- clang-tidy
echo "== clang-tidy ($("$clang_tidy" --version | grep -i version | head -n1 | sed 's/^ *//'))"
if [[ ! -f "$build_dir/compile_commands.json" ]]; then
  echo "!! clang-tidy: $build_dir/compile_commands.json missing; configure first:" >&2
  echo "   cmake -S . -B $build_dir -DCMAKE_BUILD_TYPE=Release" >&2
  exit 1
fi
sources=()
for f in "${files[@]}"; do
  [[ "$f" == *.cpp ]] || continue
  if grep -q "\"file\": \"[^\"]*/${f//./\\.}\"" "$build_dir/compile_commands.json"; then
    sources+=("$f")
  else
    echo "   (skipped, not in the build: $f)"
  fi
done
# Findings in headers are reported only for the changed headers (unchanged
# ones are someone else's change): the header filter is built from them.
header_filter='^$'
headers=()
for f in "${files[@]}"; do
  [[ "$f" == *.cpp ]] || headers+=("$(pwd)/$f")
done
if [[ ${#headers[@]} -gt 0 ]]; then
  header_filter="^($(printf '%s\n' "${headers[@]}" | sed 's/[.[\*^$()+?{|]/\\&/g' | paste -sd '|'))$"
fi
# clang-tidy reads a copy of the compile database without GCC's precompiled
# headers (a .gch is not a PCH clang can read: the test and docs targets
# share one, tests/common/pch_anchor.cpp) and without GCC-only warning
# flags: each file is checked with its own includes, as it must compile.
tidy_db=$(mktemp -d)
trap 'rm -rf "$tidy_db"' EXIT
python3 - "$build_dir/compile_commands.json" "$tidy_db/compile_commands.json" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
for e in entries:
    cmd = e.get("command", "")
    cmd = re.sub(r"\s-include\s+\S*cmake_pch\.hxx\b", "", cmd)
    cmd = re.sub(r"\s-Winvalid-pch\b", "", cmd)
    cmd = re.sub(r"\s-Wno-(stringop-overread|stringop-overflow)\b", "", cmd)
    e["command"] = cmd
json.dump(entries, open(sys.argv[2], "w"))
PY
if [[ ${#sources[@]} -gt 0 ]]; then
  jobs=${GROVE_STYLE_JOBS:-2}
  if ! printf '%s\n' "${sources[@]}" |
      xargs -P "$jobs" -n 1 "$clang_tidy" -p "$tidy_db" --quiet --warnings-as-errors='*' \
        --header-filter="$header_filter"; then
    echo "!! clang-tidy: fix the findings above, or NOLINT(check) with a reason" >&2
    status=1
  fi
fi

if [[ $status -eq 0 ]]; then
  echo "check-style: OK (${#files[@]} files)"
fi
exit $status
