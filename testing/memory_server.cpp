// memory_server.cpp — MemoryServer: the accept loop and the per-connection
// fibers (StreamServer's structure without the TCP back-off and TLS).

#include <grove/testing/memory_server.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>

#include <spdlog/spdlog.h>

#include <exception>
#include <string>

namespace grove::testing {

MemoryServer::MemoryServer(MemoryListener listener, Handler handler, MemoryServerOptions options)
    : listener_(std::move(listener)),
      address_(listener_.address()),
      handler_(std::move(handler)),
      life_("grove::testing::MemoryServer", options.pool_size) {
  if (!handler_) throw UsageError("grove::testing::MemoryServer: the handler is empty");
  if (!listener_.is_open()) throw UsageError("grove::testing::MemoryServer: the listener is closed");
}

MemoryServer::~MemoryServer() {
  listener_.close();
  life_.destroy();
}

void MemoryServer::start() {
  if (life_.should_start()) life_.start([this] { accept_loop(); }, "MemoryServer accept " + address_);
}

void MemoryServer::serve_forever() {
  start();
  life_.serve_forever();
}

void MemoryServer::stop(Deadline grace) {
  life_.stop(grace, [this] { listener_.close(); });
}

void MemoryServer::accept_loop() {
  for (;;) {
    life_.wait_for_room();
    boost::system::error_code ec;
    std::unique_ptr<MemoryStream> stream = listener_.accept(ec);
    if (ec) {
      if (life_.stopping() || !listener_.is_open() || ec == io_errc::closed_by_other) return;
      spdlog::warn("grove::testing::MemoryServer {}: accept failed: {}", address_, ec.message());
      continue;
    }
    ++accepted_;
    life_.handlers().spawn([this, stream = std::shared_ptr<MemoryStream>(std::move(stream))] { run_handler(*stream); });
  }
}

void MemoryServer::run_handler(Stream& stream) {
  try {
    handler_(stream);
  } catch (const FiberExit&) {
    throw;
  } catch (const std::exception& e) {
    spdlog::warn("grove::testing::MemoryServer: the handler for {} failed: {}", stream.describe(), e.what());
  }
}

}  // namespace grove::testing
