// Hand-off from other threads through the concurrency kit's MpscQueue (a
// bounded, lock-free queue) to a task on the loop, woken by a Notifier: the
// path a gateway loop uses to receive work from the matching thread.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "rialto/loop/event_loop.h"
#include "rialto/loop/notifier.h"
#include "rialto/queue/mpsc_queue.h"

namespace rialto::loop {
namespace {

template <bool kBusyPoll>
void hand_off() {
  constexpr int kProducers = 2;
  constexpr std::uint64_t kPerProducer = 50'000;
  constexpr std::uint64_t kTotal = kProducers * kPerProducer;
  rialto::queue::MpscQueue<std::uint64_t, 256> q;  // small: producers hit "full" too
  EventLoop loop(LoopConfig{.busy_poll = kBusyPoll});
  Notifier inbox(loop);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (std::uint64_t i = 0; i < kPerProducer; ++i) {
        // Per-producer sequence in the low bits, producer id on top.
        const std::uint64_t v = (static_cast<std::uint64_t>(p) << 32) | i;
        while (!q.try_push(v)) std::this_thread::yield();  // back-pressure: full
        inbox.notify();
      }
    });
  }
  auto consumer = [](rialto::queue::MpscQueue<std::uint64_t, 256>& queue, Notifier& n) -> Task<bool> {
    std::uint64_t next[kProducers] = {};
    std::uint64_t got = 0;
    bool in_order = true;
    while (got < kTotal) {
      std::uint64_t v = 0;
      while (queue.try_pop(v)) {
        const auto p = static_cast<std::size_t>(v >> 32);
        in_order = in_order && p < kProducers && (v & 0xFFFF'FFFFu) == next[p];
        if (p < kProducers) ++next[p];
        ++got;
      }
      if (got < kTotal) co_await n.wait();
    }
    co_return in_order;
  };
  const bool in_order = loop.block_on(consumer(q, inbox));
  for (auto& t : producers) t.join();
  EXPECT_TRUE(in_order) << "every item once, FIFO per producer";
}

TEST(QueueHandoff, shouldDeliverEveryItemFifoPerProducerThroughMpscQueue) { hand_off<false>(); }
TEST(QueueHandoff, shouldDeliverEveryItemFifoPerProducerInBusyPollMode) { hand_off<true>(); }

}  // namespace
}  // namespace rialto::loop
