#!/usr/bin/env bash
# Installs what is missing, builds the fiber demo in Release and runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
cmake --build build/release --target grove-demo -j2
exec build/release/samples/grove-demo "$@"
