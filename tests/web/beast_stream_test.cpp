// beast_stream_test.cpp — BeastStream, the layer under Beast's WebSocket
// (moved here from the chat sample's WsTransport): once a writer fiber is
// set, bytes any other fiber writes (the pongs and close frames Beast's
// synchronous read sends) wait for the writer and go out between two
// frames, never inside one; while they wait they count against the
// WriteBudget.
#include <grove/web/beast_stream.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

using namespace grove;
using namespace grove::web;

namespace {

// Budget: a WriteBudget with a fixed limit, counting what is charged.
class Budget final : public WriteBudget {
 public:
  explicit Budget(std::size_t limit, std::size_t used = 0) : limit_(limit), used_(used) {}
  bool charge(std::size_t n) noexcept override {
    if (used_ + n > limit_) {
      over = true;
      return false;
    }
    used_ += n;
    return true;
  }
  void written(std::size_t n) noexcept override { used_ -= n < used_ ? n : used_; }
  void wake() noexcept override { ++wakes; }
  std::size_t unsent() const noexcept { return used_; }
  bool over = false;
  int wakes = 0;

 private:
  std::size_t limit_;
  std::size_t used_;
};

// RecordingStream keeps what is written to it; reads see the end of the stream.
class RecordingStream final : public Stream {
 public:
  std::string written;
  using Stream::shutdown_send;
  void shutdown_send(error_code& ec) override { ec = {}; }
  void close() noexcept override { open_ = false; }
  bool is_open() const noexcept override { return open_; }
  std::string describe() const override { return "recording"; }

 protected:
  std::size_t read_raw(void*, std::size_t, error_code& ec, TimePoint) override {
    ec = boost::asio::error::eof;
    return 0;
  }
  std::size_t write_raw(const void* data, std::size_t size, error_code& ec, TimePoint) override {
    ec = {};
    written.append(static_cast<const char*>(data), size);
    return size;
  }

 private:
  bool open_ = true;
};

using BeastStreamTest = grove::test::HubTest;

TEST_F(BeastStreamTest, OnlyTheWriterWritesOthersAreQueuedBetweenFrames) {
  RecordingStream s;
  Budget outbox(1024);
  BeastStream t(s, "left", outbox);
  boost::system::error_code ec;
  t.write_some(boost::asio::buffer(std::string("handshake;")), ec);  // no writer yet: direct
  EXPECT_EQ(s.written, "handshake;");

  Event reader_wrote;
  auto writer = spawn([&] {
    t.set_writer();
    boost::system::error_code wec;
    t.write_some(boost::asio::buffer(std::string("frame-A-part1;")), wec);
    reader_wrote.wait();  // the "reader" answers a ping while this frame is half written
    t.write_some(boost::asio::buffer(std::string("frame-A-part2;")), wec);
    t.flush_control(wec);
    t.write_some(boost::asio::buffer(std::string("frame-B;")), wec);
  });
  this_fiber::yield();
  EXPECT_EQ(t.write_some(boost::asio::buffer(std::string("PONG;")), ec), 5u);  // reported written...
  EXPECT_FALSE(ec);
  EXPECT_EQ(s.written, "handshake;frame-A-part1;");  // ...but queued for the writer
  EXPECT_EQ(outbox.unsent(), 5u);                    // and counted as unsent
  reader_wrote.set();
  writer.join();
  EXPECT_EQ(s.written, "handshake;frame-A-part1;frame-A-part2;PONG;frame-B;");
  EXPECT_EQ(outbox.unsent(), 0u);

  char buf[8];
  EXPECT_EQ(t.read_some(boost::asio::buffer(buf), ec), 4u);  // leftover bytes come first
  EXPECT_EQ(std::string(buf, 4), "left");
  t.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);

  EXPECT_FALSE(t.torn_down());
  teardown(boost::beast::role_type::server, t, ec);
  EXPECT_TRUE(t.torn_down());
}

// Control bytes a non-reading peer causes are bounded by the budget
// (the chat's Outbox: messages and control bytes together).
TEST_F(BeastStreamTest, ControlBytesPastTheOutboundLimitFail) {
  RecordingStream s;
  Budget outbox(100, 60);  // a 60-byte message not yet written
  BeastStream t(s, "", outbox);
  auto writer = spawn([&] { t.set_writer(); });
  writer.join();
  boost::system::error_code ec;
  const std::string pong(30, 'p');
  EXPECT_EQ(t.write_some(boost::asio::buffer(pong), ec), 30u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(t.write_some(boost::asio::buffer(pong), ec), 0u);  // 60 + 30 + 30 > 100
  EXPECT_EQ(ec, boost::asio::error::no_buffer_space);
  EXPECT_TRUE(outbox.over);
}

// stop_reading() before a read: the read throws ReadStopped (Beast's stream
// sees no error); resume_reading() lets reads work again.
TEST_F(BeastStreamTest, StopReadingThrowsFromTheNextRead) {
  RecordingStream s;
  Budget outbox(100);
  BeastStream t(s, "", outbox);
  t.set_reader();
  t.stop_reading();
  char buf[4];
  boost::system::error_code ec;
  EXPECT_THROW(t.read_some(boost::asio::buffer(buf), ec), ReadStopped);
  t.resume_reading();
  t.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

}  // namespace
