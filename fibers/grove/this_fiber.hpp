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

// self() is a handle to the running fiber (the main fiber included).
Fiber<> self();
std::uint64_t id();
std::string name();

}  // namespace grove::this_fiber
