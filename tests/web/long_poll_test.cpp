// long_poll_test.cpp — LongPoll: waiters park until a publish or their
// timeout, catch up from a sequence number, keep a bounded history; and the
// gevent tutorial's long-poll endpoint served to curl.
#include <grove/web/long_poll.hpp>

#include <grove/fiber.hpp>
#include <grove/queue.hpp>
#include <grove/queue_errors.hpp>
#include <grove/this_fiber.hpp>

#include "simulated_hub.hpp"
#include "web_test_support.hpp"

#include <string>
#include <vector>

namespace grove::web::test {
namespace {

using LongPollTest = WebTest;

TEST_F(LongPollTest, WaitersWakeOnPublishAndCatchUpFromTheirSequence) {
  LongPoll feed;
  std::vector<LongPoll::Item> a, b;
  auto fa = spawn([&] { a = feed.wait(0, 5s); });
  auto fb = spawn([&] { b = feed.wait(0, 5s); });
  this_fiber::yield();
  EXPECT_EQ(feed.publish("one"), 1u);
  fa.join();
  fb.join();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].data, "one");
  ASSERT_EQ(b.size(), 1u);
  feed.publish("two");
  feed.publish("three");
  auto late = feed.wait(1, 5s);  // returns at once
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].seq, 2u);
  EXPECT_EQ(late[1].data, "three");
  EXPECT_EQ(feed.last_seq(), 3u);
}

TEST_F(LongPollTest, HistoryIsBounded) {
  LongPoll feed(2);
  for (int i = 0; i < 5; ++i) feed.publish(std::to_string(i));
  auto kept = feed.since(0);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].seq, 4u);  // the client notices the gap: it asked for 1
  EXPECT_EQ(kept[1].data, "4");
}

TEST_F(LongPollTest, AWaitWithNothingNewReturnsEmptyAfterItsTimeout) {
  grove::test::SimulatedHub sim;
  LongPoll feed;
  const auto start = sim.now();
  EXPECT_TRUE(feed.wait(0, 5s).empty());
  EXPECT_EQ(sim.now() - start, Duration(5s));
  auto later = spawn([&] {
    this_fiber::sleep(2s);
    feed.publish("late");
  });
  auto got = feed.wait(0, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(sim.now() - start, Duration(7s));
  later.join();
}

// The gevent tutorial's ajax_endpoint: data_source.get(timeout=5), [] when empty.
TEST_F(LongPollTest, TheTutorialEndpointAnswersCurl) {
  Queue<std::string> data_source;
  Router r;
  r.get("/", [&](Request&) {
    try {
      return Response::json("\"" + data_source.get(500ms) + "\"");
    } catch (const QueueEmpty&) {
      return Response::json("[]");
    }
  });
  serve(r);
  EXPECT_EQ(curl(url("/")).out, "[]");
  auto producer = spawn([&] {
    this_fiber::sleep(100ms);
    data_source.put("Hello World");
  });
  EXPECT_EQ(curl(url("/")).out, "\"Hello World\"");
  producer.join();
}

}  // namespace
}  // namespace grove::web::test
