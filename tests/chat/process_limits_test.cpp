// process_limits_test.cpp — the grove-chat program's limits (issue 19):
// the command-line flags set them, and short of descriptors it refuses
// new clients with a message instead of leaving them hanging.
//
// Sanitizer builds: grove-chat built with ASan/UBSan must never run out of
// descriptors — UBSan's vptr check probes memory through a pipe, fails once
// no descriptor is left, and aborts the process. Here the connection cap
// keeps descriptors free, so this test runs in both builds. A test that
// does exhaust descriptors (tests/io/stream_server_test.cpp's EMFILE flood)
// runs only in the Release build, or in a sanitizer build whose server is
// compiled with -fno-sanitize=vptr.
#include "chat_process_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <memory>
#include <vector>

using namespace grove;
using namespace grove::chat::test;

namespace {

class ChatProcessLimits : public ChatTest {};

TEST_F(ChatProcessLimits, FlagsSetTheLimits) {
  Child child({"--port", "0", "--http-port", "0", "--log-level", "warn", "--idle-timeout", "0.5",
               "--max-connections", "2", "--write-timeout", "5", "--ws-idle-timeout", "10", "--max-rooms", "50",
               "--max-rooms-per-client", "5", "--room-idle-timeout", "60"});
  const std::uint16_t tcp = listening_port(child, "tcp");
  ASSERT_NE(tcp, 0) << child.output();
  LineClient a(tcp), b(tcp);
  EXPECT_EQ(a.line().rfind("* welcome", 0), 0u);
  EXPECT_EQ(b.line().rfind("* welcome", 0), 0u);
  LineClient c(tcp);
  EXPECT_EQ(c.line(), "! server full, try again later");
  const auto t0 = Clock::now();
  EXPECT_EQ(a.line(), "! idle timeout");  // after --idle-timeout 0.5, not 60 s
  EXPECT_LT(Clock::now() - t0, 3s);
}

TEST_F(ChatProcessLimits, BadLimitIsRefused) {
  Child child({"--max-connections", "lots"});
  EXPECT_EQ(child.wait_exit(5s), 2);
  Child zero({"--idle-timeout", "0"});
  EXPECT_EQ(zero.wait_exit(5s), 2);
}

// With `ulimit -n 64`, silent WebSocket clients used to take every
// descriptor: later clients waited in the accept backlog, unserved, and the
// silent ones were never dropped. Now the cap (lowered to fit the
// descriptors) refuses the extra clients at once with 503, and the silent
// ones are dropped by the WebSocket idle timeout, after which new clients
// are served again.
TEST_F(ChatProcessLimits, ShortOfDescriptorsClientsAreRefusedThenServedAgain) {
  Child child({"--port", "0", "--http-port", "0", "--log-level", "warn", "--ws-idle-timeout", "1"}, 64);
  const std::uint16_t http_port = listening_port(child, "http");
  ASSERT_NE(http_port, 0) << child.output();
  constexpr int kClients = 70;  // more than the descriptors
  std::vector<std::unique_ptr<WsClient>> silent;
  int refused = 0;
  for (int i = 0; i < kClients; ++i) {
    try {
      Timeout limit(2s);  // a client left in the backlog would wait here
      silent.push_back(std::make_unique<WsClient>(http_port));
    } catch (const Timeout&) {
      ADD_FAILURE() << "client " << i << " was left hanging";
      break;
    } catch (const std::exception&) {
      ++refused;  // 503: the handshake fails at once
    }
  }
  EXPECT_GT(silent.size(), 8u);
  EXPECT_GT(refused, 0);
  // None of them answers pings (nobody reads): all dropped after about 1 s.
  EXPECT_TRUE(wait_until(
      [&] {
        try {
          Timeout limit(1s);
          WsClient fresh(http_port);
          fresh.login("fresh", "lobby");
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      4s))
      << child.output();
}

}  // namespace
