// Any bytes as what a shard reads back from its data directory: a journal
// record's payload (decode_input, every record type) and a shard snapshot's
// payload (Matcher::load). Neither may crash or read out of bounds; a payload
// that decodes re-encodes to the same bytes; a snapshot that loads saves a
// canonical form that loads back to itself, and the restored matcher keeps working (a few inputs
// applied, each output well-formed).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "durable.h"
#include "matcher.h"

namespace {

using namespace rialto;
using namespace rialto::server;

struct Sink {
  size_t outputs = 0;
  void push(const ShardOutput&) { ++outputs; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const uint8_t* p = data + 1;
  const size_t n = size - 1;
  if (mode < 128) {
    ShardInput in;
    std::string error;
    const auto type = static_cast<uint8_t>(mode % 12);
    if (decode_input(type, p, n, &in, &error)) {
      uint8_t out[kMaxInputPayload];
      const size_t len = encode_input(in, out);
      if (len != n || std::memcmp(out, p, n) != 0) std::abort();
      if (static_cast<uint8_t>(in.kind) != type) std::abort();
    } else if (error.empty()) {
      std::abort();
    }
    return 0;
  }
  engine::EngineConfig config;
  config.max_orders = 64;
  config.max_symbols = 16;
  Sink sink;
  Matcher<Sink> m(config, sink);
  std::string error;
  if (!m.load(p, n, &error)) {
    if (error.empty()) std::abort();
    return 0;
  }
  // A snapshot need not list things in the order save() does (orders of a
  // side by price, accounts once each); what loaded saves canonically, and the
  // canonical form loads back to itself.
  std::vector<uint8_t> again;
  m.save(again);
  Sink sink2;
  Matcher<Sink> m2(config, sink2);
  if (!m2.load(again.data(), again.size(), &error)) std::abort();
  std::vector<uint8_t> twice;
  m2.save(twice);
  if (twice != again || m2.output_hash() != m.output_hash()) std::abort();
  // The restored state must accept more inputs: cancel every resting order.
  std::vector<OrderId> ids;
  for (uint32_t s = 0; s < m.engine().symbol_count(); ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      m.engine().for_each_order(SymbolId(s), side, [&](const engine::OrderView& v) { ids.push_back(v.id); });
    }
  }
  for (OrderId id : ids) {
    ShardInput in;
    in.kind = InputKind::cancel;
    in.cancel = CancelOrder{id};
    m.apply(in);
  }
  ShardInput expire;
  expire.kind = InputKind::expire;
  m.apply(expire);
  if (m.engine().resting_orders() != 0) std::abort();
  return 0;
}
