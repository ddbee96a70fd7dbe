// thread_file_object.cpp — ThreadFileObject: every call is a ThreadPool job
// that locks the file's state, so calls on one object never overlap, even
// when a fiber abandoned its call (killed) and the next one starts.

#include <grove/thread_file_object.hpp>

#include <grove/errors.hpp>
#include <grove/io_error.hpp>

#include <boost/system/error_code.hpp>

#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>
#include <utility>

namespace grove {

namespace detail {

struct ThreadFileState {
  std::mutex mutex;
  int fd = -1;
  bool close_fd = true;
  bool eof = false;
  std::string buffer;  // read ahead by readline(); the descriptor is past it

  [[noreturn]] static void fail(const char* what) {
    throw IoError(boost::system::error_code(errno, boost::system::system_category()), what);
  }
  // fill() appends up to want bytes from the descriptor; false at end of file.
  bool fill(std::size_t want) {
    if (eof) return false;
    std::string chunk(want < 65536 ? want : 65536, '\0');
    for (;;) {
      const ssize_t r = ::read(fd, chunk.data(), chunk.size());
      if (r > 0) {
        buffer.append(chunk.data(), static_cast<std::size_t>(r));
        return true;
      }
      if (r == 0) {
        eof = true;
        return false;
      }
      if (errno != EINTR) fail("ThreadFileObject::read");
    }
  }
  // unread() moves the descriptor back over what was read ahead.
  void unread() {
    if (!buffer.empty() && ::lseek(fd, -static_cast<off_t>(buffer.size()), SEEK_CUR) < 0)
      fail("ThreadFileObject::seek");
    buffer.clear();
    eof = false;
  }
  void close() noexcept {
    if (fd >= 0 && close_fd) ::close(fd);
    fd = -1;
  }
};

}  // namespace detail

namespace {

int open_flags(std::string_view mode) {
  bool plus = false;
  char kind = 0;
  for (char c : mode) {
    if (c == 'b') continue;
    if (c == '+' && !plus) plus = true;
    else if ((c == 'r' || c == 'w' || c == 'a') && kind == 0) kind = c;
    else kind = '?';
  }
  int flags = O_CLOEXEC;
  switch (kind) {
    case 'r': return flags | (plus ? O_RDWR : O_RDONLY);
    case 'w': return flags | (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
    case 'a': return flags | (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
    default:
      throw UsageError("grove::ThreadFileObject: unknown mode \"" + std::string(mode) +
                       "\"; use \"r\", \"r+\", \"w\", \"w+\", \"a\" or \"a+\" (optionally with 'b')");
  }
}

}  // namespace

template <class F>
auto ThreadFileObject::run(const char* what, F fn) {
  if (!st_)
    throw UsageError(std::string("grove::ThreadFileObject::") + what +
                     ": the file object is closed; make a new one to read or write again");
  return pool_->apply([st = st_, fn = std::move(fn)]() mutable {
    std::lock_guard<std::mutex> lock(st->mutex);
    return fn(*st);
  });
}

ThreadFileObject::ThreadFileObject(ThreadPool& pool, const std::string& path, std::string_view mode)
    : pool_(&pool), st_(std::make_shared<detail::ThreadFileState>()) {
  const int flags = open_flags(mode);
  st_->fd = pool.apply([path, flags] {
    const int fd = ::open(path.c_str(), flags, 0666);
    if (fd < 0) detail::ThreadFileState::fail(("ThreadFileObject: open " + path).c_str());
    return fd;
  });
}

ThreadFileObject::ThreadFileObject(ThreadPool& pool, int fd, bool close_fd)
    : pool_(&pool), st_(std::make_shared<detail::ThreadFileState>()) {
  if (fd < 0) throw UsageError("grove::ThreadFileObject: the descriptor is negative; pass an open descriptor");
  st_->fd = fd;
  st_->close_fd = close_fd;
}

ThreadFileObject::~ThreadFileObject() {
  if (!st_) return;
  try {
    // Queued, not awaited: a destructor must not park.
    (void)pool_->spawn([st = st_] {
      std::lock_guard<std::mutex> lock(st->mutex);
      st->close();
    });
  } catch (...) {  // the pool has shut down: no job can still use the file
    st_->close();
  }
}

ThreadFileObject::ThreadFileObject(ThreadFileObject&& o) noexcept : pool_(o.pool_), st_(std::move(o.st_)) {}

ThreadFileObject& ThreadFileObject::operator=(ThreadFileObject&& o) noexcept {
  if (this != &o) {
    ThreadFileObject old(std::move(*this));
    pool_ = o.pool_;
    st_ = std::move(o.st_);
  }
  return *this;
}

std::string ThreadFileObject::read(std::size_t n) {
  return run("read", [n](detail::ThreadFileState& st) {
    if (n == 0) return std::string();
    if (st.buffer.empty()) (void)st.fill(n);
    std::string out = st.buffer.substr(0, n);
    st.buffer.erase(0, out.size());
    return out;
  });
}

std::string ThreadFileObject::read_all() {
  return run("read_all", [](detail::ThreadFileState& st) {
    while (st.fill(65536)) {
    }
    return std::exchange(st.buffer, {});
  });
}

std::string ThreadFileObject::readline(std::size_t max) {
  return run("readline", [max](detail::ThreadFileState& st) {
    std::size_t scanned = 0;
    for (;;) {
      const std::size_t nl = st.buffer.find('\n', scanned);
      if (nl != std::string::npos && nl < max) {
        std::string line = st.buffer.substr(0, nl + 1);
        st.buffer.erase(0, nl + 1);
        return line;
      }
      if (st.buffer.size() >= max) break;
      scanned = st.buffer.size();
      if (!st.fill(8192)) break;
    }
    std::string line = st.buffer.substr(0, max);
    st.buffer.erase(0, line.size());
    return line;
  });
}

void ThreadFileObject::write(std::string_view data) {
  run("write", [data = std::string(data)](detail::ThreadFileState& st) {
    st.unread();
    std::string_view left = data;
    while (!left.empty()) {
      const ssize_t r = ::write(st.fd, left.data(), left.size());
      if (r < 0) {
        if (errno == EINTR) continue;
        detail::ThreadFileState::fail("ThreadFileObject::write");
      }
      left.remove_prefix(static_cast<std::size_t>(r));
    }
    return 0;
  });
}

void ThreadFileObject::flush() {
  if (!st_)
    throw UsageError("grove::ThreadFileObject::flush: the file object is closed; make a new one to write again");
}

void ThreadFileObject::sync() {
  run("sync", [](detail::ThreadFileState& st) {
    if (::fdatasync(st.fd) != 0) detail::ThreadFileState::fail("ThreadFileObject::sync");
    return 0;
  });
}

std::int64_t ThreadFileObject::seek(std::int64_t offset, int whence) {
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
    throw UsageError("grove::ThreadFileObject::seek: whence must be SEEK_SET, SEEK_CUR or SEEK_END");
  return run("seek", [offset, whence](detail::ThreadFileState& st) {
    st.unread();
    const off_t pos = ::lseek(st.fd, static_cast<off_t>(offset), whence);
    if (pos < 0) detail::ThreadFileState::fail("ThreadFileObject::seek");
    return static_cast<std::int64_t>(pos);
  });
}

std::int64_t ThreadFileObject::tell() {
  return run("tell", [](detail::ThreadFileState& st) {
    const off_t pos = ::lseek(st.fd, 0, SEEK_CUR);
    if (pos < 0) detail::ThreadFileState::fail("ThreadFileObject::tell");
    return static_cast<std::int64_t>(pos) - static_cast<std::int64_t>(st.buffer.size());
  });
}

void ThreadFileObject::close() {
  if (!st_) return;
  auto st = std::exchange(st_, nullptr);
  pool_->apply([st] {
    std::lock_guard<std::mutex> lock(st->mutex);
    st->close();
  });
}

}  // namespace grove
