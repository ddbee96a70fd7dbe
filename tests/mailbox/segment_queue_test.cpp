// segment_queue_test.cpp — SegmentQueue (detail/segment_queue.hpp), the
// FIFO behind a Mailbox's message lane: order across segments, element
// lifetimes, growth without moving what is queued, and reuse of emptied
// segments.

#include <grove/detail/segment_queue.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using grove::detail::SegmentQueue;

// Counted records how often it was moved or copied and how many live.
struct Counted {
  static inline int live = 0;
  static inline int moves = 0;
  static inline int copies = 0;
  int value;
  explicit Counted(int v) : value(v) { ++live; }
  Counted(Counted&& o) noexcept : value(o.value) {
    ++live;
    ++moves;
  }
  Counted(const Counted& o) : value(o.value) {
    ++live;
    ++copies;
  }
  Counted& operator=(const Counted&) = delete;
  ~Counted() { --live; }
  static void reset() { live = moves = copies = 0; }
};

TEST(SegmentQueue, KeepsFifoOrderAcrossManySegments) {
  SegmentQueue<std::int64_t> q;
  std::int64_t next_in = 0, next_out = 0;
  // Bursts of growing and shrinking size cross segment ends in every way.
  for (int burst = 1; burst < 300; burst += 7) {
    for (int i = 0; i < burst; ++i) q.push_back(next_in++);
    EXPECT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
    for (int i = 0; i < burst / 2; ++i) EXPECT_EQ(q.take_front(), next_out++);
  }
  while (!q.empty()) EXPECT_EQ(q.take_front(), next_out++);
  EXPECT_EQ(next_in, next_out);
  EXPECT_EQ(q.size(), 0u);
}

TEST(SegmentQueue, GrowingNeverMovesWhatIsQueued) {
  Counted::reset();
  {
    SegmentQueue<Counted> q;
    for (int i = 0; i < 1000; ++i) q.push_back(Counted(i));
    EXPECT_EQ(Counted::moves, 1000);  // one per push: none when a segment is added
    EXPECT_EQ(Counted::copies, 0);
    EXPECT_EQ(Counted::live, 1000);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(q.take_front().value, i);
    EXPECT_EQ(Counted::live, 0);
  }
  EXPECT_EQ(Counted::live, 0);
}

TEST(SegmentQueue, ClearAndDestructionDestroyEveryElement) {
  Counted::reset();
  {
    SegmentQueue<Counted> q;
    for (int i = 0; i < 100; ++i) q.push_back(Counted(i));
    q.clear();
    EXPECT_EQ(Counted::live, 0);
    EXPECT_TRUE(q.empty());
    for (int i = 0; i < 50; ++i) q.push_back(Counted(i));
    EXPECT_EQ(q.take_front().value, 0);  // usable after clear, in order
    EXPECT_EQ(Counted::live, 49);
  }
  EXPECT_EQ(Counted::live, 0);  // the destructor destroyed the 49 left
}

TEST(SegmentQueue, HoldsMoveOnlyAndNonTrivialTypes) {
  SegmentQueue<std::unique_ptr<std::string>> q;
  for (int i = 0; i < 40; ++i) q.push_back(std::make_unique<std::string>(std::to_string(i)));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(*q.take_front(), std::to_string(i));
}

TEST(SegmentQueue, FrontIsTheNextElementToTake) {
  SegmentQueue<std::string> q;
  q.push_back(std::string("a"));
  q.push_back(std::string("b"));
  EXPECT_EQ(q.front(), "a");
  q.pop_front();
  EXPECT_EQ(q.front(), "b");
  EXPECT_EQ(q.take_front(), "b");
  EXPECT_TRUE(q.empty());
}

TEST(SegmentQueue, ReserveThenBurstKeepsOrder) {
  SegmentQueue<int> q;
  q.reserve(500);
  for (int i = 0; i < 500; ++i) q.push_back(i);
  q.reserve(10);  // room left or a spare: nothing observable changes
  for (int i = 0; i < 500; ++i) EXPECT_EQ(q.take_front(), i);
}

}  // namespace
