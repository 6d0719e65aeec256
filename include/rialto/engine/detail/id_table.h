// OrderId -> order state, for every id the engine ever accepted.
//
// Design: open addressing with linear probing over a power-of-two array of
// 16-byte slots, sized to at least twice `max_ids` so the load factor never
// exceeds 1/2. The hash keeps sequential ids adjacent (see home()): a
// scattering hash made every lookup a cache and TLB miss over the whole
// table, which profiling showed to be most of the engine's time. Entries are never deleted: an
// order that leaves the book keeps its slot, marked dead, because its id stays
// taken (duplicate_id). So a slot index is stable for the engine's lifetime and
// an order can carry it to change its state in O(1) without hashing.
// Worst case: a lookup probes a run of occupied slots. With load <= 1/2,
// sequential or random ids give short runs; ids chosen to collide (same value
// after folding) build a run as long as their number, so a hostile client can
// make lookups that land in that run O(n) — slower, never wrong.
//
// Thread safety: none; owned by one engine thread.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

#include "rialto/core/types.h"
#include "rialto/engine/detail/zeroed_array.h"

namespace rialto::engine::detail {

class IdTable {
 public:
  // Slot values: 0 = empty, 1 = accepted but no longer resting, k + 2 = resting
  // at order pool index k.
  static constexpr uint32_t kEmpty = 0;
  static constexpr uint32_t kDead = 1;
  static constexpr uint32_t kNotFound = UINT32_MAX;

  explicit IdTable(uint32_t max_ids, bool prefault = false)
      : max_ids_(max_ids),
        bits_(static_cast<uint32_t>(
            std::countr_zero(std::bit_ceil(std::max<uint64_t>(uint64_t{max_ids} * 2, 2))))),
        mask_((uint64_t{1} << bits_) - 1),
        slots_(mask_ + 1, prefault) {}

  [[nodiscard]] bool full() const { return size_ >= max_ids_; }
  [[nodiscard]] uint32_t size() const { return size_; }

  /// Slot of `id`, or kNotFound.
  [[nodiscard]] uint32_t find(OrderId id) const {
    for (uint64_t i = home(id);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == kEmpty) return kNotFound;
      if (s.key == id.value()) return static_cast<uint32_t>(i);
    }
  }

  /// Adds `id` (precondition: absent and !full()); returns its slot.
  uint32_t insert(OrderId id, uint32_t value) {
    uint64_t i = home(id);
    while (slots_[i].value != kEmpty) i = (i + 1) & mask_;
    slots_[i] = Slot{id.value(), value, 0};
    ++size_;
    return static_cast<uint32_t>(i);
  }

  /// Hint: start loading the cache line where `id` would be found.
  void prefetch(OrderId id) const { __builtin_prefetch(&slots_[home(id)]); }

  [[nodiscard]] uint32_t value(uint32_t slot) const { return slots_[slot].value; }
  void set_value(uint32_t slot, uint32_t value) { slots_[slot].value = value; }

  static constexpr uint32_t live(uint32_t pool_index) { return pool_index + 2; }
  static constexpr bool is_live(uint32_t value) { return value >= 2; }
  static constexpr uint32_t pool_index(uint32_t value) { return value - 2; }

 private:
  struct Slot {
    uint64_t key;
    uint32_t value;
    uint32_t pad;
  };
  static_assert(sizeof(Slot) == 16);

  // Folds the high bits onto the low ones: ids below the table size map to
  // themselves, so sequentially numbered orders (the common case) fill
  // adjacent slots, and cancels of recent orders hit recently touched cache
  // lines. Ids that differ only above the table size still spread.
  [[nodiscard]] uint64_t home(OrderId id) const {
    uint64_t x = id.value();
    uint64_t h = x;
    for (uint32_t s = bits_; s < 64; s += bits_) h ^= x >> s;
    return h & mask_;
  }

  uint32_t max_ids_;
  uint32_t bits_;
  uint64_t mask_;
  ZeroedArray<Slot> slots_;
  uint32_t size_ = 0;
};

}  // namespace rialto::engine::detail
