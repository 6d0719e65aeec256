#include "rialto/journal/format.h"

#include <cstdio>

#include "rialto/journal/crc32c.h"

namespace rialto::journal {

void encode_segment_header(const SegmentHeader& h, std::byte* out) {
  std::memset(out, 0, kSegmentHeaderSize);
  store_u32(out, kJournalMagic);
  store_u16(out + 4, h.version);
  store_u16(out + 6, static_cast<uint16_t>(kSegmentHeaderSize));
  store_u32(out + 8, h.shard);
  store_u64(out + 16, h.first_seq);
  store_u32(out + 28, crc32c(out, 28));
}

std::optional<SegmentHeader> decode_segment_header(const std::byte* data, size_t size, std::string* what) {
  if (size < kSegmentHeaderSize) {
    *what = "header is " + std::to_string(size) + " bytes, " + std::to_string(kSegmentHeaderSize) + " expected";
    return std::nullopt;
  }
  if (load_u32(data) != kJournalMagic) {
    *what = "bad magic (not a journal segment)";
    return std::nullopt;
  }
  // The version is checked before the CRC: a later release may lay out the
  // rest of the header differently, and "unknown version" is the better message.
  const uint16_t version = load_u16(data + 4);
  if (version != kJournalVersion) {
    *what = "unknown format version " + std::to_string(version) + " (this release reads version " +
            std::to_string(kJournalVersion) + ")";
    return std::nullopt;
  }
  const uint16_t header_len = load_u16(data + 6);
  if (header_len != kSegmentHeaderSize) {
    *what = "header length " + std::to_string(header_len) + ", " + std::to_string(kSegmentHeaderSize) + " expected";
    return std::nullopt;
  }
  if (crc32c(data, 28) != load_u32(data + 28)) {
    *what = "header CRC mismatch";
    return std::nullopt;
  }
  SegmentHeader h;
  h.version = version;
  h.shard = load_u32(data + 8);
  h.first_seq = load_u64(data + 16);
  return h;
}

void encode_record(uint64_t seq, uint8_t type, const void* payload, uint32_t n, std::byte* out) {
  store_u32(out, n);
  store_u64(out + 8, seq);
  out[16] = static_cast<std::byte>(type);
  if (n > 0) std::memcpy(out + kRecordHeaderSize, payload, n);
  store_u32(out + 4, crc32c(out + 8, 9 + size_t{n}));
}

namespace {

std::string numbered(const char* prefix, uint64_t seq, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%020llu%s", prefix, static_cast<unsigned long long>(seq), suffix);
  return buf;
}

std::optional<uint64_t> parse_numbered(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (name.size() != prefix.size() + 20 + suffix.size()) return std::nullopt;
  if (name.substr(0, prefix.size()) != prefix || name.substr(prefix.size() + 20) != suffix) return std::nullopt;
  uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

std::string segment_name(uint64_t first_seq) { return numbered("journal-", first_seq, ".rj"); }
std::string snapshot_name(uint64_t seq) { return numbered("snapshot-", seq, ".rs"); }
std::optional<uint64_t> parse_segment_name(std::string_view name) { return parse_numbered(name, "journal-", ".rj"); }
std::optional<uint64_t> parse_snapshot_name(std::string_view name) {
  return parse_numbered(name, "snapshot-", ".rs");
}

}  // namespace rialto::journal
