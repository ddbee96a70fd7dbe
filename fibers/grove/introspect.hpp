#pragma once
// introspect.hpp — snapshots of hubs and their fibers (gevent's
// format_run_info, Go's goroutine dump), as plain values: the fiber dump
// (observe/grove/debug/dump.hpp, schema "grove.fibers/1"), /debug/fibers
// and the tools built on them read these. docs/observability.md.
//
//   grove::debug::HubSnapshot h = grove::debug::snapshot_hub();   // this hub
//   for (const auto& f : h.fibers) std::cout << f.name << ' ' << f.state << '\n';
//
// A snapshot is taken on the hub's own thread (snapshot_all() posts to the
// other hubs and waits for their answers), so it is consistent for that hub.

#include <grove/duration.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grove::debug {

// ActorSnapshot describes a fiber that runs an actor (filled by the actors
// module through a FiberProbe; the fields it cannot know stay empty).
struct ActorSnapshot {
  std::string name;
  std::size_t mailbox_depth = 0;  // ordinary messages queued
  // Not recorded yet (they would cost the message path): left empty.
  std::optional<std::size_t> mailbox_high_water{};  // the most ever queued at once
  std::optional<std::uint64_t> processed{};         // messages handled
  std::optional<std::uint64_t> restarts{};          // incarnations after the first
  // remote_received counts the messages that reached the mailbox from
  // other hubs (its remote lane), since the actor was made.
  std::optional<std::uint64_t> remote_received{};
  std::optional<std::string> supervisor{};
};

// FiberSnapshot is one fiber as its hub saw it.
struct FiberSnapshot {
  std::uint64_t id = 0;
  std::string name;
  std::optional<std::uint64_t> parent_id{};  // the spawn tree; none: main, or spawned by the hub itself
  // state: "created" (never ran), "ready", "running", "waiting", "dead".
  const char* state = "created";
  // The spawn site (file empty and line 0 when unknown).
  const char* file = "";
  std::uint32_t line = 0;
  const char* function = "";
  // For a waiting fiber: what it waits on (the primitive's `what`, e.g.
  // "Event::wait", "sleep", "Mailbox::receive"); when one fiber holds what
  // it waits for (a Lock's holder, the fiber it joins), that fiber and the
  // relation ("Lock held by", "join of"); how long it has waited; how long
  // until its wait's deadline.
  std::string waits_on;
  std::optional<std::uint64_t> waits_for_fiber{};
  std::string waits_relation;
  std::optional<Duration> waiting_for{};
  std::optional<Duration> deadline_in{};
  // Counters (detail/fiber_stats.hpp); run times need HubConfig::fiber_timing.
  std::uint64_t switches_in = 0;
  std::uint64_t wakes = 0;
  std::chrono::nanoseconds run_time{0};
  std::chrono::nanoseconds longest_run{0};
  std::optional<ActorSnapshot> actor{};
};

// HubSnapshot is one hub: its loop, its queues and its fibers (the main
// fiber first, then the live fibers, newest first).
struct HubSnapshot {
  std::uint64_t number = 0;  // the hub's number in the process (creation order, from 0)
  std::string thread;        // the OS thread's id
  // responsive is false when the hub did not answer within the timeout of
  // snapshot_all() (blocked, or its thread runs no grove code): then only
  // number, thread and loop_turns are filled.
  bool responsive = true;
  std::uint64_t loop_turns = 0;
  std::chrono::nanoseconds busy{0};  // since the hub was made, not waiting for events
  std::chrono::nanoseconds idle{0};  // waiting for events
  std::size_t ready = 0;             // fibers in the ready queue
  std::size_t timers = 0;            // armed timers
  bool inbox_pending = false;        // closures posted from other threads, not run yet
  bool fiber_timing = false;         // HubConfig::fiber_timing (run times measured)
  std::size_t fiber_count = 0;       // live fibers (not counting main)
  std::uint64_t spawned = 0;         // fibers made on this hub so far (ids handed out)
  std::vector<FiberSnapshot> fibers;
};

// snapshot_hub() is this thread's hub (created if there is none yet). Call
// it on the hub's thread, from a fiber or from the hub's own context.
HubSnapshot snapshot_hub();

// snapshot_all(timeout) snapshots every hub of the process (a Runtime's
// hubs, the main thread's): this thread's directly, the others on their
// own threads, waiting up to `timeout` for them (a fiber caller parks; any
// other caller blocks its thread). A hub that does not answer in time is
// listed with responsive = false. Any thread.
std::vector<HubSnapshot> snapshot_all(Duration timeout = std::chrono::seconds(1));

}  // namespace grove::debug

namespace grove::detail {

// FiberProbe describes the owner of a fiber to snapshots: the actors module
// attaches one to each actor's fiber (FiberExtras::probe). describe() runs
// on the fiber's hub thread while the snapshot is taken; it must not block.
class FiberProbe {
 public:
  virtual void describe(debug::ActorSnapshot& out) const = 0;

 protected:
  ~FiberProbe() = default;
};

}  // namespace grove::detail
