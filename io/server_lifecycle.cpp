// server_lifecycle.cpp — the start/stop/destroy sequence StreamServer and
// MemoryServer share.

#include <grove/detail/server_lifecycle.hpp>

#include <grove/errors.hpp>
#include <grove/this_fiber.hpp>
#include <grove/detail/scheduler.hpp>

#include <string>

namespace grove::detail {

ServerLifecycle::ServerLifecycle(const char* what, std::size_t pool_size) : what_(what) {
  if (pool_size > 0) {
    auto pool = std::make_unique<Pool>(pool_size);
    pool_ = pool.get();
    handlers_ = std::move(pool);
  } else {
    handlers_ = std::make_unique<Group>();
  }
}

bool ServerLifecycle::should_start() const {
  if (started_) return false;
  if (stopped_) throw UsageError(std::string(what_) + "::start: the server was stopped; make a new one");
  return true;
}

void ServerLifecycle::start(std::function<void()> accept_loop, std::string fiber_name) {
  started_ = true;
  accept_loop_ = std::move(accept_loop);
  acceptor_name_ = std::move(fiber_name);
  start_accepting();
}

void ServerLifecycle::stop_accepting() {
  if (accepting()) acceptor_.kill();
}

void ServerLifecycle::start_accepting() {
  if (!started_ || stopping_)
    throw UsageError(std::string(what_) + "::start_accepting: the server is " +
                     (started_ ? "stopping" : "not started") +
                     "; call start() first (a stopped server cannot accept again)");
  if (accepting()) return;
  acceptor_ = grove::spawn([this] { accept_loop_(); });
  acceptor_.set_name(acceptor_name_);
}

void ServerLifecycle::stop(Deadline grace, const std::function<void()>& close_listener) {
  const TimePoint until = grace.time_point((std::string(what_) + "::stop").c_str());
  if (stopping_) {
    if (!done_.is_set() && !handlers_->contains(this_fiber::self())) done_.wait();
    return;
  }
  stopping_ = true;
  close_listener();
  if (!started_) {
    stopped_ = true;
    done_.set();
    return;
  }
  if (handlers_->contains(this_fiber::self())) {
    // A handler cannot wait for itself: stop from a fiber of its own.
    stopper_ = grove::spawn([this, until] { do_stop(until); });
    return;
  }
  do_stop(until);
}

void ServerLifecycle::do_stop(TimePoint until) {
  struct Done {
    ServerLifecycle& server;
    ~Done() {
      server.stopped_ = true;
      server.done_.set();
    }
  } done{*this};
  if (acceptor_ && !acceptor_.dead()) acceptor_.kill();
  if (!handlers_->join(until)) handlers_->kill();
}

void ServerLifecycle::destroy() noexcept {
  if (!started_ || stopped_) return;
  auto* s = tls_scheduler;
  if (!s) return;
  const bool can_block = !s->in_hub_context() && !s->stopped();
  try {
    if (acceptor_ && !acceptor_.dead()) acceptor_.kill(can_block);
    handlers_->kill(can_block);
    if (stopper_ && !stopper_.dead() && can_block) stopper_.join();
  } catch (...) {
  }
}

}  // namespace grove::detail
