// test_name.cpp — the running GoogleTest test's name.

#include <grove/testing/test_name.hpp>

#include <gtest/gtest.h>

namespace grove::testing {

std::string current_test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!info) return {};
  return std::string(info->test_suite_name()) + "." + info->name();
}

}  // namespace grove::testing
