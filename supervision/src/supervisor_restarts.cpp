// supervisor_restarts.cpp — what a child's exit does: by its Restart it is
// restarted or forgotten; a restart follows the strategy (one_for_one,
// one_for_all, rest_for_one), waits out the backoff, and counts against
// the intensity, past which the supervisor gives up (SupervisorGaveUp).

#include "supervisor_core.hpp"

#include <grove/hub.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

namespace grove::detail {

namespace {

bool restarts_after(Restart restart, const ExitReason& reason) {
  switch (restart) {
    case Restart::permanent:
      return true;
    case Restart::transient:
      return reason.kind() == ExitReason::Kind::exception || reason.kind() == ExitReason::Kind::killed;
    case Restart::temporary:
      return false;
  }
  return false;
}

}  // namespace

void SupervisorCore::child_exited(SupervisedChildren::iterator it, const ExitReason& reason) {
  by_fiber.erase(it->fiber.base());
  it->fiber = Fiber<>();
  if (!restarts_after(it->spec.restart, reason)) {
    grove::logger()->debug("grove: supervisor '{}': child '{}' ended ({}), not restarted", config.name, it->spec.id,
                           reason.to_string());
    if (it->spec.restart == Restart::temporary || it->dynamic) remove(it);
    return;
  }
  restart_after_failure(it, reason);
}

void SupervisorCore::restart_after_failure(SupervisedChildren::iterator it, const ExitReason& reason) {
  if (!count_restart()) give_up(it->spec.id, reason);
  grove::logger()->debug("grove: supervisor '{}': child '{}' ended ({}), restarting", config.name, it->spec.id,
                         reason.to_string());
  const TimePoint at = hub().now() + backoff_delay(*it);
  if (config.strategy == Strategy::one_for_all || config.strategy == Strategy::rest_for_one) {
    auto first = config.strategy == Strategy::one_for_all ? children.begin() : std::next(it);
    // Stop the siblings in reverse order; temporary ones are not restarted.
    terminate_range(std::make_reverse_iterator(children.end()), std::make_reverse_iterator(first));
    for (auto s = first; s != children.end();) {
      auto cur = s++;
      if (cur == it) continue;
      if (cur->spec.restart == Restart::temporary) remove(cur);
      else schedule(*cur, at);
    }
  }
  schedule(*it, at);
}

void SupervisorCore::restart_due() {
  if (pending_restarts == 0) return;
  const TimePoint now = hub().now();
  std::vector<std::string> due;
  for (auto& c : children)
    if (c.restart_at <= now) due.push_back(c.spec.id);
  for (auto& id : due) {
    auto f = by_id.find(id);
    if (f == by_id.end() || f->second->restart_at > now || f->second->fiber) continue;
    try {
      start_or_forget(f->second);
    } catch (const FiberExit&) {
      throw;
    } catch (...) {
      auto error = std::current_exception();
      grove::logger()->warn("grove: supervisor '{}': restarting child '{}' failed: {}", config.name, id,
                            ExitReason::exception(error).to_string());
      restart_after_failure(f->second, ExitReason::exception(error));
    }
  }
}

TimePoint SupervisorCore::next_restart() const {
  TimePoint next = TimePoint::max();
  if (pending_restarts == 0) return next;
  for (auto& c : children) next = std::min(next, c.restart_at);
  return next;
}

bool SupervisorCore::count_restart() {
  ++restart_total;
  const TimePoint now = hub().now();
  recent_restarts.push_back(now);
  while (!recent_restarts.empty() && now - recent_restarts.front() > config.period) recent_restarts.pop_front();
  return recent_restarts.size() <= static_cast<std::size_t>(config.intensity);
}

Duration SupervisorCore::backoff_delay(SupervisedChild& c) {
  const Backoff& b = config.backoff;
  if (b.initial <= Duration::zero()) return Duration::zero();
  if (hub().now() - c.started_at >= config.period) c.failures = 0;
  ++c.failures;
  long double d =
      static_cast<long double>(b.initial.count()) * std::pow(static_cast<long double>(b.multiplier), c.failures - 1);
  d = std::min(d, static_cast<long double>(b.max.count()));
  if (b.jitter > 0) d *= std::uniform_real_distribution<double>(1.0 - b.jitter, 1.0 + b.jitter)(rng);
  return Duration(static_cast<Duration::rep>(std::llround(d)));
}

void SupervisorCore::give_up(const std::string& id, const ExitReason& reason) {
  std::string what = "grove: supervisor '" + config.name + "' gave up: more than " + std::to_string(config.intensity) +
                     " restarts within " +
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(config.period).count()) +
                     " ms; the last child to end was '" + id + "' (" + reason.to_string() + ")";
  grove::logger()->error("{}", what);
  terminate_all();
  throw SupervisorGaveUp(what);
}

}  // namespace grove::detail
