// message.cpp — the wire forms of a ChatMessage.
#include <grove/chat/message.hpp>
#include <grove/chat/protocol.hpp>

namespace grove::chat {

std::string to_line(const ChatMessage& m) {
  std::string line;
  line.reserve(m.room.size() + m.from.size() + m.text.size() + 6);
  line += '[';
  line += m.room;
  line += "] ";
  line += m.from;
  line += ": ";
  line += m.text;
  line += '\n';
  return line;
}

nlohmann::json to_json(const ChatMessage& m) {
  return {{"type", "message"}, {"room", m.room}, {"from", m.from}, {"text", m.text}, {"seq", m.seq}};
}

MessagePtr make_message(std::string room, std::string from, std::string text, std::uint64_t seq) {
  auto m = std::make_shared<ChatMessage>();
  m->room = std::move(room);
  m->from = std::move(from);
  m->text = std::move(text);
  m->seq = seq;
  m->line = to_line(*m);
  m->json_text = to_json(*m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return m;
}

namespace {

bool valid_name(std::string_view s, std::size_t max) noexcept {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool valid_nick(std::string_view s) noexcept { return valid_name(s, 32); }
bool valid_room(std::string_view s) noexcept { return valid_name(s, 64); }

// valid_utf8 follows the well-formed byte sequences of Unicode 15, table 3-7.
bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) len = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    else return false;
    if (static_cast<std::size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i < len; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    p += len;
  }
  return true;
}

std::string_view text_error(std::string_view text, std::size_t max) noexcept {
  if (!valid_utf8(text)) return "invalid utf-8";
  if (text.size() > max) return "message too long";
  if (text.empty()) return "empty message";
  if (text.find_first_of("\r\n") != std::string_view::npos) return "a message is one line";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c0 = (c < 0x20 && c != '\t') || c == 0x7f;
    // C1 (U+0080..U+009F) is 0xC2 0x80..0x9F in UTF-8 (already validated).
    const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (c0 || c1) return "control characters are not allowed";
  }
  return "";
}

}  // namespace grove::chat
