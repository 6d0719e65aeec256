// SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012)
// of one 64-bit word, the engine's keyed hash for order ids.
//
// Design: a pseudorandom function keyed by a secret 128-bit key, so that an
// attacker who chooses ids but does not know the key cannot choose ids that
// collide more often than random ones would. SipHash-1-3 (one compression and
// three finalisation rounds) is the variant hash tables use against
// hash-flooding; SipHash-2-4 is the variant the paper's test vectors are for.
// Both are one template: Rounds<C, D>. The message is always exactly 8 bytes
// (the id, little-endian), so the generic length handling reduces to one
// message block and one length block.
//
// Thread safety: pure functions.
#pragma once

#include <bit>
#include <cstdint>

namespace rialto::engine::detail {

/// The 128-bit key: two little-endian halves, k0 the first 8 key bytes.
struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  friend bool operator==(const SipKey&, const SipKey&) = default;
};

template <int C, int D>
[[nodiscard]] constexpr uint64_t siphash_u64(const SipKey& key, uint64_t m) {
  uint64_t v0 = key.k0 ^ 0x736f6d6570736575ULL;
  uint64_t v1 = key.k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = key.k0 ^ 0x6c7967656e657261ULL;
  uint64_t v3 = key.k1 ^ 0x7465646279746573ULL;
  auto round = [&] {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  };
  auto compress = [&](uint64_t block) {
    v3 ^= block;
    for (int i = 0; i < C; ++i) round();
    v0 ^= block;
  };
  compress(m);
  compress(uint64_t{8} << 56);  // the last block: message length 8, no tail bytes
  v2 ^= 0xff;
  for (int i = 0; i < D; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/// The engine's id hash: SipHash-1-3.
[[nodiscard]] constexpr uint64_t siphash13(const SipKey& key, uint64_t m) { return siphash_u64<1, 3>(key, m); }

}  // namespace rialto::engine::detail
