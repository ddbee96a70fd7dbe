#pragma once
// protocol.hpp — the input rules shared by the three protocols: what a
// nick and a room name may be, and UTF-8 validity.

#include <string_view>

namespace grove::chat {

// valid_nick(s): 1-32 characters of [A-Za-z0-9_-].
bool valid_nick(std::string_view s) noexcept;
// valid_room(s): 1-64 characters of [A-Za-z0-9_-].
bool valid_room(std::string_view s) noexcept;
// valid_utf8(s): s is well-formed UTF-8 (no overlongs, surrogates, or
// code points past U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

}  // namespace grove::chat
