#pragma once
// hook_test_support.hpp — plain-libc loopback helpers for the hook suites
// (the point is that the code under test uses the ordinary blocking API),
// and Ticker, the proof that the hub kept running other fibers while one
// was parked in a hooked call.

#include <grove/fiber.hpp>
#include <grove/this_fiber.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <utility>

namespace grove::test {

// listen_loopback(type_flags) is a listening TCP socket on 127.0.0.1 (a
// free port); port_of(fd) is its port.
inline int listen_loopback(int type_flags = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | type_flags, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd, 64), 0);
  return fd;
}

inline std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// connect_loopback(port) is a blocking TCP socket connected to port.
inline int connect_loopback(std::uint16_t port, int type_flags = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | type_flags, 0);
  const sockaddr_in a = loopback(port);
  const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  EXPECT_TRUE(r == 0 || (r < 0 && errno == EINPROGRESS)) << "connect: errno " << errno;
  return fd;
}

// Pair is a connected pair of blocking TCP sockets on loopback.
struct Pair {
  int a = -1;
  int b = -1;
  Pair() {
    const int l = listen_loopback();
    a = connect_loopback(port_of(l));
    b = ::accept(l, nullptr, nullptr);
    ::close(l);
  }
  ~Pair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
};

inline bool nonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

// Ticker is a fiber that counts 1 ms ticks (grove's own sleep, not a hooked
// call) until stopped: ticks() > 0 across a hooked call proves the hub ran
// it meanwhile. Its first tick comes before any other timer of 1 ms or
// more, however loaded the machine; ticks() after stop() counts only the
// ticks before stop(), not the one its last wake-up adds.
class Ticker {
 public:
  Ticker()
      : fiber_(grove::spawn([this] {
          while (!stop_) {
            grove::this_fiber::sleep(std::chrono::milliseconds(1));
            ++ticks_;
          }
        })) {}
  ~Ticker() { stop(); }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  int ticks() const { return stop_ ? stopped_at_ : ticks_; }
  void stop() {
    if (!stop_) stopped_at_ = ticks_;
    stop_ = true;
    if (!fiber_.dead()) fiber_.join();
  }

 private:
  bool stop_ = false;
  int ticks_ = 0;
  int stopped_at_ = 0;
  grove::Fiber<void> fiber_;
};

// elapsed_ms(since) is wall time since a steady_clock point.
inline double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace grove::test
