// The client session against a tiny fake server on a loopback listener:
// seq numbering, heartbeats, timeouts and the errors it reports. Also the
// remote script backend against a fake venue that answers one account.
#include "rialto/client/session.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_server.h"
#include "rialto/client/script_backend.h"
#include "rialto/protocol/framing.h"
#include "rialto/script/scenario.h"
#include "rialto/script/script.h"

namespace rialto::client {
namespace {

namespace p = rialto::protocol;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using test::Conn;
using test::FakeServer;
using test::wait_for_close;

TEST(Session, shouldNumberEveryMessageFromOneInBothDirections) {
  std::vector<uint64_t> seen;
  FakeServer server([&](Conn& c) {
    c.accept_logon(7);
    for (int i = 0; i < 3; ++i) {
      auto in = c.read();
      ASSERT_TRUE(in && in->id == p::TemplateId::sync);
      seen.push_back(in->seq());
      c.send(p::SyncAck{0, in->as<p::Sync>().token});
    }
    wait_for_close(c);
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port())) << s.error();
  LogonResult r = s.logon("alice", "pw", 1000, true);
  ASSERT_EQ(r.status, LogonResult::Status::ok) << r.text;
  EXPECT_EQ(uint32_t{r.ack.session_id}, 7u);  // a copy: the struct is packed
  EXPECT_EQ(s.session_id(), 7u);
  EXPECT_TRUE(s.admin());
  for (uint64_t token = 100; token < 103; ++token) {
    ASSERT_TRUE(s.send(p::Sync{0, token}));
    Frame f;
    ASSERT_EQ(s.receive(f, 2000), RecvStatus::frame) << s.error();
    ASSERT_TRUE(f.is<p::SyncAck>());
    EXPECT_EQ(uint64_t{f.as<p::SyncAck>().token}, token);
  }
  EXPECT_EQ(s.out_seq(), 4u);
  EXPECT_EQ(s.in_seq(), 4u);
  s.close();
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 3, 4}));
}

TEST(Session, shouldSendHeartbeatsWhenIdleAndConsumeTheServers) {
  std::vector<uint64_t> heartbeats;
  FakeServer server([&](Conn& c) {
    c.accept_logon();
    const auto end = Clock::now() + milliseconds(450);
    auto next_beat = Clock::now() + milliseconds(100);
    while (Clock::now() < end) {
      if (Clock::now() >= next_beat) {
        c.send(p::Heartbeat{});
        next_beat += milliseconds(100);
      }
      if (auto in = c.read(20)) {
        EXPECT_EQ(in->id, p::TemplateId::heartbeat);
        heartbeats.push_back(in->seq());
      }
    }
    wait_for_close(c);
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port())) << s.error();
  ASSERT_EQ(s.logon("-", "", 100, false).status, LogonResult::Status::ok);
  Frame f;
  EXPECT_EQ(s.receive(f, 400), RecvStatus::timeout) << "heartbeats are not returned: " << s.error();
  EXPECT_GE(s.in_seq(), 4u) << "the server's heartbeats were read (and counted)";
  s.close();
  ASSERT_GE(heartbeats.size(), 2u);
  for (size_t i = 0; i < heartbeats.size(); ++i) EXPECT_EQ(heartbeats[i], i + 2) << "consecutive from 2";
}

TEST(Session, shouldTimeOutAReceiveWithNothingToRead) {
  FakeServer server([](Conn& c) {
    c.accept_logon();
    wait_for_close(c);
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
  ASSERT_EQ(s.logon("-", "", 5000, false).status, LogonResult::Status::ok);
  const auto start = Clock::now();
  Frame f;
  EXPECT_EQ(s.receive(f, 100), RecvStatus::timeout);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_TRUE(s.is_open());
}

TEST(Session, shouldReportAServerSilentForThreeHeartbeatIntervals) {
  FakeServer server([](Conn& c) {
    c.accept_logon();
    wait_for_close(c);  // reads the client's heartbeats, sends nothing
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
  ASSERT_EQ(s.logon("-", "", 100, false).status, LogonResult::Status::ok);
  const auto start = Clock::now();
  Frame f;
  EXPECT_EQ(s.receive(f, 5000), RecvStatus::error);
  EXPECT_GE(Clock::now() - start, milliseconds(250));
  EXPECT_EQ(s.error(), "no message from the server for 300 ms (3 heartbeat intervals)");
  EXPECT_FALSE(s.is_open());
}

TEST(Session, shouldReportASequenceGapAndLogOutWithItsReason) {
  std::optional<p::Logout> got;
  {
    FakeServer server([&](Conn& c) {
      c.accept_logon();
      c.send_as_is(p::SyncAck{5, 1});
      if (auto in = c.read(); in && in->id == p::TemplateId::logout) got = in->as<p::Logout>();
    });
    Session s;
    ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
    ASSERT_EQ(s.logon("-", "", 1000, false).status, LogonResult::Status::ok);
    Frame f;
    EXPECT_EQ(s.receive(f, 2000), RecvStatus::error);
    EXPECT_EQ(s.error(), "sequence gap from the server: expected 2 got 5");
  }  // the server's thread has ended here
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(uint8_t{got->reason}, static_cast<uint8_t>(p::LogoutReason::sequence_gap));
  EXPECT_EQ(uint64_t{got->seq}, 2u);
}

TEST(Session, shouldReportAFramingErrorByTheDecodersName) {
  FakeServer server([](Conn& c) {
    c.accept_logon();
    const char bad[] = {0, 0, 0, 9, char(0xEB), 0x50};  // length 9 < 14
    c.raw(bad, sizeof bad);
    wait_for_close(c);
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
  ASSERT_EQ(s.logon("-", "", 1000, false).status, LogonResult::Status::ok);
  Frame f;
  EXPECT_EQ(s.receive(f, 2000), RecvStatus::error);
  EXPECT_EQ(s.error(), "protocol error from the server: frame length is below the 14 bytes of SOFH and SBE header (9)");
}

TEST(Session, shouldReturnTheLogoutReasonAndTextOfARefusedLogon) {
  FakeServer server([](Conn& c) {
    ASSERT_TRUE(c.read());
    p::Logout lo{};
    lo.reason = static_cast<uint8_t>(p::LogoutReason::bad_credentials);
    (void)p::set_field(lo.text, "unknown account 'bob'");
    c.send(lo);
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
  LogonResult r = s.logon("bob", "x", 1000, false);
  EXPECT_EQ(r.status, LogonResult::Status::logged_out);
  EXPECT_EQ(r.reason, p::LogoutReason::bad_credentials);
  EXPECT_EQ(r.text, "unknown account 'bob'");
  EXPECT_EQ(to_string(r.reason), "bad_credentials");
  EXPECT_FALSE(s.is_open());
}

TEST(Session, shouldSayWhoRefusedTheConnection) {
  uint16_t port;
  {
    FakeServer closed([](Conn&) {}, 0);
    port = closed.port();
  }  // nothing listens there any more
  Session s;
  EXPECT_FALSE(s.connect("127.0.0.1", port));
  EXPECT_EQ(s.error(), "cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST(Session, shouldReportTheServerClosingTheConnection) {
  FakeServer server([](Conn& c) { c.accept_logon(); });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
  ASSERT_EQ(s.logon("-", "", 1000, false).status, LogonResult::Status::ok);
  Frame f;
  EXPECT_EQ(s.receive(f, 2000), RecvStatus::closed);
  EXPECT_EQ(s.error(), "the server closed the connection");
}

TEST(Session, shouldNotBlockInTryReceive) {
  std::atomic<bool> go{false};
  FakeServer server([&](Conn& c) {
    c.accept_logon();
    while (!go) std::this_thread::sleep_for(milliseconds(1));
    c.send(p::SyncAck{0, 42});
    wait_for_close(c);
  });
  Session s;
  ASSERT_TRUE(s.connect("127.0.0.1", server.port()));
  ASSERT_EQ(s.logon("-", "", 1000, false).status, LogonResult::Status::ok);
  s.set_blocking(false);
  Frame f;
  EXPECT_EQ(s.try_receive(f), RecvStatus::would_block);
  go = true;
  pollfd pfd{s.fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 2000), 1);
  RecvStatus st;
  while ((st = s.try_receive(f)) == RecvStatus::would_block) {
  }
  ASSERT_EQ(st, RecvStatus::frame);
  EXPECT_EQ(uint64_t{f.as<p::SyncAck>().token}, 42u);
  EXPECT_TRUE(s.service(Clock::now()));
}

// ---- The remote script backend against a one-account fake venue -----------

/// Answers AddInstrument (added), NewOrder (accepted), Sync (SyncAck) and
/// counts the NewOrders it received.
void fake_venue(Conn& c, std::atomic<int>& new_orders) {
  c.accept_logon();
  uint64_t engine_seq = 0;
  while (auto in = c.read(5000)) {
    switch (in->id) {
      case p::TemplateId::add_instrument: {
        auto m = in->as<p::AddInstrument>();
        p::InstrumentReport r{};
        std::memcpy(r.symbol, m.symbol, sizeof r.symbol);
        r.tick = m.tick;
        r.tick_exponent = m.tick_exponent;
        r.status = static_cast<uint8_t>(p::InstrumentStatus::added);
        c.send(r);
        break;
      }
      case p::TemplateId::new_order: {
        ++new_orders;
        auto m = in->as<p::NewOrder>();
        p::ExecutionReport r{};
        r.engine_seq = ++engine_seq;
        r.cl_ord_id = m.cl_ord_id;
        r.order_id = (uint64_t{7} << 32) | engine_seq;
        std::memcpy(r.symbol, m.symbol, sizeof r.symbol);
        r.price = m.price;
        r.price_exponent = m.price_exponent;
        r.qty = m.qty;
        r.exec_type = static_cast<uint8_t>(p::ExecType::new_order);
        c.send(r);
        break;
      }
      case p::TemplateId::sync: c.send(p::SyncAck{0, in->as<p::Sync>().token}); break;
      case p::TemplateId::logout: {
        p::Logout lo{};
        c.send(lo);
        return;
      }
      default: break;
    }
  }
}

TEST(RemoteBackend, shouldPrintTheScriptsLinesAndKeepTheLifetimeIdRuleClientSide) {
  std::atomic<int> new_orders = 0;
  FakeServer server([&](Conn& c) { fake_venue(c, new_orders); });
  std::ostringstream out, err;
  {
    RemoteOptions o;
    o.port = server.port();
    RemoteBackend backend(o, err);
    std::istringstream in(
        "symbol ACME tick=0.01\n"
        "new id=1 sym=ACME side=buy qty=10 px=10.00\n"
        "new id=1 sym=ACME side=buy qty=10 px=10.00  # reused: answered by the client\n"
        "new id=2 sym=ACME side=sell qty=10 px=10.50\n"
        "new id=3 sym=ACME side=sell qty=oops\n");
    EXPECT_EQ(script::run(in, "t.script", out, err, backend, "rialto client: "), script::kMalformed);
  }
  EXPECT_EQ(out.str(), "accepted id=1\nrejected id=1 reason=duplicate_id\naccepted id=2\n");
  EXPECT_EQ(err.str(), "t.script:5: new: qty 'oops' is not an integer\n");
  EXPECT_EQ(new_orders, 2) << "the reused id was not sent";
}

TEST(RemoteBackend, shouldOpenOneSessionPerAccountAndSyncEveryOneAfterEachCommand) {
  std::atomic<int> new_orders = 0;
  std::atomic<int> syncs = 0;
  FakeServer server(
      [&](Conn& c) {
        // fake_venue, counting the Syncs each session receives.
        c.accept_logon();
        uint64_t engine_seq = 0;
        while (auto in = c.read(5000)) {
          if (in->id == p::TemplateId::sync) {
            ++syncs;
            c.send(p::SyncAck{0, in->as<p::Sync>().token});
          } else if (in->id == p::TemplateId::add_instrument) {
            p::InstrumentReport r{};
            r.status = static_cast<uint8_t>(p::InstrumentStatus::added);
            c.send(r);
          } else if (in->id == p::TemplateId::new_order) {
            ++new_orders;
            auto m = in->as<p::NewOrder>();
            p::ExecutionReport r{};
            r.engine_seq = ++engine_seq;
            r.cl_ord_id = m.cl_ord_id;
            r.exec_type = static_cast<uint8_t>(p::ExecType::new_order);
            c.send(r);
          } else if (in->id == p::TemplateId::logout) {
            c.send(p::Logout{});
            return;
          }
        }
      },
      3);
  std::ostringstream out, err;
  {
    RemoteOptions o;
    o.port = server.port();
    RemoteBackend backend(o, err);
    std::istringstream in(
        "symbol ACME tick=0.01\n"                                  // opens "-"
        "new id=1 sym=ACME side=buy qty=10 px=10.00 acct=alice\n"  // opens alice: 2 Syncs
        "new id=2 sym=ACME side=buy qty=10 px=10.00 acct=bob\n");  // opens bob: 3 Syncs
    EXPECT_EQ(script::run(in, "t.script", out, err, backend, "rialto client: "), script::kOk) << err.str();
    EXPECT_EQ(backend.fds().size(), 3u);
  }
  EXPECT_EQ(out.str(), "accepted id=1\naccepted id=2\n");
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(new_orders, 2);
  EXPECT_EQ(syncs, 5);
}

TEST(RemoteBackend, shouldStopWithAMessageWhenTheVenueCannotBeReached) {
  uint16_t port;
  {
    FakeServer closed([](Conn&) {}, 0);
    port = closed.port();
  }
  std::ostringstream out, err;
  RemoteOptions o;
  o.port = port;
  RemoteBackend backend(o, err);
  std::istringstream in("symbol ACME tick=0.01\n");
  EXPECT_EQ(script::run(in, "t.script", out, err, backend, "rialto client: "), script::kIoError);
  EXPECT_EQ(err.str(), "rialto client: cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused\n");
}

}  // namespace
}  // namespace rialto::client
