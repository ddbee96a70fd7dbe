// queue_errors_test.cpp — the Queue family's exceptions: their hierarchy
// (each a QueueError, hence a std::runtime_error) and which call raises which.

#include <grove/queue_errors.hpp>

#include <grove/channel.hpp>
#include <grove/queue.hpp>

#include "mailbox_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>

using namespace std::chrono_literals;

namespace {

static_assert(std::is_base_of_v<std::runtime_error, grove::QueueError>);
static_assert(std::is_base_of_v<grove::QueueError, grove::QueueFull>);
static_assert(std::is_base_of_v<grove::QueueError, grove::QueueEmpty>);
static_assert(std::is_base_of_v<grove::QueueError, grove::QueueShutDown>);

class QueueErrorsTest : public grove::test::MailboxTest {};

TEST_F(QueueErrorsTest, CarryTheirMessage) {
  EXPECT_STREQ(grove::QueueFull("full").what(), "full");
  EXPECT_STREQ(grove::QueueEmpty("empty").what(), "empty");
  EXPECT_STREQ(grove::QueueShutDown("closed").what(), "closed");
}

TEST_F(QueueErrorsTest, AllAreCaughtAsQueueErrorOrRuntimeError) {
  grove::Queue<int> q(1);
  q.put(1);
  EXPECT_THROW(q.put_nowait(2), grove::QueueError);
  EXPECT_THROW(q.put(2, 1ms), std::runtime_error);
  q.get();
  EXPECT_THROW(q.get_nowait(), grove::QueueError);
  q.close();
  EXPECT_THROW(q.get(), grove::QueueError);
}

TEST_F(QueueErrorsTest, ChannelMessagesNameTheChannel) {
  grove::Channel<int> ch;
  try {
    ch.put(1, 1ms);
    FAIL();
  } catch (const grove::QueueFull& e) {
    EXPECT_NE(std::string(e.what()).find("grove::Channel::put"), std::string::npos) << e.what();
  }
  try {
    ch.get_nowait();
    FAIL();
  } catch (const grove::QueueEmpty& e) {
    EXPECT_NE(std::string(e.what()).find("grove::Channel::get_nowait"), std::string::npos) << e.what();
  }
}

}  // namespace
