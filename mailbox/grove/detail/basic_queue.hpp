#pragma once
// detail/basic_queue.hpp — BasicQueue<T, Storage, Kind>: the one
// implementation behind Queue, LifoQueue, PriorityQueue and JoinableQueue.
// Storage (detail/queue_storage.hpp) decides which item comes out next;
// Kind names the type in messages and says whether puts are counted as
// tasks (JoinableQueue). Getters and putters are predicates on the hub's one
// wait primitive (detail::WaitQueue); a put wakes one getter, a get wakes one
// putter, and a woken fiber re-checks (nothing is handed over, so a
// timed-out or killed waiter never takes an item with it). A fiber that
// leaves a wait while items (or room) remain passes the wake on
// (detail::PassOn), so a wake given to a fiber that did not use it — killed,
// timed out, or only peeking — is never lost.
//
// Not thread-safe: a queue belongs to one hub and is used from that hub's
// thread only (the actor Mailbox is the cross-thread queue).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/queue_errors.hpp>
#include <grove/detail/queue_core.hpp>
#include <grove/detail/wait_queue.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

namespace grove::detail {

// TaskCount counts the items put and not yet marked task_done() (only
// JoinableQueue enables it; otherwise it is empty and costs nothing).
template <bool Enabled>
struct TaskCount {
  void on_put() noexcept {}
};
template <>
struct TaskCount<true> {
  void on_put() noexcept { ++unfinished; }
  std::size_t unfinished = 0;
  WaitQueue joiners;
};

template <class T, class Storage, class Kind>
class BasicQueue {
 public:
  using value_type = T;
  using iterator = GetIterator<BasicQueue, T>;

  // BasicQueue(maxsize, storage args...) holds at most maxsize items; 0
  // means unbounded.
  template <class... A>
  explicit BasicQueue(std::size_t maxsize, A&&... storage_args)
      : storage_(std::forward<A>(storage_args)...), maxsize_(maxsize) {}
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  // size() is the number of items held; full() is true when a put would block.
  std::size_t size() const noexcept { return storage_.size(); }
  bool empty() const noexcept { return storage_.size() == 0; }
  bool full() const noexcept { return maxsize_ != 0 && storage_.size() >= maxsize_; }
  std::size_t maxsize() const noexcept { return maxsize_; }
  bool closed() const noexcept { return closed_; }

  // put(item) adds the item, blocking while the queue is full. It throws
  // QueueShutDown if the queue is or becomes closed.
  void put(const T& item) requires std::copy_constructible<T> { put_for(item, forever, "put"); }
  void put(T&& item) { put_for(std::move(item), forever, "put"); }
  // put(item, timeout) throws QueueFull if no room appeared in time; the
  // item is then left untouched (not moved from).
  void put(const T& item, Deadline timeout) requires std::copy_constructible<T> {
    put_for(item, timeout.time_point(Kind::put_what), "put");
  }
  void put(T&& item, Deadline timeout) { put_for(std::move(item), timeout.time_point(Kind::put_what), "put"); }
  // try_put(item) adds the item if there is room and returns whether it
  // did; on false the item is left untouched. It throws QueueShutDown on a
  // closed queue (the item would otherwise vanish unnoticed).
  [[nodiscard]] bool try_put(const T& item) requires std::copy_constructible<T> { return try_push(item); }
  [[nodiscard]] bool try_put(T&& item) { return try_push(std::move(item)); }
  // put_nowait(item) adds the item or throws QueueFull (gevent's put_nowait).
  void put_nowait(const T& item) requires std::copy_constructible<T> {
    if (!try_push(item)) throw_full(Kind::name, "put_nowait");
  }
  void put_nowait(T&& item) {
    if (!try_push(std::move(item))) throw_full(Kind::name, "put_nowait");
  }

  // get() removes and returns the next item, blocking while the queue is
  // empty. Once the queue is closed it drains what is left, then throws
  // QueueShutDown.
  T get() { return get_for(forever, "get"); }
  // get(timeout) throws QueueEmpty if nothing arrived in time.
  T get(Deadline timeout) { return get_for(timeout.time_point(Kind::get_what), "get"); }
  // try_get() is the next item, or nullopt when the queue is empty.
  [[nodiscard]] std::optional<T> try_get() {
    if (storage_.size() == 0) return std::nullopt;
    return take();
  }
  // get_nowait() is the next item; it throws QueueEmpty when the queue is
  // empty (QueueShutDown when it is also closed).
  T get_nowait() {
    if (storage_.size() == 0) [[unlikely]] {
      if (closed_) throw_closed_get(Kind::name, "get_nowait");
      throw_empty(Kind::name, "get_nowait");
    }
    return take();
  }

  // peek() waits like get() but leaves the item in the queue. The reference
  // stays valid until the queue is next changed, so use it before the
  // fiber blocks or yields.
  const T& peek() { return peek_for(forever, "peek"); }
  const T& peek(Deadline timeout) { return peek_for(timeout.time_point(Kind::peek_what), "peek"); }
  // peek_nowait() is the next item in place, or QueueEmpty (QueueShutDown
  // when closed and drained).
  const T& peek_nowait() const {
    if (storage_.size() == 0) [[unlikely]] {
      if (closed_) throw_closed_get(Kind::name, "peek_nowait");
      throw_empty(Kind::name, "peek_nowait");
    }
    return storage_.top();
  }

  // close() refuses further puts; getters drain what is left, then get
  // QueueShutDown. Every blocked getter and putter wakes: putters and
  // getters that find nothing throw QueueShutDown. Closing twice is harmless.
  void close() noexcept {
    closed_ = true;
    getters_.notify_all();
    putters_.notify_all();
  }
  // shutdown(immediate) is Python 3.13's queue.Queue.shutdown, which gevent
  // adopted: shutdown() (immediate false) is close() — puts throw
  // QueueShutDown (grove::ShutDown), blocked putters wake and throw it,
  // getters drain what is left, then throw it. shutdown(true) also drains
  // the queue at once (the items are destroyed), so every blocked getter
  // wakes and throws QueueShutDown; a JoinableQueue's unfinished count
  // drops by the items drained, and join() returns once it is zero.
  void shutdown(bool immediate = false) {
    if (immediate) {
      const std::size_t drained = storage_.size();
      while (storage_.size() != 0) (void)storage_.take();
      if constexpr (Kind::counts_tasks) {
        tasks_.unfinished -= drained < tasks_.unfinished ? drained : tasks_.unfinished;
        if (tasks_.unfinished == 0) tasks_.joiners.notify_all();
      }
    }
    close();
  }
  // is_shutdown() is closed() under Python's name.
  bool is_shutdown() const noexcept { return closed_; }

  // The Waitable protocol (waitable.hpp) for grove::wait and iwait: ready
  // when a get would not block (an item is there, or the queue is shut
  // down). Its putters wake one getter, so a wait passes a wake on.
  WaitQueue& waitable_queue() noexcept { return getters_; }
  bool waitable_ready(std::uint64_t) const noexcept { return storage_.size() != 0 || closed_; }
  static constexpr bool waitable_wakes_one = true;

  // `for (auto&& item : queue)` gets items until the queue is closed and
  // drained (a blocking get per step).
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 protected:
  [[no_unique_address]] TaskCount<Kind::counts_tasks> tasks_;

 private:
  friend iterator;

  template <class U>
  void put_for(U&& item, TimePoint deadline, const char* call) {
    if (closed_) [[unlikely]]
      throw_closed_put(Kind::name, call);
    if (full()) [[unlikely]]
      return put_slow(std::forward<U>(item), deadline, call);
    push(std::forward<U>(item));
  }

  // put_slow() waits for room, then puts; room left over goes on to the
  // next waiting putter.
  template <class U>
  void put_slow(U&& item, TimePoint deadline, const char* call) {
    PassOn pass(putters_, [this] { return !closed_ && !full(); });
    (void)putters_.wait_until(deadline, Kind::put_what, [this] { return closed_ || !full(); });
    if (closed_) throw_closed_put(Kind::name, call);
    if (full()) throw_full_timeout(Kind::name, call);
    push(std::forward<U>(item));
  }

  template <class U>
  bool try_push(U&& item) {
    if (closed_) [[unlikely]]
      throw_closed_put(Kind::name, "try_put");
    if (full()) return false;
    push(std::forward<U>(item));
    return true;
  }

  template <class U>
  void push(U&& item) {
    storage_.push(std::forward<U>(item));
    tasks_.on_put();
    if (!getters_.empty()) [[unlikely]]
      getters_.notify_one();
  }

  T get_for(TimePoint deadline, const char* call) {
    if (storage_.size() == 0) [[unlikely]]
      return get_slow(deadline, call);
    return take();
  }

  // get_slow() waits for an item, then takes it; items left over go on to
  // the next waiting getter.
  T get_slow(TimePoint deadline, const char* call) {
    PassOn pass(getters_, [this] { return storage_.size() != 0; });
    check_item(wait_for_item(deadline, Kind::get_what), call);
    return take();
  }

  const T& peek_for(TimePoint deadline, const char* call) {
    if (storage_.size() == 0) [[unlikely]] {
      // A peek consumes nothing, so the wake it used goes on.
      PassOn pass(getters_, [this] { return storage_.size() != 0; });
      check_item(wait_for_item(deadline, Kind::peek_what), call);
    }
    return storage_.top();
  }

  // next_item() is the range-for step: the next item, or nullopt once the
  // queue is closed and drained.
  std::optional<T> next_item() {
    if (storage_.size() != 0) return take();
    PassOn pass(getters_, [this] { return storage_.size() != 0; });
    if (wait_for_item(forever, Kind::get_what) != WaitStatus::ready) return std::nullopt;
    return take();
  }

  T take() {
    T item = storage_.take();
    if (!putters_.empty()) [[unlikely]]
      putters_.notify_one();
    return item;
  }

  // wait_for_item() parks until an item is there, the queue is closed and
  // drained, or the timeout passes (called only when the queue is empty).
  WaitStatus wait_for_item(TimePoint deadline, const char* what) {
    if (!closed_) (void)getters_.wait_until(deadline, what, [this] { return storage_.size() != 0 || closed_; });
    if (storage_.size() != 0) return WaitStatus::ready;
    return closed_ ? WaitStatus::closed : WaitStatus::timed_out;
  }

  void check_item(WaitStatus status, const char* call) const {
    if (status == WaitStatus::closed) throw_closed_get(Kind::name, call);
    if (status == WaitStatus::timed_out) throw_empty_timeout(Kind::name, call);
  }

  Storage storage_;
  std::size_t maxsize_;
  bool closed_ = false;
  WaitQueue getters_;  // fibers blocked in get() or peek()
  WaitQueue putters_;  // fibers blocked in put()
};

}  // namespace grove::detail
