#pragma once
// wait.hpp — waiting on many fibers at once: joinall, killall and wait_any
// (gevent's names). Each takes any range of Fiber<T> handles; wait and iwait
// over any waitables are in iwait.hpp (included).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/fiber.hpp>
#include <grove/iwait.hpp>

#include <chrono>
#include <concepts>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <vector>

namespace grove {

namespace detail {
std::vector<Fiber<>> joinall(std::vector<Fiber<>> fibers, TimePoint deadline, bool raise_error,
                             std::size_t count = wait_all);
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
inline bool killall_within(std::vector<Fiber<>> fibers, std::exception_ptr e, Deadline timeout) {
  const TimePoint deadline = timeout.time_point("killall");
  std::vector<Fiber<>> handles = fibers;
  killall(std::move(fibers), std::move(e), true, deadline);
  for (const auto& f : handles)
    if (!f.dead()) return false;
  return true;
}
}  // namespace detail

// joinall(fibers) waits until every fiber has finished and returns them
// (gevent.joinall). With a timeout it returns the ones finished by then.
// With a count it returns once that many have finished, in the order they
// finished. With raise_error it rethrows the first failure as soon as it is
// seen (the others keep running). raise_error must be a bool, so that
// joinall(fibers, 1s, 2) means a count. A negative or NaN timeout is a
// UsageError naming joinall. The fibers may be any range of Fiber<T>, a
// braced list of fibers of mixed types (joinall({a, b})), or the fibers
// themselves (joinall(a, b, c)).
template <std::ranges::range R>
std::vector<Fiber<>> joinall(R&& fibers) {
  return detail::joinall(detail::to_handles(fibers), TimePoint::max(), false);
}
template <std::ranges::range R, std::same_as<bool> B>
std::vector<Fiber<>> joinall(R&& fibers, B raise_error) {
  return detail::joinall(detail::to_handles(fibers), TimePoint::max(), raise_error);
}
template <std::ranges::range R>
std::vector<Fiber<>> joinall(R&& fibers, Deadline timeout, std::size_t count = wait_all) {
  return detail::joinall(detail::to_handles(fibers), timeout.time_point("joinall"), false, count);
}
template <std::ranges::range R, std::same_as<bool> B>
std::vector<Fiber<>> joinall(R&& fibers, Deadline timeout, B raise_error, std::size_t count = wait_all) {
  return detail::joinall(detail::to_handles(fibers), timeout.time_point("joinall"), raise_error, count);
}
inline std::vector<Fiber<>> joinall(std::initializer_list<Fiber<>> fibers, Deadline timeout = Deadline::never(),
                                    std::size_t count = wait_all) {
  return detail::joinall(std::vector<Fiber<>>(fibers), timeout.time_point("joinall"), false, count);
}
template <class... T>
requires(sizeof...(T) >= 1) std::vector<Fiber<>> joinall(const Fiber<T>&... fibers) {
  return detail::joinall(std::vector<Fiber<>>{Fiber<>(fibers)...}, TimePoint::max(), false);
}

// killall(fibers) kills every fiber with FiberExit and waits for all of them.
template <std::ranges::range R>
void killall(R&& fibers, bool block = true) {
  detail::killall(detail::to_handles(fibers), std::make_exception_ptr(FiberExit{}), block, TimePoint::max());
}
template <std::ranges::range R, class E>
requires(!std::same_as<E, bool> && !detail::is_deadline_v<E>) void killall(R&& fibers, E exception, bool block = true) {
  detail::killall(detail::to_handles(fibers), std::make_exception_ptr(std::move(exception)), block, TimePoint::max());
}
// killall(fibers[, e], timeout) waits at most timeout for them to die and
// returns whether all did (gevent's killall(timeout=t)): fibers that
// swallow FiberExit cannot hold the caller forever.
template <std::ranges::range R>
[[nodiscard]] bool killall(R&& fibers, Deadline timeout) {
  return detail::killall_within(detail::to_handles(fibers), std::make_exception_ptr(FiberExit{}), timeout);
}
template <std::ranges::range R, class E>
[[nodiscard]] bool killall(R&& fibers, E exception, Deadline timeout) {
  return detail::killall_within(detail::to_handles(fibers), std::make_exception_ptr(std::move(exception)), timeout);
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

// iwait(objects, timeout, count) and wait(objects, timeout, count) over
// fibers and any other waitables are in iwait.hpp.

}  // namespace grove
