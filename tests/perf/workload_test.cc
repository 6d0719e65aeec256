// The workload generator (bench/engine/workload.h): deterministic by seed,
// and the flow it produces has the shares docs/BENCHMARKS.md promises.
#include "bench/engine/workload.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <tuple>

#include "rialto/engine/engine.h"

namespace rialto::bench {
namespace {

/// Every meaningful field of a command, for comparison.
auto fields(const Command& c) {
  if (const auto* n = std::get_if<NewOrder>(&c)) {
    return std::make_tuple(0, n->id.value(), n->symbol.value(), static_cast<int>(n->side), static_cast<int>(n->type),
                           static_cast<int>(n->tif), n->account.value(), n->qty.value(), n->price.value(),
                           static_cast<int>(n->price_status), n->post_only);
  }
  if (const auto* x = std::get_if<CancelOrder>(&c)) {
    return std::make_tuple(1, x->id.value(), 0u, 0, 0, 0, 0u, int64_t{0}, int64_t{0}, 0, false);
  }
  const auto& m = *std::get_if<ModifyOrder>(&c);
  return std::make_tuple(2, m.id.value(), 0u, 0, 0, 0, 0u, m.has_qty ? m.qty.value() : -1, m.price.value(),
                         static_cast<int>(m.price_status), false);
}

bool same(const Workload& a, const Workload& b) {
  if (a.commands.size() != b.commands.size() || a.warmup != b.warmup) return false;
  for (size_t i = 0; i < a.commands.size(); ++i) {
    if (fields(a.commands[i]) != fields(b.commands[i])) return false;
  }
  return true;
}

class EveryRegime : public ::testing::TestWithParam<Regime> {};

TEST_P(EveryRegime, shouldGenerateTheSameCommandsForTheSameSeed) {
  const Workload a = generate(GetParam(), 7, 50'000);
  const Workload b = generate(GetParam(), 7, 50'000);
  EXPECT_EQ(a.commands.size(), a.warmup + 50'000);
  EXPECT_TRUE(same(a, b));
  EXPECT_EQ(a.stats.events, b.stats.events);
  EXPECT_EQ(a.stats.trades, b.stats.trades);
}

TEST_P(EveryRegime, shouldGenerateDifferentCommandsForAnotherSeed) {
  EXPECT_FALSE(same(generate(GetParam(), 7, 20'000), generate(GetParam(), 8, 20'000)));
}

TEST_P(EveryRegime, shouldReplayWithoutCapacityRejectsAndWithTheSharesPromised) {
  const Workload w = generate(GetParam(), 3, 100'000);
  struct Sink {
    uint64_t capacity = 0;
    uint64_t unknown = 0;
    void on_event(const Event& e) {
      capacity += e.reject == RejectReason::capacity ? 1 : 0;
      unknown += e.reject == RejectReason::unknown_order ? 1 : 0;
    }
  } sink;
  engine::Engine<Sink> e(w.engine_config(), sink);
  for (const auto& s : w.symbols) (void)e.add_symbol(s);
  for (const Command& c : w.commands) execute(e, c);
  EXPECT_EQ(sink.capacity, 0u);
  // Only the deliberate duplicate cancels hit orders that are gone.
  EXPECT_EQ(sink.unknown, w.stats.duplicate_cancels);

  const WorkloadStats& s = w.stats;
  const double news = static_cast<double>(s.new_passive + s.new_ioc);
  EXPECT_NEAR(static_cast<double>(s.new_ioc) / news, 0.15, 0.01);
  const double cancels = static_cast<double>(s.cancels + s.duplicate_cancels);
  EXPECT_NEAR(static_cast<double>(s.duplicate_cancels) / cancels, 0.02, 0.006);
  EXPECT_GT(s.modifies, 0u);
  EXPECT_GT(s.reprices, 0u);
  EXPECT_GT(s.trades, 0u);
}

INSTANTIATE_TEST_SUITE_P(Perf, EveryRegime,
                         ::testing::Values(Regime::static_book, Regime::normal, Regime::volatile_, Regime::crash,
                                           Regime::multi),
                         [](const auto& p) { return std::string(to_string(p.param)); });

TEST(Workload, shouldKeepADeepBookInTheStaticRegime) {
  const Workload w = generate(Regime::static_book, 1, 50'000);
  EXPECT_GE(w.stats.final_resting, 40'000u);
  EXPECT_EQ(w.stats.mid_min, w.stats.mid_max);  // the mid never moves
}

TEST(Workload, shouldSwingTheMidAsFarAsTheRegimeSays) {
  // One full (shortened) session: the drift profile's whole range.
  WorkloadParams p = regime_params(Regime::crash);
  p.session = 200'000;
  const Workload crash = generate(p, 1, 200'000);
  const double swing =
      static_cast<double>(crash.stats.mid_max - crash.stats.mid_min) / static_cast<double>(crash.stats.mid_base);
  EXPECT_NEAR(swing, 0.60, 0.05);
}

}  // namespace
}  // namespace rialto::bench
