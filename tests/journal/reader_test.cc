// The readers' rules: torn tail (at every byte offset of the last record),
// corruption with the file and offset, salvage, seq gaps, unknown versions,
// empty segments, and reading from a seq.
#include "rialto/journal/reader.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "journal/helpers.h"
#include "rialto/journal/crc32c.h"

namespace rialto::journal::testing {
namespace {

const std::string kDir = "/data/shard-0";

// Writes records [first, last] as one segment (fsync policy, closed).
void write_segment(MemFs& fs, uint64_t first, uint64_t last) {
  std::string error;
  auto w = Writer::open(mem_options(), fs, first, &error);
  ASSERT_TRUE(w) << error;
  for (uint64_t s = first; s <= last; ++s) append_seq(*w, s);
  w->close();
}

// Records 1..20 in one segment; 21..40 in a second; 41..60 in a third.
void write_three_segments(MemFs& fs) {
  write_segment(fs, 1, 20);
  write_segment(fs, 21, 40);
  write_segment(fs, 41, 60);
}

TEST(Reader, shouldReadNothingFromAMissingDirectory) {
  MemFs fs;
  auto r = read_all(fs, "/nowhere");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.recovery.next_seq, 1u);
}

TEST(Reader, shouldReadEverySegmentInSeqOrder) {
  MemFs fs;
  write_three_segments(fs);
  auto r = read_all(fs, kDir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, 60));
  EXPECT_EQ(r.recovery.next_seq, 61u);
}

TEST(Reader, shouldStartFromAGivenSeqSkippingEarlierSegments) {
  MemFs fs;
  write_three_segments(fs);
  // The first segment is not even read: garbage there does not matter.
  fs.set_file(seg_path(kDir, 1), "garbage");
  auto r = read_all(fs, kDir, 25);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(25, 60));
  auto r2 = read_all(fs, kDir, 61);
  ASSERT_TRUE(r2.ok) << r2.error;
  EXPECT_TRUE(r2.records.empty());
  EXPECT_EQ(r2.recovery.next_seq, 61u);
}

TEST(Reader, shouldReportAJournalThatStartsAfterTheNeededSeq) {
  MemFs fs;
  write_segment(fs, 10, 20);
  auto r = read_all(fs, kDir, 5);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, seg_path(kDir, 10) + ": offset 0: the journal starts at seq 10 but records from seq 5 are needed");
}

TEST(Reader, shouldAcceptAnEmptyOrHeaderOnlyLastSegment) {
  for (bool header_only : {false, true}) {
    MemFs fs;
    write_segment(fs, 1, 20);
    std::string error;
    { auto w = Writer::open(mem_options(), fs, 21, &error); }  // header only
    if (!header_only) fs.set_file(seg_path(kDir, 21), "");
    auto r = read_all(fs, kDir);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.records, expected_range(1, 20));
    EXPECT_TRUE(r.recovery.warnings.empty());
    EXPECT_EQ(r.recovery.next_seq, 21u);
    // and the writer continues there, replacing the empty segment
    auto w = Writer::open(mem_options(), fs, 21, &error);
    ASSERT_TRUE(w) << error;
    append_seq(*w, 21);
    w->close();
    EXPECT_EQ(read_all(fs, kDir).records, expected_range(1, 21));
  }
}

// Cuts the last record of the last segment at every byte offset: recovery
// yields exactly the records before it, warns naming the file and offset,
// truncates, and the next recovery is clean.
TEST(Reader, shouldDropATornLastRecordCutAtAnyByte) {
  MemFs clean;
  write_three_segments(clean);
  const std::string last_path = seg_path(kDir, 41);
  const std::string data = clean.file(last_path);
  const size_t last = record_offsets(data).back();
  for (size_t cut = last + 1; cut < data.size(); ++cut) {
    SCOPED_TRACE(cut);
    MemFs fs;
    write_three_segments(fs);
    fs.set_file(last_path, data.substr(0, cut));
    auto r = read_all(fs, kDir);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.records, expected_range(1, 59));
    ASSERT_EQ(r.recovery.warnings.size(), 1u);
    const std::string what = cut - last < kRecordHeaderSize
                                 ? "incomplete record header: " + std::to_string(cut - last) + " of 17 bytes"
                                 : "incomplete record: " + std::to_string(cut - last) + " of " +
                                       std::to_string(data.size() - last) + " bytes";
    EXPECT_EQ(r.recovery.warnings[0], last_path + ": torn record at offset " + std::to_string(last) + " (" + what +
                                          "), the last of the journal: dropped; " + last_path + ": truncated from " +
                                          std::to_string(cut) + " to " + std::to_string(last) + " bytes");
    EXPECT_EQ(fs.file(last_path), data.substr(0, last));
    EXPECT_EQ(r.recovery.next_seq, 60u);
    auto again = read_all(fs, kDir);
    ASSERT_TRUE(again.ok) << again.error;
    EXPECT_EQ(again.records, expected_range(1, 59));
    EXPECT_TRUE(again.recovery.warnings.empty());
  }
}

// A torn tail whose missing bytes came back as garbage (any bytes after the
// cut): still a torn tail, unless the garbage holds a valid record.
RC_GTEST_PROP(Reader, shouldTreatGarbageAfterTheLastGoodRecordAsATornTail, (const std::string& garbage)) {
  RC_PRE(!garbage.empty());
  MemFs fs;
  write_segment(fs, 1, 20);
  const std::string path = seg_path(kDir, 1);
  const std::string data = fs.file(path);
  const size_t last = record_offsets(data).back();
  const size_t cut = *rc::gen::inRange<size_t>(last, data.size());
  std::string torn = data.substr(0, cut) + garbage;
  if (torn.size() >= data.size()) RC_PRE(torn.substr(last, data.size() - last) != data.substr(last));
  fs.set_file(path, torn);
  auto r = read_all(fs, kDir);
  RC_ASSERT(r.ok);
  RC_ASSERT(r.records == expected_range(1, 19));
  RC_ASSERT(r.recovery.warnings.size() == 1u);
  RC_ASSERT(fs.file(path) == data.substr(0, last));
}

TEST(Reader, shouldDropALastRecordWithABadCrcAsTorn) {
  MemFs fs;
  write_segment(fs, 1, 20);
  const std::string path = seg_path(kDir, 1);
  std::string data = fs.file(path);
  const size_t last = record_offsets(data).back();
  data[data.size() - 1] ^= 0x01;
  fs.set_file(path, data);
  auto r = read_all(fs, kDir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, 19));
  ASSERT_EQ(r.recovery.warnings.size(), 1u);
  EXPECT_EQ(r.recovery.warnings[0], path + ": torn record at offset " + std::to_string(last) +
                                        " (record CRC mismatch), the last of the journal: dropped; " + path +
                                        ": truncated from " + std::to_string(data.size()) + " to " +
                                        std::to_string(last) + " bytes");
}

TEST(Reader, shouldReportAFlippedByteInTheLastSegmentAsCorruptionWithFileAndOffset) {
  MemFs fs;
  write_segment(fs, 1, 20);
  const std::string path = seg_path(kDir, 1);
  std::string data = fs.file(path);
  const size_t at = record_offsets(data)[5];  // record seq 6
  data[at + 12] ^= 0x40;                      // inside its seq field
  fs.set_file(path, data);
  auto r = read_all(fs, kDir);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.records, expected_range(1, 5));
  EXPECT_EQ(r.error, path + ": offset " + std::to_string(at) + ": record CRC mismatch (a valid record follows it)");
  EXPECT_EQ(fs.file(path), data);  // nothing changed
}

TEST(Reader, shouldReportABadRecordInAnEarlierSegmentAsCorruption) {
  MemFs fs;
  write_three_segments(fs);
  const std::string path = seg_path(kDir, 21);
  std::string data = fs.file(path);
  const size_t at = record_offsets(data).back();  // seq 40, the segment's last
  data[at + kRecordHeaderSize] ^= 0x01;
  fs.set_file(path, data);
  auto r = read_all(fs, kDir);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.records, expected_range(1, 39));
  EXPECT_EQ(r.error, path + ": offset " + std::to_string(at) + ": record CRC mismatch");
}

TEST(Reader, shouldSalvageCorruptionByTruncatingThereAndRemovingLaterSegments) {
  MemFs fs;
  write_three_segments(fs);
  const std::string path = seg_path(kDir, 21);
  std::string data = fs.file(path);
  const size_t at = record_offsets(data)[4];  // seq 25
  data[at + 9] ^= 0x01;
  fs.set_file(path, data);
  auto r = read_all(fs, kDir, 1, /*salvage=*/true);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, 24));
  EXPECT_EQ(r.recovery.next_seq, 25u);
  ASSERT_EQ(r.recovery.warnings.size(), 1u);
  const std::string off = std::to_string(at);
  EXPECT_EQ(r.recovery.warnings[0], "salvage: " + path + ": offset " + off +
                                        ": record CRC mismatch; dropping the rest of the file from offset " + off +
                                        " and the later segments " + segment_name(41) + "; " + path +
                                        ": truncated from " + std::to_string(data.size()) + " to " + off +
                                        " bytes; removed " + seg_path(kDir, 41));
  EXPECT_FALSE(fs.exists(seg_path(kDir, 41)));
  EXPECT_EQ(fs.file(path), data.substr(0, at));
  auto again = read_all(fs, kDir);
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.records, expected_range(1, 24));
  EXPECT_TRUE(again.recovery.warnings.empty());
}

TEST(Reader, shouldReportAMissingSegmentAsAGap) {
  MemFs fs;
  write_three_segments(fs);
  ASSERT_EQ(fs.remove(seg_path(kDir, 21)), 0);
  auto r = read_all(fs, kDir);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.records, expected_range(1, 20));
  EXPECT_EQ(r.error, seg_path(kDir, 41) + ": offset 0: segment starts at seq 41 but the previous one ends before seq 21");
}

TEST(Reader, shouldReportANonConsecutiveSeqInsideASegment) {
  MemFs fs;
  write_segment(fs, 1, 3);
  const std::string path = seg_path(kDir, 1);
  std::string data = fs.file(path);
  // Append a well-formed record with seq 5 after seq 3.
  std::string rec(kRecordHeaderSize + 2, '\0');
  encode_record(5, 1, "hi", 2, reinterpret_cast<std::byte*>(rec.data()));
  fs.set_file(path, data + rec);
  auto r = read_all(fs, kDir);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.records, expected_range(1, 3));
  EXPECT_EQ(r.error, path + ": offset " + std::to_string(data.size()) + ": record has seq 5, 4 expected");
}

TEST(Reader, shouldReportAHeaderWhoseFirstSeqDisagreesWithTheName) {
  MemFs fs;
  write_segment(fs, 1, 3);
  fs.set_file(seg_path(kDir, 2), fs.file(seg_path(kDir, 1)));
  ASSERT_EQ(fs.remove(seg_path(kDir, 1)), 0);
  auto r = read_all(fs, kDir, 2);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, seg_path(kDir, 2) + ": offset 16: header says first seq 1, the file name 2");
}

TEST(Reader, shouldReportAnUnknownVersionAndABadHeader) {
  struct Case {
    size_t at;
    uint8_t value;
    bool fix_crc;
    std::string what;
  };
  const std::vector<Case> cases = {
      {4, 2, true, "unknown format version 2 (this release reads version 1)"},
      {0, 'X', false, "bad magic (not a journal segment)"},
      {6, 40, true, "header length 40, 32 expected"},
      {9, 1, false, "header CRC mismatch"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    MemFs fs;
    write_segment(fs, 1, 3);
    write_segment(fs, 4, 6);
    const std::string path = seg_path(kDir, 1);
    std::string data = fs.file(path);
    data[c.at] = static_cast<char>(c.value);
    if (c.fix_crc) store_u32(reinterpret_cast<std::byte*>(data.data() + 28), crc32c(data.data(), 28));
    fs.set_file(path, data);
    auto r = read_all(fs, kDir);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(r.error, path + ": offset 0: " + c.what);
  }
}

TEST(Reader, shouldRemoveALastSegmentWithATornHeader) {
  MemFs fs;
  write_segment(fs, 1, 5);
  const std::string torn = seg_path(kDir, 6);
  std::string error;
  { auto w = Writer::open(mem_options(), fs, 6, &error); }
  fs.set_file(torn, fs.file(torn).substr(0, 10));
  auto r = read_all(fs, kDir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, 5));
  ASSERT_EQ(r.recovery.warnings.size(), 1u);
  EXPECT_EQ(r.recovery.warnings[0], torn + ": torn segment header (10 bytes), the last of the journal: dropped; " +
                                        torn + ": removed (10 bytes)");
  EXPECT_FALSE(fs.exists(torn));
  EXPECT_EQ(r.recovery.next_seq, 6u);
}

TEST(Reader, shouldGiveRecordsTheirFileAndOffset) {
  MemFs fs;
  write_segment(fs, 1, 3);
  std::string error;
  ReaderOptions o;
  o.dir = kDir;
  auto reader = Reader::open(o, fs, &error);
  ASSERT_TRUE(reader) << error;
  const auto offsets = record_offsets(fs.file(seg_path(kDir, 1)));
  Record rec;
  for (uint64_t s = 1; s <= 3; ++s) {
    ASSERT_EQ(reader->next(&rec), ReadStatus::record);
    EXPECT_EQ(rec.seq, s);
    EXPECT_EQ(rec.file, seg_path(kDir, 1));
    EXPECT_EQ(rec.offset, offsets[s - 1]);
  }
  EXPECT_EQ(reader->next(&rec), ReadStatus::end);
  EXPECT_EQ(reader->next(&rec), ReadStatus::end);
  EXPECT_EQ(reader->next_seq(), 4u);
}

}  // namespace
}  // namespace rialto::journal::testing
