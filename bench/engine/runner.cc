#include "bench/engine/runner.h"

#include <chrono>
#include <memory>

#include "bench/engine/clock.h"
#include "bench/engine/wire_sink.h"
#include "rialto/engine/engine.h"

namespace rialto::bench {
namespace {

using BenchEngine = engine::Engine<WireSink>;

std::unique_ptr<BenchEngine> make_engine(const Workload& w, const engine::EngineConfig& config, WireSink& sink) {
  auto e = std::make_unique<BenchEngine>(config, sink);
  for (const engine::SymbolSpec& s : w.symbols) (void)e->add_symbol(s);
  return e;
}

std::unique_ptr<BenchEngine> make_engine(const Workload& w, WireSink& sink) {
  return make_engine(w, w.engine_config(), sink);
}

OrderId id_of(const Command& c) {
  return std::visit([](const auto& x) { return x.id; }, c);
}

// Kept out of line so profiles show the replay loop as one frame.
[[gnu::noinline]] void replay(BenchEngine& e, const Command* begin, const Command* end) {
  for (const Command* c = begin; c != end; ++c) execute(e, *c);
}

// The same with the engine's prefetch hints, as a driver draining a backlog
// would use them: the id-table line kIdAhead commands ahead, the resting
// order kOrderAhead commands ahead (its id line has arrived by then).
[[gnu::noinline]] void replay_prefetching(BenchEngine& e, const Command* begin, const Command* end) {
  constexpr ptrdiff_t kIdAhead = 16;
  constexpr ptrdiff_t kOrderAhead = 8;
  for (const Command* c = begin; c != end; ++c) {
    if (end - c > kIdAhead) e.prefetch_id(id_of(c[kIdAhead]));
    if (end - c > kOrderAhead && !std::holds_alternative<NewOrder>(c[kOrderAhead])) {
      e.prefetch_order(id_of(c[kOrderAhead]));
    }
    execute(e, *c);
  }
}

}  // namespace

RunResult run_engine(const Workload& w, size_t timed_begin, size_t end, bool prefetch) {
  return run_engine(w, w.engine_config(), timed_begin, end, prefetch);
}

RunResult run_engine(const Workload& w, const engine::EngineConfig& config, bool prefetch) {
  return run_engine(w, config, w.warmup, w.commands.size(), prefetch);
}

std::vector<uint64_t> resting_ids_at_end(const Workload& w) {
  WireSink sink;
  auto e = make_engine(w, sink);
  replay(*e, w.commands.data(), w.commands.data() + w.commands.size());
  std::vector<uint64_t> ids;
  for (uint32_t k = 0; k < e->symbol_count(); ++k) {
    for (Side side : {Side::buy, Side::sell}) {
      e->for_each_order(SymbolId(k), side, [&](const auto& o) { ids.push_back(o.id.value()); });
    }
  }
  return ids;
}

RunResult run_engine(const Workload& w, const engine::EngineConfig& config, size_t timed_begin, size_t end,
                     bool prefetch) {
  WireSink sink;
  auto e = make_engine(w, config, sink);
  const Command* cmds = w.commands.data();
  replay(*e, cmds, cmds + timed_begin);
  const uint64_t events_before = sink.events();
  const double c0 = thread_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  if (prefetch) {
    replay_prefetching(*e, cmds + timed_begin, cmds + end);
  } else {
    replay(*e, cmds + timed_begin, cmds + end);
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = thread_cpu_seconds();
  RunResult r;
  r.messages = end - timed_begin;
  r.events = sink.events() - events_before;
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.cpu_seconds = c1 - c0;
  r.checksum = sink.checksum();
  r.resting_end = e->resting_orders();
  for (uint32_t k = 0; k < e->symbol_count(); ++k) {
    for (Side side : {Side::buy, Side::sell})
      e->for_each_level(SymbolId(k), side, [&](const auto&) { ++r.levels_end; });
  }
  return r;
}

LatencyResult run_open_loop(const Workload& w, double rate, const TscClock& clock) {
  WireSink sink;
  auto e = make_engine(w, sink);
  const Command* cmds = w.commands.data();
  replay(*e, cmds, cmds + w.warmup);

  LatencyResult r;
  r.offered_rate = rate;
  const double period = clock.ticks_per_ns * 1e9 / rate;  // TSC ticks between scheduled sends
  const auto late_limit = static_cast<uint64_t>(period);
  const uint64_t t0 = ticks() + static_cast<uint64_t>(clock.ticks_per_ns * 1e6);  // first send in 1 ms
  uint64_t last_end = t0;
  const size_t n = w.commands.size();
  for (size_t i = w.warmup; i < n; ++i) {
    const uint64_t scheduled = t0 + static_cast<uint64_t>(static_cast<double>(i - w.warmup) * period);
    uint64_t now = ticks();
    while (now < scheduled) now = ticks();  // ahead of schedule: wait (open loop)
    r.behind += now - scheduled > late_limit ? 1 : 0;
    execute(*e, cmds[i]);
    last_end = ticks_after();
    r.latency_ns.record(clock.to_ns(last_end - scheduled));
  }
  r.messages = n - w.warmup;
  const double seconds = clock.to_ns_f(static_cast<double>(last_end - t0)) * 1e-9;
  r.achieved_rate = seconds > 0 ? static_cast<double>(r.messages) / seconds : 0.0;
  r.checksum = sink.checksum();
  return r;
}

}  // namespace rialto::bench
