#pragma once
// detail/stack_pool.hpp — fiber stacks, pooled per hub. Stacks are carved
// from mmap'd slabs, each with a PROT_NONE guard page below it while the
// kernel's map-count limit allows (vm.max_map_count: every guard page splits
// a mapping in two; the budget is shared by every hub of the process); past
// it stacks are handed out unguarded and this is logged once per hub. A freed stack goes back on the pool's free list; slabs
// are unmapped when the pool is destroyed.

#include <boost/context/stack_context.hpp>

#include <cstddef>
#include <vector>

namespace grove::detail {

class StackPool {
 public:
  StackPool(std::size_t stack_size, bool guard_pages);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;

  std::size_t stack_size() const noexcept { return usable_; }
  std::size_t allocated() const noexcept { return total_; }
  std::size_t idle() const noexcept { return free_.size(); }
  std::size_t guarded() const noexcept { return guarded_; }
  // leak() makes the destructor keep every slab mapped (used when the hub
  // is torn down from a fiber stack that lives in one of them).
  void leak() noexcept { slabs_.clear(); }

 private:
  void grow();

  std::size_t usable_;       // bytes a fiber may use
  std::size_t stride_;       // usable_ + guard page
  bool guard_pages_;
  bool out_of_guards_ = false;  // the process's guard-page budget is spent
  std::size_t guarded_ = 0;
  std::size_t total_ = 0;
  std::vector<void*> free_;  // stack tops (sp) ready for reuse
  struct Slab { void* base; std::size_t bytes; };
  std::vector<Slab> slabs_;
};

// PoolAllocator is the StackAllocator Boost.Context calls.
struct PoolAllocator {
  StackPool* pool;
  const void** bottom;   // told where the stack is (for sanitizers, LoopExit)
  std::size_t* size;
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = pool->allocate();
    *bottom = static_cast<char*>(sctx.sp) - sctx.size;
    *size = sctx.size;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept { pool->deallocate(sctx); }
};

}  // namespace grove::detail
