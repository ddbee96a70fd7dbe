#pragma once
// actors_test_support.hpp — what the actor suites share: a fixture with a
// fresh hub and zeroed dead-letter counters, and Probe, an actor that
// logs what it gets and does what its messages say.

#include <grove/actor.hpp>
#include <grove/dead_letters.hpp>
#include <grove/event.hpp>
#include <grove/hub.hpp>
#include <grove/this_fiber.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace grove::test {

class ActorTest : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    dead_letters().reset();
  }
  static std::uint64_t dead(DeadLetterReason r) { return dead_letters().count(r); }
};

struct Add {
  int a, b;
};
struct Fail {};    // receive() throws std::domain_error("boom")
struct Silent {};  // returns without answering
struct Defer {};   // keeps the reply address
struct Resolve {
  int value;
};  // answers the deferred ask
struct Hold {
  Event* gate;
};  // blocks inside receive() until gate is set
struct Stop {};
struct WrongType {};  // replies with a string
struct ReplyTwice {};
using Msg = std::variant<int, std::string, Add, Fail, Silent, Defer, Resolve, Hold, Stop, WrongType, ReplyTwice>;

struct ProbeConfig {
  std::vector<std::string>* log = nullptr;
  bool trap_exits = false;
};

class Probe : public Actor<Msg> {
 public:
  explicit Probe(ProbeConfig config = {}) : config_(config) {}

  // Public doors to the protected hooks, for tests.
  using Actor<Msg>::link;
  using Actor<Msg>::monitor;

 protected:
  void note(std::string line) {
    if (config_.log) config_.log->push_back(std::move(line));
  }
  void on_start() override {
    if (config_.trap_exits) trap_exits();
    note("start");
  }
  void on_stop() override { note("stop"); }
  void on_exit(const ExitSignal& s) override { note("exit " + s.reason.to_string()); }
  void on_down(const Down& d) override { note("down " + d.reason.to_string()); }
  void receive(Msg& m) override {
    match(
        m, [&](int v) { note("int " + std::to_string(v)); }, [&](std::string& s) { note(s); },
        [&](Add& a) { reply(a.a + a.b); }, [&](Fail&) -> void { throw std::domain_error("boom"); }, [&](Silent&) {},
        [&](Defer&) { deferred_.emplace(defer_reply()); },
        [&](Resolve& r) {
          if (deferred_) deferred_->reply(r.value);
          deferred_.reset();
        },
        [&](Hold& h) {
          note("hold");
          h.gate->wait();
          note("held");
        },
        [&](Stop&) { stop(); }, [&](WrongType&) { reply(std::string("not an int")); },
        [&](ReplyTwice&) {
          reply(1);
          try {
            reply(2);
          } catch (const UsageError&) {
            note("second reply refused");
          }
        });
  }

 private:
  ProbeConfig config_;
  std::optional<Deferred> deferred_;
};

}  // namespace grove::test
