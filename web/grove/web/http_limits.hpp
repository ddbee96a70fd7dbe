#pragma once
// http_limits.hpp — HttpLimits, what one HTTP client may make the server
// hold, and the answer when it goes past (docs/web.md, "Limits"). Every
// refusal is a short text answer with `Connection: close`, after which the
// server shuts down its side and drains the client's input briefly (so the
// answer is not lost to a reset) before closing.
//
// | limit               | past it                                         |
// |---------------------|-------------------------------------------------|
// | max_header_bytes    | 431 Request Header Fields Too Large             |
// | max_body_bytes      | 413 Content Too Large (before reading the body  |
// |                     | when Content-Length says so)                    |
// | header_timeout      | 408 (head not complete this long after its      |
// |                     | first byte arrived)                             |
// | body_timeout        | 408 (body not complete this long after the head)|
// | idle_timeout        | a keep-alive connection with no new request is  |
// |                     | closed silently                                 |
// | write_timeout       | a client not reading an answer is dropped       |
// | max_connections     | 503 (HttpServer only)                           |
//
// Duration::max() means no limit for the durations.

#include <grove/duration.hpp>

#include <chrono>
#include <cstddef>

namespace grove::web {

struct HttpLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  Duration header_timeout = std::chrono::seconds(10);
  Duration body_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(60);
  Duration write_timeout = std::chrono::seconds(30);
  // linger bounds the drain after a refusal.
  Duration linger = std::chrono::seconds(1);
};

}  // namespace grove::web
