#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages grove needs to build, test and bench.
# clang-format and clang-tidy serve scripts/check-style.sh; clang-tidy-16
# because Debian 12's clang-tidy 14 cannot parse libstdc++ 12's <ranges>.
# python3 runs scripts/extract_examples.py and run_example.py, which compile
# and run the docs' examples as tests (tests/docs). redis-server and
# postgresql are the throw-away servers tests start (tests/fixtures);
# nats-server is the NATS server the grove::cluster tests start, libnats-dev
# (nats.c) the client grove::cluster uses. prometheus-cpp-dev is the registry
# and text serializer of grove::observe_metrics; prometheus ships promtool,
# which checks its output (tests/observe); tmux runs grove-top in the test
# that reads its screen (tests/chat/grove_top_test.sh). hiredis, libpq and libcurl the
# blocking client libraries tests use
# against them. curl is the HTTP client of the grove::web tests (tests/web).
# clang-14 and libclang-rt-14-dev (libFuzzer) build the fuzz targets
# (scripts/fuzz.sh). python3-matplotlib draws bench/soak.sh's curves
# (bench/soak_plot.py). Only calls apt-get when something is missing.
set -euo pipefail

GROVE_DEB_PACKAGES="build-essential cmake make ccache g++ pkg-config \
libboost-dev libboost-context-dev libspdlog-dev nlohmann-json3-dev \
libgtest-dev libgmock-dev libbenchmark-dev libssl-dev openssl \
libzmq3-dev cppzmq-dev \
redis-server libhiredis-dev postgresql libpq-dev libcurl4-openssl-dev \
nats-server libnats-dev prometheus-cpp-dev prometheus tmux \
chromium chromium-driver nodejs npm wrk netcat-openbsd valgrind curl \
clang-format clang-tidy clang-tidy-16 clang-14 libclang-rt-14-dev python3 python3-matplotlib"

# A package counts as present when dpkg has it or, for the ones another
# distribution channel may ship (NodeSource's nodejs bundles npm), when its
# command is on PATH: asking apt for Debian's npm beside that nodejs would
# try to replace it.
present() {
  dpkg -s "$1" >/dev/null 2>&1 && return 0
  case $1 in
    nodejs) command -v node >/dev/null 2>&1 ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    python3) command -v python3 >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

missing=()
for package in $GROVE_DEB_PACKAGES; do
  if ! present "$package"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
