// listener.cpp — BasicListener for TCP and AF_UNIX: non-blocking accept,
// waiting on the acceptor's readability when the queue is empty.

#include <grove/detail/listener.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/unix_socket.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/native_fd.hpp>
#include <grove/detail/run_op.hpp>

#include "src/socket_core.hpp"

#include <boost/asio/error.hpp>

namespace grove::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

namespace {

template <class Protocol>
struct Names;
template <>
struct Names<tcp> {
  static constexpr const char* accept = "TcpListener::accept";
  static constexpr const char* local = "TcpListener::local_endpoint";
  static constexpr bool reuse_address = true;
};
template <>
struct Names<unix_stream> {
  static constexpr const char* accept = "UnixListener::accept";
  static constexpr const char* local = "UnixListener::local_endpoint";
  static constexpr bool reuse_address = false;  // meaningless for a path
};

}  // namespace

template <class P, class S>
BasicListener<P, S>::BasicListener() : acceptor_(hub().io_context()), owner_(&scheduler()) {
  ignore_sigpipe();
}

template <class P, class S>
BasicListener<P, S>::~BasicListener() {
  close();
}

template <class P, class S>
void BasicListener<P, S>::listen_on(const endpoint_type& endpoint, const ListenOptions& options, error_code& ec) {
  if (!Names<P>::reuse_address && options.reuse_port)
    throw UsageError(
        "grove::UnixListener: ListenOptions::reuse_port is for TCP listeners; an AF_UNIX path has one "
        "listener (leave reuse_port false)");
  close();
  open_bound(
      acceptor_, endpoint, ec,
      [&](error_code& e) {
        if (Names<P>::reuse_address && options.reuse_address)
          acceptor_.set_option(asio::socket_base::reuse_address(true), e);
        if (!e && Names<P>::reuse_address && options.reuse_port)
          acceptor_.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), e);
      },
      [&](error_code& e) { acceptor_.listen(options.backlog, e); });
}

template <class P, class S>
void BasicListener<P, S>::adopt_fd(int fd, int backlog, const char* what) {
  adopt_native<P>(acceptor_, fd, what);
  error_code ec;
  if (!is_listening(fd)) acceptor_.listen(backlog, ec);
  if (!ec) acceptor_.non_blocking(true, ec);
  if (ec) close();
  throw_if(ec, what);
}

template <class P, class S>
void BasicListener<P, S>::close() noexcept {
  close_quietly(acceptor_);
}

template <class P, class S>
auto BasicListener<P, S>::local_endpoint() const -> endpoint_type {
  return local_endpoint_of(acceptor_, Names<P>::local);
}

template <class P, class S>
S BasicListener<P, S>::accept(endpoint_type& peer, error_code& ec) {
  check_hub(owner_, Names<P>::accept);
  auto& s = *owner_;
  for (;;) {
    s.raise_pending();
    if (!acceptor_.is_open()) {
      ec = io_errc::closed_by_other;
      return S();
    }
    typename S::socket_type sock(acceptor_.get_executor());
    acceptor_.accept(sock, peer, ec);
    if (!ec) {
      close_on_exec(sock);
      return S(std::move(sock));
    }
    if (ec == asio::error::connection_aborted || ec == asio::error::interrupted) continue;
    if (ec != asio::error::would_block && ec != asio::error::try_again) return S();
    // Nothing queued: wait until the listener is readable.
    OpResult r;
    if (run_op(
            s, TimePoint::max(), Names<P>::accept, r,
            [&](auto handler) { acceptor_.async_wait(asio::socket_base::wait_read, std::move(handler)); },
            [this] { cancel_quietly(acceptor_); }, io_target(acceptor_)) == OpStatus::retry)
      continue;
    if (r.ec) {
      ec = r.ec;
      return S();
    }
    // Readable: accept at the top of the loop (an interrupt that came
    // meanwhile is raised there first: nothing was accepted yet).
  }
}

template <class P, class S>
S BasicListener<P, S>::accept(error_code& ec) {
  endpoint_type peer;
  return accept(peer, ec);
}

template <class P, class S>
S BasicListener<P, S>::accept() {
  error_code ec;
  auto sock = accept(ec);
  throw_if(ec, Names<P>::accept);
  return sock;
}

template class BasicListener<tcp, TcpSocket>;
template class BasicListener<unix_stream, UnixSocket>;

}  // namespace grove::detail
