// strategy_matrix_test.cpp — OTP's matrix: each exit kind × each restart
// type, under each strategy. Three children a, b, c (a and c permanent); b
// has the restart type under test and ends with the exit kind under test.

#include <grove/supervisor.hpp>

#include <grove/child_spec.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/queue.hpp>

#include "supervision_test_support.hpp"

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>

using namespace std::chrono_literals;
using grove::Restart;
using grove::Strategy;

namespace {

enum class ExitKind { normal, exception, killed, shutdown };

struct Probe {
  std::map<std::string, int> starts;
  std::map<std::string, std::shared_ptr<grove::Queue<ExitKind>>> orders;
};

// A child that counts its starts, then ends as ordered.
void child_body(std::shared_ptr<Probe> probe, std::string name) {
  ++probe->starts[name];
  auto& q = probe->orders[name];
  if (!q) q = std::make_shared<grove::Queue<ExitKind>>();
  auto queue = q;
  switch (queue->get()) {
    case ExitKind::normal:
      return;
    case ExitKind::exception:
      throw std::runtime_error("child crashed");
    default:
      return;  // killed and shutdown come from outside
  }
}

grove::ChildSpec child(const std::shared_ptr<Probe>& probe, const std::string& name, Restart restart) {
  return grove::fiber_child(name, {.restart = restart, .shutdown = 100ms}, child_body, probe, name);
}

bool restarts(Restart r, ExitKind e) {
  if (r == Restart::permanent) return true;
  if (r == Restart::temporary) return false;
  return e == ExitKind::exception || e == ExitKind::killed;
}

const char* name_of(Strategy s) {
  switch (s) {
    case Strategy::one_for_one: return "one_for_one";
    case Strategy::one_for_all: return "one_for_all";
    case Strategy::rest_for_one: return "rest_for_one";
    case Strategy::simple_one_for_one: return "simple_one_for_one";
  }
  return "?";
}
const char* name_of(Restart r) {
  switch (r) {
    case Restart::permanent: return "permanent";
    case Restart::transient: return "transient";
    case Restart::temporary: return "temporary";
  }
  return "?";
}
const char* name_of(ExitKind e) {
  switch (e) {
    case ExitKind::normal: return "normal";
    case ExitKind::exception: return "exception";
    case ExitKind::killed: return "killed";
    case ExitKind::shutdown: return "shutdown";
  }
  return "?";
}

using Case = std::tuple<Strategy, Restart, ExitKind>;

class StrategyMatrix : public SupervisionTest, public ::testing::WithParamInterface<Case> {};

TEST_P(StrategyMatrix, RestartsWhatOtpRestarts) {
  const auto [strategy, restart, exit] = GetParam();
  auto probe = std::make_shared<Probe>();
  const grove::SupervisorConfig config{.strategy = strategy, .intensity = 10, .period = 5s};

  std::map<std::string, std::string> id_of;  // child name -> supervisor id
  std::optional<grove::Supervisor> holder;
  if (strategy == Strategy::simple_one_for_one) {
    holder.emplace(config, grove::child_template<std::string, Restart>("w", [probe](std::string name, Restart r) {
                     return child(probe, name, r);
                   }));
    holder->start();
    for (std::string name : {"a", "b", "c"})
      id_of[name] = holder->start_child(name, name == "b" ? restart : Restart::permanent).id;
  } else {
    holder.emplace(config, std::vector<grove::ChildSpec>{child(probe, "a", Restart::permanent), child(probe, "b", restart),
                                                         child(probe, "c", Restart::permanent)});
    holder->start();
    for (std::string name : {"a", "b", "c"}) id_of[name] = name;
  }
  grove::Supervisor& sup = *holder;
  settle();
  ASSERT_EQ(probe->starts, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));

  auto fiber_of = [&](const std::string& name) {
    for (auto& c : sup.which_children())
      if (c.id == id_of[name]) return c.fiber;
    return grove::Fiber<>();
  };
  grove::Fiber<> b = fiber_of("b");
  ASSERT_TRUE(b);
  switch (exit) {
    case ExitKind::normal:
    case ExitKind::exception:
      probe->orders["b"]->put(exit);
      break;
    case ExitKind::killed:
      b.kill(grove::FiberExit(grove::ExitReason::killed()));
      break;
    case ExitKind::shutdown:
      b.kill(grove::FiberExit(grove::ExitReason::shutdown()));
      break;
  }
  settle();
  settle();
  EXPECT_TRUE(b.dead());

  const bool again = restarts(restart, exit);
  std::map<std::string, int> expected{{"a", 1}, {"b", again ? 2 : 1}, {"c", 1}};
  if (again && strategy == Strategy::one_for_all) expected = {{"a", 2}, {"b", 2}, {"c", 2}};
  if (again && strategy == Strategy::rest_for_one) expected = {{"a", 1}, {"b", 2}, {"c", 2}};
  EXPECT_EQ(probe->starts, expected);
  EXPECT_EQ(sup.restart_count(), again ? 1u : 0u);

  // b's spec: kept and running when restarted; removed when temporary (or
  // dynamic and not restarted); kept but idle for a transient that ended.
  const bool removed = !again && (restart == Restart::temporary || strategy == Strategy::simple_one_for_one);
  auto counts = sup.count_children();
  EXPECT_EQ(counts.specs, removed ? 2u : 3u);
  EXPECT_EQ(counts.active, again ? 3u : 2u);
  grove::Fiber<> now_b = fiber_of("b");
  EXPECT_EQ(static_cast<bool>(now_b), again);
  if (again) {
    EXPECT_FALSE(now_b == b);
  }

  EXPECT_TRUE(sup.running());
  sup.stop();
  EXPECT_FALSE(sup.running());
  EXPECT_EQ(sup.fiber().exit_reason(), grove::ExitReason::normal());
}

INSTANTIATE_TEST_SUITE_P(
    Otp, StrategyMatrix,
    ::testing::Combine(::testing::Values(Strategy::one_for_one, Strategy::one_for_all, Strategy::rest_for_one,
                                         Strategy::simple_one_for_one),
                       ::testing::Values(Restart::permanent, Restart::transient, Restart::temporary),
                       ::testing::Values(ExitKind::normal, ExitKind::exception, ExitKind::killed, ExitKind::shutdown)),
    [](const ::testing::TestParamInfo<Case>& info) {
      return std::string(name_of(std::get<0>(info.param))) + "_" + name_of(std::get<1>(info.param)) + "_" +
             name_of(std::get<2>(info.param));
    });

}  // namespace
