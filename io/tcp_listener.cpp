// tcp_listener.cpp — TcpListener: non-blocking accept, waiting on the
// acceptor's readability when the queue is empty.

#include <grove/tcp_listener.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>

#include <boost/asio/error.hpp>

namespace grove {

namespace asio = boost::asio;

TcpListener::TcpListener(const TcpEndpoint& endpoint, ListenOptions options, error_code& ec)
    : acceptor_(hub().io_context()), owner_(&detail::scheduler()) {
  detail::ignore_sigpipe();
  ec = {};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec && options.reuse_address) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(options.backlog, ec);
  if (!ec) acceptor_.non_blocking(true, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
}

TcpListener::TcpListener(const TcpEndpoint& endpoint, ListenOptions options)
    : acceptor_(hub().io_context()), owner_(&detail::scheduler()) {
  error_code ec;
  TcpListener made(endpoint, options, ec);
  if (ec)
    detail::throw_io_error(ec, ("TcpListener " + endpoint.address().to_string() + ":" +
                                std::to_string(endpoint.port())).c_str());
  acceptor_ = std::move(made.acceptor_);
}

TcpListener::~TcpListener() { close(); }

void TcpListener::close() noexcept {
  boost::system::error_code ignored;
  if (acceptor_.is_open()) acceptor_.close(ignored);
}

TcpEndpoint TcpListener::local_endpoint() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  detail::throw_if(ec, "TcpListener::local_endpoint");
  return ep;
}

TcpSocket TcpListener::accept(TcpEndpoint& peer, error_code& ec) {
  detail::check_hub(owner_, "TcpListener::accept");
  auto& s = *owner_;
  for (;;) {
    s.raise_pending();
    if (!acceptor_.is_open()) {
      ec = io_errc::closed_by_other;
      return TcpSocket();
    }
    TcpSocket::socket_type sock(acceptor_.get_executor());
    acceptor_.accept(sock, peer, ec);
    if (!ec) return TcpSocket(std::move(sock));
    if (ec == asio::error::connection_aborted || ec == asio::error::interrupted) continue;
    if (ec != asio::error::would_block && ec != asio::error::try_again) return TcpSocket();
    // Nothing queued: wait until the listener is readable.
    detail::OpResult r;
    if (detail::run_op(
            s, TimePoint::max(), "TcpListener::accept", r,
            [&](auto handler) { acceptor_.async_wait(asio::socket_base::wait_read, std::move(handler)); },
            [this] {
              boost::system::error_code ignored;
              acceptor_.cancel(ignored);
            },
            detail::io_target(acceptor_)) == detail::OpStatus::retry)
      continue;
    if (r.ec) {
      ec = r.ec;
      return TcpSocket();
    }
    // Readable: accept at the top of the loop (an interrupt that came
    // meanwhile is raised there first: nothing was accepted yet).
  }
}

TcpSocket TcpListener::accept(error_code& ec) {
  TcpEndpoint peer;
  return accept(peer, ec);
}

TcpSocket TcpListener::accept() {
  error_code ec;
  auto sock = accept(ec);
  detail::throw_if(ec, "TcpListener::accept");
  return sock;
}

}  // namespace grove
