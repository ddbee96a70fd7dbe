// cluster_topic_test.cpp — ClusterTopic across two processes on a real
// nats-server: every subscriber of every node gets each message, in order,
// and each message crosses NATS once per node (counted by a raw NATS
// subscriber on the topic's subject and by the Nodes' counters), not once
// per subscriber.

#include <grove/cluster_topic.hpp>
#include <grove/dead_letters.hpp>
#include <grove/tcp_socket.hpp>

#include "cluster_support.hpp"

#include <string>

using namespace grove;
using namespace grove::test;
using namespace std::chrono_literals;

namespace {

using ClusterTopicTest = HubTest;

// RawSubscriber speaks the NATS protocol itself on one subject, to count
// what crosses the server there.
class RawSubscriber {
 public:
  RawSubscriber(std::uint16_t port, const std::string& subject) : socket_(TcpSocket::connect("127.0.0.1", port, 2s)) {
    socket_.set_timeout(5s);
    (void)socket_.read_line(4096);  // INFO
    socket_.send_all("CONNECT {\"verbose\":false}\r\nSUB " + subject + " 1\r\nPING\r\n");
    if (socket_.read_line(64) != "PONG\r\n") throw std::runtime_error("raw NATS subscriber: no PONG");
  }
  void publish(const std::string& subject, const std::string& payload) {
    socket_.send_all("PUB " + subject + " " + std::to_string(payload.size()) + "\r\n" + payload + "\r\n");
  }
  // count() reads what arrived up to a PING's PONG: the MSGs seen so far.
  std::uint64_t count() {
    socket_.send_all("PING\r\n");
    for (;;) {
      const std::string line = socket_.read_line(1 << 16);
      if (line == "PONG\r\n") return messages_;
      if (line.starts_with("MSG ")) {
        ++messages_;
        (void)socket_.read_line(1 << 16);  // the payload
      }
    }
  }

 private:
  TcpSocket socket_;
  std::uint64_t messages_ = 0;
};

TEST_F(ClusterTopicTest, EachMessageCrossesNatsOncePerNodeAndReachesEverySubscriber) {
  constexpr std::uint64_t kMessages = 200;
  constexpr int kSubscribers = 3;  // per node
  NatsServer nats;
  cluster::Node node({.url = nats.url(), .node_id = "T"});
  cluster::ClusterTopic<peer::Msg> news(node, "news");
  std::vector<std::shared_ptr<FifoTally>> tallies;
  std::vector<ActorRef<peer::Msg>> subscribers;
  for (int i = 0; i < kSubscribers; ++i) {
    tallies.push_back(std::make_shared<FifoTally>());
    subscribers.push_back(spawn_actor<Sink>(tallies.back()));
    EXPECT_TRUE(news.subscribe(subscribers.back()));
  }
  EXPECT_FALSE(news.subscribe(subscribers.front()));
  EXPECT_EQ(news.size(), 3u);
  auto child = start_peer(nats.url(), "C", {"topic", "news", std::to_string(kSubscribers)});
  auto c = node.whereis_global<peer::Msg>("peer-C", 2s);
  ASSERT_TRUE(c);
  RawSubscriber raw(nats.port(), "grove.t.news");

  for (std::uint64_t i = 1; i <= kMessages; ++i) EXPECT_EQ(news.publish(peer::Seq{"T", i}), 3u);
  // Here: each subscriber got every message, in order, without NATS.
  for (const auto& t : tallies) {
    EXPECT_TRUE(wait_until([&] { return t->last["T"] == kMessages; }, 5s));
    EXPECT_EQ(t->out_of_order, 0u);
    EXPECT_EQ(t->gaps, 0u);
  }
  // There: the 3 subscribers got 200 each from 200 NATS arrivals.
  const std::string expected =
      "arrived=" + std::to_string(kMessages) + " delivered=" + std::to_string(kSubscribers * kMessages);
  std::string tally;
  EXPECT_TRUE(wait_until(
      [&] {
        tally = c->ask<std::string>(peer::Tally{}).get(5s);
        return tally == expected;
      },
      5s))
      << tally;
  // On the wire: one message per publish on the subject, whatever the
  // number of nodes and subscribers.
  EXPECT_EQ(raw.count(), kMessages);
  const auto stats = node.stats();
  EXPECT_EQ(stats.topic_published, kMessages);
  EXPECT_EQ(stats.topic_arrived, 0u);  // its own echoes are not arrivals

  // A second handle with the same name shares the subscription (dropping
  // it leaves the first one subscribed); a bad name is a UsageError.
  {
    cluster::ClusterTopic<peer::Msg> again(node, "news");
    EXPECT_EQ(again.size(), 0u);
  }
  EXPECT_THROW(cluster::ClusterTopic<peer::Msg>(node, "no spaces"), UsageError);
  EXPECT_THROW(cluster::ClusterTopic<peer::Msg>(node, "a..b"), UsageError);
  // From another node (the raw client speaks for a node "X"): a message
  // reaches every subscriber here; one that does not decode, and garbage,
  // are dead letters, never a crash.
  const auto undecodable = node.stats().undecodable;
  raw.publish("grove.t.news", R"({"n":"X","i":1,"msg":{"type":"peer.seq","tv":1,"body":{"s":"X","n":1}}})");
  raw.publish("grove.t.news", R"({"n":"X","i":1,"msg":{"type":"nope","tv":1,"body":{}}})");
  raw.publish("grove.t.news", "not json");
  for (const auto& t : tallies) EXPECT_TRUE(wait_until([&] { return t->last["X"] == 1; }, 5s));
  EXPECT_TRUE(wait_until([&] { return node.stats().undecodable == undecodable + 2; }, 5s));
  EXPECT_EQ(node.stats().topic_arrived, 2u);  // the two that parsed
  for (auto& s : subscribers) s.fiber().kill();
  child.kill();
  (void)child.wait();
}

}  // namespace
