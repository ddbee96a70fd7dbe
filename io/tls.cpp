// tls.cpp — TlsContext and TlsStream on asio::ssl::stream over the green
// TcpSocket's Asio socket; every wait goes through detail::run_io.

#include <grove/tls.hpp>

#include <grove/hub.hpp>
#include <grove/detail/hub_check.hpp>
#include <grove/detail/run_io.hpp>

#include <boost/asio/ssl.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace grove {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using detail::OpResult;

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

void TlsContext::use_certificate(const std::string& cert_chain_file, const std::string& private_key_file) {
  boost::system::error_code ec;
  ctx_->use_certificate_chain_file(cert_chain_file, ec);
  detail::throw_if(ec, ("TlsContext::use_certificate " + cert_chain_file).c_str());
  ctx_->use_private_key_file(private_key_file, ssl::context::pem, ec);
  detail::throw_if(ec, ("TlsContext::use_certificate key " + private_key_file).c_str());
  if (SSL_CTX_check_private_key(ctx_->native_handle()) != 1)
    detail::throw_io_error(
        boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
        ("TlsContext::use_certificate: the key " + private_key_file + " does not match " + cert_chain_file).c_str());
}

void TlsContext::require_client_certificate(const std::string& ca_file) {
  load_verify_file(ca_file);
  // The CA's names go into the CertificateRequest, so a client with
  // several certificates knows which one to present.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str()))
    SSL_CTX_set_client_CA_list(ctx_->native_handle(), names);
  ctx_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
}

namespace {

// select_alpn is the server's ALPN callback: its first protocol the client offered.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void* arg) {
  const auto* wire = static_cast<const std::string*>(arg);
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, reinterpret_cast<const unsigned char*>(wire->data()),
                            static_cast<unsigned int>(wire->size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void TlsContext::set_alpn_protocols(const std::vector<std::string>& protocols) {
  if (protocols.empty())
    throw UsageError("grove: TlsContext::set_alpn_protocols: the list is empty; name at least one protocol");
  auto wire = std::make_unique<std::string>();
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255)
      throw UsageError("grove: TlsContext::set_alpn_protocols: the protocol name '" + p +
                       "' must be 1 to 255 bytes long");
    wire->push_back(static_cast<char>(p.size()));
    *wire += p;
  }
  // The client's offer (SSL_CTX_set_alpn_protos returns 0 on success).
  if (SSL_CTX_set_alpn_protos(ctx_->native_handle(), reinterpret_cast<const unsigned char*>(wire->data()),
                              static_cast<unsigned int>(wire->size())) != 0)
    throw UsageError("grove: TlsContext::set_alpn_protocols: OpenSSL refused the list");
  SSL_CTX_set_alpn_select_cb(ctx_->native_handle(), select_alpn, wire.get());
  alpn_ = std::move(wire);  // the callback's argument lives as long as the context
}

// -------------------------------------------------------------- TlsStream

struct TlsStream::Impl {
  Impl(TcpSocket s, ssl::context& ctx) : tcp(std::move(s)), ssl(tcp.asio_socket(), ctx) {}
  TcpSocket tcp;
  ssl::stream<TcpSocket::socket_type&> ssl;
};

TlsStream::TlsStream(TcpSocket socket, TlsContext& ctx)
    : impl_(std::make_unique<Impl>(std::move(socket), ctx.native())) {}
TlsStream::TlsStream(TlsStream&&) noexcept = default;
TlsStream& TlsStream::operator=(TlsStream&&) noexcept = default;
TlsStream::~TlsStream() = default;

TcpSocket& TlsStream::tcp() noexcept { return impl_->tcp; }

SSL* detail::tls_native(const TlsStream& stream) noexcept {
  return stream.impl_ ? stream.impl_->ssl.native_handle() : nullptr;
}
bool TlsStream::is_open() const noexcept { return impl_ && impl_->tcp.is_open(); }
void TlsStream::close() noexcept {
  if (impl_) impl_->tcp.close();
}
std::string TlsStream::describe() const { return "tls over " + impl_->tcp.describe(); }

void TlsStream::set_server_name(const std::string& host) {
  boost::system::error_code not_an_address;
  (void)asio::ip::make_address(host, not_an_address);
  if (not_an_address && !SSL_set_tlsext_host_name(impl_->ssl.native_handle(), host.c_str()))
    detail::throw_io_error(
        boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
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
  (void)detail::run_io<TlsResult>(
      s, deadline(), "TlsStream::handshake", *this, ec,
      [&](auto handler) {
        impl_->ssl.async_handshake(role == TlsRole::client ? ssl::stream_base::client : ssl::stream_base::server,
                                   std::move(handler));
      },
      [this] { impl_->tcp.cancel_io(); });
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
  return detail::run_io<TlsResult>(
      s, until, "TlsStream::recv", *this, ec,
      [&](auto handler) { impl_->ssl.async_read_some(asio::buffer(data, size), std::move(handler)); },
      [this] { impl_->tcp.cancel_io(); });
}

std::size_t TlsStream::write_raw(const void* data, std::size_t size, error_code& ec, TimePoint until) {
  detail::check_hub(impl_->tcp.owner_, "TlsStream::send");
  auto& s = detail::scheduler();
  auto claim = impl_->tcp.writer_.claim(s, "TlsStream::send");
  return detail::run_io<TlsResult>(
      s, until, "TlsStream::send", *this, ec,
      [&](auto handler) { impl_->ssl.async_write_some(asio::buffer(data, size), std::move(handler)); },
      [this] { impl_->tcp.cancel_io(); });
}

void TlsStream::shutdown_send(error_code& ec) {
  detail::check_hub(impl_->tcp.owner_, "TlsStream::shutdown_send");
  auto& s = detail::scheduler();
  auto claim = impl_->tcp.writer_.claim(s, "TlsStream::shutdown_send");
  (void)detail::run_io<TlsResult>(
      s, deadline(), "TlsStream::shutdown", *this, ec,
      [&](auto handler) { impl_->ssl.async_shutdown(std::move(handler)); }, [this] { impl_->tcp.cancel_io(); });
  // The peer answering close_notify by closing the connection is a clean end.
  if (ec == asio::error::eof) ec = {};
}

TlsStream TlsStream::connect(std::string_view host, std::uint16_t port, TlsContext& ctx, error_code& ec,
                             Deadline timeout) {
  auto& s = detail::scheduler();
  const TimePoint until = timeout.resolve(s.now(), "TlsStream::connect");
  TcpSocket sock = TcpSocket::connect(host, port, ec, until);
  TlsStream tls(std::move(sock), ctx);
  if (ec) return tls;
  tls.set_server_name(std::string(host));
  tls.set_timeout(until);  // the handshake shares the connect's deadline
  tls.handshake(TlsRole::client, ec);
  tls.set_timeout(Deadline::never());
  return tls;
}

TlsStream TlsStream::connect(std::string_view host, std::uint16_t port, TlsContext& ctx, Deadline timeout) {
  error_code ec;
  auto tls = connect(host, port, ctx, ec, timeout);
  if (ec) detail::throw_io_error(ec, ("TlsStream::connect " + std::string(host) + ":" + std::to_string(port)).c_str());
  return tls;
}

}  // namespace grove
