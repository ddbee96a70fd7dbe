// thread_file_object_test.cpp — grove::ThreadFileObject on a real temp
// file: write then read back, readline with read-ahead, seek/tell across
// it, append mode, modes and misuse, errors from the worker, and the hub
// running other fibers while a call waits for the pool.

#include <grove/thread_file_object.hpp>

#include <grove/errors.hpp>
#include <grove/fiber.hpp>
#include <grove/io_error.hpp>
#include <grove/this_fiber.hpp>
#include <grove/thread_pool.hpp>

#include "io_test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace grove;
using namespace grove::test;

namespace {

class ThreadFileObjectTest : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    char tmpl[] = "/tmp/grove_thread_file_XXXXXX";
    const int fd = ::mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path = tmpl;
  }
  void TearDown() override {
    ::unlink(path.c_str());
    HubTest::TearDown();
  }
  ThreadPool pool{2};
  std::string path;
};

TEST_F(ThreadFileObjectTest, WhatIsWrittenReadsBack) {
  {
    ThreadFileObject out(pool, path, "w");
    out.write("alpha\nbeta\n");
    out.write("gamma");
    out.flush();
    out.sync();
    out.close();
  }
  ThreadFileObject in(pool, path);
  EXPECT_EQ(in.readline(), "alpha\n");
  EXPECT_EQ(in.read(2), "be");
  EXPECT_EQ(in.readline(), "ta\n");
  EXPECT_EQ(in.read_all(), "gamma");
  EXPECT_EQ(in.read(5), "");
  EXPECT_EQ(in.readline(), "");
}

TEST_F(ThreadFileObjectTest, SeekAndTellAccountForWhatReadlineReadAhead) {
  ThreadFileObject f(pool, path, "w+");
  f.write("0123456789\nabc\n");
  EXPECT_EQ(f.tell(), 15);
  EXPECT_EQ(f.seek(0), 0);
  EXPECT_EQ(f.readline(), "0123456789\n");
  EXPECT_EQ(f.tell(), 11);  // not where the worker's read-ahead left the descriptor
  EXPECT_EQ(f.seek(-2, SEEK_CUR), 9);
  EXPECT_EQ(f.read(2), "9\n");
  EXPECT_EQ(f.seek(-4, SEEK_END), 11);
  f.write("XYZ");  // overwrites at the position, not after the read-ahead
  f.seek(0);
  EXPECT_EQ(f.read_all(), "0123456789\nXYZ\n");
}

TEST_F(ThreadFileObjectTest, AppendModeWritesAtTheEnd) {
  {
    ThreadFileObject f(pool, path, "w");
    f.write("one\n");
  }
  {
    ThreadFileObject f(pool, path, "ab");
    f.write("two\n");
  }
  ThreadFileObject f(pool, path, "r");
  EXPECT_EQ(f.read_all(), "one\ntwo\n");
}

TEST_F(ThreadFileObjectTest, TheHubRunsOtherFibersWhileACallWaitsForThePool) {
  std::atomic<bool> release_worker{false};
  // Occupy both workers: the file call queues behind them. The jobs are
  // waited for before release_worker goes out of scope: a worker that starts
  // late may take its job after the file call is done.
  std::vector<AsyncResult<void>> busy;
  for (int i = 0; i < 2; ++i)
    busy.push_back(pool.spawn([&] {
      while (!release_worker) std::this_thread::sleep_for(1ms);
    }));
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 3; ++i) {
      ++ticks;
      this_fiber::sleep(1ms);
    }
    release_worker = true;
  });
  ThreadFileObject f(pool, path, "r");  // cannot open until the ticker frees the workers
  EXPECT_EQ(ticks, 3);
  EXPECT_EQ(f.read_all(), "");
  ticker.join();
  for (auto& job : busy) job.get();
}

TEST_F(ThreadFileObjectTest, OpenFailuresAreIoErrorsAndBadModesUsageErrors) {
  EXPECT_THROW(ThreadFileObject(pool, "/nonexistent/dir/file", "r"), IoError);
  EXPECT_THROW(ThreadFileObject(pool, path, "rw"), UsageError);
  EXPECT_THROW(ThreadFileObject(pool, path, "q"), UsageError);
}

TEST_F(ThreadFileObjectTest, AWorkerSideErrorIsRethrownInTheFiber) {
  ThreadFileObject f(pool, path, "r");
  EXPECT_THROW(f.write("read-only"), IoError);  // EBADF from write(2) on the worker
  EXPECT_THROW(f.seek(0, 42), UsageError);
}

TEST_F(ThreadFileObjectTest, UseAfterCloseIsAUsageError) {
  ThreadFileObject f(pool, path, "w");
  f.close();
  f.close();  // idempotent
  EXPECT_TRUE(f.closed());
  EXPECT_THROW(f.write("x"), UsageError);
  EXPECT_THROW((void)f.read(1), UsageError);
  EXPECT_THROW(f.flush(), UsageError);
}

}  // namespace
