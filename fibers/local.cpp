// local.cpp — the shared half of grove::Local<T>: slot ownership between a
// Local and the fibers holding its values (see detail/local_slot.hpp).

#include <grove/detail/local_slot.hpp>

#include <utility>

namespace grove::detail {

namespace {
std::atomic<std::uint64_t> local_ids{1};
}

LocalCore::LocalCore() : id(local_ids.fetch_add(1, std::memory_order_relaxed)) {}

void attach_local(LocalCore& core, LocalSlot* slot) {
  std::lock_guard<std::mutex> lock(core.mutex);
  slot->prev = nullptr;
  slot->next = core.slots;
  if (core.slots) core.slots->prev = slot;
  core.slots = slot;
}

void drop_dead_locals(std::vector<LocalEntry>& entries) noexcept {
  std::erase_if(entries, [](const LocalEntry& e) { return e.core->dead.load(std::memory_order_acquire); });
}

void destroy_local(LocalCore& core) noexcept {
  LocalSlot* slots = nullptr;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    core.dead.store(true, std::memory_order_release);
    slots = std::exchange(core.slots, nullptr);
  }
  // The values' destructors run outside the lock: they may use other Locals.
  while (LocalSlot* s = slots) {
    slots = s->next;
    delete s;
  }
}

void release_locals(std::vector<LocalEntry>& entries) noexcept {
  // A value's destructor may create values of other Locals: go again.
  while (!entries.empty()) {
    std::vector<LocalEntry> batch;
    batch.swap(entries);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      LocalSlot* slot = nullptr;
      {
        std::lock_guard<std::mutex> lock(it->core->mutex);
        if (!it->core->dead.load(std::memory_order_relaxed)) {
          slot = it->slot;
          if (slot->prev) slot->prev->next = slot->next;
          else it->core->slots = slot->next;
          if (slot->next) slot->next->prev = slot->prev;
        }
      }
      delete slot;  // on the calling (the ending fiber's) stack
    }
  }
}

}  // namespace grove::detail
