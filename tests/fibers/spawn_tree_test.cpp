// spawn_tree_test.cpp — a fiber's parent (Fiber::parent_id) and the
// process-wide spawn callbacks (add_spawn_callback / remove_spawn_callback):
// who is told, when (before the fiber first runs), from which spawn paths,
// removal, and a callback that throws.

#include <grove/spawn_callbacks.hpp>

#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

namespace {

class SpawnTreeTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override {
    for (auto id : ids) grove::remove_spawn_callback(id);
    EXPECT_EQ(grove::hub().fiber_count(), 0u);
    grove::Hub::destroy_current();
  }
  std::vector<grove::SpawnCallbackId> ids;
};

TEST_F(SpawnTreeTest, AFiberSpawnedByMainHasMainAsParentAndMainHasNone) {
  auto f = grove::spawn([] {});
  ASSERT_TRUE(f.parent_id().has_value());
  EXPECT_EQ(*f.parent_id(), grove::this_fiber::self().id());
  EXPECT_EQ(*f.parent_id(), 0u);  // main's id
  EXPECT_FALSE(grove::this_fiber::self().parent_id().has_value());
  f.join();
}

TEST_F(SpawnTreeTest, ParentIdFollowsTheSpawnTree) {
  std::uint64_t child_id = 0;
  std::optional<std::uint64_t> grandchild_parent;
  auto child = grove::spawn([&] {
    child_id = grove::this_fiber::id();
    auto grandchild = grove::spawn([] {});
    grandchild_parent = grandchild.parent_id();
    grandchild.join();
  });
  child.join();
  EXPECT_EQ(grandchild_parent, child_id);
  EXPECT_NE(child_id, 0u);
}

TEST_F(SpawnTreeTest, AFiberSpawnedFromTheHubContextHasNoParent) {
  std::optional<grove::Fiber<>> from_handler;
  boost::asio::post(grove::hub().io_context(), [&] { from_handler = grove::spawn([] {}); });
  grove::this_fiber::sleep(1ms);
  ASSERT_TRUE(from_handler);
  EXPECT_FALSE(from_handler->parent_id().has_value());
  from_handler->join();
}

TEST_F(SpawnTreeTest, SpawnCallbacksSeeEveryNewFiberBeforeItRuns) {
  std::vector<std::uint64_t> told;
  bool ran_before_told = false;
  bool body_ran = false;
  ids.push_back(grove::add_spawn_callback([&](grove::Fiber<> f) {
    told.push_back(f.id());
    if (body_ran) ran_before_told = true;
  }));
  auto a = grove::spawn([&] { body_ran = true; });
  auto b = grove::spawn(grove::Launch::dispatch, [] {});
  auto c = grove::spawn_later(1ms, [] {});
  grove::Group group;
  auto d = group.spawn([] {});
  EXPECT_EQ(told, (std::vector<std::uint64_t>{a.id(), b.id(), c.id(), d.id()}));
  grove::joinall(std::vector<grove::Fiber<>>{a, b, c, d});
  EXPECT_FALSE(ran_before_told);
}

struct Worker : grove::Greenlet<int> {
  int run() override { return 1; }
};

TEST_F(SpawnTreeTest, GreenletSubclassesAreToldAndHaveAParent) {
  std::vector<std::uint64_t> told;
  ids.push_back(grove::add_spawn_callback([&](grove::Fiber<> f) { told.push_back(f.id()); }));
  auto w = grove::spawn<Worker>();
  EXPECT_EQ(told, (std::vector<std::uint64_t>{w.id()}));
  EXPECT_EQ(w.parent_id(), std::optional<std::uint64_t>(0));
  EXPECT_EQ(w.get(), 1);
}

TEST_F(SpawnTreeTest, RemovedCallbacksAreNoLongerCalled) {
  int a = 0, b = 0;
  auto id_a = grove::add_spawn_callback([&](grove::Fiber<>) { ++a; });
  ids.push_back(grove::add_spawn_callback([&](grove::Fiber<>) { ++b; }));
  grove::spawn([] {}).join();
  EXPECT_TRUE(grove::remove_spawn_callback(id_a));
  EXPECT_FALSE(grove::remove_spawn_callback(id_a));
  grove::spawn([] {}).join();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
}

TEST_F(SpawnTreeTest, ACallbackMaySpawnAndSeesThatFiberToo) {
  std::vector<std::uint64_t> told;
  bool spawning = false;
  std::vector<grove::Fiber<>> extra;
  ids.push_back(grove::add_spawn_callback([&](grove::Fiber<> f) {
    told.push_back(f.id());
    if (spawning) return;
    spawning = true;
    extra.push_back(grove::spawn([] {}));  // re-entrant spawn from a callback
  }));
  auto first = grove::spawn([] {});
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(told, (std::vector<std::uint64_t>{first.id(), extra[0].id()}));
  EXPECT_EQ(extra[0].parent_id(), std::optional<std::uint64_t>(0));  // spawned from main's callback
  grove::joinall(std::vector<grove::Fiber<>>{first, extra[0]});
}

TEST_F(SpawnTreeTest, ACallbackThatThrowsFailsTheSpawnAndTheFiberNeverRuns) {
  bool ran = false;
  std::optional<grove::Fiber<>> seen;
  ids.push_back(grove::add_spawn_callback([&](grove::Fiber<> f) {
    seen = f;
    throw std::runtime_error("no new fibers");
  }));
  EXPECT_THROW(grove::spawn([&] { ran = true; }), std::runtime_error);
  grove::this_fiber::sleep(1ms);
  EXPECT_FALSE(ran);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(seen->dead());
}

TEST_F(SpawnTreeTest, AnEmptyCallbackIsAUsageError) { EXPECT_THROW(grove::add_spawn_callback({}), grove::UsageError); }

}  // namespace
