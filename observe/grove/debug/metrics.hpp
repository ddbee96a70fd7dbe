#pragma once
// debug/metrics.hpp — the runtime as Prometheus metrics, through
// prometheus-cpp (its Collectable, Registry and TextSerializer). Target
// grove::observe_metrics; docs/observability.md, "Metrics", lists every
// metric with an example scrape.
//
//   auto metrics = std::make_shared<grove::debug::Metrics>();
//   grove::debug::mount_metrics(router, metrics);        // GET /metrics (debug/web_metrics.hpp)
//   prometheus::BuildCounter().Name("app_logins_total").Help("...").Register(metrics->registry());
//
// Nothing is added to the hot path: RuntimeCollector reads, at scrape
// time, what the hubs already record (snapshot_all(), the same snapshots
// as the fiber dump), the watchdog's stall counts and the dead-letter
// office. The one metric that needs a hook per message, the actors'
// processing time, is opt-in (debug/actor_timing.hpp).

#include <grove/duration.hpp>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace grove::debug {

// RuntimeCollector collects, at each Collect():
//   per hub (label hub="N", the dump's hub number):
//     grove_hub_loop_turns_total, grove_hub_busy_seconds_total,
//     grove_hub_idle_seconds_total, grove_hub_blocked_total (stalls the
//     watchdog saw; 0 without one), grove_hub_responsive (0: the hub did
//     not answer within the timeout), grove_hub_ready_fibers,
//     grove_hub_timers, grove_fibers_spawned_total, grove_actors;
//   grove_fibers{hub, state} for every state (created, ready, running,
//     waiting, dead);
//   per actor name (label actor="name", never its id; actors that share a
//     name are summed): grove_actor_mailbox_depth, grove_actor_restarts_total,
//     grove_actor_remote_messages_total (messages that came from other hubs
//     of a Runtime);
//   grove_dead_letters_total{reason} for every DeadLetterReason (its
//     enumerator name: dead_actor, shed, rejected, leftover, crashed, ...).
// Collect() snapshots every hub (snapshot_all(timeout)): a fiber caller
// parks meanwhile, another thread blocks. Thread-safe.
class RuntimeCollector final : public prometheus::Collectable {
 public:
  explicit RuntimeCollector(Duration timeout = std::chrono::seconds(1)) : timeout_(timeout) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Duration timeout_;
};

struct MetricsConfig {
  Duration timeout = std::chrono::seconds(1);  // RuntimeCollector's wait for the hubs
};

// Metrics is what GET /metrics serves: a RuntimeCollector, the registry
// (the application's own metrics and ActorTiming's histograms go there) and
// any further collectables, in that order. Thread-safe: hubs of a Runtime
// may scrape it at once.
class Metrics {
 public:
  explicit Metrics(MetricsConfig config = {});

  prometheus::Registry& registry() noexcept { return *registry_; }
  // add(c) serves c's families too (after the registry's) while c lives.
  void add(std::weak_ptr<prometheus::Collectable> collectable);
  // collect() gathers every family; scrape() is collect() in the text
  // exposition format (prometheus::TextSerializer).
  std::vector<prometheus::MetricFamily> collect() const;
  std::string scrape() const;

  // content_type is the exposition format's media type.
  static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  RuntimeCollector runtime_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  mutable std::mutex mutex_;  // guards more_
  std::vector<std::weak_ptr<prometheus::Collectable>> more_;
};

// shared_metrics() is one Metrics for the whole process, made on first use
// (what mount_metrics serves when given none).
const std::shared_ptr<Metrics>& shared_metrics();

}  // namespace grove::debug
