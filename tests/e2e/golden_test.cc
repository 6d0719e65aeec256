// Every valid golden scenario (tests/scenarios/NAME.script with a
// NAME.expected, no bad_ prefix) run through `rialto client --script`
// against a fresh `rialto serve` over loopback: stdout must be NAME.expected
// byte for byte, stderr empty, exit status 0, and the server must stop
// cleanly with nothing unexpected in its log. NAME.args options map to the
// venue (--max-orders -> matching.max_orders_per_shard, --max-symbols ->
// matching.max_symbols_per_shard) or to the client (--max-ids); an option
// that has no mapping fails the test with a message naming it.
//
// Run twice: on a one-shard venue, and on a two-shard venue for every
// scenario except those with `expire` over symbols on both shards (each
// shard expires its own day orders, so the lines come shard by shard, not
// oldest first over the venue: large_mixed is the one left out). In the two-shard
// run the log must show each symbol added on the shard the FNV-1a rule of
// docs/CONFIG.md names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "process.h"
#include "rialto/config/venue_config.h"

namespace rialto::e2e {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> valid_goldens() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(scenario_dir())) {
    const fs::path p = e.path();
    if (p.extension() != ".script") continue;
    const std::string name = p.stem().string();
    if (name.rfind("bad_", 0) == 0) continue;
    if (!fs::exists(p.parent_path() / (name + ".expected"))) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string path_of(const std::string& name, const std::string& ext) {
  return std::string(scenario_dir()) + "/" + name + "." + ext;
}

bool has_expire(const std::string& script) {
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);) {
    const size_t b = line.find_first_not_of(" \t");
    if (b != std::string::npos && line.compare(b, 6, "expire") == 0) return true;
  }
  return false;
}

/// Symbol names the script defines, in order.
std::vector<std::string> symbols_of(const std::string& script) {
  std::vector<std::string> names;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string cmd;
    if (!(words >> cmd) || cmd != "symbol") continue;
    for (std::string w; words >> w;) {
      if (w.find('=') == std::string::npos) names.push_back(w);
    }
  }
  return names;
}

struct Mapping {
  std::string matching;                 // [matching] lines
  std::vector<std::string> client_args;  // extra `rialto client` options
  std::string unmapped;                  // options with no venue/client equivalent
};

Mapping map_args(const std::string& name, uint32_t shards) {
  Mapping m;
  m.matching = "shards = " + std::to_string(shards) + "\n";
  const std::string args_path = path_of(name, "args");
  if (!fs::exists(args_path)) return m;
  std::istringstream in(read_file(args_path));
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& opt = words[i];
    const std::string value = i + 1 < words.size() ? words[i + 1] : "";
    if (opt == "--max-orders" && !value.empty()) {
      m.matching += "max_orders_per_shard = " + value + "\n";
      ++i;
    } else if (opt == "--max-symbols" && !value.empty()) {
      m.matching += "max_symbols_per_shard = " + value + "\n";
      ++i;
    } else if (opt == "--max-ids" && !value.empty()) {
      m.client_args.push_back("--max-ids");
      m.client_args.push_back(value);
      ++i;
    } else {
      m.unmapped += (m.unmapped.empty() ? "" : " ") + opt;
    }
  }
  return m;
}

/// Each maximal run of consecutive `reason=expired` lines sorted: one
/// Expire's lines, whatever the order the shards answered in.
std::string sort_expired_runs(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto expired = [](const std::string& l) { return l.find(" reason=expired ") != std::string::npos; };
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    while (j < lines.size() && expired(lines[j])) ++j;
    std::sort(lines.begin() + static_cast<std::ptrdiff_t>(i), lines.begin() + static_cast<std::ptrdiff_t>(j));
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

/// Runs one golden against a fresh venue of `shards` shards; checks the
/// whole outputs (both passed through `normalize` when given).
void run_golden(const std::string& name, uint32_t shards, std::string (*normalize)(const std::string&) = nullptr) {
  const std::string script = read_file(path_of(name, "script"));
  const std::string expected = read_file(path_of(name, "expected"));
  const Mapping m = map_args(name, shards);
  ASSERT_EQ(m.unmapped, "") << name << ".args: option(s) with no `rialto serve`/`rialto client` equivalent: "
                            << m.unmapped << " (the scenario cannot be run against a venue)";
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.start(venue_config(m.matching), error)) << error;
  std::vector<std::string> argv = {rialto_binary(), "client", "--connect", "127.0.0.1:" + std::to_string(server.port()),
                                   "--script", path_of(name, "script")};
  argv.insert(argv.end(), m.client_args.begin(), m.client_args.end());
  const ProcessResult r = run_process(argv, "", 60000);
  EXPECT_FALSE(r.timed_out) << "rialto client did not finish within 60 s";
  EXPECT_TRUE(exited_zero(r.status)) << "rialto client " << describe_status(r.status) << "; stderr:\n" << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(normalize ? normalize(r.out) : r.out, normalize ? normalize(expected) : expected) << name << ": stdout of `rialto client --script` differs from " << name << ".expected";

  // Where each symbol went, by the server's own log.
  std::map<std::string, uint32_t> placed;
  for (const std::string& line : server.log_lines()) {
    const std::string head = "instrument '", tail = "' added on shard ";
    const size_t a = line.find(head), b = line.find(tail);
    if (a == std::string::npos || b == std::string::npos || b < a) continue;
    placed[line.substr(a + head.size(), b - a - head.size())] = static_cast<uint32_t>(std::stoul(line.substr(b + tail.size())));
  }
  config::VenueConfig rule;
  rule.shards = shards;
  for (const std::string& sym : symbols_of(script)) {
    if (placed.count(sym) == 0) continue;  // a symbol the venue refused is in the expected output already
    EXPECT_EQ(placed[sym], rule.shard_for(sym)) << "symbol " << sym << " is not on the shard of the FNV-1a rule";
  }
  EXPECT_EQ(server.finish(), "");
}

class GoldenOneShard : public ::testing::TestWithParam<std::string> {};
class GoldenTwoShards : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOneShard, clientOutputEqualsExpectedFile) { run_golden(GetParam(), 1); }
TEST_P(GoldenTwoShards, clientOutputEqualsExpectedFile) { run_golden(GetParam(), 2); }

/// The shards a two-shard venue puts the script's symbols on.
std::set<uint32_t> shards_of(const std::string& script) {
  config::VenueConfig rule;
  rule.shards = 2;
  std::set<uint32_t> shards;
  for (const auto& s : symbols_of(script)) shards.insert(rule.shard_for(s));
  return shards;
}

/// Goldens a two-shard venue must print identically: all but those with
/// `expire` over symbols on both shards (each shard expires its own orders,
/// so the lines come per shard, not oldest first over the whole venue).
std::vector<std::string> two_shard_goldens() {
  std::vector<std::string> out;
  for (const auto& n : valid_goldens()) {
    const std::string script = read_file(path_of(n, "script"));
    if (!has_expire(script) || shards_of(script).size() < 2) out.push_back(n);
  }
  return out;
}

// large_mixed on two shards: its expire lines come shard by shard, so
// each Expire's lines are compared as a set; every other line in place.
TEST(GoldenTwoShardsExpire, largeMixedEqualsExpectedUpToTheOrderOfEachExpiresLines) {
  ASSERT_EQ(shards_of(read_file(path_of("large_mixed", "script"))).size(), 2u);
  run_golden("large_mixed", 2, sort_expired_runs);
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenOneShard, ::testing::ValuesIn(valid_goldens()), param_name);
INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenTwoShards, ::testing::ValuesIn(two_shard_goldens()), param_name);

// The enumeration itself can fail: the scenario directory must hold the
// goldens the scenario CMakeLists lists (50 valid ones), and the two-shard
// run must include scenarios whose symbols are spread over both shards
// (else it would test nothing a one-shard venue does not).
TEST(GoldenSet, coversEveryValidGoldenAndBothShards) {
  const auto all = valid_goldens();
  EXPECT_GE(all.size(), 50u);
  for (const char* must : {"basic_book", "large_mixed", "capacity", "edge_qty_at_overflow_limit", "multi_symbol"}) {
    EXPECT_NE(std::find(all.begin(), all.end(), must), all.end()) << must;
  }
  std::vector<std::string> spread;
  for (const auto& n : two_shard_goldens()) {
    if (shards_of(read_file(path_of(n, "script"))).size() == 2) spread.push_back(n);
  }
  // Left out of the two-shard run, said out loud.
  const auto two = two_shard_goldens();
  std::string left_out;
  for (const auto& n : all) {
    if (std::find(two.begin(), two.end(), n) == two.end()) left_out += " " + n;
  }
  std::cout << "not run on two shards (expire over symbols on both shards):" << left_out << "\n";
  EXPECT_EQ(left_out, " large_mixed");
  EXPECT_GE(spread.size(), 2u) << "too few two-shard scenarios with symbols on both shards";
  EXPECT_NE(std::find(spread.begin(), spread.end(), "multi_symbol"), spread.end());
  std::string list;
  for (const auto& n : spread) list += " " + n;
  std::cout << "scenarios with symbols on both shards:" << list << "\n";
}

}  // namespace
}  // namespace rialto::e2e
