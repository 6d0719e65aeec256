// What the gateway and a matching shard hand each other through their queues.
//
// Both are trivially copyable fixed-size records, so a queue slot holds one
// and nothing is allocated per message. An input names the session that sent
// it; every output carries that context back, so that the gateway can answer
// the sender even when the order it names is gone (a cancel that lost the race
// against a fill is rejected with the cancel's client order id).
//
// These inputs are also what a journal records (the seam for durability):
// Matcher::apply(input) is deterministic given the inputs before it.
#pragma once

#include <cstdint>
#include <type_traits>

#include "rialto/core/decimal.h"
#include "rialto/core/types.h"
#include "rialto/engine/engine.h"

namespace rialto::server {

enum class InputKind : uint8_t {
  new_order,
  cancel,
  modify,
  mass_cancel,  // every resting order of `account` (on `symbol`, or all when symbol == kNoSymbol)
  sync,         // answers sync_done once every earlier input's outputs are out
  book,         // answers book_level... then book_end
  add_symbol,   // defines the next symbol of the shard's engine (the gateway checked it)
  expire,       // cancels every resting day order
  account,      // binds an account name to its AccountId (sent to every shard before its first order)
};
inline constexpr uint8_t kInputKinds = 9;

/// A symbol as the gateway defines it (the engine needs only `spec`; the rest
/// is journaled so that a restart recovers the gateway's table too).
struct SymbolDef {
  engine::SymbolSpec spec;
  TickSize tick;
  char name[8];  // NUL-padded
};

struct AccountBinding {
  AccountId id;
  char name[16];  // NUL-padded
};

struct MassCancelInput {
  AccountId account;
  SymbolId symbol;  // kNoSymbol: every symbol
};

struct BookInput {
  SymbolId symbol;
};

struct ShardInput {
  InputKind kind = InputKind::sync;
  uint32_t session = 0;    // the sender
  uint64_t cl_ord_id = 0;  // the sender's id for the order (new, cancel, modify)
  uint64_t token = 0;      // sync: the client's token; book, add_symbol: the gateway's symbol index
  union {
    NewOrder new_order;
    CancelOrder cancel;
    ModifyOrder modify;
    MassCancelInput mass;
    BookInput book;
    SymbolDef symbol;
    AccountBinding account;
  };
  ShardInput() : new_order{} {}
};
static_assert(std::is_trivially_copyable_v<ShardInput>);

enum class OutputKind : uint8_t {
  event,          // an engine event
  sync_done,      // token = the sync's token
  book_level,     // level = one level of side `side`; best first, bids then asks
  book_end,
  symbol_added,   // token = the gateway's symbol index; symbol = the engine's id (kNoSymbol: refused)
  mass_cancel_done,  // count = orders cancelled
  halted,         // the shard's journal failed (sent once); count = the shard's number
};

struct ShardOutput {
  OutputKind kind = OutputKind::event;
  Side side = Side::buy;
  uint32_t session = 0;    // the input's sender
  uint32_t count = 0;
  SymbolId symbol = kNoSymbol;
  uint64_t cl_ord_id = 0;  // the input's
  uint64_t token = 0;
  union {
    Event event;
    engine::LevelView level;
  };
  ShardOutput() : event{} {}
};
static_assert(std::is_trivially_copyable_v<ShardOutput>);

}  // namespace rialto::server
