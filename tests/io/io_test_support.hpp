#pragma once
// io_test_support.hpp — helpers shared by the io suites: a fresh hub per
// test, loopback endpoints, raw blocking peers, and child processes.

#include <grove/hub.hpp>

#include <gtest/gtest.h>

#include "hub_fixture.hpp"  // HubTest: a fresh hub per test, no fiber may outlive it

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace grove::test {

using namespace std::chrono_literals;

inline Duration since(TimePoint t0) { return Clock::now() - t0; }

// raw_connect() is a plain blocking client socket (not green) to 127.0.0.1:port.
inline int raw_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// free_port() is a port on 127.0.0.1 with no listener (bound, then released).
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

}  // namespace grove::test
