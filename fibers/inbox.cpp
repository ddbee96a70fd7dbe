// inbox.cpp — the inbox's small blocks (detail/inbox.hpp): per-thread free
// lists of 64- and 128-byte blocks for posted closures.

#include <grove/detail/inbox.hpp>

#include <cstddef>
#include <new>

namespace grove::detail {

namespace {

// BlockCache is one thread's free lists. A block freed here (by the hub
// that ran the closure) serves the next post from this thread; at most
// `limit` blocks per size are kept, the rest go back to operator delete.
struct BlockCache {
  struct Free {
    Free* next;
  };
  static constexpr std::size_t limit = 1024;
  Free* lists[2] = {nullptr, nullptr};
  std::size_t counts[2] = {0, 0};
  bool dead = false;  // destroyed at thread exit: later frees go to operator delete
  BlockCache() = default;
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;
  ~BlockCache() {
    for (std::size_t i = 0; i < 2; ++i) {
      while (Free* f = lists[i]) {
        lists[i] = f->next;
        ::operator delete(f);
      }
      counts[i] = 0;
    }
    dead = true;
  }
  static std::size_t size_of(std::size_t cls) noexcept { return cls == 0 ? 64 : 128; }
};
thread_local BlockCache tls_blocks;

// size_class() is 0 for up to 64 bytes, 1 for up to 128, -1 beyond. Under
// ASan every block is new and deleted, so that a use after free is caught.
int size_class(std::size_t size) noexcept {
#if defined(__SANITIZE_ADDRESS__)
  (void)size;
  return -1;
#else
  return size <= 64 ? 0 : size <= 128 ? 1 : -1;
#endif
}

// LaneStash is one thread's blocks taken from one lane's spare list.
struct LaneStash {
  const void* lane = nullptr;
  std::size_t size = 0;
  SpareBlock* list = nullptr;
  bool dead = false;
  LaneStash() = default;
  LaneStash(const LaneStash&) = delete;
  LaneStash& operator=(const LaneStash&) = delete;
  ~LaneStash() {
    release();
    dead = true;
  }
  void release() noexcept {
    while (SpareBlock* b = list) {
      list = b->next;
      free_inbox_block(b, size);
    }
  }
};
thread_local LaneStash tls_stash;

}  // namespace

void* take_spare_block(const void* lane, std::size_t size, SpareList& spare) {
  LaneStash& s = tls_stash;
  if (s.dead) return alloc_inbox_block(size);
  if (s.lane != lane || s.size != size) {
    s.release();
    s.lane = lane;
    s.size = size;
  }
  if (!s.list && !spare.empty()) s.list = spare.take_all_unordered();
  if (SpareBlock* b = s.list) {
    s.list = b->next;
    return b;
  }
  return alloc_inbox_block(size);
}

void* alloc_inbox_block(std::size_t size) {
  const int cls = size_class(size);
  if (cls < 0) return ::operator new(size);
  BlockCache& c = tls_blocks;
  if (BlockCache::Free* f = c.lists[cls]) {
    c.lists[cls] = f->next;
    --c.counts[cls];
    return f;
  }
  return ::operator new(BlockCache::size_of(static_cast<std::size_t>(cls)));
}

void free_inbox_block(void* p, std::size_t size) noexcept {
  const int cls = size_class(size);
  if (cls < 0) {
    ::operator delete(p);
    return;
  }
  BlockCache& c = tls_blocks;
  if (c.dead || c.counts[cls] >= BlockCache::limit) {
    ::operator delete(p);
    return;
  }
  auto* f = static_cast<BlockCache::Free*>(p);
  f->next = c.lists[cls];
  c.lists[cls] = f;
  ++c.counts[cls];
}

}  // namespace grove::detail
