#pragma once
// file_object.hpp — FileObject (gevent's FileObjectPosix): a green file
// object over a pipe, terminal or other pollable descriptor. The descriptor
// is put in non-blocking mode; a read or write that would block parks the
// calling fiber on the hub (wait_readable / wait_writable) while the other
// fibers run.
//
//   auto [in, out] = grove::FileObject::pipe();
//   grove::spawn([&out] { out.write("hello\nworld\n"); out.close(); });
//   std::string line = in.readline();     // "hello\n"
//   std::string rest = in.read_all();     // "world\n"
//
// Regular files are always "ready" to the reactor and block the hub in
// read(): open those with ThreadFileObject (thread_file_object.hpp). Writes
// are not buffered: write() returns once every byte is in the descriptor,
// and flush() has nothing to do. Reads keep what readline() read past the
// newline for the next read. Errors are IoError; using a closed object, or
// closing one that another fiber is reading or writing, is a UsageError.
// Use a FileObject from its hub's thread; Timeout and kill() interrupt its waits.

#include <grove/duration.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace grove {

class FileObject {
 public:
  // FileObject(fd, close_fd) adopts fd, which must not be a regular file
  // (UsageError); close() closes it unless close_fd is false.
  explicit FileObject(int fd, bool close_fd = true);
  // pipe() makes a pipe: {read end, write end}.
  static std::pair<FileObject, FileObject> pipe();
  ~FileObject();
  FileObject(FileObject&& other) noexcept;
  FileObject& operator=(FileObject&& other) noexcept;
  FileObject(const FileObject&) = delete;
  FileObject& operator=(const FileObject&) = delete;

  // read(n) returns up to n bytes, blocking the fiber until at least one
  // byte is there; "" only at end of file (or for n == 0).
  std::string read(std::size_t n);
  // read_all() reads until end of file.
  std::string read_all();
  // readline(max) reads through the next '\n' (kept), or up to end of
  // file, or max bytes, whichever comes first.
  std::string readline(std::size_t max = std::numeric_limits<std::size_t>::max());
  // write(data) writes all of data, parking while the pipe is full.
  void write(std::string_view data);
  // flush() returns at once: writes are not buffered.
  void flush();
  // close() closes the descriptor (if owned); idempotent.
  void close();

  bool closed() const noexcept { return fd_ < 0; }
  // fileno() is the descriptor, -1 once closed.
  int fileno() const noexcept { return fd_; }
  // buffered() is how many bytes readline() read ahead: a read() of that
  // many returns them without touching the descriptor.
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  void check_open(const char* what) const;
  // fill() reads what is available into buffer_; false at end of file.
  bool fill(std::size_t want);

  int fd_ = -1;
  bool close_fd_ = true;
  bool eof_ = false;
  int busy_ = 0;        // fibers inside read/write now
  std::string buffer_;  // read ahead by readline()
};

}  // namespace grove
