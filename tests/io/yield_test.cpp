// yield_test.cpp — grove::yield: Asio operations in synchronous style, the
// two error forms, result shapes, and cancellation on Timeout/kill.
#include <grove/yield.hpp>

#include <grove/deadline.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class YieldTest : public HubTest {};

// A hand-made asynchronous operation: the test decides when and how the
// handler is called.
template <class Signature>
struct ManualOp {
  std::function<Signature> handler;
  template <class Token>
  auto start(Token&& token) {
    return asio::async_initiate<Token, Signature>([this](auto h) { handler = std::move(h); }, token);
  }
};

struct Pair {
  asio::ip::tcp::socket a{hub().io_context()};
  asio::ip::tcp::socket b{hub().io_context()};
  Pair() {
    asio::ip::tcp::acceptor acc(hub().io_context(), {asio::ip::make_address("127.0.0.1"), 0});
    a.connect(acc.local_endpoint());
    acc.accept(b);
  }
};

TEST_F(YieldTest, TimerWaitParksTheFiber) {
  const auto t0 = Clock::now();
  asio::steady_timer timer(hub().io_context(), 20ms);
  bool other_ran = false;
  auto other = spawn([&] { other_ran = true; });
  timer.async_wait(grove::yield);
  EXPECT_GE(since(t0), 20ms);
  EXPECT_TRUE(other_ran);
  other.join();
}

TEST_F(YieldTest, ReturnsTheValueAfterTheErrorCode) {
  Pair p;
  asio::write(p.a, asio::buffer("hello", 5));
  char buf[16];
  std::size_t n = p.b.async_read_some(asio::buffer(buf), grove::yield);
  EXPECT_EQ(std::string(buf, n), "hello");
}

TEST_F(YieldTest, ThrowsSystemErrorOrReportsThroughEc) {
  Pair p;
  p.a.close();
  char buf[16];
  error_code ec;
  std::size_t n = p.b.async_read_some(asio::buffer(buf), grove::yield[ec]);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ec, asio::error::eof);
  try {
    p.b.async_read_some(asio::buffer(buf), grove::yield);
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), asio::error::eof);
  }
}

TEST_F(YieldTest, EcIsClearedOnSuccess) {
  asio::steady_timer timer(hub().io_context(), 1ms);
  error_code ec = asio::error::timed_out;
  timer.async_wait(grove::yield[ec]);
  EXPECT_FALSE(ec);
}

TEST_F(YieldTest, SeveralValuesComeBackAsATuple) {
  ManualOp<void(error_code, int, std::string)> op;
  auto completer = spawn([&] { op.handler(error_code(), 7, "seven"); });
  auto [n, s] = op.start(grove::yield);
  EXPECT_EQ(n, 7);
  EXPECT_EQ(s, "seven");
  completer.join();
}

TEST_F(YieldTest, SignaturesWithoutErrorCode) {
  ManualOp<void(int)> op;
  auto completer = spawn([&] { op.handler(42); });
  EXPECT_EQ(op.start(grove::yield), 42);
  completer.join();
  // post(grove::yield) resumes the fiber through the hub's queue.
  asio::post(grove::yield);
}

TEST_F(YieldTest, AHandlerCalledDuringInitiationDoesNotPark) {
  auto value =
      asio::async_initiate<const yield_t&, void(error_code, int)>([](auto h) { h(error_code(), 5); }, grove::yield);
  EXPECT_EQ(value, 5);
}

TEST_F(YieldTest, FromAnAsioHandlerIsAUsageError) {
  bool refused = false;
  asio::post(hub().io_context(), [&] {
    asio::steady_timer timer(hub().io_context(), 1ms);
    try {
      timer.async_wait(grove::yield);
    } catch (const UsageError&) {
      refused = true;
    }
  });
  this_fiber::sleep(5ms);
  EXPECT_TRUE(refused);
}

TEST_F(YieldTest, WorksFromASpawnedFiberToo) {
  auto f = spawn([] {
    asio::steady_timer timer(hub().io_context(), 5ms);
    timer.async_wait(grove::yield);
    return 1;
  });
  EXPECT_EQ(f.get(), 1);
}

TEST_F(YieldTest, OperationsOfAnotherExecutorCompleteOnTheHub) {
  asio::io_context other;
  auto work = asio::make_work_guard(other);
  std::thread runner([&] { other.run(); });
  const auto t0 = Clock::now();
  asio::steady_timer timer(other, 10ms);
  // The handler is dispatched through its associated executor (the hub's
  // io_context), which also keeps the hub from declaring LoopExit.
  timer.async_wait(grove::yield);
  EXPECT_GE(since(t0), 10ms);
  work.reset();
  runner.join();
}

TEST_F(YieldTest, TimeoutCancelsThroughTheIoObject) {
  asio::steady_timer timer(hub().io_context(), 10s);
  const auto t0 = Clock::now();
  EXPECT_THROW(
      {
        Timeout t(30ms);
        timer.async_wait(grove::yield.cancel_by(timer));
      },
      Timeout);
  EXPECT_LT(since(t0), 500ms);
  // The handler has run: nothing is left in the io_context.
  EXPECT_EQ(hub().io_context().poll(), 0u);
}

TEST_F(YieldTest, KillWaitsForTheHandlerBeforeUnwinding) {
  ManualOp<void(error_code)> op;
  std::vector<std::string> events;
  bool cancelled = false;
  auto f = spawn([&] {
    struct Unwound {
      std::vector<std::string>& events;
      ~Unwound() { events.push_back("unwound"); }
    } mark{events};
    op.start(grove::yield.cancel_by([&] { cancelled = true; }));
    events.push_back("returned");
  });
  this_fiber::sleep(5ms);
  // The canceller only asks; the operation completes 20 ms later.
  auto late = spawn([&] {
    while (!cancelled) this_fiber::sleep(1ms);
    this_fiber::sleep(20ms);
    events.push_back("handler");
    op.handler(asio::error::operation_aborted);
  });
  const auto t0 = Clock::now();
  f.kill();
  EXPECT_GE(since(t0), 15ms);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(events, (std::vector<std::string>{"handler", "unwound"}));
  late.join();
}

TEST_F(YieldTest, AnOperationNothingCanCompleteEndsInLoopExit) {
  ManualOp<void(error_code)> op;  // nobody will ever call its handler
  EXPECT_THROW(op.start(grove::yield), LoopExit);
  bool cancelled = false;
  EXPECT_THROW(
      {
        Timeout t(5ms);
        op.start(grove::yield.cancel_by([&] { cancelled = true; }));
      },
      LoopExit);
  EXPECT_TRUE(cancelled);
  // No LoopExit is left behind for the next blocking call.
  EXPECT_NO_THROW(this_fiber::sleep(1ms));
}

TEST_F(YieldTest, WithoutACancellerTheOperationFinishesFirst) {
  const auto t0 = Clock::now();
  asio::steady_timer timer(hub().io_context(), 60ms);
  bool returned = false;
  EXPECT_THROW(
      {
        Timeout t(10ms);
        timer.async_wait(grove::yield);
        // It succeeded, so its result stands (run_op's rule 1); the Timeout
        // is raised at the next suspension point.
        returned = true;
        this_fiber::yield();
      },
      Timeout);
  EXPECT_TRUE(returned);
  EXPECT_GE(since(t0), 55ms);
}

TEST_F(YieldTest, AFailedOperationRaisesTheInterruptAtOnce) {
  ManualOp<void(error_code, std::size_t)> op;
  bool cancelled = false;
  auto f = spawn([&] {
    try {
      Timeout t(5ms);
      op.start(grove::yield.cancel_by([&] { cancelled = true; }));
      return std::string("returned");
    } catch (const Timeout&) {
      return std::string("raised");
    }
  });
  while (!cancelled) this_fiber::sleep(1ms);
  op.handler(asio::error::operation_aborted, 0);
  EXPECT_EQ(f.get(), "raised");
}

TEST_F(YieldTest, DataThatArrivedWithTheInterruptIsReturned) {
  ManualOp<void(error_code, std::size_t)> op;
  bool cancelled = false;
  std::size_t got = 0;
  error_code ec;
  bool raised_later = false;
  auto f = spawn([&] {
    try {
      Timeout t(5ms);
      got = op.start(grove::yield[ec].cancel_by([&] { cancelled = true; }));
      this_fiber::yield();
    } catch (const Timeout&) {
      raised_later = true;
    }
  });
  while (!cancelled) this_fiber::sleep(1ms);
  op.handler(asio::error::operation_aborted, 3);  // bytes moved before the cancel took
  f.join();
  EXPECT_EQ(got, 3u);  // both the bytes and the error, as the handler reported them
  EXPECT_EQ(ec, asio::error::operation_aborted);
  EXPECT_TRUE(raised_later);
}

// ----------------------------------------------------------- until()

TEST_F(YieldTest, UntilCancelsThroughTheCancellerAndReportsTimedOut) {
  asio::steady_timer timer(hub().io_context(), 10s);
  const auto t0 = Clock::now();
  error_code ec;
  timer.async_wait(grove::yield[ec].cancel_by(timer).until(30ms));
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_GE(since(t0), 25ms);
  EXPECT_LT(since(t0), 500ms);
  EXPECT_EQ(hub().io_context().poll(), 0u);  // the handler has run
  // The throwing form, with a TimePoint, and until() before cancel_by().
  try {
    timer.expires_after(10s);
    timer.async_wait(grove::yield.until(hub().now() + 10ms).cancel_by(timer));
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), asio::error::timed_out);
  }
}

TEST_F(YieldTest, UntilIsMetByAnOperationThatCompletesInTime) {
  asio::steady_timer timer(hub().io_context(), 5ms);
  error_code ec = asio::error::timed_out;
  timer.async_wait(grove::yield[ec].cancel_by(timer).until(1s));
  EXPECT_FALSE(ec);
  Pair p;
  asio::write(p.a, asio::buffer("hi", 2));
  char buf[8];
  EXPECT_EQ(p.b.async_read_some(asio::buffer(buf), grove::yield.until(Deadline::never()).cancel_by(p.b)), 2u);
}

TEST_F(YieldTest, UntilWithAnOperationThatSucceedsAfterTheCancelKeepsItsResult) {
  ManualOp<void(error_code, int)> op;
  bool cancelled = false;
  auto completer = spawn([&] {
    while (!cancelled) this_fiber::sleep(1ms);
    op.handler(error_code(), 9);  // completed anyway: the cancel came too late
  });
  EXPECT_EQ(op.start(grove::yield.cancel_by([&] { cancelled = true; }).until(5ms)), 9);
  completer.join();
}

TEST_F(YieldTest, UntilANegativeOrNaNDurationIsAUsageError) {
  asio::steady_timer timer(hub().io_context(), 1ms);
  try {
    timer.async_wait(grove::yield.cancel_by(timer).until(-1ms));
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("grove::yield.until"), std::string::npos) << e.what();
  }
  EXPECT_THROW(timer.async_wait(grove::yield.until(std::chrono::duration<double>(std::nan(""))).cancel_by(timer)),
               UsageError);
  // Nothing was started: no handler is left behind.
  EXPECT_EQ(hub().io_context().poll(), 0u);
}

TEST_F(YieldTest, ASecondInterruptDuringTheWaitIsKeptForLater) {
  ManualOp<void(error_code)> op;
  bool cancelled = false;
  auto f = spawn([&] {
    try {
      Timeout t(5ms);
      op.start(grove::yield.cancel_by([&] { cancelled = true; }));
    } catch (const Timeout&) {
      // the kill that came while the handler was awaited comes next
      this_fiber::sleep(1s);
      return std::string("kill lost");
    }
    return std::string("no timeout");
  });
  while (!cancelled) this_fiber::sleep(1ms);
  f.kill(false);
  op.handler(asio::error::operation_aborted);
  const auto t0 = Clock::now();
  f.join();
  EXPECT_LT(since(t0), 500ms);  // the kill was raised at the sleep, not lost
  EXPECT_TRUE(f.successful());
  EXPECT_THROW((void)f.value(), UsageError);
}

}  // namespace
