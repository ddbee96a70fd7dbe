// beast_yield_test.cpp — Boost.Beast's asynchronous HTTP calls in
// synchronous style with grove::yield, over a green socket's Asio socket.
#include <grove/yield.hpp>

#include <grove/fiber.hpp>
#include <grove/stream_server.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <string>

namespace http = boost::beast::http;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class BeastYieldTest : public HubTest {};

void hello(Stream& s) {
  // The server side uses Beast's synchronous calls on the Stream itself.
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::read(s, buffer, req);
  http::response<http::string_body> res{http::status::ok, 11};
  res.body() = "hello " + std::string(req.target());
  res.prepare_payload();
  http::write(s, res);
}

TEST_F(BeastYieldTest, AsyncHttpInSynchronousStyle) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), hello);
  server.start();
  auto sock = TcpSocket::connect("127.0.0.1", server.port());
  auto& raw = sock.asio_socket();
  http::request<http::empty_body> req{http::verb::get, "/grove", 11};
  req.set(http::field::host, "127.0.0.1");
  std::size_t sent = http::async_write(raw, req, grove::yield.cancel_by(raw));
  EXPECT_GT(sent, 0u);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  error_code ec;
  http::async_read(raw, buffer, res, grove::yield[ec].cancel_by(raw));
  EXPECT_FALSE(ec);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "hello /grove");
  server.stop();
}

TEST_F(BeastYieldTest, TimeoutCancelsAComposedRead) {
  StreamServer server(tcp_endpoint("127.0.0.1", 0), [](Stream& s) { s.recv(); });  // never answers
  server.start();
  auto sock = TcpSocket::connect("127.0.0.1", server.port());
  auto& raw = sock.asio_socket();
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  const auto t0 = Clock::now();
  EXPECT_THROW(
      {
        Timeout t(30ms);
        http::async_read(raw, buffer, res, grove::yield.cancel_by(raw));
      },
      Timeout);
  EXPECT_LT(since(t0), 500ms);
  sock.close();
  server.stop();
}

}  // namespace
