#include "bench/engine/soak.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "bench/engine/clock.h"
#include "bench/engine/rng.h"
#include "bench/engine/wire_sink.h"
#include "bench/engine/workload.h"
#include "rialto/engine/engine.h"

namespace rialto::bench {
namespace {

/// The flow of soak.h, one command per next(). Needs no feedback from the engine.
class SoakFlow {
 public:
  static constexpr int64_t kBase = 10'000;  // 100.00 at tick 0.01
  static constexpr int64_t kBand = 50;      // the mid stays within kBase ± kBand

  explicit SoakFlow(const SoakParams& p)
      : rng_(p.seed), slots_(std::make_unique<Slot[]>(p.slots)), nslots_(p.slots), seq_(p.sessions, 0) {
    draw();
  }

  enum class Kind : uint8_t { new_order, cancel, modify };

  /// Writes the next command into `n`, `c` or `m` and says which.
  Kind next(NewOrder& n, CancelOrder& c, ModifyOrder& m) {
    // This message's random bits were drawn one message ago, and its slot
    // prefetched then: the flow's own table (the clients' state, 2.5 MB by
    // default) would otherwise cost a cache miss per message.
    const uint64_t r = r_;
    const uint64_t r2 = r2_;
    Slot& s = slots_[slot_of(r2)];
    draw();
    if ((r & 1023) == 0) {  // mid step, 1/1024 per message, reflected at the band
      mid_ += (r & 1024) != 0 ? 1 : -1;
      if (mid_ > kBase + kBand) mid_ = kBase + kBand - 1;
      if (mid_ < kBase - kBand) mid_ = kBase - kBand + 1;
    }
    const uint32_t pick = static_cast<uint32_t>(r >> 11) & 0x3FF;  // 10 bits: the message kind
    const Side side = (r2 & 1) != 0 ? Side::buy : Side::sell;
    const int64_t sign = side == Side::buy ? 1 : -1;
    if (pick < 154) {  // 15%: IOC through the touch
      n = NewOrder{};
      n.symbol = SymbolId(0);
      n.id = mint();
      n.side = side;
      n.tif = TimeInForce::ioc;
      n.price = Price(mid_ + sign * (1 + static_cast<int64_t>((r2 >> 1) & 3)));
      n.price_status = PriceStatus::ok;
      n.qty = Qty(100 * (1 + static_cast<int64_t>((r2 >> 3) & 1)));
      n.account = AccountId(1 + static_cast<uint32_t>((r2 >> 5) & 1023));
      return Kind::new_order;
    }
    if (s.id == 0) {  // empty slot: a new passive order
      const uint64_t x = (r2 >> 1) & 255;
      const int64_t d = static_cast<int64_t>((x * x * x) >> 16);
      n = NewOrder{};
      n.symbol = SymbolId(0);
      n.id = mint();
      n.side = side;
      n.tif = TimeInForce::gtc;
      n.price = Price(mid_ - sign * (1 + d));
      n.price_status = PriceStatus::ok;
      n.qty = Qty(100 * (1 + static_cast<int64_t>((r2 >> 9) & 7)));
      n.account = AccountId(1 + static_cast<uint32_t>((r2 >> 12) & 1023));
      s.id = n.id.value();
      s.price = n.price.value();
      return Kind::new_order;
    }
    if (pick < 154 + 522) {  // 60% of the rest: cancel
      c = CancelOrder{OrderId(s.id)};
      s.id = 0;
      return Kind::cancel;
    }
    m = ModifyOrder{};
    m.id = OrderId(s.id);
    m.has_qty = true;
    m.qty = Qty(100 * (1 + static_cast<int64_t>((r2 >> 9) & 7)));
    if ((r2 & 2) != 0) {
      s.price = std::max<int64_t>(1, s.price + ((r2 & 4) != 0 ? 1 : -1));
      m.price = Price(s.price);
      m.price_status = PriceStatus::ok;
    }
    return Kind::modify;
  }

 private:
  struct Slot {
    uint64_t id = 0;  // 0: empty
    int64_t price = 0;
  };

  [[nodiscard]] uint32_t slot_of(uint64_t r2) const { return static_cast<uint32_t>(((r2 >> 32) * nslots_) >> 32); }

  void draw() {
    r_ = rng_.next();
    r2_ = rng_.next();
    __builtin_prefetch(&slots_[slot_of(r2_)]);
  }

  OrderId mint() {
    const uint32_t s = rng_.below(static_cast<uint32_t>(seq_.size()));
    return OrderId((uint64_t{s + 1} << 32) | ++seq_[s]);
  }

  Rng rng_;
  std::unique_ptr<Slot[]> slots_;
  uint32_t nslots_;
  std::vector<uint64_t> seq_;
  int64_t mid_ = kBase;
  uint64_t r_ = 0;  // the next message's random bits
  uint64_t r2_ = 0;
};

/// WireSink plus the counts the soak reports.
struct SoakSink {
  WireSink wire;
  uint64_t trades = 0;
  uint64_t capacity = 0;
  uint64_t unknown = 0;
  uint64_t other = 0;
  void on_event(const Event& e) {
    wire.on_event(e);
    trades += e.type == EventType::trade ? 1 : 0;
    if (e.type == EventType::rejected) {
      capacity += e.reject == RejectReason::capacity ? 1 : 0;
      unknown += e.reject == RejectReason::unknown_order ? 1 : 0;
      other += e.reject != RejectReason::capacity && e.reject != RejectReason::unknown_order ? 1 : 0;
    }
  }
};

}  // namespace

uint64_t resident_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0;
  unsigned long long resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

SoakResult run_soak(const SoakParams& p, const std::function<bool(const SoakWindow&)>& on_window) {
  SoakSink sink;
  engine::Engine<SoakSink> e(make_engine_config(p.max_orders, 0, 1, p.prefault), sink);
  (void)e.add_symbol(engine::SymbolSpec{});
  SoakFlow flow(p);
  SoakResult result;
  NewOrder n;
  CancelOrder c;
  ModifyOrder m;
  uint64_t done = 0;
  while (done < p.messages) {
    const uint64_t end = std::min(p.messages, done + std::max<uint64_t>(p.report_every, 1));
    SoakWindow w;
    w.window_messages = end - done;
    const uint64_t trades0 = sink.trades;
    const uint64_t capacity0 = sink.capacity;
    const uint64_t unknown0 = sink.unknown;
    const uint64_t other0 = sink.other;
    const double c0 = thread_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (; done < end; ++done) {
      switch (flow.next(n, c, m)) {
        case SoakFlow::Kind::new_order:
          e.submit(n);
          ++w.new_orders;
          break;
        case SoakFlow::Kind::cancel:
          e.cancel(c);
          ++w.cancels;
          break;
        case SoakFlow::Kind::modify:
          e.modify(m);
          ++w.modifies;
          break;
      }
      if ((done & 4095) == 0) w.peak_resting = std::max<uint64_t>(w.peak_resting, e.resting_orders());
    }
    const auto t1 = std::chrono::steady_clock::now();
    w.cpu_seconds = thread_cpu_seconds() - c0;
    w.seconds = std::chrono::duration<double>(t1 - t0).count();
    w.messages_end = done;
    w.rss_bytes = resident_bytes();
    w.resting = e.resting_orders();
    w.peak_resting = std::max<uint64_t>(w.peak_resting, w.resting);
    w.trades = sink.trades - trades0;
    w.capacity_rejects = sink.capacity - capacity0;
    w.unknown_order_rejects = sink.unknown - unknown0;
    w.other_rejects = sink.other - other0;
    result.windows.push_back(w);
    if (on_window && !on_window(w)) break;
  }
  result.checksum = sink.wire.checksum();
  return result;
}

double soak_generator_ns_per_message(const SoakParams& p, uint64_t messages) {
  SoakFlow flow(p);
  NewOrder n;
  CancelOrder c;
  ModifyOrder m;
  uint64_t fold = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < messages; ++i) {
    switch (flow.next(n, c, m)) {
      case SoakFlow::Kind::new_order: fold += n.id.value() ^ static_cast<uint64_t>(n.price.value()); break;
      case SoakFlow::Kind::cancel: fold += c.id.value(); break;
      case SoakFlow::Kind::modify: fold += m.id.value() ^ static_cast<uint64_t>(m.qty.value()); break;
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  // Keep the fold alive without printing it.
  asm volatile("" : : "r"(fold) : "memory");
  return messages == 0 ? 0.0 : 1e9 * std::chrono::duration<double>(t1 - t0).count() / static_cast<double>(messages);
}

}  // namespace rialto::bench
