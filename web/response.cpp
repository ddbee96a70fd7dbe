// response.cpp — Response factories and ChunkWriter (Beast's chunk framing).
#include <grove/web/response.hpp>

#include <grove/errors.hpp>
#include <grove/hub.hpp>
#include <grove/io_error.hpp>
#include <grove/stream.hpp>

#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace grove::web {

Response::Response(http::status status, std::string body, std::string_view content_type) : message_(status, 11) {
  message_.set(http::field::content_type, to_beast(content_type));
  message_.body() = std::move(body);
}

Response Response::stream(std::string_view content_type, Producer producer, http::status status) {
  if (!producer) throw UsageError("web::Response::stream: the producer is empty; pass a callable taking ChunkWriter&");
  Response r(status, {}, content_type);
  r.producer_ = std::move(producer);
  return r;
}

Response Response::take_over(Takeover fn) {
  if (!fn) throw UsageError("web::Response::take_over: the function is empty");
  Response r(http::status::switching_protocols);
  r.takeover_ = std::move(fn);
  return r;
}

namespace {
// A write that must end by deadline: the stream's own timeout, restored after.
template <class Buffers>
void write_by(Stream& s, const Buffers& buffers, Duration limit, const char* what) {
  const Deadline saved = s.timeout();
  s.set_timeout(Deadline(deadline_after(hub().now(), limit)));
  boost::system::error_code ec;
  boost::asio::write(s, buffers, ec);
  s.set_timeout(saved);
  if (ec) throw IoError(ec, what);
}
}  // namespace

void ChunkWriter::write(std::string_view piece) {
  if (finished_) throw UsageError("web::ChunkWriter::write: the body is finished; write before the producer returns");
  if (piece.empty()) return;
  if (chunked_)
    write_by(*stream_, boost::beast::http::make_chunk(boost::asio::buffer(piece.data(), piece.size())), write_timeout_,
             "web::ChunkWriter::write");
  else write_by(*stream_, boost::asio::buffer(piece.data(), piece.size()), write_timeout_, "web::ChunkWriter::write");
  bytes_ += piece.size();
}

void ChunkWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (chunked_) write_by(*stream_, boost::beast::http::make_chunk_last(), write_timeout_, "web::ChunkWriter::finish");
}

}  // namespace grove::web
