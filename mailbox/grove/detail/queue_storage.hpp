#pragma once
// detail/queue_storage.hpp — the storage policies of the Queue family: a
// ring buffer (FIFO and LIFO ends) and a binary heap. Each grows by doubling
// and never shrinks, so a queue in steady state allocates nothing per
// put/get. A policy offers size(), push(U&&), top() and take().

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove::detail {

// RingBuffer is a growable circular buffer with a power-of-two capacity.
// Both ends can be popped; elements stay in place until taken.
template <class T>
class RingBuffer {
 public:
  RingBuffer() = default;
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  ~RingBuffer() {
    clear();
    if (slots_) std::allocator<T>().deallocate(slots_, capacity());
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return slots_ ? mask_ + 1 : 0; }

  template <class U>
  void push_back(U&& value) {
    if (size_ == capacity()) [[unlikely]] grow();
    std::construct_at(slots_ + ((head_ + size_) & mask_), std::forward<U>(value));
    ++size_;
  }
  // reserve(n) makes room for n elements without further allocation.
  void reserve(std::size_t n) {
    while (capacity() < n) grow();
  }

  T& front() noexcept { return slots_[head_]; }
  const T& front() const noexcept { return slots_[head_]; }
  T& back() noexcept { return slots_[(head_ + size_ - 1) & mask_]; }
  const T& back() const noexcept { return slots_[(head_ + size_ - 1) & mask_]; }

  // take_front()/take_back() move the element out and remove it.
  T take_front() {
    T* slot = slots_ + head_;
    T value(std::move(*slot));
    std::destroy_at(slot);
    head_ = (head_ + 1) & mask_;
    --size_;
    return value;
  }
  T take_back() {
    T* slot = slots_ + ((head_ + size_ - 1) & mask_);
    T value(std::move(*slot));
    std::destroy_at(slot);
    --size_;
    return value;
  }

  void clear() noexcept {
    for (; size_ > 0; --size_) {
      std::destroy_at(slots_ + head_);
      head_ = (head_ + 1) & mask_;
    }
    head_ = 0;
  }

 private:
  static constexpr std::size_t kFirstCapacity = 16;

  // grow() doubles the capacity, moving the elements to the new slots in
  // order (copying when a move could throw, so a failure loses nothing).
  void grow() {
    const std::size_t old_capacity = capacity();
    const std::size_t new_capacity = old_capacity ? old_capacity * 2 : kFirstCapacity;
    std::allocator<T> alloc;
    T* fresh = alloc.allocate(new_capacity);
    std::size_t moved = 0;
    try {
      for (; moved < size_; ++moved)
        std::construct_at(fresh + moved, std::move_if_noexcept(slots_[(head_ + moved) & mask_]));
    } catch (...) {
      std::destroy(fresh, fresh + moved);
      alloc.deallocate(fresh, new_capacity);
      throw;
    }
    const std::size_t count = size_;
    clear();
    if (slots_) alloc.deallocate(slots_, old_capacity);
    slots_ = fresh;
    mask_ = new_capacity - 1;
    head_ = 0;
    size_ = count;
  }

  T* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

// FifoStorage: first in, first out (Queue, JoinableQueue).
template <class T>
class FifoStorage {
 public:
  std::size_t size() const noexcept { return ring_.size(); }
  template <class U>
  void push(U&& value) { ring_.push_back(std::forward<U>(value)); }
  const T& top() const noexcept { return ring_.front(); }
  T take() { return ring_.take_front(); }

 private:
  RingBuffer<T> ring_;
};

// LifoStorage: last in, first out (LifoQueue).
template <class T>
class LifoStorage {
 public:
  std::size_t size() const noexcept { return ring_.size(); }
  template <class U>
  void push(U&& value) { ring_.push_back(std::forward<U>(value)); }
  const T& top() const noexcept { return ring_.back(); }
  T take() { return ring_.take_back(); }

 private:
  RingBuffer<T> ring_;
};

// HeapStorage: a binary heap on a vector; take() returns the element that
// orders first under Compare (the smallest for std::less, like heapq).
// Equal elements come out in no particular order.
template <class T, class Compare>
class HeapStorage {
 public:
  HeapStorage() = default;
  explicit HeapStorage(Compare comp) : after_{std::move(comp)} {}

  std::size_t size() const noexcept { return heap_.size(); }
  template <class U>
  void push(U&& value) {
    heap_.push_back(std::forward<U>(value));
    std::push_heap(heap_.begin(), heap_.end(), after_);
  }
  const T& top() const noexcept { return heap_.front(); }
  T take() {
    std::pop_heap(heap_.begin(), heap_.end(), after_);
    T value(std::move(heap_.back()));
    heap_.pop_back();
    return value;
  }
  const Compare& comparator() const noexcept { return after_.comp; }

 private:
  // std::*_heap keep the *largest* first; inverting the comparison keeps
  // the one that orders first under Compare at the front.
  struct After {
    Compare comp;
    bool operator()(const T& a, const T& b) const { return comp(b, a); }
  };
  std::vector<T> heap_;
  After after_{};
};

}  // namespace grove::detail
