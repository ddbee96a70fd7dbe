// http_client_test.cpp — HttpClient against grove's own HttpServer (plain
// and TLS) and against a server not written here (Python's http.server,
// started as a process on 127.0.0.1): keep-alive reuse, chunked bodies both
// ways, redirects off by default, deadlines, a pooled connection the server
// closed, name resolution, and URL misuse.
#include <grove/web/http_client.hpp>

#include <grove/errors.hpp>
#include <grove/io_error.hpp>
#include <grove/popen.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/this_fiber.hpp>
#include <grove/tls.hpp>
#include <grove/web/request.hpp>
#include <grove/web/response.hpp>
#include <grove/web/router.hpp>

#include "../io/test_certs.hpp"
#include "web_test_support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace grove::web::test {
namespace {

// HttpClientTest counts the requests the server has answered so far (hits).
class HttpClientTest : public WebTest {
 protected:
  void serve_counted(Router r, HttpServerOptions o = {}) {
    serve(
        [this, r = std::move(r)](Request& req) mutable {
          ++hits;
          return r(req);
        },
        std::move(o));
  }
  int hits = 0;
};

Router client_router() {
  Router r;
  r.get("/hello", [](Request&) { return Response::text("hello\n"); });
  r.post("/echo", [](Request& req) {
    return Response::text(std::string(req.header(http::field::content_type)) + " " +
                          std::string(req.header(http::field::transfer_encoding)) + " " + req.body());
  });
  r.get("/stream", [](Request&) {
    return Response::stream("text/plain", [](ChunkWriter& out) {
      for (int i = 0; i < 5; ++i) out.write("piece " + std::to_string(i) + "\n");
    });
  });
  r.get("/slow", [](Request&) {
    this_fiber::sleep(500ms);
    return Response::text("late\n");
  });
  r.get("/old", [](Request&) {
    Response res = Response::text("moved\n", http::status::found);
    res.set(http::field::location, "/hello");
    return res;
  });
  r.post("/form", [](Request&) {
    Response res = Response::text("see other\n", http::status::see_other);
    res.set(http::field::location, "/hello");
    return res;
  });
  r.get("/loop", [](Request&) {
    Response res = Response::text("again\n", http::status::moved_permanently);
    res.set(http::field::location, "loop");  // relative
    return res;
  });
  return r;
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnectionForManyRequests) {
  serve_counted(client_router());
  HttpClient client;
  for (int i = 0; i < 5; ++i) {
    auto res = client.get(url("/hello"));
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "hello\n");
  }
  auto echoed = client.post(url("/echo"), "a=1", "application/x-www-form-urlencoded");
  EXPECT_EQ(echoed.body(), "application/x-www-form-urlencoded  a=1");
  EXPECT_EQ(client.get(url("/nope")).result(), http::status::not_found);  // a status, not an error
  EXPECT_EQ(client.connections_made(), 1u);
  EXPECT_EQ(client.idle_connections(), 1u);
  EXPECT_EQ(hits, 7);
  client.close_idle();
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClientTest, ChunkedBodiesBothWays) {
  serve(client_router());
  HttpClient client;
  auto res = client.get(url("/stream"));
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.body(), "piece 0\npiece 1\npiece 2\npiece 3\npiece 4\n");
  HttpClient::RequestMessage req{http::verb::post, "/", 11};
  req.set(http::field::content_type, "text/plain");
  req.body() = "sent in chunks";
  req.chunked(true);
  EXPECT_EQ(client.send(url("/echo"), std::move(req)).body(), "text/plain chunked sent in chunks");
  EXPECT_EQ(client.connections_made(), 1u);  // both on one connection
}

TEST_F(HttpClientTest, RedirectsAreOffByDefaultAndFollowedWhenAsked) {
  serve_counted(client_router());
  HttpClient plain;
  auto res = plain.get(url("/old"));
  EXPECT_EQ(res.result(), http::status::found);
  EXPECT_EQ(res[http::field::location], "/hello");
  HttpClient following({.follow_redirects = true, .max_redirects = 3});
  EXPECT_EQ(following.get(url("/old")).body(), "hello\n");
  EXPECT_EQ(following.post(url("/form"), "x=1", "application/x-www-form-urlencoded").body(), "hello\n");  // 303: GET
  const int before = hits;
  EXPECT_EQ(following.get(url("/loop")).result(), http::status::moved_permanently);  // gives up: the last 3xx
  EXPECT_EQ(hits - before, 4);  // the first request and 3 redirects
}

TEST_F(HttpClientTest, DeadlineBoundsTheExchange) {
  serve(client_router());
  HttpClient client({.timeout = 5s});
  const auto t0 = Clock::now();
  try {
    client.get(url("/slow"), 100ms);
    ADD_FAILURE() << "no timeout";
  } catch (const IoTimeout& e) {
    EXPECT_EQ(e.asio_code(), boost::asio::error::timed_out) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 400ms);
  EXPECT_EQ(client.idle_connections(), 0u);  // the timed-out connection is not reused
  EXPECT_EQ(client.get(url("/slow"), 2s).body(), "late\n");
  EXPECT_THROW(client.get(url("/hello"), Duration(-1s)), UsageError);
}

TEST_F(HttpClientTest, APooledConnectionTheServerClosedIsReplaced) {
  HttpServerOptions o;
  o.limits.idle_timeout = 50ms;  // the server drops idle keep-alive connections quickly
  serve(client_router(), o);
  HttpClient client;
  EXPECT_EQ(client.get(url("/hello")).body(), "hello\n");
  this_fiber::sleep(200ms);
  EXPECT_EQ(client.get(url("/hello")).body(), "hello\n");  // retried on a new connection
  EXPECT_EQ(client.connections_made(), 2u);
}

TEST_F(HttpClientTest, ResolvesNamesAndRefusesBadUrls) {
  serve(client_router());
  HttpClient client;
  EXPECT_EQ(client.get("http://localhost:" + std::to_string(server->port()) + "/hello").body(), "hello\n");
  EXPECT_THROW(client.get("ftp://127.0.0.1/"), UsageError);
  EXPECT_THROW(client.get("http:///path"), UsageError);
  EXPECT_THROW(client.get("http://127.0.0.1:99999/"), UsageError);
  EXPECT_THROW(client.get("http://user:pw@127.0.0.1/"), UsageError);
  const Url u = parse_url("HTTPS://[::1]:8443?q=1#frag");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.target, "/?q=1");
  // Nothing listens on a port just closed: connection refused is an IoError.
  std::uint16_t port = 0;
  {
    TcpListener closed(tcp_endpoint("127.0.0.1", 0));
    port = closed.local_endpoint().port();
  }
  EXPECT_THROW(client.get("http://127.0.0.1:" + std::to_string(port) + "/"), IoError);
}

TEST_F(HttpClientTest, HttpsThroughGrovesTlsStream) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("grove_web_client_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto files = grove::test::make_self_signed(dir, "server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
  ASSERT_FALSE(files.cert.empty()) << "openssl could not make a certificate";
  auto server_ctx = TlsContext::server(files.cert, files.key);
  HttpServerOptions o;
  o.stream.tls = &server_ctx;
  serve(client_router(), o);
  auto ctx = TlsContext::client();
  ctx.load_verify_file(files.cert);
  HttpClient client({.tls = &ctx});
  const std::string base = "https://localhost:" + std::to_string(server->port());
  EXPECT_EQ(client.get(base + "/hello").body(), "hello\n");
  EXPECT_EQ(client.get(base + "/stream").body().size(), 40u);
  EXPECT_EQ(client.connections_made(), 1u);
  HttpClient untrusting;  // the system's CA store does not know the test certificate
  EXPECT_THROW(untrusting.get(base + "/hello"), IoError);
  server->stop(1s);
  server.reset();
  std::filesystem::remove_all(dir);
}

// Python's http.server (HTTP/1.1 keep-alive) serving a directory: a server
// not written here, started on a free port of 127.0.0.1 and stopped at the end.
TEST_F(HttpClientTest, TalksToPythonsHttpServer) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("grove_web_client_py_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.txt") << "from python\n";
  const std::string script =
      "import functools, http.server, sys\n"
      "class H(http.server.SimpleHTTPRequestHandler):\n"
      "    protocol_version = 'HTTP/1.1'\n"
      "    def log_message(self, *a): pass\n"
      "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=sys.argv[1]))\n"
      "print(s.server_address[1], flush=True)\n"
      "s.serve_forever()\n";
  Popen py({"python3", "-c", script, dir.string()}, {.std_out = Stdio::pipe()});
  struct Stop {  // the server goes, whatever the test did
    Popen& p;
    ~Stop() {
      p.kill();
      p.wait();
    }
  } stop{py};
  std::string port;
  {
    Timeout t(kWait);
    port = py.std_out().readline(16);
  }
  ASSERT_FALSE(port.empty());
  port.pop_back();
  HttpClient client;
  const std::string base = "http://127.0.0.1:" + port;
  for (int i = 0; i < 3; ++i) {
    auto res = client.get(base + "/index.txt");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "from python\n");
  }
  EXPECT_EQ(client.connections_made(), 1u);  // keep-alive with a third-party server
  EXPECT_EQ(client.get(base + "/missing").result(), http::status::not_found);
  auto head = client.request(http::verb::head, base + "/index.txt");
  EXPECT_EQ(head[http::field::content_length], "12");
  EXPECT_TRUE(head.body().empty());
  HttpClient plain;  // a directory without its slash: Python redirects, the client does not follow
  std::filesystem::create_directories(dir / "sub");
  EXPECT_EQ(plain.get(base + "/sub").result(), http::status::moved_permanently);
  HttpClient following({.follow_redirects = true});
  EXPECT_EQ(following.get(base + "/sub").result(), http::status::ok);  // the listing of sub/
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace grove::web::test
