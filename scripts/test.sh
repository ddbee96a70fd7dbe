#!/usr/bin/env bash
# Installs what is missing, then builds and runs the tests in three
# configurations (and Release's again under the hook's preload), then fuzzes:
#   release  Release                      -> build/release
#   preload  build/release's suite again, libgrove_hook.so preloaded into
#            every test program (docs/hook.md, H5)
#   asan     Debug + ASan/UBSan            -> build/asan (line tables only;
#            no docs examples, include diet, install consumers or benches)
#   tsan     RelWithDebInfo + ThreadSanitizer, clang++-14 -> build/tsan:
#            only the suites whose fibers live on several OS threads
#            (tests/runtime, fibers_thread_pool_test,
#            fibers_cross_thread_release_test; target runtime_tests), see
#            docs/design/runtime.md, "ThreadSanitizer".
#   fuzz     clang++-14 + libFuzzer + ASan/UBSan -> build/fuzz (scripts/fuzz.sh):
#            each target 20 s from its corpus (CI's 60-minute budget;
#            GROVE_FUZZ_SECONDS overrides; docs/fuzzing.md for longer runs)
# GROVE_CONFIGS="release" (or "preload", "asan", "tsan", "fuzz") runs only the named ones.
# Release and asan build with GROVE_WERROR=ON: a compiler warning fails the
# build (tsan builds with clang, whose warnings differ, without it).
# After release's ctest, the soak: bench/soak.sh (grove-chat under a steady
# mixed load for GROVE_SOAK_SECONDS, 180 in CI; killed at twice that plus a
# minute; GROVE_SOAK=0 skips it), one pass or failure (docs/benchmarks.md).
# Then the style stage: scripts/check-style.sh (clang-format + clang-tidy on
# the C++ files changed since the merge-base with main, or in the last
# commit), with build/release's compile_commands.json; GROVE_STYLE=0 skips it.
# The last line printed is "<N> passed, <N> failed", summed over configurations.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

configs=${GROVE_CONFIGS:-release preload asan tsan fuzz}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1:abort_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

bash scripts/install-deps.sh

start=$SECONDS
total_passed=0
total_failed=0
failed_configs=()

banner() {
  printf '\n==================================================================\n'
  printf '== %s\n' "$*"
  printf '==================================================================\n'
}

# run_config <name> <build dir> <cmake args...>; GROVE_TARGET / GROVE_TESTS
# (a ctest -R regex) narrow the build and the run.
run_config() {
  local name=$1 dir=$2
  shift 2
  local config_start=$SECONDS
  local target=()
  [[ -n ${GROVE_TARGET:-} ]] && target=(--target "$GROVE_TARGET")
  banner "$name: configure + build ($dir)"
  if ! cmake -S . -B "$dir" "$@" || ! cmake --build "$dir" -j2 "${target[@]}"; then
    echo "!! $name: configure/build FAILED (counted as 1 failed)"
    total_failed=$((total_failed + 1))
    failed_configs+=("$name")
    return
  fi

  run_tests "$name" "$dir" "$config_start"
}

# run_tests <name> <build dir> <start>: ctest in the built tree, counted;
# GROVE_PRELOAD (a path) is preloaded into ctest and every test program,
# GROVE_TESTS_EXCLUDE (a ctest -E regex) leaves tests out.
run_tests() {
  local name=$1 dir=$2 config_start=$3
  if [[ -n ${GROVE_PRELOAD:-} && ! -f $GROVE_PRELOAD ]]; then
    # the loader would only warn and run the suite without it
    echo "!! $name: $GROVE_PRELOAD is missing (build release first; counted as 1 failed)"
    total_failed=$((total_failed + 1))
    failed_configs+=("$name")
    return
  fi
  banner "$name: ctest${GROVE_PRELOAD:+ (LD_PRELOAD=$GROVE_PRELOAD)}"
  local log=$dir/ctest-$name.log status=0
  (cd "$dir" && env ${GROVE_PRELOAD:+LD_PRELOAD="$GROVE_PRELOAD"} ctest --output-on-failure -j2 \
    ${GROVE_TESTS:+-R "$GROVE_TESTS"} ${GROVE_TESTS_EXCLUDE:+-E "$GROVE_TESTS_EXCLUDE"}) 2>&1 | tee "$log" || status=$?

  # ctest summary: "NN% tests passed, F tests failed out of M"
  local summary
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)
  if [[ -z "$summary" ]]; then
    echo "!! $name: no ctest summary line (counted as 1 failed)"
    total_failed=$((total_failed + 1))
    failed_configs+=("$name")
    return
  fi
  local failed out_of
  failed=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  out_of=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
  total_passed=$((total_passed + out_of - failed))
  total_failed=$((total_failed + failed))
  if [[ $status -ne 0 || $failed -ne 0 ]]; then
    failed_configs+=("$name")
  fi
  echo "== $name: $((out_of - failed)) passed, $failed failed in $((SECONDS - config_start))s"
}

# run_fuzz: scripts/fuzz.sh, every target for GROVE_FUZZ_SECONDS (20 s in
# CI: four targets and their build fit the budget); one failure per target.
run_fuzz() {
  local fuzz_start=$SECONDS log=build/fuzz-stage.log status=0
  banner "fuzz: scripts/fuzz.sh (${GROVE_FUZZ_SECONDS:-20}s per target)"
  mkdir -p build
  GROVE_FUZZ_SECONDS=${GROVE_FUZZ_SECONDS:-20} bash scripts/fuzz.sh 2>&1 | tee "$log" || status=$?
  local ok failed
  ok=$(grep -c '^== fuzz .*: ok' "$log" || true)
  failed=$(grep -c '^!! fuzz .* FAILED' "$log" || true)
  if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi  # the build failed
  total_passed=$((total_passed + ok))
  total_failed=$((total_failed + failed))
  [[ $failed -eq 0 ]] || failed_configs+=("fuzz")
  echo "== fuzz: $ok passed, $failed failed in $((SECONDS - fuzz_start))s"
}

# run_soak: bench/soak.sh on build/release's grove-chat, bounded in time.
run_soak() {
  [[ ${GROVE_SOAK:-1} != 0 ]] || return 0
  local secs=${GROVE_SOAK_SECONDS:-180} soak_start=$SECONDS
  banner "soak: bench/soak.sh ${secs} (release)"
  if timeout --kill-after=10 $((2 * secs + 60)) bash bench/soak.sh "$secs" build/release; then
    total_passed=$((total_passed + 1))
    echo "== soak: ok in $((SECONDS - soak_start))s"
  else
    echo "!! soak: FAILED (counted as 1 failed); samples in build/release/soak/"
    total_failed=$((total_failed + 1))
    failed_configs+=("soak")
  fi
}

for config in $configs; do
  case "$config" in
    release) run_config release build/release -DCMAKE_BUILD_TYPE=Release -DGROVE_SANITIZE=OFF -DGROVE_WERROR=ON
             run_soak ;;
    # preload: issue 13's H5, the whole Release suite again with the hook
    # preloaded into ctest and every test program (docs/hook.md); after
    # release, whose tree it reuses. The install consumers only rebuild
    # grove with the compiler under the preload: release ran them.
    preload) GROVE_PRELOAD=$PWD/build/release/hook/libgrove_hook.so GROVE_TESTS_EXCLUDE='^install_consumer' \
               run_tests preload build/release $SECONDS ;;
    # asan: line tables only (-g1: sanitizer reports keep file:line; full
    # debug info made a 14 GB tree and slow links), and without the checks
    # that do not depend on the build type (the docs' examples, the include
    # diet, the install consumers, the benchmarks): release runs them.
    asan)    run_config asan build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
               -DGROVE_SANITIZE=ON -DGROVE_WERROR=ON -DGROVE_BUILD_DOC_EXAMPLES=OFF \
               -DGROVE_BUILD_INCLUDE_DIET=OFF -DGROVE_TEST_INSTALL=OFF -DGROVE_BUILD_BENCH=OFF ;;
    tsan)    GROVE_TARGET=runtime_tests GROVE_TESTS='^(runtime_|fibers_thread_pool_test[.]|fibers_cross_thread_release_test[.])' run_config tsan build/tsan \
               -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DGROVE_TSAN=ON -DGROVE_WERROR=OFF ;;
    fuzz)    run_fuzz ;;
    *) echo "test.sh: unknown configuration '$config' (use release, preload, asan, fuzz, tsan)" >&2; exit 2 ;;
  esac
done

# Style: clang-format and clang-tidy on the changed C++ files. clang-tidy
# reads build/release/compile_commands.json, configured here if the release
# configuration did not run.
if [[ ${GROVE_STYLE:-1} != 0 ]]; then
  banner "style: scripts/check-style.sh"
  style_ok=1
  if [[ ! -f build/release/compile_commands.json ]]; then
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DGROVE_SANITIZE=OFF -DGROVE_WERROR=ON >/dev/null || style_ok=0
  fi
  if [[ $style_ok == 0 ]] || ! bash scripts/check-style.sh; then
    echo "!! style: check-style.sh FAILED (counted as 1 failed)"
    total_failed=$((total_failed + 1))
    failed_configs+=("style")
  fi
fi

banner "total time $((SECONDS - start))s; failed configurations: ${failed_configs[*]:-none}"
echo "$total_passed passed, $total_failed failed"
[[ ${#failed_configs[@]} -eq 0 ]]
