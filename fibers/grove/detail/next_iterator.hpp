#pragma once
// detail/next_iterator.hpp — the input iterator of the lazy sequences
// (Imap, ThreadImap, Iwait): each ++ calls owner->next(), which returns
// std::optional<Value>; nullopt is the end (std::default_sentinel_t).
// Dereferencing gives the value last read; the owner must outlive it.

#include <cstddef>
#include <iterator>
#include <optional>

namespace grove::detail {

template <class Owner, class Value>
class NextIterator {
 public:
  using value_type = Value;
  using difference_type = std::ptrdiff_t;
  NextIterator() = default;
  explicit NextIterator(Owner* owner) : owner_(owner) { ++*this; }
  value_type& operator*() const { return *current_; }
  NextIterator& operator++() {
    current_ = owner_->next();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const NextIterator& it, std::default_sentinel_t) { return !it.current_; }

 private:
  Owner* owner_ = nullptr;
  mutable std::optional<value_type> current_;
};

}  // namespace grove::detail
