// local_test.cpp — grove::Local<T>: one value per fiber (the main fiber
// included), created on first use, destroyed when its fiber ends (normally
// or killed), and the seed's "Thread Locals" scenario.

#include <grove/local.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using LocalTest = grove::test::HubTest;

struct Tracked {
  static inline int alive = 0;
  static inline int destroyed = 0;
  Tracked() { ++alive; }
  ~Tracked() {
    --alive;
    ++destroyed;
  }
  int value = 0;
};

TEST_F(LocalTest, EachFiberSeesItsOwnValue) {
  grove::Local<int> depth;
  depth.get() = 100;  // the main fiber's
  std::vector<int> seen;
  auto worker = [&](int n) {
    EXPECT_EQ(depth.get(), 0);  // fresh, default-constructed
    depth.get() = n;
    grove::this_fiber::yield();  // the others write theirs meanwhile
    seen.push_back(*depth);
  };
  grove::joinall(
      std::vector<grove::Fiber<>>{grove::spawn(worker, 1), grove::spawn(worker, 2), grove::spawn(worker, 3)});
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(depth.get(), 100);
}

TEST_F(LocalTest, InitialiserRunsOncePerFiber) {
  int calls = 0;
  grove::Local<std::string> name([&] {
    ++calls;
    return std::string("anon");
  });
  EXPECT_FALSE(name.has_value());
  EXPECT_EQ(name.get(), "anon");
  EXPECT_TRUE(name.has_value());
  EXPECT_EQ(name->size(), 4u);
  EXPECT_EQ(calls, 1);
  grove::spawn([&] {
    EXPECT_FALSE(name.has_value());
    name.get() = "worker";
    EXPECT_EQ(*name, "worker");
  }).join();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(name.get(), "anon");
}

TEST_F(LocalTest, ValueIsDestroyedWhenItsFiberEnds) {
  Tracked::alive = Tracked::destroyed = 0;
  grove::Local<Tracked> local;
  auto f = grove::spawn([&] {
    local->value = 5;
    EXPECT_EQ(Tracked::alive, 1);
  });
  f.join();
  EXPECT_EQ(Tracked::alive, 0);
  EXPECT_EQ(Tracked::destroyed, 1);
}

TEST_F(LocalTest, ValueIsDestroyedWhenItsFiberIsKilledOrFails) {
  Tracked::alive = Tracked::destroyed = 0;
  grove::Local<Tracked> local;
  auto sleeper = grove::spawn([&] {
    local.get();
    grove::this_fiber::sleep(1h);
  });
  auto thrower = grove::spawn([&] {
    local.get();
    throw std::runtime_error("expected");
  });
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  grove::this_fiber::sleep(2ms);
  EXPECT_EQ(Tracked::alive, 1);  // the sleeper's
  sleeper.kill();
  EXPECT_EQ(Tracked::alive, 0);
  EXPECT_EQ(Tracked::destroyed, 2);
  EXPECT_FALSE(thrower.successful());
}

// The seed's "Thread Locals": f1 sets x, f2 sets y and finds no x.
TEST_F(LocalTest, SeedThreadLocals) {
  struct Stash {
    std::optional<int> x;
    std::optional<int> y;
  };
  grove::Local<Stash> stash;
  std::vector<std::string> out;
  auto f1 = [&] {
    stash->x = 1;
    out.push_back(std::to_string(*stash->x));
  };
  auto f2 = [&] {
    stash->y = 2;
    out.push_back(std::to_string(*stash->y));
    if (!stash->x) out.push_back("x is not local to f2");
  };
  auto g1 = grove::spawn(f1);
  auto g2 = grove::spawn(f2);
  grove::joinall(std::vector<grove::Fiber<>>{g1, g2});
  EXPECT_EQ(out, (std::vector<std::string>{"1", "2", "x is not local to f2"}));
}

}  // namespace
