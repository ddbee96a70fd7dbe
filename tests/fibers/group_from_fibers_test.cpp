// group_from_fibers_test.cpp — a Group constructed from fibers (gevent's
// Group(*greenlets)): from a braced list and from a range, dead fibers
// ignored, and the members joined and killed like spawned ones.

#include <grove/group.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

class GroupFromFibersTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override {
    EXPECT_EQ(grove::hub().fiber_count(), 0u);
    grove::Hub::destroy_current();
  }
};

TEST_F(GroupFromFibersTest, ABracedListOfFibersBecomesTheMembers) {
  grove::Event go;
  auto a = grove::spawn([&] { go.wait(); });
  auto b = grove::spawn([&] { go.wait(); return 2; });
  grove::Group group{a, b};
  EXPECT_EQ(group.size(), 2u);
  EXPECT_TRUE(group.contains(a));
  EXPECT_TRUE(group.contains(b));
  go.set();
  group.join();
  EXPECT_TRUE(group.empty());
  EXPECT_EQ(b.get(), 2);
}

TEST_F(GroupFromFibersTest, ARangeOfFibersBecomesTheMembersAndDeadOnesAreIgnored) {
  auto done = grove::spawn([] {});
  done.join();
  std::vector<grove::Fiber<>> fibers{done};
  for (int i = 0; i < 3; ++i) fibers.push_back(grove::spawn([] { grove::this_fiber::sleep(std::chrono::hours(1)); }));
  grove::Group group(fibers);
  EXPECT_EQ(group.size(), 3u);
  EXPECT_FALSE(group.contains(done));
  group.kill();
  EXPECT_TRUE(group.empty());
  for (auto& f : fibers) EXPECT_TRUE(f.dead());
}

TEST_F(GroupFromFibersTest, TypedHandlesConvert) {
  std::vector<grove::Fiber<int>> typed{grove::spawn([] { return 1; }), grove::spawn([] { return 2; })};
  grove::Group group(typed);
  EXPECT_EQ(group.size(), 2u);
  group.join();
  EXPECT_EQ(typed[0].get() + typed[1].get(), 3);
}

}  // namespace
