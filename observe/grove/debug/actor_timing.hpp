#pragma once
// debug/actor_timing.hpp — opt-in histograms of how long actors take to
// handle a message: grove_actor_processing_seconds{actor="name"} in a
// prometheus::Registry (usually Metrics::registry(), debug/metrics.hpp).
// Target grove::observe_metrics; docs/observability.md, "Metrics".
//
//   grove::debug::ActorTiming timing(metrics->registry());   // on each hub to be timed
//
// It is a MessageObserver (actors/grove/message_observer.hpp) installed on
// the calling thread, so it times the actors of this hub only (a Runtime:
// make one on each hub, e.g. in spawn_on). With it, every message of this
// hub takes the observed path: its send, its receive and its end are
// reported, and receive() is timed with two steady-clock reads
// (docs/observability.md gives the measured cost). It forwards every event
// to the observer it replaced (grove::testing::Trace keeps working) and
// puts that one back when destroyed, which must happen on the same thread
// (elsewhere it logs a critical line and aborts: that thread's observer
// slot would otherwise point at a destroyed object).
//
// Not measured: the time a message waits in the mailbox (no enqueue time
// is recorded per message).

#include <grove/message_observer.hpp>

#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace grove::debug {

class ActorTiming final : public MessageObserver {
 public:
  // buckets: upper bounds in seconds (default: 10 µs to 10 s, by decades
  // and halves).
  explicit ActorTiming(prometheus::Registry& registry, prometheus::Histogram::BucketBoundaries buckets = {});
  ~ActorTiming() override;
  ActorTiming(const ActorTiming&) = delete;
  ActorTiming& operator=(const ActorTiming&) = delete;

  void on_event(const MessageEvent& event) noexcept override;

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  prometheus::Histogram& histogram(std::string_view actor);

  prometheus::Family<prometheus::Histogram>& family_;
  prometheus::Histogram::BucketBoundaries buckets_;
  // One histogram per actor name, found without building a string.
  std::unordered_map<std::string, prometheus::Histogram*, NameHash, std::equal_to<>> by_name_;
  // A direct-mapped cache in front of by_name_, keyed by where the name's
  // characters live (an actor's name string is stable while it lives) and
  // checked against the name itself, so a reused address finds no stale
  // entry: a hit costs a compare, not a hash.
  struct Cached {
    const char* data = nullptr;
    std::string name;
    prometheus::Histogram* histogram = nullptr;
  };
  std::array<Cached, 64> cache_{};
  MessageObserver* previous_;
  std::thread::id thread_ = std::this_thread::get_id();
};

}  // namespace grove::debug
