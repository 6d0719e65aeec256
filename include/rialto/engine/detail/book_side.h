// One side of one book: its price levels in priority order.
//
// Design: two parallel contiguous arrays sorted by priority key, the best level
// at the BACK: `keys_` (price for bids, -price for asks, ascending, so the best
// price is the largest key) and `levels_` (index of the Level in the engine's
// level pool). The best level is levels_.back(): O(1). Most activity is at or
// near the touch, where an insert or erase moves only the few entries behind
// it; a lookup scans up to kLinearScan keys from the back before falling back
// to binary search over the contiguous keys.
//
// Worst case: creating or removing a level far from the touch moves every
// level between it and the touch: O(L) memmove of 12 bytes per level. With L
// = 10,000 levels that is ~120 KB, a few microseconds; a flash crash that
// leaves thousands of stale levels behind pays it only when a level is
// created or emptied out there, never per order at an existing level.
// Capacity: each side reserves `reserve_levels` (EngineConfig::
// levels_reserved_per_side) at construction. A side that needs more grows
// both arrays (doubling) *before* it changes either, so an allocation — the
// only one after construction, and it stops once the peak is reached — can
// never leave the two arrays out of step; insert() says when it grew.
//
// Thread safety: none; owned by one engine thread.
// Invariants: keys_ strictly ascending; keys_.size() == levels_.size().
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <vector>

#include "rialto/core/types.h"
#include "rialto/engine/detail/pool.h"

namespace rialto::engine::detail {

class BookSide {
 public:
  static constexpr size_t kLinearScan = 8;

  explicit BookSide(Side side, size_t reserve_levels = 64) : side_(side) {
    keys_.reserve(reserve_levels);
    levels_.reserve(reserve_levels);
  }

  [[nodiscard]] Side side() const { return side_; }
  [[nodiscard]] bool empty() const { return levels_.empty(); }
  [[nodiscard]] size_t size() const { return levels_.size(); }
  /// Level pool index of the best level. Precondition: !empty().
  [[nodiscard]] uint32_t best() const {
    assert(!empty());
    return levels_.back();
  }

  /// Level pool index of the level at `price`, or kNil.
  [[nodiscard]] uint32_t find(Price price) const {
    size_t pos = lower_bound(key(price));
    return pos < keys_.size() && keys_[pos] == key(price) ? levels_[pos] : kNil;
  }

  /// Inserts a level for `price` (precondition: none exists). Returns true
  /// if the side had to grow its arrays to hold it.
  bool insert(Price price, uint32_t level) {
    size_t pos = lower_bound(key(price));
    assert(pos == keys_.size() || keys_[pos] != key(price));
    const bool grow = keys_.size() == keys_.capacity() || levels_.size() == levels_.capacity();
    if (grow) {
      const size_t cap = std::max<size_t>(16, 2 * keys_.size());
      keys_.reserve(cap);
      levels_.reserve(cap);
    }
    // Neither insert can allocate now.
    keys_.insert(keys_.begin() + static_cast<std::ptrdiff_t>(pos), key(price));
    levels_.insert(levels_.begin() + static_cast<std::ptrdiff_t>(pos), level);
    return grow;
  }

  /// Removes the level at `price` (precondition: it exists).
  void erase(Price price) {
    size_t pos = lower_bound(key(price));
    assert(pos < keys_.size() && keys_[pos] == key(price));
    keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(pos));
    levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(pos));
  }

  /// Calls f(level index) from the best level outwards until f returns false.
  template <class F>
  void for_each_best_first(F&& f) const {
    for (size_t i = levels_.size(); i-- > 0;) {
      if (!f(levels_[i])) return;
    }
  }

 private:
  [[nodiscard]] int64_t key(Price p) const { return side_ == Side::buy ? p.value() : -p.value(); }

  /// First position whose key is >= k.
  [[nodiscard]] size_t lower_bound(int64_t k) const {
    size_t n = keys_.size();
    // Near the touch: walk back from the best while the key is still above k.
    size_t lo = n > kLinearScan ? n - kLinearScan : 0;
    if (n == 0 || keys_[lo] < k) {
      size_t i = n;
      while (i > lo && keys_[i - 1] >= k) --i;
      return i;
    }
    // Far from the touch: branchless binary search over keys_[0, lo) (a
    // conditional move per step instead of a mispredicted branch).
    const int64_t* base = keys_.data();
    size_t len = lo;
    while (len > 1) {
      size_t half = len / 2;
      base = base[half - 1] < k ? base + half : base;
      len -= half;
    }
    return static_cast<size_t>(base - keys_.data()) + (*base < k ? 1 : 0);
  }

  Side side_;
  std::vector<int64_t> keys_;
  std::vector<uint32_t> levels_;
};

}  // namespace rialto::engine::detail
