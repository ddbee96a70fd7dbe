// actor.cpp — actor names and the default ask timeout.

#include <grove/actor.hpp>
#include <grove/log.hpp>

#include <spdlog/spdlog.h>
#include <boost/core/demangle.hpp>

#include <atomic>
#include <string>

namespace grove {

namespace {
std::atomic<Duration::rep> ask_timeout{std::chrono::duration_cast<Duration>(std::chrono::seconds(5)).count()};
}

Duration default_ask_timeout() noexcept { return Duration(ask_timeout.load(std::memory_order_relaxed)); }

void set_default_ask_timeout(Duration d) {
  if (d <= Duration::zero()) throw UsageError("grove::set_default_ask_timeout: the timeout must be positive");
  ask_timeout.store(d.count(), std::memory_order_relaxed);
}

namespace detail {

std::string default_actor_name(const char* type_name) {
  std::string name = boost::core::demangle(type_name);
  if (auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
  return name + "-" + std::to_string(hub().next_name_number());
}

void log_on_stop_failure(const std::string& actor, std::exception_ptr e) noexcept {
  try {
    const std::string what = grove::describe(e);
    grove::logger()->error("grove: actor '{}': on_stop() threw: {}", actor, what);
  } catch (...) {
  }
}

}  // namespace detail
}  // namespace grove
