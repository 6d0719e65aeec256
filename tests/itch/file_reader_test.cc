// The length-prefixed file reader: whole files, byte-at-a-time input,
// truncation at the end and bad messages in the middle, each reported with
// its byte offset and message index.
#include "rialto/itch/file_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace rialto::itch {
namespace {

std::string prefixed(const Message& m) {
  char buf[kMaxMessageSize];
  const std::size_t n = encode(m, buf);
  std::string out;
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(n & 0xff);
  out.append(buf, n);
  return out;
}

std::vector<Message> sample() {
  StockDirectory r;
  r.header = Header{1, 0, 100};
  r.stock = make_alpha<8>("ACME");
  r.round_lot_size = 100;
  return {SystemEvent{Header{0, 0, 1}, 'O'},
          r,
          AddOrder{Header{1, 0, 200}, 5, 'B', 100, make_alpha<8>("ACME"), 1010000},
          OrderExecuted{Header{1, 0, 300}, 5, 40, 1},
          OrderDelete{Header{1, 0, 400}, 5},
          SystemEvent{Header{0, 0, 500}, 'C'}};
}

std::vector<Message> drain(LengthPrefixedReader& r) {
  std::vector<Message> out;
  Message m;
  std::string_view raw;
  while (r.next(&m, &raw) == LengthPrefixedReader::Next::message) {
    char buf[kMaxMessageSize];
    EXPECT_EQ(std::string(buf, encode(m, buf)), std::string(raw));
    out.push_back(m);
  }
  return out;
}

TEST(ItchFileReader, readsEveryMessageOfABufferInOrder) {
  std::string all;
  for (const auto& m : sample()) all += prefixed(m);
  LengthPrefixedReader r;
  r.append(all.data(), all.size());
  EXPECT_EQ(drain(r), sample());
  EXPECT_EQ(r.finish(), LengthPrefixedReader::Next::need_more);
  EXPECT_EQ(r.messages(), 6u);
  EXPECT_EQ(r.offset(), all.size());
}

TEST(ItchFileReader, readsTheSameMessagesFedOneByteAtATime) {
  std::string all;
  for (const auto& m : sample()) all += prefixed(m);
  LengthPrefixedReader r;
  std::vector<Message> got;
  for (char c : all) {
    r.append(&c, 1);
    for (auto& m : drain(r)) got.push_back(m);
  }
  EXPECT_EQ(got, sample());
  EXPECT_EQ(r.finish(), LengthPrefixedReader::Next::need_more);
}

TEST(ItchFileReader, reportsATruncatedLastMessageWithItsOffsetAndIndex) {
  std::string all;
  for (const auto& m : sample()) all += prefixed(m);
  const std::string last = prefixed(AddOrder{Header{1, 0, 600}, 6, 'S', 10, make_alpha<8>("ACME"), 1020000});
  const std::size_t offset = all.size();
  all += last.substr(0, 20);  // 2 + 18 of 36
  LengthPrefixedReader r;
  r.append(all.data(), all.size());
  EXPECT_EQ(drain(r).size(), 6u);
  EXPECT_EQ(r.finish(), LengthPrefixedReader::Next::error);
  EXPECT_EQ(r.error().offset, offset);
  EXPECT_EQ(r.error().index, 6u);
  EXPECT_EQ(r.error().what,
            "message 6 at offset " + std::to_string(offset) + ": truncated: length 36 but only 18 bytes follow");
}

TEST(ItchFileReader, reportsAHalfLengthPrefixAtTheEnd) {
  const std::string all = prefixed(sample()[0]) + std::string(1, '\0');
  LengthPrefixedReader r;
  r.append(all.data(), all.size());
  EXPECT_EQ(drain(r).size(), 1u);
  EXPECT_EQ(r.finish(), LengthPrefixedReader::Next::error);
  EXPECT_EQ(r.error().what,
            "message 1 at offset 14: truncated: 1 byte of a 2-byte length prefix at the end of the input");
}

TEST(ItchFileReader, stopsAtALengthThatIsNotTheTypesWithoutWaitingForItsBytes) {
  std::string all = prefixed(sample()[0]);
  all += std::string("\x00\x30", 2) + "A";  // an Add Order claiming 48 bytes
  LengthPrefixedReader r;
  r.append(all.data(), all.size());
  EXPECT_EQ(drain(r).size(), 1u);
  Message m;
  EXPECT_EQ(r.next(&m), LengthPrefixedReader::Next::error);
  EXPECT_EQ(r.error().what, "message 1 at offset 14: message 'A': length 48, expected 36");
  EXPECT_EQ(r.error().offset, 14u);
  // It stays stopped.
  r.append(all.data(), all.size());
  EXPECT_EQ(r.next(&m), LengthPrefixedReader::Next::error);
  EXPECT_EQ(r.finish(), LengthPrefixedReader::Next::error);
}

TEST(ItchFileReader, stopsAtAnUnknownTypeAndAtLengthZero) {
  {
    const std::string all = std::string("\x00\x05", 2) + "zzzzz";
    LengthPrefixedReader r;
    r.append(all.data(), all.size());
    Message m;
    EXPECT_EQ(r.next(&m), LengthPrefixedReader::Next::error);
    EXPECT_EQ(r.error().what, "message 0 at offset 0: unknown message type 0x7a");
  }
  {
    const std::string all = std::string("\x00\x00", 2);
    LengthPrefixedReader r;
    r.append(all.data(), all.size());
    Message m;
    EXPECT_EQ(r.next(&m), LengthPrefixedReader::Next::error);
    EXPECT_EQ(r.error().what, "message 0 at offset 0: length 0");
  }
}

TEST(ItchFileReader, readFileCallsBackForEachMessageThenReportsTruncation) {
  std::string all;
  for (const auto& m : sample()) all += prefixed(m);
  all += std::string("\x00\x13", 2) + "D";  // Order Delete, 1 of 19 bytes
  const std::string path = ::testing::TempDir() + "itch_reader_test.bin";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(all.data(), 1, all.size(), f), all.size());
  std::fclose(f);
  std::vector<Message> got;
  std::vector<std::uint64_t> indexes;
  const FileReadStatus st = read_file(path, [&](const Message& m, std::uint64_t index) {
    got.push_back(m);
    indexes.push_back(index);
    return true;
  });
  EXPECT_FALSE(st.ok);
  EXPECT_EQ(st.messages, 6u);
  EXPECT_EQ(got, sample());
  EXPECT_EQ(indexes, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(st.error, path + ": message 6 at offset " + std::to_string(all.size() - 3) +
                          ": truncated: length 19 but only 1 bytes follow");
  std::remove(path.c_str());
}

TEST(ItchFileReader, readFileStopsWhenTheCallbackSaysSoAndNamesAMissingFile) {
  std::string all;
  for (const auto& m : sample()) all += prefixed(m);
  const std::string path = ::testing::TempDir() + "itch_reader_stop.bin";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(all.data(), 1, all.size(), f);
  std::fclose(f);
  int calls = 0;
  const FileReadStatus st = read_file(path, [&](const Message&, std::uint64_t) { return ++calls < 2; });
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(calls, 2);
  std::remove(path.c_str());

  const FileReadStatus missing = read_file("/nonexistent/x.itch", [](const Message&, std::uint64_t) { return true; });
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.error, "/nonexistent/x.itch: cannot open: No such file or directory");
}

}  // namespace
}  // namespace rialto::itch
