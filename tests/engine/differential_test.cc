// The engine against the reference model (tests/model/), fed the same random
// command sequences: after every command the two event streams must be equal
// event for event (every field), the two L3 books equal, and the engine's book
// must hold the invariants of invariants.h. Each sequence runs under one of
// the two id rules — the engine's own (duplicate_id = a resting id) or the
// scenario format's (the engine behind script::LifetimeIds) — with ids drawn
// from one pattern (sequential, `session << 32 | seq` over 16 or 1,024
// sessions, `session << 40 | seq`, random 64-bit, or ids built to collide in
// the engine's id index), and quantities either small or near the largest
// the configuration allows. Also: hand-checked cases of the model itself,
// the `capacity` rule on a tiny engine, and determinism across id keys.
//
// Sequences per run: kDefaultCases short ones (10,000 in release builds), a
// tenth of that for determinism, a hundredth each of long and deep-book ones;
// RIALTO_DIFF_CASES changes the base number, RC_PARAMS="max_success=N" sets
// every property to N. A failure prints the resolved commands, both event
// streams of the failing command side by side, and an RC_PARAMS reproduce
// string.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/engine/id_attack.h"
#include "invariants.h"
#include "model/reference_model.h"
#include "rialto/engine/engine.h"
#include "rialto/script/lifetime_ids.h"

namespace rialto::test {
namespace {

using model::ReferenceModel;
using TestEngine = engine::Engine<EventCollector>;

// ---- The configuration under test ------------------------------------------

// Three symbols with different lots and max_qty; prices live in
// kPriceTicks ticks from kLowPrice, so that orders cross often; buys are drawn
// kBuyLean ticks higher than sells so that they cross more often still.
constexpr std::array<model::SymbolSpec, 3> kSpecs{{{Qty{1}, Qty{50}}, {Qty{10}, Qty{1000}}, {Qty{5}, Qty{40}}}};
constexpr size_t kSymbols = kSpecs.size();
constexpr int64_t kLowPrice = 1000;
constexpr int kPriceTicks = 10;
constexpr int64_t kBuyLean = 2;

/// What a property's sequences look like.
struct Profile {
  int max_commands = 100;
  int price_ticks = kPriceTicks;
  int64_t buy_lean = kBuyLean;
  int new_below = 62;    // kind die: new below this, then modify,
  int cancel_from = 82;  // cancel from this,
  int expire_from = 98;  // expire from this
  bool large_qty = false;  // quantities near max_qty, which is near INT64_MAX / max_orders
};
constexpr Profile kShort{};
constexpr Profile kLong{.max_commands = 1000};
// Buys drawn below sells over a wide range, few cancels, no expire: books
// grow deep (more levels on a side than the engine reserved).
constexpr Profile kDeep{
    .max_commands = 1000, .price_ticks = 150, .buy_lean = -140, .new_below = 88, .cancel_from = 97, .expire_from = 100};
// Every quantity near the limit check_symbol() allows: level totals and FOK
// walks near INT64_MAX (UBSan in the sanitize build catches any overflow).
constexpr Profile kLargeQty{.large_qty = true};
constexpr int kAccounts = 4;  // 0 = anonymous; a fifth face of the die is the largest account id

/// How fresh order ids are minted in one sequence.
enum class IdPattern : uint8_t { sequential, session32_16, session32_1024, session40, random64, colliding };

std::string_view to_string(IdPattern p) {
  switch (p) {
    case IdPattern::sequential: return "sequential";
    case IdPattern::session32_16: return "session<<32|seq (16)";
    case IdPattern::session32_1024: return "session<<32|seq (1024)";
    case IdPattern::session40: return "session<<40|seq";
    case IdPattern::random64: return "random64";
    case IdPattern::colliding: return "colliding";
  }
  return "?";
}

struct Limits {
  uint32_t max_orders = 0;
  uint32_t max_order_ids = 0;  // model::IdRule::lifetime only: LifetimeIds' capacity
  uint32_t levels_reserved = 0;
  model::IdRule rule = model::IdRule::resting;
  IdPattern ids = IdPattern::sequential;
};

void showValue(const Limits& l, std::ostream& os) {
  os << "{max_orders " << l.max_orders << " levels_reserved_per_side " << l.levels_reserved << " rule "
     << (l.rule == model::IdRule::lifetime ? "lifetime max_order_ids " + std::to_string(l.max_order_ids) : "resting")
     << " ids " << to_string(l.ids) << "}";
}

engine::EngineConfig engine_config(const Limits& l) {
  engine::EngineConfig c;
  c.max_orders = l.max_orders;
  c.max_symbols = 8;
  c.levels_reserved_per_side = l.levels_reserved;
  return c;
}

/// Ids whose home slot in the engine's id index (default key, as configured
/// by engine_config) is one of its first four slots: every order of such a
/// sequence rests in one long probe run. Found by brute force, once per size.
const std::vector<uint64_t>& colliding_ids(uint32_t max_orders) {
  static std::map<uint32_t, std::vector<uint64_t>> cache;
  std::vector<uint64_t>& ids = cache[max_orders];
  if (ids.empty()) {
    ids = bench::colliding_ids(1200, engine::detail::IdIndex::slots_for(max_orders), 0, 4, engine::kDefaultIdKey);
  }
  return ids;
}

// ---- Random commands -------------------------------------------------------

/// One command as independent dice; resolve() turns it into an engine command
/// against the current state (so that cancels and modifies mostly hit resting
/// orders). Every field shrinks towards 0, the most ordinary choice.
struct RawCmd {
  int kind = 0;       // 0..99: new, modify, cancel, expire (bounds in Profile)
  int who = 0;        // 0..99: fresh / earlier / random id; for cancel/modify: resting / earlier / random
  int pick = 0;       // 0..999: which earlier id, which resting order, which random id
  int sym = 0;        // 0..99
  int side = 0;       // 0..1
  int type = 0;       // 0..99
  int tif = 0;        // 0..99
  int stp = 0;        // 0..99
  int post_only = 0;  // 0..99: the last faces set post_only
  int account = 0;    // 0..kAccounts
  int qty_kind = 0;   // 0..99: valid, zero, negative, above max, off lot, max
  int qty_mult = 1;   // 1..12 lots
  int px_kind = 0;    // 0..99: price status
  int px = 0;         // 0..price ticks-1 (kPriceTicks, or wider for long sequences)
  int far = 0;        // 0..99: the last faces pick a price far from the others
  int mod_qty = 0;    // 0..99: modify: keep, lower, higher, any, invalid
  int mod_px = 0;     // 0..99: modify: keep, same, any, invalid statuses
};

// How rapidcheck prints a counterexample's values; the failure message lists
// the resolved commands, which is what a reader needs.
void showValue(const RawCmd& r, std::ostream& os) {
  os << "{kind " << r.kind << " who " << r.who << " pick " << r.pick << " sym " << r.sym << " side " << r.side
     << " type " << r.type << " tif " << r.tif << " stp " << r.stp << " post_only " << r.post_only << " acct "
     << r.account << " qty " << r.qty_kind << "x" << r.qty_mult << " px " << r.px_kind << "/" << r.px << "/" << r.far
     << " mod " << r.mod_qty << "/" << r.mod_px << "}";
}

/// A die with faces lo..hi-1, all equally likely whatever the case's size;
/// shrinks towards lo.
rc::Gen<int> die(int lo, int hi) { return rc::gen::resize(100, rc::gen::inRange(lo, hi)); }

rc::Gen<RawCmd> gen_raw_cmd(int price_ticks) {
  using rc::gen::set;
  return rc::gen::build<RawCmd>(
      set(&RawCmd::kind, die(0, 100)), set(&RawCmd::who, die(0, 100)), set(&RawCmd::pick, die(0, 1000)),
      set(&RawCmd::sym, die(0, 100)), set(&RawCmd::side, die(0, 2)), set(&RawCmd::type, die(0, 100)),
      set(&RawCmd::tif, die(0, 100)), set(&RawCmd::stp, die(0, 100)), set(&RawCmd::post_only, die(0, 100)),
      set(&RawCmd::account, die(0, kAccounts + 1)), set(&RawCmd::qty_kind, die(0, 100)),
      set(&RawCmd::qty_mult, die(1, 13)), set(&RawCmd::px_kind, die(0, 100)), set(&RawCmd::px, die(0, price_ticks)),
      set(&RawCmd::mod_qty, die(0, 100)), set(&RawCmd::mod_px, die(0, 100)), set(&RawCmd::far, die(0, 100)));
}

/// 0 to max_commands commands, uniformly; shrinking removes commands and
/// lowers dice.
rc::Gen<std::vector<RawCmd>> gen_sequence(const Profile& p) {
  return rc::gen::resize(p.max_commands, rc::gen::container<std::vector<RawCmd>>(gen_raw_cmd(p.price_ticks)));
}

rc::Gen<Limits> gen_limits() {
  using rc::gen::weightedElement;
  return rc::gen::build<Limits>(
      rc::gen::set(&Limits::max_orders, weightedElement<uint32_t>({{8, 4096}, {1, 12}, {1, 3}})),
      rc::gen::set(&Limits::max_order_ids, weightedElement<uint32_t>({{8, 4096}, {1, 40}, {1, 12}})),
      rc::gen::set(&Limits::levels_reserved, rc::gen::element<uint32_t>(64, 4, 1)),
      rc::gen::set(&Limits::rule, rc::gen::element(model::IdRule::resting, model::IdRule::lifetime)),
      rc::gen::set(&Limits::ids, rc::gen::element(IdPattern::sequential, IdPattern::session32_16,
                                                  IdPattern::session32_1024, IdPattern::session40,
                                                  IdPattern::random64, IdPattern::colliding)));
}

/// The symbols of a sequence: kSpecs, or for the large-quantity profile lots
/// and max_qty scaled to the largest max_qty that `max_orders` allows.
std::vector<model::SymbolSpec> specs_for(const Profile& p, uint32_t max_orders) {
  if (!p.large_qty) return {kSpecs.begin(), kSpecs.end()};
  const int64_t limit = engine::Engine<EventCollector>::max_qty_limit(max_orders);
  const int64_t big_lot = limit / 4;
  return {{Qty{1}, Qty{limit}}, {Qty{7}, Qty{limit / 7 * 7}}, {Qty{big_lot}, Qty{big_lot * 4}}};
}

/// Quantity of one kind for a symbol (qty_kind as in RawCmd); `large`: the
/// valid ones are max_qty less a few lots.
Qty make_qty(const model::SymbolSpec& spec, int kind, int mult, bool large) {
  const int64_t lot = spec.lot.value();
  if (kind < 94) return large ? Qty{std::max(lot, spec.max_qty.value() - lot * (mult - 1))} : Qty{lot * mult};
  if (kind < 95) return Qty{0};
  if (kind < 96) return Qty{-lot * mult};
  if (kind < 97) return Qty{spec.max_qty.value() + lot};
  if (kind < 98) return Qty{lot * mult + (lot > 1 ? 1 : 0)};
  return spec.max_qty;
}

/// Feeds one command to an engine or to the model (same method names).
template <class Target>
void apply_to(Target& t, const Command& cmd) {
  if (const auto* n = std::get_if<NewOrder>(&cmd)) {
    t.submit(*n);
  } else if (const auto* c = std::get_if<CancelOrder>(&cmd)) {
    t.cancel(*c);
  } else if (const auto* m = std::get_if<ModifyOrder>(&cmd)) {
    t.modify(*m);
  } else {
    t.expire();
  }
}

// ---- Engine and model side by side -----------------------------------------

/// Counts of what the sequences exercised, printed once per property.
struct Coverage {
  std::map<std::string, uint64_t> counts;
  size_t max_levels = 0;  // most levels seen on one side
  void add(const Event& e) {
    std::string key(to_string(e.type));
    if (e.type == EventType::rejected) key += " " + std::string(to_string(e.reject));
    if (e.type == EventType::cancelled) key += " " + std::string(to_string(e.cancel));
    ++counts[key];
  }
  void print(std::ostream& os) const {
    os << "[ coverage ]";
    for (const auto& [k, n] : counts) os << " " << k << "=" << n;
    os << " max_levels_per_side=" << max_levels;
    os << "\n";
  }
};

class Differential {
 public:
  explicit Differential(const Limits& limits, const Profile& profile = kShort)
      : profile_(profile),
        limits_(limits),
        specs_(specs_for(profile, limits.max_orders)),
        engine_(engine_config(limits), sink_),
        model_(model::Limits{.max_orders = limits.max_orders, .ids = limits.rule, .max_order_ids = limits.max_order_ids}),
        lifetime_(limits.max_order_ids) {
    for (const auto& spec : specs_) {
      const SymbolId a = engine_.add_symbol(engine::SymbolSpec{spec.lot, spec.max_qty});
      const SymbolId b = model_.add_symbol(spec);
      RC_ASSERT(a == b);
      RC_ASSERT(a != kNoSymbol);
    }
  }

  /// Resolves, applies to both, checks; returns "" or a readable report.
  std::string step(const RawCmd& raw, Coverage* coverage = nullptr) {
    const Command cmd = resolve(raw);
    commands_.push_back(cmd);
    ledger_.begin(resting_open(engine_));
    sink_.events.clear();
    model_.clear_events();
    if (limits_.rule == model::IdRule::lifetime && std::holds_alternative<NewOrder>(cmd)) {
      lifetime_.submit(engine_, std::get<NewOrder>(cmd));
    } else {
      apply_to(engine_, cmd);
    }
    apply_to(model_, cmd);
    stream_.insert(stream_.end(), sink_.events.begin(), sink_.events.end());
    if (coverage != nullptr) {
      for (const Event& e : sink_.events) coverage->add(e);
    }

    std::ostringstream err;
    if (sink_.events != model_.events()) {
      err << "events differ (engine vs model):\n" << side_by_side(sink_.events, model_.events());
    }
    for (uint32_t s = 0; s < kSymbols; ++s) {
      for (Side side : {Side::buy, Side::sell}) {
        const auto el = engine_levels(engine_, SymbolId{s}, side);
        const auto eo = engine_orders(engine_, SymbolId{s}, side);
        const auto ml = model_.levels(SymbolId{s}, side);
        const auto mo = model_.orders(SymbolId{s}, side);
        if (coverage != nullptr) coverage->max_levels = std::max(coverage->max_levels, el.size());
        if (el != ml || eo != mo) {
          err << "book sym=" << s << " side=" << to_string(side) << " differs:\n  engine:" << describe_book(el, eo)
              << "\n  model: " << describe_book(ml, mo) << "\n";
        }
      }
    }
    if (engine_.resting_orders() != model_.resting_orders()) {
      err << "resting_orders: engine " << engine_.resting_orders() << " model " << model_.resting_orders() << "\n";
    }
    if (engine_.last_seq() != SeqNo{commands_.size()}) {
      err << "last_seq " << engine_.last_seq().value() << " after " << commands_.size() << " commands\n";
    }
    for (const Event& e : sink_.events) {
      if (e.seq != SeqNo{commands_.size()}) err << "event with seq " << e.seq.value() << ": " << describe(e) << "\n";
    }
    err << check_book_invariants(engine_);
    const Qty new_qty = std::holds_alternative<NewOrder>(cmd) ? std::get<NewOrder>(cmd).qty : Qty{};
    for (const Event& e : sink_.events) ledger_.on_event(e, new_qty);
    err << ledger_.check(resting_open(engine_));

    if (err.str().empty()) return {};
    std::ostringstream report;
    report << "\nafter command " << commands_.size() << " of this sequence:\n";
    for (size_t i = 0; i < commands_.size(); ++i) report << "  " << i + 1 << ": " << describe(commands_[i]) << "\n";
    report << err.str();
    return report.str();
  }

  [[nodiscard]] const std::vector<Command>& commands() const { return commands_; }
  [[nodiscard]] const std::vector<Event>& stream() const { return stream_; }

 private:
  struct Resting {
    SymbolId symbol;
    model::OrderSnapshot order;
  };

  std::vector<Resting> resting() const {
    std::vector<Resting> out;
    for (uint32_t s = 0; s < kSymbols; ++s) {
      for (Side side : {Side::buy, Side::sell}) {
        for (const auto& o : model_.orders(SymbolId{s}, side)) out.push_back({SymbolId{s}, o});
      }
    }
    return out;
  }

  /// A small id, often one in use; sometimes 0 or near the top of uint64.
  static OrderId random_id(int pick) {
    if (pick % 97 == 0) return OrderId{0};
    if (pick % 13 == 0) return OrderId{UINT64_MAX - static_cast<uint64_t>(pick)};
    return OrderId{static_cast<uint64_t>(pick) + 1};
  }

  /// The price a die roll names: in the narrow range, or rarely at an extreme
  /// (1 tick, the largest int64, far above the range, or a tick count <= 0
  /// marked ok, which an edge sending raw ticks could produce).
  static Price price_of(const RawCmd& r, int64_t lean) {
    if (r.far < 97) return Price{kLowPrice + r.px + lean};
    constexpr std::array<int64_t, 6> kFar{1, INT64_MAX, INT64_MAX - 1, 1'000'000'000'000, 0, -7};
    return Price{kFar[static_cast<size_t>(r.px) % kFar.size()]};
  }

  Command resolve(const RawCmd& r) {
    if (r.kind < profile_.new_below) return resolve_new(r);
    if (r.kind >= profile_.expire_from) return Expire{};

    // Cancel or modify: mostly a resting order, sometimes any earlier id or a random one.
    const std::vector<Resting> rest = resting();
    OrderId id = random_id(r.pick);
    const Resting* target = nullptr;
    if (r.who < 70 && !rest.empty()) {
      target = &rest[static_cast<size_t>(r.pick) % rest.size()];
      id = target->order.id;
    } else if (r.who < 85 && !used_.empty()) {
      id = used_[static_cast<size_t>(r.pick) % used_.size()];
    }
    if (r.kind >= profile_.cancel_from) return CancelOrder{id};

    const model::SymbolSpec& spec = target != nullptr ? specs_[target->symbol.value()] : specs_[0];
    const int64_t lot = spec.lot.value();
    const Qty open = target != nullptr ? target->order.open : Qty{lot * r.qty_mult};
    const Price price = target != nullptr ? target->order.price : price_of(r, 0);
    ModifyOrder m;
    m.id = id;
    if (r.mod_qty < 40) {
      m.has_qty = false;
    } else if (r.mod_qty < 60) {
      const Qty lower = open - Qty{lot * (1 + r.qty_mult % 3)};
      m.has_qty = true;
      m.qty = lower >= Qty{lot} ? lower : open;
    } else if (r.mod_qty < 75) {
      m.has_qty = true;
      m.qty = open + Qty{lot * (profile_.large_qty ? 1 + r.qty_mult % 2 : r.qty_mult)};  // no test overflow
    } else if (r.mod_qty < 92) {
      m.has_qty = true;
      m.qty = Qty{lot * r.qty_mult};
    } else {
      m.has_qty = true;
      m.qty = make_qty(spec, 94 + r.qty_kind % 6, r.qty_mult, profile_.large_qty);
    }
    m.price = price_of(r, 0);
    if (r.mod_px < 40) {
      m.price_status = PriceStatus::absent;
      m.price = Price{};
    } else if (r.mod_px < 60) {
      m.price_status = PriceStatus::ok;
      m.price = price;
    } else if (r.mod_px < 92) {
      m.price_status = PriceStatus::ok;
    } else if (r.mod_px < 95) {
      m.price_status = PriceStatus::non_positive;
    } else if (r.mod_px < 97) {
      m.price_status = PriceStatus::out_of_range;
    } else {
      m.price_status = PriceStatus::off_tick;
    }
    return m;
  }

  Command resolve_new(const RawCmd& r) {
    NewOrder n;
    if (r.who < 85) {
      do {
        n.id = fresh_id(r.pick);
      } while (used_set_.contains(n.id));
    } else if (r.who < 95 && !used_.empty()) {
      n.id = used_[static_cast<size_t>(r.pick) % used_.size()];
    } else {
      n.id = random_id(r.pick);
    }
    if (used_set_.insert(n.id).second) used_.push_back(n.id);

    if (r.sym < 45) {
      n.symbol = SymbolId{0};
    } else if (r.sym < 75) {
      n.symbol = SymbolId{1};
    } else if (r.sym < 96) {
      n.symbol = SymbolId{2};
    } else if (r.sym < 98) {
      n.symbol = SymbolId{static_cast<uint32_t>(kSymbols)};  // never defined
    } else {
      n.symbol = kNoSymbol;
    }
    const model::SymbolSpec& spec = n.symbol.value() < kSymbols ? specs_[n.symbol.value()] : specs_[0];
    n.side = r.side == 0 ? Side::buy : Side::sell;
    n.type = r.type < 85 ? OrderType::limit : OrderType::market;
    // Market orders mostly come ioc/fok and without a price, limit orders
    // mostly with one.
    const int t = n.type == OrderType::market ? (r.tif < 90 ? 65 + r.tif * 35 / 90 : (r.tif - 90) * 6) : r.tif;
    n.tif = t < 40 ? TimeInForce::gtc : t < 65 ? TimeInForce::day : t < 85 ? TimeInForce::ioc : TimeInForce::fok;
    n.stp = r.stp < 40   ? StpMode::none
            : r.stp < 60 ? StpMode::cancel_taker
            : r.stp < 80 ? StpMode::cancel_maker
                         : StpMode::cancel_both;
    n.post_only = r.post_only >= 92;
    n.account = r.account == kAccounts ? AccountId{UINT32_MAX} : AccountId{static_cast<uint32_t>(r.account)};
    n.qty = make_qty(spec, r.qty_kind, r.qty_mult, profile_.large_qty);

    // The ticks of a non-ok status are meaningless; they hold a plausible
    // price so that an engine that read them would show.
    n.price = price_of(r, n.side == Side::buy ? profile_.buy_lean : 0);
    int k = r.px_kind;
    if (n.type == OrderType::market) k = k < 95 ? 100 : k - 95 + 94;  // 100: absent
    if (k < 95) {
      n.price_status = PriceStatus::ok;
    } else if (k < 96 || k == 100) {
      n.price_status = PriceStatus::absent;
    } else if (k < 97) {
      n.price_status = PriceStatus::non_positive;
    } else if (k < 98) {
      n.price_status = PriceStatus::out_of_range;
    } else {
      n.price_status = PriceStatus::off_tick;
    }
    if (n.price_status == PriceStatus::absent) n.price = Price{};
    return n;
  }

  /// The next id of the sequence's pattern; `pick` chooses the session.
  OrderId fresh_id(int pick) {
    const auto session = [&](uint64_t sessions) { return 1 + static_cast<uint64_t>(pick) % sessions; };
    switch (limits_.ids) {
      case IdPattern::sequential:
        return OrderId{next_fresh_++};
      case IdPattern::session32_16:
      case IdPattern::session32_1024: {
        const uint64_t s = session(limits_.ids == IdPattern::session32_16 ? 16 : 1024);
        return OrderId{s << 32 | ++session_seq_[s]};
      }
      case IdPattern::session40: {
        const uint64_t s = session(16);
        return OrderId{s << 40 | ++session_seq_[s]};
      }
      case IdPattern::random64: {
        uint64_t z = (next_fresh_++) * 0x9E3779B97F4A7C15ULL;  // splitmix64 of a counter
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return OrderId{z ^ (z >> 31)};
      }
      case IdPattern::colliding: {
        const std::vector<uint64_t>& ids = colliding_ids(limits_.max_orders);
        return OrderId{ids[next_fresh_++ % ids.size()]};
      }
    }
    return OrderId{next_fresh_++};
  }

  Profile profile_;
  Limits limits_;
  std::vector<model::SymbolSpec> specs_;
  EventCollector sink_;
  TestEngine engine_;
  ReferenceModel model_;
  script::LifetimeIds lifetime_;
  QtyLedger ledger_;
  std::vector<Command> commands_;
  std::vector<Event> stream_;
  std::vector<OrderId> used_;
  std::set<OrderId> used_set_;
  uint64_t next_fresh_ = 1;
  std::map<uint64_t, uint64_t> session_seq_;
};

// ---- Running a property a given number of times ----------------------------

// ASan+UBSan runs about eight times slower: half the sequences there keep the
// test near 30 s; the release build runs the full number.
#ifdef RIALTO_SANITIZED
constexpr int kDefaultCases = 5'000;
#else
constexpr int kDefaultCases = 10'000;
#endif

/// Sequences for a property that runs 1/`share` of the base number: RC_PARAMS
/// max_success if given (for every property alike), else RIALTO_DIFF_CASES or
/// kDefaultCases, divided by `share`.
int configured_cases(int share) {
  if (const char* p = std::getenv("RC_PARAMS");
      p != nullptr && std::string(p).find("max_success") != std::string::npos) {
    return rc::detail::configuration().testParams.maxSuccess;
  }
  const char* n = std::getenv("RIALTO_DIFF_CASES");
  const int base = n != nullptr ? std::atoi(n) : kDefaultCases;
  return std::max(1, base / share);
}

/// Checks `property` `cases` times (see the file comment); fails the gtest on
/// a counterexample and prints how many sequences passed.
template <class Property>
void check_cases(const std::string& name, int cases, Property property) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = name;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = cases;
  const auto result = rc::detail::checkTestable(property, metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    std::cout << "[ " << name << " ] " << result.template get<rc::detail::SuccessResult>().numSuccess
              << " sequences passed\n";
    return;
  }
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  FAIL() << os.str();
}

// ---- The differential properties -------------------------------------------

/// Runs random sequences of up to `max_commands` through engine and model.
void check_differential(const std::string& name, int cases, const Profile& profile) {
  Coverage coverage;
  uint64_t commands = 0;
  check_cases(name, cases, [&] {
    const Limits limits = *gen_limits();
    const auto raws = *gen_sequence(profile);
    Differential d(limits, profile);
    for (const RawCmd& raw : raws) {
      const std::string err = d.step(raw, &coverage);
      if (!err.empty()) RC_FAIL(err);
    }
    commands += raws.size();
  });
  std::cout << "[ " << name << " ] " << commands << " commands run\n";
  coverage.print(std::cout);
}

TEST(EngineDifferential, shouldMatchReferenceModelEventForEventOnRandomSequences) {
  check_differential("differential", configured_cases(1), kShort);
}

// Fewer, longer sequences: recycled pool slots, a full id memory (lifetime rule), long probe runs.
TEST(EngineDifferential, shouldMatchReferenceModelOnLongSequences) {
  check_differential("long sequences", configured_cases(100), kLong);
}

TEST(EngineDifferential, shouldMatchReferenceModelOnDeepBooks) {
  check_differential("deep books", configured_cases(100), kDeep);
}

TEST(EngineDifferential, shouldMatchReferenceModelWithQuantitiesNearTheOverflowLimit) {
  check_differential("large quantities", configured_cases(4), kLargeQty);
}

// The id index's key and the ladder reservation change where things live in
// memory, never what happens: the same commands give the same events.
TEST(EngineDifferential, shouldGiveIdenticalEventsWhateverTheIdKeyAndReservation) {
  check_cases("determinism", configured_cases(10), [] {
    Limits limits = *gen_limits();
    limits.rule = model::IdRule::resting;
    const auto raws = *gen_sequence(kShort);
    Differential d(limits);
    for (const RawCmd& raw : raws) {
      const std::string err = d.step(raw);
      if (!err.empty()) RC_FAIL(err);
    }
    // The same commands into two fresh engines with other keys and reservations.
    std::array<EventCollector, 2> sinks;
    for (size_t k = 0; k < sinks.size(); ++k) {
      engine::EngineConfig config = engine_config(limits);
      config.id_key = engine::IdKey{0x1234 + k, 0x9876ULL << k};
      config.levels_reserved_per_side = static_cast<uint32_t>(k == 0 ? 1 : 1000);
      TestEngine e(config, sinks[k]);
      for (const auto& spec : kSpecs) e.add_symbol(engine::SymbolSpec{spec.lot, spec.max_qty});
      for (const Command& c : d.commands()) apply_to(e, c);
    }
    if (sinks[0].events != sinks[1].events) {
      RC_FAIL("two fresh engines:\n" + side_by_side(sinks[0].events, sinks[1].events));
    }
    if (sinks[0].events != d.stream()) {
      RC_FAIL("fresh engine vs first run:\n" + side_by_side(sinks[0].events, d.stream()));
    }
  });
}

/// Exports `from` and restores it into `to` (fresh, same configuration).
template <class A, class B>
bool restore_into(const A& from, B& to) {
  for (uint32_t s = 0; s < from.symbol_count(); ++s) {
    if (to.add_symbol(from.symbol_spec(SymbolId{s})) != SymbolId{s}) return false;
  }
  bool ok = true;
  for (uint32_t s = 0; s < from.symbol_count(); ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      from.for_each_order(SymbolId{s}, side, [&](const engine::OrderView& v) { ok = ok && to.restore_order(v); });
    }
  }
  from.for_each_day_order([&](OrderId id) { ok = ok && to.restore_day_order(id); });
  to.restore_counters(from.counters());
  return ok;
}

/// Every resting order of `e`, side by side in priority order.
template <class E>
std::vector<engine::OrderView> all_orders(const E& e) {
  std::vector<engine::OrderView> out;
  for (uint32_t s = 0; s < e.symbol_count(); ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      e.for_each_order(SymbolId{s}, side, [&](const engine::OrderView& v) { out.push_back(v); });
    }
  }
  return out;
}

bool same_order(const engine::OrderView& a, const engine::OrderView& b) {
  return a.id == b.id && a.symbol == b.symbol && a.side == b.side && a.price == b.price && a.open == b.open &&
         a.account == b.account && a.tif == b.tif && a.stp == b.stp && a.post_only == b.post_only &&
         a.tag == b.tag && a.filled == b.filled;
}

// A snapshot taken at any point (books in priority order, the day list, the
// counters, each order's tag and filled quantity) restores an engine that
// answers every later command exactly as the original does.
TEST(EngineSnapshot, shouldRestoreAnEngineThatGivesIdenticalEventsAfterAnyPoint) {
  check_cases("snapshot", configured_cases(5), [] {
    Limits limits = *gen_limits();
    limits.rule = model::IdRule::resting;
    const auto raws = *gen_sequence(kShort);
    Differential d(limits);
    for (const RawCmd& raw : raws) {
      const std::string err = d.step(raw);
      if (!err.empty()) RC_FAIL(err);
    }
    std::vector<Command> cmds = d.commands();
    for (size_t i = 0; i < cmds.size(); ++i) {
      if (auto* n = std::get_if<NewOrder>(&cmds[i])) n->tag = 7 * i + 3;
    }
    const size_t split = *rc::gen::inRange<size_t>(0, cmds.size() + 1);
    const engine::EngineConfig config = engine_config(limits);
    EventCollector a_sink;
    TestEngine a(config, a_sink);
    for (const auto& spec : kSpecs) a.add_symbol(engine::SymbolSpec{spec.lot, spec.max_qty});
    for (size_t i = 0; i < split; ++i) apply_to(a, cmds[i]);

    // Each resting order's filled quantity is the sum of its trades since it was accepted.
    std::map<uint64_t, int64_t> filled;
    for (const Event& e : a_sink.events) {
      if (e.type == EventType::accepted) filled[e.id.value()] = 0;
      if (e.type == EventType::trade) {
        filled[e.id.value()] += e.qty.value();
        filled[e.maker.value()] += e.qty.value();
      }
    }
    for (const engine::OrderView& v : all_orders(a)) {
      RC_ASSERT(v.filled.value() == filled[v.id.value()]);
      RC_ASSERT(v.tag % 7 == 3);
    }

    EventCollector b_sink;
    TestEngine b(config, b_sink);
    RC_ASSERT(restore_into(a, b));
    RC_ASSERT(b_sink.events.empty());
    const auto before = all_orders(a);
    const auto restored = all_orders(b);
    RC_ASSERT(before.size() == restored.size());
    for (size_t i = 0; i < before.size(); ++i) RC_ASSERT(same_order(before[i], restored[i]));

    const size_t from = a_sink.events.size();
    for (size_t i = split; i < cmds.size(); ++i) {
      apply_to(a, cmds[i]);
      apply_to(b, cmds[i]);
    }
    const std::vector<Event> tail(a_sink.events.begin() + static_cast<ptrdiff_t>(from), a_sink.events.end());
    if (tail != b_sink.events) RC_FAIL("original vs restored:\n" + side_by_side(tail, b_sink.events));
    const auto after_a = all_orders(a);
    const auto after_b = all_orders(b);
    RC_ASSERT(after_a.size() == after_b.size());
    for (size_t i = 0; i < after_a.size(); ++i) RC_ASSERT(same_order(after_a[i], after_b[i]));
  });
}

// restore_order refuses what could never have rested, and changes nothing then.
TEST(EngineSnapshot, shouldRefuseOrdersThatCouldNotRest) {
  EventCollector sink;
  TestEngine e(engine::EngineConfig{.max_orders = 2}, sink);
  e.add_symbol(engine::SymbolSpec{Qty{10}, Qty{100}});
  engine::OrderView v{OrderId{1}, SymbolId{0}, Side::buy, Price{5}, Qty{20}, AccountId{1},
                      TimeInForce::day, StpMode::none, false, 9, Qty{10}};
  EXPECT_FALSE(e.restore_order({v.id, SymbolId{1}, v.side, v.price, v.open, v.account, v.tif, v.stp, false, 0, {}}));
  EXPECT_FALSE(e.restore_order({v.id, v.symbol, v.side, Price{0}, v.open, v.account, v.tif, v.stp, false, 0, {}}));
  EXPECT_FALSE(e.restore_order({v.id, v.symbol, v.side, v.price, Qty{15}, v.account, v.tif, v.stp, false, 0, {}}));
  EXPECT_FALSE(e.restore_order({v.id, v.symbol, v.side, v.price, v.open, v.account, TimeInForce::ioc, v.stp, false, 0, {}}));
  EXPECT_EQ(e.resting_orders(), 0u);
  EXPECT_FALSE(e.restore_day_order(OrderId{1}));
  ASSERT_TRUE(e.restore_order(v));
  EXPECT_FALSE(e.restore_order(v));  // the id rests already
  ASSERT_TRUE(e.restore_order({OrderId{2}, v.symbol, v.side, v.price, v.open, v.account, TimeInForce::gtc, v.stp, false, 0, {}}));
  EXPECT_FALSE(e.restore_order({OrderId{3}, v.symbol, v.side, v.price, v.open, v.account, v.tif, v.stp, false, 0, {}}));  // full
  EXPECT_FALSE(e.restore_day_order(OrderId{2}));  // gtc
  EXPECT_TRUE(e.restore_day_order(OrderId{1}));
  EXPECT_FALSE(e.restore_day_order(OrderId{1}));  // already listed
  EXPECT_TRUE(sink.events.empty());
  const auto level = e.best(SymbolId{0}, Side::buy);
  ASSERT_TRUE(level.has_value());
  EXPECT_EQ(level->total, Qty{40});
  EXPECT_EQ(level->count, 2u);
  e.expire();
  ASSERT_EQ(sink.events.size(), 2u);  // the day order's cancel and its level's update
  EXPECT_EQ(sink.events[0].type, EventType::cancelled);
  EXPECT_EQ(sink.events[0].id, OrderId{1});
  EXPECT_EQ(sink.events[0].cancel, CancelReason::expired);
  EXPECT_EQ(sink.events[1].qty, Qty{20});
}

// ---- Hand-checked cases ----------------------------------------------------
// Each runs on the model and on the engine; the expected events were worked
// out by hand from docs/SEMANTICS.md.

Event accepted(uint64_t seq, uint64_t id, uint32_t sym, Side side) {
  return {.seq = SeqNo{seq}, .id = OrderId{id}, .symbol = SymbolId{sym}, .type = EventType::accepted, .side = side};
}
Event rejected(uint64_t seq, uint64_t id, SymbolId sym, RejectReason why) {
  return {.seq = SeqNo{seq}, .id = OrderId{id}, .symbol = sym, .type = EventType::rejected, .reject = why};
}
Event trade(uint64_t seq, uint64_t taker, uint64_t maker, uint32_t sym, Side side, int64_t px, int64_t qty) {
  return {.seq = SeqNo{seq},
          .id = OrderId{taker},
          .maker = OrderId{maker},
          .price = Price{px},
          .qty = Qty{qty},
          .symbol = SymbolId{sym},
          .type = EventType::trade,
          .side = side};
}
Event cancelled(uint64_t seq, uint64_t id, uint32_t sym, Side side, CancelReason why, int64_t qty) {
  return {.seq = SeqNo{seq},
          .id = OrderId{id},
          .qty = Qty{qty},
          .symbol = SymbolId{sym},
          .type = EventType::cancelled,
          .side = side,
          .cancel = why};
}
Event modified(uint64_t seq, uint64_t id, uint32_t sym, Side side, int64_t px, int64_t qty) {
  return {.seq = SeqNo{seq},
          .id = OrderId{id},
          .price = Price{px},
          .qty = Qty{qty},
          .symbol = SymbolId{sym},
          .type = EventType::modified,
          .side = side};
}
Event level(uint64_t seq, uint32_t sym, Side side, int64_t px, int64_t total, uint32_t count) {
  return {.seq = SeqNo{seq},
          .price = Price{px},
          .qty = Qty{total},
          .symbol = SymbolId{sym},
          .count = count,
          .type = EventType::book_update,
          .side = side};
}

/// A new order, limit gtc anonymous on symbol 0 unless told otherwise.
struct New {
  NewOrder o;
  New(uint64_t id, Side side, int64_t qty, int64_t px) {
    o.id = OrderId{id};
    o.symbol = SymbolId{0};
    o.side = side;
    o.qty = Qty{qty};
    o.price = Price{px};
    o.price_status = PriceStatus::ok;
  }
  New& sym(uint32_t s) { return o.symbol = SymbolId{s}, *this; }
  New& acct(uint32_t a) { return o.account = AccountId{a}, *this; }
  New& tif(TimeInForce t) { return o.tif = t, *this; }
  New& stp(StpMode s) { return o.stp = s, *this; }
  New& post_only() { return o.post_only = true, *this; }
  New& market() { return o.type = OrderType::market, o.price = Price{}, o.price_status = PriceStatus::absent, *this; }
  New& status(PriceStatus s) { return o.price_status = s, *this; }
};

ModifyOrder modify(uint64_t id, std::optional<int64_t> px, std::optional<int64_t> qty) {
  ModifyOrder m;
  m.id = OrderId{id};
  if (px) {
    m.price = Price{*px};
    m.price_status = PriceStatus::ok;
  }
  if (qty) {
    m.has_qty = true;
    m.qty = Qty{*qty};
  }
  return m;
}

/// The fields the hand cases below were worked out for (docs/SEMANTICS.md's
/// scenario events): without `rested` events and with the fields an edge
/// needs beyond those zeroed. HandCase also checks that engine and model
/// agree on every field; shouldCarryWhatAnExecutionReportNeeds checks the
/// extra fields by hand.
std::vector<Event> scenario_fields(const std::vector<Event>& events) {
  std::vector<Event> out;
  for (Event e : events) {
    if (e.type == EventType::rested) continue;
    if (e.type == EventType::accepted || e.type == EventType::cancelled) e.price = Price{};
    if (e.type == EventType::accepted) e.qty = Qty{};
    e.match = 0;
    e.leaves = e.maker_leaves = Qty{};
    e.command = CommandType::none;
    e.order_type = OrderType::limit;
    e.tif = TimeInForce::gtc;
    e.kept_priority = false;
    out.push_back(e);
  }
  return out;
}

/// Model and engine fed the same commands; each command's events of both.
/// The rules are the scenario format's: the engine behind script::LifetimeIds,
/// the model with IdRule::lifetime.
class HandCase : public ::testing::Test {
 protected:
  explicit HandCase(engine::EngineConfig config = small_config(),
                    model::Limits limits = {.ids = model::IdRule::lifetime, .max_order_ids = 256})
      : engine_(config, sink_), model_(limits), lifetime_(limits.max_order_ids) {}

  static engine::EngineConfig small_config() {
    engine::EngineConfig c;
    c.max_orders = 64;
    c.max_symbols = 4;
    c.levels_reserved_per_side = 4;
    return c;
  }

  void add_symbol(model::SymbolSpec spec = {}) {
    engine_.add_symbol(engine::SymbolSpec{spec.lot, spec.max_qty});
    model_.add_symbol(spec);
  }

  /// Runs one command on both and expects exactly `expected` from each (in
  /// the scenario fields), and the same events, every field, from both.
  void expect(const Command& cmd, const std::vector<Event>& expected) {
    run(cmd);
    EXPECT_EQ(scenario_fields(model_.events()), expected)
        << "model, " << describe(cmd) << "\n"
        << side_by_side(scenario_fields(model_.events()), expected);
    EXPECT_EQ(scenario_fields(sink_.events), expected)
        << "engine, " << describe(cmd) << "\n"
        << side_by_side(scenario_fields(sink_.events), expected);
    EXPECT_EQ(sink_.events, model_.events()) << "engine vs model, " << describe(cmd) << "\n"
                                             << side_by_side(sink_.events, model_.events());
    EXPECT_EQ(check_book_invariants(engine_), "");
  }

  /// As expect(), comparing every field of every event.
  void expect_all_fields(const Command& cmd, const std::vector<Event>& expected) {
    run(cmd);
    EXPECT_EQ(model_.events(), expected) << "model, " << describe(cmd) << "\n"
                                         << side_by_side(model_.events(), expected);
    EXPECT_EQ(sink_.events, expected) << "engine, " << describe(cmd) << "\n" << side_by_side(sink_.events, expected);
    EXPECT_EQ(check_book_invariants(engine_), "");
  }
  void expect_all_fields(const New& n, const std::vector<Event>& expected) { expect_all_fields(Command{n.o}, expected); }

  void run(const Command& cmd) {
    sink_.events.clear();
    model_.clear_events();
    if (const auto* n = std::get_if<NewOrder>(&cmd)) {
      lifetime_.submit(engine_, *n);
    } else {
      apply_to(engine_, cmd);
    }
    apply_to(model_, cmd);
  }
  void expect(const New& n, const std::vector<Event>& expected) { expect(Command{n.o}, expected); }

  void expect_book(uint32_t sym, Side side, const std::vector<model::OrderSnapshot>& orders) {
    std::vector<model::OrderSnapshot> got = model_.orders(SymbolId{sym}, side);
    std::vector<model::OrderSnapshot> eng = engine_orders(engine_, SymbolId{sym}, side);
    auto strip = [](std::vector<model::OrderSnapshot> v) {  // compare id, price, open only
      for (auto& o : v) o = {o.id, o.price, o.open, {}, {}, {}, false};
      return v;
    };
    EXPECT_EQ(strip(got), orders) << "model" << describe_book(model_.levels(SymbolId{sym}, side), got);
    EXPECT_EQ(strip(eng), orders) << "engine" << describe_book(engine_levels(engine_, SymbolId{sym}, side), eng);
  }

  static model::OrderSnapshot ord(uint64_t id, int64_t px, int64_t open) {
    return {OrderId{id}, Price{px}, Qty{open}, {}, {}, {}, false};
  }

  EventCollector sink_;
  TestEngine engine_;
  ReferenceModel model_;
  script::LifetimeIds lifetime_;
};

constexpr Side B = Side::buy;
constexpr Side S = Side::sell;

TEST_F(HandCase, shouldSweepLevelsAtMakerPricesWithOneBookUpdatePerMaker) {
  add_symbol();
  expect(New(1, S, 5, 101).acct(1), {accepted(1, 1, 0, S), level(1, 0, S, 101, 5, 1)});
  expect(New(2, S, 3, 101).acct(2), {accepted(2, 2, 0, S), level(2, 0, S, 101, 8, 2)});
  expect(New(3, S, 4, 102), {accepted(3, 3, 0, S), level(3, 0, S, 102, 4, 1)});
  expect(New(4, B, 10, 102).acct(3),
         {accepted(4, 4, 0, B), trade(4, 4, 1, 0, B, 101, 5), level(4, 0, S, 101, 3, 1), trade(4, 4, 2, 0, B, 101, 3),
          level(4, 0, S, 101, 0, 0), trade(4, 4, 3, 0, B, 102, 2), level(4, 0, S, 102, 2, 1)});
  expect_book(0, S, {ord(3, 102, 2)});
  expect_book(0, B, {});
  expect(New(5, B, 5, 0).market().tif(TimeInForce::ioc),
         {accepted(5, 5, 0, B), trade(5, 5, 3, 0, B, 102, 2), level(5, 0, S, 102, 0, 0),
          cancelled(5, 5, 0, B, CancelReason::remainder, 3)});
  expect(New(6, S, 7, 0).market().tif(TimeInForce::ioc),
         {accepted(6, 6, 0, S), cancelled(6, 6, 0, S, CancelReason::remainder, 7)});
  expect(New(7, B, 4, 99).tif(TimeInForce::ioc),
         {accepted(7, 7, 0, B), cancelled(7, 7, 0, B, CancelReason::remainder, 4)});
}

TEST_F(HandCase, shouldApplyEachSelfTradePreventionMode) {
  add_symbol();
  expect(New(1, S, 5, 100).acct(1), {accepted(1, 1, 0, S), level(1, 0, S, 100, 5, 1)});
  expect(New(2, S, 5, 100).acct(2), {accepted(2, 2, 0, S), level(2, 0, S, 100, 10, 2)});
  expect(New(3, S, 5, 100).acct(1), {accepted(3, 3, 0, S), level(3, 0, S, 100, 15, 3)});
  // cancel_taker: nothing trades, the book is unchanged.
  expect(New(4, B, 8, 100).acct(1).stp(StpMode::cancel_taker),
         {accepted(4, 4, 0, B), cancelled(4, 4, 0, B, CancelReason::self_trade, 8)});
  // stp none: account 1 trades with itself.
  expect(New(5, B, 1, 100).acct(1), {accepted(5, 5, 0, B), trade(5, 5, 1, 0, B, 100, 1), level(5, 0, S, 100, 14, 3)});
  // cancel_maker: 1 is cancelled, 2 trades, 3 is cancelled, the rest rests.
  expect(New(6, B, 8, 100).acct(1).stp(StpMode::cancel_maker),
         {accepted(6, 6, 0, B), cancelled(6, 1, 0, S, CancelReason::self_trade, 4), level(6, 0, S, 100, 10, 2),
          trade(6, 6, 2, 0, B, 100, 5), level(6, 0, S, 100, 5, 1), cancelled(6, 3, 0, S, CancelReason::self_trade, 5),
          level(6, 0, S, 100, 0, 0), level(6, 0, B, 100, 3, 1)});
  expect_book(0, B, {ord(6, 100, 3)});
  // cancel_both: the maker and then the taker.
  expect(New(7, S, 2, 100).acct(1).stp(StpMode::cancel_both),
         {accepted(7, 7, 0, S), cancelled(7, 6, 0, B, CancelReason::self_trade, 3), level(7, 0, B, 100, 0, 0),
          cancelled(7, 7, 0, S, CancelReason::self_trade, 2)});
  // Anonymous never self-trades, whatever its stp.
  expect(New(8, S, 2, 100).stp(StpMode::cancel_both), {accepted(8, 8, 0, S), level(8, 0, S, 100, 2, 1)});
  expect(New(9, B, 2, 100).stp(StpMode::cancel_both),
         {accepted(9, 9, 0, B), trade(9, 9, 8, 0, B, 100, 2), level(9, 0, S, 100, 0, 0)});
}

TEST_F(HandCase, shouldCancelAModifiedOrderThatReentersIntoItsOwnAccount) {
  add_symbol();
  expect(New(1, S, 5, 101).acct(1), {accepted(1, 1, 0, S), level(1, 0, S, 101, 5, 1)});
  expect(New(2, B, 5, 100).acct(1).stp(StpMode::cancel_taker), {accepted(2, 2, 0, B), level(2, 0, B, 100, 5, 1)});
  // It leaves its level, re-enters as a taker and is cancelled by its own stp.
  expect(modify(2, 101, 4),
         {modified(3, 2, 0, B, 101, 4), level(3, 0, B, 100, 0, 0), cancelled(3, 2, 0, B, CancelReason::self_trade, 4)});
  expect_book(0, S, {ord(1, 101, 5)});
  expect_book(0, B, {});
  expect(CancelOrder{OrderId{2}}, {rejected(4, 2, kNoSymbol, RejectReason::unknown_order)});
}

TEST_F(HandCase, shouldPreWalkFokAndSkipOrStopAtSelfTrades) {
  add_symbol();
  expect(New(1, S, 5, 100).acct(1), {accepted(1, 1, 0, S), level(1, 0, S, 100, 5, 1)});
  expect(New(2, S, 5, 101).acct(2), {accepted(2, 2, 0, S), level(2, 0, S, 101, 5, 1)});
  // 11 > 10 at acceptable prices: unfilled, nothing else.
  expect(New(3, B, 11, 101).tif(TimeInForce::fok),
         {accepted(3, 3, 0, B), cancelled(3, 3, 0, B, CancelReason::unfilled, 11)});
  // Price limits the walk: only 5 at <= 100.
  expect(New(4, B, 6, 100).tif(TimeInForce::fok),
         {accepted(4, 4, 0, B), cancelled(4, 4, 0, B, CancelReason::unfilled, 6)});
  // cancel_taker stops the walk at the own order 1: 0 walked.
  expect(New(5, B, 5, 101).tif(TimeInForce::fok).acct(1).stp(StpMode::cancel_taker),
         {accepted(5, 5, 0, B), cancelled(5, 5, 0, B, CancelReason::unfilled, 5)});
  // cancel_maker skips 1 in the walk (5 walked at 101), then cancels it while matching.
  expect(New(6, B, 5, 101).tif(TimeInForce::fok).acct(1).stp(StpMode::cancel_maker),
         {accepted(6, 6, 0, B), cancelled(6, 1, 0, S, CancelReason::self_trade, 5), level(6, 0, S, 100, 0, 0),
          trade(6, 6, 2, 0, B, 101, 5), level(6, 0, S, 101, 0, 0)});
  expect(New(6, B, 5, 101), {rejected(7, 6, SymbolId{0}, RejectReason::duplicate_id)});
  // The id of an unfilled FOK order is used.
  expect(New(3, B, 1, 101), {rejected(8, 3, SymbolId{0}, RejectReason::duplicate_id)});
}

TEST_F(HandCase, shouldModifyInPlaceOrLosePriority) {
  add_symbol();
  expect(New(1, B, 5, 100), {accepted(1, 1, 0, B), level(1, 0, B, 100, 5, 1)});
  expect(New(2, B, 5, 100), {accepted(2, 2, 0, B), level(2, 0, B, 100, 10, 2)});
  // Same price, lower qty: in place.
  expect(modify(1, 100, 3), {modified(3, 1, 0, B, 100, 3), level(3, 0, B, 100, 8, 2)});
  // Nothing changes: modified only.
  expect(modify(1, std::nullopt, std::nullopt), {modified(4, 1, 0, B, 100, 3)});
  expect_book(0, B, {ord(1, 100, 3), ord(2, 100, 5)});
  // Same price, higher qty: leave and rejoin at the back (two book_updates).
  expect(modify(1, std::nullopt, 4),
         {modified(5, 1, 0, B, 100, 4), level(5, 0, B, 100, 5, 1), level(5, 0, B, 100, 9, 2)});
  expect_book(0, B, {ord(2, 100, 5), ord(1, 100, 4)});
  // New price that crosses: re-enters as a taker, the remainder rests.
  expect(New(3, S, 2, 101).acct(1), {accepted(6, 3, 0, S), level(6, 0, S, 101, 2, 1)});
  expect(modify(2, 101, std::nullopt),
         {modified(7, 2, 0, B, 101, 5), level(7, 0, B, 100, 4, 1), trade(7, 2, 3, 0, B, 101, 2),
          level(7, 0, S, 101, 0, 0), level(7, 0, B, 101, 3, 1)});
  // Rejects change nothing.
  expect(modify(9, 100, 1), {rejected(8, 9, kNoSymbol, RejectReason::unknown_order)});
  expect(modify(3, 100, 1), {rejected(9, 3, kNoSymbol, RejectReason::unknown_order)});
  expect(modify(2, 101, 0), {rejected(10, 2, SymbolId{0}, RejectReason::invalid_qty)});
  ModifyOrder off = modify(2, 101, 2);
  off.price_status = PriceStatus::off_tick;
  expect(off, {rejected(11, 2, SymbolId{0}, RejectReason::price_not_on_tick)});
  off.price_status = PriceStatus::non_positive;
  expect(off, {rejected(12, 2, SymbolId{0}, RejectReason::invalid_price)});
  expect(CancelOrder{OrderId{3}}, {rejected(13, 3, kNoSymbol, RejectReason::unknown_order)});
  expect(CancelOrder{OrderId{2}}, {cancelled(14, 2, 0, B, CancelReason::user, 3), level(14, 0, B, 101, 0, 0)});
  expect_book(0, B, {ord(1, 100, 4)});
}

TEST_F(HandCase, shouldCheckNewOrdersInTheDocumentedOrder) {
  add_symbol({Qty{10}, Qty{100}});
  expect(New(1, S, 10, 105), {accepted(1, 1, 0, S), level(1, 0, S, 105, 10, 1)});
  // duplicate_id before unknown_symbol.
  expect(New(1, B, 0, 0).sym(7).status(PriceStatus::absent), {rejected(2, 1, kNoSymbol, RejectReason::duplicate_id)});
  expect(New(2, B, 0, 0).sym(7), {rejected(3, 2, kNoSymbol, RejectReason::unknown_symbol)});
  expect(New(2, B, 5, 100), {rejected(4, 2, SymbolId{0}, RejectReason::invalid_qty)});
  expect(New(2, B, 110, 100), {rejected(5, 2, SymbolId{0}, RejectReason::invalid_qty)});
  expect(New(2, B, 10, 100).status(PriceStatus::absent), {rejected(6, 2, SymbolId{0}, RejectReason::invalid_price)});
  expect(New(2, B, 10, 100).status(PriceStatus::out_of_range).tif(TimeInForce::ioc).post_only(),
         {rejected(7, 2, SymbolId{0}, RejectReason::invalid_price)});
  New market_with_price = New(2, B, 10, 100).market();
  market_with_price.o.price_status = PriceStatus::off_tick;
  expect(market_with_price, {rejected(8, 2, SymbolId{0}, RejectReason::invalid_price)});
  expect(New(2, B, 10, 100).status(PriceStatus::off_tick).post_only().tif(TimeInForce::fok),
         {rejected(9, 2, SymbolId{0}, RejectReason::price_not_on_tick)});
  expect(New(2, B, 10, 0).market(), {rejected(10, 2, SymbolId{0}, RejectReason::invalid_tif)});
  expect(New(2, B, 10, 0).market().tif(TimeInForce::day), {rejected(11, 2, SymbolId{0}, RejectReason::invalid_tif)});
  expect(New(2, B, 10, 0).market().tif(TimeInForce::ioc).post_only(),
         {rejected(12, 2, SymbolId{0}, RejectReason::invalid_tif)});
  expect(New(2, B, 10, 106).tif(TimeInForce::ioc).post_only(),
         {rejected(13, 2, SymbolId{0}, RejectReason::invalid_tif)});
  // would_cross on price alone, even against the same account under stp.
  expect(New(2, B, 10, 105).post_only().acct(1).stp(StpMode::cancel_maker),
         {rejected(14, 2, SymbolId{0}, RejectReason::would_cross)});
  expect(New(2, B, 10, 104).post_only().tif(TimeInForce::day), {accepted(15, 2, 0, B), level(15, 0, B, 104, 10, 1)});
  // A post_only modify to a crossing price is refused.
  expect(modify(2, 105, std::nullopt), {rejected(16, 2, SymbolId{0}, RejectReason::would_cross)});
  expect(modify(2, 103, std::nullopt),
         {modified(17, 2, 0, B, 103, 10), level(17, 0, B, 104, 0, 0), level(17, 0, B, 103, 10, 1)});
}

TEST_F(HandCase, shouldExpireDayOrdersOldestAcceptedFirstAcrossSymbols) {
  add_symbol();
  add_symbol();
  expect(New(1, B, 5, 100).sym(1).tif(TimeInForce::day), {accepted(1, 1, 1, B), level(1, 1, B, 100, 5, 1)});
  expect(New(2, S, 5, 110).tif(TimeInForce::day), {accepted(2, 2, 0, S), level(2, 0, S, 110, 5, 1)});
  expect(New(3, S, 5, 111), {accepted(3, 3, 0, S), level(3, 0, S, 111, 5, 1)});
  expect(New(4, B, 5, 100).sym(1).tif(TimeInForce::day), {accepted(4, 4, 1, B), level(4, 1, B, 100, 10, 2)});
  // Losing priority does not change the expiry order.
  expect(modify(1, 101, std::nullopt),
         {modified(5, 1, 1, B, 101, 5), level(5, 1, B, 100, 5, 1), level(5, 1, B, 101, 5, 1)});
  expect(Expire{}, {cancelled(6, 1, 1, B, CancelReason::expired, 5), level(6, 1, B, 101, 0, 0),
                    cancelled(6, 2, 0, S, CancelReason::expired, 5), level(6, 0, S, 110, 0, 0),
                    cancelled(6, 4, 1, B, CancelReason::expired, 5), level(6, 1, B, 100, 0, 0)});
  expect(Expire{}, {});
  expect_book(0, S, {ord(3, 111, 5)});
}

// Every field an execution report or a market-by-order message needs, by hand
// (types.h, Event): accepted echoes the order, trades number the match and
// give both sides' leaves, cancelled carries the price, modified says whether
// priority was kept, rested gives what now rests, rejected names its command.
TEST_F(HandCase, shouldCarryWhatAnExecutionReportNeeds) {
  add_symbol();
  const auto acc = [](uint64_t seq, uint64_t id, Side side, int64_t px, int64_t qty, OrderType type, TimeInForce tif) {
    return Event{.seq = SeqNo{seq}, .id = OrderId{id}, .price = Price{px}, .qty = Qty{qty}, .symbol = SymbolId{0},
                 .type = EventType::accepted, .side = side, .order_type = type, .tif = tif};
  };
  const auto rested = [](uint64_t seq, uint64_t id, Side side, int64_t px, int64_t qty) {
    return Event{.seq = SeqNo{seq}, .id = OrderId{id}, .price = Price{px}, .qty = Qty{qty}, .symbol = SymbolId{0},
                 .type = EventType::rested, .side = side};
  };
  const auto fill = [](uint64_t seq, uint64_t taker, uint64_t maker, uint64_t match, Side side, int64_t px,
                       int64_t qty, int64_t leaves, int64_t maker_leaves) {
    return Event{.seq = SeqNo{seq}, .id = OrderId{taker}, .maker = OrderId{maker}, .match = match,
                 .price = Price{px}, .qty = Qty{qty}, .leaves = Qty{leaves}, .maker_leaves = Qty{maker_leaves},
                 .symbol = SymbolId{0}, .type = EventType::trade, .side = side};
  };
  const auto gone = [](uint64_t seq, uint64_t id, Side side, int64_t px, CancelReason why, int64_t qty) {
    return Event{.seq = SeqNo{seq}, .id = OrderId{id}, .price = Price{px}, .qty = Qty{qty}, .symbol = SymbolId{0},
                 .type = EventType::cancelled, .side = side, .cancel = why};
  };
  const auto changed = [](uint64_t seq, uint64_t id, Side side, int64_t px, int64_t qty, bool kept) {
    return Event{.seq = SeqNo{seq}, .id = OrderId{id}, .price = Price{px}, .qty = Qty{qty}, .symbol = SymbolId{0},
                 .type = EventType::modified, .side = side, .kept_priority = kept};
  };
  const auto refused = [](uint64_t seq, uint64_t id, SymbolId sym, RejectReason why, CommandType command) {
    return Event{.seq = SeqNo{seq}, .id = OrderId{id}, .symbol = sym, .type = EventType::rejected, .reject = why,
                 .command = command};
  };
  constexpr auto L = OrderType::limit;
  expect_all_fields(New(1, S, 5, 101).acct(1),
                    {acc(1, 1, S, 101, 5, L, TimeInForce::gtc), rested(1, 1, S, 101, 5), level(1, 0, S, 101, 5, 1)});
  expect_all_fields(New(2, S, 3, 102).tif(TimeInForce::day),
                    {acc(2, 2, S, 102, 3, L, TimeInForce::day), rested(2, 2, S, 102, 3), level(2, 0, S, 102, 3, 1)});
  expect_all_fields(New(3, B, 7, 102).tif(TimeInForce::ioc),
                    {acc(3, 3, B, 102, 7, L, TimeInForce::ioc), fill(3, 3, 1, 1, B, 101, 5, 2, 0),
                     level(3, 0, S, 101, 0, 0), fill(3, 3, 2, 2, B, 102, 2, 0, 1), level(3, 0, S, 102, 1, 1)});
  expect_all_fields(modify(2, std::nullopt, 1), {changed(4, 2, S, 102, 1, true)});
  expect_all_fields(modify(2, 103, std::nullopt), {changed(5, 2, S, 103, 1, false), level(5, 0, S, 102, 0, 0),
                                                   rested(5, 2, S, 103, 1), level(5, 0, S, 103, 1, 1)});
  expect_all_fields(New(6, B, 4, 0).market().tif(TimeInForce::ioc),
                    {acc(6, 6, B, 0, 4, OrderType::market, TimeInForce::ioc), fill(6, 6, 2, 3, B, 103, 1, 3, 0),
                     level(6, 0, S, 103, 0, 0), gone(6, 6, B, 0, CancelReason::remainder, 3)});
  expect_all_fields(CancelOrder{OrderId{99}},
                    {refused(7, 99, kNoSymbol, RejectReason::unknown_order, CommandType::cancel)});
  expect_all_fields(modify(99, 100, std::nullopt),
                    {refused(8, 99, kNoSymbol, RejectReason::unknown_order, CommandType::modify)});
  expect_all_fields(New(1, B, 1, 100),
                    {refused(9, 1, SymbolId{0}, RejectReason::duplicate_id, CommandType::new_order)});
  expect_all_fields(New(10, B, 2, 100),
                    {acc(10, 10, B, 100, 2, L, TimeInForce::gtc), rested(10, 10, B, 100, 2), level(10, 0, B, 100, 2, 1)});
  expect_all_fields(CancelOrder{OrderId{10}}, {gone(11, 10, B, 100, CancelReason::user, 2), level(11, 0, B, 100, 0, 0)});
}

/// docs/SEMANTICS.md, `capacity`: max_orders = 2 resting, max_order_ids = 4 accepted.
class TinyCapacity : public HandCase {
 protected:
  TinyCapacity() : HandCase(tiny(), model::Limits{.max_orders = 2, .ids = model::IdRule::lifetime, .max_order_ids = 4}) {}
  static engine::EngineConfig tiny() {
    engine::EngineConfig c;
    c.max_orders = 2;
    c.max_symbols = 2;
    c.levels_reserved_per_side = 1;
    return c;
  }
};

TEST_F(TinyCapacity, shouldRejectWithCapacityOnlyWhenEveryOtherCheckPasses) {
  add_symbol();
  expect(New(1, B, 10, 100), {accepted(1, 1, 0, B), level(1, 0, B, 100, 10, 1)});
  expect(New(2, B, 10, 99).tif(TimeInForce::day), {accepted(2, 2, 0, B), level(2, 0, B, 99, 10, 1)});
  // The pool holds 2 resting orders: a gtc order is refused, its id stays free.
  expect(New(3, B, 10, 98), {rejected(3, 3, SymbolId{0}, RejectReason::capacity)});
  // ... even one that would have traded in full (the check is conservative).
  expect(New(3, S, 5, 100), {rejected(4, 3, SymbolId{0}, RejectReason::capacity)});
  // Every other reason wins.
  expect(New(3, S, 0, 100), {rejected(5, 3, SymbolId{0}, RejectReason::invalid_qty)});
  expect(New(3, S, 5, 100).post_only(), {rejected(6, 3, SymbolId{0}, RejectReason::would_cross)});
  expect(New(1, S, 5, 100), {rejected(7, 1, SymbolId{0}, RejectReason::duplicate_id)});
  // ioc does not need a pool slot.
  expect(New(3, S, 5, 100).tif(TimeInForce::ioc),
         {accepted(8, 3, 0, S), trade(8, 3, 1, 0, S, 100, 5), level(8, 0, B, 100, 5, 1)});
  // A modify never fails on capacity (order 1 loses priority, keeps its slot).
  expect(modify(1, std::nullopt, 8),
         {modified(9, 1, 0, B, 100, 8), level(9, 0, B, 100, 0, 0), level(9, 0, B, 100, 8, 1)});
  expect(CancelOrder{OrderId{2}}, {cancelled(10, 2, 0, B, CancelReason::user, 10), level(10, 0, B, 99, 0, 0)});
  // One slot free again: id 4 is the fourth accepted id.
  expect(New(4, S, 3, 100), {accepted(11, 4, 0, S), trade(11, 4, 1, 0, S, 100, 3), level(11, 0, B, 100, 5, 1)});
  // The script's id memory is full: even an ioc order is refused; other reasons still win.
  expect(New(5, S, 1, 100).tif(TimeInForce::ioc), {rejected(12, 5, SymbolId{0}, RejectReason::capacity)});
  expect(New(5, S, 1, 100).sym(1), {rejected(13, 5, kNoSymbol, RejectReason::unknown_symbol)});
  expect(New(4, S, 1, 100), {rejected(14, 4, SymbolId{0}, RejectReason::duplicate_id)});
  // Resting orders still work.
  expect(modify(1, 101, 6), {modified(15, 1, 0, B, 101, 6), level(15, 0, B, 100, 0, 0), level(15, 0, B, 101, 6, 1)});
  expect(Expire{}, {});
  expect(CancelOrder{OrderId{1}}, {cancelled(17, 1, 0, B, CancelReason::user, 6), level(17, 0, B, 101, 0, 0)});
  expect(New(6, B, 1, 100), {rejected(18, 6, SymbolId{0}, RejectReason::capacity)});
}

}  // namespace
}  // namespace rialto::test
