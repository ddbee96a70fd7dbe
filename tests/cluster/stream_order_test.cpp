// stream_order_test.cpp — the receiving end of a stamped stream: in-order
// delivery, duplicates dropped, out-of-order arrivals held back until the
// gap fills, gaps given up as lost (by hold-back timeout or the sender's
// announced last stamp).

#include <grove/detail/stream_order.hpp>

#include <gtest/gtest.h>

#include <vector>

using grove::cluster::detail::StreamOrder;
using Verdict = StreamOrder<int>::Verdict;

namespace {

TEST(StreamOrderTest, DeliversInOrderDropsDuplicatesHoldsBackTheEarlyOnes) {
  StreamOrder<int> s;
  std::vector<int> out;
  EXPECT_EQ(s.accept(1, 1, out), Verdict::deliver);
  EXPECT_EQ(s.accept(1, 1, out), Verdict::duplicate);
  EXPECT_EQ(s.accept(3, 3, out), Verdict::held);
  EXPECT_EQ(s.accept(4, 4, out), Verdict::held);
  EXPECT_EQ(s.accept(3, 3, out), Verdict::duplicate);  // held already
  EXPECT_EQ(out, std::vector<int>{1});
  EXPECT_EQ(s.held(), 2u);
  EXPECT_EQ(s.accept(2, 2, out), Verdict::deliver);  // fills the gap: 2, 3, 4
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_FALSE(s.holding());
  EXPECT_EQ(s.next(), 5u);
}

TEST(StreamOrderTest, AGapGivenUpCountsAsLostAndReleasesWhatWasHeld) {
  StreamOrder<int> s;
  std::vector<int> out;
  EXPECT_EQ(s.skip_gap(out), 0u);  // nothing held
  (void)s.accept(4, 4, out);
  (void)s.accept(5, 5, out);
  (void)s.accept(8, 8, out);
  EXPECT_EQ(s.skip_gap(out), 3u);  // 1, 2, 3
  EXPECT_EQ(out, (std::vector<int>{4, 5}));
  EXPECT_EQ(s.skip_gap(out), 2u);  // 6, 7
  EXPECT_EQ(out, (std::vector<int>{4, 5, 8}));
  EXPECT_EQ(s.accept(6, 6, out), Verdict::duplicate);  // given up: a late arrival is dropped
}

TEST(StreamOrderTest, TheSendersLastStampCountsALostTail) {
  StreamOrder<int> s;
  std::vector<int> out;
  (void)s.accept(1, 1, out);
  (void)s.accept(3, 3, out);
  EXPECT_EQ(s.skip_to(5, out), 3u);  // 2, 4, 5 never came
  EXPECT_EQ(out, (std::vector<int>{1, 3}));
  EXPECT_EQ(s.next(), 6u);
  EXPECT_EQ(s.skip_to(5, out), 0u);  // nothing new
  (void)s.accept(9, 9, out);
  EXPECT_EQ(s.skip_to(7, out), 2u);  // 6, 7; 9 stays held (8 may still come)
  EXPECT_TRUE(s.holding());
  EXPECT_EQ(s.accept(8, 8, out), Verdict::deliver);
  EXPECT_EQ(out, (std::vector<int>{1, 3, 8, 9}));
}

}  // namespace
