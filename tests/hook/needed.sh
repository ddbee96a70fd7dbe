#!/usr/bin/env bash
# needed.sh — libgrove_hook.so needs nothing beyond what grove::fibers
# needs already: the C and C++ runtimes (plus the sanitizer runtimes in an
# ASan/UBSan build). It holds no copy of grove, Boost, spdlog, OpenSSL or
# ZeroMQ (docs/hook.md, "Design").
# Usage: needed.sh <path to libgrove_hook.so>
set -euo pipefail
LIB=${1:?usage: needed.sh <libgrove_hook.so>}
allowed='^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|libdl\.so\.2|libpthread\.so\.0|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+)$'
bad=0
while read -r name; do
  if [[ $name =~ $allowed ]]; then
    echo "needed: $name"
  else
    echo "NOT ALLOWED: $name"
    bad=1
  fi
done < <(readelf -d "$LIB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
# And no grove symbol is defined in it but its own entry points.
if nm -D --defined-only "$LIB" | grep -E ' (T|D|B) _ZN5grove' | grep -v '_ZN5grove4hook'; then
  echo "libgrove_hook.so defines grove symbols of other modules"
  bad=1
fi
exit $bad
