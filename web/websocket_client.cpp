// websocket_client.cpp — WebSocketClient: the URL and the connection; the
// opening handshake and everything after it are web::WebSocket's
// (websocket.cpp, its client role).
#include <grove/web/websocket_client.hpp>

#include <grove/errors.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/tls.hpp>
#include <grove/web/http_client.hpp>

#include <cctype>
#include <string>

namespace grove::web::detail {

namespace {

// http_form(url) is url with ws:// or wss:// as http:// or https://, for parse_url().
std::string http_form(std::string_view url) {
  auto scheme_is = [&](std::string_view scheme) {
    if (url.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
    return true;
  };
  if (scheme_is("ws://")) return "http://" + std::string(url.substr(5));
  if (scheme_is("wss://")) return "https://" + std::string(url.substr(6));
  throw UsageError("web::WebSocketClient(\"" + std::string(url) + "\"): not a ws:// or wss:// URL");
}

}  // namespace

WsClientConnection::WsClientConnection(std::string_view url, Duration timeout, TlsContext* tls) {
  const Url u = parse_url(http_form(url));
  const TimePoint deadline = Deadline(timeout).time_point("web::WebSocketClient");
  if (u.tls) {
    if (!tls) {
      own_tls = std::make_unique<TlsContext>(TlsContext::client());
      tls = own_tls.get();
    }
    stream = std::make_unique<TlsStream>(TlsStream::connect(u.host, u.port, *tls, deadline));
  } else {
    auto s = std::make_unique<TcpSocket>(TcpSocket::connect(u.host, u.port, deadline));
    s->set_no_delay(true);
    stream = std::move(s);
  }
  Request::Message m{http::verb::get, u.target, 11};
  m.set(http::field::host, host_header(u));
  upgrade = std::make_unique<Request>(std::move(m), stream.get());
}

WsClientConnection::~WsClientConnection() = default;

}  // namespace grove::web::detail

namespace grove::web {

WebSocketClient::WebSocketClient(std::string_view url, WebSocketOptions options, TlsContext* tls)
    : detail::WsClientConnection(url, options.handshake_timeout, tls),
      WebSocket(ClientRole{}, *upgrade, *stream, std::move(options)) {}

}  // namespace grove::web
