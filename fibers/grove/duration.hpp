#pragma once
// duration.hpp — how every grove call that takes a time validates it.
// Durations are std::chrono durations; a negative or NaN one is a UsageError,
// one too large to represent means "never".

#include <grove/errors.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <type_traits>

namespace grove {

using Clock = std::chrono::steady_clock;
using Duration = Clock::duration;
using TimePoint = Clock::time_point;

namespace detail {

[[noreturn]] void throw_bad_duration(const char* where, const char* why);

}  // namespace detail

// to_duration() converts d to the hub's clock resolution; it throws
// UsageError for a negative or NaN duration and saturates huge ones to
// Duration::max() (which means "no deadline").
template <class Rep, class Period>
Duration to_duration(std::chrono::duration<Rep, Period> d, const char* where) {
  if constexpr (std::is_floating_point_v<Rep>) {
    if (std::isnan(d.count())) detail::throw_bad_duration(where, "is NaN");
    if (std::isinf(d.count()) && d.count() > 0) return Duration::max();
  }
  if (d < std::chrono::duration<Rep, Period>::zero()) detail::throw_bad_duration(where, "is negative");
  using Wide = std::chrono::duration<long double, std::nano>;
  if (std::chrono::duration_cast<Wide>(d) >= std::chrono::duration_cast<Wide>(Duration::max() / 2))
    return Duration::max();
  return std::chrono::ceil<Duration>(d);
}

// Weak marks a sleep or a Timeout whose timer does not keep the hub busy
// (gevent's ref=False): this_fiber::sleep(d, grove::weak),
// Timeout(d, grove::weak). While only weak timers are armed, Hub::run()
// returns and a main fiber blocked for good gets LoopExit, as if they were
// not there; they fire normally while anything else keeps the hub running.
struct Weak {
  explicit Weak() = default;
};
inline constexpr Weak weak{};

// deadline_after() is now + d, or TimePoint::max() when d means "never".
inline TimePoint deadline_after(TimePoint now, Duration d) {
  if (d == Duration::max() || now > TimePoint::max() - d) return TimePoint::max();
  return now + d;
}

}  // namespace grove
