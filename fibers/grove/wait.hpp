#pragma once
// wait.hpp — waiting on many fibers at once: joinall, killall, wait_any and
// iwait (gevent's names). Each takes any range of Fiber<T> handles.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/fiber.hpp>

#include <chrono>
#include <optional>
#include <ranges>
#include <vector>

namespace grove {

namespace detail {
std::vector<Fiber<>> joinall(std::vector<Fiber<>> fibers, TimePoint deadline, bool raise_error);
void killall(std::vector<Fiber<>> fibers, std::exception_ptr e, bool block, TimePoint deadline);
std::optional<std::size_t> wait_any(const std::vector<Fiber<>>& fibers, TimePoint deadline);

template <class R>
std::vector<Fiber<>> to_handles(R&& fibers) {
  std::vector<Fiber<>> out;
  if constexpr (std::ranges::sized_range<R>) out.reserve(std::ranges::size(fibers));
  // NOLINTNEXTLINE(performance-inefficient-vector-operation): reserved above when R is sized
  for (auto&& f : fibers) out.emplace_back(static_cast<const Fiber<>&>(f));
  return out;
}
inline bool killall_within(std::vector<Fiber<>> fibers, std::exception_ptr e, Duration timeout) {
  const TimePoint deadline = deadline_after(scheduler().now(), timeout);
  std::vector<Fiber<>> handles = fibers;
  killall(std::move(fibers), std::move(e), true, deadline);
  for (const auto& f : handles)
    if (!f.dead()) return false;
  return true;
}
}  // namespace detail

// joinall(fibers) waits until every fiber has finished and returns them.
// With a timeout it returns the ones finished by then. With raise_error it
// rethrows the first failure as soon as it is seen (the others keep running).
template <std::ranges::range R>
std::vector<Fiber<>> joinall(R&& fibers, bool raise_error = false) {
  return detail::joinall(detail::to_handles(fibers), TimePoint::max(), raise_error);
}
template <std::ranges::range R>
std::vector<Fiber<>> joinall(R&& fibers, Deadline timeout, bool raise_error = false) {
  return detail::joinall(detail::to_handles(fibers), timeout.time_point("joinall"), raise_error);
}

// killall(fibers) kills every fiber with FiberExit and waits for all of them.
template <std::ranges::range R>
void killall(R&& fibers, bool block = true) {
  detail::killall(detail::to_handles(fibers), std::make_exception_ptr(FiberExit{}), block, TimePoint::max());
}
template <std::ranges::range R, class E>
requires(!std::same_as<E, bool> && !detail::is_duration_v<E>) void killall(R&& fibers, E exception, bool block = true) {
  detail::killall(detail::to_handles(fibers), std::make_exception_ptr(std::move(exception)), block, TimePoint::max());
}
// killall(fibers[, e], timeout) waits at most timeout for them to die and
// returns whether all did (gevent's killall(timeout=t)): fibers that
// swallow FiberExit cannot hold the caller forever.
template <std::ranges::range R, class Rep, class Period>
[[nodiscard]] bool killall(R&& fibers, std::chrono::duration<Rep, Period> timeout) {
  return detail::killall_within(detail::to_handles(fibers), std::make_exception_ptr(FiberExit{}),
                                to_duration(timeout, "killall"));
}
template <std::ranges::range R, class E, class Rep, class Period>
[[nodiscard]] bool killall(R&& fibers, E exception, std::chrono::duration<Rep, Period> timeout) {
  return detail::killall_within(detail::to_handles(fibers), std::make_exception_ptr(std::move(exception)),
                                to_duration(timeout, "killall"));
}

// wait_any(fibers) waits until one of them has finished and returns its
// index; with a timeout it returns nullopt if none finished in time.
template <std::ranges::range R>
std::size_t wait_any(R&& fibers) {
  return *detail::wait_any(detail::to_handles(fibers), TimePoint::max());
}
template <std::ranges::range R>
[[nodiscard]] std::optional<std::size_t> wait_any(R&& fibers, Deadline timeout) {
  return detail::wait_any(detail::to_handles(fibers), timeout.time_point("wait_any"));
}

// iwait(fibers) yields the fibers in the order they finish:
//   for (grove::Fiber<> f : grove::iwait(fibers)) ...
// With a timeout the iteration ends early when the deadline passes.
class Iwait {
 public:
  Iwait(std::vector<Fiber<>> fibers, TimePoint deadline) : pending_(std::move(fibers)), deadline_(deadline) {}
  // next() is the next fiber to finish, or nullopt when all were yielded
  // or the deadline passed.
  std::optional<Fiber<>> next();

  class iterator {
   public:
    using value_type = Fiber<>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Iwait* owner) : owner_(owner) { ++*this; }
    const Fiber<>& operator*() const { return *current_; }
    iterator& operator++() {
      current_ = owner_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.current_; }

   private:
    Iwait* owner_ = nullptr;
    std::optional<Fiber<>> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  std::vector<Fiber<>> pending_;
  TimePoint deadline_;
};

template <std::ranges::range R>
Iwait iwait(R&& fibers) {
  return Iwait(detail::to_handles(fibers), TimePoint::max());
}
template <std::ranges::range R>
Iwait iwait(R&& fibers, Deadline timeout) {
  return Iwait(detail::to_handles(fibers), timeout.time_point("iwait"));
}

}  // namespace grove
