// block_pool.cpp — chunk carving for BlockPool.

#include <grove/detail/block_pool.hpp>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace grove::detail {

namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

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

}  // namespace

void* BlockPool::refill(std::size_t size) {
  const std::size_t block = (index(size) + 1) * kGranule;
  void* chunk = std::malloc(kChunkBytes);
  if (!chunk) throw std::bad_alloc();
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    registry().chunks.push_back(chunk);
  }
  // Keep the first block; thread the rest onto the free list.
  char* base = static_cast<char*>(chunk);
  const std::size_t count = kChunkBytes / block;
  FreeBlock*& head = local().free[index(size)];
  for (std::size_t i = count; i-- > 1;) {
    auto* b = reinterpret_cast<FreeBlock*>(base + i * block);
    b->next = head;
    head = b;
  }
  return base;
}

}  // namespace grove::detail
