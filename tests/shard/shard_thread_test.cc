// The gateway and real matching threads, handing off through the SPSC queues
// and the two wake-ups (Parking, EventFdWake), without sockets. Runs in every
// build and is the server's concurrency test under ThreadSanitizer.
#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "gateway.h"
#include "rialto/protocol/framing.h"
#include "shard_thread.h"

namespace rialto::server {
namespace {

namespace p = protocol;

class NullLog final : public Log {
 public:
  void line(std::string_view) override {}
};

struct Client {
  Session* session = nullptr;
  uint64_t seq = 0;
  template <class M>
  void send(Gateway& g, M m) {
    m.seq = ++seq;
    char buf[p::kFrameSize<M>];
    const size_t n = p::encode(m, buf);
    std::memcpy(Gateway::read_space(*session), buf, n);
    g.received(*session, n, 0);
  }
};

/// Waits on the shards' eventfd and routes their outputs until `done`.
template <class Done>
void pump(Gateway& g, EventFdWake& wake, Done&& done) {
  while (!done()) {
    pollfd fd{wake.fd(), POLLIN, 0};
    ::poll(&fd, 1, 100);
    wake.consume();
    g.drain();
  }
}

/// Decodes every frame queued for a session (and clears it, as the shell would).
std::vector<p::ExecutionReport> take_reports(Session& s, uint64_t& syncs) {
  std::vector<p::ExecutionReport> out;
  std::string& bytes = Gateway::outbound(s);
  size_t at = 0;
  while (at < bytes.size()) {
    p::Decoded d = p::decode(bytes.data() + at, bytes.size() - at);
    EXPECT_EQ(d.status, p::DecodeStatus::frame);
    if (d.status != p::DecodeStatus::frame) break;
    if (d.template_id == static_cast<uint16_t>(p::TemplateId::execution_report)) {
      out.push_back(p::read<p::ExecutionReport>(d));
    } else if (d.template_id == static_cast<uint16_t>(p::TemplateId::sync_ack)) {
      ++syncs;
    }
    at += d.frame_size;
  }
  bytes.clear();
  return out;
}

TEST(ShardThreads, EveryOrderOfTwoSessionsOnTwoShardsIsReportedOnceInEngineOrder) {
  EventFdWake wake;
  ASSERT_TRUE(wake.ok());
  engine::EngineConfig ec;
  ec.max_orders = 1 << 14;
  ec.max_symbols = 16;
  std::vector<std::unique_ptr<ShardThread>> shards;
  std::vector<ShardLink*> links;
  for (uint32_t k = 0; k < 2; ++k) {
    shards.push_back(std::make_unique<ShardThread>(ec, 1 << 16, wake));
    links.push_back(shards.back().get());
  }
  GatewayOptions o;
  o.shards = 2;
  o.symbols = {{"AAA", TickSize{1, 2}, {}, 0}, {"BBB", TickSize{1, 2}, {}, 1}};
  o.max_live_orders = 1 << 14;
  NullLog log;
  for (auto& s : shards) s->start();
  Gateway g(o, links, log);

  Client a, b;
  a.session = g.open(0, "a");
  b.session = g.open(0, "b");
  ASSERT_NE(a.session, nullptr);
  ASSERT_NE(b.session, nullptr);
  p::Logon logon{};
  logon.heartbeat_ms = 60000;
  ASSERT_TRUE(p::set_field(logon.account, "alice"));
  a.send(g, logon);
  ASSERT_TRUE(p::set_field(logon.account, "bob"));
  b.send(g, logon);

  // Each session sends n buys and n sells that cross each other at one price,
  // alternating symbols: every order trades in full against the other session.
  constexpr int kOrders = 4000;
  std::map<uint64_t, int64_t> filled_a, filled_b;
  uint64_t syncs_a = 0, syncs_b = 0;
  std::vector<p::ExecutionReport> reports_a, reports_b;
  auto collect = [&] {
    for (auto& r : take_reports(*a.session, syncs_a)) reports_a.push_back(r);
    for (auto& r : take_reports(*b.session, syncs_b)) reports_b.push_back(r);
  };
  for (int i = 1; i <= kOrders; ++i) {
    p::NewOrder m{};
    m.cl_ord_id = static_cast<uint64_t>(i);
    m.qty = 10;
    m.price = 10000;
    m.price_exponent = -2;
    ASSERT_TRUE(p::set_field(m.symbol, i % 2 ? "AAA" : "BBB"));
    m.side = static_cast<uint8_t>(p::Side::buy);
    a.send(g, m);
    m.side = static_cast<uint8_t>(p::Side::sell);
    b.send(g, m);
    if (i % 64 == 0) {
      g.drain();  // keep routing while sending, as the event loop does
      collect();
    }
  }
  p::Sync sync{};
  a.send(g, sync);
  b.send(g, sync);
  pump(g, wake, [&] {
    collect();
    return syncs_a == 1 && syncs_b == 1;
  });
  for (auto& s : shards) s->stop();

  // Per session: accepted then filled for every order, nothing else; per
  // shard, engine_seq increases along the session's reports.
  for (auto* reports : {&reports_a, &reports_b}) {
    std::map<uint64_t, std::vector<uint8_t>> by_order;
    std::map<std::string, uint64_t> last_seq;
    for (const p::ExecutionReport& r : *reports) {
      // Copies: the packed fields cannot be bound to references (EXPECT_*, map keys).
      const uint64_t cl = r.cl_ord_id, engine_seq = r.engine_seq;
      const int64_t last_qty = r.last_qty, cum_qty = r.cum_qty, last_px = r.last_px;
      by_order[cl].push_back(r.exec_type);
      const std::string sym = std::string(p::field_view(r.symbol));
      EXPECT_GE(engine_seq, last_seq[sym]) << sym;
      last_seq[sym] = engine_seq;
      if (r.exec_type == static_cast<uint8_t>(p::ExecType::filled)) {
        EXPECT_EQ(last_qty, 10);
        EXPECT_EQ(cum_qty, 10);
        EXPECT_EQ(last_px, 10000);
      }
    }
    ASSERT_EQ(by_order.size(), static_cast<size_t>(kOrders));
    for (const auto& [id, types] : by_order) {
      const std::vector<uint8_t> want = {static_cast<uint8_t>(p::ExecType::new_order),
                                         static_cast<uint8_t>(p::ExecType::filled)};
      EXPECT_EQ(types, want) << "cl_ord_id " << id;
    }
  }
  EXPECT_EQ(g.stats().reports, 4u * kOrders);
}

TEST(ShardThreads, StopFinishesEveryQueuedInputWhileTheGatewayDrains) {
  EventFdWake wake;
  engine::EngineConfig ec;
  ec.max_orders = 1 << 17;  // every order rests
  ec.max_symbols = 4;
  ShardThread shard(ec, 1 << 16, wake);  // fewer than the outputs it will have
  GatewayOptions o;
  o.symbols = {{"AAA", TickSize{1, 0}, {}, 0}};
  o.max_live_orders = 1 << 17;
  o.burst = 1 << 20;                      // the test's clock stands still: no refill
  o.outbound_buffer_bytes = 64u << 20;    // every report stays queued until the end
  NullLog log;
  shard.start();
  Gateway g(o, {&shard}, log);
  Client a;
  a.session = g.open(0, "a");
  p::Logon logon{};
  logon.heartbeat_ms = 60000;
  ASSERT_TRUE(p::set_field(logon.account, "alice"));
  a.send(g, logon);
  // More resting orders than the outbound queue holds, so that the shard
  // must wait for the gateway while it finishes.
  constexpr int kOrders = 100000;
  for (int i = 1; i <= kOrders; ++i) {
    p::NewOrder m{};
    m.cl_ord_id = static_cast<uint64_t>(i);
    m.qty = 1;
    m.price = 1 + i % 1000;
    ASSERT_TRUE(p::set_field(m.symbol, "AAA"));
    a.send(g, m);
  }
  shard.request_stop();
  pump(g, wake, [&] { return shard.finished(); });
  shard.stop();
  g.drain();
  uint64_t syncs = 0;
  const std::vector<p::ExecutionReport> reports = take_reports(*a.session, syncs);
  ASSERT_EQ(reports.size(), static_cast<size_t>(kOrders));
  for (size_t i = 0; i < reports.size(); ++i) {
    const uint64_t cl = reports[i].cl_ord_id;
    const uint8_t type = reports[i].exec_type;
    EXPECT_EQ(cl, i + 1);
    EXPECT_EQ(type, static_cast<uint8_t>(p::ExecType::new_order));
  }
}

}  // namespace
}  // namespace rialto::server
