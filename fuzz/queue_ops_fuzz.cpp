// queue_ops_fuzz.cpp — an API-sequence fuzzer for the Queue family
// (Queue, LifoQueue, PriorityQueue, JoinableQueue): the input is a program
// of put/get/peek (nowait, try_, and blocking with or without a timeout,
// each blocking call in a fiber of its own), close, task_done and clock
// advances, run on the test kit's Simulation (virtual time, first in first
// out scheduling) against a model — a std::deque plus the FIFO lists of
// blocked putters and getters. Any divergence (order, size, full/empty,
// QueueFull/QueueEmpty/QueueShutDown, who wakes with what) aborts.
//
// The model's rules (mailbox/grove/detail/basic_queue.hpp): a blocked
// getter takes the next item as soon as there is one, the first blocked
// first; a blocked putter puts as soon as there is room; a timed-out call
// throws QueueFull/QueueEmpty at its deadline; close() wakes every blocked
// call with QueueShutDown and later gets drain what is left.
#include <grove/joinable_queue.hpp>
#include <grove/lifo_queue.hpp>
#include <grove/priority_queue.hpp>
#include <grove/queue.hpp>
#include <grove/testing/simulation.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace {

using namespace std::chrono_literals;

[[noreturn]] void diverged(const char* what, long expected, long actual) {
  std::fprintf(stderr, "queue_ops: model divergence: %s (expected %ld, got %ld)\n", what, expected, actual);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) diverged(what, 1, 0);
}

void check_eq(long expected, long actual, const char* what) {
  if (expected != actual) diverged(what, expected, actual);
}

enum class Kind { fifo, lifo, priority, joinable };
// What a call ended with; `none` while it is blocked.
enum class Outcome { none, ok, full, empty, shutdown };

struct Input {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool done() const { return p == end; }
  std::uint8_t next() { return p == end ? 0 : *p++; }
};

// A blocking call run in its own fiber: what it ended with, as the queue
// reports it (actual) and as the model predicts it (expected).
struct Call {
  bool put = false;
  int value = 0;  // put: the item; get: the item received
  std::optional<grove::TimePoint> deadline;
  Outcome actual = Outcome::none;
  Outcome expected = Outcome::none;
  int expected_value = 0;
};

template <class Q>
class Runner {
 public:
  Runner(Kind kind, std::size_t maxsize) : kind_(kind), maxsize_(maxsize), q_(maxsize) {}

  void run(Input& in, grove::testing::Simulation& sim) {
    int steps = 0;
    while (!in.done() && steps++ < 200) {
      step(in, sim);
      settle(sim);
    }
    q_.close();  // wakes whatever is still blocked
    closed_ = true;
    settle(sim);
    sim.run_until_idle();
    for (auto& c : calls_) check(c->actual != Outcome::none, "a blocked call outlived close()");
    check_eq(0, static_cast<long>(sim.hub().fiber_count()), "fibers left after close");
  }

 private:
  bool full() const { return maxsize_ != 0 && model_.size() >= maxsize_; }

  int take_model() {
    int v;
    if (kind_ == Kind::lifo) {
      v = model_.back();
      model_.pop_back();
    } else if (kind_ == Kind::priority) {
      auto it = std::min_element(model_.begin(), model_.end());
      v = *it;
      model_.erase(it);
    } else {
      v = model_.front();
      model_.pop_front();
    }
    return v;
  }
  int peek_model() const {
    if (kind_ == Kind::lifo) return model_.back();
    if (kind_ == Kind::priority) return *std::min_element(model_.begin(), model_.end());
    return model_.front();
  }

  int new_value(Input& in) { return kind_ == Kind::priority ? in.next() % 8 : ++counter_; }

  void put_model(int v) {
    model_.push_back(v);
    ++unfinished_;
  }

  void step(Input& in, grove::testing::Simulation& sim) {
    const std::uint8_t op = in.next() % 12;
    switch (op) {
      case 0: {  // put_nowait
        const int v = new_value(in);
        Outcome got = Outcome::ok;
        try {
          q_.put_nowait(v);
        } catch (const grove::QueueFull&) {
          got = Outcome::full;
        } catch (const grove::QueueShutDown&) {
          got = Outcome::shutdown;
        }
        const Outcome want = closed_ ? Outcome::shutdown : full() ? Outcome::full : Outcome::ok;
        check_eq(static_cast<long>(want), static_cast<long>(got), "put_nowait outcome");
        if (want == Outcome::ok) put_model(v);
        break;
      }
      case 1: {  // try_put
        const int v = new_value(in);
        Outcome got;
        try {
          got = q_.try_put(v) ? Outcome::ok : Outcome::full;
        } catch (const grove::QueueShutDown&) {
          got = Outcome::shutdown;
        }
        const Outcome want = closed_ ? Outcome::shutdown : full() ? Outcome::full : Outcome::ok;
        check_eq(static_cast<long>(want), static_cast<long>(got), "try_put outcome");
        if (want == Outcome::ok) put_model(v);
        break;
      }
      case 2: {  // get_nowait
        Outcome got = Outcome::ok;
        int v = -1;
        try {
          v = q_.get_nowait();
        } catch (const grove::QueueEmpty&) {
          got = Outcome::empty;
        } catch (const grove::QueueShutDown&) {
          got = Outcome::shutdown;
        }
        const Outcome want = !model_.empty() ? Outcome::ok : closed_ ? Outcome::shutdown : Outcome::empty;
        check_eq(static_cast<long>(want), static_cast<long>(got), "get_nowait outcome");
        if (want == Outcome::ok) check_eq(take_model(), v, "get_nowait item");
        break;
      }
      case 3: {  // try_get
        auto v = q_.try_get();
        check_eq(model_.empty() ? 0 : 1, v ? 1 : 0, "try_get found an item");
        if (v) check_eq(take_model(), *v, "try_get item");
        break;
      }
      case 4: {  // peek_nowait
        Outcome got = Outcome::ok;
        int v = -1;
        try {
          v = q_.peek_nowait();
        } catch (const grove::QueueEmpty&) {
          got = Outcome::empty;
        } catch (const grove::QueueShutDown&) {
          got = Outcome::shutdown;
        }
        const Outcome want = !model_.empty() ? Outcome::ok : closed_ ? Outcome::shutdown : Outcome::empty;
        check_eq(static_cast<long>(want), static_cast<long>(got), "peek_nowait outcome");
        if (want == Outcome::ok) check_eq(peek_model(), v, "peek_nowait item");
        break;
      }
      case 5:
      case 6:
        blocking(in, sim, op == 5, new_value(in));
        break;
      case 7:  // close (twice is harmless)
        q_.close();
        closed_ = true;
        break;
      case 8:  // let virtual time pass: timed calls expire
      case 9: {
        const auto d = std::chrono::milliseconds(in.next() % 20);
        const auto until = sim.now() + d;
        for (auto& c : pending_) {
          if (c->deadline && *c->deadline <= until) c->expected = c->put ? Outcome::full : Outcome::empty;
        }
        std::erase_if(pending_, [](const std::shared_ptr<Call>& c) { return c->expected != Outcome::none; });
        sim.advance(d);
        break;
      }
      case 10:  // task_done (JoinableQueue only)
        if constexpr (requires { q_.task_done(); }) {
          bool threw = false;
          try {
            q_.task_done();
          } catch (const grove::UsageError&) {
            threw = true;
          }
          check_eq(unfinished_ == 0 ? 1 : 0, threw ? 1 : 0, "task_done with no unfinished task");
          if (!threw) --unfinished_;
          check_eq(static_cast<long>(unfinished_), static_cast<long>(q_.unfinished_tasks()), "unfinished_tasks");
        }
        break;
      default:  // observers
        break;
    }
  }

  // blocking(put, v): a put or get in a fiber of its own, forever or with a
  // timeout of 0-15 ms.
  void blocking(Input& in, grove::testing::Simulation& sim, bool put, int v) {
    auto call = std::make_shared<Call>();
    call->put = put;
    call->value = v;
    const std::uint8_t t = in.next();
    std::optional<grove::Duration> timeout;
    if (t & 0x80) timeout = std::chrono::milliseconds(t % 16);
    if (timeout) call->deadline = sim.now() + *timeout;
    // The model: an immediate outcome, or blocked until settle() or an advance.
    if (closed_ && (put || model_.empty())) {
      call->expected = Outcome::shutdown;
    } else if (put && !full()) {
      call->expected = Outcome::ok;
      put_model(v);
    } else if (!put && !model_.empty()) {
      call->expected = Outcome::ok;
      call->expected_value = take_model();
    } else if (timeout && *timeout <= grove::Duration::zero()) {
      call->expected = put ? Outcome::full : Outcome::empty;
    } else {
      pending_.push_back(call);
    }
    calls_.push_back(call);
    fibers_.push_back(grove::spawn([this, call, timeout] {
      try {
        if (call->put) {
          if (timeout) q_.put(call->value, *timeout);
          else q_.put(call->value);
        } else {
          call->value = timeout ? q_.get(*timeout) : q_.get();
        }
        call->actual = Outcome::ok;
      } catch (const grove::QueueFull&) {
        call->actual = Outcome::full;
      } catch (const grove::QueueEmpty&) {
        call->actual = Outcome::empty;
      } catch (const grove::QueueShutDown&) {
        call->actual = Outcome::shutdown;
      }
    }));
  }

  // settle(): the model hands items to blocked getters and room to blocked
  // putters, first blocked first; then every fiber runs until it blocks
  // and each call's outcome and the sizes are compared.
  void settle(grove::testing::Simulation& sim) {
    if (closed_) {
      for (auto& c : pending_) c->expected = Outcome::shutdown;
      pending_.clear();
    }
    for (bool moved = true; moved;) {
      moved = false;
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        auto& c = *it;
        if (!c->put && !model_.empty()) {
          c->expected = Outcome::ok;
          c->expected_value = take_model();
        } else if (c->put && !full()) {
          c->expected = Outcome::ok;
          put_model(c->value);
        } else {
          continue;
        }
        pending_.erase(it);
        moved = true;
        break;
      }
    }
    sim.advance(grove::Duration::zero());
    for (auto& c : calls_) {
      check_eq(static_cast<long>(c->expected), static_cast<long>(c->actual), c->put ? "put outcome" : "get outcome");
      if (!c->put && c->expected == Outcome::ok) check_eq(c->expected_value, c->value, "item a blocked get received");
    }
    std::erase_if(calls_, [](const std::shared_ptr<Call>& c) { return c->actual != Outcome::none; });
    check_eq(static_cast<long>(model_.size()), static_cast<long>(q_.size()), "size");
    check_eq(model_.empty(), q_.empty(), "empty");
    check_eq(full(), q_.full(), "full");
    check_eq(closed_, q_.closed(), "closed");
  }

  Kind kind_;
  std::size_t maxsize_;
  Q q_;
  std::deque<int> model_;
  std::vector<std::shared_ptr<Call>> pending_;  // blocked in the model, first blocked first
  std::vector<std::shared_ptr<Call>> calls_;    // not yet checked as finished
  std::vector<grove::Fiber<>> fibers_;          // the blocking calls' fibers
  bool closed_ = false;
  int counter_ = 0;
  std::size_t unfinished_ = 0;
};

template <class Q>
void run(Kind kind, Input& in) {
  const std::size_t maxsize = in.next() % 5;  // 0: unbounded
  grove::testing::Simulation sim;
  Runner<Q>(kind, maxsize).run(in, sim);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, data + size};
  switch (in.next() % 4) {
    case 0:
      run<grove::Queue<int>>(Kind::fifo, in);
      break;
    case 1:
      run<grove::LifoQueue<int>>(Kind::lifo, in);
      break;
    case 2:
      run<grove::PriorityQueue<int>>(Kind::priority, in);
      break;
    default:
      run<grove::JoinableQueue<int>>(Kind::joinable, in);
      break;
  }
  return 0;
}
