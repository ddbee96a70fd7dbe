// file_object_test.cpp — grove::FileObject on real pipes: read(n),
// read_all, readline (with read-ahead kept), write of more than a pipe
// holds, flush/close, EPIPE, misuse, Timeout, and the hub running other
// fibers while a pipe read waits.

#include <grove/file_object.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>

#include "io_test_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace grove;
using namespace grove::test;

namespace {

class FileObjectTest : public HubTest {};

TEST_F(FileObjectTest, ReadlineReadAndReadAllSplitThePipeContents) {
  auto [in, out] = FileObject::pipe();
  out.write("first\nsecond\nthe rest");
  out.close();
  EXPECT_EQ(in.readline(), "first\n");
  EXPECT_EQ(in.read(3), "sec");  // served from what readline read ahead
  EXPECT_EQ(in.readline(), "ond\n");
  EXPECT_EQ(in.read_all(), "the rest");
  EXPECT_EQ(in.read(10), "");  // end of file
  EXPECT_EQ(in.readline(), "");
}

TEST_F(FileObjectTest, ReadlineStopsAtItsMaximum) {
  auto [in, out] = FileObject::pipe();
  out.write("abcdef\n");
  EXPECT_EQ(in.readline(4), "abcd");
  EXPECT_EQ(in.readline(), "ef\n");
}

TEST_F(FileObjectTest, TheHubRunsOtherFibersWhileAPipeReadWaits) {
  auto [in, out] = FileObject::pipe();
  int ticks = 0;
  auto reader = spawn([&in] { return in.readline(); });
  auto ticker = spawn([&] {
    for (int i = 0; i < 5; ++i) {
      ++ticks;
      this_fiber::sleep(1ms);
    }
    out.write("done\n");
  });
  EXPECT_EQ(reader.get(), "done\n");
  EXPECT_EQ(ticks, 5);  // all ran while the reader was parked
  ticker.join();
}

TEST_F(FileObjectTest, AWriteLargerThanThePipeParksUntilTheReaderDrainsIt) {
  auto [in, out] = FileObject::pipe();
  const std::string big(1 << 20, 'x');  // far more than a pipe buffer
  auto writer = spawn([&] {
    out.write(big);
    out.close();
  });
  std::string got = in.read_all();
  writer.join();
  EXPECT_EQ(got.size(), big.size());
  EXPECT_EQ(got, big);
}

TEST_F(FileObjectTest, ATimeoutInterruptsAReadThatWaits) {
  auto [in, out] = FileObject::pipe();
  EXPECT_THROW(
      {
        Timeout t(20ms);
        (void)in.read(1);
      },
      Timeout);
  out.write("x");
  EXPECT_EQ(in.read(1), "x");  // the object is still usable
}

TEST_F(FileObjectTest, WritingToAPipeNobodyReadsIsAnIoError) {
  auto [in, out] = FileObject::pipe();
  in.close();
  EXPECT_THROW(out.write("lost"), IoError);
}

TEST_F(FileObjectTest, FlushAndCloseAndUseAfterClose) {
  auto [in, out] = FileObject::pipe();
  out.write("a");
  out.flush();
  const int fd = out.fileno();
  out.close();
  out.close();  // idempotent
  EXPECT_TRUE(out.closed());
  EXPECT_EQ(out.fileno(), -1);
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // the descriptor was closed
  EXPECT_THROW(out.write("b"), UsageError);
  EXPECT_THROW(out.flush(), UsageError);
  EXPECT_EQ(in.read_all(), "a");
}

TEST_F(FileObjectTest, ClosingWhileAnotherFiberReadsIsAUsageError) {
  auto [in, out] = FileObject::pipe();
  auto reader = spawn([&in] { return in.read(1); });
  this_fiber::yield();
  EXPECT_THROW(in.close(), UsageError);
  out.write("z");
  EXPECT_EQ(reader.get(), "z");
  in.close();
}

TEST_F(FileObjectTest, ARegularFileIsAUsageErrorPointingToThreadFileObject) {
  char path[] = "/tmp/grove_file_object_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  try {
    FileObject f(fd);
    FAIL() << "a regular file was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ThreadFileObject"), std::string::npos) << e.what();
  }
  ::close(fd);
  ::unlink(path);
}

TEST_F(FileObjectTest, AnAdoptedDescriptorIsLeftOpenWhenNotOwned) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    FileObject w(fds[1], /*close_fd=*/false);
    w.write("kept");
  }
  EXPECT_NE(::fcntl(fds[1], F_GETFD), -1);
  ::close(fds[1]);
  FileObject r(fds[0]);
  EXPECT_EQ(r.read_all(), "kept");
}

}  // namespace
