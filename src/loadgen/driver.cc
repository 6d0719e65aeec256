#include "driver.h"

#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>

namespace rialto::loadgen {

uint64_t rss_kib(int pid) {
  const std::string path = pid > 0 ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status";
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char line[256];
  uint64_t kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %" SCNu64, &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

namespace {

std::string fmt_ns(uint64_t ns) {
  char buf[32];
  if (ns < 10'000) {
    std::snprintf(buf, sizeof buf, "%" PRIu64 " ns", ns);
  } else if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f ms", static_cast<double>(ns) / 1e6);
  }
  return buf;
}

}  // namespace

Driver::Driver(const LoadOptions& o, std::ostream& err) : o_(o), err_(err) {
  total_ = o.orders > 0 ? o.orders : static_cast<uint64_t>(std::llround(o.rate * o.duration_s));
  period_ns_ = 1e9 / o.rate;
  tty_ = ::isatty(STDERR_FILENO) == 1;
  // ppoll sleeps end up to the timer slack (50 us by default) late; the
  // wait below needs them on time.
  (void)::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

void Driver::start(int64_t now) {
  start_ns_ = now;
  warmup_end_ns_ = now + static_cast<int64_t>(o_.warmup_s * 1e9);
  next_progress_ns_ = now + 1'000'000'000;
  last_send_ns_ = now;
}

int Driver::wait(std::vector<pollfd>& fds, int64_t next_send_ns, int64_t now) {
  constexpr int64_t kSpinNs = 50'000;
  constexpr int64_t kMaxSleepNs = 1'000'000;  // come back at least every ms (progress, heartbeats)
  int64_t sleep = next_send_ns - now - kSpinNs / 2;
  if (sleep < kSpinNs / 2) sleep = 0;
  sleep = std::min(sleep, kMaxSleepNs);
  timespec ts{static_cast<time_t>(sleep / 1'000'000'000), static_cast<long>(sleep % 1'000'000'000)};
  return ::ppoll(fds.data(), fds.size(), &ts, nullptr);
}

void Driver::progress(int64_t now) {
  if (!o_.progress || now < next_progress_ns_) return;
  next_progress_ns_ += 1'000'000'000;
  if (next_progress_ns_ <= now) next_progress_ns_ = now + 1'000'000'000;
  char line[200];
  const double rss_mib = static_cast<double>(rss_kib(o_.server_pid)) / 1024.0;
  std::snprintf(line, sizeof line, "%6.1f s  sent %10" PRIu64 "  answered %10" PRIu64 "  p99 %9s  %s rss %.1f MiB",
                static_cast<double>(now - start_ns_) / 1e9, sent_, answered_, fmt_ns(window_.percentile(99)).c_str(),
                o_.server_pid > 0 ? "server" : "client", rss_mib);
  if (tty_) {
    err_ << '\r' << line << "\x1b[K";
    progress_drawn_ = true;
  } else {
    err_ << line << '\n';
  }
  err_.flush();
  window_.reset();
}

bool Driver::summary(std::ostream& out, const std::string& title, const std::string& extra) const {
  if (progress_drawn_) err_ << '\n';
  const double span_s = static_cast<double>(last_send_ns_ - start_ns_) / 1e9;
  const double achieved = span_s > 0 ? static_cast<double>(sent_) / span_s : 0.0;
  const uint64_t missing = sent_ - answered_;
  const uint64_t unsent = total_ - sent_;
  char buf[512];
  out << "rialto load: " << title << '\n';
  std::snprintf(buf, sizeof buf,
                "offered    %.0f msg/s over %u session(s), %" PRIu64 " messages scheduled (%.2f s), warm-up %.2f s\n",
                o_.rate, o_.sessions, total_, static_cast<double>(total_) / o_.rate, o_.warmup_s);
  out << buf;
  std::snprintf(buf, sizeof buf, "sent       %" PRIu64 "\nachieved   %.0f msg/s (sent / time from start to last send)\n",
                sent_, achieved);
  out << buf;
  std::snprintf(buf, sizeof buf,
                "answered   %" PRIu64 "\nmissing    %" PRIu64
                " (sent, no answer at the end)\nunsent     %" PRIu64
                " (scheduled, not sent when the run stopped)\nlate       %" PRIu64 " (sent > 1 ms after schedule)\n",
                answered_, missing, unsent, late_);
  out << buf << extra;
  std::snprintf(buf, sizeof buf, "latency    p50 %s  p99 %s  p99.9 %s  max %s  (%" PRIu64 " recorded after warm-up)\n",
                fmt_ns(hist_.percentile(50)).c_str(), fmt_ns(hist_.percentile(99)).c_str(),
                fmt_ns(hist_.percentile(99.9)).c_str(), fmt_ns(hist_.max()).c_str(), hist_.count());
  out << buf;
  std::snprintf(buf, sizeof buf,
                "result rate=%.0f sessions=%u scheduled=%" PRIu64 " sent=%" PRIu64 " answered=%" PRIu64
                " missing=%" PRIu64 " unsent=%" PRIu64 " late=%" PRIu64 " achieved=%.0f p50_ns=%" PRIu64
                " p99_ns=%" PRIu64 " p999_ns=%" PRIu64 " max_ns=%" PRIu64 " recorded=%" PRIu64 "\n",
                o_.rate, o_.sessions, total_, sent_, answered_, missing, unsent, late_, achieved, hist_.percentile(50),
                hist_.percentile(99), hist_.percentile(99.9), hist_.max(), hist_.count());
  out << buf;
  out.flush();
  if (o_.cdf.empty()) return true;
  std::ofstream f(o_.cdf);
  if (f) {
    f << "# value_ns,cumulative_fraction,count,percentile_axis\n";
    hist_.write_cdf(f);
  }
  if (!f) {
    err_ << "rialto load: cannot write the CDF to " << o_.cdf << '\n';
    return false;
  }
  return true;
}

}  // namespace rialto::loadgen
