#pragma once
// zmq_socket.hpp — green ZeroMQ sockets (gevent's zmq.green): REQ/REP,
// PUB/SUB, PUSH/PULL, DEALER/ROUTER... whose send and recv park only the
// calling fiber.
//
//   zmq::context_t ctx;
//   grove::ZmqSocket rep(ctx, zmq::socket_type::rep);
//   rep.bind("inproc://service");
//   std::string request = rep.recv_string();      // parks the fiber, obeys Timeout
//   rep.send("reply");
//
// How: every operation is tried with ZMQ_DONTWAIT; when it would block, the
// fiber waits for the socket's ZMQ_FD to become readable through the hub's
// reactor and re-reads ZMQ_EVENTS. ZMQ_FD is edge-triggered, so a waiting
// fiber always re-checks ZMQ_EVENTS before waiting (and a caller draining
// a socket keeps calling recv until it would block); after each successful
// operation, fibers waiting on the same socket are woken to re-check, since
// reading ZMQ_EVENTS may have consumed their edge.
// A ZmqSocket belongs to the thread that made it (ZeroMQ sockets are not
// thread-safe); the context may be shared. Errors are IoError with the
// "zmq" category (or reported through error_code&).

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/io_error.hpp>

#include <grove/detail/one_user.hpp>
#include <grove/detail/scheduler.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <zmq.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace grove {

// zmq_category() names ZeroMQ's errno values (EFSM, ETERM, ...).
const boost::system::error_category& zmq_category() noexcept;

class ZmqSocket {
 public:
  using error_code = boost::system::error_code;

  ZmqSocket(zmq::context_t& context, zmq::socket_type type);
  ~ZmqSocket();
  ZmqSocket(const ZmqSocket&) = delete;
  ZmqSocket& operator=(const ZmqSocket&) = delete;

  void bind(const std::string& endpoint) { socket_.bind(endpoint); }
  void connect(const std::string& endpoint) { socket_.connect(endpoint); }
  // subscribe(prefix) (SUB sockets): receive messages starting with prefix.
  void subscribe(std::string_view prefix) { socket_.set(zmq::sockopt::subscribe, prefix); }
  // native() is the cppzmq socket for options (socket.native().set(zmq::sockopt::...)).
  zmq::socket_t& native() noexcept { return socket_; }

  // send(msg, flags) sends one frame (sndmore: more frames follow). It
  // returns false only with dontwait when the socket is not ready.
  bool send(zmq::message_t& msg, zmq::send_flags flags = zmq::send_flags::none);
  bool send(zmq::message_t& msg, zmq::send_flags flags, error_code& ec);
  void send(std::string_view data, zmq::send_flags flags = zmq::send_flags::none);
  void send(std::string_view data, zmq::send_flags flags, error_code& ec);
  // recv(msg, flags) receives one frame; false only with dontwait when
  // nothing is there.
  bool recv(zmq::message_t& msg, zmq::recv_flags flags = zmq::recv_flags::none);
  bool recv(zmq::message_t& msg, zmq::recv_flags flags, error_code& ec);
  std::string recv_string();
  std::string recv_string(error_code& ec);
  // more() is true when the last frame received has more parts after it.
  bool more() const;
  // send_multipart/recv_multipart move whole multi-frame messages.
  void send_multipart(const std::vector<std::string>& parts);
  void send_multipart(const std::vector<std::string>& parts, error_code& ec);
  std::vector<std::string> recv_multipart();
  std::vector<std::string> recv_multipart(error_code& ec);

  // set_timeout(d): a deadline for each later send/recv (error timed_out):
  // a duration from each call's start or one TimePoint for all; a negative
  // or NaN duration is a UsageError naming ZmqSocket::set_timeout.
  void set_timeout(Deadline d) {
    d.check("ZmqSocket::set_timeout");
    timeout_ = d;
  }
  // close() closes the socket (its pending messages follow ZMQ_LINGER).
  void close() noexcept;
  bool is_open() const noexcept { return static_cast<bool>(socket_); }

 private:
  // wait_for(events) parks until ZMQ_EVENTS has one of events.
  bool wait_for(int events, TimePoint deadline, error_code& ec, const char* what);
  void state_changed() noexcept;
  TimePoint deadline() const;

  zmq::socket_t socket_;
  boost::asio::posix::stream_descriptor notify_;  // ZMQ_FD, owned by ZeroMQ: released, never closed
  detail::Scheduler* owner_;
  detail::OneUser reader_;  // one fiber receiving at a time
  detail::OneUser writer_;  // one fiber sending at a time
  unsigned waiters_ = 0;
  Deadline timeout_;
};

}  // namespace grove
