// The bounded single-producer single-consumer queue between the gateway and
// a shard (one each way). Which implementation backs it is chosen at build
// time (RIALTO_SERVER_QUEUE) so that the two can be measured end to end
// through the server, side by side; see docs/adr/0003-queues.md.
//
// Thread safety: try_push from the one producer thread, try_pop from the one
// consumer thread. Elements are trivially copyable.
#pragma once

#include <cstddef>
#include <type_traits>

#if defined(RIALTO_SERVER_QUEUE_RIALTO)
#include "rialto/queue/spsc_ring.h"
#else
#include <boost/lockfree/spsc_queue.hpp>
#endif

namespace rialto::server {

template <class T>
class Channel {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  /// Room for `capacity` elements, allocated here, once.
  explicit Channel(size_t capacity)
#if defined(RIALTO_SERVER_QUEUE_RIALTO)
  {
    (void)capacity;  // the ring's size is a template argument: kRingCapacity
  }
#else
      : q_(capacity) {
  }
#endif

  [[nodiscard]] bool try_push(const T& v) noexcept {
#if defined(RIALTO_SERVER_QUEUE_RIALTO)
    return q_.try_push(v);
#else
    return q_.push(v);
#endif
  }
  [[nodiscard]] bool try_pop(T& v) noexcept {
#if defined(RIALTO_SERVER_QUEUE_RIALTO)
    return q_.try_pop(v);
#else
    return q_.pop(v);
#endif
  }

 private:
#if defined(RIALTO_SERVER_QUEUE_RIALTO)
  static constexpr size_t kRingCapacity = size_t{1} << 16;
  queue::SpscRing<T, kRingCapacity> q_;
#else
  boost::lockfree::spsc_queue<T> q_;
#endif
};

}  // namespace rialto::server
