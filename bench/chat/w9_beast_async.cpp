// w9_beast_async [--port P] [--host 127.0.0.1]: W9's ceiling, a raw
// Boost.Beast asynchronous HTTP server in the classic shape (a listener
// with async_accept, a session per connection chaining async_read ->
// handle -> async_write -> async_read), on one io_context run by one
// thread. It answers every request with the 13-byte body "Hello, World!"
// over keep-alive, with the same headers as w9_grove_http and TCP_NODELAY,
// and no per-request timer (neither side has one). Prints
// "w9_beast_async listening on HOST:PORT" and serves until SIGTERM/SIGINT.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr const char* hello = "Hello, World!";

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Session serves one connection; it lives as long as an operation holds it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { read_request(); }

 private:
  void read_request() {
    req_ = {};
    http::async_read(socket_, buffer_, req_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return close();
    const bool found = req_.method() == http::verb::get && req_.target() == "/";
    res_ = http::response<http::string_body>{found ? http::status::ok : http::status::not_found, req_.version()};
    res_.set(http::field::server, "beast");
    res_.set(http::field::content_type, "text/plain");
    res_.keep_alive(req_.keep_alive());
    res_.body() = found ? hello : "not found\n";
    res_.prepare_payload();
    http::async_write(socket_, res_,
                      [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (ec || !res_.keep_alive()) return close();
    read_request();
  }

  void close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

// Listener accepts connections and starts a Session for each.
class Listener {
 public:
  Listener(asio::io_context& io, const tcp::endpoint& endpoint) : io_(io), acceptor_(io) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(4096);
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void start() { accept(); }
  void stop() {
    error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  void accept() {
    acceptor_.async_accept(io_, [this](error_code ec, tcp::socket socket) {
      if (!acceptor_.is_open()) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket))->start();
      }
      accept();
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8080;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else {
      std::fprintf(stderr, "usage: w9_beast_async [--port P] [--host 127.0.0.1]\n");
      return 2;
    }
  }
  raise_fd_limit();
  try {
    asio::io_context io{1};
    Listener listener(io, tcp::endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port)));
    listener.start();
    std::printf("w9_beast_async listening on %s:%u\n", host.c_str(), listener.port());
    std::fflush(stdout);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int) {
      listener.stop();
      io.stop();
    });
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w9_beast_async: %s\n", e.what());
    return 1;
  }
  return 0;
}
