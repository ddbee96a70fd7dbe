// sendfile_test.cpp — grove::sendfile: a real temporary file of a few MiB
// sent zero-copy over loopback TCP and an AF_UNIX pair, compared byte for
// byte; offsets, counts, the end of the file, deadlines and bad files.
#include <grove/sendfile.hpp>

#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/tcp_listener.hpp>
#include <grove/this_fiber.hpp>

#include "io_test_support.hpp"
#include "temp_dir.hpp"

#include <fstream>
#include <random>
#include <string>

namespace asio = boost::asio;
using namespace grove;
using namespace grove::test;
using boost::system::error_code;

namespace {

class SendfileTest : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    // 5 MiB + 123 bytes of pseudo-random content, so a shifted or
    // repeated chunk cannot compare equal by accident.
    content.resize(5 * 1024 * 1024 + 123);
    std::mt19937 gen(42);
    for (auto& c : content) c = static_cast<char>(gen());
    path = dir.file("payload.bin");
    std::ofstream(path, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
  }
  void TearDown() override {
    ::close(fd);
    HubTest::TearDown();
  }
  // read_all(s) reads s until its end.
  static std::string read_all(Stream& s) {
    std::string got;
    for (std::string chunk; !(chunk = s.recv(1 << 16)).empty();) got += chunk;
    return got;
  }

  TempDir dir;
  std::string content;
  std::string path;
  int fd = -1;
};

TEST_F(SendfileTest, AWholeFileOverLoopbackTcp) {
  TcpListener listener(tcp_endpoint("127.0.0.1", 0));
  auto sender = spawn([&] {
    TcpSocket s = listener.accept();
    // A small send buffer makes the kernel refuse most of it at first:
    // the fiber must park on writability many times.
    s.asio_socket().set_option(asio::socket_base::send_buffer_size(16 * 1024));
    const std::size_t n = sendfile(s, fd, 0, to_end_of_file, 10s);
    s.shutdown_send();
    return n;
  });
  TcpSocket client = TcpSocket::connect(listener.local_endpoint(), 2s);
  this_fiber::sleep(20ms);  // let the sender fill the socket and park
  const std::string got = read_all(client);
  EXPECT_EQ(sender.get(), content.size());
  ASSERT_EQ(got.size(), content.size());
  EXPECT_TRUE(got == content);
  // The file's own offset was left alone.
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 0);
}

TEST_F(SendfileTest, AnOffsetAndCountOverAUnixPair) {
  auto [a, b] = socketpair();
  const std::size_t offset = 1000, count = 3 * 1024 * 1024;
  auto sender = spawn([&, &a = a] {
    const std::size_t n = sendfile(a, fd, offset, count);
    a.shutdown_send();
    return n;
  });
  const std::string got = read_all(b);
  EXPECT_EQ(sender.get(), count);
  EXPECT_TRUE(got == content.substr(offset, count));
}

TEST_F(SendfileTest, StopsAtTheEndOfTheFile) {
  auto [a, b] = socketpair();
  const std::size_t offset = content.size() - 10;
  EXPECT_EQ(sendfile(a, fd, offset, 1000), 10u);
  EXPECT_EQ(b.read_exactly(10), content.substr(offset));
  EXPECT_EQ(sendfile(a, fd, content.size() + 5, 1000), 0u);
}

TEST_F(SendfileTest, ADeadlineEndsAStalledTransfer) {
  auto [a, b] = socketpair();  // b never reads
  error_code ec;
  const std::size_t n = sendfile(a, fd, 0, to_end_of_file, ec, 30ms);
  EXPECT_EQ(ec, asio::error::timed_out);
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, content.size());
  EXPECT_THROW(sendfile(a, fd, 0, to_end_of_file, 10ms), IoTimeout);
}

TEST_F(SendfileTest, BadFilesAndClosedSocketsAreErrors) {
  auto [a, b] = socketpair();
  error_code ec;
  EXPECT_EQ(sendfile(a, -1, 0, 10, ec), 0u);
  EXPECT_EQ(ec, asio::error::bad_descriptor);
  const int write_only = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(write_only, 0);
  EXPECT_THROW(sendfile(a, write_only, 0, 10), IoError);  // not open for reading: EBADF
  ::close(write_only);
  a.close();
  sendfile(a, fd, 0, 10, ec);
  EXPECT_EQ(ec, io_errc::not_connected);
  EXPECT_THROW(sendfile(a, fd, 0, 10, Duration(-1)), UsageError);
}

}  // namespace
