// Side-by-side driver for two revisions of the engine (scripts/bench_ab.sh).
//
// The same source is compiled once against each revision's include/ (and its
// src/core), so the two binaries differ only in the engine. Each run
// generates the benchmark workloads deterministically (bench/engine/
// workload.h; the command stream's checksum is printed, so that the two
// binaries can be seen to replay the same commands), then replays each
// regime's measured part through a fresh engine one message at a time: no
// prefetch hints, no look-ahead, every event encoded by the WireSink.
//
// Output, one line per regime and round:
//   rate REGIME ROUND MSG_PER_S CPU_MSG_PER_S EVENTS_PER_MSG COMMANDS_CHECKSUM
//
// Usage: engine_ab [--ids random64|sequential] [--messages N] [--rounds R]
//                  [--regimes a,b,...] [--seed S]
// Under callgrind, restrict collection to the measured loop with
// --toggle-collect='*replay_measured*'.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "bench/engine/clock.h"
#include "bench/engine/wire_sink.h"
#include "bench/engine/workload.h"
#include "rialto/engine/engine.h"

namespace {

using rialto::bench::Command;
using rialto::bench::thread_cpu_seconds;
using rialto::bench::Workload;
using Engine = rialto::engine::Engine<rialto::bench::WireSink>;

uint64_t commands_checksum(const Workload& w) {
  uint64_t h = 0xCBF29CE484222325ull;
  auto mix = [&](uint64_t v) { h = (h ^ v) * 0x100000001B3ull; };
  for (const Command& c : w.commands) {
    mix(c.index());
    std::visit([&](const auto& x) { mix(x.id.value()); }, c);
    if (const auto* n = std::get_if<rialto::NewOrder>(&c)) {
      mix(static_cast<uint64_t>(n->price.value()));
      mix(static_cast<uint64_t>(n->qty.value()));
    }
  }
  return h;
}

[[gnu::noinline]] void replay_warmup(Engine& e, const Command* b, const Command* end) {
  for (const Command* c = b; c != end; ++c) rialto::bench::execute(e, *c);
}

// The asm marker keeps the linker from folding this into replay_warmup (the
// same code), so that profilers can tell the two apart.
[[gnu::noinline]] void replay_measured(Engine& e, const Command* b, const Command* end) {
  asm volatile("# measured loop");
  for (const Command* c = b; c != end; ++c) rialto::bench::execute(e, *c);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ids = "random64";
  size_t messages = 2'000'000;
  int rounds = 1;
  uint64_t seed = 1;
  std::string regimes = "static,normal,volatile,crash,multi";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--ids") {
      ids = v;
    } else if (k == "--messages") {
      messages = std::strtoull(v, nullptr, 10);
    } else if (k == "--rounds") {
      rounds = std::atoi(v);
    } else if (k == "--regimes") {
      regimes = v;
    } else if (k == "--seed") {
      seed = std::strtoull(v, nullptr, 10);
    } else {
      std::fprintf(stderr, "engine_ab: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (ids != "random64" && ids != "sequential") {
    std::fprintf(stderr, "engine_ab: --ids random64|sequential\n");
    return 2;
  }
  std::vector<Workload> ws;
  std::vector<std::string> names = split(regimes);
  for (const std::string& name : names) {
    const auto r = rialto::bench::parse_regime(name);
    if (!r) {
      std::fprintf(stderr, "engine_ab: unknown regime %s\n", name.c_str());
      return 2;
    }
    ws.push_back(rialto::bench::generate(*r, seed, messages));
    if (ids == "random64") {
      rialto::bench::assign_ids(ws.back(),
                                rialto::bench::make_ids(rialto::bench::IdPattern::random64, ws.back().ids_used, seed));
    }
  }
  for (int round = 1; round <= rounds; ++round) {
    for (size_t i = 0; i < ws.size(); ++i) {
      const Workload& w = ws[i];
      rialto::bench::WireSink sink;
      auto e = std::make_unique<Engine>(w.engine_config(), sink);
      for (const auto& s : w.symbols) (void)e->add_symbol(s);
      const Command* cmds = w.commands.data();
      replay_warmup(*e, cmds, cmds + w.warmup);
      const uint64_t events0 = sink.events();
      const double c0 = thread_cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      replay_measured(*e, cmds + w.warmup, cmds + w.commands.size());
      const auto t1 = std::chrono::steady_clock::now();
      const double cpu = thread_cpu_seconds() - c0;
      const double wall = std::chrono::duration<double>(t1 - t0).count();
      const auto n = static_cast<double>(w.measured());
      std::printf("rate %s %d %.0f %.0f %.3f %016llx\n", names[i].c_str(), round, n / wall, n / cpu,
                  static_cast<double>(sink.events() - events0) / n,
                  static_cast<unsigned long long>(commands_checksum(w)));
      std::fflush(stdout);
    }
  }
  return 0;
}
