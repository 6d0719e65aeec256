// The scenario format run against a venue: the script::Backend behind
// `rialto client --script` (docs/SEMANTICS.md for the format, the
// "rialto client --script" rules of the server design for the mapping).
//
//   - one Session per account named in the script, opened at its first use;
//     the default account ("-", anonymous, unless RemoteOptions says
//     otherwise) for orders without acct= and for symbol, expire, book;
//   - cancel/modify go to the session that submitted the id (an id never
//     submitted goes to the default account's, whose gateway answers
//     unknown_order);
//   - the scenario format's lifetime id rule is kept here (script::LifetimeIds):
//     a reused id is answered `rejected id=N reason=duplicate_id` without
//     being sent; when --max-ids ids are used, an order that the client can
//     see would pass every static check (symbol, qty, price, tif) is answered
//     `capacity` without being sent (one that only the book could refuse,
//     post_only would_cross, then prints capacity where the engine says
//     would_cross);
//   - after each command: Sync on the session that sent it, then on every
//     other open session; the collected reports become the command's lines
//     (client/report_lines.h).
// Problems a local script cannot have (connection lost, Logout, a symbol the
// venue did not add, a gateway-only reject) end the run: a message on `err`
// and the command returns false (exit status 1).
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rialto/client/report_lines.h"
#include "rialto/client/session.h"
#include "rialto/script/lifetime_ids.h"
#include "rialto/script/scenario.h"

namespace rialto::client {

struct RemoteOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7001;
  std::string password;  // the same for every account of the script
  std::string default_account = "-";
  uint32_t heartbeat_ms = 1000;
  int timeout_ms = 10000;  // for each answer (LogonAck, SyncAck, InstrumentReport, BookEnd)
  bool cancel_on_disconnect = true;
  uint64_t max_ids = script::LifetimeIds::kDefaultMaxIds;
  std::ostream* echo = nullptr;  // when set, every report is also written here as it arrives (format_report)
  /// Interactive use: a symbol the venue lists but no `symbol` line defined
  /// is learnt from its first report (its price exponent gives the decimals
  /// the lines print), so that its lines print and `book` works from then on.
  bool learn_symbols = false;
};

class RemoteBackend final : public script::Backend {
 public:
  RemoteBackend(RemoteOptions options, std::ostream& err);
  ~RemoteBackend() override;  // logs every session out

  bool symbol(const script::SymbolDef& def) override;
  bool new_order(const script::NewCommand& cmd) override;
  bool cancel(const script::CancelCommand& cmd) override;
  bool modify(const script::ModifyCommand& cmd) override;
  bool expire() override;
  bool book(const script::BookCommand& cmd) override;

  /// Opens the session of `account` now (the interactive client's --account).
  [[nodiscard]] bool open(std::string_view account) { return session(account) != nullptr; }
  /// Reads whatever the open sessions received since the last command
  /// (reports for orders that traded with someone else's meanwhile) and
  /// keeps their heartbeats going; such reports are echoed, not printed as
  /// lines. False when a session failed.
  [[nodiscard]] bool poll_idle();
  /// The open sessions' fds, to poll() beside stdin.
  [[nodiscard]] std::vector<int> fds() const;

 private:
  struct Account {
    std::string name;
    Session session;
    uint64_t token = 0;  // of the Sync in flight
  };

  Session* session(std::string_view account);
  /// Sync on `first` then on every other open session, collecting reports;
  /// then prints the command's lines.
  bool barrier(Session& first);
  bool send_sync(Account& a);
  /// Collects reports until the SyncAck of a.token.
  bool wait_sync(Account& a);
  /// One frame of `a` within the timeout: false (message printed) on failure.
  bool next(Account& a, Frame& f, std::string_view waiting_for);
  /// Handles a frame that is not the one being waited for.
  bool take(Account& a, const Frame& f);
  bool lost(const Account& a, std::string_view what);
  bool reject_locally(OrderId id, RejectReason why);
  Account& account_of(Session& s);

  RemoteOptions options_;
  std::ostream& err_;
  std::vector<std::unique_ptr<Account>> accounts_;  // in order of opening
  std::unordered_map<uint64_t, Session*> submitted_by_;
  std::unordered_map<uint64_t, SymbolId> symbol_of_;
  script::LifetimeIds ids_;
  InputReports reports_;
  uint64_t next_token_ = 1;
};

}  // namespace rialto::client
