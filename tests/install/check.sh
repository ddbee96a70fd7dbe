#!/usr/bin/env bash
# Checks that grove can be consumed the two ways a user would:
#   1. installed:  cmake --install <build-dir>, then find_package(grove)
#   2. embedded:   add_subdirectory(<grove source dir> grove)
# Both consumers build tests/install/consumer/main.cpp and run it.
# Registered with ctest as `install_consumer` by tests/CMakeLists.txt.
set -euo pipefail

cmake_bin=cmake source_dir= build_dir= work_dir= config= cxx= launcher= cxx_flags=
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

echo "== add_subdirectory(grove) consumer"
"$cmake_bin" -S "$here/embed" -B "$work_dir/embed" \
  -DGROVE_SOURCE_DIR="$source_dir" "${common_args[@]}"
"$cmake_bin" --build "$work_dir/embed" -j2 "${config_args[@]}"
embed=$(find "$work_dir/embed" -type f -name embed -perm -u+x | head -n1)
"$embed"

echo "== both consumers built and ran"
