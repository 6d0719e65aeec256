// Shared helpers of the journal tests: deterministic payloads, reading a whole
// directory back, and byte surgery on files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "journal/mem_fs.h"
#include "rialto/journal/format.h"
#include "rialto/journal/reader.h"
#include "rialto/journal/writer.h"

namespace rialto::journal::testing {

struct Rec {
  uint64_t seq = 0;
  uint8_t type = 0;
  std::string payload;
  bool operator==(const Rec&) const = default;
};

/// The payload record `seq` gets in these tests: length and bytes from seq.
inline std::string payload_for(uint64_t seq, size_t max_len = 200) {
  const size_t n = (seq * 7919) % (max_len + 1);
  std::string p(n, '\0');
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>((seq * 31 + i * 17) & 0xFF);
  return p;
}

inline uint8_t type_for(uint64_t seq) { return static_cast<uint8_t>(seq % 5); }

inline Rec expected_rec(uint64_t seq, size_t max_len = 200) { return Rec{seq, type_for(seq), payload_for(seq, max_len)}; }

inline std::vector<Rec> expected_range(uint64_t first, uint64_t last, size_t max_len = 200) {
  std::vector<Rec> v;
  for (uint64_t s = first; s <= last; ++s) v.push_back(expected_rec(s, max_len));
  return v;
}

inline uint64_t append_seq(Writer& w, uint64_t seq, size_t max_len = 200) {
  const std::string p = payload_for(seq, max_len);
  return w.append(type_for(seq), p.data(), static_cast<uint32_t>(p.size()));
}

inline WriterOptions mem_options(Policy policy = Policy::fsync) {
  WriterOptions o;
  o.dir = "/data/shard-0";
  o.policy = policy;
  o.batch_bytes = 1 << 17;
  return o;
}

struct ReadAll {
  bool ok = false;
  std::vector<Rec> records;
  Recovery recovery;
  std::string error;
};

inline ReadAll read_all(Fs& fs, const std::string& dir, uint64_t from_seq = 1, bool salvage = false) {
  ReadAll r;
  ReaderOptions o;
  o.dir = dir;
  o.from_seq = from_seq;
  o.salvage = salvage;
  r.ok = recover(
      fs, o,
      [&](const Record& rec) {
        r.records.push_back(Rec{rec.seq, rec.type,
                                std::string(reinterpret_cast<const char*>(rec.payload.data()), rec.payload.size())});
        return true;
      },
      &r.recovery, &r.error);
  return r;
}

inline std::string seg_path(const std::string& dir, uint64_t first_seq) { return join_path(dir, segment_name(first_seq)); }

/// Byte offsets of each record in a segment file's bytes.
inline std::vector<size_t> record_offsets(const std::string& data) {
  std::vector<size_t> v;
  size_t pos = kSegmentHeaderSize;
  while (pos + kRecordHeaderSize <= data.size()) {
    v.push_back(pos);
    pos += kRecordHeaderSize + load_u32(reinterpret_cast<const std::byte*>(data.data() + pos));
  }
  return v;
}

}  // namespace rialto::journal::testing
