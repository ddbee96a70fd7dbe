#pragma once
// async_result.hpp — AsyncResult<T>: a value (or exception) that arrives
// later, which fibers can wait for (gevent.event.AsyncResult; a promise and
// its future in one cheap copyable handle).
//
// set() and set_exception() may be called from any OS thread: on another
// thread they store the outcome and post its publication to the owning hub
// (the hub of the thread that created the result) through its io_context.
// Waiting, get() and callbacks belong to the owning hub's thread. A fiber
// waiting on an AsyncResult may be woken from another thread, so while any
// other handle to the result exists (or a set() is on its way) such a wait
// keeps the hub alive instead of raising LoopExit — give it a timeout when
// the producer may never answer. A wait on the only handle of a result
// nobody set can never end: the hub raises LoopExit once it is idle, as
// gevent does.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/timeout.hpp>
#include <grove/detail/wait_queue.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace grove {

template <class T = void>
class AsyncResult;

namespace detail {

// log_callback_failure() logs the exception being handled, thrown by a
// callback that has no caller to throw to (an AsyncResult callback).
void log_callback_failure(const char* what) noexcept;

template <class T>
struct AsyncState {
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  explicit AsyncState(Scheduler* owner) : owner(owner), anchor(owner->anchor()) {}

  Scheduler* owner;
  std::shared_ptr<RemoteAnchor> anchor;  // reaches the owner from other threads
  std::atomic<bool> claimed{false};      // a set() was accepted (any thread)
  bool ready = false;                    // published (owner thread only)
  std::optional<Stored> value;
  std::exception_ptr error;
  WaitQueue waiters;
  // Registered callbacks with their ids (add_callback, rawlink); ids start
  // at 1 and are never reused by one result.
  std::vector<std::pair<std::uint64_t, std::function<void()>>> callbacks;
  std::uint64_t next_link = 1;
  bool flush_posted = false;  // a run_callbacks() is queued on the hub

  // publish() runs on the owner's thread: wake every waiter, run callbacks.
  static void publish(const std::shared_ptr<AsyncState>& st) noexcept {
    st->ready = true;
    st->waiters.notify_all();
    run_callbacks(*st);
  }
  // run_callbacks() calls (and forgets) every callback registered so far;
  // an exception escaping one is dropped.
  static void run_callbacks(AsyncState& st) noexcept {
    auto callbacks = std::move(st.callbacks);
    st.callbacks.clear();
    for (auto& [id, cb] : callbacks) {
      try {
        cb();
      } catch (...) {
        log_callback_failure("grove::AsyncResult: a callback threw");
      }
    }
  }
};

// HoldGuard keeps the hub from declaring LoopExit while a fiber waits for
// something another thread may deliver.
class HoldGuard {
 public:
  explicit HoldGuard(Scheduler& s) : s_(s) { s_.hold(); }
  ~HoldGuard() { s_.unhold(); }
  HoldGuard(const HoldGuard&) = delete;
  HoldGuard& operator=(const HoldGuard&) = delete;

 private:
  Scheduler& s_;
};

}  // namespace detail

template <class T>
class AsyncResult {
  using State = detail::AsyncState<T>;

 public:
  // AsyncResult() belongs to this thread's hub.
  AsyncResult() : st_(std::make_shared<State>(&detail::scheduler())) {}

  // set(value) stores the value and wakes every waiter; any thread. A
  // result is set once: a second set() or set_exception() throws UsageError.
  template <class U = T>
  requires(!std::is_void_v<U>) void set(U&& value) {
    claim("set");
    st_->value.emplace(std::forward<U>(value));
    deliver();
  }
  void set() requires std::is_void_v<T> {
    claim("set");
    st_->value.emplace();
    deliver();
  }
  // set_exception(e) makes get() rethrow e; any thread.
  void set_exception(std::exception_ptr e) {
    if (!e) throw UsageError("grove::AsyncResult::set_exception: the exception_ptr is null");
    claim("set_exception");
    st_->error = std::move(e);
    deliver();
  }
  template <class E>
  requires(!std::is_same_v<std::decay_t<E>, std::exception_ptr>) void set_exception(E&& e) {
    set_exception(std::make_exception_ptr(std::forward<E>(e)));
  }

  // ready() is true once the outcome is published on the owning hub;
  // successful() once it is a value. exception() is the stored exception.
  bool ready() const noexcept { return st_->ready; }
  bool successful() const noexcept { return st_->ready && !st_->error; }
  std::exception_ptr exception() const noexcept { return st_->ready ? st_->error : nullptr; }

  // wait() blocks until ready; wait(timeout) returns whether it became ready.
  void wait() const { (void)wait_until(TimePoint::max()); }
  [[nodiscard]] bool wait(Deadline timeout) const { return wait_until(timeout.time_point("AsyncResult::wait")); }

  // get() waits, then returns the value or rethrows the exception.
  decltype(auto) get() const {
    wait();
    return take();
  }
  // get_nowait() returns the value or rethrows the exception if the result
  // is ready; otherwise it throws grove::Timeout at once (gevent's
  // get(block=False)). Owning hub's thread only.
  decltype(auto) get_nowait() const {
    check_thread("get_nowait");
    if (!st_->ready) throw Timeout::detached(Duration::zero());
    return take();
  }
  // get(timeout) throws grove::Timeout if nothing arrived in time.
  decltype(auto) get(Deadline timeout) const {
    const TimePoint start = timeout.is_never() ? TimePoint::max() : detail::scheduler().now();
    const TimePoint deadline = timeout.resolve(start, "AsyncResult::get");
    if (!wait_until(deadline)) throw Timeout::detached(deadline > start ? deadline - start : Duration::zero());
    return take();
  }

  // The concurrent.futures forms gevent's AsyncResult offers: result() is
  // get(), result(timeout) is get(timeout) (grove::Timeout when nothing
  // arrived in time); done() is ready(). An AsyncResult is not a task, so
  // cancel() cannot cancel it and returns false, and cancelled() is always
  // false, as gevent's.
  decltype(auto) result() const { return get(); }
  decltype(auto) result(Deadline timeout) const { return get(timeout); }
  bool done() const noexcept { return ready(); }
  bool cancel() const noexcept { return false; }
  bool cancelled() const noexcept { return false; }

  // value() is the value once ready and successful, else UsageError.
  const auto& value() const requires(!std::is_void_v<T>) {
    if (!successful()) throw UsageError("grove::AsyncResult::value: no value yet (check ready() and successful())");
    return *st_->value;
  }

  // add_callback(cb) calls cb(result) on the owning hub once ready (at once
  // if it is ready). Callbacks run in the hub's context and must not block.
  template <class F>
  requires std::invocable<F&, const AsyncResult&>
  void add_callback(F cb) {
    check_thread("add_callback");
    if (st_->ready) {
      cb(*this);
      return;
    }
    st_->callbacks.emplace_back(st_->next_link++, [cb = std::move(cb), self = *this]() mutable { cb(self); });
  }

  // rawlink(cb) registers cb(result) to be called in the owning hub's
  // context once the result is ready (gevent's rawlink): when it is ready
  // already, the call is queued on the hub rather than made at once, so it
  // may still be unlinked. It returns the id unlink() takes. Callbacks must
  // not block. Owning hub's thread only.
  template <class F>
  requires std::invocable<F&, const AsyncResult&> std::uint64_t rawlink(F cb) {
    check_thread("rawlink");
    const std::uint64_t id = st_->next_link++;
    st_->callbacks.emplace_back(id, [cb = std::move(cb), self = *this]() mutable { cb(self); });
    if (st_->ready && !st_->flush_posted) {
      st_->flush_posted = true;
      st_->owner->post([st = st_] {
        st->flush_posted = false;
        State::run_callbacks(*st);
      });
    }
    return id;
  }
  // unlink(id) removes a callback that has not run yet; it returns whether
  // one was removed. Owning hub's thread only.
  bool unlink(std::uint64_t id) {
    check_thread("unlink");
    auto& cbs = st_->callbacks;
    for (auto it = cbs.begin(); it != cbs.end(); ++it) {
      if (it->first == id) {
        cbs.erase(it);
        return true;
      }
    }
    return false;
  }

  // The Waitable protocol (waitable.hpp) for grove::wait and iwait: ready
  // once the outcome is published; while another handle exists (beyond the
  // caller's and the wait's own copies) or a set() is on its way, the wait
  // keeps the hub from raising LoopExit, as wait() does.
  detail::WaitQueue& waitable_queue() const noexcept { return st_->waiters; }
  std::uint64_t waitable_begin(const char*) const {
    check_thread("wait");
    return 0;
  }
  bool waitable_ready(std::uint64_t) const noexcept { return st_->ready; }
  // own_copies: handles to it that the wait itself keeps (iwait's list).
  bool waitable_holds_hub(std::size_t own_copies) const noexcept {
    return static_cast<std::size_t>(st_.use_count()) > 1 + own_copies || st_->claimed.load(std::memory_order_acquire);
  }

  friend bool operator==(const AsyncResult& a, const AsyncResult& b) noexcept { return a.st_ == b.st_; }

 private:
  void claim(const char* what) {
    if (st_->claimed.exchange(true, std::memory_order_acq_rel))
      throw UsageError(std::string("grove::AsyncResult::") + what +
                       ": this result was already set; an AsyncResult takes one outcome");
  }
  void deliver() {
    if (detail::tls_scheduler == st_->owner) {
      State::publish(st_);
    } else {
      // Dropped if the owning hub is gone: nobody can be waiting any more.
      detail::post_remote(st_->anchor, [st = st_] { State::publish(st); });
    }
  }
  void check_thread(const char* what) const {
    if (detail::tls_scheduler != st_->owner)
      throw UsageError(std::string("grove::AsyncResult::") + what +
                       ": only the thread that created the result may wait on it or add callbacks; "
                       "other threads may only set it");
  }
  bool wait_until(TimePoint deadline) const {
    check_thread("wait");
    if (st_->ready) return true;
    auto& s = detail::scheduler();
    // Only another handle (maybe on another thread) or a set() in flight
    // can still make it ready.
    std::optional<detail::HoldGuard> hold;
    if (st_.use_count() > 1 || st_->claimed.load(std::memory_order_acquire)) hold.emplace(s);
    return st_->waiters.wait_until(deadline, "AsyncResult::wait", [st = st_.get()] { return st->ready; });
  }
  decltype(auto) take() const {
    if (st_->error) std::rethrow_exception(st_->error);
    if constexpr (std::is_void_v<T>) return;
    else return static_cast<const T&>(*st_->value);
  }

  std::shared_ptr<State> st_;
};

}  // namespace grove
