#include "bench/engine/id_attack.h"

#include <algorithm>

namespace rialto::bench {

std::vector<uint64_t> colliding_ids(uint64_t count, uint64_t slots, uint64_t first, uint64_t range,
                                    const engine::IdKey& key) {
  std::vector<uint64_t> ids;
  ids.reserve(count);
  const uint64_t mask = slots - 1;
  for (uint64_t x = 1; ids.size() < count; ++x) {
    if (((engine::detail::IdIndex::hash(OrderId(x), key) - first) & mask) < range) ids.push_back(x);
  }
  return ids;
}

uint64_t longest_run(std::span<const uint64_t> ids, uint64_t slots, const engine::IdKey& key) {
  const uint64_t mask = slots - 1;
  std::vector<uint8_t> used(slots, 0);
  for (uint64_t id : ids) {
    uint64_t i = engine::detail::IdIndex::hash(OrderId(id), key) & mask;
    while (used[i] != 0) i = (i + 1) & mask;
    used[i] = 1;
  }
  // Runs, the one that wraps around the end included.
  uint64_t best = 0;
  uint64_t run = 0;
  for (uint64_t k = 0; k < 2 * slots; ++k) {
    run = used[k & mask] != 0 ? run + 1 : 0;
    best = std::max(best, run);
  }
  return std::min(best, slots);
}

}  // namespace rialto::bench
