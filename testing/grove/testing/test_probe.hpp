#pragma once
// test_probe.hpp — TestProbe<Message>: an actor for tests. Hand its ref()
// to the code under test, then assert on what arrives:
//
//   grove::testing::TestProbe<Msg> probe("client");
//   server.send(Subscribe{probe.ref()});
//   auto welcome = probe.expect<Welcome>(1s);   // the next message, a Welcome
//   probe.expect_no_message(500ms);             // nothing else for 500 ms
//
// expect(), fish_for() and receive_n() take a grove::Deadline (a duration
// or a TimePoint of the hub's clock) and throw ProbeFailure (the test fails
// with its message) on a timeout or a message of the wrong type;
// expect_no_message(d) waits the duration d and records a non-fatal failure
// if a message comes. A negative or NaN timeout is a UsageError naming the
// call (e.g. "TestProbe::fish_for"), never a silent poll. Under a Simulation the
// timeouts are virtual and cost no real time, and inclusive: a message sent
// at the deadline's very instant is on time. Messages the test never
// consumed fail the test when the probe is destroyed (or at the fixture's
// TearDown). An ask sent to the probe is answered with reply(value) after
// the test has taken it. Use a probe from its hub's thread only.

#include <grove/testing/detail/probe_base.hpp>
#include <grove/testing/simulation.hpp>

#include <grove/actor.hpp>
#include <grove/deadline.hpp>
#include <grove/duration.hpp>
#include <grove/hub.hpp>
#include <grove/queue.hpp>
#include <grove/queue_errors.hpp>

#include <gtest/gtest.h>
#include <boost/core/demangle.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace grove::testing {

// ProbeFailure is how a probe's expectation fails: thrown, so that the test
// (or the fiber) stops at the failed expectation.
class ProbeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

template <class M>
struct ProbeInbox;

// ProbeActor puts every message it receives, with the reply address of an
// ask, into the probe's inbox.
template <class M>
class ProbeActor final : public Actor<M> {
 public:
  using Reply = typename Actor<M>::Deferred;
  explicit ProbeActor(std::shared_ptr<ProbeInbox<M>> inbox) : inbox_(std::move(inbox)) {}

 protected:
  void receive(M& message) override;

 private:
  std::shared_ptr<ProbeInbox<M>> inbox_;
};

template <class M>
struct ProbeInbox {
  struct Received {
    M message;
    std::unique_ptr<typename ProbeActor<M>::Reply> reply;  // set for an ask
  };
  Queue<Received> queue;
};

template <class M>
void ProbeActor<M>::receive(M& message) {
  std::unique_ptr<Reply> reply;
  if (this->asking()) reply = std::make_unique<Reply>(this->defer_reply());
  inbox_->queue.put_nowait({std::move(message), std::move(reply)});
}

template <class T>
std::string type_name() {
  return boost::core::demangle(typeid(T).name());
}

template <class T>
struct is_variant : std::false_type {};
template <class... A>
struct is_variant<std::variant<A...>> : std::true_type {};

}  // namespace detail

template <class M>
class TestProbe final : private detail::ProbeBase {
  using Inbox = detail::ProbeInbox<M>;
  using Received = typename Inbox::Received;

 public:
  // TestProbe(name, default_timeout) starts the probe's actor on this
  // thread's hub (and registers it with the running Simulation, if any).
  // default_timeout (a duration: it counts from each call) is what
  // expect(), fish_for(pred) and receive_n(n) wait; a negative one is a
  // UsageError.
  explicit TestProbe(std::string name = "probe", Duration default_timeout = std::chrono::seconds(3))
      : inbox_(std::make_shared<Inbox>()),
        default_timeout_(to_duration(default_timeout, "TestProbe")),
        sim_(Simulation::current()) {
    ref_ = spawn_actor<detail::ProbeActor<M>>(ActorOptions{.name = std::move(name), .mailbox = {}}, inbox_);
    if (sim_) sim_->attach(*this);
  }
  // ~TestProbe() fails the test if messages were left unconsumed, and
  // stops the actor.
  ~TestProbe() override {
    if (std::string left = take_unconsumed(); !left.empty()) ADD_FAILURE() << left;
    if (sim_ && Simulation::current() == sim_) sim_->detach(*this);
    try {
      if (Hub::exists() && ref_.fiber().base()->hub == &grove::hub()) ref_.fiber().kill(false);
    } catch (...) {
    }
  }
  TestProbe(const TestProbe&) = delete;
  TestProbe& operator=(const TestProbe&) = delete;

  ActorRef<M> ref() const { return ref_; }
  const std::string& name() const { return ref_.name(); }
  // pending() is how many messages arrived that the test has not taken.
  std::size_t pending() const { return inbox_->queue.size() + ref_.mailbox_size(); }

  // expect<T>(timeout) is the next message, which must be a T: M itself or
  // one alternative of a variant M. It throws ProbeFailure otherwise.
  template <class T = M>
  T expect(Deadline timeout) {
    Received r = next(timeout, "TestProbe::expect", "expect<" + detail::type_name<T>() + ">");
    if constexpr (std::is_same_v<T, M>) {
      return std::move(r.message);
    } else {
      static_assert(detail::is_variant<M>::value,
                    "expect<T>: T must be the probe's message type or one of its variant's alternatives");
      if (T* v = std::get_if<T>(&r.message)) return std::move(*v);
      throw ProbeFailure(head() + "expected a " + detail::type_name<T>() + " but got " +
                         ::testing::PrintToString(r.message));
    }
  }
  template <class T = M>
  T expect() {
    return expect<T>(default_timeout_);
  }

  // expect_no_message(d) waits the duration d and records a failure
  // (non-fatal) if any message arrives meanwhile; that message is consumed.
  // A negative or NaN d is a UsageError.
  template <class Rep, class Period>
  void expect_no_message(std::chrono::duration<Rep, Period> d) {
    const Duration wait = to_duration(d, "TestProbe::expect_no_message");
    const TimePoint now = grove::hub().now();
    if (std::optional<Received> r = try_next(deadline_after(now, wait)))
      ADD_FAILURE() << head() << "expected no message for " << format(now, deadline_after(now, wait)) << " but got "
                    << ::testing::PrintToString(r->message);
  }

  // fish_for(pred, timeout) skips messages until pred(message) is true and
  // returns that one; ProbeFailure if none comes in time.
  template <class Pred>
  M fish_for(Pred pred, Deadline timeout) {
    const TimePoint start = grove::hub().now();
    const TimePoint deadline = timeout.resolve(start, "TestProbe::fish_for");
    std::size_t skipped = 0;
    for (;;) {
      std::optional<Received> r = try_next(deadline);
      if (!r)
        throw ProbeFailure(head() + "fish_for: no matching message within " + format(start, deadline) + " (" +
                           std::to_string(skipped) + " skipped)");
      if (pred(static_cast<const M&>(r->message))) return std::move(r->message);
      ++skipped;
    }
  }
  template <class Pred>
  M fish_for(Pred pred) {
    return fish_for(std::move(pred), default_timeout_);
  }

  // receive_n(n, timeout) is the next n messages, all within timeout.
  std::vector<M> receive_n(std::size_t n, Deadline timeout) {
    const TimePoint start = grove::hub().now();
    const TimePoint deadline = timeout.resolve(start, "TestProbe::receive_n");
    std::vector<M> out;
    out.reserve(n);
    while (out.size() < n) {
      std::optional<Received> r = try_next(deadline);
      if (!r)
        throw ProbeFailure(head() + "receive_n: got " + std::to_string(out.size()) + " of " + std::to_string(n) +
                           " messages within " + format(start, deadline));
      out.push_back(std::move(r->message));
    }
    return out;
  }
  std::vector<M> receive_n(std::size_t n) { return receive_n(n, default_timeout_); }

  // reply(value) answers the ask that brought the message taken last; it
  // throws UsageError when that message was not an ask (or was answered).
  template <class R>
  void reply(R&& value) {
    take_reply().reply(std::forward<R>(value));
  }
  void reply() { take_reply().reply(); }
  // can_reply() is true when the message taken last is an unanswered ask.
  bool can_reply() const noexcept { return last_reply_ != nullptr; }

 private:
  std::string head() const { return "grove::testing::TestProbe '" + ref_.name() + "': "; }
  // format(start, deadline) is the time a call starting at start had.
  static std::string format(TimePoint start, TimePoint deadline) {
    if (deadline == TimePoint::max()) return "no deadline";
    const Duration d = deadline > start ? deadline - start : Duration::zero();
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
  }

  // try_next() takes the next message (remembering its reply address), or
  // nothing if none arrives by deadline (a poll if it has passed).
  std::optional<Received> try_next(TimePoint deadline) {
    if (deadline <= grove::hub().now()) {
      std::optional<Received> r = inbox_->queue.try_get();
      if (!r) return std::nullopt;
      return take(std::move(*r));
    }
    try {
      return take(inbox_->queue.get(deadline));
    } catch (const QueueEmpty&) {
    }
    // The deadline is inclusive: what other fibers send at this very
    // instant (woken by the same timer tick) still counts.
    if (Simulation* sim = Simulation::current()) sim->advance(Duration::zero());
    std::optional<Received> r = inbox_->queue.try_get();
    if (!r) return std::nullopt;
    return take(std::move(*r));
  }
  std::optional<Received> take(Received r) {
    last_reply_ = std::move(r.reply);
    return std::optional<Received>(std::in_place, std::move(r));
  }
  Received next(Deadline timeout, const char* call, const std::string& what) {
    const TimePoint start = grove::hub().now();
    const TimePoint deadline = timeout.resolve(start, call);
    std::optional<Received> r = try_next(deadline);
    if (!r) throw ProbeFailure(head() + what + ": no message within " + format(start, deadline));
    return std::move(*r);
  }
  typename detail::ProbeActor<M>::Reply take_reply() {
    if (!last_reply_)
      throw UsageError("grove::testing::TestProbe::reply: the message taken last was not an ask, or it was answered");
    return std::move(*std::exchange(last_reply_, nullptr));
  }

  std::string take_unconsumed() override {
    std::string out;
    std::size_t n = 0;
    while (std::optional<Received> r = inbox_->queue.try_get()) {
      out += "\n  " + ::testing::PrintToString(r->message);
      ++n;
    }
    if (const std::size_t queued = ref_.alive() ? ref_.mailbox_size() : 0; queued > 0) {
      out += "\n  ... and " + std::to_string(queued) + " still in its mailbox";
      n += queued;
    }
    if (n == 0) return out;
    return head() + std::to_string(n) +
           " message(s) received but never consumed (expect them, or "
           "expect_no_message() if none should come):" +
           out;
  }
  void stop() override {
    if (ref_.fiber() && !ref_.fiber().dead()) ref_.fiber().kill();
  }

  std::shared_ptr<Inbox> inbox_;
  Duration default_timeout_;
  Simulation* sim_;
  ActorRef<M> ref_;
  std::unique_ptr<typename detail::ProbeActor<M>::Reply> last_reply_;
};

}  // namespace grove::testing
