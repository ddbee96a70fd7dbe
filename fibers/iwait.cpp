// iwait.cpp — the engine under grove::wait and grove::iwait (iwait.hpp).

#include <grove/iwait.hpp>

#include <grove/hub.hpp>

namespace grove::detail {

WaitSet::WaitSet(WaitSlot* slots, std::size_t n, const char* call) : slots_(slots), pending_(n), call_(call) {
  for (std::size_t i = 0; i < n; ++i) {
    slots_[i].mark = slots_[i].ref.begin(call);
    slots_[i].order = i;
  }
}

namespace {

// HubHold keeps the hub from raising LoopExit while a pending object may
// still be made ready from another OS thread (AsyncResult).
class HubHold {
 public:
  HubHold(Scheduler& s, bool on) : s_(on ? &s : nullptr) {
    if (s_) s_->hold();
  }
  ~HubHold() {
    if (s_) s_->unhold();
  }
  HubHold(const HubHold&) = delete;
  HubHold& operator=(const HubHold&) = delete;

 private:
  Scheduler* s_;
};

}  // namespace

std::optional<std::size_t> WaitSet::next(TimePoint deadline) {
  if (pending_ == 0) return std::nullopt;
  auto slot = [this](std::size_t k) -> WaitSlot& { return slots_[slots_[k].order]; };
  std::size_t found = pending_;  // the position (among the pending) of a ready one
  auto any_ready = [&] {
    for (std::size_t k = 0; k < pending_; ++k) {
      if (slot(k).ref.ready(slot(k).mark)) {
        found = k;
        return true;
      }
    }
    return false;
  };
  // Leaving (woken, timed out or killed): unlink every node, and pass on a
  // wake that a queue gave one of them while it still has something to
  // give, so a real getter queued behind the node is not left asleep.
  struct Unlink {
    WaitSet& set;
    decltype(slot)& at;
    ~Unlink() {
      for (std::size_t k = 0; k < set.pending_; ++k) {
        WaitSlot& s = at(k);
        const bool was_linked = s.node.linked();
        s.node.unlink();
        if (!was_linked && s.ref.wakes_one() && s.ref.ready(s.mark) && !s.ref.queue().empty())
          (void)s.ref.queue().notify_one();
      }
    }
  };
  if (!any_ready()) {
    Scheduler& s = scheduler();
    bool holds = false;
    for (std::size_t k = 0; k < pending_ && !holds; ++k) holds = slot(k).ref.holds_hub(slot(k).own_copies);
    HubHold hold(s, holds);
    Unlink unlink{*this, slot};
    (void)WaitQueue::wait_until_any(
        pending_, [&](std::size_t k) -> WaitQueue& { return slot(k).ref.queue(); },
        [&](std::size_t k) -> Waiter& { return slot(k).node; }, deadline, call_, any_ready);
  }
  if (found == pending_) return std::nullopt;
  const std::size_t index = slots_[found].order;
  // Drop it from the pending ones, keeping the others in the order given.
  for (std::size_t k = found; k + 1 < pending_; ++k) slots_[k].order = slots_[k + 1].order;
  --pending_;
  return index;
}

}  // namespace grove::detail
