#pragma once
// memory_stream.hpp — MemoryStream, one end of a MemoryNetwork connection.
// It is a grove::Stream with the contract of stream.hpp, so a handler
// written against Stream (or Beast's synchronous calls) runs on it as on a
// TcpSocket:
//
//   auto s = net.connect("chat:5555", {.from = "alice"});   // std::unique_ptr<MemoryStream>
//   s->send_all("hello\n");
//   std::string reply = s->read_line();
//
// What the peer wrote becomes readable `latency` after it was written
// (the hub's clock). At most `buffer_bytes` are in flight per direction:
// a writer whose peer does not read blocks, like a full TCP window. The
// end of the stream (the peer's shutdown_send() or close()) arrives after
// the bytes before it. A reset connection fails reads and writes with
// connection_reset; writing after the peer closed fails with broken_pipe;
// close() wakes this stream's blocked fibers with io_errc::closed_by_other.
// Streams belong to the hub of the thread that made the network.

#include <grove/stream.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace grove::testing {

namespace detail {
struct Connection;
}

class MemoryStream final : public Stream {
 public:
  struct Stats {
    std::uint64_t bytes_sent = 0;      // written by this side
    std::uint64_t bytes_received = 0;  // read by this side
  };

  ~MemoryStream() override;

  using Stream::shutdown_send;
  void shutdown_send(error_code& ec) override;
  void close() noexcept override;
  bool is_open() const noexcept override;
  // describe() is "memory alice:49152 <-> chat:5555" (local <-> remote).
  std::string describe() const override;

  const std::string& local_address() const noexcept;
  const std::string& remote_address() const noexcept;
  Stats stats() const noexcept;
  // id() tells connections apart (both ends share it).
  std::uint64_t id() const noexcept;

 protected:
  std::size_t read_raw(void* data, std::size_t size, error_code& ec, TimePoint deadline) override;
  std::size_t write_raw(const void* data, std::size_t size, error_code& ec, TimePoint deadline) override;

 private:
  friend class MemoryNetwork;
  friend class MemoryListener;
  MemoryStream(std::shared_ptr<detail::Connection> connection, int side);

  std::shared_ptr<detail::Connection> connection_;
  int side_;  // 0: the connecting side, 1: the accepted side
};

}  // namespace grove::testing
