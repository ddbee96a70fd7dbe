#pragma once
// testing.hpp — grove::testing, the deterministic test kit: virtual time and
// seeded scheduling (Simulation), explore() over many seeds, FaultPlan, TestProbe and
// the DeterministicTest fixture, Trace, and the in-memory network. Link
// grove::testing (it needs GoogleTest and nlohmann_json).

#include <grove/testing/deterministic_test.hpp>
#include <grove/testing/explore.hpp>
#include <grove/testing/fault_plan.hpp>
#include <grove/testing/memory_network.hpp>
#include <grove/testing/memory_server.hpp>
#include <grove/testing/prng.hpp>
#include <grove/testing/simulation.hpp>
#include <grove/testing/simulation_policy.hpp>
#include <grove/testing/test_name.hpp>
#include <grove/testing/test_probe.hpp>
#include <grove/testing/trace.hpp>
