#pragma once
// hub_test_support.hpp — what the hub suites (hub_*test.cpp, one executable fibers_hub_test) share.

#include <grove/hub.hpp>  // first: proves the header is self-contained

#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include "hub_fixture.hpp"
#include "log_capture.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using HubTest = grove::test::HubTest;

using HubDeathTest = HubTest;

inline std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

using grove::test::LogCapture;

struct SetOnDestroy {
  bool* flag;
  ~SetOnDestroy() { *flag = true; }
};

// Uses about 8 KiB of stack per 32 levels (256-byte frames plus overhead).
[[gnu::noinline]] inline int recurse(int depth) {
  volatile char buf[256];
  for (auto& c : buf) c = static_cast<char>(depth);
  if (depth == 0) return buf[17];
  return recurse(depth - 1) + (buf[255] == static_cast<char>(depth) ? 1 : 0);
}

}  // namespace
