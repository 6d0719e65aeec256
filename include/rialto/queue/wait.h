// EventCount: lets a consumer that is not latency-critical sleep while its
// queue is empty, without putting a lock or a syscall on the producer's path.
//
// Design: the consumer escalates — spin with `pause` (~0.1 µs per probe),
// then sched_yield, then park on a futex. Parking is a two-phase protocol:
//   consumer: prepare_wait() (announce, read epoch) -> re-check the queue ->
//             commit_wait(epoch) (sleep unless epoch moved) or cancel_wait()
//   producer: push -> notify() (if anybody announced: bump epoch, wake)
// A producer's notify() costs one atomic read-modify-write when nobody sleeps;
// the futex syscall only happens when a consumer has announced itself.
//
// Why no wake-up is lost: every access to waiters_ is a read-modify-write
// (notify() adds 0), so all of them sit in one modification order and each
// reads the one before it. The producer does [publish element] ; RMW waiters,
// the consumer does RMW waiters (+1) ; [re-check queue]. Either the
// producer's RMW comes later in that order, and it reads a count > 0 and
// wakes; or it comes earlier, and then the consumer's acquire RMW reads from
// the release sequence of the producer's acq_rel RMW, so the element
// published before it happens-before the consumer's re-check, which sees it.
// (No fences: GCC's ThreadSanitizer does not model atomic_thread_fence.)
// The epoch is bumped with release and read with acquire: a consumer whose
// key already includes a bump also sees the element published before it.
//
// Thread safety: any number of notifiers; await/prepare/commit/cancel from any
// number of waiters, each waiter pairing its own prepare with commit or cancel.
// Invariants: waiters_ counts threads between prepare_wait and commit/cancel;
// epoch_ only increases (mod 2^32).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rialto/queue/cpu.h"

namespace rialto::queue {

/// How long await() spins and yields before it parks. The defaults spin for
/// roughly 10-20 µs on a current x86 core, then yield a few times.
struct Backoff {
  std::uint32_t spins = 128;
  std::uint32_t yields = 16;
};

class EventCount {
 public:
  EventCount() noexcept = default;
  EventCount(const EventCount&) = delete;
  EventCount& operator=(const EventCount&) = delete;

  /// Producer side: call after every successful push that a parked consumer
  /// must see.
  void notify() noexcept {
    // acq_rel RMW (reads the count without changing it): its release half
    // pairs with the acquire RMW in prepare_wait(); see the header comment.
    // Zero means any waiter still to come will see our element on re-check.
    if (waiters_.fetch_add(0, std::memory_order_acq_rel) == 0) return;
    // release: pairs with the acquire epoch loads in prepare_wait() and
    // commit_wait(); a waiter that sees the new epoch sees our element.
    epoch_.fetch_add(1, std::memory_order_release);
    futex(FUTEX_WAKE_PRIVATE, kWakeAll);
  }

  /// Consumer side: spins, yields, then parks until `ready()` returns true.
  /// `ready` is the queue's try_pop (it both checks and takes).
  template <class Ready>
  void await(Ready&& ready, Backoff b = {}) noexcept {
    for (std::uint32_t i = 0; i < b.spins; ++i) {
      if (ready()) return;
      cpu_relax();
    }
    for (std::uint32_t i = 0; i < b.yields; ++i) {
      if (ready()) return;
      std::this_thread::yield();
    }
    for (;;) {
      const std::uint32_t key = prepare_wait();
      if (ready()) {
        cancel_wait();
        return;
      }
      commit_wait(key);
    }
  }

  [[nodiscard]] std::uint32_t prepare_wait() noexcept {
    // acq_rel RMW: its acquire half pairs with notify()'s RMW (release), so
    // an element published before a notify() that read the count before us
    // is visible to the caller's re-check.
    waiters_.fetch_add(1, std::memory_order_acq_rel);
    // acquire: pairs with the release epoch bump in notify(). A notify()
    // that bumps it after this load makes FUTEX_WAIT return at once.
    return epoch_.load(std::memory_order_acquire);
  }
  void cancel_wait() noexcept {
    // Relaxed RMW: orders nothing itself, and as an RMW it keeps notify()'s
    // release sequence on waiters_ unbroken. A stale non-zero seen by a
    // notifier costs one spurious wake syscall, never a lost one.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }
  void commit_wait(std::uint32_t key) noexcept {
    // acquire: as in prepare_wait.
    while (epoch_.load(std::memory_order_acquire) == key) {
      futex_wait(key);
    }
    // Relaxed RMW: as in cancel_wait.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  static constexpr int kWakeAll = 0x7fffffff;
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                    std::atomic<std::uint32_t>::is_always_lock_free,
                "futex needs a plain 32-bit word");

  void futex(int op, int val) noexcept {
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&epoch_), op, val, nullptr, nullptr, 0);
  }
  void futex_wait(std::uint32_t key) noexcept {
    // EINTR / EAGAIN / spurious wake: the caller re-checks epoch and the queue.
    futex(FUTEX_WAIT_PRIVATE, static_cast<int>(key));
  }

  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::uint32_t> waiters_{0};
};

}  // namespace rialto::queue
