#pragma once
// stream_server.hpp — StreamServer (gevent.server.StreamServer): accepts TCP
// connections and runs handler(stream, peer) in one fiber per connection.
//
//   grove::StreamServer server(grove::tcp_endpoint("127.0.0.1", 5000),
//                              [](grove::Stream& s, const grove::TcpEndpoint&) {
//                                s.send_all("Hello from a telnet!\n");
//                              });
//   server.serve_forever();   // or start(), and later stop(grace)
//
// The handler gets a Stream (a TcpSocket, or a TlsStream when options.tls
// is set), so the same handler serves plain, TLS and in-memory connections.
// The connection is closed when the handler returns; an exception escaping
// it is logged (with the peer) and ends only that connection. Accepting
// pauses while the handler pool is full (pool_size); connections past
// max_connections are accepted and closed at once (counted in rejected()).
// When accept() fails for lack of descriptors or memory (EMFILE, ENFILE,
// ENOBUFS, ENOMEM) the server sleeps 10 ms, doubling up to 1 s while the
// failures last, and keeps serving the connections it has; it logs one
// warning when such an episode starts and one line when an accept succeeds
// again (accept_errors() counts every failure).
// Use it from its hub's thread; stop() it before destroying it.
//
// A server may also start on a listener that already exists (gevent's
// StreamServer(listener=socket)): a TcpListener, or a descriptor bound
// (listening or not) by a parent process:
//
//   grove::StreamServer server(grove::TcpListener::from_fd(3), handler);
//
// The same server over AF_UNIX paths is UnixStreamServer
// (unix_stream_server.hpp): one implementation, BasicStreamServer.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/detail/server_lifecycle.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace grove {

class TlsContext;

struct StreamServerOptions {
  // pool_size caps the connections handled at once (0: no cap); while the
  // pool is full the server stops accepting and clients wait in the backlog.
  std::size_t pool_size = 0;
  // max_connections: a connection beyond this many open ones is closed at
  // once instead of waiting (0: no limit).
  std::size_t max_connections = 0;
  ListenOptions listen{};
  // no_delay sets TCP_NODELAY on every accepted connection.
  bool no_delay = true;
  // tls, when set, makes every connection a server-side TlsStream; the
  // handshake must finish within handshake_timeout. The context must
  // outlive the server.
  TlsContext* tls = nullptr;
  Duration handshake_timeout = std::chrono::seconds(10);
  // Back-off on descriptor/memory exhaustion in accept().
  Duration backoff_min = std::chrono::milliseconds(10);
  Duration backoff_max = std::chrono::seconds(1);
};

// BasicStreamServer<Listener> is the one implementation of StreamServer
// (TCP) and UnixStreamServer (AF_UNIX); Listener is TcpListener or
// UnixListener. Its code lives in io/stream_server.cpp.
template <class Listener>
class BasicStreamServer {
 public:
  using listener_type = Listener;
  using endpoint_type = typename Listener::endpoint_type;
  using socket_type = decltype(std::declval<Listener&>().accept());
  using Handler = std::function<void(Stream&, const endpoint_type& peer)>;

  // BasicStreamServer(endpoint, handler) listens on endpoint at start().
  BasicStreamServer(const endpoint_type& endpoint, Handler handler, StreamServerOptions options = {});
  // BasicStreamServer(listener, handler) serves an existing listener (it
  // takes ownership; options.listen is then unused). UsageError when it is
  // not open.
  BasicStreamServer(Listener listener, Handler handler, StreamServerOptions options = {});
  // A handler may also take just the stream.
  template <class F>
  requires(std::invocable<F&, Stream&> && !std::invocable<F&, Stream&, const endpoint_type&>)
      BasicStreamServer(const endpoint_type& endpoint, F handler, StreamServerOptions options = {})
      : BasicStreamServer(endpoint, stream_only(std::move(handler)), options) {}
  template <class F>
  requires(std::invocable<F&, Stream&> && !std::invocable<F&, Stream&, const endpoint_type&>)
      BasicStreamServer(Listener listener, F handler, StreamServerOptions options = {})
      : BasicStreamServer(std::move(listener), stream_only(std::move(handler)), options) {}
  ~BasicStreamServer();
  BasicStreamServer(const BasicStreamServer&) = delete;
  BasicStreamServer& operator=(const BasicStreamServer&) = delete;

  // start() binds, listens (unless given a listener) and starts accepting
  // in a fiber of its own; it throws IoError when it cannot listen.
  // Starting twice does nothing.
  void start();
  // serve_forever() starts if needed and blocks until stop().
  void serve_forever();
  // stop(grace) stops accepting at once, waits up to grace for the
  // handlers to finish, then kills the rest and waits for them to unwind.
  // Called from a handler, it runs in a fiber of its own and returns at once.
  // grace is a Deadline (a duration or a time point); a negative or NaN
  // duration is a UsageError naming the server's stop.
  void stop(Deadline grace = std::chrono::seconds(1));

  // stop_accepting() stops taking new connections (gevent's
  // stop_accepting): the listener stays open, so clients wait in its
  // backlog, and the running handlers carry on. start_accepting() resumes.
  // Both are no-ops when already so; start_accepting() before start() or
  // after stop() is a UsageError.
  void stop_accepting() { life_.stop_accepting(); }
  void start_accepting() { life_.start_accepting(); }
  bool accepting() const noexcept { return life_.accepting(); }

  // started() is true from start() until stop() (gevent's started);
  // stopped() once stop() has finished.
  bool started() const noexcept { return life_.started() && !life_.stopping(); }
  bool stopped() const noexcept { return life_.stopped(); }
  // local_endpoint() is where it listens (the real port after port 0).
  endpoint_type local_endpoint() const;

  // connections() is how many handlers run now.
  std::size_t connections() const noexcept { return life_.handlers().size(); }
  std::uint64_t accepted() const noexcept { return accepted_; }
  std::uint64_t rejected() const noexcept { return rejected_; }
  // accept_errors() counts accept() failures (EMFILE and friends).
  std::uint64_t accept_errors() const noexcept { return accept_errors_; }

 private:
  template <class F>
  static Handler stream_only(F handler) {
    return Handler([h = std::move(handler)](Stream& s, const endpoint_type&) mutable { h(s); });
  }
  void check_options() const;
  void accept_loop();
  void serve(socket_type& socket, const endpoint_type& peer);
  void run_handler(Stream& stream, const endpoint_type& peer);

  endpoint_type endpoint_;
  endpoint_type bound_;  // where it listens once started
  Handler handler_;
  StreamServerOptions options_;
  std::optional<Listener> listener_;
  detail::ServerLifecycle life_;
  std::uint64_t accepted_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t accept_errors_ = 0;
};

extern template class BasicStreamServer<TcpListener>;

// StreamServer serves TCP (and TLS over TCP: options.tls).
class StreamServer final : public BasicStreamServer<TcpListener> {
 public:
  using BasicStreamServer::BasicStreamServer;
  // from_fd(fd, handler) serves a TCP socket bound (listening or not) by
  // someone else (TcpListener::from_fd: UsageError for a wrong descriptor).
  StreamServer(int listening_fd, Handler handler, StreamServerOptions options = {})
      : BasicStreamServer(TcpListener::from_fd(listening_fd, options.listen), std::move(handler), options) {}
  std::uint16_t port() const { return local_endpoint().port(); }
};

}  // namespace grove
