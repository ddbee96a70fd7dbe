#pragma once
// runtime.hpp — grove::Runtime: N hubs, each on its own OS thread with its
// own io_context, started and stopped from main (docs/design/runtime.md).
//
//   grove::Runtime rt({.hubs = 2});
//   auto room = rt.spawn_actor<Room>(grove::Placement::hash(name), name);
//   int n = rt.spawn_on(grove::HubId{1}, [] { return work(); }).get();
//   rt.stop();
//
// No migration: a fiber lives and dies on the hub that started it, so its
// thread-locals and Asio objects stay valid. Work spreads by placing actors
// (and, later, connections) on hubs, never by stealing started fibers. What
// crosses hubs: ActorRef::send and ask, AsyncResult::set, the closures of
// spawn_on / spawn_actor_on (detail/hub_inbox.hpp carries them), links and
// monitors, supervisor children (ChildOptions::hub), the registry and
// Topics (the Runtime is their detail::HubDomain; docs/design/runtime.md,
// "Across hubs").

#include <grove/actor.hpp>
#include <grove/actor_ref.hpp>
#include <grove/async_result.hpp>
#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub_config.hpp>
#include <grove/hub_id.hpp>
#include <grove/placement.hpp>
#include <grove/topic.hpp>
#include <grove/detail/hub_domain.hpp>
#include <grove/detail/hub_inbox.hpp>
#include <grove/detail/remote_call.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove {

namespace detail {

// RuntimeHub is one hub of a Runtime as the other threads see it.
struct RuntimeHub {
  const void* owner = nullptr;  // the Runtime
  std::size_t index = 0;
  HubDomain* domain = nullptr;  // the Runtime's (its hub thread's tls_domain_hub)
  const Hub* hub = nullptr;     // the hub's facade, set on its thread before the Runtime starts
  HubInbox inbox;
  // load counts the actors the Runtime placed here that are still alive
  // (least_loaded reads it); shared with the actors' termination hooks.
  std::shared_ptr<std::atomic<std::int64_t>> load = std::make_shared<std::atomic<std::int64_t>>(0);
  std::thread thread;
  std::optional<AsyncResult<void>> stop_signal;  // made on the hub's thread; set by Runtime::stop
  Deadline grace;                                // written before stop_signal is set
};
// tls_runtime_hub is the calling thread's RuntimeHub (null off a Runtime).
extern constinit thread_local const RuntimeHub* tls_runtime_hub;

// RuntimeDomain is the Runtime as the lower modules see it
// (detail/hub_domain.hpp): its hubs by index, reached through their inbox.
class RuntimeDomain final : public HubDomain {
 public:
  explicit RuntimeDomain(const std::vector<std::unique_ptr<RuntimeHub>>& hubs) noexcept : hubs_(hubs) {}
  [[nodiscard]] std::size_t size() const noexcept override { return hubs_.size(); }
  [[nodiscard]] std::optional<std::size_t> index_of(const Hub* hub) const noexcept override;
  bool post(std::size_t index, std::function<void()> fn) const override;

 private:
  const std::vector<std::unique_ptr<RuntimeHub>>& hubs_;
};

template <class F>
using call_result_t = std::decay_t<std::invoke_result_t<F&>>;

}  // namespace detail

class Runtime {
 public:
  struct Config {
    // hubs: how many hubs (OS threads); the core count by default.
    std::size_t hubs = default_hub_count();
    // pin: bind hub i's thread to core i (modulo the core count).
    bool pin = false;
    // spin: how long a hub with nothing ready polls its inbox before it
    // sleeps (HubConfig::spin, which it overrides): a cross-hub message
    // that comes meanwhile costs no kernel wake-up, a hub that stays idle
    // burns at most this much CPU per idle turn. 0 on machines with at
    // most 2 cores (a spinning hub would take the other hub's core), 50 us
    // otherwise (docs/design/runtime.md, "Spinning before sleep").
    Duration spin = default_spin();
    // hub: the HubConfig every hub is created with.
    HubConfig hub{};
  };
  static std::size_t default_hub_count() noexcept;
  static Duration default_spin() noexcept;

  // Runtime(config) starts config.hubs hubs and returns once each runs;
  // Config::hubs == 0 or a negative spin is a UsageError.
  Runtime() : Runtime(Config{}) {}
  explicit Runtime(Config config);
  // ~Runtime() stops a running Runtime (stop() with the default grace).
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  [[nodiscard]] const Config& config() const noexcept { return config_; }
  // size() is the number of hubs; hubs() lists them, HubId{0} first.
  [[nodiscard]] std::size_t size() const noexcept { return hubs_.size(); }
  [[nodiscard]] std::vector<HubId> hubs() const;
  // running() is true from construction until stop().
  [[nodiscard]] bool running() const noexcept { return running_.load(std::memory_order_acquire); }
  // load(hub) is the number of actors placed on hub that are still alive.
  [[nodiscard]] std::int64_t load(HubId hub) const;
  // place(where) is the hub a spawn_actor with that placement would use.
  [[nodiscard]] HubId place(Placement where);

  // call_on(hub, fn) runs fn() in hub's context (an Asio handler: fn must
  // not block) and returns its outcome as an AsyncResult of the calling
  // thread's hub (main gets a hub of its own for it). Any thread.
  template <class F>
  requires std::invocable<F&> AsyncResult<detail::call_result_t<F>> call_on(HubId hub, F fn) {
    using R = detail::call_result_t<F>;
    const detail::RuntimeHub& h = target(hub, "Runtime::call_on");
    AsyncResult<R> result;
    detail::RemoteCall<R, F> call(result, std::move(fn), hub.index);
    (void)h.inbox.post([call = std::move(call)]() mutable { call.run(); });
    return result;  // a call the hub dropped unrun has failed it already
  }

  // spawn_on(hub, fn) runs fn() in a new fiber on hub and returns its
  // outcome as an AsyncResult of the calling thread's hub: fn's value or
  // exception, FiberKilled when the fiber was killed (the hub stopping),
  // UsageError when the hub stopped before starting it. A stopped Runtime or
  // a hub index out of range is a UsageError at once. Any thread.
  template <class F>
  requires std::invocable<F&> AsyncResult<detail::call_result_t<F>> spawn_on(HubId hub, F fn) {
    using R = detail::call_result_t<F>;
    const detail::RuntimeHub& h = target(hub, "Runtime::spawn_on");
    AsyncResult<R> result;
    detail::RemoteCall<R, F> call(result, std::move(fn), hub.index);
    (void)h.inbox.post([call = std::move(call)]() mutable {
      try {
        grove::spawn_raw([call = std::move(call)]() mutable { call.run(); });
      } catch (...) {
        // The hub refused the fiber (it is stopping): the call, destroyed
        // unrun, has told the caller.
      }
    });
    return result;
  }

  // spawn_actor_on<A>(hub, [options,] args...) starts an A on hub and
  // returns its ActorRef once it exists (a fiber caller parks meanwhile;
  // on its own hub it is started at once). The args are copied or moved to
  // that hub. Errors as spawn_on.
  template <class A, class... Args>
  requires std::derived_from<A, Actor<typename A::message_type>> ActorRef<typename A::message_type> spawn_actor_on(
      HubId hub, ActorOptions options, Args&&... args) {
    const detail::RuntimeHub& h = target(hub, "Runtime::spawn_actor_on");
    auto load = h.load;
    load->fetch_add(1, std::memory_order_relaxed);
    if (local_index() == hub.index) {
      try {
        return start_placed<A>(load, std::move(options), std::forward<Args>(args)...);
      } catch (...) {
        load->fetch_sub(1, std::memory_order_relaxed);
        throw;
      }
    }
    auto made = call_on(hub, [load, options = std::move(options),
                              args = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable {
      try {
        return std::apply([&](auto&... a) { return start_placed<A>(load, std::move(options), std::move(a)...); }, args);
      } catch (...) {
        load->fetch_sub(1, std::memory_order_relaxed);
        throw;
      }
    });
    return made.get();
  }
  template <class A, class... Args>
  requires std::derived_from<A, Actor<typename A::message_type>> ActorRef<typename A::message_type> spawn_actor_on(
      HubId hub, Args&&... args) {
    return spawn_actor_on<A>(hub, ActorOptions{}, std::forward<Args>(args)...);
  }

  // spawn_actor<A>(where, [options,] args...) is spawn_actor_on on the hub
  // place(where) picks (placement.hpp).
  template <class A, class... Args>
  requires std::derived_from<A, Actor<typename A::message_type>> ActorRef<typename A::message_type> spawn_actor(
      Placement where, ActorOptions options, Args&&... args) {
    return spawn_actor_on<A>(place(where), std::move(options), std::forward<Args>(args)...);
  }
  template <class A, class... Args>
  requires std::derived_from<A, Actor<typename A::message_type>> ActorRef<typename A::message_type> spawn_actor(
      Placement where, Args&&... args) {
    return spawn_actor_on<A>(place(where), ActorOptions{}, std::forward<Args>(args)...);
  }

  // topic<M>() is a Topic of this Runtime, usable from any thread while
  // the Runtime lives (a Topic made on one of its hubs is one too):
  // publish() hops once per other hub with subscribers (topic.hpp).
  template <class M>
  [[nodiscard]] Topic<M> topic() {
    return Topic<M>(domain_);
  }

  // stop(grace) stops every hub: each raises FiberExit in its fibers, waits
  // up to grace for them to unwind (Hub::shutdown), is destroyed, and its
  // thread ends before stop() returns. Actors end, so what is queued for
  // them, and every later send to them, goes to dead letters (counted).
  // Later spawns are UsageErrors. A second stop() does nothing. Call it
  // from outside the Runtime's hubs (UsageError otherwise: a hub cannot
  // wait for its own thread to end). grace is a grove::Deadline: a
  // duration (each hub's from the start of its shutdown) or a time point
  // (one deadline for every hub); a negative or NaN one is a UsageError.
  void stop(Deadline grace = std::chrono::seconds(1));

 private:
  const detail::RuntimeHub& target(HubId hub, const char* what) const;
  // local_index() is the calling thread's hub index when it is one of ours.
  [[nodiscard]] std::optional<std::size_t> local_index() const noexcept {
    const detail::RuntimeHub* h = detail::tls_runtime_hub;
    if (h && h->owner == this) return h->index;
    return std::nullopt;
  }
  // start_placed() starts the actor on this thread's hub and has its end
  // give back its unit of load.
  template <class A, class... Args>
  static ActorRef<typename A::message_type> start_placed(const std::shared_ptr<std::atomic<std::int64_t>>& load,
                                                         ActorOptions options, Args&&... args) {
    auto ref = grove::spawn_actor<A>(std::move(options), std::forward<Args>(args)...);
    ref.cell_ptr()->on_terminate.emplace_back([load] { load->fetch_sub(1, std::memory_order_relaxed); });
    return ref;
  }

  Config config_;
  std::vector<std::unique_ptr<detail::RuntimeHub>> hubs_;
  detail::RuntimeDomain domain_{hubs_};
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> next_round_robin_{0};
  std::mutex stop_mutex_;
};

}  // namespace grove
