#pragma once
// links_test_support.hpp — what the links suites (links_*test.cpp, one executable fibers_links_test) share.

#include <grove/links.hpp>

#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include "exit_reason_printer.hpp"
#include "hub_fixture.hpp"
#include "log_capture.hpp"
#include "simulated_hub.hpp"

#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using Kind = grove::ExitReason::Kind;

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

struct Flag {
  bool* set;
  ~Flag() { *set = true; }
};

using CaptureLog = grove::test::LogCapture;

using LinksTest = grove::test::HubTest;

// A fiber that parks until killed (or `release` is set) and returns "done".
inline grove::Fiber<std::string> parked(grove::Event& release, bool* destroyed = nullptr) {
  return grove::spawn([&release, destroyed] {
    bool dummy = false;
    Flag f{destroyed ? destroyed : &dummy};
    release.wait();
    return std::string("done");
  });
}

}  // namespace
