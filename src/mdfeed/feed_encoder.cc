#include "rialto/mdfeed/feed_encoder.h"

#include <cassert>
#include <cstring>
#include <limits>

namespace rialto::mdfeed {

namespace {

std::string name_of(const itch::Stock& s) { return std::string(itch::trimmed(s)); }

itch::Header header(uint16_t locate, uint64_t ts) {
  itch::Header h;
  h.stock_locate = locate;
  h.tracking_number = 0;
  h.timestamp = ts;
  return h;
}

char side_char(Side s) { return s == Side::buy ? 'B' : 'S'; }

}  // namespace

bool to_price4(int64_t ticks, uint64_t tick_mantissa, uint32_t tick_scale, uint32_t* out) {
  if (ticks <= 0 || tick_scale > 4) return false;
  uint64_t unit = tick_mantissa;  // the tick in 1/10000
  for (uint32_t i = tick_scale; i < 4; ++i) {
    if (__builtin_mul_overflow(unit, uint64_t{10}, &unit)) return false;
  }
  uint64_t p = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(ticks), unit, &p)) return false;
  if (p > std::numeric_limits<uint32_t>::max()) return false;
  *out = static_cast<uint32_t>(p);
  return true;
}

FeedEncoder::FeedEncoder(MessageSink& out, LogFn log) : out_(out), log_(std::move(log)) {}

FeedEncoder::Shard& FeedEncoder::shard(uint32_t k) {
  if (k >= shards_.size()) shards_.resize(k + 1);
  return shards_[k];
}

void FeedEncoder::emit(const itch::Message& m) {
  const size_t n = itch::encode(m, buf_);
  ++stats_.messages;
  itch::ApplyStatus st = book_.apply(m);
  // The replica only ever receives what this class built from a consistent
  // engine stream: an error is a bug here.
  assert(st.ok());
  if (!st.ok() && log_) log_("md: internal error, replica refused a message: " + st.message());
  out_.message(buf_, n);
}

void FeedEncoder::system_event(uint64_t ts, char code) {
  itch::SystemEvent m;
  m.header = header(0, ts);
  m.event_code = code;
  system_events_.push_back(code);
  emit(m);
}

void FeedEncoder::start(uint64_t ts) {
  for (char c : {'O', 'S', 'Q'}) system_event(ts, c);
}

void FeedEncoder::finish(uint64_t ts) {
  for (Shard& sh : shards_) release_held(sh);
  for (char c : {'M', 'E', 'C'}) system_event(ts, c);
}

uint64_t FeedEncoder::reference_of(uint32_t k, OrderId id) const {
  if (k >= shards_.size()) return 0;
  auto it = shards_[k].refs.find(id.value());
  return it == shards_[k].refs.end() ? 0 : it->second;
}

void FeedEncoder::apply(const MdInput& in) {
  ++stats_.inputs;
  if (in.kind == MdKind::symbol) return define(in);
  event(shard(in.shard), in.timestamp_ns, in.event);
}

void FeedEncoder::define(const MdInput& in) {
  const MdSymbol& d = in.symbol;
  Shard& sh = shard(in.shard);
  Symbol sym;
  sym.locate = d.locate;
  std::memcpy(sym.stock.data(), d.name, sym.stock.size());
  sym.tick_mantissa = d.tick_mantissa;
  sym.tick_scale = d.tick_scale;
  const std::string name = name_of(sym.stock);
  std::string why;
  uint32_t one_tick = 0;
  if (d.locate == 0) {
    why = "stock locate 0 is reserved";
  } else if (d.tick_scale > 4) {
    why = "its tick has " + std::to_string(d.tick_scale) + " decimals, finer than ITCH's 0.0001";
  } else if (!to_price4(1, d.tick_mantissa, d.tick_scale, &one_tick)) {
    why = "one tick is beyond ITCH's largest price (429496.7295)";
  } else if (d.lot < 1 || d.lot > std::numeric_limits<uint32_t>::max()) {
    why = "its lot " + std::to_string(d.lot) + " does not fit the Round Lot Size field";
  } else {
    for (const Symbol& s : symbols_) {
      if (s.published && s.locate == d.locate) why = "stock locate " + std::to_string(d.locate) + " is taken";
    }
  }
  sym.published = why.empty();
  if (d.engine_symbol.value() >= sh.symbols.size()) sh.symbols.resize(d.engine_symbol.value() + 1, -1);
  sh.symbols[d.engine_symbol.value()] = static_cast<int32_t>(symbols_.size());
  if (!sym.published) {
    ++stats_.unpublished_symbols;
    if (log_) log_("md: symbol " + name + " (shard " + std::to_string(in.shard) + ") is not published: " + why);
    symbols_.push_back(sym);
    return;
  }
  itch::StockDirectory& r = sym.directory;
  r.header = header(d.locate, in.timestamp_ns);
  r.stock = sym.stock;
  r.market_category = ' ';             // not a NASDAQ listing tier
  r.financial_status_indicator = ' ';  // not available
  r.round_lot_size = static_cast<uint32_t>(d.lot);
  r.round_lots_only = 'Y';             // the engine takes multiples of the lot only
  r.issue_classification = 'C';        // common stock: rialto has no other kind
  r.issue_sub_type = itch::make_alpha<2>("Z");  // not applicable
  r.authenticity = 'P';
  r.short_sale_threshold_indicator = ' ';
  r.ipo_flag = ' ';
  r.luld_reference_price_tier = ' ';
  r.etp_flag = 'N';
  r.etp_leverage_factor = 0;
  r.inverse_indicator = 'N';
  symbols_.push_back(sym);
  emit(r);
}

const FeedEncoder::Symbol* FeedEncoder::symbol_of(Shard& sh, SymbolId s) {
  if (s.value() >= sh.symbols.size() || sh.symbols[s.value()] < 0) return nullptr;
  const Symbol& sym = symbols_[static_cast<size_t>(sh.symbols[s.value()])];
  return sym.published ? &sym : nullptr;
}

void FeedEncoder::remove_ref(Shard& sh, OrderId id, uint64_t ref, uint16_t locate, uint64_t ts) {
  itch::OrderDelete m;
  m.header = header(locate, ts);
  m.order_reference_number = ref;
  sh.refs.erase(id.value());
  emit(m);
}

void FeedEncoder::release_held(Shard& sh) {
  if (!sh.held) return;
  sh.held = false;
  const Event& e = sh.held_event;
  auto it = sh.refs.find(e.id.value());
  if (it == sh.refs.end()) return;
  const Symbol* sym = symbol_of(sh, e.symbol);
  assert(sym != nullptr);
  remove_ref(sh, e.id, it->second, sym->locate, sh.held_ts);
}

void FeedEncoder::add(Shard& sh, const Symbol& sym, uint64_t ts, const Event& e) {
  uint32_t price = 0;
  if (!to_price4(e.price.value(), sym.tick_mantissa, sym.tick_scale, &price) || e.qty.value() <= 0 ||
      e.qty.value() > std::numeric_limits<uint32_t>::max()) {
    if (stats_.unpublished_orders++ == 0 && log_) {
      log_("md: an order of " + name_of(sym.stock) +
           " is not published: its price or size does not fit ITCH's 32-bit fields (counted from now on)");
    }
    return;
  }
  itch::AddOrder m;
  m.header = header(sym.locate, ts);
  m.order_reference_number = next_ref_++;
  m.buy_sell_indicator = side_char(e.side);
  m.shares = static_cast<uint32_t>(e.qty.value());
  m.stock = sym.stock;
  m.price = price;
  sh.refs[e.id.value()] = m.order_reference_number;
  emit(m);
}

void FeedEncoder::event(Shard& sh, uint64_t ts, const Event& e) {
  if (!feeds_market_data(e.type)) return;  // publish() skips them; a direct caller may not
  const bool own_rest = sh.held && e.type == EventType::rested && e.id == sh.held_event.id &&
                        e.seq == sh.held_event.seq;
  if (sh.held && !own_rest) release_held(sh);
  const Symbol* sym = symbol_of(sh, e.symbol);
  if (sym == nullptr) {
    ++stats_.unknown_symbol_events;
    sh.held = false;
    return;
  }
  switch (e.type) {
    case EventType::rested: {
      if (!own_rest) return add(sh, *sym, ts, e);
      sh.held = false;
      auto it = sh.refs.find(e.id.value());
      if (it == sh.refs.end()) return add(sh, *sym, ts, e);
      uint32_t price = 0;
      if (!to_price4(e.price.value(), sym->tick_mantissa, sym->tick_scale, &price) ||
          e.qty.value() > std::numeric_limits<uint32_t>::max()) {
        remove_ref(sh, e.id, it->second, sym->locate, ts);
        return add(sh, *sym, ts, e);  // counted as not published
      }
      itch::OrderReplace m;
      m.header = header(sym->locate, ts);
      m.original_order_reference_number = it->second;
      m.new_order_reference_number = next_ref_++;
      m.shares = static_cast<uint32_t>(e.qty.value());
      m.price = price;
      it->second = m.new_order_reference_number;
      return emit(m);
    }
    case EventType::trade: {
      auto it = sh.refs.find(e.maker.value());
      if (it == sh.refs.end()) return;  // the maker is not on the feed
      itch::OrderExecuted m;
      m.header = header(sym->locate, ts);
      m.order_reference_number = it->second;
      m.executed_shares = static_cast<uint32_t>(e.qty.value());
      m.match_number = e.match;
      if (e.maker_leaves == Qty{}) sh.refs.erase(it);  // the book drops a fully executed order
      return emit(m);
    }
    case EventType::cancelled: {
      auto it = sh.refs.find(e.id.value());
      if (it == sh.refs.end()) return;  // a taker's remainder, an unfilled FOK: never rested
      const uint64_t ref = it->second;
      std::optional<itch::OrderInfo> o = book_.find_order(ref);
      assert(o.has_value());
      if (o && e.qty.value() < static_cast<int64_t>(o->shares)) {
        itch::OrderCancel m;
        m.header = header(sym->locate, ts);
        m.order_reference_number = ref;
        m.cancelled_shares = static_cast<uint32_t>(e.qty.value());
        return emit(m);
      }
      return remove_ref(sh, e.id, ref, sym->locate, ts);
    }
    case EventType::modified: {
      auto it = sh.refs.find(e.id.value());
      if (!e.kept_priority) {
        if (it == sh.refs.end()) return;  // not on the feed; its `rested`, if any, is an Add
        sh.held = true;
        sh.held_event = e;
        sh.held_ts = ts;
        return;
      }
      if (it == sh.refs.end()) return;
      std::optional<itch::OrderInfo> o = book_.find_order(it->second);
      assert(o.has_value());
      if (!o || e.qty.value() >= static_cast<int64_t>(o->shares)) return;  // nothing removed
      itch::OrderCancel m;
      m.header = header(sym->locate, ts);
      m.order_reference_number = it->second;
      m.cancelled_shares = static_cast<uint32_t>(static_cast<int64_t>(o->shares) - e.qty.value());
      return emit(m);
    }
    case EventType::accepted:
    case EventType::rejected:
    case EventType::book_update:
      return;
  }
}

void FeedEncoder::snapshot(uint64_t ts, MessageSink& out) const {
  char buf[itch::kMaxMessageSize];
  auto put = [&](const itch::Message& m) {
    const size_t n = itch::encode(m, buf);
    out.message(buf, n);
  };
  for (char c : system_events_) {
    itch::SystemEvent m;
    m.header = header(0, ts);
    m.event_code = c;
    put(m);
  }
  for (const Symbol& s : symbols_) {
    if (!s.published) continue;
    itch::StockDirectory r = s.directory;
    r.header.timestamp = ts;
    put(r);
  }
  for (const Symbol& s : symbols_) {
    if (!s.published) continue;
    for (itch::Side side : {itch::Side::buy, itch::Side::sell}) {
      for (const itch::Level& l : book_.levels(s.locate, side)) {
        for (const itch::OrderInfo& o : book_.orders_at(s.locate, side, l.price)) {
          itch::AddOrder a;
          a.header = header(s.locate, ts);
          a.order_reference_number = o.reference;
          a.buy_sell_indicator = static_cast<char>(side);
          a.shares = o.shares;
          a.stock = s.stock;
          a.price = o.price;
          put(a);
        }
      }
    }
  }
}

}  // namespace rialto::mdfeed
