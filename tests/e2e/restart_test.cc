// Restarts of `rialto serve --data-dir D`: what a clean restart recovers and
// what a client of the same account sees afterwards, the output hash over
// two lifetimes against `rialto replay D --hash`, the drop copy
// (--event-log) against `rialto replay D` byte for byte, and each start-up
// error of a damaged or mismatched data directory.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "order_entry.h"
#include "process.h"
#include "rialto/config/venue_config.h"

namespace rialto::e2e {
namespace {

namespace fs = std::filesystem;

/// The log lines a server with a data directory prints besides the usual ones.
const std::vector<std::string> kDataDirLines = {
    "data directory *, journal policy fsync",
    "shard #: journal seq #, output hash *",
    "shard #: snapshot * loaded (journal seq #, # resting orders)",
    "shard #: recovered to journal seq # (# records replayed), output hash *",
    "recovery: # journaled inputs replayed in # ms",
    "recovered # instrument(s), # account(s), # resting order(s) in # earlier session(s)",
    "session # account '*': adopted # order(s) recovered from before the restart",
    "session # account '*': instrument '*' not added (status 1)",  // unchanged: defined before the restart
};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// A fresh directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "rialto-data-XXXXXX").string();
    if (::mkdtemp(t.data()) != nullptr) path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The text after `prefix` up to the end of the first log line holding it ("" if none).
std::string log_value(const ServerProcess& s, const std::string& prefix) {
  for (const std::string& l : s.log_lines()) {
    if (const size_t at = l.find(prefix); at != std::string::npos) return l.substr(at + prefix.size());
  }
  return "";
}

/// The whole lines of `log` containing `needle`, each with its newline.
std::string log_grep_text(const std::string& log, const std::string& needle) {
  std::string t;
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);) {
    if (l.find(needle) != std::string::npos) t += l + "\n";
  }
  return t;
}

std::string log_grep(const ServerProcess& s, const std::string& needle) { return log_grep_text(s.log(), needle); }

ProcessResult replay(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {rialto_binary(), "replay"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, "", 60000);
}

/// `rialto replay` output split per shard: the event lines before each
/// `# shard K: ...` summary line (other `#` lines dropped).
std::map<uint32_t, std::string> events_per_shard(const std::string& out) {
  std::map<uint32_t, std::string> per;
  std::string pending;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# shard ", 0) == 0) {
      const uint32_t k = static_cast<uint32_t>(std::stoul(l.substr(8)));
      if (l.find(" records") != std::string::npos) {
        per[k] = pending;
        pending.clear();
      }
      continue;
    }
    pending += l + "\n";
  }
  return per;
}

struct JournalFile {
  std::string path;
  std::string bytes;
  std::vector<uint64_t> offsets;  // of each record
};

/// The first journal segment of DIR/shard-K, its records' offsets walked from the lengths.
JournalFile journal_of(const std::string& dir, uint32_t shard = 0) {
  JournalFile j;
  j.path = dir + "/shard-" + std::to_string(shard) + "/journal-00000000000000000001.rj";
  j.bytes = read_file(j.path);
  for (uint64_t at = 32; at + 17 <= j.bytes.size();) {
    uint32_t n = 0;
    std::memcpy(&n, j.bytes.data() + at, 4);
    j.offsets.push_back(at);
    at += 17 + uint64_t{n};
  }
  return j;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream o(path, std::ios::binary | std::ios::trunc);
  o << bytes;
}

/// A first lifetime on `dir`: defines ACME, `n` resting buys from alice
/// (each acknowledged, hence durable), then SIGKILL (no shutdown snapshot:
/// recovery reads every record).
void fill_and_kill(const std::string& dir, int n) {
  ServerProcess s;
  std::string error;
  ASSERT_TRUE(s.start(venue_config(""), error, {"--data-dir", dir})) << error;
  auto a = logon(s.port(), "alice");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send(add_instrument("ACME")));
  for (int i = 1; i <= n; ++i) ASSERT_TRUE(a->send(limit_order(i, "ACME", p::Side::buy, 10, 9000 + i)));
  const Answers got = sync(*a, 1);
  ASSERT_TRUE(got.ok) << got.error;
  ASSERT_EQ(got.reports.size(), static_cast<size_t>(n));
  const int st = s.signal_and_wait(SIGKILL, 5000);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << describe_status(st);
}

/// Starts a server expected to refuse; its exit code, the log in `log`.
int start_refused(const std::string& config, const std::vector<std::string>& args, std::string& log) {
  ServerProcess s;
  std::string error;
  if (s.start(config, error, args)) {
    ADD_FAILURE() << "the server started: " << s.log();
    return -1;
  }
  log = s.log();
  const int st = s.exit_status();
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// ---- (a) a clean restart ---------------------------------------------------

TEST(Restart, cleanRestartRecoversTheBookAndTheAccountsOrdersByClientOrderId) {
  TempDir d;
  ASSERT_FALSE(d.path().empty());
  std::string error;
  std::map<uint64_t, uint64_t> venue_id;  // alice's cl_ord_id -> order_id
  std::string book_before, hash_at_stop, seq_at_stop;
  {
    ServerProcess s;
    ASSERT_TRUE(s.start(venue_config(""), error, {"--data-dir", d.path()})) << error;
    auto alice = logon(s.port(), "alice");
    auto bob = logon(s.port(), "bob");
    ASSERT_TRUE(alice && bob);
    ASSERT_TRUE(alice->send(add_instrument("ACME")));
    ASSERT_TRUE(alice->send(limit_order(1, "ACME", p::Side::buy, 10, 9950)));
    ASSERT_TRUE(alice->send(limit_order(2, "ACME", p::Side::buy, 5, 9975)));
    ASSERT_TRUE(alice->send(limit_order(3, "ACME", p::Side::sell, 4, 10025)));
    ASSERT_TRUE(alice->send(limit_order(4, "ACME", p::Side::sell, 6, 10050)));
    Answers a = sync(*alice, 1);
    ASSERT_TRUE(a.ok) << a.error;
    ASSERT_EQ(a.reports.size(), 4u);
    for (const auto& r : a.reports) {
      const uint64_t cl = r.cl_ord_id, oid = r.order_id;  // packed fields: copied before binding a reference
      venue_id[cl] = oid;
    }
    // bob takes 3 of alice's order 2 (5 @ 99.75): 2 left, cum 3.
    ASSERT_TRUE(bob->send(limit_order(100, "ACME", p::Side::sell, 3, 9975)));
    Answers b = sync(*bob, 2);
    ASSERT_TRUE(b.ok) << b.error;
    a = sync(*alice, 3);
    ASSERT_TRUE(a.ok) << a.error;
    ASSERT_EQ(a.reports.size(), 1u);
    EXPECT_EQ(v(a.reports[0].order_id), venue_id[2]);
    EXPECT_EQ(v(a.reports[0].cum_qty), 3);
    book_before = book_text(*alice, "ACME");
    EXPECT_EQ(book_before,
              "bid 9975e-2 x 2 (1)\n"
              "bid 9950e-2 x 10 (1)\n"
              "ask 10025e-2 x 4 (1)\n"
              "ask 10050e-2 x 6 (1)\n");
    alice->logout();
    bob->logout();
    EXPECT_EQ(s.finish(kDataDirLines), "");
    const std::string stop = log_value(s, "rialto serve: shard 0: journal seq ");
    const size_t comma = stop.find(", output hash ");
    ASSERT_NE(comma, std::string::npos) << s.log();
    seq_at_stop = stop.substr(0, comma);
    hash_at_stop = stop.substr(comma + 14);
  }
  ServerProcess s;
  ASSERT_TRUE(s.start(venue_config(""), error, {"--data-dir", d.path()})) << error;
  const std::string snap = d.path() + "/shard-0/snapshot-" + std::string(20 - seq_at_stop.size(), '0') + seq_at_stop + ".rs";
  EXPECT_EQ(log_grep(s, "shard 0: "),
            "rialto serve: shard 0: snapshot " + snap + " loaded (journal seq " + seq_at_stop + ", 4 resting orders)\n" +
                "rialto serve: shard 0: recovered to journal seq " + seq_at_stop + " (0 records replayed), output hash " +
                hash_at_stop + "\n");
  EXPECT_EQ(log_grep(s, "rialto serve: recovered "),
            "rialto serve: recovered 1 instrument(s), 2 account(s), 4 resting order(s) in 1 earlier session(s)\n");

  auto alice = logon(s.port(), "alice");
  ASSERT_TRUE(alice);
  Answers a = sync(*alice, 1);
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(reports_text(a.reports), "") << "a logon after the restart is told nothing new";
  EXPECT_EQ(a.other, 0u);
  EXPECT_EQ(s.count_log("': adopted 4 order(s) recovered from before the restart"), 1u) << s.log();
  EXPECT_EQ(book_text(*alice, "ACME"), book_before);

  // Re-running the script's `symbol` line: unchanged.
  ASSERT_TRUE(alice->send(add_instrument("ACME")));
  a = sync(*alice, 2);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_EQ(a.instruments.size(), 1u);
  EXPECT_EQ(v(a.instruments[0].status), static_cast<uint8_t>(p::InstrumentStatus::unchanged));

  // The old orders by their client order ids, under their old venue ids.
  ASSERT_TRUE(alice->send(cancel_order(2)));
  ASSERT_TRUE(alice->send(modify_order(1, 8, 9950)));
  ASSERT_TRUE(alice->send(cancel_order(4)));
  a = sync(*alice, 3);
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(reports_text(a.reports),
            "cl=2 id=" + std::to_string(venue_id[2]) + " exec=3 last=0@0 leaves=0 cum=3 px=9975 qty=2 reject=0\n" +
                "cl=1 id=" + std::to_string(venue_id[1]) + " exec=4 last=0@0 leaves=8 cum=0 px=9950 qty=8 reject=0\n" +
                "cl=4 id=" + std::to_string(venue_id[4]) + " exec=3 last=0@0 leaves=0 cum=0 px=10050 qty=6 reject=0\n");
  EXPECT_EQ(book_text(*alice, "ACME"),
            "bid 9950e-2 x 8 (1)\n"
            "ask 10025e-2 x 4 (1)\n");
  alice->logout();
  EXPECT_EQ(s.finish(kDataDirLines), "");
}

// ---- (b) the output hash over two lifetimes ---------------------------------

TEST(Restart, replayHashEqualsTheHashTheServerLoggedAtShutdownOverTwoLifetimes) {
  TempDir d;
  ASSERT_FALSE(d.path().empty());
  std::string stop_line, first_stop;
  for (int life = 0; life < 2; ++life) {
    ServerProcess s;
    std::string error;
    ASSERT_TRUE(s.start(venue_config(""), error, {"--data-dir", d.path()})) << error;
    auto alice = logon(s.port(), "alice");
    auto bob = logon(s.port(), "bob");
    ASSERT_TRUE(alice && bob);
    ASSERT_TRUE(alice->send(add_instrument("ACME")));
    const uint64_t base = 1000 * (life + 1);
    for (uint64_t i = 0; i < 20; ++i) {
      ASSERT_TRUE(alice->send(limit_order(base + i, "ACME", p::Side::buy, 5 + i, 9900 + 5 * i)));
      ASSERT_TRUE(bob->send(limit_order(base + i, "ACME", p::Side::sell, 3 + i, 10000 - 3 * i)));
    }
    ASSERT_TRUE(alice->send(cancel_order(base + 1)));
    ASSERT_TRUE(alice->send(modify_order(base + 2, 2, 9800)));
    ASSERT_TRUE(sync(*alice, 1).ok);
    ASSERT_TRUE(sync(*bob, 2).ok);
    alice->logout();
    bob->logout();
    EXPECT_EQ(s.finish(kDataDirLines), "");
    stop_line = log_value(s, "rialto serve: shard 0: journal seq ");
    ASSERT_NE(stop_line, "") << s.log();
    if (life == 0) first_stop = stop_line;
  }
  // The second shutdown's snapshot let retention drop the first lifetime's
  // segment: replay starts from the first shutdown's snapshot, whose state
  // (and running hash) covers the first lifetime.
  ASSERT_NE(first_stop, "");
  const std::string seq1 = first_stop.substr(0, first_stop.find(','));
  const std::string seq2 = stop_line.substr(0, stop_line.find(','));
  const std::string hash = stop_line.substr(stop_line.find("output hash ") + 12);
  const ProcessResult r = replay({d.path(), "--hash"});
  ASSERT_TRUE(exited_zero(r.status)) << describe_status(r.status) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string snap = d.path() + "/shard-0/snapshot-" + std::string(20 - seq1.size(), '0') + seq1 + ".rs";
  const uint64_t n1 = std::stoull(seq1), n2 = std::stoull(seq2);
  ASSERT_GT(n2, n1);
  // Whole output, the event count aside (`#` in line_matches means digits, so
  // the line's own `#` rules it out here).
  const std::string head = "# shard 0: from snapshot " + snap + "\n# shard 0: " + std::to_string(n2 - n1) +
                           " records, seq " + std::to_string(n1 + 1) + ".." + seq2 + ", ";
  const std::string tail = " events, output hash " + hash + "\n";
  const bool whole = r.out.size() > head.size() + tail.size() && r.out.compare(0, head.size(), head) == 0 &&
                     r.out.compare(r.out.size() - tail.size(), tail.size(), tail) == 0 &&
                     r.out.substr(head.size(), r.out.size() - head.size() - tail.size()).find_first_not_of(
                         "0123456789") == std::string::npos;
  EXPECT_TRUE(whole)
      << r.out << "vs the server's: journal seq " << stop_line;
}

// ---- (c) the drop copy equals the replay, byte for byte ---------------------

void drop_copy_equals_replay(uint32_t shards) {
  TempDir d;
  ASSERT_FALSE(d.path().empty());
  const std::string events = d.path() + "/events";
  // Symbols on every shard (the FNV-1a rule of the venue).
  config::VenueConfig rule;
  rule.shards = shards;
  std::vector<std::string> syms;
  std::map<uint32_t, int> per_shard;
  for (const char* name : {"ACME", "BOLT", "CRUX", "DYNE", "EPIC", "FLUX", "GRIT", "HALO"}) {
    if (per_shard[rule.shard_for(name)]++ < 2) syms.push_back(name);
  }
  ASSERT_EQ(per_shard.size(), shards) << "no candidate symbol on some shard";
  ServerProcess s;
  std::string error;
  const std::string matching = "shards = " + std::to_string(shards) + "\n";
  ASSERT_TRUE(s.start(venue_config(matching), error, {"--data-dir", d.path() + "/data", "--event-log", events}))
      << error;
  auto alice = logon(s.port(), "alice");
  auto bob = logon(s.port(), "bob");
  ASSERT_TRUE(alice && bob);
  for (const auto& sym : syms) ASSERT_TRUE(alice->send(add_instrument(sym)));
  uint64_t cl = 1;
  for (int round = 0; round < 30; ++round) {
    for (const auto& sym : syms) {
      ASSERT_TRUE(alice->send(limit_order(cl, sym, p::Side::buy, 4 + round % 5, 9990 + round % 7)));
      ASSERT_TRUE(bob->send(limit_order(cl, sym, p::Side::sell, 3 + round % 4, 9993 + round % 5)));
      if (round % 3 == 0) {
        ASSERT_TRUE(alice->send(cancel_order(cl)));
      }
      if (round % 4 == 1) {
        ASSERT_TRUE(bob->send(modify_order(cl, 1, 9999)));
      }
      ++cl;
    }
  }
  ASSERT_TRUE(sync(*alice, 1).ok);
  ASSERT_TRUE(sync(*bob, 2).ok);
  alice->logout();
  bob->logout();
  ASSERT_EQ(s.finish(kDataDirLines), "");
  const ProcessResult r = replay({d.path() + "/data"});
  ASSERT_TRUE(exited_zero(r.status)) << describe_status(r.status) << r.err;
  EXPECT_EQ(r.err, "");
  const auto per = events_per_shard(r.out);
  ASSERT_EQ(per.size(), shards) << r.out;
  for (uint32_t k = 0; k < shards; ++k) {
    const std::string live = read_file(events + ".shard-" + std::to_string(k));
    EXPECT_GT(live.size(), 1000u) << "shard " << k << " released almost nothing";
    EXPECT_TRUE(per.at(k) == live) << "shard " << k << ": the replay (" << per.at(k).size()
                                   << " bytes) differs from the drop copy (" << live.size() << " bytes)";
  }
}

TEST(Restart, replayOutputEqualsTheEventLogByteForByteOneShard) { drop_copy_equals_replay(1); }
TEST(Restart, replayOutputEqualsTheEventLogByteForByteTwoShards) { drop_copy_equals_replay(2); }

// ---- (d) start-up errors ----------------------------------------------------

TEST(Restart, corruptionInTheMiddleOfTheJournalRefusesToStartNamingFileAndOffset) {
  TempDir d;
  fill_and_kill(d.path(), 20);
  JournalFile j = journal_of(d.path());
  ASSERT_GE(j.offsets.size(), 20u);
  const uint64_t at = j.offsets[j.offsets.size() / 2];
  j.bytes[at + 17] = static_cast<char>(j.bytes[at + 17] ^ 0x40);  // a payload byte
  write_bytes(j.path, j.bytes);
  std::string log;
  EXPECT_EQ(start_refused(venue_config(""), {"--data-dir", d.path()}, log), 3) << log;
  EXPECT_EQ(log_grep_text(log, "cannot recover"),
            "rialto serve: cannot recover shard 0: " + j.path + ": offset " + std::to_string(at) +
                ": record CRC mismatch (a valid record follows it)\n");
  EXPECT_EQ(read_file(j.path), j.bytes) << "a refused start changes nothing";
}

TEST(Restart, salvageStartsPastMidJournalCorruptionAndLogsWhatItDropped) {
  TempDir d;
  fill_and_kill(d.path(), 20);
  JournalFile j = journal_of(d.path());
  ASSERT_GE(j.offsets.size(), 20u);
  const size_t bad = j.offsets.size() / 2;
  const uint64_t at = j.offsets[bad];
  j.bytes[at + 17] = static_cast<char>(j.bytes[at + 17] ^ 0x40);
  write_bytes(j.path, j.bytes);
  ServerProcess s;
  std::string error;
  ASSERT_TRUE(s.start(venue_config(""), error, {"--data-dir", d.path(), "--salvage"})) << error;
  const std::string warning = "shard 0: WARNING: salvage: " + j.path + ": offset " + std::to_string(at) +
                              ": record CRC mismatch (a valid record follows it); dropping the rest of the file "
                              "from offset " +
                              std::to_string(at) + "; " + j.path + ": truncated from " +
                              std::to_string(j.bytes.size()) + " to " + std::to_string(at) + " bytes";
  EXPECT_EQ(log_grep(s, "WARNING: salvage"), "rialto serve: " + warning + "\n");
  EXPECT_EQ(log_grep(s, "recovered to journal seq"),
            "rialto serve: shard 0: recovered to journal seq " + std::to_string(bad) + " (" + std::to_string(bad) +
                " records replayed), output hash " + log_value(s, "output hash ") + "\n");
  EXPECT_EQ(read_file(j.path).size(), at);
  EXPECT_EQ(s.finish(with(kDataDirLines, {warning})), "");
}

TEST(Restart, tornTailIsDroppedWithAWarningAndTheServerStarts) {
  TempDir d;
  fill_and_kill(d.path(), 10);
  JournalFile j = journal_of(d.path());
  ASSERT_GE(j.offsets.size(), 10u);
  const uint64_t last = j.offsets.back();
  const uint64_t record_bytes = j.bytes.size() - last;
  ASSERT_GT(record_bytes, 17u + 3u);
  write_bytes(j.path, j.bytes.substr(0, j.bytes.size() - 3));
  ServerProcess s;
  std::string error;
  ASSERT_TRUE(s.start(venue_config(""), error, {"--data-dir", d.path()})) << error;
  const std::string warning = "shard 0: WARNING: " + j.path + ": torn record at offset " + std::to_string(last) +
                              " (incomplete record: " + std::to_string(record_bytes - 3) + " of " +
                              std::to_string(record_bytes) + " bytes), the last of the journal: dropped; " + j.path +
                              ": truncated from " + std::to_string(j.bytes.size() - 3) + " to " +
                              std::to_string(last) + " bytes";
  EXPECT_EQ(log_grep(s, "shard 0: WARNING"), "rialto serve: " + warning + "\n");
  const size_t kept = j.offsets.size() - 1;
  EXPECT_EQ(log_grep(s, "recovered to journal seq"),
            "rialto serve: shard 0: recovered to journal seq " + std::to_string(kept) + " (" + std::to_string(kept) +
                " records replayed), output hash " + log_value(s, "output hash ") + "\n");
  // The last record was alice's 10th order: 9 of them rest.
  auto a = logon(s.port(), "alice");
  ASSERT_TRUE(a);
  std::string want;
  for (int i = 9; i >= 1; --i) want += "bid " + std::to_string(9000 + i) + "e-2 x 10 (1)\n";
  EXPECT_EQ(book_text(*a, "ACME"), want);
  a->logout();
  EXPECT_EQ(s.finish(with(kDataDirLines, {warning})), "");
}

TEST(Restart, aConfiguredSymbolThatDiffersFromTheRecoveredOneRefusesToStart) {
  TempDir d;
  const std::string sym = "[[symbol]]\nname = \"ACME\"\ntick = \"0.01\"\nlot = 1\nmax_qty = 1000000\n";
  {
    ServerProcess s;
    std::string error;
    ASSERT_TRUE(s.start(venue_config("") + sym, error, {"--data-dir", d.path()})) << error;
    EXPECT_EQ(s.finish(with(kDataDirLines, {"1 matching shard(s), 1 instrument(s)"})), "");
  }
  std::string other = sym;
  other.replace(other.find("0.01"), 4, "0.05");
  std::string log;
  EXPECT_EQ(start_refused(venue_config("") + other, {"--data-dir", d.path()}, log), 3) << log;
  EXPECT_EQ(log_grep_text(log, "cannot start"),
            "rialto serve: cannot start: symbol 'ACME' in the configuration differs from its recovered definition "
            "(tick 0.01, lot 1, max_qty 1000000, shard 0)\n");
}

TEST(Restart, aSecondServerOnTheSameDataDirectoryRefusesToStart) {
  TempDir d;
  ServerProcess first;
  std::string error;
  ASSERT_TRUE(first.start(venue_config(""), error, {"--data-dir", d.path()})) << error;
  std::string log;
  // Exit status 1 as docs/RUNBOOK.md lists it (the environment's, like an
  // uncreatable directory), not 3 (a data directory that cannot be recovered).
  EXPECT_EQ(start_refused(venue_config(""), {"--data-dir", d.path()}, log), 1) << log;
  EXPECT_EQ(log_grep_text(log, "cannot lock"), "rialto serve: cannot lock the data directory: " + d.path() +
                                                   "/LOCK: the data directory is in use by another process\n");
  EXPECT_EQ(first.finish(kDataDirLines), "");
}

}  // namespace
}  // namespace rialto::e2e
