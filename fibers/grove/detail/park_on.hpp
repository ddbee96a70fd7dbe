#pragma once
// detail/park_on.hpp — the wait loop every condition-style primitive shares
// (Semaphore, Lock, Group, Pool): park on the one Waiter, and re-check the
// condition after every wake. Nothing is handed off to a woken fiber, so a
// waiter that times out or is killed never takes anything with it.

#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/detail/waiter.hpp>

namespace grove::detail {

// park_on(list, deadline, what, ready) parks the running fiber on list until
// ready() holds or the deadline passes, and returns ready(). A Timeout or
// kill() throws out of it; the fiber's node is unlinked whichever way it leaves.
template <class Ready>
bool park_on(WaitList& list, TimePoint deadline, const char* what, Ready&& ready) {
  if (ready()) return true;
  Scheduler& s = scheduler();
  Waiter w(s.current());
  do {
    list.push_back(w);
    if (!s.park_until(deadline, what)) {
      w.unlink();
      return ready();
    }
  } while (!ready());
  return true;
}

// PassOn wakes the next waiter of a counted resource when the running fiber
// leaves a wait (taken, timed out or killed) while the resource is still
// available: a wake given to a fiber that did not use it is never lost.
template <class Available>
class PassOn {
 public:
  PassOn(WaitList& list, Available available) : list_(list), available_(available) {}
  ~PassOn() {
    if (!list_.empty() && available_()) wake_one(list_);
  }
  PassOn(const PassOn&) = delete;
  PassOn& operator=(const PassOn&) = delete;

 private:
  WaitList& list_;
  Available available_;
};

}  // namespace grove::detail
