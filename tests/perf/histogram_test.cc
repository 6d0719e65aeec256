// The log-linear histogram (bench/engine/histogram.h) against exact
// percentiles of known distributions.
#include "bench/engine/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace rialto::bench {
namespace {

using H = Histogram;

/// Exact percentile by the same rank rule: smallest v with >= pct% of values <= v.
uint64_t exact(std::vector<uint64_t> v, double pct) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(pct / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

/// The histogram may report up to one bucket width above the exact value, never below.
void expect_close(uint64_t got, uint64_t want) {
  EXPECT_GE(got, want);
  EXPECT_LE(static_cast<double>(got), static_cast<double>(want) * (1.0 + 1.0 / H::kSub) + 1.0) << "want " << want;
}

TEST(Histogram, shouldCountSmallValuesExactly) {
  H h;
  for (uint64_t v = 0; v < 2 * H::kSub; ++v) h.record(v);
  EXPECT_EQ(h.count(), 2 * H::kSub);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 2 * H::kSub - 1);
  EXPECT_EQ(h.percentile(50), H::kSub - 1);
  EXPECT_EQ(h.percentile(100), 2 * H::kSub - 1);
  EXPECT_EQ(h.percentile(0), 0u);
}

TEST(Histogram, shouldMapEveryValueIntoABucketThatHoldsIt) {
  std::vector<uint64_t> probes;
  for (unsigned b = 0; b < 64; ++b) {
    const uint64_t p = uint64_t{1} << b;
    probes.insert(probes.end(), {p - 1, p, p + 1, p + p / 3});
  }
  probes.push_back(UINT64_MAX);
  for (uint64_t v : probes) {
    const size_t i = H::index_of(v);
    ASSERT_LT(i, H::kBuckets) << v;
    EXPECT_LE(H::lowest_of(i), v) << v;
    EXPECT_GE(H::highest_of(i), v) << v;
    const double width = static_cast<double>(H::highest_of(i) - H::lowest_of(i) + 1);
    EXPECT_LE(width, std::max(1.0, static_cast<double>(H::lowest_of(i)) / H::kSub)) << v;
  }
  for (size_t i = 1; i < H::kBuckets; ++i) {
    ASSERT_EQ(H::lowest_of(i), H::highest_of(i - 1) + 1) << i;  // contiguous, no gaps
  }
}

TEST(Histogram, shouldMatchExactPercentilesOfAUniformDistribution) {
  H h;
  std::vector<uint64_t> all;
  for (uint64_t v = 1; v <= 1'000'000; ++v) {
    h.record(v);
    all.push_back(v);
  }
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) expect_close(h.percentile(p), exact(all, p));
  EXPECT_EQ(h.percentile(100), 1'000'000u);
  EXPECT_DOUBLE_EQ(h.mean(), 500'000.5);
}

TEST(Histogram, shouldMatchExactPercentilesOfAHeavyTailedDistribution) {
  // Deterministic Pareto-like latencies: most near 60 ns, a tail to milliseconds.
  H h;
  std::vector<uint64_t> all;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 200'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const double u = static_cast<double>(x >> 11) * 0x1.0p-53;
    const auto v = static_cast<uint64_t>(50.0 * std::pow(1.0 - u, -1.0 / 1.2));
    h.record(v);
    all.push_back(v);
  }
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) expect_close(h.percentile(p), exact(all, p));
  EXPECT_EQ(h.max(), *std::max_element(all.begin(), all.end()));
  EXPECT_EQ(h.min(), *std::min_element(all.begin(), all.end()));
}

TEST(Histogram, shouldMergeAndReset) {
  H a;
  H b;
  for (uint64_t v = 1; v <= 1000; ++v) (v % 2 == 0 ? a : b).record(v);
  a.merge(b);
  EXPECT_EQ(a.count(), 1000u);
  EXPECT_EQ(a.min(), 1u);
  EXPECT_EQ(a.max(), 1000u);
  expect_close(a.percentile(50), 500);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(50), 0u);
  EXPECT_EQ(a.max(), 0u);
}

TEST(Histogram, shouldWriteAMonotoneCdfEndingAtOne) {
  H h;
  for (uint64_t v : {5, 5, 100, 1000, 100000}) h.record(v);
  std::ostringstream out;
  h.write_cdf(out, "r,");
  std::istringstream in(out.str());
  std::string line;
  double last_q = 0;
  uint64_t last_v = 0;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    ASSERT_EQ(line.rfind("r,", 0), 0u) << line;
    std::istringstream f(line.substr(2));
    uint64_t v = 0;
    double q = 0;
    char comma = 0;
    f >> v >> comma >> q;
    EXPECT_GT(v, last_v);
    EXPECT_GT(q, last_q);
    last_v = v;
    last_q = q;
  }
  EXPECT_EQ(lines, 4);
  EXPECT_DOUBLE_EQ(last_q, 1.0);
  EXPECT_EQ(last_v, 100000u);
}

}  // namespace
}  // namespace rialto::bench
