#pragma once
// topic.hpp — Topic<Message>, publish/subscribe between actors:
//
//   grove::Topic<News> news;
//   news.subscribe(reader);          // an ActorRef<News>
//   news.publish(News{"hello"});     // one send to every live subscriber
//
// Subscribers that have stopped for good are dropped as they are found.
// A Topic is a cheap copyable handle to shared state; it belongs to one hub
// (use it from that hub's thread), while its subscribers may live anywhere
// a send can reach.

#include <grove/actor_ref.hpp>
#include <grove/mailbox.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace grove {

template <class M>
class Topic {
 public:
  Topic() : st_(std::make_shared<State>()) {}

  // subscribe(ref) adds a subscriber; false if it was subscribed already.
  bool subscribe(ActorRef<M> ref) {
    if (!ref) throw UsageError("grove::Topic::subscribe: empty ActorRef");
    if (find(ref) != st_->subscribers.end()) return false;
    st_->subscribers.push_back(std::move(ref));
    return true;
  }

  // unsubscribe(ref) removes it; false if it was not subscribed.
  bool unsubscribe(const ActorRef<M>& ref) {
    auto it = find(ref);
    if (it == st_->subscribers.end()) return false;
    if (st_->publishing) *it = ActorRef<M>();  // compacted when publish() ends
    else st_->subscribers.erase(it);
    return true;
  }

  // publish(msg) sends a copy of msg to every live subscriber, in
  // subscription order, and returns how many sends were delivered. Dead
  // subscribers are removed; a send refused or shed by a full bounded
  // mailbox goes to dead letters (as every send does) and does not stop
  // the others. Subscribers added while publishing (a blocking send lets
  // other fibers run) get the next message.
  std::size_t publish(const M& msg) {
    State& st = *st_;
    auto keep = st_;  // the topic may be dropped by a fiber that runs meanwhile
    std::size_t delivered = 0;
    bool compact = false;
    const std::size_t n = st.subscribers.size();
    ++st.publishing;
    try {
      for (std::size_t i = 0; i < n; ++i) {
        ActorRef<M>& ref = st.subscribers[i];
        if (!ref) {
          compact = true;
          continue;
        }
        if (!ref.alive()) {
          ref = ActorRef<M>();
          compact = true;
          continue;
        }
        try {
          if (ref.send(msg) == SendStatus::delivered) ++delivered;
        } catch (const MailboxFull&) {
          // counted as a dead letter by the mailbox
        }
      }
    } catch (...) {
      --st.publishing;
      throw;
    }
    --st.publishing;
    if (compact && st.publishing == 0) compact_now();
    return delivered;
  }

  // size() is the number of live subscribers (dead ones are dropped first).
  std::size_t size() const {
    if (st_->publishing == 0) {
      const_cast<Topic*>(this)->prune();
      return st_->subscribers.size();
    }
    return static_cast<std::size_t>(std::count_if(st_->subscribers.begin(), st_->subscribers.end(),
                                                  [](const ActorRef<M>& r) { return r && r.alive(); }));
  }
  bool empty() const { return size() == 0; }

 private:
  struct State {
    std::vector<ActorRef<M>> subscribers;
    int publishing = 0;
  };

  typename std::vector<ActorRef<M>>::iterator find(const ActorRef<M>& ref) {
    return std::find(st_->subscribers.begin(), st_->subscribers.end(), ref);
  }
  void prune() {
    for (auto& r : st_->subscribers)
      if (r && !r.alive()) r = ActorRef<M>();
    compact_now();
  }
  void compact_now() {
    auto& v = st_->subscribers;
    v.erase(std::remove_if(v.begin(), v.end(), [](const ActorRef<M>& r) { return !r; }), v.end());
  }

  std::shared_ptr<State> st_;
};

}  // namespace grove
