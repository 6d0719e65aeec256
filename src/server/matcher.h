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
#include "durable.h"
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
    OutputHash hash;
    void on_event(const Event& e) {
      hash.add(e);
      ShardOutput o = context;
      o.kind = OutputKind::event;
      o.event = e;
      out.push(o);
    }
  };

  Matcher(const engine::EngineConfig& config, Out& out) : sink_{out, {}, {}}, engine_(config, sink_) {}

  [[nodiscard]] bool ok() const { return engine_.ok(); }
  [[nodiscard]] const engine::Engine<EventForwarder<Out>>& engine() const { return engine_; }
  /// The running hash of every event so far (restored with a snapshot).
  [[nodiscard]] uint64_t output_hash() const { return sink_.hash.value; }

  /// What the gateway must learn again after a restart.
  struct SymbolEntry {
    uint64_t token;  // the gateway's symbol index
    SymbolDef def;
  };
  [[nodiscard]] const std::vector<SymbolEntry>& symbols() const { return symbols_; }  // by engine SymbolId
  [[nodiscard]] const std::vector<AccountBinding>& accounts() const { return accounts_; }
  [[nodiscard]] uint32_t max_session() const { return max_session_; }

  void apply(const ShardInput& in) {
    ShardOutput& ctx = sink_.context;
    ctx = ShardOutput{};
    ctx.session = in.session;
    ctx.cl_ord_id = in.cl_ord_id;
    ctx.token = in.token;
    if (in.session > max_session_) max_session_ = in.session;
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
        o.symbol = engine_.add_symbol(in.symbol.spec);
        if (o.symbol != kNoSymbol) symbols_.push_back(SymbolEntry{in.token, in.symbol});
        emit(OutputKind::symbol_added);
        break;
      }
      case InputKind::expire:
        engine_.expire();
        break;
      case InputKind::account:
        bind_account(in.account);
        break;
    }
  }

  // ---- Snapshots (docs/JOURNAL.md "Shard snapshot") ---------------------------

  /// Appends the whole state to `out`.
  void save(std::vector<uint8_t>& out) const {
    ByteWriter w(out);
    w.u32(kSnapshotVersion);
    const engine::EngineCounters c = engine_.counters();
    w.u64(c.seq.value());
    w.u64(c.matches);
    w.u64(sink_.hash.value);
    w.u32(max_session_);
    w.u32(static_cast<uint32_t>(symbols_.size()));
    for (const SymbolEntry& s : symbols_) {
      w.u64(s.token);
      w.i64(s.def.spec.lot.value());
      w.i64(s.def.spec.max_qty.value());
      w.u64(s.def.tick.mantissa);
      w.u32(s.def.tick.scale);
      w.bytes(s.def.name, sizeof s.def.name);
    }
    w.u32(static_cast<uint32_t>(accounts_.size()));
    for (const AccountBinding& a : accounts_) {
      w.u32(a.id.value());
      w.bytes(a.name, sizeof a.name);
    }
    w.u32(engine_.resting_orders());
    for (uint32_t s = 0; s < engine_.symbol_count(); ++s) {
      for (Side side : {Side::buy, Side::sell}) {
        engine_.for_each_order(SymbolId(s), side, [&](const engine::OrderView& v) {
          w.u64(v.id.value());
          w.u32(v.symbol.value());
          w.u8(static_cast<uint8_t>(v.side));
          w.u8(static_cast<uint8_t>(v.tif));
          w.u8(static_cast<uint8_t>(v.stp));
          w.u8(v.post_only ? 1 : 0);
          w.i64(v.price.value());
          w.i64(v.open.value());
          w.u32(v.account.value());
          w.u64(v.tag);
          w.i64(v.filled.value());
        });
      }
    }
    uint32_t days = 0;
    engine_.for_each_day_order([&](OrderId) { ++days; });
    w.u32(days);
    engine_.for_each_day_order([&](OrderId id) { w.u64(id.value()); });
  }

  /// Restores a state saved by save() into this fresh matcher (no input
  /// applied yet). False with `error` naming what is wrong and where.
  bool load(const uint8_t* p, size_t n, std::string* error) {
    ByteReader r(p, n);
    auto fail = [&](std::string what) {
      *error = what + " at payload offset " + std::to_string(r.offset());
      return false;
    };
    if (engine_.symbol_count() != 0 || engine_.last_seq() != SeqNo{}) return fail("restore into a used matcher");
    const uint32_t version = r.u32();
    if (version != kSnapshotVersion) return fail("unknown shard snapshot version " + std::to_string(version));
    engine::EngineCounters c;
    c.seq = SeqNo(r.u64());
    c.matches = r.u64();
    const uint64_t hash = r.u64();
    max_session_ = r.u32();
    const uint32_t nsym = r.u32();
    for (uint32_t i = 0; i < nsym && r.ok(); ++i) {
      SymbolEntry s{};
      s.token = r.u64();
      s.def.spec.lot = Qty(r.i64());
      s.def.spec.max_qty = Qty(r.i64());
      s.def.tick.mantissa = r.u64();
      s.def.tick.scale = r.u32();
      r.bytes(s.def.name, sizeof s.def.name);
      if (!r.ok()) break;
      if (engine_.add_symbol(s.def.spec) != SymbolId(i)) return fail("symbol " + std::to_string(i) + " refused");
      symbols_.push_back(s);
    }
    const uint32_t nacc = r.u32();
    for (uint32_t i = 0; i < nacc && r.ok(); ++i) {
      AccountBinding a{};
      a.id = AccountId(r.u32());
      r.bytes(a.name, sizeof a.name);
      if (r.ok()) bind_account(a);
    }
    const uint32_t norders = r.u32();
    uint32_t day_orders = 0;
    for (uint32_t i = 0; i < norders && r.ok(); ++i) {
      engine::OrderView v{};
      v.id = OrderId(r.u64());
      v.symbol = SymbolId(r.u32());
      const uint8_t side = r.u8(), tif = r.u8(), stp = r.u8(), post = r.u8();
      v.price = Price(r.i64());
      v.open = Qty(r.i64());
      v.account = AccountId(r.u32());
      v.tag = r.u64();
      v.filled = Qty(r.i64());
      if (!r.ok()) break;
      if (side > 1 || tif > 3 || stp > 3 || post > 1) return fail("order with an enum field out of range");
      v.side = static_cast<Side>(side);
      v.tif = static_cast<TimeInForce>(tif);
      v.stp = static_cast<StpMode>(stp);
      v.post_only = post == 1;
      if (!engine_.restore_order(v)) return fail("order " + std::to_string(v.id.value()) + " cannot rest");
      if (v.tif == TimeInForce::day) ++day_orders;
    }
    const uint32_t ndays = r.u32();
    if (r.ok() && ndays != day_orders) {
      return fail(std::to_string(day_orders) + " day orders but an expiry list of " + std::to_string(ndays));
    }
    for (uint32_t i = 0; i < ndays && r.ok(); ++i) {
      const OrderId id(r.u64());
      if (r.ok() && !engine_.restore_day_order(id)) {
        return fail("day order " + std::to_string(id.value()) + " is not a resting day order");
      }
    }
    if (!r.ok()) return fail("truncated shard snapshot");
    if (r.remaining() != 0) return fail("bytes after the shard snapshot");
    engine_.restore_counters(c);
    sink_.hash.value = hash;
    return true;
  }

 private:
  static constexpr uint32_t kSnapshotVersion = 1;

  void bind_account(const AccountBinding& a) {
    for (const AccountBinding& b : accounts_) {
      if (b.id == a.id) return;
    }
    accounts_.push_back(a);
  }

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
  std::vector<SymbolEntry> symbols_;
  std::vector<AccountBinding> accounts_;
  uint32_t max_session_ = 0;
};

}  // namespace rialto::server
