#!/usr/bin/env bash
# Builds grove's libFuzzer targets (fuzz/, docs/fuzzing.md) with clang++-14,
# ASan and UBSan in build/fuzz, then runs each for a bounded time from its
# seed corpus (fuzz/corpus/<target>/). Fails on any crash, leak, timeout or
# out-of-memory, printing the reproducer's path.
#
#   scripts/fuzz.sh                      every target, 60 s each
#   GROVE_FUZZ_SECONDS=600 scripts/fuzz.sh queue_ops   one target, 10 min
#
# Environment: GROVE_FUZZ_SECONDS (default 60) per target; GROVE_FUZZ_JOBS
# (default 2) build jobs. New inputs libFuzzer finds go to
# build/fuzz/corpus/<target>/ (the tree's corpus is only read); crash
# reproducers to build/fuzz/artifacts/<target>/. Targets run one at a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${GROVE_FUZZ_SECONDS:-60}
jobs=${GROVE_FUZZ_JOBS:-2}
dir=build/fuzz
all_targets=(chat_line chat_json queue_ops mailbox_ops http_request ws_frames)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "fuzz.sh: clang++-14 not found (scripts/install-deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DGROVE_FUZZ=ON -DGROVE_WERROR=ON \
  -DGROVE_BUILD_TESTS=OFF -DGROVE_BUILD_TESTKIT=OFF -DGROVE_BUILD_SAMPLES=OFF -DGROVE_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" -j"$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}")

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for target in "${targets[@]}"; do
  seeds=fuzz/corpus/$target
  work=$dir/corpus/$target
  artifacts=$dir/artifacts/$target
  log=$dir/$target.log
  mkdir -p "$work" "$artifacts"
  echo "== fuzz $target: ${seconds}s from $seeds (log $log)"
  status=0
  "$dir/fuzz/fuzz_$target" "$work" "$seeds" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$log"
    reproducer=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n1 | sed 's/Test unit written to //' || true)
    echo "!! fuzz $target FAILED (exit $status); reproducer: ${reproducer:-none written}"
    echo "   rerun: $dir/fuzz/fuzz_$target ${reproducer:-<file>}; add it to $seeds/ with the fix"
    failed+=("$target")
  else
    echo "== fuzz $target: ok, ${runs:-?} runs, ${rate:-?} exec/s"
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "fuzz.sh: failed: ${failed[*]}"
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets ok"
