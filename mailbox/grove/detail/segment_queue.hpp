#pragma once
// detail/segment_queue.hpp — SegmentQueue<T>, the FIFO behind a Mailbox's
// message lane: a chain of fixed segments instead of one ring that is
// reallocated and copied when it grows. A mailbox that starts empty and
// takes a burst of M messages allocates about log2(M/16) segments and
// never moves a message; segments that empty are kept for reuse (the queue
// keeps its peak, as a ring does), so a queue in steady state allocates
// nothing per push or take. When the queue empties it rewinds to the start
// of its segment, so a queue that holds 0 or 1 message (ping-pong) touches
// one segment only.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace grove::detail {

template <class T>
class SegmentQueue {
 public:
  SegmentQueue() = default;
  SegmentQueue(const SegmentQueue&) = delete;
  SegmentQueue& operator=(const SegmentQueue&) = delete;
  ~SegmentQueue() {
    clear();
    free_chain(head_);
    free_chain(spare_);
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  template <class U>
  void push_back(U&& value) {
    if (in_ == in_end_) [[unlikely]]
      add_segment();
    std::construct_at(in_, std::forward<U>(value));
    ++in_;
    ++size_;
  }

  // emplace_back(args...) builds the element in its slot.
  template <class... A>
  void emplace_back(A&&... args) {
    if (in_ == in_end_) [[unlikely]]
      add_segment();
    std::construct_at(in_, std::forward<A>(args)...);
    ++in_;
    ++size_;
  }

  T& front() noexcept { return *out_; }

  // take_front() moves the first element out and removes it.
  T take_front() {
    T value(std::move(*out_));
    pop_front();
    return value;
  }

  // pop_front() destroys the first element.
  void pop_front() noexcept {
    std::destroy_at(out_);
    if (--size_ == 0) {
      out_ = in_ = head_->slots();  // empty: rewind (the last element was in the tail, = head, segment)
    } else if (++out_ == out_end_) [[unlikely]] {
      Segment* s = head_;
      head_ = s->next;
      out_ = head_->slots();
      out_end_ = out_ + head_->capacity;
      s->next = spare_;
      spare_ = s;
    }
  }

  // reserve(n) makes room for n more elements without allocating (in one
  // spare segment when the current one has less room).
  void reserve(std::size_t n) {
    const auto room = static_cast<std::size_t>(in_end_ - in_);
    if (room >= n) return;
    for (Segment* s = spare_; s; s = s->next)
      if (s->capacity >= n - room) return;
    Segment* s = new_segment(n - room);
    s->next = spare_;
    spare_ = s;
  }

  void clear() noexcept {
    while (size_ > 0) pop_front();
  }

 private:
  struct Segment {
    Segment* next;
    std::size_t capacity;
    T* slots() noexcept { return reinterpret_cast<T*>(reinterpret_cast<char*>(this) + header()); }
  };
  static constexpr std::size_t kFirstCapacity = 16;
  static constexpr std::size_t kMaxCapacity = 4096;
  static constexpr std::size_t align() noexcept { return std::max(alignof(Segment), alignof(T)); }
  static constexpr std::size_t header() noexcept {
    return (sizeof(Segment) + alignof(T) - 1) / alignof(T) * alignof(T);
  }
  static constexpr bool kOverAligned = align() > __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  static Segment* new_segment(std::size_t capacity) {
    const std::size_t bytes = header() + capacity * sizeof(T);
    void* p;
    if constexpr (kOverAligned) p = ::operator new (bytes, std::align_val_t{align()});
    else p = ::operator new(bytes);
    return ::new (p) Segment{nullptr, capacity};
  }
  static void free_chain(Segment* s) noexcept {
    while (s) {
      Segment* next = s->next;
      s->~Segment();
      if constexpr (kOverAligned) ::operator delete (s, std::align_val_t{align()});
      else ::operator delete(s);
      s = next;
    }
  }

  // add_segment() links a new tail segment: a spare one if any, else a new
  // one about as big as the queue is now (the queue's room roughly doubles).
  [[gnu::noinline]] void add_segment() {
    Segment* s = spare_;
    if (s) spare_ = s->next;
    else s = new_segment(std::clamp(size_, kFirstCapacity, kMaxCapacity));
    s->next = nullptr;
    if (tail_) {
      tail_->next = s;
    } else {
      head_ = s;
      out_ = s->slots();
      out_end_ = out_ + s->capacity;
    }
    tail_ = s;
    in_ = s->slots();
    in_end_ = in_ + s->capacity;
  }

  // What push_back() touches comes first (a publisher touches only that).
  T* in_ = nullptr;      // the next free slot, in the tail segment
  T* in_end_ = nullptr;  // the end of the tail segment
  std::size_t size_ = 0;
  Segment* tail_ = nullptr;   // the last segment (receives pushes)
  T* out_ = nullptr;          // the front element, in the head segment
  T* out_end_ = nullptr;      // the end of the head segment
  Segment* head_ = nullptr;   // the first segment
  Segment* spare_ = nullptr;  // emptied segments, kept for reuse
};

}  // namespace grove::detail
