// ITCH 5.0 codec. Each message type's fields are listed once, in wire order,
// in a walk() overload; the same list drives encoding, decoding, the text
// form, and a compile-time check that the fields add up to the type's length.
#include "rialto/itch/itch.h"

#include <cstdio>
#include <type_traits>

namespace rialto::itch {

namespace {

// ---- Field walkers -----------------------------------------------------------

/// Counts bytes (constexpr: checks the field lists against kSize).
struct Sizer {
  std::size_t n = 1;  // the type byte
  constexpr void chr(const char*, char&) { n += 1; }
  constexpr void u16(const char*, std::uint16_t&) { n += 2; }
  constexpr void u32(const char*, std::uint32_t&) { n += 4; }
  constexpr void u64(const char*, std::uint64_t&) { n += 8; }
  constexpr void ts48(const char*, std::uint64_t&) { n += 6; }
  constexpr void ts64(const char*, std::uint64_t&) { n += 8; }
  constexpr void price4(const char*, std::uint32_t&) { n += 4; }
  constexpr void price8(const char*, std::uint64_t&) { n += 8; }
  template <std::size_t N>
  constexpr void alpha(const char*, Alpha<N>&) {
    n += N;
  }
};

struct Writer {
  unsigned char* p;  // after the type byte
  void put(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) *p++ = static_cast<unsigned char>(v >> (8 * i));
  }
  void chr(const char*, char& c) { *p++ = static_cast<unsigned char>(c); }
  void u16(const char*, std::uint16_t& v) { put(v, 2); }
  void u32(const char*, std::uint32_t& v) { put(v, 4); }
  void u64(const char*, std::uint64_t& v) { put(v, 8); }
  void ts48(const char*, std::uint64_t& v) { put(v & kMaxTimestamp, 6); }
  void ts64(const char*, std::uint64_t& v) { put(v, 8); }
  void price4(const char*, std::uint32_t& v) { put(v, 4); }
  void price8(const char*, std::uint64_t& v) { put(v, 8); }
  template <std::size_t N>
  void alpha(const char*, Alpha<N>& a) {
    for (char c : a) *p++ = static_cast<unsigned char>(c);
  }
};

struct Reader {
  const unsigned char* p;  // after the type byte
  std::uint64_t get(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | *p++;
    return v;
  }
  void chr(const char*, char& c) { c = static_cast<char>(*p++); }
  void u16(const char*, std::uint16_t& v) { v = static_cast<std::uint16_t>(get(2)); }
  void u32(const char*, std::uint32_t& v) { v = static_cast<std::uint32_t>(get(4)); }
  void u64(const char*, std::uint64_t& v) { v = get(8); }
  void ts48(const char*, std::uint64_t& v) { v = get(6); }
  void ts64(const char*, std::uint64_t& v) { v = get(8); }
  void price4(const char*, std::uint32_t& v) { v = static_cast<std::uint32_t>(get(4)); }
  void price8(const char*, std::uint64_t& v) { v = get(8); }
  template <std::size_t N>
  void alpha(const char*, Alpha<N>& a) {
    for (char& c : a) c = static_cast<char>(*p++);
  }
};

void append_char(std::string& s, char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u > 0x20 && u < 0x7f && c != '\\') {
    s += c;
  } else if (c == ' ') {
    s += "\\s";
  } else {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    s += buf;
  }
}

struct Texter {
  std::string& s;
  void name(const char* n) {
    s += ' ';
    s += n;
    s += '=';
  }
  void chr(const char* n, char& c) {
    name(n);
    append_char(s, c);
  }
  void u16(const char* n, std::uint16_t& v) {
    name(n);
    s += std::to_string(v);
  }
  void u32(const char* n, std::uint32_t& v) {
    name(n);
    s += std::to_string(v);
  }
  void u64(const char* n, std::uint64_t& v) {
    name(n);
    s += std::to_string(v);
  }
  void ts48(const char* n, std::uint64_t& v) {
    name(n);
    s += format_timestamp(v);
  }
  void ts64(const char* n, std::uint64_t& v) { ts48(n, v); }
  void price4(const char* n, std::uint32_t& v) {
    name(n);
    s += format_price4(v);
  }
  void price8(const char* n, std::uint64_t& v) {
    name(n);
    s += format_price8(v);
  }
  template <std::size_t N>
  void alpha(const char* n, Alpha<N>& a) {
    name(n);
    const std::string_view t = trimmed(a);
    for (char c : t) append_char(s, c);
  }
};

// ---- Field lists, in the order and with the sizes of the spec's tables ---------

template <class W>
constexpr void walk_header(W& w, Header& h) {
  w.u16("locate", h.stock_locate);
  w.u16("track", h.tracking_number);
  w.ts48("ts", h.timestamp);
}

template <class W>
constexpr void walk(W& w, SystemEvent& m) {
  walk_header(w, m.header);
  w.chr("event", m.event_code);
}
template <class W>
constexpr void walk(W& w, StockDirectory& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.chr("market_category", m.market_category);
  w.chr("financial_status", m.financial_status_indicator);
  w.u32("round_lot", m.round_lot_size);
  w.chr("round_lots_only", m.round_lots_only);
  w.chr("issue_class", m.issue_classification);
  w.alpha("issue_sub_type", m.issue_sub_type);
  w.chr("authenticity", m.authenticity);
  w.chr("short_sale_threshold", m.short_sale_threshold_indicator);
  w.chr("ipo_flag", m.ipo_flag);
  w.chr("luld_tier", m.luld_reference_price_tier);
  w.chr("etp_flag", m.etp_flag);
  w.u32("etp_leverage", m.etp_leverage_factor);
  w.chr("inverse", m.inverse_indicator);
}
template <class W>
constexpr void walk(W& w, StockTradingAction& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.chr("state", m.trading_state);
  w.chr("reserved", m.reserved);
  w.alpha("reason", m.reason);
}
template <class W>
constexpr void walk(W& w, RegShoRestriction& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.chr("action", m.reg_sho_action);
}
template <class W>
constexpr void walk(W& w, MarketParticipantPosition& m) {
  walk_header(w, m.header);
  w.alpha("mpid", m.mpid);
  w.alpha("stock", m.stock);
  w.chr("primary", m.primary_market_maker);
  w.chr("mode", m.market_maker_mode);
  w.chr("state", m.market_participant_state);
}
template <class W>
constexpr void walk(W& w, MwcbDeclineLevel& m) {
  walk_header(w, m.header);
  w.price8("level1", m.level1);
  w.price8("level2", m.level2);
  w.price8("level3", m.level3);
}
template <class W>
constexpr void walk(W& w, MwcbStatus& m) {
  walk_header(w, m.header);
  w.chr("breached", m.breached_level);
}
template <class W>
constexpr void walk(W& w, IpoQuotingPeriodUpdate& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.u32("release_time", m.ipo_quotation_release_time);
  w.chr("qualifier", m.ipo_quotation_release_qualifier);
  w.price4("ipo_price", m.ipo_price);
}
template <class W>
constexpr void walk(W& w, LuldAuctionCollar& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.price4("ref_price", m.auction_collar_reference_price);
  w.price4("upper", m.upper_auction_collar_price);
  w.price4("lower", m.lower_auction_collar_price);
  w.u32("extension", m.auction_collar_extension);
}
template <class W>
constexpr void walk(W& w, OperationalHalt& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.chr("market", m.market_code);
  w.chr("action", m.operational_halt_action);
}
template <class W>
constexpr void walk(W& w, AddOrder& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
  w.chr("side", m.buy_sell_indicator);
  w.u32("shares", m.shares);
  w.alpha("stock", m.stock);
  w.price4("price", m.price);
}
template <class W>
constexpr void walk(W& w, AddOrderMpid& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
  w.chr("side", m.buy_sell_indicator);
  w.u32("shares", m.shares);
  w.alpha("stock", m.stock);
  w.price4("price", m.price);
  w.alpha("mpid", m.attribution);
}
template <class W>
constexpr void walk(W& w, OrderExecuted& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
  w.u32("shares", m.executed_shares);
  w.u64("match", m.match_number);
}
template <class W>
constexpr void walk(W& w, OrderExecutedWithPrice& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
  w.u32("shares", m.executed_shares);
  w.u64("match", m.match_number);
  w.chr("printable", m.printable);
  w.price4("price", m.execution_price);
}
template <class W>
constexpr void walk(W& w, OrderCancel& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
  w.u32("shares", m.cancelled_shares);
}
template <class W>
constexpr void walk(W& w, OrderDelete& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
}
template <class W>
constexpr void walk(W& w, OrderReplace& m) {
  walk_header(w, m.header);
  w.u64("ref", m.original_order_reference_number);
  w.u64("new_ref", m.new_order_reference_number);
  w.u32("shares", m.shares);
  w.price4("price", m.price);
}
template <class W>
constexpr void walk(W& w, Trade& m) {
  walk_header(w, m.header);
  w.u64("ref", m.order_reference_number);
  w.chr("side", m.buy_sell_indicator);
  w.u32("shares", m.shares);
  w.alpha("stock", m.stock);
  w.price4("price", m.price);
  w.u64("match", m.match_number);
}
template <class W>
constexpr void walk(W& w, CrossTrade& m) {
  walk_header(w, m.header);
  w.u64("shares", m.shares);
  w.alpha("stock", m.stock);
  w.price4("price", m.cross_price);
  w.u64("match", m.match_number);
  w.chr("cross_type", m.cross_type);
}
template <class W>
constexpr void walk(W& w, BrokenTrade& m) {
  walk_header(w, m.header);
  w.u64("match", m.match_number);
}
template <class W>
constexpr void walk(W& w, Noii& m) {
  walk_header(w, m.header);
  w.u64("paired", m.paired_shares);
  w.u64("imbalance", m.imbalance_shares);
  w.chr("direction", m.imbalance_direction);
  w.alpha("stock", m.stock);
  w.price4("far", m.far_price);
  w.price4("near", m.near_price);
  w.price4("ref_price", m.current_reference_price);
  w.chr("cross_type", m.cross_type);
  w.chr("variation", m.price_variation_indicator);
}
template <class W>
constexpr void walk(W& w, RetailPriceImprovement& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.chr("interest", m.interest_flag);
}
template <class W>
constexpr void walk(W& w, DirectListingPriceDiscovery& m) {
  walk_header(w, m.header);
  w.alpha("stock", m.stock);
  w.chr("eligible", m.open_eligibility_status);
  w.price4("min_price", m.minimum_allowable_price);
  w.price4("max_price", m.maximum_allowable_price);
  w.price4("near_price", m.near_execution_price);
  w.ts64("near_time", m.near_execution_time);
  w.price4("lower_collar", m.lower_price_range_collar);
  w.price4("upper_collar", m.upper_price_range_collar);
}

template <class T>
constexpr std::size_t walked_size() {
  T m{};
  Sizer s;
  walk(s, m);
  return s.n;
}

template <std::size_t I = 0>
constexpr bool all_sizes_match() {
  if constexpr (I == std::variant_size_v<Message>) {
    return true;
  } else {
    using T = std::variant_alternative_t<I, Message>;
    return walked_size<T>() == T::kSize && T::kSize <= kMaxMessageSize && all_sizes_match<I + 1>();
  }
}
static_assert(all_sizes_match(), "a field list does not add up to its message's length");
static_assert(std::variant_size_v<Message> == 23);

template <std::size_t I = 0>
std::size_t size_of_type(char type) noexcept {
  if constexpr (I == std::variant_size_v<Message>) {
    return 0;
  } else {
    using T = std::variant_alternative_t<I, Message>;
    return type == T::kType ? T::kSize : size_of_type<I + 1>(type);
  }
}

template <std::size_t I = 0>
bool decode_as(char type, const char* p, Message* out) noexcept {
  if constexpr (I == std::variant_size_v<Message>) {
    return false;
  } else {
    using T = std::variant_alternative_t<I, Message>;
    if (type != T::kType) return decode_as<I + 1>(type, p, out);
    T m{};
    Reader r{reinterpret_cast<const unsigned char*>(p) + 1};
    walk(r, m);
    *out = m;
    return true;
  }
}

}  // namespace

std::size_t message_size(char type) noexcept { return size_of_type(type); }

char message_type(const Message& m) noexcept {
  return std::visit([](const auto& v) { return std::decay_t<decltype(v)>::kType; }, m);
}

const Header& header_of(const Message& m) noexcept {
  return std::visit([](const auto& v) -> const Header& { return v.header; }, m);
}

std::size_t encode(const Message& m, char* out) noexcept {
  return std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        T copy = v;
        out[0] = T::kType;
        Writer w{reinterpret_cast<unsigned char*>(out) + 1};
        walk(w, copy);
        return T::kSize;
      },
      m);
}

DecodeStatus decode(const char* p, std::size_t n, Message* out) noexcept {
  DecodeStatus st;
  st.length = n;
  if (n == 0) {
    st.error = DecodeError::empty;
    return st;
  }
  st.type = p[0];
  const std::size_t expected = message_size(p[0]);
  if (expected == 0) {
    st.error = DecodeError::unknown_type;
    return st;
  }
  st.expected = expected;
  if (n != expected) {
    st.error = DecodeError::bad_length;
    return st;
  }
  (void)decode_as(p[0], p, out);
  return st;
}

std::string DecodeStatus::message() const {
  char buf[96];
  switch (error) {
    case DecodeError::ok: return "ok";
    case DecodeError::empty: return "empty message (length 0)";
    case DecodeError::unknown_type:
      std::snprintf(buf, sizeof buf, "unknown message type 0x%02x", static_cast<unsigned char>(type));
      return buf;
    case DecodeError::bad_length:
      std::snprintf(buf, sizeof buf, "message '%c': length %zu, expected %zu", type, length, expected);
      return buf;
  }
  return "unknown decode error";
}

std::string format_timestamp(std::uint64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%llu.%09llu", static_cast<unsigned long long>(ns / 1000000000u),
                static_cast<unsigned long long>(ns % 1000000000u));
  return buf;
}

std::string format_price4(std::uint32_t price) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%u.%04u", price / 10000u, price % 10000u);
  return buf;
}

std::string format_price8(std::uint64_t price) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%llu.%08llu", static_cast<unsigned long long>(price / 100000000u),
                static_cast<unsigned long long>(price % 100000000u));
  return buf;
}

std::string to_text(const Message& m) {
  return std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        std::string s(1, T::kType);
        T copy = v;
        Texter t{s};
        walk(t, copy);
        return s;
      },
      m);
}

}  // namespace rialto::itch
