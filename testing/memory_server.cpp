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
    : listener_(std::move(listener)), address_(listener_.address()), handler_(std::move(handler)) {
  if (!handler_) throw UsageError("grove::testing::MemoryServer: the handler is empty");
  if (!listener_.is_open()) throw UsageError("grove::testing::MemoryServer: the listener is closed");
  if (options.pool_size > 0) {
    auto pool = std::make_unique<Pool>(options.pool_size);
    pool_ = pool.get();
    handlers_ = std::move(pool);
  } else {
    handlers_ = std::make_unique<Group>();
  }
}

MemoryServer::~MemoryServer() {
  listener_.close();
  if (!started_ || stopped_) return;
  auto* s = grove::detail::tls_scheduler;
  if (!s) return;
  const bool can_block = !s->in_hub_context() && !s->stopped();
  try {
    if (acceptor_ && !acceptor_.dead()) acceptor_.kill(can_block);
    handlers_->kill(can_block);
    if (stopper_ && !stopper_.dead() && can_block) stopper_.join();
  } catch (...) {
  }
}

void MemoryServer::start() {
  if (started_) return;
  if (stopped_) throw UsageError("grove::testing::MemoryServer::start: the server was stopped; make a new one");
  started_ = true;
  acceptor_ = grove::spawn([this] { accept_loop(); });
  acceptor_.set_name("MemoryServer accept " + address_);
}

void MemoryServer::serve_forever() {
  start();
  done_.wait();
}

void MemoryServer::stop(Duration grace) {
  to_duration(grace, "MemoryServer::stop");
  if (stopping_) {
    if (!done_.is_set() && !handlers_->contains(this_fiber::self())) done_.wait();
    return;
  }
  stopping_ = true;
  listener_.close();
  if (!started_) {
    stopped_ = true;
    done_.set();
    return;
  }
  if (handlers_->contains(this_fiber::self())) {
    // A handler cannot wait for itself: stop from a fiber of its own.
    stopper_ = grove::spawn([this, grace] { do_stop(grace); });
    return;
  }
  do_stop(grace);
}

void MemoryServer::do_stop(Duration grace) {
  struct Done {
    MemoryServer& server;
    ~Done() {
      server.stopped_ = true;
      server.done_.set();
    }
  } done{*this};
  if (acceptor_ && !acceptor_.dead()) acceptor_.kill();
  if (!handlers_->join(grace)) handlers_->kill();
}

void MemoryServer::accept_loop() {
  for (;;) {
    if (pool_) pool_->wait_available();
    boost::system::error_code ec;
    std::unique_ptr<MemoryStream> stream = listener_.accept(ec);
    if (ec) {
      if (stopping_ || !listener_.is_open() || ec == io_errc::closed_by_other) return;
      spdlog::warn("grove::testing::MemoryServer {}: accept failed: {}", address_, ec.message());
      continue;
    }
    ++accepted_;
    handlers_->spawn([this, stream = std::shared_ptr<MemoryStream>(std::move(stream))] { run_handler(*stream); });
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
