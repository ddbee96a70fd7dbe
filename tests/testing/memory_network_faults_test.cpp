// memory_network_faults_test.cpp — MemoryNetwork's faults: partitions
// (traffic stalls, connects wait and time out, heal() delivers in order),
// resets of one connection, of a host or of a pair of hosts, clogs, a
// listener closed with a backlog.
#include <grove/testing/memory_network.hpp>

#include <grove/deadline.hpp>
#include <grove/fiber.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "testing_test_support.hpp"

#include <boost/asio/error.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;
using grove::testing::MemoryNetwork;

namespace {

class SimulationNetworkFaults : public HubTest {};

TEST_F(SimulationNetworkFaults, APartitionStallsTrafficUntilHealed) {
  MemoryNetwork net({.latency = 5ms});
  auto listener = net.listen("chat:5555");
  auto accepted = spawn([&] { return listener.accept(); });
  auto alice = net.connect("chat:5555", {.from = "alice"});
  auto server = accepted.get();
  net.partition("alice", "chat");
  EXPECT_TRUE(net.partitioned("chat", "alice"));
  alice->send_all("one\n");
  alice->send_all("two\n");
  server->set_timeout(30ms);
  error_code ec;
  EXPECT_EQ(server->read_line(100, ec), "");  // held up, though the latency has passed
  EXPECT_EQ(ec, asio::error::timed_out);
  server->set_timeout(Duration::max());
  const TimePoint healed = hub().now();
  net.heal("alice", "chat");
  EXPECT_FALSE(net.partitioned("alice", "chat"));
  EXPECT_EQ(server->read_line(), "one\n");  // in order, a latency after the heal
  EXPECT_GE(elapsed(healed), 5ms);
  EXPECT_EQ(server->read_line(), "two\n");
}

TEST_F(SimulationNetworkFaults, APartitionLeavesOtherHostsAlone) {
  MemoryNetwork net;
  auto listener = net.listen("chat:5555");
  auto alice = net.connect("chat:5555", {.from = "alice"});
  auto from_alice = listener.accept();
  auto bob = net.connect("chat:5555", {.from = "bob"});
  auto from_bob = listener.accept();
  net.partition("alice", "chat");
  bob->send_all("bob\n");
  EXPECT_EQ(from_bob->read_line(), "bob\n");
  from_alice->send_all("to alice\n");
  alice->set_timeout(10ms);
  error_code ec;
  alice->read_line(100, ec);
  EXPECT_EQ(ec, asio::error::timed_out);
  net.heal();
  EXPECT_EQ(alice->read_line(), "to alice\n");
}

TEST_F(SimulationNetworkFaults, AConnectAcrossAPartitionTimesOut) {
  MemoryNetwork net({.connect_timeout = 20ms});
  auto listener = net.listen("chat:5555");
  net.partition("alice", "chat");
  error_code ec;
  const TimePoint t0 = hub().now();
  EXPECT_EQ(net.connect("chat:5555", ec, {.from = "alice"}), nullptr);
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_GE(elapsed(t0), 20ms);
  EXPECT_EQ(net.connect("chat:5555", ec, {.from = "alice", .timeout = 5ms}), nullptr);
  EXPECT_EQ(ec, asio::error::timed_out);
  const TimePoint t1 = hub().now();  // a time point: an absolute deadline
  EXPECT_EQ(net.connect("chat:5555", ec, {.from = "alice", .timeout = t1 + 7ms}), nullptr);
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_GE(elapsed(t1), 7ms);
  for (const Deadline bad : {Deadline(-1ms), Deadline(std::chrono::duration<double>(std::nan("")))}) {
    try {
      (void)net.connect("chat:5555", ec, {.from = "bob", .timeout = bad});
      ADD_FAILURE() << "a bad connect timeout was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("MemoryNetwork::connect: the duration is"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(listener.pending(), 0u);
  auto bob = net.connect("chat:5555", {.from = "bob"});  // bob is not cut off
  EXPECT_EQ(listener.pending(), 1u);
}

TEST_F(SimulationNetworkFaults, AConnectWaitingOnAPartitionGoesThroughOnHeal) {
  MemoryNetwork net;
  auto listener = net.listen("chat:5555");
  net.partition("alice", "chat");
  auto connecting = spawn([&] { return net.connect("chat:5555", {.from = "alice"}); });
  this_fiber::sleep(10ms);
  EXPECT_FALSE(connecting.ready());
  net.heal();
  auto alice = connecting.get();
  ASSERT_NE(alice, nullptr);
  auto server = listener.accept();
  alice->send_all("hi\n");
  EXPECT_EQ(server->read_line(), "hi\n");
}

TEST_F(SimulationNetworkFaults, AConnectObeysTimeoutAndKill) {
  MemoryNetwork net;
  auto listener = net.listen("chat:5555");
  net.partition("alice", "chat");
  EXPECT_THROW(
      {
        Timeout t(5ms);
        net.connect("chat:5555", {.from = "alice"});
      },
      Timeout);
  auto connecting = spawn([&] { net.connect("chat:5555", {.from = "alice"}); });
  this_fiber::sleep(2ms);
  connecting.kill();
  EXPECT_TRUE(connecting.dead());
  EXPECT_EQ(listener.pending(), 0u);
}

TEST_F(SimulationNetworkFaults, AResetFailsBothEndsAndBlockedFibers) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  auto server = listener.accept();
  client->send_all("unread");
  auto reader = spawn([&] {
    error_code ec;
    client->recv(10, ec);
    return ec;
  });
  this_fiber::sleep(2ms);
  net.reset(*server);
  EXPECT_EQ(reader.get(), asio::error::connection_reset);
  error_code ec;
  EXPECT_EQ(server->recv(10, ec), "");  // the unread bytes are gone
  EXPECT_EQ(ec, asio::error::connection_reset);
  server->send_all("x", ec);
  EXPECT_EQ(ec, asio::error::connection_reset);
  client->recv(10, ec);  // sticky
  EXPECT_EQ(ec, asio::error::connection_reset);
  EXPECT_THROW(client->recv(), IoError);
  EXPECT_EQ(net.stats().resets, 1u);
}

TEST_F(SimulationNetworkFaults, ResetAllResetsEveryConnectionOfAHost) {
  MemoryNetwork net;
  auto listener = net.listen("chat:5555");
  auto alice1 = net.connect("chat:5555", {.from = "alice"});
  auto alice2 = net.connect("chat:5555", {.from = "alice"});
  auto bob = net.connect("chat:5555", {.from = "bob"});
  auto s1 = listener.accept();
  auto s2 = listener.accept();
  auto s3 = listener.accept();
  EXPECT_EQ(net.reset_all("alice"), 2u);
  error_code ec;
  alice1->recv(10, ec);
  EXPECT_EQ(ec, asio::error::connection_reset);
  s2->recv(10, ec);
  EXPECT_EQ(ec, asio::error::connection_reset);
  bob->send_all("fine\n");
  EXPECT_EQ(s3->read_line(), "fine\n");
  EXPECT_EQ(net.reset_all("chat"), 1u);  // only bob's is left
  net.reset(*bob);                       // twice is harmless
  EXPECT_EQ(net.stats().resets, 3u);
  TcpSocket tcp;
  EXPECT_THROW(net.reset(tcp), UsageError);
}

TEST_F(SimulationNetworkFaults, ClosingAListenerResetsItsBacklog) {
  MemoryNetwork net;
  auto listener = net.listen("srv:1");
  auto client = net.connect("srv:1");
  listener.close();
  error_code ec;
  client->recv(10, ec);
  EXPECT_EQ(ec, asio::error::connection_reset);
}

TEST_F(SimulationNetworkFaults, AClogSlowsOnePairInOrderUntilUnclogged) {
  MemoryNetwork net({.latency = 1ms});
  auto listener = net.listen("chat:5555");
  auto alice = net.connect("chat:5555", {.from = "alice"});
  auto from_alice = listener.accept();
  auto bob = net.connect("chat:5555", {.from = "bob"});
  auto from_bob = listener.accept();
  EXPECT_EQ(net.links(), (std::vector<std::pair<std::string, std::string>>{{"alice", "chat"}, {"bob", "chat"}}));
  net.clog("chat", "alice", 20ms);
  TimePoint t0 = hub().now();
  alice->send_all("slow\n");
  bob->send_all("fast\n");
  EXPECT_EQ(from_bob->read_line(), "fast\n");
  EXPECT_LT(elapsed(t0), 20ms);  // the hub's clock is the real one here: bounds, not instants
  EXPECT_EQ(from_alice->read_line(), "slow\n");
  EXPECT_GE(elapsed(t0), 21ms);
  net.unclog();
  t0 = hub().now();
  alice->send_all("again\n");
  EXPECT_EQ(from_alice->read_line(), "again\n");
  EXPECT_LT(elapsed(t0), 20ms);
  EXPECT_THROW(net.clog("alice", "alice", 1ms), UsageError);
}

TEST_F(SimulationNetworkFaults, ResetBetweenTwoHostsLeavesOthersAlone) {
  MemoryNetwork net;
  auto listener = net.listen("chat:5555");
  auto alice = net.connect("chat:5555", {.from = "alice"});
  auto from_alice = listener.accept();
  auto bob = net.connect("chat:5555", {.from = "bob"});
  auto from_bob = listener.accept();
  EXPECT_EQ(net.reset("chat", "alice"), 1u);
  error_code ec;
  alice->send_all("x\n", ec);
  EXPECT_EQ(ec, asio::error::connection_reset);
  bob->send_all("still here\n");
  EXPECT_EQ(from_bob->read_line(), "still here\n");
  EXPECT_EQ(net.links(), (std::vector<std::pair<std::string, std::string>>{{"bob", "chat"}}));
}

}  // namespace
