#include "rialto/client/script_backend.h"

#include <limits>
#include <ostream>
#include <string>

#include "rialto/core/decimal.h"

namespace rialto::client {

namespace p = rialto::protocol;

namespace {

constexpr std::string_view kCli = "rialto client: ";

/// The wire form of a script price. One with more significant digits than an
/// int64 mantissa holds cannot be sent as it is: a stand-in that the venue
/// refuses for the reason the engine would give is sent instead.
WireDecimal wire_price(std::string_view text, SymbolId symbol, const script::SymbolTable& symbols) {
  if (std::optional<WireDecimal> w = to_wire(text)) return *w;
  const PriceStatus s = symbol == kNoSymbol ? PriceStatus::out_of_range : to_ticks(text, symbols.tick(symbol)).status;
  switch (s) {
    case PriceStatus::non_positive: return {-1, 0};
    case PriceStatus::off_tick: return {1, std::numeric_limits<int8_t>::min()};
    default: return {std::numeric_limits<int64_t>::max(), std::numeric_limits<int8_t>::max()};
  }
}

/// What the engine checks of a new order without looking at its book:
/// true if none of those checks refuses `cmd`.
bool passes_static_checks(const script::NewCommand& cmd, const script::SymbolTable& symbols) {
  if (cmd.symbol_id == kNoSymbol) return false;
  const engine::SymbolSpec& spec = symbols.spec(cmd.symbol_id);
  if (cmd.qty < Qty{1} || cmd.qty > spec.max_qty || cmd.qty.value() % spec.lot.value() != 0) return false;
  const bool market = cmd.type == OrderType::market;
  if (market) {
    if (cmd.px) return false;
  } else {
    if (!cmd.px) return false;
    TickConversion c = to_ticks(*cmd.px, symbols.tick(cmd.symbol_id));
    if (c.status != PriceStatus::ok || c.ticks <= Price{0}) return false;
  }
  const bool can_rest = cmd.tif == TimeInForce::gtc || cmd.tif == TimeInForce::day;
  if (market && can_rest) return false;
  if (cmd.post_only && (market || !can_rest)) return false;
  return true;
}

}  // namespace

RemoteBackend::RemoteBackend(RemoteOptions options, std::ostream& err)
    : options_(std::move(options)), err_(err), ids_(options_.max_ids) {}

RemoteBackend::~RemoteBackend() {
  for (auto& a : accounts_) a->session.logout(options_.timeout_ms < 1000 ? options_.timeout_ms : 1000);
}

bool RemoteBackend::lost(const Account& a, std::string_view what) {
  err_ << kCli << "account " << a.name << ": " << what << '\n';
  return false;
}

RemoteBackend::Account& RemoteBackend::account_of(Session& s) {
  for (auto& a : accounts_) {
    if (&a->session == &s) return *a;
  }
  return *accounts_.front();  // unreachable: every session belongs to an account
}

Session* RemoteBackend::session(std::string_view account) {
  for (auto& a : accounts_) {
    if (a->name == account) return &a->session;
  }
  auto a = std::make_unique<Account>();
  a->name = std::string(account);
  if (!a->session.connect(options_.host, options_.port)) {
    err_ << kCli << a->session.error() << '\n';
    return nullptr;
  }
  LogonResult r = a->session.logon(account, options_.password, options_.heartbeat_ms, options_.cancel_on_disconnect,
                                   options_.timeout_ms);
  switch (r.status) {
    case LogonResult::Status::ok: break;
    case LogonResult::Status::logged_out:
      err_ << kCli << "account " << a->name << ": logon refused: " << to_string(r.reason);
      if (!r.text.empty()) err_ << " (" << r.text << ")";
      err_ << '\n';
      return nullptr;
    case LogonResult::Status::error:
      err_ << kCli << "account " << a->name << ": logon failed: " << r.text << '\n';
      return nullptr;
  }
  accounts_.push_back(std::move(a));
  return &accounts_.back()->session;
}

std::vector<int> RemoteBackend::fds() const {
  std::vector<int> out;
  for (const auto& a : accounts_) {
    if (a->session.is_open()) out.push_back(a->session.fd());
  }
  return out;
}

bool RemoteBackend::next(Account& a, Frame& f, std::string_view waiting_for) {
  switch (a.session.receive(f, options_.timeout_ms)) {
    case RecvStatus::frame: break;
    case RecvStatus::timeout:
      return lost(a, "no " + std::string(waiting_for) + " within " + std::to_string(options_.timeout_ms) + " ms");
    case RecvStatus::would_block:
    case RecvStatus::closed:
    case RecvStatus::error: return lost(a, a.session.error());
  }
  if (f.is<p::Logout>()) {
    auto lo = f.as<p::Logout>();
    std::string what = "logged out by the server: " + std::string(to_string(static_cast<p::LogoutReason>(lo.reason)));
    if (std::string_view t = p::field_view(lo.text); !t.empty()) what += " (" + std::string(t) + ")";
    return lost(a, what);
  }
  return true;
}

bool RemoteBackend::take(Account& a, const Frame& f) {
  if (f.is<p::ExecutionReport>()) {
    const auto r = f.as<p::ExecutionReport>();
    if (options_.echo) *options_.echo << format_report(r) << '\n';
    const std::string_view name = p::field_view(r.symbol);
    if (options_.learn_symbols && !name.empty() && !symbols().find(name) && r.price_exponent <= 0 &&
        r.price_exponent >= -static_cast<int>(kMaxTickScale)) {
      // Ticks of 10^exponent: the lines then print the venue's decimals.
      learnt_symbols().add(name, TickSize{1, static_cast<uint32_t>(-r.price_exponent)}, engine::SymbolSpec{});
    }
    if (r.exec_type == static_cast<uint8_t>(p::ExecType::new_order)) ids_.remember(r.cl_ord_id);
    reports_.add(r);
    return true;
  }
  if (f.is<p::MassCancelReport>()) return true;  // the scenario format has no mass cancel: not asked for
  return lost(a,
              "unexpected " + std::string(p::template_name(static_cast<uint16_t>(f.template_id))) + " from the server");
}

bool RemoteBackend::send_sync(Account& a) {
  a.token = next_token_++;
  if (!a.session.send(p::Sync{0, a.token})) return lost(a, a.session.error());
  return true;
}

bool RemoteBackend::wait_sync(Account& a) {
  Frame f;
  for (;;) {
    if (!next(a, f, "SyncAck")) return false;
    if (f.is<p::SyncAck>()) {
      const uint64_t got = f.as<p::SyncAck>().token;
      if (got == a.token) return true;
      return lost(a, "SyncAck for token " + std::to_string(got) + ", expected " + std::to_string(a.token));
    }
    if (!take(a, f)) return false;
  }
}

bool RemoteBackend::barrier(Session& first) {
  // The sender's SyncAck first: its command has then been sequenced by its
  // shard. A Sync on every other session then passes through every shard
  // after it, so each of their SyncAcks follows the command's reports.
  Account& a = account_of(first);
  if (!send_sync(a) || !wait_sync(a)) return false;
  for (auto& other : accounts_) {
    if (other.get() != &a && !send_sync(*other)) return false;
  }
  for (auto& other : accounts_) {
    if (other.get() != &a && !wait_sync(*other)) return false;
  }
  std::string error;
  if (!reports_.emit(symbols(), sink(), error)) {
    err_ << kCli << error << '\n';
    return false;
  }
  return true;
}

bool RemoteBackend::poll_idle() {
  for (auto& a : accounts_) {
    Frame f;
    for (;;) {
      RecvStatus s = a->session.try_receive(f);
      if (s == RecvStatus::would_block) break;
      if (s != RecvStatus::frame) return lost(*a, a->session.error());
      if (f.is<p::Logout>()) return next(*a, f, "");  // prints the logout
      if (f.is<p::ExecutionReport>()) {
        const auto r = f.as<p::ExecutionReport>();
        if (options_.echo) *options_.echo << format_report(r) << '\n';
        if (r.exec_type == static_cast<uint8_t>(p::ExecType::new_order)) ids_.remember(r.cl_ord_id);
      }
    }
    if (!a->session.service(Session::Clock::now())) return lost(*a, a->session.error());
  }
  return true;
}

bool RemoteBackend::reject_locally(OrderId id, RejectReason why) {
  Event e;
  e.type = EventType::rejected;
  e.id = id;
  e.reject = why;
  e.command = CommandType::new_order;
  sink().on_event(e);
  return true;
}

bool RemoteBackend::symbol(const script::SymbolDef& def) {
  Session* s = session(options_.default_account);
  if (s == nullptr) return false;
  Account& a = account_of(*s);
  p::AddInstrument m{};
  if (!p::set_field(m.symbol, def.name)) {
    err_ << kCli << "symbol " << def.name << ": the protocol carries symbol names of at most " << p::kSymbolSize
         << " characters\n";
    return false;
  }
  const WireDecimal tick = to_wire(def.tick);
  m.tick = tick.mantissa;
  m.tick_exponent = tick.exponent;
  m.lot = def.spec.lot.value();
  m.max_qty = def.spec.max_qty.value();
  if (!s->send(m)) return lost(a, s->error());
  Frame f;
  for (;;) {
    if (!next(a, f, "InstrumentReport")) return false;
    if (f.is<p::InstrumentReport>()) break;
    if (!take(a, f)) return false;
  }
  const auto r = f.as<p::InstrumentReport>();
  const auto status = static_cast<p::InstrumentStatus>(r.status);
  if (status != p::InstrumentStatus::added && status != p::InstrumentStatus::unchanged) {
    err_ << kCli << "symbol " << def.name << ": the venue did not add it: " << to_string(status) << '\n';
    return false;
  }
  return true;
}

bool RemoteBackend::new_order(const script::NewCommand& cmd) {
  // The scenario format's lifetime id rule, before anything is sent.
  if (ids_.used(cmd.id.value())) return reject_locally(cmd.id, RejectReason::duplicate_id);
  if (ids_.full() && passes_static_checks(cmd, symbols())) return reject_locally(cmd.id, RejectReason::capacity);
  p::NewOrder m{};
  if (!p::set_field(m.symbol, cmd.symbol)) {
    // Longer than any symbol the venue can have (the script could not define it).
    return reject_locally(cmd.id, RejectReason::unknown_symbol);
  }
  Session* s = session(cmd.account.empty() ? std::string_view(options_.default_account) : cmd.account);
  if (s == nullptr) return false;
  m.cl_ord_id = cmd.id.value();
  m.qty = cmd.qty.value();
  m.price = p::kNullInt64;
  if (cmd.px) {
    const WireDecimal w = wire_price(*cmd.px, cmd.symbol_id, symbols());
    m.price = w.mantissa;
    m.price_exponent = w.exponent;
  }
  m.side = static_cast<uint8_t>(cmd.side);
  m.ord_type = static_cast<uint8_t>(cmd.type);
  m.tif = static_cast<uint8_t>(cmd.tif);
  m.stp = static_cast<uint8_t>(cmd.stp);
  m.post_only = cmd.post_only ? 1 : 0;
  if (!s->send(m)) return lost(account_of(*s), s->error());
  submitted_by_[cmd.id.value()] = s;
  if (cmd.symbol_id != kNoSymbol) symbol_of_[cmd.id.value()] = cmd.symbol_id;
  return barrier(*s);
}

bool RemoteBackend::cancel(const script::CancelCommand& cmd) {
  auto it = submitted_by_.find(cmd.id.value());
  Session* s = it != submitted_by_.end() ? it->second : session(options_.default_account);
  if (s == nullptr) return false;
  if (!s->send(p::CancelOrder{0, cmd.id.value()})) return lost(account_of(*s), s->error());
  return barrier(*s);
}

bool RemoteBackend::modify(const script::ModifyCommand& cmd) {
  auto it = submitted_by_.find(cmd.id.value());
  Session* s = it != submitted_by_.end() ? it->second : session(options_.default_account);
  if (s == nullptr) return false;
  p::ModifyOrder m{};
  m.cl_ord_id = cmd.id.value();
  m.qty = cmd.has_qty ? cmd.qty.value() : p::kNullInt64;
  m.price = p::kNullInt64;
  if (cmd.px) {
    auto sym = symbol_of_.find(cmd.id.value());
    const WireDecimal w = wire_price(*cmd.px, sym != symbol_of_.end() ? sym->second : kNoSymbol, symbols());
    m.price = w.mantissa;
    m.price_exponent = w.exponent;
  }
  if (!s->send(m)) return lost(account_of(*s), s->error());
  return barrier(*s);
}

bool RemoteBackend::expire() {
  Session* s = session(options_.default_account);
  if (s == nullptr) return false;
  if (!s->send(p::Expire{})) return lost(account_of(*s), s->error());
  return barrier(*s);
}

bool RemoteBackend::book(const script::BookCommand& cmd) {
  Session* s = session(options_.default_account);
  if (s == nullptr) return false;
  Account& a = account_of(*s);
  p::BookRequest m{};
  if (!p::set_field(m.symbol, cmd.symbol)) return lost(a, "book: symbol name too long");  // defined, so it fits
  if (!s->send(m)) return lost(a, s->error());
  sink().book_begin(cmd.symbol);
  Frame f;
  for (;;) {
    if (!next(a, f, "BookEnd")) return false;
    if (f.is<p::BookEnd>()) break;
    if (!f.is<p::BookLevel>()) {
      if (!take(a, f)) return false;
      continue;
    }
    const auto l = f.as<p::BookLevel>();
    TickConversion c = to_ticks(WireDecimal{l.price, l.price_exponent}, symbols().tick(cmd.symbol_id));
    if (c.status != PriceStatus::ok) {
      return lost(a, "book level price " + format_wire(l.price, l.price_exponent) + " is not a price of " +
                         std::string(cmd.symbol));
    }
    sink().book_level(l.side == 0 ? Side::buy : Side::sell, c.ticks, Qty(l.qty), l.orders, cmd.symbol_id);
  }
  if (f.as<p::BookEnd>().status != static_cast<uint8_t>(p::BookStatus::ok)) {
    return lost(a, "book: the venue does not know symbol " + std::string(cmd.symbol));
  }
  sink().book_end();
  return true;
}

}  // namespace rialto::client
