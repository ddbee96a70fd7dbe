#pragma once
// io/src/socket_core.hpp — what the socket cores share (stream_socket.cpp,
// datagram_socket.cpp, listener.cpp). Private to grove::io: not under
// grove/, never installed.
//
// Contract. ProtocolTraits<P> names, for each protocol the cores are
// instantiated for (TCP, UDP, AF_UNIX stream and datagram), the socket type
// and family a descriptor must have to be adopted, and the Asio protocol
// object for a family. The helpers run one step on an Asio socket or
// acceptor ("object") and report errors as the cores do: adopt_native and
// the endpoint getters throw (UsageError for a wrong descriptor, IoError
// naming `what` otherwise); open_bound reports through ec and leaves the
// object closed on failure; close_quietly and cancel_quietly never fail.

#include <grove/io_error.hpp>
#include <grove/detail/native_fd.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/system/error_code.hpp>

#include <fcntl.h>
#include <sys/socket.h>

namespace grove::detail {

template <class Protocol>
struct ProtocolTraits;

template <>
struct ProtocolTraits<boost::asio::ip::tcp> {
  static constexpr int type = SOCK_STREAM;
  static constexpr bool inet = true;
  static boost::asio::ip::tcp protocol(int family) {
    return family == AF_INET6 ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4();
  }
};
template <>
struct ProtocolTraits<boost::asio::ip::udp> {
  static constexpr int type = SOCK_DGRAM;
  static constexpr bool inet = true;
  static boost::asio::ip::udp protocol(int family) {
    return family == AF_INET6 ? boost::asio::ip::udp::v6() : boost::asio::ip::udp::v4();
  }
};
template <>
struct ProtocolTraits<boost::asio::local::stream_protocol> {
  static constexpr int type = SOCK_STREAM;
  static constexpr bool inet = false;
  static boost::asio::local::stream_protocol protocol(int) { return {}; }
};
template <>
struct ProtocolTraits<boost::asio::local::datagram_protocol> {
  static constexpr int type = SOCK_DGRAM;
  static constexpr bool inet = false;
  static boost::asio::local::datagram_protocol protocol(int) { return {}; }
};

// close_on_exec(object) sets FD_CLOEXEC on object's descriptor, if open.
// Asio opens and accepts sockets without it; grove's sockets are not
// inherited by child processes (grove::Popen with close_fds off, or
// fork/exec by other code), as Python's sockets since PEP 446. F_SETFD on
// an open descriptor cannot fail. A child started by another thread
// between socket() and this call may still inherit it (Asio offers no
// SOCK_CLOEXEC); Popen's close_fds closes those too.
template <class Object>
void close_on_exec(Object& object) noexcept {
  if (!object.is_open()) return;
  const int fd = object.native_handle();
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) (void)::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

// close_quietly(object) closes object if it is open, ignoring errors.
template <class Object>
void close_quietly(Object& object) noexcept {
  boost::system::error_code ignored;
  if (object.is_open()) object.close(ignored);
}

// adopt_native<P>(object, fd, what) checks that fd is an open socket of P's
// type and family (checked_socket_fd) and hands it to object; object owns
// fd from then on. The caller makes it non-blocking as its kind needs.
template <class Protocol, class Object>
void adopt_native(Object& object, int fd, const char* what) {
  using Traits = ProtocolTraits<Protocol>;
  const int family = checked_socket_fd(fd, Traits::type, Traits::inet, what);
  boost::system::error_code ec;
  object.assign(Traits::protocol(family), fd, ec);
  throw_if(ec, what);
}

// open_bound(object, local, ec, before_bind, after_bind) opens object for
// local's protocol, calls before_bind(ec) (options such as SO_REUSEADDR),
// binds it to local, calls after_bind(ec) (listen) and makes it
// non-blocking. Each step runs only while ec is clear; on an error the
// object is closed again and ec says what failed.
template <class Object, class Endpoint, class BeforeBind, class AfterBind>
void open_bound(Object& object, const Endpoint& local, boost::system::error_code& ec, BeforeBind&& before_bind,
                AfterBind&& after_bind) {
  ec = {};
  object.open(local.protocol(), ec);
  close_on_exec(object);
  if (!ec) before_bind(ec);
  if (!ec) object.bind(local, ec);
  if (!ec) after_bind(ec);
  if (!ec) object.non_blocking(true, ec);
  if (ec) close_quietly(object);
}

// cancel_quietly(object) cancels object's outstanding operations.
template <class Object>
void cancel_quietly(Object& object) noexcept {
  boost::system::error_code ignored;
  object.cancel(ignored);
}

// local_endpoint_of / remote_endpoint_of: the endpoint, or IoError(what).
template <class Object>
auto local_endpoint_of(const Object& object, const char* what) {
  boost::system::error_code ec;
  auto ep = object.local_endpoint(ec);
  throw_if(ec, what);
  return ep;
}

template <class Socket>
auto remote_endpoint_of(const Socket& socket, const char* what) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  throw_if(ec, what);
  return ep;
}

}  // namespace grove::detail
