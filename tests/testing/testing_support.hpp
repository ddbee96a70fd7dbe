#pragma once
// testing_support.hpp — failures_of(fn): the GoogleTest failures fn
// records, captured instead of failing the running test (to prove that the
// kit fails a test when it should).

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

template <class F>
std::vector<std::string> failures_of(F fn) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter capture(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    fn();
  }
  std::vector<std::string> out;
  for (int i = 0; i < results.size(); ++i)
    if (results.GetTestPartResult(i).failed()) out.emplace_back(results.GetTestPartResult(i).message());
  return out;
}

inline bool mentions(const std::vector<std::string>& failures, const std::string& text) {
  for (const auto& f : failures)
    if (f.find(text) != std::string::npos) return true;
  return false;
}
