// A Gateway driven in one thread, the way the I/O shell drives it, with fake
// clients: frames are encoded and fed through read_space/received, shard
// outputs are drained, and what outbound(session) holds is decoded (checking
// every frame and its seq) and cleared as the shell would after writing it.
// The clock is a number the test moves.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway.h"
#include "inline_shard.h"
#include "recovery.h"
#include "rialto/protocol/framing.h"
#include "rialto/protocol/messages.h"

namespace rialto::server::testing {

namespace p = protocol;

using Msg = std::variant<p::LogonAck, p::Logout, p::Heartbeat, p::ExecutionReport, p::SyncAck, p::BookLevel, p::BookEnd,
                         p::InstrumentReport, p::MassCancelReport>;

template <size_t N>
std::string chars(const char (&f)[N]) {
  std::string s;
  for (char c : f) {
    if (c == 0) {
      s += "~";  // NUL padding, shown so that a byte after it is visible too
    } else {
      s += c;
    }
  }
  while (!s.empty() && s.back() == '~') s.pop_back();
  return s;
}

/// Every field of a message, in order, as text: comparing two of these
/// compares the whole message, and a failure shows which field differs.
inline std::string describe(const Msg& msg) {
  auto n = [](auto v) { return std::to_string(static_cast<long long>(v)); };
  auto u = [](auto v) { return std::to_string(static_cast<unsigned long long>(v)); };
  return std::visit(
      [&](const auto& m) -> std::string {
        using M = std::decay_t<decltype(m)>;
        std::string s = "seq=" + u(m.seq);
        if constexpr (std::is_same_v<M, p::LogonAck>) {
          s = "LogonAck " + s + " session=" + u(m.session_id) + " hb=" + u(m.heartbeat_ms) + " admin=" + u(m.admin);
        } else if constexpr (std::is_same_v<M, p::Logout>) {
          s = "Logout " + s + " reason=" + u(m.reason) + " text='" + chars(m.text) + "'";
        } else if constexpr (std::is_same_v<M, p::Heartbeat>) {
          s = "Heartbeat " + s;
        } else if constexpr (std::is_same_v<M, p::ExecutionReport>) {
          s = "ExecutionReport " + s + " engine_seq=" + u(m.engine_seq) + " cl=" + u(m.cl_ord_id) +
              " order=" + u(m.order_id) + " match=" + u(m.match_id) + " last_px=" + n(m.last_px) +
              " last_qty=" + n(m.last_qty) + " leaves=" + n(m.leaves_qty) + " cum=" + n(m.cum_qty) +
              " price=" + n(m.price) + " qty=" + n(m.qty) + " index=" + u(m.event_index) + " sym='" + chars(m.symbol) +
              "' exp=" + n(m.price_exponent) + " exec=" + u(m.exec_type) + " side=" + u(m.side) +
              " ord=" + u(m.ord_type) + " tif=" + u(m.tif) + " reject=" + u(m.reject_reason) +
              " cancel=" + u(m.cancel_reason) + " command=" + u(m.command) + " flags=" + u(m.flags);
        } else if constexpr (std::is_same_v<M, p::SyncAck>) {
          s = "SyncAck " + s + " token=" + u(m.token);
        } else if constexpr (std::is_same_v<M, p::BookLevel>) {
          s = "BookLevel " + s + " price=" + n(m.price) + " qty=" + n(m.qty) + " orders=" + u(m.orders) + " sym='" +
              chars(m.symbol) + "' exp=" + n(m.price_exponent) + " side=" + u(m.side);
        } else if constexpr (std::is_same_v<M, p::BookEnd>) {
          s = "BookEnd " + s + " sym='" + chars(m.symbol) + "' status=" + u(m.status);
        } else if constexpr (std::is_same_v<M, p::InstrumentReport>) {
          s = "InstrumentReport " + s + " tick=" + n(m.tick) + " lot=" + n(m.lot) + " max_qty=" + n(m.max_qty) +
              " sym='" + chars(m.symbol) + "' exp=" + n(m.tick_exponent) + " status=" + u(m.status);
        } else if constexpr (std::is_same_v<M, p::MassCancelReport>) {
          s = "MassCancelReport " + s + " cancelled=" + u(m.cancelled) + " sym='" + chars(m.symbol) + "'";
        }
        return s;
      },
      msg);
}

inline std::vector<std::string> describe(const std::vector<Msg>& v) {
  std::vector<std::string> out;
  for (const Msg& m : v) out.push_back(describe(m));
  return out;
}

template <class M>
std::string frame(const M& m) {
  std::string s(p::kFrameSize<M>, '\0');
  p::encode(m, s.data());
  return s;
}

struct VectorLog final : Log {
  std::vector<std::string> lines;
  void line(std::string_view l) override { lines.emplace_back(l); }
  std::vector<std::string> take() { return std::exchange(lines, {}); }
};

struct Client {
  Session* session = nullptr;  // nullptr once closed
  uint64_t seq = 0;            // last seq sent
  uint64_t in_seq = 0;         // last seq received
  bool reading = true;         // false: a slow consumer, its outbound is never taken
  std::vector<Msg> inbox;
  std::string peer;
};

/// Decodes every frame of `bytes` into `c.inbox`, checking each one decodes and
/// carries seq = the previous + 1.
inline void decode_into(Client& c, std::string_view bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    p::Decoded d = p::decode(bytes.data() + at, bytes.size() - at);
    ASSERT_EQ(d.status, p::DecodeStatus::frame) << "outbound bytes of " << c.peer << " at " << at << ": " << d.what;
    Msg m;
    switch (static_cast<p::TemplateId>(d.template_id)) {
      case p::TemplateId::logon_ack: m = p::read<p::LogonAck>(d); break;
      case p::TemplateId::logout: m = p::read<p::Logout>(d); break;
      case p::TemplateId::heartbeat: m = p::read<p::Heartbeat>(d); break;
      case p::TemplateId::execution_report: m = p::read<p::ExecutionReport>(d); break;
      case p::TemplateId::sync_ack: m = p::read<p::SyncAck>(d); break;
      case p::TemplateId::book_level: m = p::read<p::BookLevel>(d); break;
      case p::TemplateId::book_end: m = p::read<p::BookEnd>(d); break;
      case p::TemplateId::instrument_report: m = p::read<p::InstrumentReport>(d); break;
      case p::TemplateId::mass_cancel_report: m = p::read<p::MassCancelReport>(d); break;
      default: FAIL() << "the server sent client-direction template " << d.template_id;
    }
    const uint64_t seq = std::visit([](const auto& x) { return uint64_t{x.seq}; }, m);
    EXPECT_EQ(seq, c.in_seq + 1) << c.peer << ": " << describe(m);
    c.in_seq = seq;
    c.inbox.push_back(m);
    at += d.frame_size;
  }
}

class GatewayHarness {
 public:
  /// Symbols defined at start unless `o.symbols` is given: ABC (tick 0.01, shard 0)
  /// and, with two shards, XYZ (tick 0.5, lot 10, shard 1).
  void start(GatewayOptions o, uint32_t shards = 1) {
    o.shards = shards;
    for (uint32_t k = 0; k < shards; ++k) {
      shards_.push_back(std::make_unique<InlineShard>(engine_config_for(o)));
      ASSERT_TRUE(shards_.back()->ok());
    }
    std::vector<ShardLink*> links;
    for (auto& s : shards_) links.push_back(s.get());
    gateway_ = std::make_unique<Gateway>(std::move(o), links, log_);
    pump();
  }

  /// Restarts the venue the way recovery does: fresh shards replay each old
  /// shard's journaled inputs (or restore a snapshot of it taken now), and a
  /// new gateway learns what they recovered. Every client is gone.
  void restart(GatewayOptions o, bool via_snapshot) {
    o.shards = static_cast<uint32_t>(shards_.size());
    std::vector<std::unique_ptr<InlineShard>> fresh;
    std::vector<RecoveredShard> recovered;
    for (auto& old : shards_) {
      fresh.push_back(std::make_unique<InlineShard>(engine_config_for(o)));
      if (via_snapshot) {
        std::vector<uint8_t> bytes;
        old->matcher().save(bytes);
        std::string error;
        ASSERT_TRUE(fresh.back()->load(bytes, &error)) << error;
        EXPECT_EQ(fresh.back()->matcher().output_hash(), old->matcher().output_hash());
      } else {
        fresh.back()->replay(old->journal);
      }
      recovered.push_back(recovered_state(fresh.back()->matcher()));
    }
    clients_.clear();
    gateway_.reset();
    shards_ = std::move(fresh);
    std::vector<ShardLink*> links;
    for (auto& s : shards_) links.push_back(s.get());
    gateway_ = std::make_unique<Gateway>(std::move(o), links, log_, recovered);
    pump();
  }

  static GatewayOptions demo_options(uint32_t shards = 1) {
    GatewayOptions o;
    o.max_orders_per_shard = 1u << 12;
    o.max_symbols_per_shard = 16;
    o.max_live_orders = 256;
    o.symbols.push_back(GatewaySymbol{"ABC", TickSize{1, 2}, engine::SymbolSpec{Qty(1), Qty(1'000'000)}, 0});
    if (shards > 1) {
      o.symbols.push_back(GatewaySymbol{"XYZ", TickSize{5, 1}, engine::SymbolSpec{Qty(10), Qty(1'000'000)}, 1});
    }
    return o;
  }

  Gateway& gateway() { return *gateway_; }
  InlineShard& shard(uint32_t k) { return *shards_[k]; }
  VectorLog& log() { return log_; }

  Client& connect(std::string peer = "") {
    clients_.push_back(std::make_unique<Client>());
    Client& c = *clients_.back();
    c.peer = peer.empty() ? "peer" + std::to_string(clients_.size()) : peer;
    c.session = gateway_->open(now_ms, c.peer);
    EXPECT_NE(c.session, nullptr);
    return c;
  }

  /// Feeds raw bytes as the shell would (in read_room-sized pieces), then pumps.
  void feed(Client& c, std::string_view bytes) {
    ASSERT_NE(c.session, nullptr);
    while (!bytes.empty() && !Gateway::wants_close(*c.session)) {
      const size_t n = std::min(bytes.size(), Gateway::read_room(*c.session));
      ASSERT_GT(n, 0u);
      std::memcpy(Gateway::read_space(*c.session), bytes.data(), n);
      gateway_->received(*c.session, n, now_ms);
      bytes.remove_prefix(n);
    }
    pump();
  }

  /// Sends `m` with the client's next seq.
  template <class M>
  void send(Client& c, M m) {
    m.seq = ++c.seq;
    feed(c, frame(m));
  }

  /// Logs on and checks the LogonAck; returns the session id.
  uint32_t logon(Client& c, std::string_view account, std::string_view password = "", uint32_t hb = 1000,
                 bool cancel_on_disconnect = false) {
    send(c, logon_msg(account, password, hb, cancel_on_disconnect));
    std::vector<Msg> in = take(c);
    EXPECT_EQ(in.size(), 1u);
    if (in.size() != 1 || !std::holds_alternative<p::LogonAck>(in[0])) {
      ADD_FAILURE() << "no LogonAck: " << ::testing::PrintToString(describe(in));
      return 0;
    }
    return std::get<p::LogonAck>(in[0]).session_id;
  }

  static p::Logon logon_msg(std::string_view account, std::string_view password = "", uint32_t hb = 1000,
                            bool cancel_on_disconnect = false) {
    p::Logon m{};
    (void)p::set_field(m.account, account);
    (void)p::set_field(m.password, password);
    m.heartbeat_ms = hb;
    m.cancel_on_disconnect = cancel_on_disconnect ? 1 : 0;
    return m;
  }

  void close(Client& c, std::string_view why = "EOF") {
    ASSERT_NE(c.session, nullptr);
    gateway_->closed(*c.session, why);
    c.session = nullptr;
    pump();
  }

  void tick() {
    gateway_->tick(now_ms);
    pump();
  }

  /// Routes every shard output, then takes every reading client's outbound.
  void pump() {
    while (gateway_->drain() > 0) {
    }
    std::vector<Session*> dirty;
    gateway_->take_dirty(dirty);
    for (auto& cp : clients_) {
      Client& c = *cp;
      if (c.session == nullptr || !c.reading) continue;
      std::string& out = Gateway::outbound(*c.session);
      if (out.empty()) continue;
      EXPECT_NE(std::find(dirty.begin(), dirty.end(), c.session), dirty.end())
          << c.peer << " has bytes to send but was not reported dirty";
      decode_into(c, out);
      out.clear();
    }
  }

  static std::vector<Msg> take(Client& c) { return std::exchange(c.inbox, {}); }

  static bool wants_close(const Client& c) { return c.session != nullptr && Gateway::wants_close(*c.session); }

  uint64_t now_ms = 1'000'000;

 private:
  VectorLog log_;
  std::vector<std::unique_ptr<InlineShard>> shards_;
  std::unique_ptr<Gateway> gateway_;
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace rialto::server::testing
