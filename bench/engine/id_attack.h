// Order ids built against the engine's id index (include/rialto/engine/
// detail/id_index.h), for the id-pattern benchmark (`rialto bench ids`,
// docs/BENCHMARKS.md#order-ids).
//
// The index is linear probing with home slot `IdIndex::hash(id, key) &
// (slots - 1)`. Whoever knows the key can search for ids whose home slots all
// fall into a few adjacent slots, so that the resting orders form one run and
// every lookup walks it: the worst case the index documents, O(resting orders)
// per lookup. With a key the submitter does not know, the same ids scatter as
// random ones do.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rialto/engine/engine.h"

namespace rialto::bench {

/// `count` distinct non-zero ids whose home slots under `key` in a table of
/// `slots` slots (a power of two) lie in [first, first + range), wrapping
/// past the last slot. Brute force over candidate ids 1, 2, 3, ...: about
/// count x slots / range hashes. (The engine's tests build long and wrapping
/// probe runs with it too.)
[[nodiscard]] std::vector<uint64_t> colliding_ids(uint64_t count, uint64_t slots, uint64_t first, uint64_t range,
                                                  const engine::IdKey& key);

/// Longest run of occupied slots once `ids` are in a linear-probing table of
/// `slots` slots under `key` (the set of occupied slots does not depend on the
/// insertion order): the most slots one lookup can examine.
[[nodiscard]] uint64_t longest_run(std::span<const uint64_t> ids, uint64_t slots, const engine::IdKey& key);

}  // namespace rialto::bench
