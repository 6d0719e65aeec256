// libFuzzer target: any bytes decode to a command sequence over two symbols,
// a narrow price band and three accounts; the engine's events must equal the
// reference model's (tests/model/), event for event, and their books must
// agree after every command. Any difference traps.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/reference_model.h"
#include "rialto/engine/engine.h"

namespace {

struct VectorSink {
  std::vector<rialto::Event> events;
  void on_event(const rialto::Event& e) { events.push_back(e); }
};

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  [[nodiscard]] bool empty() const { return p_ == end_; }
  uint8_t next() { return p_ == end_ ? 0 : *p_++; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

using namespace rialto;

PriceStatus price_status(uint8_t b) {
  switch (b % 16) {
    case 0: return PriceStatus::absent;
    case 1: return PriceStatus::non_positive;
    case 2: return PriceStatus::out_of_range;
    case 3: return PriceStatus::off_tick;
    default: return PriceStatus::ok;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  engine::EngineConfig config;
  config.max_orders = 24;  // small, so capacity rejects happen and the id index probes long runs
  config.max_symbols = 2;
  VectorSink sink;
  engine::Engine<VectorSink> eng(config, sink);
  model::ReferenceModel ref(model::Limits{.max_orders = config.max_orders, .ids = model::IdRule::resting});
  const engine::SymbolSpec specs[2] = {{Qty{1}, Qty{50}}, {Qty{5}, Qty{100}}};
  for (const auto& s : specs) {
    eng.add_symbol(s);
    ref.add_symbol(model::SymbolSpec{s.lot, s.max_qty});
  }

  while (!in.empty()) {
    uint8_t op = in.next();
    uint64_t id = in.next() % 64;
    switch (op % 8) {
      case 0:
      case 1:
      case 2:
      case 3: {
        NewOrder o;
        o.id = OrderId(id);
        uint8_t a = in.next();
        uint8_t b = in.next();
        o.symbol = SymbolId(a % 5 == 4 ? 7u : a % 2u);  // sometimes unknown
        o.side = a & 8 ? Side::sell : Side::buy;
        o.type = (a >> 4) % 6 == 0 ? OrderType::market : OrderType::limit;
        o.tif = static_cast<TimeInForce>((b >> 2) % 4);
        o.stp = static_cast<StpMode>((b >> 4) % 4);
        o.post_only = (b & 0xC0) == 0xC0;
        o.account = AccountId(b % 4u);
        o.qty = Qty(static_cast<int64_t>(in.next() % 64) - 2);
        o.price_status = price_status(in.next());
        o.price = Price(95 + in.next() % 11);
        if (o.type == OrderType::market && o.price_status != PriceStatus::absent && (b & 1)) {
          o.price_status = PriceStatus::absent;
        }
        eng.submit(o);
        ref.submit(o);
        break;
      }
      case 4:
      case 5: {
        ModifyOrder m;
        m.id = OrderId(id);
        uint8_t a = in.next();
        m.has_qty = a & 1;
        m.qty = Qty(static_cast<int64_t>(in.next() % 64) - 2);
        m.price_status = a & 2 ? price_status(in.next()) : PriceStatus::absent;
        m.price = Price(95 + in.next() % 11);
        eng.modify(m);
        ref.modify(m);
        break;
      }
      case 6:
        eng.cancel(CancelOrder{OrderId(id)});
        ref.cancel(CancelOrder{OrderId(id)});
        break;
      default:
        if (id % 8 == 0) {
          eng.expire();
          ref.expire();
        } else {
          eng.cancel(CancelOrder{OrderId(id)});
          ref.cancel(CancelOrder{OrderId(id)});
        }
        break;
    }
    if (sink.events != ref.events()) __builtin_trap();
    sink.events.clear();
    ref.clear_events();
  }

  for (uint32_t s = 0; s < 2; ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      std::vector<model::OrderSnapshot> got;
      eng.for_each_order(SymbolId(s), side, [&](const engine::OrderView& o) {
        got.push_back({o.id, o.price, o.open, o.account, o.tif, o.stp, o.post_only});
      });
      if (got != ref.orders(SymbolId(s), side)) __builtin_trap();
    }
  }
  if (eng.resting_orders() != ref.resting_orders()) __builtin_trap();
  return 0;
}
