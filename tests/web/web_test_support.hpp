#pragma once
// web_test_support.hpp — what the grove::web suites share: real clients
// against a server on 127.0.0.1. run() starts a program (curl, node) in a
// worker thread of a ThreadPool, so the hub keeps serving while the
// calling fiber waits for it; RawClient speaks HTTP by hand over a green
// TcpSocket (pipelining, slow clients, odd requests). Every wait is bounded.

#include <grove/tcp_socket.hpp>
#include <grove/thread_pool.hpp>
#include <grove/web/http_server.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace grove::web::test {

using namespace std::chrono_literals;
inline constexpr auto kWait = std::chrono::seconds(10);

struct ProcResult {
  int status = -1;  // the exit status (-1: did not exit normally)
  std::string out;  // standard output
};

// run_blocking(cmd, on_line) runs `sh -c cmd` (stderr to the test's
// stderr) and returns its exit status and output; on_line, when given, sees
// each output line as it arrives (in the worker thread).
inline ProcResult run_blocking(const std::string& cmd, const std::function<void(const std::string&)>& on_line = {}) {
  ProcResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::string line;
  int c;
  while ((c = std::fgetc(p)) != EOF) {
    r.out += static_cast<char>(c);
    line += static_cast<char>(c);
    if (c == '\n') {
      if (on_line) on_line(line);
      line.clear();
    }
  }
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// WebTest: a fresh hub per test, a ThreadPool for the client processes and
// an HttpServer on 127.0.0.1:0 started by serve().
class WebTest : public grove::test::HubTest {
 protected:
  void TearDown() override {
    if (server) server->stop(1s);
    server.reset();
    pool.reset();
    HubTest::TearDown();
  }
  void serve(Handler h, HttpServerOptions o = {}) {
    server.emplace(tcp_endpoint("127.0.0.1", 0), std::move(h), std::move(o));
    server->start();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server->port()) + path; }
  // run(cmd, on_line): run_blocking in a worker thread; this fiber parks.
  ProcResult run(const std::string& cmd, std::function<void(const std::string&)> on_line = {}) {
    if (!pool) pool.emplace(4);
    auto r = pool->spawn([cmd, on_line] { return run_blocking(cmd, on_line); });
    return r.get();
  }
  // curl(args): curl -sS with a bounded time; stdout is the body unless args say otherwise.
  ProcResult curl(const std::string& args) { return run(std::string(GROVE_CURL) + " -sS --max-time 10 " + args); }

  std::optional<HttpServer> server;
  std::optional<ThreadPool> pool;
};

// RawClient: a green TCP client that writes requests by hand and reads
// whatever comes back, each read bounded by kWait.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : sock_(TcpSocket::connect("127.0.0.1", port, kWait)) {
    sock_.set_timeout(kWait);
  }
  void send(std::string_view bytes) { sock_.send_all(bytes); }
  // read_until(marker): everything read until marker has arrived (or the
  // end of the stream, or an error: then what came so far).
  std::string read_until(std::string_view marker) {
    boost::system::error_code ec;
    while (got_.find(marker) == std::string::npos) {
      auto piece = sock_.recv(65536, ec);
      if (ec || piece.empty()) break;
      got_ += piece;
    }
    return got_;
  }
  // read_all(): until the server closes.
  std::string read_all() {
    boost::system::error_code ec;
    for (;;) {
      auto piece = sock_.recv(65536, ec);
      if (ec || piece.empty()) break;
      got_ += piece;
    }
    return got_;
  }
  // closed(): true when the server has closed (eof or reset) within kWait.
  bool closed() {
    boost::system::error_code ec;
    for (;;) {
      auto piece = sock_.recv(65536, ec);
      if (ec) return ec != boost::asio::error::timed_out;
      if (piece.empty()) return true;
      got_ += piece;
    }
  }
  std::string& got() { return got_; }
  TcpSocket& socket() { return sock_; }

 private:
  TcpSocket sock_;
  std::string got_;
};

// count(haystack, needle): how many times needle occurs.
inline std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace grove::web::test
