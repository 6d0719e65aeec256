// CRC32C: the SSE4.2 crc32 instruction, 8 bytes per step, when the CPU has it;
// otherwise slicing by 8 over tables computed at compile time.
#include "rialto/journal/crc32c.h"

#include <array>
#include <cstring>

namespace rialto::journal {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;  // reflected Castagnoli polynomial

constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}

constexpr auto kTables = make_tables();

uint32_t portable(const unsigned char* p, size_t n, uint32_t c) {
  while (n >= 8) {
    uint32_t lo = 0;
    uint32_t hi = 0;
    std::memcpy(&lo, p, 4);  // little-endian host (x86-64, aarch64)
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t hardware(const unsigned char* p, size_t n, uint32_t c) {
  unsigned long long c64 = c;
  while (n >= 8) {
    unsigned long long v = 0;
    std::memcpy(&v, p, 8);
    c64 = __builtin_ia32_crc32di(c64, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c64);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

bool detect() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}
#else
uint32_t hardware(const unsigned char* p, size_t n, uint32_t c) { return portable(p, n, c); }
bool detect() { return false; }
#endif

// Decided once; a function-local static is thread-safe to initialise.
bool has_hardware() {
  static const bool yes = detect();
  return yes;
}

}  // namespace

uint32_t crc32c(const void* p, size_t n, uint32_t crc) {
  const auto* b = static_cast<const unsigned char*>(p);
  if (has_hardware()) return ~hardware(b, n, ~crc);
  return ~portable(b, n, ~crc);
}

uint32_t crc32c_portable(const void* p, size_t n, uint32_t crc) {
  return ~portable(static_cast<const unsigned char*>(p), n, ~crc);
}

bool crc32c_hardware() { return has_hardware(); }

}  // namespace rialto::journal
