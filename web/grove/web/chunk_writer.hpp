#pragma once
// chunk_writer.hpp — ChunkWriter, what a streaming response's producer
// writes to: each write() goes to the client at once as one HTTP/1.1 chunk
// (Transfer-Encoding: chunked), so a handler sends pieces as they are ready
// (pywsgi's generator responses):
//
//   return web::Response::stream("text/plain", [](web::ChunkWriter& out) {
//     out.write("Hello\n");
//     grove::this_fiber::sleep(1s);
//     out.write("World\n");
//   });
//
// An HTTP/1.0 client gets the raw bytes and the connection closes at the
// end. Each write must finish within HttpLimits::write_timeout; a write
// that fails (the client went away, or that timeout) throws IoError, which
// ends the producer and the connection. write("") does nothing (an empty
// chunk would end the body).

#include <grove/duration.hpp>

#include <cstddef>
#include <string_view>

namespace grove {
class Stream;
}

namespace grove::web {

class ChunkWriter {
 public:
  // ChunkWriter(s, chunked, write_timeout): used by the HTTP session.
  ChunkWriter(Stream& s, bool chunked, Duration write_timeout) noexcept
      : stream_(&s), chunked_(chunked), write_timeout_(write_timeout) {}
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  void write(std::string_view piece);
  // finish() sends the last (empty) chunk; the session calls it after the
  // producer returns. Writing after finish() is a UsageError.
  void finish();
  bool finished() const noexcept { return finished_; }
  // bytes() counts the payload bytes written so far.
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  Stream* stream_;
  bool chunked_;
  Duration write_timeout_;
  bool finished_ = false;
  std::size_t bytes_ = 0;
};

}  // namespace grove::web
