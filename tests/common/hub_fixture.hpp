#pragma once
// hub_fixture.hpp — the fixture every suite shares: each test starts on a
// fresh hub of its own thread and must leave no fiber behind. A suite that
// needs more (members, extra set-up) derives from HubTest and calls its
// SetUp()/TearDown(); a parameterized suite adds
// ::testing::WithParamInterface<P>.

#include <grove/hub.hpp>

#include <gtest/gtest.h>

namespace grove::test {

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override { grove::Hub::destroy_current(); }
  void TearDown() override {
    EXPECT_EQ(grove::hub().fiber_count(), 0u) << "a test left fibers running";
    grove::Hub::destroy_current();
  }
};

}  // namespace grove::test
