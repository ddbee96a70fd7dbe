#pragma once
// runtime_test_support.hpp — actors and helpers the Runtime suites share.

#include <grove/actor.hpp>
#include <grove/hub_id.hpp>
#include <grove/runtime.hpp>

#include <cstddef>
#include <filesystem>
#include <iterator>
#include <thread>
#include <variant>

namespace grove::test {

// thread_count() is the number of OS threads of this process right now.
inline std::size_t thread_count() {
  // A sanitizer's own background thread (TSan's) starts with the process's
  // first other thread: start one once, so that it exists before any count.
  static const bool warmed = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)warmed;
  auto it = std::filesystem::directory_iterator("/proc/self/task");
  return static_cast<std::size_t>(std::distance(it, std::filesystem::directory_iterator{}));
}

// Where asks an actor for the index of the hub it runs on; Quit stops it
// after answering.
struct Where {};
struct Quit {};
using WhereMsg = std::variant<Where, Quit>;

class WhereActor : public grove::Actor<WhereMsg> {
 protected:
  void receive(WhereMsg& m) override {
    grove::match(
        m, [&](Where&) { reply(grove::this_hub().index); },
        [&](Quit&) {
          if (asking()) reply();
          stop();
        });
  }
};

// where(ref) is the hub index the actor answers with (any thread).
inline std::size_t where(const grove::ActorRef<WhereMsg>& ref) {
  return ref.ask<std::size_t>(Where{}, std::chrono::seconds(10)).get();
}

}  // namespace grove::test
