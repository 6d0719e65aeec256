// The on-disk layout of journal segments and snapshot files. The full
// specification, with the versioning and recovery rules, is docs/JOURNAL.md;
// change both together. All integers are little-endian.
//
// Segment file `journal-<first seq, 20 digits>.rj`:
//
//   offset  size  field
//   ------  ----  ------------------------------------------------------------
//        0     4  magic "RJNL"
//        4     2  format version (u16, kJournalVersion)
//        6     2  header length (u16, 32 in version 1)
//        8     4  shard (u32)
//       12     4  reserved, 0
//       16     8  first seq (u64): the seq of the segment's first record
//       24     4  reserved, 0
//       28     4  CRC32C of bytes [0, 28)
//       32        records, back to back, until the end of the file
//
// Record (17 + n bytes, no padding):
//
//        0     4  payload length n (u32, <= kMaxPayload)
//        4     4  CRC32C of bytes [8, 17 + n): seq, type and payload
//        8     8  seq (u64): consecutive from 1 across segments
//       16     1  record type (u8, the caller's)
//       17     n  payload (opaque to the journal)
//
// Snapshot file `snapshot-<seq, 20 digits>.rs` (28 + n bytes):
//
//        0     4  magic "RSNP"
//        4     2  format version (u16, kSnapshotVersion)
//        6     2  reserved, 0
//        8     8  seq (u64): the state after every record <= seq
//       16     8  payload length n (u64)
//       24     n  payload (opaque)
//   24 + n     4  CRC32C of bytes [0, 24 + n)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace rialto::journal {

inline constexpr uint32_t kJournalMagic = 0x4C4E4A52;   // "RJNL" as stored
inline constexpr uint32_t kSnapshotMagic = 0x504E5352;  // "RSNP" as stored
inline constexpr uint16_t kJournalVersion = 1;
inline constexpr uint16_t kSnapshotVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 32;
inline constexpr size_t kRecordHeaderSize = 17;
inline constexpr size_t kSnapshotHeaderSize = 24;
inline constexpr size_t kSnapshotTrailerSize = 4;
inline constexpr uint32_t kMaxPayload = 64 * 1024;

struct SegmentHeader {
  uint16_t version = kJournalVersion;
  uint32_t shard = 0;
  uint64_t first_seq = 1;
};

/// Writes the 32-byte version-1 header of `h` at out.
void encode_segment_header(const SegmentHeader& h, std::byte* out);

/// Checks and decodes a segment header from data[0, size). On failure returns
/// nullopt and sets *what to the reason ("bad magic", "header CRC mismatch",
/// "unknown format version 7", ...).
[[nodiscard]] std::optional<SegmentHeader> decode_segment_header(const std::byte* data, size_t size,
                                                                 std::string* what);

/// Writes the record's 17-byte header and payload at out (17 + n bytes).
void encode_record(uint64_t seq, uint8_t type, const void* payload, uint32_t n, std::byte* out);

/// "journal-00000000000000000001.rj"; "snapshot-00000000000000000001.rs".
[[nodiscard]] std::string segment_name(uint64_t first_seq);
[[nodiscard]] std::string snapshot_name(uint64_t seq);
/// The seq of a name made by segment_name / snapshot_name; nullopt for any
/// other name (exactly 20 digits are required).
[[nodiscard]] std::optional<uint64_t> parse_segment_name(std::string_view name);
[[nodiscard]] std::optional<uint64_t> parse_snapshot_name(std::string_view name);

inline uint16_t load_u16(const std::byte* p) {
  return static_cast<uint16_t>(static_cast<uint16_t>(p[0]) | static_cast<uint16_t>(p[1]) << 8);
}
inline uint32_t load_u32(const std::byte* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint32_t>(p[i]);
  return v;
}
inline uint64_t load_u64(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<uint64_t>(p[i]);
  return v;
}
inline void store_u16(std::byte* p, uint16_t v) {
  p[0] = static_cast<std::byte>(v);
  p[1] = static_cast<std::byte>(v >> 8);
}
inline void store_u32(std::byte* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
inline void store_u64(std::byte* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace rialto::journal
