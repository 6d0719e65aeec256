#include "gateway.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>

namespace rialto::server {

namespace p = protocol;

namespace {

constexpr size_t kReadBuffer = 64 * 1024;
constexpr uint64_t kNoSlot = engine::detail::IdIndex::kNotFound;

struct NullSink {
  void on_event(const Event&) {}
};

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F && c != '\'' && c != '\\') {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  if (s.size() > 40) out += "...";
  return out;
}

bool valid_name(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  auto add = [&](const auto& v) {
    if constexpr (std::is_integral_v<std::decay_t<decltype(v)>>) {
      s += std::to_string(v);
    } else {
      s += v;
    }
  };
  (add(parts), ...);
  return s;
}

}  // namespace

// ---- Session -----------------------------------------------------------------

enum class SessionState : uint8_t { awaiting_logon, active, closing, detached };

struct OrderSlot {
  uint64_t cl_ord_id = 0;
  uint64_t venue_id = 0;
  int64_t cum = 0;
  uint32_t symbol = 0;  // gateway symbol index
  bool live = false;
};

class Session {
 public:
  Session(uint32_t session_id, uint32_t max_live_orders, const engine::IdKey& key, uint64_t now_ms)
      : id(session_id),
        by_cl(max_live_orders, key),
        by_venue(max_live_orders, key),
        in(new char[kReadBuffer]),
        last_recv_ms(now_ms),
        last_send_ms(now_ms),
        max_live(max_live_orders) {}

  const uint32_t id;
  SessionState state = SessionState::awaiting_logon;
  bool recovered = false;  // restored after a restart; detached until its account logs on
  std::string account;
  AccountId account_id = kAnonymous;
  bool admin = false;
  bool cancel_on_disconnect = false;
  uint64_t in_seq = 1;   // expected next
  uint64_t out_seq = 0;  // last sent
  uint32_t heartbeat_ms = 1000;
  double tokens = 0;
  uint64_t token_ms = 0;
  uint32_t throttled_in_row = 0;
  bool dirty = false;
  bool counted = true;  // in open_sessions_
  std::string out;
  std::string peer;

  // live orders
  engine::detail::IdIndex by_cl;     // cl_ord_id -> slot
  engine::detail::IdIndex by_venue;  // venue id -> slot
  std::vector<OrderSlot> slots;
  std::vector<uint32_t> free_slots;
  uint32_t next_order = 0;  // low 32 bits of the last venue id minted

  // requests that pass through every shard (sync, mass cancel), in order
  struct Barrier {
    bool is_sync;
    uint64_t token;
    uint32_t count = 0;
    char symbol[p::kSymbolSize];
  };
  std::deque<Barrier> barriers;
  uint64_t barriers_done_before = 0;  // index of barriers.front()
  std::vector<uint64_t> done_from_shard;

  std::unique_ptr<char[]> in;
  size_t in_len = 0;
  uint64_t last_recv_ms;
  uint64_t last_send_ms;
  const uint32_t max_live;

  [[nodiscard]] uint32_t live() const { return by_cl.size(); }

  uint32_t find_cl(uint64_t cl) const { return by_cl.find(OrderId(cl), by_cl.hash32(OrderId(cl))); }
  uint32_t find_venue(uint64_t v) const { return by_venue.find(OrderId(v), by_venue.hash32(OrderId(v))); }

  uint32_t take(uint64_t cl, uint32_t symbol) {
    ++next_order;
    if (next_order == 0) next_order = 1;  // 2^32 orders later: ids repeat, but never among live ones
    return insert(cl, uint64_t{id} << 32 | next_order, 0, symbol);
  }

  /// A live order with its venue id already minted (a recovered one).
  uint32_t insert(uint64_t cl, uint64_t venue_id, int64_t cum, uint32_t symbol) {
    uint32_t i;
    if (!free_slots.empty()) {
      i = free_slots.back();
      free_slots.pop_back();
    } else {
      i = static_cast<uint32_t>(slots.size());
      slots.emplace_back();
    }
    slots[i] = OrderSlot{cl, venue_id, cum, symbol, true};
    by_cl.insert(OrderId(cl), by_cl.hash32(OrderId(cl)), i);
    by_venue.insert(OrderId(slots[i].venue_id), by_venue.hash32(OrderId(slots[i].venue_id)), i);
    return i;
  }

  void free(uint32_t i) {
    OrderSlot& o = slots[i];
    o.live = false;
    by_cl.erase(OrderId(o.cl_ord_id), by_cl.hash32(OrderId(o.cl_ord_id)));
    by_venue.erase(OrderId(o.venue_id), by_venue.hash32(OrderId(o.venue_id)));
    free_slots.push_back(i);
  }
};

// ---- Gateway -----------------------------------------------------------------

Gateway::Gateway(GatewayOptions options, std::vector<ShardLink*> shards, Log& log,
                 const std::vector<RecoveredShard>& recovered)
    : options_(std::move(options)), shards_(std::move(shards)), log_(log) {
  symbol_by_engine_id_.resize(shards_.size());
  cursors_.resize(shards_.size());
  if (!recovered.empty()) recover(recovered);
  if (!error_.empty()) return;
  for (const GatewaySymbol& s : options_.symbols) {
    auto it = symbol_by_name_.find(symbol_key(s.name));
    if (it == symbol_by_name_.end()) {
      define_symbol(s, 0);
      continue;
    }
    // Recovered already: the configuration may repeat it, not change it.
    const GatewaySymbol& had = symbols_[it->second].def;
    if (had.tick != s.tick || had.spec.lot != s.spec.lot || had.spec.max_qty != s.spec.max_qty ||
        had.shard != s.shard) {
      error_ = cat("symbol '", s.name, "' in the configuration differs from its recovered definition (tick ",
                   format_price(Price{1}, had.tick), ", lot ", had.spec.lot.value(), ", max_qty ",
                   had.spec.max_qty.value(), ", shard ", had.shard, ")");
      return;
    }
  }
}

void Gateway::recover(const std::vector<RecoveredShard>& recovered) {
  if (recovered.size() != shards_.size()) {
    error_ = cat("recovered ", recovered.size(), " shards, configured ", shards_.size());
    return;
  }
  // Symbols: the gateway's index is the token each was defined with, dense across shards.
  std::vector<std::pair<uint64_t, std::pair<uint32_t, const SymbolDef*>>> all;
  for (uint32_t k = 0; k < recovered.size(); ++k) {
    for (const RecoveredShard::Symbol& s : recovered[k].symbols) all.push_back({s.token, {k, &s.def}});
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].first != i) {
      error_ = cat("recovered symbols are not numbered densely (index ", all[i].first, " at position ", i, ")");
      return;
    }
    const auto [shard, def] = all[i].second;
    GatewaySymbol g;
    g.name = std::string(def->name, strnlen(def->name, sizeof def->name));
    g.tick = def->tick;
    g.spec = def->spec;
    g.shard = shard;
    std::vector<uint32_t>& ids = symbol_by_engine_id_[shard];
    symbols_.push_back(Symbol{g, SymbolId(static_cast<uint32_t>(ids.size()))});
    ids.push_back(static_cast<uint32_t>(i));
    symbol_by_name_.emplace(symbol_key(g.name), static_cast<uint32_t>(i));
  }
  // Accounts: every shard holds every binding; the union is the table.
  std::unordered_map<uint32_t, std::string> names;
  for (const RecoveredShard& r : recovered) {
    for (const AccountBinding& a : r.accounts) {
      std::string name(a.name, strnlen(a.name, sizeof a.name));
      account_ids_.emplace(name, a.id.value());
      names.emplace(a.id.value(), name);
    }
  }
  uint32_t max_session = 0;
  for (const RecoveredShard& r : recovered) max_session = std::max(max_session, r.max_session);
  next_session_id_ = max_session + 1;
  // Resting orders: back into (detached) sessions under their old ids, so that
  // their reports route as before; the account's next session adopts them.
  size_t orders = 0;
  for (uint32_t k = 0; k < recovered.size(); ++k) {
    for (const engine::OrderView& v : recovered[k].orders) {
      const auto sid = static_cast<uint32_t>(v.id.value() >> 32);
      auto& slot = sessions_[sid];
      if (!slot) {
        slot = std::make_unique<Session>(sid, options_.max_live_orders, options_.id_key, now_ms_);
        slot->state = SessionState::detached;
        slot->recovered = true;
        slot->counted = false;
        slot->account_id = v.account;
        auto n = names.find(v.account.value());
        slot->account = n == names.end() ? "-" : n->second;
        slot->done_from_shard.assign(shards_.size(), 0);
        if (v.account != kAnonymous) recovered_sessions_[v.account.value()].push_back(sid);
      }
      if (slot->live() >= slot->max_live || !slot->by_cl.ok()) continue;  // cannot happen: it held them before
      const uint32_t gsym = symbol_by_engine_id_[k][v.symbol.value()];
      slot->insert(v.tag, v.id.value(), v.filled.value(), gsym);
      ++orders;
    }
  }
  log_.line(cat("recovered ", symbols_.size(), " instrument(s), ", account_ids_.size(), " account(s), ", orders,
                " resting order(s) in ", sessions_.size(), " earlier session(s)"));
}

void Gateway::adopt_recovered(Session& s) {
  auto it = recovered_sessions_.find(s.account_id.value());
  if (it == recovered_sessions_.end()) return;
  uint32_t adopted = 0;
  uint32_t left = 0;
  for (uint32_t old_id : it->second) {
    Session* old = find_session(old_id);
    if (old == nullptr || old == &s) continue;
    for (uint32_t i = 0; i < old->slots.size(); ++i) {
      const OrderSlot o = old->slots[i];
      if (!o.live) continue;
      if (s.live() >= s.max_live || s.find_cl(o.cl_ord_id) != kNoSlot) {
        ++left;
        continue;
      }
      old->free(i);
      s.insert(o.cl_ord_id, o.venue_id, o.cum, o.symbol);
      ++adopted;
    }
    adopted_by_[old_id] = s.id;
    release_if_done(*old);
  }
  recovered_sessions_.erase(it);
  log_.line(cat("session ", s.id, " account '", printable(s.account), "': adopted ", adopted,
                " order(s) recovered from before the restart",
                left > 0 ? cat(" (", left, " left unaddressable: duplicate client order ids or no room)") : ""));
}

uint32_t Gateway::bind_account(const std::string& name) {
  auto [it, inserted] = account_ids_.try_emplace(name, static_cast<uint32_t>(account_ids_.size() + 1));
  if (inserted) {
    // Journaled with every shard's inputs, before the account's first order.
    ShardInput in;
    in.kind = InputKind::account;
    in.account = AccountBinding{};
    in.account.id = AccountId(it->second);
    std::memcpy(in.account.name, name.data(), std::min(name.size(), sizeof in.account.name));
    for (uint32_t k = 0; k < shards_.size(); ++k) push(k, in);
  }
  return it->second;
}

Gateway::~Gateway() = default;

uint32_t Gateway::session_id(const Session& s) const { return s.id; }
char* Gateway::read_space(Session& s) { return s.in.get() + s.in_len; }
size_t Gateway::read_room(const Session& s) { return kReadBuffer - s.in_len; }
std::string& Gateway::outbound(Session& s) { return s.out; }
bool Gateway::wants_close(const Session& s) { return s.state == SessionState::closing; }

uint64_t Gateway::symbol_key(std::string_view name) {
  uint64_t k = 0;
  std::memcpy(&k, name.data(), std::min(name.size(), sizeof k));
  return k;
}

const Gateway::Symbol* Gateway::find_symbol(const char (&field)[p::kSymbolSize]) const {
  // The name is the field up to its first NUL, as everywhere else (bytes after
  // it are padding): keyed like define_symbol keys it.
  auto it = symbol_by_name_.find(symbol_key(p::field_view(field)));
  return it == symbol_by_name_.end() ? nullptr : &symbols_[it->second];
}

void Gateway::define_symbol(const GatewaySymbol& def, uint32_t session) {
  const auto shard = def.shard;
  std::vector<uint32_t>& ids = symbol_by_engine_id_[shard];
  const auto index = static_cast<uint32_t>(symbols_.size());
  // The engine numbers symbols densely in definition order and the gateway is
  // its only definer, and it checked what check_symbol checks: so it knows the id.
  symbols_.push_back(Symbol{def, SymbolId(static_cast<uint32_t>(ids.size()))});
  ids.push_back(index);
  symbol_by_name_.emplace(symbol_key(def.name), index);
  ShardInput in;
  in.kind = InputKind::add_symbol;
  in.session = session;
  in.token = index;
  in.symbol = SymbolDef{};
  in.symbol.spec = def.spec;
  in.symbol.tick = def.tick;
  std::memcpy(in.symbol.name, def.name.data(), std::min(def.name.size(), sizeof in.symbol.name));
  push(shard, in);
}

Session* Gateway::open(uint64_t now_ms, std::string_view peer) {
  now_ms_ = now_ms;
  // Ids are never 0, and never one still in use (a closed session kept for
  // its live orders), also once the 32-bit counter wraps.
  uint32_t id = next_session_id_;
  while (id == 0 || sessions_.contains(id) || adopted_by_.contains(id)) ++id;
  next_session_id_ = id + 1;
  const bool full = open_sessions_ >= options_.max_sessions;
  // A refused connection gets a session too, only to carry its Logout; its
  // order tables are never touched (no pages), and it does not count.
  auto s = std::make_unique<Session>(id, full ? 1 : options_.max_live_orders, options_.id_key, now_ms);
  s->peer = std::string(peer);
  s->done_from_shard.assign(shards_.size(), 0);
  s->counted = !full;
  Session* raw = s.get();
  sessions_[id] = std::move(s);
  ++stats_.sessions_opened;
  if (full) {
    logout(*raw, p::LogoutReason::server_busy, cat(open_sessions_, " sessions are open (max_sessions)"));
  } else {
    ++open_sessions_;
  }
  return raw;
}

Session* Gateway::find_session(uint32_t id) {
  auto it = sessions_.find(id);
  if (it != sessions_.end()) return it->second.get();
  if (auto a = adopted_by_.find(id); a != adopted_by_.end()) {
    it = sessions_.find(a->second);
    if (it != sessions_.end()) return it->second.get();
  }
  return nullptr;
}

void Gateway::take_dirty(std::vector<Session*>& out) {
  for (Session* s : dirty_) s->dirty = false;
  out.swap(dirty_);
  dirty_.clear();
}

void Gateway::mark_dirty(Session& s) {
  if (!s.dirty) {
    s.dirty = true;
    dirty_.push_back(&s);
  }
}

template <class M>
void Gateway::send(Session& s, M m) {
  if (s.state == SessionState::detached || s.state == SessionState::closing) return;
  if (s.out.size() + p::kFrameSize<M> > options_.outbound_buffer_bytes) {
    const std::string text = cat(s.out.size(), " bytes unsent, limit ", options_.outbound_buffer_bytes);
    log_.line(cat("session ", s.id, " account '", printable(s.account), "': closed: slow_consumer (", text, ")"));
    // The best-effort Logout (docs/PROTOCOL.md): queued after what is there,
    // one frame over the bound; a client that reads again before the close
    // gets it.
    p::Logout lo{};
    lo.seq = ++s.out_seq;
    lo.reason = static_cast<uint8_t>(p::LogoutReason::slow_consumer);
    std::memcpy(lo.text, text.data(), std::min(text.size(), sizeof lo.text));
    const size_t at = s.out.size();
    s.out.resize(at + p::kFrameSize<p::Logout>);
    p::encode(lo, s.out.data() + at);
    s.state = SessionState::closing;
    mark_dirty(s);
    return;
  }
  m.seq = ++s.out_seq;
  s.last_send_ms = now_ms_;
  const size_t at = s.out.size();
  s.out.resize(at + p::kFrameSize<M>);
  p::encode(m, s.out.data() + at);
  mark_dirty(s);
}

void Gateway::logout(Session& s, p::LogoutReason reason, std::string_view text) {
  if (s.state == SessionState::closing || s.state == SessionState::detached) return;
  log_.line(cat("session ", s.id, " account '", printable(s.account), "' from ", s.peer, ": logout ",
                static_cast<int>(reason), ": ", text));
  p::Logout m{};
  m.reason = static_cast<uint8_t>(reason);
  std::memcpy(m.text, text.data(), std::min(text.size(), sizeof m.text));
  send(s, m);
  s.state = SessionState::closing;
  mark_dirty(s);
}

void Gateway::logout_all(std::string_view text) {
  for (auto& [id, s] : sessions_) {
    if (s->state == SessionState::active || s->state == SessionState::awaiting_logon) {
      logout(*s, p::LogoutReason::shutdown, text);
    }
  }
}

void Gateway::received(Session& s, size_t n, uint64_t now_ms) {
  s.in_len += n;
  s.last_recv_ms = now_ms;
  now_ms_ = now_ms;
  size_t at = 0;
  while (s.state == SessionState::awaiting_logon || s.state == SessionState::active) {
    p::Decoded d = p::decode(s.in.get() + at, s.in_len - at);
    if (d.status == p::DecodeStatus::need_more) break;
    if (d.status == p::DecodeStatus::error) {
      logout(s, d.reason, cat(d.what, " (", d.value, ")"));
      break;
    }
    at += d.frame_size;
    on_frame(s, d, now_ms);
  }
  if (s.state == SessionState::closing) {
    s.in_len = 0;
    return;
  }
  std::memmove(s.in.get(), s.in.get() + at, s.in_len - at);
  s.in_len -= at;
}

void Gateway::on_frame(Session& s, const p::Decoded& d, uint64_t now_ms) {
  const auto t = static_cast<p::TemplateId>(d.template_id);
  uint64_t seq;
  std::memcpy(&seq, d.block, sizeof seq);  // every message starts with seq
  if (s.state == SessionState::awaiting_logon) {
    if (t != p::TemplateId::logon) {
      return logout(s, p::LogoutReason::not_logged_on,
                    cat(p::template_name(d.template_id), " before Logon"));
    }
  } else if (t == p::TemplateId::logon) {
    return logout(s, p::LogoutReason::already_logged_on, "a second Logon");
  }
  if (seq != s.in_seq) {
    return logout(s, p::LogoutReason::sequence_gap, cat("expected seq ", s.in_seq, " got ", seq));
  }
  ++s.in_seq;
  switch (t) {
    case p::TemplateId::logon:
      return on_logon(s, p::read<p::Logon>(d), now_ms);
    case p::TemplateId::logout:
      log_.line(cat("session ", s.id, " account '", printable(s.account), "': logged out by the client"));
      {
        p::Logout m{};
        m.reason = static_cast<uint8_t>(p::LogoutReason::user_request);
        std::memcpy(m.text, "bye", 3);
        send(s, m);
      }
      s.state = SessionState::closing;
      return mark_dirty(s);
    case p::TemplateId::heartbeat:
      return;
    case p::TemplateId::new_order:
      if (!take_token(s, now_ms)) {
        return reject(s, p::read<p::NewOrder>(d).cl_ord_id, p::RejectCode::throttled, CommandType::new_order, "");
      }
      return on_new_order(s, p::read<p::NewOrder>(d));
    case p::TemplateId::cancel_order:
      if (!take_token(s, now_ms)) {
        return reject(s, p::read<p::CancelOrder>(d).cl_ord_id, p::RejectCode::throttled, CommandType::cancel, "");
      }
      return on_cancel(s, p::read<p::CancelOrder>(d));
    case p::TemplateId::modify_order:
      if (!take_token(s, now_ms)) {
        return reject(s, p::read<p::ModifyOrder>(d).cl_ord_id, p::RejectCode::throttled, CommandType::modify, "");
      }
      return on_modify(s, p::read<p::ModifyOrder>(d));
    case p::TemplateId::mass_cancel:
      if (!take_token(s, now_ms)) {
        ++stats_.gateway_rejects;
        p::MassCancelReport r{};
        std::memcpy(r.symbol, p::read<p::MassCancel>(d).symbol, sizeof r.symbol);
        return send(s, r);  // nothing cancelled
      }
      return on_mass_cancel(s, p::read<p::MassCancel>(d));
    case p::TemplateId::sync:
      return on_sync(s, p::read<p::Sync>(d));
    case p::TemplateId::book_request:
      return on_book_request(s, p::read<p::BookRequest>(d));
    case p::TemplateId::add_instrument:
      return on_add_instrument(s, p::read<p::AddInstrument>(d));
    case p::TemplateId::expire:
      return on_expire(s);
    default:
      return logout(s, p::LogoutReason::unknown_template,
                    cat("template ", d.template_id, " (", p::template_name(d.template_id), ") is sent by the venue only"));
  }
}

bool Gateway::take_token(Session& s, uint64_t now_ms) {
  if (now_ms > s.token_ms) {
    s.tokens = std::min<double>(options_.burst,
                                s.tokens + static_cast<double>(now_ms - s.token_ms) * options_.rate_per_second / 1000.0);
    s.token_ms = now_ms;
  }
  if (s.tokens >= 1) {
    s.tokens -= 1;
    s.throttled_in_row = 0;
    return true;
  }
  if (++s.throttled_in_row > 2 * uint64_t{options_.burst}) {
    logout(s, p::LogoutReason::rate_limit,
           cat("kept sending after ", s.throttled_in_row - 1, " throttled messages (rate ", options_.rate_per_second,
               "/s, burst ", options_.burst, ")"));
  }
  return false;
}

void Gateway::on_logon(Session& s, const p::Logon& m, uint64_t now_ms) {
  const std::string_view account = p::field_view(m.account);
  const std::string_view password = p::field_view(m.password);
  if (!valid_name(account, p::kAccountSize)) {
    return logout(s, p::LogoutReason::bad_logon, "account must be 1 to 16 printable ASCII characters");
  }
  if (m.heartbeat_ms < options_.heartbeat_min_ms || m.heartbeat_ms > options_.heartbeat_max_ms) {
    return logout(s, p::LogoutReason::bad_logon,
                  cat("heartbeat_ms ", m.heartbeat_ms, " is outside ", options_.heartbeat_min_ms, "..",
                      options_.heartbeat_max_ms));
  }
  bool admin = true;
  if (!options_.accounts.empty()) {
    auto it = std::find_if(options_.accounts.begin(), options_.accounts.end(),
                           [&](const GatewayAccount& a) { return a.name == account; });
    if (it == options_.accounts.end() || it->password != password) {
      s.account = std::string(account);
      return logout(s, p::LogoutReason::bad_credentials, "unknown account or wrong password");
    }
    admin = it->admin;
  }
  s.account = std::string(account);
  if (account == "-") {
    s.account_id = kAnonymous;
  } else {
    s.account_id = AccountId(bind_account(s.account));
  }
  s.admin = admin;
  s.cancel_on_disconnect = m.cancel_on_disconnect != 0;
  s.heartbeat_ms = m.heartbeat_ms;
  s.state = SessionState::active;
  s.tokens = options_.burst;
  s.token_ms = now_ms;
  if (!s.by_cl.ok() || !s.by_venue.ok()) {
    return logout(s, p::LogoutReason::server_busy, "cannot allocate the session's order table");
  }
  log_.line(cat("session ", s.id, " account '", printable(s.account), "' from ", s.peer, ": logged on",
                admin ? " (admin)" : "", s.cancel_on_disconnect ? " (cancel on disconnect)" : ""));
  p::LogonAck ack{};
  ack.session_id = s.id;
  ack.heartbeat_ms = s.heartbeat_ms;
  ack.admin = admin ? 1 : 0;
  send(s, ack);
  if (s.account_id != kAnonymous) adopt_recovered(s);
}

void Gateway::push(uint32_t shard, const ShardInput& in) {
  ++stats_.inputs;
  while (!shards_[shard]->try_push(in)) drain();  // the shard is behind: route its outputs meanwhile
}

void Gateway::reject(Session& s, uint64_t cl_ord_id, p::RejectCode why, CommandType command, std::string_view sym) {
  ++stats_.gateway_rejects;
  p::ExecutionReport r{};
  r.cl_ord_id = cl_ord_id;
  r.exec_type = static_cast<uint8_t>(p::ExecType::rejected);
  r.reject_reason = static_cast<uint8_t>(why);
  r.command = static_cast<uint8_t>(command);
  std::memcpy(r.symbol, sym.data(), std::min(sym.size(), sizeof r.symbol));
  ++stats_.reports;
  send(s, r);
}

void Gateway::on_new_order(Session& s, const p::NewOrder& m) {
  const std::string_view sym(m.symbol, strnlen(m.symbol, sizeof m.symbol));
  if (s.find_cl(m.cl_ord_id) != kNoSlot) {
    return reject(s, m.cl_ord_id, p::RejectCode::duplicate_id, CommandType::new_order, sym);
  }
  const Symbol* symbol = find_symbol(m.symbol);
  if (symbol == nullptr) return reject(s, m.cl_ord_id, p::RejectCode::unknown_symbol, CommandType::new_order, sym);
  if (m.side > 1 || m.ord_type > 1 || m.tif > 3 || m.stp > 3 || m.post_only > 1) {
    return reject(s, m.cl_ord_id, p::RejectCode::invalid_field, CommandType::new_order, sym);
  }
  if (s.live() >= s.max_live) return reject(s, m.cl_ord_id, p::RejectCode::capacity, CommandType::new_order, sym);
  const auto gsym = static_cast<uint32_t>(symbol - symbols_.data());
  const uint32_t slot = s.take(m.cl_ord_id, gsym);
  ShardInput in;
  in.kind = InputKind::new_order;
  in.session = s.id;
  in.cl_ord_id = m.cl_ord_id;
  NewOrder& o = in.new_order;
  o.id = OrderId(s.slots[slot].venue_id);
  o.symbol = symbol->engine_id;
  o.side = static_cast<Side>(m.side);
  o.type = static_cast<OrderType>(m.ord_type);
  o.tif = static_cast<TimeInForce>(m.tif);
  o.stp = static_cast<StpMode>(m.stp);
  o.post_only = m.post_only != 0;
  o.account = s.account_id;
  o.qty = Qty(m.qty);
  o.tag = m.cl_ord_id;
  if (m.price != p::kNullInt64) {
    TickConversion c = to_ticks(WireDecimal{m.price, m.price_exponent}, symbol->def.tick);
    o.price_status = c.status;
    o.price = c.ticks;
  }
  push(symbol->def.shard, in);
}

void Gateway::on_cancel(Session& s, const p::CancelOrder& m) {
  const uint32_t slot = s.find_cl(m.cl_ord_id);
  if (slot == kNoSlot) return reject(s, m.cl_ord_id, p::RejectCode::unknown_order, CommandType::cancel, "");
  const OrderSlot& o = s.slots[slot];
  ShardInput in;
  in.kind = InputKind::cancel;
  in.session = s.id;
  in.cl_ord_id = m.cl_ord_id;
  in.cancel = CancelOrder{OrderId(o.venue_id)};
  push(symbols_[o.symbol].def.shard, in);
}

void Gateway::on_modify(Session& s, const p::ModifyOrder& m) {
  const uint32_t slot = s.find_cl(m.cl_ord_id);
  if (slot == kNoSlot) return reject(s, m.cl_ord_id, p::RejectCode::unknown_order, CommandType::modify, "");
  const OrderSlot& o = s.slots[slot];
  const Symbol& symbol = symbols_[o.symbol];
  ShardInput in;
  in.kind = InputKind::modify;
  in.session = s.id;
  in.cl_ord_id = m.cl_ord_id;
  // Make the modify the union's active member: the default one is a NewOrder,
  // whose bytes (symbol kNoSymbol) would read as has_qty = true.
  in.modify = ModifyOrder{};
  ModifyOrder& mod = in.modify;
  mod.id = OrderId(o.venue_id);
  if (m.qty != p::kNullInt64) {
    mod.has_qty = true;
    mod.qty = Qty(m.qty);
  }
  if (m.price != p::kNullInt64) {
    TickConversion c = to_ticks(WireDecimal{m.price, m.price_exponent}, symbol.def.tick);
    mod.price_status = c.status;
    mod.price = c.ticks;
  }
  push(symbol.def.shard, in);
}

void Gateway::on_mass_cancel(Session& s, const p::MassCancel& m) {
  const bool all = p::field_view(m.symbol).empty();
  const Symbol* symbol = all ? nullptr : find_symbol(m.symbol);
  if (!all && symbol == nullptr) {
    p::MassCancelReport r{};
    std::memcpy(r.symbol, m.symbol, sizeof r.symbol);
    return send(s, r);
  }
  Session::Barrier b{false, 0, 0, {}};
  std::memcpy(b.symbol, m.symbol, sizeof b.symbol);
  s.barriers.push_back(b);
  for (uint32_t k = 0; k < shards_.size(); ++k) {
    ShardInput in;
    in.kind = InputKind::mass_cancel;
    in.session = s.id;
    in.mass.account = s.account_id;
    // Every shard answers every barrier (so that answers count in order);
    // shards without the symbol are given one that matches nothing.
    in.mass.symbol = all ? kNoSymbol : (symbol->def.shard == k ? symbol->engine_id : SymbolId(kNoSymbol.value() - 1));
    push(k, in);
  }
}

void Gateway::on_sync(Session& s, const p::Sync& m) {
  s.barriers.push_back(Session::Barrier{true, m.token, 0, {}});
  for (uint32_t k = 0; k < shards_.size(); ++k) {
    ShardInput in;
    in.kind = InputKind::sync;
    in.session = s.id;
    in.token = m.token;
    push(k, in);
  }
}

void Gateway::on_book_request(Session& s, const p::BookRequest& m) {
  const Symbol* symbol = find_symbol(m.symbol);
  if (symbol == nullptr) {
    p::BookEnd r{};
    std::memcpy(r.symbol, m.symbol, sizeof r.symbol);
    r.status = static_cast<uint8_t>(p::BookStatus::unknown_symbol);
    return send(s, r);
  }
  ShardInput in;
  in.kind = InputKind::book;
  in.session = s.id;
  in.token = static_cast<uint64_t>(symbol - symbols_.data());
  in.book.symbol = symbol->engine_id;
  push(symbol->def.shard, in);
}

p::InstrumentStatus Gateway::check_instrument(const p::AddInstrument& m, TickSize* tick) const {
  const std::string_view name = p::field_view(m.symbol);
  if (!valid_name(name, p::kSymbolSize)) return p::InstrumentStatus::invalid_symbol;
  std::optional<TickSize> t = tick_from_wire(WireDecimal{m.tick, m.tick_exponent});
  if (!t) return p::InstrumentStatus::invalid_tick;
  if (m.lot < 1) return p::InstrumentStatus::invalid_lot;
  if (m.max_qty < 1) return p::InstrumentStatus::invalid_max_qty;
  *tick = *t;
  if (const Symbol* old = find_symbol(m.symbol)) {
    const bool same = old->def.tick == *t && old->def.spec.lot == Qty(m.lot) && old->def.spec.max_qty == Qty(m.max_qty);
    return same ? p::InstrumentStatus::unchanged : p::InstrumentStatus::conflict;
  }
  if (m.max_qty > engine::Engine<NullSink>::max_qty_limit(options_.max_orders_per_shard)) {
    return p::InstrumentStatus::qty_overflow;
  }
  return p::InstrumentStatus::added;
}

void Gateway::on_add_instrument(Session& s, const p::AddInstrument& m) {
  p::InstrumentReport r{};
  std::memcpy(r.symbol, m.symbol, sizeof r.symbol);
  r.tick = m.tick;
  r.tick_exponent = m.tick_exponent;
  r.lot = m.lot;
  r.max_qty = m.max_qty;
  TickSize tick;
  p::InstrumentStatus status = s.admin ? check_instrument(m, &tick) : p::InstrumentStatus::not_authorized;
  GatewaySymbol def;
  if (status == p::InstrumentStatus::added) {
    def.name = std::string(p::field_view(m.symbol));
    def.tick = tick;
    def.spec = engine::SymbolSpec{Qty(m.lot), Qty(m.max_qty)};
    def.shard = options_.shard_for ? options_.shard_for(def.name) : 0;
    if (symbol_by_engine_id_[def.shard].size() >= options_.max_symbols_per_shard) {
      status = p::InstrumentStatus::too_many_symbols;
    }
  }
  if (status != p::InstrumentStatus::added) {
    log_.line(cat("session ", s.id, " account '", printable(s.account), "': instrument '",
                  printable(p::field_view(m.symbol)), "' not added (status ", static_cast<int>(status), ")"));
    r.status = static_cast<uint8_t>(status);
    return send(s, r);
  }
  log_.line(cat("session ", s.id, " account '", printable(s.account), "': instrument '", def.name,
                "' added on shard ", def.shard));
  define_symbol(def, s.id);  // the report goes out when the shard has defined it
}

void Gateway::on_expire(Session& s) {
  if (!s.admin) return reject(s, 0, p::RejectCode::not_authorized, CommandType::none, "");
  for (uint32_t k = 0; k < shards_.size(); ++k) {
    ShardInput in;
    in.kind = InputKind::expire;
    in.session = s.id;
    push(k, in);
  }
}

void Gateway::tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  for (auto& [id, sp] : sessions_) {
    Session& s = *sp;
    if (s.state == SessionState::active || s.state == SessionState::awaiting_logon) {
      const uint64_t timeout = 3 * uint64_t{s.heartbeat_ms};
      if (now_ms > s.last_recv_ms + timeout) {
        logout(s, p::LogoutReason::heartbeat_timeout, cat("nothing received for ", now_ms - s.last_recv_ms, " ms"));
        continue;
      }
    }
    if (s.state == SessionState::active && now_ms >= s.last_send_ms + s.heartbeat_ms) {
      send(s, p::Heartbeat{});
    }
  }
}

void Gateway::closed(Session& s, std::string_view why) {
  if (s.state != SessionState::closing) {
    if (s.in_len > 0) {
      log_.line(cat("session ", s.id, " account '", printable(s.account), "': connection ended inside a frame (",
                    s.in_len, " bytes of a truncated frame dropped): ", why));
    } else {
      log_.line(cat("session ", s.id, " account '", printable(s.account), "': disconnected: ", why));
    }
  }
  s.state = SessionState::detached;
  s.out.clear();
  s.out.shrink_to_fit();
  s.in.reset();
  s.barriers.clear();
  if (s.counted) --open_sessions_;
  if (s.cancel_on_disconnect && s.live() > 0) {
    log_.line(cat("session ", s.id, ": cancel on disconnect: ", s.live(), " orders"));
    // Collected first: push() may drain when a shard queue is full, and the
    // outputs it routes can end the session's last order and free `s`.
    std::vector<std::pair<uint32_t, ShardInput>> cancels;
    for (uint32_t i = 0; i < s.slots.size(); ++i) {
      if (!s.slots[i].live) continue;
      ShardInput in;
      in.kind = InputKind::cancel;
      in.session = s.id;
      in.cl_ord_id = s.slots[i].cl_ord_id;
      in.cancel = CancelOrder{OrderId(s.slots[i].venue_id)};
      cancels.emplace_back(symbols_[s.slots[i].symbol].def.shard, in);
    }
    const uint32_t id = s.id;
    for (const auto& [shard, in] : cancels) push(shard, in);
    if (Session* still = find_session(id)) release_if_done(*still);
    return;
  }
  release_if_done(s);
}

void Gateway::release_if_done(Session& s) {
  if (s.state == SessionState::detached && s.live() == 0) {
    std::erase(dirty_, &s);
    std::erase_if(adopted_by_, [&](const auto& kv) { return kv.second == s.id; });
    sessions_.erase(s.id);
  }
}

// ---- Outbound ------------------------------------------------------------------

size_t Gateway::drain() {
  size_t n = 0;
  ShardOutput o;
  for (uint32_t k = 0; k < shards_.size(); ++k) {
    while (shards_[k]->try_pop(o)) {
      route(k, o);
      ++n;
    }
  }
  return n;
}

void Gateway::barrier_done(Session& s, uint32_t shard, uint32_t count) {
  const uint64_t index = s.done_from_shard[shard]++;
  if (index < s.barriers_done_before || index - s.barriers_done_before >= s.barriers.size()) return;
  s.barriers[index - s.barriers_done_before].count += count;
  const uint64_t all = *std::min_element(s.done_from_shard.begin(), s.done_from_shard.end());
  while (!s.barriers.empty() && s.barriers_done_before < all) {
    const Session::Barrier& b = s.barriers.front();
    if (b.is_sync) {
      p::SyncAck ack{};
      ack.token = b.token;
      send(s, ack);
    } else {
      p::MassCancelReport r{};
      r.cancelled = b.count;
      std::memcpy(r.symbol, b.symbol, sizeof r.symbol);
      send(s, r);
    }
    s.barriers.pop_front();
    ++s.barriers_done_before;
  }
}

void Gateway::route(uint32_t shard, const ShardOutput& o) {
  if (o.kind == OutputKind::event) return route_event(shard, o);
  Session* s = find_session(o.session);
  if (o.kind == OutputKind::halted) {
    log_.line(cat("shard ", o.count, " halted: its order inputs are answered reject reason halted"));
    return;
  }
  if (o.kind == OutputKind::symbol_added) {
    // kNoSymbol: a halted shard did not define it.
    assert(o.symbol == kNoSymbol || o.symbol == symbols_[o.token].engine_id);
    if (s == nullptr) return;
    const Symbol& sym = symbols_[o.token];
    p::InstrumentReport r{};
    (void)p::set_field(r.symbol, sym.def.name);
    const WireDecimal t = to_wire(sym.def.tick);
    r.tick = t.mantissa;
    r.tick_exponent = t.exponent;
    r.lot = sym.def.spec.lot.value();
    r.max_qty = sym.def.spec.max_qty.value();
    r.status = static_cast<uint8_t>(o.symbol == kNoSymbol ? p::InstrumentStatus::halted : p::InstrumentStatus::added);
    return send(*s, r);
  }
  if (s == nullptr || s->state == SessionState::detached) return;
  switch (o.kind) {
    case OutputKind::sync_done:
      return barrier_done(*s, shard, 0);
    case OutputKind::mass_cancel_done:
      return barrier_done(*s, shard, o.count);
    case OutputKind::book_level: {
      const Symbol& sym = symbols_[o.token];
      p::BookLevel m{};
      (void)p::set_field(m.symbol, sym.def.name);
      const WireDecimal px = to_wire(o.level.price, sym.def.tick).value_or(WireDecimal{p::kNullInt64, 0});
      m.price = px.mantissa;
      m.price_exponent = px.exponent;
      m.qty = o.level.total.value();
      m.orders = o.level.count;
      m.side = static_cast<uint8_t>(o.side);
      return send(*s, m);
    }
    case OutputKind::book_end: {
      p::BookEnd m{};
      (void)p::set_field(m.symbol, symbols_[o.token].def.name);
      m.status = static_cast<uint8_t>(p::BookStatus::ok);
      return send(*s, m);
    }
    case OutputKind::event:
    case OutputKind::symbol_added:
    case OutputKind::halted:
      return;
  }
}

void Gateway::route_event(uint32_t shard, const ShardOutput& o) {
  const Event& e = o.event;
  ShardCursor& c = cursors_[shard];
  if (e.seq.value() != c.seq) {
    c.seq = e.seq.value();
    c.index = 0;
  }
  const uint32_t index = c.index++;
  switch (e.type) {
    case EventType::rested:
    case EventType::book_update:
      return;  // market data (the publisher's seam), not execution reports
    case EventType::rejected:
      if (e.command != CommandType::new_order) {
        // The order may be gone already: answer the input's sender by its id.
        Session* s = find_session(o.session);
        if (s == nullptr || s->state == SessionState::detached) {
          ++stats_.dropped_reports;
          return;
        }
        p::ExecutionReport r{};
        r.engine_seq = e.seq.value();
        r.event_index = index;
        r.cl_ord_id = o.cl_ord_id;
        r.order_id = e.id.value();
        r.exec_type = static_cast<uint8_t>(p::ExecType::rejected);
        r.reject_reason = static_cast<uint8_t>(e.reject);
        r.command = static_cast<uint8_t>(e.command);
        const uint32_t slot = s->find_venue(e.id.value());
        if (slot != kNoSlot) {
          const GatewaySymbol& def = symbols_[s->slots[slot].symbol].def;
          (void)p::set_field(r.symbol, def.name);
          r.price_exponent = static_cast<int8_t>(-static_cast<int>(def.tick.scale));
          r.cum_qty = s->slots[slot].cum;
        }
        ++stats_.reports;
        return send(*s, r);
      }
      [[fallthrough]];
    case EventType::accepted:
    case EventType::cancelled:
    case EventType::modified: {
      Session* s = find_session(static_cast<uint32_t>(e.id.value() >> 32));
      if (s == nullptr) return;
      const uint32_t slot = s->find_venue(e.id.value());
      if (slot == kNoSlot) return;
      return report_event(*s, slot, e, index, false);
    }
    case EventType::trade: {
      if (Session* s = find_session(static_cast<uint32_t>(e.id.value() >> 32))) {
        const uint32_t slot = s->find_venue(e.id.value());
        if (slot != kNoSlot) report_event(*s, slot, e, index, true);
      }
      if (Session* s = find_session(static_cast<uint32_t>(e.maker.value() >> 32))) {
        const uint32_t slot = s->find_venue(e.maker.value());
        if (slot != kNoSlot) report_event(*s, slot, e, index, false);
      }
      return;
    }
  }
}

void Gateway::report_event(Session& s, uint32_t slot, const Event& e, uint32_t index, bool taker) {
  OrderSlot& o = s.slots[slot];
  const Symbol& sym = symbols_[o.symbol];
  p::ExecutionReport r{};
  r.engine_seq = e.seq.value();
  r.event_index = index;
  r.cl_ord_id = o.cl_ord_id;
  r.order_id = o.venue_id;
  (void)p::set_field(r.symbol, sym.def.name);
  r.side = static_cast<uint8_t>(e.side);
  r.price_exponent = static_cast<int8_t>(-static_cast<int>(sym.def.tick.scale));
  auto wire = [&](Price px) {
    // Fits: the gateway accepted only prices whose wire form fits (to_ticks).
    return to_wire(px, sym.def.tick).value_or(WireDecimal{p::kNullInt64, 0}).mantissa;
  };
  bool done = false;
  switch (e.type) {
    case EventType::accepted:
      r.exec_type = static_cast<uint8_t>(p::ExecType::new_order);
      r.ord_type = static_cast<uint8_t>(e.order_type);
      r.tif = static_cast<uint8_t>(e.tif);
      r.price = wire(e.price);
      r.qty = e.qty.value();
      r.leaves_qty = e.qty.value();
      break;
    case EventType::rejected:
      r.exec_type = static_cast<uint8_t>(p::ExecType::rejected);
      r.reject_reason = static_cast<uint8_t>(e.reject);
      r.command = static_cast<uint8_t>(e.command);
      done = true;
      break;
    case EventType::trade: {
      const Qty leaves = taker ? e.leaves : e.maker_leaves;
      o.cum += e.qty.value();
      r.exec_type = static_cast<uint8_t>(leaves == Qty{} ? p::ExecType::filled : p::ExecType::partially_filled);
      r.side = static_cast<uint8_t>(taker ? e.side : opposite(e.side));
      r.match_id = e.match;
      r.last_px = wire(e.price);
      r.last_qty = e.qty.value();
      r.leaves_qty = leaves.value();
      r.flags = taker ? p::kFlagAggressor : 0;
      done = leaves == Qty{};
      break;
    }
    case EventType::cancelled:
      r.exec_type = static_cast<uint8_t>(p::ExecType::cancelled);
      r.cancel_reason = static_cast<uint8_t>(e.cancel);
      r.price = wire(e.price);
      r.qty = e.qty.value();
      done = true;
      break;
    case EventType::modified:
      r.exec_type = static_cast<uint8_t>(p::ExecType::replaced);
      r.price = wire(e.price);
      r.qty = e.qty.value();
      r.leaves_qty = e.qty.value();
      r.flags = e.kept_priority ? p::kFlagKeptPriority : 0;
      break;
    case EventType::rested:
    case EventType::book_update:
      return;
  }
  r.cum_qty = o.cum;
  if (s.state == SessionState::detached) {
    ++stats_.dropped_reports;
  } else {
    ++stats_.reports;
    send(s, r);
  }
  if (done) {
    s.free(slot);
    release_if_done(s);
  }
}

}  // namespace rialto::server
