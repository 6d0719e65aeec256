// rialto_recovery_bench: how long a shard takes to recover. Journals N inputs
// (default 10 M: new/cancel/modify from 16 gateway-shaped sessions, ids
// `session << 32 | n`, at most 50k orders believed live) through a real
// ShardThread under policy fsync into a directory on disk, then times
// ShardThread::recover of a fresh shard
//   (a) from the journal alone (every record replayed: a copy of the segments
//       hard-linked before the clean stop, whose snapshot and retention would
//       otherwise leave only the tail), and
//   (b) from the shutdown snapshot (the tail after it is empty).
// Both must reach the same output hash as the journaling shard.
//
//   rialto_recovery_bench [--inputs N] [--dir DIR] [--keep]
// DIR (default build/recovery-bench under the current directory) must be on
// the disk being measured, not tmpfs; it is removed at the end unless --keep.
#include <sys/statfs.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "rialto/journal/fs.h"
#include "shard_thread.h"

namespace {

using namespace rialto;
using namespace rialto::server;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kSessions = 16;
constexpr uint32_t kSymbols = 8;
constexpr size_t kMaxLive = 50000;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("model name", 0) == 0) return l.substr(l.find(':') + 2);
  }
  return "unknown";
}

engine::EngineConfig engine_config() {
  engine::EngineConfig ec;
  ec.max_orders = 1 << 20;
  ec.max_symbols = 16;
  return ec;
}

ShardDurability durability(const std::string& dir) {
  ShardDurability d;
  d.fs = &journal::posix_fs();
  d.dir = dir;
  d.writer.policy = journal::Policy::fsync;
  return d;
}

class Inputs {
 public:
  explicit Inputs(uint64_t seed) : rng_(seed) {}

  ShardInput next() {
    ShardInput in;
    const uint32_t s = 1 + static_cast<uint32_t>(rng_() % kSessions);
    in.session = s;
    const uint64_t r = rng_() % 100;
    if (live_.empty() || (r < 50 && live_.size() < kMaxLive)) {
      const uint64_t n = ++next_[s];
      in.kind = InputKind::new_order;
      in.cl_ord_id = n;
      in.new_order = NewOrder{};
      in.new_order.id = OrderId((uint64_t{s} << 32) | n);
      in.new_order.symbol = SymbolId(static_cast<uint32_t>(rng_() % kSymbols));
      const bool buy = rng_() % 2 == 0;
      in.new_order.side = buy ? Side::buy : Side::sell;
      in.new_order.qty = Qty(static_cast<int64_t>(1 + rng_() % 100));
      // Around a mid of 10,000 ticks: most rest within 40 ticks, some cross.
      const int64_t off = static_cast<int64_t>(rng_() % 40) - 3;
      in.new_order.price = Price(buy ? 10000 - off : 10000 + off);
      in.new_order.price_status = PriceStatus::ok;
      in.new_order.tag = n;
      live_.push_back(in.new_order.id.value());
      return in;
    }
    const size_t at = rng_() % live_.size();
    const uint64_t id = live_[at];
    in.session = static_cast<uint32_t>(id >> 32);
    in.cl_ord_id = id & 0xffffffffu;
    if (r < 85 || live_.size() >= kMaxLive) {
      in.kind = InputKind::cancel;
      in.cancel = CancelOrder{OrderId(id)};
      live_[at] = live_.back();
      live_.pop_back();
    } else {
      in.kind = InputKind::modify;
      in.modify = ModifyOrder{};
      in.modify.id = OrderId(id);
      in.modify.has_qty = true;
      in.modify.qty = Qty(static_cast<int64_t>(1 + rng_() % 100));
      if (rng_() % 2 == 0) {
        in.modify.price = Price(10000 + static_cast<int64_t>(rng_() % 40) - 20);
        in.modify.price_status = PriceStatus::ok;
      }
    }
    return in;
  }

 private:
  std::mt19937_64 rng_;
  uint64_t next_[kSessions + 1] = {};
  std::vector<uint64_t> live_;  // ids believed live (fills are not tracked: their cancels are rejected)
};

/// CPU time of the calling thread (recover() runs on it): on a shared
/// machine the wall time includes the time other processes held the core.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Recovered {
  double seconds = 0;
  double cpu_seconds = 0;
  uint64_t records = 0;
  uint64_t hash = 0;
  uint32_t resting = 0;
};

Recovered time_recover(const std::string& dir) {
  EventFdWake wake;
  ShardThread shard(engine_config(), 1 << 16, wake, 0, durability(dir));
  std::string error;
  const auto t0 = Clock::now();
  const double c0 = thread_cpu_seconds();
  if (!shard.recover(&error)) {
    std::fprintf(stderr, "recovery of %s failed: %s\n", dir.c_str(), error.c_str());
    std::exit(1);
  }
  Recovered r;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.cpu_seconds = thread_cpu_seconds() - c0;
  r.records = shard.recovered_inputs();
  r.hash = shard.matcher().output_hash();
  r.resting = shard.matcher().engine().resting_orders();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t inputs = 10'000'000;
  std::string base = "build/recovery-bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--inputs" && i + 1 < argc) inputs = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--dir" && i + 1 < argc) base = argv[++i];
    else if (a == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: rialto_recovery_bench [--inputs N] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  std::error_code ec;
  fs::remove_all(base, ec);
  fs::create_directories(base + "/journal-only", ec);
  struct statfs sf {};
  if (::statfs(base.c_str(), &sf) == 0 && sf.f_type == 0x01021994) {  // TMPFS_MAGIC
    std::fprintf(stderr, "%s is on tmpfs: give --dir on the disk to measure\n", base.c_str());
    return 2;
  }
  const std::string dir = base + "/shard-0";
  const std::string copy = base + "/journal-only/shard-0";
  std::printf("cpu: %s\n", cpu_model().c_str());
  std::printf("load average at start: %s", [] {
    std::ifstream in("/proc/loadavg");
    std::string l;
    std::getline(in, l);
    return l + "\n";
  }().c_str());
  std::printf("journal: %s, policy fsync, %llu inputs\n", fs::absolute(dir).c_str(),
              static_cast<unsigned long long>(inputs));

  uint64_t live_hash = 0;
  {
    EventFdWake wake;
    ShardThread shard(engine_config(), 1 << 16, wake, 0, durability(dir));
    std::string error;
    if (!shard.recover(&error)) {
      std::fprintf(stderr, "cannot open the journal: %s\n", error.c_str());
      return 1;
    }
    shard.start();
    uint64_t outputs = 0;
    ShardOutput o;
    auto drain = [&] {
      while (shard.try_pop(o)) ++outputs;
    };
    auto push = [&](const ShardInput& in) {
      while (!shard.try_push(in)) drain();
    };
    for (uint32_t k = 0; k < kSymbols; ++k) {
      ShardInput in;
      in.kind = InputKind::add_symbol;
      in.token = k;
      in.symbol = SymbolDef{};
      in.symbol.spec = engine::SymbolSpec{Qty(1), Qty(1'000'000)};
      in.symbol.tick = TickSize{1, 2};
      std::snprintf(in.symbol.name, sizeof in.symbol.name, "S%u", k);
      push(in);
    }
    Inputs gen(42);
    const auto t0 = Clock::now();
    for (uint64_t i = 0; i < inputs; ++i) push(gen.next());
    ShardInput sync;
    sync.kind = InputKind::sync;
    sync.token = 1;
    push(sync);
    bool synced = false;
    while (!synced) {
      while (shard.try_pop(o)) {
        ++outputs;
        synced = synced || (o.kind == OutputKind::sync_done && o.token == 1);
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("journaled: %.2f s, %.2f M inputs/s durable (fsync group commit), %llu outputs\n", secs,
                static_cast<double>(inputs) / secs / 1e6, static_cast<unsigned long long>(outputs));
    // Every input is durable now and nothing more is appended: hard-link the
    // segments before the stop's snapshot lets retention remove all but the last.
    fs::create_directories(copy, ec);
    uint64_t bytes = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".rj") {
        fs::create_hard_link(e.path(), copy + "/" + e.path().filename().string(), ec);
        if (ec) {
          std::fprintf(stderr, "cannot link %s: %s\n", e.path().c_str(), ec.message().c_str());
          return 1;
        }
        bytes += e.file_size();
      }
    }
    std::printf("journal size: %.1f MB\n", static_cast<double>(bytes) / 1e6);
    live_hash = shard.matcher().output_hash();
    shard.stop();
    drain();
  }

  const Recovered a = time_recover(copy);
  const Recovered b = time_recover(dir);
  const Recovered a2 = time_recover(copy);  // second run: the page cache is warm for both now
  auto row = [&](const char* what, const Recovered& r) {
    std::printf("%-52s %6.3f s (cpu %6.3f s)  %10llu records  %5.2f M records/s (per cpu s %5.2f)  %6u resting  hash %s\n",
                what, r.seconds, r.cpu_seconds, static_cast<unsigned long long>(r.records),
                r.seconds > 0 ? static_cast<double>(r.records) / r.seconds / 1e6 : 0.0,
                r.cpu_seconds > 0 ? static_cast<double>(r.records) / r.cpu_seconds / 1e6 : 0.0, r.resting,
                r.hash == live_hash ? "= live" : "DIFFERS");
  };
  row("(a) journal only (just written: in the page cache)", a);
  row("(a) journal only, again", a2);
  row("(b) shutdown snapshot + empty tail", b);
  if (!keep) fs::remove_all(base, ec);
  return a.hash == live_hash && b.hash == live_hash && a2.hash == live_hash ? 0 : 1;
}
