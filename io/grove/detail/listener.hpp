#pragma once
// detail/listener.hpp — BasicListener<Protocol, Socket>, the one
// implementation of a green listening socket, shared by TcpListener
// (tcp_listener.hpp) and UnixListener (unix_listener.hpp).
//
// Contract. accept() takes a queued connection at once (non-blocking) and
// otherwise parks the fiber until the listener is readable (through
// detail::run_op), obeying Timeout and kill(); a connection the peer
// aborted before it was taken is skipped. Resource exhaustion (EMFILE,
// ENFILE, ENOBUFS, ENOMEM) is reported like any other error; StreamServer
// backs off on it. close() from another fiber makes a blocked accept()
// fail with closed_by_other. Use it on the hub's thread that made it. The
// code lives in io/listener.cpp, instantiated for TCP and AF_UNIX only.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/system/error_code.hpp>

#include <grove/detail/scheduler.hpp>

namespace grove {

struct ListenOptions {
  // backlog is the kernel's queue of connections not yet accepted.
  int backlog = 1024;
  // reuse_address sets SO_REUSEADDR (TCP only).
  bool reuse_address = true;
  // reuse_port sets SO_REUSEPORT (TCP only): several listeners, each set
  // so, may bind the same address and port, and the kernel spreads new
  // connections over them (by a hash of the peer's address and port). One
  // StreamServer per hub of a Runtime, each on its own socket, is how a
  // server uses every core (docs/guide/runtime.md, "One listener per hub").
  // A connection still queued on a listener when it closes is reset.
  bool reuse_port = false;
};

namespace detail {

template <class Protocol, class Socket>
class BasicListener {
 public:
  using error_code = boost::system::error_code;
  using endpoint_type = typename Protocol::endpoint;
  using acceptor_type = typename Protocol::acceptor;

  BasicListener(BasicListener&&) noexcept = default;
  BasicListener& operator=(BasicListener&&) noexcept = default;
  ~BasicListener();

  // accept() waits for the next connection; accept(ec) reports errors
  // (closed_by_other once close() was called from another fiber).
  Socket accept();
  Socket accept(error_code& ec);
  // accept(peer, ec) also stores the peer's endpoint.
  Socket accept(endpoint_type& peer, error_code& ec);

  endpoint_type local_endpoint() const;
  bool is_open() const noexcept { return acceptor_.is_open(); }
  // close() stops listening; a fiber blocked in accept() gets closed_by_other.
  void close() noexcept;
  acceptor_type& asio_acceptor() noexcept { return acceptor_; }
  int native_handle() { return acceptor_.native_handle(); }

 protected:
  // The listener starts closed; the derived class opens or adopts it.
  BasicListener();
  // listen_on(endpoint, options, ec) opens, binds and listens; closed again on failure.
  void listen_on(const endpoint_type& endpoint, const ListenOptions& options, error_code& ec);
  // adopt_fd(fd, backlog, what) takes ownership of a bound stream socket
  // of this protocol, listening on it first if it does not yet.
  void adopt_fd(int fd, int backlog, const char* what);

  acceptor_type acceptor_;
  Scheduler* owner_;
};

}  // namespace detail
}  // namespace grove
