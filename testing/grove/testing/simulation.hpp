#pragma once
// simulation.hpp — Simulation: this thread's hub on virtual time, with an
// optional seed choosing the next ready fiber.
//
//   grove::testing::Simulation sim({.seed = 42});   // a fresh hub
//   auto f = grove::spawn([] { grove::this_fiber::sleep(10min); });
//   sim.advance(10min);          // zero real time; the sleeper has woken
//   sim.run_until_idle();        // until every fiber is blocked, no timer left
//
// Virtual time moves only when every fiber is blocked, jumping to the next
// deadline; every deadline in grove (sleep, Timeout, the timeouts of
// AsyncResult, Queue and ask, spawn_later, supervisor windows and backoff)
// is measured on it. Real I/O does not run on virtual time: deterministic
// tests talk over the in-memory network, not real sockets. The same seed
// (and the same program) gives the same run; no seed is first in, first out.
// A Simulation belongs to the thread that made it; one at a time per thread.

#include <grove/testing/simulation_policy.hpp>

#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/hub_config.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace grove::testing {

namespace detail {
class ProbeBase;
}

struct SimulationOptions {
  std::optional<std::uint64_t> seed{};  // none: first in, first out
  HubConfig hub{};                    // its policy and on_unhandled are the simulation's
};

// UnhandledFailure is a fiber that died of an exception nobody joined,
// linked or supervised (an unsupervised actor's crash included).
struct UnhandledFailure {
  std::string fiber;
  std::string what;
  std::exception_ptr error;
};

class Simulation {
 public:
  // Simulation(options) replaces this thread's hub by a fresh one on
  // virtual time. It throws UsageError when the current hub still has live
  // fibers, or another Simulation runs on this thread.
  explicit Simulation(SimulationOptions options = {});
  // ~Simulation() destroys the hub (unwinding fibers left over); the next
  // grove call on this thread makes an ordinary one.
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // current() is the Simulation running on this thread, or null.
  static Simulation* current() noexcept;

  Hub& hub() const noexcept { return *hub_; }
  SimulationPolicy& policy() const noexcept { return *policy_; }
  std::optional<std::uint64_t> seed() const noexcept { return policy_->seed(); }

  // now() is virtual time; elapsed() how far it has moved since the start.
  TimePoint now() const { return policy_->now(); }
  Duration elapsed() const { return policy_->now() - start_; }

  // advance(d) runs every fiber and fires every timer due up to now() + d,
  // in deadline order, then sets the clock to now() + d; it returns once
  // every fiber is blocked. Call it from a fiber (main included).
  void advance(Duration d);
  void advance_to(TimePoint t);
  // run_until_idle() runs until every fiber is blocked and no timer is
  // left, jumping the clock from deadline to deadline (a fiber that sleeps
  // in a loop forever keeps it going: use advance() for those).
  void run_until_idle();

  // take_unhandled() hands over the unhandled fiber failures seen so far;
  // those taken are no longer reported by audit().
  std::vector<UnhandledFailure> take_unhandled();

  // audit() is the end-of-test check: probes holding unconsumed messages
  // (they are then emptied and stopped), fibers that died of unhandled
  // exceptions, fibers still alive and timers still armed after the
  // current instant has run out. One readable line per problem.
  std::vector<std::string> audit();

  // Probes register here, so that audit() sees them.
  void attach(detail::ProbeBase& probe);
  void detach(detail::ProbeBase& probe) noexcept;

 private:
  std::shared_ptr<SimulationPolicy> policy_;
  std::shared_ptr<std::vector<UnhandledFailure>> unhandled_;
  std::vector<detail::ProbeBase*> probes_;
  Hub* hub_ = nullptr;
  TimePoint start_;
};

}  // namespace grove::testing
