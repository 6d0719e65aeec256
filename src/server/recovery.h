// What a recovered shard tells the gateway (RecoveredShard), read off its
// matcher after the snapshot and the journal tail were applied. One function
// for the server and the tests that restart a gateway.
#pragma once

#include "gateway.h"
#include "matcher.h"

namespace rialto::server {

template <class Out>
RecoveredShard recovered_state(const Matcher<Out>& m) {
  RecoveredShard r;
  for (const auto& s : m.symbols()) r.symbols.push_back({s.token, s.def});
  r.accounts = m.accounts();
  r.max_session = m.max_session();
  const auto& e = m.engine();
  for (uint32_t s = 0; s < e.symbol_count(); ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      e.for_each_order(SymbolId(s), side, [&](const engine::OrderView& v) { r.orders.push_back(v); });
    }
  }
  return r;
}

}  // namespace rialto::server
