#pragma once
// simulated_hub.hpp — SimulatedHub: a grove::testing::Simulation for one
// test body, so a test that asserts timing measures exact virtual time
// instead of wall-clock bounds:
//
//   TEST_F(WaitTest, JoinallWaitsForAllAndReturnsAll) {
//     grove::test::SimulatedHub sim;   // after the fixture's fresh hub
//     ...
//     EXPECT_EQ(sim.now() - t0, 30ms);
//   }
//
// The Simulation replaces the fixture's hub for the test's duration; its end
// checks on the simulated hub what HubTest's TearDown checks on an ordinary
// one: no fiber is left. Only for behaviour that needs no real I/O (sockets,
// signals, ThreadPool jobs run in real time: see docs/testing.md).

#include <grove/testing/simulation.hpp>

#include <grove/hub.hpp>

#include <gtest/gtest.h>

namespace grove::test {

class SimulatedHub : public grove::testing::Simulation {
 public:
  SimulatedHub() = default;
  SimulatedHub(const SimulatedHub&) = delete;
  SimulatedHub& operator=(const SimulatedHub&) = delete;
  ~SimulatedHub() { EXPECT_EQ(hub().fiber_count(), 0u) << "a test left fibers running (simulated hub)"; }
};

}  // namespace grove::test
