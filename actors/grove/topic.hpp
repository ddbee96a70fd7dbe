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
//
// Across hubs: a Topic made on a hub of a grove::Runtime (or by
// Runtime::topic<M>()) is the Runtime's. Any thread may use it; each
// subscriber is kept in its own hub's shard (touched only on that hub),
// and publish() sends to the subscribers of the caller's hub directly and
// posts ONE closure to each other hub that has subscribers, which sends to
// them there: one hop per hub, not per subscriber (cross_hub_posts()
// counts them). Every subscriber gets a publisher's messages in the order
// it published them. A subscribe or unsubscribe for an actor of another
// hub is posted to that hub: it applies to the caller's later publishes
// (they follow it there), and returns true once queued
// (docs/design/runtime.md, "Across hubs").

#include <grove/actor_ref.hpp>
#include <grove/mailbox.hpp>
#include <grove/detail/hub_domain.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace grove {

template <class M>
class Topic {
 public:
  // Topic() is a hub's topic, or its Runtime's when made on a Runtime hub.
  Topic() : st_(std::make_shared<State>()) {
    if (detail::HubDomain* d = detail::tls_domain_hub.domain) [[unlikely]]
      sh_ = std::make_shared<Shards>(*d);
  }
  // Topic(domain) is a Runtime's topic (Runtime::topic<M>()).
  explicit Topic(detail::HubDomain& domain) : st_(std::make_shared<State>()), sh_(std::make_shared<Shards>(domain)) {}

  // subscribe(ref) adds a subscriber; false if it was subscribed already.
  bool subscribe(ActorRef<M> ref) {
    if (!ref) throw UsageError("grove::Topic::subscribe: empty ActorRef");
    if (sh_) [[unlikely]]
      return subscribe_across(std::move(ref));
    if (find(ref) != st_->subscribers.end()) return false;
    st_->subscribers.push_back(std::move(ref));
    return true;
  }

  // unsubscribe(ref) removes it; false if it was not subscribed.
  bool unsubscribe(const ActorRef<M>& ref) {
    if (sh_) [[unlikely]]
      return unsubscribe_across(ref);
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
    if (sh_) [[unlikely]]
      return publish_across(msg);
    return publish_to(st_, msg, nullptr);
  }

  // size() is the number of live subscribers (dead ones are dropped first;
  // across hubs, those known to be subscribed).
  std::size_t size() const {
    if (sh_) [[unlikely]] {
      std::size_t n = 0;
      for (const auto& c : sh_->counts) n += c.load(std::memory_order_relaxed);
      return n;
    }
    if (st_->publishing == 0) {
      const_cast<Topic*>(this)->prune();
      return st_->subscribers.size();
    }
    return static_cast<std::size_t>(std::count_if(st_->subscribers.begin(), st_->subscribers.end(),
                                                  [](const ActorRef<M>& r) { return r && r.alive(); }));
  }
  bool empty() const { return size() == 0; }
  // cross_hub_posts() is how many closures publish() has posted to other
  // hubs (at most one per hub with subscribers per publish); 0 on one hub.
  std::uint64_t cross_hub_posts() const noexcept { return sh_ ? sh_->hops.load(std::memory_order_relaxed) : 0; }

 private:
  struct State {
    std::vector<ActorRef<M>> subscribers;
    int publishing = 0;
  };
  // Shards are a Runtime topic's subscribers: shards[i] (and its State's
  // fields) is touched only on hub i; counts[i] is how many it holds (or
  // is about to: a subscribe counts before it is posted), read anywhere.
  struct Shards {
    explicit Shards(detail::HubDomain& d) : domain(&d), counts(d.size()) {
      shards.reserve(d.size());
      for (std::size_t i = 0; i < d.size(); ++i) shards.push_back(std::make_shared<State>());
    }
    detail::HubDomain* domain;
    std::vector<std::shared_ptr<State>> shards;
    std::vector<std::atomic<std::size_t>> counts;
    std::atomic<std::uint64_t> hops{0};
  };

  // publish_to(st, msg, count) is one hub's publish: a send to every live
  // subscriber of st (dropping the dead ones, counted down in count).
  // state is taken by value: the topic may be dropped by a fiber that runs
  // meanwhile (a blocking send), and this copy keeps it alive.
  static std::size_t publish_to(std::shared_ptr<State> state, const M& msg, std::atomic<std::size_t>* count) {
    State& st = *state;
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
          if (count) count->fetch_sub(1, std::memory_order_relaxed);
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
    if (compact && st.publishing == 0) compact_now(st);
    return delivered;
  }

  // The Runtime topic's halves of subscribe / unsubscribe / publish.
  bool subscribe_across(ActorRef<M> ref) {
    Shards& sh = *sh_;
    const std::size_t h = hub_of(ref, "subscribe");
    sh.counts[h].fetch_add(1, std::memory_order_relaxed);
    auto add = [shards = sh_, h, ref = std::move(ref)]() mutable {
      State& st = *shards->shards[h];
      if (std::find(st.subscribers.begin(), st.subscribers.end(), ref) != st.subscribers.end()) {
        shards->counts[h].fetch_sub(1, std::memory_order_relaxed);
        return false;
      }
      st.subscribers.push_back(std::move(ref));
      return true;
    };
    if (on_hub(h)) return add();
    (void)sh.domain->post(h, [add = std::move(add)]() mutable { (void)add(); });
    return true;
  }
  bool unsubscribe_across(const ActorRef<M>& ref) {
    const std::size_t h = hub_of(ref, "unsubscribe");
    auto remove = [shards = sh_, h, ref] {
      State& st = *shards->shards[h];
      auto it = std::find(st.subscribers.begin(), st.subscribers.end(), ref);
      if (it == st.subscribers.end()) return false;
      if (st.publishing) *it = ActorRef<M>();
      else st.subscribers.erase(it);
      shards->counts[h].fetch_sub(1, std::memory_order_relaxed);
      return true;
    };
    if (on_hub(h)) return remove();
    (void)sh_->domain->post(h, [remove = std::move(remove)] { (void)remove(); });
    return true;
  }
  std::size_t publish_across(const M& msg) {
    Shards& sh = *sh_;
    std::size_t delivered = 0;
    for (std::size_t h = 0; h < sh.shards.size(); ++h) {
      if (on_hub(h)) {
        delivered += publish_to(sh.shards[h], msg, &sh.counts[h]);
      } else if (sh.counts[h].load(std::memory_order_relaxed) > 0) {
        sh.hops.fetch_add(1, std::memory_order_relaxed);
        (void)sh.domain->post(h,
                              [shards = sh_, h, msg] { (void)publish_to(shards->shards[h], msg, &shards->counts[h]); });
      }
    }
    return delivered;
  }
  // on_hub(h) tells whether the caller runs hub h of this topic's Runtime.
  bool on_hub(std::size_t h) const noexcept {
    const detail::DomainHub d = detail::tls_domain_hub;
    return d.domain == sh_->domain && d.index == h;
  }
  std::size_t hub_of(const ActorRef<M>& ref, const char* what) const {
    if (auto h = sh_->domain->index_of(ref.cell_ptr()->home)) return *h;
    throw UsageError(std::string("grove::Topic::") + what + ": actor '" + ref.name() +
                     "' is not on a hub of this topic's Runtime; spawn it with Runtime::spawn_actor_on");
  }

  typename std::vector<ActorRef<M>>::iterator find(const ActorRef<M>& ref) {
    return std::find(st_->subscribers.begin(), st_->subscribers.end(), ref);
  }
  void prune() {
    for (auto& r : st_->subscribers)
      if (r && !r.alive()) r = ActorRef<M>();
    compact_now(*st_);
  }
  static void compact_now(State& st) {
    auto& v = st.subscribers;
    v.erase(std::remove_if(v.begin(), v.end(), [](const ActorRef<M>& r) { return !r; }), v.end());
  }

  std::shared_ptr<State> st_;
  std::shared_ptr<Shards> sh_;  // a Runtime topic's shards, else null
};

}  // namespace grove
