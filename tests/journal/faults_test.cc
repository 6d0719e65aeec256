// Each FaultFs rule through the writer: the error is reported (naming the
// file, offset and errno), nothing more is written, durable_seq never passes
// what was really synced, and after a crash nothing reported durable is missing.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <random>

#include "journal/fault_fs.h"
#include "journal/helpers.h"

namespace rialto::journal::testing {
namespace {

const std::string kDir = "/data/shard-0";

struct Outcome {
  uint64_t durable = 0;
  bool failed = false;
  std::string error;
  std::vector<Rec> after_crash;
};

// Appends n records, handing off every `every` records and waiting for each
// batch, then crashes the MemFs (keeping a random prefix of unsynced bytes)
// and recovers. open() must succeed (faults are set to hit later).
Outcome run(const FaultRules& rules, uint64_t n, uint64_t every, uint64_t crash_seed = 1) {
  MemFs mem;
  FaultFs fs(mem, rules);
  std::string error;
  auto w = Writer::open(mem_options(), fs, 1, &error);
  EXPECT_TRUE(w) << error;
  Outcome out;
  if (!w) return out;
  uint64_t last_durable = 0;
  for (uint64_t s = 1; s <= n; ++s) {
    append_seq(*w, s);
    if (s % every == 0) {
      w->flush();
      w->wait_durable(s);
      // Monotonic, and never past what the file system really holds synced.
      const uint64_t d = w->durable_seq();
      EXPECT_GE(d, last_durable);
      last_durable = d;
    }
  }
  w->close();
  out.durable = w->durable_seq();
  out.failed = w->failed();
  if (out.failed) out.error = w->error();
  std::mt19937_64 rng(crash_seed);
  mem.crash(&rng);
  auto r = read_all(mem, kDir);
  EXPECT_TRUE(r.ok) << r.error;
  out.after_crash = r.records;
  return out;
}

void expect_durable_present(const Outcome& o) {
  ASSERT_GE(o.after_crash.size(), o.durable);
  for (uint64_t s = 1; s <= o.durable; ++s) EXPECT_EQ(o.after_crash[s - 1], expected_rec(s)) << s;
  for (size_t i = 0; i < o.after_crash.size(); ++i) EXPECT_EQ(o.after_crash[i], expected_rec(i + 1));
}

// Writes are counted from the first: #1 is the segment header written by open().
TEST(Faults, shouldReportAFailedWriteWithFileOffsetAndErrno) {
  for (int err : {EIO, ENOSPC}) {
    FaultRules rules;
    rules.fail_write_at = 4;  // the header, batches 1 and 2, then batch 3 fails
    rules.fail_write_errno = err;
    const Outcome o = run(rules, 100, 10);
    EXPECT_TRUE(o.failed);
    EXPECT_EQ(o.durable, 20u);
    const uint64_t offset = kSegmentHeaderSize + [] {
      uint64_t b = 0;
      for (uint64_t s = 1; s <= 20; ++s) b += kRecordHeaderSize + payload_for(s).size();
      return b;
    }();
    EXPECT_EQ(o.error, seg_path(kDir, 1) + ": write of a batch at offset " + std::to_string(offset) + " failed: " +
                           (err == EIO ? "Input/output error (EIO)" : "No space left on device (ENOSPC)"));
    expect_durable_present(o);
    EXPECT_EQ(o.after_crash.size(), 20u);  // nothing was written after the failure
  }
}

TEST(Faults, shouldRetryAShortWriteAndLoseNothing) {
  FaultRules rules;
  rules.short_write_at = 3;
  const Outcome o = run(rules, 100, 10);
  EXPECT_FALSE(o.failed) << o.error;
  EXPECT_EQ(o.durable, 100u);
  EXPECT_EQ(o.after_crash, expected_range(1, 100));
}

TEST(Faults, shouldStopAtNoSpaceAfterALimitOfBytes) {
  FaultRules rules;
  rules.enospc_after_bytes = 3000;  // within the ~4th batch of 10 records
  const Outcome o = run(rules, 200, 10);
  EXPECT_TRUE(o.failed);
  EXPECT_LT(o.durable, 200u);
  EXPECT_NE(o.error.find(seg_path(kDir, 1) + ": write of a batch at offset "), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("failed: No space left on device (ENOSPC)"), std::string::npos) << o.error;
  // Durable records are whole batches below the limit.
  uint64_t bytes = kSegmentHeaderSize;
  for (uint64_t s = 1; s <= o.durable; ++s) bytes += kRecordHeaderSize + payload_for(s).size();
  EXPECT_LE(bytes, 3000u);
  expect_durable_present(o);
}

TEST(Faults, shouldStopAtAFailedSyncAndNotReportTheBatchDurable) {
  FaultRules rules;
  rules.fail_sync_at = 3;  // open's, batch 1's, then batch 2's fails
  const Outcome o = run(rules, 100, 10);
  EXPECT_TRUE(o.failed);
  EXPECT_EQ(o.durable, 10u);
  uint64_t offset = kSegmentHeaderSize;
  for (uint64_t s = 1; s <= 20; ++s) offset += kRecordHeaderSize + payload_for(s).size();
  EXPECT_EQ(o.error, seg_path(kDir, 1) + ": fdatasync at offset " + std::to_string(offset) +
                         " failed: Input/output error (EIO)");
  expect_durable_present(o);
}

TEST(Faults, shouldWakeTheOwnerOnFailure) {
  MemFs mem;
  FaultRules rules;
  rules.fail_sync_at = 2;
  FaultFs fs(mem, rules);
  std::string error;
  auto w = Writer::open(mem_options(), fs, 1, &error);
  ASSERT_TRUE(w) << error;
  std::atomic<int> calls{0};
  w->set_on_durable([&] { calls.fetch_add(1); });
  append_seq(*w, 1);
  w->flush();
  EXPECT_FALSE(w->wait_durable(1));
  EXPECT_TRUE(w->failed());
  // Later appends still get seqs but are never written.
  EXPECT_EQ(append_seq(*w, 2), 2u);
  w->close();  // the callback has run once the sync thread is joined
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(w->durable_seq(), 0u);
  EXPECT_EQ(fs.writes(), 2);  // the header and the failed batch's write
}

TEST(Faults, shouldReportAFailureToCreateTheFirstSegment) {
  MemFs mem;
  FaultRules rules;
  rules.fail_write_at = 1;
  FaultFs fs(mem, rules);
  std::string error;
  EXPECT_FALSE(Writer::open(mem_options(), fs, 1, &error));
  EXPECT_EQ(error, seg_path(kDir, 1) + ": write of the segment header at offset 0 failed: Input/output error (EIO)");
}

// Any rule at any point, any flush pattern, any crash: what was reported
// durable is there after the crash, byte for byte, and nothing else is invented.
RC_GTEST_PROP(Faults, shouldNeverLoseADurableRecord, ()) {
  FaultRules rules;
  switch (*rc::gen::inRange(0, 5)) {
    case 0: rules.fail_write_at = *rc::gen::inRange(2, 40); break;
    case 1: rules.short_write_at = *rc::gen::inRange(2, 40); break;
    case 2: rules.enospc_after_bytes = *rc::gen::inRange<uint64_t>(100, 20000); break;
    case 3: rules.fail_sync_at = *rc::gen::inRange(2, 40); break;
    default: rules.fail_write_errno = ENOSPC; rules.fail_write_at = *rc::gen::inRange(2, 40); break;
  }
  const uint64_t n = *rc::gen::inRange<uint64_t>(1, 300);
  const uint64_t every = *rc::gen::inRange<uint64_t>(1, 30);
  const Outcome o = run(rules, n, every, *rc::gen::arbitrary<uint64_t>());
  RC_ASSERT(o.durable <= n);
  RC_ASSERT(o.after_crash.size() >= o.durable);
  for (size_t i = 0; i < o.after_crash.size(); ++i) RC_ASSERT(o.after_crash[i] == expected_rec(i + 1));
  if (!o.failed) RC_ASSERT(o.durable == n);
  if (o.failed) RC_ASSERT(o.error.find(seg_path(kDir, 1)) == 0);
}

}  // namespace
}  // namespace rialto::journal::testing
