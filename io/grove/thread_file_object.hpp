#pragma once
// thread_file_object.hpp — ThreadFileObject (gevent's FileObjectThread): a
// green file object for regular files, whose reads and writes would block
// the hub (the reactor cannot wait for a disk). Each call runs on a
// ThreadPool worker while the calling fiber parks; the hub keeps running
// the other fibers.
//
//   grove::ThreadPool pool(1);
//   grove::ThreadFileObject log(pool, "/tmp/app.log", "a");
//   log.write("started\n");
//   grove::ThreadFileObject in(pool, "/etc/hostname");
//   std::string name = in.readline();
//
// Modes are fopen's: "r", "r+", "w", "w+", "a", "a+" ('b' is accepted and
// ignored; files are bytes). Calls on one object run one at a time, in the
// order the worker takes them. Writes are not buffered (flush() has nothing
// to do; sync() asks the disk); reads keep what readline() read ahead, and
// seek()/tell()/write() account for it. A fiber killed (or timed out) while
// its call runs leaves the call to finish on the worker: a read's bytes are
// then consumed, a write is done. Errors are IoError; a closed object is a
// UsageError. The pool must outlive the object; use the object from its hub's thread.

#include <grove/thread_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace grove {

namespace detail {
struct ThreadFileState;
}

class ThreadFileObject {
 public:
  // ThreadFileObject(pool, path, mode) opens path on the pool; IoError if
  // that fails, UsageError for an unknown mode.
  ThreadFileObject(ThreadPool& pool, const std::string& path, std::string_view mode = "r");
  // ThreadFileObject(pool, fd, close_fd) adopts an open descriptor.
  ThreadFileObject(ThreadPool& pool, int fd, bool close_fd = true);
  // ~ThreadFileObject() closes the descriptor on the pool, without waiting.
  ~ThreadFileObject();
  ThreadFileObject(ThreadFileObject&&) noexcept;
  ThreadFileObject& operator=(ThreadFileObject&&) noexcept;
  ThreadFileObject(const ThreadFileObject&) = delete;
  ThreadFileObject& operator=(const ThreadFileObject&) = delete;

  // read(n) returns up to n bytes; "" at end of file.
  std::string read(std::size_t n);
  // read_all() reads from the position to end of file.
  std::string read_all();
  // readline(max) reads through the next '\n' (kept), end of file or max bytes.
  std::string readline(std::size_t max = std::numeric_limits<std::size_t>::max());
  // write(data) writes all of data at the position (the end, in "a" modes).
  void write(std::string_view data);
  // flush() returns at once: nothing is buffered for writing.
  void flush();
  // sync() waits until the data is on the disk (fdatasync).
  void sync();
  // seek(offset, whence) moves the position (SEEK_SET, SEEK_CUR, SEEK_END)
  // and returns it; tell() is the position.
  std::int64_t seek(std::int64_t offset, int whence = SEEK_SET);
  std::int64_t tell();
  // close() closes the descriptor (if owned), waiting for the worker; idempotent.
  void close();
  bool closed() const noexcept { return !st_; }

 private:
  // run(what, fn) runs fn(state) on the pool, one call at a time, and
  // returns its result to the parked fiber.
  template <class F>
  auto run(const char* what, F fn);

  ThreadPool* pool_;
  std::shared_ptr<detail::ThreadFileState> st_;  // null once closed
};

}  // namespace grove
