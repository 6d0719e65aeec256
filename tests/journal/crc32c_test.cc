// CRC32C: the known vectors (RFC 3720 B.4, the "123456789" check value), and
// both paths (SSE4.2 and table) against boost::crc_optimal on random buffers.
#include "rialto/journal/crc32c.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/crc.hpp>
#include <cstring>
#include <string>
#include <vector>

namespace rialto::journal {
namespace {

using BoostCrc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

uint32_t boost_crc(const void* p, size_t n) {
  BoostCrc32c c;
  c.process_bytes(p, n);
  return c.checksum();
}

struct Vector {
  std::vector<unsigned char> bytes;
  uint32_t crc;
};

std::vector<Vector> known_vectors() {
  std::vector<Vector> v;
  const char* check = "123456789";
  v.push_back({std::vector<unsigned char>(check, check + 9), 0xE3069283});
  v.push_back({std::vector<unsigned char>(32, 0x00), 0x8A9136AA});
  v.push_back({std::vector<unsigned char>(32, 0xFF), 0x62A8AB43});
  std::vector<unsigned char> inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[i] = static_cast<unsigned char>(i);
    dec[i] = static_cast<unsigned char>(31 - i);
  }
  v.push_back({inc, 0x46DD794E});
  v.push_back({dec, 0x113FDB5C});
  v.push_back({{}, 0x00000000});
  return v;
}

TEST(Crc32c, shouldMatchKnownVectorsOnEveryPath) {
  for (const auto& v : known_vectors()) {
    EXPECT_EQ(crc32c(v.bytes.data(), v.bytes.size()), v.crc) << v.bytes.size();
    EXPECT_EQ(crc32c_portable(v.bytes.data(), v.bytes.size()), v.crc) << v.bytes.size();
    EXPECT_EQ(boost_crc(v.bytes.data(), v.bytes.size()), v.crc) << v.bytes.size();
  }
}

TEST(Crc32c, shouldUseTheInstructionOnThisMachine) {
  // x86-64 machines that run this suite have SSE4.2; if not, the test says so.
  EXPECT_TRUE(crc32c_hardware()) << "no SSE4.2: crc32c runs the table path";
}

RC_GTEST_PROP(Crc32c, shouldAgreeWithBoostOnRandomBuffersAndOffsets, (const std::string& s, unsigned offset)) {
  std::string buf = std::string(offset % 8, 'x') + s;  // every alignment
  const char* p = buf.data() + offset % 8;
  const uint32_t expected = boost_crc(p, s.size());
  RC_ASSERT(crc32c(p, s.size()) == expected);
  RC_ASSERT(crc32c_portable(p, s.size()) == expected);
}

RC_GTEST_PROP(Crc32c, shouldChainAcrossSplits, (const std::string& s, size_t cut)) {
  const size_t k = s.empty() ? 0 : cut % (s.size() + 1);
  const uint32_t whole = crc32c(s.data(), s.size());
  RC_ASSERT(crc32c(s.data() + k, s.size() - k, crc32c(s.data(), k)) == whole);
  RC_ASSERT(crc32c_portable(s.data() + k, s.size() - k, crc32c_portable(s.data(), k)) == whole);
}

TEST(Crc32c, shouldAgreeWithBoostOnLargeBuffers) {
  std::vector<unsigned char> big(1 << 20);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (auto& b : big) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<unsigned char>(x);
  }
  for (size_t n : {size_t{64}, size_t{4095}, size_t{65536}, big.size()}) {
    EXPECT_EQ(crc32c(big.data(), n), boost_crc(big.data(), n)) << n;
    EXPECT_EQ(crc32c_portable(big.data(), n), boost_crc(big.data(), n)) << n;
  }
}

}  // namespace
}  // namespace rialto::journal
