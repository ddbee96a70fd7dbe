#pragma once
// memory_listener.hpp — MemoryListener, a listening address on a
// MemoryNetwork (net.listen("chat:5555")):
//
//   auto listener = net.listen("chat:5555");
//   std::unique_ptr<grove::Stream> client = listener.accept();   // parks the fiber, obeys Timeout and kill
//
// accept(ec) reports closed_by_other once close() was called from another
// fiber, not_connected on a closed listener. Connections not accepted yet
// when the listener closes are reset (their clients see connection_reset).

#include <grove/stream.hpp>
#include <grove/testing/memory_stream.hpp>

#include <memory>
#include <string>

namespace grove::testing {

namespace detail {
struct ListenerState;
struct NetState;
}  // namespace detail

class MemoryListener {
 public:
  using error_code = boost::system::error_code;

  MemoryListener(MemoryListener&&) noexcept = default;
  MemoryListener& operator=(MemoryListener&&) noexcept;
  ~MemoryListener();

  // accept() waits for the next connection (throws IoError); accept(ec)
  // returns nullptr with ec set instead.
  std::unique_ptr<MemoryStream> accept();
  std::unique_ptr<MemoryStream> accept(error_code& ec);

  // address() is where it listens ("chat:5555"; a port 0 was replaced).
  const std::string& address() const noexcept;
  bool is_open() const noexcept;
  // close() stops listening; fibers blocked in accept() get closed_by_other.
  void close() noexcept;
  // pending() is how many connections wait to be accepted.
  std::size_t pending() const noexcept;

 private:
  friend class MemoryNetwork;
  MemoryListener(std::shared_ptr<detail::NetState> net, std::shared_ptr<detail::ListenerState> state);

  std::shared_ptr<detail::NetState> net_;
  std::shared_ptr<detail::ListenerState> state_;
};

}  // namespace grove::testing
