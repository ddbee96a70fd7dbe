#pragma once
// supervisor.hpp — Supervisor: OTP's supervisor for fibers and actors.
//
//   grove::Supervisor sup({.strategy = grove::Strategy::one_for_all, .intensity = 3, .period = 5s},
//                         {grove::actor_child<Db>("db", {}), grove::fiber_child("poller", {}, poll)});
//   sup.start();      // children start in order
//   ...
//   sup.stop();       // children stop in reverse order
//
// The supervisor runs in its own fiber and monitors every child. A child
// that ends is restarted by its Restart type and the Strategy; more than
// `intensity` restarts within `period` (on the hub's clock) make the
// supervisor give up: it stops every child (reverse order) and ends with
// SupervisorGaveUp, which a parent supervisor sees as an
// abnormal exit. Handles are cheap copies; use them on the hub's thread.

#include <grove/actor_child.hpp>
#include <grove/actor_ref.hpp>
#include <grove/child_spec.hpp>
#include <grove/duration.hpp>
#include <grove/fiber.hpp>

#include <any>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove {

// Strategy says which children restart when one ends and must restart:
// that one (one_for_one), all (one_for_all), it and those started after it
// (rest_for_one); simple_one_for_one is one_for_one over dynamic children
// made from one ChildTemplate by start_child(args...).
enum class Strategy { one_for_one, one_for_all, rest_for_one, simple_one_for_one };

// Backoff delays restarts: initial, then times multiplier per consecutive
// restart of the same child (reset once it has run for a whole period), at
// most max, each scaled by a random factor in [1 - jitter, 1 + jitter].
// initial == 0 turns it off (restart at once, as OTP does).
struct Backoff {
  Duration initial = Duration::zero();
  Duration max = std::chrono::seconds(30);
  double multiplier = 2.0;
  double jitter = 0.2;
  std::uint64_t seed = 0;  // jitter's random seed; 0 draws one (set it for reproducible runs)
};

struct SupervisorConfig {
  Strategy strategy = Strategy::one_for_one;
  int intensity = 1;                            // restarts allowed ...
  Duration period = std::chrono::seconds(5);   // ... within this window
  Backoff backoff{};
  std::string name = "supervisor";
};

// SupervisorError reports a call that OTP answers with an error tuple:
// unknown id, id already present, child running, supervisor not running.
class SupervisorError : public Error {
 public:
  using Error::Error;
};

// SupervisorGaveUp is how a supervisor ends once restarts exceeded its
// intensity (OTP's `shutdown` with reached_max_restart_intensity).
class SupervisorGaveUp : public SupervisorError {
 public:
  using SupervisorError::SupervisorError;
};

// ChildInfo is one row of which_children(): fiber is empty while the child
// is not running (ended, terminated, or waiting for a backoff restart).
struct ChildInfo {
  std::string id;
  Fiber<> fiber;
  Restart restart = Restart::permanent;
  ChildType type = ChildType::worker;
  std::any handle;

  bool running() const { return fiber && !fiber.dead(); }
  // actor<M>() is the child's ActorRef; it throws UsageError for non-actors.
  template <class M>
  ActorRef<M> actor() const {
    if (auto* r = std::any_cast<ActorRef<M>>(&handle)) return *r;
    throw UsageError("grove::ChildInfo::actor: child '" + id + "' is not an actor of that message type");
  }
};

// ChildCounts is count_children(): specs, running children, and how many
// of the specs are supervisors and workers.
struct ChildCounts {
  std::size_t specs = 0;
  std::size_t active = 0;
  std::size_t supervisors = 0;
  std::size_t workers = 0;
};

namespace detail {
class SupervisorCore;
}

class Supervisor {
 public:
  explicit Supervisor(SupervisorConfig config, std::vector<ChildSpec> children = {});
  // Supervisor(config, template) is a simple_one_for_one supervisor.
  Supervisor(SupervisorConfig config, ChildTemplate child_template);

  // start() starts the supervisor's fiber, which starts the children in
  // order; it returns that fiber once all have started. If a child fails to
  // start, the ones started are stopped and start() throws its error. A
  // supervisor that has ended may be started again (from the same specs).
  Fiber<> start();
  // stop() stops the children in reverse order, retires them (actor
  // mailboxes close) and ends the supervisor normally; it waits for that.
  // Stopping a supervisor that is not running only retires its children.
  void stop();
  // running() is true between start() and the end of the supervisor.
  bool running() const;
  // fiber() is the supervisor's fiber (empty before start()).
  Fiber<> fiber() const;
  const SupervisorConfig& config() const;

  std::vector<ChildInfo> which_children() const;
  ChildCounts count_children() const;
  // restart_count() is how many restarts the intensity rule counted so far.
  std::size_t restart_count() const;

  // start_child(spec) adds and starts a child after the others; it throws
  // SupervisorError when the id is taken, or the child's start error.
  ChildInfo start_child(ChildSpec spec);
  // start_child(args...) (simple_one_for_one) starts a child from the template.
  template <class... A>
    requires(sizeof...(A) != 1 || !(std::is_base_of_v<ChildSpec, std::decay_t<A>> || ...))
  ChildInfo start_child(A&&... args) {
    std::any packed = std::tuple<std::decay_t<A>...>(std::forward<A>(args)...);
    return start_from_template(std::move(packed));
  }
  // terminate_child(id) stops a child (by its Shutdown) without restarting
  // it; the spec stays (simple_one_for_one children are removed).
  void terminate_child(const std::string& id);
  // restart_child(id) starts a child that is not running.
  ChildInfo restart_child(const std::string& id);
  // delete_child(id) removes a child that is not running and retires it.
  void delete_child(const std::string& id);

  friend bool operator==(const Supervisor& a, const Supervisor& b) noexcept { return a.core_ == b.core_; }

 private:
  friend ChildSpec supervisor_child(std::string id, Supervisor sup, ChildOptions options);
  ChildInfo start_from_template(std::any packed);
  std::shared_ptr<detail::SupervisorCore> core_;
};

// supervisor_child(id, sup, options) nests sup as a child: a restart starts
// sup again. Shutdown defaults to infinity, as OTP's does for supervisors.
ChildSpec supervisor_child(std::string id, Supervisor sup,
                           ChildOptions options = {.restart = Restart::permanent,
                                                   .shutdown = Shutdown::infinity(),
                                                   .type = ChildType::supervisor});

}  // namespace grove
