// spawn_callbacks.cpp — the process-wide registry behind add_spawn_callback.
// The list is copy-on-write: a spawn takes a reference to the current list
// under the mutex and calls it without the lock, so a callback may spawn or
// (un)register callbacks itself.

#include <grove/spawn_callbacks.hpp>

#include <grove/errors.hpp>

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace grove {

namespace {

using Entry = std::pair<SpawnCallbackId, std::function<void(Fiber<>)>>;
using List = std::vector<Entry>;

struct Registry {
  std::mutex mutex;
  std::shared_ptr<const List> list = std::make_shared<const List>();
  SpawnCallbackId next_id = 1;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: fibers may spawn during static destruction
  return *r;
}

}  // namespace

namespace detail {

std::atomic<bool> spawn_callbacks_on{false};

void run_spawn_callbacks(Scheduler& s, FiberBase* f) {
  std::shared_ptr<const List> list;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    list = r.list;
  }
  try {
    for (const auto& [id, cb] : *list) cb(Fiber<>(Ref<FiberBase>(f)));
  } catch (...) {
    s.interrupt(f, std::make_exception_ptr(FiberExit{}));  // unstarted: it dies at once
    throw;
  }
}

}  // namespace detail

SpawnCallbackId add_spawn_callback(std::function<void(Fiber<>)> cb) {
  if (!cb) throw UsageError("grove::add_spawn_callback: the callback is empty; pass a callable");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto list = std::make_shared<List>(*r.list);
  const SpawnCallbackId id = r.next_id++;
  list->emplace_back(id, std::move(cb));
  r.list = std::move(list);
  detail::spawn_callbacks_on.store(true, std::memory_order_relaxed);
  return id;
}

bool remove_spawn_callback(SpawnCallbackId id) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto list = std::make_shared<List>();
  bool found = false;
  for (const auto& e : *r.list) {
    if (e.first == id) found = true;
    else list->push_back(e);
  }
  if (!found) return false;
  detail::spawn_callbacks_on.store(!list->empty(), std::memory_order_relaxed);
  r.list = std::move(list);
  return true;
}

}  // namespace grove
