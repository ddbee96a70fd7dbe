// stream_server.cpp — BasicStreamServer (StreamServer over TCP,
// UnixStreamServer over AF_UNIX): the accept loop, its back-off, and the
// per-connection fibers.

#include <grove/log.hpp>
#include <grove/stream_server.hpp>

#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/tls.hpp>
#include <grove/unix_stream_server.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/error.hpp>
#include <boost/context/fiber.hpp>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <string>
#include <type_traits>

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

std::string peer_text(const TcpEndpoint& ep) { return ep.address().to_string() + ":" + std::to_string(ep.port()); }
std::string peer_text(const UnixEndpoint& ep) {
  std::string path = ep.path();
  return path.empty() ? std::string("an unnamed unix peer") : path;
}

template <class Listener>
constexpr bool is_tcp = std::is_same_v<Listener, TcpListener>;

}  // namespace

template <class L>
BasicStreamServer<L>::BasicStreamServer(const endpoint_type& endpoint, Handler handler, StreamServerOptions options)
    : endpoint_(endpoint),
      handler_(std::move(handler)),
      options_(options),
      life_(is_tcp<L> ? "grove::StreamServer" : "grove::UnixStreamServer", options_.pool_size) {
  check_options();
}

template <class L>
BasicStreamServer<L>::BasicStreamServer(L listener, Handler handler, StreamServerOptions options)
    : handler_(std::move(handler)),
      options_(options),
      listener_(std::move(listener)),
      life_(is_tcp<L> ? "grove::StreamServer" : "grove::UnixStreamServer", options_.pool_size) {
  check_options();
  if (!listener_->is_open())
    throw UsageError(std::string(is_tcp<L> ? "grove::StreamServer" : "grove::UnixStreamServer") +
                     ": the listener given is closed; pass an open (bound) listener");
  endpoint_ = listener_->local_endpoint();
}

template <class L>
void BasicStreamServer<L>::check_options() const {
  const char* what = is_tcp<L> ? "grove::StreamServer" : "grove::UnixStreamServer";
  if (!handler_) throw UsageError(std::string(what) + ": the handler is empty");
  if (!is_tcp<L> && options_.tls)
    throw UsageError("grove::UnixStreamServer: TLS is served over TCP only (options.tls must be null)");
  to_duration(options_.handshake_timeout, "StreamServer handshake_timeout");
  to_duration(options_.backoff_min, "StreamServer backoff_min");
  to_duration(options_.backoff_max, "StreamServer backoff_max");
}

template <class L>
BasicStreamServer<L>::~BasicStreamServer() {
  if (life_.started() && !life_.stopped() && detail::tls_scheduler && listener_) listener_->close();
  life_.destroy();
}

template <class L>
void BasicStreamServer<L>::start() {
  if (!life_.should_start()) return;
  if (!listener_) {
    if constexpr (is_tcp<L>) listener_.emplace(endpoint_, options_.listen);
    else listener_.emplace(std::string_view(endpoint_.path()), options_.listen);
  }
  bound_ = listener_->local_endpoint();
  life_.start([this] { accept_loop(); }, "StreamServer accept " + peer_text(bound_));
}

template <class L>
void BasicStreamServer<L>::serve_forever() {
  start();
  life_.serve_forever();
}

template <class L>
auto BasicStreamServer<L>::local_endpoint() const -> endpoint_type {
  return life_.started() ? bound_ : endpoint_;
}

template <class L>
void BasicStreamServer<L>::stop(Deadline grace) {
  life_.stop(grace, [this] {
    if (listener_) listener_->close();
  });
}

template <class L>
void BasicStreamServer<L>::accept_loop() {
  Duration backoff = options_.backoff_min;
  std::uint64_t episode_errors = 0;  // accept() failures since the last success
  unsigned in_a_row = 0;
  for (;;) {
    // A flood of connections must not starve the handlers: let them run
    // after every 64 accepts that did not park (gevent's max_accept).
    if (++in_a_row == 64) {
      in_a_row = 0;
      this_fiber::yield();
    }
    life_.wait_for_room();
    endpoint_type peer;
    boost::system::error_code ec;
    socket_type socket = listener_->accept(peer, ec);
    if (ec) {
      if (life_.stopping() || !listener_->is_open() || ec == io_errc::closed_by_other) return;
      ++accept_errors_;
      ++episode_errors;
      if (out_of_resources(ec)) {
        if (backoff == options_.backoff_min)  // once per episode: a success resets it
          grove::logger()->warn("grove::StreamServer: accept failed ({}); backing off", ec.message());
        this_fiber::sleep(backoff);
        backoff = std::min(backoff * 2, options_.backoff_max);
      } else {
        grove::logger()->warn("grove::StreamServer: accept failed: {}", ec.message());
        this_fiber::sleep(options_.backoff_min);
      }
      continue;
    }
    if (episode_errors > 0)
      grove::logger()->info("grove::StreamServer: accepting again after {} failed accepts", episode_errors);
    episode_errors = 0;
    backoff = options_.backoff_min;
    ++accepted_;
    if (options_.max_connections > 0 && life_.handlers().size() >= options_.max_connections) {
      ++rejected_;
      socket.close();
      continue;
    }
    if constexpr (is_tcp<L>) {
      if (options_.no_delay) {
        boost::system::error_code ignored;
        socket.asio_socket().set_option(asio::ip::tcp::no_delay(true), ignored);
      }
    }
    life_.handlers().spawn([this, socket = std::move(socket), peer]() mutable { serve(socket, peer); });
  }
}

template <class L>
void BasicStreamServer<L>::serve(socket_type& socket, const endpoint_type& peer) {
  if constexpr (is_tcp<L>) {
    if (options_.tls) {
      TlsStream tls(std::move(socket), *options_.tls);
      tls.set_timeout(options_.handshake_timeout);
      boost::system::error_code ec;
      tls.handshake(TlsRole::server, ec);
      if (ec) {
        grove::logger()->debug("grove::StreamServer: TLS handshake with {} failed: {}", peer_text(peer), ec.message());
        return;
      }
      tls.set_timeout(Duration::max());
      run_handler(tls, peer);
      return;
    }
  }
  run_handler(socket, peer);
}

template <class L>
void BasicStreamServer<L>::run_handler(Stream& stream, const endpoint_type& peer) {
  try {
    handler_(stream, peer);
  } catch (const FiberExit&) {
    throw;
  } catch (const std::exception& e) {
    grove::logger()->warn("grove::StreamServer: the handler for {} failed: {}", peer_text(peer), e.what());
  }
}

template class BasicStreamServer<TcpListener>;
template class BasicStreamServer<UnixListener>;

}  // namespace grove
