// OrderId -> pool index of the resting order with that id; only resting
// orders are in it, so its size is bounded by the order pool, never by the
// number of orders ever accepted.
//
// Design: open addressing with linear probing over a power-of-two array of
// 16-byte slots (id, pool index + 1, low 32 bits of the id's hash), at least
// twice as many slots as resting orders, so the load factor never exceeds
// 1/2. The home slot is SipHash-1-3 of the id under a 128-bit key
// (detail/siphash.h), so every id pattern — sequential, `session << 32 | seq`,
// random — spreads the same way. Removal shifts the following entries of the
// run back (no tombstones), so probe runs depend only on the orders resting
// now, never on history.
//
// Worst case: with a key the submitter does not know, ids behave as random
// ones whatever their pattern: at load <= 1/2 a lookup probes on average
// <= 1.5 slots when the id is present and <= 2.5 when it is absent, and the
// longest run among n resting orders is O(log n) with high probability. An
// attacker who knows the key can put every resting order into one run: a
// lookup is then O(resting orders) — bounded by max_orders, never unbounded,
// and never wrong. The default key is public; an edge that takes ids from
// untrusted clients sets a secret one (EngineConfig::id_key). The server's
// gateway mints the ids itself (ADR 0005), so clients never choose them.
//
// Thread safety: none; owned by one engine thread.
// Invariants: size() <= max_live; every occupied slot is reachable from its
// home slot without crossing an empty slot; an id occupies at most one slot.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>

#include "rialto/core/types.h"
#include "rialto/engine/detail/siphash.h"
#include "rialto/engine/detail/zeroed_array.h"

namespace rialto::engine::detail {

class IdIndex {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;
  static constexpr uint32_t kMaxLive = 1u << 31;

  /// Slots for a table that holds `max_live` ids at load <= 1/2.
  [[nodiscard]] static constexpr uint64_t slots_for(uint32_t max_live) {
    return std::bit_ceil(std::max<uint64_t>(uint64_t{max_live} * 2, 2));
  }

  /// The id's hash under `key`; its home slot is `hash & (slots - 1)`.
  [[nodiscard]] static constexpr uint64_t hash(OrderId id, const SipKey& key) { return siphash13(key, id.value()); }

  IdIndex(uint32_t max_live, const SipKey& key, bool prefault = false)
      : key_(key), mask_(slots_for(max_live) - 1), slots_(mask_ + 1, prefault), max_live_(max_live) {
    assert(max_live <= kMaxLive);  // home slots come from 32 hash bits
  }

  /// False if the table could not be mapped; nothing else may be called then.
  [[nodiscard]] bool ok() const { return slots_.ok(); }
  [[nodiscard]] uint32_t size() const { return size_; }
  [[nodiscard]] bool full() const { return size_ >= max_live_; }
  [[nodiscard]] uint64_t slots() const { return mask_ + 1; }

  /// Low 32 bits of the id's hash: all that find/insert/erase need.
  [[nodiscard]] uint32_t hash32(OrderId id) const { return static_cast<uint32_t>(hash(id, key_)); }

  /// Pool index of the resting order `id` (h = hash32(id)), or kNotFound.
  [[nodiscard]] uint32_t find(OrderId id, uint32_t h) const {
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index1 == 0) return kNotFound;
      if (s.key == id.value()) return s.index1 - 1;
    }
  }

  /// Adds `id` -> `index`. Preconditions: `id` absent, !full().
  void insert(OrderId id, uint32_t h, uint32_t index) {
    assert(!full());
    assert(find(id, h) == kNotFound);
    uint64_t i = h & mask_;
    while (slots_[i].index1 != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{id.value(), index + 1, h};
    ++size_;
  }

  /// Removes `id`. Precondition: present.
  void erase(OrderId id, uint32_t h) {
    uint64_t i = h & mask_;
    while (slots_[i].key != id.value() || slots_[i].index1 == 0) {
      assert(slots_[i].index1 != 0);  // reached an empty slot: the id was not here
      i = (i + 1) & mask_;
    }
    // Backward shift: an entry further along the run moves into the hole when
    // the hole lies on its probe path (between its home and where it sits).
    for (uint64_t j = i;;) {
      j = (j + 1) & mask_;
      const Slot& s = slots_[j];
      if (s.index1 == 0) break;
      const uint64_t home = s.hash & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = s;
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
  }

  /// Hint: start loading the cache line of `id`'s home slot.
  void prefetch(OrderId id) const { __builtin_prefetch(&slots_[hash32(id) & mask_]); }

  /// Slots a lookup of `id` examines (1 = its home slot). Tests and benchmarks only.
  [[nodiscard]] uint64_t TEST_probe_length(OrderId id) const {
    uint64_t n = 1;
    for (uint64_t i = hash32(id) & mask_; slots_[i].index1 != 0 && slots_[i].key != id.value();
         i = (i + 1) & mask_) {
      ++n;
    }
    return n;
  }

 private:
  struct Slot {
    uint64_t key;
    uint32_t index1;  // pool index + 1; 0 = empty
    uint32_t hash;    // low 32 bits of the key's hash: its home without rehashing
  };
  static_assert(sizeof(Slot) == 16, "four slots per cache line");

  SipKey key_;
  uint64_t mask_;
  ZeroedArray<Slot> slots_;
  uint32_t max_live_;
  uint32_t size_ = 0;
};

}  // namespace rialto::engine::detail
