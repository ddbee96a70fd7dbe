// simulation.cpp — a hub on virtual time, and the end-of-test audit.

#include <grove/testing/simulation.hpp>

#include <grove/testing/detail/probe_base.hpp>

#include <grove/errors.hpp>

#include <algorithm>
#include <utility>

namespace grove::testing {

namespace {

thread_local Simulation* tls_simulation = nullptr;

}  // namespace

Simulation::Simulation(SimulationOptions options)
    : policy_(std::make_shared<SimulationPolicy>(options.seed)),
      unhandled_(std::make_shared<std::vector<UnhandledFailure>>()),
      start_(policy_->now()) {
  if (tls_simulation)
    throw UsageError("grove::testing::Simulation: a Simulation already runs on this thread; end it first");
  if (Hub::exists() && grove::hub().fiber_count() > 0)
    throw UsageError("grove::testing::Simulation: this thread's hub still has " +
                     std::to_string(grove::hub().fiber_count()) +
                     " live fiber(s); start the Simulation before spawning fibers");
  Hub::destroy_current();
  HubConfig config = std::move(options.hub);
  config.policy = policy_;
  config.on_unhandled = [failures = unhandled_](const std::string& fiber, std::exception_ptr error) {
    failures->push_back({fiber, describe(error), std::move(error)});
  };
  hub_ = &Hub::create(config);
  tls_simulation = this;
}

Simulation::~Simulation() {
  tls_simulation = nullptr;
  try {
    Hub::destroy_current();
  } catch (...) {
  }
}

Simulation* Simulation::current() noexcept { return tls_simulation; }

void Simulation::advance(Duration d) {
  if (d < Duration::zero()) throw UsageError("grove::testing::Simulation::advance: the duration must not be negative");
  advance_to(deadline_after(now(), d));
}

void Simulation::advance_to(TimePoint t) {
  if (t < now()) throw UsageError("grove::testing::Simulation::advance_to: that time has passed already");
  // A nested advance (a fiber's, while main advances) keeps the outer limit.
  struct RestoreLimit {
    SimulationPolicy& policy;
    TimePoint outer;
    ~RestoreLimit() { policy.set_limit(outer); }
  } restore{*policy_, policy_->limit()};
  policy_->set_limit(std::min(t, restore.outer));
  hub_->run();
  if (t != TimePoint::max()) policy_->move_to(t);
}

void Simulation::run_until_idle() { hub_->run(); }

std::vector<UnhandledFailure> Simulation::take_unhandled() { return std::exchange(*unhandled_, {}); }

void Simulation::attach(detail::ProbeBase& probe) { probes_.push_back(&probe); }

void Simulation::detach(detail::ProbeBase& probe) noexcept { std::erase(probes_, &probe); }

std::vector<std::string> Simulation::audit() {
  std::vector<std::string> problems;
  for (detail::ProbeBase* p : probes_) {
    if (std::string left = p->take_unconsumed(); !left.empty()) problems.push_back(std::move(left));
  }
  for (detail::ProbeBase* p : std::vector<detail::ProbeBase*>(probes_)) p->stop();
  advance(Duration::zero());  // let what is ready at this instant finish
  for (auto& u : take_unhandled())
    problems.push_back("fiber '" + u.fiber + "' died with an unhandled exception: " + u.what);
  if (std::size_t n = hub_->fiber_count(); n > 0)
    problems.push_back(std::to_string(n) + " fiber(s) outlived the test (stop actors, join or kill fibers before it ends):" +
                       hub_->describe_fibers());
  if (std::size_t n = hub_->timer_count(); n > 0)
    problems.push_back(std::to_string(n) +
                       " timer(s) still armed at the end of the test (sleeps, Timeouts, asks or spawn_later starts "
                       "that nobody waited for)");
  return problems;
}

}  // namespace grove::testing
