// What the two open-loop generators (rialto server, echo floor) share: the
// schedule, the tallies and histograms, the wait between sends, the progress
// line and the summary.
//
// Thread safety: none; one generator thread owns a Driver.
// Invariants: answered + missing <= sent <= scheduled; a message's latency is
// recorded at most once, from its scheduled (never its actual) send time.
#pragma once

#include <poll.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "bench/engine/histogram.h"
#include "rialto/loadgen/load.h"

namespace rialto::loadgen {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// VmRSS of `pid` (0: this process) in KiB; 0 if unreadable.
uint64_t rss_kib(int pid);

class Driver {
 public:
  /// A send later than its schedule by more than this is counted as late.
  static constexpr int64_t kLateNs = 1'000'000;

  Driver(const LoadOptions& o, std::ostream& err);

  [[nodiscard]] uint64_t scheduled() const { return total_; }
  /// The k-th message's intended send time.
  [[nodiscard]] int64_t schedule(uint64_t k) const {
    return start_ns_ + static_cast<int64_t>(static_cast<double>(k) * period_ns_);
  }
  void start(int64_t now);

  /// The k-th message went out at `now`.
  void sent(uint64_t k, int64_t now) {
    ++sent_;
    last_send_ns_ = now;
    if (now - schedule(k) > kLateNs) ++late_;
  }
  /// The first answer to a message scheduled at `sched` arrived at `now`.
  void answered(int64_t sched, int64_t now) {
    ++answered_;
    const uint64_t lat = now > sched ? static_cast<uint64_t>(now - sched) : 0;
    window_.record(lat);
    if (sched >= warmup_end_ns_) hist_.record(lat);
  }
  void lost(uint64_t n) { lost_ += n; }  // answers that can no longer be matched (counted as missing)

  /// Sleeps in ppoll on `fds` until the next send is due (spins when it is
  /// under 50 us away), then returns what ppoll returned (0: nothing readable).
  int wait(std::vector<pollfd>& fds, int64_t next_send_ns, int64_t now);

  /// The progress line, once a second.
  void progress(int64_t now);
  /// The summary on `out`, the CDF to the file; false if the CDF could not be written.
  bool summary(std::ostream& out, const std::string& title, const std::string& extra) const;

  [[nodiscard]] uint64_t outstanding() const { return sent_ - answered_ - lost_; }
  [[nodiscard]] uint64_t sent_count() const { return sent_; }

 private:
  const LoadOptions& o_;
  std::ostream& err_;
  uint64_t total_ = 0;
  double period_ns_ = 0;
  int64_t start_ns_ = 0;
  int64_t warmup_end_ns_ = 0;
  int64_t last_send_ns_ = 0;
  int64_t next_progress_ns_ = 0;
  uint64_t sent_ = 0, answered_ = 0, late_ = 0, lost_ = 0;
  bench::Histogram hist_;
  bench::Histogram window_;  // since the last progress line
  bool tty_ = false;
  bool progress_drawn_ = false;
};

}  // namespace rialto::loadgen
