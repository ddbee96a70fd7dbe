#pragma once
// timeout.hpp — Timeout, an RAII scope that raises an exception in the fiber
// that made it, at its suspension point, when its time is up:
//
//   try {
//     grove::Timeout t(2s);      // starts now, cancelled when t goes out of scope
//     slow_call();
//   } catch (const grove::Timeout& e) {
//     if (e == t) ...            // (t is out of scope here: use t.expired() inside)
//   }
//
// The exception thrown is a copy of the Timeout (or the custom exception
// given to the constructor). Copies do not own the timer; they carry the
// identity of the scope that fired, so nested timeouts can tell which one
// expired: `catch (const grove::Timeout& e) { if (e == inner) ... }`.
//
// Why a duration here and a Deadline everywhere else: a Timeout is
// re-armable (start() arms it again for its duration from now, as gevent's
// Timeout(seconds)), and this_fiber::sleep(d) is gevent's sleep(seconds)
// (sleep_until(t) takes a time point), while every wait and the one-shot
// with_timeout / within / with_timeout_or take a grove::Deadline (a duration
// or a time point). A negative or NaN duration is a UsageError in all of them.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/detail/timer_heap.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace grove {

namespace detail {
class FiberBase;
}

// Timeout is an Interrupt (not a std::exception: a broad
// `catch (const std::exception&)` does not swallow it) and a TimeoutError.
class Timeout : public Interrupt, public TimeoutError {
 public:
  struct Deferred {};
  // Timeout(d) arms at once; Timeout(d, deferred) waits for start().
  template <class Rep, class Period>
  explicit Timeout(std::chrono::duration<Rep, Period> d) : Timeout(to_duration(d, "Timeout"), nullptr, true) {}
  template <class Rep, class Period>
  Timeout(std::chrono::duration<Rep, Period> d, Deferred) : Timeout(to_duration(d, "Timeout"), nullptr, false) {}
  // Timeout(d, grove::weak) arms a timer that does not keep the hub busy
  // (gevent's Timeout(d, ref=False)): while nothing else is left to do the
  // hub is idle (Hub::run() returns; a main fiber blocked for good gets
  // LoopExit instead of this Timeout).
  template <class Rep, class Period>
  Timeout(std::chrono::duration<Rep, Period> d, Weak) : Timeout(to_duration(d, "Timeout"), nullptr, false) {
    node_.weak = true;
    start();
  }
  // Timeout(d, "message") raises a Timeout whose what() is the message.
  template <class Rep, class Period>
  Timeout(std::chrono::duration<Rep, Period> d, std::string message)
      : Timeout(to_duration(d, "Timeout"), nullptr, true) {
    what_ = std::move(message);
  }
  template <class Rep, class Period>
  Timeout(std::chrono::duration<Rep, Period> d, const char* message) : Timeout(d, std::string(message)) {}
  // Timeout(d, false) is a usage error in C++ (a scope object cannot swallow
  // the exception that unwinds through it): use grove::within(d, fn) for
  // gevent's silent `Timeout(d, False)`.
  template <class Rep, class Period, class B>
  requires std::is_same_v<B, bool> Timeout(std::chrono::duration<Rep, Period>, B)
      : Timeout(Duration::zero(), nullptr, false) {
    static_assert(!std::is_same_v<B, bool>,
                  "grove::Timeout(d, false): a C++ scope object cannot swallow the exception that unwinds "
                  "through it; use grove::within(d, fn), which returns false when the time ran out");
  }
  // Timeout(d, error) raises `error` instead of the Timeout when it fires.
  template <class Rep, class Period, class E>
  requires(!std::is_same_v<std::decay_t<E>, Deferred> && !std::is_same_v<std::decay_t<E>, Weak> &&
           !std::is_same_v<std::decay_t<E>, std::exception_ptr> && !std::is_same_v<std::decay_t<E>, bool> &&
           !std::is_convertible_v<E, std::string>) Timeout(std::chrono::duration<Rep, Period> d, E error)
      : Timeout(to_duration(d, "Timeout"), std::make_exception_ptr(std::move(error)), true) {}

  // A copy is a non-owning exception object (what is thrown); it cannot be
  // started or cancelled.
  Timeout(const Timeout& other) noexcept;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() override;

  // start() arms the timer (again) for its duration from now.
  void start();
  // cancel() disarms it; a cancelled timeout never fires.
  void cancel() noexcept;
  // pending() is true while armed; expired() once it has fired.
  [[nodiscard]] bool pending() const noexcept { return node_.armed(); }
  [[nodiscard]] bool expired() const noexcept { return fired_; }
  // weak() tells whether its timer leaves the hub idle (Timeout(d, weak)).
  [[nodiscard]] bool weak() const noexcept { return node_.weak; }
  [[nodiscard]] Duration duration() const noexcept { return duration_; }
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  const char* what() const noexcept override { return what_.c_str(); }

  // Two Timeouts are equal when they are the same scope or copies of it.
  friend bool operator==(const Timeout& a, const Timeout& b) noexcept { return a.id_ == b.id_; }

  // detached() makes a non-owning Timeout exception for blocking calls
  // with a timeout argument (get(timeout), ...).
  [[nodiscard]] static Timeout detached(Duration d);

 private:
  Timeout(Duration d, std::exception_ptr custom, bool start_now);
  static void on_fire(detail::TimerNode& n) noexcept;

  struct FireNode : detail::TimerNode {
    explicit FireNode(Timeout* t) noexcept : TimerNode(&Timeout::on_fire), scope(t) {}
    Timeout* scope;
  };
  FireNode node_{this};
  Duration duration_;
  std::exception_ptr custom_;
  std::exception_ptr raised_;  // what on_fire queued for the owner, until the scope ends
  detail::FiberBase* owner_ = nullptr;
  std::uint64_t id_;
  bool owning_;
  bool fired_ = false;
  std::string what_;
};

inline constexpr Timeout::Deferred deferred{};

namespace detail {

// one_shot_span(d, call) is how long a one-shot Timeout for the Deadline d
// lasts from now: Duration::max() (never fires) for no deadline, zero for a
// time point already passed. A negative or NaN duration throws UsageError
// naming `call`.
inline Duration one_shot_span(const Deadline& d, const char* call) {
  d.check(call);
  if (d.is_never()) return Duration::max();
  const TimePoint now = scheduler().now();
  const TimePoint at = d.resolve(now, call);
  if (at == TimePoint::max()) return Duration::max();
  return at > now ? at - now : Duration::zero();
}

}  // namespace detail

// with_timeout(d, fn, args...) runs fn(args...) under a Timeout of d (a
// duration from now or a TimePoint of the hub's clock) and returns its
// result; the Timeout propagates if it fires. A negative or NaN duration
// throws UsageError before fn runs.
template <class F, class... A>
auto with_timeout(Deadline d, F&& fn, A&&... args) {
  Timeout t(detail::one_shot_span(d, "with_timeout"));
  return std::forward<F>(fn)(std::forward<A>(args)...);
}

// within(d, fn, args...) runs fn(args...) under a Timeout of d and returns
// true if it finished, false if this call's own Timeout fired — quietly, as
// gevent's `with Timeout(d, False):` block ends. fn's result is discarded
// (use with_timeout_or for a value). Other timeouts and kills propagate.
template <class F, class... A>
bool within(Deadline d, F&& fn, A&&... args) {
  Timeout t(detail::one_shot_span(d, "within"));
  try {
    (void)std::forward<F>(fn)(std::forward<A>(args)...);
    return true;
  } catch (const Timeout& e) {
    if (e == t) return false;
    throw;
  }
}

// with_timeout_or(d, fallback, fn, args...) returns fallback instead of
// throwing when this call's own Timeout fires (gevent's timeout_value).
template <class V, class F, class... A>
[[nodiscard]] auto with_timeout_or(Deadline d, V fallback, F&& fn, A&&... args)
    -> std::common_type_t<std::invoke_result_t<F, A...>, V> {
  Timeout t(detail::one_shot_span(d, "with_timeout_or"));
  try {
    return std::forward<F>(fn)(std::forward<A>(args)...);
  } catch (const Timeout& e) {
    if (e == t) return fallback;
    throw;
  }
}

}  // namespace grove
