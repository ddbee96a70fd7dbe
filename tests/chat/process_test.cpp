// process_test.cpp — the grove-chat program: started as a process on port
// 0, it prints where it listens, serves, and drains on SIGTERM, exiting 0
// within 5 s.
#include "chat_process_support.hpp"

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>
#include <grove/wait_fd.hpp>

#include <csignal>
#include <regex>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace grove;
using namespace grove::chat::test;

namespace {

class ChatProcess : public ChatTest {};

TEST_F(ChatProcess, ServesAllProtocolsAndDrainsOnSigterm) {
  Child child({"--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--backlog", "5", "--log-level", "warn"});
  const std::uint16_t tcp = listening_port(child, "tcp");
  const std::uint16_t http_port = listening_port(child, "http");
  ASSERT_NE(tcp, 0) << child.output();
  ASSERT_NE(http_port, 0) << child.output();

  LineClient a(tcp);
  a.login("alice", "lobby");
  WsClient w(http_port);
  w.login("wendy", "lobby");
  a.send("hello from a process");
  EXPECT_EQ(a.line(), "[lobby] alice: hello from a process");
  EXPECT_EQ(w.recv()["seq"], 1);
  auto stats = http_call(http_port, http::verb::get, "/stats").parsed();
  EXPECT_EQ(stats["members"]["lobby"], 2);
  EXPECT_EQ(http_call(http_port, http::verb::get, "/").status, 200u);

  // A client that never reads is still connected when the signal comes.
  auto lazy = TcpSocket::connect("127.0.0.1", tcp, kWait);
  lazy.send_all("/nick lazy\n/join lobby\n");

  const auto t0 = Clock::now();
  child.signal(SIGTERM);
  EXPECT_EQ(a.line(), "* server shutting down");
  EXPECT_TRUE(a.closed());
  EXPECT_EQ(child.wait_exit(6s), 0) << child.output();
  EXPECT_LT(Clock::now() - t0, 5s);
}

TEST_F(ChatProcess, SigintAlsoExitsZero) {
  Child child({"--port", "0", "--http-port", "0"});
  ASSERT_NE(listening_port(child, "tcp"), 0) << child.output();
  ASSERT_NE(listening_port(child, "http"), 0) << child.output();
  child.signal(SIGINT);
  EXPECT_EQ(child.wait_exit(6s), 0) << child.output();
}

TEST_F(ChatProcess, BadArgumentsExitTwo) {
  Child child({"--port", "not-a-port"});
  EXPECT_EQ(child.wait_exit(5s), 2);
}

}  // namespace
