// Soak benchmark: a long, endless-looking order flow through one engine, to
// show that memory stays bounded by the live orders and that throughput does
// not decay (docs/BENCHMARKS.md#soak, results in docs/PERFORMANCE.md#soak).
//
// A run cannot be pre-generated (10^9 commands would be ~56 GB), so commands
// are generated on the fly by a cheap generator that needs no feedback from
// the engine:
//   - `slots` order slots; each message picks one uniformly (multiply-shift
//     on xoshiro256** output). An empty slot gets a new passive GTC order, an
//     occupied one is cancelled (60%) or modified (40%: new quantity, and half
//     the time a one-tick reprice). 15% of messages are instead IOC orders
//     that cross the touch and trade. A slot whose order was filled meanwhile
//     yields a cancel or modify that the engine rejects with unknown_order, as
//     a client racing a fill sees; those are counted.
//   - Steady state: ~62% of slots occupied, but a quarter of those hold an
//     order already filled, so ~47% of the slots rest: ~100k resting orders
//     with the default 210,000 slots.
//   - Ids as gateways mint them: (session << 32) | seq, session uniform in
//     1..sessions, seq counting per session.
//   - The mid walks one tick with probability 1/1024 per message, reflected
//     within ±50 ticks of 100.00; IOC orders are 100 or 200 lots and reach
//     1-4 ticks through the mid; passive orders sit 1 + d ticks from it,
//     d = x^3 / 2^16 for x uniform in 0..255 (16% at the touch, mean 62).
// Every event is encoded by a WireSink, as in the other benchmarks.
//
// Thread safety: run_soak runs on the calling thread and shares nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace rialto::bench {

struct SoakParams {
  uint64_t messages = 1'000'000'000;
  uint64_t report_every = 100'000'000;  // one window; the first is the warm-up
  uint32_t slots = 210'000;             // order slots of the flow (~47% rest)
  uint32_t sessions = 64;
  uint32_t max_orders = 1u << 18;  // engine capacity (resting orders)
  bool prefault = false;           // false: RSS shows what the engine touches, not what it reserved
  uint64_t seed = 1;
};

struct SoakWindow {
  uint64_t messages_end = 0;  // messages done at the end of this window
  uint64_t window_messages = 0;
  double seconds = 0;         // wall clock of this window, generation included
  double cpu_seconds = 0;     // thread CPU time of this window
  uint64_t rss_bytes = 0;     // resident set at the end of the window (/proc/self/statm)
  uint64_t resting = 0;       // resting orders at the end of the window
  uint64_t peak_resting = 0;  // largest resting count sampled in the window (every 4,096 messages)
  uint64_t new_orders = 0;    // counts within the window
  uint64_t cancels = 0;
  uint64_t modifies = 0;
  uint64_t trades = 0;
  uint64_t capacity_rejects = 0;
  uint64_t unknown_order_rejects = 0;
  uint64_t other_rejects = 0;
  [[nodiscard]] double rate() const { return seconds > 0 ? static_cast<double>(window_messages) / seconds : 0.0; }
  [[nodiscard]] double cpu_rate() const {
    return cpu_seconds > 0 ? static_cast<double>(window_messages) / cpu_seconds : 0.0;
  }
};

struct SoakResult {
  std::vector<SoakWindow> windows;
  uint64_t checksum = 0;  // WireSink checksum over all events
};

/// Runs the soak flow; calls `on_window` after each window (progress, early
/// checks) and stops early when it returns false; returns the windows run.
SoakResult run_soak(const SoakParams& p, const std::function<bool(const SoakWindow&)>& on_window = {});

/// Cost of the generator alone: ns per message over `messages` messages of
/// the same flow (commands folded into a checksum, no engine).
double soak_generator_ns_per_message(const SoakParams& p, uint64_t messages);

/// Resident set size of this process, bytes (/proc/self/statm); 0 if unreadable.
uint64_t resident_bytes();

}  // namespace rialto::bench
