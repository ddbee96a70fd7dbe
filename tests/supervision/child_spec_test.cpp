// child_spec_test.cpp — ChildSpec values: Shutdown conversions, options,
// fiber_child starting a fresh fiber from copies at every start, and
// child_template's argument check.

#include <grove/child_spec.hpp>

#include <grove/fiber.hpp>

#include "supervision_test_support.hpp"

#include <any>
#include <memory>
#include <string>

using namespace std::chrono_literals;

namespace {

class ChildSpecTest : public SupervisionTest {};

TEST_F(ChildSpecTest, ShutdownIsATimeoutBrutalKillOrInfinity) {
  grove::Shutdown graceful = 250ms;
  EXPECT_EQ(graceful.timeout, grove::Duration(250ms));
  EXPECT_FALSE(graceful.brutal);
  EXPECT_EQ(grove::Shutdown{}.timeout, grove::Duration(5s));
  EXPECT_TRUE(grove::brutal_kill.brutal);
  EXPECT_EQ(grove::Shutdown::infinity().timeout, grove::Duration::max());
  EXPECT_EQ(grove::Shutdown(std::chrono::milliseconds::max()), grove::Shutdown::infinity());
  EXPECT_THROW(grove::Shutdown(-1ms), grove::UsageError);
}

TEST_F(ChildSpecTest, OptionsFillTheSpec) {
  auto spec = grove::fiber_child("x", {.restart = grove::Restart::temporary, .shutdown = grove::brutal_kill}, [] {});
  EXPECT_EQ(spec.id, "x");
  EXPECT_EQ(spec.restart, grove::Restart::temporary);
  EXPECT_TRUE(spec.shutdown.brutal);
  EXPECT_EQ(spec.type, grove::ChildType::worker);
  EXPECT_FALSE(spec.retire);
  auto defaults = grove::fiber_child("y", {}, [] {});
  EXPECT_EQ(defaults.restart, grove::Restart::permanent);
  EXPECT_EQ(defaults.shutdown, grove::Shutdown(5s));
}

TEST_F(ChildSpecTest, FiberChildStartsAFreshFiberFromCopiesEachTime) {
  auto calls = std::make_shared<int>(0);
  auto spec = grove::fiber_child(
      "adder", {},
      [calls](std::string s, int n) {
        s += "!";  // mutates its own copy only
        *calls += n + static_cast<int>(s.size());
        return 7;  // a value-returning fiber is fine
      },
      std::string("ab"), 10);
  grove::Fiber<> one = spec.start();
  grove::Fiber<> two = spec.start();
  EXPECT_FALSE(one == two);
  one.join();
  two.join();
  EXPECT_EQ(*calls, 26);
}

TEST_F(ChildSpecTest, TemplateChecksItsArgumentTypes) {
  auto tmpl = grove::child_template<std::string, int>("w", [](std::string name, int n) {
    return grove::fiber_child(name + std::to_string(n), {}, [] {});
  });
  EXPECT_EQ(tmpl.id, "w");
  std::any good = std::tuple<std::string, int>("a", 1);
  EXPECT_EQ(tmpl.instantiate(good).id, "a1");
  std::any bad = std::tuple<const char*, int>("a", 1);
  try {
    tmpl.instantiate(bad);
    FAIL() << "expected UsageError";
  } catch (const grove::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("template 'w' takes"), std::string::npos) << e.what();
  }
}

}  // namespace
