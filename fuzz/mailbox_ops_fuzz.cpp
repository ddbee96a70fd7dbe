// mailbox_ops_fuzz.cpp — an API-sequence fuzzer for the actor Mailbox
// (mailbox/grove/mailbox.hpp): the input picks a capacity, an overflow
// policy and a block timeout, then a program of sends (each blocking send
// in a fiber of its own), receives with a timeout (one consumer fiber at a
// time), close and clock advances, run on the test kit's Simulation
// (virtual time) against a model: a std::deque of queued messages, the
// FIFO list of blocked senders, and the exact sequence of dead letters
// (message, reason, queued) the mailbox's dead-letter hook must report.
// Nothing may be lost: every message sent is received or dead-lettered,
// once. Any divergence aborts.
#include <grove/mailbox.hpp>
#include <grove/testing/simulation.hpp>

#include <grove/fiber.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;

[[noreturn]] void diverged(const char* what, long expected, long actual) {
  std::fprintf(stderr, "mailbox_ops: model divergence: %s (expected %ld, got %ld)\n", what, expected, actual);
  std::abort();
}

void check_eq(long expected, long actual, const char* what) {
  if (expected != actual) diverged(what, expected, actual);
}

struct DeadLetter {
  int id;
  grove::DeadLetterReason reason;
  bool queued;
};

// The dead letters the mailbox reported (its hook is a plain function).
std::vector<DeadLetter>* g_reported = nullptr;

void on_dead_letter(const int& id, grove::DeadLetterReason reason, bool queued, std::string_view,
                    std::string_view) noexcept {
  if (g_reported) g_reported->push_back({id, reason, queued});
}

struct Input {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool done() const { return p == end; }
  std::uint8_t next() { return p == end ? 0 : *p++; }
};

// How a send or receive ended; `none` while it is blocked.
enum class Outcome { none, delivered, shed, dead, full, received, timed_out };

struct Call {
  bool send = false;
  int id = 0;  // send: the message; receive: the message received
  std::optional<grove::TimePoint> deadline;
  Outcome actual = Outcome::none;
  Outcome expected = Outcome::none;
  int expected_id = 0;
};
using CallPtr = std::shared_ptr<Call>;

class Runner {
 public:
  Runner(grove::MailboxConfig config, grove::testing::Simulation& sim) : config_(config), sim_(sim), box_(config) {
    box_.set_dead_letter_hook(&on_dead_letter);
    g_reported = &reported_;
  }
  ~Runner() { g_reported = nullptr; }

  void run(Input& in) {
    int steps = 0;
    while (!in.done() && steps++ < 200) {
      step(in);
      settle();
    }
    // The end: every receive times out, every blocked send ends in close().
    expire(sim_.now() + 16ms);
    sim_.advance(16ms);
    close();
    settle();
    sim_.run_until_idle();
    check_eq(0, static_cast<long>(calls_.size()), "calls still blocked at the end");
    check_eq(0, static_cast<long>(sim_.hub().fiber_count()), "fibers left at the end");
    check_eq(sent_, received_ + static_cast<long>(reported_.size()), "sent = received + dead-lettered");
  }

 private:
  bool full() const { return config_.capacity != 0 && model_.size() >= config_.capacity; }
  void dead(int id, grove::DeadLetterReason reason, bool queued) { expected_dead_.push_back({id, reason, queued}); }

  void step(Input& in) {
    const std::uint8_t op = in.next() % 8;
    if (op <= 2) return send();
    if (op <= 4) return receive(in);
    if (op == 5) return close();
    const auto d = std::chrono::milliseconds(in.next() % 20);
    expire(sim_.now() + d);
    sim_.advance(d);
  }

  // expire(until): the model's timed-out calls by `until`, in deadline
  // order (the simulation fires timers so).
  void expire(grove::TimePoint until) {
    for (;;) {
      CallPtr first;
      for (auto& c : pending_)
        if (c->deadline && *c->deadline <= until && (!first || *c->deadline < *first->deadline)) first = c;
      if (!first) return;
      if (first->send) {
        first->expected = Outcome::full;
        dead(first->id, grove::DeadLetterReason::rejected, false);
      } else {
        first->expected = Outcome::timed_out;
        consumer_busy_ = false;
      }
      std::erase(pending_, first);
    }
  }

  void send() {
    auto call = std::make_shared<Call>();
    call->send = true;
    call->id = ++sent_;
    using grove::Overflow;
    if (closed_) {
      call->expected = Outcome::dead;
      dead(call->id, grove::DeadLetterReason::dead_actor, false);
    } else if (!full()) {
      call->expected = Outcome::delivered;
      model_.push_back(call->id);
    } else if (config_.overflow == Overflow::drop_newest) {
      call->expected = Outcome::shed;
      dead(call->id, grove::DeadLetterReason::shed, false);
    } else if (config_.overflow == Overflow::drop_oldest) {
      call->expected = Outcome::delivered;
      dead(model_.front(), grove::DeadLetterReason::shed, true);
      model_.pop_front();
      model_.push_back(call->id);
    } else if (config_.overflow == Overflow::fail || config_.block_timeout == grove::Duration::zero()) {
      call->expected = Outcome::full;
      dead(call->id, grove::DeadLetterReason::rejected, false);
    } else {
      if (config_.block_timeout != grove::Duration::max()) call->deadline = sim_.now() + config_.block_timeout;
      pending_.push_back(call);
    }
    calls_.push_back(call);
    fibers_.push_back(grove::spawn([this, call] {
      try {
        switch (box_.send(call->id)) {
          case grove::SendStatus::delivered:
            call->actual = Outcome::delivered;
            break;
          case grove::SendStatus::shed:
            call->actual = Outcome::shed;
            break;
          case grove::SendStatus::dead:
            call->actual = Outcome::dead;
            break;
        }
      } catch (const grove::MailboxFull&) {
        call->actual = Outcome::full;
      }
    }));
  }

  void receive(Input& in) {
    if (consumer_busy_) return;  // one consumer at a time
    auto call = std::make_shared<Call>();
    const auto timeout = std::chrono::milliseconds(in.next() % 16);
    call->deadline = sim_.now() + timeout;
    if (!model_.empty()) {
      call->expected = Outcome::received;
      call->expected_id = model_.front();
      model_.pop_front();
    } else if (timeout == grove::Duration::zero()) {
      call->expected = Outcome::timed_out;
    } else {
      pending_.push_back(call);
      consumer_busy_ = true;
    }
    calls_.push_back(call);
    fibers_.push_back(grove::spawn([this, call, timeout] {
      const bool got = box_.receive([](grove::SystemSignal&) { std::abort(); },  // no signal is ever sent
                                    [&](int id) { call->id = id; }, timeout);
      call->actual = got ? Outcome::received : Outcome::timed_out;
    }));
  }

  // close(): queued messages become leftovers, blocked senders dead letters.
  void close() {
    if (!closed_) {
      for (int id : model_) dead(id, grove::DeadLetterReason::leftover, true);
      model_.clear();
      for (auto it = pending_.begin(); it != pending_.end();) {
        if ((*it)->send) {
          (*it)->expected = Outcome::dead;
          dead((*it)->id, grove::DeadLetterReason::dead_actor, false);
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
    }
    closed_ = true;
    box_.close();
  }

  // settle(): the model hands the next message to a blocked receive and
  // room to blocked senders, then every fiber runs until it blocks and
  // the outcomes, the size and the dead letters are compared.
  void settle() {
    for (bool moved = true; moved;) {
      moved = false;
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        auto& c = *it;
        if (!c->send && !model_.empty()) {
          c->expected = Outcome::received;
          c->expected_id = model_.front();
          model_.pop_front();
          consumer_busy_ = false;
        } else if (c->send && !full() && !closed_) {
          c->expected = Outcome::delivered;
          model_.push_back(c->id);
        } else {
          continue;
        }
        pending_.erase(it);
        moved = true;
        break;
      }
    }
    sim_.advance(grove::Duration::zero());
    for (auto& c : calls_) {
      check_eq(static_cast<long>(c->expected), static_cast<long>(c->actual),
               c->send ? "send outcome" : "receive outcome");
      if (c->expected == Outcome::received) {
        check_eq(c->expected_id, c->id, "message received");
        ++received_;
      }
    }
    std::erase_if(calls_, [](const CallPtr& c) { return c->actual != Outcome::none; });
    check_eq(static_cast<long>(model_.size()), static_cast<long>(box_.size()), "size");
    check_eq(closed_, box_.closed(), "closed");
    check_eq(static_cast<long>(expected_dead_.size()), static_cast<long>(reported_.size()), "dead letters");
    for (std::size_t i = 0; i < reported_.size(); ++i) {
      check_eq(expected_dead_[i].id, reported_[i].id, "dead letter's message");
      check_eq(static_cast<long>(expected_dead_[i].reason), static_cast<long>(reported_[i].reason),
               "dead letter's reason");
      check_eq(expected_dead_[i].queued, reported_[i].queued, "dead letter's queued");
    }
  }

  grove::MailboxConfig config_;
  grove::testing::Simulation& sim_;
  grove::Mailbox<int> box_;
  std::deque<int> model_;
  std::vector<CallPtr> pending_;        // blocked in the model, first blocked first
  std::vector<CallPtr> calls_;          // not yet seen finished
  std::vector<grove::Fiber<>> fibers_;  // the calls' fibers
  std::vector<DeadLetter> expected_dead_, reported_;
  bool closed_ = false;
  bool consumer_busy_ = false;  // a receive is blocked
  int sent_ = 0;
  long received_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, data + size};
  grove::MailboxConfig config;
  config.capacity = in.next() % 5;  // 0: unbounded
  config.overflow = static_cast<grove::Overflow>(in.next() % 4);
  const std::uint8_t t = in.next();
  config.block_timeout = t < 64 ? grove::Duration::max() : std::chrono::milliseconds(t % 16);
  grove::testing::Simulation sim;
  Runner(config, sim).run(in);
  return 0;
}
