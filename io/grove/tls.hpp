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
// A TlsStream is a Stream; its handshake, reads and writes park the fiber
// and obey Timeout, kill() and set_timeout(). After an interrupted or timed
// out TLS call the session state is unknown: close the stream. A peer that
// closes without a TLS close_notify ends the stream like a clean end (eof).
// OpenSSL headers stay out of this header.

#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/stream.hpp>
#include <grove/tcp_socket.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}

namespace grove {

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
  boost::asio::ssl::context& native() noexcept { return *ctx_; }

 private:
  explicit TlsContext(std::unique_ptr<boost::asio::ssl::context> ctx);
  std::unique_ptr<boost::asio::ssl::context> ctx_;
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
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grove
