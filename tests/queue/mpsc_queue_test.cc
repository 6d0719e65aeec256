// Single-threaded behaviour of MpscQueue: edges, element lifetimes, and a
// differential run against std::deque.
#include "rialto/queue/mpsc_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>

#include "tracked.h"

namespace rialto::queue {
namespace {

using testing::Tracked;

class MpscQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { Tracked::reset(); }
  void TearDown() override {
    EXPECT_EQ(Tracked::live(), 0) << "leaked or double-destroyed elements";
    EXPECT_EQ(Tracked::misuses(), 0) << "use of a destroyed element";
  }
};

TEST_F(MpscQueueTest, shouldReportEmptyWhenNothingPushed) {
  MpscQueue<int, 4> q;
  int out = -1;
  EXPECT_FALSE(q.try_pop(out));
  EXPECT_EQ(out, -1);
  EXPECT_EQ(q.front(), nullptr);
  EXPECT_EQ(q.capacity(), 4u);
}

TEST_F(MpscQueueTest, shouldUseEverySlotThenRejectWriteWhenFull) {
  MpscQueue<int, 4> q;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
  EXPECT_FALSE(q.try_push(99));
  int out = -1;
  ASSERT_TRUE(q.try_pop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(q.try_push(4)) << "a freed slot must be reusable";
  EXPECT_FALSE(q.try_push(5));
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(q.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(q.try_pop(out));
}

TEST_F(MpscQueueTest, shouldKeepFifoOrderAcrossManyWrapArounds) {
  MpscQueue<std::uint64_t, 2> q;
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

TEST_F(MpscQueueTest, shouldPeekWithFrontAndRemoveWithPop) {
  MpscQueue<Tracked, 4> q;
  ASSERT_TRUE(q.try_emplace(7u));
  Tracked* f = q.front();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->value(), 7u);
  q.pop();
  EXPECT_EQ(Tracked::live(), 0);
  EXPECT_EQ(q.front(), nullptr);
}

TEST_F(MpscQueueTest, shouldNotConstructWhenPushFails) {
  MpscQueue<Tracked, 2> q;
  ASSERT_TRUE(q.try_emplace(1u));
  ASSERT_TRUE(q.try_emplace(2u));
  EXPECT_FALSE(q.try_emplace(3u));
  EXPECT_EQ(Tracked::live(), 2);
}

TEST_F(MpscQueueTest, shouldDestroyRemainingElementsOnDestruction) {
  {
    MpscQueue<Tracked, 4> q;
    for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(q.try_emplace(i));
    Tracked t;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.try_pop(t));
    for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(q.try_emplace(i));
    EXPECT_EQ(Tracked::live(), 5);
  }
  EXPECT_EQ(Tracked::live(), 0);
}

TEST_F(MpscQueueTest, shouldMoveOnlyTypesThrough) {
  MpscQueue<std::unique_ptr<int>, 2> q;
  ASSERT_TRUE(q.try_push(std::make_unique<int>(42)));
  std::unique_ptr<int> out;
  ASSERT_TRUE(q.try_pop(out));
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 42);
}

TEST_F(MpscQueueTest, shouldMatchDequeOracleUnderRandomOperations) {
  MpscQueue<Tracked, 8> q;
  std::deque<std::uint64_t> oracle;
  std::mt19937_64 rng(7);
  std::uint64_t next = 0;
  for (int step = 0; step < 200'000; ++step) {
    if (rng() % 2 == 0) {
      const bool ok = q.try_emplace(next);
      ASSERT_EQ(ok, oracle.size() < 8) << "step " << step;
      if (ok) oracle.push_back(next++);
    } else {
      Tracked t;
      const bool ok = q.try_pop(t);
      ASSERT_EQ(ok, !oracle.empty()) << "step " << step;
      if (ok) {
        ASSERT_EQ(t.value(), oracle.front()) << "step " << step;
        oracle.pop_front();
      }
    }
  }
}

}  // namespace
}  // namespace rialto::queue
