// hub_unhandled_test.cpp — the hub's unhandled-exception policy.

#include "hub_test_support.hpp"

// ------------------------------------------------------ unhandled policy

TEST_F(HubTest, UnhandledExceptionIsLoggedOnceWithPolicyLog) {
  LogCapture log;
  ASSERT_EQ(grove::hub().unhandled_policy(), grove::UnhandledPolicy::log);
  auto f = grove::spawn([] { throw std::runtime_error("boom-unjoined"); });
  f.set_name("unjoined-worker-7");
  grove::this_fiber::sleep(5ms);  // let it run and die; nobody joins it
  ASSERT_TRUE(f.dead());
  EXPECT_FALSE(f.successful());
  // Looking at it afterwards, or tearing the hub down, logs nothing more.
  EXPECT_TRUE(f.exception());
  grove::Hub::destroy_current();
  const std::string out = log.text();
  EXPECT_EQ(count_of(out, "unjoined-worker-7"), 1u) << out;
  EXPECT_EQ(count_of(out, "boom-unjoined"), 1u) << out;
}

TEST_F(HubTest, UnhandledExceptionOfAnUnnamedFiberIsLoggedWithItsDefaultName) {
  LogCapture log;
  auto f = grove::spawn([] { throw std::runtime_error("nameless-boom"); });
  const std::string name = f.name();
  grove::hub().run();
  const std::string out = log.text();
  EXPECT_EQ(count_of(out, "'" + name + "'"), 1u) << out;
  EXPECT_EQ(count_of(out, "nameless-boom"), 1u) << out;
}

TEST_F(HubTest, UnhandledExceptionIsNotLoggedWithPolicyIgnore) {
  LogCapture log;
  grove::hub().set_unhandled_policy(grove::UnhandledPolicy::ignore);
  auto f = grove::spawn([] { throw std::runtime_error("boom-ignored"); });
  f.set_name("ignored-worker");
  grove::hub().run();
  EXPECT_TRUE(f.dead());
  EXPECT_FALSE(f.successful());
  EXPECT_EQ(log.text(), "");
}

TEST_F(HubTest, ExceptionOfAJoinedFiberIsNotLogged) {
  LogCapture log;
  auto f = grove::spawn([] {
    grove::this_fiber::sleep(2ms);
    throw std::runtime_error("boom-joined");
  });
  f.set_name("joined-worker");
  f.join();  // the joiner is waiting when it dies
  EXPECT_FALSE(f.successful());
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(count_of(log.text(), "joined-worker"), 0u) << log.text();
}

TEST_F(HubTest, ExceptionOfALinkedFiberIsNotLogged) {
  LogCapture log;
  bool told = false;
  auto f = grove::spawn([] { throw std::runtime_error("boom-linked"); });
  f.set_name("linked-worker");
  f.link([&](grove::Fiber<> dead) { told = !dead.successful(); });
  grove::hub().run();
  EXPECT_TRUE(told);
  EXPECT_EQ(count_of(log.text(), "linked-worker"), 0u) << log.text();
}

TEST_F(HubTest, KilledFiberIsNotLoggedAsUnhandled) {
  LogCapture log;
  auto f = grove::spawn([] { grove::this_fiber::sleep(10s); });
  f.set_name("killed-worker");
  grove::this_fiber::yield();
  f.kill(false);  // nobody joins it
  grove::hub().run();
  EXPECT_TRUE(f.dead());
  EXPECT_TRUE(f.successful());
  EXPECT_EQ(count_of(log.text(), "killed-worker"), 0u) << log.text();
}

TEST_F(HubDeathTest, UnhandledExceptionAbortsWithPolicyAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        grove::Hub::destroy_current();
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(
            "death-stderr", std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr, true)));
        grove::HubConfig cfg;
        cfg.unhandled = grove::UnhandledPolicy::abort;
        grove::Hub::create(cfg);
        auto f = grove::spawn([] { throw std::runtime_error("fatal-boom"); });
        f.set_name("doomed-fiber");
        grove::this_fiber::sleep(20ms);
        std::cerr << "still alive\n";
      },
      "doomed-fiber.*fatal-boom");
}

TEST_F(HubDeathTest, JoinedFiberDoesNotAbortWithPolicyAbort) {
  grove::HubConfig cfg;
  cfg.unhandled = grove::UnhandledPolicy::abort;
  grove::Hub::create(cfg);
  auto f = grove::spawn([] { throw std::runtime_error("handled-boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);  // we are still alive
  EXPECT_EQ(grove::hub().fiber_count(), 0u);
}
