// dump_test.cpp — the fiber dump (observe/grove/debug/dump.hpp,
// debug/web_debug.hpp) and the snapshots beneath it
// (fibers/grove/introspect.hpp): each document is parsed back with
// nlohmann and checked field by field.

#include <grove/actor.hpp>
#include <grove/debug/dump.hpp>
#include <grove/debug/web_debug.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/introspect.hpp>
#include <grove/lock.hpp>
#include <grove/runtime.hpp>
#include <grove/this_fiber.hpp>

#include <nlohmann/json.hpp>

#include "../web/web_test_support.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// fiber_by_id(doc, hub, id) is the fiber object with that id on that hub.
const json& fiber_by_id(const json& doc, std::uint64_t hub, std::uint64_t id) {
  for (const json& h : doc.at("hubs"))
    if (h.at("hub") == hub)
      for (const json& f : h.at("fibers"))
        if (f.at("id") == id) return f;
  static const json none;
  ADD_FAILURE() << "no fiber " << id << " on hub " << hub << " in " << doc.dump(1);
  return none;
}

class DumpTest : public grove::test::HubTest {};

TEST_F(DumpTest, WaitingFibersShowWhatWhereSinceAndTheirCounters) {
  grove::Hub::destroy_current();
  grove::Hub::create({.fiber_timing = true});
  const std::uint64_t hub = grove::debug::snapshot_hub().number;
  grove::Event event;
  grove::Lock lock;
  const std::uint32_t waiter_line = __LINE__ + 1;
  auto waiter = grove::spawn([&] { event.wait(); });
  waiter.set_name("waiter");
  auto timed = grove::spawn([&] { (void)event.wait(std::chrono::seconds(30)); });
  std::uint64_t child_id = 0;
  auto parent = grove::spawn([&] {
    auto child = grove::spawn([&] {
      lock.acquire();
      event.wait();
      lock.release();
    });
    child_id = child.id();
    grove::this_fiber::yield();  // the child takes the lock
    lock.acquire();              // and blocks this fiber
    lock.release();
  });
  for (int i = 0; i < 5; ++i) grove::this_fiber::yield();
  grove::this_fiber::sleep(5ms);  // the waits age; the hub's loop turns

  const json doc = json::parse(grove::debug::dump_json());
  EXPECT_EQ(doc.at("schema"), "grove.fibers/1");
  EXPECT_GT(doc.at("pid").get<int>(), 0);
  const json* h = nullptr;
  for (const json& x : doc.at("hubs"))
    if (x.at("hub") == hub) h = &x;
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(h->at("responsive").get<bool>());
  EXPECT_GT(h->at("loop_turns").get<std::uint64_t>(), 0u);
  EXPECT_GT(h->at("idle_ms").get<double>(), 0.0);  // it slept 5 ms
  EXPECT_GE(h->at("timers").get<int>(), 1);        // the 30 s wait's
  EXPECT_TRUE(h->at("fiber_timing").get<bool>());
  EXPECT_EQ(h->at("fiber_count"), 4);

  const json& main = fiber_by_id(doc, hub, 0);
  EXPECT_EQ(main.at("name"), "main");
  EXPECT_EQ(main.at("state"), "running");
  EXPECT_TRUE(main.at("parent").is_null());

  const json& w = fiber_by_id(doc, hub, waiter.id());
  EXPECT_EQ(w.at("name"), "waiter");
  EXPECT_EQ(w.at("hub"), hub);
  EXPECT_EQ(w.at("state"), "waiting");
  EXPECT_EQ(w.at("parent"), 0);  // spawned by main
  EXPECT_EQ(w.at("wait").at("on"), "Event::wait");
  EXPECT_GE(w.at("wait").at("for_ms").get<double>(), 4.0);
  EXPECT_FALSE(w.at("wait").contains("deadline_in_ms"));
  EXPECT_NE(w.at("spawn").at("file").get<std::string>().find("dump_test.cpp"), std::string::npos);
  EXPECT_EQ(w.at("spawn").at("line"), waiter_line);
  EXPECT_NE(w.at("spawn").at("function").get<std::string>().find("WaitingFibers"), std::string::npos);
  EXPECT_EQ(w.at("counters").at("switches_in"), 1);
  EXPECT_EQ(w.at("counters").at("wakes"), 0);
  EXPECT_GT(w.at("counters").at("run_ns").get<std::int64_t>(), 0);
  EXPECT_GT(w.at("counters").at("longest_run_ns").get<std::int64_t>(), 0);

  const double deadline = fiber_by_id(doc, hub, timed.id()).at("wait").at("deadline_in_ms").get<double>();
  EXPECT_GT(deadline, 20'000.0);
  EXPECT_LE(deadline, 30'000.0);

  // The spawn tree, and a wait on a fiber: the parent waits on the lock its child holds.
  const json& p = fiber_by_id(doc, hub, parent.id());
  const json& c = fiber_by_id(doc, hub, child_id);
  EXPECT_EQ(c.at("parent"), parent.id());
  EXPECT_EQ(p.at("wait").at("fiber"), child_id);
  EXPECT_EQ(p.at("wait").at("on"), "Semaphore::acquire");  // the Lock's permit
  EXPECT_EQ(p.at("wait").at("relation"), "Lock held by");
  EXPECT_GE(p.at("counters").at("switches_in").get<int>(), 2);  // started, then back from yield

  event.set();  // wakes them: counted at once, before they run
  const json after = grove::debug::dump();
  EXPECT_EQ(fiber_by_id(after, hub, waiter.id()).at("counters").at("wakes"), 1);
  EXPECT_EQ(fiber_by_id(after, hub, waiter.id()).at("state"), "ready");
  waiter.join();
  timed.join();
  parent.join();
}

struct Msg {
  int n = 0;
};
class Counter final : public grove::Actor<Msg> {
 public:
  void receive(Msg&) override {}
};

TEST_F(DumpTest, AnActorShowsItsMailbox) {
  auto ref = grove::spawn_actor<Counter>(grove::ActorOptions{.name = "counter"});
  for (int i = 0; i < 3; ++i) ref.send(Msg{i});  // queued: the actor has not run yet
  const grove::debug::HubSnapshot h = grove::debug::snapshot_hub();
  const json doc = json::parse(grove::debug::write_json({h}));
  const json* actor = nullptr;
  for (const json& f : doc.at("hubs").at(0).at("fibers"))
    if (f.contains("actor")) actor = &f;
  ASSERT_NE(actor, nullptr) << doc.dump(1);
  EXPECT_EQ(actor->at("name"), "counter");
  EXPECT_EQ(actor->at("actor").at("name"), "counter");
  EXPECT_EQ(actor->at("actor").at("mailbox").at("depth"), 3);
  EXPECT_EQ(actor->at("actor").at("restarts"), 0);
  ref.fiber().kill();
  grove::hub().run();
}

TEST_F(DumpTest, ARuntimeDumpsEveryHub) {
  grove::Runtime rt({.hubs = 2});
  const std::uint64_t here = grove::debug::snapshot_hub().number;
  auto f = rt.spawn_on(grove::HubId{1}, [] {
    grove::this_fiber::sleep(10ms);
    return grove::debug::snapshot_hub().number;
  });
  grove::this_fiber::sleep(2ms);
  const json doc = grove::debug::dump();
  std::size_t responsive = 0;
  for (const json& h : doc.at("hubs")) responsive += h.at("responsive").get<bool>() ? 1 : 0;
  EXPECT_GE(responsive, 3u) << doc.dump(1);  // this thread's hub and the Runtime's two
  const std::uint64_t remote = f.get();
  EXPECT_NE(remote, here);
  bool seen = false;
  for (const json& h : doc.at("hubs"))
    if (h.at("hub") == remote) seen = h.at("responsive").get<bool>();
  EXPECT_TRUE(seen);
  rt.stop();
}

TEST_F(DumpTest, SigusrWritesADumpIntoTheDumpDir) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("grove-dump-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ::setenv("GROVE_DUMP_DIR", dir.c_str(), 1);
  {
    grove::debug::DumpOnSignal dumps;
    auto sleeper = grove::spawn([] { grove::this_fiber::sleep(50ms); });
    sleeper.set_name("sleeper");
    ASSERT_EQ(std::raise(SIGUSR1), 0);
    for (int i = 0; i < 200 && dumps.written() == 0; ++i) grove::this_fiber::sleep(5ms);
    ASSERT_EQ(dumps.written(), 1u);
    std::ifstream in(dumps.last_path());
    const json doc = json::parse(in);
    EXPECT_EQ(doc.at("schema"), "grove.fibers/1");
    bool found = false;
    for (const json& h : doc.at("hubs"))
      for (const json& f : h.at("fibers"))
        if (f.at("name") == "sleeper") found = f.at("wait").at("on") == "sleep";
    EXPECT_TRUE(found) << doc.dump(1);
    sleeper.join();
  }
  ::unsetenv("GROVE_DUMP_DIR");
  std::filesystem::remove_all(dir);
}

class DumpWebTest : public grove::web::test::WebTest {};

TEST_F(DumpWebTest, GetDebugFibersAnswersTheDump) {
  grove::web::Router r;
  grove::debug::mount_debug(r);
  serve(r);
  auto idle = grove::spawn([] { grove::this_fiber::sleep(2s); });
  idle.set_name("idle-one");
  const grove::web::test::ProcResult got = curl("-i " + url("/debug/fibers"));
  ASSERT_EQ(got.status, 0);
  const std::size_t body = got.out.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_NE(got.out.find("Content-Type: application/json"), std::string::npos) << got.out.substr(0, body);
  const json doc = json::parse(got.out.substr(body + 4));
  EXPECT_EQ(doc.at("schema"), "grove.fibers/1");
  bool found = false;
  for (const json& h : doc.at("hubs"))
    for (const json& f : h.at("fibers"))
      if (f.at("name") == "idle-one") found = f.at("state") == "waiting";
  EXPECT_TRUE(found);
  idle.kill();
}

TEST_F(DumpWebTest, GetDebugServesThePageThatReadsTheDump) {
  grove::web::Router r;
  grove::debug::mount_debug(r);
  serve(r);
  const grove::web::test::ProcResult got = curl("-i " + url("/debug/"));
  ASSERT_EQ(got.status, 0);
  EXPECT_NE(got.out.find("Content-Type: text/html"), std::string::npos) << got.out.substr(0, 300);
  EXPECT_NE(got.out.find("<title>grove debug</title>"), std::string::npos);
  EXPECT_NE(got.out.find("fetch(\"fibers\""), std::string::npos);  // relative: works under any prefix
  EXPECT_EQ(grove::debug::debug_page().size(), got.out.size() - got.out.find("\r\n\r\n") - 4);
  EXPECT_EQ(curl("-s -o /dev/null -w '%{http_code}' " + url("/debug/nothing")).out, "404");
  EXPECT_EQ(curl("-s -o /dev/null -w '%{http_code} %{redirect_url}' " + url("/debug")).out, "301 " + url("/debug/"));
}

}  // namespace
