#pragma once
// thread_pool.hpp — ThreadPool (gevent.threadpool): run blocking or CPU-bound
// callables on OS worker threads while the hub keeps running fibers.
//
//   grove::ThreadPool pool(4);
//   auto digest = pool.spawn(sha256, std::move(blob));   // AsyncResult<Digest>
//   use(digest.get());          // parks this fiber only; other fibers run
//
// The result (or exception) is set from the worker thread and published on
// the hub that called spawn(), through AsyncResult's cross-thread path.
// spawn(), size(), maxsize(), set_maxsize(), kill() and shutdown() are
// thread-safe; map(), imap_unordered() and join() wait on the calling
// fiber's hub. The callable and its arguments are moved to the worker, so
// they must be safe to use there.

#include <grove/async_result.hpp>
#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/detail/next_iterator.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace grove {

namespace detail {

// ThreadJob is one queued call; it owns its callable (which may be move-only).
struct ThreadJob {
  virtual ~ThreadJob() = default;
  virtual void run() noexcept = 0;
  // fail(e) ends a job that will never run (ThreadPool::kill()).
  virtual void fail(std::exception_ptr e) noexcept = 0;
};

template <class T, class Call>
struct ThreadJobImpl final : ThreadJob {
  ThreadJobImpl(AsyncResult<T> result, Call call) : result(std::move(result)), call(std::move(call)) {}
  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<T>) {
        call();
        result.set();
      } else {
        result.set(call());
      }
    } catch (...) {
      try {
        result.set_exception(std::current_exception());
      } catch (...) {
      }
    }
  }
  void fail(std::exception_ptr e) noexcept override {
    try {
      result.set_exception(std::move(e));
    } catch (...) {
    }
  }
  AsyncResult<T> result;
  Call call;
};

}  // namespace detail

// ThreadPoolKilled is what the AsyncResult of a job dropped by
// ThreadPool::kill() before it started raises.
class ThreadPoolKilled : public Error {
 public:
  using Error::Error;
};

template <class R>
class ThreadImap;

class ThreadPool {
 public:
  // ThreadPool(size) starts `size` worker threads; 0 is a UsageError.
  explicit ThreadPool(std::size_t size);
  // ~ThreadPool() is shutdown().
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // spawn(fn, args...) queues fn(args...) for a worker thread and returns
  // the AsyncResult it will set, owned by the calling thread's hub. It
  // throws UsageError after shutdown().
  template <class F, class... A>
  requires detail::Spawnable<F, A...> AsyncResult<detail::spawn_result_t<F, A...>> spawn(F&& fn, A&&... args) {
    using T = detail::spawn_result_t<F, A...>;
    AsyncResult<T> result;
    auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
    submit(std::make_unique<detail::ThreadJobImpl<T, decltype(call)>>(result, std::move(call)));
    return result;
  }
  // apply(fn, args...) is spawn(fn, args...).get(): it parks the calling
  // fiber (not the hub) until a worker has run fn, then returns or rethrows.
  template <class F, class... A>
  requires detail::Spawnable<F, A...> detail::spawn_result_t<F, A...> apply(F&& fn, A&&... args) {
    return spawn(std::forward<F>(fn), std::forward<A>(args)...).get();
  }

  // map(fn, range) runs fn(item) on the workers for every item (all queued
  // at once), waits, and returns the results in input order (nothing when
  // fn returns void); the first failure in input order is rethrown once
  // every earlier item is done (the later jobs still run: a thread cannot
  // be killed). gevent's ThreadPool.map.
  template <class F, std::ranges::input_range Rng>
  auto map(F&& fn, Rng&& range) {
    using R = detail::spawn_result_t<F, std::ranges::range_value_t<Rng>>;
    std::vector<AsyncResult<R>> results = spawn_each(std::forward<F>(fn), std::forward<Rng>(range));
    if constexpr (std::is_void_v<R>) {
      for (auto& r : results) r.get();
    } else {
      std::vector<R> out;
      out.reserve(results.size());
      for (auto& r : results) out.push_back(r.get());
      return out;
    }
  }
  // imap_unordered(fn, range) queues fn(item) for every item and yields the
  // results as the workers finish them (gevent's imap_unordered); a failed
  // item's exception is rethrown at its place and next() goes on after it.
  // Jobs still queued when the sequence is dropped run anyway.
  template <class F, std::ranges::input_range Rng>
  [[nodiscard]] auto imap_unordered(F&& fn, Rng&& range);

  // join() parks the calling fiber until no job is queued or running
  // (gevent's ThreadPool.join); join(timeout) returns whether that
  // happened in time. Jobs spawned meanwhile are waited for too. Once it
  // returns true, the AsyncResults of the jobs this thread spawned are
  // ready. It is a suspension point even when the pool is idle.
  void join() { (void)join_until(TimePoint::max()); }
  [[nodiscard]] bool join(Deadline timeout) { return join_until(timeout.time_point("ThreadPool::join")); }

  // kill() stops the pool at once without blocking: it refuses new jobs
  // (spawn() throws UsageError), drops the queued ones (their AsyncResults
  // raise ThreadPoolKilled) and lets each worker finish the job it runs,
  // then exit. The destructor (or shutdown()) joins the threads.
  void kill();

  // size() is the number of worker threads alive (one retiring after a
  // shrink counts until it has finished its job); maxsize() the number the
  // pool keeps. set_maxsize(n) resizes it: growing starts threads at once,
  // shrinking retires idle threads at once and busy ones when their job
  // ends. 0 is a UsageError; after shutdown() or kill() it does nothing.
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t maxsize() const;
  void set_maxsize(std::size_t n);
  // queued() is the number of jobs not yet picked up by a worker.
  [[nodiscard]] std::size_t queued() const;

  // shutdown() stops accepting jobs, lets the workers finish every queued
  // one and joins them. It blocks the calling OS thread (not just the
  // fiber); results still reach their hub afterwards. Idempotent.
  void shutdown();

 private:
  template <class F, class Rng>
  auto spawn_each(F&& fn, Rng&& range) {
    using R = detail::spawn_result_t<F, std::ranges::range_value_t<Rng>>;
    std::vector<AsyncResult<R>> results;
    if constexpr (std::ranges::sized_range<Rng>) results.reserve(static_cast<std::size_t>(std::ranges::size(range)));
    // NOLINTNEXTLINE(performance-inefficient-vector-operation): reserved above when sized
    for (auto&& item : range) results.push_back(spawn(fn, std::ranges::range_value_t<Rng>(item)));
    return results;
  }
  void submit(std::unique_ptr<detail::ThreadJob> job);
  void work() noexcept;
  bool join_until(TimePoint deadline);
  void start_workers(std::size_t n);  // mutex_ not held; join_mutex_ held
  void reap_retired();                // join_mutex_ held

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<detail::ThreadJob>> jobs_;
  std::size_t target_ = 0;                   // maxsize()
  std::size_t live_ = 0;                     // workers alive
  std::size_t pending_ = 0;                  // jobs queued or running
  std::vector<AsyncResult<>> idle_waiters_;  // join() callers, set when pending_ drops to 0
  std::vector<std::thread::id> retired_;     // workers that exited after a shrink, to join
  bool stopping_ = false;
  bool killed_ = false;
  std::mutex join_mutex_;
  std::vector<std::thread> workers_;
};

// ThreadImap<R> is the sequence ThreadPool::imap_unordered() returns:
// next() is the next finished result (nullopt at the end), and it is a
// range. Use it on the hub thread that made it.
template <class R>
class ThreadImap {
 public:
  using value_type = std::conditional_t<std::is_void_v<R>, std::monostate, R>;

  explicit ThreadImap(std::vector<AsyncResult<R>> results)
      : results_(std::move(results)), shared_(std::make_shared<Shared>()) {
    for (std::size_t i = 0; i < results_.size(); ++i) {
      results_[i].rawlink([sh = shared_, i](const AsyncResult<R>&) {
        sh->done.push_back(i);
        if (sh->bell) {
          AsyncResult<> bell = std::move(*sh->bell);
          sh->bell.reset();
          bell.set();
        }
      });
    }
  }

  // next() waits for the next result to finish; it rethrows a failed
  // item's exception (the call after goes on).
  std::optional<value_type> next() {
    if (taken_ == results_.size()) return std::nullopt;
    while (shared_->done.empty()) {
      AsyncResult<> bell;
      shared_->bell = bell;
      bell.wait();
    }
    const std::size_t i = shared_->done.front();
    shared_->done.pop_front();
    ++taken_;
    if constexpr (std::is_void_v<R>) {
      results_[i].get();
      return value_type{};
    } else {
      return results_[i].get();
    }
  }

  using iterator = detail::NextIterator<ThreadImap, value_type>;
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  struct Shared {
    std::deque<std::size_t> done;       // indices finished, in completion order
    std::optional<AsyncResult<>> bell;  // set when the next one finishes
  };
  std::vector<AsyncResult<R>> results_;
  std::shared_ptr<Shared> shared_;
  std::size_t taken_ = 0;
};

template <class F, std::ranges::input_range Rng>
auto ThreadPool::imap_unordered(F&& fn, Rng&& range) {
  using R = detail::spawn_result_t<F, std::ranges::range_value_t<Rng>>;
  return ThreadImap<R>(spawn_each(std::forward<F>(fn), std::forward<Rng>(range)));
}

}  // namespace grove
