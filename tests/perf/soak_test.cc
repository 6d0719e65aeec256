// A scaled-down soak (bench/engine/soak.h): an engine fed far more orders than
// it can hold at once, with ids minted as gateways do ((session << 32) | seq),
// keeps working. Behaviour only, no timing:
//   - no order is ever rejected for capacity (memory must be bounded by the
//     live orders, not by the ids ever accepted);
//   - the resting count stays bounded by the flow's slots (an order the engine
//     forgets to remove would grow it);
//   - nothing but the flow's own stale cancels/modifies is rejected;
//   - the resident set after the second half is not above the resident set
//     after the warm-up by more than a small margin (release builds only:
//     sanitizers keep freed memory in quarantine).
// Release: 3 x 10^7 messages in three windows; sanitizers: 2.1 x 10^6.
//
// Usage: perf_soak_test [SESSIONS]   (default 64)
#include <cstdio>
#include <cstdlib>

#include "bench/engine/soak.h"

int main(int argc, char** argv) {
  rialto::bench::SoakParams p;
#if defined(RIALTO_SANITIZED)
  p.messages = 2'100'000;  // divisible by 3: three equal windows
  constexpr bool kCheckRss = false;
#else
  p.messages = 30'000'000;
  constexpr bool kCheckRss = true;
#endif
  p.report_every = p.messages / 3;
  p.slots = 1u << 16;        // ~30,000 resting
  p.max_orders = 1u << 17;   // small tables: ids ever accepted exceed them ~100-fold
  p.sessions = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 64;
  p.seed = 11;
  constexpr uint64_t kRssMargin = 2u << 20;  // allocator and stdio noise

  bool ok = true;
  auto fail = [&](const char* what, unsigned long long got) {
    std::printf("FAIL: %s (%llu)\n", what, got);
    ok = false;
  };
  const rialto::bench::SoakResult r = rialto::bench::run_soak(p, [&](const rialto::bench::SoakWindow& w) {
    std::printf("%llu messages: resting %llu (peak %llu), RSS %.1f MiB, %llu capacity, %llu unknown_order, "
                "%llu other rejects, %llu trades\n",
                static_cast<unsigned long long>(w.messages_end), static_cast<unsigned long long>(w.resting),
                static_cast<unsigned long long>(w.peak_resting), static_cast<double>(w.rss_bytes) / (1 << 20),
                static_cast<unsigned long long>(w.capacity_rejects),
                static_cast<unsigned long long>(w.unknown_order_rejects),
                static_cast<unsigned long long>(w.other_rejects), static_cast<unsigned long long>(w.trades));
    if (w.capacity_rejects != 0) fail("orders rejected for capacity", w.capacity_rejects);
    if (w.peak_resting > p.slots) fail("more orders resting than the flow ever keeps", w.peak_resting);
    if (w.other_rejects != 0) fail("orders rejected for another reason", w.other_rejects);
    if (w.trades == 0) fail("no trades: the flow is not what it claims", 0);
    if (w.resting < p.slots / 4) fail("too few orders resting: the flow is not what it claims", w.resting);
    return ok;  // stop at the first failing window
  });
  if (ok && r.windows.size() != 3) fail("expected three windows", r.windows.size());
  if (ok && kCheckRss) {
    const uint64_t warm = r.windows[0].rss_bytes;
    const uint64_t last = r.windows[2].rss_bytes;
    if (warm == 0) fail("cannot read /proc/self/statm", 0);
    if (last > warm + kRssMargin) fail("resident set grew after warm-up (bytes)", last - warm);
  }
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
