#pragma once
// detail/datagram_socket.hpp — BasicDatagramSocket<Protocol>, the one
// implementation of a green datagram socket, shared by UdpSocket
// (udp_socket.hpp) and UnixDatagramSocket (unix_socket.hpp).
//
// Contract. Datagrams are never split or merged: a receive returns one
// datagram, truncated to the buffer given. Sends are tried at once
// (non-blocking) and wait for writability only when the send buffer is
// full; receives are speculative. Every wait parks the fiber through
// detail::run_io: timed_out after set_timeout's deadline, closed_by_other
// when another fiber closed the socket, not_connected once closed; a
// Timeout or kill() is raised, unless the datagram was already received
// (or sent): then it is returned and the interrupt is raised at the fiber's
// next suspension point. Each call has a throwing form (IoError) and an
// error_code& form. One fiber may receive and one may send at a time
// (ConcurrentUseError otherwise). Use it on the hub's thread that made it.
//
// Connected mode (connect(peer), then send/recv without an endpoint) is the
// OS's: only datagrams from the peer are received, and an error the peer's
// host reports (ECONNREFUSED when nothing listens on a UDP port) surfaces
// as an IoError on the next send or recv, as the kernel reports it.
// The code lives in io/datagram_socket.cpp, instantiated for UDP and
// AF_UNIX datagram sockets only.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/io_error.hpp>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include <grove/detail/one_user.hpp>
#include <grove/detail/scheduler.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace grove::detail {

template <class Protocol>
class BasicDatagramSocket {
 public:
  using error_code = boost::system::error_code;
  using protocol_type = Protocol;
  using socket_type = typename Protocol::socket;
  using endpoint_type = typename Protocol::endpoint;

  BasicDatagramSocket(BasicDatagramSocket&&) noexcept = default;
  BasicDatagramSocket& operator=(BasicDatagramSocket&&) noexcept = default;
  ~BasicDatagramSocket();

  // send_to(data, peer) sends one datagram; it returns the bytes sent.
  std::size_t send_to(const void* data, std::size_t size, const endpoint_type& peer);
  std::size_t send_to(const void* data, std::size_t size, const endpoint_type& peer, error_code& ec);
  std::size_t send_to(std::string_view data, const endpoint_type& peer) {
    return send_to(data.data(), data.size(), peer);
  }
  std::size_t send_to(std::string_view data, const endpoint_type& peer, error_code& ec) {
    return send_to(data.data(), data.size(), peer, ec);
  }
  // recv_from(data, size, from) waits for one datagram and stores its sender.
  std::size_t recv_from(void* data, std::size_t size, endpoint_type& from);
  std::size_t recv_from(void* data, std::size_t size, endpoint_type& from, error_code& ec);
  std::string recv_from(endpoint_type& from, std::size_t max = 65536);
  std::string recv_from(endpoint_type& from, std::size_t max, error_code& ec);

  // connect(peer) fixes the peer: send()/recv() then need no endpoint and
  // only the peer's datagrams arrive. No packet is sent; it never blocks.
  void connect(const endpoint_type& peer);
  void connect(const endpoint_type& peer, error_code& ec);
  // send(data) sends one datagram to the connected peer (not_connected
  // before connect(): the OS's EDESTADDRREQ).
  std::size_t send(const void* data, std::size_t size);
  std::size_t send(const void* data, std::size_t size, error_code& ec);
  std::size_t send(std::string_view data) { return send(data.data(), data.size()); }
  std::size_t send(std::string_view data, error_code& ec) { return send(data.data(), data.size(), ec); }
  // recv(data, size) waits for one datagram from the connected peer.
  std::size_t recv(void* data, std::size_t size);
  std::size_t recv(void* data, std::size_t size, error_code& ec);
  std::string recv(std::size_t max = 65536);
  std::string recv(std::size_t max, error_code& ec);

  endpoint_type local_endpoint() const;
  // remote_endpoint() is the connected peer (IoError when not connected).
  endpoint_type remote_endpoint() const;
  bool is_open() const noexcept { return socket_.is_open(); }
  // close() closes the socket; a fiber blocked on it gets closed_by_other.
  void close() noexcept;
  // set_timeout(d): a deadline for each later call (error timed_out): a
  // duration from each call's start or one TimePoint for all; a negative
  // or NaN duration is a UsageError naming the class's set_timeout.
  void set_timeout(Deadline d) {
    d.check(std::is_same_v<Protocol, boost::asio::ip::udp> ? "UdpSocket::set_timeout"
                                                           : "UnixDatagramSocket::set_timeout");
    timeout_ = d;
  }
  socket_type& asio_socket() noexcept { return socket_; }
  int native_handle() { return socket_.native_handle(); }
  // cancel_io() cancels what every fiber waits for on this socket; a
  // waiter that was not interrupted itself simply waits again.
  void cancel_io() noexcept;

 protected:
  // The socket starts closed; the derived class opens it.
  BasicDatagramSocket();
  // open(protocol) opens an unbound socket; bind(local) opens and binds.
  void open(const Protocol& protocol, const char* what);
  void bind(const endpoint_type& local, error_code& ec);
  // adopt_fd(fd, what) takes ownership of a datagram socket of this protocol.
  void adopt_fd(int fd, const char* what);
  TimePoint deadline() const;

  socket_type socket_;
  Scheduler* owner_;
  OneUser reader_;  // one fiber receiving at a time
  OneUser writer_;  // one fiber sending at a time
  Deadline timeout_;

 private:
  // send_with(what, try_now, start): try_now(ec) sends without waiting;
  // on EAGAIN start(handler) sends when writable.
  template <class TryNow, class Start>
  std::size_t send_with(const char* what, error_code& ec, TryNow&& try_now, Start&& start);
};

extern template class BasicDatagramSocket<boost::asio::ip::udp>;
extern template class BasicDatagramSocket<boost::asio::local::datagram_protocol>;

}  // namespace grove::detail
