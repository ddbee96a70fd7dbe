// metrics.cpp — RuntimeCollector, Metrics (debug/metrics.hpp) and
// ActorTiming (debug/actor_timing.hpp).

#include <grove/debug/actor_timing.hpp>
#include <grove/debug/metrics.hpp>

#include <grove/dead_letters.hpp>
#include <grove/debug/watchdog.hpp>
#include <grove/introspect.hpp>
#include <grove/log.hpp>

#include <prometheus/client_metric.h>
#include <prometheus/histogram.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <utility>

namespace grove::debug {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The reason label: DeadLetterReason's enumerator names, in its order.
constexpr std::array<const char*, kDeadLetterReasons> kReasons = {"dead_actor", "shed",        "rejected",   "leftover",
                                                                  "crashed",    "undecodable", "unreachable"};
static_assert(static_cast<std::size_t>(DeadLetterReason::unreachable) == kReasons.size() - 1);

constexpr std::array<const char*, 5> kStates = {"created", "ready", "running", "waiting", "dead"};

MetricFamily family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

// add(f, label, value, v) adds one sample labelled label=value.
void add(MetricFamily& f, const char* label, std::string value, double v) {
  ClientMetric m;
  m.label.push_back({label, std::move(value)});
  if (f.type == MetricType::Counter) m.counter.value = v;
  else m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

double seconds(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e9; }

// ActorTotals sums the actors that share a name.
struct ActorTotals {
  double depth = 0;
  double restarts = 0;
  double remote = 0;
};

}  // namespace

std::vector<MetricFamily> RuntimeCollector::Collect() const {
  const std::vector<HubSnapshot> hubs = snapshot_all(timeout_);
  const std::map<std::uint64_t, std::uint64_t> blocked = blocked_events();

  MetricFamily turns = family("grove_hub_loop_turns_total", "Turns of the hub's event loop.", MetricType::Counter);
  MetricFamily busy =
      family("grove_hub_busy_seconds_total", "Time the hub spent not waiting for events.", MetricType::Counter);
  MetricFamily idle =
      family("grove_hub_idle_seconds_total", "Time the hub spent waiting for events.", MetricType::Counter);
  MetricFamily stalls =
      family("grove_hub_blocked_total", "Times the watchdog saw the hub's loop stop turning past its threshold.",
             MetricType::Counter);
  MetricFamily responsive =
      family("grove_hub_responsive", "1 when the hub answered the scrape in time, else 0.", MetricType::Gauge);
  MetricFamily ready = family("grove_hub_ready_fibers", "Fibers in the hub's ready queue.", MetricType::Gauge);
  MetricFamily timers = family("grove_hub_timers", "Timers armed on the hub.", MetricType::Gauge);
  MetricFamily spawned = family("grove_fibers_spawned_total", "Fibers made on the hub.", MetricType::Counter);
  MetricFamily actors = family("grove_actors", "Live actors on the hub.", MetricType::Gauge);
  MetricFamily fibers = family("grove_fibers", "Fibers on the hub by state (main included).", MetricType::Gauge);
  std::map<std::string, ActorTotals> by_name;

  for (const HubSnapshot& h : hubs) {
    const std::string hub = std::to_string(h.number);
    add(turns, "hub", hub, static_cast<double>(h.loop_turns));
    const auto b = blocked.find(h.number);
    add(stalls, "hub", hub, b == blocked.end() ? 0.0 : static_cast<double>(b->second));
    add(responsive, "hub", hub, h.responsive ? 1.0 : 0.0);
    if (!h.responsive) continue;  // nothing else is known of it
    add(busy, "hub", hub, seconds(h.busy));
    add(idle, "hub", hub, seconds(h.idle));
    add(ready, "hub", hub, static_cast<double>(h.ready));
    add(timers, "hub", hub, static_cast<double>(h.timers));
    add(spawned, "hub", hub, static_cast<double>(h.spawned));
    std::array<double, kStates.size()> per_state{};
    double actor_count = 0;
    for (const FiberSnapshot& f : h.fibers) {
      for (std::size_t i = 0; i < kStates.size(); ++i)
        if (std::strcmp(f.state, kStates[i]) == 0) per_state[i] += 1;
      if (!f.actor) continue;
      actor_count += 1;
      ActorTotals& t = by_name[f.actor->name];
      t.depth += static_cast<double>(f.actor->mailbox_depth);
      t.restarts += static_cast<double>(f.actor->restarts.value_or(0));
      t.remote += static_cast<double>(f.actor->remote_received.value_or(0));
    }
    add(actors, "hub", hub, actor_count);
    for (std::size_t i = 0; i < kStates.size(); ++i) {
      ClientMetric m;
      m.label = {{"hub", hub}, {"state", kStates[i]}};
      m.gauge.value = per_state[i];
      fibers.metric.push_back(std::move(m));
    }
  }

  MetricFamily depth =
      family("grove_actor_mailbox_depth", "Messages queued in the actor's mailbox.", MetricType::Gauge);
  MetricFamily restarts =
      family("grove_actor_restarts_total", "Restarts of the actor by its supervisor.", MetricType::Counter);
  MetricFamily remote = family("grove_actor_remote_messages_total",
                               "Messages the actor received from other hubs of the Runtime.", MetricType::Counter);
  for (const auto& [name, t] : by_name) {
    add(depth, "actor", name, t.depth);
    add(restarts, "actor", name, t.restarts);
    add(remote, "actor", name, t.remote);
  }

  MetricFamily dead =
      family("grove_dead_letters_total", "Messages that could not be delivered, by reason.", MetricType::Counter);
  for (std::size_t i = 0; i < kDeadLetterReasons; ++i) {
    const auto reason = static_cast<DeadLetterReason>(i);
    add(dead, "reason", kReasons[i], static_cast<double>(dead_letters().count(reason)));
  }

  std::vector<MetricFamily> out;
  for (MetricFamily* f : {&turns, &busy, &idle, &stalls, &responsive, &ready, &timers, &spawned, &actors, &fibers,
                          &depth, &restarts, &remote, &dead})
    out.push_back(std::move(*f));
  return out;
}

Metrics::Metrics(MetricsConfig config) : runtime_(config.timeout) {}

void Metrics::add(std::weak_ptr<prometheus::Collectable> collectable) {
  const std::lock_guard lock(mutex_);
  more_.push_back(std::move(collectable));
}

std::vector<MetricFamily> Metrics::collect() const {
  std::vector<MetricFamily> out = runtime_.Collect();
  for (MetricFamily& f : registry_->Collect()) out.push_back(std::move(f));
  std::vector<std::shared_ptr<prometheus::Collectable>> more;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& weak : more_)
      if (auto c = weak.lock()) more.push_back(std::move(c));
  }
  for (const auto& c : more)
    for (MetricFamily& f : c->Collect()) out.push_back(std::move(f));
  return out;
}

std::string Metrics::scrape() const {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, collect());
  return std::move(text).str();
}

const std::shared_ptr<Metrics>& shared_metrics() {
  static const std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  return metrics;
}

// ---------------------------------------------------------------- ActorTiming

namespace {
prometheus::Histogram::BucketBoundaries default_buckets() {
  return {1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5, 10};
}
}  // namespace

ActorTiming::ActorTiming(prometheus::Registry& registry, prometheus::Histogram::BucketBoundaries buckets)
    : family_(prometheus::BuildHistogram()
                  .Name("grove_actor_processing_seconds")
                  .Help("Time an actor's receive() took per message (debug::ActorTiming).")
                  .Register(registry)),
      buckets_(buckets.empty() ? default_buckets() : std::move(buckets)),
      previous_(set_message_observer(nullptr)) {
  wants_processed = true;
  // Sends and receives are not built for the histograms: only when the
  // observer this one forwards to wants them.
  wants_traffic = previous_ ? previous_->wants_traffic : false;
  set_message_observer(this);
}

ActorTiming::~ActorTiming() {
  if (std::this_thread::get_id() != thread_) {
    // The made thread's observer slot would point at a destroyed object: stop here, loudly.
    grove::logger()->critical(
        "grove::debug::ActorTiming destroyed on another thread than the one that made it; destroy it on its hub's "
        "thread (e.g. in the Runtime::spawn_on that made it)");
    std::abort();
  }
  if (message_observer() == this) set_message_observer(previous_);
}

prometheus::Histogram& ActorTiming::histogram(std::string_view actor) {
  Cached& c = cache_[(reinterpret_cast<std::uintptr_t>(actor.data()) >> 4) % cache_.size()];
  if (c.data == actor.data() && c.name == actor) [[likely]]
    return *c.histogram;
  prometheus::Histogram* h = nullptr;
  if (auto it = by_name_.find(actor); it != by_name_.end()) {
    h = it->second;
  } else {
    h = &family_.Add({{"actor", std::string(actor)}}, buckets_);
    by_name_.emplace(std::string(actor), h);
  }
  c.data = actor.data();
  c.name.assign(actor);
  c.histogram = h;
  return *h;
}

void ActorTiming::on_event(const MessageEvent& event) noexcept {
  if (event.kind == MessageEventKind::processed) {
    try {
      histogram(event.to).Observe(std::chrono::duration<double>(event.elapsed).count());
    } catch (...) {
      // out of memory for a new actor's histogram: that sample is lost
    }
    if (previous_ && previous_->wants_processed) previous_->on_event(event);
    return;
  }
  if (previous_) previous_->on_event(event);
}

}  // namespace grove::debug
