// zmq_socket.cpp — green ZeroMQ: DONTWAIT operations, ZMQ_FD waits on the
// hub's reactor, ZMQ_EVENTS re-checked around every wait.

#include <grove/zmq_socket.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>

#include <cerrno>

namespace grove {

namespace asio = boost::asio;
using detail::OpResult;
using detail::OpStatus;

namespace {

class ZmqCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "zmq"; }
  std::string message(int ev) const override { return zmq_strerror(ev); }
};

// run_zmq(s, flags, ec, open, attempt, wait) is the one retry loop of send
// and recv: attempt(flags | ZMQ_DONTWAIT) until it succeeds (true), the
// socket is closed (not_connected), ZeroMQ reports an error other than
// EINTR/EAGAIN (ec in zmq_category()), or, on EAGAIN, the caller asked for
// ZMQ_DONTWAIT (false, ec clear) or wait(ec) fails (false). Interrupts are
// raised before each attempt.
template <class Open, class Attempt, class Wait>
bool run_zmq(detail::Scheduler& s, int flags, boost::system::error_code& ec, Open&& open, Attempt&& attempt,
             Wait&& wait) {
  const bool dontwait = (flags & ZMQ_DONTWAIT) != 0;
  for (;;) {
    s.raise_pending();
    if (!open()) {
      ec = io_errc::not_connected;
      return false;
    }
    if (attempt(flags | ZMQ_DONTWAIT) >= 0) return true;
    const int err = zmq_errno();
    if (err == EINTR) continue;
    if (err != EAGAIN) {
      ec = boost::system::error_code(err, zmq_category());
      return false;
    }
    if (dontwait) return false;
    if (!wait(ec)) return false;
  }
}

}  // namespace

const boost::system::error_category& zmq_category() noexcept {
  static const ZmqCategory category;
  return category;
}

ZmqSocket::ZmqSocket(zmq::context_t& context, zmq::socket_type type)
    : socket_(context, type), notify_(hub().io_context()), owner_(&detail::scheduler()) {
  const int fd = socket_.get(zmq::sockopt::fd);
  boost::system::error_code ec;
  notify_.assign(fd, ec);
  detail::throw_if(ec, "ZmqSocket (watching ZMQ_FD)");
}

ZmqSocket::~ZmqSocket() { close(); }

void ZmqSocket::close() noexcept {
  if (notify_.is_open()) {
    boost::system::error_code ignored;
    notify_.cancel(ignored);
    (void)notify_.release();  // ZeroMQ owns the descriptor
  }
  if (socket_) socket_.close();
}

TimePoint ZmqSocket::deadline() const {
  return timeout_.time_point("ZmqSocket::set_timeout");  // checked by set_timeout()
}

bool ZmqSocket::more() const { return socket_.get(zmq::sockopt::rcvmore) != 0; }

bool ZmqSocket::wait_for(int events, TimePoint until, error_code& ec, const char* what) {
  auto& s = detail::scheduler();
  for (;;) {
    if (!socket_) {
      ec = io_errc::closed_by_other;
      return false;
    }
    int ready = 0;
    std::size_t size = sizeof ready;
    if (zmq_getsockopt(socket_.handle(), ZMQ_EVENTS, &ready, &size) != 0) {
      ec = error_code(zmq_errno(), zmq_category());
      return false;
    }
    if (ready & events) return true;
    s.raise_pending();
    OpResult r;
    ++waiters_;
    struct Leave {
      unsigned& waiters;
      ~Leave() { --waiters; }
    } leave{waiters_};
    const OpStatus status = detail::run_op(
        s, until, what, r,
        [&](auto handler) { notify_.async_wait(asio::posix::descriptor_base::wait_read, std::move(handler)); },
        [this] {
          boost::system::error_code ignored;
          notify_.cancel(ignored);
        },
        detail::io_target(*this));
    // Readable, or woken to re-check by another fiber (retry): look at
    // ZMQ_EVENTS again.
    if (status == OpStatus::retry || !r.ec) continue;
    ec = r.ec;
    return false;
  }
}

void ZmqSocket::state_changed() noexcept {
  // Reading ZMQ_EVENTS in send/recv may have consumed the edge another
  // fiber waits for: wake them all to re-check.
  if (waiters_ > 0) {
    boost::system::error_code ignored;
    notify_.cancel(ignored);
  }
}

bool ZmqSocket::send(zmq::message_t& msg, zmq::send_flags flags, error_code& ec) {
  ec = {};
  detail::check_hub(owner_, "ZmqSocket::send");
  auto& s = *owner_;
  auto claim = writer_.claim(s, "ZmqSocket::send");
  const TimePoint until = deadline();
  const bool sent = run_zmq(
      s, static_cast<int>(flags), ec, [this] { return static_cast<bool>(socket_); },
      [&](int f) { return zmq_msg_send(msg.handle(), socket_.handle(), f); },
      [&](error_code& e) { return wait_for(ZMQ_POLLOUT, until, e, "ZmqSocket::send"); });
  if (sent) state_changed();
  return sent;
}

bool ZmqSocket::send(zmq::message_t& msg, zmq::send_flags flags) {
  error_code ec;
  bool sent = send(msg, flags, ec);
  detail::throw_if(ec, "ZmqSocket::send");
  return sent;
}

void ZmqSocket::send(std::string_view data, zmq::send_flags flags, error_code& ec) {
  zmq::message_t msg(data.data(), data.size());
  (void)send(msg, flags, ec);
}

void ZmqSocket::send(std::string_view data, zmq::send_flags flags) {
  zmq::message_t msg(data.data(), data.size());
  (void)send(msg, flags);
}

bool ZmqSocket::recv(zmq::message_t& msg, zmq::recv_flags flags, error_code& ec) {
  ec = {};
  detail::check_hub(owner_, "ZmqSocket::recv");
  auto& s = *owner_;
  auto claim = reader_.claim(s, "ZmqSocket::recv");
  const TimePoint until = deadline();
  const bool got = run_zmq(
      s, static_cast<int>(flags), ec, [this] { return static_cast<bool>(socket_); },
      [&](int f) { return zmq_msg_recv(msg.handle(), socket_.handle(), f); },
      [&](error_code& e) { return wait_for(ZMQ_POLLIN, until, e, "ZmqSocket::recv"); });
  if (got) state_changed();
  return got;
}

bool ZmqSocket::recv(zmq::message_t& msg, zmq::recv_flags flags) {
  error_code ec;
  bool got = recv(msg, flags, ec);
  detail::throw_if(ec, "ZmqSocket::recv");
  return got;
}

std::string ZmqSocket::recv_string(error_code& ec) {
  zmq::message_t msg;
  if (!recv(msg, zmq::recv_flags::none, ec)) return {};
  return msg.to_string();
}

std::string ZmqSocket::recv_string() {
  zmq::message_t msg;
  recv(msg);
  return msg.to_string();
}

void ZmqSocket::send_multipart(const std::vector<std::string>& parts, error_code& ec) {
  ec = {};
  for (std::size_t i = 0; i < parts.size() && !ec; ++i)
    send(parts[i], i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none, ec);
}

void ZmqSocket::send_multipart(const std::vector<std::string>& parts) {
  error_code ec;
  send_multipart(parts, ec);
  detail::throw_if(ec, "ZmqSocket::send_multipart");
}

std::vector<std::string> ZmqSocket::recv_multipart(error_code& ec) {
  std::vector<std::string> parts;
  do {
    parts.push_back(recv_string(ec));
    if (ec) return parts;  // the frames received so far
  } while (more());
  return parts;
}

std::vector<std::string> ZmqSocket::recv_multipart() {
  error_code ec;
  auto parts = recv_multipart(ec);
  detail::throw_if(ec, "ZmqSocket::recv_multipart");
  return parts;
}

}  // namespace grove
