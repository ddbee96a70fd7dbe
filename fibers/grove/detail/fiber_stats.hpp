#pragma once
// detail/fiber_stats.hpp — what a hub records about each fiber as it runs,
// for grove::debug snapshots (fibers/grove/introspect.hpp) and the fiber
// dump (docs/observability.md). Cheap by contract: the switch path adds one
// increment; the clock is read on the switch path only when
// HubConfig::fiber_timing is on.

#include <grove/duration.hpp>
#include <grove/source_site.hpp>

#include <cstdint>

namespace grove::detail {

struct FiberStats {
  // spawn_site is where spawn(fn) / create(fn) / spawn_raw(fn) was called
  // (file "" and line 0 when unknown: the forms that bind arguments, and
  // the main and hub fibers).
  SourceSite spawn_site{};
  std::uint64_t switches_in = 0;  // times the fiber was switched to
  std::uint64_t wakes = 0;        // times a parked fiber was made ready
  // run_ns / longest_run_ns: time spent running, in total and in the
  // longest single run (HubConfig::fiber_timing only; 0 otherwise).
  std::int64_t run_ns = 0;
  std::int64_t longest_run_ns = 0;
  // since is when the fiber last parked (hub clock). Without fiber_timing
  // it is the start of the hub's loop turn it parked in.
  TimePoint since{};
  // deadline is when a timed wait (park_until) gives up; max(): none.
  TimePoint deadline = TimePoint::max();
};

}  // namespace grove::detail
