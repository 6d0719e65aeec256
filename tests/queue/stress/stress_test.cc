// Multi-threaded stress tests for SpscRing and MpscQueue, run in every build
// and under ThreadSanitizer. Each test checks, after the threads joined:
//   - every element the consumer took arrived exactly once, in FIFO
//     (per-producer) order;
//   - what is still queued is exactly the rest, in order: as many live
//     Tracked elements as were left, half of them popped and checked, the
//     other half left for the queue's destructor;
//   - no Tracked element leaked or was destroyed twice (live count is 0,
//     no use of a destroyed element), including those the destructor ends.
// Tiny capacities make full and empty (and wrap-around) happen constantly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "rialto/queue/mpsc_queue.h"
#include "rialto/queue/spsc_ring.h"
#include "rialto/queue/wait.h"
#include "tracked.h"

namespace rialto::queue {
namespace {

using testing::Tracked;

#if defined(RIALTO_SANITIZED)
constexpr std::uint64_t kScale = 3;  // sanitizers slow every access 5-20x
#else
constexpr std::uint64_t kScale = 10;
#endif

// Spins briefly, then yields: the tests run on machines with fewer cores
// than threads, where pure spinning would wait for a whole time slice.
class Spinner {
 public:
  void operator()() noexcept {
    if (++n_ % 64 == 0) {
      std::this_thread::yield();
    } else {
      cpu_relax();
    }
  }

 private:
  unsigned n_ = 0;
};

class QueueStress : public ::testing::Test {
 protected:
  void SetUp() override { Tracked::reset(); }
  void TearDown() override {
    EXPECT_EQ(Tracked::live(), 0) << "leaked or double-destroyed elements";
    EXPECT_EQ(Tracked::misuses(), 0) << "use of a destroyed element";
  }
};

// Producer sends 1..n with a random mix of single and bulk pushes; consumer
// takes with a random mix of single and bulk pops and stops `leftover`
// elements short, leaving them for the ring's destructor.
template <std::size_t Capacity>
void spsc_round_trip(std::uint64_t n, std::uint64_t leftover) {
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  {
    SpscRing<Tracked, Capacity> q;
    std::thread producer([&] {
      std::mt19937 rng(1);
      Spinner spin;
      std::uint64_t next = 1;
      std::vector<Tracked> batch;
      while (next <= n) {
        if (rng() % 3 == 0) {
          batch.clear();
          const std::uint64_t k = std::min<std::uint64_t>(1 + rng() % (2 * Capacity), n - next + 1);
          for (std::uint64_t i = 0; i < k; ++i) batch.emplace_back(next + i);
          std::size_t done = 0;
          while (done < k) {
            const std::size_t m = q.try_push_bulk(batch.begin() + static_cast<std::ptrdiff_t>(done), k - done);
            if (m == 0) spin();
            done += m;
          }
          next += k;
        } else {
          while (!q.try_emplace(next)) spin();
          ++next;
        }
      }
    });
    std::thread consumer([&] {
      std::mt19937 rng(2);
      Spinner spin;
      std::uint64_t expect = 1;
      const std::uint64_t want = n - leftover;
      while (received < want) {
        std::size_t got = 0;
        if (rng() % 2 == 0) {
          got = q.consume_bulk(std::min<std::uint64_t>(1 + rng() % (2 * Capacity), want - received),
                               [&](Tracked& t) noexcept {
                                 if (t.value() != expect) ++out_of_order;
                                 ++expect;
                               });
        } else {
          Tracked t;
          if (q.try_pop(t)) {
            if (t.value() != expect) ++out_of_order;
            ++expect;
            got = 1;
          }
        }
        received += got;
        if (got == 0) spin();
      }
    });
    producer.join();
    consumer.join();
    EXPECT_EQ(received, n - leftover);
    EXPECT_EQ(out_of_order, 0u);
    // Still queued: exactly n - leftover + 1 .. n, and nothing else is alive.
    EXPECT_EQ(q.size_guess(), leftover);
    EXPECT_EQ(Tracked::live(), static_cast<std::int64_t>(leftover));
    std::uint64_t expect = n - leftover + 1;
    for (std::uint64_t i = 0; i < leftover / 2; ++i, ++expect) {
      Tracked t;
      ASSERT_TRUE(q.try_pop(t));
      EXPECT_EQ(t.value(), expect);
    }
    if (expect <= n) {
      ASSERT_NE(q.front(), nullptr);
      EXPECT_EQ(q.front()->value(), expect);
    }
    EXPECT_EQ(Tracked::live(), static_cast<std::int64_t>(leftover - leftover / 2));
  }  // the ring's destructor ends the rest
}

TEST_F(QueueStress, spscShouldDeliverEverythingInOrderThroughTinyRing) {
  spsc_round_trip<2>(20'000 * kScale, 1);
}

TEST_F(QueueStress, spscShouldDeliverEverythingInOrderThroughSmallRing) {
  spsc_round_trip<16>(100'000 * kScale, 13);
}

TEST_F(QueueStress, spscShouldDeliverEverythingInOrderThroughBenchmarkSizedRing) {
  spsc_round_trip<1024>(100'000 * kScale, 1000);
}

// Bursts separated by sleeps long enough that the consumer escalates to the
// futex; a lost wake-up would hang the test (ctest timeout).
TEST_F(QueueStress, spscShouldWakeParkedConsumer) {
  constexpr std::uint64_t kBursts = 200;
  constexpr std::uint64_t kBurst = 50;
  SpscRing<Tracked, 8> q;
  EventCount ec;
  std::uint64_t out_of_order = 0;
  std::thread consumer([&] {
    Tracked t;
    for (std::uint64_t i = 1; i <= kBursts * kBurst; ++i) {
      q.pop_wait(t, ec);
      if (t.value() != i) ++out_of_order;
    }
  });
  std::mt19937 rng(3);
  Spinner spin;
  std::uint64_t next = 1;
  for (std::uint64_t b = 0; b < kBursts; ++b) {
    if (rng() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200 + rng() % 300));
    for (std::uint64_t i = 0; i < kBurst; ++i) {
      while (!q.try_emplace(next)) spin();
      ec.notify();
      ++next;
    }
  }
  consumer.join();
  EXPECT_EQ(out_of_order, 0u);
  Tracked extra;
  EXPECT_FALSE(q.try_pop(extra)) << "more elements came out than went in";
  EXPECT_EQ(Tracked::live(), 1) << "only `extra` is alive";
}

// Each producer p sends (p << 32) | 1 .. (p << 32) | per_producer; the
// consumer checks every producer's sequence is 1, 2, 3, ...
template <std::size_t Capacity>
void mpsc_round_trip(unsigned producers, std::uint64_t per_producer, std::uint64_t leftover,
                     bool park) {
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  {
    MpscQueue<Tracked, Capacity> q;
    EventCount ec;
    std::vector<std::thread> threads;
    for (unsigned p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        Spinner spin;
        std::mt19937 rng(p);
        for (std::uint64_t i = 1; i <= per_producer; ++i) {
          const std::uint64_t v = (std::uint64_t{p} << 32) | i;
          while (!q.try_emplace(v)) spin();
          if (park) {
            ec.notify();
            if (rng() % 512 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
          }
        }
      });
    }
    std::vector<std::uint64_t> next(producers, 1);
    // Takes one element; false when it is not the next of its producer.
    auto in_order = [&](const Tracked& t) {
      const std::uint64_t p = t.value() >> 32;
      const std::uint64_t seq = t.value() & 0xffffffffu;
      if (p >= producers || seq != next[p]) return false;
      ++next[p];
      return true;
    };
    std::thread consumer([&] {
      Spinner spin;
      const std::uint64_t want = producers * per_producer - leftover;
      Tracked t;
      while (received < want) {
        if (park) {
          q.pop_wait(t, ec);
        } else if (!q.try_pop(t)) {
          spin();
          continue;
        }
        if (!in_order(t)) ++out_of_order;
        ++received;
      }
    });
    for (std::thread& t : threads) t.join();
    consumer.join();
    EXPECT_EQ(out_of_order, 0u);
    // Still queued: per producer, the sequence numbers from next[p] on, and
    // nothing else is alive. Half are popped and checked here, in order; the
    // rest are left for the queue's destructor.
    EXPECT_EQ(Tracked::live(), static_cast<std::int64_t>(leftover));
    for (std::uint64_t i = 0; i < leftover / 2; ++i) {
      Tracked t;
      ASSERT_TRUE(q.try_pop(t));
      EXPECT_TRUE(in_order(t)) << "queued element " << t.value() << " is not its producer's next";
    }
    EXPECT_EQ(Tracked::live(), static_cast<std::int64_t>(leftover - leftover / 2));
    if (leftover - leftover / 2 > 0) {
      ASSERT_NE(q.front(), nullptr);
      EXPECT_TRUE(in_order(*q.front())) << "queued element " << q.front()->value() << " is not its producer's next";
    }
  }  // the queue's destructor ends the rest
}

TEST_F(QueueStress, mpscShouldKeepPerProducerFifoThroughTinyQueue) {
  mpsc_round_trip<2>(4, 5'000 * kScale, 2, false);
}

TEST_F(QueueStress, mpscShouldKeepPerProducerFifoThroughSmallQueue) {
  mpsc_round_trip<16>(4, 20'000 * kScale, 9, false);
}

TEST_F(QueueStress, mpscShouldKeepPerProducerFifoThroughBenchmarkSizedQueue) {
  mpsc_round_trip<1024>(3, 30'000 * kScale, 700, false);
}

TEST_F(QueueStress, mpscShouldWakeParkedConsumer) {
  mpsc_round_trip<8>(2, 5'000, 0, true);
}

}  // namespace
}  // namespace rialto::queue
