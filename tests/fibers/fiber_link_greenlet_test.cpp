// fiber_link_greenlet_test.cpp — link callbacks on a fiber's end, and Greenlet<T> subclasses.

#include "fiber_test_support.hpp"

// ------------------------------------------------------------------ links

TEST_F(FiberTest, LinkCallbackRunsOnceOnTheDyingFibersStack) {
  grove::Event ev;
  auto f = grove::spawn([&] {
    ev.wait();
    return 3;
  });
  int calls = 0;
  std::uint64_t ran_in = 0;
  bool saw_dead = false;
  f.link([&](grove::Fiber<> dead) {
    ++calls;
    ran_in = grove::this_fiber::id();
    saw_dead = dead == f && dead.dead();
  });
  grove::this_fiber::yield();
  EXPECT_EQ(calls, 0);
  ev.set();
  f.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ran_in, f.id());
  EXPECT_TRUE(saw_dead);
  grove::hub().run();
  EXPECT_EQ(calls, 1);
}

TEST_F(FiberTest, LinkOnADeadFiberRunsAtOnce) {
  auto f = grove::spawn([] { return 1; });
  f.join();
  int calls = 0;
  f.link([&](grove::Fiber<>) { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST_F(FiberTest, LinkValueAndLinkExceptionFilterByOutcome) {
  int ok_value = 0, ok_exception = 0, bad_value = 0, bad_exception = 0, killed_value = 0, killed_exception = 0;
  auto ok = grove::spawn([] { return 1; });
  auto bad = grove::spawn([]() -> int { throw Custom("x"); });
  auto killed = grove::spawn([] {
    grove::this_fiber::sleep(10s);
    return 1;
  });
  ok.link_value([&](grove::Fiber<>) { ++ok_value; });
  ok.link_exception([&](grove::Fiber<>) { ++ok_exception; });
  bad.link_value([&](grove::Fiber<>) { ++bad_value; });
  bad.link_exception([&](grove::Fiber<> d) { bad_exception += d.successful() ? 100 : 1; });
  killed.link_value([&](grove::Fiber<>) { ++killed_value; });
  killed.link_exception([&](grove::Fiber<>) { ++killed_exception; });
  ok.join();
  bad.join();
  killed.kill();
  EXPECT_EQ(ok_value, 1);
  EXPECT_EQ(ok_exception, 0);
  EXPECT_EQ(bad_value, 0);
  EXPECT_EQ(bad_exception, 1);
  EXPECT_EQ(killed_value, 1);  // FiberExit counts as success
  EXPECT_EQ(killed_exception, 0);
}

TEST_F(FiberTest, UnlinkCancelsACallback) {
  auto f = grove::spawn([] { return 1; });
  int first = 0, second = 0;
  grove::LinkId a = f.link([&](grove::Fiber<>) { ++first; });
  grove::LinkId b = f.link([&](grove::Fiber<>) { ++second; });
  EXPECT_NE(a, b);
  EXPECT_TRUE(f.unlink(a));
  EXPECT_FALSE(f.unlink(a));     // already removed
  EXPECT_FALSE(f.unlink(9999));  // never registered
  f.join();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
  EXPECT_FALSE(f.unlink(b));  // already fired
}

TEST_F(FiberTest, LinkCallbacksRunOldestFirst) {
  auto f = grove::spawn([] {});
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) f.link([&order, i](grove::Fiber<>) { order.push_back(i); });
  f.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

// --------------------------------------------------------- Greenlet<T>

namespace {

class Worker : public grove::Greenlet<int> {
 public:
  Worker(int a, int b, bool* destroyed) : a_(a), b_(b), destroyed_(destroyed) {}
  ~Worker() override { *destroyed_ = true; }

 protected:
  int run() override {
    grove::this_fiber::sleep(1ms);
    return a_ * b_;
  }

 private:
  int a_, b_;
  bool* destroyed_;
};

class Shouter : public grove::Greenlet<> {
 public:
  explicit Shouter(std::vector<std::string>* out) : out_(out) {}

 protected:
  void run() override {
    out_->push_back("shouting as " + grove::this_fiber::name());
    throw Custom("hoarse");
  }

 private:
  std::vector<std::string>* out_;
};

}  // namespace

TEST_F(FiberTest, GreenletSubclass) {
  bool destroyed = false;
  {
    grove::Fiber<int> w = grove::spawn<Worker>(6, 7, &destroyed);
    EXPECT_TRUE(w.started());
    EXPECT_FALSE(w.ready());
    EXPECT_EQ(w.get(), 42);
    EXPECT_TRUE(w.successful());
    EXPECT_EQ(w.value(), 42);
    EXPECT_FALSE(destroyed);  // the handle keeps the object
  }
  EXPECT_TRUE(destroyed);  // last handle gone, fiber dead: deleted
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}

TEST_F(FiberTest, VoidGreenletSubclassThatThrows) {
  std::vector<std::string> out;
  grove::Fiber<> s = grove::spawn<Shouter>(&out);
  s.set_name("shouter");
  EXPECT_THROW(s.get(), Custom);
  EXPECT_EQ(out, (std::vector<std::string>{"shouting as shouter"}));
  EXPECT_FALSE(s.successful());
}

TEST_F(FiberTest, GreenletSubclassCanBeKilled) {
  bool destroyed = false;
  auto w = grove::spawn<Worker>(1, 2, &destroyed);
  w.kill();  // never started
  EXPECT_TRUE(w.dead());
  EXPECT_THROW((void)w.get(), grove::FiberKilled);
}
