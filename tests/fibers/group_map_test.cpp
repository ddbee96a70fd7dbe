// group_map_test.cpp — the rest of gevent's mapping calls on a Group/Pool: imap over several ranges and
// with maxsize, map_async, map_cb, apply_cb, apply_async with a callback.

#include "group_test_support.hpp"

#include <grove/pool.hpp>

#include "simulated_hub.hpp"

#include <list>

TEST_F(GroupTest, ImapZipsSeveralRangesEndingWithTheShortest) {
  grove::Pool pool(2);
  std::vector<int> xs{1, 2, 3, 4};
  std::list<std::string> names{"a", "b", "c"};
  std::vector<std::string> out;
  for (auto& s : pool.imap([](int x, const std::string&n) { return n + std::to_string(x); }, xs, names))
    out.push_back(s);
  EXPECT_EQ(out, (std::vector<std::string>{"a1", "b2", "c3"}));
  auto sums = pool.map([](int a, int b) { return a + b; }, xs, std::vector<int>{10, 20, 30, 40});
  EXPECT_EQ(sums, (std::vector<int>{11, 22, 33, 44}));
}

TEST_F(GroupTest, ImapUnorderedOverThreeRanges) {
  grove::test::SimulatedHub sim;
  grove::Group group;
  std::vector<int> delays{30, 10, 20};
  std::vector<char> tags{'x', 'y', 'z'};
  std::vector<int> factor{1, 1, 1};
  std::string order;
  for (char c : group.imap_unordered(
           [](int ms, char tag, int) {
             grove::this_fiber::sleep(std::chrono::milliseconds(ms));
             return tag;
           },
           delays, tags, factor))
    order += c;
  EXPECT_EQ(order, "yzx");
  EXPECT_EQ(sim.elapsed(), 30ms);
}

// MaxSize bounds the results started and not yet read: a slow reader holds
// back the work (gevent's imap(..., maxsize=n)).
TEST_F(GroupTest, ImapMaxSizeHoldsBackTheWorkOfASlowReader) {
  grove::test::SimulatedHub sim;
  grove::Group group;  // no cap of its own
  int started = 0;
  auto seq = group.imap(
      [&](int x) {
        ++started;
        return x;
      },
      std::vector<int>{1, 2, 3, 4, 5, 6}, grove::MaxSize{2});
  EXPECT_EQ(seq.next(), 1);
  grove::this_fiber::sleep(10ms);  // the reader is slow
  EXPECT_EQ(started, 2);           // 1 read, 2 started: no more until it is read
  EXPECT_EQ(seq.next(), 2);
  grove::this_fiber::sleep(10ms);
  EXPECT_EQ(started, 3);
  std::vector<int> rest;
  while (auto v = seq.next()) rest.push_back(*v);
  EXPECT_EQ(rest, (std::vector<int>{3, 4, 5, 6}));
  EXPECT_THROW((void)group.imap([](int x) { return x; }, std::vector<int>{1}, grove::MaxSize{0}), grove::UsageError);
}

TEST_F(GroupTest, ImapUnorderedWithMaxSizeOfOneIsOneAtATime) {
  grove::test::SimulatedHub sim;
  grove::Group group;
  int running = 0;
  int most = 0;
  std::vector<int> out;
  for (int x : group.imap_unordered(
           [&](int v) {
             most = std::max(most, ++running);
             grove::this_fiber::sleep(5ms);
             --running;
             return v;
           },
           std::vector<int>{1, 2, 3}, grove::MaxSize{1}))
    out.push_back(x);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(most, 1);
  EXPECT_EQ(sim.elapsed(), 15ms);
}

TEST_F(GroupTest, MapAsyncReturnsAFiberWhoseValueIsTheResults) {
  grove::Pool pool(2);
  std::vector<int> xs{1, 2, 3};
  auto f = pool.map_async([](int x) { return x * x; }, xs);
  static_assert(std::is_same_v<decltype(f), grove::Fiber<std::vector<int>>>);
  xs.clear();  // the range was copied into the fiber
  EXPECT_FALSE(pool.contains(f));
  EXPECT_EQ(f.get(), (std::vector<int>{1, 4, 9}));
}

TEST_F(GroupTest, MapAsyncWithACallbackAndMapCb) {
  grove::Pool pool(2);
  std::vector<int> seen;
  auto f =
      pool.map_async([](int x) { return x + 1; }, std::vector<int>{1, 2}, [&](const std::vector<int>& r) { seen = r; });
  EXPECT_EQ(f.get(), (std::vector<int>{2, 3}));
  EXPECT_EQ(seen, (std::vector<int>{2, 3}));
  int calls = 0;
  auto r = pool.map_cb([](int x) { return -x; }, std::vector<int>{4},
                       [&](std::vector<int>& v) {
                         ++calls;
                         EXPECT_EQ(v, (std::vector<int>{-4}));
                       });
  EXPECT_EQ(calls, 1);  // map_cb calls it in the caller, before returning
  EXPECT_EQ(r, (std::vector<int>{-4}));
  bool void_cb = false;
  pool.map_cb([](int) {}, std::vector<int>{1, 2}, [&] { void_cb = true; });
  EXPECT_TRUE(void_cb);
}

TEST_F(GroupTest, ApplyCbReturnsTheResultAndRunsTheCallbackInAFiberOfItsOwn) {
  grove::Pool pool(1);
  std::vector<std::string> order;
  int got = 0;
  int r = pool.apply_cb([] { return 7; },
                        [&](int v) {
                          got = v;
                          order.push_back("callback");
                        });
  order.push_back("returned");
  EXPECT_EQ(r, 7);
  grove::hub().run();
  EXPECT_EQ(got, 7);
  EXPECT_EQ(order, (std::vector<std::string>{"returned", "callback"}));
  bool called = false;
  EXPECT_THROW(pool.apply_cb([]() -> int { throw Boom(1); }, [&](int) { called = true; }), Boom);
  grove::hub().run();
  EXPECT_FALSE(called);  // no value: no callback
}

TEST_F(GroupTest, ApplyAsyncWithOnValueCallsBackWithTheValueEvenWhenQueued) {
  grove::Pool pool(1);
  std::vector<int> values;
  auto a = pool.apply_async([] { return 1; }, grove::on_value([&](int v) { values.push_back(v); }));
  auto b = pool.apply_async([] { return 2; }, grove::on_value([&](int v) { values.push_back(v); }));  // queued
  EXPECT_EQ(pool.queued(), 1u);
  EXPECT_EQ(b.get(), 2);
  grove::hub().run();
  EXPECT_EQ(values, (std::vector<int>{1, 2}));
  bool failed_cb = false;
  auto c = pool.apply_async([]() -> int { throw Boom(2); }, grove::on_value([&](int) { failed_cb = true; }));
  EXPECT_THROW(c.get(), Boom);
  auto d = pool.apply_async([] { grove::this_fiber::sleep(1h); }, grove::on_value([&] { failed_cb = true; }));
  grove::this_fiber::yield();
  d.kill();
  grove::hub().run();
  EXPECT_FALSE(failed_cb);  // neither a failure nor a kill calls back
}
