// Fixed-capacity object pool addressed by 32-bit index.
//
// Design: one zero-initialised array (calloc, so untouched capacity costs no
// resident memory) plus a stack of freed indices reserved up front. Indices
// below the high-water mark that are not on the free stack are live.
// acquire() and release() are O(1) and never allocate after construction.
//
// Thread safety: none; owned by one engine thread.
// Invariants: live + free.size() == high_water_ <= capacity_.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace rialto::engine::detail {

inline constexpr uint32_t kNil = UINT32_MAX;

struct FreeDeleter {
  void operator()(void* p) const noexcept { std::free(p); }
};

/// Zeroed array of `n` trivially copyable T, allocated lazily by the kernel.
template <class T>
std::unique_ptr<T[], FreeDeleter> make_zeroed_array(size_t n) {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  void* p = std::calloc(n == 0 ? 1 : n, sizeof(T));
  if (p == nullptr) throw std::bad_alloc();
  return std::unique_ptr<T[], FreeDeleter>(static_cast<T*>(p));
}

template <class T>
class Pool {
 public:
  explicit Pool(uint32_t capacity)
      : slots_(make_zeroed_array<T>(capacity)), capacity_(capacity) {
    free_.reserve(capacity);
  }

  [[nodiscard]] bool full() const { return free_.empty() && high_water_ == capacity_; }
  [[nodiscard]] uint32_t live() const { return high_water_ - static_cast<uint32_t>(free_.size()); }
  [[nodiscard]] uint32_t capacity() const { return capacity_; }

  /// Precondition: !full().
  [[nodiscard]] uint32_t acquire() {
    assert(!full());
    if (!free_.empty()) {
      uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    return high_water_++;
  }

  void release(uint32_t i) {
    assert(i < high_water_);
    free_.push_back(i);  // never reallocates: reserved to capacity
  }

  T& operator[](uint32_t i) { return slots_[i]; }
  const T& operator[](uint32_t i) const { return slots_[i]; }

 private:
  std::unique_ptr<T[], FreeDeleter> slots_;
  std::vector<uint32_t> free_;
  uint32_t capacity_;
  uint32_t high_water_ = 0;
};

}  // namespace rialto::engine::detail
