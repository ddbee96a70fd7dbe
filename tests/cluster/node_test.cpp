// node_test.cpp — Node against a real nats-server and child grove processes:
// membership; a node killed with SIGKILL while another process streams:
// every survivor declares it down within 3.5 s, with Down{NoConnection} to
// its monitors (a callback, an actor, another process's) and its links, and
// its streams are freed; links across nodes carry exits both ways; a NATS
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

// Linked is a local partner of a remote link: with `exits` it traps exits
// and records them; Fail makes it crash, Seq makes it stop normally.
class Linked : public Actor<peer::Msg> {
 public:
  explicit Linked(std::shared_ptr<std::vector<ExitSignal>> exits = nullptr) : exits_(std::move(exits)) {}

 private:
  void on_start() override {
    if (exits_) trap_exits();
  }
  void receive(peer::Msg& m) override {
    if (auto* f = std::get_if<peer::Fail>(&m)) throw std::runtime_error(f->why);
    if (std::holds_alternative<peer::Seq>(m)) stop();
    if (asking()) reply(std::string("alive"));
  }
  void on_exit(const ExitSignal& s) override { exits_->push_back(s); }
  std::shared_ptr<std::vector<ExitSignal>> exits_;
};

// what(reason) is the text of an exception reason ("" for another kind).
std::string what(const ExitReason& reason) {
  try {
    if (reason.exception()) std::rethrow_exception(reason.exception());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

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

// Q is killed with SIGKILL while S streams to a sink here: this node and S
// both see Q down within 3.5 s (Down{NoConnection}), this node's monitors
// and links to Q fire, S's stream is untouched, and once S leaves too no
// stream, link or stamp counter is left behind.
TEST_F(NodeTest, KilledNodeIsDownWithinThreeAndAHalfSecondsEverywhere) {
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  auto tally = std::make_shared<FifoTally>();
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink"}, tally);
  node.register_global("sink", sink);
  auto child = start_peer(nats.url(), "Q", {"serve"});
  ASSERT_TRUE(node.wait_for_nodes(2, 5s));
  EXPECT_EQ(node.live_nodes(), (std::vector<std::string>{"Q", "T"}));
  auto q = node.whereis_global<peer::Msg>("peer-Q", 2s);
  ASSERT_TRUE(q);
  // Q streams to this node and this node to Q: ordering state on both ends.
  EXPECT_EQ(q->ask<std::uint64_t>(peer::Tell{"sink", 10}).get(5s), 10u);
  ASSERT_TRUE(wait_until([&] { return tally->received == 10; }, 5s));
  EXPECT_EQ(node.stats().in_streams, 1u);
  EXPECT_EQ(node.stats().out_streams, 1u);

  std::optional<Down> by_callback;
  TimePoint down_at{};
  (void)node.monitor(*q, [&](const Down& d) {
    by_callback = d;
    down_at = hub().now();
  });
  auto downs = std::make_shared<std::vector<Down>>();
  auto watcher = spawn_actor<Watcher>(downs);
  (void)node.monitor(*q, watcher);
  auto exits = std::make_shared<std::vector<ExitSignal>>();
  auto trapper = spawn_actor<Linked>(exits);
  auto victim = spawn_actor<Linked>();
  node.link(trapper, *q);
  node.link(victim, *q);
  EXPECT_EQ(node.stats().links, 2u);
  auto pending = q->ask<int>(peer::Slow{60000}, 30s);  // outstanding when the node dies
  // S monitors Q too and streams here, paced (about 4 s), across the kill.
  constexpr std::uint64_t kSeq = 8000;
  auto streamer = start_peer(nats.url(), "S", {"watch", "peer-Q", "sink", std::to_string(kSeq), "2"});
  ASSERT_EQ(streamer.std_out().readline(), "WATCHING\n");
  this_fiber::sleep(50ms);

  const TimePoint killed_at = hub().now();
  const auto killed_ns = std::chrono::steady_clock::now().time_since_epoch().count();
  child.send_signal(SIGKILL);
  (void)child.wait();
  ASSERT_TRUE(wait_until([&] { return by_callback.has_value(); }, 5s)) << "no Down within 5 s";
  const auto detected = std::chrono::duration_cast<std::chrono::milliseconds>(down_at - killed_at);
  EXPECT_LE(detected, 3500ms) << "declared down after " << detected.count() << " ms";
  std::printf("node down: detected here %lld ms after SIGKILL\n", static_cast<long long>(detected.count()));
  EXPECT_THROW(std::rethrow_exception(by_callback->reason.exception()), cluster::NoConnection);
  EXPECT_FALSE(by_callback->fiber);
  ASSERT_TRUE(wait_until([&] { return !downs->empty(); }, 1s)) << "the watcher actor got no Down";
  EXPECT_THROW(std::rethrow_exception(downs->front().reason.exception()), cluster::NoConnection);
  EXPECT_THROW((void)pending.get(1s), cluster::NoConnection);
  // The links: the trapping actor got an ExitSignal, the other one died.
  ASSERT_TRUE(wait_until([&] { return !exits->empty() && victim.fiber().dead(); }, 1s));
  EXPECT_FALSE(exits->front().from);
  EXPECT_THROW(std::rethrow_exception(exits->front().reason.exception()), cluster::NoConnection);
  EXPECT_THROW(std::rethrow_exception(victim.fiber().exit_reason().exception()), cluster::NoConnection);

  // The other survivor, S, saw it down within 3.5 s as well, and its
  // stream was not disturbed.
  std::string lines[2] = {streamer.std_out().readline(), streamer.std_out().readline()};
  if (lines[0].starts_with("SENT")) std::swap(lines[0], lines[1]);
  long long s_down_ns = 0;
  char kind[32] = {};
  ASSERT_EQ(std::sscanf(lines[0].c_str(), "DOWN %lld %31s", &s_down_ns, kind), 2) << lines[0];
  EXPECT_STREQ(kind, "noconnection");
  const auto s_detected = std::chrono::nanoseconds(s_down_ns - killed_ns);
  EXPECT_LE(s_detected, 3500ms);
  std::printf("node down: detected by process S %lld ms after SIGKILL\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(s_detected).count()));
  EXPECT_EQ(lines[1], "SENT " + std::to_string(kSeq) + " DEAD 0 RECONNECTS 0\n");
  EXPECT_EQ(streamer.wait(10s), 0);
  EXPECT_TRUE(wait_until([&] { return tally->last["S"] == kSeq; }, 5s)) << tally->last["S"];
  EXPECT_EQ(tally->out_of_order, 0u);
  EXPECT_EQ(tally->gaps, 0u);

  // Afterwards: not live, sends are dead letters, asks fail at once,
  // a new monitor (and link) fires at once; nothing of Q or S is kept.
  ASSERT_TRUE(wait_until([&] { return node.live_nodes().size() == 1; }, 1s));
  const auto unreachable = dead_letters().count(DeadLetterReason::unreachable);
  EXPECT_EQ(q->send(peer::Seq{"T", 1}), SendStatus::dead);
  EXPECT_EQ(dead_letters().count(DeadLetterReason::unreachable), unreachable + 1);
  EXPECT_THROW((void)q->ask<int>(peer::Slow{1}).get(1s), cluster::NoConnection);
  bool fired = false;
  (void)node.monitor(*q, [&](const Down&) { fired = true; });
  EXPECT_TRUE(fired);
  node.link(trapper, *q);
  ASSERT_TRUE(wait_until([&] { return exits->size() == 2; }, 1s));
  // S's stream closes once settled (its last stamp, announced, is in).
  EXPECT_TRUE(wait_until([&] { return node.stats().in_streams == 0; }, 5s));
  const auto stats = node.stats();
  EXPECT_EQ(stats.nodes_down, 2u);  // Q, then S (it left)
  EXPECT_EQ(stats.in_streams, 0u);
  EXPECT_EQ(stats.out_streams, 0u);
  EXPECT_EQ(stats.links, 0u);
  watcher.fiber().kill();
  trapper.fiber().kill();
  sink.fiber().kill();
}

// A link between an actor here and one of another process carries exits
// both ways: a remote crash reaches the local partner (RemoteError with
// the remote text; an ExitSignal when it traps), a local crash kills the
// remote partner; a normal exit kills nobody; unlink cuts it; a link to an
// actor that no longer exists fires at once (noproc).
TEST_F(NodeTest, LinksAcrossNodesCarryExitsBothWays) {
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  auto child = start_peer(nats.url(), "P", {"serve"});
  auto p = node.whereis_global<peer::Msg>("peer-P", 2s);
  ASSERT_TRUE(p);
  auto remote = [&](const std::string& name) {
    EXPECT_TRUE(p->ask<bool>(peer::Spawn{name}).get(5s));
    auto r = node.whereis_global<peer::Msg>(name, 2s);
    EXPECT_TRUE(r) << name;
    return *r;
  };

  // Remote crash -> here.
  auto crashing = remote("crashing");
  auto exits = std::make_shared<std::vector<ExitSignal>>();
  auto trapper = spawn_actor<Linked>(exits);
  auto victim = spawn_actor<Linked>();
  node.link(trapper, crashing);
  node.link(victim, crashing);
  EXPECT_EQ(trapper.ask<std::string>(peer::Echo{}).get(5s), "alive");  // its on_start ran: it traps
  EXPECT_THROW((void)crashing.ask<std::string>(peer::Fail{"boom"}).get(5s), cluster::RemoteError);
  ASSERT_TRUE(wait_until([&] { return !exits->empty() && victim.fiber().dead(); }, 5s));
  EXPECT_FALSE(exits->front().from);
  EXPECT_NE(what(exits->front().reason).find("boom"), std::string::npos) << what(exits->front().reason);
  EXPECT_THROW(std::rethrow_exception(victim.fiber().exit_reason().exception()), cluster::RemoteError);
  EXPECT_NE(what(victim.fiber().exit_reason()).find("'crashing' on node 'P'"), std::string::npos)
      << what(victim.fiber().exit_reason());

  // Local crash -> there: the remote partner is killed (its monitor fires).
  auto doomed = remote("doomed");
  std::optional<Down> doomed_down;
  (void)node.monitor(doomed, [&](const Down& d) { doomed_down = d; });
  auto crasher = spawn_actor<Linked>();
  node.link(crasher, doomed);
  EXPECT_EQ(doomed.ask<std::string>(peer::Echo{"linked"}).get(5s), "linked");  // the link is in place there
  (void)crasher.send(peer::Fail{"local boom"});
  ASSERT_TRUE(wait_until([&] { return doomed_down.has_value(); }, 5s)) << "the remote partner did not die";
  EXPECT_THROW((void)doomed.ask<std::string>(peer::Echo{"x"}).get(5s), ActorDead);

  // A normal exit kills nobody; an unlinked crash neither.
  auto calm = remote("calm");
  auto leaver = spawn_actor<Linked>();
  node.link(leaver, calm);
  auto unlinked = spawn_actor<Linked>();
  node.link(unlinked, calm);
  EXPECT_TRUE(node.unlink(unlinked, calm));
  EXPECT_FALSE(node.unlink(unlinked, calm));
  EXPECT_EQ(calm.ask<std::string>(peer::Echo{"sync"}).get(5s), "sync");  // the unlink reached P
  (void)leaver.send(peer::Seq{});
  ASSERT_TRUE(wait_until([&] { return leaver.fiber().dead(); }, 5s));
  (void)unlinked.send(peer::Fail{"not linked"});
  ASSERT_TRUE(wait_until([&] { return unlinked.fiber().dead(); }, 5s));
  this_fiber::sleep(100ms);
  EXPECT_EQ(calm.ask<std::string>(peer::Echo{"still here"}).get(5s), "still here");

  // noproc: linking with an actor that has ended.
  node.link(trapper, crashing);
  ASSERT_TRUE(wait_until([&] { return exits->size() == 2; }, 5s));
  EXPECT_THROW(std::rethrow_exception(exits->back().reason.exception()), ActorDead);
  EXPECT_EQ(node.stats().links, 0u);  // every link here has fired or been cut
  trapper.fiber().kill();
  child.kill();
  (void)child.wait();
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
  std::uint64_t sender_reconnects = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "SENT %lu DEAD %lu RECONNECTS %lu", &sent, &refused, &sender_reconnects), 3)
      << line;
  EXPECT_GE(sender_reconnects, 1u) << "the sending node did not reconnect";
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
