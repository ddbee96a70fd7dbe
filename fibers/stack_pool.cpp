// stack_pool.cpp — mmap'd, guard-paged, pooled fiber stacks.

#include <grove/detail/stack_pool.hpp>

#include <spdlog/spdlog.h>

#include <sys/mman.h>
#if defined(GROVE_VALGRIND)
#include <valgrind/valgrind.h>
#endif
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <new>

namespace grove::detail {

namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Each guard page splits a mapping in two; the process (all hubs together)
// leaves most of its map budget to everything else.
std::atomic<long>& guard_budget() {
  static std::atomic<long> budget = [] {
    long max_maps = 65530;
    std::ifstream in("/proc/sys/vm/max_map_count");
    if (in) in >> max_maps;
    return max_maps > 8192 ? (max_maps - 8192) / 2 : 0L;
  }();
  return budget;
}

// take_guard() reserves one guard page from the process-wide budget.
bool take_guard() {
  auto& budget = guard_budget();
  long left = budget.load(std::memory_order_relaxed);
  while (left > 0)
    if (budget.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
  return false;
}

constexpr std::size_t kStacksPerSlab = 16;

}  // namespace

StackPool::StackPool(std::size_t stack_size, bool guard_pages)
    : guard_pages_(guard_pages) {
  const std::size_t page = page_size();
  if (stack_size < 4 * page) stack_size = 4 * page;
  usable_ = (stack_size + page - 1) / page * page;
  stride_ = usable_ + page;
}

StackPool::~StackPool() {
  for (const Slab& s : slabs_) ::munmap(s.base, s.bytes);
}

void StackPool::grow() {
  const std::size_t bytes = stride_ * kStacksPerSlab;
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  slabs_.push_back({base, bytes});
  free_.reserve(total_ + kStacksPerSlab);  // deallocate() never reallocates
  const std::size_t page = page_size();
  for (std::size_t i = kStacksPerSlab; i-- > 0;) {
    char* bottom = static_cast<char*>(base) + i * stride_;  // guard page first
    if (guard_pages_ && !out_of_guards_) {
      if (take_guard() && ::mprotect(bottom, page, PROT_NONE) == 0) {
        ++guarded_;
      } else {
        out_of_guards_ = true;
        static std::atomic<bool> told{false};
        if (!told.exchange(true))
          spdlog::info("grove: the guard-page budget (vm.max_map_count) is spent; later fiber stacks have none");
      }
    }
    free_.push_back(bottom + stride_);
  }
  total_ += kStacksPerSlab;
}

void StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
#if defined(GROVE_VALGRIND)
  VALGRIND_STACK_DEREGISTER(sctx.valgrind_stack_id);
#endif
  free_.push_back(sctx.sp);
}

boost::context::stack_context StackPool::allocate() {
  if (free_.empty()) grow();
  boost::context::stack_context sctx;
  sctx.sp = free_.back();
  sctx.size = usable_;
  free_.pop_back();
#if defined(GROVE_VALGRIND)
  // Tell valgrind this range is a stack, so switching onto it is not taken
  // for a wild stack-pointer jump (Boost.Context's own allocators do this).
  sctx.valgrind_stack_id =
      VALGRIND_STACK_REGISTER(sctx.sp, static_cast<char*>(sctx.sp) - sctx.size);
#endif
  return sctx;
}

}  // namespace grove::detail
