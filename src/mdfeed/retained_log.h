// The publisher's retained log: the last messages of the feed, each stored
// as the whole SoupBinTCP Sequenced Data packet a subscriber is sent, in a
// ring of bytes bounded both in bytes and in messages. A subscriber is a
// cursor (the sequence number of the next message it is owed) into it.
//
//   bytes_ (ring, capacity C)      absolute positions grow forever; a byte at
//   +--------------------------+   position p lives at bytes_[p % C]
//   | .. |len|S|msg|len|S|msg| |
//   +--------------------------+   start_[seq % M] = position of packet `seq`
//        ^head_ (first_)     ^tail_ (next_)
//
// Appending evicts the oldest packets until the new one fits both bounds.
// Sequence numbers start at 1 (SoupBinTCP: the first sequenced message is 1).
//
// Thread safety: none; the publisher thread owns it.
// Invariants: first() <= next(); every seq in [first(), next()) is held whole;
// tail_ - head_ <= C; next() - first() <= M.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <memory>

#include "rialto/itch/soup.h"

namespace rialto::mdfeed::detail {

class RetainedLog {
 public:
  /// `bytes` >= the largest packet; `messages` >= 1.
  /// Nothing is touched here: the pages are mapped as the log fills.
  RetainedLog(size_t bytes, size_t messages)
      : cap_(bytes), slots_(messages), bytes_(new char[bytes]), start_(new uint64_t[messages]) {
    assert(bytes >= 3 + itch::kMaxMessageSize && messages >= 1);
  }

  [[nodiscard]] uint64_t first() const { return first_; }
  [[nodiscard]] uint64_t next() const { return next_; }
  [[nodiscard]] bool holds(uint64_t seq) const { return seq >= first_ && seq < next_; }
  [[nodiscard]] size_t size_bytes() const { return static_cast<size_t>(tail_ - head_); }

  /// Appends `msg` as a Sequenced Data packet numbered next().
  void append(const char* msg, size_t n) {
    const size_t packet = itch::soup::kHeaderSize + n;
    assert(packet <= cap_);
    while (next_ > first_ && (tail_ - head_ + packet > cap_ || next_ - first_ >= slots_)) {
      ++first_;
      head_ = first_ == next_ ? tail_ : start_[first_ % slots_];
    }
    char header[itch::soup::kHeaderSize];
    itch::soup::put_header(header, itch::soup::PacketType::sequenced_data, n);
    start_[next_ % slots_] = tail_;
    put(header, sizeof header);
    put(msg, n);
    ++next_;
    if (first_ == next_ - 1) head_ = start_[first_ % slots_];
  }

  /// Appends to `out` the packets from `seq` (held) on, whole, until `max_bytes`
  /// would be exceeded (at least one); returns the sequence number after the last.
  uint64_t copy(uint64_t seq, size_t max_bytes, std::string& out) const {
    assert(holds(seq));
    const uint64_t from = start_[seq % slots_];
    uint64_t to = from;
    uint64_t s = seq;
    while (s < next_) {
      const uint64_t end = s + 1 == next_ ? tail_ : start_[(s + 1) % slots_];
      if (s > seq && end - from > max_bytes) break;
      to = end;
      ++s;
    }
    get(from, static_cast<size_t>(to - from), out);
    return s;
  }

 private:
  void put(const char* p, size_t n) {
    const size_t cap = cap_;
    const size_t at = static_cast<size_t>(tail_ % cap);
    const size_t first_part = n < cap - at ? n : cap - at;
    std::memcpy(bytes_.get() + at, p, first_part);
    std::memcpy(bytes_.get(), p + first_part, n - first_part);
    tail_ += n;
  }
  void get(uint64_t pos, size_t n, std::string& out) const {
    const size_t cap = cap_;
    const size_t at = static_cast<size_t>(pos % cap);
    const size_t first_part = n < cap - at ? n : cap - at;
    out.append(bytes_.get() + at, first_part);
    out.append(bytes_.get(), n - first_part);
  }

  size_t cap_;
  size_t slots_;
  std::unique_ptr<char[]> bytes_;
  std::unique_ptr<uint64_t[]> start_;
  uint64_t head_ = 0;  // position of packet first_ (== tail_ when empty)
  uint64_t tail_ = 0;
  uint64_t first_ = 1;
  uint64_t next_ = 1;
};

}  // namespace rialto::mdfeed::detail
