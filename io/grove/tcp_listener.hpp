#pragma once
// tcp_listener.hpp — TcpListener, a green listening TCP socket:
//
//   grove::TcpListener listener(grove::tcp_endpoint("127.0.0.1", 0));
//   auto port = listener.local_endpoint().port();
//   grove::TcpSocket client = listener.accept();   // parks the fiber, obeys Timeout
//
// accept() reports resource exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM) as
// errors like any other; StreamServer backs off on them.

#include <grove/duration.hpp>
#include <grove/tcp_socket.hpp>

#include <boost/asio/ip/tcp.hpp>

namespace grove {

struct ListenOptions {
  // backlog is the kernel's queue of connections not yet accepted.
  int backlog = 1024;
  bool reuse_address = true;
};

class TcpListener {
 public:
  using error_code = boost::system::error_code;

  // TcpListener(endpoint) binds and listens (port 0: any free port); it
  // throws IoError when it cannot.
  explicit TcpListener(const TcpEndpoint& endpoint, ListenOptions options = {});
  TcpListener(const TcpEndpoint& endpoint, ListenOptions options, error_code& ec);
  TcpListener(TcpListener&&) noexcept = default;
  TcpListener& operator=(TcpListener&&) noexcept = default;
  ~TcpListener();

  // accept() waits for the next connection; accept(ec) reports errors
  // (closed_by_other once close() was called from another fiber).
  TcpSocket accept();
  TcpSocket accept(error_code& ec);
  // accept(peer, ec) also stores the peer's endpoint.
  TcpSocket accept(TcpEndpoint& peer, error_code& ec);

  TcpEndpoint local_endpoint() const;
  bool is_open() const noexcept { return acceptor_.is_open(); }
  // close() stops listening; a fiber blocked in accept() gets closed_by_other.
  void close() noexcept;
  boost::asio::ip::tcp::acceptor& asio_acceptor() noexcept { return acceptor_; }

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  detail::Scheduler* owner_;
};

}  // namespace grove
