#pragma once
// top_view.hpp — what grove-top shows: a "grove.fibers/1" document
// (docs/observability.md) turned into rows of hubs, actors and fibers,
// sorted, and laid out as lines of a terminal screen. Pure: no I/O, so the
// layout does not depend on a terminal.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace grove::top {

// SortKey is what fibers and actors are ordered by, largest first.
enum class SortKey { run_time, wakes, mailbox, wait_age };
const char* to_string(SortKey key) noexcept;

struct HubRow {
  std::uint64_t hub = 0;
  std::string thread;
  bool responsive = true;
  std::uint64_t loop_turns = 0;
  double busy_ms = 0, idle_ms = 0;
  std::uint64_t ready = 0, timers = 0, fibers = 0, spawned = 0;
  // Rates since the previous document (0 for the first one).
  double turns_per_s = 0, busy_percent = 0;
};

struct FiberRow {
  std::uint64_t id = 0, hub = 0;
  std::string name, state, waits_on, site;
  double wait_ms = 0, run_ms = 0;
  std::uint64_t wakes = 0, switches = 0;
  bool actor = false;
  std::string actor_name;
  std::uint64_t mailbox = 0, restarts = 0, remote = 0;
};

// Snapshot is one document, parsed.
struct Snapshot {
  std::int64_t pid = 0;
  std::int64_t time_ms = 0;
  std::vector<HubRow> hubs;
  std::vector<FiberRow> fibers;  // every fiber, actors included
};

// parse(doc, previous) reads a document; previous (may be empty) gives the
// per-hub rates. Throws nlohmann::json::exception on a document that is
// not "grove.fibers/1".
Snapshot parse(const nlohmann::json& doc, const Snapshot* previous);

// sort_rows(rows, key) orders rows by key, largest first (ties: by id).
void sort_rows(std::vector<FiberRow>& rows, SortKey key);

// render(s, key, source, width, height) is the screen: a header line, the
// hubs, the actors, then as many fibers as fit in height lines, each line
// cut to width columns.
std::vector<std::string> render(const Snapshot& s, SortKey key, const std::string& source, std::size_t width,
                                std::size_t height);

}  // namespace grove::top
