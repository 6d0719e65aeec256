// EventLoop: a single-threaded executor of Task coroutines driven by an
// edge-triggered epoll reactor and a hashed timer wheel.
// docs/EVENT_LOOP.md has the design, the rules and the measurements.
//
// One round of the loop:
//   1. run the waiters that were ready when the round began, FIFO, each until
//      it next suspends (run-to-completion; work made ready meanwhile waits for
//      the next round, so I/O is polled between batches and cannot starve);
//   2. epoll_wait: without blocking if work is ready or busy_poll is set,
//      otherwise until the earliest timer slot; readiness moves the waiting
//      waiters to the ready queue;
//   3. expire timers into the ready queue in deadline order.
//
// Thread safety: everything except Notifier::notify must be called on the
// thread that runs the loop. One loop per thread; a loop is not re-entrant
// (no block_on inside a task).
//
// Invariants:
//   - user code never runs while a batch of epoll events is being processed,
//     so an IoState seen in that batch cannot have been destroyed;
//   - a waiter is in at most one of: the ready queue, a timer slot, an
//     IoState reader/writer slot (timers and I/O use separate waiters);
//   - no allocation per operation in steady state: the ready queue and timer
//     slots are intrusive, the event array and the expiry scratch vector are
//     sized once and only grow.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <sys/epoll.h>

#include "rialto/loop/task.h"

namespace rialto::loop {

using Clock = std::chrono::steady_clock;
// An absolute point after which an operation gives up with ETIMEDOUT.
using Deadline = Clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

struct LoopConfig {
  // Spin on epoll_wait(timeout 0) instead of sleeping: lowest wake-up latency,
  // one core at 100%. Notifier::notify then skips the eventfd write too.
  bool busy_poll = false;
  // epoll events taken per system call.
  int max_events = 256;
};

namespace detail {

// Readiness of one file descriptor, as last reported by epoll (edge-triggered).
// `readable`/`writable` start true: every operation tries its system call
// first and only waits after EAGAIN or a short transfer (see tcp.h).
struct IoState {
  int fd = -1;
  bool readable = true;
  bool writable = true;
  // The peer's FIN or an error has been reported. A short read then no longer
  // proves the socket drained (the EOF is still to be read, and no further
  // edge will announce it), so reads keep trying.
  bool read_closed = false;
  Waiter* reader = nullptr;
  Waiter* writer = nullptr;
};

struct TimerNode : Waiter {
  using Waiter::Waiter;
  std::int64_t deadline_ns = 0;  // Clock time since epoch
  std::uint64_t tick = 0;        // deadline rounded up to the wheel's tick
  std::uint64_t seq = 0;         // arming order: ties fire first-armed first
};

// Hashed timer wheel: kSlots lists, one per tick of kTickNs, indexed by
// (deadline tick mod kSlots). Arming and cancelling are O(1) (cancel = unlink).
// A bitmap marks slots that may hold timers (set on arm, cleared lazily when a
// slot is found empty), so finding the next due slot reads 16 words.
// Worst case: a timer more than one rotation (kSlots ticks) away is looked at,
// and skipped, once per rotation. Timers fire at the first round at or after
// their deadline rounded up to the tick, i.e. at most one tick (1 ms) late plus
// scheduling delay, and in (deadline, arming order) order.
class TimerWheel {
 public:
  static constexpr std::int64_t kTickNs = 1'000'000;
  static constexpr std::size_t kSlots = 1024;

  explicit TimerWheel(std::int64_t now_ns);
  void arm(TimerNode& t, std::int64_t deadline_ns, List& ready);
  // Moves every timer whose tick has passed into `ready`, in deadline order.
  void advance(std::int64_t now_ns, List& ready);
  // Milliseconds epoll may sleep before the next slot that holds a timer is
  // due; -1 if there is none. May be early (a far timer in a near slot),
  // never late.
  [[nodiscard]] int timeout_ms(std::int64_t now_ns) const;

 private:
  static constexpr std::size_t kWords = kSlots / 64;
  List slots_[kSlots];
  mutable std::uint64_t maybe_used_[kWords] = {};  // bit per slot: may be non-empty
  std::uint64_t current_tick_;  // every tick <= this has been expired
  std::uint64_t next_seq_ = 0;
  std::vector<TimerNode*> expired_;  // scratch, reused
};

}  // namespace detail

class EventLoop {
 public:
  explicit EventLoop(LoopConfig config = {});
  ~EventLoop();  // cancels (destroys) every task still running
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts `task` at the back of the ready queue; the loop owns it from now on.
  // If it throws, the exception is logged and only that task ends.
  JoinHandle spawn(Task<void> task);

  // Runs the loop until `task` finishes; returns its value or rethrows its
  // exception. Other spawned tasks run meanwhile.
  template <class T>
  T block_on(Task<T> task);

  // Runs until stop() is called or no spawned task is left.
  void run();
  // Makes run() return after the current round. Loop thread only.
  void stop() noexcept { stop_requested_ = true; }

  // Awaitables.
  struct SleepAwaiter {
    EventLoop& loop;
    Deadline until;
    detail::TimerNode node{};
    bool await_ready() const noexcept { return until <= Clock::now(); }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      node.handle = h;
      loop.arm_timer(node, until);
    }
    void await_resume() const noexcept {}
  };
  [[nodiscard]] SleepAwaiter sleep_until(Deadline t) noexcept { return SleepAwaiter{*this, t}; }
  [[nodiscard]] SleepAwaiter sleep_for(Clock::duration d) noexcept {
    return SleepAwaiter{*this, Clock::now() + d};
  }
  // Goes to the back of the ready queue.
  struct YieldAwaiter {
    EventLoop& loop;
    detail::Waiter node{};
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      node.handle = h;
      loop.schedule(node);
    }
    void await_resume() const noexcept {}
  };
  [[nodiscard]] YieldAwaiter yield() noexcept { return YieldAwaiter{*this}; }

  [[nodiscard]] const LoopConfig& config() const noexcept { return config_; }
  [[nodiscard]] std::size_t live_tasks() const noexcept;

  // Reactor interface for the I/O types of this module (tcp.h, notifier.h).
  void register_fd(detail::IoState& io);    // epoll ADD, edge-triggered in+out
  void deregister_fd(detail::IoState& io);  // epoll DEL
  void rebind_fd(detail::IoState& io) noexcept;  // io moved to a new address
  void schedule(detail::Waiter& w) noexcept { ready_.push_back(w); }
  void arm_timer(detail::TimerNode& t, Deadline d) noexcept;

 private:
  friend class Notifier;
  // One round; `finished` (block_on's task) or an empty live list means the
  // caller will return after it, so it must not block in epoll_wait.
  void run_round(const bool* finished);
  void dispatch(const epoll_event& ev) noexcept;
  void poll_notifiers() noexcept;

  LoopConfig config_;
  int epfd_ = -1;
  bool running_ = false;
  bool stop_requested_ = false;
  detail::List ready_;
  detail::List live_;       // LiveNodes of spawned, unfinished tasks
  detail::List notifiers_;  // busy-poll mode checks these every round
  detail::TimerWheel wheel_;
  std::vector<detail::IoState*> fds_;  // by fd number; null = not ours
  std::vector<epoll_event> events_;
};

template <class T>
T EventLoop::block_on(Task<T> task) {
  assert(!running_ && "block_on inside a running loop");
  auto h = task.handle();
  assert(h && !h.promise().done);
  auto& p = h.promise();
  p.role = detail::Role::blocking;
  p.start.handle = h;
  schedule(p.start);
  running_ = true;
  while (!p.done) run_round(&p.done);
  running_ = false;
  return p.take();  // the Task destroys the frame on return
}

}  // namespace rialto::loop
