#pragma once
// lifo_queue.hpp — LifoQueue<T>: a queue that hands out the most recently
// put item first (gevent.queue.LifoQueue). Same calls as Queue<T>.
// Not thread-safe: use it from its hub's thread only.

#include <grove/queue_errors.hpp>
#include <grove/detail/basic_queue.hpp>
#include <grove/detail/queue_storage.hpp>

#include <cstddef>

namespace grove {

namespace detail {
struct LifoQueueKind {
  static constexpr const char* name = "LifoQueue";
  static constexpr const char* put_what = "LifoQueue::put";
  static constexpr const char* get_what = "LifoQueue::get";
  static constexpr const char* peek_what = "LifoQueue::peek";
  static constexpr bool counts_tasks = false;
};
}  // namespace detail

// LifoQueue<T> hands items out last in, first out; peek() shows the newest.
template <class T>
class LifoQueue : public detail::BasicQueue<T, detail::LifoStorage<T>, detail::LifoQueueKind> {
  using Base = detail::BasicQueue<T, detail::LifoStorage<T>, detail::LifoQueueKind>;

 public:
  // LifoQueue(maxsize) holds at most maxsize items; 0 is unbounded.
  explicit LifoQueue(std::size_t maxsize = 0) : Base(maxsize) {}
};

}  // namespace grove
