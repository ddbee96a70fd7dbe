#pragma once
// long_poll.hpp — LongPoll, the server side of long polling: a numbered log
// of messages that handlers publish to and that each client's request waits
// on, asking for what came after the last number it saw.
//
//   web::LongPoll feed;
//   router.post("/say", [&](web::Request& r) { feed.publish(r.body()); return web::Response::text("ok\n"); });
//   router.get("/poll/:after", [&](web::Request& r) {
//     auto items = feed.wait(std::stoull(std::string(r.param("after"))), 5s);   // [] after 5 s
//     ...
//   });
//
// wait(after, timeout) returns at once when messages newer than `after` are
// kept, else parks the calling fiber until one is published or timeout has
// passed (then it returns nothing: the client asks again). Only the last
// `history` messages are kept; a client that fell further behind gets the
// oldest kept ones (compare their seq with its own to notice the gap).
// Use it from its hub's thread.

#include <grove/deadline.hpp>
#include <grove/event.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace grove::web {

class LongPoll {
 public:
  struct Item {
    std::uint64_t seq;  // 1, 2, 3...
    std::string data;
  };

  explicit LongPoll(std::size_t history = 1000) : history_(history == 0 ? 1 : history) {}

  // publish(data) appends a message, wakes every waiter, and returns its seq.
  std::uint64_t publish(std::string data) {
    items_.push_back({++last_, std::move(data)});
    if (items_.size() > history_) items_.pop_front();
    auto woken = std::exchange(published_, std::make_shared<Event>());
    woken->set();
    return last_;
  }
  // wait(after, timeout): the kept messages with seq > after, oldest first.
  std::vector<Item> wait(std::uint64_t after, Deadline timeout) {
    if (last_ <= after) {
      auto ev = published_;  // this generation's event: set by the next publish()
      (void)ev->wait(timeout);
    }
    return since(after);
  }
  // since(after) is wait() without waiting.
  std::vector<Item> since(std::uint64_t after) const {
    std::vector<Item> out;
    for (const auto& it : items_)
      if (it.seq > after) out.push_back(it);
    return out;
  }
  std::uint64_t last_seq() const noexcept { return last_; }

 private:
  std::size_t history_;
  std::deque<Item> items_;
  std::uint64_t last_ = 0;
  std::shared_ptr<Event> published_ = std::make_shared<Event>();
};

}  // namespace grove::web
