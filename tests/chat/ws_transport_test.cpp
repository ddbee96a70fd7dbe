// ws_transport_test.cpp — WsTransport, the layer under Beast's WebSocket:
// once a writer fiber is set, bytes any other fiber writes (the pongs and
// close frames Beast's synchronous read sends) wait for the writer and go
// out between two frames, never inside one.
#include "ws_transport.hpp"

#include "chat_test_support.hpp"

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

using namespace grove;
using namespace grove::chat::detail;
using namespace grove::chat::test;

namespace {

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

class ChatWsTransport : public ChatTest {};

TEST_F(ChatWsTransport, OnlyTheWriterWritesOthersAreQueuedBetweenFrames) {
  RecordingStream s;
  int wakes = 0;
  WsTransport t(s, "left", [&] { ++wakes; });
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
  EXPECT_EQ(wakes, 1);
  reader_wrote.set();
  writer.join();
  EXPECT_EQ(s.written, "handshake;frame-A-part1;frame-A-part2;PONG;frame-B;");

  char buf[8];
  EXPECT_EQ(t.read_some(boost::asio::buffer(buf), ec), 4u);  // leftover bytes come first
  EXPECT_EQ(std::string(buf, 4), "left");
  t.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);

  EXPECT_FALSE(t.torn_down());
  teardown(boost::beast::role_type::server, t, ec);
  EXPECT_TRUE(t.torn_down());
  EXPECT_EQ(wakes, 2);
}

}  // namespace
