#!/usr/bin/env bash
# Checks that grove can be consumed the two ways a user would:
#   1. installed:  cmake --install <build-dir>, then find_package(grove)
#   2. embedded:   add_subdirectory(<grove source dir> grove)
# Both consumers build tests/install/consumer/main.cpp and run it. Then the
# installed package's dependencies: tests/install/fibers_only links
# grove::fibers with GoogleTest and nlohmann_json unfindable (it must build
# and run, without grove::testing), and tests/install/testing_required asks
# for COMPONENTS testing (found normally; a configure error naming GTest
# when GoogleTest is unfindable).
# Registered with ctest as `install_consumer` by tests/CMakeLists.txt.
set -euo pipefail

cmake_bin=cmake source_dir= build_dir= work_dir= config= cxx= launcher= cxx_flags= werror=OFF
for arg in "$@"; do
  case "$arg" in
    --cmake=*)      cmake_bin=${arg#*=} ;;
    --source-dir=*) source_dir=${arg#*=} ;;
    --build-dir=*)  build_dir=${arg#*=} ;;
    --work-dir=*)   work_dir=${arg#*=} ;;
    --config=*)     config=${arg#*=} ;;
    --cxx=*)        cxx=${arg#*=} ;;
    --launcher=*)   launcher=${arg#*=} ;;
    --cxx-flags=*)  cxx_flags=${arg#*=} ;;
    --werror=*)     werror=${arg#*=} ;;
    *) echo "check.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
for required in source_dir build_dir work_dir; do
  if [[ -z "${!required}" ]]; then
    echo "check.sh: --${required//_/-}=<path> is required" >&2
    exit 2
  fi
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_type=${config:-Release}
prefix=$work_dir/prefix

# Same compiler, flags (sanitizers) and ccache as the grove build, so the
# static libraries link and rebuilds stay cheap. Stable paths keep ccache hits.
common_args=(-DCMAKE_BUILD_TYPE="$build_type")
[[ -n "$cxx" ]]       && common_args+=(-DCMAKE_CXX_COMPILER="$cxx")
[[ -n "$launcher" ]]  && common_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
[[ -n "$cxx_flags" ]] && common_args+=(-DCMAKE_CXX_FLAGS="$cxx_flags")
config_args=()
[[ -n "$config" ]] && config_args=(--config "$config")

rm -rf "$work_dir"
mkdir -p "$work_dir"

echo "== install $build_dir -> $prefix"
"$cmake_bin" --install "$build_dir" --prefix "$prefix" "${config_args[@]}"

echo "== find_package(grove) consumer"
"$cmake_bin" -S "$here/consumer" -B "$work_dir/consumer" \
  -DCMAKE_PREFIX_PATH="$prefix" "${common_args[@]}"
"$cmake_bin" --build "$work_dir/consumer" -j2 "${config_args[@]}"
consumer=$(find "$work_dir/consumer" -type f -name consumer -perm -u+x | head -n1)
"$consumer"

echo "== grove::fibers-only consumer, GoogleTest and nlohmann_json unfindable"
"$cmake_bin" -S "$here/fibers_only" -B "$work_dir/fibers_only" \
  -DCMAKE_PREFIX_PATH="$prefix" "${common_args[@]}" \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON
"$cmake_bin" --build "$work_dir/fibers_only" -j2 "${config_args[@]}"
fibers_only=$(find "$work_dir/fibers_only" -type f -name fibers_only -perm -u+x | head -n1)
"$fibers_only"

echo "== find_package(grove COMPONENTS testing) consumer"
"$cmake_bin" -S "$here/testing_required" -B "$work_dir/testing_required" \
  -DCMAKE_PREFIX_PATH="$prefix" "${common_args[@]}"
echo "== ... and the same without GoogleTest: the configure must fail, naming GTest"
if "$cmake_bin" -S "$here/testing_required" -B "$work_dir/testing_no_gtest" \
     -DCMAKE_PREFIX_PATH="$prefix" "${common_args[@]}" -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
     >"$work_dir/testing_no_gtest.log" 2>&1; then
  echo "check.sh: COMPONENTS testing configured without GoogleTest" >&2
  exit 1
fi
if ! grep -q GTest "$work_dir/testing_no_gtest.log"; then
  echo "check.sh: the failed configure did not name GTest:" >&2
  cat "$work_dir/testing_no_gtest.log" >&2
  exit 1
fi

echo "== add_subdirectory(grove) consumer"
"$cmake_bin" -S "$here/embed" -B "$work_dir/embed" \
  -DGROVE_SOURCE_DIR="$source_dir" -DGROVE_WERROR="$werror" "${common_args[@]}"
"$cmake_bin" --build "$work_dir/embed" -j2 "${config_args[@]}"
embed=$(find "$work_dir/embed" -type f -name embed -perm -u+x | head -n1)
"$embed"

echo "== every consumer built and ran"
