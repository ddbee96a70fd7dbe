// w9_grove_http [--port P] [--host 127.0.0.1]: the grove side of W9 (HTTP
// hello, ../../../shared/bench/WORKLOADS.md). Every request is answered
// with the 13-byte body "Hello, World!" over keep-alive, on grove-chat's
// HTTP stack: grove::StreamServer runs one fiber per connection, and Boost.
// Beast's synchronous http::read/http::write run on the green grove::Stream.
// Prints "w9_grove_http listening on HOST:PORT" (the real port after
// --port 0) and serves until SIGTERM or SIGINT.
//
// --gather is a diagnostic, not the W9 configuration: Beast's writes then go
// through GatheringStream, which copies a whole buffer sequence into one
// send, to measure what gathered writes in grove::Stream::write_some would
// give (grove::Stream writes only the first buffer of a sequence, so one
// Beast response costs one send() per header piece).

#include <grove/signal.hpp>
#include <grove/stream_server.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace http = boost::beast::http;

namespace {

constexpr const char* hello = "Hello, World!";

// raise_fd_limit() lifts the soft descriptor limit to the hard one.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// GatheringStream is a grove::Stream whose write_some sends a whole buffer
// sequence at once (copied into one block); reads go straight through.
class GatheringStream {
 public:
  explicit GatheringStream(grove::Stream& stream) : stream_(stream) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    return stream_.read_some(buffers, ec);
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    return stream_.read_some(buffers);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    block_.clear();
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
         ++it) {
      boost::asio::const_buffer b(*it);
      block_.append(static_cast<const char*>(b.data()), b.size());
    }
    stream_.send_all(block_, ec);
    return ec ? 0 : block_.size();
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec, "GatheringStream::write_some");
    return n;
  }

 private:
  grove::Stream& stream_;
  std::string block_;
};

// serve_http() answers the requests of one connection until the peer
// closes, asks to close, or sends something that is not HTTP.
template <class SyncStream>
void serve_http(SyncStream& stream) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    const bool found = req.method() == http::verb::get && req.target() == "/";
    http::response<http::string_body> res{found ? http::status::ok : http::status::not_found, req.version()};
    res.set(http::field::server, "grove");
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = found ? hello : "not found\n";
    res.prepare_payload();
    http::write(stream, res, ec);
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8080;
  bool gather = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else if (!std::strcmp(argv[i], "--gather")) gather = true;
    else {
      std::fprintf(stderr, "usage: w9_grove_http [--port P] [--host 127.0.0.1] [--gather]\n");
      return 2;
    }
  }
  raise_fd_limit();
  try {
    grove::StreamServer::Handler handler = [](grove::Stream& s, const grove::TcpEndpoint&) { serve_http(s); };
    if (gather) {
      handler = [](grove::Stream& s, const grove::TcpEndpoint&) {
        GatheringStream gathering(s);
        serve_http(gathering);
      };
    }
    grove::StreamServer server(grove::tcp_endpoint(host, static_cast<std::uint16_t>(port)), std::move(handler),
                               {.listen = {.backlog = 4096}});
    server.start();
    std::printf("w9_grove_http listening on %s:%u\n", host.c_str(), server.port());
    std::fflush(stdout);
    auto on_term = grove::signal(SIGTERM, [&] { server.stop(std::chrono::seconds(1)); });
    auto on_int = grove::signal(SIGINT, [&] { server.stop(std::chrono::seconds(1)); });
    server.serve_forever();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w9_grove_http: %s\n", e.what());
    return 1;
  }
  return 0;
}
