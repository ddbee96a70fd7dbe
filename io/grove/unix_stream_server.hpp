#pragma once
// unix_stream_server.hpp — UnixStreamServer: StreamServer over an AF_UNIX
// path (one implementation, BasicStreamServer in stream_server.hpp), with
// the same handlers, pool, max_connections, back-off and stop(grace):
//
//   const std::string path = (dir / "app.sock").string();   // dir: a std::filesystem::path
//   grove::UnixStreamServer server(grove::unix_endpoint(path),
//                                  [](grove::Stream& s) { s.send_all("hello\n"); });
//   server.start();
//   auto client = grove::UnixSocket::connect(path);
//   ...
//   server.stop();
//   std::filesystem::remove(path);   // the socket file stays, as with bind(2)
//
// TLS is served over TCP only (options.tls set is a UsageError); no_delay
// and listen.reuse_address do not apply. The peer a handler gets is
// usually unnamed (an empty path): clients rarely bind.

#include <grove/stream_server.hpp>
#include <grove/unix_listener.hpp>

namespace grove {

extern template class BasicStreamServer<UnixListener>;

class UnixStreamServer final : public BasicStreamServer<UnixListener> {
 public:
  using BasicStreamServer::BasicStreamServer;
};

}  // namespace grove
