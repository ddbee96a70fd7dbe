#pragma once
// queue_errors.hpp — the exceptions of the Queue family (gevent's
// queue.Full, queue.Empty and queue.ShutDown). Each message names the call
// that failed and why.

#include <grove/errors.hpp>

namespace grove {

// QueueError is the common base: catch it to handle any queue failure.
class QueueError : public Error {
 public:
  using Error::Error;
};

// QueueFull is thrown by put_nowait() on a full queue and by put(item,
// timeout) when no room appeared in time; the item stays with the caller.
class QueueFull : public QueueError, public TimeoutError {
 public:
  using QueueError::QueueError;
  const char* what() const noexcept override { return QueueError::what(); }
};

// QueueEmpty is thrown by get_nowait()/peek_nowait() on an empty queue and
// by get(timeout)/peek(timeout) when nothing arrived in time. Both are
// TimeoutErrors (a _nowait call is a wait with no time).
class QueueEmpty : public QueueError, public TimeoutError {
 public:
  using QueueError::QueueError;
  const char* what() const noexcept override { return QueueError::what(); }
};

// QueueShutDown is thrown by every put once the queue is closed, and by
// get/peek once it is closed and drained (gevent's queue.ShutDown).
class QueueShutDown : public QueueError {
 public:
  using QueueError::QueueError;
};
// ShutDown is QueueShutDown under Python's and gevent's name
// (queue.ShutDown), raised after Queue::shutdown().
using ShutDown = QueueShutDown;

}  // namespace grove
