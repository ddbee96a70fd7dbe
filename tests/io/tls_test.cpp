// tls_test.cpp — TlsContext/TlsStream and StreamServer over TLS, with a
// self-signed certificate made for this run by the openssl CLI.
#include <grove/tls.hpp>

#include <grove/fiber.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"
#include "test_certs.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

namespace fs = std::filesystem;

class TlsTest : public HubTest {
 protected:
  static void SetUpTestSuite() {
    dir = fs::temp_directory_path() / ("grove-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    ASSERT_FALSE(make_self_signed(dir, "cert", "/CN=localhost", "DNS:localhost,IP:127.0.0.1").cert.empty())
        << "openssl CLI failed";
  }
  static void TearDownTestSuite() { fs::remove_all(dir); }

  void SetUp() override {
    HubTest::SetUp();
    server_ctx.emplace(TlsContext::server(cert(), key()));
    client_ctx.emplace(TlsContext::client());
    client_ctx->load_verify_file(cert());
  }
  void TearDown() override {
    server_ctx.reset();
    client_ctx.reset();
    HubTest::TearDown();
  }
  static std::string cert() { return (dir / "cert.pem").string(); }
  static std::string key() { return (dir / "cert-key.pem").string(); }

  static inline fs::path dir;
  std::optional<TlsContext> server_ctx, client_ctx;
};

void echo_lines(Stream& s) {
  for (;;) {
    std::string line = s.read_line(1 << 20);
    if (line.empty()) return;
    s.send_all(line);
  }
}

TEST_F(TlsTest, EchoThroughATlsStreamServer) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), echo_lines, {.tls = &*server_ctx});
  server.start();
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto tls = TlsStream::connect(host, server.port(), *client_ctx, 2s);
    tls.send_all("secret line\n");
    EXPECT_EQ(tls.read_line(), "secret line\n");
    const std::string big(100000, 'b');
    auto writer = spawn([&] { tls.send_all(big + "\n"); });
    EXPECT_EQ(tls.read_line(200000).size(), big.size() + 1);
    writer.join();
    tls.shutdown_send();  // close_notify
  }
  server.stop();
}

TEST_F(TlsTest, AnUntrustedCertificateFailsTheHandshake) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), echo_lines, {.tls = &*server_ctx});
  server.start();
  auto strict = TlsContext::client();  // the system CAs do not know our certificate
  error_code ec;
  TlsStream::connect("127.0.0.1", server.port(), strict, ec, 2s);
  EXPECT_TRUE(ec);
  EXPECT_THROW(TlsStream::connect("127.0.0.1", server.port(), strict, 2s), IoError);
  // Without peer verification the same certificate is accepted.
  strict.set_verify_peer(false);
  auto tls = TlsStream::connect("127.0.0.1", server.port(), strict, 2s);
  tls.send_all("unverified\n");
  EXPECT_EQ(tls.read_line(), "unverified\n");
  EXPECT_NE(tls.describe().find("tls over tcp"), std::string::npos);
  EXPECT_TRUE(tls.tcp().is_open());
  server.stop();
}

TEST_F(TlsTest, HandshakeTimesOutOnAPeerThatNeverSpeaksTls) {
  TcpListener silent(tcp_endpoint("127.0.0.1", 0));
  auto acceptor = spawn([&] {
    auto s = silent.accept();
    auto t = silent.accept();
    this_fiber::sleep(300ms);  // holds both connections, says nothing
  });
  const auto port = silent.local_endpoint().port();
  auto t0 = Clock::now();
  error_code ec;
  TlsStream::connect("127.0.0.1", port, *client_ctx, ec, 50ms);
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_LT(since(t0), 600ms);
  t0 = Clock::now();
  EXPECT_THROW(
      {
        auto tls = TlsStream(TcpSocket::connect("127.0.0.1", port), *client_ctx);
        Timeout t(50ms);
        tls.handshake(TlsRole::client);
      },
      Timeout);
  EXPECT_LT(since(t0), 600ms);
  acceptor.join();
}

TEST_F(TlsTest, TheServerDropsAClientThatNeverHandshakes) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), echo_lines, {.tls = &*server_ctx, .handshake_timeout = 50ms});
  server.start();
  auto plain = TcpSocket::connect("127.0.0.1", server.port());
  plain.set_timeout(1s);
  const auto t0 = Clock::now();
  error_code ec;
  EXPECT_EQ(plain.recv(100, ec), "");  // closed after the handshake timeout
  EXPECT_LT(since(t0), 500ms);
  EXPECT_EQ(server.connections(), 0u);
  server.stop();
}

TEST_F(TlsTest, ReadTimeoutOverTls) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0),
                      [](Stream& s) {
                        this_fiber::sleep(200ms);
                        (void)s;
                      },
                      {.tls = &*server_ctx});
  server.start();
  auto tls = TlsStream::connect("127.0.0.1", server.port(), *client_ctx, 2s);
  tls.set_timeout(30ms);
  error_code ec;
  tls.recv(10, ec);
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_THROW(TlsContext::server("/nonexistent.pem", key()), IoError);
  server.stop(0ms);
}

// gevent refuses a second greenlet reading one socket; so does a TlsStream.
TEST_F(TlsTest, ASecondReaderIsRefused) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), echo_lines, {.tls = &*server_ctx});
  server.start();
  auto tls = TlsStream::connect("127.0.0.1", server.port(), *client_ctx, 2s);
  std::string first_got;
  auto first = spawn([&] { first_got = tls.read_line(); });
  this_fiber::yield();
  EXPECT_THROW((void)tls.recv(10), ConcurrentUseError);
  tls.send_all("line\n");
  first.join();
  EXPECT_EQ(first_got, "line\n");
  server.stop(0ms);
}

}  // namespace
