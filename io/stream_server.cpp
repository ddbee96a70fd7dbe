// stream_server.cpp — StreamServer: the accept loop, its back-off, and the
// per-connection fibers.

#include <grove/stream_server.hpp>

#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/tls.hpp>

#include <boost/asio/error.hpp>
#include <boost/context/fiber.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <string>

namespace grove {

namespace asio = boost::asio;

namespace {

// out_of_resources() is true for accept() errors that a busy loop would
// only make worse: the process or system is out of descriptors or memory.
bool out_of_resources(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category() && ec.category() != boost::system::generic_category())
    return false;
  const int v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

}  // namespace

StreamServer::StreamServer(const TcpEndpoint& endpoint, Handler handler, StreamServerOptions options)
    : endpoint_(endpoint),
      handler_(std::move(handler)),
      options_(std::move(options)),
      life_("grove::StreamServer", options_.pool_size) {
  if (!handler_) throw UsageError("grove::StreamServer: the handler is empty");
  to_duration(options_.handshake_timeout, "StreamServer handshake_timeout");
  to_duration(options_.backoff_min, "StreamServer backoff_min");
  to_duration(options_.backoff_max, "StreamServer backoff_max");
}

StreamServer::~StreamServer() {
  if (life_.started() && !life_.stopped() && detail::tls_scheduler && listener_) listener_->close();
  life_.destroy();
}

void StreamServer::start() {
  if (!life_.should_start()) return;
  listener_.emplace(endpoint_, options_.listen);
  bound_ = listener_->local_endpoint();
  life_.start([this] { accept_loop(); }, "StreamServer accept " + std::to_string(bound_.port()));
}

void StreamServer::serve_forever() {
  start();
  life_.serve_forever();
}

TcpEndpoint StreamServer::local_endpoint() const {
  return life_.started() ? bound_ : endpoint_;
}

void StreamServer::stop(Duration grace) {
  life_.stop(grace, [this] {
    if (listener_) listener_->close();
  });
}

void StreamServer::accept_loop() {
  Duration backoff = options_.backoff_min;
  unsigned in_a_row = 0;
  for (;;) {
    // A flood of connections must not starve the handlers: let them run
    // after every 64 accepts that did not park (gevent's max_accept).
    if (++in_a_row == 64) {
      in_a_row = 0;
      this_fiber::yield();
    }
    life_.wait_for_room();
    TcpEndpoint peer;
    boost::system::error_code ec;
    TcpSocket socket = listener_->accept(peer, ec);
    if (ec) {
      if (life_.stopping() || !listener_->is_open() || ec == io_errc::closed_by_other) return;
      ++accept_errors_;
      if (out_of_resources(ec)) {
        if (backoff == options_.backoff_min)
          spdlog::warn("grove::StreamServer: accept failed ({}); backing off", ec.message());
        this_fiber::sleep(backoff);
        backoff = std::min(backoff * 2, options_.backoff_max);
      } else {
        spdlog::warn("grove::StreamServer: accept failed: {}", ec.message());
        this_fiber::sleep(options_.backoff_min);
      }
      continue;
    }
    backoff = options_.backoff_min;
    ++accepted_;
    if (options_.max_connections > 0 && life_.handlers().size() >= options_.max_connections) {
      ++rejected_;
      socket.close();
      continue;
    }
    if (options_.no_delay) {
      boost::system::error_code ignored;
      socket.asio_socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    life_.handlers().spawn([this, socket = std::move(socket), peer]() mutable { serve(socket, peer); });
  }
}

void StreamServer::serve(TcpSocket& socket, const TcpEndpoint& peer) {
  if (!options_.tls) {
    run_handler(socket, peer);
    return;
  }
  TlsStream tls(std::move(socket), *options_.tls);
  tls.set_timeout(options_.handshake_timeout);
  boost::system::error_code ec;
  tls.handshake(TlsRole::server, ec);
  if (ec) {
    spdlog::debug("grove::StreamServer: TLS handshake with {}:{} failed: {}", peer.address().to_string(),
                  peer.port(), ec.message());
    return;
  }
  tls.set_timeout(Duration::max());
  run_handler(tls, peer);
}

void StreamServer::run_handler(Stream& stream, const TcpEndpoint& peer) {
  try {
    handler_(stream, peer);
  } catch (const FiberExit&) {
    throw;
  } catch (const std::exception& e) {
    spdlog::warn("grove::StreamServer: the handler for {}:{} failed: {}", peer.address().to_string(), peer.port(),
                 e.what());
  }
}

}  // namespace grove
