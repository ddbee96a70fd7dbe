// hub_id_test.cpp — HubId and this_hub(): a hub of a Runtime knows its
// index; anywhere else this_hub() is a UsageError.

#include <grove/hub_id.hpp>

#include <grove/runtime.hpp>

#include "hub_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace {

using grove::HubId;
using HubIdTest = grove::test::HubTest;

TEST_F(HubIdTest, HubIdsCompareByIndex) {
  EXPECT_EQ(HubId{1}, HubId{1});
  EXPECT_LT(HubId{0}, HubId{1});
  EXPECT_EQ(HubId{}.index, 0u);
}

TEST_F(HubIdTest, ThisHubOutsideARuntimeIsAUsageError) {
  EXPECT_FALSE(grove::on_runtime_hub());
  try {
    (void)grove::this_hub();
    FAIL() << "this_hub() answered on main";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not a hub of a grove::Runtime"), std::string::npos) << e.what();
  }
  bool plain_thread_threw = false;
  std::thread plain([&] {
    try {
      (void)grove::this_hub();
    } catch (const grove::UsageError&) {
      plain_thread_threw = true;
    }
  });
  plain.join();
  EXPECT_TRUE(plain_thread_threw);
}

TEST_F(HubIdTest, ThisHubOnEachHubIsItsIndex) {
  grove::Runtime rt({.hubs = 2});
  for (HubId h : rt.hubs()) {
    EXPECT_EQ(rt.spawn_on(h, [] { return grove::this_hub(); }).get(), h);
    EXPECT_TRUE(rt.spawn_on(h, [] { return grove::on_runtime_hub(); }).get());
  }
}

}  // namespace
