// What a matching shard hands the market-data publisher: one fixed-size,
// trivially copyable record per engine event it publishes, and one per symbol
// it defines, through a bounded single-producer single-consumer queue per
// shard (MdQueue). The publisher turns them into ITCH 5.0 messages
// (docs/MARKET_DATA.md#publisher).
//
// Thread safety: an MdQueue has one producer (its shard's matching thread:
// publish(), publish_symbol()) and one consumer (the publisher thread:
// try_pop()). broken() may be read by anyone.
//
// Invariants: a shard pushes the symbol record of an engine symbol before
// any event of that symbol; the events of one input are pushed in engine
// order, after the input's results are released (so the feed never shows
// what an execution report has not yet been allowed to say).
//
// Back-pressure: the producer never blocks. When a push finds the queue full
// the queue is marked overflowed and every later push is refused at once:
// the publisher declares the feed broken (End of Session to every
// subscriber, new logins refused), matching goes on.
#pragma once

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "rialto/core/decimal.h"
#include "rialto/core/types.h"

namespace rialto::mdfeed {

enum class MdKind : uint8_t { event, symbol };

/// A symbol definition as the feed publishes it (ITCH Stock Directory).
struct MdSymbol {
  SymbolId engine_symbol = kNoSymbol;  // the shard engine's id, as its events carry it
  uint16_t locate = 0;                 // ITCH stock locate: the gateway's symbol index + 1 (global)
  char name[8] = {};                   // ITCH Stock: left-justified, space padded
  uint64_t tick_mantissa = 1;          // tick = tick_mantissa x 10^-tick_scale (core TickSize)
  uint32_t tick_scale = 0;
  int64_t lot = 1;                     // ITCH Round Lot Size
};

struct MdInput {
  MdKind kind = MdKind::event;
  uint32_t shard = 0;
  uint64_t timestamp_ns = 0;  // nanoseconds since midnight (UTC), taken by the shard
  union {
    Event event;
    MdSymbol symbol;
  };
  MdInput() : event{} {}
};
static_assert(std::is_trivially_copyable_v<MdInput>);
static_assert(sizeof(MdInput) <= 96, "an MdInput is a small fixed record");

/// One shard's queue to the publisher. Created by the Publisher.
class MdQueue {
 public:
  /// `prefault`: touch every slot now (one push and pop each), so that the
  /// shard's first pass round the ring takes no page faults.
  MdQueue(uint32_t shard, size_t capacity, bool prefault = false) : shard_(shard), q_(capacity) {
    if (prefault) {
      MdInput in;
      while (q_.push(in)) {
      }
      while (q_.pop(in)) {
      }
    }
  }
  MdQueue(const MdQueue&) = delete;
  MdQueue& operator=(const MdQueue&) = delete;

  [[nodiscard]] uint32_t shard() const { return shard_; }

  /// Producer only. False when the queue is full or has overflowed before;
  /// the first failure marks it overflowed (it never recovers).
  [[nodiscard]] bool try_push(const MdInput& in) noexcept {
    // relaxed: only the producer writes overflowed_ after construction, so
    // the producer's own reads see its own store.
    if (overflowed_.load(std::memory_order_relaxed)) return false;
    if (q_.push(in)) return true;
    // release: pairs with the acquire in overflowed(); the consumer that sees
    // it has also seen every push before it.
    overflowed_.store(true, std::memory_order_release);
    return false;
  }

  /// Producer only: free slots now (at least this many pushes will succeed).
  [[nodiscard]] size_t write_available() const noexcept { return q_.write_available(); }

  /// Consumer only.
  [[nodiscard]] bool try_pop(MdInput& out) noexcept { return q_.pop(out); }

  /// Any thread: a push has failed; the feed is broken.
  [[nodiscard]] bool overflowed() const noexcept { return overflowed_.load(std::memory_order_acquire); }

 private:
  uint32_t shard_;
  std::atomic<bool> overflowed_{false};
  boost::lockfree::spsc_queue<MdInput> q_;
};

/// True for the engine events a market-by-order feed is built from
/// (trade, cancelled, modified, rested); the others carry nothing a
/// subscriber's book needs (book_update is the sum of the orders).
[[nodiscard]] constexpr bool feeds_market_data(EventType t) {
  return t == EventType::trade || t == EventType::cancelled || t == EventType::modified || t == EventType::rested;
}

/// Shard side, once per engine event after the input's results are released.
/// Events the feed does not use are skipped (true). Never blocks: false when
/// the queue is full or already overflowed (the feed is then broken; the
/// caller goes on matching and needs to do nothing else).
[[nodiscard]] inline bool publish(MdQueue& q, const Event& e, uint64_t timestamp_ns) noexcept {
  if (!feeds_market_data(e.type)) return true;
  MdInput in;
  in.kind = MdKind::event;
  in.shard = q.shard();
  in.timestamp_ns = timestamp_ns;
  in.event = e;
  return q.try_push(in);
}

/// Shard side, when a symbol is defined in its engine (before any of its
/// events). `name` longer than 8 bytes is cut; `locate` 0 is invalid.
[[nodiscard]] inline bool publish_symbol(MdQueue& q, SymbolId engine_symbol, uint16_t locate, std::string_view name,
                                         TickSize tick, Qty lot, uint64_t timestamp_ns) noexcept {
  MdInput in;
  in.kind = MdKind::symbol;
  in.shard = q.shard();
  in.timestamp_ns = timestamp_ns;
  in.symbol = MdSymbol{};
  in.symbol.engine_symbol = engine_symbol;
  in.symbol.locate = locate;
  std::memset(in.symbol.name, ' ', sizeof in.symbol.name);
  std::memcpy(in.symbol.name, name.data(), name.size() < 8 ? name.size() : 8);
  in.symbol.tick_mantissa = tick.mantissa;
  in.symbol.tick_scale = tick.scale;
  in.symbol.lot = lot.value();
  return q.try_push(in);
}

/// Nanoseconds since the last UTC midnight (CLOCK_REALTIME): the ITCH
/// timestamp a shard stamps its inputs with.
[[nodiscard]] uint64_t ns_since_midnight() noexcept;

}  // namespace rialto::mdfeed
