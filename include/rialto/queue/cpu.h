// CPU facts the queues lay themselves out by, and the spin-wait hint.
#pragma once

#include <cstddef>
#include <type_traits>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace rialto::queue {

/// Distance that keeps two independently written variables from sharing a
/// cache line *or* an adjacent-line prefetch pair (Intel's spatial prefetcher
/// pulls lines in 128-byte pairs). Used instead of
/// std::hardware_destructive_interference_size, whose value GCC warns may
/// change between compiler versions, which would change our layout with it.
inline constexpr std::size_t kFalseSharingRange = 128;

/// Queue elements: moving into and out of a slot and destroying it must not
/// throw, so that a full/empty check is the only way an operation can fail.
template <class T>
concept QueueElement = std::is_nothrow_move_constructible_v<T> &&
                       std::is_nothrow_destructible_v<T> && std::is_object_v<T>;

/// Tells the core this thread is spinning (x86 `pause`): saves power, frees the
/// sibling hyper-thread and avoids the memory-order mis-speculation flush when
/// the awaited line finally changes.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace rialto::queue
