// MpscQueue: bounded multi-producer single-consumer queue with per-slot
// sequence stamps.
//
// Design: a power-of-two array of slots, each holding an element and a 64-bit
// stamp, and two free-running counters: `tail` (shared by the producers, next
// position to claim) and `head` (consumer-private, next position to read).
// Position p maps to slot p & (Capacity - 1). A slot's stamp says whose turn it
// is:
//   stamp == p          free for the producer that claims position p;
//   stamp == p + 1      holds the element of position p, ready for the consumer;
//   stamp == p + Cap    released by the consumer, free for position p + Cap.
// A producer claims p by CAS on tail only after it saw stamp == p, constructs,
// then stamps p + 1. The consumer reads slot head when its stamp is head + 1,
// destroys the element and stamps head + Capacity. Stamps and counters are
// 64-bit and never wrap in practice, so a stale stamp can never be mistaken for
// a current one (no ABA). Nothing is allocated after construction.
//
// Ordering: one global FIFO by claimed position, so in particular FIFO per
// producer (a producer's later push claims a later position).
//
// Worst case: producers are lock-free (a failed CAS means another producer
// progressed). The consumer is not: a producer preempted between its CAS and
// its stamp store holds back every later position, and try_pop reports
// "empty" until that producer runs again, even if later slots are filled.
// With more runnable producers than cores this shows up as throughput loss
// (see docs/QUEUES.md).
//
// Thread safety: try_push/try_emplace from any number of threads; front, pop,
// try_pop and pop_wait from one consumer thread at a time (the role may move
// only across a happens-before edge).
//
// Invariants (when no operation is running): head <= tail <= head + Capacity;
// positions in [head, tail) hold constructed elements and carry stamp p + 1;
// every other slot s carries the stamp of the next position that maps to it.
//
// Memory orderings, named in Traits:
//   publish (producer's release store of stamp p + 1) pairs with
//   observe_published (consumer's acquire load of the stamp): the consumer sees
//   the element fully constructed.
//   release_slot (consumer's release store of stamp p + Capacity) pairs with
//   observe_free (producer's acquire load of the stamp before it claims): the
//   producer constructs only after the consumer finished with the old element.
//   claim (the CAS on tail) is relaxed: it only decides which producer owns a
//   position; the slot contents are ordered by the stamps alone.
#pragma once

#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "rialto/queue/cpu.h"
#include "rialto/queue/wait.h"

namespace rialto::queue {

/// Atomics and orderings MpscQueue is built from (see SpscRingTraits).
struct MpscQueueTraits {
  template <class U>
  using atomic = std::atomic<U>;
  static constexpr std::memory_order kClaim = std::memory_order_relaxed;
  static constexpr std::memory_order kObserveFree = std::memory_order_acquire;
  static constexpr std::memory_order kPublish = std::memory_order_release;
  static constexpr std::memory_order kObservePublished = std::memory_order_acquire;
  static constexpr std::memory_order kReleaseSlot = std::memory_order_release;
};

template <QueueElement T, std::size_t Capacity, class Traits = MpscQueueTraits>
class MpscQueue {
  static_assert(Capacity >= 2 && std::has_single_bit(Capacity),
                "capacity must be a power of two >= 2 (indices are masked)");

 public:
  using value_type = T;

  MpscQueue() noexcept {
    for (std::size_t i = 0; i < Capacity; ++i) {
      // Relaxed: construction happens-before any use of the queue by the
      // other threads through whatever hands them the queue (thread start).
      slots_[i].stamp.store(i, std::memory_order_relaxed);
    }
  }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  /// Destroys the elements still queued. No producer or consumer may be running.
  ~MpscQueue() {
    while (front() != nullptr) pop();
  }

  [[nodiscard]] static constexpr std::size_t capacity() noexcept { return Capacity; }

  // ---- producers ---------------------------------------------------------

  /// Constructs an element at the next free position. Returns false,
  /// constructing nothing, when the queue is full.
  template <class... Args>
    requires std::is_nothrow_constructible_v<T, Args&&...>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept {
    // Relaxed: a stale position is harmless; the stamp check rejects it and
    // the CAS below only succeeds on the current value.
    std::uint64_t pos = tail_.value.load(std::memory_order_relaxed);
    for (;;) {
      Slot& s = slots_[pos & kMask];
      // observe_free: pairs with the consumer's release_slot store in pop();
      // when we see stamp == pos, the previous element in this slot has been
      // destroyed before we construct into it.
      const std::uint64_t stamp = s.stamp.load(Traits::kObserveFree);
      const auto lag = static_cast<std::int64_t>(stamp - pos);
      if (lag == 0) {
        // claim: relaxed on success and failure; ownership of pos is all it
        // decides, and the slot's contents are ordered by the stamps. On
        // failure pos is reloaded with the current tail.
        if (tail_.value.compare_exchange_weak(pos, pos + 1, Traits::kClaim,
                                              std::memory_order_relaxed)) {
          std::construct_at(s.ptr(), std::forward<Args>(args)...);
          // publish: pairs with the consumer's observe_published load in
          // front(); the element constructed above is visible with the stamp.
          s.stamp.store(pos + 1, Traits::kPublish);
          return true;
        }
      } else if (lag < 0) {
        // The slot still holds the element of position pos - Capacity: at the
        // time of the load the queue was full.
        return false;
      } else {
        // Another producer claimed pos (and maybe published it) meanwhile.
        // Relaxed: as above.
        pos = tail_.value.load(std::memory_order_relaxed);
      }
    }
  }

  [[nodiscard]] bool try_push(const T& v) noexcept
    requires std::is_nothrow_copy_constructible_v<T>
  {
    return try_emplace(v);
  }
  [[nodiscard]] bool try_push(T&& v) noexcept { return try_emplace(std::move(v)); }

  // ---- consumer ----------------------------------------------------------

  /// The oldest element, or nullptr when the queue is empty or its oldest
  /// position is claimed but not yet published.
  [[nodiscard]] T* front() noexcept {
    Slot& s = slots_[head_ & kMask];
    // observe_published: pairs with the producer's publish store in
    // try_emplace(); a stamp of head + 1 means the element is constructed.
    if (s.stamp.load(Traits::kObservePublished) != head_ + 1) return nullptr;
    return s.ptr();
  }

  /// Destroys the oldest element. Precondition: front() != nullptr.
  void pop() noexcept {
    Slot& s = slots_[head_ & kMask];
    // Relaxed: a precondition check of our own earlier acquire load.
    assert(s.stamp.load(std::memory_order_relaxed) == head_ + 1 && "pop() on an empty MpscQueue");
    std::destroy_at(s.ptr());
    // release_slot: pairs with the producers' observe_free load; the
    // destruction above happens-before the next construction in this slot.
    s.stamp.store(head_ + Capacity, Traits::kReleaseSlot);
    ++head_;
  }

  /// Moves the oldest element into `out` and removes it. False when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept
    requires std::is_nothrow_move_assignable_v<T>
  {
    T* p = front();
    if (p == nullptr) return false;
    out = std::move(*p);
    pop();
    return true;
  }

  /// Blocks until an element is available, then pops it into `out`; see
  /// SpscRing::pop_wait. Producers must call ec.notify() after each push.
  void pop_wait(T& out, EventCount& ec) noexcept
    requires std::is_nothrow_move_assignable_v<T>
  {
    ec.await([&]() noexcept { return try_pop(out); });
  }

 private:
  struct Slot {
    typename Traits::template atomic<std::uint64_t> stamp;
    alignas(T) std::byte bytes[sizeof(T)];
    T* ptr() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
  };
  struct alignas(kFalseSharingRange) Tail {
    typename Traits::template atomic<std::uint64_t> value{0};
  };
  static_assert(alignof(Tail) == kFalseSharingRange && sizeof(Tail) == kFalseSharingRange,
                "the producers' contended counter must own its false-sharing range");

  static constexpr std::uint64_t kMask = Capacity - 1;

  Tail tail_;
  // Consumer-private; on its own range so producers' CAS traffic on tail_
  // never invalidates it.
  alignas(kFalseSharingRange) std::uint64_t head_ = 0;
  alignas(kFalseSharingRange) Slot slots_[Capacity];
  [[maybe_unused]] std::byte pad_[kFalseSharingRange] = {};
};

}  // namespace rialto::queue
