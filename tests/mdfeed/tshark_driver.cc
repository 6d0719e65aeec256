// A scripted market-data session on a given port, for tshark_test.sh: a
// publisher, a real engine as its shard, one subscriber from sequence 1
// (client heartbeats, then reading to End of Session) and one late joiner
// (snapshot as Unsequenced Data). Prints what the subscribers received, one
// "name count" per line, for the script to compare with tshark's decoding.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "flow.h"
#include "rialto/mdfeed/publisher.h"
#include "subscriber.h"

using namespace rialto;
using namespace rialto::mdfeed;
using namespace rialto::mdfeed::test;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  PublisherOptions o;
  o.port = static_cast<uint16_t>(std::atoi(argv[1]));
  o.session = "TSHARK0001";
  Publisher pub(o, [](std::string_view l) { std::fprintf(stderr, "%.*s\n", static_cast<int>(l.size()), l.data()); });
  std::string error;
  if (!pub.start(&error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  Subscriber from1(pub.port());
  from1.login(1, "TSHARK0001", "alice");
  Received r;
  if (!from1.next(&r) || r.type != soup::PacketType::login_accepted) return 1;
  from1.heartbeat();

  engine::EngineConfig ec;
  ec.max_orders = 4096;
  Collector sink;
  TestEngine eng(ec, sink);
  MdQueue& q = pub.queue(0);
  for (uint32_t s = 0; s < 2; ++s) {
    const TestSymbol& sym = test_symbols()[s];
    SymbolId id = eng.add_symbol(engine::SymbolSpec{Qty(sym.lot), Qty(1'000'000)});
    if (!publish_symbol(q, id, sym.locate, sym.name, sym.tick, Qty(sym.lot), ns_since_midnight())) return 1;
  }
  RandomFlow flow(2026, 2);
  auto run = [&](int n) {
    for (int i = 0; i < n; ++i) {
      flow.step(eng);
      for (const Event& e : sink.events) {
        if (!publish(q, e, ns_since_midnight())) return false;
      }
      sink.events.clear();
      pub.notify();
    }
    return true;
  };
  if (!run(100)) return 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Subscriber late(pub.port());
  late.login(0, "", "bob");
  if (!run(100)) return 1;
  from1.heartbeat();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  pub.stop();
  if (!from1.read_to_end() || !late.read_to_end()) return 1;
  std::printf("sequenced %zu\n", from1.sequenced.size() + late.sequenced.size());
  std::printf("unsequenced %zu\n", late.unsequenced.size());
  std::printf("messages %llu\n", static_cast<unsigned long long>(pub.stats().messages));
  return 0;
}
