// The gateway end to end in one thread: inline shards, fake clients, a fake
// clock. Each case checks the whole answer (every field of every message the
// session gets, the log lines, whether the session wants to close) and that
// the other sessions still work afterwards.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fake_client.h"

namespace rialto::server::testing {
namespace {

using Lines = std::vector<std::string>;

constexpr uint64_t oid(uint32_t session, uint32_t n) { return uint64_t{session} << 32 | n; }

p::NewOrder order(uint64_t cl, const char* sym, p::Side side, int64_t qty, int64_t price, int8_t exp = -2,
                  p::Tif tif = p::Tif::gtc, p::OrdType type = p::OrdType::limit) {
  p::NewOrder m{};
  m.cl_ord_id = cl;
  m.qty = qty;
  m.price = price;
  (void)p::set_field(m.symbol, sym);
  m.price_exponent = exp;
  m.side = static_cast<uint8_t>(side);
  m.ord_type = static_cast<uint8_t>(type);
  m.tif = static_cast<uint8_t>(tif);
  return m;
}

p::CancelOrder cancel(uint64_t cl) { return p::CancelOrder{0, cl}; }

p::ModifyOrder modify(uint64_t cl, int64_t qty, int64_t price = p::kNullInt64, int8_t exp = -2) {
  return p::ModifyOrder{0, cl, qty, price, exp};
}

template <class M>
M with_symbol(M m, const char* sym) {
  (void)p::set_field(m.symbol, sym);
  return m;
}

p::BookRequest book(const char* sym) { return with_symbol(p::BookRequest{}, sym); }
p::MassCancel mass_cancel(const char* sym) { return with_symbol(p::MassCancel{}, sym); }

p::AddInstrument add_instrument(const char* sym, int64_t tick, int8_t exp, int64_t lot, int64_t max_qty) {
  p::AddInstrument m{};
  m.tick = tick;
  m.lot = lot;
  m.max_qty = max_qty;
  (void)p::set_field(m.symbol, sym);
  m.tick_exponent = exp;
  return m;
}

p::Logout logout_msg(uint64_t seq, p::LogoutReason r, std::string_view text) {
  p::Logout m{};
  m.seq = seq;
  m.reason = static_cast<uint8_t>(r);
  std::memcpy(m.text, text.data(), std::min(text.size(), sizeof m.text));
  return m;
}

uint8_t u8(auto e) { return static_cast<uint8_t>(e); }

// Expected messages are built with designated initializers (fields in
// declaration order; the rest are zero) and compared through describe().
std::vector<std::string> expect(std::initializer_list<Msg> v) { return describe(std::vector<Msg>(v)); }

class GatewayTest : public ::testing::Test, public GatewayHarness {
 protected:
  // A session that must keep working whatever its neighbours did.
  void check_alive(Client& c) {
    ASSERT_NE(c.session, nullptr);
    ASSERT_FALSE(wants_close(c));
    const uint64_t token = 0xC0FFEE00 + c.seq;
    send(c, p::Sync{0, token});
    EXPECT_EQ(describe(take(c)), expect({p::SyncAck{.seq = c.in_seq, .token = token}}));
  }

  std::vector<std::string> book_of(Client& c, const char* sym) {
    send(c, book(sym));
    return describe(take(c));
  }
};

// ---- Logon ---------------------------------------------------------------------

TEST_F(GatewayTest, shouldAckLogonInDemoVenueWithAdminAndTheClientsHeartbeat) {
  start(demo_options());
  Client& a = connect();
  Client& b = connect();
  send(a, logon_msg("alice", "anything", 250));
  EXPECT_EQ(describe(take(a)), expect({p::LogonAck{.seq = 1, .session_id = 1, .heartbeat_ms = 250, .admin = 1}}));
  send(b, logon_msg("-", "", 60000, true));
  EXPECT_EQ(describe(take(b)), expect({p::LogonAck{.seq = 1, .session_id = 2, .heartbeat_ms = 60000, .admin = 1}}));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'alice' from peer1: logged on (admin)",
                                 "session 2 account '-' from peer2: logged on (admin) (cancel on disconnect)"}));
  EXPECT_FALSE(wants_close(a));
  check_alive(a);
  check_alive(b);
}

TEST_F(GatewayTest, shouldLogOutBadCredentialsInConfiguredVenue) {
  GatewayOptions o = demo_options();
  o.accounts = {{"alice", "pw1", true}, {"bob", "pw2", false}};
  start(o);
  Client& alice = connect();
  Client& bob = connect();
  Client& wrong = connect();
  Client& unknown = connect();
  send(alice, logon_msg("alice", "pw1"));
  EXPECT_EQ(describe(take(alice)), expect({p::LogonAck{.seq = 1, .session_id = 1, .heartbeat_ms = 1000, .admin = 1}}));
  send(bob, logon_msg("bob", "pw2"));
  EXPECT_EQ(describe(take(bob)), expect({p::LogonAck{.seq = 1, .session_id = 2, .heartbeat_ms = 1000, .admin = 0}}));
  send(wrong, logon_msg("bob", "pw1"));
  EXPECT_EQ(describe(take(wrong)),
            expect({logout_msg(1, p::LogoutReason::bad_credentials, "unknown account or wrong password")}));
  EXPECT_TRUE(wants_close(wrong));
  send(unknown, logon_msg("carol", "pw1"));
  EXPECT_EQ(describe(take(unknown)),
            expect({logout_msg(1, p::LogoutReason::bad_credentials, "unknown account or wrong password")}));
  EXPECT_TRUE(wants_close(unknown));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'alice' from peer1: logged on (admin)",
                                 "session 2 account 'bob' from peer2: logged on",
                                 "session 3 account 'bob' from peer3: logout 1: unknown account or wrong password",
                                 "session 4 account 'carol' from peer4: logout 1: unknown account or wrong password"}));
  close(wrong);
  close(unknown);
  EXPECT_TRUE(log().take().empty());  // the logout was the logged reason
  check_alive(alice);
  check_alive(bob);
}

TEST_F(GatewayTest, shouldRefuseHeartbeatIntervalOutsideTheRange) {
  start(demo_options());
  Client& ok = connect();
  logon(ok, "ok", "", 100);
  Client& low = connect();
  send(low, logon_msg("a", "", 99));
  EXPECT_EQ(describe(take(low)),
            expect({logout_msg(1, p::LogoutReason::bad_logon, "heartbeat_ms 99 is outside 100..60000")}));
  EXPECT_TRUE(wants_close(low));
  Client& high = connect();
  send(high, logon_msg("a", "", 60001));
  EXPECT_EQ(describe(take(high)),
            expect({logout_msg(1, p::LogoutReason::bad_logon, "heartbeat_ms 60001 is outside 100..60000")}));
  EXPECT_TRUE(wants_close(high));
  Client& badname = connect();
  send(badname, logon_msg("a b"));
  EXPECT_EQ(describe(take(badname)),
            expect({logout_msg(1, p::LogoutReason::bad_logon, "account must be 1 to 16 printable ASCII characters")}));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'ok' from peer1: logged on (admin)",
                                 "session 2 account '' from peer2: logout 13: heartbeat_ms 99 is outside 100..60000",
                                 "session 3 account '' from peer3: logout 13: heartbeat_ms 60001 is outside 100..60000",
                                 "session 4 account '' from peer4: logout 13: account must be 1 to 16 printable "
                                 "ASCII characters"}));
  check_alive(ok);
}

TEST_F(GatewayTest, shouldLogOutAnythingBeforeLogon) {
  start(demo_options());
  Client& ok = connect();
  logon(ok, "ok");
  Client& c = connect();
  send(c, order(1, "ABC", p::Side::buy, 1, 100));
  EXPECT_EQ(describe(take(c)), expect({logout_msg(1, p::LogoutReason::not_logged_on, "NewOrder before Logon")}));
  EXPECT_TRUE(wants_close(c));
  EXPECT_EQ(log().take().back(), "session 2 account '' from peer2: logout 2: NewOrder before Logon");
  // Nothing reached a shard: the book is empty.
  EXPECT_EQ(book_of(ok, "ABC"), expect({p::BookEnd{.seq = 2, .symbol = "ABC", .status = 0}}));
}

TEST_F(GatewayTest, shouldLogOutASecondLogon) {
  start(demo_options());
  Client& c = connect();
  Client& other = connect();
  logon(c, "a");
  logon(other, "b");
  log().take();
  send(c, logon_msg("a"));
  EXPECT_EQ(describe(take(c)), expect({logout_msg(2, p::LogoutReason::already_logged_on, "a second Logon")}));
  EXPECT_TRUE(wants_close(c));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'a' from peer1: logout 12: a second Logon"}));
  check_alive(other);
}

TEST_F(GatewayTest, shouldLogOutASequenceGapOrRepeat) {
  start(demo_options());
  Client& gap = connect();
  Client& rep = connect();
  Client& other = connect();
  logon(gap, "a");
  logon(rep, "b");
  logon(other, "c");
  log().take();
  gap.seq = 5;  // next is 6, expected 2
  send(gap, p::Heartbeat{});
  EXPECT_EQ(describe(take(gap)), expect({logout_msg(2, p::LogoutReason::sequence_gap, "expected seq 2 got 6")}));
  EXPECT_TRUE(wants_close(gap));
  send(rep, p::Heartbeat{});
  rep.seq = 1;  // repeats 2
  send(rep, p::Sync{0, 9});
  EXPECT_EQ(describe(take(rep)), expect({logout_msg(2, p::LogoutReason::sequence_gap, "expected seq 3 got 2")}));
  EXPECT_TRUE(wants_close(rep));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'a' from peer1: logout 3: expected seq 2 got 6",
                                 "session 2 account 'b' from peer2: logout 3: expected seq 3 got 2"}));
  check_alive(other);
}

TEST_F(GatewayTest, shouldAnswerLogoutWithUserRequest) {
  start(demo_options());
  Client& c = connect();
  logon(c, "a");
  log().take();
  send(c, p::Logout{});
  EXPECT_EQ(describe(take(c)), expect({logout_msg(2, p::LogoutReason::user_request, "bye")}));
  EXPECT_TRUE(wants_close(c));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'a': logged out by the client"}));
}

// ---- Framing -------------------------------------------------------------------

TEST_F(GatewayTest, shouldLogTruncatedFrameAtDisconnect) {
  start(demo_options());
  Client& c = connect();
  Client& other = connect();
  logon(c, "a");
  logon(other, "b");
  log().take();
  p::NewOrder m = order(1, "ABC", p::Side::buy, 1, 100);
  m.seq = 2;
  const std::string f = frame(m);
  feed(c, std::string_view(f).substr(0, 30));
  EXPECT_TRUE(take(c).empty());
  EXPECT_FALSE(wants_close(c));
  close(c, "EOF");
  EXPECT_EQ(
      log().take(),
      (Lines{"session 1 account 'a': connection ended inside a frame (30 bytes of a truncated frame dropped): EOF"}));
  check_alive(other);
  EXPECT_EQ(book_of(other, "ABC"), expect({p::BookEnd{.seq = 3, .symbol = "ABC", .status = 0}}));
}

TEST_F(GatewayTest, shouldLogCleanDisconnect) {
  start(demo_options());
  Client& c = connect();
  logon(c, "a");
  log().take();
  close(c, "connection reset");
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'a': disconnected: connection reset"}));
  EXPECT_EQ(gateway().sessions(), 0u);
}

struct FramingCase {
  const char* name;
  void (*corrupt)(std::string& f);
  p::LogoutReason reason;
  const char* text;  // the full text (the log line); the Logout carries its first 48 bytes
};

void put_be32(std::string& f, uint32_t v) {
  f[0] = static_cast<char>(v >> 24);
  f[1] = static_cast<char>(v >> 16);
  f[2] = static_cast<char>(v >> 8);
  f[3] = static_cast<char>(v);
}
void put_le16(std::string& f, size_t at, uint16_t v) {
  f[at] = static_cast<char>(v & 0xFF);
  f[at + 1] = static_cast<char>(v >> 8);
}

const FramingCase kFramingCases[] = {
    {"oversize", [](std::string& f) { put_be32(f, 513); }, p::LogoutReason::malformed_frame,
     "frame length is above 512 (513)"},
    {"below 14", [](std::string& f) { put_be32(f, 13); }, p::LogoutReason::malformed_frame,
     "frame length is below the 14 bytes of SOFH and SBE header (13)"},
    {"encoding", [](std::string& f) { f[4] = 0x12, f[5] = 0x34; }, p::LogoutReason::malformed_frame,
     "encoding type is not 0xEB50 (SBE 1.0 little-endian) (4660)"},
    {"schema id", [](std::string& f) { put_le16(f, 10, 7002); }, p::LogoutReason::bad_schema,
     "schema id is not 7001 (7002)"},
    {"version", [](std::string& f) { put_le16(f, 12, 2); }, p::LogoutReason::bad_schema, "schema version is not 1 (2)"},
    {"template", [](std::string& f) { put_le16(f, 8, 99); }, p::LogoutReason::unknown_template,
     "unknown template id (99)"},
    {"block length", [](std::string& f) { put_le16(f, 6, 7); }, p::LogoutReason::bad_block_length,
     "block length does not match the template (7)"},
    {"frame length vs block", [](std::string& f) { put_be32(f, 21), f.pop_back(); }, p::LogoutReason::bad_block_length,
     "frame length does not match the block length (21)"},
};

TEST_F(GatewayTest, shouldLogOutEveryFramingErrorWithTheDecodersReasonAndValue) {
  start(demo_options());
  Client& other = connect();
  logon(other, "other");
  for (const FramingCase& fc : kFramingCases) {
    SCOPED_TRACE(fc.name);
    log().take();
    Client& c = connect();
    const uint32_t id = logon(c, "a");
    log().take();
    std::string f = frame(p::Heartbeat{2});
    fc.corrupt(f);
    feed(c, f);
    EXPECT_EQ(describe(take(c)), expect({logout_msg(2, fc.reason, fc.text)}));
    EXPECT_TRUE(wants_close(c));
    EXPECT_EQ(log().take(), (Lines{"session " + std::to_string(id) + " account 'a' from " + c.peer + ": logout " +
                                   std::to_string(static_cast<int>(fc.reason)) + ": " + fc.text}));
    close(c);
    check_alive(other);
  }
}

// Frames before the bad one are acted on (their answers are not sent: the
// session is closing); frames after it are not.
TEST_F(GatewayTest, shouldStopAtTheFirstBadFrameOfABatch) {
  start(demo_options());
  Client& c = connect();
  Client& other = connect();
  logon(c, "a");
  logon(other, "b");
  p::NewOrder first = order(1, "ABC", p::Side::buy, 1, 100);
  first.seq = 2;
  p::NewOrder after = order(2, "ABC", p::Side::buy, 1, 99);
  after.seq = 4;
  std::string bad = frame(p::Sync{3, 2});
  put_le16(bad, 10, 1);
  feed(c, frame(first) + bad + frame(after));
  EXPECT_EQ(describe(take(c)), expect({logout_msg(2, p::LogoutReason::bad_schema, "schema id is not 7001 (1)")}));
  EXPECT_TRUE(wants_close(c));
  EXPECT_EQ(
      book_of(other, "ABC"),
      expect({p::BookLevel{
                  .seq = 2, .price = 100, .qty = 1, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
              p::BookEnd{.seq = 3, .symbol = "ABC", .status = 0}}));
}

TEST_F(GatewayTest, shouldLogOutServerOnlyTemplateSentByClient) {
  start(demo_options());
  Client& c = connect();
  Client& other = connect();
  logon(c, "a");
  logon(other, "b");
  log().take();
  send(c, p::ExecutionReport{});
  EXPECT_EQ(describe(take(c)), expect({logout_msg(2, p::LogoutReason::unknown_template,
                                                  "template 30 (ExecutionReport) is sent by the venue only")}));
  EXPECT_TRUE(wants_close(c));
  EXPECT_EQ(
      log().take(),
      (Lines{"session 1 account 'a' from peer1: logout 7: template 30 (ExecutionReport) is sent by the venue only"}));
  check_alive(other);
}

TEST_F(GatewayTest, shouldReassembleFramesSplitAcrossReads) {
  start(demo_options());
  Client& c = connect();
  p::Logon l = logon_msg("a");
  l.seq = 1;
  std::string bytes = frame(l) + frame(p::Sync{2, 5}) + frame(p::Sync{3, 6});
  for (char ch : bytes) feed(c, std::string_view(&ch, 1));
  EXPECT_EQ(describe(take(c)), expect({p::LogonAck{.seq = 1, .session_id = 1, .heartbeat_ms = 1000, .admin = 1},
                                       p::SyncAck{.seq = 2, .token = 5}, p::SyncAck{.seq = 3, .token = 6}}));
}

// ---- Heartbeats ----------------------------------------------------------------

TEST_F(GatewayTest, shouldSendHeartbeatsWhenIdleAndTimeOutSilentSessions) {
  start(demo_options());
  const uint64_t t0 = now_ms;
  Client& silent = connect();
  Client& talker = connect();
  logon(silent, "a", "", 1000);
  logon(talker, "b", "", 1000);
  log().take();
  now_ms = t0 + 999;
  tick();
  EXPECT_TRUE(take(silent).empty());
  now_ms = t0 + 1000;
  tick();
  EXPECT_EQ(describe(take(silent)), expect({p::Heartbeat{2}}));
  EXPECT_EQ(describe(take(talker)), expect({p::Heartbeat{2}}));
  now_ms = t0 + 1500;
  send(talker, p::Heartbeat{});  // resets its receive timer, not its send timer
  now_ms = t0 + 2000;
  tick();
  EXPECT_EQ(describe(take(silent)), expect({p::Heartbeat{3}}));
  EXPECT_EQ(describe(take(talker)), expect({p::Heartbeat{3}}));
  now_ms = t0 + 3000;
  tick();
  EXPECT_EQ(describe(take(silent)), expect({p::Heartbeat{4}}));
  EXPECT_EQ(describe(take(talker)), expect({p::Heartbeat{4}}));
  EXPECT_FALSE(wants_close(silent));  // exactly 3 intervals: not yet
  now_ms = t0 + 3001;
  tick();
  EXPECT_EQ(describe(take(silent)),
            expect({logout_msg(5, p::LogoutReason::heartbeat_timeout, "nothing received for 3001 ms")}));
  EXPECT_TRUE(wants_close(silent));
  EXPECT_TRUE(take(talker).empty());
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'a' from peer1: logout 4: nothing received for 3001 ms"}));
  check_alive(talker);
  // A session that sends application messages gets no heartbeat meanwhile.
  now_ms = t0 + 3500;
  send(talker, p::Sync{0, 1});
  take(talker);
  now_ms = t0 + 4499;
  tick();
  EXPECT_TRUE(take(talker).empty());
}

TEST_F(GatewayTest, shouldTimeOutAConnectionThatNeverLogsOn) {
  start(demo_options());
  const uint64_t t0 = now_ms;
  Client& c = connect();
  now_ms = t0 + 3001;
  tick();
  EXPECT_EQ(describe(take(c)),
            expect({logout_msg(1, p::LogoutReason::heartbeat_timeout, "nothing received for 3001 ms")}));
  EXPECT_TRUE(wants_close(c));
}

// ---- Rate limit ----------------------------------------------------------------

TEST_F(GatewayTest, shouldThrottleBeyondTheBurstThenLogOutAfterTwiceTheBurstInARow) {
  GatewayOptions o = demo_options();
  o.burst = 3;
  o.rate_per_second = 1;
  start(o);
  Client& c = connect();
  Client& other = connect();
  const uint32_t sid = logon(c, "a");
  logon(other, "b");
  log().take();
  // Only forwarded orders get a venue id: the n-th is engine_seq n here.
  auto accepted = [&](uint64_t cl, uint64_t seq, uint64_t engine_seq) {
    return p::ExecutionReport{.seq = seq,
                              .engine_seq = engine_seq,
                              .cl_ord_id = cl,
                              .order_id = oid(sid, uint32_t(engine_seq)),
                              .leaves_qty = 1,
                              .price = 100,
                              .qty = 1,
                              .symbol = "ABC",
                              .price_exponent = -2};
  };
  auto throttled = [](uint64_t cl, uint64_t seq) {
    return p::ExecutionReport{.seq = seq,
                              .cl_ord_id = cl,
                              .exec_type = u8(p::ExecType::rejected),
                              .reject_reason = u8(p::RejectCode::throttled),
                              .command = 1};
  };
  for (uint64_t cl = 1; cl <= 3; ++cl) send(c, order(cl, "ABC", p::Side::buy, 1, 100));
  for (uint64_t cl = 4; cl <= 8; ++cl) send(c, order(cl, "ABC", p::Side::buy, 1, 100));
  EXPECT_EQ(describe(take(c)), expect({accepted(1, 2, 1), accepted(2, 3, 2), accepted(3, 4, 3), throttled(4, 5),
                                       throttled(5, 6), throttled(6, 7), throttled(7, 8), throttled(8, 9)}));
  // One token later: an accepted message ends the run of throttled ones.
  now_ms += 1000;
  send(c, order(9, "ABC", p::Side::buy, 1, 100));
  EXPECT_EQ(describe(take(c)), expect({accepted(9, 10, 4)}));
  for (uint64_t cl = 10; cl <= 15; ++cl) send(c, order(cl, "ABC", p::Side::buy, 1, 100));
  EXPECT_FALSE(wants_close(c));  // 6 = 2 x burst in a row: still tolerated
  send(c, cancel(1));            // the 7th
  EXPECT_EQ(
      describe(take(c)),
      expect({throttled(10, 11), throttled(11, 12), throttled(12, 13), throttled(13, 14), throttled(14, 15),
              throttled(15, 16),
              logout_msg(17, p::LogoutReason::rate_limit, "kept sending after 6 throttled messages (rate 1/s, b")}));
  EXPECT_TRUE(wants_close(c));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'a' from peer1: logout 5: kept sending after 6 throttled messages "
                                 "(rate 1/s, burst 3)"}));
  EXPECT_EQ(gateway().stats().gateway_rejects, 12u);
  check_alive(other);
  // Session messages are never throttled: a Sync went through above; the order
  // book holds the 4 accepted orders only.
  EXPECT_EQ(
      book_of(other, "ABC"),
      expect({p::BookLevel{
                  .seq = 3, .price = 100, .qty = 4, .orders = 4, .symbol = "ABC", .price_exponent = -2, .side = 0},
              p::BookEnd{.seq = 4, .symbol = "ABC", .status = 0}}));
}

// ---- Orders across sessions ----------------------------------------------------

TEST_F(GatewayTest, shouldNotCancelAnotherAccountsOrder) {
  start(demo_options());
  Client& alice = connect();
  Client& bob = connect();
  const uint32_t a = logon(alice, "alice");
  const uint32_t b = logon(bob, "bob");
  send(alice, order(1, "ABC", p::Side::buy, 5, 100));
  EXPECT_EQ(describe(take(alice)), expect({p::ExecutionReport{.seq = 2,
                                                              .engine_seq = 1,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(a, 1),
                                                              .leaves_qty = 5,
                                                              .price = 100,
                                                              .qty = 5,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2}}));
  send(bob, cancel(1));
  send(bob, modify(1, 1));
  EXPECT_EQ(describe(take(bob)), expect({p::ExecutionReport{.seq = 2,
                                                            .cl_ord_id = 1,
                                                            .exec_type = u8(p::ExecType::rejected),
                                                            .reject_reason = u8(p::RejectCode::unknown_order),
                                                            .command = 2},
                                         p::ExecutionReport{.seq = 3,
                                                            .cl_ord_id = 1,
                                                            .exec_type = u8(p::ExecType::rejected),
                                                            .reject_reason = u8(p::RejectCode::unknown_order),
                                                            .command = 3}}));
  EXPECT_TRUE(take(alice).empty());
  // Bob's own cl_ord_id 1 names his order, not Alice's.
  send(bob, order(1, "ABC", p::Side::buy, 2, 99));
  take(bob);
  send(bob, cancel(1));
  EXPECT_EQ(describe(take(bob)), expect({p::ExecutionReport{.seq = 5,
                                                            .engine_seq = 3,
                                                            .cl_ord_id = 1,
                                                            .order_id = oid(b, 1),
                                                            .price = 99,
                                                            .qty = 2,
                                                            .symbol = "ABC",
                                                            .price_exponent = -2,
                                                            .exec_type = u8(p::ExecType::cancelled),
                                                            .cancel_reason = 1}}));
  EXPECT_TRUE(take(alice).empty());
  EXPECT_EQ(
      book_of(bob, "ABC"),
      expect({p::BookLevel{
                  .seq = 6, .price = 100, .qty = 5, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
              p::BookEnd{.seq = 7, .symbol = "ABC", .status = 0}}));
  check_alive(alice);
}

TEST_F(GatewayTest, shouldRejectADuplicateLiveClOrdIdAndAcceptItOnceTheOrderIsDone) {
  start(demo_options());
  Client& c = connect();
  Client& other = connect();
  const uint32_t s = logon(c, "a");
  const uint32_t o = logon(other, "b");
  send(c, order(7, "ABC", p::Side::sell, 3, 200));
  send(c, order(7, "ABC", p::Side::sell, 1, 201));
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 2,
                                                          .engine_seq = 1,
                                                          .cl_ord_id = 7,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 3,
                                                          .price = 200,
                                                          .qty = 3,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .side = 1},
                                       p::ExecutionReport{.seq = 3,
                                                          .cl_ord_id = 7,
                                                          .symbol = "ABC",
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::duplicate_id),
                                                          .command = 1}}));
  // Done by a fill: reusable.
  send(other, order(1, "ABC", p::Side::buy, 3, 200));
  take(other);
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 4,
                                                          .engine_seq = 2,
                                                          .cl_ord_id = 7,
                                                          .order_id = oid(s, 1),
                                                          .match_id = 1,
                                                          .last_px = 200,
                                                          .last_qty = 3,
                                                          .leaves_qty = 0,
                                                          .cum_qty = 3,
                                                          .event_index = 1,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::filled),
                                                          .side = 1}}));
  send(c, order(7, "ABC", p::Side::sell, 1, 300));
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 5,
                                                          .engine_seq = 3,
                                                          .cl_ord_id = 7,
                                                          .order_id = oid(s, 2),
                                                          .leaves_qty = 1,
                                                          .price = 300,
                                                          .qty = 1,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .side = 1}}));
  // Done by a cancel: reusable.
  send(c, cancel(7));
  send(c, order(7, "ABC", p::Side::sell, 2, 301));
  // Done by an engine reject: reusable.
  send(c, order(8, "ABC", p::Side::sell, 0, 301));
  send(c, order(8, "ABC", p::Side::sell, 1, 302));
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 6,
                                                          .engine_seq = 4,
                                                          .cl_ord_id = 7,
                                                          .order_id = oid(s, 2),
                                                          .price = 300,
                                                          .qty = 1,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::cancelled),
                                                          .side = 1,
                                                          .cancel_reason = 1},
                                       p::ExecutionReport{.seq = 7,
                                                          .engine_seq = 5,
                                                          .cl_ord_id = 7,
                                                          .order_id = oid(s, 3),
                                                          .leaves_qty = 2,
                                                          .price = 301,
                                                          .qty = 2,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .side = 1},
                                       p::ExecutionReport{.seq = 8,
                                                          .engine_seq = 6,
                                                          .cl_ord_id = 8,
                                                          .order_id = oid(s, 4),
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::invalid_qty),
                                                          .command = 1},
                                       p::ExecutionReport{.seq = 9,
                                                          .engine_seq = 7,
                                                          .cl_ord_id = 8,
                                                          .order_id = oid(s, 5),
                                                          .leaves_qty = 1,
                                                          .price = 302,
                                                          .qty = 1,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .side = 1}}));
  (void)o;
  check_alive(other);
}

TEST_F(GatewayTest, shouldCloseASlowConsumerAndKeepServingTheOthers) {
  GatewayOptions o = demo_options();
  o.outbound_buffer_bytes = 3 * p::kFrameSize<p::ExecutionReport>;
  start(o);
  Client& slow = connect();
  Client& fast = connect();
  const uint32_t s = logon(slow, "slow");
  const uint32_t f = logon(fast, "fast");
  log().take();
  slow.reading = false;
  for (uint64_t cl = 1; cl <= 3; ++cl) send(slow, order(cl, "ABC", p::Side::sell, 1, 100 + int64_t(cl)));
  EXPECT_FALSE(wants_close(slow));  // exactly at the limit
  EXPECT_EQ(Gateway::outbound(*slow.session).size(), 3 * p::kFrameSize<p::ExecutionReport>);
  // Fast's buy fills slow's best offer: slow's report does not fit.
  send(fast, order(1, "ABC", p::Side::buy, 1, 101));
  EXPECT_TRUE(wants_close(slow));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'slow': closed: slow_consumer (369 bytes unsent, limit 369)"}));
  EXPECT_EQ(describe(take(fast)), expect({p::ExecutionReport{.seq = 2,
                                                             .engine_seq = 4,
                                                             .cl_ord_id = 1,
                                                             .order_id = oid(f, 1),
                                                             .leaves_qty = 1,
                                                             .price = 101,
                                                             .qty = 1,
                                                             .symbol = "ABC",
                                                             .price_exponent = -2},
                                          p::ExecutionReport{.seq = 3,
                                                             .engine_seq = 4,
                                                             .cl_ord_id = 1,
                                                             .order_id = oid(f, 1),
                                                             .match_id = 1,
                                                             .last_px = 101,
                                                             .last_qty = 1,
                                                             .cum_qty = 1,
                                                             .event_index = 1,
                                                             .symbol = "ABC",
                                                             .price_exponent = -2,
                                                             .exec_type = u8(p::ExecType::filled),
                                                             .flags = p::kFlagAggressor}}));
  // The shell then closes it; its remaining orders stay (no cancel on disconnect).
  close(slow, "closed by the server");
  EXPECT_TRUE(log().take().empty());
  send(fast, order(2, "ABC", p::Side::buy, 1, 102));
  EXPECT_EQ(describe(take(fast)), expect({p::ExecutionReport{.seq = 4,
                                                             .engine_seq = 5,
                                                             .cl_ord_id = 2,
                                                             .order_id = oid(f, 2),
                                                             .leaves_qty = 1,
                                                             .price = 102,
                                                             .qty = 1,
                                                             .symbol = "ABC",
                                                             .price_exponent = -2},
                                          p::ExecutionReport{.seq = 5,
                                                             .engine_seq = 5,
                                                             .cl_ord_id = 2,
                                                             .order_id = oid(f, 2),
                                                             .match_id = 2,
                                                             .last_px = 102,
                                                             .last_qty = 1,
                                                             .cum_qty = 1,
                                                             .event_index = 1,
                                                             .symbol = "ABC",
                                                             .price_exponent = -2,
                                                             .exec_type = u8(p::ExecType::filled),
                                                             .flags = p::kFlagAggressor}}));
  EXPECT_EQ(gateway().stats().dropped_reports, 1u);  // slow's fill of its order 2
  EXPECT_EQ(
      book_of(fast, "ABC"),
      expect({p::BookLevel{
                  .seq = 6, .price = 103, .qty = 1, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 1},
              p::BookEnd{.seq = 7, .symbol = "ABC", .status = 0}}));
  EXPECT_EQ(gateway().sessions(), 2u);  // slow's state stays while its order 3 rests
  (void)s;
}

TEST_F(GatewayTest, shouldCancelRestingOrdersOnDisconnectWhenAsked) {
  start(demo_options());
  Client& cod = connect();
  Client& keep = connect();
  Client& watcher = connect();
  logon(cod, "a", "", 1000, true);
  logon(keep, "b", "", 1000, false);
  logon(watcher, "c");
  send(cod, order(1, "ABC", p::Side::buy, 5, 100));
  send(cod, order(2, "ABC", p::Side::buy, 6, 99));
  send(keep, order(1, "ABC", p::Side::buy, 7, 100));
  take(cod);
  take(keep);
  log().take();
  close(cod, "EOF");
  EXPECT_EQ(log().take(),
            (Lines{"session 1 account 'a': disconnected: EOF", "session 1: cancel on disconnect: 2 orders"}));
  EXPECT_EQ(gateway().sessions(), 2u);  // the cancels came back: its state is gone
  close(keep, "EOF");
  EXPECT_EQ(log().take(), (Lines{"session 2 account 'b': disconnected: EOF"}));
  EXPECT_EQ(gateway().sessions(), 2u);  // keep's order still rests
  EXPECT_EQ(
      book_of(watcher, "ABC"),
      expect({p::BookLevel{
                  .seq = 2, .price = 100, .qty = 7, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
              p::BookEnd{.seq = 3, .symbol = "ABC", .status = 0}}));
  // A fill of keep's order goes nowhere (counted); the watcher gets its own report.
  send(watcher, order(1, "ABC", p::Side::sell, 7, 100));
  const auto in = describe(take(watcher));
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(gateway().stats().dropped_reports, 3u);  // cod's two cancels and keep's fill
  EXPECT_EQ(gateway().sessions(), 1u);
}

// A cancel-on-disconnect session whose cancels meet a full shard queue: the
// gateway drains while pushing, which can complete the session's last order.
TEST_F(GatewayTest, shouldCancelOnDisconnectWhileTheShardQueueIsFull) {
  start(demo_options());
  Client& cod = connect();
  Client& taker = connect();
  logon(cod, "a", "", 1000, true);
  logon(taker, "b");
  send(cod, order(1, "ABC", p::Side::buy, 5, 100));  // slot 0: cancelled by the first push
  send(cod, order(2, "ABC", p::Side::buy, 6, 101));  // slot 1: filled by outputs still queued
  take(cod);
  log().take();
  // The taker's sell fills order 2, but its outputs wait in the shard queue.
  p::NewOrder sell = order(1, "ABC", p::Side::sell, 6, 101);
  sell.seq = ++taker.seq;
  const std::string f = frame(sell);
  std::memcpy(Gateway::read_space(*taker.session), f.data(), f.size());
  gateway().received(*taker.session, f.size(), now_ms);
  shard(0).max_queued = shard(0).queued() + 1;  // the first cancel fits, the second finds the queue full
  gateway().closed(*cod.session, "EOF");
  cod.session = nullptr;
  shard(0).max_queued = SIZE_MAX;
  pump();
  EXPECT_GT(shard(0).refused, 0u);
  EXPECT_EQ(log().take(),
            (Lines{"session 1 account 'a': disconnected: EOF", "session 1: cancel on disconnect: 2 orders"}));
  EXPECT_EQ(gateway().sessions(), 1u);
  EXPECT_EQ(shard(0).resting_orders(), 0u);
  take(taker);
  check_alive(taker);
}

TEST_F(GatewayTest, shouldMassCancelEverySessionOfTheAccount) {
  start(demo_options(2), 2);
  Client& a1 = connect();
  Client& a2 = connect();
  Client& other = connect();
  const uint32_t s1 = logon(a1, "acct");
  const uint32_t s2 = logon(a2, "acct");
  const uint32_t s3 = logon(other, "other");
  send(a1, order(1, "ABC", p::Side::buy, 5, 100));
  send(a1, order(2, "XYZ", p::Side::buy, 10, 15, -1));
  send(a1, order(3, "ABC", p::Side::sell, 1, 150));
  send(a2, order(1, "ABC", p::Side::buy, 4, 99));
  send(a2, order(2, "XYZ", p::Side::buy, 20, 10, -1));
  send(other, order(1, "ABC", p::Side::buy, 3, 98));
  take(a1);
  take(a2);
  take(other);
  auto cancelled = [](uint64_t seq, uint64_t eseq, uint64_t cl, uint64_t id, int64_t px, int64_t qty, const char* sym,
                      int8_t exp, uint8_t side) {
    p::ExecutionReport r{.seq = seq,
                         .engine_seq = eseq,
                         .cl_ord_id = cl,
                         .order_id = id,
                         .price = px,
                         .qty = qty,
                         .price_exponent = exp,
                         .exec_type = u8(p::ExecType::cancelled),
                         .side = side,
                         .cancel_reason = 1};
    (void)p::set_field(r.symbol, sym);
    return r;
  };
  // By symbol: ABC only, both sessions of the account.
  send(a2, mass_cancel("ABC"));
  // The shard cancels bids best first, then asks: a1's 1, a2's 1, a1's 3.
  EXPECT_EQ(describe(take(a1)), expect({cancelled(5, 5, 1, oid(s1, 1), 100, 5, "ABC", -2, 0),
                                        cancelled(6, 7, 3, oid(s1, 3), 150, 1, "ABC", -2, 1)}));
  EXPECT_EQ(describe(take(a2)), expect({cancelled(4, 6, 1, oid(s2, 1), 99, 4, "ABC", -2, 0),
                                        p::MassCancelReport{.seq = 5, .cancelled = 3, .symbol = "ABC"}}));
  EXPECT_TRUE(take(other).empty());
  // All symbols: XYZ is on shard 1.
  send(a1, mass_cancel(""));
  EXPECT_EQ(describe(take(a1)), expect({cancelled(7, 3, 2, oid(s1, 2), 15, 10, "XYZ", -1, 0),
                                        p::MassCancelReport{.seq = 8, .cancelled = 2, .symbol = ""}}));
  EXPECT_EQ(describe(take(a2)), expect({cancelled(6, 4, 2, oid(s2, 2), 10, 20, "XYZ", -1, 0)}));
  EXPECT_TRUE(take(other).empty());
  // Nothing left: zero; an unknown symbol: zero, without asking the shards.
  send(a1, mass_cancel(""));
  send(a1, mass_cancel("NOPE"));
  EXPECT_EQ(describe(take(a1)), expect({p::MassCancelReport{.seq = 9, .cancelled = 0, .symbol = ""},
                                        p::MassCancelReport{.seq = 10, .cancelled = 0, .symbol = "NOPE"}}));
  EXPECT_EQ(book_of(other, "ABC"),
            expect({p::BookLevel{
                        .seq = 3, .price = 98, .qty = 3, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
                    p::BookEnd{.seq = 4, .symbol = "ABC", .status = 0}}));
  EXPECT_EQ(book_of(other, "XYZ"), expect({p::BookEnd{.seq = 5, .symbol = "XYZ", .status = 0}}));
  (void)s3;
}

TEST_F(GatewayTest, shouldSendSyncAckAfterEveryShardsReports) {
  start(demo_options(2), 2);
  Client& maker = connect();
  Client& taker = connect();
  const uint32_t m = logon(maker, "m");
  const uint32_t t = logon(taker, "t");
  send(maker, order(1, "XYZ", p::Side::sell, 10, 20, -1));  // shard 1
  take(maker);
  // One read: an order on shard 1, a Sync, a cancel of an unknown id, another Sync.
  p::NewOrder buy = order(1, "XYZ", p::Side::buy, 10, 20, -1);
  buy.seq = 2;
  std::string bytes = frame(buy) + frame(p::Sync{3, 11}) + frame(p::Sync{4, 12});
  taker.seq = 4;
  feed(taker, bytes);
  EXPECT_EQ(describe(take(taker)), expect({p::ExecutionReport{.seq = 2,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 1),
                                                              .leaves_qty = 10,
                                                              .price = 20,
                                                              .qty = 10,
                                                              .symbol = "XYZ",
                                                              .price_exponent = -1},
                                           p::ExecutionReport{.seq = 3,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 1),
                                                              .match_id = 1,
                                                              .last_px = 20,
                                                              .last_qty = 10,
                                                              .cum_qty = 10,
                                                              .event_index = 1,
                                                              .symbol = "XYZ",
                                                              .price_exponent = -1,
                                                              .exec_type = u8(p::ExecType::filled),
                                                              .flags = p::kFlagAggressor},
                                           p::SyncAck{.seq = 4, .token = 11}, p::SyncAck{.seq = 5, .token = 12}}));
  EXPECT_EQ(describe(take(maker)), expect({p::ExecutionReport{.seq = 3,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(m, 1),
                                                              .match_id = 1,
                                                              .last_px = 20,
                                                              .last_qty = 10,
                                                              .cum_qty = 10,
                                                              .event_index = 1,
                                                              .symbol = "XYZ",
                                                              .price_exponent = -1,
                                                              .exec_type = u8(p::ExecType::filled),
                                                              .side = 1}}));
}

// ---- Instruments ---------------------------------------------------------------

TEST_F(GatewayTest, shouldAddInstrumentsAndAnswerEveryStatus) {
  GatewayOptions o = demo_options(2);
  o.max_symbols_per_shard = 2;
  o.shard_for = [](std::string_view name) { return name[0] == 'Z' ? 1u : 0u; };
  start(o, 2);
  Client& c = connect();
  const uint32_t s = logon(c, "admin");
  log().take();
  auto report = [](uint64_t seq, const char* sym, int64_t tick, int8_t exp, int64_t lot, int64_t max_qty,
                   p::InstrumentStatus st) {
    p::InstrumentReport r{
        .seq = seq, .tick = tick, .lot = lot, .max_qty = max_qty, .tick_exponent = exp, .status = u8(st)};
    (void)p::set_field(r.symbol, sym);
    return r;
  };
  // 0.0250 is normalised to 0.025 in the added report; other answers echo the request.
  send(c, add_instrument("NEW", 250, -4, 5, 1000));
  send(c, add_instrument("NEW", 25, -3, 5, 1000));
  send(c, add_instrument("NEW", 25, -3, 10, 1000));
  send(c, add_instrument("BAD", 0, -2, 1, 1));
  send(c, add_instrument("BAD", 1, -19, 1, 1));
  send(c, add_instrument("BAD", 1, -2, 0, 1));
  send(c, add_instrument("BAD", 1, -2, 1, 0));
  send(c, add_instrument("", 1, -2, 1, 1));
  send(c, add_instrument("FULL", 1, -2, 1, 1));  // shard 0 holds ABC and NEW
  send(c, add_instrument("ZED", 1, 0, 1, INT64_MAX / 4096 + 1));
  send(c, add_instrument("ZED", 1, 0, 1, INT64_MAX / 4096));
  EXPECT_EQ(describe(take(c)),
            expect({report(2, "NEW", 25, -3, 5, 1000, p::InstrumentStatus::added),
                    report(3, "NEW", 25, -3, 5, 1000, p::InstrumentStatus::unchanged),
                    report(4, "NEW", 25, -3, 10, 1000, p::InstrumentStatus::conflict),
                    report(5, "BAD", 0, -2, 1, 1, p::InstrumentStatus::invalid_tick),
                    report(6, "BAD", 1, -19, 1, 1, p::InstrumentStatus::invalid_tick),
                    report(7, "BAD", 1, -2, 0, 1, p::InstrumentStatus::invalid_lot),
                    report(8, "BAD", 1, -2, 1, 0, p::InstrumentStatus::invalid_max_qty),
                    report(9, "", 1, -2, 1, 1, p::InstrumentStatus::invalid_symbol),
                    report(10, "FULL", 1, -2, 1, 1, p::InstrumentStatus::too_many_symbols),
                    report(11, "ZED", 1, 0, 1, INT64_MAX / 4096 + 1, p::InstrumentStatus::qty_overflow),
                    report(12, "ZED", 1, 0, 1, INT64_MAX / 4096, p::InstrumentStatus::added)}));
  const Lines logs = log().take();
  ASSERT_EQ(logs.size(), 11u);
  EXPECT_EQ(logs[0], "session 1 account 'admin': instrument 'NEW' added on shard 0");
  EXPECT_EQ(logs[1], "session 1 account 'admin': instrument 'NEW' not added (status 1)");
  EXPECT_EQ(logs[8], "session 1 account 'admin': instrument 'FULL' not added (status 3)");
  EXPECT_EQ(logs[10], "session 1 account 'admin': instrument 'ZED' added on shard 1");
  // Trading the new symbols: 0.050 is 2 ticks of 0.025; lot 5.
  send(c, order(1, "NEW", p::Side::buy, 10, 5, -2));
  send(c, order(2, "NEW", p::Side::buy, 7, 50, -3));
  send(c, order(3, "ZED", p::Side::sell, 2, 3, 0));
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 13,
                                                          .engine_seq = 1,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 10,
                                                          .price = 50,
                                                          .qty = 10,
                                                          .symbol = "NEW",
                                                          .price_exponent = -3},
                                       p::ExecutionReport{.seq = 14,
                                                          .engine_seq = 2,
                                                          .cl_ord_id = 2,
                                                          .order_id = oid(s, 2),
                                                          .symbol = "NEW",
                                                          .price_exponent = -3,
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::invalid_qty),
                                                          .command = 1},
                                       p::ExecutionReport{.seq = 15,
                                                          .engine_seq = 1,
                                                          .cl_ord_id = 3,
                                                          .order_id = oid(s, 3),
                                                          .leaves_qty = 2,
                                                          .price = 3,
                                                          .qty = 2,
                                                          .symbol = "ZED",
                                                          .price_exponent = 0,
                                                          .side = 1}}));
  EXPECT_EQ(book_of(c, "ZED"),
            expect({p::BookLevel{
                        .seq = 16, .price = 3, .qty = 2, .orders = 1, .symbol = "ZED", .price_exponent = 0, .side = 1},
                    p::BookEnd{.seq = 17, .symbol = "ZED", .status = 0}}));
}

// A symbol field is its bytes up to the first NUL: "ABC\0X" names ABC.
TEST_F(GatewayTest, shouldReadSymbolFieldsUpToTheFirstNul) {
  start(demo_options());
  Client& c = connect();
  const uint32_t s = logon(c, "admin");
  log().take();
  p::AddInstrument same = add_instrument("ABC", 1, -2, 1, 1'000'000);
  std::memcpy(same.symbol, "ABC\0X", 5);
  p::AddInstrument other = add_instrument("ABC", 1, -2, 5, 1'000'000);
  std::memcpy(other.symbol, "ABC\0X", 5);
  send(c, same);
  send(c, other);
  p::NewOrder o = order(1, "ABC", p::Side::buy, 2, 100);
  std::memcpy(o.symbol, "ABC\0X", 5);
  send(c, o);
  EXPECT_EQ(describe(take(c)), expect({p::InstrumentReport{.seq = 2,
                                                           .tick = 1,
                                                           .lot = 1,
                                                           .max_qty = 1'000'000,
                                                           .symbol = "ABC\0X",
                                                           .tick_exponent = -2,
                                                           .status = u8(p::InstrumentStatus::unchanged)},
                                       p::InstrumentReport{.seq = 3,
                                                           .tick = 1,
                                                           .lot = 5,
                                                           .max_qty = 1'000'000,
                                                           .symbol = "ABC\0X",
                                                           .tick_exponent = -2,
                                                           .status = u8(p::InstrumentStatus::conflict)},
                                       p::ExecutionReport{.seq = 4,
                                                          .engine_seq = 1,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 2,
                                                          .price = 100,
                                                          .qty = 2,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2}}));
  p::BookRequest b = book("ABC");
  std::memcpy(b.symbol, "ABC\0X", 5);
  send(c, b);
  EXPECT_EQ(
      describe(take(c)),
      expect({p::BookLevel{
                  .seq = 5, .price = 100, .qty = 2, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
              p::BookEnd{.seq = 6, .symbol = "ABC", .status = 0}}));
  EXPECT_EQ(log().take(), (Lines{"session 1 account 'admin': instrument 'ABC' not added (status 1)",
                                 "session 1 account 'admin': instrument 'ABC' not added (status 2)"}));
}

TEST_F(GatewayTest, shouldRefuseAdminMessagesFromNonAdminInConfiguredVenue) {
  GatewayOptions o = demo_options();
  o.accounts = {{"root", "r", true}, {"bob", "b", false}};
  start(o);
  Client& root = connect();
  Client& bob = connect();
  const uint32_t r = logon(root, "root", "r");
  logon(bob, "bob", "b");
  send(root, order(1, "ABC", p::Side::buy, 1, 100, -2, p::Tif::day));
  take(root);
  log().take();
  send(bob, add_instrument("FOO", 1, -2, 1, 10));
  send(bob, p::Expire{});
  EXPECT_EQ(describe(take(bob)), expect({p::InstrumentReport{.seq = 2,
                                                             .tick = 1,
                                                             .lot = 1,
                                                             .max_qty = 10,
                                                             .symbol = "FOO",
                                                             .tick_exponent = -2,
                                                             .status = u8(p::InstrumentStatus::not_authorized)},
                                         p::ExecutionReport{.seq = 3,
                                                            .exec_type = u8(p::ExecType::rejected),
                                                            .reject_reason = u8(p::RejectCode::not_authorized),
                                                            .command = 0}}));
  EXPECT_FALSE(wants_close(bob));
  EXPECT_EQ(log().take(), (Lines{"session 2 account 'bob': instrument 'FOO' not added (status 8)"}));
  EXPECT_TRUE(take(root).empty());  // its day order is still there
  send(bob, order(1, "FOO", p::Side::buy, 1, 100));
  EXPECT_EQ(describe(take(bob)), expect({p::ExecutionReport{.seq = 4,
                                                            .cl_ord_id = 1,
                                                            .symbol = "FOO",
                                                            .exec_type = u8(p::ExecType::rejected),
                                                            .reject_reason = u8(p::RejectCode::unknown_symbol),
                                                            .command = 1}}));
  (void)r;
}

TEST_F(GatewayTest, shouldExpireDayOrdersOnEveryShard) {
  start(demo_options(2), 2);
  Client& admin = connect();
  Client& c = connect();
  logon(admin, "admin");
  const uint32_t s = logon(c, "c");
  send(c, order(1, "ABC", p::Side::buy, 1, 100, -2, p::Tif::day));
  send(c, order(2, "ABC", p::Side::buy, 2, 100, -2, p::Tif::gtc));
  send(c, order(3, "XYZ", p::Side::sell, 30, 5, 0, p::Tif::day));
  take(c);
  send(admin, p::Expire{});
  EXPECT_TRUE(take(admin).empty());
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 5,
                                                          .engine_seq = 3,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .price = 100,
                                                          .qty = 1,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::cancelled),
                                                          .cancel_reason = u8(CancelReason::expired)},
                                       p::ExecutionReport{.seq = 6,
                                                          .engine_seq = 2,
                                                          .cl_ord_id = 3,
                                                          .order_id = oid(s, 3),
                                                          .price = 50,
                                                          .qty = 30,
                                                          .symbol = "XYZ",
                                                          .price_exponent = -1,
                                                          .exec_type = u8(p::ExecType::cancelled),
                                                          .side = 1,
                                                          .cancel_reason = u8(CancelReason::expired)}}));
  EXPECT_EQ(
      book_of(c, "ABC"),
      expect({p::BookLevel{
                  .seq = 7, .price = 100, .qty = 2, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
              p::BookEnd{.seq = 8, .symbol = "ABC", .status = 0}}));
  // The expired id is free again; the gtc one is not.
  send(c, order(1, "ABC", p::Side::buy, 1, 90));
  send(c, order(2, "ABC", p::Side::buy, 1, 90));
  const auto in = take(c);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(std::get<p::ExecutionReport>(in[0]).exec_type, u8(p::ExecType::new_order));
  EXPECT_EQ(std::get<p::ExecutionReport>(in[1]).reject_reason, u8(p::RejectCode::duplicate_id));
}

// ---- Execution reports ---------------------------------------------------------

TEST_F(GatewayTest, shouldReportFillsOnBothSidesWithTheSameMatch) {
  start(demo_options());
  Client& maker = connect();
  Client& taker = connect();
  const uint32_t m = logon(maker, "m");
  const uint32_t t = logon(taker, "t");
  send(maker, order(5, "ABC", p::Side::sell, 10, 100));
  EXPECT_EQ(describe(take(maker)), expect({p::ExecutionReport{.seq = 2,
                                                              .engine_seq = 1,
                                                              .cl_ord_id = 5,
                                                              .order_id = oid(m, 1),
                                                              .leaves_qty = 10,
                                                              .price = 100,
                                                              .qty = 10,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .side = 1}}));
  // Buy 4 at 1.01 (given as 10.1 x 10^-1): fills at the maker's 1.00.
  send(taker, order(9, "ABC", p::Side::buy, 4, 101, -2, p::Tif::ioc));
  EXPECT_EQ(describe(take(taker)), expect({p::ExecutionReport{.seq = 2,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 9,
                                                              .order_id = oid(t, 1),
                                                              .leaves_qty = 4,
                                                              .price = 101,
                                                              .qty = 4,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .tif = u8(p::Tif::ioc)},
                                           p::ExecutionReport{.seq = 3,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 9,
                                                              .order_id = oid(t, 1),
                                                              .match_id = 1,
                                                              .last_px = 100,
                                                              .last_qty = 4,
                                                              .leaves_qty = 0,
                                                              .cum_qty = 4,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::filled),
                                                              .flags = p::kFlagAggressor}}));
  EXPECT_EQ(describe(take(maker)), expect({p::ExecutionReport{.seq = 3,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 5,
                                                              .order_id = oid(m, 1),
                                                              .match_id = 1,
                                                              .last_px = 100,
                                                              .last_qty = 4,
                                                              .leaves_qty = 6,
                                                              .cum_qty = 4,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::partially_filled),
                                                              .side = 1}}));
  // A bigger buy takes the rest and rests 2: the maker is filled, cum 10.
  send(taker, order(10, "ABC", p::Side::buy, 8, 1, 0));
  EXPECT_EQ(describe(take(taker)), expect({p::ExecutionReport{.seq = 4,
                                                              .engine_seq = 3,
                                                              .cl_ord_id = 10,
                                                              .order_id = oid(t, 2),
                                                              .leaves_qty = 8,
                                                              .price = 100,
                                                              .qty = 8,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2},
                                           p::ExecutionReport{.seq = 5,
                                                              .engine_seq = 3,
                                                              .cl_ord_id = 10,
                                                              .order_id = oid(t, 2),
                                                              .match_id = 2,
                                                              .last_px = 100,
                                                              .last_qty = 6,
                                                              .leaves_qty = 2,
                                                              .cum_qty = 6,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::partially_filled),
                                                              .flags = p::kFlagAggressor}}));
  EXPECT_EQ(describe(take(maker)), expect({p::ExecutionReport{.seq = 4,
                                                              .engine_seq = 3,
                                                              .cl_ord_id = 5,
                                                              .order_id = oid(m, 1),
                                                              .match_id = 2,
                                                              .last_px = 100,
                                                              .last_qty = 6,
                                                              .leaves_qty = 0,
                                                              .cum_qty = 10,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::filled),
                                                              .side = 1}}));
  // The roles swap: the resting buy is now the maker; a market sell takes it.
  send(maker, order(6, "ABC", p::Side::sell, 2, p::kNullInt64, 0, p::Tif::ioc, p::OrdType::market));
  EXPECT_EQ(describe(take(maker)), expect({p::ExecutionReport{.seq = 5,
                                                              .engine_seq = 4,
                                                              .cl_ord_id = 6,
                                                              .order_id = oid(m, 2),
                                                              .leaves_qty = 2,
                                                              .price = 0,
                                                              .qty = 2,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .side = 1,
                                                              .ord_type = 1,
                                                              .tif = u8(p::Tif::ioc)},
                                           p::ExecutionReport{.seq = 6,
                                                              .engine_seq = 4,
                                                              .cl_ord_id = 6,
                                                              .order_id = oid(m, 2),
                                                              .match_id = 3,
                                                              .last_px = 100,
                                                              .last_qty = 2,
                                                              .cum_qty = 2,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::filled),
                                                              .side = 1,
                                                              .flags = p::kFlagAggressor}}));
  EXPECT_EQ(describe(take(taker)), expect({p::ExecutionReport{.seq = 6,
                                                              .engine_seq = 4,
                                                              .cl_ord_id = 10,
                                                              .order_id = oid(t, 2),
                                                              .match_id = 3,
                                                              .last_px = 100,
                                                              .last_qty = 2,
                                                              .leaves_qty = 0,
                                                              .cum_qty = 8,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::filled)}}));
  EXPECT_EQ(gateway().stats().reports, 10u);
}

TEST_F(GatewayTest, shouldReportIocRemainderFokKillAndSelfTradeCancels) {
  start(demo_options());
  Client& maker = connect();
  Client& taker = connect();
  const uint32_t m = logon(maker, "m");
  const uint32_t t = logon(taker, "t");
  send(maker, order(1, "ABC", p::Side::sell, 3, 100));
  take(maker);
  send(taker, order(1, "ABC", p::Side::buy, 5, 100, -2, p::Tif::ioc));
  EXPECT_EQ(describe(take(taker)), expect({p::ExecutionReport{.seq = 2,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 1),
                                                              .leaves_qty = 5,
                                                              .price = 100,
                                                              .qty = 5,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .tif = u8(p::Tif::ioc)},
                                           p::ExecutionReport{.seq = 3,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 1),
                                                              .match_id = 1,
                                                              .last_px = 100,
                                                              .last_qty = 3,
                                                              .leaves_qty = 2,
                                                              .cum_qty = 3,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::partially_filled),
                                                              .flags = p::kFlagAggressor},
                                           p::ExecutionReport{.seq = 4,
                                                              .engine_seq = 2,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 1),
                                                              .cum_qty = 3,
                                                              .price = 100,
                                                              .qty = 2,
                                                              .event_index = 3,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::cancelled),
                                                              .cancel_reason = u8(CancelReason::remainder)}}));
  take(maker);
  send(taker, order(1, "ABC", p::Side::buy, 5, 100, -2, p::Tif::fok));
  EXPECT_EQ(describe(take(taker)), expect({p::ExecutionReport{.seq = 5,
                                                              .engine_seq = 3,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 2),
                                                              .leaves_qty = 5,
                                                              .price = 100,
                                                              .qty = 5,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .tif = u8(p::Tif::fok)},
                                           p::ExecutionReport{.seq = 6,
                                                              .engine_seq = 3,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(t, 2),
                                                              .price = 100,
                                                              .qty = 5,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::cancelled),
                                                              .cancel_reason = u8(CancelReason::unfilled)}}));
  send(maker, order(2, "ABC", p::Side::sell, 2, 100));
  p::NewOrder self = order(3, "ABC", p::Side::buy, 1, 100);
  self.stp = u8(p::Stp::cancel_taker);
  send(maker, self);
  EXPECT_EQ(describe(take(maker)), expect({p::ExecutionReport{.seq = 4,
                                                              .engine_seq = 4,
                                                              .cl_ord_id = 2,
                                                              .order_id = oid(m, 2),
                                                              .leaves_qty = 2,
                                                              .price = 100,
                                                              .qty = 2,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .side = 1},
                                           p::ExecutionReport{.seq = 5,
                                                              .engine_seq = 5,
                                                              .cl_ord_id = 3,
                                                              .order_id = oid(m, 3),
                                                              .leaves_qty = 1,
                                                              .price = 100,
                                                              .qty = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2},
                                           p::ExecutionReport{.seq = 6,
                                                              .engine_seq = 5,
                                                              .cl_ord_id = 3,
                                                              .order_id = oid(m, 3),
                                                              .price = 100,
                                                              .qty = 1,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::cancelled),
                                                              .cancel_reason = u8(CancelReason::self_trade)}}));
  // Every id of those done orders is free again.
  send(taker, order(1, "ABC", p::Side::buy, 1, 90));
  send(maker, order(3, "ABC", p::Side::buy, 1, 90));
  EXPECT_EQ(std::get<p::ExecutionReport>(take(taker).at(0)).exec_type, u8(p::ExecType::new_order));
  EXPECT_EQ(std::get<p::ExecutionReport>(take(maker).at(0)).exec_type, u8(p::ExecType::new_order));
}

TEST_F(GatewayTest, shouldReportCancelModifyInPlaceAndReplace) {
  start(demo_options());
  Client& c = connect();
  Client& other = connect();
  const uint32_t s = logon(c, "a");
  logon(other, "b");
  send(c, order(1, "ABC", p::Side::buy, 10, 100));
  send(c, order(2, "ABC", p::Side::buy, 3, 100));
  take(c);
  send(c, modify(1, 6));                        // qty down: in place
  send(c, modify(1, p::kNullInt64, 1005, -3));  // off tick
  send(c, modify(1, p::kNullInt64, 99));        // new price: re-enters
  send(c, modify(1, 8, 11, -1));                // qty up and 1.10: re-enters
  send(c, modify(3, 1));                        // unknown
  send(c, cancel(2));
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 4,
                                                          .engine_seq = 3,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 6,
                                                          .cum_qty = 0,
                                                          .price = 100,
                                                          .qty = 6,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::replaced),
                                                          .flags = p::kFlagKeptPriority},
                                       p::ExecutionReport{.seq = 5,
                                                          .engine_seq = 4,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::price_not_on_tick),
                                                          .command = 3},
                                       p::ExecutionReport{.seq = 6,
                                                          .engine_seq = 5,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 6,
                                                          .price = 99,
                                                          .qty = 6,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::replaced)},
                                       p::ExecutionReport{.seq = 7,
                                                          .engine_seq = 6,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 8,
                                                          .price = 110,
                                                          .qty = 8,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::replaced)},
                                       p::ExecutionReport{.seq = 8,
                                                          .cl_ord_id = 3,
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::unknown_order),
                                                          .command = 3},
                                       p::ExecutionReport{.seq = 9,
                                                          .engine_seq = 7,
                                                          .cl_ord_id = 2,
                                                          .order_id = oid(s, 2),
                                                          .price = 100,
                                                          .qty = 3,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::cancelled),
                                                          .cancel_reason = 1}}));
  // A modify that crosses: replaced, then filled as the aggressor; cum kept in rejects.
  send(other, order(1, "ABC", p::Side::sell, 5, 120));
  take(other);
  send(c, modify(1, p::kNullInt64, 120));
  send(c, modify(1, 0));
  EXPECT_EQ(describe(take(c)), expect({p::ExecutionReport{.seq = 10,
                                                          .engine_seq = 9,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .leaves_qty = 8,
                                                          .price = 120,
                                                          .qty = 8,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::replaced)},
                                       p::ExecutionReport{.seq = 11,
                                                          .engine_seq = 9,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .match_id = 1,
                                                          .last_px = 120,
                                                          .last_qty = 5,
                                                          .leaves_qty = 3,
                                                          .cum_qty = 5,
                                                          .event_index = 2,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::partially_filled),
                                                          .flags = p::kFlagAggressor},
                                       p::ExecutionReport{.seq = 12,
                                                          .engine_seq = 10,
                                                          .cl_ord_id = 1,
                                                          .order_id = oid(s, 1),
                                                          .cum_qty = 5,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2,
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::invalid_qty),
                                                          .command = 3}}));
}

TEST_F(GatewayTest, shouldRejectInTheGatewayWithEngineSeqZeroAndInTheEngineWithItsSeq) {
  GatewayOptions o = demo_options();
  o.max_live_orders = 1;
  o.symbols.push_back(GatewaySymbol{"HALF", TickSize{5, 1}, engine::SymbolSpec{Qty(1), Qty(1'000'000)}, 0});
  start(o);
  Client& c = connect();
  const uint32_t s = logon(c, "a");
  auto gw_reject = [](uint64_t seq, uint64_t cl, const char* sym, p::RejectCode why) {
    p::ExecutionReport r{
        .seq = seq, .cl_ord_id = cl, .exec_type = u8(p::ExecType::rejected), .reject_reason = u8(why), .command = 1};
    (void)p::set_field(r.symbol, sym);
    return r;
  };
  auto engine_reject = [&](uint64_t seq, uint64_t eseq, uint64_t cl, uint32_t n, p::RejectCode why) {
    return p::ExecutionReport{.seq = seq,
                              .engine_seq = eseq,
                              .cl_ord_id = cl,
                              .order_id = oid(s, n),
                              .symbol = "ABC",
                              .price_exponent = -2,
                              .exec_type = u8(p::ExecType::rejected),
                              .reject_reason = u8(why),
                              .command = 1};
  };
  send(c, order(1, "NOPE", p::Side::buy, 1, 100));
  p::NewOrder bad_side = order(2, "ABC", p::Side::buy, 1, 100);
  bad_side.side = 2;
  send(c, bad_side);
  p::NewOrder bad_tif = order(3, "ABC", p::Side::buy, 1, 100);
  bad_tif.tif = 4;
  send(c, bad_tif);
  send(c, order(4, "ABC", p::Side::buy, 1, 0));             // <= 0
  send(c, order(5, "ABC", p::Side::buy, 1, -100));          // <= 0
  send(c, order(6, "ABC", p::Side::buy, 1, 1005, -3));      // 1.005: off the 0.01 tick
  send(c, order(7, "ABC", p::Side::buy, 1, INT64_MAX, 0));  // ticks overflow
  // 2 x (INT64_MAX / 5) ticks of 0.5 fit; their wire mantissa (x 5) would not.
  send(c, order(8, "HALF", p::Side::buy, 1, INT64_MAX / 5, 0));
  send(c, order(9, "ABC", p::Side::buy, 1, 15, -1));  // 1.5 = 150 ticks, reported as 150 x 10^-2
  send(c, order(10, "ABC", p::Side::buy, 1, 100));    // max_live_orders = 1
  EXPECT_EQ(describe(take(c)), expect({gw_reject(2, 1, "NOPE", p::RejectCode::unknown_symbol),
                                       gw_reject(3, 2, "ABC", p::RejectCode::invalid_field),
                                       gw_reject(4, 3, "ABC", p::RejectCode::invalid_field),
                                       engine_reject(5, 1, 4, 1, p::RejectCode::invalid_price),
                                       engine_reject(6, 2, 5, 2, p::RejectCode::invalid_price),
                                       engine_reject(7, 3, 6, 3, p::RejectCode::price_not_on_tick),
                                       engine_reject(8, 4, 7, 4, p::RejectCode::invalid_price),
                                       p::ExecutionReport{.seq = 9,
                                                          .engine_seq = 5,
                                                          .cl_ord_id = 8,
                                                          .order_id = oid(s, 5),
                                                          .symbol = "HALF",
                                                          .price_exponent = -1,
                                                          .exec_type = u8(p::ExecType::rejected),
                                                          .reject_reason = u8(p::RejectCode::invalid_price),
                                                          .command = 1},
                                       p::ExecutionReport{.seq = 10,
                                                          .engine_seq = 6,
                                                          .cl_ord_id = 9,
                                                          .order_id = oid(s, 6),
                                                          .leaves_qty = 1,
                                                          .price = 150,
                                                          .qty = 1,
                                                          .symbol = "ABC",
                                                          .price_exponent = -2},
                                       gw_reject(11, 10, "ABC", p::RejectCode::capacity)}));
  EXPECT_EQ(gateway().stats().gateway_rejects, 4u);
}

// ---- Memory --------------------------------------------------------------------

TEST_F(GatewayTest, shouldHoldNoStateForDoneOrdersAfterManyOrders) {
  GatewayOptions o = demo_options();
  o.max_live_orders = 4;
  start(o);
  Client& a = connect();
  Client& b = connect();
  logon(a, "a");
  logon(b, "b");
  uint64_t not_new = 0;
  uint64_t orders = 0;
  for (uint32_t i = 0; orders < 100'000; ++i) {
    now_ms += 1;                // the default rate allows 200 messages per ms
    const uint64_t cl = i % 4;  // every id reused over and over
    if (i % 2 == 0) {
      send(a, order(cl, "ABC", p::Side::sell, 2, 100));
      send(b, order(cl, "ABC", p::Side::buy, 2, 100));  // fills it
      orders += 2;
    } else {
      send(a, order(cl, "ABC", p::Side::buy, 1, 90));
      send(a, cancel(cl));
      orders += 1;
    }
    for (const Msg& m : take(a)) {
      const auto& r = std::get<p::ExecutionReport>(m);
      if (r.exec_type == u8(p::ExecType::rejected)) ++not_new;
    }
    for (const Msg& m : take(b)) {
      if (std::get<p::ExecutionReport>(m).exec_type == u8(p::ExecType::rejected)) ++not_new;
    }
  }
  EXPECT_EQ(not_new, 0u);
  EXPECT_EQ(shard(0).resting_orders(), 0u);
  // Four live orders still fit: the table holds live orders only.
  for (uint64_t cl = 0; cl < 4; ++cl) send(a, order(cl, "ABC", p::Side::buy, 1, 50));
  for (const Msg& m : take(a)) EXPECT_EQ(std::get<p::ExecutionReport>(m).exec_type, u8(p::ExecType::new_order));
  close(a);
  close(b);
  EXPECT_EQ(gateway().sessions(), 1u);  // a's four orders rest
}

// ---- Restart: what the journal and snapshots give back ----------------------

class RestartTest : public GatewayTest, public ::testing::WithParamInterface<bool> {};

// Resting orders survive a restart with their client order ids and filled
// quantities; the account's next session adopts them, addresses them by
// client order id, and gets their reports (cum_qty included).
TEST_P(RestartTest, shouldLetTheAccountsNextSessionAdoptItsRecoveredOrders) {
  start(demo_options());
  Client& alice = connect();
  const uint32_t a = logon(alice, "alice");
  Client& bob = connect();
  const uint32_t b = logon(bob, "bob");
  send(alice, order(1, "ABC", p::Side::buy, 10, 100));
  send(alice, order(2, "ABC", p::Side::sell, 5, 200));
  send(bob, order(1, "ABC", p::Side::buy, 2, 200));  // fills 2 of alice's 2
  take(alice);
  take(bob);
  log().take();
  const uint64_t hash = shard(0).matcher().output_hash();

  restart(demo_options(), GetParam());
  ASSERT_EQ(gateway().error(), "");
  EXPECT_EQ(shard(0).matcher().output_hash(), hash);
  EXPECT_EQ(log().take(), (Lines{"recovered 1 instrument(s), 2 account(s), 2 resting order(s) in 1 earlier session(s)"}));
  Client& again = connect("again");
  const uint32_t a2 = logon(again, "alice");
  EXPECT_EQ(a2, b + 1);  // session ids continue above every recovered one
  EXPECT_EQ(log().take(), (Lines{"session 3 account 'alice' from again: logged on (admin)",
                                 "session 3 account 'alice': adopted 2 order(s) recovered from before the restart"}));
  send(again, order(1, "ABC", p::Side::buy, 1, 100));  // 1 is live: adopted
  send(again, cancel(2));
  EXPECT_EQ(describe(take(again)), expect({p::ExecutionReport{.seq = 2,
                                                              .cl_ord_id = 1,
                                                              .symbol = "ABC",
                                                              .exec_type = u8(p::ExecType::rejected),
                                                              .reject_reason = u8(p::RejectCode::duplicate_id),
                                                              .command = 1},
                                           p::ExecutionReport{.seq = 3,
                                                              .engine_seq = 4,
                                                              .cl_ord_id = 2,
                                                              .order_id = oid(a, 2),
                                                              .cum_qty = 2,
                                                              .price = 200,
                                                              .qty = 3,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::cancelled),
                                                              .side = 1,
                                                              .cancel_reason = 1}}));
  // Bob's session had nothing left to adopt; alice's first order still rests.
  Client& bob2 = connect("bob2");
  logon(bob2, "bob");
  EXPECT_EQ(log().take(), (Lines{"session 4 account 'bob' from bob2: logged on (admin)"}));
  EXPECT_EQ(book_of(bob2, "ABC"),
            expect({p::BookLevel{
                        .seq = 2, .price = 100, .qty = 10, .orders = 1, .symbol = "ABC", .price_exponent = -2, .side = 0},
                    p::BookEnd{.seq = 3, .symbol = "ABC", .status = 0}}));
  // A fill of the adopted order reaches the new session, with its recovered id.
  send(bob2, order(5, "ABC", p::Side::sell, 4, 100));
  EXPECT_EQ(describe(take(again)), expect({p::ExecutionReport{.seq = 4,
                                                              .engine_seq = 5,
                                                              .cl_ord_id = 1,
                                                              .order_id = oid(a, 1),
                                                              .match_id = 2,
                                                              .last_px = 100,
                                                              .last_qty = 4,
                                                              .leaves_qty = 6,
                                                              .cum_qty = 4,
                                                              .event_index = 1,
                                                              .symbol = "ABC",
                                                              .price_exponent = -2,
                                                              .exec_type = u8(p::ExecType::partially_filled)}}));
  check_alive(again);
  (void)a;
}

// The configuration may list a recovered symbol again, never change it.
TEST_P(RestartTest, shouldRefuseAConfiguredSymbolThatDiffersFromItsRecoveredDefinition) {
  start(demo_options());
  GatewayOptions o = demo_options();
  o.symbols[0].tick = TickSize{5, 2};
  restart(o, GetParam());
  EXPECT_EQ(gateway().error(),
            "symbol 'ABC' in the configuration differs from its recovered definition (tick 0.01, lot 1, max_qty "
            "1000000, shard 0)");
}

INSTANTIATE_TEST_SUITE_P(JournalOrSnapshot, RestartTest, ::testing::Bool(),
                         [](const auto& param_info) { return param_info.param ? "snapshot" : "journal"; });

}  // namespace
}  // namespace rialto::server::testing
