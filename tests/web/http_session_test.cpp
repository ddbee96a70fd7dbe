// http_session_test.cpp — HttpSession on a Stream of its own (a
// socketpair, no HttpServer): why run() returns (on_end), error_page for
// refusals and handler failures, stop() while idle and while busy, kill().
#include <grove/web/http_session.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/unix_socket.hpp>

#include "usage_error_of.hpp"
#include "web_test_support.hpp"

#include <string>
#include <vector>

namespace grove::web::test {
namespace {

class HttpSessionTest : public grove::test::HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    auto [a, b] = socketpair();
    server_end.emplace(std::move(a));
    client.emplace(std::move(b));
    client->set_timeout(kWait);
  }
  void TearDown() override {
    if (fiber && !fiber.dead()) fiber.kill();
    server_end.reset();
    client.reset();
    HubTest::TearDown();
  }
  // start(limits): a session with the test's router in a fiber of its own.
  void start(HttpLimits limits = {}) {
    session.emplace(*server_end, router, limits);
    session->on_end = [this](std::string_view why) { reasons.emplace_back(why); };
    fiber = spawn([this] {
      session->run();
      server_end->close();
    });
  }
  std::string read_all() {
    std::string out;
    boost::system::error_code ec;
    for (std::string piece; !(piece = client->recv(65536, ec)).empty();) out += piece;
    return out;
  }

  Router router;
  std::optional<UnixSocket> server_end, client;
  std::optional<HttpSession> session;
  std::vector<std::string> reasons;
  Fiber<> fiber;
};

TEST_F(HttpSessionTest, ServesAnyStreamAndSaysWhyItEnded) {
  router.get("/", [](Request& req) { return Response::text(std::string(req.stream().describe().substr(0, 4))); });
  start();
  client->send_all("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string out = read_all();
  fiber.join();
  EXPECT_EQ(count(out, "HTTP/1.1 200 OK"), 2u) << out;
  EXPECT_EQ(session->requests(), 2u);
  EXPECT_EQ(reasons, std::vector<std::string>{"done"});
  EXPECT_EQ(session->end_reason(), HttpSession::done);
}

TEST_F(HttpSessionTest, ErrorPageShapesRefusalsAndHandlerFailures) {
  router.get("/boom", [](Request&) -> Response { throw std::logic_error("no"); });
  HttpLimits limits;
  limits.max_header_bytes = 200;
  limits.linger = 100ms;  // the client keeps its side open: do not wait long
  router.get("/", [](Request&) { return Response::text("fine"); });
  start(limits);
  session->error_page = [](http::status st, std::string_view text) {
    return Response::json(
        "{\"status\":" + std::to_string(static_cast<int>(st)) + ",\"error\":\"" + std::string(text) + "\"}", st);
  };
  client->send_all("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
  client->send_all("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(400, 'b') + "\r\n\r\n");
  const std::string out = read_all();
  fiber.join();
  EXPECT_NE(out.find("HTTP/1.1 500 Internal Server Error"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"status\":500,\"error\":\"internal server error\"}"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 431"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"status\":431,\"error\":\"request head too large\"}"), std::string::npos) << out;
  EXPECT_EQ(reasons, std::vector<std::string>{"header_too_large"});
}

TEST_F(HttpSessionTest, StopWhileIdleEndsAtOnceStopWhileBusyAfterTheAnswer) {
  Event in_handler, release;
  router.get("/wait", [&](Request&) {
    in_handler.set();
    EXPECT_TRUE(release.wait(kWait));
    return Response::text("answered");
  });
  start();
  client->send_all("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(in_handler.wait(kWait));
  EXPECT_FALSE(session->idle());
  session->stop();  // busy: the answer comes first, then the end
  release.set();
  const std::string out = read_all();
  fiber.join();
  EXPECT_NE(out.find("answered"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  EXPECT_EQ(reasons, std::vector<std::string>{"stopped"});
}

TEST_F(HttpSessionTest, StopWhileWaitingForARequestClosesTheStream) {
  router.get("/", [](Request&) { return Response::text("x"); });
  start();
  this_fiber::sleep(10ms);
  EXPECT_TRUE(session->idle());
  session->stop();
  fiber.join();
  EXPECT_EQ(read_all(), "");
  EXPECT_EQ(reasons, std::vector<std::string>{"stopped"});
}

TEST_F(HttpSessionTest, KillEndsTheSessionAsInterrupted) {
  router.get("/", [](Request&) { return Response::text("x"); });
  start();
  this_fiber::sleep(10ms);
  fiber.kill();
  EXPECT_EQ(reasons, std::vector<std::string>{"interrupted"});
}

TEST_F(HttpSessionTest, AnEmptyHandlerIsAUsageError) {
  EXPECT_NE(grove::test::usage_error_of([&] { HttpSession(*server_end, Handler()); }).find("handler is empty"),
            std::string::npos);
}

}  // namespace
}  // namespace grove::web::test
