// Timer wheel: differential test against a sorted oracle on a fake clock, and
// real sleeps on the loop firing in order.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "rialto/loop/event_loop.h"

namespace rialto::loop {
namespace {

using namespace std::chrono_literals;
using detail::List;
using detail::TimerNode;
using detail::TimerWheel;

constexpr std::int64_t kTick = TimerWheel::kTickNs;

std::vector<int> drain_ids(List& ready) {
  std::vector<int> ids;
  while (auto* n = ready.pop_front()) ids.push_back(static_cast<int>(reinterpret_cast<std::intptr_t>(static_cast<TimerNode*>(n)->ctx)));
  return ids;
}

TEST(TimerWheel, shouldMatchSortedOracleUnderRandomArmCancelAdvance) {
  std::mt19937_64 rng(12345);
  const std::int64_t t0 = 1'000'000 * kTick + 123'456;  // not tick-aligned
  TimerWheel wheel(t0);
  List ready;
  std::vector<std::unique_ptr<TimerNode>> nodes;
  // Oracle: (deadline rounded up to the tick, deadline, arm order) -> id.
  std::map<std::tuple<std::int64_t, std::int64_t, int>, int> pending;
  std::map<int, std::tuple<std::int64_t, std::int64_t, int>> key_of;
  std::int64_t now = t0;
  int armed = 0;
  for (int step = 0; step < 20'000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      // Mostly near, sometimes several rotations away, sometimes already due.
      std::int64_t delta;
      switch (rng() % 4) {
        case 0: delta = static_cast<std::int64_t>(rng() % (3 * TimerWheel::kSlots)) * kTick; break;
        case 1: delta = -static_cast<std::int64_t>(rng() % (5 * kTick)); break;
        default: delta = static_cast<std::int64_t>(rng() % (20 * kTick)); break;
      }
      const int id = armed++;
      nodes.push_back(std::make_unique<TimerNode>(&detail::Waiter::resume_handle,
                                                  reinterpret_cast<void*>(static_cast<std::intptr_t>(id))));
      const std::int64_t deadline = now + delta;
      wheel.arm(*nodes.back(), deadline, ready);
      const std::int64_t tick = (deadline + kTick - 1) / kTick;
      auto key = std::make_tuple(tick, deadline, id);
      if (tick <= now / kTick) {
        // Already due: goes straight to the ready list.
        ASSERT_EQ(drain_ids(ready), std::vector<int>{id});
      } else {
        pending[key] = id;
        key_of[id] = key;
      }
    } else if (op < 7 && !key_of.empty()) {
      auto it = key_of.begin();
      std::advance(it, static_cast<long>(rng() % key_of.size()));
      nodes[static_cast<std::size_t>(it->first)]->unlink();  // cancel
      pending.erase(it->second);
      key_of.erase(it);
    } else {
      now += static_cast<std::int64_t>(rng() % (3 * kTick));
      if (rng() % 50 == 0) now += static_cast<std::int64_t>(rng() % (4 * TimerWheel::kSlots)) * kTick;
      wheel.advance(now, ready);
      std::vector<std::tuple<std::int64_t, int, int>> due;  // deadline, arm order, id
      const std::int64_t now_tick = now / kTick;
      for (auto it = pending.begin(); it != pending.end() && std::get<0>(it->first) <= now_tick;) {
        due.emplace_back(std::get<1>(it->first), std::get<2>(it->first), it->second);
        key_of.erase(it->second);
        it = pending.erase(it);
      }
      std::sort(due.begin(), due.end());
      std::vector<int> expected;
      for (auto& d : due) expected.push_back(std::get<2>(d));
      ASSERT_EQ(drain_ids(ready), expected) << "step " << step;
      // Never late: the wheel's sleep never passes the earliest pending tick.
      if (!pending.empty()) {
        const int ms = wheel.timeout_ms(now);
        const std::int64_t first_tick = std::get<0>(pending.begin()->first);
        ASSERT_GE(ms, 0);
        ASSERT_LE(now + static_cast<std::int64_t>(ms) * 1'000'000, first_tick * kTick + 1'000'000);
      }
    }
  }
}

TEST(Timers, shouldFireInDeadlineOrderThenArmingOrder) {
  EventLoop loop;
  std::vector<int> fired;
  auto sleeper = [](EventLoop& l, std::vector<int>& f, Deadline at, int id) -> Task<void> {
    co_await l.sleep_until(at);
    f.push_back(id);
  };
  const auto base = Clock::now() + 20ms;
  // Armed out of order; ids 3 and 4 share a deadline and must fire 3 then 4.
  const int offsets_ms[] = {12, 2, 8, 4, 4, 0, 6};
  for (int id = 0; id < 7; ++id) {
    loop.spawn(sleeper(loop, fired, base + std::chrono::milliseconds(offsets_ms[id]), id)).detach();
  }
  loop.run();
  EXPECT_EQ(fired, (std::vector<int>{5, 1, 3, 4, 6, 2, 0}));
}

TEST(Timers, shouldNotFireBeforeDeadline) {
  EventLoop loop;
  auto body = [](EventLoop& l) -> Task<Clock::duration> {
    const auto start = Clock::now();
    co_await l.sleep_for(15ms);
    co_return Clock::now() - start;
  };
  const auto slept = loop.block_on(body(loop));
  EXPECT_GE(slept, 15ms);
  EXPECT_LT(slept, 2s);  // generous: shared CI machines
}

TEST(Timers, shouldCompletePastDeadlineWithoutSuspending) {
  EventLoop loop;
  auto body = [](EventLoop& l) -> Task<int> {
    co_await l.sleep_until(Clock::now() - 1s);
    co_await l.sleep_for(0ms);
    co_return 7;
  };
  EXPECT_EQ(loop.block_on(body(loop)), 7);
}

TEST(Timers, shouldWithdrawTimerWhenSleepingTaskIsCancelled) {
  EventLoop loop;
  int woke = 0;
  auto sleeper = [](EventLoop& l, int& w) -> Task<void> {
    co_await l.sleep_for(5ms);
    ++w;
  };
  std::vector<JoinHandle> handles;
  for (int i = 0; i < 10; ++i) handles.push_back(loop.spawn(sleeper(loop, woke)));
  loop.block_on([](EventLoop& l) -> Task<void> { co_await l.yield(); }(loop));
  for (int i = 0; i < 10; i += 2) handles[static_cast<std::size_t>(i)].cancel();
  loop.run();
  EXPECT_EQ(woke, 5);
}

}  // namespace
}  // namespace rialto::loop
