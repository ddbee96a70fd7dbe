#pragma once
// fiber_test_support.hpp — what the Fiber suites (fiber_*test.cpp, one executable fibers_fiber_test) share.

#include <grove/fiber.hpp>  // first: proves the header is self-contained

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

using FiberTest = grove::test::HubTest;

struct SetOnDestroy {
  bool* flag;
  ~SetOnDestroy() { *flag = true; }
};

struct CopyCounter {
  static inline int copies = 0;
  int value = 0;
  explicit CopyCounter(int v) : value(v) {}
  CopyCounter(const CopyCounter& o) : value(o.value) { ++copies; }
  CopyCounter(CopyCounter&& o) noexcept : value(o.value) {}
};

struct Custom : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class F, class... A>
concept Spawnable = requires(F f, A&&... a) {
  grove::spawn(f, std::forward<A>(a)...);
};

struct TakesUnique {
  int operator()(std::unique_ptr<int> p) const { return *p; }
};

inline std::string what_of(const std::exception_ptr& e) {
  try {
    if (e) std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  }
  return {};
}

}  // namespace
