// The bounded single-producer single-consumer queue between the gateway and
// a shard (one each way): boost::lockfree::spsc_queue, sized at start from the
// configuration (docs/adr/0003-queues.md says why this one).
//
// Thread safety: try_push from the one producer thread, try_pop from the one
// consumer thread. Elements are trivially copyable.
#pragma once

#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <type_traits>

namespace rialto::server {

template <class T>
class Channel {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  /// Room for `capacity` elements, allocated here, once.
  explicit Channel(size_t capacity) : q_(capacity) {}

  [[nodiscard]] bool try_push(const T& v) noexcept { return q_.push(v); }
  [[nodiscard]] bool try_pop(T& v) noexcept { return q_.pop(v); }

 private:
  boost::lockfree::spsc_queue<T> q_;
};

}  // namespace rialto::server
