// async_result_link_test.cpp — AsyncResult::get_nowait and rawlink/unlink:
// get_nowait on a pending, a successful and a failed result; rawlink
// callbacks run in the hub once the result is ready (queued when it already
// is), unlink cancels them, and a rawlink sees a value set from another thread.

#include <grove/async_result.hpp>

#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

class AsyncResultLinkTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override {
    EXPECT_EQ(grove::hub().fiber_count(), 0u);
    grove::Hub::destroy_current();
  }
};

TEST_F(AsyncResultLinkTest, GetNowaitOnAPendingResultThrowsTimeoutAtOnce) {
  grove::AsyncResult<int> r;
  EXPECT_THROW((void)r.get_nowait(), grove::Timeout);
  EXPECT_EQ(grove::hub().timer_count(), 0u);
}

TEST_F(AsyncResultLinkTest, GetNowaitReturnsTheValueOrRethrowsOnceReady) {
  grove::AsyncResult<int> ok;
  ok.set(3);
  EXPECT_EQ(ok.get_nowait(), 3);
  grove::AsyncResult<void> bad;
  bad.set_exception(std::runtime_error("boom"));
  EXPECT_THROW(bad.get_nowait(), std::runtime_error);
}

TEST_F(AsyncResultLinkTest, RawlinkRunsTheCallbackWhenTheResultBecomesReady) {
  grove::AsyncResult<int> r;
  std::vector<int> seen;
  r.rawlink([&](const grove::AsyncResult<int>& res) { seen.push_back(res.value()); });
  EXPECT_TRUE(seen.empty());
  auto setter = grove::spawn([&] { r.set(5); });
  setter.join();
  EXPECT_EQ(seen, (std::vector<int>{5}));
}

TEST_F(AsyncResultLinkTest, RawlinkOnAReadyResultIsQueuedOnTheHubNotCalledInline) {
  grove::AsyncResult<int> r;
  r.set(1);
  int calls = 0;
  r.rawlink([&](const grove::AsyncResult<int>&) { ++calls; });
  EXPECT_EQ(calls, 0);  // not yet: it runs when the hub next gets control
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(calls, 1);
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(calls, 1);  // once only
}

TEST_F(AsyncResultLinkTest, UnlinkCancelsACallbackBeforeItRuns) {
  grove::AsyncResult<int> r;
  int a = 0, b = 0;
  auto id_a = r.rawlink([&](const grove::AsyncResult<int>&) { ++a; });
  r.rawlink([&](const grove::AsyncResult<int>&) { ++b; });
  EXPECT_TRUE(r.unlink(id_a));
  EXPECT_FALSE(r.unlink(id_a));  // already gone
  r.set(2);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_FALSE(r.unlink(id_a));
}

TEST_F(AsyncResultLinkTest, UnlinkAfterAQueuedRawlinkOnAReadyResultStopsIt) {
  grove::AsyncResult<int> r;
  r.set(1);
  int calls = 0;
  auto id = r.rawlink([&](const grove::AsyncResult<int>&) { ++calls; });
  EXPECT_TRUE(r.unlink(id));
  grove::this_fiber::sleep(1ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(AsyncResultLinkTest, RawlinkSeesAValueSetFromAnotherThreadOnTheOwningHub) {
  grove::AsyncResult<int> r;
  std::thread::id called_on;
  int value = 0;
  r.rawlink([&](const grove::AsyncResult<int>& res) {
    called_on = std::this_thread::get_id();
    value = res.value();
  });
  std::thread producer([r]() mutable { r.set(99); });
  (void)r.wait(5s);
  producer.join();
  EXPECT_EQ(value, 99);
  EXPECT_EQ(called_on, std::this_thread::get_id());
}

TEST_F(AsyncResultLinkTest, RawlinkFromAnotherThreadIsAUsageError) {
  grove::AsyncResult<int> r;
  bool threw = false;
  std::thread other([&] {
    try {
      r.rawlink([](const grove::AsyncResult<int>&) {});
    } catch (const grove::UsageError&) {
      threw = true;
    }
  });
  other.join();
  EXPECT_TRUE(threw);
}

}  // namespace
