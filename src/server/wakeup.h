// Cross-thread wake-ups without a lock on the order path.
//
// EventFdWake: a matching thread wakes the gateway's event loop. notify()
// writes the eventfd only when no wake-up is pending, so a busy gateway costs
// the shard one atomic exchange per batch, not a system call.
//
// Parking: a matching thread with nothing to do sleeps on an atomic
// (std::atomic::wait, a futex) after spinning briefly; the gateway wakes it
// after a push. The seq_cst fences on both sides make this a Dekker pair: the
// consumer publishes `sleeping` then re-checks the queue; the producer
// publishes the element then checks `sleeping`; at least one sees the other.
#pragma once

#include <atomic>
#include <cstdint>

namespace rialto::server {

class EventFdWake {
 public:
  EventFdWake();
  ~EventFdWake();
  EventFdWake(const EventFdWake&) = delete;
  EventFdWake& operator=(const EventFdWake&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  /// Any thread. The acq_rel exchange publishes the caller's earlier pushes
  /// to the consumer's exchange in consume().
  void notify() noexcept;
  /// Gateway thread, before draining: clears the pending flag and the eventfd.
  void consume() noexcept;

 private:
  int fd_ = -1;
  std::atomic<bool> pending_{false};
};

class Parking {
 public:
  /// Consumer: call with `empty` re-checking its queue after the fence.
  template <class Empty>
  void park(Empty&& empty) noexcept {
    sleeping_.store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the fence in unpark()
    if (empty()) sleeping_.wait(1, std::memory_order_relaxed);
    sleeping_.store(0, std::memory_order_relaxed);
  }
  /// Producer, after a push.
  void unpark() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the fence in park()
    if (sleeping_.load(std::memory_order_relaxed) != 0) {
      sleeping_.store(0, std::memory_order_relaxed);
      sleeping_.notify_one();
    }
  }

 private:
  std::atomic<uint32_t> sleeping_{0};
};

}  // namespace rialto::server
