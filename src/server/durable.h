// What the journal and the snapshots hold of a shard, byte for byte
// (docs/JOURNAL.md "Payloads"): one record per state-changing ShardInput, and
// the shard's whole state in a snapshot. Little-endian, fixed layouts; the
// readers check every length and enum and never trust a byte.
//
// Thread safety: none (pure functions; the writer/reader objects are local).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "shard_messages.h"

namespace rialto::server {

/// Record types are the InputKind values; sync and book change nothing and
/// are not journaled.
[[nodiscard]] constexpr bool journaled(InputKind k) { return k != InputKind::sync && k != InputKind::book; }

inline constexpr size_t kMaxInputPayload = 96;
inline constexpr size_t kCommonPayload = 20;  // session, cl_ord_id, token

/// Encodes `in` (journaled(in.kind)) into `out`; returns the length.
size_t encode_input(const ShardInput& in, uint8_t (&out)[kMaxInputPayload]);
/// Decodes a record of type `type`; false with `error` set on any bad length,
/// kind or enum value.
bool decode_input(uint8_t type, const uint8_t* p, size_t n, ShardInput* in, std::string* error);

/// Appends little-endian fields to a byte vector.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u32(uint32_t v) { put(&v, 4); }
  void u64(uint64_t v) { put(&v, 8); }
  void i64(int64_t v) { put(&v, 8); }
  void bytes(const void* p, size_t n) { put(p, n); }

 private:
  void put(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);  // x86-64 is little-endian (static_assert in durable.cc)
  }
  std::vector<uint8_t>& out_;
};

/// Reads little-endian fields; once a read runs past the end every later
/// read returns 0 and ok() is false.
class ByteReader {
 public:
  ByteReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  uint8_t u8() { return get<uint8_t>(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int64_t i64() { return get<int64_t>(); }
  void bytes(void* out, size_t n) {
    if (!take(n)) return std::memset(out, 0, n), void();
    std::memcpy(out, p_ + at_ - n, n);
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] size_t offset() const { return at_; }
  [[nodiscard]] size_t remaining() const { return n_ - at_; }

 private:
  bool take(size_t n) {
    if (!ok_ || n_ - at_ < n) return ok_ = false;
    at_ += n;
    return true;
  }
  template <class T>
  T get() {
    T v{};
    if (take(sizeof v)) std::memcpy(&v, p_ + at_ - sizeof v, sizeof v);
    return v;
  }
  const uint8_t* p_;
  size_t n_;
  size_t at_ = 0;
  bool ok_ = true;
};

/// The running hash of a shard's output: every engine event of every
/// journaled input, in order, as 11 little-endian 64-bit words (docs/JOURNAL.md
/// "Output hash"). Two runs over the same journal give the same value.
struct OutputHash {
  uint64_t value = 0x726961'6c746f00ULL;
  void add(const Event& e);
};

/// 16 lowercase hex digits.
std::string to_hex(uint64_t v);

/// One line per engine event with every field (what `rialto replay` prints).
void format_event(const Event& e, std::string& out);

}  // namespace rialto::server
