#pragma once
// detail/stack_pool.hpp — fiber stacks, pooled per hub. Stacks are carved
// from mmap'd slabs (growing from 16 to 256 stacks a slab), each with a
// guard page below it: a MADV_GUARD_INSTALL marker where the kernel has
// them (Linux 6.13+: no extra mapping, no limit), else a PROT_NONE page
// while the kernel's map-count limit allows (vm.max_map_count: every such
// guard splits a mapping in two; the budget is shared by every hub of the
// process); past it stacks are handed out unguarded and this is logged
// once. A freed stack goes back on the pool's free list (LIFO, so the
// stack reused next is the one whose pages are warm); slabs are unmapped
// when the pool is destroyed.

#include <cstddef>
#include <vector>

namespace grove::detail {

// StackSpan is one stack from the pool: sp is its top (stacks grow down),
// size the usable bytes below it; valgrind_id is valgrind's name for it
// (GROVE_VALGRIND builds). fibers/internal/context_switch.hpp hands it to
// Boost.Context as a stack_context.
struct StackSpan {
  void* sp = nullptr;
  std::size_t size = 0;
#if defined(GROVE_VALGRIND)
  unsigned valgrind_id = 0;
#endif
};

class StackPool {
 public:
  StackPool(std::size_t stack_size, bool guard_pages);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  StackSpan allocate();
  void deallocate(StackSpan stack) noexcept;

  std::size_t stack_size() const noexcept { return usable_; }
  std::size_t allocated() const noexcept { return total_; }
  std::size_t idle() const noexcept { return idle_ + fresh_left_; }
  std::size_t guarded() const noexcept { return guarded_; }
  // leak() makes the destructor keep every slab mapped (used when the hub
  // is torn down from a fiber stack that lives in one of them).
  void leak() noexcept { slabs_.clear(); }

 private:
  void grow();
  // The free list is intrusive: a freed stack's top word holds the next
  // free stack (that page was touched already), so freeing and reusing a
  // stack cost a few instructions and never allocate. Stacks of the newest
  // slab that were never used are handed out in order after the free
  // list is empty, untouched until then.
  struct FreeStack {
    FreeStack* next;
  };
  void push_free(void* sp) noexcept {
    auto* node = static_cast<FreeStack*>(sp) - 1;
    node->next = free_;
    free_ = node;
    ++idle_;
  }
  void* pop_free() noexcept {
    FreeStack* node = free_;
    free_ = node->next;
    --idle_;
    return node + 1;
  }

  std::size_t usable_;  // bytes a fiber may use
  std::size_t stride_;  // usable_ + guard page
  bool guard_pages_;
  bool out_of_guards_ = false;  // the process's guard-page budget is spent
  std::size_t guarded_ = 0;
  std::size_t total_ = 0;
  FreeStack* free_ = nullptr;  // just below the top (sp) of each reusable stack
  std::size_t idle_ = 0;       // stacks on free_
  char* fresh_ = nullptr;      // the top (sp) of the newest slab's next unused stack
  std::size_t fresh_left_ = 0;
  struct Slab {
    void* base;
    std::size_t bytes;
  };
  std::vector<Slab> slabs_;
};

}  // namespace grove::detail
