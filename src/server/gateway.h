// The gateway: sessions, the order-entry protocol and the routing of shard
// outputs back to sessions — everything of the edge except sockets. The I/O
// shell (tcp_server.cc) feeds it bytes and writes out what it queues; tests
// and the fuzz target drive it directly with shards that run inline.
//
// Thread safety: none; one gateway thread calls everything. It meets the
// matching threads only through ShardLink (bounded lock-free queues).
// Invariants:
//   - a session's order table holds exactly its live orders: taken when a
//     NewOrder is forwarded, freed on the order's terminal event (rejected,
//     filled, cancelled); so memory is bounded by live orders, never by orders
//     ever seen, and a closed session's state goes once its last order is done;
//   - every frame a session is sent has seq = the previous + 1;
//   - a session's outbound bytes never exceed Limits::outbound_buffer_bytes:
//     the session is closed (slow_consumer) instead.
// The protocol rules are docs/PROTOCOL.md.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rialto/core/decimal.h"
#include "rialto/engine/detail/id_index.h"
#include "rialto/engine/engine.h"
#include "rialto/protocol/framing.h"
#include "shard_messages.h"

namespace rialto::server {

/// The gateway's end of one shard's queues.
class ShardLink {
 public:
  virtual ~ShardLink() = default;
  /// False when the inbound queue is full (the gateway drains and retries).
  [[nodiscard]] virtual bool try_push(const ShardInput& in) = 0;
  [[nodiscard]] virtual bool try_pop(ShardOutput& out) = 0;
};

/// Writes one log line (no trailing newline in `line`).
class Log {
 public:
  virtual ~Log() = default;
  virtual void line(std::string_view line) = 0;
};

struct GatewayAccount {
  std::string name;
  std::string password;
  bool admin = false;
};

struct GatewaySymbol {
  std::string name;
  TickSize tick;
  engine::SymbolSpec spec;
  uint32_t shard = 0;
};

struct GatewayOptions {
  std::vector<GatewayAccount> accounts;  // empty: demo venue
  std::vector<GatewaySymbol> symbols;    // defined at start, in this order
  uint32_t shards = 1;
  uint32_t max_orders_per_shard = 1u << 20;
  uint32_t max_symbols_per_shard = 4096;
  uint32_t max_sessions = 1024;
  uint32_t max_live_orders = 65536;  // per session
  uint32_t rate_per_second = 200000;
  uint32_t burst = 20000;
  uint32_t outbound_buffer_bytes = 4u << 20;
  uint32_t heartbeat_min_ms = 100;
  uint32_t heartbeat_max_ms = 60000;
  engine::IdKey id_key = engine::kDefaultIdKey;  // keys the client order id tables
  /// Shard of a symbol added at run time (not in `symbols`).
  std::function<uint32_t(std::string_view name)> shard_for;
};

/// What a shard recovered from its snapshot and journal that the gateway must
/// learn again (docs/JOURNAL.md "Recovery"): its symbols (engine order), the
/// account bindings, and every resting order (its tag is the client order id).
struct RecoveredShard {
  struct Symbol {
    uint64_t token;  // the gateway's symbol index when it was defined
    SymbolDef def;
  };
  std::vector<Symbol> symbols;
  std::vector<AccountBinding> accounts;
  std::vector<engine::OrderView> orders;
  uint32_t max_session = 0;
};

struct GatewayStats {
  uint64_t sessions_opened = 0;
  uint64_t inputs = 0;            // forwarded to shards
  uint64_t reports = 0;           // execution reports sent
  uint64_t dropped_reports = 0;   // for sessions that had ended
  uint64_t gateway_rejects = 0;
};

class Session;

class Gateway {
 public:
  /// `recovered`: one entry per shard after a restart (empty: a fresh venue).
  /// Check error() before use.
  Gateway(GatewayOptions options, std::vector<ShardLink*> shards, Log& log,
          const std::vector<RecoveredShard>& recovered = {});
  /// Why the gateway cannot start (a configured symbol that differs from its
  /// recovered definition, an inconsistent recovery), or empty.
  [[nodiscard]] const std::string& error() const { return error_; }
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// A new connection. Beyond max_sessions the session is born closing, with
  /// Logout(server_busy) queued (and logged).
  Session* open(uint64_t now_ms, std::string_view peer);

  /// Where the shell reads into, and how much room there is.
  static char* read_space(Session& s);
  static size_t read_room(const Session& s);
  /// `n` bytes were read into read_space(s): decode and act on every whole frame.
  void received(Session& s, size_t n, uint64_t now_ms);
  /// The transport is gone (EOF, error, or after the shell closed a session
  /// that wants_close()). `s` must not be used afterwards.
  void closed(Session& s, std::string_view why);

  /// Heartbeats and timeouts; call at least every 50 ms.
  void tick(uint64_t now_ms);
  /// Routes every shard output available now; returns how many.
  size_t drain();

  /// Bytes queued for `s` to send; the shell takes them and calls sent().
  static std::string& outbound(Session& s);
  static bool wants_close(const Session& s);
  /// Moves into `out` the sessions that have bytes to send or want to close
  /// since the last call.
  void take_dirty(std::vector<Session*>& out);

  /// Shutdown: Logout(shutdown) to every logged-on session (they then want_close).
  void logout_all(std::string_view text);
  /// Counters since start (the server logs them when it stops).
  [[nodiscard]] const GatewayStats& stats() const { return stats_; }
  [[nodiscard]] size_t sessions() const { return sessions_.size(); }
  [[nodiscard]] uint32_t session_id(const Session& s) const;

 private:
  struct Symbol {
    GatewaySymbol def;
    SymbolId engine_id;
  };
  friend class Session;

  // inbound
  void on_frame(Session& s, const protocol::Decoded& d, uint64_t now_ms);
  void on_logon(Session& s, const protocol::Logon& m, uint64_t now_ms);
  void on_new_order(Session& s, const protocol::NewOrder& m);
  void on_cancel(Session& s, const protocol::CancelOrder& m);
  void on_modify(Session& s, const protocol::ModifyOrder& m);
  void on_mass_cancel(Session& s, const protocol::MassCancel& m);
  void on_sync(Session& s, const protocol::Sync& m);
  void on_book_request(Session& s, const protocol::BookRequest& m);
  void on_add_instrument(Session& s, const protocol::AddInstrument& m);
  void on_expire(Session& s);
  bool take_token(Session& s, uint64_t now_ms);

  // outbound
  void route(uint32_t shard, const ShardOutput& o);
  void route_event(uint32_t shard, const ShardOutput& o);
  void report_event(Session& s, uint32_t slot, const Event& e, uint32_t index, bool taker);
  void reject(Session& s, uint64_t cl_ord_id, protocol::RejectCode why, CommandType command, std::string_view sym);
  void barrier_done(Session& s, uint32_t shard, uint32_t count);
  template <class M>
  void send(Session& s, M m);
  void logout(Session& s, protocol::LogoutReason reason, std::string_view text);
  void mark_dirty(Session& s);

  void push(uint32_t shard, const ShardInput& in);
  void define_symbol(const GatewaySymbol& def, uint32_t session);
  void recover(const std::vector<RecoveredShard>& recovered);
  void adopt_recovered(Session& s);
  uint32_t bind_account(const std::string& name);
  Session* find_session(uint32_t id);
  void release_if_done(Session& s);
  static uint64_t symbol_key(std::string_view name);
  const Symbol* find_symbol(const char (&field)[protocol::kSymbolSize]) const;
  protocol::InstrumentStatus check_instrument(const protocol::AddInstrument& m, TickSize* tick) const;

  GatewayOptions options_;
  std::vector<ShardLink*> shards_;
  Log& log_;
  std::vector<Symbol> symbols_;
  std::unordered_map<uint64_t, uint32_t> symbol_by_name_;    // symbol_key(name) -> symbols_ index
  std::vector<std::vector<uint32_t>> symbol_by_engine_id_;   // [shard][SymbolId] -> symbols_ index
  std::unordered_map<std::string, uint32_t> account_ids_;    // name -> engine AccountId
  std::unordered_map<uint32_t, std::unique_ptr<Session>> sessions_;
  uint32_t next_session_id_ = 1;
  uint32_t open_sessions_ = 0;
  std::vector<Session*> dirty_;
  struct ShardCursor {
    uint64_t seq = 0;       // the input whose events are being routed
    uint32_t index = 0;     // the next event's index within it
  };
  std::vector<ShardCursor> cursors_;
  // After a restart: the sessions the recovered orders belong to (detached),
  // by account, until the account logs on and a session adopts them; and
  // where an adopted session's reports go now.
  std::unordered_map<uint32_t, std::vector<uint32_t>> recovered_sessions_;  // AccountId -> session ids
  std::unordered_map<uint32_t, uint32_t> adopted_by_;                       // old session id -> new
  std::string error_;
  GatewayStats stats_;
  uint64_t now_ms_ = 0;
};

}  // namespace rialto::server
