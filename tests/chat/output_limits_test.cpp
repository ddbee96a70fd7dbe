// output_limits_test.cpp — soft_limit.hpp and outbox.hpp: a subscriber's
// output buffer has a hard limit (max_outbound: disconnected at once,
// "slow_consumer") and a soft one (soft_outbound for soft_outbound_time:
// "slow_consumer_soft"), Redis's client-output-buffer-limit shape
// (docs/limits.md). The rules are checked at limit -1, 0 and +1 on the
// types; then the ChatServer runs in the test kit's Simulation (virtual
// time) on the in-memory network, with a TCP, a WebSocket and a long-poll
// member that never read while a talker fills their buffers. Last, the TCP
// idle_timeout at -1 ms and +1 ms, in virtual time too.
#include <grove/chat/chat_server.hpp>
#include <grove/chat/outbox.hpp>
#include <grove/chat/soft_limit.hpp>

#include "chat_test_support.hpp"

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/testing/explore.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/testing/memory_server.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace std::chrono_literals;
using namespace grove;
using namespace grove::chat;
using grove::testing::MemoryNetwork;
using grove::testing::MemoryServer;

namespace {

constexpr std::size_t kSoft = 4096;
const TimePoint kT0{std::chrono::hours(1)};

TEST(SoftLimit, BytesAtTheLimitAreNotOverIt) {
  SoftLimit soft(kSoft, 10s);
  EXPECT_FALSE(soft.exceeded(kSoft - 1, kT0));  // -1
  EXPECT_FALSE(soft.over_since());
  EXPECT_FALSE(soft.exceeded(kSoft, kT0));  // 0: at the limit is not over it
  EXPECT_FALSE(soft.over_since());
  EXPECT_FALSE(soft.exceeded(kSoft + 1, kT0));  // +1: over it, the clock starts
  EXPECT_EQ(soft.over_since(), kT0);
  // Still over an hour later (as seen at checks): exceeded.
  EXPECT_TRUE(soft.exceeded(kSoft + 1, kT0 + 1h));
}

TEST(SoftLimit, DisconnectsOnlyPastTheSoftTime) {
  SoftLimit soft(kSoft, 10s);
  EXPECT_FALSE(soft.exceeded(kSoft + 1, kT0));
  EXPECT_FALSE(soft.exceeded(kSoft + 100, kT0 + 10s - 1ms));  // -1
  EXPECT_FALSE(soft.exceeded(kSoft + 100, kT0 + 10s));        // 0: not past it yet
  EXPECT_TRUE(soft.exceeded(kSoft + 100, kT0 + 10s + 1ms));   // +1
}

TEST(SoftLimit, DrainingToTheLimitRestartsTheClock) {
  SoftLimit soft(kSoft, 10s);
  EXPECT_FALSE(soft.exceeded(kSoft + 1, kT0));
  EXPECT_FALSE(soft.exceeded(kSoft, kT0 + 9s));  // drained to the limit
  EXPECT_FALSE(soft.exceeded(kSoft + 1, kT0 + 11s));
  EXPECT_EQ(soft.over_since(), kT0 + 11s);
  EXPECT_FALSE(soft.exceeded(kSoft + 1, kT0 + 21s));
  EXPECT_TRUE(soft.exceeded(kSoft + 1, kT0 + 21s + 1ns));
}

TEST(SoftLimit, ZeroBytesTurnsItOff) {
  SoftLimit soft(0, 0s);
  EXPECT_FALSE(soft.exceeded(1 << 30, kT0));
  EXPECT_FALSE(soft.exceeded(1 << 30, kT0 + 24h));
}

class OutboxHardLimit : public grove::test::HubTest {};

TEST_F(OutboxHardLimit, FillsToTheLimitAndOverflowsPastIt) {
  for (std::size_t last : {kSoft - 1, kSoft, kSoft + 1}) {
    Outbox box(kSoft);
    ASSERT_TRUE(box.push(std::string(kSoft - 10, 'x')));
    const bool taken = box.push(std::string(last - (kSoft - 10), 'y'));
    EXPECT_EQ(taken, last <= kSoft) << last;
    EXPECT_EQ(box.overflowed(), last > kSoft) << last;
    EXPECT_EQ(box.unsent(), last <= kSoft ? last : kSoft - 10) << last;
    EXPECT_EQ(box.push("z"), last < kSoft) << "after " << last;  // full, or overflowed for good
  }
}

// ---- The server in virtual time ----

enum class Kind { tcp, websocket, long_poll };

struct Outcome {
  int soft = 0;                   // disconnects "slow_consumer_soft"
  int hard = 0;                   // disconnects "slow_consumer"
  Duration at = Duration::max();  // when the sleeper was dropped (from its join)
};

std::string line_of(Stream& s) {
  std::string l = s.read_line(8192);
  if (!l.empty() && l.back() == '\n') l.pop_back();
  return l;
}

// The talker says one kLine-byte message a second, kMessages in all.
constexpr int kMessages = 40;
constexpr std::size_t kLine = 400;

// sleeper_run(kind, cfg) runs a room of a talker (TCP, reading its echoes)
// and a sleeper of the given kind that joins and never reads again. The
// network carries at most 1 KiB per direction, so the sleeper's unsent
// bytes pile up in the server at about 430 bytes a second.
Outcome sleeper_run(Kind kind, ChatConfig cfg) {
  cfg.write_timeout = 1h;  // the limits under test act first
  cfg.ws_idle_timeout = 1h;
  cfg.ws_ping_interval = 1h;
  cfg.poll_expiry = 1h;
  cfg.idle_timeout = 1h;
  MemoryNetwork net({.latency = 1ms, .buffer_bytes = 1024});
  ChatServer server(cfg);
  MemoryServer lines(net.listen("chat:5555"), [&](Stream& s) { server.handle_tcp(s); });
  MemoryServer web(net.listen("chat:8080"), [&](Stream& s) { server.handle_http(s); });
  lines.start();
  web.start();

  std::unique_ptr<Stream> sleeper;
  if (kind == Kind::tcp) {
    sleeper = net.connect("chat:5555", {.from = "sleeper"});
    sleeper->set_timeout(60s);
    EXPECT_EQ(line_of(*sleeper).rfind("* welcome", 0), 0u);
    sleeper->send_all("/nick sleeper\n/join r\n");
    EXPECT_EQ(line_of(*sleeper), "* you are sleeper");
    EXPECT_EQ(line_of(*sleeper), "* joined r");
  } else if (kind == Kind::websocket) {
    sleeper = net.connect("chat:8080", {.from = "sleeper"});
    sleeper->set_timeout(60s);
    sleeper->send_all(
        "GET /ws HTTP/1.1\r\nHost: chat\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) head += sleeper->read_line(8192);
    EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
    sleeper->send_all(chat::test::masked_frame(0x1, R"({"type":"nick","nick":"sleeper"})") +
                      chat::test::masked_frame(0x1, R"({"type":"join","room":"r"})"));
  } else {
    sleeper = net.connect("chat:8080", {.from = "sleeper"});
    sleeper->set_timeout(60s);
    const std::string body = "message=hello";
    sleeper->send_all(
        "POST /put/r/sleeper HTTP/1.1\r\nHost: chat\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(line_of(*sleeper).rfind("HTTP/1.1 200", 0), 0u);
  }
  this_fiber::sleep(100ms);
  const TimePoint joined = hub().now();

  auto talker = net.connect("chat:5555", {.from = "talker"});
  talker->set_timeout(60s);
  EXPECT_EQ(line_of(*talker).rfind("* welcome", 0), 0u);
  talker->send_all("/nick talker\n/join r\n");
  EXPECT_EQ(line_of(*talker), "* you are talker");
  EXPECT_EQ(line_of(*talker), "* joined r");
  if (kind == Kind::long_poll) {
    EXPECT_EQ(line_of(*talker), "[r] sleeper: hello");  // the backlog
  }

  Outcome out;
  auto count = [&](const char* reason) { return server.stats()["disconnects"].value(reason, 0); };
  for (int k = 0; k < kMessages; ++k) {
    this_fiber::sleep(1s);
    const std::string text = std::to_string(k) + std::string(kLine, 'm');
    talker->send_all(text + "\n");
    EXPECT_EQ(line_of(*talker), "[r] talker: " + text);
    this_fiber::sleep(1ms);
    if (out.at == Duration::max() && count("slow_consumer_soft") + count("slow_consumer") > 0)
      out.at = hub().now() - joined;
  }
  this_fiber::sleep(2s);  // the long-poll reaper's round
  if (out.at == Duration::max() && count("slow_consumer_soft") + count("slow_consumer") > 0)
    out.at = hub().now() - joined;
  out.soft = count("slow_consumer_soft");
  out.hard = count("slow_consumer");
  talker->send_all("/quit\n");
  server.stop(1s);
  lines.stop(1s);
  web.stop(1s);
  return out;
}

Outcome run(Kind kind, ChatConfig cfg) {
  Outcome out;
  auto result = grove::testing::run_seed(1, [&] { out = sleeper_run(kind, cfg); });
  EXPECT_TRUE(result.passed()) << result.failure;
  return out;
}

constexpr Kind kKinds[] = {Kind::tcp, Kind::websocket, Kind::long_poll};
const char* name(Kind k) { return k == Kind::tcp ? "tcp" : k == Kind::websocket ? "websocket" : "long_poll"; }

// Over the soft limit for longer than soft_outbound_time: dropped as
// "slow_consumer_soft", never before the buffer could have passed the soft
// limit (kSoft at under 500 bytes a second) plus soft_outbound_time.
TEST(ChatOutputLimits, OverTheSoftLimitForTooLongIsDroppedAndCounted) {
  for (Kind kind : kKinds) {
    const Outcome out = run(kind, {.max_outbound = 1024 * 1024, .soft_outbound = kSoft, .soft_outbound_time = 10s});
    EXPECT_EQ(out.soft, 1) << name(kind);
    EXPECT_EQ(out.hard, 0) << name(kind);
    EXPECT_GT(out.at, 10s + std::chrono::seconds(kSoft / 500)) << name(kind);
    EXPECT_LT(out.at, std::chrono::seconds(kMessages)) << name(kind);
  }
}

// Over the soft limit, but never for as long as soft_outbound_time (the run
// is 40 s): kept. The same with the soft limit off.
TEST(ChatOutputLimits, OverTheSoftLimitForLessThanItsTimeIsKept) {
  for (Kind kind : kKinds) {
    for (std::size_t soft : {kSoft, std::size_t{0}}) {
      const Outcome out = run(kind, {.max_outbound = 1024 * 1024, .soft_outbound = soft, .soft_outbound_time = 1h});
      EXPECT_EQ(out.soft + out.hard, 0) << name(kind) << " soft " << soft;
    }
  }
}

// Past the hard limit the sleeper is dropped at once, soft limit or not.
TEST(ChatOutputLimits, PastTheHardLimitIsDroppedAtOnce) {
  for (Kind kind : kKinds) {
    const Outcome out = run(kind, {.max_outbound = kSoft, .soft_outbound = kSoft / 2, .soft_outbound_time = 1h});
    EXPECT_EQ(out.hard, 1) << name(kind);
    EXPECT_EQ(out.soft, 0) << name(kind);
    // It could not hold more than kSoft + 1 KiB in flight + a message.
    EXPECT_LE(out.at, std::chrono::seconds((kSoft + 1024) / kLine + 3)) << name(kind);
  }
}

// ---- The TCP idle timeout at -1 and +1, in virtual time ----

// A line 1 ms before idle_timeout keeps the connection (and restarts the
// clock); silence 1 ms past it closes it with "! idle timeout".
TEST(ChatIdleTimeout, ALineJustBeforeTheTimeoutKeepsTheConnectionJustAfterItCloses) {
  auto result = grove::testing::run_seed(1, [] {
    MemoryNetwork net;
    ChatServer server({.idle_timeout = 10s});
    MemoryServer lines(net.listen("chat:5555"), [&](Stream& s) { server.handle_tcp(s); });
    lines.start();
    auto c = net.connect("chat:5555", {.from = "c"});
    c->set_timeout(1h);
    EXPECT_EQ(line_of(*c).rfind("* welcome", 0), 0u);
    c->send_all("/nick c\n/join r\n");
    EXPECT_EQ(line_of(*c), "* you are c");
    EXPECT_EQ(line_of(*c), "* joined r");
    for (int i = 0; i < 3; ++i) {  // -1, three times over: 30 s in all
      this_fiber::sleep(10s - 1ms);
      c->send_all("still here\n");
      EXPECT_EQ(line_of(*c), "[r] c: still here");
    }
    const TimePoint last = hub().now();
    EXPECT_EQ(line_of(*c), "! idle timeout");  // +1: waits for it
    EXPECT_GE(hub().now() - last, 10s);
    EXPECT_LE(hub().now() - last, 10s + 1ms);
    EXPECT_EQ(server.stats()["disconnects"].value("idle_timeout", 0), 1);
    server.stop(1s);
    lines.stop(1s);
  });
  EXPECT_TRUE(result.passed()) << result.failure;
}

}  // namespace
