// Script output: engine events as the lines of docs/SEMANTICS.md ("Scenario
// format v1"), and the `book` listing. Shared by every script backend, so that
// a script run on the local engine and one run through a venue print alike.
//
// Thread safety: none. Allocates (its buffer grows with the pending text).
#pragma once

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "rialto/core/decimal.h"
#include "rialto/core/types.h"

namespace rialto::script {

/// Formats events into a buffer; prices with the tick of the event's symbol
/// (`ticks` is indexed by SymbolId and outlives the sink).
class TextSink {
 public:
  explicit TextSink(const std::vector<TickSize>& ticks) : ticks_(ticks) {}

  void on_event(const Event& e) {
    switch (e.type) {
      case EventType::accepted:
        put("accepted id=");
        put(e.id.value());
        break;
      case EventType::rejected:
        put("rejected id=");
        put(e.id.value());
        put(" reason=");
        put(to_string(e.reject));
        break;
      case EventType::trade:
        put("trade px=");
        put_price(e.price, e.symbol);
        put(" qty=");
        put(e.qty.value());
        put(" taker=");
        put(e.id.value());
        put(" maker=");
        put(e.maker.value());
        break;
      case EventType::cancelled:
        put("cancelled id=");
        put(e.id.value());
        put(" reason=");
        put(to_string(e.cancel));
        put(" qty=");
        put(e.qty.value());
        break;
      case EventType::modified:
        put("modified id=");
        put(e.id.value());
        put(" px=");
        put_price(e.price, e.symbol);
        put(" qty=");
        put(e.qty.value());
        break;
      case EventType::rested:
      case EventType::book_update: return;  // book changes: not part of the script output
    }
    buf_.push_back('\n');
  }

  // The `book` listing: book_begin, then book_level for each bid level best
  // first, then each ask level best first, then book_end.
  void book_begin(std::string_view symbol_name) {
    put("book sym=");
    put(symbol_name);
    put("\n");
  }
  void book_level(Side side, Price price, Qty total, uint32_t orders, SymbolId symbol) {
    put(side == Side::buy ? "bid px=" : "ask px=");
    put_price(price, symbol);
    put(" qty=");
    put(total.value());
    put(" orders=");
    put(orders);
    put("\n");
  }
  void book_end() { put("end\n"); }

  void put(std::string_view s) { buf_.append(s); }
  template <std::integral Int>
  void put(Int v) {
    std::array<char, 24> tmp;
    auto r = std::to_chars(tmp.data(), tmp.data() + tmp.size(), v);
    buf_.append(tmp.data(), r.ptr);
  }
  void put_price(Price p, SymbolId s) {
    char tmp[kMaxPriceChars];
    buf_.append(tmp, format_price(tmp, p, ticks_[s.value()]));
  }

  void flush_to(std::ostream& out) {
    out.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }
  [[nodiscard]] size_t pending() const { return buf_.size(); }
  /// The pending text (tests read it without a stream).
  [[nodiscard]] std::string_view text() const { return buf_; }

 private:
  const std::vector<TickSize>& ticks_;
  std::string buf_;
};

}  // namespace rialto::script
