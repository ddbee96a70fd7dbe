#pragma once
// queue.hpp — Queue<T>: a FIFO queue that fibers put to and get from,
// blocking while it is full or empty (gevent.queue.Queue).
//
//   grove::Queue<std::string> tasks(3);   // at most 3 items; 0 = unbounded
//   tasks.put("job");                     // blocks while full
//   std::string job = tasks.get(1s);      // QueueEmpty if none within 1 s
//   tasks.close();                        // getters drain, then QueueShutDown
//   for (auto&& job : tasks) ...          // gets until closed and drained
//
// Items live in a ring buffer that grows by doubling and never shrinks, so
// a queue in steady state allocates nothing per put or get.
// Not thread-safe: use a queue from its hub's thread only.

#include <grove/queue_errors.hpp>
#include <grove/detail/basic_queue.hpp>
#include <grove/detail/queue_storage.hpp>

#include <cstddef>

namespace grove {

namespace detail {
struct QueueKind {
  static constexpr const char* name = "Queue";
  static constexpr const char* put_what = "Queue::put";
  static constexpr const char* get_what = "Queue::get";
  static constexpr const char* peek_what = "Queue::peek";
  static constexpr bool counts_tasks = false;
};
}  // namespace detail

// Queue<T> hands items out first in, first out. Every call is described on
// detail::BasicQueue: put/try_put/put_nowait, get/try_get/get_nowait,
// peek/peek_nowait, size/empty/full/maxsize, close/closed, range-for.
template <class T>
class Queue : public detail::BasicQueue<T, detail::FifoStorage<T>, detail::QueueKind> {
  using Base = detail::BasicQueue<T, detail::FifoStorage<T>, detail::QueueKind>;

 public:
  // Queue(maxsize) holds at most maxsize items; 0 (the default) is unbounded.
  explicit Queue(std::size_t maxsize = 0) : Base(maxsize) {}
};

}  // namespace grove
