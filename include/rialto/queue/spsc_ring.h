// SpscRing: bounded, wait-free, single-producer single-consumer ring buffer.
//
// Design: a power-of-two array of slots and two free-running 64-bit counters,
// `tail` (next slot the producer writes) and `head` (next slot the consumer
// reads). The element at counter n lives in slot n & (Capacity - 1); the ring
// is empty when head == tail and full when tail - head == Capacity. Counters
// never wrap in practice (2^64 operations), so there is no ABA and no
// "one slot left empty" rule: all Capacity slots are usable.
//
// Each side keeps a private copy of the other side's counter and reloads the
// shared one only when the copy says "full" (producer) or "empty" (consumer).
// In steady streaming this means a side touches the other side's cache line
// once per lap instead of once per element. The bulk operations go further:
// they construct or destroy several elements and publish the new counter with
// one store.
//
// Worst case: every operation is a bounded number of steps (wait-free). A
// stalled consumer makes try_push fail once the ring fills (back-pressure is
// the caller's to handle); nothing ever blocks except pop_wait, on request.
//
// Thread safety: exactly one thread at a time may call the producer functions
// (try_push, try_emplace, try_push_bulk) and exactly one the consumer functions
// (front, pop, try_pop, consume_bulk, try_pop_bulk, pop_wait). The roles may
// move between threads only across a happens-before edge (e.g. thread join).
// size_guess() and empty_guess() may be called from anywhere; their results
// are stale by the time they return, as their names say.
//
// Invariants (at every point a producer or consumer function is not running):
//   head <= tail <= head + Capacity;
//   slots with counters in [head, tail) hold constructed elements, all others
//   hold none; cached_head <= head and cached_tail <= tail.
//
// Memory orderings: the protocol has two publication edges, named in Traits.
//   publish (producer's release store of tail) pairs with observe_published
//   (consumer's acquire load of tail): the consumer sees a fully constructed
//   element in every slot below the tail it loaded.
//   release_slots (consumer's release store of head) pairs with
//   observe_released (producer's acquire load of head): the producer never
//   constructs into a slot whose element the consumer is still reading or
//   destroying. docs/QUEUES.md has the full argument; tests/queue/ model-checks
//   it with Relacy and shows that weakening `publish` is caught.
#pragma once

#include <algorithm>
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

/// Atomics and orderings SpscRing is built from. The model checker substitutes
/// its own atomics (and, to show the check has teeth, a weaker ordering).
struct SpscRingTraits {
  template <class U>
  using atomic = std::atomic<U>;
  static constexpr std::memory_order kPublish = std::memory_order_release;
  static constexpr std::memory_order kObservePublished = std::memory_order_acquire;
  static constexpr std::memory_order kReleaseSlots = std::memory_order_release;
  static constexpr std::memory_order kObserveReleased = std::memory_order_acquire;
};

template <QueueElement T, std::size_t Capacity, class Traits = SpscRingTraits>
class SpscRing {
  static_assert(Capacity >= 2 && std::has_single_bit(Capacity),
                "capacity must be a power of two >= 2 (indices are masked)");

 public:
  using value_type = T;

  SpscRing() noexcept = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  /// Destroys the elements still queued. No producer or consumer may be running.
  ~SpscRing() {
    // Relaxed: the caller guarantees both sides have finished and handed over
    // to this thread through a happens-before edge (join, etc.).
    const std::uint64_t tail = prod_.tail.load(std::memory_order_relaxed);
    for (std::uint64_t i = cons_.head.load(std::memory_order_relaxed); i != tail; ++i) {
      std::destroy_at(slot(i));
    }
  }

  [[nodiscard]] static constexpr std::size_t capacity() noexcept { return Capacity; }

  // ---- producer ----------------------------------------------------------

  /// Constructs an element in place at the tail. Returns false, constructing
  /// nothing, when the ring is full.
  template <class... Args>
    requires std::is_nothrow_constructible_v<T, Args&&...>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept {
    // Relaxed: only this thread writes tail, so it reads its own last value.
    const std::uint64_t tail = prod_.tail.load(std::memory_order_relaxed);
    if (tail - prod_.cached_head == Capacity) {
      refresh_head();
      if (tail - prod_.cached_head == Capacity) return false;
    }
    std::construct_at(slot(tail), std::forward<Args>(args)...);
    // publish: pairs with the consumer's observe_published load of tail in
    // refresh_tail(); makes the element just constructed visible with it.
    prod_.tail.store(tail + 1, Traits::kPublish);
    return true;
  }

  [[nodiscard]] bool try_push(const T& v) noexcept
    requires std::is_nothrow_copy_constructible_v<T>
  {
    return try_emplace(v);
  }
  [[nodiscard]] bool try_push(T&& v) noexcept { return try_emplace(std::move(v)); }

  /// Copies up to n elements from `first`, as many as fit, and publishes them
  /// with a single store. Returns how many were pushed (0 when full); the
  /// caller resumes from first + result.
  template <std::input_iterator It>
    requires std::is_nothrow_constructible_v<T, std::iter_reference_t<It>>
  [[nodiscard]] std::size_t try_push_bulk(It first, std::size_t n) noexcept {
    // Relaxed: own counter, see try_emplace.
    const std::uint64_t tail = prod_.tail.load(std::memory_order_relaxed);
    std::size_t free = Capacity - static_cast<std::size_t>(tail - prod_.cached_head);
    if (free < n) {
      refresh_head();
      free = Capacity - static_cast<std::size_t>(tail - prod_.cached_head);
    }
    const std::size_t k = std::min(n, free);
    if (k == 0) return 0;
    for (std::size_t i = 0; i < k; ++i, ++first) std::construct_at(slot(tail + i), *first);
    // publish: pairs with observe_published in refresh_tail(); one release
    // store covers all k constructions sequenced before it.
    prod_.tail.store(tail + k, Traits::kPublish);
    return k;
  }

  // ---- consumer ----------------------------------------------------------

  /// The oldest element, or nullptr when the ring is empty. The pointer stays
  /// valid until pop(); only the consumer may use it.
  [[nodiscard]] T* front() noexcept {
    // Relaxed: only this thread writes head.
    const std::uint64_t head = cons_.head.load(std::memory_order_relaxed);
    if (head == cons_.cached_tail) {
      refresh_tail();
      if (head == cons_.cached_tail) return nullptr;
    }
    return slot(head);
  }

  /// Destroys the oldest element. Precondition: front() != nullptr.
  void pop() noexcept {
    // Relaxed: own counter.
    const std::uint64_t head = cons_.head.load(std::memory_order_relaxed);
    assert(head != cons_.cached_tail && "pop() on an empty SpscRing");
    std::destroy_at(slot(head));
    // release_slots: pairs with the producer's observe_released load of head
    // in refresh_head(); the destruction above happens-before any reuse.
    cons_.head.store(head + 1, Traits::kReleaseSlots);
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

  /// Calls f(T&) on up to `max` of the oldest elements, destroys them and
  /// releases their slots with a single store. Returns how many were consumed.
  /// f must not throw (this function is noexcept).
  template <class F>
  std::size_t consume_bulk(std::size_t max, F&& f) noexcept {
    // Relaxed: own counter.
    const std::uint64_t head = cons_.head.load(std::memory_order_relaxed);
    std::size_t avail = static_cast<std::size_t>(cons_.cached_tail - head);
    if (avail < max) {
      refresh_tail();
      avail = static_cast<std::size_t>(cons_.cached_tail - head);
    }
    const std::size_t k = std::min(max, avail);
    if (k == 0) return 0;
    for (std::size_t i = 0; i < k; ++i) {
      T* p = slot(head + i);
      f(*p);
      std::destroy_at(p);
    }
    // release_slots: pairs with observe_released in refresh_head().
    cons_.head.store(head + k, Traits::kReleaseSlots);
    return k;
  }

  /// Moves up to `max` elements to `out`. Returns how many.
  template <class OutIt>
  [[nodiscard]] std::size_t try_pop_bulk(OutIt out, std::size_t max) noexcept {
    return consume_bulk(max, [&out](T& v) noexcept { *out++ = std::move(v); });
  }

  /// Blocks until an element is available, then pops it into `out`. Waits
  /// with escalating back-off (spin, yield, park on `ec`); producers must call
  /// ec.notify() after each successful push. For consumers that are not
  /// latency-critical: a parked consumer costs a futex wake (~µs) to resume.
  void pop_wait(T& out, EventCount& ec) noexcept
    requires std::is_nothrow_move_assignable_v<T>
  {
    ec.await([&]() noexcept { return try_pop(out); });
  }

  // ---- observers (any thread) -------------------------------------------

  /// Number of queued elements at some instant during the call; racy.
  [[nodiscard]] std::size_t size_guess() const noexcept {
    // Relaxed both: the result is advisory, so a stale counter is harmless.
    // Head is loaded first, which on x86 keeps the later tail from being
    // behind it; relaxed loads of two variables do not promise that in
    // general, hence the guard.
    const std::uint64_t head = cons_.head.load(std::memory_order_relaxed);
    const std::uint64_t tail = prod_.tail.load(std::memory_order_relaxed);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }
  [[nodiscard]] bool empty_guess() const noexcept { return size_guess() == 0; }

 private:
  struct alignas(T) Storage {
    std::byte bytes[sizeof(T)];
  };

  // The producer's line: tail is written only by the producer and read by the
  // consumer when its cached copy runs out; cached_head is producer-private.
  struct alignas(kFalseSharingRange) ProducerSide {
    typename Traits::template atomic<std::uint64_t> tail{0};
    std::uint64_t cached_head = 0;
  };
  // The consumer's line, the mirror image.
  struct alignas(kFalseSharingRange) ConsumerSide {
    typename Traits::template atomic<std::uint64_t> head{0};
    std::uint64_t cached_tail = 0;
  };
  static_assert(alignof(ProducerSide) == kFalseSharingRange &&
                    sizeof(ProducerSide) % kFalseSharingRange == 0,
                "producer counters must own their false-sharing range");
  static_assert(alignof(ConsumerSide) == kFalseSharingRange &&
                    sizeof(ConsumerSide) % kFalseSharingRange == 0,
                "consumer counters must own their false-sharing range");

  static constexpr std::uint64_t kMask = Capacity - 1;

  T* slot(std::uint64_t n) noexcept {
    return std::launder(reinterpret_cast<T*>(slots_[n & kMask].bytes));
  }

  void refresh_head() noexcept {
    // observe_released: pairs with the consumer's release_slots store of head
    // in pop()/consume_bulk(); every slot below the loaded head has been
    // destroyed before we construct into it again.
    prod_.cached_head = cons_.head.load(Traits::kObserveReleased);
  }
  void refresh_tail() noexcept {
    // observe_published: pairs with the producer's publish store of tail in
    // try_emplace()/try_push_bulk(); every slot below the loaded tail holds a
    // fully constructed element.
    cons_.cached_tail = prod_.tail.load(Traits::kObservePublished);
  }

  ProducerSide prod_;
  ConsumerSide cons_;
  // Slots start on their own boundary so the first ones never share a line
  // with cons_; the trailing pad keeps the last ones off whatever follows.
  alignas(kFalseSharingRange) Storage slots_[Capacity];
  [[maybe_unused]] std::byte pad_[kFalseSharingRange] = {};
};

}  // namespace rialto::queue
