// A shard that runs its Matcher inline: try_push applies the input at once and
// queues its outputs in a deque that try_pop drains. With it a whole Gateway
// runs in one thread, deterministically (tests/server, fuzz/session_fuzz.cc).
//
// Thread safety: none; the gateway's thread calls everything.
// Invariants: outputs leave in the order the matcher emitted them. When
// `max_queued` is set, try_push refuses (like a full queue) while that many
// outputs wait, so the gateway's drain-while-pushing path runs too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "gateway.h"
#include "matcher.h"
#include "rialto/engine/engine.h"
#include "shard_messages.h"

namespace rialto::server::testing {

struct InlineShardOut {
  std::deque<ShardOutput> queue;
  void push(const ShardOutput& o) { queue.push_back(o); }
};

class InlineShard final : public ShardLink {
 public:
  explicit InlineShard(const engine::EngineConfig& config) : matcher_(config, out_) {}

  [[nodiscard]] bool ok() const { return matcher_.ok(); }

  [[nodiscard]] bool try_push(const ShardInput& in) override {
    if (out_.queue.size() >= max_queued) {
      ++refused;
      return false;
    }
    if (journaled(in.kind)) journal.push_back(in);
    matcher_.apply(in);
    ++applied;
    return true;
  }

  /// Applies recorded inputs (a journal replay) and discards their outputs.
  void replay(const std::vector<ShardInput>& inputs) {
    for (const ShardInput& in : inputs) {
      journal.push_back(in);
      matcher_.apply(in);
    }
    out_.queue.clear();
  }
  /// Restores a snapshot saved from another shard's matcher().
  [[nodiscard]] bool load(const std::vector<uint8_t>& bytes, std::string* error) {
    return matcher_.load(bytes.data(), bytes.size(), error);
  }
  [[nodiscard]] const Matcher<InlineShardOut>& matcher() const { return matcher_; }

  [[nodiscard]] bool try_pop(ShardOutput& o) override {
    if (out_.queue.empty()) return false;
    o = out_.queue.front();
    out_.queue.pop_front();
    return true;
  }

  [[nodiscard]] size_t queued() const { return out_.queue.size(); }
  [[nodiscard]] uint32_t resting_orders() const { return matcher_.engine().resting_orders(); }

  /// try_push refuses while this many outputs are queued (a full queue).
  size_t max_queued = std::numeric_limits<size_t>::max();
  uint64_t applied = 0;
  uint64_t refused = 0;
  std::vector<ShardInput> journal;  // every journaled input, as the journal would hold them

 private:
  InlineShardOut out_;  // before matcher_, which keeps a reference to it
  Matcher<InlineShardOut> matcher_;
};

/// The engine configuration a shard of `o` runs with (as the server builds it).
inline engine::EngineConfig engine_config_for(const GatewayOptions& o) {
  engine::EngineConfig c;
  c.max_orders = o.max_orders_per_shard;
  c.max_symbols = o.max_symbols_per_shard;
  return c;
}

}  // namespace rialto::server::testing
