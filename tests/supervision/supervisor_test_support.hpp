#pragma once
// supervisor_test_support.hpp — what the Supervisor suites (supervisor_test.cpp, supervisor_lifecycle_test.cpp; one
// executable supervision_supervisor_test) share.

#include <grove/supervisor.hpp>

#include <grove/child_spec.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/queue.hpp>

#include "supervision_test_support.hpp"

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using grove::Restart;
using grove::Strategy;

namespace {

struct Log {
  std::vector<std::string> lines;
  std::map<std::string, int> starts;
  std::map<std::string, grove::ExitReason> stop_reasons;
};

struct OnUnwind {
  std::shared_ptr<Log> log;
  std::string name;
  ~OnUnwind() { log->lines.push_back("stop " + name); }
};

// A worker that logs its start, parks until stopped, and logs its stop.
inline void worker(std::shared_ptr<Log> log, const std::string& name) {
  log->lines.push_back("start " + name);
  ++log->starts[name];
  OnUnwind guard{log, name};
  try {
    grove::Event never;
    never.wait();
  } catch (const grove::FiberExit& e) {
    log->stop_reasons[name] = e.reason();
    throw;
  }
}

inline grove::ChildSpec worker_child(const std::shared_ptr<Log>& log, const std::string& name,
                                     grove::ChildOptions o = {}) {
  return grove::fiber_child(name, o, worker, log, name);
}

// A worker that crashes when its trigger is set.
inline void crasher(std::shared_ptr<Log> log, const std::string& name, std::shared_ptr<grove::Event> trigger) {
  ++log->starts[name];
  trigger->wait();
  trigger->clear();
  throw std::runtime_error(name + " crashed");
}

inline grove::Fiber<> child_fiber(const grove::Supervisor& sup, const std::string& id) {
  for (auto& c : sup.which_children())
    if (c.id == id) return c.fiber;
  return {};
}

using SupervisorTest = SupervisionTest;

}  // namespace
