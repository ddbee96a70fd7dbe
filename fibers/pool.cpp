// pool.cpp — the non-template half of Pool.

#include <grove/pool.hpp>

#include <string>

namespace grove {

Pool::Pool(std::size_t size) : Group(size) {
  if (size == 0)
    throw UsageError("grove::Pool: the size must be at least 1 (use grove::Pool() or grove::Group for no limit)");
}

void Pool::throw_full(const char* what) const {
  throw PoolFull(std::string("grove::") + what + ": the pool is full (" + std::to_string(size()) + " of " +
                 std::to_string(capacity()) + " members); wait_available() first, or use the blocking add()");
}

}  // namespace grove
