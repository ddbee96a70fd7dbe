#pragma once
// detail/local_slot.hpp — the bookkeeping behind grove::Local<T>: each
// fiber's value of a Local is a LocalSlot, owned jointly by the Local (its
// core's list, so that ~Local destroys every fiber's value) and the fiber
// (its LocalEntry list, so that the fiber's end destroys its values on its
// own stack). Whichever comes first destroys the slot, under the core's
// mutex: fibers of several hub threads may hold values of one Local.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace grove::detail {

// LocalSlot is one fiber's value of one Local (LocalValue<T> holds it).
struct LocalSlot {
  virtual ~LocalSlot() = default;
  LocalSlot* prev = nullptr;
  LocalSlot* next = nullptr;
};

// LocalCore is what a Local shares with the fibers holding its values: an
// id never reused (a new Local at an old one's address is a new key), and
// the slots not yet destroyed.
struct LocalCore {
  LocalCore();
  LocalCore(const LocalCore&) = delete;
  LocalCore& operator=(const LocalCore&) = delete;
  const std::uint64_t id;
  std::mutex mutex;
  LocalSlot* slots = nullptr;      // guarded by mutex
  std::atomic<bool> dead{false};   // the Local is gone, with every slot
};

// LocalEntry is a fiber's reference to its value of one Local; slot is
// valid while core->dead is false.
struct LocalEntry {
  std::uint64_t id;
  std::shared_ptr<LocalCore> core;
  LocalSlot* slot;
};

// attach_local() gives the Local a new slot (the caller then records the entry).
void attach_local(LocalCore& core, LocalSlot* slot);
// drop_dead_locals() forgets a fiber's entries of Locals already destroyed.
void drop_dead_locals(std::vector<LocalEntry>& entries) noexcept;
// destroy_local() is ~Local: it destroys every fiber's value, on this thread.
void destroy_local(LocalCore& core) noexcept;
// release_locals() destroys a fiber's values (those whose Local still
// lives) on the calling stack, newest first, until none is left.
void release_locals(std::vector<LocalEntry>& entries) noexcept;

}  // namespace grove::detail
