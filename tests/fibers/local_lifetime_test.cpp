// local_lifetime_test.cpp — grove::Local<T>'s values die with the Local
// (issue 18): destroying a Local destroys every fiber's value of it, a new
// Local never sees an old one's value (not even at the same address, not
// even of another type), fibers that outlive a Local end cleanly, and a
// static-like Local shared by the fibers of several hub threads is safe.

#include <grove/local.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

using LocalLifetimeTest = grove::test::HubTest;

// Two value types of different layouts, counting their destructions.
struct Counter {
  static inline std::atomic<int> destroyed{0};
  ~Counter() { ++destroyed; }
  int tag = 0;
};
struct Text {
  static inline std::atomic<int> destroyed{0};
  ~Text() { ++destroyed; }
  std::string text = "fresh";
  std::vector<int> payload = std::vector<int>(16, 7);
};

constexpr std::size_t kStorage = sizeof(grove::Local<Counter>) > sizeof(grove::Local<Text>)
                                     ? sizeof(grove::Local<Counter>)
                                     : sizeof(grove::Local<Text>);

// 1,000 Locals made and destroyed in one running fiber, alternately of two
// types, all at the same address: each new one starts empty, and each
// one's value is destroyed with it, while the fiber still runs.
TEST_F(LocalLifetimeTest, ALocalAtAReusedAddressNeverSeesAnOldValue) {
  Counter::destroyed = 0;
  Text::destroyed = 0;
  int stale = 0;
  int alive_at_end_of_loop = -1;
  grove::spawn([&] {
    alignas(std::max_align_t) unsigned char storage[kStorage];
    for (int i = 0; i < 1000; ++i) {
      if (i % 2 == 0) {
        auto* local = new (storage) grove::Local<Counter>;
        if (local->has_value()) {
          ++stale;  // an old Local's slot; do not touch it as a Counter
        } else {
          EXPECT_EQ(local->get().tag, 0);
          local->get().tag = i;
        }
        local->~Local();
      } else {
        auto* local = new (storage) grove::Local<Text>;
        if (local->has_value()) {
          ++stale;
        } else {
          EXPECT_EQ(local->get().text, "fresh");
          local->get().text = "used";
        }
        local->~Local();
      }
    }
    alive_at_end_of_loop = 1000 - Counter::destroyed - Text::destroyed;
  }).join();
  EXPECT_EQ(stale, 0);
  EXPECT_EQ(alive_at_end_of_loop, 0) << "values outlived their Locals while the fiber ran";
  EXPECT_EQ(Counter::destroyed, 500);
  EXPECT_EQ(Text::destroyed, 500);
}

// Destroying a Local destroys the values of every fiber that has one, the
// blocked ones included; those fibers then end without touching them.
TEST_F(LocalLifetimeTest, DestroyingALocalDestroysEveryFibersValue) {
  Counter::destroyed = 0;
  auto local = std::make_unique<grove::Local<Counter>>();
  grove::Event go;
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 3; ++i)
    fibers.push_back(grove::spawn([&, i] {
      (*local)->tag = i;
      go.wait();
    }));
  (*local)->tag = 99;  // the main fiber's
  grove::this_fiber::yield();
  EXPECT_EQ(Counter::destroyed, 0);
  local.reset();
  EXPECT_EQ(Counter::destroyed, 4);
  go.set();
  for (auto& f : fibers) f.join();
  EXPECT_EQ(Counter::destroyed, 4);
}

// A fiber's values of Locals that still exist die on its own stack when it
// ends, and the Local no longer holds them afterwards.
TEST_F(LocalLifetimeTest, AFibersValuesStillDieWhenItEnds) {
  Counter::destroyed = 0;
  grove::Local<Counter> a;
  grove::Local<Counter> b;
  const void* stack_top = nullptr;
  bool destroyed_on_own_stack = false;
  struct Probe {
    const void** top = nullptr;
    bool* on_own_stack = nullptr;
    ~Probe() {
      if (!top) return;
      int here = 0;
      // The fiber's stack is far from the main one; near its recorded top.
      auto distance = reinterpret_cast<const char*>(*top) - reinterpret_cast<const char*>(&here);
      *on_own_stack = distance > -(1 << 20) && distance < (1 << 20);
    }
  };
  grove::Local<Probe> probe;
  grove::spawn([&] {
    int top = 0;
    stack_top = &top;
    a.get();
    b.get();
    probe.get() = Probe{&stack_top, &destroyed_on_own_stack};
  }).join();
  EXPECT_EQ(Counter::destroyed, 2);
  EXPECT_TRUE(destroyed_on_own_stack);
}

// One Local shared by the fibers of two hub threads (a static, say): each
// thread's fibers get their own values; those of a thread that ends die
// there; those still held when the Local is destroyed die with it, and the
// thread that held them ends cleanly afterwards.
TEST_F(LocalLifetimeTest, ALocalSharedByHubThreads) {
  Counter::destroyed = 0;
  auto local = std::make_unique<grove::Local<Counter>>();
  (*local)->tag = -1;
  std::thread finished_thread([&] {
    grove::spawn([&] { (*local)->tag = 1; }).join();  // dies with its fiber
    (*local)->tag = 2;                                // the thread's main fiber: dies with its hub
    grove::Hub::destroy_current();
  });
  finished_thread.join();
  EXPECT_EQ(Counter::destroyed, 2);

  std::atomic<bool> holding{false}, local_gone{false};
  std::thread holder([&] {
    (*local)->tag = 3;
    holding = true;
    while (!local_gone) std::this_thread::yield();
    grove::Hub::destroy_current();  // its value is already gone: nothing to do
  });
  while (!holding) std::this_thread::yield();
  local.reset();  // destroys the main fiber's value and the holder's
  EXPECT_EQ(Counter::destroyed, 4);
  local_gone = true;
  holder.join();
  EXPECT_EQ(Counter::destroyed, 4);
}

}  // namespace
