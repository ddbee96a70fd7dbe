// stream.cpp — the buffered half of Stream, shared by every stream type.

#include <grove/stream.hpp>

#include <grove/hub.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

namespace grove {

namespace {
constexpr std::size_t chunk_size = 4096;
}

Stream::~Stream() = default;

Stream::Stream(Stream&& other) noexcept
    : buf_(std::move(other.buf_)),
      cap_(std::exchange(other.cap_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)),
      read_end_(other.read_end_),
      timeout_(other.timeout_) {}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    buf_ = std::move(other.buf_);
    cap_ = std::exchange(other.cap_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
    read_end_ = other.read_end_;
    timeout_ = other.timeout_;
  }
  return *this;
}

void Stream::wait_readable_raw(error_code& ec, TimePoint) { ec = {}; }

TimePoint Stream::deadline() const {
  return timeout_.time_point("Stream::set_timeout");  // checked by set_timeout()
}

std::size_t Stream::take(void* out, std::size_t size) noexcept {
  std::size_t n = std::min(size, end_ - begin_);
  std::memcpy(out, buf_.get() + begin_, n);
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
  return n;
}

std::size_t Stream::read_more(void* data, std::size_t size, error_code& ec, TimePoint deadline) {
  if (read_end_) {
    ec = read_end_;
    return 0;
  }
  std::size_t n = read_raw(data, size, ec, deadline);
  if (n == 0 && (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
                 ec == boost::asio::error::connection_aborted))
    read_end_ = ec;
  return n;
}

bool Stream::fill(std::size_t want, error_code& ec, TimePoint deadline) {
  if (read_end_) {
    ec = read_end_;
    return false;
  }
  if (!buf_) {
    // First read: wait for data before the buffer exists, so an idle
    // connection holds no buffer memory.
    wait_readable_raw(ec, deadline);
    if (ec) return false;
    cap_ = std::max(chunk_size, want);
    buf_.reset(new char[cap_]);
  }
  if (begin_ > 0 && (end_ == cap_ || cap_ - begin_ < want)) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (cap_ - begin_ < want) {
    std::size_t cap = std::max(want, cap_ * 2);
    std::unique_ptr<char[]> grown(new char[cap]);
    std::memcpy(grown.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    buf_ = std::move(grown);
    cap_ = cap;
  }
  std::size_t n = read_more(buf_.get() + end_, cap_ - end_, ec, deadline);
  end_ += n;
  if (n > 0) {
    ec = {};
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- reading

std::size_t Stream::recv_some(void* data, std::size_t size, error_code& ec) {
  ec = {};
  if (size == 0) return 0;
  if (end_ > begin_) return take(data, size);
  std::size_t n = read_more(data, size, ec, deadline());
  if (ec == boost::asio::error::eof) ec = {};
  return n;
}

std::size_t Stream::recv_some(void* data, std::size_t size) {
  error_code ec;
  std::size_t n = recv_some(data, size, ec);
  detail::throw_if(ec, "Stream::recv_some");
  return n;
}

std::string_view Stream::recv_view(std::size_t max, error_code& ec) {
  ec = {};
  if (max == 0) return {};
  if (end_ == begin_ && !fill(1, ec, deadline())) {
    if (ec == boost::asio::error::eof) ec = {};
    return {};
  }
  std::size_t n = std::min(max, end_ - begin_);
  std::string_view view(buf_.get() + begin_, n);
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;  // the bytes stay in place until the next read
  return view;
}

std::string_view Stream::recv_view(std::size_t max) {
  error_code ec;
  auto v = recv_view(max, ec);
  detail::throw_if(ec, "Stream::recv_view");
  return v;
}

std::string Stream::recv(std::size_t max, error_code& ec) { return std::string(recv_view(max, ec)); }

std::string Stream::recv(std::size_t max) { return std::string(recv_view(max)); }

std::string Stream::read_line(std::size_t max_length, error_code& ec) {
  ec = {};
  if (max_length == 0) max_length = 1;
  const TimePoint until = deadline();
  std::size_t scanned = 0;
  for (;;) {
    const char* start = buf_ ? buf_.get() + begin_ : nullptr;
    const std::size_t have = end_ - begin_;
    const std::size_t limit = std::min(have, max_length);
    if (limit > scanned) {
      if (const void* nl = std::memchr(start + scanned, '\n', limit - scanned)) {
        std::size_t len = static_cast<const char*>(nl) - start + 1;
        std::string line(start, len);
        begin_ += len;
        if (begin_ == end_) begin_ = end_ = 0;
        return line;
      }
      scanned = limit;
    }
    if (have >= max_length) {
      ec = io_errc::line_too_long;  // the bytes stay buffered
      return {};
    }
    error_code read_ec;
    if (!fill(std::min(max_length, std::max(have + 1, chunk_size)), read_ec, until)) {
      if (read_ec == boost::asio::error::eof) {
        // The last line of the stream has no '\n'.
        std::string rest(buf_ ? buf_.get() + begin_ : nullptr, end_ - begin_);
        begin_ = end_ = 0;
        return rest;
      }
      ec = read_ec;
      return {};
    }
    // fill() may have moved the buffer: rescan from the same offset.
  }
}

std::string Stream::read_line(std::size_t max_length) {
  error_code ec;
  auto line = read_line(max_length, ec);
  detail::throw_if(ec, "Stream::read_line");
  return line;
}

std::size_t Stream::read_exactly(void* data, std::size_t size, error_code& ec) {
  ec = {};
  char* out = static_cast<char*>(data);
  std::size_t got = 0;
  if (end_ > begin_) got = take(out, size);
  const TimePoint until = deadline();
  while (got < size) {
    std::size_t n = read_more(out + got, size - got, ec, until);
    if (n == 0) {
      if (!ec) ec = boost::asio::error::eof;
      return got;
    }
    ec = {};
    got += n;
  }
  return got;
}

std::size_t Stream::read_exactly(void* data, std::size_t size) {
  error_code ec;
  std::size_t n = read_exactly(data, size, ec);
  detail::throw_if(ec, "Stream::read_exactly");
  return n;
}

std::string Stream::read_exactly(std::size_t n, error_code& ec) {
  std::string out(n, '\0');
  out.resize(read_exactly(out.data(), n, ec));
  return out;
}

std::string Stream::read_exactly(std::size_t n) {
  error_code ec;
  auto out = read_exactly(n, ec);
  detail::throw_if(ec, "Stream::read_exactly");
  return out;
}

// ---------------------------------------------------------------- writing

std::size_t Stream::send_some(const void* data, std::size_t size, error_code& ec) {
  ec = {};
  if (size == 0) return 0;
  return write_raw(data, size, ec, deadline());
}

std::size_t Stream::send_some_gather(const boost::asio::const_buffer* buffers, std::size_t count, error_code& ec) {
  ec = {};
  if (count == 0) return 0;
  if (count == 1) return write_raw(buffers[0].data(), buffers[0].size(), ec, deadline());
  return write_raw_gather(buffers, count, ec, deadline());
}

std::size_t Stream::write_raw_gather(const boost::asio::const_buffer* buffers, std::size_t, error_code& ec,
                                     TimePoint deadline) {
  return write_raw(buffers[0].data(), buffers[0].size(), ec, deadline);
}

std::size_t Stream::send_some(const void* data, std::size_t size) {
  error_code ec;
  std::size_t n = send_some(data, size, ec);
  detail::throw_if(ec, "Stream::send_some");
  return n;
}

void Stream::send_all(const void* data, std::size_t size, error_code& ec) {
  ec = {};
  const char* p = static_cast<const char*>(data);
  const TimePoint until = size > 0 ? deadline() : TimePoint::max();
  while (size > 0) {
    std::size_t n = write_raw(p, size, ec, until);
    if (ec) return;
    p += n;
    size -= n;
  }
}

void Stream::send_all(const void* data, std::size_t size) {
  error_code ec;
  send_all(data, size, ec);
  detail::throw_if(ec, "Stream::send_all");
}

void Stream::shutdown_send() {
  error_code ec;
  shutdown_send(ec);
  detail::throw_if(ec, "Stream::shutdown_send");
}

}  // namespace grove
