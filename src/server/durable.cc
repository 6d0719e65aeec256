#include "durable.h"

#include <bit>
#include <charconv>

namespace rialto::server {

static_assert(std::endian::native == std::endian::little, "the journal's layouts are little-endian");

namespace {

/// A fixed-size little-endian writer into a record buffer.
class Put {
 public:
  explicit Put(uint8_t* p) : p_(p) {}
  template <class T>
  void v(T x) {
    std::memcpy(p_ + n_, &x, sizeof x);
    n_ += sizeof x;
  }
  void bytes(const void* b, size_t n) {
    std::memcpy(p_ + n_, b, n);
    n_ += n;
  }
  [[nodiscard]] size_t size() const { return n_; }

 private:
  uint8_t* p_;
  size_t n_ = 0;
};

template <class E>
bool enum_ok(uint8_t v, E last) {
  return v <= static_cast<uint8_t>(last);
}

std::string bad(std::string_view what, uint64_t v) {
  std::string s(what);
  s += ' ';
  s += std::to_string(v);
  return s;
}

}  // namespace

size_t encode_input(const ShardInput& in, uint8_t (&out)[kMaxInputPayload]) {
  Put w(out);
  w.v(in.session);
  w.v(in.cl_ord_id);
  w.v(in.token);
  switch (in.kind) {
    case InputKind::new_order: {
      const NewOrder& o = in.new_order;
      w.v(o.id.value());
      w.v(o.symbol.value());
      w.v(static_cast<uint8_t>(o.side));
      w.v(static_cast<uint8_t>(o.type));
      w.v(static_cast<uint8_t>(o.tif));
      w.v(static_cast<uint8_t>(o.stp));
      w.v(static_cast<uint8_t>(o.post_only ? 1 : 0));
      w.v(static_cast<uint8_t>(o.price_status));
      w.v(o.account.value());
      w.v(o.qty.value());
      w.v(o.price.value());
      w.v(o.tag);
      break;
    }
    case InputKind::cancel:
      w.v(in.cancel.id.value());
      break;
    case InputKind::modify: {
      const ModifyOrder& m = in.modify;
      w.v(m.id.value());
      w.v(static_cast<uint8_t>(m.has_qty ? 1 : 0));
      w.v(static_cast<uint8_t>(m.price_status));
      w.v(m.qty.value());
      w.v(m.price.value());
      break;
    }
    case InputKind::mass_cancel:
      w.v(in.mass.account.value());
      w.v(in.mass.symbol.value());
      break;
    case InputKind::add_symbol: {
      const SymbolDef& d = in.symbol;
      w.v(d.spec.lot.value());
      w.v(d.spec.max_qty.value());
      w.v(d.tick.mantissa);
      w.v(d.tick.scale);
      w.bytes(d.name, sizeof d.name);
      break;
    }
    case InputKind::account:
      w.v(in.account.id.value());
      w.bytes(in.account.name, sizeof in.account.name);
      break;
    case InputKind::expire:
    case InputKind::sync:
    case InputKind::book:
      break;
  }
  return w.size();
}

bool decode_input(uint8_t type, const uint8_t* p, size_t n, ShardInput* out, std::string* error) {
  if (type >= kInputKinds || !journaled(static_cast<InputKind>(type))) {
    *error = bad("unknown record type", type);
    return false;
  }
  // Lengths first: a payload of the wrong size says nothing about its fields.
  static constexpr size_t kSizes[kInputKinds] = {46, 8, 26, 8, 0, 0, 36, 0, 20};
  if (n != kCommonPayload + kSizes[type]) {
    *error = bad("payload length", n) + " does not fit its record type " + std::to_string(type);
    return false;
  }
  ShardInput in;
  in.kind = static_cast<InputKind>(type);
  ByteReader r(p, n);
  in.session = r.u32();
  in.cl_ord_id = r.u64();
  in.token = r.u64();
  switch (in.kind) {
    case InputKind::new_order: {
      NewOrder& o = in.new_order;
      o.id = OrderId(r.u64());
      o.symbol = SymbolId(r.u32());
      const uint8_t side = r.u8(), type_ = r.u8(), tif = r.u8(), stp = r.u8(), post = r.u8(), ps = r.u8();
      if (!enum_ok(side, Side::sell) || !enum_ok(type_, OrderType::market) || !enum_ok(tif, TimeInForce::fok) ||
          !enum_ok(stp, StpMode::cancel_both) || post > 1 || !enum_ok(ps, PriceStatus::off_tick)) {
        *error = "new order with an enum field out of range";
        return false;
      }
      o.side = static_cast<Side>(side);
      o.type = static_cast<OrderType>(type_);
      o.tif = static_cast<TimeInForce>(tif);
      o.stp = static_cast<StpMode>(stp);
      o.post_only = post == 1;
      o.price_status = static_cast<PriceStatus>(ps);
      o.account = AccountId(r.u32());
      o.qty = Qty(r.i64());
      o.price = Price(r.i64());
      o.tag = r.u64();
      break;
    }
    case InputKind::cancel:
      in.cancel.id = OrderId(r.u64());
      break;
    case InputKind::modify: {
      ModifyOrder& m = in.modify;
      m.id = OrderId(r.u64());
      const uint8_t has = r.u8(), ps = r.u8();
      if (has > 1 || !enum_ok(ps, PriceStatus::off_tick)) {
        *error = "modify with an enum field out of range";
        return false;
      }
      m.has_qty = has == 1;
      m.price_status = static_cast<PriceStatus>(ps);
      m.qty = Qty(r.i64());
      m.price = Price(r.i64());
      break;
    }
    case InputKind::mass_cancel:
      in.mass.account = AccountId(r.u32());
      in.mass.symbol = SymbolId(r.u32());
      break;
    case InputKind::add_symbol: {
      SymbolDef& d = in.symbol;
      d.spec.lot = Qty(r.i64());
      d.spec.max_qty = Qty(r.i64());
      d.tick.mantissa = r.u64();
      d.tick.scale = r.u32();
      r.bytes(d.name, sizeof d.name);
      if (d.tick.mantissa == 0 || d.tick.mantissa > kMaxTickMantissa || d.tick.scale > kMaxTickScale) {
        *error = "symbol with an invalid tick";
        return false;
      }
      break;
    }
    case InputKind::account:
      in.account.id = AccountId(r.u32());
      r.bytes(in.account.name, sizeof in.account.name);
      break;
    case InputKind::expire:
    case InputKind::sync:
    case InputKind::book:
      break;
  }
  if (!r.ok() || r.remaining() != 0) {
    *error = bad("payload length", n) + " does not fit its record type " + std::to_string(type);
    return false;
  }
  *out = in;
  return true;
}

void OutputHash::add(const Event& e) {
  const uint64_t small = uint64_t{static_cast<uint8_t>(e.type)} | uint64_t{static_cast<uint8_t>(e.side)} << 8 |
                         uint64_t{static_cast<uint8_t>(e.reject)} << 16 |
                         uint64_t{static_cast<uint8_t>(e.cancel)} << 24 |
                         uint64_t{static_cast<uint8_t>(e.command)} << 32 |
                         uint64_t{static_cast<uint8_t>(e.order_type)} << 40 |
                         uint64_t{static_cast<uint8_t>(e.tif)} << 48 | uint64_t{e.kept_priority ? 1u : 0u} << 56;
  const uint64_t words[11] = {e.seq.value(),
                              e.id.value(),
                              e.maker.value(),
                              e.match,
                              static_cast<uint64_t>(e.price.value()),
                              static_cast<uint64_t>(e.qty.value()),
                              static_cast<uint64_t>(e.leaves.value()),
                              static_cast<uint64_t>(e.maker_leaves.value()),
                              uint64_t{e.symbol.value()},
                              uint64_t{e.count},
                              small};
  uint64_t h = value;
  for (uint64_t w : words) h = std::rotl(h ^ w, 27) * 0x9E3779B97F4A7C15ULL;
  value = h;
}

std::string to_hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = kDigits[v & 15];
  return s;
}

void format_event(const Event& e, std::string& out) {
  char buf[32];
  auto num = [&](std::string_view key, auto v) {
    out += key;
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out.append(buf, end);
  };
  num("", e.seq.value());
  out += ' ';
  out += to_string(e.type);
  num(" id=", e.id.value());
  num(" maker=", e.maker.value());
  num(" match=", e.match);
  num(" px=", e.price.value());
  num(" qty=", e.qty.value());
  num(" leaves=", e.leaves.value());
  num(" maker_leaves=", e.maker_leaves.value());
  num(" sym=", e.symbol.value());
  num(" count=", e.count);
  out += " side=";
  out += to_string(e.side);
  out += " reject=";
  out += to_string(e.reject);
  out += " cancel=";
  out += to_string(e.cancel);
  out += " command=";
  out += to_string(e.command);
  out += " type=";
  out += to_string(e.order_type);
  out += " tif=";
  out += to_string(e.tif);
  out += e.kept_priority ? " kept=1\n" : " kept=0\n";
}

}  // namespace rialto::server
