// supervisor_core.cpp — SupervisorCore's registry of children: the config's
// checks, and adding, finding, scheduling, removing and retiring children.

#include "supervisor_core.hpp"

#include <grove/hub.hpp>

#include <iterator>
#include <random>

namespace grove::detail {

SupervisorCore::SupervisorCore(SupervisorConfig cfg, std::vector<ChildSpec> specs, std::optional<ChildTemplate> t)
    : config(std::move(cfg)), tmpl(std::move(t)) {
  if (config.intensity < 0) throw UsageError("grove::Supervisor: intensity must be >= 0");
  if (config.period <= Duration::zero()) throw UsageError("grove::Supervisor: period must be positive");
  if (config.backoff.multiplier < 1.0 || config.backoff.jitter < 0.0 || config.backoff.jitter >= 1.0)
    throw UsageError("grove::Supervisor: backoff needs multiplier >= 1 and 0 <= jitter < 1");
  if (config.backoff.initial < Duration::zero() || config.backoff.max < Duration::zero())
    throw UsageError("grove::Supervisor: backoff initial and max must not be negative (initial = 0 turns backoff off)");
  for (auto& s : specs) add(std::move(s), false);
  // Under a scheduling policy (a deterministic test) the jitter must not
  // depend on the machine: the seed then comes from the hub's numbering.
  rng.seed(config.backoff.seed         ? config.backoff.seed
           : hub().policy() != nullptr ? static_cast<std::uint32_t>(hub().next_name_number())
                                       : std::random_device{}());
}

SupervisedChildren::iterator SupervisorCore::add(ChildSpec spec, bool dynamic) {
  if (!spec.start) throw UsageError("grove::Supervisor: child '" + spec.id + "' has no start function");
  if (by_id.contains(spec.id))
    throw SupervisorError("grove::Supervisor: child id '" + spec.id + "' is already present");
  SupervisedChild child;
  child.spec = std::move(spec);
  child.dynamic = dynamic;
  children.push_back(std::move(child));
  auto it = std::prev(children.end());
  by_id.emplace(it->spec.id, it);
  return it;
}

SupervisedChildren::iterator SupervisorCore::find(const std::string& id) {
  auto f = by_id.find(id);
  if (f == by_id.end()) throw SupervisorError("grove::Supervisor '" + config.name + "': no child '" + id + "'");
  return f->second;
}

void SupervisorCore::schedule(SupervisedChild& c, TimePoint at) noexcept {
  if ((c.restart_at != TimePoint::max()) != (at != TimePoint::max())) {
    if (at != TimePoint::max()) ++pending_restarts;
    else --pending_restarts;
  }
  c.restart_at = at;
}

void SupervisorCore::remove(SupervisedChildren::iterator it) {
  schedule(*it, TimePoint::max());
  ChildSpec spec = std::move(it->spec);
  by_id.erase(spec.id);
  children.erase(it);
  retire_child(spec);
}

void SupervisorCore::retire_all() noexcept {
  for (auto& c : children) {
    if (!c.spec.retire) continue;
    try {
      retire_child(c.spec);
    } catch (...) {
    }
  }
}

}  // namespace grove::detail
