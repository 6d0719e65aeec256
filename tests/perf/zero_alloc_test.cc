// The engine allocates nothing per operation in steady state.
//
// Replaces the global operator new/delete with counting versions, replays the
// warm-up prefix of a generated workload (docs/BENCHMARKS.md) through an
// engine, then counts allocations over 1,000,000 mixed operations: there
// must be none. The book-side ladders may grow when a side holds more levels
// than ever before, so the test configures the price range it needs
// (EngineConfig::levels_reserved_per_side), as a deployment would; it also
// reports, without failing, how often the default reservation grows.
//
// Usage: perf_zero_alloc_test REGIME   (static, normal, volatile, crash, multi)
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "bench/engine/workload.h"
#include "rialto/engine/engine.h"

namespace {

bool g_counting = false;
unsigned long long g_allocations = 0;

void* counted_alloc(std::size_t n) {
  if (g_counting) ++g_allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  if (g_counting) ++g_allocations;
  const auto a = static_cast<std::size_t>(al);
  void* p = std::aligned_alloc(a, (n + a - 1) / a * a);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

struct TrivialSink {
  unsigned long long events = 0;
  unsigned long long mix = 0;
  void on_event(const rialto::Event& e) {
    ++events;
    mix ^= e.id.value() + static_cast<unsigned long long>(e.qty.value());
  }
};

/// Allocations during the measured part; `heap_changed` if glibc's in-use
/// byte count moved across it (catches direct malloc/calloc as well).
struct Count {
  unsigned long long allocations = 0;
  bool heap_changed = false;
  unsigned long long events = 0;
};

Count measure(const rialto::bench::Workload& w, uint32_t levels_reserved) {
  rialto::engine::EngineConfig cfg = w.engine_config();
  cfg.levels_reserved_per_side = levels_reserved;
  TrivialSink sink;
  rialto::engine::Engine<TrivialSink> engine(cfg, sink);
  for (const auto& s : w.symbols) (void)engine.add_symbol(s);
  for (size_t i = 0; i < w.warmup; ++i) rialto::bench::execute(engine, w.commands[i]);

  const struct mallinfo2 before = mallinfo2();
  g_allocations = 0;
  g_counting = true;
  for (size_t i = w.warmup; i < w.commands.size(); ++i) rialto::bench::execute(engine, w.commands[i]);
  g_counting = false;
  const struct mallinfo2 after = mallinfo2();
  Count c;
  c.allocations = g_allocations;
  c.heap_changed = before.uordblks != after.uordblks || before.hblkhd != after.hblkhd;
  c.events = sink.events;
  return c;
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

int main(int argc, char** argv) {
  if (argc != 2 || !rialto::bench::parse_regime(argv[1])) {
    std::fprintf(stderr, "usage: %s static|normal|volatile|crash|multi\n", argv[0]);
    return 2;
  }
  constexpr size_t kOperations = 1'000'000;
  constexpr uint32_t kLevelsReserved = 1u << 16;  // covers every regime's price range
  const rialto::bench::Workload w = rialto::bench::generate(*rialto::bench::parse_regime(argv[1]), 42, kOperations);

  const Count c = measure(w, kLevelsReserved);
  std::printf("%s: %zu operations after a warm-up of %zu (%llu events): %llu allocations, heap %s\n", argv[1],
              w.measured(), w.warmup, c.events, c.allocations, c.heap_changed ? "CHANGED" : "unchanged");

#if !defined(RIALTO_SANITIZED)  // information only; halves the run time under the sanitizers
  const Count d = measure(w, rialto::engine::EngineConfig{}.levels_reserved_per_side);
  std::printf("  (information: with the default levels_reserved_per_side=%u: %llu allocations)\n",
              rialto::engine::EngineConfig{}.levels_reserved_per_side, d.allocations);
#endif

  if (c.allocations != 0 || c.heap_changed) {
    std::printf("FAIL: the engine allocated in steady state\n");
    return 1;
  }
  return 0;
}
