// remote_ref_test.cpp — RemoteRef against a real nats-server and a child
// grove process (cluster_peer): send, ask, timeout, error propagation, a
// dead remote actor, decode failures dead-lettered, the size limit,
// per-sender FIFO from three processes into one actor (100,000 messages),
// and sends and asks from a hub of a Runtime that has no Node.

#include <grove/dead_letters.hpp>
#include <grove/tcp_socket.hpp>

#include <grove/runtime.hpp>

#include "cluster_support.hpp"

#include <atomic>

#include <string>

using namespace grove;
using namespace grove::test;
using namespace std::chrono_literals;

namespace {

// Messages this process encodes differently from the peer, to make it fail
// to decode: a wrong body, a newer version, an unknown type (only sent).
struct BadEcho {
  int text = 0;
};
struct NewerEcho {
  std::string text;
};
struct Unknown {};
void to_json(nlohmann::json& j, const BadEcho& m) { j = {{"text", m.text}}; }
void to_json(nlohmann::json& j, const NewerEcho& m) { j = {{"text", m.text}}; }
void to_json(nlohmann::json& j, const Unknown& /*m*/) { j = nlohmann::json::object(); }

}  // namespace

GROVE_MESSAGE(BadEcho, "peer.echo");
GROVE_MESSAGE_VERSION(NewerEcho, "peer.echo", 2);
GROVE_MESSAGE(Unknown, "test.unknown");

namespace {

using RemoteRefTest = HubTest;

template <class To, class From>
cluster::RemoteRef<To> retype(const cluster::RemoteRef<From>& r) {
  return cluster::RemoteRef<To>(r.key());
}

TEST_F(RemoteRefTest, SendAskTimeoutAndErrorsAcrossProcesses) {
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  auto child = start_peer(nats.url(), "P", {"serve"});
  auto p = node.whereis_global<peer::Msg>("peer-P", 2s);
  ASSERT_TRUE(p) << "the child's global name is not found";
  EXPECT_EQ(p->node(), "P");
  EXPECT_EQ(p->name(), "peer-P");

  EXPECT_EQ(p->ask<std::string>(peer::Echo{"hello"}).get(5s), "hello");
  EXPECT_EQ(p->ask<int>(peer::Slow{5}).get(5s), 5);
  EXPECT_EQ(p->send(peer::Seq{"T", 1}), SendStatus::delivered);
  // A reply of another type than asked for is a DecodeError here.
  EXPECT_THROW((void)p->ask<int>(peer::Echo{"not an int"}).get(5s), cluster::DecodeError);
  // No answer in time: grove::Timeout, as a local ask.
  EXPECT_THROW((void)p->ask<int>(peer::Slow{300}, 50ms).get(), grove::Timeout);
  // A whereis_global with the wrong message type is a UsageError.
  EXPECT_THROW((void)node.whereis_global<std::string>("peer-P", 1s), UsageError);
  EXPECT_FALSE(node.whereis_global<peer::Msg>("nobody", 200ms));

  // A remote monitor sees the actor end; the exception of receive() comes
  // back as RemoteError with the remote message.
  std::optional<Down> down;
  (void)node.monitor(*p, [&](const Down& d) { down = d; });
  try {
    (void)p->ask<std::string>(peer::Fail{"boom"}).get(5s);
    ADD_FAILURE() << "the ask did not fail";
  } catch (const cluster::RemoteError& e) {
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
  }
  ASSERT_TRUE(wait_until([&] { return down.has_value(); }, 5s)) << "no Down for the crashed remote actor";
  EXPECT_THROW(std::rethrow_exception(down->reason.exception()), ActorDead);
  EXPECT_THROW((void)p->ask<std::string>(peer::Echo{"anyone?"}).get(5s), ActorDead);
  EXPECT_FALSE(node.whereis_global<peer::Msg>("peer-P", 300ms)) << "a dead actor's name is still found";
  child.kill();
  (void)child.wait();
}

TEST_F(RemoteRefTest, DecodeFailuresAreDeadLetteredWithTheReason) {
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T", .max_message_bytes = 4096});
  auto child = start_peer(nats.url(), "P", {"serve"});
  auto p = node.whereis_global<peer::Msg>("peer-P", 2s);
  ASSERT_TRUE(p);
  auto expect_decode_error = [](auto result, const std::string& why) {
    try {
      (void)result.get(5s);
      ADD_FAILURE() << "no DecodeError (" << why << ")";
    } catch (const cluster::DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  expect_decode_error(retype<BadEcho>(*p).ask<std::string>(BadEcho{7}), "did not decode");
  expect_decode_error(retype<NewerEcho>(*p).ask<std::string>(NewerEcho{"x"}), "newer");
  expect_decode_error(retype<Unknown>(*p).ask<std::string>(Unknown{}), "unknown message type");
  EXPECT_EQ(retype<BadEcho>(*p).send(BadEcho{8}), SendStatus::delivered);
  // The peer survived all that, and counted each as a dead letter.
  EXPECT_EQ(p->ask<std::string>(peer::Report{}).get(5s), "undecodable=4 unreachable=0");

  // Garbage on the wire (a raw NATS client publishing to every node) is a
  // dead letter here too, never a crash.
  const auto before = node.stats().undecodable;
  {
    auto raw = TcpSocket::connect("127.0.0.1", nats.port(), 2s);
    raw.set_timeout(2s);
    (void)raw.read_line(4096);  // INFO
    raw.send_all("CONNECT {\"verbose\":false}\r\nPUB grove.all 9\r\nnot json!\r\nPING\r\n");
    EXPECT_EQ(raw.read_line(64), "PONG\r\n");
  }
  EXPECT_TRUE(wait_until([&] { return node.stats().undecodable > before; }, 5s));

  // The size limit: nothing is sent, the caller hears at once.
  EXPECT_THROW((void)p->send(peer::Echo{std::string(8192, 'x')}), cluster::MessageTooLarge);
  EXPECT_THROW((void)p->ask<std::string>(peer::Echo{std::string(8192, 'x')}), cluster::MessageTooLarge);
  EXPECT_EQ(p->ask<std::string>(peer::Echo{"still in order"}).get(5s), "still in order");
  child.kill();
  (void)child.wait();
}

// Per-sender FIFO: three processes each send kSeq stamped messages to one
// actor of this process; each sender's arrive in order, all of them.
TEST_F(RemoteRefTest, PerSenderFifoFromThreeProcesses) {
  constexpr std::uint64_t kSeq = 33334 / kStreamScale;  // 100,002 messages in all (16,667 under ASan)
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  auto tally = std::make_shared<FifoTally>();
  auto sink = spawn_actor<Sink>(ActorOptions{.name = "sink"}, tally);
  node.register_global("sink", sink);
  std::vector<Popen> senders;
  for (const char* id : {"S1", "S2", "S3"})
    senders.push_back(start_peer(nats.url(), id, {"blast", "sink", std::to_string(kSeq), "0", "0"}));
  for (auto& s : senders) {
    EXPECT_EQ(s.std_out().readline(), "SENT " + std::to_string(kSeq) + " DEAD 0 RECONNECTS 0\n");
    EXPECT_EQ(s.wait(30s), 0);
  }
  EXPECT_TRUE(wait_until([&] { return tally->received == 3 * kSeq; }, 30s)) << tally->received;
  EXPECT_EQ(tally->out_of_order, 0u);
  EXPECT_EQ(tally->gaps, 0u);
  EXPECT_EQ(tally->received, 3 * kSeq);
  for (const char* id : {"S1", "S2", "S3"}) EXPECT_EQ(tally->last[id], kSeq) << id;
  const auto stats = node.stats();
  EXPECT_EQ(stats.delivered, 3 * kSeq);
  EXPECT_EQ(stats.duplicates, 0u);
  EXPECT_EQ(stats.lost, 0u);
  sink.fiber().kill();
}

// A RemoteRef is used from hub 1 of a Runtime whose Node lives on hub 0:
// the send and the ask are posted to hub 0, the answers come back to hub 1.
TEST_F(RemoteRefTest, UsableFromEveryHubOfARuntime) {
  NatsServer nats;
  auto child = start_peer(nats.url(), "P", {"serve"});
  Runtime rt({.hubs = 2});
  std::atomic<bool> done{false};
  std::atomic<cluster::Node*> node{nullptr};
  std::optional<cluster::RemoteRef<peer::Msg>> p;  // written on hub 0 before `node` is set
  // Hub 0 holds the Node (made, used and destroyed there) and finds P's actor.
  auto home = rt.spawn_on(HubId{0}, [&] {
    cluster::Node n({.url = nats.url(), .node_id = "R"});
    p = n.whereis_global<peer::Msg>("peer-P", 2s);
    node.store(&n);
    while (!done.load()) this_fiber::sleep(5ms);
    node.store(nullptr);
  });
  ASSERT_TRUE(wait_until([&] { return node.load() != nullptr || home.ready(); }, 10s));
  ASSERT_NE(node.load(), nullptr) << "the Node on hub 0 did not start";
  ASSERT_TRUE(p);
  const auto sent_before = rt.call_on(HubId{0}, [&] { return node.load()->stats().sent; }).get(5s);
  // Hub 1 has no Node of its own.
  auto far = rt.spawn_on(HubId{1}, [p = *p] {
    EXPECT_EQ(cluster::Node::current(), nullptr);
    EXPECT_EQ(p.send(peer::Seq{"R", 1}), SendStatus::delivered);
    EXPECT_THROW((void)p.ask<int>(peer::Slow{300}, 50ms).get(), grove::Timeout);
    EXPECT_THROW((void)p.send(peer::Echo{std::string(2 << 20, 'x')}), cluster::MessageTooLarge);
    EXPECT_THROW((void)p.ask<int>(peer::Echo{"not an int"}).get(5s), cluster::DecodeError);
    return p.ask<std::string>(peer::Echo{"from hub 1"}).get(5s);
  });
  EXPECT_EQ(far.get(20s), "from hub 1");
  EXPECT_EQ(rt.call_on(HubId{0}, [&] { return node.load()->stats().sent; }).get(5s), sent_before + 4);
  done.store(true);
  home.get(10s);
  rt.stop();
  child.kill();
  (void)child.wait();
}

}  // namespace
