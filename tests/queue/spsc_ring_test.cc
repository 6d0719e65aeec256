// Single-threaded behaviour of SpscRing: edges, bulk operations, element
// lifetimes, and a differential run against std::deque.
#include "rialto/queue/spsc_ring.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "tracked.h"

namespace rialto::queue {
namespace {

using testing::Tracked;

class SpscRingTest : public ::testing::Test {
 protected:
  void SetUp() override { Tracked::reset(); }
  void TearDown() override {
    EXPECT_EQ(Tracked::live(), 0) << "leaked or double-destroyed elements";
    EXPECT_EQ(Tracked::misuses(), 0) << "use of a destroyed element";
  }
};

TEST_F(SpscRingTest, shouldReportEmptyWhenNothingPushed) {
  SpscRing<int, 4> q;
  int out = -1;
  EXPECT_FALSE(q.try_pop(out));
  EXPECT_EQ(out, -1);
  EXPECT_EQ(q.front(), nullptr);
  EXPECT_TRUE(q.empty_guess());
  EXPECT_EQ(q.capacity(), 4u);
}

TEST_F(SpscRingTest, shouldUseEverySlotThenRejectWriteWhenFull) {
  SpscRing<int, 4> q;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
  EXPECT_FALSE(q.try_push(99));
  EXPECT_EQ(q.size_guess(), 4u);
  int out = -1;
  ASSERT_TRUE(q.try_pop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(q.try_push(4)) << "a freed slot must be reusable";
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(q.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(q.try_pop(out));
}

TEST_F(SpscRingTest, shouldKeepFifoOrderAcrossManyWrapArounds) {
  SpscRing<std::uint64_t, 2> q;
  std::uint64_t out = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(q.try_push(i));
    ASSERT_TRUE(q.try_push(i + 1'000'000));
    ASSERT_FALSE(q.try_push(0));
    ASSERT_TRUE(q.try_pop(out));
    ASSERT_EQ(out, i);
    ASSERT_TRUE(q.try_pop(out));
    ASSERT_EQ(out, i + 1'000'000);
    ASSERT_FALSE(q.try_pop(out));
  }
}

TEST_F(SpscRingTest, shouldPeekWithFrontAndRemoveWithPop) {
  SpscRing<Tracked, 4> q;
  ASSERT_TRUE(q.try_emplace(7u));
  Tracked* f = q.front();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->value(), 7u);
  EXPECT_EQ(Tracked::live(), 1);
  q.pop();
  EXPECT_EQ(Tracked::live(), 0);
  EXPECT_EQ(q.front(), nullptr);
}

TEST_F(SpscRingTest, shouldPushOnlyWhatFitsInBulk) {
  SpscRing<int, 8> q;
  std::array<int, 5> a{1, 2, 3, 4, 5};
  EXPECT_EQ(q.try_push_bulk(a.begin(), a.size()), 5u);
  EXPECT_EQ(q.try_push_bulk(a.begin(), a.size()), 3u);
  EXPECT_EQ(q.try_push_bulk(a.begin(), a.size()), 0u);
  std::vector<int> out;
  EXPECT_EQ(q.try_pop_bulk(std::back_inserter(out), 6), 6u);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3, 4, 5, 1}));
  EXPECT_EQ(q.try_pop_bulk(std::back_inserter(out), 6), 2u);
  EXPECT_EQ(q.try_pop_bulk(std::back_inserter(out), 6), 0u);
  EXPECT_EQ(out.back(), 3);
}

TEST_F(SpscRingTest, shouldConsumeAndDestroyInBulk) {
  SpscRing<Tracked, 8> q;
  for (std::uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(q.try_emplace(i));
  std::uint64_t sum = 0;
  EXPECT_EQ(q.consume_bulk(4, [&sum](Tracked& t) noexcept { sum += t.value(); }), 4u);
  EXPECT_EQ(sum, 0u + 1 + 2 + 3);
  EXPECT_EQ(Tracked::live(), 2);
}

TEST_F(SpscRingTest, shouldDestroyRemainingElementsOnDestruction) {
  {
    SpscRing<Tracked, 4> q;
    // Wrap once so that the remaining elements straddle the array's end.
    for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(q.try_emplace(i));
    Tracked t;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.try_pop(t));
    for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(q.try_emplace(i));
    EXPECT_EQ(Tracked::live(), 5);
  }
  EXPECT_EQ(Tracked::live(), 0);
}

TEST_F(SpscRingTest, shouldMoveOnlyTypesThrough) {
  SpscRing<std::unique_ptr<int>, 2> q;
  ASSERT_TRUE(q.try_push(std::make_unique<int>(42)));
  std::unique_ptr<int> out;
  ASSERT_TRUE(q.try_pop(out));
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 42);
}

TEST_F(SpscRingTest, shouldNotConstructWhenPushFails) {
  SpscRing<Tracked, 2> q;
  ASSERT_TRUE(q.try_emplace(1u));
  ASSERT_TRUE(q.try_emplace(2u));
  EXPECT_EQ(Tracked::live(), 2);
  EXPECT_FALSE(q.try_emplace(3u));
  EXPECT_EQ(Tracked::live(), 2);
}

// The ring against std::deque, fed the same random mix of single and bulk
// operations; capacity 8 so full and empty are hit often.
TEST_F(SpscRingTest, shouldMatchDequeOracleUnderRandomOperations) {
  SpscRing<Tracked, 8> q;
  std::deque<std::uint64_t> oracle;
  std::mt19937_64 rng(20240611);
  std::uint64_t next = 0;
  for (int step = 0; step < 200'000; ++step) {
    const auto op = rng() % 4;
    const std::size_t n = 1 + rng() % 10;
    if (op == 0) {
      const bool ok = q.try_emplace(next);
      ASSERT_EQ(ok, oracle.size() < 8) << "step " << step;
      if (ok) oracle.push_back(next++);
    } else if (op == 1) {
      std::vector<Tracked> batch;
      for (std::size_t i = 0; i < n; ++i) batch.emplace_back(next + i);
      const std::size_t pushed = q.try_push_bulk(batch.begin(), n);
      ASSERT_EQ(pushed, std::min(n, 8 - oracle.size())) << "step " << step;
      for (std::size_t i = 0; i < pushed; ++i) oracle.push_back(next++);
    } else if (op == 2) {
      Tracked t;
      const bool ok = q.try_pop(t);
      ASSERT_EQ(ok, !oracle.empty()) << "step " << step;
      if (ok) {
        ASSERT_EQ(t.value(), oracle.front()) << "step " << step;
        oracle.pop_front();
      }
    } else {
      std::size_t seen = 0;
      const std::size_t got = q.consume_bulk(n, [&](Tracked& t) noexcept {
        if (seen < oracle.size() && t.value() == oracle[seen]) ++seen;
      });
      ASSERT_EQ(got, std::min(n, oracle.size())) << "step " << step;
      ASSERT_EQ(seen, got) << "step " << step;
      oracle.erase(oracle.begin(), oracle.begin() + static_cast<std::ptrdiff_t>(got));
    }
    ASSERT_EQ(q.size_guess(), oracle.size());
  }
}

}  // namespace
}  // namespace rialto::queue
