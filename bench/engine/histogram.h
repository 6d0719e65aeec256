// Log-linear latency histogram in the manner of HdrHistogram.
//
// Design: values (nanoseconds, any uint64) below 2*kSub are counted exactly;
// above, each power-of-two range [2^k, 2^(k+1)) is split into kSub equal
// buckets. So a bucket's width is at most 1/kSub of its lower bound: with
// kSub = 128 every reported value is within 0.79% above the true one, from
// 1 ns to 2^64 ns, in a fixed 7,424-counter array (58 KiB) that never
// allocates after construction. record() is a handful of instructions (one
// bit scan, one shift, one increment).
// Percentiles report the *upper* bound of the bucket holding the rank
// (HdrHistogram's "highest equivalent value"), capped at the exact maximum.
//
// Thread safety: none; one histogram per recording thread (merge() after).
// Invariants: count() == sum of counters; min() <= max() when count() > 0.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <memory>

namespace rialto::bench {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 7;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits) * kSub + kSub;  // 7,424

  Histogram() : counts_(std::make_unique<std::array<uint64_t, kBuckets>>()) {}

  void record(uint64_t v) {
    ++(*counts_)[index_of(v)];
    ++count_;
    sum_ += v;
    min_ = v < min_ ? v : min_;
    max_ = v > max_ ? v : max_;
  }

  void merge(const Histogram& o);
  void reset();

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] uint64_t min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] uint64_t max() const { return max_; }
  [[nodiscard]] double mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }

  /// Smallest recorded-value bound v such that at least `pct` percent of the
  /// values are <= v (bucket upper bound, capped at max()). 0 when empty.
  [[nodiscard]] uint64_t percentile(double pct) const;

  /// Writes "value_ns,cumulative_fraction,count,percentile_axis" for every
  /// non-empty bucket (value = bucket upper bound capped at max()), each line
  /// preceded by `prefix`. percentile_axis = 1/(1 - fraction), the x of an
  /// HDR-style plot (2 = 50%, 100 = 99%, ...); the last bucket, fraction 1,
  /// is placed at 2 * count().
  void write_cdf(std::ostream& out, const char* prefix = "") const;

  // Bucket arithmetic, public for tests.
  [[nodiscard]] static constexpr size_t index_of(uint64_t v) {
    if (v < 2 * kSub) return static_cast<size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - 1 - kSubBits;  // >= 1
    return static_cast<size_t>(shift * kSub + (v >> shift));
  }
  [[nodiscard]] static constexpr uint64_t lowest_of(size_t i) {
    if (i < 2 * kSub) return i;
    const uint64_t shift = i / kSub - 1;
    return (i - shift * kSub) << shift;
  }
  [[nodiscard]] static constexpr uint64_t highest_of(size_t i) {
    if (i < 2 * kSub) return i;
    const uint64_t shift = i / kSub - 1;
    return lowest_of(i) + ((uint64_t{1} << shift) - 1);
  }

 private:
  std::unique_ptr<std::array<uint64_t, kBuckets>> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
};

}  // namespace rialto::bench
