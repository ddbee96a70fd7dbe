#pragma once
// outbox.hpp — Outbox, one subscriber's bounded queue of outgoing bytes,
// drained by that subscriber's own writer fiber. A room pushes into it and
// never waits: when the unsent bytes (queued plus being written) would pass
// the limit, push() refuses and the outbox is marked overflowed, so a slow
// reader costs the room nothing and is disconnected instead.
// Not thread-safe: use it from its hub's thread.

#include <grove/event.hpp>
#include <grove/web/beast_stream.hpp>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace grove::chat {

// It is also the WriteBudget of a WebSocket member's BeastStream: the
// control frames Beast queues count against the same limit.
class Outbox final : public web::WriteBudget {
 public:
  explicit Outbox(std::size_t limit) : limit_(limit) {}
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // push(chunk) queues chunk; false when the outbox is closed or overflowed,
  // or when chunk would put unsent() over the limit (it then overflows).
  bool push(std::string chunk);
  // take(out) waits until chunks are queued, wake() is called, or the
  // outbox is closed; it moves the queued chunks to out (in flight until
  // written()). It returns false once closed and drained.
  bool take(std::vector<std::string>& out);
  // charge(n) counts n bytes sent outside the queue (a WebSocket's control
  // frames) as in flight until written(n); false, and overflowed, when they
  // would put unsent() over the limit. Unlike push() it still counts after
  // close(), so a closing handshake can flow.
  bool charge(std::size_t n) noexcept override;
  // written(n) marks n in-flight bytes as sent.
  void written(std::size_t n) noexcept override { in_flight_ -= n < in_flight_ ? n : in_flight_; }
  // wake() makes a waiting take() return (it may return no chunks).
  void wake() noexcept override { ready_.set(); }
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
