#pragma once
// deadline.hpp — grove::Deadline, the one parameter type of the calls that
// take a timeout:
//
//   auto sock = grove::TcpSocket::connect(peer, 2s);             // a duration: 2 s from the call's start
//   grove::wait_readable(fd, grove::hub().now() + 50ms);          // a time point on the hub's clock
//   timer.async_wait(grove::yield.cancel_by(timer).until(1s));    // a grove::yield operation
//   grove::TcpSocket::connect(peer, grove::Deadline::never());    // no deadline (the default)
//
// Contract. A Deadline is built implicitly from any std::chrono duration or
// from a TimePoint of the hub's clock, so existing calls that pass `2s`
// keep compiling. A duration counts from the moment the call resolves the
// deadline (when it starts); a time point is absolute. A duration too large
// to represent (or +infinity, or TimePoint::max()) means "never". A negative
// or NaN duration is not an error when the Deadline is built but when a call
// resolves it: that call throws UsageError naming itself (so the message
// says which call got the bad timeout). Cheap to copy; no allocation.

#include <grove/duration.hpp>
#include <grove/detail/scheduler.hpp>

#include <chrono>
#include <cmath>
#include <type_traits>

namespace grove {

class Deadline {
 public:
  // Deadline() and Deadline::never(): no deadline.
  constexpr Deadline() noexcept = default;
  static constexpr Deadline never() noexcept { return Deadline(); }

  // Deadline(d): d from the start of the call that takes it.
  template <class Rep, class Period>
  Deadline(std::chrono::duration<Rep, Period> d) noexcept {  // NOLINT: implicit on purpose
    if constexpr (std::is_floating_point_v<Rep>) {
      if (std::isnan(d.count())) {
        kind_ = Kind::nan;
        return;
      }
      if (std::isinf(d.count()) && d.count() > 0) return;  // never
    }
    if (d < std::chrono::duration<Rep, Period>::zero()) {
      kind_ = Kind::negative;
      return;
    }
    using Wide = std::chrono::duration<long double, std::nano>;
    if (std::chrono::duration_cast<Wide>(d) >= std::chrono::duration_cast<Wide>(Duration::max() / 2)) return;  // never
    kind_ = Kind::after;
    after_ = std::chrono::ceil<Duration>(d);
  }

  // Deadline(t): at t on the hub's clock (TimePoint::max(): never).
  template <class D>
  Deadline(std::chrono::time_point<Clock, D> t) noexcept {      // NOLINT: implicit on purpose
    if (t == std::chrono::time_point<Clock, D>::max()) return;  // never
    const TimePoint at = std::chrono::ceil<Duration>(t);
    if (at != TimePoint::max()) {
      kind_ = Kind::at;
      at_ = at;
    }
  }

  // on_clock(t) is a Deadline at t measured on t's own clock (for the
  // std::timed_mutex-style try_lock_until): a TimePoint of the hub's clock
  // is used as is; on another clock, the time left until t (none if t has
  // passed) counts from now.
  template <class C, class D>
  static Deadline on_clock(const std::chrono::time_point<C, D>& t) {
    if constexpr (std::is_same_v<C, Clock>) {
      return Deadline(t);
    } else {
      const auto left = t - C::now();
      return Deadline(left < decltype(left)::zero() ? decltype(left)::zero() : left);
    }
  }

  // is_never() is true for no deadline (a huge duration included).
  constexpr bool is_never() const noexcept { return kind_ == Kind::never; }

  // resolve(now, call) is the deadline's time point for a call that starts
  // at now (TimePoint::max() for never). A negative or NaN duration throws
  // UsageError naming `call`.
  TimePoint resolve(TimePoint now, const char* call) const {
    switch (kind_) {
      case Kind::never:
        return TimePoint::max();
      case Kind::at:
        return at_;
      case Kind::after:
        return deadline_after(now, after_);
      case Kind::negative:
        detail::throw_bad_duration(call, "is negative");
      case Kind::nan:
        detail::throw_bad_duration(call, "is NaN");
    }
    return TimePoint::max();
  }
  // check(call) throws the UsageError resolve() would for a negative or
  // NaN duration, without reading a clock (for calls that never wait).
  void check(const char* call) const {
    if (kind_ == Kind::negative) detail::throw_bad_duration(call, "is negative");
    if (kind_ == Kind::nan) detail::throw_bad_duration(call, "is NaN");
  }
  // time_point(call) is resolve() at the hub's now(); call from a fiber's thread.
  TimePoint time_point(const char* call = "grove::Deadline") const {
    if (kind_ == Kind::never) return TimePoint::max();
    if (kind_ == Kind::at) return at_;
    return resolve(detail::scheduler().now(), call);
  }

 private:
  enum class Kind : unsigned char { never, after, at, negative, nan };
  Kind kind_ = Kind::never;
  Duration after_{};
  TimePoint at_{};
};

namespace detail {

// is_deadline_v<T> is true for the types a timeout parameter takes (a
// duration, a TimePoint of the hub's clock, a Deadline): overloads that
// take an exception E next to a bool use it to leave timeouts to their
// Deadline overload.
template <class T>
inline constexpr bool is_deadline_v = std::is_convertible_v<T, Deadline>;

}  // namespace detail

}  // namespace grove
