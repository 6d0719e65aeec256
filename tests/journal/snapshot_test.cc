// Snapshot files: round trip and exact layout, every validation error, the
// fall-back to an older snapshot, atomic writing, and retention.
#include "rialto/journal/snapshot.h"

#include <gtest/gtest.h>

#include "journal/fault_fs.h"
#include "journal/helpers.h"
#include "rialto/journal/crc32c.h"

namespace rialto::journal::testing {
namespace {

const std::string kDir = "/data/shard-0";

std::vector<std::byte> bytes(const std::string& s) {
  std::vector<std::byte> v(s.size());
  std::memcpy(v.data(), s.data(), s.size());
  return v;
}

TEST(Snapshot, shouldRoundTripWithTheDocumentedLayout) {
  MemFs fs;
  std::string error;
  const auto payload = bytes("the engine state");
  ASSERT_TRUE(write_snapshot(fs, kDir, 42, payload, &error)) << error;
  const std::string path = join_path(kDir, "snapshot-00000000000000000042.rs");
  const std::string data = fs.file(path);
  ASSERT_EQ(data.size(), 24u + payload.size() + 4u);
  EXPECT_EQ(data.substr(0, 4), "RSNP");
  const auto* d = reinterpret_cast<const std::byte*>(data.data());
  EXPECT_EQ(load_u16(d + 4), 1u);
  EXPECT_EQ(load_u16(d + 6), 0u);
  EXPECT_EQ(load_u64(d + 8), 42u);
  EXPECT_EQ(load_u64(d + 16), payload.size());
  EXPECT_EQ(data.substr(24, payload.size()), "the engine state");
  EXPECT_EQ(load_u32(d + 24 + payload.size()), crc32c(d, 24 + payload.size()));
  EXPECT_FALSE(fs.exists(path + ".tmp"));

  uint64_t seq = 0;
  std::vector<std::byte> got;
  ASSERT_TRUE(read_snapshot(fs, path, &seq, &got, &error)) << error;
  EXPECT_EQ(seq, 42u);
  EXPECT_EQ(got, payload);
}

TEST(Snapshot, shouldListNewestFirst) {
  MemFs fs;
  std::string error;
  for (uint64_t s : {5, 300, 40}) ASSERT_TRUE(write_snapshot(fs, kDir, s, bytes("x"), &error)) << error;
  fs.set_file(join_path(kDir, "snapshot-1.rs"), "not one of ours");
  std::vector<SnapshotFile> list;
  ASSERT_TRUE(list_snapshots(fs, kDir, &list, &error)) << error;
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].seq, 300u);
  EXPECT_EQ(list[1].seq, 40u);
  EXPECT_EQ(list[2].seq, 5u);
  EXPECT_EQ(list[0].path, join_path(kDir, snapshot_name(300)));
}

TEST(Snapshot, shouldReportEveryKindOfDamageWithFileAndOffset) {
  MemFs fs;
  std::string error;
  ASSERT_TRUE(write_snapshot(fs, kDir, 7, bytes("payload!"), &error)) << error;
  const std::string path = join_path(kDir, snapshot_name(7));
  const std::string good = fs.file(path);
  struct Case {
    std::string data;
    std::string what;
  };
  std::string bad_version = good;
  bad_version[4] = 3;
  std::string bad_len = good;
  bad_len[16] = 9;
  std::string flipped = good;
  flipped[26] ^= 0x20;
  std::string bad_magic = good;
  bad_magic[1] = 'x';
  std::string wrong_seq = good;
  wrong_seq[8] = 8;
  store_u32(reinterpret_cast<std::byte*>(wrong_seq.data() + 32), crc32c(wrong_seq.data(), 32));
  const std::vector<Case> cases = {
      {good.substr(0, 20), "offset 20: file is 20 bytes, shorter than an empty snapshot (28)"},
      {bad_magic, "offset 0: bad magic (not a snapshot)"},
      {bad_version, "offset 4: unknown snapshot format version 3 (this release reads version 1)"},
      {bad_len, "offset 16: payload length 9 does not match the file size 36"},
      {flipped, "offset 32: snapshot CRC mismatch"},
      {good.substr(0, good.size() - 1), "offset 16: payload length 8 does not match the file size 35"},
      {wrong_seq, "offset 8: snapshot says seq 8, the file name 7"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    fs.set_file(path, c.data);
    uint64_t seq = 0;
    std::vector<std::byte> payload;
    EXPECT_FALSE(read_snapshot(fs, path, &seq, &payload, &error));
    EXPECT_EQ(error, path + ": " + c.what);
  }
}

TEST(Snapshot, shouldFallBackToAnOlderSnapshotWhenTheNewestIsBad) {
  MemFs fs;
  std::string error;
  ASSERT_TRUE(write_snapshot(fs, kDir, 10, bytes("older"), &error)) << error;
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, bytes("newer"), &error)) << error;
  const std::string newest = join_path(kDir, snapshot_name(20));
  std::string data = fs.file(newest);
  data[25] ^= 0x01;
  fs.set_file(newest, data);
  LoadedSnapshot loaded;
  ASSERT_TRUE(load_newest_snapshot(fs, kDir, &loaded, &error)) << error;
  EXPECT_TRUE(loaded.found);
  EXPECT_EQ(loaded.seq, 10u);
  EXPECT_EQ(loaded.payload, bytes("older"));
  EXPECT_EQ(loaded.path, join_path(kDir, snapshot_name(10)));
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_EQ(loaded.warnings[0], newest + ": offset 29: snapshot CRC mismatch; skipped, trying an older snapshot");

  // Both bad: none found, both warned about.
  fs.set_file(join_path(kDir, snapshot_name(10)), "junk");
  ASSERT_TRUE(load_newest_snapshot(fs, kDir, &loaded, &error)) << error;
  EXPECT_FALSE(loaded.found);
  EXPECT_EQ(loaded.warnings.size(), 2u);
  EXPECT_TRUE(loaded.payload.empty());
}

TEST(Snapshot, shouldLeaveNoFileWhenTheRenameFails) {
  MemFs mem;
  FaultRules rules;
  rules.fail_rename = true;
  FaultFs fs(mem, rules);
  std::string error;
  EXPECT_FALSE(write_snapshot(fs, kDir, 3, bytes("abc"), &error));
  const std::string path = join_path(kDir, snapshot_name(3));
  EXPECT_EQ(error, path + ".tmp: rename to " + snapshot_name(3) + " failed: Input/output error (EIO)");
  std::vector<std::string> names;
  ASSERT_EQ(mem.list_dir(kDir, &names), 0);
  EXPECT_TRUE(names.empty());
}

TEST(Snapshot, shouldNotBeVisibleUntilRenamedWhenTheSyncFails) {
  MemFs mem;
  FaultRules rules;
  rules.fail_sync_at = 1;
  FaultFs fs(mem, rules);
  std::string error;
  EXPECT_FALSE(write_snapshot(fs, kDir, 3, bytes("abc"), &error));
  EXPECT_EQ(error, join_path(kDir, snapshot_name(3)) + ".tmp: fdatasync failed: Input/output error (EIO)");
  std::vector<SnapshotFile> list;
  ASSERT_TRUE(list_snapshots(mem, kDir, &list, &error));
  EXPECT_TRUE(list.empty());
}

TEST(Snapshot, shouldSurviveACrashRightAfterWriting) {
  MemFs fs;
  std::string error;
  ASSERT_TRUE(write_snapshot(fs, kDir, 9, bytes("durable"), &error)) << error;
  fs.crash();
  LoadedSnapshot loaded;
  ASSERT_TRUE(load_newest_snapshot(fs, kDir, &loaded, &error)) << error;
  EXPECT_TRUE(loaded.found);
  EXPECT_EQ(loaded.payload, bytes("durable"));
}

TEST(Retention, shouldKeepTwoSnapshotsAndTheSegmentsTheOlderOneNeeds) {
  MemFs fs;
  std::string error;
  // Segments: [1..20] [21..40] [41..60] [61..]
  for (uint64_t first : {1, 21, 41, 61}) {
    auto w = Writer::open(mem_options(), fs, first, &error);
    ASSERT_TRUE(w) << error;
    for (uint64_t s = first; s < first + 20; ++s) append_seq(*w, s);
  }
  for (uint64_t s : {15, 40, 55}) ASSERT_TRUE(write_snapshot(fs, kDir, s, bytes("s"), &error)) << error;
  fs.set_file(join_path(kDir, snapshot_name(70)) + ".tmp", "half written");
  std::vector<std::string> removed;
  ASSERT_TRUE(apply_retention(fs, kDir, 2, &removed, &error)) << error;
  std::sort(removed.begin(), removed.end());
  // Kept: snapshots 55 and 40. Segments whose records are all <= 40: [1..20], [21..40].
  EXPECT_EQ(removed, (std::vector<std::string>{segment_name(1), segment_name(21), snapshot_name(15),
                                               snapshot_name(70) + ".tmp"}));
  // Recovery from either kept snapshot still works.
  auto from_older = read_all(fs, kDir, 41);
  ASSERT_TRUE(from_older.ok) << from_older.error;
  EXPECT_EQ(from_older.records, expected_range(41, 80));
  auto from_newer = read_all(fs, kDir, 56);
  ASSERT_TRUE(from_newer.ok) << from_newer.error;
  EXPECT_EQ(from_newer.records, expected_range(56, 80));
}

TEST(Retention, shouldRemoveNoSegmentWithFewerSnapshotsThanKept) {
  MemFs fs;
  std::string error;
  for (uint64_t first : {1, 21}) {
    auto w = Writer::open(mem_options(), fs, first, &error);
    ASSERT_TRUE(w) << error;
    for (uint64_t s = first; s < first + 20; ++s) append_seq(*w, s);
  }
  ASSERT_TRUE(write_snapshot(fs, kDir, 30, bytes("s"), &error)) << error;
  std::vector<std::string> removed;
  ASSERT_TRUE(apply_retention(fs, kDir, 2, &removed, &error)) << error;
  EXPECT_TRUE(removed.empty());
  EXPECT_TRUE(fs.exists(seg_path(kDir, 1)));
}

TEST(Retention, shouldNeverRemoveTheLastSegment) {
  MemFs fs;
  std::string error;
  {
    auto w = Writer::open(mem_options(), fs, 1, &error);
    ASSERT_TRUE(w) << error;
    for (uint64_t s = 1; s <= 10; ++s) append_seq(*w, s);
  }
  for (uint64_t s : {5, 10}) ASSERT_TRUE(write_snapshot(fs, kDir, s, bytes("s"), &error)) << error;
  std::vector<std::string> removed;
  ASSERT_TRUE(apply_retention(fs, kDir, 2, &removed, &error)) << error;
  EXPECT_TRUE(removed.empty());
  EXPECT_TRUE(fs.exists(seg_path(kDir, 1)));
}

}  // namespace
}  // namespace rialto::journal::testing
