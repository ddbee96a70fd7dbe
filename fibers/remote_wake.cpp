// remote_wake.cpp — the per-thread ThreadHub and RemoteWake's posting half.

#include <grove/detail/remote_wake.hpp>

#include <utility>
#include <vector>

namespace grove::detail {

constinit thread_local ThreadHub* tls_thread_hub = nullptr;

namespace {

struct AllThreadHubs {
  std::mutex mutex;
  std::vector<ThreadHub*> hubs;
};
AllThreadHubs& all_thread_hubs() {
  static AllThreadHubs* all = new AllThreadHubs;  // never destroyed: posts may come late
  return *all;
}

void release_cell(RemoteCell* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete c;
}

// PostedWake owns one reference to its cell, whether it runs or is dropped.
struct PostedWake {
  RemoteCell* cell;
  std::size_t arg;
  RemoteWake::WakeFn fn;
  PostedWake(RemoteCell* c, std::size_t a, RemoteWake::WakeFn f) noexcept : cell(c), arg(a), fn(f) {}
  PostedWake(PostedWake&& o) noexcept : cell(std::exchange(o.cell, nullptr)), arg(o.arg), fn(o.fn) {}
  PostedWake& operator=(PostedWake&&) = delete;
  ~PostedWake() {
    if (cell) release_cell(cell);
  }
  void operator()() noexcept {
    if (cell->target) fn(cell->target, arg);
  }
};

}  // namespace

ThreadHub* refresh_thread_hub() {
  ThreadHub* t = tls_thread_hub;
  if (!t) {
    t = new ThreadHub;
    AllThreadHubs& all = all_thread_hubs();
    std::lock_guard<std::mutex> lock(all.mutex);
    all.hubs.push_back(t);
    tls_thread_hub = t;
  }
  Scheduler* s = &scheduler();
  std::lock_guard<std::mutex> lock(t->mutex);
  t->anchor = s->anchor();
  t->seen = t->anchor.get();
  return t;
}

void RemoteWake::post(ThreadHub* h, void* target, std::size_t arg, WakeFn fn) noexcept {
  RemoteCell* c = cell_.load(std::memory_order_acquire);
  if (!c) {
    auto* fresh = new RemoteCell;
    fresh->target = target;
    if (cell_.compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) c = fresh;
    else delete fresh;
  }
  c->refs.fetch_add(1, std::memory_order_relaxed);
  PostedWake job(c, arg, fn);
  std::shared_ptr<RemoteAnchor> anchor;
  {
    std::lock_guard<std::mutex> lock(h->mutex);
    anchor = h->anchor;
  }
  if (anchor) (void)post_remote(anchor, std::move(job));
}

void RemoteWake::detach() noexcept {
  if (RemoteCell* c = cell_.exchange(nullptr, std::memory_order_acq_rel)) {
    c->target = nullptr;
    release_cell(c);
  }
}

}  // namespace grove::detail
