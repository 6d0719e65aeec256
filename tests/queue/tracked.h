// Tracked: a queue element that counts live instances and detects double
// destruction and use of destroyed objects, for the queue tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace rialto::queue::testing {

class Tracked {
 public:
  Tracked() noexcept : Tracked(0) {}
  explicit Tracked(std::uint64_t v) noexcept : value_(v) { live_.fetch_add(1, std::memory_order_relaxed); }
  Tracked(const Tracked& o) noexcept : value_(o.checked_value()) {
    live_.fetch_add(1, std::memory_order_relaxed);
  }
  Tracked(Tracked&& o) noexcept : value_(o.checked_value()) {
    o.value_ = kMovedFrom;
    live_.fetch_add(1, std::memory_order_relaxed);
  }
  Tracked& operator=(const Tracked& o) noexcept {
    check_alive();
    value_ = o.checked_value();
    return *this;
  }
  Tracked& operator=(Tracked&& o) noexcept {
    check_alive();
    value_ = o.checked_value();
    o.value_ = kMovedFrom;
    return *this;
  }
  ~Tracked() {
    check_alive();
    // Volatile: a plain store to a dying object may be removed as dead.
    *static_cast<volatile std::uint64_t*>(&magic_) = kDead;
    live_.fetch_sub(1, std::memory_order_relaxed);
  }

  [[nodiscard]] std::uint64_t value() const noexcept { return checked_value(); }

  /// Instances constructed and not yet destroyed, all threads. Relaxed
  /// counters: read them only after the threads that touch Tracked joined.
  static std::int64_t live() noexcept { return live_.load(std::memory_order_relaxed); }
  /// Destructions, assignments or reads of an object that was not alive.
  static std::int64_t misuses() noexcept { return misuses_.load(std::memory_order_relaxed); }
  static void reset() noexcept {
    live_.store(0, std::memory_order_relaxed);
    misuses_.store(0, std::memory_order_relaxed);
  }

 private:
  static constexpr std::uint64_t kAlive = 0xA11CE5EEDA11CE5EULL;
  static constexpr std::uint64_t kDead = 0xDEADDEADDEADDEADULL;
  static constexpr std::uint64_t kMovedFrom = ~std::uint64_t{0};

  void check_alive() const noexcept {
    if (magic_ != kAlive) misuses_.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t checked_value() const noexcept {
    check_alive();
    return value_;
  }

  std::uint64_t magic_ = kAlive;
  std::uint64_t value_;
  static inline std::atomic<std::int64_t> live_{0};
  static inline std::atomic<std::int64_t> misuses_{0};
};

}  // namespace rialto::queue::testing
