// Deterministic order-flow generator for the engine benchmarks and the
// zero-allocation test. The full specification (regimes, distributions,
// parameters) is docs/BENCHMARKS.md; keep the two in step.
//
// Design: the generator drives a *shadow* rialto engine while it generates,
// so it always knows which of its orders still rest. That lets it cancel only
// live orders (plus a deliberate ~2% of duplicate cancels that arrive after
// the order is gone), modify only live orders, and report exact statistics.
// The result is a vector of pre-generated engine commands: replaying it costs
// no generation work inside the measured loop.
//
// Determinism: same Regime, seed and message count give the same commands
// (own xoshiro256** generator, no std:: distributions, whose output differs
// between standard libraries). Floating point is used only through sqrt/log/
// pow/sin of libm; the commands are identical on any glibc x86-64 build.
//
// Thread safety: none needed; generate() is a pure function of its inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rialto/core/types.h"
#include "rialto/engine/engine.h"

namespace rialto::bench {

/// One engine command, exactly as Engine::submit/cancel/modify take it.
using Command = std::variant<NewOrder, CancelOrder, ModifyOrder>;

enum class Regime : uint8_t {
  static_book,  // fixed mid, deep book (40,000+ resting orders near the touch)
  normal,       // ~2% swing of the mid over the run
  volatile_,    // ~25% swing
  crash,        // ~60% fall, partial recovery
  multi,        // 100 symbols, Zipf activity, each with normal dynamics
};

inline constexpr Regime kAllRegimes[] = {Regime::static_book, Regime::normal, Regime::volatile_, Regime::crash,
                                         Regime::multi};

[[nodiscard]] std::string_view to_string(Regime r);
[[nodiscard]] std::optional<Regime> parse_regime(std::string_view name);

/// Tunables of one run; regime_params() gives the documented defaults.
struct WorkloadParams {
  Regime regime = Regime::normal;
  uint32_t symbols = 1;
  double zipf_s = 1.0;           // multi: symbol k (1-based) has weight 1/k^s
  int64_t base_mid = 10'000;     // ticks (100.00 at tick 0.01); multi: log-uniform base/10..base
  double swing = 0.02;           // peak-to-trough range of the drift profile, fraction of base_mid
  double session = 2'000'000;    // messages per period of the drift profile
  double noise = 0.02;           // s.d. of one random-walk step of the mid, ticks per message
  double lifetime_mean = 5'000;  // messages until a passive order's cancel (exponential)
  double distance_alpha = 1.5;   // passive distance from the mid: Lomax(alpha, scale) ticks
  double distance_scale = 4.0;
  int64_t distance_max = 5'000;    // ticks (and at most a quarter of the mid)
  double ioc_share = 0.15;         // of new orders
  double cancel_share = 0.95;      // of resting orders: cancelled later (the rest wait to be filled)
  double modify_share = 0.20;      // of resting orders: modified once (upsize)
  double reprice_share = 0.60;     // of modifies: also move the price by one tick
  double duplicate_cancel = 0.02;  // of cancels: a second cancel of an order already gone
  double day_share = 0.10;         // of passive orders: tif=day (the rest gtc)
  uint32_t accounts = 1'000;       // account ids 1..accounts, stp none
};

[[nodiscard]] WorkloadParams regime_params(Regime r);

/// What the generated flow turned out to contain (measured on the shadow engine).
struct WorkloadStats {
  uint64_t new_passive = 0;
  uint64_t new_ioc = 0;
  uint64_t cancels = 0;            // of live orders
  uint64_t duplicate_cancels = 0;  // of orders already gone (engine rejects them)
  uint64_t modifies = 0;
  uint64_t reprices = 0;  // modifies that also moved the price
  uint64_t rested = 0;    // new passive orders that rested (some remainder)
  uint64_t trades = 0;
  uint64_t events = 0;
  uint64_t peak_resting = 0;
  uint64_t final_resting = 0;
  int64_t mid_min = 0;  // symbol 0, ticks
  int64_t mid_max = 0;
  int64_t mid_base = 0;
};

struct Workload {
  WorkloadParams params;
  uint64_t seed = 0;
  std::vector<engine::SymbolSpec> symbols;
  std::vector<Command> commands;
  size_t warmup = 0;      // commands[0, warmup) build the book; measure commands[warmup, end)
  uint64_t ids_used = 0;  // order ids are 1..ids_used
  WorkloadStats stats;

  /// Engine limits that fit this workload: max_orders twice its peak resting
  /// count (as a deployment sizes for its live orders with headroom), enough
  /// symbols, and the tables pre-faulted at construction.
  [[nodiscard]] engine::EngineConfig engine_config() const;
  [[nodiscard]] size_t measured() const { return commands.size() - warmup; }
};

/// The one place that builds an EngineConfig for the benchmarks, so that they
/// compile against engines with and without an id-lifetime capacity
/// (`max_order_ids`, the memory of every id ever accepted, which only older
/// engines have): `ids_ever` is how many distinct ids the run will submit.
[[nodiscard]] engine::EngineConfig make_engine_config(uint32_t max_orders, uint64_t ids_ever, uint32_t max_symbols,
                                                      bool prefault);

/// Generates `measured` commands after a warm-up prefix of the regime's
/// length (two mean lifetimes), starting from an empty book.
[[nodiscard]] Workload generate(const WorkloadParams& params, uint64_t seed, size_t measured);
[[nodiscard]] inline Workload generate(Regime r, uint64_t seed, size_t measured) {
  return generate(regime_params(r), seed, measured);
}

/// How order ids look (docs/BENCHMARKS.md#order-ids). The generator numbers
/// its orders 1, 2, 3, ...; assign_ids() rewrites them, so that every pattern
/// replays the very same flow and only the ids differ.
enum class IdPattern : uint8_t {
  sequential,    // 1, 2, 3, ... (one client numbering its orders: the convenient case)
  random64,      // a random 64-bit value per order (distinct): ids from many independent sources
  sessions16,    // (s << 32) | seq, s uniform in 1..16 per order, seq counting per session
  sessions1024,  // the same with 1,024 sessions
  shift40,       // (s << 40) | seq, 16 sessions
};

inline constexpr IdPattern kAllIdPatterns[] = {IdPattern::sequential, IdPattern::sessions16, IdPattern::sessions1024,
                                               IdPattern::shift40, IdPattern::random64};

[[nodiscard]] std::string_view to_string(IdPattern p);

/// `count` distinct, non-zero ids of pattern `p`, deterministic by seed.
[[nodiscard]] std::vector<uint64_t> make_ids(IdPattern p, uint64_t count, uint64_t seed);

/// Rewrites every command's order id: order k (1-based, as generated) gets
/// ids[k - 1]. Precondition: ids.size() >= w.ids_used and the ids are
/// distinct, so the engine's behaviour (and every event but the ids) is
/// unchanged.
void assign_ids(Workload& w, std::span<const uint64_t> ids);

/// Calls the engine (or anything with the same three commands) for `c`.
template <class E>
inline void execute(E& e, const Command& c) {
  if (const auto* n = std::get_if<NewOrder>(&c)) {
    e.submit(*n);
  } else if (const auto* x = std::get_if<CancelOrder>(&c)) {
    e.cancel(*x);
  } else {
    e.modify(*std::get_if<ModifyOrder>(&c));
  }
}

}  // namespace rialto::bench
