// zmq_socket_test.cpp — green ZeroMQ: each pattern moves 1,000 messages
// between fibers with none lost (inproc:// and tcp://127.0.0.1 only),
// timeouts, kills, and several fibers on one socket.
#include <grove/zmq_socket.hpp>

#include <grove/event.hpp>
#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

constexpr int N = 1000;

class ZmqTest : public HubTest {
 protected:
  void TearDown() override {
    HubTest::TearDown();
    context.close();
  }
  zmq::context_t context;
};

// bound_tcp() binds s to a free loopback port and returns the endpoint.
std::string bind_tcp(ZmqSocket& s) {
  s.bind("tcp://127.0.0.1:*");
  return s.native().get(zmq::sockopt::last_endpoint);
}

class ZmqTransport : public ZmqTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(ZmqTransport, RequestReply) {
  ZmqSocket rep(context, zmq::socket_type::rep);
  std::string endpoint = GetParam() == "tcp" ? bind_tcp(rep) : "inproc://reqrep";
  if (GetParam() != "tcp") rep.bind(endpoint);
  auto server = spawn([&] {
    for (int i = 0; i < N; ++i) rep.send("re:" + rep.recv_string());
  });
  ZmqSocket req(context, zmq::socket_type::req);
  req.connect(endpoint);
  int ok = 0;
  for (int i = 0; i < N; ++i) {
    req.send(std::to_string(i));
    ok += req.recv_string() == "re:" + std::to_string(i);
  }
  EXPECT_EQ(ok, N);
  server.join();
}

TEST_P(ZmqTransport, PushPull) {
  ZmqSocket pull(context, zmq::socket_type::pull);
  std::string endpoint = GetParam() == "tcp" ? bind_tcp(pull) : "inproc://pushpull";
  if (GetParam() != "tcp") pull.bind(endpoint);
  auto pusher = spawn([&] {
    ZmqSocket push(context, zmq::socket_type::push);
    push.connect(endpoint);
    for (int i = 0; i < N; ++i) push.send(std::to_string(i));
    this_fiber::sleep(1ms);
  });
  int expected = 0;
  for (int i = 0; i < N; ++i) expected += pull.recv_string() == std::to_string(i);
  EXPECT_EQ(expected, N);
  pusher.join();
}

TEST_P(ZmqTransport, PublishSubscribe) {
  ZmqSocket pub(context, zmq::socket_type::pub);
  pub.native().set(zmq::sockopt::sndhwm, 0);
  std::string endpoint = GetParam() == "tcp" ? bind_tcp(pub) : "inproc://pubsub";
  if (GetParam() != "tcp") pub.bind(endpoint);
  Event subscribed;
  auto subscriber = spawn([&] {
    ZmqSocket sub(context, zmq::socket_type::sub);
    sub.native().set(zmq::sockopt::rcvhwm, 0);
    sub.subscribe("");
    sub.connect(endpoint);
    std::string msg = sub.recv_string();  // the first "sync": the subscription has reached the publisher
    subscribed.set();
    std::vector<int> got;
    while ((msg = sub.recv_string()) != "end")
      if (msg != "sync") got.push_back(std::stoi(msg));
    return got;
  });
  // Slow joiner: announce until the subscriber hears us.
  while (!subscribed.is_set()) {
    pub.send("sync");
    this_fiber::sleep(1ms);
  }
  for (int i = 0; i < N; ++i) pub.send(std::to_string(i));
  pub.send("end");
  auto got = subscriber.get();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(N));
  for (int i = 0; i < N; ++i) EXPECT_EQ(got[i], i);
}

TEST_P(ZmqTransport, DealerRouter) {
  ZmqSocket router(context, zmq::socket_type::router);
  std::string endpoint = GetParam() == "tcp" ? bind_tcp(router) : "inproc://dealerrouter";
  if (GetParam() != "tcp") router.bind(endpoint);
  auto server = spawn([&] {
    for (int i = 0; i < N; ++i) {
      auto parts = router.recv_multipart();  // identity, payload
      router.send_multipart({parts.at(0), "ack " + parts.at(1)});
    }
  });
  ZmqSocket dealer(context, zmq::socket_type::dealer);
  dealer.connect(endpoint);
  auto sender = spawn([&] {
    for (int i = 0; i < N; ++i) dealer.send(std::to_string(i));
  });
  int ok = 0;
  for (int i = 0; i < N; ++i) ok += dealer.recv_string() == "ack " + std::to_string(i);
  EXPECT_EQ(ok, N);
  sender.join();
  server.join();
}

INSTANTIATE_TEST_SUITE_P(Transports, ZmqTransport, ::testing::Values("inproc", "tcp"),
                         [](const auto& info) { return info.param; });

TEST_F(ZmqTest, RecvObeysTimeoutAndKill) {
  ZmqSocket rep(context, zmq::socket_type::rep);
  rep.bind("inproc://quiet");
  EXPECT_THROW(
      {
        Timeout t(20ms);
        rep.recv_string();
      },
      Timeout);
  rep.set_timeout(20ms);
  error_code ec;
  EXPECT_EQ(rep.recv_string(ec), "");
  EXPECT_EQ(ec, asio::error::timed_out);
  rep.set_timeout(Duration::max());
  auto waiter = spawn([&] { rep.recv_string(); });
  this_fiber::sleep(5ms);
  const auto t0 = Clock::now();
  waiter.kill();
  EXPECT_LT(since(t0), 500ms);
  zmq::message_t msg;
  EXPECT_FALSE(rep.recv(msg, zmq::recv_flags::dontwait));  // nothing there, no wait
}

// gevent refuses a second greenlet waiting on one socket at once; a
// ZmqSocket refuses a second receiver (or sender) the same way.
TEST_F(ZmqTest, ASecondReceiverIsRefused) {
  ZmqSocket pull(context, zmq::socket_type::pull);
  pull.bind("inproc://shared");
  std::string got;
  auto first = spawn([&] { got = pull.recv_string(); });
  this_fiber::yield();  // first waits for a message
  EXPECT_THROW((void)pull.recv_string(), ConcurrentUseError);
  ZmqSocket push(context, zmq::socket_type::push);
  push.connect("inproc://shared");
  push.send("m");
  EXPECT_TRUE(first.join(2s));
  EXPECT_EQ(got, "m");
}

TEST_F(ZmqTest, ErrorsUseTheZmqCategory) {
  ZmqSocket req(context, zmq::socket_type::req);
  req.bind("inproc://fsm");
  error_code ec;
  req.recv_string(ec);  // a REQ socket must send first
  EXPECT_EQ(ec.category(), zmq_category());
  EXPECT_EQ(ec.value(), EFSM);
  EXPECT_THROW(req.recv_string(), IoError);
  req.recv_multipart(ec);
  EXPECT_EQ(ec.value(), EFSM);
  EXPECT_THROW(req.recv_multipart(), IoError);
}

}  // namespace
