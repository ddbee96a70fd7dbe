#pragma once
// message.hpp — ChatMessage, one message said in a room, and its two wire
// forms: the TCP chat line and the JSON object of the WebSocket and
// long-poll protocols. Messages are immutable once recorded and shared by
// every subscriber that receives them.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace grove::chat {

struct ChatMessage {
  std::string room;
  std::string from;
  std::string text;
  std::uint64_t seq = 0;  // 1, 2, 3, ... per room
  // The wire forms, made once by make_message() and copied to each
  // subscriber (a room fans out without formatting per member).
  std::string line;       // to_line()
  std::string json_text;  // to_json().dump()
};
using MessagePtr = std::shared_ptr<const ChatMessage>;

// to_line(m) is "[ROOM] NAME: TEXT\n".
std::string to_line(const ChatMessage& m);
// to_json(m) is {"type":"message","room":..,"from":..,"text":..,"seq":N}.
nlohmann::json to_json(const ChatMessage& m);
// make_message(room, from, text, seq) is a message with its wire forms.
MessagePtr make_message(std::string room, std::string from, std::string text, std::uint64_t seq);

}  // namespace grove::chat
