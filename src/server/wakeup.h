// Cross-thread wake-ups without a lock on the order path.
//
// EventFdWake: a matching thread wakes the gateway's event loop. notify()
// writes the eventfd only when no wake-up is pending, so a busy gateway costs
// the shard one atomic exchange per batch, not a system call.
//
// Parking: a matching thread with nothing to do sleeps on an atomic
// (std::atomic::wait, a futex) after spinning briefly; the gateway wakes it
// after a push. Both sides use an acq_rel read-modify-write of `sleeping`, so
// the two are ordered in its modification order and at least one sees the
// other: the consumer then sees the element, or the producer sees `sleeping`
// (a Dekker pair without fences, which ThreadSanitizer can check).
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
  /// Consumer: `empty` re-checks its queue after `sleeping` is published.
  template <class Empty>
  void park(Empty&& empty) noexcept {
    // acq_rel RMW: either it comes after the producer's RMW in unpark() and
    // synchronizes with it (so `empty` sees the push), or the producer's RMW
    // comes after it and reads 1 (so the producer wakes us).
    sleeping_.exchange(1, std::memory_order_acq_rel);
    if (empty()) sleeping_.wait(1, std::memory_order_acquire);
    sleeping_.store(0, std::memory_order_relaxed);
  }
  /// Producer, after a push. The RMW (not a plain load) pairs with park()'s.
  void unpark() noexcept {
    if (sleeping_.fetch_add(0, std::memory_order_acq_rel) != 0) {
      sleeping_.store(0, std::memory_order_relaxed);
      sleeping_.notify_one();
    }
  }

 private:
  std::atomic<uint32_t> sleeping_{0};
};

}  // namespace rialto::server
