#include "bench_cmd.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/engine/clock.h"
#include "bench/engine/histogram.h"
#include "bench/engine/id_attack.h"
#include "bench/engine/runner.h"
#include "bench/engine/soak.h"
#include "bench/engine/workload.h"

namespace rialto::app {
namespace {

using bench::Regime;

struct BenchOptions {
  std::vector<std::string> regimes;  // empty: all
  size_t messages = 2'000'000;       // measured messages per regime (throughput)
  int rounds = 5;
  bool no_throughput = false;
  bool no_lookahead = false;  // true: skip the labelled extra (sequential ids with prefetch hints)
  bool no_latency = false;
  std::vector<double> rates{1e6, 5e6};
  double seconds = 2.0;  // timed length of each latency run
  std::string latency_regime = "normal";
  std::string csv;
  uint64_t seed = 1;
  int cpu = -1;         // -1: the last online CPU
  int rt_priority = 0;  // > 0: each latency run under SCHED_FIFO at this priority
};

struct IdsOptions {
  std::string regime = "normal";
  size_t messages = 1'000'000;
  int rounds = 5;
  uint64_t attack_range = 64;  // the constructed ids' home slots are in [0, attack_range)
};

struct SoakOptions {
  bench::SoakParams params;
};

/// Linux keeps real-time tasks from starving the others: classic RT
/// throttling (sched_rt_runtime_us, 0.95 s of every 1 s) and, since 6.12, the
/// fair-server reservation that runs starved normal tasks for 50 ms a second.
/// A SCHED_FIFO run on a CPU that also has normal tasks waiting therefore
/// stalls ~50 ms within a second (seen on this VM with 0.9 s runs, not with
/// 0.5 s runs). So an RT latency run is at most 0.5 s and starts after a
/// sleep of more than one period.
constexpr double kMaxRtSeconds = 0.5;

/// Runs `f` under SCHED_FIFO at `priority` (0: as is); says so on failure.
template <class F>
auto with_rt(int priority, F&& f) {
  if (priority <= 0) return f();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  sched_param rt{};
  rt.sched_priority = priority;
  const bool ok = sched_setscheduler(0, SCHED_FIFO, &rt) == 0;
  if (!ok) std::fprintf(stderr, "rialto bench: SCHED_FIFO refused (needs CAP_SYS_NICE); running without\n");
  auto result = f();
  if (ok) {
    sched_param normal{};
    (void)sched_setscheduler(0, SCHED_OTHER, &normal);
  }
  return result;
}

BenchOptions& options() {
  static BenchOptions o;
  return o;
}
IdsOptions& ids_options() {
  static IdsOptions o;
  return o;
}
SoakOptions& soak_options() {
  static SoakOptions o;
  return o;
}
CLI::App* g_ids = nullptr;
CLI::App* g_soak = nullptr;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string load_average() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) != 3) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l[0], l[1], l[2]);
  return buf;
}

std::string rate_label(double rate) {
  char buf[32];
  if (rate >= 1e6) {
    std::snprintf(buf, sizeof buf, "%g M", rate / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%g k", rate / 1e3);
  }
  return buf;
}

void print_workload(const bench::Workload& w) {
  const bench::WorkloadStats& s = w.stats;
  const double news = static_cast<double>(s.new_passive + s.new_ioc);
  const double cancels = static_cast<double>(s.cancels + s.duplicate_cancels);
  std::printf(
      "%-9s %10zu %9zu  %5.1f%% %5.1f%% %5.1f%% %5.1f%%   %5.1f%% %5.1f%% %5.1f%%  %7llu %7llu  %6.2f  %.1f%%\n",
      std::string(bench::to_string(w.params.regime)).c_str(), w.commands.size(), w.warmup,
      100.0 * news / static_cast<double>(w.commands.size()), 100.0 * cancels / static_cast<double>(w.commands.size()),
      100.0 * static_cast<double>(s.modifies) / static_cast<double>(w.commands.size()),
      100.0 * static_cast<double>(s.new_ioc) / news,
      100.0 * static_cast<double>(s.cancels) / static_cast<double>(s.rested),
      100.0 * static_cast<double>(s.modifies) / static_cast<double>(s.rested),
      100.0 * static_cast<double>(s.duplicate_cancels) / cancels, static_cast<unsigned long long>(s.peak_resting),
      static_cast<unsigned long long>(s.final_resting),
      static_cast<double>(s.events) / static_cast<double>(w.commands.size()),
      100.0 * static_cast<double>(s.mid_max - s.mid_min) / static_cast<double>(s.mid_base));
}

std::vector<Regime> selected_regimes(const BenchOptions& o) {
  std::vector<Regime> out;
  if (o.regimes.empty()) return {std::begin(bench::kAllRegimes), std::end(bench::kAllRegimes)};
  for (const std::string& name : o.regimes) out.push_back(*bench::parse_regime(name));
  return out;
}

/// Pins the thread and prints the run's header line; returns the TSC clock.
bench::TscClock start(const BenchOptions& o, const char* what) {
  const int cpu = o.cpu >= 0 ? o.cpu : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) - 1;
  const bool pinned = bench::pin_to_cpu(cpu);
  std::printf("rialto bench%s: seed %llu, one thread %s cpu %d, load average %s\n", what,
              static_cast<unsigned long long>(o.seed),
              pinned ? "pinned to" : "NOT pinned (sched_setaffinity failed) on", cpu, load_average().c_str());
  const bench::TscClock clock = bench::TscClock::calibrate();
  std::printf(
      "clock: TSC %.3f GHz calibrated against CLOCK_MONOTONIC; read cost rdtsc %.1f ns, rdtscp %.1f ns, "
      "clock_gettime %.1f ns\n",
      clock.ticks_per_ns, clock.read_cost_ns, clock.read_after_cost_ns, clock.steady_cost_ns);
  return clock;
}

/// The realistic ids of the headline: a random 64-bit value per order.
void shuffle_ids(bench::Workload& w, uint64_t seed) {
  bench::assign_ids(w, bench::make_ids(bench::IdPattern::random64, w.ids_used, seed));
}

struct Throughput {
  std::vector<std::vector<double>> rates;
  std::vector<std::vector<double>> cpu_rates;
  std::vector<bench::RunResult> last;
};

/// `rounds` rounds over every workload, interleaved (one run of each per round).
Throughput measure(const std::vector<const bench::Workload*>& ws, bool prefetch, int rounds, const char* label) {
  Throughput t;
  t.rates.resize(ws.size());
  t.cpu_rates.resize(ws.size());
  t.last.resize(ws.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < ws.size(); ++i) {
      t.last[i] = bench::run_engine(*ws[i], prefetch);
      t.rates[i].push_back(t.last[i].rate());
      t.cpu_rates[i].push_back(t.last[i].cpu_rate());
    }
    std::fprintf(stderr, "%s: round %d/%d done\n", label, round + 1, rounds);
  }
  return t;
}

/// Prints one throughput table; returns the median rate per workload.
std::vector<double> print_throughput(const std::vector<std::string>& names, const Throughput& t) {
  std::printf("regime     M msg/s   (min    max)   ns/msg  M events/s  cpu M msg/s  resting  levels  checksum\n");
  size_t worst = 0;
  std::vector<double> med(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    med[i] = median(t.rates[i]);
    if (med[i] < med[worst]) worst = i;
    const auto [mn, mx] = std::minmax_element(t.rates[i].begin(), t.rates[i].end());
    const double ev_per_msg = static_cast<double>(t.last[i].events) / static_cast<double>(t.last[i].messages);
    std::printf("%-9s  %7.2f  (%6.2f %6.2f)  %6.1f  %9.1f  %11.2f  %7llu  %6llu  %016llx\n", names[i].c_str(),
                med[i] / 1e6, *mn / 1e6, *mx / 1e6, 1e9 / med[i], med[i] * ev_per_msg / 1e6,
                median(t.cpu_rates[i]) / 1e6, static_cast<unsigned long long>(t.last[i].resting_end),
                static_cast<unsigned long long>(t.last[i].levels_end),
                static_cast<unsigned long long>(t.last[i].checksum));
  }
  if (!names.empty()) {
    std::printf("worst regime: %s %.2f M msg/s\n", names[worst].c_str(), med[worst] / 1e6);
  }
  return med;
}

int run(const BenchOptions& o) {
  const bench::TscClock clock = start(o, "");

  const std::vector<Regime> regimes = selected_regimes(o);
  std::vector<std::string> names;
  for (Regime r : regimes) names.emplace_back(bench::to_string(r));
  std::vector<bench::Workload> sequential;
  std::vector<bench::Workload> shuffled;
  if (!o.no_throughput) {
    std::fprintf(stderr, "generating workloads...\n");
    for (Regime r : regimes) {
      sequential.push_back(bench::generate(r, o.seed, o.messages));
      shuffled.push_back(sequential.back());
      shuffle_ids(shuffled.back(), o.seed);
      if (o.no_lookahead) sequential.pop_back();
    }
    std::printf("\n== workloads (docs/BENCHMARKS.md): share of messages, then per-order shares\n");
    std::printf(
        "regime      commands   warm-up    new  cancel modify  | ioc/new canc/rest mod/rest dup/canc |"
        "   peak   final  ev/msg  mid swing\n");
    for (const bench::Workload& w : shuffled) print_workload(w);

    std::printf(
        "\n== throughput, realistic input (the headline): order ids random 64-bit values, commands fed one at a\n"
        "   time with no look-ahead (no prefetch hints), every event encoded; %zu messages per regime after\n"
        "   warm-up, median of %d interleaved rounds, one thread\n",
        o.messages, o.rounds);
    std::vector<const bench::Workload*> ws;
    for (const bench::Workload& w : shuffled) ws.push_back(&w);
    (void)print_throughput(names, measure(ws, false, o.rounds, "realistic"));
    std::printf(
        "(M msg/s: wall clock, the figure of record; cpu M msg/s: per second of this thread's CPU time,\n"
        " which leaves out time the thread was preempted or the VM stolen from)\n");

    if (!o.no_lookahead) {
      std::printf(
          "\n== extra, convenient input (not the headline): sequential order ids, and the driver gives the engine\n"
          "   prefetch hints for commands it has not submitted yet (look-ahead a gateway does not have)\n");
      ws.clear();
      for (const bench::Workload& w : sequential) ws.push_back(&w);
      (void)print_throughput(names, measure(ws, true, o.rounds, "look-ahead"));
    }
  }

  if (!o.no_latency && !o.rates.empty()) {
    const Regime lr = *bench::parse_regime(o.latency_regime);
    const double seconds = o.rt_priority > 0 ? std::min(o.seconds, kMaxRtSeconds) : o.seconds;
    std::printf(
        "\n== open-loop latency: regime %s, random 64-bit ids, %.2f s per rate after warm-up, %s;\n"
        "   ns from scheduled send to last event\n",
        o.latency_regime.c_str(), seconds, o.rt_priority > 0 ? "SCHED_FIFO" : "normal scheduling");
    std::printf("offered     achieved      count   behind    p50    p90    p99  p99.9 p99.99      max   mean\n");
    std::ofstream csv;
    if (!o.csv.empty()) {
      csv.open(o.csv);
      if (!csv) {
        std::fprintf(stderr, "rialto bench: cannot write %s\n", o.csv.c_str());
        return 1;
      }
      csv << "# offered_rate,latency_ns,cumulative_fraction,count,percentile_axis\n";
    }
    for (double rate : o.rates) {
      std::fprintf(stderr, "generating latency workload at %s msg/s...\n", rate_label(rate).c_str());
      bench::Workload w = bench::generate(lr, o.seed, static_cast<size_t>(rate * seconds));
      shuffle_ids(w, o.seed);
      const bench::LatencyResult r = with_rt(o.rt_priority, [&] { return bench::run_open_loop(w, rate, clock); });
      const bench::Histogram& h = r.latency_ns;
      std::printf("%-8s  %8.3f M  %9llu  %7llu  %5llu  %5llu  %5llu  %5llu  %5llu  %7llu  %5.0f\n",
                  (rate_label(rate) + "/s").c_str(), r.achieved_rate / 1e6, static_cast<unsigned long long>(h.count()),
                  static_cast<unsigned long long>(r.behind), static_cast<unsigned long long>(h.percentile(50)),
                  static_cast<unsigned long long>(h.percentile(90)), static_cast<unsigned long long>(h.percentile(99)),
                  static_cast<unsigned long long>(h.percentile(99.9)),
                  static_cast<unsigned long long>(h.percentile(99.99)), static_cast<unsigned long long>(h.max()),
                  h.mean());
      if (csv) {
        char prefix[32];
        std::snprintf(prefix, sizeof prefix, "%.0f,", rate);
        h.write_cdf(csv, prefix);
      }
    }
    std::printf("(behind: messages that started more than one period after their scheduled time)\n");
    if (csv) {
      csv.close();
      if (!csv) {
        std::fprintf(stderr, "rialto bench: writing %s failed\n", o.csv.c_str());
        return 1;
      }
      std::printf("CDF written to %s (draw it with scripts/plot_latency.sh)\n", o.csv.c_str());
    }
  }
  return 0;
}

/// `rialto bench ids`: the same flow with only the order ids changed.
int run_ids(const BenchOptions& bo, const IdsOptions& o) {
  (void)start(bo, " ids");
  const Regime regime = *bench::parse_regime(o.regime);
  std::fprintf(stderr, "generating workload...\n");
  const bench::Workload base = bench::generate(regime, bo.seed, o.messages);
  const engine::EngineConfig config = base.engine_config();
  const uint64_t slots = engine::detail::IdIndex::slots_for(config.max_orders);

  struct Case {
    std::string name;
    bench::Workload w;
    engine::EngineConfig config;
  };
  std::vector<Case> cases;
  for (bench::IdPattern p : bench::kAllIdPatterns) {
    cases.push_back({std::string(bench::to_string(p)), base, config});
    bench::assign_ids(cases.back().w, bench::make_ids(p, base.ids_used, bo.seed));
  }
  // Constructed against the public default key: every id's home slot in the
  // first o.attack_range slots, so all resting orders share one probe run.
  std::fprintf(stderr, "searching %llu ids with home slots in [0, %llu) of %llu (about %.0f M hashes)...\n",
               static_cast<unsigned long long>(base.ids_used), static_cast<unsigned long long>(o.attack_range),
               static_cast<unsigned long long>(slots),
               static_cast<double>(base.ids_used) * static_cast<double>(slots) /
                   static_cast<double>(o.attack_range) / 1e6);
  const auto search0 = std::chrono::steady_clock::now();
  const std::vector<uint64_t> attack = bench::colliding_ids(base.ids_used, slots, 0, o.attack_range, config.id_key);
  const double search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - search0).count();
  cases.push_back({"constructed, default key", base, config});
  bench::assign_ids(cases.back().w, attack);
  // The same ids against a key the submitter does not know.
  std::random_device rd;
  engine::EngineConfig secret = config;
  secret.id_key = engine::IdKey{(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd()};
  cases.push_back({"constructed, secret key", cases.back().w, secret});

  std::printf(
      "\n== id patterns (docs/BENCHMARKS.md#order-ids): regime %s, %zu messages after warm-up, the same flow\n"
      "   for every pattern (only the ids differ), one message at a time, no prefetch hints, every event encoded;\n"
      "   median of %d interleaved rounds. Index: %llu slots (max_orders %u). Constructed: ids whose home slot\n"
      "   under the public default key is in [0, %llu), found by brute force in %.1f s; then the same ids\n"
      "   under a random key from std::random_device.\n",
      o.regime.c_str(), o.messages, o.rounds, static_cast<unsigned long long>(slots), config.max_orders,
      static_cast<unsigned long long>(o.attack_range), search_s);
  std::vector<std::vector<double>> rates(cases.size());
  std::vector<std::vector<double>> cpu_rates(cases.size());
  std::vector<bench::RunResult> last(cases.size());
  for (int round = 0; round < o.rounds; ++round) {
    for (size_t i = 0; i < cases.size(); ++i) {
      last[i] = bench::run_engine(cases[i].w, cases[i].config, false);
      rates[i].push_back(last[i].rate());
      cpu_rates[i].push_back(last[i].cpu_rate());
    }
    std::fprintf(stderr, "ids: round %d/%d done\n", round + 1, o.rounds);
  }
  std::printf(
      "pattern                      ns/msg   (min     max)  x sequential   cpu ns/msg  resting  longest run\n");
  const double seq_ns = 1e9 / median(rates[0]);
  for (size_t i = 0; i < cases.size(); ++i) {
    const double ns = 1e9 / median(rates[i]);
    const auto [mn, mx] = std::minmax_element(rates[i].begin(), rates[i].end());
    const std::vector<uint64_t> resting = bench::resting_ids_at_end(cases[i].w);
    const uint64_t run = bench::longest_run(resting, slots, cases[i].config.id_key);
    std::printf("%-26s  %7.1f  (%6.1f %7.1f)  %11.2f  %11.1f  %7zu  %11llu\n", cases[i].name.c_str(), ns, 1e9 / *mx,
                1e9 / *mn, ns / seq_ns, 1e9 / median(cpu_rates[i]), resting.size(),
                static_cast<unsigned long long>(run));
  }
  std::printf(
      "(target: within 1.5x of sequential for every pattern but the constructed one; longest run: the most\n"
      " slots one lookup examines, for the orders resting at the end; it cannot exceed the resting orders)\n");
  return 0;
}

/// `rialto bench soak`: one engine, a long flow generated on the fly.
int run_soak(const BenchOptions& bo, const SoakOptions& so) {
  (void)start(bo, " soak");
  bench::SoakParams p = so.params;
  p.seed = bo.seed;
  const uint64_t gen_sample = std::min<uint64_t>(p.messages, 20'000'000);
  const double gen_ns = bench::soak_generator_ns_per_message(p, gen_sample);
  std::printf(
      "\n== soak (docs/BENCHMARKS.md#soak): %llu messages through one engine, %u order slots (~47%% resting),\n"
      "   ids (session << 32 | seq) over %u sessions, max_orders %u, tables %s; every event encoded.\n"
      "   Generator alone: %.1f ns/message (measured over %llu messages), included in the rates below.\n",
      static_cast<unsigned long long>(p.messages), p.slots, p.sessions, p.max_orders,
      p.prefault ? "pre-faulted" : "faulted in on use", gen_ns, static_cast<unsigned long long>(gen_sample));
  std::printf(
      "   messages   M msg/s  cpu M msg/s   RSS MiB  resting  peak rest    new%%  cancel%%  modify%%  trades/msg"
      "  capacity  unknown_order\n");
  std::fflush(stdout);
  const bench::SoakResult r = bench::run_soak(p, [](const bench::SoakWindow& w) {
    const double n = static_cast<double>(w.window_messages);
    std::printf("%11llu  %8.2f  %11.2f  %8.1f  %7llu  %9llu  %6.1f  %7.1f  %7.1f  %10.3f  %8llu  %13llu\n",
                static_cast<unsigned long long>(w.messages_end), w.rate() / 1e6, w.cpu_rate() / 1e6,
                static_cast<double>(w.rss_bytes) / (1 << 20), static_cast<unsigned long long>(w.resting),
                static_cast<unsigned long long>(w.peak_resting), 100.0 * static_cast<double>(w.new_orders) / n,
                100.0 * static_cast<double>(w.cancels) / n, 100.0 * static_cast<double>(w.modifies) / n,
                static_cast<double>(w.trades) / n, static_cast<unsigned long long>(w.capacity_rejects),
                static_cast<unsigned long long>(w.unknown_order_rejects));
    std::fflush(stdout);
    return true;
  });
  const auto& ws = r.windows;
  uint64_t capacity = 0;
  for (const auto& w : ws) capacity += w.capacity_rejects;
  std::printf("checksum %016llx\n", static_cast<unsigned long long>(r.checksum));
  std::printf("verdicts (targets: docs/PERFORMANCE.md#soak):\n");
  std::printf("  capacity rejects: %llu: %s\n", static_cast<unsigned long long>(capacity),
              capacity == 0 ? "met (zero)" : "MISSED (target zero)");
  if (ws.size() >= 2) {
    uint64_t later = 0;
    for (size_t i = 1; i < ws.size(); ++i) later = std::max(later, ws[i].rss_bytes);
    const double warm = static_cast<double>(ws[0].rss_bytes) / (1 << 20);
    const double growth = static_cast<double>(later) / (1 << 20) - warm;
    std::printf("  RSS after warm-up (first window) %.1f MiB, largest later %.1f MiB, growth %+.1f MiB: %s\n", warm,
                warm + growth, growth, growth <= 1.0 ? "flat (met, within 1 MiB)" : "NOT flat (missed)");
  } else {
    std::printf("  RSS: needs at least two windows\n");
  }
  if (ws.size() >= 3) {
    const double ratio = ws.back().rate() / ws[1].rate();
    std::printf("  last window %.2f M msg/s vs second %.2f M msg/s: %.3f: %s\n", ws.back().rate() / 1e6,
                ws[1].rate() / 1e6, ratio,
                ratio >= 0.9 && ratio <= 1.1 ? "within 10% (met)" : "NOT within 10% (missed)");
  } else {
    std::printf("  throughput drift: needs at least three windows\n");
  }
  return 0;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app) {
  BenchOptions& o = options();
  CLI::App* b = app.add_subcommand(
      "bench",
      "Engine benchmarks: throughput per regime on realistic input (the headline), open-loop latency; "
      "subcommands `ids` (id patterns) and `soak` (a long run)");
  std::vector<std::string> names;
  for (Regime r : bench::kAllRegimes) names.emplace_back(bench::to_string(r));
  b->add_option("--regimes", o.regimes, "regimes for the throughput runs (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(names));
  b->add_option("--messages", o.messages, "measured messages per regime after warm-up")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1000}, size_t{200'000'000}));
  b->add_option("--rounds", o.rounds, "interleaved throughput rounds (median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  // What defaults to on is turned off by a --no-X flag, so that the help never
  // shows a negated default (CLI11 prints "{false}" for a "!--no-X" alias).
  b->add_flag("--no-throughput", o.no_throughput, "skip the throughput benchmark (default: run it)");
  b->add_flag("--no-lookahead", o.no_lookahead,
              "skip the labelled extra run with sequential ids and prefetch hints given ahead of submission "
              "(default: run it)");
  b->add_flag("--no-latency", o.no_latency, "skip the open-loop latency benchmark (default: run it)");
  b->add_option("--rate", o.rates, "offered rates for the latency run, msg/s (comma-separated)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1e3, 1e9));
  b->add_option("--seconds", o.seconds, "timed length of each latency run")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 60.0));
  b->add_option("--latency-regime", o.latency_regime, "regime of the latency workload")
      ->capture_default_str()
      ->check(CLI::IsMember(names));
  b->add_option("--csv", o.csv, "write the latency CDF of every rate to this CSV file (scripts/plot_latency.sh draws it)");
  b->add_option("--seed", o.seed, "workload seed")->capture_default_str();
  b->add_option("--cpu", o.cpu, "CPU to pin the benchmark thread to (default: the last one)");
  b->add_option("--rt-priority", o.rt_priority,
                "run each latency measurement under SCHED_FIFO at this priority (0: off); runs are then at "
                "most 0.5 s, inside the kernel's real-time budget")
      ->capture_default_str()
      ->check(CLI::Range(0, 99));

  IdsOptions& io = ids_options();
  g_ids = b->add_subcommand("ids", "Cost per message for each order-id pattern, the same flow otherwise");
  g_ids->add_option("--regime", io.regime, "regime of the flow")->capture_default_str()->check(CLI::IsMember(names));
  g_ids->add_option("--messages", io.messages, "measured messages per pattern after warm-up")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1000}, size_t{100'000'000}));
  g_ids->add_option("--rounds", io.rounds, "interleaved rounds (median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  g_ids->add_option("--attack-range", io.attack_range,
                    "constructed ids: their home slots lie in the first this many slots of the index")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));

  bench::SoakParams& sp = soak_options().params;
  g_soak = b->add_subcommand("soak", "A long flow through one engine: RSS and throughput per window, verdicts");
  g_soak->add_option("--messages", sp.messages, "messages in all")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1000}, uint64_t{100'000'000'000}));
  g_soak->add_option("--report-every", sp.report_every, "messages per window (the first window is the warm-up)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1000}, uint64_t{100'000'000'000}));
  g_soak->add_option("--slots", sp.slots, "order slots of the flow (about 47% of them rest)")
      ->capture_default_str()
      ->check(CLI::Range(16u, 1u << 26));
  g_soak->add_option("--sessions", sp.sessions, "gateway sessions minting ids")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 20));
  g_soak->add_option("--max-orders", sp.max_orders, "engine capacity for resting orders")
      ->capture_default_str()
      ->check(CLI::Range(16u, 1u << 28));
  g_soak->add_flag("--prefault", sp.prefault,
                   "pre-fault the engine's tables, so that RSS shows the reservation rather than the use "
                   "(default: off)");
  return b;
}

int run_bench_command() {
  if (g_ids != nullptr && g_ids->parsed()) return run_ids(options(), ids_options());
  if (g_soak != nullptr && g_soak->parsed()) return run_soak(options(), soak_options());
  return run(options());
}

}  // namespace rialto::app
