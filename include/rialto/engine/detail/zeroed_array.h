// A fixed-size, zero-initialised array of trivially copyable T for the
// engine's big tables (order pool, level pool, id index, free lists).
//
// Design: anonymous mmap, so memory is zero and untouched capacity costs
// nothing resident, with MADV_HUGEPAGE so that the kernel backs it with 2 MiB
// pages where transparent huge pages are enabled in `madvise` mode (a random
// access into a large table otherwise misses the TLB too). With `prefault`,
// every page is touched at construction, so no page fault (or copy-on-write
// of the shared zero page) happens while matching.
// Under sanitizers the array comes from calloc, so ASan sees overruns.
//
// Errors: never throws. A mapping that fails leaves the array empty and
// ok() false; the owner reports it (Engine::ok()) and must not index it.
//
// Thread safety: none needed after construction.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#if !defined(RIALTO_SANITIZED)
#include <sys/mman.h>
#endif

namespace rialto::engine::detail {

template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  explicit ZeroedArray(size_t n, bool prefault = false) : size_(n), bytes_((n == 0 ? 1 : n) * sizeof(T)) {
#if defined(RIALTO_SANITIZED)
    data_ = static_cast<T*>(std::calloc(1, bytes_));
    (void)prefault;
#else
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      ::madvise(p, bytes_, MADV_HUGEPAGE);  // advisory: failure only costs speed
      if (prefault) std::memset(p, 0, bytes_);
      data_ = static_cast<T*>(p);
    }
#endif
    if (data_ == nullptr) size_ = 0;
  }

  ~ZeroedArray() {
    if (data_ == nullptr) return;
#if defined(RIALTO_SANITIZED)
    std::free(data_);
#else
    ::munmap(data_, bytes_);
#endif
  }

  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;

  [[nodiscard]] bool ok() const { return data_ != nullptr; }
  [[nodiscard]] size_t size() const { return size_; }

  T& operator[](size_t i) {
    assert(i < size_);
    return data_[i];
  }
  const T& operator[](size_t i) const {
    assert(i < size_);
    return data_[i];
  }

 private:
  size_t size_;
  size_t bytes_;
  T* data_ = nullptr;
};

}  // namespace rialto::engine::detail
