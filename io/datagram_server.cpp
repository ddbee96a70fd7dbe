// datagram_server.cpp — DatagramServer: one receiving fiber, one handler
// fiber per datagram.

#include <grove/datagram_server.hpp>
#include <grove/log.hpp>

#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <spdlog/spdlog.h>

#include <exception>

namespace grove {

DatagramServer::DatagramServer(const UdpEndpoint& endpoint, Handler handler, DatagramServerOptions options)
    : endpoint_(endpoint), handler_(std::move(handler)), options_(options) {
  if (!handler_) throw UsageError("grove::DatagramServer: the handler is empty");
  if (options_.max_datagram == 0) options_.max_datagram = 1;
  if (options_.pool_size > 0) {
    auto pool = std::make_unique<Pool>(options_.pool_size);
    pool_ = pool.get();
    handlers_ = std::move(pool);
  } else {
    handlers_ = std::make_unique<Group>();
  }
}

DatagramServer::~DatagramServer() {
  if (!started_ || done_.is_set()) return;
  auto* s = detail::tls_scheduler;
  if (!s) return;
  if (socket_) socket_->close();
  const bool can_block = !s->in_hub_context() && !s->stopped();
  try {
    if (receiver_ && !receiver_.dead()) receiver_.kill(can_block);
    handlers_->kill(can_block);
  } catch (...) {
  }
}

void DatagramServer::start() {
  if (started_) return;
  socket_.emplace(endpoint_);
  started_ = true;
  receiver_ = grove::spawn([this] { receive_loop(); });
  receiver_.set_name("DatagramServer receive " + std::to_string(socket_->local_endpoint().port()));
}

void DatagramServer::serve_forever() {
  start();
  done_.wait();
}

UdpEndpoint DatagramServer::local_endpoint() const { return socket_ ? socket_->local_endpoint() : endpoint_; }

void DatagramServer::stop(Deadline grace) {
  const TimePoint until = grace.time_point("DatagramServer::stop");
  if (stopping_) return;
  stopping_ = true;
  if (!started_) {
    done_.set();
    return;
  }
  struct Done {
    Event& done;
    ~Done() { done.set(); }
  } mark{done_};
  if (receiver_ && !receiver_.dead() && receiver_.base() != this_fiber::self().base()) receiver_.kill();
  if (!handlers_->contains(this_fiber::self()) && !handlers_->join(until)) handlers_->kill();
  socket_->close();
}

void DatagramServer::receive_loop() {
  std::string buffer;
  for (;;) {
    if (pool_) pool_->wait_available();
    buffer.resize(options_.max_datagram);
    UdpEndpoint peer;
    boost::system::error_code ec;
    std::size_t n = socket_->recv_from(buffer.data(), buffer.size(), peer, ec);
    if (ec) {
      if (stopping_ || !socket_->is_open()) return;
      // ICMP errors from earlier sends (connection refused) and the like.
      continue;
    }
    ++received_;
    buffer.resize(n);
    handlers_->spawn([this, data = std::move(buffer), peer]() mutable {
      try {
        handler_(std::move(data), peer, *this);
      } catch (const FiberExit&) {
        throw;
      } catch (const std::exception& e) {
        grove::logger()->warn("grove::DatagramServer: the handler for {}:{} failed: {}", peer.address().to_string(),
                              peer.port(), e.what());
      }
    });
    buffer = std::string();
  }
}

}  // namespace grove
