// Random valid scenario scripts run two ways: `rialto script -` (the engine
// in-process) and `rialto client --script -` against a fresh `rialto serve`;
// the two stdouts must be identical, whole. The generator writes several
// accounts (anonymous and named, so self-trade prevention applies), every
// order type and time in force, every stp mode, post_only, modifies (price,
// qty, both), cancels (resting, done and never-seen ids), reused ids, book
// lines, expire, and some orders the engine rejects (off tick, bad qty,
// unknown symbol). Seeds are fixed: seed i is script i; a failure prints the
// seed and the script.
//
// Scripts per run: 30 (release), 12 (debug), 6 (ASan+UBSan), each 200 lines;
// RIALTO_E2E_SCRIPTS and RIALTO_E2E_LINES change them. The one-shard run
// includes expire; the two-shard run leaves it out (events of different
// shards have no common order).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <sstream>

#include "process.h"
#include "rialto/config/venue_config.h"

namespace rialto::e2e {
namespace {

#if defined(RIALTO_SANITIZED)
constexpr int kDefaultScripts = 6;
#elif defined(NDEBUG)
constexpr int kDefaultScripts = 30;
#else
constexpr int kDefaultScripts = 12;
#endif
constexpr int kDefaultLines = 200;

int env_or(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

struct SymbolSpec {
  const char* name;
  const char* tick_text;
  int64_t tick_milli;  // the tick in thousandths
  int64_t lot;
  int64_t max_qty;
};
// AAA and BBB land on different shards of a two-shard venue (FNV-1a).
constexpr SymbolSpec kSymbols[] = {
    {"AAA", "0.01", 10, 1, 1000000000},
    {"BBB", "0.5", 500, 5, 1000000000},
    {"CCC", "1", 1000, 1, 500},
};

class ScriptGenerator {
 public:
  ScriptGenerator(uint32_t seed, bool with_expire) : rng_(seed), with_expire_(with_expire) {}

  std::string make(int lines) {
    std::ostringstream s;
    for (const auto& sym : kSymbols) {
      s << "symbol " << sym.name << " tick=" << sym.tick_text;
      if (sym.lot != 1) s << " lot=" << sym.lot;
      if (sym.max_qty != 1000000000) s << " max_qty=" << sym.max_qty;
      s << "\n";
    }
    for (int i = 0; i < lines; ++i) s << line() << "\n";
    return s.str();
  }

 private:
  int die(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  /// A price near 100 in the symbol's ticks, written with its decimals;
  /// now and then off tick.
  std::string price(const SymbolSpec& sym, bool buy) {
    int64_t ticks_from_100 = die(9) - 4 + (buy ? 1 : -1);
    int64_t milli = 100000 + ticks_from_100 * sym.tick_milli;
    if (die(30) == 0) milli += 1;  // off tick for every symbol here
    std::ostringstream p;
    p << milli / 1000;
    if (milli % 1000 != 0) {
      char frac[8];
      std::snprintf(frac, sizeof frac, "%03lld", static_cast<long long>(milli % 1000));
      p << '.' << frac;
    }
    return p.str();
  }

  int64_t qty(const SymbolSpec& sym) {
    if (die(40) == 0) return die(2) == 0 ? 0 : sym.lot + 1 + (sym.lot == 1 ? -1000 : 0);  // invalid_qty
    return sym.lot * (1 + die(sym.max_qty < 1000 ? 8 : 12));
  }

  uint64_t some_earlier_id() { return next_id_ == 1 ? 999999 : 1 + static_cast<uint64_t>(die(static_cast<int>(next_id_ - 1))); }

  std::string line() {
    const int k = die(100);
    std::ostringstream s;
    if (k < 60) {
      const SymbolSpec& sym = kSymbols[die(3)];
      const bool buy = die(2) == 0;
      uint64_t id = next_id_++;
      if (die(25) == 0) {
        id = some_earlier_id();  // reused: duplicate_id
        --next_id_;
      }
      s << "new id=" << id << " sym=" << (die(60) == 0 ? "ZZZ" : sym.name) << " side=" << (buy ? "buy" : "sell")
        << " qty=" << qty(sym);
      const bool market = die(10) == 0;
      if (market) {
        s << " type=market";
        if (die(8) == 0) s << " px=" << price(sym, buy);  // invalid_price
      } else {
        s << " px=" << price(sym, buy);
      }
      static const char* const tifs[] = {"", " tif=gtc", " tif=day", " tif=ioc", " tif=fok"};
      const int t = die(10);
      s << tifs[t < 4 ? 0 : t < 6 ? 1 : t < 8 ? 2 : t < 9 ? 3 : 4];
      static const char* const accts[] = {"", " acct=-", " acct=alice", " acct=bob", " acct=carol", " acct=alice"};
      s << accts[die(6)];
      static const char* const stps[] = {"", "", " stp=none", " stp=cancel_taker", " stp=cancel_maker",
                                         " stp=cancel_both"};
      s << stps[die(6)];
      if (die(8) == 0) s << " post_only";
    } else if (k < 75) {
      s << "cancel id=" << (die(10) == 0 ? 500000 + die(100) : some_earlier_id());
    } else if (k < 90) {
      const uint64_t id = die(12) == 0 ? 700000 : some_earlier_id();
      const SymbolSpec& sym = kSymbols[die(3)];  // a guess: off-tick prices for another symbol are fine too
      s << "modify id=" << id;
      const int what = die(3);
      if (what != 1) s << " px=" << price(sym, die(2) == 0);
      if (what != 0) s << " qty=" << qty(sym);
    } else if (k < 97 || !with_expire_) {
      s << "book sym=" << kSymbols[die(3)].name;
    } else {
      s << "expire";
    }
    return s.str();
  }

  std::mt19937 rng_;
  bool with_expire_;
  uint64_t next_id_ = 1;
};

/// The first line where a and b differ, for the failure message.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (int n = 1;; ++n) {
    const bool ga = static_cast<bool>(std::getline(ia, la));
    const bool gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb) return "no line differs (a line end does)";
    if (!ga || !gb || la != lb) {
      return "line " + std::to_string(n) + ": script `" + (ga ? la : "<end>") + "` client `" + (gb ? lb : "<end>") + "`";
    }
  }
}

void run_differential(uint32_t shards, bool with_expire, uint32_t seed_base) {
  const int scripts = env_or("RIALTO_E2E_SCRIPTS", kDefaultScripts);
  const int lines = env_or("RIALTO_E2E_LINES", kDefaultLines);
  size_t compared_lines = 0;
  std::string all_output;
  for (int i = 0; i < scripts; ++i) {
    const uint32_t seed = seed_base + static_cast<uint32_t>(i);
    const std::string script = ScriptGenerator(seed, with_expire).make(lines);
    const ProcessResult local = run_process({rialto_binary(), "script", "-"}, script, 60000);
    ASSERT_TRUE(exited_zero(local.status)) << "seed " << seed << ": rialto script " << describe_status(local.status)
                                           << "\n" << local.err << "\n--- script ---\n" << script;
    ASSERT_EQ(local.err, "");
    ServerProcess server;
    std::string error;
    ASSERT_TRUE(server.start(venue_config("shards = " + std::to_string(shards) + "\n"), error)) << error;
    const ProcessResult remote = run_process(
        {rialto_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(server.port()), "--script", "-"},
        script, 60000);
    EXPECT_TRUE(exited_zero(remote.status)) << "seed " << seed << ": rialto client "
                                            << describe_status(remote.status) << "\n" << remote.err;
    EXPECT_EQ(remote.err, "") << "seed " << seed;
    EXPECT_EQ(remote.out, local.out) << "seed " << seed << ": outputs differ at " << first_difference(local.out, remote.out)
                                     << "\n--- script ---\n" << script;
    if (shards == 2) {
      // AAA and BBB on different shards, so that the run spans both.
      config::VenueConfig rule;
      rule.shards = 2;
      ASSERT_NE(rule.shard_for("AAA"), rule.shard_for("BBB"));
      for (const char* sym : {"AAA", "BBB"}) {
        const std::string line = std::string("instrument '") + sym + "' added on shard " + std::to_string(rule.shard_for(sym));
        EXPECT_EQ(server.count_log(line), 1u) << line;
      }
    }
    EXPECT_EQ(server.finish(), "") << "seed " << seed;
    if (::testing::Test::HasFailure()) return;
    compared_lines += static_cast<size_t>(std::count(local.out.begin(), local.out.end(), '\n'));
    all_output += local.out;
  }
  // The compared outputs hold every kind of event and reject (else the
  // comparison would pass over paths nobody exercised).
  std::vector<std::string> kinds = {"accepted id=", "trade px=", "modified id=", "reason=user", "reason=remainder",
                                    "reason=unfilled", "reason=self_trade", "reason=duplicate_id",
                                    "reason=unknown_symbol", "reason=invalid_qty", "reason=invalid_price",
                                    "reason=price_not_on_tick", "reason=invalid_tif", "reason=would_cross",
                                    "reason=unknown_order", "\nbid px=", "\nask px="};
  if (with_expire) kinds.push_back("reason=expired");
  for (const std::string& k : kinds) EXPECT_NE(all_output.find(k), std::string::npos) << "no `" << k << "` in any output";
  // A generator that makes only rejects would compare little: the outputs
  // must hold trades, rests and cancels in bulk.
  EXPECT_GT(compared_lines, static_cast<size_t>(scripts) * static_cast<size_t>(lines));
  std::cout << scripts << " scripts of " << lines << " lines, " << compared_lines << " output lines identical\n";
}

TEST(RandomScripts, clientOutputEqualsLocalScriptOnOneShard) { run_differential(1, true, 1000); }
TEST(RandomScripts, clientOutputEqualsLocalScriptOnTwoShards) { run_differential(2, false, 5000); }

// The generator covers what the file comment says, measured on its own text.
TEST(RandomScripts, generatorWritesEveryKindOfLine) {
  std::string all;
  for (uint32_t seed = 1000; seed < 1004; ++seed) all += ScriptGenerator(seed, true).make(kDefaultLines);
  for (const char* word : {"type=market", "tif=gtc", "tif=day", "tif=ioc", "tif=fok", "acct=alice", "acct=bob",
                           "acct=-", "stp=cancel_taker", "stp=cancel_maker", "stp=cancel_both", "post_only",
                           "cancel id=", "modify id=", "book sym=", "\nexpire", "sym=ZZZ"}) {
    EXPECT_NE(all.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace rialto::e2e
