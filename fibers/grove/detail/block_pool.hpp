#pragma once
// detail/block_pool.hpp — small-block allocation for fiber control blocks.
// Blocks come from per-thread free lists, one per 16-byte size class,
// carved on demand from chunks that grow with the thread's use (64 KiB up
// to 2 MiB; the 2 MiB ones are aligned and offered to the kernel for
// transparent huge pages, so a million control blocks cost a few hundred
// page faults instead of tens of thousands). A spawn+join then costs a few
// instructions instead of a malloc/free pair. A block freed on another
// thread joins that thread's lists. Chunks are never returned to malloc
// (the pool keeps the peak, as Go keeps dead goroutines), and stay
// reachable from a global registry.

#include <cstddef>
#include <new>

namespace grove::detail {

class BlockPool {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kMaxBlock = 1024;

  static void* allocate(std::size_t size) {
    if (size > kMaxBlock) return ::operator new(size);
    FreeBlock*& head = local().free[index(size)];
    if (FreeBlock* b = head) {
      head = b->next;
      return b;
    }
    return carve(size);
  }

  static void deallocate(void* p, std::size_t size) noexcept {
    if (size > kMaxBlock) return ::operator delete(p);
    FreeBlock*& head = local().free[index(size)];
    auto* b = static_cast<FreeBlock*>(p);
    b->next = head;
    head = b;
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Lists {
    FreeBlock* free[kMaxBlock / kGranule] = {};
    char* next = nullptr;  // the current chunk's unused part, shared by every class
    char* end = nullptr;
    std::size_t carved = 0;  // bytes of chunks taken so far (sets the next chunk's size)
  };
  static std::size_t index(std::size_t size) noexcept { return (size + kGranule - 1) / kGranule - 1; }
  static Lists& local() noexcept {
    static thread_local Lists lists;
    return lists;
  }
  // carve() cuts a fresh block from the current chunk (a new chunk when it
  // is used up; what is left of the old one goes to its size's free lists).
  static void* carve(std::size_t size);
};

}  // namespace grove::detail
