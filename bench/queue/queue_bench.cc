// rialto_queue_bench: rialto's queues side by side with packaged peers, in one
// binary and one run.
//
// Method (docs/perf/queues.md has the discussion):
//   - element type uint64_t, capacity 1024 for every queue;
//   - threads pinned: the consumer (or the echoing side) to CPU 0, producers
//     (or the timing side) to CPU 1; with more producers than free CPUs they
//     share CPU 1, which the output states;
//   - every case runs once per round, rounds interleave all cases (the order
//     rotates each round) so that drift in machine load spreads over all;
//   - figures are medians over rounds; the spread (min..max of the per-round
//     figure) is printed beside them.
//   Latency: ping-pong over two queues of the same kind. The timing thread
//   sends on an open-loop schedule (one message every --interval-ns) and
//   measures each round trip from the message's *intended* send time, so a
//   stall delays later messages and is counted in their latency too (no
//   coordinated omission). Percentiles from all samples of a round.
//   Throughput: producers push N items in total, the consumer pops them; the
//   time is measured by the consumer from the start signal to the last item.
//
//   Both figures are reported: "rt" from the intended send time, and
//   "svc" (service time) from the actual send, which excludes the backlog.
//
// Usage: rialto_queue_bench [--rounds R] [--interval-ns N] [--no-pause] [--quick]
//                           [--only spsc|mpsc]
#include <pthread.h>
#include <sched.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <atomic_queue/atomic_queue.h>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue/concurrentqueue.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include "rialto/queue/cpu.h"
#include "rialto/queue/mpsc_queue.h"
#include "rialto/queue/spsc_ring.h"

namespace {

constexpr std::size_t kCapacity = 1024;
constexpr int kConsumerCpu = 0;
constexpr int kProducerCpu = 1;

// ---- queue adapters -------------------------------------------------------
// Each adapter offers push/pop through a per-thread handle, so that queues
// that want per-thread state (moodycamel's tokens) get it and the others pay
// nothing. Values pushed are never 0 (atomic_queue reserves 0 as "empty").

struct RialtoSpsc {
  static constexpr const char* kName = "rialto::SpscRing";
  rialto::queue::SpscRing<std::uint64_t, kCapacity> q;
  explicit RialtoSpsc(unsigned) {}
  struct Producer {
    RialtoSpsc& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.try_push(v); }
  };
  struct Consumer {
    RialtoSpsc& s;
    bool pop(std::uint64_t& v) noexcept { return s.q.try_pop(v); }
  };
};

struct BoostSpsc {
  static constexpr const char* kName = "boost::lockfree::spsc_queue";
  boost::lockfree::spsc_queue<std::uint64_t, boost::lockfree::capacity<kCapacity>> q;
  explicit BoostSpsc(unsigned) {}
  struct Producer {
    BoostSpsc& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.push(v); }
  };
  struct Consumer {
    BoostSpsc& s;
    bool pop(std::uint64_t& v) noexcept { return s.q.pop(v); }
  };
};

struct MoodyRwq {
  static constexpr const char* kName = "moodycamel::ReaderWriterQueue";
  moodycamel::ReaderWriterQueue<std::uint64_t> q{kCapacity};
  explicit MoodyRwq(unsigned) {}
  struct Producer {
    MoodyRwq& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.try_enqueue(v); }
  };
  struct Consumer {
    MoodyRwq& s;
    bool pop(std::uint64_t& v) noexcept { return s.q.try_dequeue(v); }
  };
};

struct RialtoMpsc {
  static constexpr const char* kName = "rialto::MpscQueue";
  rialto::queue::MpscQueue<std::uint64_t, kCapacity> q;
  explicit RialtoMpsc(unsigned) {}
  struct Producer {
    RialtoMpsc& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.try_push(v); }
  };
  struct Consumer {
    RialtoMpsc& s;
    bool pop(std::uint64_t& v) noexcept { return s.q.try_pop(v); }
  };
};

struct MoodyCq {
  static constexpr const char* kName = "moodycamel::ConcurrentQueue+tokens";
  // try_enqueue never allocates: it takes blocks from a pool preallocated for
  // `producers` explicit producers of kCapacity items each, and a producer
  // keeps the blocks it took. Unprimed, one producer can take the whole pool
  // while the consumer lags and the others then fail forever (we hit this),
  // so every producer first fills and the consumer drains kCapacity items.
  // The resulting bound is per producer: with P producers up to about
  // P x kCapacity items can be queued.
  moodycamel::ConcurrentQueue<std::uint64_t> q;
  std::vector<moodycamel::ProducerToken> tokens;
  explicit MoodyCq(unsigned producers) : q(kCapacity, producers, 0) {
    tokens.reserve(producers);
    for (unsigned p = 0; p < producers; ++p) {
      tokens.emplace_back(q);
      for (std::uint64_t i = 1; i <= kCapacity; ++i) {
        if (!q.try_enqueue(tokens.back(), i)) {
          std::fprintf(stderr, "moodycamel: priming failed\n");
          std::abort();
        }
      }
      std::uint64_t v = 0;
      while (q.try_dequeue(v)) {
      }
    }
  }
  struct Producer {
    MoodyCq& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.try_enqueue(s.tokens[idx], v); }
  };
  struct Consumer {
    MoodyCq& s;
    moodycamel::ConsumerToken tok{s.q};
    bool pop(std::uint64_t& v) noexcept { return s.q.try_dequeue(tok, v); }
  };
};

struct AtomicQ {
  static constexpr const char* kName = "atomic_queue::AtomicQueue";
  atomic_queue::AtomicQueue<std::uint64_t, kCapacity> q;
  explicit AtomicQ(unsigned) {}
  struct Producer {
    AtomicQ& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.try_push(std::move(v)); }
  };
  struct Consumer {
    AtomicQ& s;
    bool pop(std::uint64_t& v) noexcept { return s.q.try_pop(v); }
  };
};

struct BoostQ {
  static constexpr const char* kName = "boost::lockfree::queue";
  boost::lockfree::queue<std::uint64_t, boost::lockfree::capacity<kCapacity>> q;
  explicit BoostQ(unsigned) {}
  struct Producer {
    BoostQ& s;
    unsigned idx;
    bool push(std::uint64_t v) noexcept { return s.q.bounded_push(v); }
  };
  struct Consumer {
    BoostQ& s;
    bool pop(std::uint64_t& v) noexcept { return s.q.pop(v); }
  };
};

// ---- infrastructure --------------------------------------------------------

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
    std::fprintf(stderr, "warning: could not pin to CPU %d\n", cpu);
  }
}

// Waits for a failed push/pop to be worth retrying. Threads that own a CPU
// spin; threads that share one yield now and then, or a spinning thread
// would burn its whole time slice while the thread it waits for is descheduled.
// --no-pause replaces `pause` with a compiler barrier: under a hypervisor,
// loops of `pause` can trigger pause-loop exiting, which deschedules the vCPU.
bool g_pause = true;

inline void relax() noexcept {
  if (g_pause) {
    rialto::queue::cpu_relax();
  } else {
    asm volatile("" ::: "memory");
  }
}

class Wait {
 public:
  explicit Wait(bool shared_cpu) : shared_(shared_cpu) {}
  void operator()() noexcept {
    if (shared_ && ++n_ % 32 == 0) {
      std::this_thread::yield();
    } else {
      relax();
    }
  }

 private:
  bool shared_;
  unsigned n_ = 0;
};

double g_ticks_per_ns = 1.0;

void calibrate_tsc() {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t c0 = __rdtsc();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t1 = std::chrono::steady_clock::now();
  const std::uint64_t c1 = __rdtsc();
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  g_ticks_per_ns = static_cast<double>(c1 - c0) / ns;
}

double ticks_to_ns(std::uint64_t t) { return static_cast<double>(t) / g_ticks_per_ns; }

struct Options {
  int rounds = 11;
  std::uint64_t latency_samples = 10'000;
  std::uint64_t interval_ns = 5'000;
  std::uint64_t spsc_items = 1'000'000;
  std::uint64_t mpsc_items = 500'000;
  bool spsc = true;
  bool mpsc = true;
};

struct LatencyResult {
  double p50 = 0;  // from the intended send time (open loop)
  double p99 = 0;
  double p999 = 0;
  double service_p50 = 0;  // from the actual send time: the queues' own cost
  double service_p999 = 0;
};

// Ping-pong round trip: the timer (CPU 1) sends sequence numbers on `ping`
// on an open-loop schedule; the echo (CPU 0) returns them on `pong`.
template <class Q>
LatencyResult run_latency(const Options& o) {
  auto ping = std::make_unique<Q>(1);
  auto pong = std::make_unique<Q>(1);
  constexpr std::uint64_t kWarmup = 2'000;
  const std::uint64_t total = kWarmup + o.latency_samples;
  std::atomic<bool> ready{false};
  std::thread echo([&] {
    pin(kConsumerCpu);
    typename Q::Consumer in{*ping};
    typename Q::Producer out{*pong, 0};
    ready.store(true, std::memory_order_release);
    Wait wait(false);
    for (std::uint64_t i = 0; i < total; ++i) {
      std::uint64_t v = 0;
      while (!in.pop(v)) wait();
      while (!out.push(v)) wait();
    }
  });
  pin(kProducerCpu);
  std::vector<std::uint64_t> samples;
  std::vector<std::uint64_t> service;
  samples.reserve(o.latency_samples);
  service.reserve(o.latency_samples);
  {
    typename Q::Producer out{*ping, 0};
    typename Q::Consumer in{*pong};
    while (!ready.load(std::memory_order_acquire)) relax();
    Wait wait(false);
    const auto interval = static_cast<std::uint64_t>(static_cast<double>(o.interval_ns) * g_ticks_per_ns);
    std::uint64_t intended = __rdtsc();
    for (std::uint64_t i = 1; i <= total; ++i) {
      intended += interval;
      while (__rdtsc() < intended) relax();
      const std::uint64_t sent = __rdtsc();
      while (!out.push(i)) wait();
      std::uint64_t v = 0;
      while (!in.pop(v)) wait();
      const std::uint64_t done = __rdtsc();
      if (v != i) {
        std::fprintf(stderr, "%s: echo returned %llu for %llu\n", Q::kName,
                     static_cast<unsigned long long>(v), static_cast<unsigned long long>(i));
        std::abort();
      }
      if (i > kWarmup) {
        samples.push_back(done - intended);
        service.push_back(done - sent);
      }
    }
  }
  echo.join();
  std::sort(samples.begin(), samples.end());
  std::sort(service.begin(), service.end());
  auto pct = [](const std::vector<std::uint64_t>& v, double p) {
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    return ticks_to_ns(v[idx]);
  };
  return {pct(samples, 0.50), pct(samples, 0.99), pct(samples, 0.999), pct(service, 0.50),
          pct(service, 0.999)};
}

// Throughput in million items per second.
template <class Q>
double run_throughput(unsigned producers, std::uint64_t items) {
  auto q = std::make_unique<Q>(producers);
  const std::uint64_t per = items / producers;
  const std::uint64_t total = per * producers;
  const bool shared = producers > 1;
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      pin(kProducerCpu);
      typename Q::Producer out{*q, p};
      ready.fetch_add(1, std::memory_order_acq_rel);
      while (!go.load(std::memory_order_acquire)) relax();
      Wait wait(shared);
      const std::uint64_t base = (std::uint64_t{p} << 40) + 1;
      for (std::uint64_t i = 0; i < per; ++i) {
        while (!out.push(base + i)) wait();
      }
    });
  }
  std::uint64_t elapsed = 0;
  std::uint64_t checksum = 0;
  std::thread consumer([&] {
    pin(kConsumerCpu);
    typename Q::Consumer in{*q};
    while (ready.load(std::memory_order_acquire) != producers) relax();
    go.store(true, std::memory_order_release);
    const std::uint64_t t0 = __rdtsc();
    Wait wait(false);
    std::uint64_t sum = 0;  // local: a store per item to a shared frame would be timed too
    for (std::uint64_t n = 0; n < total; ++n) {
      std::uint64_t v = 0;
      while (!in.pop(v)) wait();
      sum += v;
    }
    elapsed = __rdtsc() - t0;
    checksum = sum;
  });
  for (auto& t : threads) t.join();
  consumer.join();
  std::uint64_t expect = 0;
  for (unsigned p = 0; p < producers; ++p) {
    const std::uint64_t base = (std::uint64_t{p} << 40) + 1;
    expect += per * base + per * (per - 1) / 2;
  }
  if (checksum != expect) {
    std::fprintf(stderr, "%s: checksum mismatch\n", Q::kName);
    std::abort();
  }
  return static_cast<double>(total) / ticks_to_ns(elapsed) * 1e3;
}

// SpscRing's bulk interface: the consumer drains up to 64 elements per
// publish. Reported as an extra row; the targets use the single-item rows.
double run_spsc_bulk_throughput(std::uint64_t items) {
  auto q = std::make_unique<rialto::queue::SpscRing<std::uint64_t, kCapacity>>();
  std::atomic<bool> go{false};
  std::thread producer([&] {
    pin(kProducerCpu);
    while (!go.load(std::memory_order_acquire)) relax();
    Wait wait(false);
    for (std::uint64_t i = 1; i <= items; ++i) {
      while (!q->try_push(i)) wait();
    }
  });
  std::uint64_t elapsed = 0;
  std::uint64_t checksum = 0;
  std::thread consumer([&] {
    pin(kConsumerCpu);
    go.store(true, std::memory_order_release);
    const std::uint64_t t0 = __rdtsc();
    Wait wait(false);
    std::uint64_t n = 0;
    std::uint64_t sum = 0;
    while (n < items) {
      const std::size_t got = q->consume_bulk(64, [&sum](std::uint64_t& v) noexcept { sum += v; });
      if (got == 0) wait();
      n += got;
    }
    elapsed = __rdtsc() - t0;
    checksum = sum;
  });
  producer.join();
  consumer.join();
  if (checksum != items * (items + 1) / 2) {
    std::fprintf(stderr, "SpscRing bulk: checksum mismatch\n");
    std::abort();
  }
  return static_cast<double>(items) / ticks_to_ns(elapsed) * 1e3;
}

// ---- cases, rounds, report -------------------------------------------------

struct Case {
  std::string group;  // "spsc", "mpsc/1", "mpsc/2", "mpsc/4"
  std::string name;
  bool ours;
  std::function<LatencyResult()> latency;  // empty: throughput only
  std::function<double()> throughput;
  std::vector<LatencyResult> lat;
  std::vector<double> tput;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <class Q>
void add_spsc(std::vector<Case>& cases, const Options& o, bool ours) {
  cases.push_back({"spsc", Q::kName, ours, [&o] { return run_latency<Q>(o); },
                   [&o] { return run_throughput<Q>(1, o.spsc_items); }, {}, {}});
}

template <class Q>
void add_mpsc(std::vector<Case>& cases, const Options& o, bool ours) {
  for (unsigned p : {1u, 2u, 4u}) {
    std::function<LatencyResult()> lat;
    if (p == 1) lat = [&o] { return run_latency<Q>(o); };
    cases.push_back({"mpsc/" + std::to_string(p), Q::kName, ours, lat,
                     [&o, p] { return run_throughput<Q>(p, o.mpsc_items); }, {}, {}});
  }
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

void print_machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      std::printf("cpu: %s\n", line.substr(line.find(':') + 2).c_str());
      break;
    }
  }
  std::printf("online cpus: %u, compiler: g++ %s, flags: %s\n", std::thread::hardware_concurrency(),
              __VERSION__, RIALTO_BENCH_FLAGS);
  std::printf("tsc: %.3f ticks/ns\n", g_ticks_per_ns);
  std::printf("load average at start: %s\n", loadavg().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      o.rounds = std::atoi(argv[++i]);
    } else if (a == "--interval-ns" && i + 1 < argc) {
      o.interval_ns = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--no-pause") {
      g_pause = false;
    } else if (a == "--quick") {
      o.rounds = 3;
      o.latency_samples = 10'000;
      o.spsc_items = 500'000;
      o.mpsc_items = 300'000;
    } else if (a == "--only" && i + 1 < argc) {
      const std::string w = argv[++i];
      o.spsc = w == "spsc";
      o.mpsc = w == "mpsc";
    } else {
      std::fprintf(stderr, "usage: %s [--rounds R] [--interval-ns N] [--no-pause] [--quick] [--only spsc|mpsc]\n", argv[0]);
      return 2;
    }
  }
  if (std::thread::hardware_concurrency() < 2) {
    std::fprintf(stderr, "need at least 2 CPUs\n");
    return 2;
  }
  calibrate_tsc();
  print_machine();
  std::printf("spin-wait: %s\n", g_pause ? "pause" : "busy (no pause)");
  std::printf("rounds: %d, latency samples/round: %llu (interval %llu ns), items/round: spsc %llu, mpsc %llu\n",
              o.rounds, static_cast<unsigned long long>(o.latency_samples),
              static_cast<unsigned long long>(o.interval_ns), static_cast<unsigned long long>(o.spsc_items),
              static_cast<unsigned long long>(o.mpsc_items));
  std::printf("pinning: consumer/echo on CPU %d, producers/timer on CPU %d (mpsc/2 and mpsc/4: producers share it)\n\n",
              kConsumerCpu, kProducerCpu);

  std::vector<Case> cases;
  if (o.spsc) {
    add_spsc<RialtoSpsc>(cases, o, true);
    add_spsc<BoostSpsc>(cases, o, false);
    add_spsc<MoodyRwq>(cases, o, false);
    cases.push_back({"spsc", "rialto::SpscRing (consume_bulk 64)", true, {},
                     [&o] { return run_spsc_bulk_throughput(o.spsc_items); }, {}, {}});
  }
  if (o.mpsc) {
    add_mpsc<RialtoMpsc>(cases, o, true);
    add_mpsc<MoodyCq>(cases, o, false);
    add_mpsc<AtomicQ>(cases, o, false);
    add_mpsc<BoostQ>(cases, o, false);
  }

  for (int r = 0; r < o.rounds; ++r) {
    std::fprintf(stderr, "round %d/%d\n", r + 1, o.rounds);
    for (std::size_t k = 0; k < cases.size(); ++k) {
      Case& c = cases[(k + static_cast<std::size_t>(r)) % cases.size()];
      std::fprintf(stderr, "  %s %s\n", c.group.c_str(), c.name.c_str());
      if (c.latency) c.lat.push_back(c.latency());
      c.tput.push_back(c.throughput());
    }
  }

  std::printf("load average at end: %s\n\n", loadavg().c_str());

  // Report per group: medians, spread, and ratios against the best peer.
  std::vector<std::string> groups;
  for (const Case& c : cases) {
    if (std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
  }
  for (const std::string& g : groups) {
    double best_peer_p50 = 1e300;
    double best_peer_tput = 0;
    for (const Case& c : cases) {
      if (c.group != g || c.ours) continue;
      if (!c.lat.empty()) {
        std::vector<double> p50;
        for (const auto& l : c.lat) p50.push_back(l.service_p50);
        best_peer_p50 = std::min(best_peer_p50, median(p50));
      }
      best_peer_tput = std::max(best_peer_tput, median(c.tput));
    }
    std::printf("## %s\n\n", g.c_str());
    std::printf("| queue | rt p50 ns | rt p99 ns | rt p99.9 ns | svc p50 ns | svc p99.9 ns | svc p50 vs best peer | Mitems/s (min..max) | tput vs best peer |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Case& c : cases) {
      if (c.group != g) continue;
      const char* bold = c.ours ? "**" : "";
      std::printf("| %s%s%s | ", bold, c.name.c_str(), bold);
      if (!c.lat.empty()) {
        std::vector<double> p50, p99, p999, s50, s999;
        for (const auto& l : c.lat) {
          p50.push_back(l.p50);
          p99.push_back(l.p99);
          p999.push_back(l.p999);
          s50.push_back(l.service_p50);
          s999.push_back(l.service_p999);
        }
        std::printf("%.0f | %.0f | %.0f | %.0f | %.0f | %.2fx | ", median(p50), median(p99), median(p999),
                    median(s50), median(s999), median(s50) / best_peer_p50);
      } else {
        std::printf("- | - | - | - | - | - | ");
      }
      const auto [mn, mx] = std::minmax_element(c.tput.begin(), c.tput.end());
      std::printf("%.1f (%.1f..%.1f) | %.2fx |\n", median(c.tput), *mn, *mx, median(c.tput) / best_peer_tput);
    }
    std::printf("\n");
  }
  return 0;
}
