#pragma once
// detail/native_fd.hpp — checks for adopting a native descriptor (gevent's
// socket(fileno=fd)): the descriptor must be open and be a socket of the
// expected type and family. A bad descriptor is a UsageError that names the
// call and says what was found, never undefined behaviour later.

namespace grove::detail {

// checked_socket_fd(fd, type, inet, what) returns fd's address family
// when fd is an open socket of `type` (SOCK_STREAM, SOCK_DGRAM) and of
// family AF_INET or AF_INET6 (inet) or AF_UNIX (!inet); otherwise it
// throws UsageError naming `what`.
int checked_socket_fd(int fd, int type, bool inet, const char* what);
// is_listening(fd) is true when fd is a stream socket in the listening state.
bool is_listening(int fd);

}  // namespace grove::detail
