// Every golden scenario (tests/scenarios) through execution reports: a
// backend runs the local engine, turns each engine event into the reports a
// venue sends (the server design's "Execution reports" rules: a trade is a
// taker's and a maker's report), hands them to InputReports in an order
// other than the engine's, and the printed output must be the scenario's
// .expected, byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rialto/client/report_lines.h"
#include "rialto/core/decimal.h"
#include "rialto/engine/engine.h"
#include "rialto/script/lifetime_ids.h"
#include "rialto/script/scenario.h"
#include "rialto/script/script.h"

namespace rialto::client {
namespace {

namespace p = rialto::protocol;
namespace fs = std::filesystem;

struct Capture {
  std::vector<Event> events;
  void on_event(const Event& e) { events.push_back(e); }
};

enum class Arrival { engine_order, reversed, shuffled };

class ReportsBackend final : public script::Backend {
 public:
  ReportsBackend(const script::Options& o, Arrival arrival)
      : engine_(o.engine, capture_), ids_(o.max_ids), arrival_(arrival) {}

  bool symbol(const script::SymbolDef& def) override {
    (void)engine_.add_symbol(def.spec);
    return true;
  }
  bool new_order(const script::NewCommand& cmd) override {
    NewOrder o;
    o.id = cmd.id;
    o.side = cmd.side;
    o.qty = cmd.qty;
    o.type = cmd.type;
    o.tif = cmd.tif;
    o.stp = cmd.stp;
    o.post_only = cmd.post_only;
    o.symbol = cmd.symbol_id;
    if (!cmd.account.empty() && cmd.account != "-") {
      auto [it, added] = accounts_.try_emplace(std::string(cmd.account), static_cast<uint32_t>(accounts_.size() + 1));
      o.account = AccountId(it->second);
    }
    if (cmd.px) {
      if (o.symbol != kNoSymbol) {
        TickConversion c = to_ticks(*cmd.px, symbols().tick(o.symbol));
        o.price_status = c.status;
        o.price = c.ticks;
      } else {
        o.price_status = PriceStatus::ok;
      }
    }
    ids_.submit(engine_, o);
    return deliver();
  }
  bool cancel(const script::CancelCommand& cmd) override {
    engine_.cancel(CancelOrder{cmd.id});
    return deliver();
  }
  bool modify(const script::ModifyCommand& cmd) override {
    ModifyOrder m;
    m.id = cmd.id;
    m.has_qty = cmd.has_qty;
    m.qty = cmd.qty;
    if (cmd.px) {
      auto o = engine_.find_order(cmd.id);
      if (o) {
        TickConversion c = to_ticks(*cmd.px, symbols().tick(o->symbol));
        m.price_status = c.status;
        m.price = c.ticks;
      } else {
        m.price_status = PriceStatus::ok;
      }
    }
    engine_.modify(m);
    return deliver();
  }
  bool expire() override {
    engine_.expire();
    return deliver();
  }
  bool book(const script::BookCommand& cmd) override {
    sink().book_begin(cmd.symbol);
    for (Side side : {Side::buy, Side::sell}) {
      engine_.for_each_level(cmd.symbol_id, side, [&](const engine::LevelView& l) {
        sink().book_level(side, l.price, l.total, l.count, cmd.symbol_id);
      });
    }
    sink().book_end();
    return true;
  }

 private:
  p::ExecutionReport base(const Event& e, uint32_t index, p::ExecType type) {
    p::ExecutionReport r{};
    r.engine_seq = e.seq.value();
    r.event_index = index;
    r.cl_ord_id = e.id.value();
    r.exec_type = static_cast<uint8_t>(type);
    if (e.symbol != kNoSymbol) {
      (void)p::set_field(r.symbol, symbols().name(e.symbol));
      r.price_exponent = static_cast<int8_t>(-static_cast<int>(symbols().tick(e.symbol).scale));
    }
    return r;
  }
  int64_t wire(Price ticks, SymbolId s) {
    std::optional<WireDecimal> w = to_wire(ticks, symbols().tick(s));
    EXPECT_TRUE(w.has_value());
    return w ? w->mantissa : 0;
  }

  /// The input's events as reports, in the arrival order, then its lines.
  bool deliver() {
    std::vector<p::ExecutionReport> out;
    uint32_t index = 0;
    for (const Event& e : capture_.events) {
      switch (e.type) {
        case EventType::accepted: {
          auto r = base(e, index, p::ExecType::new_order);
          r.price = wire(e.price, e.symbol);
          r.qty = r.leaves_qty = e.qty.value();
          out.push_back(r);
          break;
        }
        case EventType::rejected: {
          auto r = base(e, index, p::ExecType::rejected);
          r.reject_reason = static_cast<uint8_t>(e.reject);
          r.command = static_cast<uint8_t>(e.command);
          out.push_back(r);
          break;
        }
        case EventType::trade: {
          for (bool taker : {true, false}) {
            auto r = base(e, index, p::ExecType::filled);
            if (!taker) r.cl_ord_id = e.maker.value();
            r.match_id = e.match;
            r.last_px = wire(e.price, e.symbol);
            r.last_qty = e.qty.value();
            r.leaves_qty = (taker ? e.leaves : e.maker_leaves).value();
            r.exec_type = static_cast<uint8_t>(r.leaves_qty == 0 ? p::ExecType::filled : p::ExecType::partially_filled);
            r.flags = taker ? p::kFlagAggressor : 0;
            out.push_back(r);
          }
          break;
        }
        case EventType::cancelled: {
          auto r = base(e, index, p::ExecType::cancelled);
          r.cancel_reason = static_cast<uint8_t>(e.cancel);
          r.qty = e.qty.value();
          r.price = wire(e.price, e.symbol);
          out.push_back(r);
          break;
        }
        case EventType::modified: {
          auto r = base(e, index, p::ExecType::replaced);
          r.price = wire(e.price, e.symbol);
          r.qty = r.leaves_qty = e.qty.value();
          r.flags = e.kept_priority ? p::kFlagKeptPriority : 0;
          out.push_back(r);
          break;
        }
        case EventType::rested:
        case EventType::book_update: break;  // no report; the index still counts them
      }
      ++index;
    }
    capture_.events.clear();
    if (arrival_ == Arrival::reversed) std::reverse(out.begin(), out.end());
    if (arrival_ == Arrival::shuffled) std::shuffle(out.begin(), out.end(), rng_);
    for (const auto& r : out) reports_.add(r);
    std::string error;
    EXPECT_TRUE(reports_.emit(symbols(), sink(), error)) << error;
    return error.empty();
  }

  Capture capture_;
  engine::Engine<Capture> engine_;
  script::LifetimeIds ids_;
  Arrival arrival_;
  std::mt19937_64 rng_{20260101};
  std::unordered_map<std::string, uint32_t> accounts_;
  InputReports reports_;
};

std::string slurp(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The options of NAME.args (--max-orders, --max-symbols, --max-ids).
script::Options options_of(const fs::path& args) {
  script::Options o;
  if (!fs::exists(args)) return o;
  std::istringstream in(slurp(args));
  std::string key;
  uint64_t v = 0;
  while (in >> key >> v) {
    if (key == "--max-orders") o.engine.max_orders = static_cast<uint32_t>(v);
    if (key == "--max-symbols") o.engine.max_symbols = static_cast<uint32_t>(v);
    if (key == "--max-ids") o.max_ids = v;
  }
  return o;
}

std::vector<std::string> valid_scenarios() {
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(RIALTO_SCENARIO_DIR)) {
    const std::string n = f.path().stem().string();
    if (f.path().extension() == ".script" && n.rfind("bad_", 0) != 0) names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class EveryScenario : public ::testing::TestWithParam<Arrival> {};

TEST_P(EveryScenario, shouldPrintTheExpectedOutputFromReports) {
  const std::vector<std::string> names = valid_scenarios();
  ASSERT_GE(names.size(), 40u);
  for (const std::string& name : names) {
    const fs::path dir(RIALTO_SCENARIO_DIR);
    ReportsBackend backend(options_of(dir / (name + ".args")), GetParam());
    std::istringstream in(slurp(dir / (name + ".script")));
    std::ostringstream out, err;
    EXPECT_EQ(script::run(in, name, out, err, backend, "t: "), script::kOk) << name << ": " << err.str();
    EXPECT_EQ(out.str(), slurp(dir / (name + ".expected"))) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(ArrivalOrders, EveryScenario,
                         ::testing::Values(Arrival::engine_order, Arrival::reversed, Arrival::shuffled),
                         [](const ::testing::TestParamInfo<Arrival>& param_info) {
                           switch (param_info.param) {
                             case Arrival::engine_order: return std::string("engine_order");
                             case Arrival::reversed: return std::string("reversed");
                             case Arrival::shuffled: return std::string("shuffled");
                           }
                           return std::string("unknown");
                         });

}  // namespace
}  // namespace rialto::client
