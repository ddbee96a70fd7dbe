#pragma once
// bench_report.hpp — the JSON line every grove benchmark prints
// (../shared/bench/WORKLOADS.md), plus the clock and /proc readings it needs.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace grove::bench {

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// status_kb("VmRSS") reads one "Key:   123 kB" line of /proc/self/status.
inline long status_kb(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  const std::size_t len = std::strlen(key);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, key, len) == 0 && line[len] == ':') {
      value = std::strtol(line + len + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return value;
}

// report() prints the workload's one JSON line; extra starts with a comma.
inline void report(const std::string& config, const char* workload, std::uint64_t n, double elapsed_ns,
                   const std::string& extra = "") {
  const double ns_per_op = n ? elapsed_ns / static_cast<double>(n) : 0.0;
  const double ops_per_s = elapsed_ns > 0 ? static_cast<double>(n) * 1e9 / elapsed_ns : 0.0;
  std::printf(
      "{\"peer\":\"grove\",\"config\":\"%s\",\"workload\":\"%s\",\"n\":%llu,\"elapsed_ms\":%.3f,"
      "\"ns_per_op\":%.2f,\"ops_per_s\":%.1f,\"rss_kb\":%ld,\"hwm_kb\":%ld%s}\n",
      config.c_str(), workload, static_cast<unsigned long long>(n), elapsed_ns / 1e6, ns_per_op, ops_per_s,
      status_kb("VmRSS"), status_kb("VmHWM"), extra.c_str());
  std::fflush(stdout);
}

}  // namespace grove::bench
