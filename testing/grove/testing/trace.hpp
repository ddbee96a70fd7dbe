#pragma once
// trace.hpp — Trace, a JSON record of the actor messages of a run, to
// compare with a golden file:
//
//   TEST(Chat, Flow) {
//     grove::testing::Trace trace;             // observes this thread from now on
//     ... run the actors ...
//     EXPECT_TRUE(trace.compare_with_golden("tests/golden/Chat.Flow.json"));
//     trace.write_if_requested();             // $GROVE_TRACE_DIR/Chat.Flow.json
//   }
//
// Every send, receive and drop (grove::MessageObserver) becomes an object
// {"seq", "event", "from", "to", "type", ..., "payload"} in order: seq is a
// logical sequence number (1, 2, ...); "from" appears when the sender is
// known; "payload" when the message offers to_json() (or its type was
// given to describe<T>()); "ask"/"reply" mark request/reply traffic;
// drops carry "reason" (dead_actor, shed, rejected, leftover, crashed) and
// "detail". With TraceOptions::time, "t_us" is the hub's clock in
// microseconds since the trace began: exact under a virtual clock, noise
// under the real one, hence off by default so real-time traces compare.
// A Trace installs itself as this thread's observer for its lifetime (the
// previous one is restored after); it sees only this thread's events.

#include <grove/duration.hpp>
#include <grove/message_observer.hpp>
#include <grove/testing/test_name.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

namespace grove::testing {

struct TraceOptions {
  bool time = false;     // record "t_us", the hub's clock since the trace began
  bool payloads = true;  // record "payload" where a message offers one
};

class Trace final : public MessageObserver {
 public:
  explicit Trace(TraceOptions options = {});
  ~Trace() override;
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // describe<T>() renders T's payload as nlohmann::json(value), i.e.
  // through nlohmann's to_json(json&, const T&) found by ADL, for message
  // types that offer that instead of a member to_json().
  template <class T>
  void describe() {
    describers_[std::type_index(typeid(T))] = [](const void* p) { return nlohmann::json(*static_cast<const T*>(p)); };
  }

  std::size_t size() const noexcept { return events_.size(); }
  // json() is the array of events; dump() is the same text one event a
  // line, as golden files hold it.
  nlohmann::json json() const;
  std::string dump() const;
  // clear() forgets the events so far (seq starts again at 1).
  void clear() noexcept;

  // compare_with_golden(path) succeeds when the events equal the golden
  // file's; otherwise its message shows a line diff (one event a line).
  // With GROVE_UPDATE_GOLDEN=1 in the environment it (re)writes the file
  // instead and succeeds.
  ::testing::AssertionResult compare_with_golden(const std::filesystem::path& path) const;

  // write_if_requested(name) writes the trace to $GROVE_TRACE_DIR/<name>.json
  // when GROVE_TRACE_DIR is set (creating the folder; '/' in the name
  // becomes '_') and returns the path; name defaults to the running
  // GoogleTest test's "Suite.Test". Without GROVE_TRACE_DIR it does nothing.
  std::optional<std::filesystem::path> write_if_requested(std::string_view name = {}) const;

  // type_name(t) is how the trace names a type: grove::readable_type_name
  // (dead_letters.hpp), demangled without "(anonymous namespace)::", the
  // name the dead-letter log uses too.
  static std::string type_name(const std::type_info& type);

 private:
  void on_event(const MessageEvent& event) noexcept override;
  // Faults are the business of the observer beneath (a FaultPlan made first).
  MessageFault inject(const MessageEvent& event) noexcept override {
    return previous_ ? previous_->inject(event) : MessageFault::none;
  }
  nlohmann::json payload_of(const MessageEvent& event) const;

  TraceOptions options_;
  MessageObserver* previous_;
  TimePoint start_{};
  std::vector<nlohmann::ordered_json> events_;  // keys in the order written
  std::map<std::type_index, std::function<nlohmann::json(const void*)>> describers_;
};

}  // namespace grove::testing
