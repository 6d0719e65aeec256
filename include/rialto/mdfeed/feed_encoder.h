// FeedEncoder: engine events and symbol definitions in, ITCH 5.0 messages
// out, in feed order. No I/O, no clock, no threads: the same inputs give the
// same bytes, so it is tested without sockets (tests/mdfeed).
//
// It keeps a replica of every published book (an itch::Book fed with exactly
// the messages it emits), from which snapshot() writes the state a late
// subscriber starts from. The mapping of each engine event to messages, and
// why, is docs/MARKET_DATA.md#publisher; in short:
//   symbol            Stock Directory 'R' (unless it cannot be published)
//   rested            Add Order 'A' with the feed's next order reference
//   trade             Order Executed 'E' on the maker's reference, engine match number
//   cancelled         Order Delete 'D' (Order Cancel 'X' if part of the order remains)
//   modified, kept    Order Cancel 'X' of the quantity removed (nothing if none)
//   modified, lost    held until the next event of its shard: the order's own
//                     `rested` (same input) -> Order Replace 'U'; anything else ->
//                     Order Delete 'D' first (then 'E's, then 'A' if it rests)
//
// Cost: each message is also applied to the replica (itch::Book: one hash
// lookup plus O(log L) in the levels of its side); engine ids map to
// references through one hash table per shard. snapshot() is O(orders) and
// allocates per level: on the publisher thread it pauses draining for as long
// (the shard queues absorb the pause).
//
// Thread safety: none; one thread (the publisher's) owns a FeedEncoder.
// Invariants: book() holds exactly the orders the emitted messages describe;
// every engine order that rests on a published symbol with a price and size
// that fit ITCH is in it, under one reference, at the engine's place in its
// level; order references are 1, 2, 3... in the order they are first used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rialto/itch/book.h"
#include "rialto/itch/itch.h"
#include "rialto/mdfeed/md_input.h"

namespace rialto::mdfeed {

using LogFn = std::function<void(std::string_view)>;

/// Where encoded messages go: each call is one whole ITCH message.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void message(const char* data, size_t size) = 0;
};

struct EncoderStats {
  uint64_t inputs = 0;               // MdInputs applied
  uint64_t messages = 0;             // ITCH messages emitted
  uint64_t unpublished_symbols = 0;  // symbol definitions refused (tick, lot, locate)
  uint64_t unpublished_orders = 0;   // orders not on the feed: price or shares beyond ITCH's 32 bits
  uint64_t unknown_symbol_events = 0;  // events of a symbol the feed does not publish
};

/// price in 1/10000 for `ticks` of a tick mantissa x 10^-scale; false if it
/// does not fit ITCH's Price(4) (uint32) or the tick is finer than 0.0001.
[[nodiscard]] bool to_price4(int64_t ticks, uint64_t tick_mantissa, uint32_t tick_scale, uint32_t* out);

class FeedEncoder {
 public:
  explicit FeedEncoder(MessageSink& out, LogFn log = {});

  /// System Events 'O', 'S', 'Q' (start of messages, system hours, market hours).
  void start(uint64_t timestamp_ns);
  /// One shard record.
  void apply(const MdInput& in);
  /// Resolves held modifies, then System Events 'M', 'E', 'C'.
  void finish(uint64_t timestamp_ns);

  /// Writes the current state as a fresh subscriber needs it: the System
  /// Events so far, a Stock Directory per published symbol, then every
  /// book's orders as Add Order in priority order (bids then asks, best level
  /// first), all stamped `timestamp_ns`. A modify still held (its input's
  /// next event not seen yet) is shown as the order before the modify.
  void snapshot(uint64_t timestamp_ns, MessageSink& out) const;

  [[nodiscard]] const itch::Book& book() const { return book_; }
  [[nodiscard]] const EncoderStats& stats() const { return stats_; }
  /// The feed's reference of a resting engine order, 0 if it is not on the feed.
  [[nodiscard]] uint64_t reference_of(uint32_t shard, OrderId id) const;

 private:
  struct Symbol {
    bool published = false;
    uint16_t locate = 0;
    itch::Stock stock{};
    uint64_t tick_mantissa = 1;
    uint32_t tick_scale = 0;
    itch::StockDirectory directory{};
  };
  struct Shard {
    std::vector<int32_t> symbols;  // engine SymbolId -> index in symbols_, -1: unknown
    std::unordered_map<uint64_t, uint64_t> refs;  // resting engine OrderId -> feed reference
    bool held = false;  // a priority-losing modify waits for its input's next event
    Event held_event{};
    uint64_t held_ts = 0;
  };

  void define(const MdInput& in);
  void event(Shard& sh, uint64_t ts, const Event& e);
  void release_held(Shard& sh);
  const Symbol* symbol_of(Shard& sh, SymbolId s);
  void add(Shard& sh, const Symbol& sym, uint64_t ts, const Event& e);
  void remove_ref(Shard& sh, OrderId id, uint64_t ref, uint16_t locate, uint64_t ts);
  void system_event(uint64_t ts, char code);
  void emit(const itch::Message& m);
  Shard& shard(uint32_t k);

  MessageSink& out_;
  LogFn log_;
  itch::Book book_;
  std::vector<Shard> shards_;
  std::vector<Symbol> symbols_;
  std::vector<char> system_events_;
  uint64_t next_ref_ = 1;
  EncoderStats stats_;
  char buf_[itch::kMaxMessageSize];
};

}  // namespace rialto::mdfeed
