#pragma once
// datagram_server.hpp — DatagramServer (gevent.server.DatagramServer):
// receives UDP datagrams and runs handler(data, peer, server) for each in a
// fiber of its own; the handler answers with server.send_to(reply, peer).
//
//   grove::DatagramServer echo(grove::udp_endpoint("127.0.0.1", 9000),
//       [](std::string data, const grove::UdpEndpoint& peer, grove::DatagramServer& s) {
//         s.send_to(data, peer);
//       });
//   echo.start();
//
// Receiving pauses while the handler pool is full (pool_size); an
// exception escaping a handler is logged. Use it from its hub's thread and
// stop() it before destroying it.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/udp_socket.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace grove {

struct DatagramServerOptions {
  std::size_t pool_size = 0;         // handlers at once (0: no cap)
  std::size_t max_datagram = 65536;  // longer datagrams are truncated
};

class DatagramServer {
 public:
  using Handler = std::function<void(std::string data, const UdpEndpoint& peer, DatagramServer& server)>;

  DatagramServer(const UdpEndpoint& endpoint, Handler handler, DatagramServerOptions options = {});
  ~DatagramServer();
  DatagramServer(const DatagramServer&) = delete;
  DatagramServer& operator=(const DatagramServer&) = delete;

  // start() binds and starts receiving in a fiber; IoError if it cannot bind.
  void start();
  // serve_forever() starts if needed and blocks until stop().
  void serve_forever();
  // stop(grace) stops receiving, waits up to grace for handlers, kills the
  // rest. grace is a Deadline (a duration or a time point); a negative or
  // NaN duration is a UsageError naming DatagramServer::stop.
  void stop(Deadline grace = std::chrono::seconds(1));

  // send_to(data, peer) sends a datagram from the server's socket.
  std::size_t send_to(std::string_view data, const UdpEndpoint& peer) { return socket_->send_to(data, peer); }
  std::size_t send_to(std::string_view data, const UdpEndpoint& peer, boost::system::error_code& ec) {
    return socket_->send_to(data, peer, ec);
  }
  UdpEndpoint local_endpoint() const;
  std::uint64_t received() const noexcept { return received_; }

 private:
  void receive_loop();

  UdpEndpoint endpoint_;
  Handler handler_;
  DatagramServerOptions options_;
  std::optional<UdpSocket> socket_;
  std::unique_ptr<Group> handlers_;
  Pool* pool_ = nullptr;
  Fiber<> receiver_;
  Event done_;
  bool started_ = false;
  bool stopping_ = false;
  std::uint64_t received_ = 0;
};

}  // namespace grove
