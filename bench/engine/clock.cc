#include "bench/engine/clock.h"

#include <sched.h>

#include <algorithm>
#include <vector>

namespace rialto::bench {
namespace {

template <class F>
double cost_ns(const TscClock& c, F&& read) {
  // Median over batches of back-to-back reads, in TSC ticks then converted.
  constexpr int kBatch = 1000;
  std::vector<double> per_read;
  for (int b = 0; b < 21; ++b) {
    uint64_t t0 = ticks();
    uint64_t sink = 0;
    for (int i = 0; i < kBatch; ++i) sink += read();
    uint64_t t1 = ticks_after();
    asm volatile("" : : "r"(sink));
    per_read.push_back(static_cast<double>(t1 - t0) / kBatch);
  }
  std::nth_element(per_read.begin(), per_read.begin() + 10, per_read.end());
  return c.to_ns_f(per_read[10]);
}

}  // namespace

TscClock TscClock::calibrate(int ms) {
  TscClock c;
  using clock = std::chrono::steady_clock;
#if defined(__x86_64__)
  const auto s0 = clock::now();
  const uint64_t t0 = ticks_after();
  auto s1 = s0;
  while (s1 - s0 < std::chrono::milliseconds(ms)) s1 = clock::now();
  const uint64_t t1 = ticks_after();
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(s1 - s0).count());
  c.ticks_per_ns = static_cast<double>(t1 - t0) / ns;
#else
  (void)ms;
#endif
  c.read_cost_ns = cost_ns(c, [] { return ticks(); });
  c.read_after_cost_ns = cost_ns(c, [] { return ticks_after(); });
  c.steady_cost_ns = cost_ns(c, [] { return static_cast<uint64_t>(clock::now().time_since_epoch().count()); });
  return c;
}

bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

}  // namespace rialto::bench
