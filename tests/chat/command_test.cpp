// command_test.cpp — the pure decoders of command.hpp: TCP lines and
// WebSocket JSON frames (the fuzz targets in fuzz/ run them on random input).
#include <grove/chat/command.hpp>

#include <gtest/gtest.h>

using namespace grove::chat;

namespace {

TEST(ChatParseLine, TextIsSaidWhole) {
  auto c = parse_line("  hello /nick world ");
  EXPECT_EQ(c.kind, LineKind::say);
  EXPECT_EQ(c.arg, "  hello /nick world ");
  EXPECT_EQ(parse_line("").kind, LineKind::empty);
}

TEST(ChatParseLine, CommandsTakeTheirTrimmedArgument) {
  auto nick = parse_line("/nick \t alice \t");
  EXPECT_EQ(nick.kind, LineKind::nick);
  EXPECT_EQ(nick.arg, "alice");
  EXPECT_EQ(parse_line("/join lobby").kind, LineKind::join);
  EXPECT_EQ(parse_line("/join lobby").arg, "lobby");
  EXPECT_EQ(parse_line("/rooms").kind, LineKind::rooms);
  EXPECT_EQ(parse_line("/rooms").arg, "");
  EXPECT_EQ(parse_line("/rooms b").arg, "b");
  EXPECT_EQ(parse_line("/who").kind, LineKind::who);
  EXPECT_EQ(parse_line("/quit now").kind, LineKind::quit);
  EXPECT_EQ(parse_line("/nick ").arg, "");
  EXPECT_EQ(parse_line("/nick a b").arg, "a b");
}

TEST(ChatParseLine, UnknownAndMalformedCommands) {
  EXPECT_EQ(parse_line("/").kind, LineKind::unknown);
  EXPECT_EQ(parse_line("/nickname bob").kind, LineKind::unknown);
  EXPECT_EQ(parse_line("/NICK bob").kind, LineKind::unknown);
  EXPECT_EQ(parse_line("/nick\tbob").kind, LineKind::unknown);  // the command ends at a space only
}

TEST(ChatDecodeRequest, WellFormedRequests) {
  auto nick = decode_request(R"({"type":"nick","nick":"alice"})");
  EXPECT_EQ(nick.kind, RequestKind::nick);
  EXPECT_EQ(nick.arg, "alice");
  EXPECT_EQ(decode_request(R"({"type":"join","room":"lobby"})").arg, "lobby");
  auto say = decode_request(R"({"type":"say","text":"hi \u00e9"})");
  EXPECT_EQ(say.kind, RequestKind::say);
  EXPECT_EQ(say.arg, "hi \xc3\xa9");
  EXPECT_EQ(decode_request(R"({"type":"who"})").kind, RequestKind::who);
  EXPECT_EQ(decode_request(R"({"type":"rooms"})").arg, "");
  EXPECT_EQ(decode_request(R"({"type":"rooms","after":"b"})").arg, "b");
  EXPECT_EQ(decode_request(R"({"type":"rooms","after":7})").arg, "");
}

TEST(ChatDecodeRequest, MalformedFramesSayWhatWasExpected) {
  EXPECT_EQ(decode_request("{").error, "malformed JSON");
  EXPECT_EQ(decode_request("").error, "malformed JSON");
  EXPECT_EQ(decode_request("[1]").error, "expected a JSON object with a string \"type\"");
  EXPECT_EQ(decode_request(R"({"type":1})").error, "expected a JSON object with a string \"type\"");
  EXPECT_EQ(decode_request(R"({"type":"say"})").error, "expected a string \"text\"");
  EXPECT_EQ(decode_request(R"({"type":"nick","nick":null})").error, "expected a string \"nick\"");
  EXPECT_EQ(decode_request(R"({"type":"dance"})").error, "unknown type: dance");
  EXPECT_EQ(decode_request(R"({"type":"dance"})").kind, RequestKind::invalid);
}

}  // namespace
