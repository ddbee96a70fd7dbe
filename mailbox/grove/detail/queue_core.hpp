#pragma once
// detail/queue_core.hpp — what every queue of the family shares besides the
// wait loop (detail::WaitQueue and detail::PassOn, from fibers/): the error
// messages and the range-for iterator.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/queue_errors.hpp>
#include <grove/detail/wait_queue.hpp>

#include <chrono>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

namespace grove::detail {

// forever marks a blocking call without a timeout.
inline constexpr TimePoint forever = TimePoint::max();

// The messages of the family's exceptions: "grove::<type>::<call>: why".
// Out of line and cold, so the put/get fast paths stay small.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_full(const char* type, const char* call) {
  throw QueueFull(std::string("grove::") + type + "::" + call +
                  ": the queue is full (maxsize reached); the item was not added");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_full_timeout(const char* type, const char* call) {
  throw QueueFull(std::string("grove::") + type + "::" + call +
                  ": no room (or no taker) appeared within the timeout; the item was not added");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_empty(const char* type, const char* call) {
  throw QueueEmpty(std::string("grove::") + type + "::" + call + ": the queue is empty");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_empty_timeout(const char* type, const char* call) {
  throw QueueEmpty(std::string("grove::") + type + "::" + call + ": no item arrived within the timeout");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_closed_put(const char* type, const char* call) {
  throw QueueShutDown(std::string("grove::") + type + "::" + call +
                      ": the queue is closed; no more items can be put (the item was not added)");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_closed_get(const char* type, const char* call) {
  throw QueueShutDown(std::string("grove::") + type + "::" + call +
                      ": the queue is closed and drained; no more items will come");
}

// WaitStatus is how a wait for an item (or for room) ended.
enum class WaitStatus { ready, timed_out, closed };

// GetIterator walks a queue for range-for: each step is a blocking get,
// and the walk ends once the queue is closed and drained. It is lazy: ++
// only marks the item used, and the next get happens when the iterator is
// next compared or dereferenced, so `views::take(n)` or a `break` never
// consumes (or waits for) one item too many. Q provides
// std::optional<value_type> next_item() (nullopt at the end).
template <class Q, class T>
class GetIterator {
 public:
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  GetIterator() = default;
  explicit GetIterator(Q* queue) : queue_(queue) {}
  GetIterator(GetIterator&&) = default;
  GetIterator& operator=(GetIterator&&) = default;

  T& operator*() const { return *fetch(); }
  T* operator->() const { return &*fetch(); }
  GetIterator& operator++() {
    fetch();  // an item skipped without being looked at is still consumed
    stale_ = true;
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const GetIterator& it, std::default_sentinel_t) { return !it.fetch(); }

 private:
  std::optional<T>& fetch() const {
    if (stale_) {
      item_ = queue_->next_item();
      stale_ = false;
    }
    return item_;
  }

  Q* queue_ = nullptr;
  mutable std::optional<T> item_;
  mutable bool stale_ = true;
};

}  // namespace grove::detail
