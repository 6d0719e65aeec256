// The Publisher over real loopback sockets, its thread against the test
// thread acting as a matching shard (a real engine pushing through
// publish()): identical streams to every subscriber and byte-identical to an
// encoder fed the same records, replay from N, late join over the socket,
// every refused login, malformed input, heartbeats and timeouts, a slow
// subscriber, and a full shard queue breaking the feed.
#include "rialto/mdfeed/publisher.h"

#include <gtest/gtest.h>

#include <thread>
#include <unordered_map>
#include <variant>

#include "flow.h"
#include "rialto/mdfeed/publish_resting.h"
#include "subscriber.h"

namespace rialto::mdfeed::test {
namespace {

engine::EngineConfig small_engine() {
  engine::EngineConfig c;
  c.max_orders = 1u << 16;
  c.max_symbols = 8;
  return c;
}

PublisherOptions test_options() {
  PublisherOptions o;
  o.port = 0;
  o.shards = 1;
  o.queue_capacity = 1u << 18;
  o.session = "TEST000001";
  return o;
}

/// The test thread as shard 0: a real engine whose events go to the
/// publisher's queue after each command; every record pushed is kept, so a
/// local FeedEncoder can be fed the same.
struct Shard {
  Collector sink;
  TestEngine eng{small_engine(), sink};
  Publisher& pub;
  MdQueue& q;
  RandomFlow flow;
  std::vector<MdInput> pushed;
  bool all_pushed = true;

  explicit Shard(Publisher& p, uint64_t seed = 7) : pub(p), q(p.queue(0)), flow(seed, 2) {
    for (uint32_t s = 0; s < 2; ++s) {
      const TestSymbol& sym = test_symbols()[s];
      SymbolId id = eng.add_symbol(engine::SymbolSpec{Qty(sym.lot), Qty(1'000'000)});
      pushed.push_back(symbol_input(0, id, sym, ns_since_midnight()));
      all_pushed = q.try_push(pushed.back()) && all_pushed;
    }
    pub.notify();
  }
  void run(int commands) {
    for (int i = 0; i < commands; ++i) {
      flow.step(eng);
      const uint64_t ts = ns_since_midnight();
      for (const Event& e : sink.events) {
        if (!feeds_market_data(e.type)) continue;
        pushed.push_back(event_input(0, e, ts));
        all_pushed = publish(q, e, ts) && all_pushed;
      }
      sink.events.clear();
      pub.notify();
    }
  }
  /// What an encoder makes of the records, without the System Events
  /// (their timestamps are the publisher's own).
  std::vector<std::string> expected_body() const {
    VectorSink out;
    FeedEncoder enc(out);
    for (const MdInput& in : pushed) enc.apply(in);
    return out.messages;
  }
};

char system_code(const std::string& msg) {
  itch::Message m;
  if (!itch::decode(msg.data(), msg.size(), &m).ok() || !std::holds_alternative<itch::SystemEvent>(m)) return 0;
  return std::get<itch::SystemEvent>(m).event_code;
}

struct Running {
  TestLog log;
  Publisher pub;
  explicit Running(PublisherOptions o = test_options())
      : pub(std::move(o), [this](std::string_view l) { log.line(l); }) {
    std::string error;
    EXPECT_TRUE(pub.start(&error)) << error;
  }
};

void expect_accepted(Subscriber& s, uint64_t seq) {
  Received r;
  ASSERT_TRUE(s.next(&r)) << s.error();
  ASSERT_EQ(r.type, soup::PacketType::login_accepted) << r.payload;
  EXPECT_EQ(r.sequence, seq);
}

/// Debug packet with `text`, then Login Rejected 'S', then the close.
void expect_rejected(Subscriber& s, const std::string& text) {
  Received r;
  ASSERT_TRUE(s.next(&r)) << s.error();
  ASSERT_EQ(r.type, soup::PacketType::debug);
  EXPECT_EQ(r.payload, text);
  ASSERT_TRUE(s.next(&r)) << s.error();
  ASSERT_EQ(r.type, soup::PacketType::login_rejected);
  EXPECT_EQ(r.reason, soup::RejectReason::session_not_available);
  EXPECT_FALSE(s.next(&r, 3000));
  EXPECT_TRUE(s.eof());
}

TEST(Publisher, logsItsBoundPortAndSession) {
  Running p;
  EXPECT_NE(p.pub.port(), 0);
  EXPECT_TRUE(p.log.contains("market data on 127.0.0.1:" + std::to_string(p.pub.port()) + " (session TEST000001)"))
      << p.log.all();
}

TEST(Publisher, oneAndSeveralSubscribersReceiveIdenticalStreamsEqualToTheEncoders) {
  Running p;
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < 4; ++i) {
    subs.push_back(std::make_unique<Subscriber>(p.pub.port()));
    ASSERT_TRUE(subs.back()->connected());
    subs.back()->login(1, i % 2 ? "TEST000001" : "");
    expect_accepted(*subs.back(), 1);
  }
  Shard shard(p.pub);
  shard.run(500);
  p.pub.stop();
  ASSERT_TRUE(shard.all_pushed);
  const std::vector<std::string> body = shard.expected_body();
  for (auto& s : subs) {
    ASSERT_TRUE(s->read_to_end()) << s->error();
    ASSERT_EQ(s->sequenced, subs[0]->sequenced);
  }
  const auto& got = subs[0]->sequenced;
  ASSERT_EQ(got.size(), body.size() + 6);
  EXPECT_EQ(got.size(), p.pub.stats().messages);
  EXPECT_EQ(system_code(got[0]), 'O');
  EXPECT_EQ(system_code(got[1]), 'S');
  EXPECT_EQ(system_code(got[2]), 'Q');
  EXPECT_EQ(std::vector<std::string>(got.begin() + 3, got.end() - 3), body);
  EXPECT_EQ(system_code(got[got.size() - 3]), 'M');
  EXPECT_EQ(system_code(got[got.size() - 2]), 'E');
  EXPECT_EQ(system_code(got.back()), 'C');
  // And the book they rebuild is the engine's.
  itch::Book book;
  apply_all(book, got);
  EXPECT_GT(book.live_orders(), 0u);
  EXPECT_EQ(book.live_orders(), shard.eng.resting_orders());
}

TEST(Publisher, loginWithSequenceNReplaysFromN) {
  Running p;
  Shard shard(p.pub);
  shard.run(200);
  Subscriber all(p.pub.port());
  all.login(1);
  expect_accepted(all, 1);
  Subscriber from5(p.pub.port());
  from5.login(5);
  expect_accepted(from5, 5);
  shard.run(100);
  p.pub.stop();
  ASSERT_TRUE(all.read_to_end());
  ASSERT_TRUE(from5.read_to_end());
  ASSERT_GT(all.sequenced.size(), 4u);
  EXPECT_EQ(from5.sequenced, std::vector<std::string>(all.sequenced.begin() + 4, all.sequenced.end()));
}

TEST(Publisher, sequenceNoLongerHeldOrBeyondTheNextIsDebugThenLoginRejected) {
  PublisherOptions o = test_options();
  o.retained_messages = 50;
  Running p(o);
  Shard shard(p.pub);
  shard.run(300);
  for (int i = 0; i < 200 && p.pub.stats().inputs < shard.pushed.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const uint64_t next = p.pub.stats().messages + 1;
  ASSERT_GT(next, 100u);
  {
    Subscriber s(p.pub.port());
    s.login(1);
    expect_rejected(s, "sequence 1 no longer held; oldest held is " + std::to_string(next - 50) +
                           "; log in with 0 for a snapshot");
  }
  {
    Subscriber s(p.pub.port());
    s.login(next + 1);
    expect_rejected(s, "sequence " + std::to_string(next + 1) + " is beyond the next message, " +
                           std::to_string(next) + "; log in with 0 for a snapshot");
  }
  {
    Subscriber s(p.pub.port());
    s.login(next - 10);  // still held
    expect_accepted(s, next - 10);
  }
  EXPECT_TRUE(p.log.wait_for(": login rejected: sequence 1 no longer held")) << p.log.all();
}

TEST(Publisher, unknownSessionIsRejectedAndTheCurrentOneAccepted) {
  Running p;
  Subscriber bad(p.pub.port());
  bad.login(1, "OTHER");
  expect_rejected(bad, "session 'OTHER' is not available; the current session is 'TEST000001' (or leave it blank)");
  Subscriber good(p.pub.port());
  good.login(1, "TEST000001");
  expect_accepted(good, 1);
}

TEST(Publisher, lateJoinGetsSnapshotThenLiveFromExactlyTheNextMessage) {
  Running p;
  Subscriber early(p.pub.port());
  early.login(1);
  expect_accepted(early, 1);
  Shard shard(p.pub, 11);
  shard.run(400);
  Subscriber late(p.pub.port());
  late.login(0);
  Received r;
  ASSERT_TRUE(late.next(&r));
  ASSERT_EQ(r.type, soup::PacketType::login_accepted);
  const uint64_t s = r.sequence;
  shard.run(400);
  p.pub.stop();
  ASSERT_TRUE(early.read_to_end());
  ASSERT_TRUE(late.read_to_end());
  ASSERT_GE(early.sequenced.size(), s - 1);
  // No gap, no duplicate: the late stream is the early one from S on.
  EXPECT_EQ(late.sequenced, std::vector<std::string>(early.sequenced.begin() + static_cast<long>(s - 1),
                                                     early.sequenced.end()));
  // The snapshot: System Events, Stock Directories, then Add Orders.
  ASSERT_GE(late.unsequenced.size(), 5u);
  EXPECT_EQ(system_code(late.unsequenced[0]), 'O');
  // Snapshot + the rest gives the book the early subscriber has.
  itch::Book a, b;
  apply_all(a, early.sequenced);
  apply_all(b, late.unsequenced);
  apply_all(b, late.sequenced);
  for (uint16_t locate : {1, 2}) {
    for (itch::Side side : {itch::Side::buy, itch::Side::sell}) {
      ASSERT_EQ(a.levels(locate, side), b.levels(locate, side));
      for (const itch::Level& l : a.levels(locate, side)) {
        EXPECT_EQ(a.orders_at(locate, side, l.price), b.orders_at(locate, side, l.price));
      }
    }
  }
  EXPECT_EQ(a.live_orders(), b.live_orders());
}

TEST(Publisher, malformedInputIsAnsweredWithDebugLoggedAndOthersAreStillServed) {
  Running p;
  Subscriber good(p.pub.port());
  good.login(1);
  expect_accepted(good, 1);
  struct Case {
    std::string bytes;
    std::string logged;
  };
  const std::vector<Case> cases{
      {std::string("\x00\x00", 2), "malformed SoupBinTCP: "},              // length 0
      {std::string("\xff\xffL", 3) + std::string(100, 'x'), "malformed SoupBinTCP: "},  // oversize for its type
      {std::string("\x00\x01R", 3), "packet 'R' before a Login Request"},  // data before login
      {std::string("\x00\x05Zjunk", 7), "malformed SoupBinTCP: "},         // a server packet type
  };
  for (const Case& c : cases) {
    Subscriber bad(p.pub.port());
    bad.send_raw(c.bytes);
    Received r;
    ASSERT_TRUE(bad.next(&r)) << "no answer to " << c.logged;
    EXPECT_EQ(r.type, soup::PacketType::debug);
    EXPECT_NE(r.payload.find(c.logged), std::string::npos) << r.payload;
    EXPECT_FALSE(bad.next(&r, 3000));
    EXPECT_TRUE(bad.eof());
    EXPECT_TRUE(p.log.wait_for(": " + r.payload)) << p.log.all();
  }
  // A second Login Request on a live session is malformed too.
  Subscriber twice(p.pub.port());
  twice.login(1);
  expect_accepted(twice, 1);
  twice.login(1);
  EXPECT_TRUE(p.log.wait_for("a second Login Request on a logged-in session")) << p.log.all();
  Shard shard(p.pub);
  shard.run(100);
  p.pub.stop();
  ASSERT_TRUE(good.read_to_end());
  EXPECT_EQ(good.sequenced.size(), p.pub.stats().messages);
}

TEST(Publisher, serverHeartbeatsWhenIdleAndDisconnectsASilentSubscriber) {
  PublisherOptions o = test_options();
  o.heartbeat_ms = 100;
  o.client_timeout_ms = 700;
  Running p(o);
  Subscriber s(p.pub.port());
  s.login(1);
  expect_accepted(s, 1);
  Received r;
  int heartbeats = 0;
  while (s.next(&r, 3000)) {
    if (r.type == soup::PacketType::server_heartbeat) ++heartbeats;
    if (r.type == soup::PacketType::debug) break;
  }
  EXPECT_GE(heartbeats, 2);
  ASSERT_EQ(r.type, soup::PacketType::debug);
  EXPECT_NE(r.payload.find("(heartbeat timeout)"), std::string::npos) << r.payload;
  EXPECT_TRUE(p.log.wait_for("heartbeat timeout")) << p.log.all();
  // One that sends heartbeats stays.
  Subscriber alive(p.pub.port());
  alive.login(1);
  expect_accepted(alive, 1);
  for (int i = 0; i < 10; ++i) {
    alive.heartbeat();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(p.pub.stats().subscribers, 1u);
}

TEST(Publisher, logoutRequestClosesTheConnection) {
  Running p;
  Subscriber s(p.pub.port());
  s.login(1);
  expect_accepted(s, 1);
  s.logout();
  Received r;
  while (s.next(&r, 3000)) {
  }
  EXPECT_TRUE(s.eof());
  EXPECT_TRUE(p.log.wait_for(": logged out")) << p.log.all();
}

TEST(Publisher, slowSubscriberIsDisconnectedWithReasonWhileAnotherKeepsReceiving) {
  PublisherOptions o = test_options();
  o.retained_bytes = 64u << 10;
  o.socket_send_buffer = 4096;
  o.write_chunk_bytes = 4096;
  Running p(o);
  Subscriber slow(p.pub.port(), 4096);
  slow.login(1);
  expect_accepted(slow, 1);  // then it stops reading
  Subscriber good(p.pub.port());
  good.login(1);
  expect_accepted(good, 1);
  bool good_ended = false;
  std::thread reader([&] { good_ended = good.read_to_end(30000); });
  Shard shard(p.pub);
  // Paced, so that the reading subscriber (slower under the sanitizers) keeps
  // within the 64 KiB log while the one that does not read falls out of it.
  for (int i = 0; i < 200 && !p.log.contains("slow subscriber"); ++i) {
    shard.run(100);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(p.log.wait_for(": slow subscriber, ")) << p.log.all();
  EXPECT_EQ(p.pub.stats().slow, 1u);
  // It may come back for a fresh snapshot.
  Subscriber back(p.pub.port());
  back.login(0);
  Received r;
  ASSERT_TRUE(back.next(&r));
  EXPECT_EQ(r.type, soup::PacketType::login_accepted);
  for (int i = 0; i < 5; ++i) {
    shard.run(20);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  p.pub.stop();
  reader.join();
  ASSERT_TRUE(good_ended);
  EXPECT_EQ(good.sequenced.size(), p.pub.stats().messages);
  ASSERT_TRUE(back.read_to_end());
  EXPECT_GT(back.unsequenced.size(), 5u);
  EXPECT_EQ(back.sequenced, std::vector<std::string>(good.sequenced.end() - static_cast<long>(back.sequenced.size()),
                                                     good.sequenced.end()));
}

TEST(Publisher, fullShardQueueBreaksTheFeedWithoutBlockingTheShard) {
  PublisherOptions o = test_options();
  o.queue_capacity = 8;
  Running p(o);
  Subscriber s(p.pub.port());
  s.login(1);
  expect_accepted(s, 1);
  Shard shard(p.pub);
  shard.run(2000);  // never waits: pushes fail once the queue is full
  EXPECT_FALSE(shard.all_pushed);
  EXPECT_TRUE(p.log.wait_for("md: feed broken: shard 0's market-data queue was full (8 records)")) << p.log.all();
  EXPECT_TRUE(s.read_to_end());
  EXPECT_TRUE(p.pub.stats().broken);
  Subscriber again(p.pub.port());
  again.login(0);
  Received r;
  ASSERT_TRUE(again.next(&r));
  EXPECT_EQ(r.type, soup::PacketType::debug);
  EXPECT_NE(r.payload.find("the feed is broken: shard 0's market-data queue was full"), std::string::npos);
  ASSERT_TRUE(again.next(&r));
  EXPECT_EQ(r.type, soup::PacketType::login_rejected);
}

TEST(Publisher, publishRestingStartsTheFeedsBooksEqualToARecoveredEngineEvenBeyondTheQueueSize) {
  // An engine with resting orders the feed never saw (as after a recovery).
  Collector sink;
  TestEngine eng{small_engine(), sink};
  for (uint32_t s = 0; s < 2; ++s) eng.add_symbol(engine::SymbolSpec{Qty(test_symbols()[s].lot), Qty(1'000'000)});
  RandomFlow flow(99, 2);
  for (int i = 0; i < 3000; ++i) flow.step(eng);
  ASSERT_GT(eng.resting_orders(), 16u);
  PublisherOptions o = test_options();
  o.queue_capacity = 8;  // fewer slots than resting orders: it must wait, not break the feed
  Running p(o);
  Subscriber s(p.pub.port());
  s.login(1);
  expect_accepted(s, 1);
  MdQueue& q = p.pub.queue(0);
  for (uint32_t k = 0; k < 2; ++k) {
    const TestSymbol& sym = test_symbols()[k];
    ASSERT_TRUE(publish_symbol(q, SymbolId(k), sym.locate, sym.name, sym.tick, Qty(sym.lot), ns_since_midnight()));
  }
  publish_resting(p.pub, 0, eng, ns_since_midnight());
  p.pub.stop();
  EXPECT_FALSE(p.pub.stats().broken);
  ASSERT_TRUE(s.read_to_end());
  itch::Book book;
  apply_all(book, s.sequenced);
  EXPECT_EQ(book.live_orders(), eng.resting_orders());
  // References are 1, 2, ... in the order published: the engine's priority order.
  uint64_t ref = 0;
  std::unordered_map<uint64_t, uint64_t> refs;
  for (uint32_t k = 0; k < 2; ++k) {
    for (Side side : {Side::buy, Side::sell}) {
      eng.for_each_order(SymbolId(k), side, [&](const engine::OrderView& v) { refs[v.id.value()] = ++ref; });
    }
  }
  EXPECT_TRUE(books_equal(eng, book, [&](OrderId id) { return refs[id.value()]; }));
}

}  // namespace
}  // namespace rialto::mdfeed::test
