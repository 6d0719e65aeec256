// The benchmark's event sink: does the work a market-data / execution-report
// publisher would do with each event, so the engine is never measured against
// a sink the compiler can delete.
//
// Every event is encoded into a fixed-size 48-byte little-endian record in a
// preallocated ring of kRecords records (the ring stands for a shared-memory
// queue to a publisher thread; here nobody consumes it, the writer simply
// wraps), and folded into a running checksum that the benchmark prints.
//
// Record layout (bytes):
//   0      8      16     24     32     40   44 45 46 47 48
//   | seq  |  id  |maker/| price| qty  |sym |ty|sd|rs|  |
//   |      |      |count |      |      |    |  |  |  |  |
//   maker for trades, level order count for book_update; rs = reject or
//   cancel reason.
//
// Thread safety: none; owned by the engine thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "rialto/core/types.h"

namespace rialto::bench {

struct WireRecord {
  uint64_t seq;
  uint64_t id;
  uint64_t aux;  // maker id (trade) or order count (book_update)
  int64_t price;
  int64_t qty;
  uint32_t symbol;
  uint8_t type;
  uint8_t side;
  uint8_t reason;
  uint8_t pad;
};
static_assert(sizeof(WireRecord) == 48);

class WireSink {
 public:
  static constexpr size_t kRecords = 1024;  // 48 KiB: stays in L2 beside the book

  WireSink() : ring_(std::make_unique<WireRecord[]>(kRecords)) {}

  void on_event(const Event& e) {
    WireRecord& r = ring_[written_ & (kRecords - 1)];
    r.seq = e.seq.value();
    r.id = e.id.value();
    r.aux = e.type == EventType::book_update ? e.count : e.maker.value();
    r.price = e.price.value();
    r.qty = e.qty.value();
    r.symbol = e.symbol.value();
    r.type = static_cast<uint8_t>(e.type);
    r.side = static_cast<uint8_t>(e.side);
    r.reason = static_cast<uint8_t>(e.reject) | static_cast<uint8_t>(e.cancel);
    r.pad = 0;
    // Order-sensitive checksum over the encoded fields.
    checksum_ = (checksum_ ^ (r.id + r.aux * 31 + static_cast<uint64_t>(r.price) * 131 +
                              static_cast<uint64_t>(r.qty) * 8191 + (uint64_t{r.type} << 56) + r.seq)) *
                0x100000001B3ull;
    ++written_;
  }

  [[nodiscard]] uint64_t events() const { return written_; }
  [[nodiscard]] uint64_t checksum() const { return checksum_; }
  void reset() {
    written_ = 0;
    checksum_ = 0xCBF29CE484222325ull;
  }

 private:
  std::unique_ptr<WireRecord[]> ring_;
  uint64_t written_ = 0;
  uint64_t checksum_ = 0xCBF29CE484222325ull;
};

}  // namespace rialto::bench
