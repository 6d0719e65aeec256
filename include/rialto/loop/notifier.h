// Notifier: cross-thread wake-up of one coroutine on an EventLoop.
//
// The loop does not own the queue: the caller brings any thread-safe queue
// (rialto::queue::MpscQueue, an SPSC ring, ...). The pattern, with the
// producer on another thread and the consumer a task on the loop:
//
//   producer:  if (queue.try_push(item)) inbox.notify();
//   consumer:  for (;;) {
//                while (auto item = queue.try_pop()) handle(*item);
//                co_await inbox.wait();
//              }
//
// No wake-up is lost: wait() consumes a pending flag that notify() sets
// *after* the push, so a push that the drain missed always leaves the flag set
// or an eventfd edge that the loop has not yet seen. Several notify() calls
// before the consumer runs cost one wake-up.
//
// Thread safety: notify() from any thread; everything else on the loop thread.
// The Notifier must outlive every producer's last notify().
#pragma once

#include <atomic>
#include <coroutine>

#include "rialto/loop/event_loop.h"

namespace rialto::loop {

class Notifier {
 public:
  explicit Notifier(EventLoop& loop);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Thread-safe. The exchange is acq_rel: its release half publishes the
  // producer's earlier writes (the push) to the consumer's exchange in wait();
  // only the first notify after a wait() writes the eventfd.
  void notify() noexcept;

  class WaitAwaiter {
   public:
    explicit WaitAwaiter(Notifier& n) noexcept : n_(n), waiter_(&WaitAwaiter::on_ready, this) {}
    WaitAwaiter(const WaitAwaiter&) = delete;
    WaitAwaiter& operator=(const WaitAwaiter&) = delete;
    ~WaitAwaiter();
    bool await_ready() noexcept { return n_.consume(); }
    void await_suspend(std::coroutine_handle<> h) noexcept;
    void await_resume() const noexcept {}

   private:
    static void on_ready(detail::Waiter& w) noexcept;
    Notifier& n_;
    detail::Waiter waiter_;
  };
  // Completes once notify() has been called since the previous wait() completed.
  [[nodiscard]] WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

 private:
  friend class EventLoop;
  // Pairs with the acq_rel exchange in notify(): seeing `true` means every
  // write the producer made before notify() is visible here.
  bool consume() noexcept { return pending_.exchange(false, std::memory_order_acq_rel); }
  void drain_eventfd() noexcept;

  EventLoop& loop_;
  detail::IoState io_;  // the eventfd
  struct Node : detail::ListNode {
    Notifier* owner = nullptr;
  };
  Node in_loop_;  // in EventLoop::notifiers_ (checked every round in busy-poll mode)
  std::atomic<bool> pending_{false};
};

}  // namespace rialto::loop
