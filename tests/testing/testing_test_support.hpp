#pragma once
// testing_test_support.hpp — helpers shared by the test kit's suites: a
// fresh hub per test (no fiber may outlive it) and the echo handlers that
// run unchanged on TCP and in memory.

#include <grove/hub.hpp>
#include <grove/stream.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"  // HubTest: a fresh hub per test, no fiber may outlive it

#include <chrono>
#include <string>
#include <string_view>

namespace grove::test {

using namespace std::chrono_literals;

// echo_lines() is the line echo of the io suites' StreamServer tests.
inline void echo_lines(Stream& s) {
  for (;;) {
    std::string line = s.read_line(1024);
    if (line.empty()) return;
    s.send_all(line);
  }
}

// echo_bytes() is grove-echo's handler (samples/echo).
inline void echo_bytes(Stream& stream) {
  boost::system::error_code ec;
  for (;;) {
    std::string_view data = stream.recv_view(4096, ec);
    if (data.empty()) return;
    stream.send_all(data, ec);
    if (ec) return;
  }
}

// elapsed() is how much of the hub's clock passed since t0.
inline Duration elapsed(TimePoint t0) { return hub().now() - t0; }

}  // namespace grove::test
