// block_pool.cpp — chunk carving for BlockPool.

#include <grove/detail/block_pool.hpp>
#include <grove/detail/sanitizer.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace grove::detail {

namespace {

constexpr std::size_t kFirstChunk = 64 * 1024;
constexpr std::size_t kHugeChunk = 2 * 1024 * 1024;  // one transparent huge page

// Every chunk ever carved, so that blocks cached by exited threads stay
// reachable (for leak checkers) and valid (for threads that still hold them).
struct ChunkRegistry {
  std::mutex mutex;
  std::vector<void*> chunks;
};
ChunkRegistry& registry() {
  static ChunkRegistry* r = new ChunkRegistry;  // never destroyed: blocks may outlive static destruction
  return *r;
}

// new_chunk() takes a chunk of `bytes` from malloc (so leak checkers scan
// it); a huge one is aligned and advised for transparent huge pages.
void* new_chunk(std::size_t bytes) {
  void* chunk = bytes == kHugeChunk ? std::aligned_alloc(kHugeChunk, bytes) : std::malloc(bytes);
  if (!chunk) throw std::bad_alloc();
#if !defined(GROVE_ASAN)
  if (bytes == kHugeChunk) (void)::madvise(chunk, bytes, MADV_HUGEPAGE);  // a hint: ignored where THP is off
#endif
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().chunks.push_back(chunk);
  return chunk;
}

}  // namespace

void* BlockPool::carve(std::size_t size) {
  const std::size_t block = (index(size) + 1) * kGranule;
  Lists& lists = local();
  if (static_cast<std::size_t>(lists.end - lists.next) < block) {
    // The old chunk's tail becomes free blocks of the largest class that fits.
    while (static_cast<std::size_t>(lists.end - lists.next) >= kGranule) {
      const std::size_t left = std::min<std::size_t>(static_cast<std::size_t>(lists.end - lists.next), kMaxBlock);
      const std::size_t tail = left / kGranule * kGranule;
      deallocate(lists.next, tail);
      lists.next += tail;
    }
    const std::size_t bytes = std::clamp(lists.carved, kFirstChunk, kHugeChunk);
    lists.next = static_cast<char*>(new_chunk(bytes));
    lists.end = lists.next + bytes;
    lists.carved += bytes;
  }
  void* b = lists.next;
  lists.next += block;
  return b;
}

}  // namespace grove::detail
