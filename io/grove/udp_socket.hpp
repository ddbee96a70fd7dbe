#pragma once
// udp_socket.hpp — UdpSocket, a green UDP socket:
//
//   grove::UdpSocket sock(grove::udp_endpoint("127.0.0.1", 0));
//   sock.send_to("ping", peer);
//   grove::UdpEndpoint from;
//   std::string reply = sock.recv_from(from);     // parks the fiber, obeys Timeout
//
// Datagrams are never split or merged: recv_from returns one datagram,
// truncated to the buffer given. Each blocking call has an error_code& form
// and reports as TcpSocket does (detail/run_op.hpp): timed_out after
// set_timeout's deadline, closed_by_other when another fiber closed the
// socket, not_connected once closed; a Timeout or kill() is raised, unless
// the datagram was already received (or sent): then it is returned and the
// interrupt is raised at the fiber's next suspension point.

#include <grove/duration.hpp>
#include <grove/io_error.hpp>

#include <boost/asio/ip/udp.hpp>

#include <grove/detail/one_user.hpp>
#include <grove/detail/scheduler.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grove {

using UdpEndpoint = boost::asio::ip::udp::endpoint;

// udp_endpoint("127.0.0.1", 53) parses a numeric address (IoError otherwise).
UdpEndpoint udp_endpoint(std::string_view address, std::uint16_t port);

class UdpSocket {
 public:
  using error_code = boost::system::error_code;

  // UdpSocket() opens an IPv4 socket, not bound yet (send_to binds it).
  UdpSocket();
  // UdpSocket(local) opens and binds to local (port 0: any free port).
  explicit UdpSocket(const UdpEndpoint& local);
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;
  ~UdpSocket();

  // send_to(data, peer) sends one datagram; it returns the bytes sent.
  std::size_t send_to(const void* data, std::size_t size, const UdpEndpoint& peer);
  std::size_t send_to(const void* data, std::size_t size, const UdpEndpoint& peer, error_code& ec);
  std::size_t send_to(std::string_view data, const UdpEndpoint& peer) { return send_to(data.data(), data.size(), peer); }
  std::size_t send_to(std::string_view data, const UdpEndpoint& peer, error_code& ec) {
    return send_to(data.data(), data.size(), peer, ec);
  }
  // recv_from(data, size, from) waits for one datagram and stores its sender.
  std::size_t recv_from(void* data, std::size_t size, UdpEndpoint& from);
  std::size_t recv_from(void* data, std::size_t size, UdpEndpoint& from, error_code& ec);
  std::string recv_from(UdpEndpoint& from, std::size_t max = 65536);
  std::string recv_from(UdpEndpoint& from, std::size_t max, error_code& ec);

  UdpEndpoint local_endpoint() const;
  bool is_open() const noexcept { return socket_.is_open(); }
  // close() closes the socket; a fiber blocked on it gets closed_by_other.
  void close() noexcept;
  // set_timeout(d): a deadline for each later call (error timed_out).
  void set_timeout(Duration d) { timeout_ = to_duration(d, "UdpSocket::set_timeout"); }
  boost::asio::ip::udp::socket& asio_socket() noexcept { return socket_; }
  // cancel_io() cancels what every fiber waits for on this socket; a
  // waiter that was not interrupted itself simply waits again.
  void cancel_io() noexcept;

 private:
  TimePoint deadline() const;

  boost::asio::ip::udp::socket socket_;
  detail::Scheduler* owner_;
  detail::OneUser reader_;  // one fiber receiving at a time
  detail::OneUser writer_;  // one fiber sending at a time
  Duration timeout_ = Duration::max();
};

}  // namespace grove
