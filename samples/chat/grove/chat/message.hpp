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
};
using MessagePtr = std::shared_ptr<const ChatMessage>;

// to_line(m) is "[ROOM] NAME: TEXT\n".
std::string to_line(const ChatMessage& m);
// to_json(m) is {"type":"message","room":..,"from":..,"text":..,"seq":N}.
nlohmann::json to_json(const ChatMessage& m);

}  // namespace grove::chat
