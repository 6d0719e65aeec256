// Small blocking order-entry helpers over client::Session for the restart
// and crash tests: log on, build messages, collect everything up to a
// SyncAck, read a whole book, and the files of a data directory.
//
// Thread safety: none (each helper uses the one session it is given).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rialto/client/session.h"
#include "rialto/protocol/framing.h"
#include "rialto/protocol/messages.h"

namespace rialto::e2e {

namespace p = rialto::protocol;

inline constexpr int kAnswerTimeoutMs = 10000;

/// A copy of a (packed, maybe misaligned) wire field: gtest's macros bind
/// their arguments to references, which UBSan rejects for packed members.
template <class T>
T v(T x) {
  return x;
}

inline std::unique_ptr<client::Session> logon(uint16_t port, const std::string& account,
                                              bool cancel_on_disconnect = false) {
  auto s = std::make_unique<client::Session>();
  if (!s->connect("127.0.0.1", port)) {
    ADD_FAILURE() << s->error();
    return nullptr;
  }
  client::LogonResult r = s->logon(account, "pw", 1000, cancel_on_disconnect);
  if (r.status != client::LogonResult::Status::ok) {
    ADD_FAILURE() << "logon of " << account << " failed: " << r.text;
    return nullptr;
  }
  return s;
}

inline p::NewOrder limit_order(uint64_t cl, const std::string& sym, p::Side side, int64_t qty, int64_t px_cents) {
  p::NewOrder m{};
  m.cl_ord_id = cl;
  m.qty = qty;
  m.price = px_cents;
  m.price_exponent = -2;
  (void)p::set_field(m.symbol, sym);
  m.side = static_cast<uint8_t>(side);
  m.ord_type = static_cast<uint8_t>(p::OrdType::limit);
  m.tif = static_cast<uint8_t>(p::Tif::gtc);
  return m;
}

inline p::CancelOrder cancel_order(uint64_t cl) { return p::CancelOrder{0, cl}; }

inline p::ModifyOrder modify_order(uint64_t cl, int64_t qty, int64_t px_cents) {
  p::ModifyOrder m{};
  m.cl_ord_id = cl;
  m.qty = qty;
  m.price = px_cents;
  m.price_exponent = -2;
  return m;
}

inline p::AddInstrument add_instrument(const std::string& sym) {
  p::AddInstrument m{};
  m.tick = 1;
  m.tick_exponent = -2;
  m.lot = 1;
  m.max_qty = 1000000;
  (void)p::set_field(m.symbol, sym);
  return m;
}

/// Everything that arrived before the SyncAck.
struct Answers {
  std::vector<p::ExecutionReport> reports;
  std::vector<p::InstrumentReport> instruments;
  size_t other = 0;  // frames of any other template
  bool ok = false;
  std::string error;
};

/// Sends Sync(token) and collects everything up to its SyncAck.
inline Answers sync(client::Session& s, uint64_t token) {
  Answers a;
  if (!s.send(p::Sync{0, token})) {
    a.error = "send Sync: " + s.error();
    return a;
  }
  for (;;) {
    client::Frame f;
    const client::RecvStatus st = s.receive(f, kAnswerTimeoutMs);
    if (st != client::RecvStatus::frame) {
      a.error = "waiting for SyncAck: " + (st == client::RecvStatus::timeout ? std::string("timeout") : s.error());
      return a;
    }
    if (f.is<p::SyncAck>() && f.as<p::SyncAck>().token == token) {
      a.ok = true;
      return a;
    }
    if (f.is<p::ExecutionReport>()) a.reports.push_back(f.as<p::ExecutionReport>());
    else if (f.is<p::InstrumentReport>()) a.instruments.push_back(f.as<p::InstrumentReport>());
    else ++a.other;
  }
}

/// "bid 9975e-2 x 2 (1)" per level of `sym`, as BookRequest answers (bids
/// then asks); "error: ..." when the answer does not come.
inline std::string book_text(client::Session& s, const std::string& sym) {
  p::BookRequest m{};
  (void)p::set_field(m.symbol, sym);
  if (!s.send(m)) return "error: send BookRequest: " + s.error();
  std::string t;
  for (;;) {
    client::Frame f;
    if (s.receive(f, kAnswerTimeoutMs) != client::RecvStatus::frame) return t + "error: waiting for BookEnd: " + s.error();
    if (f.is<p::BookLevel>()) {
      const auto l = f.as<p::BookLevel>();
      t += (l.side == 0 ? "bid " : "ask ") + std::to_string(l.price) + "e" + std::to_string(l.price_exponent) +
           " x " + std::to_string(l.qty) + " (" + std::to_string(l.orders) + ")\n";
    } else if (f.is<p::BookEnd>()) {
      if (f.as<p::BookEnd>().status != static_cast<uint8_t>(p::BookStatus::ok)) t += "status unknown_symbol\n";
      return t;
    }
  }
}

/// One report as a line with every field a client acts on.
inline std::string report_text(const p::ExecutionReport& r) {
  return "cl=" + std::to_string(r.cl_ord_id) + " id=" + std::to_string(r.order_id) +
         " exec=" + std::to_string(r.exec_type) + " last=" + std::to_string(r.last_qty) + "@" +
         std::to_string(r.last_px) + " leaves=" + std::to_string(r.leaves_qty) + " cum=" + std::to_string(r.cum_qty) +
         " px=" + std::to_string(r.price) + " qty=" + std::to_string(r.qty) +
         " reject=" + std::to_string(r.reject_reason) + "\n";
}

inline std::string reports_text(const std::vector<p::ExecutionReport>& rs) {
  std::string t;
  for (const auto& r : rs) t += report_text(r);
  return t;
}

}  // namespace rialto::e2e
