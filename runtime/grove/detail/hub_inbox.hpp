#pragma once
// detail/hub_inbox.hpp — HubInbox, the one way closures reach a hub of a
// Runtime from any thread (docs/design/runtime.md, "The hub inbox"). Every
// cross-hub call of the Runtime goes through post(), onto the hub's inbox
// (fibers/grove/detail/inbox.hpp): a lock-free MPSC queue the hub drains in
// batches each loop turn, which a sender wakes (one io_context post) only
// when it finds the hub asleep. A small closure allocates nothing once warm.

#include <grove/detail/scheduler.hpp>

#include <memory>
#include <utility>

namespace grove::detail {

class HubInbox {
 public:
  // attach(anchor) is called once, on the hub's thread, before any other
  // thread may post (Runtime's start-up orders the two).
  void attach(std::shared_ptr<RemoteAnchor> anchor) noexcept { anchor_ = std::move(anchor); }

  // post(fn) runs fn() in the hub's context (a hub callback: it must not
  // block) and returns true; it returns false, leaving fn untouched, when
  // the hub no longer exists. A posted fn that the hub destroys unrun (the
  // hub stopped first) is destroyed there, on the hub's thread (or, when
  // the hub stops during the post, on the sender's): its destructor must
  // tell whoever waits (detail/remote_call.hpp does).
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
