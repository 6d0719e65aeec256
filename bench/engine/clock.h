// Time source of the benchmarks: the CPU time-stamp counter, calibrated
// against clock_gettime(CLOCK_MONOTONIC) (std::chrono::steady_clock on Linux).
//
// Reading the TSC costs ~10-25 ns on a KVM guest against ~20-40 ns for
// clock_gettime through the vDSO; calibrate() measures both and reports them.
// The TSC must be invariant (constant_tsc, nonstop_tsc in /proc/cpuinfo), or
// the conversion is meaningless; x86-64 only, other targets fall back to
// steady_clock nanoseconds (ticks_per_ns == 1).
//
// Thread safety: a calibrated TscClock is immutable; share it freely.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace rialto::bench {

/// Raw counter read; not ordered with the surrounding instructions.
inline uint64_t ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

/// Counter read that waits until every earlier instruction has executed
/// (rdtscp): the end stamp of a measured operation.
inline uint64_t ticks_after() {
#if defined(__x86_64__)
  unsigned aux;
  return __rdtscp(&aux);
#else
  return ticks();
#endif
}

struct TscClock {
  double ticks_per_ns = 1.0;
  double read_cost_ns = 0;        // back-to-back ticks()
  double read_after_cost_ns = 0;  // back-to-back ticks_after()
  double steady_cost_ns = 0;      // back-to-back steady_clock::now()

  /// Spins for about `ms` milliseconds against steady_clock to measure the
  /// counter frequency, then measures the read costs.
  [[nodiscard]] static TscClock calibrate(int ms = 200);

  [[nodiscard]] uint64_t to_ns(uint64_t t) const {
    return static_cast<uint64_t>(static_cast<double>(t) / ticks_per_ns);
  }
  [[nodiscard]] double to_ns_f(double t) const { return t / ticks_per_ns; }
};

/// This thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID): leaves out
/// time the thread was preempted or the VM stolen from.
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Pins the calling thread to `cpu`; false (and nothing changed) on failure.
bool pin_to_cpu(int cpu);

}  // namespace rialto::bench
