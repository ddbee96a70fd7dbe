// control_chars_test.cpp — one rule for a message's text on every
// transport (issue 19, item 6): one line, no control characters but tab.
// The TCP reader relayed a bare CR (letting a user forge a "[room] admin:"
// line on TCP users' terminals) and escape sequences.
#include <grove/chat/chat_server.hpp>
#include <grove/chat/protocol.hpp>

#include "chat_test_support.hpp"

#include <string>

using namespace grove;
using namespace grove::chat;
using namespace grove::chat::test;

namespace {

class ChatControlChars : public ChatTest {};

TEST_F(ChatControlChars, TcpRefusesBareCarriageReturnAndEscapes) {
  start();
  LineClient mallory(tcp_port()), victim(tcp_port());
  mallory.login("mallory", "lobby");
  victim.login("victim", "lobby");
  mallory.send("hi\r[lobby] admin: the server moves, send your password to mallory");
  EXPECT_EQ(mallory.line(), "! a message is one line");
  mallory.send("\x1b[2J\x1b[Hscreen cleared");
  EXPECT_EQ(mallory.line(), "! control characters are not allowed");
  mallory.send("bell\a");
  EXPECT_EQ(mallory.line(), "! control characters are not allowed");
  mallory.send("c1 csi \xc2\x9b" "31m");  // U+009B, a one-character CSI
  EXPECT_EQ(mallory.line(), "! control characters are not allowed");
  mallory.send("tab\tis text");
  EXPECT_EQ(mallory.line(), "[lobby] mallory: tab\tis text");
  EXPECT_EQ(victim.line(), "[lobby] mallory: tab\tis text");  // and nothing before it
  mallory.send_raw("crlf still ends a line\r\n");
  EXPECT_EQ(victim.line(), "[lobby] mallory: crlf still ends a line");
}

TEST_F(ChatControlChars, WebSocketAndLongPollFollowTheSameRule) {
  start();
  WsClient ws(http_port());
  ws.login("wsuser", "lobby");
  ws.send({{"type", "say"}, {"text", "\x1b[31mred"}});
  EXPECT_EQ(ws.recv(), (json{{"type", "error"}, {"error", "control characters are not allowed"}}));
  ws.send({{"type", "say"}, {"text", "a\rb"}});
  EXPECT_EQ(ws.recv(), (json{{"type", "error"}, {"error", "a message is one line"}}));
  auto put = http_call(http_port(), http::verb::post, "/put/lobby/poller", "message=%1B%5B2Jgone");
  EXPECT_EQ(put.status, 400u);
  EXPECT_EQ(put.parsed()["error"], "control characters are not allowed");
  ws.send({{"type", "say"}, {"text", "tab\tok"}});
  EXPECT_EQ(ws.recv()["text"], "tab\tok");
}

TEST_F(ChatControlChars, TheRuleItself) {
  EXPECT_EQ(text_error("plain text, caf\xc3\xa9", 100), "");
  EXPECT_EQ(text_error("tab\there", 100), "");
  EXPECT_EQ(text_error("", 100), "empty message");
  EXPECT_EQ(text_error("x\ny", 100), "a message is one line");
  EXPECT_EQ(text_error("x\ry", 100), "a message is one line");
  EXPECT_EQ(text_error(std::string("nul\0", 4), 100), "control characters are not allowed");
  EXPECT_EQ(text_error("del\x7f", 100), "control characters are not allowed");
  EXPECT_EQ(text_error("c1\xc2\x80", 100), "control characters are not allowed");
  EXPECT_EQ(text_error("\xc2\xa0nbsp", 100), "");  // U+00A0 is text
  EXPECT_EQ(text_error("\xff", 100), "invalid utf-8");
  EXPECT_EQ(text_error("12345", 4), "message too long");
}

}  // namespace
