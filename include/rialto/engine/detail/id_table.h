// OrderId -> order state, for every id the engine ever accepted.
//
// Design: open addressing with linear probing over a power-of-two array of
// 16-byte slots, sized to at least twice `max_ids` so the load factor never
// exceeds 1/2 (expected probes per lookup < 2). Entries are never deleted: an
// order that leaves the book keeps its slot, marked dead, because its id stays
// taken (duplicate_id). So a slot index is stable for the engine's lifetime and
// an order can carry it to change its state in O(1) without hashing.
// Worst case: a lookup probes a run of occupied slots; with Fibonacci hashing
// and load <= 1/2 long runs need adversarial ids (clients choose ids, so a
// hostile client can only slow its own lookups down, never break them).
//
// Thread safety: none; owned by one engine thread.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

#include "rialto/core/types.h"
#include "rialto/engine/detail/pool.h"

namespace rialto::engine::detail {

class IdTable {
 public:
  // Slot values: 0 = empty, 1 = accepted but no longer resting, k + 2 = resting
  // at order pool index k.
  static constexpr uint32_t kEmpty = 0;
  static constexpr uint32_t kDead = 1;
  static constexpr uint32_t kNotFound = UINT32_MAX;

  explicit IdTable(uint32_t max_ids)
      : max_ids_(max_ids),
        bits_(static_cast<uint32_t>(
            std::countr_zero(std::bit_ceil(std::max<uint64_t>(uint64_t{max_ids} * 2, 2))))),
        mask_((uint64_t{1} << bits_) - 1),
        slots_(make_zeroed_array<Slot>(mask_ + 1)) {}

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

  [[nodiscard]] uint64_t home(OrderId id) const {
    return (id.value() * 0x9E3779B97F4A7C15ull) >> (64 - bits_);
  }

  uint32_t max_ids_;
  uint32_t bits_;
  uint64_t mask_;
  std::unique_ptr<Slot[], FreeDeleter> slots_;
  uint32_t size_ = 0;
};

}  // namespace rialto::engine::detail
