// hook_test.cpp — <grove/hook.hpp>: enabled(), checkpoint(), and the
// run-time switch GROVE_HOOK=0 (the HookDisabled tests run in the
// hook_disabled ctest entry, which sets it; elsewhere they skip).

#include "hook_test_support.hpp"

#include <grove/hook.hpp>
#include <grove/timeout.hpp>

#include <hub_fixture.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace {

using namespace std::chrono_literals;
using grove::test::elapsed_ms;

bool hook_switched_off() {
  const char* v = std::getenv("GROVE_HOOK");
  return v && std::strcmp(v, "0") == 0;
}

class Hook : public grove::test::HubTest {};
class HookDisabled : public grove::test::HubTest {};

TEST_F(Hook, EnabledReportsTheSwitch) { EXPECT_EQ(grove::hook::enabled(), !hook_switched_off()); }

TEST_F(Hook, CheckpointWithNothingPendingDoesNothing) { EXPECT_NO_THROW(grove::hook::checkpoint()); }

TEST_F(Hook, TwoFibersSleepingHalfASecondTakeHalfASecond) {
  if (hook_switched_off()) GTEST_SKIP() << "GROVE_HOOK=0";
  const auto t0 = std::chrono::steady_clock::now();
  auto a = grove::spawn([] { ::usleep(100000); });
  auto b = grove::spawn([] { ::usleep(100000); });
  a.join();
  b.join();
  EXPECT_LT(elapsed_ms(t0), 190.0);
}

TEST_F(HookDisabled, EveryCallIsPlainWithGroveHook0) {
  if (!hook_switched_off()) GTEST_SKIP() << "runs with GROVE_HOOK=0 only (ctest entry hook_disabled)";
  EXPECT_FALSE(grove::hook::enabled());
  // The sleeps block the hub: one after the other.
  const auto t0 = std::chrono::steady_clock::now();
  auto a = grove::spawn([] { ::usleep(100000); });
  auto b = grove::spawn([] { ::usleep(100000); });
  a.join();
  b.join();
  EXPECT_GE(elapsed_ms(t0), 195.0);
}

}  // namespace
