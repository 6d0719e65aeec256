// Fixed-capacity object pool addressed by 32-bit index.
//
// Design: one zero-initialised array (ZeroedArray: untouched capacity costs no
// resident memory) plus a stack of freed indices of the same capacity, both
// mapped at construction. Indices below the high-water mark that are not on
// the free stack are live. acquire() and release() are O(1) and never
// allocate; the most recently released slot is reused first, so a steady
// flow keeps touching the same few cache lines.
//
// Thread safety: none; owned by one engine thread.
// Invariants: live() + free count == high_water_ <= capacity_.
#pragma once

#include <cassert>
#include <cstdint>

#include "rialto/engine/detail/zeroed_array.h"

namespace rialto::engine::detail {

inline constexpr uint32_t kNil = UINT32_MAX;

template <class T>
class Pool {
 public:
  explicit Pool(uint32_t capacity, bool prefault = false)
      : slots_(capacity, prefault), free_(capacity, false), capacity_(capacity) {}

  /// False if a table could not be mapped; nothing else may be called then.
  [[nodiscard]] bool ok() const { return slots_.ok() && free_.ok(); }
  [[nodiscard]] bool full() const { return free_count_ == 0 && high_water_ == capacity_; }
  [[nodiscard]] uint32_t live() const { return high_water_ - free_count_; }
  [[nodiscard]] uint32_t capacity() const { return capacity_; }

  /// Precondition: !full().
  [[nodiscard]] uint32_t acquire() {
    assert(!full());
    if (free_count_ > 0) return free_[--free_count_];
    return high_water_++;
  }

  /// Precondition: `i` is live.
  void release(uint32_t i) {
    assert(i < high_water_ && free_count_ < high_water_);
    free_[free_count_++] = i;
  }

  T& operator[](uint32_t i) { return slots_[i]; }
  const T& operator[](uint32_t i) const { return slots_[i]; }

 private:
  ZeroedArray<T> slots_;
  ZeroedArray<uint32_t> free_;
  uint32_t capacity_;
  uint32_t high_water_ = 0;
  uint32_t free_count_ = 0;
};

}  // namespace rialto::engine::detail
