#include "bench/engine/workload.h"

#include "bench/engine/rng.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <queue>

namespace rialto::bench {
namespace {

/// Whether order `id` rests, through whichever query the engine has (a
/// template, so that the branch for a query it lacks is not compiled).
template <class E>
bool is_resting(const E& e, OrderId id) {
  if constexpr (requires { e.find_order(id); }) {
    return e.find_order(id).has_value();
  } else {
    return e.resting_symbol(id) != kNoSymbol;
  }
}

/// Shadow-engine sink: counts what the generator reports.
struct CountingSink {
  uint64_t events = 0;
  uint64_t trades = 0;
  void on_event(const Event& e) {
    ++events;
    trades += e.type == EventType::trade ? 1 : 0;
  }
};

enum class ActionKind : uint8_t { cancel, duplicate_cancel, modify };

struct Action {
  uint64_t time;
  uint64_t tie;  // insertion order: equal times fire first-scheduled first
  uint64_t order;
  ActionKind kind;
  bool operator>(const Action& o) const { return time != o.time ? time > o.time : tie > o.tie; }
};

struct OrderRec {
  int64_t price = 0;
  int64_t qty = 0;
};

struct SymbolState {
  double base = 0;
  double phase = 0;  // multi: offset of the drift profile, in runs
  double walk = 0;   // random-walk part, ticks
  double sigma = 0;  // s.d. of one step of the walk, ticks
  int64_t distance_max = 0;
  int64_t mid = 0;
};

/// Drift profile: offset of the mid from base, as a fraction of base, at
/// session time t (1 = one session; the profile repeats). Its peak-to-trough
/// range is `swing`.
double profile(Regime r, double swing, double t, double phase) {
  switch (r) {
    case Regime::static_book: return 0.0;
    case Regime::normal:
    case Regime::multi: return 0.5 * swing * std::sin(2.0 * std::numbers::pi * (t + phase));
    case Regime::volatile_: return 0.5 * swing * std::sin(4.0 * std::numbers::pi * t);
    case Regime::crash: {
      // Falls by `swing` over the first quarter of the session, then recovers.
      const double u = t - std::floor(t);
      return u < 0.25 ? -swing * (u / 0.25) : -swing * (1.0 - (u - 0.25) / 0.75);
    }
  }
  return 0.0;
}

class Generator {
 public:
  Generator(const WorkloadParams& p, uint64_t seed, size_t measured) : p_(p), rng_(seed) {
    w_.params = p;
    w_.seed = seed;
    w_.warmup = static_cast<size_t>(2.0 * p.lifetime_mean);
    total_ = w_.warmup + measured;
    w_.commands.reserve(total_);

    // Every message may be a new order; the shadow engine never pre-faults.
    const engine::EngineConfig cfg = make_engine_config(engine::EngineConfig{}.max_orders, total_ + 1,
                                                        std::max<uint32_t>(p.symbols, 1), false);
    shadow_ = std::make_unique<engine::Engine<CountingSink>>(cfg, sink_);

    const uint32_t n = std::max<uint32_t>(p.symbols, 1);
    double weight_sum = 0;
    for (uint32_t k = 1; k <= n; ++k) {
      weight_sum += 1.0 / std::pow(static_cast<double>(k), p.zipf_s);
      zipf_cdf_.push_back(weight_sum);
    }
    for (double& c : zipf_cdf_) c /= weight_sum;
    for (uint32_t k = 0; k < n; ++k) {
      engine::SymbolSpec spec;
      w_.symbols.push_back(spec);
      (void)shadow_->add_symbol(spec);
      SymbolState s;
      if (n == 1) {
        s.base = static_cast<double>(p.base_mid);
      } else {
        // Log-uniform between base_mid/10 and base_mid.
        s.base = std::round(static_cast<double>(p.base_mid) * std::pow(10.0, -rng_.uniform()));
        s.phase = rng_.uniform();
      }
      // Multi: a symbol's walk steps on its own messages only; scale the step
      // so that its mid wanders as much per session as a single symbol's does.
      const double share = (k == 0 ? zipf_cdf_[0] : zipf_cdf_[k] - zipf_cdf_[k - 1]);
      s.sigma = p.noise / std::sqrt(share);
      s.distance_max = std::min<int64_t>(p.distance_max, static_cast<int64_t>(s.base / 4));
      s.mid = static_cast<int64_t>(s.base);
      syms_.push_back(s);
    }
    w_.stats.mid_min = w_.stats.mid_max = w_.stats.mid_base = syms_[0].mid;
  }

  Workload run() {
    for (step_ = 0; step_ < total_; ++step_) {
      if (!due_action()) new_order();
      w_.stats.peak_resting = std::max<uint64_t>(w_.stats.peak_resting, shadow_->resting_orders());
    }
    w_.ids_used = next_id_ - 1;
    w_.stats.final_resting = shadow_->resting_orders();
    w_.stats.events = sink_.events;
    w_.stats.trades = sink_.trades;
    return std::move(w_);
  }

 private:
  void push(Command c) {
    execute(*shadow_, c);
    w_.commands.push_back(c);
  }

  bool resting(uint64_t id) const { return is_resting(*shadow_, OrderId(id)); }

  void schedule(uint64_t delay, uint64_t order, ActionKind kind) {
    actions_.push(Action{step_ + 1 + delay, tie_++, order, kind});
  }

  /// Emits the first due action that still applies; false if none did.
  bool due_action() {
    while (!actions_.empty() && actions_.top().time <= step_) {
      Action a = actions_.top();
      actions_.pop();
      switch (a.kind) {
        case ActionKind::cancel:
          if (!resting(a.order)) continue;  // filled meanwhile: a real client would not cancel
          push(CancelOrder{OrderId(a.order)});
          ++w_.stats.cancels;
          // Of all cancels, `duplicate_cancel` are second copies of one already done.
          if (rng_.chance(p_.duplicate_cancel / (1.0 - p_.duplicate_cancel))) {
            schedule(static_cast<uint64_t>(rng_.exponential(20.0)), a.order, ActionKind::duplicate_cancel);
          }
          return true;
        case ActionKind::duplicate_cancel:
          push(CancelOrder{OrderId(a.order)});
          ++w_.stats.duplicate_cancels;
          return true;
        case ActionKind::modify: {
          if (!resting(a.order)) continue;
          OrderRec& r = recs_[a.order - 1];
          ModifyOrder m;
          m.id = OrderId(a.order);
          m.has_qty = true;
          r.qty += 100 * (1 + static_cast<int64_t>(rng_.uniform() * 3.0));
          m.qty = Qty(r.qty);
          if (rng_.chance(p_.reprice_share)) {
            r.price = std::max<int64_t>(1, r.price + (rng_.chance(0.5) ? 1 : -1));
            m.price = Price(r.price);
            m.price_status = PriceStatus::ok;
            ++w_.stats.reprices;
          }
          push(m);
          ++w_.stats.modifies;
          return true;
        }
      }
    }
    return false;
  }

  uint32_t pick_symbol() {
    if (zipf_cdf_.size() == 1) return 0;
    double u = rng_.uniform();
    auto it = std::lower_bound(zipf_cdf_.begin(), zipf_cdf_.end(), u);
    return static_cast<uint32_t>(
        std::min<ptrdiff_t>(it - zipf_cdf_.begin(), static_cast<ptrdiff_t>(zipf_cdf_.size()) - 1));
  }

  /// Advances symbol `k`'s mid to the current step and returns it.
  int64_t advance_mid(uint32_t k) {
    SymbolState& s = syms_[k];
    const double t = static_cast<double>(step_) / p_.session;
    if (s.sigma > 0) s.walk += s.sigma * rng_.normal();
    const double v = s.base * (1.0 + profile(p_.regime, p_.swing, t, s.phase)) + s.walk;
    s.mid = std::max<int64_t>(s.distance_max + 2, std::llround(v));
    if (k == 0) {
      w_.stats.mid_min = std::min(w_.stats.mid_min, s.mid);
      w_.stats.mid_max = std::max(w_.stats.mid_max, s.mid);
    }
    return s.mid;
  }

  void new_order() {
    const uint32_t k = pick_symbol();
    const int64_t mid = advance_mid(k);
    const uint64_t id = next_id_++;
    NewOrder o;
    o.id = OrderId(id);
    o.symbol = SymbolId(k);
    o.side = rng_.chance(0.5) ? Side::buy : Side::sell;
    o.account = AccountId(1 + static_cast<uint32_t>(rng_.uniform() * p_.accounts));
    o.price_status = PriceStatus::ok;
    const int64_t sign = o.side == Side::buy ? 1 : -1;
    recs_.push_back({});
    if (rng_.chance(p_.ioc_share)) {
      // Marketable: crosses the mid by a few ticks and takes what is there.
      // Mostly the touch; now and then a sweep of several levels.
      const int64_t reach = 1 + std::min<int64_t>(static_cast<int64_t>(rng_.lomax(2.0, 0.5)), 20);
      o.tif = TimeInForce::ioc;
      o.price = Price(std::max<int64_t>(1, mid + sign * reach));
      o.qty = Qty(100 * (1 + std::min<int64_t>(static_cast<int64_t>(rng_.lomax(2.0, 0.5)), 49)));
      push(o);
      ++w_.stats.new_ioc;
      return;
    }
    const int64_t d = std::min<int64_t>(static_cast<int64_t>(rng_.lomax(p_.distance_alpha, p_.distance_scale)),
                                        syms_[k].distance_max);
    o.tif = rng_.chance(p_.day_share) ? TimeInForce::day : TimeInForce::gtc;
    o.price = Price(std::max<int64_t>(1, mid - sign * (1 + d)));
    o.qty = Qty(100 * (1 + std::min<int64_t>(static_cast<int64_t>(rng_.lomax(1.5, 2.0)), 49)));
    recs_.back() = OrderRec{o.price.value(), o.qty.value()};
    push(o);
    ++w_.stats.new_passive;
    if (!resting(id)) return;  // filled in full on arrival
    ++w_.stats.rested;
    const bool cancel = rng_.chance(p_.cancel_share);
    const uint64_t life = static_cast<uint64_t>(rng_.exponential(p_.lifetime_mean));
    if (cancel) schedule(life, id, ActionKind::cancel);
    if (rng_.chance(p_.modify_share)) {
      schedule(static_cast<uint64_t>(static_cast<double>(life) * (0.05 + 0.9 * rng_.uniform())), id,
               ActionKind::modify);
    }
  }

  WorkloadParams p_;
  Rng rng_;
  Workload w_;
  size_t total_ = 0;
  uint64_t step_ = 0;
  uint64_t next_id_ = 1;
  uint64_t tie_ = 0;
  CountingSink sink_;
  std::unique_ptr<engine::Engine<CountingSink>> shadow_;
  std::vector<double> zipf_cdf_;
  std::vector<SymbolState> syms_;
  std::vector<OrderRec> recs_;
  std::priority_queue<Action, std::vector<Action>, std::greater<>> actions_;
};

}  // namespace

std::string_view to_string(Regime r) {
  switch (r) {
    case Regime::static_book: return "static";
    case Regime::normal: return "normal";
    case Regime::volatile_: return "volatile";
    case Regime::crash: return "crash";
    case Regime::multi: return "multi";
  }
  return "?";
}

std::optional<Regime> parse_regime(std::string_view name) {
  for (Regime r : kAllRegimes) {
    if (to_string(r) == name) return r;
  }
  return std::nullopt;
}

WorkloadParams regime_params(Regime r) {
  WorkloadParams p;
  p.regime = r;
  switch (r) {
    case Regime::static_book:
      p.swing = 0.0;
      p.noise = 0.0;
      p.lifetime_mean = 100'000;  // ~45,000 resting orders in steady state
      break;
    case Regime::normal: break;
    case Regime::volatile_:
      p.base_mid = 100'000;  // 25,000 ticks of swing
      p.swing = 0.25;
      p.noise = 0.1;
      break;
    case Regime::crash:
      p.base_mid = 100'000;  // 60,000 ticks down and back
      p.swing = 0.60;
      p.noise = 0.1;
      break;
    case Regime::multi:
      p.symbols = 100;
      p.lifetime_mean = 20'000;
      break;
  }
  return p;
}

namespace {

// Templates, so that the branch for a member the engine does not have is
// discarded rather than compiled.
template <class Config>
void set_id_lifetime_capacity(Config& c, uint64_t ids_ever) {
  if constexpr (requires { c.max_order_ids; }) {
    using T = decltype(c.max_order_ids);
    constexpr uint64_t kMax = UINT32_MAX / 4;  // the old table's bound (2 x ids, power of two, 32-bit slots)
    c.max_order_ids = static_cast<T>(std::min<uint64_t>(std::max<uint64_t>(c.max_order_ids, ids_ever), kMax));
  }
}

}  // namespace

engine::EngineConfig make_engine_config(uint32_t max_orders, uint64_t ids_ever, uint32_t max_symbols, bool prefault) {
  engine::EngineConfig cfg;
  cfg.max_orders = max_orders;
  cfg.max_symbols = std::max<uint32_t>(cfg.max_symbols, max_symbols);
  cfg.prefault = prefault;
  set_id_lifetime_capacity(cfg, ids_ever);
  return cfg;
}

engine::EngineConfig Workload::engine_config() const {
  // As a latency-sensitive deployment would: sized for the live orders it
  // expects (twice the peak), tables pre-faulted, no page faults while matching.
  const auto max_orders = static_cast<uint32_t>(std::max<uint64_t>(4096, 2 * stats.peak_resting));
  return make_engine_config(max_orders, ids_used + 1, static_cast<uint32_t>(symbols.size()), true);
}

std::string_view to_string(IdPattern p) {
  switch (p) {
    case IdPattern::sequential: return "sequential";
    case IdPattern::random64: return "random64";
    case IdPattern::sessions16: return "s<<32|seq, 16 sessions";
    case IdPattern::sessions1024: return "s<<32|seq, 1024 sessions";
    case IdPattern::shift40: return "s<<40|seq, 16 sessions";
  }
  return "?";
}

std::vector<uint64_t> make_ids(IdPattern p, uint64_t count, uint64_t seed) {
  std::vector<uint64_t> ids;
  ids.reserve(count);
  Rng rng(seed ^ 0x1D5u);
  switch (p) {
    case IdPattern::sequential:
      for (uint64_t k = 1; k <= count; ++k) ids.push_back(k);
      break;
    case IdPattern::random64: {
      // A bijection of k (odd multiplier, xor-shifts: the splitmix64
      // finaliser) of a random offset: random-looking and distinct by construction.
      const uint64_t offset = rng.next();
      for (uint64_t k = 1; k <= count; ++k) {
        uint64_t z = k + offset;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        ids.push_back(z == 0 ? ~uint64_t{0} : z);  // at most one k maps to 0; ~0 is then unused
      }
      break;
    }
    case IdPattern::sessions16:
    case IdPattern::sessions1024:
    case IdPattern::shift40: {
      const uint32_t sessions = p == IdPattern::sessions1024 ? 1024 : 16;
      const int shift = p == IdPattern::shift40 ? 40 : 32;
      std::vector<uint64_t> seq(sessions, 0);
      for (uint64_t k = 0; k < count; ++k) {
        const uint64_t s = rng.below(sessions);  // uniform session, as gateways interleave
        ids.push_back(((s + 1) << shift) | ++seq[s]);
      }
      break;
    }
  }
  return ids;
}

void assign_ids(Workload& w, std::span<const uint64_t> ids) {
  auto map = [&](OrderId id) { return OrderId(ids[id.value() - 1]); };
  for (Command& c : w.commands) {
    std::visit([&](auto& x) { x.id = map(x.id); }, c);
  }
}

Workload generate(const WorkloadParams& params, uint64_t seed, size_t measured) {
  return Generator(params, seed, measured).run();
}

}  // namespace rialto::bench
