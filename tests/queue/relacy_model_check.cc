// Bounded model checks of the SpscRing and MpscQueue protocols with Relacy.
//
// Relacy runs the real queue code (the headers under include/) with its own
// atomics substituted through the queues' Traits parameter, explores thread
// interleavings and, for every relaxed/acquire/release operation, the values
// the C++ memory model allows a load to return. Element payloads are
// rl::var<int>, so any access to a slot that is not ordered by happens-before
// is reported as a data race.
//
// Each check is bounded (small capacity, a handful of elements, a fixed
// number of scheduler iterations) so that it runs in seconds. The "weak_*"
// checks weaken exactly one ordering and expect Relacy to report a data race:
// they show that the passing checks would notice a broken ordering.
//
// Usage: rialto_queue_relacy <check> random <iterations>
//        rialto_queue_relacy <check> bound <context bound>   (exhaustive)
// Exit status 0 when the outcome is the expected one.

// Standard headers and the code under test come first: relacy.hpp defines
// macros (new, delete, memory_order_*, assert) that must not reach them.
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string_view>

#include "rialto/queue/mpsc_queue.h"
#include "rialto/queue/spsc_ring.h"

#include <relacy/relacy.hpp>

namespace {

using rialto::queue::MpscQueue;
using rialto::queue::MpscQueueTraits;
using rialto::queue::SpscRing;
using rialto::queue::SpscRingTraits;

rl::memory_order to_rl(std::memory_order mo) {
  switch (mo) {
    case std::memory_order::relaxed: return rl::mo_relaxed;
    case std::memory_order::consume: return rl::mo_consume;
    case std::memory_order::acquire: return rl::mo_acquire;
    case std::memory_order::release: return rl::mo_release;
    case std::memory_order::acq_rel: return rl::mo_acq_rel;
    case std::memory_order::seq_cst: return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

// The subset of std::atomic the queues use, forwarded to Relacy.
template <class U>
class ModelAtomic {
 public:
  ModelAtomic() = default;
  explicit ModelAtomic(U v) : a_(v) {}
  U load(std::memory_order mo) const { return a_.load(to_rl(mo), RL_INFO); }
  void store(U v, std::memory_order mo) { a_.store(v, to_rl(mo), RL_INFO); }
  bool compare_exchange_weak(U& expected, U desired, std::memory_order success,
                             std::memory_order failure) {
    return a_.compare_exchange_weak(expected, desired, to_rl(success), RL_INFO, to_rl(failure),
                                    RL_INFO);
  }

 private:
  mutable rl::atomic<U> a_;
};

struct ModelSpscTraits : SpscRingTraits {
  template <class U>
  using atomic = ModelAtomic<U>;
};
// Producer publishes tail with relaxed: the consumer may read a slot before
// the producer's write of it happens-before the read.
struct WeakPublishSpscTraits : ModelSpscTraits {
  static constexpr std::memory_order kPublish = std::memory_order::relaxed;
};
// Consumer releases slots with relaxed: the producer may overwrite a slot the
// consumer is still reading.
struct WeakReleaseSpscTraits : ModelSpscTraits {
  static constexpr std::memory_order kReleaseSlots = std::memory_order::relaxed;
};

struct ModelMpscTraits : MpscQueueTraits {
  template <class U>
  using atomic = ModelAtomic<U>;
};
struct WeakPublishMpscTraits : ModelMpscTraits {
  static constexpr std::memory_order kPublish = std::memory_order::relaxed;
};
// Producer checks the stamp with relaxed: it may construct into a slot before
// the consumer's read of the previous element happens-before the write.
struct WeakObserveFreeMpscTraits : ModelMpscTraits {
  static constexpr std::memory_order kObserveFree = std::memory_order::relaxed;
};

// Relacy checks accesses to rl::var objects. An element constructed into a
// slot is a new object each time, so an rl::var inside the element would not
// show a race between a consumer still reading slot s and a producer
// constructing the next element into s. Tokens therefore keep their payload in
// a shadow variable keyed by their address, which outlives the elements: a
// race on a slot's memory is a race on its shadow. Destruction counts as a
// write. One ShadowMemory per suite instance (Relacy runs one at a time).
class ShadowMemory {
 public:
  ShadowMemory() { current = this; }
  ~ShadowMemory() { current = nullptr; }

  rl::var<int>& at(const void* addr) {
    for (int i = 0; i < used_; ++i) {
      if (addr_[i] == addr) return cell_[i];
    }
    RL_ASSERT(used_ < kCells);
    addr_[used_] = addr;
    return cell_[used_++];
  }

  static inline ShadowMemory* current = nullptr;

 private:
  static constexpr int kCells = 32;
  const void* addr_[kCells] = {};
  int used_ = 0;
  rl::var<int> cell_[kCells];
};

// A queue element whose every construction, copy, read and destruction is a
// Relacy-checked access to its shadow.
class Token {
 public:
  Token() noexcept { write(0); }
  explicit Token(int v) noexcept { write(v); }
  Token(const Token& o) noexcept { write(o.get()); }
  Token(Token&& o) noexcept { write(o.get()); }
  Token& operator=(const Token& o) noexcept {
    write(o.get());
    return *this;
  }
  Token& operator=(Token&& o) noexcept {
    write(o.get());
    return *this;
  }
  ~Token() { write(-1); }
  [[nodiscard]] int get() const { return ShadowMemory::current->at(this)(RL_INFO).load(); }

 private:
  void write(int v) { ShadowMemory::current->at(this)(RL_INFO).store(v); }
  [[maybe_unused]] int unused_ = 0;  // gives every Token its own address
};

// The suites are placement-constructed by Relacy in malloc'd memory, which is
// not aligned for the queues' cache-line alignment; the queue lives here.
// (No "= delete" here: relacy.hpp has redefined `delete`; unique_ptr makes
// Placed move-only instead.)
template <class Q>
class Placed {
 public:
  Placed() : q_(std::construct_at(reinterpret_cast<Q*>(storage_))) {}
  Q& operator*() { return *q_; }
  Q* operator->() { return q_.get(); }

 private:
  struct Destroy {
    void operator()(Q* q) const { std::destroy_at(q); }
  };
  alignas(Q) static inline std::byte storage_[sizeof(Q)];
  std::unique_ptr<Q, Destroy> q_;
};

// SPSC: capacity 2, five elements, so the ring fills, empties and wraps.
// The producer mixes single and bulk pushes, the consumer single and bulk pops.
constexpr int kSpscItems = 5;

template <class Traits>
struct SpscCheck : rl::test_suite<SpscCheck<Traits>, 2> {
  ShadowMemory shadow;  // declared first: outlives the queue's elements
  Placed<SpscRing<Token, 2, Traits>> q;

  void thread(unsigned id) {
    if (id == 0) {
      produce();
    } else {
      consume();
    }
  }

  void produce() {
    while (!q->try_push(Token(1))) rl::yield(1, RL_INFO);
    Token batch[] = {Token(2), Token(3), Token(4)};
    std::size_t done = 0;
    while (done < 3) {
      done += q->try_push_bulk(batch + done, 3 - done);
      if (done < 3) rl::yield(1, RL_INFO);
    }
    while (!q->try_push(Token(5))) rl::yield(1, RL_INFO);
  }

  void consume() {
    int expect = 1;
    bool bulk = false;
    while (expect <= kSpscItems) {
      std::size_t got = 0;
      if (bulk) {
        got = q->consume_bulk(2, [&expect](Token& t) noexcept {
          RL_ASSERT(t.get() == expect);
          ++expect;
        });
      } else {
        Token t;
        if (q->try_pop(t)) {
          RL_ASSERT(t.get() == expect);
          ++expect;
          got = 1;
        }
      }
      bulk = !bulk;
      if (got == 0) rl::yield(1, RL_INFO);
    }
    Token t;
    RL_ASSERT(!q->try_pop(t));
  }
};

// MPSC: capacity 2, two producers with two elements each, so the queue fills
// and wraps. The consumer checks FIFO per producer and that nothing is lost.
constexpr int kMpscProducers = 2;
constexpr int kMpscPerProducer = 2;

template <class Traits>
struct MpscCheck : rl::test_suite<MpscCheck<Traits>, kMpscProducers + 1> {
  ShadowMemory shadow;  // declared first: outlives the queue's elements
  Placed<MpscQueue<Token, 2, Traits>> q;

  void thread(unsigned id) {
    if (id < kMpscProducers) {
      for (int i = 0; i < kMpscPerProducer; ++i) {
        const int v = static_cast<int>(id) * 100 + i;
        while (!q->try_push(Token(v))) rl::yield(1, RL_INFO);
      }
      return;
    }
    int next[kMpscProducers] = {};
    int received = 0;
    while (received < kMpscProducers * kMpscPerProducer) {
      Token t;
      if (!q->try_pop(t)) {
        rl::yield(1, RL_INFO);
        continue;
      }
      const int producer = t.get() / 100;
      RL_ASSERT(producer >= 0 && producer < kMpscProducers);
      RL_ASSERT(t.get() % 100 == next[producer]);
      ++next[producer];
      ++received;
    }
    Token t;
    RL_ASSERT(!q->try_pop(t));
  }
};

struct Check {
  std::string_view name;
  bool (*run)(rl::test_params&);
  rl::test_result_e expected;
};

template <class Suite>
bool run(rl::test_params& p) {
  return rl::simulate<Suite>(p);
}

constexpr Check kChecks[] = {
    {"spsc", &run<SpscCheck<ModelSpscTraits>>, rl::test_result_success},
    {"mpsc", &run<MpscCheck<ModelMpscTraits>>, rl::test_result_success},
    {"spsc_weak_publish", &run<SpscCheck<WeakPublishSpscTraits>>, rl::test_result_data_race},
    {"spsc_weak_release", &run<SpscCheck<WeakReleaseSpscTraits>>, rl::test_result_data_race},
    {"mpsc_weak_publish", &run<MpscCheck<WeakPublishMpscTraits>>, rl::test_result_data_race},
    {"mpsc_weak_observe_free", &run<MpscCheck<WeakObserveFreeMpscTraits>>,
     rl::test_result_data_race},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <check> random <iterations> | %s <check> bound <context bound>\n",
                 argv[0], argv[0]);
    std::fprintf(stderr, "checks:");
    for (const Check& c : kChecks) std::fprintf(stderr, " %.*s", static_cast<int>(c.name.size()), c.name.data());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const std::string_view want = argv[1];
  const std::string_view mode = argv[2];
  const unsigned long long n = std::strtoull(argv[3], nullptr, 10);
  for (const Check& c : kChecks) {
    if (c.name != want) continue;
    rl::test_params p;
    if (mode == "bound") {
      // Exhaustive search of all interleavings with at most n preemptions
      // (forced context switches) per execution.
      p.search_type = rl::sched_bound;
      p.context_bound = static_cast<unsigned>(n);
      p.iteration_count = ~rl::iteration_t{0};
    } else {
      // n executions with random scheduling and random visible-store choices.
      p.search_type = rl::sched_random;
      p.iteration_count = n;
    }
    // Relacy replaces the allocator while it simulates, so its report cannot
    // go to a growing buffer such as an ostringstream. An expected failure's
    // history is not wanted; an unexpected one's goes to stdout.
    std::ofstream discard;  // never opened: writes are dropped
    p.output_stream = c.expected == rl::test_result_success ? &std::cout : &discard;
    p.progress_stream = &discard;
    (void)c.run(p);  // the verdict is in p.test_result
    const bool as_expected = p.test_result == c.expected;
    std::printf("%.*s (%s %llu): %s after %llu executions, expected %s -> %s\n",
                static_cast<int>(c.name.size()), c.name.data(), argv[2], n,
                rl::test_result_str(p.test_result),
                static_cast<unsigned long long>(p.stop_iteration), rl::test_result_str(c.expected),
                as_expected ? "ok" : "UNEXPECTED");
    if (!as_expected && c.expected != rl::test_result_success) {
      std::printf("the weakened ordering was not caught\n");
    }
    return as_expected ? 0 : 1;
  }
  std::fprintf(stderr, "unknown check '%s'\n", argv[1]);
  return 2;
}
