#pragma once
// detail/remote_wake.hpp — how a hub-thread primitive (Event, Semaphore)
// accepts a set or release from another OS thread. The primitive keeps its
// state in atomics, so the calling thread changes it directly; RemoteWake
// then wakes the waiters, which live on the hub of the thread where fibers
// parked on the primitive: directly when that is the calling thread, else by
// posting to that hub (detail::post_remote), which re-checks and wakes them.
//
// The handshake that loses no wake: a waiter calls bind() (a seq_cst store
// of its thread) before it re-checks the state and parks; a remote setter
// changes the state (seq_cst) before wake() reads the bound thread. One of
// the two sees the other. A post outlives nothing: the primitive's
// destructor detaches the RemoteCell that queued posts refer to
// (docs/design/waiter.md).

#include <grove/detail/scheduler.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace grove::detail {

// ThreadHub is one OS thread's address for other threads: the anchor of the
// hub it runs now. Made on a thread's first bind(), never freed (it is
// small, and stays reachable from a process-wide list).
struct ThreadHub {
  // seen is anchor.get(), read without the lock on the thread itself; the
  // ThreadHub keeps that anchor alive, so a later hub cannot reuse its address.
  const RemoteAnchor* seen = nullptr;
  std::mutex mutex;
  std::shared_ptr<RemoteAnchor> anchor;  // under mutex
};
extern constinit thread_local ThreadHub* tls_thread_hub;
ThreadHub* refresh_thread_hub();  // makes or re-points this thread's ThreadHub

// RemoteCell is what a queued post refers to instead of the primitive.
struct RemoteCell {
  std::atomic<std::uint32_t> refs{1};
  void* target;  // the primitive; cleared (on its thread) when it is destroyed
};

class RemoteWake {
 public:
  using WakeFn = void (*)(void* target, std::size_t arg) noexcept;

  RemoteWake() = default;
  ~RemoteWake() { detach(); }
  RemoteWake(const RemoteWake&) = delete;
  RemoteWake& operator=(const RemoteWake&) = delete;

  // bind() is called on the hub's thread by a fiber about to re-check the
  // primitive's state and park.
  void bind() {
    ThreadHub* t = tls_thread_hub;
    if (!t || t->seen != scheduler().anchor().get()) [[unlikely]] t = refresh_thread_hub();
    if (home_.load(std::memory_order_relaxed) != t) home_.store(t, std::memory_order_seq_cst);
  }
  // wake(target, arg, fn) runs fn(target, arg) where the waiters live: at
  // once on their thread (or when no fiber ever waited, not at all), else
  // posted to that thread's hub; dropped when that thread has no hub now.
  // Call it after changing the state (seq_cst). Any thread.
  void wake(void* target, std::size_t arg, WakeFn fn) noexcept {
    ThreadHub* h = home_.load(std::memory_order_seq_cst);
    if (!h) return;
    if (h == tls_thread_hub) {
      fn(target, arg);
      return;
    }
    post(h, target, arg, fn);
  }
  // on_home_thread() is false when fibers of another thread wait here.
  bool on_home_thread() const noexcept {
    ThreadHub* h = home_.load(std::memory_order_relaxed);
    return h == nullptr || h == tls_thread_hub;
  }

 private:
  void post(ThreadHub* h, void* target, std::size_t arg, WakeFn fn) noexcept;
  void detach() noexcept;

  std::atomic<ThreadHub*> home_{nullptr};
  std::atomic<RemoteCell*> cell_{nullptr};  // made by the first post
};

}  // namespace grove::detail
