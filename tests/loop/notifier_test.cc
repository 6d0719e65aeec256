// Cross-thread hand-off: producers on other threads push into a queue the
// caller owns and notify(); a task on the loop drains it. Checked with a
// checksum and counts, in sleeping and busy-poll modes, under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "rialto/loop/event_loop.h"
#include "rialto/loop/notifier.h"

namespace rialto::loop {
namespace {

using namespace std::chrono_literals;

// The simplest correct multi-producer queue: the loop must work with any queue
// that has try_push / try_pop.
template <class T>
class LockedQueue {
 public:
  [[nodiscard]] bool try_push(T v) {
    std::lock_guard lock(m_);
    q_.push_back(std::move(v));
    return true;
  }
  std::optional<T> try_pop() {
    std::lock_guard lock(m_);
    if (q_.empty()) return std::nullopt;
    T v = std::move(q_.front());
    q_.pop_front();
    return v;
  }

 private:
  std::mutex m_;
  std::deque<T> q_;
};

struct Totals {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::uint64_t wakeups = 0;
};

Task<void> consume(EventLoop& loop, LockedQueue<std::uint64_t>& q, Notifier& inbox, std::uint64_t expected,
                   Totals& t) {
  const auto give_up = Clock::now() + 20s;
  while (t.count < expected && Clock::now() < give_up) {
    while (auto v = q.try_pop()) {
      ++t.count;
      t.sum += *v;
    }
    if (t.count == expected) break;
    co_await inbox.wait();
    ++t.wakeups;
  }
  (void)loop;
}

void run_producers(bool busy_poll) {
  constexpr int kProducers = 3;
  constexpr std::uint64_t kPerProducer = 20'000;
  EventLoop loop(LoopConfig{.busy_poll = busy_poll});
  Notifier inbox(loop);
  LockedQueue<std::uint64_t> q;
  Totals t;
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 0; i < kPerProducer; ++i) {
        const std::uint64_t v = static_cast<std::uint64_t>(p) * kPerProducer + i;
        if (q.try_push(v)) inbox.notify();
        if (i % 1000 == 0) std::this_thread::sleep_for(50us);  // let the loop go to sleep
      }
    });
  }
  // A lost wake-up would leave consume() asleep: ctest's TIMEOUT fails it.
  go.store(true, std::memory_order_release);
  const std::uint64_t n = kProducers * kPerProducer;
  loop.block_on(consume(loop, q, inbox, n, t));
  for (auto& th : producers) th.join();
  EXPECT_EQ(t.count, n);
  EXPECT_EQ(t.sum, n * (n - 1) / 2);
  EXPECT_GT(t.wakeups, 0u);
  EXPECT_LE(t.wakeups, n);  // coalesced: never more wake-ups than items
}

TEST(Notifier, shouldDeliverEveryItemFromManyProducers) { run_producers(false); }

TEST(Notifier, shouldDeliverEveryItemInBusyPollMode) { run_producers(true); }

TEST(Notifier, shouldNotLoseNotifyThatHappensBeforeWait) {
  EventLoop loop;
  Notifier inbox(loop);
  inbox.notify();
  inbox.notify();  // coalesces with the first
  auto body = [](EventLoop& l, Notifier& n) -> Task<int> {
    co_await n.wait();  // completes at once
    // A second wait must now block: prove it with a deadline race.
    bool woke = false;
    auto waiter = [](Notifier& nn, bool& w) -> Task<void> {
      co_await nn.wait();
      w = true;
    };
    JoinHandle h = l.spawn(waiter(n, woke));
    co_await l.sleep_for(5ms);
    EXPECT_FALSE(woke);
    h.cancel();  // a pending wait can be cancelled
    co_return 1;
  };
  EXPECT_EQ(loop.block_on(body(loop, inbox)), 1);
}

TEST(Notifier, shouldWakeSleepingLoopFromAnotherThread) {
  EventLoop loop;
  Notifier inbox(loop);
  std::atomic<int> value{0};
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);  // the loop is asleep in epoll_wait by now
    value.store(42, std::memory_order_relaxed);
    inbox.notify();
  });
  auto body = [](Notifier& n, std::atomic<int>& v) -> Task<int> {
    co_await n.wait();
    co_return v.load(std::memory_order_relaxed);
  };
  const auto start = Clock::now();
  EXPECT_EQ(loop.block_on(body(inbox, value)), 42);
  EXPECT_LT(Clock::now() - start, 5s);
  producer.join();
}

}  // namespace
}  // namespace rialto::loop
