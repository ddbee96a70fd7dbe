// tls.cpp — TlsContext and TlsStream on asio::ssl::stream over the green
// TcpSocket's Asio socket; every wait goes through detail::run_op.

#include <grove/tls.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/io_target.hpp>
#include <grove/detail/run_op.hpp>

#include <boost/asio/ssl.hpp>

#include <openssl/ssl.h>

namespace grove {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using detail::OpResult;
using detail::OpStatus;

// ------------------------------------------------------------- TlsContext

TlsContext::TlsContext(std::unique_ptr<ssl::context> ctx) : ctx_(std::move(ctx)) {}
TlsContext::TlsContext(TlsContext&&) noexcept = default;
TlsContext& TlsContext::operator=(TlsContext&&) noexcept = default;
TlsContext::~TlsContext() = default;

namespace {
std::unique_ptr<ssl::context> make_context(ssl::context::method method) {
  auto ctx = std::make_unique<ssl::context>(method);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  return ctx;
}
}  // namespace

TlsContext TlsContext::client() {
  auto ctx = make_context(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);
  detail::throw_if(ec, "TlsContext::client (default verify paths)");
  ctx->set_verify_mode(ssl::verify_peer);
  return TlsContext(std::move(ctx));
}

TlsContext TlsContext::server(const std::string& cert_chain_file, const std::string& private_key_file) {
  auto ctx = make_context(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_chain_file, ec);
  detail::throw_if(ec, ("TlsContext::server certificate " + cert_chain_file).c_str());
  ctx->use_private_key_file(private_key_file, ssl::context::pem, ec);
  detail::throw_if(ec, ("TlsContext::server key " + private_key_file).c_str());
  return TlsContext(std::move(ctx));
}

void TlsContext::load_verify_file(const std::string& pem_file) {
  boost::system::error_code ec;
  ctx_->load_verify_file(pem_file, ec);
  detail::throw_if(ec, ("TlsContext::load_verify_file " + pem_file).c_str());
}

void TlsContext::set_verify_peer(bool on) { ctx_->set_verify_mode(on ? ssl::verify_peer : ssl::verify_none); }

// -------------------------------------------------------------- TlsStream

struct TlsStream::Impl {
  Impl(TcpSocket s, ssl::context& ctx) : tcp(std::move(s)), ssl(tcp.asio_socket(), ctx) {}
  TcpSocket tcp;
  ssl::stream<TcpSocket::socket_type&> ssl;
};

TlsStream::TlsStream(TcpSocket socket, TlsContext& ctx) : impl_(std::make_unique<Impl>(std::move(socket), ctx.native())) {}
TlsStream::TlsStream(TlsStream&&) noexcept = default;
TlsStream& TlsStream::operator=(TlsStream&&) noexcept = default;
TlsStream::~TlsStream() = default;

TcpSocket& TlsStream::tcp() noexcept { return impl_->tcp; }
bool TlsStream::is_open() const noexcept { return impl_ && impl_->tcp.is_open(); }
void TlsStream::close() noexcept {
  if (impl_) impl_->tcp.close();
}
std::string TlsStream::describe() const { return "tls over " + impl_->tcp.describe(); }

void TlsStream::set_server_name(const std::string& host) {
  boost::system::error_code not_an_address;
  (void)asio::ip::make_address(host, not_an_address);
  if (not_an_address && !SSL_set_tlsext_host_name(impl_->ssl.native_handle(), host.c_str()))
    detail::throw_io_error(boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
                           "TlsStream::set_server_name");
  impl_->ssl.set_verify_callback(ssl::host_name_verification(host));
}

namespace {

// TlsResult is run_op's OpResult with one TLS rule: a peer that closed the
// TCP connection without close_notify (stream_truncated) is the end of the
// stream, eof, like a clean TLS shutdown.
struct TlsResult : OpResult {
  struct Handler {
    OpResult::Handler inner;
    void operator()(boost::system::error_code e, std::size_t n = 0) noexcept {
      if (e == ssl::error::stream_truncated) e = asio::error::eof;
      inner(e, n);
    }
  };
  Handler handler(detail::OpWaiter& w) noexcept { return Handler{OpResult::handler(w)}; }
};

}  // namespace

void TlsStream::handshake(TlsRole role, error_code& ec) {
  detail::check_hub(impl_->tcp.owner_, "TlsStream::handshake");
  auto& s = detail::scheduler();
  auto reading = impl_->tcp.reader_.claim(s, "TlsStream::handshake");
  auto writing = impl_->tcp.writer_.claim(s, "TlsStream::handshake");
  const TimePoint until = deadline();
  for (;;) {
    s.raise_pending();
    if (!is_open()) {
      ec = io_errc::not_connected;
      return;
    }
    TlsResult r;
    if (detail::run_op(
            s, until, "TlsStream::handshake", r,
            [&](auto handler) {
              impl_->ssl.async_handshake(role == TlsRole::client ? ssl::stream_base::client : ssl::stream_base::server,
                                         std::move(handler));
            },
            [this] { impl_->tcp.cancel_io(); }, detail::io_target(*this)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return;
  }
}

void TlsStream::handshake(TlsRole role) {
  error_code ec;
  handshake(role, ec);
  detail::throw_if(ec, "TlsStream::handshake");
}

std::size_t TlsStream::read_raw(void* data, std::size_t size, error_code& ec, TimePoint until) {
  detail::check_hub(impl_->tcp.owner_, "TlsStream::recv");
  auto& s = detail::scheduler();
  auto claim = impl_->tcp.reader_.claim(s, "TlsStream::recv");
  for (;;) {
    s.raise_pending();
    if (!is_open()) {
      ec = io_errc::not_connected;
      return 0;
    }
    TlsResult r;
    if (detail::run_op(
            s, until, "TlsStream::recv", r,
            [&](auto handler) { impl_->ssl.async_read_some(asio::buffer(data, size), std::move(handler)); },
            [this] { impl_->tcp.cancel_io(); }, detail::io_target(*this)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return r.bytes;
  }
}

std::size_t TlsStream::write_raw(const void* data, std::size_t size, error_code& ec, TimePoint until) {
  detail::check_hub(impl_->tcp.owner_, "TlsStream::send");
  auto& s = detail::scheduler();
  auto claim = impl_->tcp.writer_.claim(s, "TlsStream::send");
  for (;;) {
    s.raise_pending();
    if (!is_open()) {
      ec = io_errc::not_connected;
      return 0;
    }
    TlsResult r;
    if (detail::run_op(
            s, until, "TlsStream::send", r,
            [&](auto handler) { impl_->ssl.async_write_some(asio::buffer(data, size), std::move(handler)); },
            [this] { impl_->tcp.cancel_io(); }, detail::io_target(*this)) == OpStatus::retry)
      continue;
    ec = r.ec;
    return r.bytes;
  }
}

void TlsStream::shutdown_send(error_code& ec) {
  detail::check_hub(impl_->tcp.owner_, "TlsStream::shutdown_send");
  auto& s = detail::scheduler();
  auto claim = impl_->tcp.writer_.claim(s, "TlsStream::shutdown_send");
  const TimePoint until = deadline();
  for (;;) {
    s.raise_pending();
    if (!is_open()) {
      ec = io_errc::not_connected;
      return;
    }
    TlsResult r;
    if (detail::run_op(
            s, until, "TlsStream::shutdown", r, [&](auto handler) { impl_->ssl.async_shutdown(std::move(handler)); },
            [this] { impl_->tcp.cancel_io(); }, detail::io_target(*this)) == OpStatus::retry)
      continue;
    // The peer answering close_notify by closing the connection is a clean end.
    ec = r.ec == asio::error::eof ? error_code() : r.ec;
    return;
  }
}

TlsStream TlsStream::connect(std::string_view host, std::uint16_t port, TlsContext& ctx, error_code& ec,
                             Deadline timeout) {
  auto& s = detail::scheduler();
  const TimePoint until = timeout.resolve(s.now(), "TlsStream::connect");
  TcpSocket sock = TcpSocket::connect(host, port, ec, until);
  TlsStream tls(std::move(sock), ctx);
  if (ec) return tls;
  tls.set_server_name(std::string(host));
  if (until != TimePoint::max()) {
    auto left = until - s.now();
    tls.set_timeout(left > Duration::zero() ? left : Duration::zero());
  }
  tls.handshake(TlsRole::client, ec);
  tls.set_timeout(Duration::max());
  return tls;
}

TlsStream TlsStream::connect(std::string_view host, std::uint16_t port, TlsContext& ctx, Deadline timeout) {
  error_code ec;
  auto tls = connect(host, port, ctx, ec, timeout);
  if (ec) detail::throw_io_error(ec, ("TlsStream::connect " + std::string(host) + ":" + std::to_string(port)).c_str());
  return tls;
}

}  // namespace grove
