// Shard side, at start after a recovery: the engine already holds resting
// orders the feed has never seen (recovery replays inputs with their outputs
// suppressed). publish_resting() hands each of them to the feed as a `rested`
// event, so that the feed's books start equal to the engine's.
//
// Thread safety: the shard's thread (the queue's producer), before it applies
// any live input. Unlike publish(), it waits for room in the queue (notifying
// the publisher), so a book larger than the queue does not break the feed;
// it must therefore never be called while matching.
#pragma once

#include <thread>

#include "rialto/engine/engine.h"
#include "rialto/mdfeed/publisher.h"

namespace rialto::mdfeed {

/// Precondition: every symbol of `eng` was already published with
/// publish_symbol() on queue `k`. Per symbol, bids then asks, each side in
/// priority order (an Add Order joins the back of its level).
template <class Engine>
void publish_resting(Publisher& pub, uint32_t k, const Engine& eng, uint64_t timestamp_ns) {
  MdQueue& q = pub.queue(k);
  for (uint32_t s = 0; s < eng.symbol_count(); ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      eng.for_each_order(SymbolId(s), side, [&](const engine::OrderView& o) {
        Event e{};
        e.id = o.id;
        e.symbol = o.symbol;
        e.side = o.side;
        e.price = o.price;
        e.qty = o.open;
        e.type = EventType::rested;
        while (q.write_available() == 0) {
          pub.notify();
          std::this_thread::yield();
        }
        (void)publish(q, e, timestamp_ns);  // room was checked: cannot fail
      });
    }
  }
  pub.notify();
}

}  // namespace rialto::mdfeed
