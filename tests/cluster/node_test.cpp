// node_test.cpp — Node against a real nats-server and child grove processes:
// membership, a node killed with SIGKILL declared down within 3.5 s with
// Down{NoConnection} to its monitors (a callback and an actor), and a NATS
// server restart mid-stream: the nodes reconnect and every message is
// accounted for (sent = delivered + dead-lettered).

#include <grove/dead_letters.hpp>

#include "cluster_support.hpp"

#include <csignal>
#include <string>

using namespace grove;
using namespace grove::test;
using namespace std::chrono_literals;

namespace {

using NodeTest = HubTest;

// Watcher is an actor that records the Downs its on_down() gets.
class Watcher : public Actor<peer::Msg> {
 public:
  explicit Watcher(std::shared_ptr<std::vector<Down>> downs) : downs_(std::move(downs)) {}

 private:
  void receive(peer::Msg& /*m*/) override {}
  void on_down(const Down& d) override { downs_->push_back(d); }
  std::shared_ptr<std::vector<Down>> downs_;
};

TEST_F(NodeTest, MisuseIsAUsageErrorOrAClusterError) {
  EXPECT_THROW(cluster::Node({.url = "nats://127.0.0.1:1", .node_id = "bad id"}), UsageError);
  EXPECT_THROW(cluster::Node({.url = "nats://127.0.0.1:1", .node_id = "A", .heartbeat = 3s, .down_after = 1s}),
               UsageError);
  // Nothing listens on port 1: a ClusterError naming the URL.
  try {
    cluster::Node node({.url = "nats://127.0.0.1:1", .node_id = "A", .connect_timeout = 200ms});
    ADD_FAILURE() << "connected to nothing";
  } catch (const cluster::ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("nats://127.0.0.1:1"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)cluster::RemoteRef<peer::Msg>().send(peer::Seq{}), UsageError);  // no Node on this hub
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "A"});
  EXPECT_THROW(cluster::Node({.url = nats.url(), .node_id = "B"}), UsageError);       // one per hub
  EXPECT_THROW((void)cluster::RemoteRef<peer::Msg>().send(peer::Seq{}), UsageError);  // empty ref
  EXPECT_TRUE(node.connected());
  EXPECT_EQ(node.live_nodes(), std::vector<std::string>{"A"});
}

TEST_F(NodeTest, KilledNodeIsDownWithinThreeAndAHalfSecondsAndMonitorsFire) {
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  auto child = start_peer(nats.url(), "Q", {"serve"});
  ASSERT_TRUE(node.wait_for_nodes(2, 5s));
  EXPECT_EQ(node.live_nodes(), (std::vector<std::string>{"Q", "T"}));
  auto q = node.whereis_global<peer::Msg>("peer-Q", 2s);
  ASSERT_TRUE(q);

  std::optional<Down> by_callback;
  TimePoint down_at{};
  (void)node.monitor(*q, [&](const Down& d) {
    by_callback = d;
    down_at = hub().now();
  });
  auto downs = std::make_shared<std::vector<Down>>();
  auto watcher = spawn_actor<Watcher>(downs);
  (void)node.monitor(*q, watcher);
  auto pending = q->ask<int>(peer::Slow{60000}, 30s);  // outstanding when the node dies
  this_fiber::sleep(50ms);

  const TimePoint killed_at = hub().now();
  child.send_signal(SIGKILL);
  (void)child.wait();
  ASSERT_TRUE(wait_until([&] { return by_callback.has_value(); }, 5s)) << "no Down within 5 s";
  const auto detected = std::chrono::duration_cast<std::chrono::milliseconds>(down_at - killed_at);
  EXPECT_LE(detected, 3500ms) << "declared down after " << detected.count() << " ms";
  std::printf("node down: detected %lld ms after SIGKILL\n", static_cast<long long>(detected.count()));
  EXPECT_THROW(std::rethrow_exception(by_callback->reason.exception()), cluster::NoConnection);
  EXPECT_FALSE(by_callback->fiber);
  ASSERT_TRUE(wait_until([&] { return !downs->empty(); }, 1s)) << "the watcher actor got no Down";
  EXPECT_THROW(std::rethrow_exception(downs->front().reason.exception()), cluster::NoConnection);
  EXPECT_THROW((void)pending.get(1s), cluster::NoConnection);

  // Afterwards: not live, sends are dead letters, asks fail at once,
  // a new monitor fires at once.
  EXPECT_EQ(node.live_nodes(), std::vector<std::string>{"T"});
  const auto unreachable = dead_letters().count(DeadLetterReason::unreachable);
  EXPECT_EQ(q->send(peer::Seq{"T", 1}), SendStatus::dead);
  EXPECT_EQ(dead_letters().count(DeadLetterReason::unreachable), unreachable + 1);
  EXPECT_THROW((void)q->ask<int>(peer::Slow{1}).get(1s), cluster::NoConnection);
  bool fired = false;
  (void)node.monitor(*q, [&](const Down&) { fired = true; });
  EXPECT_TRUE(fired);
  EXPECT_EQ(node.stats().nodes_down, 1u);
  watcher.fiber().kill();
}

// A NATS server restart while a child streams to an actor here: both
// reconnect, and every message is delivered or dead-lettered (the sender's
// refused sends, the stamps this node gives up as lost).
TEST_F(NodeTest, ServerRestartMidStreamLosesNothingSilently) {
  constexpr std::uint64_t kSeq = kStreamScale == 1 ? 20000 : 6000;  // 6,000 under ASan
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  auto tally = std::make_shared<FifoTally>();
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink"}, tally);
  node.register_global("sink", sink);
  // 1 ms pause every 5 messages: the stream lasts a few seconds. The sender
  // stays 4 s after its last send, so that its heartbeats announce its last
  // stamp to this node once both have reconnected (a lost tail is counted).
  auto sender = start_peer(nats.url(), "S", {"blast", "sink", std::to_string(kSeq), "5", "4000"});
  ASSERT_TRUE(wait_until([&] { return tally->received >= kSeq / 20; }, 20s)) << "the stream did not start";
  nats.restart();
  const std::uint64_t at_restart = tally->received;
  ASSERT_TRUE(wait_until([&] { return node.stats().reconnects >= 1; }, 20s)) << "this node did not reconnect";
  const std::string line = sender.std_out().readline();
  ASSERT_EQ(sender.wait(60s), 0) << line;
  std::uint64_t sent = 0;
  std::uint64_t refused = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "SENT %lu DEAD %lu", &sent, &refused), 2) << line;
  EXPECT_EQ(sent, kSeq);
  // A lost tail is counted once hold_back has passed after the heartbeat
  // that names the last stamp.
  const bool balanced = wait_until([&] { return tally->received + refused + node.stats().lost == kSeq; }, 10s);
  const auto stats = node.stats();
  EXPECT_TRUE(balanced) << "delivered " << tally->received << " + refused " << refused << " + lost " << stats.lost
                        << " != sent " << kSeq;
  EXPECT_GT(tally->received, at_restart) << "nothing arrived after the restart";
  EXPECT_GE(stats.reconnects, 1u);
  EXPECT_EQ(tally->out_of_order, 0u) << "a reorder across the restart";
  std::printf("server restart: delivered %lu, refused by the sender %lu, lost in transit %lu, reconnects %lu\n",
              static_cast<unsigned long>(tally->received), static_cast<unsigned long>(refused),
              static_cast<unsigned long>(stats.lost), static_cast<unsigned long>(stats.reconnects));
  sink.fiber().kill();
}

}  // namespace
