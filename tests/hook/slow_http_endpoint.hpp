#pragma once
// slow_http_endpoint.hpp — SlowHttpEndpoint, the grove HTTP endpoint of
// issue 13 §3 H3: a grove::web::HttpServer on a free port of 127.0.0.1
// whose one route, GET /slow, answers 200 with body() after a delay
// (this_fiber::sleep inside the handler, so the many requests wait
// together, each in its connection's fiber); any other path is 404.
//
//   grove::test::SlowHttpEndpoint http(100ms);            // in a fiber
//   curl_easy_setopt(easy, CURLOPT_URL, http.url().c_str());
//
// Contract: make and destroy it in a fiber of the hub's thread; the
// destructor stops the server (its connections get a grace of 1 s).

#include <grove/duration.hpp>
#include <grove/this_fiber.hpp>
#include <grove/web/http_server.hpp>
#include <grove/web/router.hpp>

#include <chrono>
#include <string>

namespace grove::test {

class SlowHttpEndpoint {
 public:
  explicit SlowHttpEndpoint(grove::Duration delay)
      : server_(grove::tcp_endpoint("127.0.0.1", 0), routes(delay), options()) {
    server_.start();
  }
  ~SlowHttpEndpoint() { server_.stop(std::chrono::seconds(1)); }
  SlowHttpEndpoint(const SlowHttpEndpoint&) = delete;
  SlowHttpEndpoint& operator=(const SlowHttpEndpoint&) = delete;

  // url() is the endpoint's address; body() what a GET of it returns.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/slow"; }
  static std::string body() { return "slow hello from grove\n"; }

 private:
  static web::Router routes(grove::Duration delay) {
    web::Router r;
    r.get("/slow", [delay](web::Request&) {
      grove::this_fiber::sleep(delay);
      return web::Response::text(body());
    });
    return r;
  }
  // options(): a listen backlog for H3's 200 connections opened at once.
  static web::HttpServerOptions options() {
    web::HttpServerOptions o;
    o.stream.listen.backlog = 4096;
    return o;
  }

  web::HttpServer server_;
};

}  // namespace grove::test
