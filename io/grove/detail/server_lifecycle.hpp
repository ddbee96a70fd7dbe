#pragma once
// server_lifecycle.hpp — ServerLifecycle, what every fiber-per-connection
// server shares (StreamServer, the test kit's MemoryServer): the handler
// Group (a Pool when pool_size > 0), the accept fiber, and start / stop with
// a grace period / serve_forever / destruction. The server supplies its
// accept loop and how to close its listener.
// Use it from its hub's thread.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace grove::detail {

class ServerLifecycle {
 public:
  // what names the server in UsageErrors ("grove::StreamServer").
  ServerLifecycle(const char* what, std::size_t pool_size);
  ServerLifecycle(const ServerLifecycle&) = delete;
  ServerLifecycle& operator=(const ServerLifecycle&) = delete;

  // should_start() is false when already started and throws UsageError
  // once stopped; start(loop, name) then runs loop in the accept fiber.
  bool should_start() const;
  void start(std::function<void()> accept_loop, std::string fiber_name);
  // stop_accepting() ends the accept fiber (waiting for it to unwind) and
  // keeps the listener open: new clients wait in its backlog. A no-op when
  // not accepting. start_accepting() runs the accept fiber again (the loop
  // given to start()); a no-op when accepting, UsageError before start()
  // or once stopping.
  void stop_accepting();
  void start_accepting();
  bool accepting() const noexcept { return acceptor_ && !acceptor_.dead(); }
  // serve_forever() blocks until the server has stopped.
  void serve_forever() { done_.wait(); }
  // stop(grace, close_listener) closes the listener, stops accepting, waits
  // up to grace for the handlers, then kills the rest. From a handler it
  // runs in a fiber of its own and returns at once; a second call waits
  // for the first to finish.
  // A negative or NaN grace is a UsageError naming <what>::stop.
  void stop(Deadline grace, const std::function<void()>& close_listener);
  // destroy() is the owner's destructor: kills what still runs (waiting for
  // it to unwind when the caller may block). The listener is closed first.
  void destroy() noexcept;

  bool started() const noexcept { return started_; }
  bool stopping() const noexcept { return stopping_; }
  bool stopped() const noexcept { return stopped_; }
  Group& handlers() noexcept { return *handlers_; }
  const Group& handlers() const noexcept { return *handlers_; }
  // wait_for_room() blocks while the handler pool is full (no-op without one).
  void wait_for_room() {
    if (pool_) pool_->wait_available();
  }

 private:
  void do_stop(TimePoint until);

  const char* what_;
  std::unique_ptr<Group> handlers_;
  Pool* pool_ = nullptr;  // handlers_ when pool_size > 0
  Fiber<> acceptor_;
  std::function<void()> accept_loop_;
  std::string acceptor_name_;
  Fiber<> stopper_;
  Event done_;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace grove::detail
