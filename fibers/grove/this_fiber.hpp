#pragma once
// this_fiber.hpp — what the running fiber does to itself (like
// std::this_thread): sleep, yield, its identity.

#include <grove/duration.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace grove::this_fiber {

// yield() lets every other ready fiber run once (gevent's sleep(0)).
inline void yield() { detail::scheduler().yield(); }

// sleep_until() blocks the fiber until the hub's clock reaches `when`.
void sleep_until(TimePoint when);

// sleep(d) blocks the fiber for d; sleep(0) is yield(). Throws UsageError
// for a negative or NaN duration.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d) {
  Duration dur = to_duration(d, "this_fiber::sleep");
  if (dur == Duration::zero()) return yield();
  auto& s = detail::scheduler();
  sleep_until(deadline_after(s.now(), dur));
}

// sleep(d, grove::weak) / sleep_until(t, grove::weak) sleep without
// keeping the hub busy (gevent's sleep(d, ref=False)): if nothing else is
// left to do, Hub::run() returns meanwhile, and a main fiber sleeping so
// gets LoopExit, as in gevent. sleep(0, weak) is yield().
inline void sleep_until(TimePoint when, Weak) {
  auto& s = detail::scheduler();
  s.require_fiber_context("this_fiber::sleep");
  if (when <= s.now()) return yield();
  while (s.park_until(when, "sleep (weak)", /*weak=*/true)) {
    // woken early by something that was not the timer: keep sleeping
  }
}
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d, Weak w) {
  Duration dur = to_duration(d, "this_fiber::sleep");
  if (dur == Duration::zero()) return yield();
  sleep_until(deadline_after(detail::scheduler().now(), dur), w);
}

// idle() blocks the fiber until the hub's loop has no other fiber ready
// to run (gevent.idle()): every ready fiber runs first, then due timers
// and pending I/O are handled, and the caller goes on once that leaves
// nothing ready. Timers armed for later do not hold it back.
inline void idle() { detail::scheduler().wait_until_nothing_ready(); }

// self() is a handle to the running fiber (the main fiber included).
[[nodiscard]] Fiber<> self();
[[nodiscard]] std::uint64_t id();
[[nodiscard]] std::string name();

}  // namespace grove::this_fiber
