// The group-commit writer: round trips across segment rolls, reopening, each
// policy's durability, the exact bytes of format version 1, group commit
// itself, and the owner and sync threads under load (also run under TSan).
#include "rialto/journal/writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "journal/helpers.h"
#include "rialto/journal/crc32c.h"

namespace rialto::journal::testing {
namespace {

const std::string kDir = "/data/shard-0";

TEST(Policy, shouldParseAndFormatEveryPolicy) {
  for (Policy p : {Policy::fsync, Policy::async, Policy::none}) EXPECT_EQ(parse_policy(to_string(p)), p);
  EXPECT_EQ(to_string(Policy::fsync), "fsync");
  EXPECT_EQ(to_string(Policy::async), "async");
  EXPECT_EQ(to_string(Policy::none), "none");
  EXPECT_EQ(parse_policy("FSYNC"), std::nullopt);
  EXPECT_EQ(parse_policy(""), std::nullopt);
}

TEST(Writer, shouldWriteTheExactBytesOfFormatVersion1) {
  MemFs fs;
  auto o = mem_options();
  o.shard = 7;
  std::string error;
  auto w = Writer::open(o, fs, 5, &error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->append(9, "abc", 3), 5u);
  w->close();

  std::string expect;
  auto put = [&](uint64_t v, int n) {
    for (int i = 0; i < n; ++i) expect.push_back(static_cast<char>(v >> (8 * i)));
  };
  put(0x4C4E4A52, 4);  // "RJNL"
  ASSERT_EQ(expect, "RJNL");
  put(1, 2);           // version
  put(32, 2);          // header length
  put(7, 4);           // shard
  put(0, 4);           // reserved
  put(5, 8);           // first seq
  put(0, 4);           // reserved
  put(crc32c(expect.data(), 28), 4);
  std::string body;
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(i == 0 ? 5 : 0));  // seq 5
  body.push_back(9);                                                               // type
  body += "abc";
  put(3, 4);  // payload length
  put(crc32c(body.data(), body.size()), 4);
  expect += body;
  EXPECT_EQ(fs.file(seg_path(kDir, 5)), expect);
}

TEST(Writer, shouldRoundTripManyRecordsAcrossSegmentRolls) {
  MemFs fs;
  auto o = mem_options();
  o.segment_bytes = 8192;
  std::string error;
  auto w = Writer::open(o, fs, 1, &error);
  ASSERT_TRUE(w) << error;
  const uint64_t n = 3000;
  for (uint64_t s = 1; s <= n; ++s) {
    ASSERT_EQ(append_seq(*w, s), s);
    if (s % 37 == 0) w->flush();  // many batches, so that the segments roll
  }
  w->close();
  EXPECT_EQ(w->durable_seq(), n);
  EXPECT_FALSE(w->failed());
  const auto stats = w->stats();
  EXPECT_GE(stats.segments, 10u);

  auto r = read_all(fs, kDir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, n));
  EXPECT_TRUE(r.recovery.warnings.empty());
  EXPECT_EQ(r.recovery.next_seq, n + 1);
  EXPECT_EQ(fs.open_files(), 0);

  // Every segment is named for its first record, and none but the last is
  // much over the limit (a segment rolls at the first batch past it).
  std::vector<std::string> names;
  ASSERT_EQ(fs.list_dir(kDir, &names), 0);
  EXPECT_EQ(names.size(), stats.segments);
  for (const auto& name : names) {
    const std::string data = fs.file(join_path(kDir, name));
    const auto offsets = record_offsets(data);
    ASSERT_FALSE(offsets.empty()) << name;
    const uint64_t first = load_u64(reinterpret_cast<const std::byte*>(data.data() + offsets[0] + 8));
    EXPECT_EQ(parse_segment_name(name), first);
  }
}

TEST(Writer, shouldContinueAtNextSeqInANewSegmentAfterReopen) {
  MemFs fs;
  std::string error;
  {
    auto w = Writer::open(mem_options(), fs, 1, &error);
    ASSERT_TRUE(w) << error;
    for (uint64_t s = 1; s <= 10; ++s) append_seq(*w, s);
  }  // the destructor closes
  auto r1 = read_all(fs, kDir);
  ASSERT_TRUE(r1.ok) << r1.error;
  ASSERT_EQ(r1.recovery.next_seq, 11u);
  {
    auto w = Writer::open(mem_options(), fs, r1.recovery.next_seq, &error);
    ASSERT_TRUE(w) << error;
    for (uint64_t s = 11; s <= 15; ++s) EXPECT_EQ(append_seq(*w, s), s);
  }
  EXPECT_TRUE(fs.exists(seg_path(kDir, 1)));
  EXPECT_TRUE(fs.exists(seg_path(kDir, 11)));
  const std::string first = fs.file(seg_path(kDir, 1));
  EXPECT_EQ(record_offsets(first).size(), 10u);  // never appended into
  auto r2 = read_all(fs, kDir);
  ASSERT_TRUE(r2.ok) << r2.error;
  EXPECT_EQ(r2.records, expected_range(1, 15));
}

TEST(Writer, shouldReplaceAnEmptySegmentOfTheSameNameButRefuseOneWithRecords) {
  MemFs fs;
  std::string error;
  { auto w = Writer::open(mem_options(), fs, 1, &error); }  // header only
  EXPECT_EQ(fs.file(seg_path(kDir, 1)).size(), kSegmentHeaderSize);
  {
    auto w = Writer::open(mem_options(), fs, 1, &error);
    ASSERT_TRUE(w) << error;
    append_seq(*w, 1);
  }
  auto w = Writer::open(mem_options(), fs, 1, &error);
  EXPECT_FALSE(w);
  EXPECT_EQ(error, seg_path(kDir, 1) + ": exists and holds records (" +
                       std::to_string(kSegmentHeaderSize + kRecordHeaderSize + payload_for(1).size()) +
                       " bytes); recover the journal before writing");
}

TEST(Writer, shouldRejectABatchSmallerThanTheLargestRecord) {
  MemFs fs;
  auto o = mem_options();
  o.batch_bytes = 4096;
  std::string error;
  EXPECT_FALSE(Writer::open(o, fs, 1, &error));
  EXPECT_EQ(error, "journal: batch_bytes 4096 is below the largest record (65553 bytes)");
}

TEST(Writer, shouldWriteNothingUnderPolicyNone) {
  MemFs fs;
  std::string error;
  auto w = Writer::open(mem_options(Policy::none), fs, 100, &error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->durable_seq(), 99u);
  EXPECT_EQ(append_seq(*w, 100), 100u);
  EXPECT_EQ(w->durable_seq(), 100u);
  EXPECT_EQ(append_seq(*w, 101), 101u);
  EXPECT_EQ(w->durable_seq(), 101u);
  w->close();
  std::vector<std::string> names;
  EXPECT_EQ(fs.list_dir(kDir, &names), -ENOENT);  // not even the directory
}

// Under fsync a durable record survives power loss; under async it is only in
// the page cache (written, not synced), so a crash may take it.
TEST(Writer, shouldSyncBeforeDurableUnderFsyncButNotUnderAsync) {
  for (Policy p : {Policy::fsync, Policy::async}) {
    SCOPED_TRACE(std::string(to_string(p)));
    MemFs fs;
    std::string error;
    auto w = Writer::open(mem_options(p), fs, 1, &error);
    ASSERT_TRUE(w) << error;
    for (uint64_t s = 1; s <= 50; ++s) append_seq(*w, s);
    w->flush();
    ASSERT_TRUE(w->wait_durable(50));
    const std::string path = seg_path(kDir, 1);
    const uint64_t size = fs.file(path).size();
    EXPECT_EQ(record_offsets(fs.file(path)).size(), 50u);  // written under both
    if (p == Policy::fsync) {
      EXPECT_EQ(fs.synced_bytes(path), size);
    } else {
      EXPECT_EQ(fs.synced_bytes(path), kSegmentHeaderSize);  // only the header, at open
    }
    fs.crash();
    auto r = read_all(fs, kDir);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.records.size(), p == Policy::fsync ? 50u : 0u);
    w.reset();
  }
}

// An Fs whose fdatasync waits until the test opens a gate, to hold a sync in flight.
class GateFs : public MemFs {
 public:
  int fdatasync(int file) override {
    std::unique_lock lock(m_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return gate_open_; });
    return MemFs::fdatasync(file);
  }
  // False after 10 s without the n-th sync (the test fails instead of hanging).
  [[nodiscard]] bool wait_for_sync(int n) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= n; });
  }
  void open_gate() {
    std::lock_guard lock(m_);
    gate_open_ = true;
    cv_.notify_all();
  }
  void close_gate() {
    std::lock_guard lock(m_);
    gate_open_ = false;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool gate_open_ = true;
};

TEST(Writer, shouldGroupEverythingAppendedDuringASyncIntoTheNextBatch) {
  GateFs fs;
  std::string error;
  auto w = Writer::open(mem_options(), fs, 1, &error);  // open's own syncs pass the open gate
  ASSERT_TRUE(w) << error;
  fs.close_gate();
  append_seq(*w, 1);
  w->poll(1'000);  // idle: handed off at once
  if (!fs.wait_for_sync(2)) {  // open synced once; this is the batch's
    fs.open_gate();
    FAIL() << "the batch was never synced";
  }
  for (uint64_t s = 2; s <= 101; ++s) {
    append_seq(*w, s);
    w->poll(1'000 + s);  // busy, budget not spent: nothing handed off
  }
  EXPECT_EQ(w->durable_seq(), 0u);
  fs.open_gate();
  ASSERT_TRUE(w->wait_durable(1));
  w->flush();
  ASSERT_TRUE(w->wait_durable(101));
  w->close();
  const auto st = w->stats();
  EXPECT_EQ(st.batches, 2u);
  EXPECT_EQ(st.syncs, 1u + 2u + 1u);  // open, one per batch, close
  auto r = read_all(fs, kDir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, 101));
}

TEST(Writer, shouldNeverBlockPollAndHandOffAtTheFirstPollAfterTheSyncReturns) {
  GateFs fs;
  std::string error;
  auto o = mem_options();
  o.group_commit_us = 200;
  auto w = Writer::open(o, fs, 1, &error);
  ASSERT_TRUE(w) << error;
  fs.close_gate();
  append_seq(*w, 1);
  w->flush();
  if (!fs.wait_for_sync(2)) {
    fs.open_gate();
    FAIL() << "the batch was never synced";
  }
  append_seq(*w, 2);
  w->poll(10'000);            // first seen; busy
  w->poll(10'000 + 199'999);  // within budget
  w->poll(10'000 + 200'000);  // past the budget: counted, not waited for
  w->poll(10'000 + 900'000);
  EXPECT_EQ(w->stats().late_polls, 2u);
  EXPECT_EQ(w->durable_seq(), 0u);
  fs.open_gate();
  ASSERT_TRUE(w->wait_durable(1));
  EXPECT_EQ(w->stats().batches, 1u);
  w->poll(10'000 + 1'000'000);  // idle now: handed off
  ASSERT_TRUE(w->wait_durable(2));
  EXPECT_EQ(w->stats().batches, 2u);
}

TEST(Writer, shouldCallOnDurableAfterEachBatch) {
  MemFs fs;
  std::string error;
  auto w = Writer::open(mem_options(), fs, 1, &error);
  ASSERT_TRUE(w) << error;
  std::atomic<int> calls{0};
  std::atomic<uint64_t> seen{0};
  w->set_on_durable([&] {
    seen.store(w->durable_seq());
    calls.fetch_add(1);
  });
  for (uint64_t s = 1; s <= 3; ++s) {
    append_seq(*w, s);
    w->flush();
    ASSERT_TRUE(w->wait_durable(s));
  }
  w->close();
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(seen.load(), 3u);
}

// The owner appends and polls while the sync thread writes; another thread
// watches durable_seq. Thousands of batches; run under TSan too.
TEST(Writer, shouldStayConsistentUnderConcurrentAppendAndSync) {
  MemFs fs;
  std::string error;
  auto o = mem_options();
  o.segment_bytes = 1 << 20;
  auto w = Writer::open(o, fs, 1, &error);
  ASSERT_TRUE(w) << error;
  std::atomic<int> wakeups{0};
  w->set_on_durable([&] { wakeups.fetch_add(1, std::memory_order_relaxed); });
  std::atomic<bool> done{false};
  std::atomic<bool> monotonic{true};
  std::thread watcher([&] {
    uint64_t last = 0;
    while (!done.load(std::memory_order_acquire)) {
      const uint64_t d = w->durable_seq();
      if (d < last) monotonic.store(false);
      last = d;
      std::this_thread::yield();
    }
  });
  const uint64_t n = 60'000;
  uint64_t now = 0;
  // poll() hands off only when the sync thread is idle (how many batches that
  // makes depends on the scheduler); a flush() every 50 records forces a
  // hand-off, so at least n / 50 batches meet the sync thread whatever it does.
  for (uint64_t s = 1; s <= n; ++s) {
    append_seq(*w, s, 64);
    if (s % 50 == 0) {
      w->flush();
    } else if (s % 8 == 0) {
      w->poll(now += 1'000);
    }
  }
  w->close();
  done.store(true, std::memory_order_release);
  watcher.join();
  EXPECT_TRUE(monotonic.load());
  EXPECT_EQ(w->durable_seq(), n);
  EXPECT_GE(w->stats().batches, n / 50);
  EXPECT_EQ(wakeups.load(), static_cast<int>(w->stats().batches));
  auto r = read_all(fs, kDir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, n, 64));
}

// The same on the real file system (a temporary directory).
TEST(Writer, shouldRoundTripOnTheRealFileSystem) {
  char tmpl[] = "/tmp/rialto-journal-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/shard-0";
  auto o = mem_options();
  o.dir = dir;
  o.segment_bytes = 16 << 10;
  std::string error;
  auto w = Writer::open(o, posix_fs(), 1, &error);
  ASSERT_TRUE(w) << error;
  for (uint64_t s = 1; s <= 2000; ++s) {
    append_seq(*w, s);
    if (s % 100 == 0) w->flush();
  }
  w->close();
  EXPECT_FALSE(w->failed()) << w->error();
  auto r = read_all(posix_fs(), dir);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, expected_range(1, 2000));
  EXPECT_GT(w->stats().segments, 3u);
  std::filesystem::remove_all(tmpl);
}

TEST(Writer, shouldNameTheDirectoryWhenItCannotBeCreated) {
  auto o = mem_options();
  o.dir = "/nonexistent-rialto-parent/shard-0";
  std::string error;
  EXPECT_FALSE(Writer::open(o, posix_fs(), 1, &error));
  EXPECT_EQ(error, "/nonexistent-rialto-parent/shard-0: cannot create the journal directory: "
                   "No such file or directory (ENOENT)");
}

}  // namespace
}  // namespace rialto::journal::testing
