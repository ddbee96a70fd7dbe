// file_object.cpp — FileObject: non-blocking read/write on a pipe or tty,
// parking on wait_readable / wait_writable when the descriptor is not ready.

#include <grove/file_object.hpp>

#include <grove/errors.hpp>
#include <grove/io_error.hpp>
#include <grove/wait_fd.hpp>

#include <boost/system/error_code.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace grove {

namespace {

boost::system::error_code errno_code(int e) { return {e, boost::system::system_category()}; }

// Busy counts the fibers inside an operation, so that close() can refuse.
struct Busy {
  int& n;
  explicit Busy(int& n) : n(n) { ++n; }
  ~Busy() { --n; }
};

}  // namespace

FileObject::FileObject(int fd, bool close_fd) : fd_(fd), close_fd_(close_fd) {
  detail::ignore_sigpipe();  // a write to a pipe nobody reads is EPIPE, an IoError
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0)
    throw UsageError("grove::FileObject: " + std::to_string(fd) + " is not an open descriptor");
  if (S_ISREG(st.st_mode))
    throw UsageError("grove::FileObject: descriptor " + std::to_string(fd) +
                     " is a regular file, which would block the hub; use grove::ThreadFileObject for files");
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    detail::throw_io_error(errno_code(errno), "FileObject: fcntl(O_NONBLOCK)");
}

std::pair<FileObject, FileObject> FileObject::pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) detail::throw_io_error(errno_code(errno), "FileObject::pipe");
  try {
    FileObject in(fds[0]);
    FileObject out(fds[1]);
    return {std::move(in), std::move(out)};
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
}

FileObject::~FileObject() {
  if (fd_ >= 0 && close_fd_) ::close(fd_);
}

FileObject::FileObject(FileObject&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), close_fd_(o.close_fd_), eof_(o.eof_), buffer_(std::move(o.buffer_)) {}

FileObject& FileObject::operator=(FileObject&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0 && close_fd_) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    close_fd_ = o.close_fd_;
    eof_ = o.eof_;
    buffer_ = std::move(o.buffer_);
  }
  return *this;
}

void FileObject::check_open(const char* what) const {
  if (fd_ < 0)
    throw UsageError(std::string("grove::FileObject::") + what +
                     ": the file object is closed; make a new one to read or write again");
}

bool FileObject::fill(std::size_t want) {
  if (eof_) return false;
  char chunk[8192];
  const std::size_t n = want < sizeof chunk ? want : sizeof chunk;
  for (;;) {
    const ssize_t r = ::read(fd_, chunk, n);
    if (r > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(r));
      return true;
    }
    if (r == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) detail::throw_io_error(errno_code(errno), "FileObject::read");
    wait_readable(fd_);
    if (fd_ < 0) throw UsageError("grove::FileObject::read: the file object was closed while this fiber read");
  }
}

std::string FileObject::read(std::size_t n) {
  check_open("read");
  Busy busy(busy_);
  if (n == 0) return {};
  if (buffer_.empty()) (void)fill(n);
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, out.size());
  return out;
}

std::string FileObject::read_all() {
  check_open("read_all");
  Busy busy(busy_);
  while (fill(std::size_t{1} << 16)) {
  }
  return std::exchange(buffer_, {});
}

std::string FileObject::readline(std::size_t max) {
  check_open("readline");
  Busy busy(busy_);
  std::size_t scanned = 0;
  for (;;) {
    const std::size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos && nl < max) {
      std::string line = buffer_.substr(0, nl + 1);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (buffer_.size() >= max) break;
    scanned = buffer_.size();
    if (!fill(8192)) break;
  }
  const std::size_t take = buffer_.size() < max ? buffer_.size() : max;
  std::string line = buffer_.substr(0, take);
  buffer_.erase(0, take);
  return line;
}

void FileObject::write(std::string_view data) {
  check_open("write");
  Busy busy(busy_);
  while (!data.empty()) {
    const ssize_t r = ::write(fd_, data.data(), data.size());
    if (r >= 0) {
      data.remove_prefix(static_cast<std::size_t>(r));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) detail::throw_io_error(errno_code(errno), "FileObject::write");
    wait_writable(fd_);
    if (fd_ < 0) throw UsageError("grove::FileObject::write: the file object was closed while this fiber wrote");
  }
}

void FileObject::flush() { check_open("flush"); }

void FileObject::close() {
  if (fd_ < 0) return;
  if (busy_ > 0)
    throw UsageError("grove::FileObject::close: another fiber is reading or writing this file object; "
                     "kill or join it before closing");
  if (close_fd_) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

}  // namespace grove
