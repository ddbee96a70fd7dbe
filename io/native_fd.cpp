// native_fd.cpp — checks for adopting native descriptors.

#include <grove/detail/native_fd.hpp>

#include <grove/errors.hpp>

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace grove::detail {

namespace {

std::string type_name(int type) {
  switch (type) {
    case SOCK_STREAM:
      return "a stream socket";
    case SOCK_DGRAM:
      return "a datagram socket";
    case SOCK_SEQPACKET:
      return "a seqpacket socket";
    case SOCK_RAW:
      return "a raw socket";
  }
  return "a socket of type " + std::to_string(type);
}

std::string family_name(int family) {
  switch (family) {
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_UNIX:
      return "AF_UNIX";
  }
  return "family " + std::to_string(family);
}

int sock_option(int fd, int option) {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) return -1;
  return value;
}

}  // namespace

int checked_socket_fd(int fd, int type, bool inet, const char* what) {
  const std::string call = std::string("grove: ") + what + "(" + std::to_string(fd) + "): ";
  if (fd < 0 || ::fcntl(fd, F_GETFD) == -1)
    throw UsageError(call + "not an open descriptor; pass the fd of an open socket this object may own");
  const int got_type = sock_option(fd, SO_TYPE);
  if (got_type < 0) throw UsageError(call + "not a socket (" + std::strerror(errno) + "); pass the fd of a socket");
  const int family = sock_option(fd, SO_DOMAIN);
  const bool family_ok = inet ? (family == AF_INET || family == AF_INET6) : family == AF_UNIX;
  const std::string wanted = inet ? "AF_INET or AF_INET6" : "AF_UNIX";
  if (got_type != type || !family_ok)
    throw UsageError(call + "the descriptor is " + type_name(got_type) + " of " + family_name(family) +
                     ", but this call adopts " + type_name(type) + " of " + wanted);
  return family;
}

bool is_listening(int fd) { return sock_option(fd, SO_ACCEPTCONN) == 1; }

}  // namespace grove::detail
