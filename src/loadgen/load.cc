// The order flow against a rialto server (docs/BENCHMARKS.md, "Server load").
#include <poll.h>

#include <array>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "bench/engine/rng.h"
#include "driver.h"
#include "rialto/client/session.h"
#include "rialto/core/types.h"
#include "rialto/loadgen/load.h"

namespace rialto::loadgen {

namespace {

namespace p = rialto::protocol;

constexpr int64_t kMidTicks = 10'000;  // 100.00 at tick 0.01
constexpr int8_t kPriceExponent = -2;
constexpr double kCrossing = 0.25;     // share of new orders that are IOCs through the mid
constexpr size_t kSlotsTotal = size_t{1} << 20;

/// One order of a session, found by cl_ord_id & mask (ids are never reused).
struct Slot {
  uint64_t id = 0;
  int64_t new_sched = 0;     // scheduled send time of the NewOrder
  int64_t cancel_sched = 0;  // of its CancelOrder
  bool new_pending = false;  // no report yet
  bool cancel_pending = false;
  bool live = false;         // not known to be done (filled, cancelled, rejected)
};

struct DueCancel {
  uint64_t id;
  uint64_t due;  // the session's message count at which it is due
};

struct LoadSession {
  client::Session s;
  std::vector<Slot> slots;
  size_t mask = 0;
  uint64_t next_id = 1;
  uint64_t messages = 0;
  std::deque<DueCancel> cancels;
};

struct Counters {
  uint64_t new_orders = 0, cancels = 0, reports = 0, fills = 0, stray = 0, overwritten = 0;
  std::array<uint64_t, 256> rejects{};
  uint64_t reject_total = 0;
};

size_t slots_per_session(uint32_t sessions) {
  size_t n = 1 << 14;
  while (n * sessions < kSlotsTotal) n <<= 1;
  return n;
}

bool define_symbols(client::Session& s, uint32_t count, std::ostream& err) {
  for (uint32_t i = 0; i < count; ++i) {
    p::AddInstrument m{};
    m.tick = 1;
    m.tick_exponent = kPriceExponent;
    m.lot = 1;
    m.max_qty = 1'000'000;
    const std::string name = "LOAD" + std::to_string(i);
    (void)p::set_field(m.symbol, name);
    if (!s.send(m)) {
      err << "rialto load: cannot send AddInstrument: " << s.error() << '\n';
      return false;
    }
    for (;;) {
      client::Frame f;
      const client::RecvStatus st = s.receive(f, 5000);
      if (st != client::RecvStatus::frame) {
        err << "rialto load: no InstrumentReport for " << name << ": "
            << (st == client::RecvStatus::timeout ? "timeout" : s.error()) << '\n';
        return false;
      }
      if (!f.is<p::InstrumentReport>()) continue;
      const auto r = f.as<p::InstrumentReport>();
      const auto status = static_cast<p::InstrumentStatus>(r.status);
      if (status != p::InstrumentStatus::added && status != p::InstrumentStatus::unchanged) {
        err << "rialto load: AddInstrument " << name << " (tick 0.01, lot 1, max_qty 1000000) answered status "
            << static_cast<int>(r.status) << " (not added or unchanged)\n";
        return false;
      }
      break;
    }
  }
  return true;
}

}  // namespace

int run_load(const LoadOptions& o, std::ostream& out, std::ostream& err) {
  Driver d(o, err);
  Counters c;
  bench::Rng rng(o.seed);
  std::vector<std::unique_ptr<LoadSession>> ss;
  const size_t per = slots_per_session(o.sessions);
  for (uint32_t i = 0; i < o.sessions; ++i) {
    auto ls = std::make_unique<LoadSession>();
    if (!ls->s.connect(o.host, o.port)) {
      err << "rialto load: " << ls->s.error() << '\n';
      return 1;
    }
    const client::LogonResult r = ls->s.logon("load" + std::to_string(i + 1), "", 1000, true);
    if (r.status != client::LogonResult::Status::ok) {
      err << "rialto load: session " << i + 1 << ": logon failed: " << r.text << '\n';
      return 1;
    }
    ls->slots.resize(per);
    ls->mask = per - 1;
    ss.push_back(std::move(ls));
  }
  if (!ss[0]->s.admin()) {
    err << "rialto load: session 1 is not an admin session, so it cannot define LOAD0..: use the demo venue "
           "or an admin account\n";
    return 1;
  }
  if (!define_symbols(ss[0]->s, o.symbols, err)) return 1;
  std::vector<std::string> names;
  for (uint32_t i = 0; i < o.symbols; ++i) names.push_back("LOAD" + std::to_string(i));
  for (auto& ls : ss) ls->s.set_blocking(false);

  std::vector<pollfd> fds(ss.size());
  for (size_t i = 0; i < ss.size(); ++i) fds[i] = pollfd{ss[i]->s.fd(), POLLIN, 0};

  // One message of session `ls`, scheduled at `sched`: a due cancel of a
  // still-live resting order, else a new order. False: the session's send
  // buffer is full (try again later) or the session failed.
  auto send_one = [&](LoadSession& ls, int64_t sched) -> bool {
    while (!ls.cancels.empty() && ls.cancels.front().due <= ls.messages) {
      const DueCancel dc = ls.cancels.front();
      Slot& slot = ls.slots[dc.id & ls.mask];
      if (slot.id != dc.id || !slot.live || slot.cancel_pending) {
        ls.cancels.pop_front();
        continue;
      }
      p::CancelOrder m{};
      m.cl_ord_id = dc.id;
      if (!ls.s.send(m)) return false;
      ls.cancels.pop_front();
      slot.cancel_pending = true;
      slot.cancel_sched = sched;
      ++c.cancels;
      ++ls.messages;
      return true;
    }
    const uint64_t id = ls.next_id;
    Slot& slot = ls.slots[id & ls.mask];
    p::NewOrder m{};
    m.cl_ord_id = id;
    const bool buy = (rng.next() & 1) != 0;
    m.side = static_cast<uint8_t>(buy ? p::Side::buy : p::Side::sell);
    m.ord_type = static_cast<uint8_t>(p::OrdType::limit);
    m.price_exponent = kPriceExponent;
    m.stp = static_cast<uint8_t>(p::Stp::none);
    const bool crossing = rng.chance(kCrossing);
    if (crossing) {
      m.tif = static_cast<uint8_t>(p::Tif::ioc);
      m.price = buy ? kMidTicks + 2 : kMidTicks - 2;
      m.qty = 100 * (1 + rng.below(3));
    } else {
      m.tif = static_cast<uint8_t>(p::Tif::gtc);
      const int64_t dist = 1 + rng.below(10);
      m.price = buy ? kMidTicks - dist : kMidTicks + dist;
      m.qty = 100 * (1 + rng.below(5));
    }
    (void)p::set_field(m.symbol, names[rng.below(static_cast<uint32_t>(names.size()))]);
    if (!ls.s.send(m)) return false;
    if (slot.id != 0 && (slot.new_pending || slot.cancel_pending)) {
      // The ring wrapped onto an order still waiting for an answer: it can no
      // longer be matched, so it is counted as missing.
      const uint64_t n = (slot.new_pending ? 1 : 0) + (slot.cancel_pending ? 1 : 0);
      c.overwritten += n;
      d.lost(n);
    }
    slot = Slot{id, sched, 0, true, false, true};
    if (!crossing) ls.cancels.push_back({id, ls.messages + o.lifetime});
    ++ls.next_id;
    ++c.new_orders;
    ++ls.messages;
    return true;
  };

  auto on_report = [&](LoadSession& ls, const p::ExecutionReport& r, int64_t now) {
    ++c.reports;
    Slot& slot = ls.slots[r.cl_ord_id & ls.mask];
    if (slot.id != r.cl_ord_id || r.cl_ord_id == 0) {
      ++c.stray;
      return;
    }
    const auto et = static_cast<p::ExecType>(r.exec_type);
    if (et == p::ExecType::partially_filled || et == p::ExecType::filled) ++c.fills;
    if (slot.new_pending) {
      slot.new_pending = false;
      d.answered(slot.new_sched, now);
      if (et == p::ExecType::rejected) {
        ++c.rejects[r.reject_reason];
        ++c.reject_total;
      }
    } else if (slot.cancel_pending &&
               ((et == p::ExecType::cancelled && r.cancel_reason == static_cast<uint8_t>(CancelReason::user)) ||
                (et == p::ExecType::rejected && r.command == static_cast<uint8_t>(CommandType::cancel)))) {
      slot.cancel_pending = false;
      d.answered(slot.cancel_sched, now);
      if (et == p::ExecType::rejected) {
        ++c.rejects[r.reject_reason];
        ++c.reject_total;
      }
    }
    if (et == p::ExecType::filled || et == p::ExecType::cancelled ||
        (et == p::ExecType::rejected && r.command != static_cast<uint8_t>(CommandType::cancel))) {
      slot.live = false;
    }
  };

  bool failed = false;
  auto drain = [&](LoadSession& ls, int64_t now) {
    for (;;) {
      client::Frame f;
      const client::RecvStatus st = ls.s.try_receive(f);
      if (st == client::RecvStatus::would_block) return;
      if (st != client::RecvStatus::frame) {
        err << "\nrialto load: session " << ls.s.session_id() << ": " << ls.s.error() << '\n';
        failed = true;
        return;
      }
      if (f.is<p::ExecutionReport>()) {
        on_report(ls, f.as<p::ExecutionReport>(), now);
      } else if (f.is<p::Logout>()) {
        const auto lo = f.as<p::Logout>();
        err << "\nrialto load: session " << ls.s.session_id() << " logged out by the server: "
            << client::to_string(static_cast<p::LogoutReason>(lo.reason)) << " " << p::field_view(lo.text) << '\n';
        failed = true;
        return;
      }
    }
  };

  const uint64_t total = d.scheduled();
  const int64_t t0 = now_ns();
  d.start(t0);
  const int64_t span = d.schedule(total) - t0;
  const int64_t send_deadline = t0 + span + std::max<int64_t>(1'000'000'000, span / 2);
  int64_t drain_deadline = 0;
  int64_t next_service = t0;
  uint64_t k = 0;
  while (!failed) {
    int64_t now = now_ns();
    for (int burst = 0; k < total && burst < 256; ++burst) {
      const int64_t sched = d.schedule(k);
      if (sched > now) break;
      LoadSession& ls = *ss[k % ss.size()];
      if (!send_one(ls, sched)) {
        if (!ls.s.is_open()) {
          err << "\nrialto load: session " << ls.s.session_id() << ": " << ls.s.error() << '\n';
          failed = true;
        }
        break;
      }
      d.sent(k, now);
      ++k;
      if ((burst & 15) == 15) now = now_ns();
    }
    for (auto& ls : ss) {
      if (ls->s.wants_write() && !ls->s.flush()) failed = true;
    }
    if (k == total || now > send_deadline) {
      if (drain_deadline == 0) drain_deadline = now + static_cast<int64_t>(o.drain_s * 1e9);
      if (d.outstanding() == 0 || now > drain_deadline) break;
    }
    for (size_t i = 0; i < ss.size(); ++i) fds[i].events = POLLIN | (ss[i]->s.wants_write() ? POLLOUT : 0);
    const int64_t next = k < total ? d.schedule(k) : now + 1'000'000;
    const int ready = d.wait(fds, next, now);
    now = now_ns();
    if (ready > 0) {
      for (size_t i = 0; i < ss.size(); ++i) {
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) drain(*ss[i], now_ns());
      }
    }
    if (now >= next_service) {
      for (auto& ls : ss) {
        if (!ls->s.service(std::chrono::steady_clock::now())) {
          err << "\nrialto load: session " << ls->s.session_id() << ": " << ls->s.error() << '\n';
          failed = true;
        }
      }
      next_service = now + 100'000'000;
    }
    d.progress(now);
  }
  for (auto& ls : ss) {
    ls->s.set_blocking(true);
    if (ls->s.is_open()) ls->s.logout(1000);
  }

  char buf[512];
  std::string extra;
  std::snprintf(buf, sizeof buf,
                "messages   %" PRIu64 " new orders, %" PRIu64 " cancels; %" PRIu64 " execution reports (%" PRIu64
                " fills), %" PRIu64 " unmatched\n",
                c.new_orders, c.cancels, c.reports, c.fills, c.stray);
  extra += buf;
  std::string reasons;
  for (size_t i = 0; i < c.rejects.size(); ++i) {
    if (c.rejects[i] == 0) continue;
    std::snprintf(buf, sizeof buf, "%sreason %zu: %" PRIu64, reasons.empty() ? "" : ", ", i, c.rejects[i]);
    reasons += buf;
  }
  std::snprintf(buf, sizeof buf, "rejects    %" PRIu64 "%s%s%s\n", c.reject_total, reasons.empty() ? "" : " (",
                reasons.c_str(), reasons.empty() ? "" : "; 32 = throttled)");
  extra += buf;
  if (c.overwritten > 0) {
    std::snprintf(buf, sizeof buf, "overwrite  %" PRIu64 " answers could not be matched (tracking ring wrapped)\n",
                  c.overwritten);
    extra += buf;
  }
  char title[256];
  std::snprintf(title, sizeof title, "rialto server at %s:%u, %u symbol(s)", o.host.c_str(), o.port, o.symbols);
  const bool cdf_ok = d.summary(out, title, extra);
  if (failed) return 1;
  return cdf_ok ? 0 : 1;
}

}  // namespace rialto::loadgen
