#pragma once
// websocket_client.hpp — WebSocketClient, the client side of RFC 6455
// (websocket-client's create_connection for gevent) on a TcpSocket or a
// TlsStream:
//
//   web::WebSocketClient ws("ws://127.0.0.1:8000/echo");
//   ws.send_text("hello");
//   if (auto m = ws.receive()) use(m->data);
//   ws.close();   // the closing handshake (1000); the destructor does it too
//
// It IS a web::WebSocket (websocket.hpp): the same receive(), send(),
// ping(), close(), the same bounded outbound queue and OverflowPolicy, read
// deadlines (the client pings a silent server too), message size limit and
// end reasons, so a function taking WebSocket& serves either side. Its
// frames are masked, as RFC 6455 requires of a client (Beast does it).
// After the closing handshake (either side's) the client waits, at most
// close_timeout, for the server to close the TCP connection first (RFC 6455
// 7.1.1), then closes its own: close() returns after that.
// Construction resolves and connects (ws://host[:port]/path?query, or
// wss:// through grove's TlsStream, verified against `tls` or, when it is
// null, the system's CA store) within options.handshake_timeout, then runs
// the opening handshake within handshake_timeout again. A connection or
// handshake failure is an IoError (IoTimeout past the deadline; a server
// that answers anything but 101 — a 404, a 426 — is the IoError
// websocket::error::upgrade_declined: Beast 1.74 does not keep that
// answer, so the status is not known); a URL that
// is not ws:// or wss:// is a UsageError. options.server_name is unused on
// this side. Use it from the hub's thread it was made on.

#include <grove/web/request.hpp>
#include <grove/web/websocket.hpp>

#include <memory>
#include <string_view>

namespace grove {
class Stream;
class TlsContext;
}  // namespace grove

namespace grove::web {

namespace detail {
// WsClientConnection is what the WebSocket base is built on: the
// connected stream and the upgrade request (a base listed first, so it is
// made before the WebSocket and destroyed after it).
struct WsClientConnection {
  WsClientConnection(std::string_view url, Duration timeout, TlsContext* tls);
  ~WsClientConnection();
  WsClientConnection(const WsClientConnection&) = delete;
  WsClientConnection& operator=(const WsClientConnection&) = delete;

  std::unique_ptr<TlsContext> own_tls;
  std::unique_ptr<Stream> stream;
  std::unique_ptr<Request> upgrade;
};
}  // namespace detail

class WebSocketClient : private detail::WsClientConnection, public WebSocket {
 public:
  // WebSocketClient(url, options, tls): connected and open (see above).
  explicit WebSocketClient(std::string_view url, WebSocketOptions options = {}, TlsContext* tls = nullptr);
};

}  // namespace grove::web
