// log_tags_test.cpp — fiber-tagged logs (observe/grove/debug/log_tags.hpp)
// and grove's own "grove" logger (fibers/grove/log.hpp).

#include <grove/actor.hpp>
#include <grove/debug/log_tags.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/introspect.hpp>
#include <grove/log.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub_fixture.hpp"

#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using nlohmann::json;

class LogTagsTest : public grove::test::HubTest {
 protected:
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> logger() {
    auto l = std::make_shared<spdlog::logger>("app", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
    grove::debug::tag_logger(*l, "[%n] [%*] %v");
    return l;
  }
};

struct Note {
  std::shared_ptr<spdlog::logger> log;
};
class Chatty final : public grove::Actor<Note> {
 public:
  void receive(Note& n) override { n.log->info("from the actor"); }
};

TEST_F(LogTagsTest, EveryLineCarriesHubFiberNameAndActor) {
  auto log = logger();
  const std::uint64_t hub = grove::debug::snapshot_hub().number;
  auto worker = grove::spawn([&] { log->info("hello"); });
  worker.set_name("worker");
  worker.join();
  auto anonymous = grove::spawn([&] { log->info("anonymous"); });
  anonymous.join();
  auto actor = grove::spawn_actor<Chatty>(grove::ActorOptions{.name = "room-1"});
  actor.send(Note{log});
  grove::hub().run();
  std::thread([&] { log->info("off any hub"); }).join();
  actor.fiber().kill();

  const std::string h = "hub=" + std::to_string(hub);
  const std::string out = text.str();
  EXPECT_NE(out.find("[app] [" + h + " fiber=" + std::to_string(worker.id()) + " name=worker] hello\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("[" + h + " fiber=" + std::to_string(anonymous.id()) + " name=Fiber-" +
                     std::to_string(anonymous.id()) + "] anonymous\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("name=room-1 actor=room-1] from the actor\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[app] [-] off any hub\n"), std::string::npos) << out;
}

TEST_F(LogTagsTest, TheJsonSinkWritesOneObjectALine) {
  std::ostringstream lines;
  auto log = std::make_shared<spdlog::logger>("json", std::make_shared<grove::debug::JsonSink>(lines));
  auto f = grove::spawn([&] { log->warn("quote \" and\nnewline"); });
  f.set_name("writer");
  f.join();
  log->info("from main");
  std::istringstream in(lines.str());
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const json first = json::parse(line);
  EXPECT_EQ(first.at("level"), "warning");
  EXPECT_EQ(first.at("logger"), "json");
  EXPECT_EQ(first.at("msg"), "quote \" and\nnewline");
  EXPECT_EQ(first.at("hub"), grove::debug::snapshot_hub().number);
  EXPECT_EQ(first.at("fiber"), f.id());
  EXPECT_EQ(first.at("fiber_name"), "writer");
  EXPECT_FALSE(first.contains("actor"));
  EXPECT_EQ(first.at("time").get<std::string>().size(), 24u);  // 2026-12-07T20:30:00.123Z
  ASSERT_TRUE(std::getline(in, line));
  const json second = json::parse(line);
  EXPECT_EQ(second.at("fiber"), 0);
  EXPECT_EQ(second.at("fiber_name"), "main");
}

TEST_F(LogTagsTest, GrovesOwnLinesGoThroughTheGroveLogger) {
  EXPECT_EQ(grove::logger()->name(), "grove");
  EXPECT_EQ(spdlog::get("grove"), grove::logger());
  auto mine = std::make_shared<spdlog::logger>("grove", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
  grove::debug::tag_logger(*mine, "[%n] [%l] [%*] %v");
  grove::set_logger(mine);
  auto f = grove::spawn([] { throw std::runtime_error("boom"); });
  f.set_name("doomed");
  grove::hub().run();  // nobody joins it: the hub logs it as unhandled
  grove::set_logger(nullptr);
  const std::string out = text.str();
  EXPECT_NE(out.find("[grove] [error] [hub="), std::string::npos) << out;
  EXPECT_NE(out.find("'doomed' died with an unhandled exception: boom"), std::string::npos) << out;
  EXPECT_EQ(grove::logger()->name(), "grove");  // the default again
}

}  // namespace
