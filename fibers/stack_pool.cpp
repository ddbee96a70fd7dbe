// stack_pool.cpp — mmap'd, guard-paged, pooled fiber stacks.

#include <grove/log.hpp>
#include <grove/detail/stack_pool.hpp>

#include <spdlog/spdlog.h>

#include <sys/mman.h>
#if defined(GROVE_VALGRIND)
#include <valgrind/valgrind.h>
#endif
#include <unistd.h>

#include <algorithm>
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

// MADV_GUARD_INSTALL (Linux 6.13): a guard page that is a page-table
// marker, not a mapping of its own — cheap to install, and it neither
// splits the slab's mapping nor counts against vm.max_map_count.
constexpr int kMadvGuardInstall = 102;

// Each mprotect'ed guard page splits a mapping in two; the process (all
// hubs together) leaves most of its map budget to everything else.
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

// light_guards is 1 once MADV_GUARD_INSTALL worked, 0 once the kernel
// refused it (older kernels: mprotect and its budget instead), -1 before.
std::atomic<int> light_guards{-1};

// install_light_guard() puts a marker guard on the page at p; false when
// the kernel has no such guards.
bool install_light_guard(void* p, std::size_t page) {
  if (light_guards.load(std::memory_order_relaxed) == 0) return false;
  if (::madvise(p, page, kMadvGuardInstall) == 0) {
    light_guards.store(1, std::memory_order_relaxed);
    return true;
  }
  light_guards.store(0, std::memory_order_relaxed);
  return false;
}

// A slab holds as many stacks as the pool has already (at least 16, at
// most 256): few mmap calls when thousands of fibers live at once.
constexpr std::size_t kMinStacksPerSlab = 16;
constexpr std::size_t kMaxStacksPerSlab = 256;

}  // namespace

StackPool::StackPool(std::size_t stack_size, bool guard_pages) : guard_pages_(guard_pages) {
  const std::size_t page = page_size();
  if (stack_size < 4 * page) stack_size = 4 * page;
  usable_ = (stack_size + page - 1) / page * page;
  stride_ = usable_ + page;
}

StackPool::~StackPool() {
  for (const Slab& s : slabs_) ::munmap(s.base, s.bytes);
}

void StackPool::grow() {
  const std::size_t count = std::clamp(total_, kMinStacksPerSlab, kMaxStacksPerSlab);
  const std::size_t bytes = stride_ * count;
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  slabs_.push_back({base, bytes});
  const std::size_t page = page_size();
  for (std::size_t i = count; i-- > 0;) {
    char* bottom = static_cast<char*>(base) + i * stride_;  // guard page first
    if (guard_pages_ && !out_of_guards_) {
      if (install_light_guard(bottom, page) || (take_guard() && ::mprotect(bottom, page, PROT_NONE) == 0)) {
        ++guarded_;
      } else {
        out_of_guards_ = true;
        static std::atomic<bool> told{false};
        if (!told.exchange(true))
          grove::logger()->info(
              "grove: the guard-page budget (vm.max_map_count) is spent; later fiber stacks have none");
      }
    }
  }
  fresh_ = static_cast<char*>(base) + stride_;
  fresh_left_ = count;
  total_ += count;
}

void StackPool::deallocate(StackSpan sctx) noexcept {
#if defined(GROVE_VALGRIND)
  VALGRIND_STACK_DEREGISTER(sctx.valgrind_id);
#endif
  push_free(sctx.sp);
}

StackSpan StackPool::allocate() {
  StackSpan sctx;
  if (free_) {
    sctx.sp = pop_free();
  } else {
    if (fresh_left_ == 0) grow();
    sctx.sp = fresh_;
    fresh_ += stride_;
    --fresh_left_;
  }
  sctx.size = usable_;
#if defined(GROVE_VALGRIND)
  // Tell valgrind this range is a stack, so switching onto it is not taken
  // for a wild stack-pointer jump (Boost.Context's own allocators do this).
  sctx.valgrind_id = VALGRIND_STACK_REGISTER(sctx.sp, static_cast<char*>(sctx.sp) - sctx.size);
#endif
  return sctx;
}

}  // namespace grove::detail
