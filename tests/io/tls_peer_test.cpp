// tls_peer_test.cpp — what a TLS stream learns about its peer: the peer
// certificate (PeerCertificate), ALPN, and client certificates (a server
// that requires one, a client that presents one), over real loopback TLS
// with certificates made for this run by the openssl CLI.
#include <grove/tls.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/stream_server.hpp>

#include "io_test_support.hpp"
#include "temp_dir.hpp"
#include "test_certs.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class TlsPeerTest : public HubTest {
 protected:
  static void SetUpTestSuite() {
    dir = std::make_unique<TempDir>();
    server_files = make_self_signed(dir->path(), "server", "/CN=localhost/O=grove-test", "DNS:localhost,IP:127.0.0.1");
    client_files = make_self_signed(dir->path(), "client", "/CN=client", "");
    other_files = make_self_signed(dir->path(), "other", "/CN=stranger", "");
  }
  static void TearDownTestSuite() { dir.reset(); }

  void SetUp() override {
    HubTest::SetUp();
    ASSERT_FALSE(server_files.cert.empty() || client_files.cert.empty() || other_files.cert.empty())
        << "openssl CLI failed";
    server_ctx.emplace(TlsContext::server(server_files.cert, server_files.key));
    client_ctx.emplace(TlsContext::client());
    client_ctx->load_verify_file(server_files.cert);
  }
  void TearDown() override {
    server_ctx.reset();
    client_ctx.reset();
    HubTest::TearDown();
  }

  static inline std::unique_ptr<TempDir> dir;
  static inline CertFiles server_files, client_files, other_files;
  std::optional<TlsContext> server_ctx, client_ctx;
};

// report(s) sends what the server side saw: the client's subject (or
// "none") and the negotiated ALPN protocol.
void report(Stream& s) {
  auto& tls = dynamic_cast<TlsStream&>(s);
  auto cert = tls.peer_certificate();
  s.send_all((cert ? cert->subject : std::string("none")) + "|" + tls.alpn_protocol() + "\n");
}

TEST_F(TlsPeerTest, TheClientSeesTheServersCertificate) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), report, {.tls = &*server_ctx});
  server.start();
  auto tls = TlsStream::connect("localhost", server.port(), *client_ctx, 2s);
  auto cert = tls.peer_certificate();
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->subject, "O=grove-test,CN=localhost");  // RFC 2253: most specific first
  EXPECT_EQ(cert->issuer, cert->subject);                 // self-signed
  EXPECT_FALSE(cert->serial.empty());
  EXPECT_EQ(cert->serial.find_first_not_of("0123456789ABCDEF"), std::string::npos);
  const auto now = std::chrono::system_clock::now();
  EXPECT_LE(cert->not_before, now + std::chrono::minutes(1));
  EXPECT_GT(cert->not_after, now + std::chrono::hours(23));
  EXPECT_LE(cert->not_after, now + std::chrono::hours(25));
  ASSERT_EQ(cert->subject_alt_names.size(), 2u);
  EXPECT_EQ(cert->subject_alt_names[0], "DNS:localhost");
  EXPECT_EQ(cert->subject_alt_names[1], "IP:127.0.0.1");
  // The DER bytes are the certificate: a SEQUENCE, the same on every connection.
  ASSERT_GT(cert->der.size(), 100u);
  EXPECT_EQ(cert->der[0], 0x30);
  auto again = TlsStream::connect("127.0.0.1", server.port(), *client_ctx, 2s);
  EXPECT_EQ(again.peer_certificate()->der, cert->der);
  // The server asked for no client certificate, and no ALPN was set.
  EXPECT_EQ(tls.read_line(), "none|\n");
  EXPECT_EQ(tls.alpn_protocol(), "");
  server.stop();
}

TEST_F(TlsPeerTest, AlpnTheServerPicksItsFirstProtocolTheClientOffers) {
  server_ctx->set_alpn_protocols({"h2", "http/1.1", "grove/1"});
  StreamServer server(tcp_endpoint("127.0.0.1", 0), report, {.tls = &*server_ctx});
  server.start();
  client_ctx->set_alpn_protocols({"grove/1", "http/1.1"});
  auto tls = TlsStream::connect("localhost", server.port(), *client_ctx, 2s);
  EXPECT_EQ(tls.alpn_protocol(), "http/1.1");  // the server's preference wins
  EXPECT_EQ(tls.read_line(), "none|http/1.1\n");

  // Nothing in common: no protocol, and the connection still works.
  auto other = TlsContext::client();
  other.load_verify_file(server_files.cert);
  other.set_alpn_protocols({"spdy/3"});
  auto plain = TlsStream::connect("localhost", server.port(), other, 2s);
  EXPECT_EQ(plain.alpn_protocol(), "");
  EXPECT_EQ(plain.read_line(), "none|\n");
  server.stop();
}

TEST_F(TlsPeerTest, AlpnMisuseIsAUsageError) {
  EXPECT_THROW(client_ctx->set_alpn_protocols({}), UsageError);
  EXPECT_THROW(client_ctx->set_alpn_protocols({"h2", ""}), UsageError);
  EXPECT_THROW(client_ctx->set_alpn_protocols({std::string(256, 'p')}), UsageError);
}

TEST_F(TlsPeerTest, AServerThatRequiresAClientCertificateSeesIt) {
  server_ctx->require_client_certificate(client_files.cert);
  StreamServer server(tcp_endpoint("127.0.0.1", 0), report, {.tls = &*server_ctx});
  server.start();
  client_ctx->use_certificate(client_files.cert, client_files.key);
  auto tls = TlsStream::connect("localhost", server.port(), *client_ctx, 2s);
  EXPECT_EQ(tls.read_line(), "CN=client|\n");
  server.stop();
}

TEST_F(TlsPeerTest, AClientWithoutTheRightCertificateIsRefused) {
  server_ctx->require_client_certificate(client_files.cert);
  int served = 0;
  StreamServer server(tcp_endpoint("127.0.0.1", 0),
                      [&](Stream& s) {
                        ++served;
                        report(s);
                      },
                      {.tls = &*server_ctx});
  server.start();
  auto stranger = TlsContext::client();
  stranger.load_verify_file(server_files.cert);
  stranger.use_certificate(other_files.cert, other_files.key);
  for (TlsContext* ctx : {&*client_ctx, &stranger}) {  // no certificate, then an unknown one
    error_code ec;
    auto tls = TlsStream::connect("localhost", server.port(), *ctx, ec, 2s);
    // TLS 1.3 finishes the client's handshake before the server checks
    // the client: the refusal then arrives as the first read's error.
    std::string line;
    if (!ec) line = tls.read_line(1024, ec);
    EXPECT_EQ(line, "") << "the server must refuse the client";
  }
  EXPECT_EQ(server.accepted(), 2u);
  EXPECT_EQ(served, 0) << "no handler runs for a refused client";
  server.stop();
}

TEST_F(TlsPeerTest, AMismatchedKeyIsAnIoError) {
  EXPECT_THROW(client_ctx->use_certificate(client_files.cert, other_files.key), IoError);
}

}  // namespace
