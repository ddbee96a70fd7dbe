// observe_test.cpp — grove-chat's observability endpoints (issue 14 §6,
// docs/observability.md): the program, started as a process with
// --actor-timing 1 on one hub and on two, is scraped at GET /metrics,
// /debug/fibers and /debug/ while its clients chat; the room's actor
// appears in each, and its counters move between two scrapes.
#include "chat_process_support.hpp"

#include <prometheus_text.hpp>

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/thread_pool.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

using namespace grove;
using namespace grove::chat::test;

namespace {

using grove::test::sample;
using grove::test::sum;

class ChatObserve : public ChatTest, public ::testing::WithParamInterface<const char*> {};

INSTANTIATE_TEST_SUITE_P(Hubs, ChatObserve, ::testing::Values("1", "2"));

TEST_P(ChatObserve, DebugAndMetricsEndpointsShowTheChatWhileItRuns) {
  Child child({"--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--log-level", "warn", "--hubs", GetParam(),
               "--actor-timing", "1"});
  const std::uint16_t tcp = listening_port(child, "tcp");
  const std::uint16_t http_port = listening_port(child, "http");
  ASSERT_NE(tcp, 0) << child.output();
  ASSERT_NE(http_port, 0) << child.output();

  LineClient alice(tcp);
  alice.login("alice", "lobby");
  LineClient bob(tcp);
  bob.login("bob", "lobby");
  const std::string room = "actor=\"room:lobby#1\"";

  // alice talks and bob reads while the endpoints are scraped.
  constexpr int kLines = 200;
  std::atomic<int> read{0};
  auto talk = spawn([&] {
    for (int i = 0; i < kLines; ++i) {
      alice.send("line " + std::to_string(i));
      if (i % 20 == 0) this_fiber::sleep(2ms);
    }
  });
  auto listen = spawn([&] {
    for (int i = 0; i < kLines; ++i)
      if (bob.line().find(" alice: line ") != std::string::npos) ++read;
  });

  const HttpResult first = http_call(http_port, http::verb::get, "/metrics");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(sample(first.body, "grove_actor_mailbox_depth{" + room + "}").has_value()) << first.body;
  EXPECT_TRUE(sample(first.body, "grove_actor_restarts_total{" + room + "}").has_value());
  EXPECT_GE(sum(first.body, "grove_actors"), 1.0);  // the room

  const HttpResult dump = http_call(http_port, http::verb::get, "/debug/fibers");
  ASSERT_EQ(dump.status, 200u);
  const json doc = dump.parsed();
  EXPECT_EQ(doc.at("schema"), "grove.fibers/1");
  EXPECT_EQ(doc.at("hubs").size(), std::stoul(GetParam()) + (std::string(GetParam()) == "1" ? 0 : 1)) << dump.body;
  bool room_seen = false;
  std::size_t fibers = 0;
  for (const json& h : doc.at("hubs")) {
    EXPECT_TRUE(h.at("responsive").get<bool>());
    for (const json& f : h.at("fibers")) {
      ++fibers;
      if (f.contains("actor") && f.at("actor").at("name") == "room:lobby#1") room_seen = true;
    }
  }
  EXPECT_TRUE(room_seen) << dump.body;
  EXPECT_GE(fibers, 5u);  // main, the room, its supervisor, the reaper, the sessions

  const HttpResult page = http_call(http_port, http::verb::get, "/debug/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>grove debug</title>"), std::string::npos);

  talk.join();
  listen.join();
  EXPECT_EQ(read.load(), kLines);
  const HttpResult second = http_call(http_port, http::verb::get, "/metrics");
  ASSERT_EQ(second.status, 200u);
  // The room handled every line (and the joins): its histogram counted them;
  // the loops kept turning between the scrapes.
  const double handled = sample(second.body, "grove_actor_processing_seconds_count{" + room + "}").value_or(0);
  EXPECT_GE(handled, kLines) << second.body;
  EXPECT_GT(handled, sample(first.body, "grove_actor_processing_seconds_count{" + room + "}").value_or(0));
  EXPECT_GT(sum(second.body, "grove_hub_loop_turns_total"), sum(first.body, "grove_hub_loop_turns_total"));
  EXPECT_GT(sum(second.body, "grove_fibers_spawned_total"), 0.0);
  // Sessions on another hub than the room's send through its remote lane,
  // counted there; the kernel decides which hub each client lands on, so
  // only the series is checked here (tests/observe checks the count).
  EXPECT_TRUE(sample(second.body, "grove_actor_remote_messages_total{" + room + "}").has_value());

  // The real output passes Prometheus' own check.
  if (std::string(GROVE_PROMTOOL).empty()) {
    std::fprintf(stderr, "\n*** promtool NOT FOUND: grove-chat's /metrics is NOT format-checked ***\n\n");
  } else {
    const auto file = std::filesystem::temp_directory_path() / ("grove-chat-metrics-" + std::to_string(::getpid()));
    std::ofstream(file) << second.body;
    ThreadPool pool(1);
    const std::string cmd = std::string(GROVE_PROMTOOL) + " check metrics < " + file.string();
    EXPECT_EQ(pool.spawn([cmd] { return std::system(cmd.c_str()); }).get(), 0) << second.body;
    std::filesystem::remove(file);
  }
}

}  // namespace
