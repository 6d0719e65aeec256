#include "bench/engine/histogram.h"

#include <algorithm>
#include <cmath>
#include <ostream>

namespace rialto::bench {

void Histogram::merge(const Histogram& o) {
  for (size_t i = 0; i < kBuckets; ++i) (*counts_)[i] += (*o.counts_)[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

void Histogram::reset() {
  counts_->fill(0);
  count_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<uint64_t>::max();
  max_ = 0;
}

uint64_t Histogram::percentile(double pct) const {
  if (count_ == 0) return 0;
  pct = std::clamp(pct, 0.0, 100.0);
  // Rank of the value we want, 1-based: at least one value must be <= it.
  auto rank = static_cast<uint64_t>(std::ceil(pct / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += (*counts_)[i];
    if (seen >= rank) return std::min(highest_of(i), max_);
  }
  return max_;
}

void Histogram::write_cdf(std::ostream& out, const char* prefix) const {
  const auto old_precision = out.precision(12);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    const uint64_t c = (*counts_)[i];
    if (c == 0) continue;
    seen += c;
    const double q = static_cast<double>(seen) / static_cast<double>(count_);
    const double x = seen == count_ ? 2.0 * static_cast<double>(count_) : 1.0 / (1.0 - q);
    out << prefix << std::min(highest_of(i), max_) << ',' << q << ',' << c << ',' << x << '\n';
  }
  out.precision(old_precision);
}

}  // namespace rialto::bench
