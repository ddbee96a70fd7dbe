#pragma once
// detail/hub_inbox.hpp — HubInbox, the one way closures reach a hub of a
// Runtime from any thread (docs/design/runtime.md). Every cross-hub call of
// the Runtime goes through post(); replacing the transport (today the
// hub's RemoteAnchor, an io_context post under a mutex; next the lock-free
// MPSC inbox with an empty-to-busy wake) changes this class only.

#include <grove/detail/scheduler.hpp>

#include <memory>
#include <utility>

namespace grove::detail {

class HubInbox {
 public:
  // attach(anchor) is called once, on the hub's thread, before any other
  // thread may post (Runtime's start-up orders the two).
  void attach(std::shared_ptr<RemoteAnchor> anchor) noexcept { anchor_ = std::move(anchor); }

  // post(fn) runs fn() in the hub's context (an Asio handler: it must not
  // block) and returns true; it returns false, leaving fn untouched, when
  // the hub no longer exists. A posted fn that the hub destroys unrun (the
  // hub stopped first) is destroyed there, on the hub's thread: its
  // destructor must tell whoever waits (detail/remote_call.hpp does).
  // Closures posted by one thread run in the order they were posted. Any
  // thread.
  template <class F>
  bool post(F&& fn) const {
    if (!anchor_) return false;
    return post_remote(anchor_, std::forward<F>(fn));
  }

 private:
  std::shared_ptr<RemoteAnchor> anchor_;
};

}  // namespace grove::detail
