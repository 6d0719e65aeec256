// Fixed-capacity object pool addressed by 32-bit index.
//
// Design: one zero-initialised array (ZeroedArray: untouched capacity costs no
// resident memory) plus a stack of freed indices reserved up front. Indices
// below the high-water mark that are not on the free stack are live.
// acquire() and release() are O(1) and never allocate after construction.
//
// Thread safety: none; owned by one engine thread.
// Invariants: live + free.size() == high_water_ <= capacity_.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "rialto/engine/detail/zeroed_array.h"

namespace rialto::engine::detail {

inline constexpr uint32_t kNil = UINT32_MAX;

template <class T>
class Pool {
 public:
  explicit Pool(uint32_t capacity, bool prefault = false) : slots_(capacity, prefault), capacity_(capacity) {
    free_.reserve(capacity);
  }

  [[nodiscard]] bool full() const { return free_.empty() && high_water_ == capacity_; }
  [[nodiscard]] uint32_t live() const { return high_water_ - static_cast<uint32_t>(free_.size()); }
  [[nodiscard]] uint32_t capacity() const { return capacity_; }

  /// Precondition: !full().
  [[nodiscard]] uint32_t acquire() {
    assert(!full());
    if (!free_.empty()) {
      uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    return high_water_++;
  }

  void release(uint32_t i) {
    assert(i < high_water_);
    free_.push_back(i);  // never reallocates: reserved to capacity
  }

  T& operator[](uint32_t i) { return slots_[i]; }
  const T& operator[](uint32_t i) const { return slots_[i]; }

 private:
  ZeroedArray<T> slots_;
  std::vector<uint32_t> free_;
  uint32_t capacity_;
  uint32_t high_water_ = 0;
};

}  // namespace rialto::engine::detail
