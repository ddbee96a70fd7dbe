// metrics_test.cpp — Prometheus metrics (observe/grove/debug/metrics.hpp,
// debug/actor_timing.hpp, debug/web_metrics.hpp): the exposition text is
// read back line by line, checked by Prometheus' own promtool, and served
// at GET /metrics by grove's HTTP server.

#include <grove/actor.hpp>
#include <grove/actor_child.hpp>
#include <grove/debug/actor_timing.hpp>
#include <grove/debug/metrics.hpp>
#include <grove/debug/watchdog.hpp>
#include <grove/debug/web_metrics.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/introspect.hpp>
#include <grove/runtime.hpp>
#include <grove/supervisor.hpp>
#include <grove/this_fiber.hpp>
#include <grove/web/http_client.hpp>

#include "../web/web_test_support.hpp"

#include <prometheus_text.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;

using grove::test::sample;

std::string hub_label() { return "{hub=\"" + std::to_string(grove::debug::snapshot_hub().number) + "\"}"; }

struct Msg {
  int n = 0;
};
class Sink final : public grove::Actor<Msg> {
 public:
  void receive(Msg& m) override {
    if (m.n > 0) grove::this_fiber::sleep(std::chrono::milliseconds(m.n));
  }
};

class MetricsTest : public grove::web::test::WebTest {};

TEST_F(MetricsTest, HubsFibersAndActorsAreReadAtScrapeTime) {
  grove::debug::Metrics metrics;
  grove::Event never;
  auto a = grove::spawn([&] { never.wait(); });
  auto b = grove::spawn([&] { never.wait(); });
  auto ref = grove::spawn_actor<Sink>(grove::ActorOptions{.name = "inbox-7"});
  for (int i = 0; i < 4; ++i) ref.send(Msg{0});  // queued: the actor has not run yet
  const std::string text = metrics.scrape();
  const std::string hub = hub_label();
  EXPECT_EQ(sample(text, "grove_actor_mailbox_depth{actor=\"inbox-7\"}"), 4.0) << text;
  EXPECT_EQ(sample(text, "grove_actor_restarts_total{actor=\"inbox-7\"}"), 0.0);
  EXPECT_EQ(sample(text, "grove_actors" + hub), 1.0);
  const std::string h = std::to_string(grove::debug::snapshot_hub().number);
  // a, b and the actor are spawned (ready), not run yet; main runs the scrape.
  EXPECT_EQ(sample(text, "grove_fibers{hub=\"" + h + "\",state=\"ready\"}"), 3.0) << text;
  EXPECT_EQ(sample(text, "grove_fibers{hub=\"" + h + "\",state=\"running\"}"), 1.0);
  EXPECT_GE(sample(text, "grove_fibers_spawned_total" + hub).value_or(0), 3.0);
  EXPECT_EQ(sample(text, "grove_hub_responsive" + hub), 1.0);
  EXPECT_EQ(sample(text, "grove_hub_blocked_total" + hub), 0.0);
  EXPECT_NE(text.find("# TYPE grove_hub_loop_turns_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE grove_actor_mailbox_depth gauge"), std::string::npos);

  const double turns = sample(text, "grove_hub_loop_turns_total" + hub).value_or(-1);
  grove::this_fiber::sleep(1ms);  // the actor drains its mailbox, a and b park
  const std::string later = metrics.scrape();
  EXPECT_GT(sample(later, "grove_hub_loop_turns_total" + hub).value_or(-1), turns);
  EXPECT_EQ(sample(later, "grove_actor_mailbox_depth{actor=\"inbox-7\"}"), 0.0);
  EXPECT_EQ(sample(later, "grove_fibers{hub=\"" + h + "\",state=\"waiting\"}"), 3.0) << later;
  EXPECT_GT(sample(later, "grove_hub_busy_seconds_total" + hub).value_or(0), 0.0);
  never.set();
  a.join();
  b.join();
  ref.fiber().kill();
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(metrics.scrape().find("actor=\"inbox-7\""), std::string::npos);  // gone with the actor
}

TEST_F(MetricsTest, DeadLettersAreCountedByReason) {
  grove::debug::Metrics metrics;
  const double before = sample(metrics.scrape(), "grove_dead_letters_total{reason=\"dead_actor\"}").value_or(-1);
  ASSERT_GE(before, 0.0);
  auto ref = grove::spawn_actor<Sink>(grove::ActorOptions{.name = "short-lived"});
  ref.fiber().kill();
  ref.fiber().join();
  ref.send(Msg{0});
  ref.send(Msg{0});
  const std::string text = metrics.scrape();
  EXPECT_EQ(sample(text, "grove_dead_letters_total{reason=\"dead_actor\"}"), before + 2);
  EXPECT_TRUE(sample(text, "grove_dead_letters_total{reason=\"unreachable\"}").has_value());  // every reason listed
}

struct Boom {
  bool crash = false;
};
class Fragile final : public grove::Actor<Boom> {
 public:
  void receive(Boom& b) override {
    if (b.crash) throw std::runtime_error("boom (metrics_test)");
  }
};

TEST_F(MetricsTest, RestartsAndTheMessageThatCrashedAreCounted) {
  grove::debug::Metrics metrics;
  const std::string crashed = "grove_dead_letters_total{reason=\"crashed\"}";
  const double before = sample(metrics.scrape(), crashed).value_or(-1);
  grove::Supervisor sup(grove::SupervisorConfig{.intensity = 5, .name = "metrics-sup"});
  sup.start();
  auto child = grove::actor_child<Fragile>("fragile", {.restart = grove::Restart::permanent});
  auto ref = child.ref;
  sup.start_child(std::move(child));
  ref.send(Boom{true});
  std::optional<double> restarts;
  for (int i = 0; i < 200 && restarts != 1.0; ++i) {
    grove::this_fiber::sleep(2ms);
    restarts = sample(metrics.scrape(), "grove_actor_restarts_total{actor=\"fragile\"}");
  }
  EXPECT_EQ(restarts, 1.0);
  EXPECT_EQ(sample(metrics.scrape(), crashed), before + 1);
  sup.stop();
}

TEST_F(MetricsTest, CrossHubMessagesOfARuntimeAreCounted) {
  grove::debug::Metrics metrics;
  grove::Runtime rt({.hubs = 2});
  auto far = rt.spawn_actor_on<Sink>(grove::HubId{1}, grove::ActorOptions{.name = "far-away"});
  for (int i = 0; i < 25; ++i) far.send(Msg{0});  // from this thread's hub: the remote lane
  std::optional<double> got;
  for (int i = 0; i < 200 && got != 25.0; ++i) {
    grove::this_fiber::sleep(2ms);
    got = sample(metrics.scrape(), "grove_actor_remote_messages_total{actor=\"far-away\"}");
  }
  EXPECT_EQ(got, 25.0);
  const std::string text = metrics.scrape();
  std::size_t hubs = 0;
  for (std::size_t at = text.find("grove_hub_responsive{"); at != std::string::npos;
       at = text.find("grove_hub_responsive{", at + 1))
    ++hubs;
  EXPECT_GE(hubs, 3u) << text;  // this thread's hub and the Runtime's two
  rt.stop();
}

TEST_F(MetricsTest, ActorTimingRecordsProcessingTimeWhenOn) {
  grove::debug::Metrics metrics;
  auto ref = grove::spawn_actor<Sink>(grove::ActorOptions{.name = "slow"});
  ref.send(Msg{0});
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(metrics.scrape().find("grove_actor_processing_seconds"), std::string::npos);  // off by default
  {
    grove::debug::ActorTiming timing(metrics.registry());
    EXPECT_EQ(grove::message_observer(), &timing);
    for (int i = 0; i < 3; ++i) ref.send(Msg{4});  // receive() sleeps 4 ms
    ref.send(Msg{0});
    for (int i = 0; i < 100; ++i) {
      grove::this_fiber::sleep(2ms);
      if (sample(metrics.scrape(), "grove_actor_processing_seconds_count{actor=\"slow\"}") == 4.0) break;
    }
    const std::string text = metrics.scrape();
    EXPECT_EQ(sample(text, "grove_actor_processing_seconds_count{actor=\"slow\"}"), 4.0) << text;
    EXPECT_GE(sample(text, "grove_actor_processing_seconds_sum{actor=\"slow\"}").value_or(0), 0.012);
    EXPECT_EQ(sample(text, "grove_actor_processing_seconds_bucket{actor=\"slow\",le=\"0.001\"}"), 1.0) << text;
    EXPECT_EQ(sample(text, "grove_actor_processing_seconds_bucket{actor=\"slow\",le=\"+Inf\"}"), 4.0);
  }
  EXPECT_EQ(grove::message_observer(), nullptr);  // the previous observer is back
  ref.fiber().kill();
}

TEST_F(MetricsTest, AStallTheWatchdogSawIsCounted) {
  grove::debug::Metrics metrics;
  const std::string hub = hub_label();
  const double before = sample(metrics.scrape(), "grove_hub_blocked_total" + hub).value_or(-1);
  {
    grove::debug::Watchdog dog({.threshold = 40ms, .on_loop_blocked = [](const grove::debug::BlockedReport&) {}});
    grove::this_fiber::sleep(10ms);
    const auto until = std::chrono::steady_clock::now() + 120ms;
    while (std::chrono::steady_clock::now() < until) {
    }
    grove::this_fiber::sleep(10ms);
  }
  EXPECT_EQ(sample(metrics.scrape(), "grove_hub_blocked_total" + hub), before + 1);
}

// PromtoolTest::check(text) runs `promtool check metrics` on text (nullopt
// when promtool is not installed).
class PromtoolTest : public MetricsTest {
 public:
  std::optional<grove::web::test::ProcResult> check(const std::string& text) {
    if (std::string(GROVE_PROMTOOL).empty()) return std::nullopt;
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("grove-metrics-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(file) << text;
    auto r = run(std::string(GROVE_PROMTOOL) + " check metrics < " + file.string() + " 2>&1");
    std::filesystem::remove(file);
    return r;
  }
};

TEST_F(PromtoolTest, PromtoolAcceptsTheScrapeServedAtGetMetrics) {
  if (std::string(GROVE_PROMTOOL).empty())
    GTEST_SKIP() << "\n\n*** promtool NOT FOUND: the exposition format is NOT checked. Install Debian's "
                    "`prometheus` package (scripts/install-deps.sh) ***\n";
  auto metrics = std::make_shared<grove::debug::Metrics>();
  grove::debug::ActorTiming timing(metrics->registry());
  auto ref = grove::spawn_actor<Sink>(grove::ActorOptions{.name = "quote \" and \\ back"});
  ref.send(Msg{1});
  grove::web::Router r;
  grove::debug::mount_metrics(r, metrics);
  serve(r);
  grove::this_fiber::sleep(5ms);
  grove::web::HttpClient client;
  const auto res = client.get(url("/metrics"), 10s);
  ASSERT_EQ(res.result(), grove::web::http::status::ok);
  EXPECT_EQ(res[grove::web::http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = res.body();
  EXPECT_NE(text.find("grove_actor_processing_seconds_count{actor=\"quote \\\" and \\\\ back\"} 1"), std::string::npos)
      << text;
  const auto checked = check(text);
  ASSERT_TRUE(checked.has_value());
  EXPECT_EQ(checked->status, 0) << checked->out << "\n--- the scrape:\n" << text;
  EXPECT_EQ(checked->out, "") << "promtool's lint findings";
  ref.fiber().kill();
}

}  // namespace
