// timeout.cpp — Timeout scopes on the hub's timer heap.

#include <grove/timeout.hpp>

#include <grove/hub.hpp>

#include <atomic>
#include <chrono>
#include <string>

namespace grove {

namespace {

std::uint64_t next_timeout_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::string describe_duration(Duration d) {
  using namespace std::chrono;
  if (d == Duration::max()) return "grove::Timeout (never)";
  auto us = duration_cast<microseconds>(d).count();
  if (us % 1000000 == 0) return "grove::Timeout: " + std::to_string(us / 1000000) + "s elapsed";
  if (us % 1000 == 0) return "grove::Timeout: " + std::to_string(us / 1000) + "ms elapsed";
  return "grove::Timeout: " + std::to_string(us) + "us elapsed";
}

}  // namespace

Timeout::Timeout(Duration d, std::exception_ptr custom, bool start_now)
    : duration_(d), custom_(std::move(custom)), id_(next_timeout_id()), owning_(true), what_(describe_duration(d)) {
  if (start_now) start();
}

Timeout::Timeout(const Timeout& other) noexcept
    : Interrupt(other),
      TimeoutError(other),
      node_(this),
      duration_(other.duration_),
      id_(other.id_),
      owning_(false),
      fired_(other.fired_) {
  try {
    what_ = other.what_;
  } catch (...) {
  }
}

Timeout Timeout::detached(Duration d) {
  Timeout t(d, nullptr, false);
  t.owning_ = false;
  t.fired_ = true;
  return t;
}

Timeout::~Timeout() {
  cancel();
  // Fired but not raised yet (another interrupt came first): the scope is
  // over, so its exception must not surface outside it.
  if (raised_ && detail::tls_scheduler && owner_) detail::tls_scheduler->discard_pending(owner_, raised_);
}

void Timeout::start() {
  if (!owning_) throw UsageError("grove::Timeout::start: this is a copy of a Timeout (the thrown exception); start the scope object itself");
  auto& s = detail::scheduler();
  s.require_fiber_context("Timeout");
  cancel();
  if (raised_ && owner_) s.discard_pending(owner_, raised_);
  raised_ = nullptr;
  fired_ = false;
  if (duration_ == Duration::max()) return;  // never fires
  owner_ = s.current();
  node_.deadline = deadline_after(s.now(), duration_);
  s.add_timer(node_);
}

void Timeout::cancel() noexcept {
  if (node_.armed() && detail::tls_scheduler) detail::tls_scheduler->remove_timer(node_);
}

void Timeout::on_fire(detail::TimerNode& n) noexcept {
  Timeout* self = static_cast<FireNode&>(n).scope;
  self->fired_ = true;
  std::exception_ptr e;
  try {
    e = self->custom_ ? self->custom_ : std::make_exception_ptr(Timeout(*self));
  } catch (...) {
    e = std::current_exception();
  }
  self->raised_ = e;
  try {
    detail::tls_scheduler->interrupt(self->owner_, std::move(e));
  } catch (...) {
  }
}

}  // namespace grove
