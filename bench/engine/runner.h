// Benchmark runners: replay a pre-generated Workload through a fresh engine
// and measure it. Method and caveats are in
// docs/PERFORMANCE.md#method.
//
// Every runner builds its engine from scratch, replays the
// workload's warm-up prefix untimed, then measures; events always go to a
// WireSink, whose checksum the caller prints so that nothing is optimised
// away and so that two runs of the same workload can be compared.
//
// Thread safety: each call runs on the calling thread (pin it first: see
// pin_to_cpu in clock.h) and shares nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/engine/clock.h"
#include "bench/engine/histogram.h"
#include "bench/engine/workload.h"

namespace rialto::bench {

struct RunResult {
  uint64_t messages = 0;   // timed commands
  uint64_t events = 0;     // events the timed commands caused
  double seconds = 0;      // wall clock (steady_clock)
  double cpu_seconds = 0;  // this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): excludes preemption
  uint64_t checksum = 0;   // WireSink checksum over *all* events of the run
  uint64_t resting_end = 0;
  uint64_t levels_end = 0;  // price levels, both sides of every book, at the end
  [[nodiscard]] double rate() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0.0; }
  [[nodiscard]] double cpu_rate() const { return cpu_seconds > 0 ? static_cast<double>(messages) / cpu_seconds : 0.0; }
};

/// Fresh engine; commands [0, timed_begin) untimed, [timed_begin, end) timed
/// with steady_clock around the whole loop. With `prefetch`, the timed loop
/// gives the engine its prefetch hints a few commands ahead, as a driver with
/// a backlog (a saturated input queue) can.
[[nodiscard]] RunResult run_engine(const Workload& w, size_t timed_begin, size_t end, bool prefetch = true);
[[nodiscard]] inline RunResult run_engine(const Workload& w, bool prefetch = true) {
  return run_engine(w, w.warmup, w.commands.size(), prefetch);
}
/// The same with an engine configured by `config` instead of w.engine_config().
[[nodiscard]] RunResult run_engine(const Workload& w, const engine::EngineConfig& config, size_t timed_begin,
                                   size_t end, bool prefetch);
[[nodiscard]] RunResult run_engine(const Workload& w, const engine::EngineConfig& config, bool prefetch);

/// Ids of the orders resting after the whole workload (untimed; for analysis).
[[nodiscard]] std::vector<uint64_t> resting_ids_at_end(const Workload& w);

struct LatencyResult {
  double offered_rate = 0;   // messages/s scheduled
  double achieved_rate = 0;  // messages / (end of the last - scheduled time of the first)
  uint64_t messages = 0;
  uint64_t behind = 0;  // messages that started after their scheduled time by > 1 period
  uint64_t checksum = 0;
  Histogram latency_ns;  // last event emitted - scheduled time, per message
};

/// Open-loop run: after the untimed warm-up, message k of the timed part is
/// scheduled at t0 + k/rate. The runner busy-waits (no pause instruction)
/// until the scheduled time when ahead and starts at once when behind;
/// latency = TSC at return from the engine call (its last event is in the
/// sink by then) - scheduled time. Lateness caused by earlier messages is
/// therefore counted: no coordinated omission. No prefetch hints: a message
/// is not known before its scheduled time.
[[nodiscard]] LatencyResult run_open_loop(const Workload& w, double rate, const TscClock& clock);

}  // namespace rialto::bench
