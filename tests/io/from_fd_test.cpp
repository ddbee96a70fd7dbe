// from_fd_test.cpp — adopting native descriptors (gevent's
// socket(fileno=fd)): TcpSocket, UnixSocket, UdpSocket, UnixDatagramSocket,
// TcpListener and UnixListener take ownership; a wrong descriptor is a
// UsageError that says what it is.
#include <grove/tcp_listener.hpp>
#include <grove/tcp_socket.hpp>
#include <grove/udp_socket.hpp>
#include <grove/unix_datagram_socket.hpp>
#include <grove/unix_listener.hpp>
#include <grove/unix_socket.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>

#include "io_test_support.hpp"
#include "temp_dir.hpp"
#include "usage_error_of.hpp"

#include <sys/un.h>

#include <string>

using namespace grove;
using namespace grove::test;

namespace {

class FromFdTest : public HubTest {};

// is_open_fd(fd) is true while fd is an open descriptor.
bool is_open_fd(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

using grove::test::usage_error_of;

TEST_F(FromFdTest, TcpSocketAdoptsAConnectedDescriptorAndOwnsIt) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  const int fd = raw_connect(listener.local_endpoint().port());
  ASSERT_GE(fd, 0);
  TcpSocket server_side = listener.accept();
  {
    TcpSocket adopted = TcpSocket::from_fd(fd);
    EXPECT_EQ(adopted.native_handle(), fd);
    EXPECT_EQ(adopted.remote_endpoint().port(), listener.local_endpoint().port());
    adopted.send_all("from an fd\n");
    EXPECT_EQ(server_side.read_line(), "from an fd\n");
    // Reads park the fiber like any green socket.
    auto reader = spawn([&] { return adopted.read_line(); });
    server_side.send_all("back\n");
    EXPECT_EQ(reader.get(), "back\n");
  }
  EXPECT_FALSE(is_open_fd(fd)) << "the TcpSocket owned the descriptor and closed it";
}

TEST_F(FromFdTest, UnixSocketAndUnixDatagramSocketAdoptSocketpairs) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  UnixSocket a = UnixSocket::from_fd(sv[0]);
  UnixSocket b = UnixSocket::from_fd(sv[1]);
  auto reader = spawn([&] { return b.read_exactly(3); });
  a.send_all("abc");
  EXPECT_EQ(reader.get(), "abc");

  int dv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM, 0, dv), 0);
  UnixDatagramSocket x = UnixDatagramSocket::from_fd(dv[0]);
  UnixDatagramSocket y = UnixDatagramSocket::from_fd(dv[1]);
  x.send("datagram");
  EXPECT_EQ(y.recv(), "datagram");
}

TEST_F(FromFdTest, UdpSocketAdoptsABoundDescriptor) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  UdpSocket adopted = UdpSocket::from_fd(fd);
  UdpSocket peer(udp_endpoint("127.0.0.1", 0));
  peer.send_to("hi", adopted.local_endpoint());
  UdpEndpoint from;
  EXPECT_EQ(adopted.recv_from(from), "hi");
  EXPECT_EQ(from, peer.local_endpoint());
}

TEST_F(FromFdTest, ListenersAdoptBoundDescriptorsListeningOrNot) {
  // Bound but not listening: from_fd listens.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  TcpListener listener = TcpListener::from_fd(fd);
  auto client = spawn([port = listener.local_endpoint().port()] {
    auto c = TcpSocket::connect(tcp_endpoint("127.0.0.1", port), 2s);
    c.send_all("x");
  });
  TcpSocket accepted = listener.accept();
  EXPECT_EQ(accepted.read_exactly(1), "x");
  client.join();

  // Already listening (an AF_UNIX one this time).
  TempDir dir;
  const std::string path = dir.file("adopt.sock");
  const int ufd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  path.copy(un.sun_path, sizeof un.sun_path - 1);
  ASSERT_EQ(::bind(ufd, reinterpret_cast<sockaddr*>(&un), sizeof un), 0);
  ASSERT_EQ(::listen(ufd, 8), 0);
  UnixListener ulistener = UnixListener::from_fd(ufd);
  auto uclient = spawn([&] { (void)UnixSocket::connect(path, 2s); });
  UnixSocket uaccepted = ulistener.accept();
  EXPECT_TRUE(uaccepted.is_open());
  uclient.join();
}

TEST_F(FromFdTest, ABadDescriptorIsAUsageErrorThatSaysWhy) {
  EXPECT_NE(usage_error_of([] { (void)TcpSocket::from_fd(-1); }).find("not an open descriptor"), std::string::npos);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_NE(usage_error_of([&] { (void)TcpSocket::from_fd(pipe_fds[0]); }).find("not a socket"), std::string::npos);
  EXPECT_TRUE(is_open_fd(pipe_fds[0])) << "a refused descriptor stays the caller's";
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);

  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  const std::string wrong_type = usage_error_of([&] { (void)TcpSocket::from_fd(udp); });
  EXPECT_NE(wrong_type.find("a datagram socket of AF_INET"), std::string::npos) << wrong_type;
  EXPECT_THROW((void)UnixDatagramSocket::from_fd(udp), UsageError);  // right type, wrong family
  EXPECT_THROW((void)TcpListener::from_fd(udp), UsageError);
  ::close(udp);

  const int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_THROW((void)UdpSocket::from_fd(tcp), UsageError);
  EXPECT_THROW((void)UnixSocket::from_fd(tcp), UsageError);
  ::close(tcp);
}

}  // namespace
