// The matching side of a shard: one engine and the handling of every
// ShardInput, independent of threads and queues (ShardThread runs it on its
// own thread; tests and the fuzz target run it inline).
//
// Thread safety: none; one thread calls apply() (the single writer).
// Invariants: every output of an input is emitted before apply() returns, in
// engine order, tagged with the input's session and client order id.
#pragma once

#include <cstdint>
#include <vector>

#include "rialto/engine/engine.h"
#include "shard_messages.h"

namespace rialto::server {

/// Out: `void push(const ShardOutput&)` (may block until there is room).
template <class Out>
class Matcher {
 public:
  template <class O>
  struct EventForwarder {
    O& out;
    ShardOutput context;  // the current input's
    void on_event(const Event& e) {
      ShardOutput o = context;
      o.kind = OutputKind::event;
      o.event = e;
      out.push(o);
    }
  };

  Matcher(const engine::EngineConfig& config, Out& out) : sink_{out, {}}, engine_(config, sink_) {}

  [[nodiscard]] bool ok() const { return engine_.ok(); }
  [[nodiscard]] const engine::Engine<EventForwarder<Out>>& engine() const { return engine_; }

  void apply(const ShardInput& in) {
    ShardOutput& ctx = sink_.context;
    ctx = ShardOutput{};
    ctx.session = in.session;
    ctx.cl_ord_id = in.cl_ord_id;
    ctx.token = in.token;
    switch (in.kind) {
      case InputKind::new_order:
        engine_.submit(in.new_order);
        break;
      case InputKind::cancel:
        engine_.cancel(in.cancel);
        break;
      case InputKind::modify:
        engine_.modify(in.modify);
        break;
      case InputKind::mass_cancel:
        mass_cancel(in.mass.account, in.mass.symbol);
        break;
      case InputKind::sync:
        emit(OutputKind::sync_done);
        break;
      case InputKind::book:
        book(in.book.symbol);
        break;
      case InputKind::add_symbol: {
        ShardOutput& o = ctx;
        o.symbol = engine_.add_symbol(in.symbol_spec);
        emit(OutputKind::symbol_added);
        break;
      }
      case InputKind::expire:
        engine_.expire();
        break;
    }
  }

 private:
  void emit(OutputKind kind) {
    ShardOutput o = sink_.context;
    o.kind = kind;
    sink_.out.push(o);
  }

  void mass_cancel(AccountId account, SymbolId only) {
    victims_.clear();
    const uint32_t n = engine_.symbol_count();
    for (uint32_t s = 0; s < n; ++s) {
      if (only != kNoSymbol && only.value() != s) continue;
      for (Side side : {Side::buy, Side::sell}) {
        engine_.for_each_order(SymbolId(s), side, [&](const engine::OrderView& v) {
          if (v.account == account) victims_.push_back(v.id);
        });
      }
    }
    for (OrderId id : victims_) engine_.cancel(CancelOrder{id});
    sink_.context.count = static_cast<uint32_t>(victims_.size());
    emit(OutputKind::mass_cancel_done);
  }

  void book(SymbolId symbol) {
    if (symbol.value() < engine_.symbol_count()) {
      for (Side side : {Side::buy, Side::sell}) {
        engine_.for_each_level(symbol, side, [&](const engine::LevelView& l) {
          ShardOutput o = sink_.context;
          o.kind = OutputKind::book_level;
          o.side = side;
          o.symbol = symbol;
          o.level = l;
          sink_.out.push(o);
        });
      }
    }
    sink_.context.symbol = symbol;
    emit(OutputKind::book_end);
  }

 private:
  EventForwarder<Out> sink_;
  engine::Engine<EventForwarder<Out>> engine_;
  std::vector<OrderId> victims_;
};

}  // namespace rialto::server
