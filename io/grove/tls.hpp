#pragma once
// tls.hpp — green TLS over TCP through asio::ssl and OpenSSL:
//
//   auto ctx = grove::TlsContext::client();                 // the system's CA store
//   auto tls = grove::TlsStream::connect("example.org", 443, ctx, 5s);
//   tls.send_all("GET / HTTP/1.0\r\nHost: example.org\r\n\r\n");
//
//   auto server_ctx = grove::TlsContext::server("cert.pem", "key.pem");
//   grove::StreamServer server(ep, handler, {.tls = &server_ctx});   // handlers see a Stream
//
//   server_ctx.require_client_certificate("clients-ca.pem");   // mutual TLS
//   server_ctx.set_alpn_protocols({"h2", "http/1.1"});          // the server's preference
//   auto client_ctx = grove::TlsContext::client();
//   client_ctx.use_certificate("client.pem", "client-key.pem");  // what the client presents
//   client_ctx.set_alpn_protocols({"http/1.1"});                 // what the client offers
//   // after the handshake: tls.alpn_protocol() == "http/1.1", and the server
//   // side's peer_certificate()->subject == "CN=client"
//
// A TlsStream is a Stream; its handshake, reads and writes park the fiber
// and obey Timeout, kill() and set_timeout(). After an interrupted or timed
// out TLS call the session state is unknown: close the stream. A peer that
// closes without a TLS close_notify ends the stream like a clean end (eof).
// OpenSSL headers stay out of this header.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/tls_certificate.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace grove {

class TlsStream;
namespace detail {
ssl_st* tls_native(const TlsStream& stream) noexcept;
}

enum class TlsRole { client, server };

// TlsContext holds certificates, keys and verification settings shared by
// many streams (an asio::ssl::context, TLS 1.2 or later).
class TlsContext {
 public:
  // client() verifies servers against the system's default CA store.
  static TlsContext client();
  // server(cert_chain_pem, private_key_pem) loads a certificate chain and
  // key from PEM files; IoError if they cannot be used.
  static TlsContext server(const std::string& cert_chain_file, const std::string& private_key_file);

  TlsContext(TlsContext&&) noexcept;
  TlsContext& operator=(TlsContext&&) noexcept;
  ~TlsContext();

  // load_verify_file(pem) trusts the certificates in pem (e.g. a test CA).
  void load_verify_file(const std::string& pem_file);
  // set_verify_peer(on): check the peer's certificate (clients: on by default).
  void set_verify_peer(bool on);
  // use_certificate(cert_chain_pem, private_key_pem) is the certificate
  // this side presents: a client's for mutual TLS (a server's is given to
  // server()). IoError if the files cannot be used or do not match.
  void use_certificate(const std::string& cert_chain_file, const std::string& private_key_file);
  // require_client_certificate(ca_pem) makes a server demand a client
  // certificate signed by a CA in ca_pem (or that certificate itself): a
  // client without one, or with another, fails the handshake.
  void require_client_certificate(const std::string& ca_file);
  // set_alpn_protocols(list) sets ALPN (RFC 7301): a client offers list; a
  // server selects its first protocol in list that the client offered
  // (none in common: no protocol, the handshake still succeeds). Each name
  // is 1 to 255 bytes and the list is not empty (UsageError otherwise).
  void set_alpn_protocols(const std::vector<std::string>& protocols);
  boost::asio::ssl::context& native() noexcept { return *ctx_; }

 private:
  explicit TlsContext(std::unique_ptr<boost::asio::ssl::context> ctx);
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  // The ALPN list in wire form (length-prefixed names); the server's
  // selection callback reads it, so it lives as long as the context.
  std::unique_ptr<std::string> alpn_;
};

class TlsStream final : public Stream {
 public:
  // TlsStream(socket, ctx) wraps a connected socket; call handshake() next.
  // ctx must outlive the stream.
  TlsStream(TcpSocket socket, TlsContext& ctx);
  TlsStream(TlsStream&&) noexcept;
  TlsStream& operator=(TlsStream&&) noexcept;
  ~TlsStream() override;

  // connect(host, port, ctx, timeout) connects, sets the server name (SNI
  // and certificate host-name check) and handshakes, within one deadline
  // (a duration or a TimePoint; a negative or NaN duration is a UsageError).
  static TlsStream connect(std::string_view host, std::uint16_t port, TlsContext& ctx,
                           Deadline timeout = Deadline::never());
  static TlsStream connect(std::string_view host, std::uint16_t port, TlsContext& ctx, error_code& ec,
                           Deadline timeout = Deadline::never());

  // set_server_name(host) sends host as SNI and, when the context verifies
  // peers, requires the certificate to match it. Call before handshake().
  void set_server_name(const std::string& host);
  // handshake(role) runs the TLS handshake (deadline: set_timeout).
  void handshake(TlsRole role);
  void handshake(TlsRole role, error_code& ec);

  // peer_certificate() is the certificate the peer presented during the
  // handshake (tls_certificate.hpp), or nothing: before the handshake, or
  // a client that was not asked for one.
  std::optional<PeerCertificate> peer_certificate() const;
  // alpn_protocol() is the protocol ALPN negotiated ("" when none).
  std::string alpn_protocol() const;

  using Stream::shutdown_send;
  // shutdown_send() sends close_notify (and waits for the peer's).
  void shutdown_send(error_code& ec) override;
  void close() noexcept override;
  bool is_open() const noexcept override;
  std::string describe() const override;
  TcpSocket& tcp() noexcept;

 protected:
  std::size_t read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) override;
  std::size_t write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) override;

 private:
  friend ssl_st* detail::tls_native(const TlsStream& stream) noexcept;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grove
