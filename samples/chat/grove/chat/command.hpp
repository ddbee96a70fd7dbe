#pragma once
// command.hpp — the chat's input decoders as pure functions: one TCP line
// into a LineCommand, one WebSocket JSON text frame into a JsonRequest.
// Neither touches a session or a room, so the fuzz targets (fuzz/, see
// docs/fuzzing.md) and unit tests call them directly.

#include <string>
#include <string_view>

namespace grove::chat {

// What a TCP line asks for: "/nick NAME", "/join ROOM", "/rooms [AFTER]",
// "/who", "/quit", an unknown "/..." command, or text to say.
enum class LineKind { empty, say, nick, join, rooms, who, quit, unknown };

struct LineCommand {
  LineKind kind = LineKind::empty;
  // say: the whole line; a command: its argument (after the first space,
  // spaces and tabs trimmed at both ends), "" when none.
  std::string arg;
};

// parse_line(line) splits one line (without its "\n" or "\r\n"). It never
// throws but for bad_alloc; the caller checks the text (text_error) first.
LineCommand parse_line(std::string_view line);

// What a WebSocket JSON frame asks for: {"type":"nick","nick":N},
// {"type":"join","room":R}, {"type":"say","text":T}, {"type":"who"},
// {"type":"rooms","after":A?}, or something the chat answers with an error.
enum class RequestKind { invalid, nick, join, say, who, rooms };

struct JsonRequest {
  RequestKind kind = RequestKind::invalid;
  std::string arg;    // nick, room, text, or after ("" when absent)
  std::string error;  // invalid: the text of the {"type":"error"} answer
};

// decode_request(text) decodes one frame with nlohmann::json; a malformed
// frame is an invalid request whose error says what was expected. It never
// throws but for bad_alloc.
JsonRequest decode_request(std::string_view text);

}  // namespace grove::chat
