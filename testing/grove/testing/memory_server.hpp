#pragma once
// memory_server.hpp — MemoryServer, grove::StreamServer's twin on a
// MemoryNetwork: it accepts in a loop and runs handler(stream) in one fiber
// per connection, so the handler a TCP server runs serves in-memory
// connections unchanged:
//
//   void echo(grove::Stream& s) { ... }                 // the same function
//   grove::StreamServer tcp(grove::tcp_endpoint("127.0.0.1", 0), echo);
//   grove::testing::MemoryServer sim(net.listen("echo:7"), echo);
//   sim.start();                                         // later: sim.stop(grace)
//
// The connection is closed when the handler returns; an exception escaping
// the handler is logged and ends only that connection. stop(grace) closes
// the listener at once, waits up to grace for the handlers, then kills the
// rest and waits for them to unwind; from a handler it runs in a fiber of
// its own. Use it from its hub's thread; stop() it before destroying it.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>
#include <grove/testing/memory_listener.hpp>
#include <grove/detail/server_lifecycle.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace grove::testing {

struct MemoryServerOptions {
  // pool_size caps the connections handled at once (0: no cap); while the
  // pool is full the server stops accepting and clients wait in the backlog.
  std::size_t pool_size = 0;
};

class MemoryServer {
 public:
  using Handler = std::function<void(Stream&)>;

  MemoryServer(MemoryListener listener, Handler handler, MemoryServerOptions options = {});
  ~MemoryServer();
  MemoryServer(const MemoryServer&) = delete;
  MemoryServer& operator=(const MemoryServer&) = delete;

  // start() starts accepting in a fiber of its own; twice does nothing.
  void start();
  // serve_forever() starts if needed and blocks until stop().
  void serve_forever();
  // stop(grace) takes a grove::Deadline (a duration from now or a time
  // point), as StreamServer::stop; a negative or NaN grace is a UsageError.
  void stop(Deadline grace = std::chrono::seconds(1));

  bool started() const noexcept { return life_.started(); }
  bool stopped() const noexcept { return life_.stopped(); }
  const std::string& address() const noexcept { return address_; }
  // connections() is how many handlers run now.
  std::size_t connections() const noexcept { return life_.handlers().size(); }
  std::uint64_t accepted() const noexcept { return accepted_; }

 private:
  void accept_loop();
  void run_handler(Stream& stream);

  MemoryListener listener_;
  std::string address_;
  Handler handler_;
  grove::detail::ServerLifecycle life_;
  std::uint64_t accepted_ = 0;
};

}  // namespace grove::testing
