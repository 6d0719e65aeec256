#include "bench_cmd.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/engine/clock.h"
#include "bench/engine/histogram.h"
#include "bench/engine/runner.h"
#include "bench/engine/workload.h"

namespace rialto::app {
namespace {

using bench::Regime;

struct BenchOptions {
  std::vector<std::string> regimes;  // empty: all
  size_t messages = 2'000'000;       // measured messages per regime (throughput)
  int rounds = 5;
  bool throughput = true;
  bool prefetch = true;
  bool latency = true;
  std::vector<double> rates{1e6, 5e6};
  double seconds = 2.0;  // timed length of each latency run
  std::string latency_regime = "normal";
  std::string csv;
  std::string png;
  bool model = true;
  double model_seconds = 3.0;
  uint64_t seed = 1;
  int cpu = -1;         // -1: the last online CPU
  int rt_priority = 0;  // > 0: each latency run under SCHED_FIFO at this priority
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

void write_png(const std::string& csv, const std::string& png, const std::vector<double>& rates,
               const std::string& regime) {
  FILE* gp = popen("gnuplot", "w");
  if (gp == nullptr) {
    std::fprintf(stderr, "rialto bench: cannot run gnuplot; %s not written\n", png.c_str());
    return;
  }
  std::fprintf(
      gp,
      "set terminal pngcairo size 900,560 font 'sans,10'\n"
      "set output '%s'\n"
      "set datafile separator ','\n"
      "set logscale xy\n"
      "set xrange [1:*]\n"
      "set format y '10^{%%T}'\n"
      "set xtics ('50%%%%' 2, '90%%%%' 10, '99%%%%' 100, '99.9%%%%' 1000, '99.99%%%%' 10000, '99.999%%%%' 100000, "
      "'99.9999%%%%' 1000000)\n"
      "set xlabel 'percentile'\n"
      "set ylabel 'latency from scheduled send (ns)'\n"
      "set title 'rialto open-loop latency, regime %s, one core'\n"
      "set grid xtics ytics mytics\n"
      "set key bottom right\n"
      "plot ",
      png.c_str(), regime.c_str());
  for (size_t i = 0; i < rates.size(); ++i) {
    std::fprintf(gp, "%s'%s' using 5:($1==%.0f ? $2 : 1/0) with steps lw 2 title '%s msg/s offered'",
                 i == 0 ? "" : ", ", csv.c_str(), rates[i], rate_label(rates[i]).c_str());
  }
  std::fprintf(gp, "\n");
  if (pclose(gp) != 0) std::fprintf(stderr, "rialto bench: gnuplot failed; %s may be missing\n", png.c_str());
}

int run(const BenchOptions& o) {
  const int cpu = o.cpu >= 0 ? o.cpu : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) - 1;
  const bool pinned = bench::pin_to_cpu(cpu);
  std::printf("rialto bench: seed %llu, one thread %s cpu %d, load average %s\n",
              static_cast<unsigned long long>(o.seed),
              pinned ? "pinned to" : "NOT pinned (sched_setaffinity failed) on", cpu, load_average().c_str());
  const bench::TscClock clock = bench::TscClock::calibrate();
  std::printf(
      "clock: TSC %.3f GHz calibrated against CLOCK_MONOTONIC; read cost rdtsc %.1f ns, rdtscp %.1f ns, "
      "clock_gettime %.1f ns\n",
      clock.ticks_per_ns, clock.read_cost_ns, clock.read_after_cost_ns, clock.steady_cost_ns);

  const std::vector<Regime> regimes = selected_regimes(o);
  std::vector<bench::Workload> workloads;
  if (o.throughput || o.model) {
    std::fprintf(stderr, "generating workloads...\n");
    for (Regime r : regimes) workloads.push_back(bench::generate(r, o.seed, o.messages));
    std::printf("\n== workloads (docs/BENCHMARKS.md): share of messages, then per-order shares\n");
    std::printf(
        "regime      commands   warm-up    new  cancel modify  | ioc/new canc/rest mod/rest dup/canc |"
        "   peak   final  ev/msg  mid swing\n");
    for (const bench::Workload& w : workloads) print_workload(w);
  }

  if (o.throughput) {
    std::printf(
        "\n== throughput: one thread, %zu messages per regime after warm-up, median of %d interleaved rounds, "
        "engine prefetch hints %s\n",
        o.messages, o.rounds, o.prefetch ? "on" : "off");
    std::vector<std::vector<double>> rates(workloads.size());
    std::vector<std::vector<double>> cpu_rates(workloads.size());
    std::vector<bench::RunResult> last(workloads.size());
    for (int round = 0; round < o.rounds; ++round) {
      for (size_t i = 0; i < workloads.size(); ++i) {
        last[i] = bench::run_engine(workloads[i], o.prefetch);
        rates[i].push_back(last[i].rate());
        cpu_rates[i].push_back(last[i].cpu_rate());
      }
      std::fprintf(stderr, "round %d/%d done\n", round + 1, o.rounds);
    }
    std::printf("regime     M msg/s   (min    max)   ns/msg  M events/s  cpu M msg/s  resting  levels  checksum\n");
    size_t worst = 0;
    std::vector<double> med(workloads.size());
    for (size_t i = 0; i < workloads.size(); ++i) {
      med[i] = median(rates[i]);
      if (med[i] < med[worst]) worst = i;
      const auto [mn, mx] = std::minmax_element(rates[i].begin(), rates[i].end());
      const double ev_per_msg = static_cast<double>(last[i].events) / static_cast<double>(last[i].messages);
      std::printf(
          "%-9s  %7.2f  (%6.2f %6.2f)  %6.1f  %9.1f  %11.2f  %7llu  %6llu  %016llx\n",
          std::string(bench::to_string(regimes[i])).c_str(), med[i] / 1e6, *mn / 1e6, *mx / 1e6, 1e9 / med[i],
          med[i] * ev_per_msg / 1e6, median(cpu_rates[i]) / 1e6, static_cast<unsigned long long>(last[i].resting_end),
          static_cast<unsigned long long>(last[i].levels_end), static_cast<unsigned long long>(last[i].checksum));
    }
    if (!workloads.empty()) {
      std::printf(
          "(M msg/s: wall clock, the figure of record; cpu M msg/s: per second of this thread's CPU time,\n"
          " which leaves out time the thread was preempted or the VM stolen from)\n");
      std::printf("worst regime: %s %.2f M msg/s\n", std::string(bench::to_string(regimes[worst])).c_str(),
                  med[worst] / 1e6);
    }
  }

  if (o.latency && !o.rates.empty()) {
    const Regime lr = *bench::parse_regime(o.latency_regime);
    const double seconds = o.rt_priority > 0 ? std::min(o.seconds, kMaxRtSeconds) : o.seconds;
    std::printf(
        "\n== open-loop latency: regime %s, %.2f s per rate after warm-up, %s; ns from scheduled send to last event\n",
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
      const bench::Workload w = bench::generate(lr, o.seed, static_cast<size_t>(rate * seconds));
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
      std::printf("CDF written to %s\n", o.csv.c_str());
      if (!o.png.empty()) {
        write_png(o.csv, o.png, o.rates, o.latency_regime);
        std::printf("CDF plot written to %s\n", o.png.c_str());
      }
    }
  }

  if (o.model) {
    std::printf(
        "\n== reference model (tests/model): the same workloads in the same run. The model replays each from\n"
        "   the empty book within its time budget; the engine replays that same prefix (from an empty book,\n"
        "   cold start included) and, for the steady-state column, its whole workload after warm-up.\n"
        "   Rates per second of thread CPU time (robust to preemption). The model is fastest on a small\n"
        "   book, so both ratios are conservative for deep books.\n");
    if (!bench::have_model()) {
      std::printf("not available: this build has no tests/model (configure with RIALTO_BUILD_TESTS=ON)\n");
    } else {
      std::printf(
          "regime     prefix msgs   model msg/s  engine M msg/s  speed-up | engine steady M msg/s  speed-up"
          "  events identical\n");
      std::vector<double> speedups;
      for (size_t i = 0; i < workloads.size(); ++i) {
        const bench::Workload& w = workloads[i];
        std::fprintf(stderr, "model: %s...\n", std::string(bench::to_string(regimes[i])).c_str());
        // The model from the empty book for as long as the budget allows ...
        const bench::RunResult m = *bench::run_model(w, 0, w.commands.size(), o.model_seconds);
        // ... the engine on the same prefix (cold start included), and in steady state.
        std::vector<double> prefix_rates;
        std::vector<double> steady_rates;
        bench::RunResult e;
        for (int round = 0; round < 3; ++round) {
          e = bench::run_engine(w, 0, m.messages, o.prefetch);
          prefix_rates.push_back(e.cpu_rate());
          steady_rates.push_back(bench::run_engine(w, o.prefetch).cpu_rate());
        }
        const double prefix = median(prefix_rates);
        const double steady = median(steady_rates);
        speedups.push_back(prefix / m.cpu_rate());
        std::printf("%-9s  %11llu  %12.0f  %14.2f  %7.0fx | %21.2f  %7.0fx  %s\n",
                    std::string(bench::to_string(regimes[i])).c_str(), static_cast<unsigned long long>(m.messages),
                    m.cpu_rate(), prefix / 1e6, prefix / m.cpu_rate(), steady / 1e6, steady / m.cpu_rate(),
                    e.checksum == m.checksum ? "yes" : "NO (checksums differ)");
      }
      if (!speedups.empty()) {
        std::printf("smallest speed-up on the same prefix: %.0fx\n",
                    *std::min_element(speedups.begin(), speedups.end()));
      }
    }
  }
  return 0;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app) {
  BenchOptions& o = options();
  CLI::App* b = app.add_subcommand(
      "bench", "Engine benchmarks: throughput per regime, open-loop latency, speed-up over the reference model");
  std::vector<std::string> names;
  for (Regime r : bench::kAllRegimes) names.emplace_back(bench::to_string(r));
  b->add_option("--regimes", o.regimes, "regimes for throughput and model runs (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(names));
  b->add_option("--messages", o.messages, "measured messages per regime after warm-up")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1000}, size_t{200'000'000}));
  b->add_option("--rounds", o.rounds, "interleaved throughput rounds (median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  b->add_flag("--throughput,!--no-throughput", o.throughput, "run the throughput benchmark")->capture_default_str();
  b->add_flag("--prefetch,!--no-prefetch", o.prefetch,
              "throughput and model runs: give the engine its prefetch hints a few commands ahead")
      ->capture_default_str();
  b->add_flag("--latency,!--no-latency", o.latency, "run the open-loop latency benchmark")->capture_default_str();
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
  b->add_option("--csv", o.csv, "write the latency CDF of every rate to this CSV file");
  b->add_option("--png", o.png, "render the CDF with gnuplot to this PNG (needs --csv)")->needs("--csv");
  b->add_flag("--model,!--no-model", o.model, "also run the reference model and print the speed-up")
      ->capture_default_str();
  b->add_option("--model-seconds", o.model_seconds,
                "time budget of the reference model per regime, replaying from the empty book")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  b->add_option("--seed", o.seed, "workload seed")->capture_default_str();
  b->add_option("--cpu", o.cpu, "CPU to pin the benchmark thread to (default: the last one)");
  b->add_option("--rt-priority", o.rt_priority,
                "run each latency measurement under SCHED_FIFO at this priority (0: off); runs are then at "
                "most 0.5 s, inside the kernel's real-time budget")
      ->capture_default_str()
      ->check(CLI::Range(0, 99));
  return b;
}

int run_bench_command() { return run(options()); }

}  // namespace rialto::app
