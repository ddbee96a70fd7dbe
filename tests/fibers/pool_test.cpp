// pool_test.cpp — Pool's default size, and add()/start() that refuse with PoolFull (pool.hpp; gevent's
// Pool(size=None), add(blocking=False), add(timeout=t), start).

#include <grove/pool.hpp>  // first: proves the header is self-contained

#include "group_test_support.hpp"
#include "simulated_hub.hpp"

#include <limits>

TEST_F(GroupTest, DefaultPoolHasNoLimitAsGeventsSizeNone) {
  grove::Pool pool;
  EXPECT_EQ(pool.capacity(), std::numeric_limits<std::size_t>::max());
  std::vector<grove::Fiber<>> fibers;
  for (int i = 0; i < 50; ++i) fibers.push_back(pool.spawn([] { grove::this_fiber::sleep(1ms); }));
  EXPECT_EQ(pool.size(), 50u);  // none blocked: no cap
  EXPECT_FALSE(pool.full());
  pool.add(grove::create([] {}), false);  // never PoolFull
  pool.kill();
  EXPECT_TRUE(pool.empty());
}

TEST_F(GroupTest, NonBlockingAddOnAFullPoolThrowsPoolFull) {
  grove::Pool pool(1);
  auto busy = pool.spawn([] { grove::this_fiber::sleep(1h); });
  auto job = grove::create([] {});
  try {
    pool.add(job, false);
    FAIL() << "expected PoolFull";
  } catch (const grove::PoolFull& e) {
    EXPECT_NE(std::string(e.what()).find("full (1 of 1"), std::string::npos) << e.what();
    const grove::TimeoutError& as_timeout = e;  // one catch handles every timeout
    EXPECT_STREQ(as_timeout.what(), e.what());
  }
  EXPECT_FALSE(pool.contains(job));
  EXPECT_THROW(pool.start(job, false), grove::PoolFull);
  EXPECT_FALSE(job.started());
  pool.add(busy, false);  // already a member: nothing to do, no PoolFull
  busy.kill();
  pool.add(job, false);  // room now
  EXPECT_TRUE(pool.contains(job));
  job.start();
  pool.join();
}

TEST_F(GroupTest, TimedAddThrowsPoolFullAtTheDeadlineOnVirtualTime) {
  grove::test::SimulatedHub sim;
  grove::Pool pool(1);
  auto busy = pool.spawn([] { grove::this_fiber::sleep(50ms); });
  auto job = grove::create([] {});
  const auto t0 = sim.now();
  EXPECT_THROW(pool.add(job, 20ms), grove::PoolFull);
  EXPECT_EQ(sim.now() - t0, 20ms);
  EXPECT_FALSE(pool.contains(job));
  pool.start(job, 100ms);  // busy leaves at 50 ms: job takes its slot then
  EXPECT_EQ(sim.now() - t0, 50ms);
  EXPECT_TRUE(job.started());
  pool.join();
  EXPECT_THROW(pool.add(job, -1ms), grove::UsageError);
}

TEST_F(GroupTest, PoolStartKeepsTheCapBecauseTheFiberIsAMemberBeforeItRuns) {
  grove::test::SimulatedHub sim;
  grove::Pool pool(2);
  int running = 0;
  int most = 0;
  auto body = [&] {
    most = std::max(most, ++running);
    grove::this_fiber::sleep(10ms);
    --running;
  };
  for (int i = 0; i < 6; ++i) pool.start(grove::create(body));  // blocks while two run
  pool.join();
  EXPECT_EQ(most, 2);
  EXPECT_EQ(sim.elapsed(), 30ms);
}
