#pragma once
// slow_http_endpoint.hpp — SlowHttpEndpoint, the grove HTTP endpoint of
// issue 13 §3 H3: it answers every GET with 200 and body() after a delay
// (this_fiber::sleep, so the many requests wait together). It runs on the
// hub of the thread that makes it, as a grove::StreamServer on a free port
// of 127.0.0.1, one fiber per connection, with Boost.Beast's HTTP parser
// and serializer on the green grove::Stream (as bench/chat/w9_grove_http.cpp
// does); when grove::web (HttpServer) is on main, this is the one file to
// switch to it.
//
//   grove::test::SlowHttpEndpoint http(100ms);            // in a fiber
//   curl_easy_setopt(easy, CURLOPT_URL, http.url().c_str());
//
// Contract: make and destroy it in a fiber of the hub's thread; the
// destructor stops the server (its connections get a grace of 1 s).

#include <grove/duration.hpp>
#include <grove/stream_server.hpp>
#include <grove/this_fiber.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <string>

namespace grove::test {

class SlowHttpEndpoint {
 public:
  explicit SlowHttpEndpoint(grove::Duration delay)
      : server_(grove::tcp_endpoint("127.0.0.1", 0), [delay](grove::Stream& s) { serve(s, delay); },
                {.listen = {.backlog = 4096}}) {
    server_.start();
  }
  ~SlowHttpEndpoint() { server_.stop(std::chrono::seconds(1)); }
  SlowHttpEndpoint(const SlowHttpEndpoint&) = delete;
  SlowHttpEndpoint& operator=(const SlowHttpEndpoint&) = delete;

  // url() is the endpoint's address; body() what a GET of it returns.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/slow"; }
  static std::string body() { return "slow hello from grove\n"; }

 private:
  // serve(s, delay) answers the requests of one connection until the peer
  // closes or asks to: GET /slow is 200 with body() after delay, anything
  // else 404 at once.
  static void serve(grove::Stream& s, grove::Duration delay) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      http::request<http::string_body> req;
      http::read(s, buffer, req, ec);
      if (ec) return;
      const bool found = req.method() == http::verb::get && req.target() == "/slow";
      if (found) grove::this_fiber::sleep(delay);
      http::response<http::string_body> res{found ? http::status::ok : http::status::not_found, req.version()};
      res.set(http::field::server, "grove");
      res.set(http::field::content_type, "text/plain");
      res.keep_alive(req.keep_alive());
      res.body() = found ? body() : "not found\n";
      res.prepare_payload();
      http::write(s, res, ec);
      if (ec || !res.keep_alive()) return;
    }
  }

  grove::StreamServer server_;
};

}  // namespace grove::test
