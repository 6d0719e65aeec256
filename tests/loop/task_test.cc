// Executor: Task, spawn, block_on, FIFO run-to-completion, cancellation by
// destruction, and the rule that a throwing task ends alone.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "rialto/loop/event_loop.h"
#include "test_util.h"

namespace rialto::loop {
namespace {

using namespace std::chrono_literals;

// Counts live instances, to prove frames (and their locals) are destroyed.
struct Tracked {
  static inline int live = 0;
  Tracked() { ++live; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() { --live; }
};

Task<int> answer() { co_return 42; }

Task<int> add(int a, int b) {
  int x = co_await answer();
  co_return x - 42 + a + b;
}

TEST(Task, shouldReturnValueThroughBlockOn) {
  EventLoop loop;
  EXPECT_EQ(loop.block_on(add(2, 3)), 5);
}

TEST(Task, shouldNotRunUntilAwaitedOrSpawned) {
  int runs = 0;
  auto body = [](int& r) -> Task<void> {
    ++r;
    co_return;
  };
  {
    Task<void> t = body(runs);
    EXPECT_EQ(runs, 0);
  }
  EXPECT_EQ(runs, 0);
}

Task<std::string> thrower() {
  throw std::runtime_error("boom");
  co_return "unreachable";
}

Task<std::string> catcher() {
  try {
    co_return co_await thrower();
  } catch (const std::runtime_error& e) {
    co_return std::string("caught ") + e.what();
  }
}

TEST(Task, shouldPropagateExceptionToAwaitingParent) {
  EventLoop loop;
  EXPECT_EQ(loop.block_on(catcher()), "caught boom");
  EXPECT_THROW(loop.block_on(thrower()), std::runtime_error);
}

TEST(Task, shouldRunSpawnedTasksInFifoOrder) {
  EventLoop loop;
  std::vector<int> order;
  auto step = [](EventLoop& l, std::vector<int>& o, int id) -> Task<void> {
    o.push_back(id);
    co_await l.yield();
    o.push_back(id + 10);
  };
  for (int i = 0; i < 3; ++i) loop.spawn(step(loop, order, i)).detach();
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 10, 11, 12}));
  EXPECT_EQ(loop.live_tasks(), 0u);
}

TEST(Task, shouldLogAndEndOnlyTheThrowingTask) {
  test::LogCapture logs;
  EventLoop loop;
  int finished = 0;
  auto bad = [](EventLoop& l) -> Task<void> {
    co_await l.yield();
    throw std::logic_error("handler bug");
  };
  auto good = [](EventLoop& l, int& f) -> Task<void> {
    for (int i = 0; i < 5; ++i) co_await l.yield();
    ++f;
  };
  loop.spawn(good(loop, finished)).detach();
  JoinHandle h = loop.spawn(bad(loop));
  loop.spawn(good(loop, finished)).detach();
  loop.run();
  EXPECT_EQ(finished, 2);
  EXPECT_TRUE(h.done());
  EXPECT_TRUE(h.failed());
  EXPECT_TRUE(logs.contains("task ended by exception: handler bug")) << logs.all();
}

TEST(Task, shouldCancelSuspendedTaskByDestroyingItsFrame) {
  EventLoop loop;
  bool resumed = false;
  auto sleeper = [](EventLoop& l, bool& r) -> Task<void> {
    Tracked guard;
    co_await l.sleep_for(10s);
    r = true;
  };
  JoinHandle h = loop.spawn(sleeper(loop, resumed));
  auto canceller = [](EventLoop& l, JoinHandle& victim) -> Task<void> {
    co_await l.yield();  // let the sleeper reach its timer
    EXPECT_EQ(Tracked::live, 1);
    victim.cancel();
    EXPECT_EQ(Tracked::live, 0);
  };
  const auto start = Clock::now();
  loop.block_on(canceller(loop, h));
  loop.run();  // must return at once: nothing is live, the timer is gone
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_FALSE(resumed);
  EXPECT_TRUE(h.done());
  EXPECT_EQ(loop.live_tasks(), 0u);
}

TEST(Task, shouldCancelChildTaskWithItsParent) {
  EventLoop loop;
  auto child = [](EventLoop& l) -> Task<int> {
    Tracked guard;
    co_await l.sleep_for(10s);
    co_return 1;
  };
  auto parent = [](EventLoop& l, auto make_child) -> Task<void> {
    Tracked guard;
    co_await make_child(l);
  };
  JoinHandle h = loop.spawn(parent(loop, child));
  loop.block_on([](EventLoop& l) -> Task<void> { co_await l.yield(); }(loop));
  EXPECT_EQ(Tracked::live, 2);
  h.cancel();
  EXPECT_EQ(Tracked::live, 0);
}

TEST(Task, shouldCancelUnstartedSpawnedTask) {
  EventLoop loop;
  int runs = 0;
  auto body = [](int& r) -> Task<void> {
    ++r;
    co_return;
  };
  JoinHandle h = loop.spawn(body(runs));
  h.cancel();  // still in the ready queue: must be withdrawn from it
  loop.run();
  EXPECT_EQ(runs, 0);
}

TEST(Task, shouldFreeDetachedTaskWhenItFinishes) {
  EventLoop loop;
  auto body = [](EventLoop& l) -> Task<void> {
    Tracked guard;
    co_await l.yield();
  };
  loop.spawn(body(loop)).detach();
  EXPECT_EQ(Tracked::live, 0);  // not started yet
  loop.run();
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_EQ(loop.live_tasks(), 0u);
}

TEST(Task, shouldCancelLiveTasksWhenLoopIsDestroyed) {
  JoinHandle h;
  {
    EventLoop loop;
    auto body = [](EventLoop& l) -> Task<void> {
      Tracked guard;
      co_await l.sleep_for(10s);
    };
    h = loop.spawn(body(loop));
    loop.spawn(body(loop)).detach();
    loop.block_on([](EventLoop& l) -> Task<void> { co_await l.yield(); }(loop));
    EXPECT_EQ(Tracked::live, 2);
  }
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_TRUE(h.done());
}

TEST(Task, shouldStopRunWhenAsked) {
  EventLoop loop;
  int rounds = 0;
  auto spinner = [](EventLoop& l, int& r) -> Task<void> {
    for (;;) {
      if (++r == 100) l.stop();
      co_await l.yield();
    }
  };
  JoinHandle h = loop.spawn(spinner(loop, rounds));
  loop.run();
  EXPECT_EQ(rounds, 100);
  EXPECT_FALSE(h.done());
}

TEST(Task, shouldRunManySynchronousChildrenWithoutGrowingTheStack) {
  // Each child completes without suspending; symmetric transfer hands control
  // back to the parent as a tail call, so 100k children need no more stack
  // than one. The sanitizers disable those tail calls (every transfer then
  // nests), so there the test runs a count that fits an 8 MiB stack.
#if defined(RIALTO_SANITIZED)
  constexpr int kChildren = 2'000;
#else
  constexpr int kChildren = 100'000;
#endif
  auto leaf = []() -> Task<int> { co_return 1; };
  auto sum = [](auto make, int n) -> Task<long> {
    long s = 0;
    for (int i = 0; i < n; ++i) s += co_await make();
    co_return s;
  };
  EventLoop loop;
  EXPECT_EQ(loop.block_on(sum(leaf, kChildren)), kChildren);
}

}  // namespace
}  // namespace rialto::loop
