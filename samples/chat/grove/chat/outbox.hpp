#pragma once
// outbox.hpp — Outbox, one subscriber's bounded queue of outgoing bytes,
// drained by that subscriber's own writer fiber. A room pushes into it and
// never waits: when the unsent bytes (queued plus being written) would pass
// the limit, push() refuses and the outbox is marked overflowed, so a slow
// reader costs the room nothing and is disconnected instead.
// Not thread-safe: use it from its hub's thread.

#include <grove/event.hpp>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace grove::chat {

// (A WebSocket member uses its web::WebSocket's bounded queue instead.)
class Outbox {
 public:
  explicit Outbox(std::size_t limit) : limit_(limit) {}
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // push(chunk) queues chunk; false when the outbox is closed or overflowed,
  // or when chunk would put unsent() over the limit (it then overflows).
  bool push(std::string chunk);
  // take(out) waits until chunks are queued, the outbox overflows, or it
  // is closed; it moves the queued chunks to out (in flight until
  // written()). It returns false once closed and drained.
  bool take(std::vector<std::string>& out);
  // written(n) marks n in-flight bytes as sent.
  void written(std::size_t n) noexcept { in_flight_ -= n < in_flight_ ? n : in_flight_; }
  // close() lets the writer drain what is queued; later pushes are refused.
  void close() noexcept {
    closed_ = true;
    ready_.set();
  }
  // abandon() closes and drops what is queued (the connection is gone).
  void abandon() noexcept;

  bool closed() const noexcept { return closed_; }
  bool overflowed() const noexcept { return overflowed_; }
  std::size_t unsent() const noexcept { return queued_ + in_flight_; }

 private:
  std::deque<std::string> chunks_;
  std::size_t limit_;
  std::size_t queued_ = 0;
  std::size_t in_flight_ = 0;
  Event ready_;
  bool closed_ = false;
  bool overflowed_ = false;
};

}  // namespace grove::chat
