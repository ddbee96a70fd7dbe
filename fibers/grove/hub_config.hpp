#pragma once
// hub_config.hpp — the options a hub is created with.

#include <grove/scheduling_policy.hpp>
#include <grove/detail/sanitizer.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace grove {

// UnhandledPolicy says what the hub does with an exception that escapes a
// fiber nobody joins or links: log it once through spdlog (the default),
// ignore it, or abort the process.
enum class UnhandledPolicy { log, ignore, abort };

// UnhandledHandler is told, in the dying fiber's context, of every
// exception the hub reports as unhandled (before the UnhandledPolicy
// applies); it must not block or throw. grove::testing fails tests with it.
using UnhandledHandler = std::function<void(const std::string& fiber_name, std::exception_ptr error)>;

// Sanitizers' frames are larger: ASan and TSan builds (GCC's and clang's,
// detail/sanitizer.hpp) get 256 KiB stacks.
#if defined(GROVE_ASAN) || defined(GROVE_TSAN_FIBERS)
inline constexpr std::size_t default_stack_size = 256 * 1024;
#else
inline constexpr std::size_t default_stack_size = 64 * 1024;
#endif

struct HubConfig {
  // stack_size is each fiber's usable stack in bytes (rounded up to whole
  // pages). Only touched pages cost memory: a blocked fiber with a shallow
  // stack costs about one page.
  std::size_t stack_size = default_stack_size;
  // guard_pages puts a PROT_NONE page under every stack, so an overflow
  // faults instead of corrupting memory (while vm.max_map_count allows).
  bool guard_pages = true;
  UnhandledPolicy unhandled = UnhandledPolicy::log;
  // poll_interval is how many fiber switches may pass, while fibers keep
  // each other busy, before the hub polls I/O and timers again.
  unsigned poll_interval = 128;
  // policy replaces the hub's clock and its choice of the next ready fiber
  // (scheduling_policy.hpp); null: the steady clock and first in, first out.
  std::shared_ptr<SchedulingPolicy> policy{};
  UnhandledHandler on_unhandled{};
  // spin is how long the hub, with nothing ready, polls its inbox (and,
  // now and then, its I/O) before it sleeps in the io_context: a message
  // from another thread that comes meanwhile is taken without a kernel
  // wake-up (docs/design/runtime.md, "Spinning before sleep"). Zero (the
  // default) sleeps at once; negative is a UsageError. A hub with a
  // SchedulingPolicy (virtual time) never spins. Runtime::Config::spin
  // sets it for every hub of a Runtime.
  std::chrono::steady_clock::duration spin{0};
  // fiber_timing makes the hub read the steady clock at every scheduling
  // decision, to measure each fiber's run time and longest run (grove::debug
  // snapshots, docs/observability.md). Off by default: the clock read costs
  // about as much as a switch (docs/benchmarks.md, "Observability").
  bool fiber_timing = false;
};

}  // namespace grove
