// Any bytes as a journal segment, and as a snapshot file, through the readers
// on MemFs: no crash, no overread (ASan), every error names the file and an
// offset, every accepted record's CRC verifies against the bytes it came from,
// seqs are consecutive, and after a repair the next read is clean.
//
// Input: byte 0 picks the segment's first seq (1..16) and whether it is the
// last segment (a second, empty segment follows it otherwise); the rest is
// the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "journal/mem_fs.h"
#include "rialto/journal/crc32c.h"
#include "rialto/journal/format.h"
#include "rialto/journal/reader.h"
#include "rialto/journal/snapshot.h"

using namespace rialto::journal;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool names_file_and_offset(const std::string& message, const std::string& path) {
  return message.find(path) != std::string::npos &&
         (message.find("offset") != std::string::npos || message.find("torn segment header") != std::string::npos);
}

void read_segment(const uint8_t* data, size_t size, bool salvage) {
  const uint64_t first = 1 + (data[0] & 0x0F);
  const bool last = (data[0] & 0x10) == 0;
  const std::string dir = "/d";
  const std::string path = join_path(dir, segment_name(first));
  testing::MemFs fs;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  fs.set_file(path, bytes);
  const std::string next_path = join_path(dir, segment_name(first + 1000));
  if (!last) fs.set_file(next_path, "");
  auto well_formed = [&](const std::string& m) {
    return names_file_and_offset(m, path) || (!last && names_file_and_offset(m, next_path));
  };

  ReaderOptions o;
  o.dir = dir;
  o.from_seq = first;
  o.salvage = salvage;
  std::string error;
  auto reader = Reader::open(o, fs, &error);
  check(reader != nullptr);
  Record rec;
  uint64_t expect = first;
  for (;;) {
    const ReadStatus s = reader->next(&rec);
    if (s == ReadStatus::record) {
      check(rec.seq == expect++);
      check(rec.offset + kRecordHeaderSize + rec.payload.size() <= bytes.size() && rec.file == path);
      const auto* r = reinterpret_cast<const std::byte*>(bytes.data() + rec.offset);
      check(load_u32(r) == rec.payload.size());
      check(crc32c(r + 8, 9 + rec.payload.size()) == load_u32(r + 4));
      check(std::memcmp(r + kRecordHeaderSize, rec.payload.data(), rec.payload.size()) == 0);
      continue;
    }
    if (s == ReadStatus::end) break;
    check(!reader->message().empty());
    if (s == ReadStatus::corruption) {
      check(!salvage);
      check(well_formed(reader->message()));
      return;
    }
    check(well_formed(reader->message()));
    std::string report;
    check(reader->repair(&report));
    check(reader->next(&rec) == ReadStatus::end);
    // The repaired journal reads clean and yields the same records.
    ReaderOptions again = o;
    again.salvage = false;
    auto second = Reader::open(again, fs, &error);
    check(second != nullptr);
    uint64_t n = first;
    for (;;) {
      const ReadStatus t = second->next(&rec);
      if (t != ReadStatus::record) {
        check(t == ReadStatus::end);
        break;
      }
      check(rec.seq == n++);
    }
    check(n == expect);
    return;
  }
}

void read_snapshot_bytes(const uint8_t* data, size_t size) {
  testing::MemFs fs;
  const std::string path = "/d/" + snapshot_name(data[0]);
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  fs.set_file(path, bytes);
  uint64_t seq = 0;
  std::vector<std::byte> payload;
  std::string error;
  if (read_snapshot(fs, path, &seq, &payload, &error)) {
    check(seq == data[0]);
    check(bytes.size() == kSnapshotHeaderSize + payload.size() + kSnapshotTrailerSize);
    const auto* b = reinterpret_cast<const std::byte*>(bytes.data());
    check(crc32c(b, kSnapshotHeaderSize + payload.size()) == load_u32(b + kSnapshotHeaderSize + payload.size()));
  } else {
    check(error.find(path + ": ") == 0 && (error.find("offset") != std::string::npos));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  read_segment(data, size, false);
  read_segment(data, size, true);
  read_snapshot_bytes(data, size);
  return 0;
}
