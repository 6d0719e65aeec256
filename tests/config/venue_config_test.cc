#include "rialto/config/venue_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace rialto::config {
namespace {

std::string error_of(std::string_view text) {
  auto r = parse(text, "v.toml");
  if (auto* e = std::get_if<ConfigError>(&r)) return e->what;
  return "<no error>";
}

VenueConfig parsed(std::string_view text) {
  auto r = parse(text, "v.toml");
  if (auto* e = std::get_if<ConfigError>(&r)) {
    ADD_FAILURE() << e->what;
    return {};
  }
  return std::get<VenueConfig>(r);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- The demo venue -----------------------------------------------------------

TEST(VenueConfigDemo, HasExactlyTheDocumentedContents) {
  const VenueConfig c = demo();
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 7001);
  EXPECT_EQ(c.shards, 1u);
  EXPECT_EQ(c.max_orders_per_shard, 1u << 20);
  EXPECT_EQ(c.max_symbols_per_shard, 4096u);
  EXPECT_EQ(c.queue_capacity, 65536u);
  EXPECT_EQ(c.limits, Limits{});
  EXPECT_EQ(c.limits.max_sessions, 1024u);
  EXPECT_EQ(c.limits.max_live_orders, 65536u);
  EXPECT_EQ(c.limits.rate_per_second, 200000u);
  EXPECT_EQ(c.limits.burst, 20000u);
  EXPECT_EQ(c.limits.outbound_buffer_bytes, 4u << 20);
  EXPECT_EQ(c.limits.heartbeat_min_ms, 100u);
  EXPECT_EQ(c.limits.heartbeat_max_ms, 60000u);
  const std::vector<Symbol> symbols = {
      {"ACME", TickSize{1, 2}, 1, 1'000'000'000, 0},
      {"GLOBEX", TickSize{5, 2}, 10, 1'000'000'000, 0},
      {"INITECH", TickSize{1, 4}, 1, 1'000'000, 0},
      {"HOOLI", TickSize{5, 1}, 100, 10'000'000, 0},
  };
  EXPECT_EQ(c.symbols, symbols);
  EXPECT_TRUE(c.accounts.empty());
  EXPECT_TRUE(c.demo());
}

TEST(VenueConfigDemo, EmbeddedTextIsConfigDemoTomlByteForByte) {
  const std::string file = read_file(RIALTO_DEMO_TOML_PATH);
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(demo_text(), file);
  EXPECT_EQ(parsed(file), demo());
}

TEST(VenueConfigDemo, LoadOfConfigDemoTomlEqualsDemo) {
  auto r = load(RIALTO_DEMO_TOML_PATH);
  ASSERT_TRUE(std::holds_alternative<VenueConfig>(r)) << std::get<ConfigError>(r).what;
  EXPECT_EQ(std::get<VenueConfig>(r), demo());
}

// ---- Valid files ----------------------------------------------------------------

TEST(VenueConfigParse, EmptyTextGivesEveryDefault) {
  const VenueConfig c = parsed("");
  EXPECT_EQ(c, VenueConfig{});
  EXPECT_TRUE(c.symbols.empty());
}

TEST(VenueConfigParse, FullFileSetsEveryField) {
  const VenueConfig c = parsed(R"(
[server]
listen = "0.0.0.0:9100"

[matching]
shards = 3
max_orders_per_shard = 1000
max_symbols_per_shard = 7
queue_capacity = 1024

[limits]
max_sessions = 10
max_live_orders = 11
rate_per_second = 12
burst = 13
outbound_buffer_bytes = 65536
heartbeat_min_ms = 200
heartbeat_max_ms = 3000

[[symbol]]
name = "ACME"
tick = "0.010"
lot = 5
max_qty = 9223372036854775
shard = 2

[[symbol]]
name = "X1"
tick = "25"

[[account]]
name = "alice"
password = "pw one"
admin = true

[[account]]
name = "bob smith"
password = "x"
admin = false

[[account]]
name = "-"
password = "anon"
)");
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9100);
  EXPECT_EQ(c.shards, 3u);
  EXPECT_EQ(c.max_orders_per_shard, 1000u);
  EXPECT_EQ(c.max_symbols_per_shard, 7u);
  EXPECT_EQ(c.queue_capacity, 1024u);
  EXPECT_EQ(c.limits.max_sessions, 10u);
  EXPECT_EQ(c.limits.max_live_orders, 11u);
  EXPECT_EQ(c.limits.rate_per_second, 12u);
  EXPECT_EQ(c.limits.burst, 13u);
  EXPECT_EQ(c.limits.outbound_buffer_bytes, 65536u);
  EXPECT_EQ(c.limits.heartbeat_min_ms, 200u);
  EXPECT_EQ(c.limits.heartbeat_max_ms, 3000u);
  // X1 has no shard: FNV-1a("X1") = 0x10135ca2, mod 3 = 1.
  const std::vector<Symbol> symbols = {
      {"ACME", TickSize{1, 2}, 5, 9'223'372'036'854'775, 2},
      {"X1", TickSize{25, 0}, 1, 1'000'000'000, 1},
  };
  EXPECT_EQ(c.symbols, symbols);
  const std::vector<Account> accounts = {{"alice", "pw one", true}, {"bob smith", "x", false}, {"-", "anon", false}};
  EXPECT_EQ(c.accounts, accounts);
  EXPECT_FALSE(c.demo());
}

TEST(VenueConfigParse, ValuesAtTheEdgesOfTheirRangesAreAccepted) {
  const VenueConfig c = parsed(R"(
matching.shards = 64
matching.max_orders_per_shard = 2147483648
matching.max_symbols_per_shard = 65536
matching.queue_capacity = 2
limits.max_sessions = 1000000
limits.outbound_buffer_bytes = 1073741824
limits.heartbeat_min_ms = 60000
limits.heartbeat_max_ms = 60000
symbol = [{name = "ABCDEFGH", tick = "0.000000000000000001", lot = 9223372036854775807, max_qty = 4294967295, shard = 63}]
account = [{name = "0123456789abcdef", password = "012345678901234567890123"}]
)");
  EXPECT_EQ(c.shards, 64u);
  EXPECT_EQ(c.max_orders_per_shard, 2147483648u);
  EXPECT_EQ(c.max_symbols_per_shard, 65536u);
  EXPECT_EQ(c.queue_capacity, 2u);
  EXPECT_EQ(c.limits.max_sessions, 1000000u);
  EXPECT_EQ(c.limits.outbound_buffer_bytes, 1u << 30);
  EXPECT_EQ(c.limits.heartbeat_min_ms, 60000u);
  ASSERT_EQ(c.symbols.size(), 1u);
  EXPECT_EQ(c.symbols[0], (Symbol{"ABCDEFGH", TickSize{1, 18}, INT64_MAX, 4294967295, 63}));
  ASSERT_EQ(c.accounts.size(), 1u);
  EXPECT_EQ(c.accounts[0].password, "012345678901234567890123");
}

TEST(VenueConfigParse, IPv6ListenIsReturnedWithoutBrackets) {
  const VenueConfig c = parsed("[server]\nlisten = \"[::1]:65535\"\n");
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 65535);
}

TEST(VenueConfigParse, ReadsTheDataDirTheFeedAddressAndTheJournalTable) {
  const VenueConfig c = parsed(
      "[server]\nmd_listen = \"0.0.0.0:9200\"\ndata_dir = \"/var/lib/rialto\"\n"
      "[journal]\npolicy = \"async\"\ngroup_commit_us = 50\nsegment_mb = 8\nsnapshot_every = 0\n");
  EXPECT_EQ(c.md_listen_host, "0.0.0.0");
  EXPECT_EQ(c.md_listen_port, 9200);
  EXPECT_EQ(c.data_dir, "/var/lib/rialto");
  EXPECT_EQ(c.journal, (Journal{JournalPolicy::async, 50, 8, 0}));
  const VenueConfig d = parsed("");
  EXPECT_EQ(d.md_listen_port, 7002);
  EXPECT_EQ(d.data_dir, "");
  EXPECT_EQ(d.journal, (Journal{JournalPolicy::fsync, 200, 64, 1000000}));
}

TEST(VenueConfigParse, RejectsABadJournalTable) {
  EXPECT_EQ(error_of("[journal]\npolicy = \"sometimes\"\n"),
            "v.toml:2:10: journal.policy: 'sometimes' is not one of \"fsync\", \"async\", \"none\"");
  EXPECT_EQ(error_of("[journal]\ngroup_commit_us = 0\n"),
            "v.toml:2:19: journal.group_commit_us: 0 is out of range (1..1000000)");
  EXPECT_EQ(error_of("[journal]\nfsync = true\n"), "v.toml:2:1: unknown key 'fsync' in [journal]");
  EXPECT_EQ(error_of("[server]\ndata_dir = \"\"\n"),
            "v.toml:2:12: server.data_dir: '' is not a directory path (1..4096 bytes)");
  EXPECT_EQ(error_of("[server]\nmd_listen = \"nowhere\"\n"),
            "v.toml:2:13: server.md_listen: 'nowhere' is not HOST:PORT (a host name, IPv4 or [IPv6] address, port "
            "0..65535)");
}

// ---- The shard rule ----------------------------------------------------------------

TEST(VenueConfigShardFor, IsFnv1a32OfTheNameModuloShards) {
  VenueConfig c;
  c.shards = 0xffffffffu;  // the hash itself, for the published FNV-1a test vectors
  EXPECT_EQ(c.shard_for(""), 0x811c9dc5u % 0xffffffffu);
  EXPECT_EQ(c.shard_for("a"), 0xe40c292cu);
  EXPECT_EQ(c.shard_for("foobar"), 0xbf9cf968u);
  c.shards = 4;
  EXPECT_EQ(c.shard_for("ACME"), 3u);    // 0x4adf3eef
  EXPECT_EQ(c.shard_for("GLOBEX"), 2u);  // 0xaf434a4e
  EXPECT_EQ(c.shard_for("INITECH"), 1u);
  EXPECT_EQ(c.shard_for("X3"), 0u);
  c.shards = 1;
  EXPECT_EQ(c.shard_for("ACME"), 0u);
}

TEST(VenueConfigShardFor, SymbolsWithoutShardInTheFileFollowTheRule) {
  const VenueConfig c = parsed(R"(
matching.shards = 4
[[symbol]]
name = "ACME"
tick = "1"
[[symbol]]
name = "GLOBEX"
tick = "1"
[[symbol]]
name = "INITECH"
tick = "1"
[[symbol]]
name = "X3"
tick = "1"
)");
  ASSERT_EQ(c.symbols.size(), 4u);
  EXPECT_EQ(c.symbols[0].shard, 3u);
  EXPECT_EQ(c.symbols[1].shard, 2u);
  EXPECT_EQ(c.symbols[2].shard, 1u);
  EXPECT_EQ(c.symbols[3].shard, 0u);
}

TEST(VenueConfigShardFor, MatchingIsReadBeforeSymbolsWhateverTheFileOrder) {
  const VenueConfig c = parsed(R"(
[[symbol]]
name = "ACME"
tick = "1"
[matching]
shards = 4
)");
  ASSERT_EQ(c.symbols.size(), 1u);
  EXPECT_EQ(c.symbols[0].shard, 3u);
}

// ---- parse_host_port -----------------------------------------------------------------

TEST(VenueConfigHostPort, AcceptsNamesAddressesAndPortRange) {
  using HP = std::pair<std::string, uint16_t>;
  EXPECT_EQ(parse_host_port("127.0.0.1:7001"), (HP{"127.0.0.1", 7001}));
  EXPECT_EQ(parse_host_port("localhost:1"), (HP{"localhost", 1}));
  EXPECT_EQ(parse_host_port("my-host.example:65535"), (HP{"my-host.example", 65535}));
  EXPECT_EQ(parse_host_port("[fe80::1]:80"), (HP{"fe80::1", 80}));
  EXPECT_EQ(parse_host_port("h:00080"), (HP{"h", 80}));
}

TEST(VenueConfigHostPort, RejectsEverythingElse) {
  for (std::string_view s : {"",           "7001",        "host",    "host:",    ":7001",    "host:65536",
                             "host:99999", "host:123456", "host:-1", "host:+80", "host: 80", "host:80 ",   "a b:80",
                             "::1:80",     "[]:80",       "[::1]",   "[::1:80",  "[::g]:80", "ho\x01st:80"}) {
    EXPECT_EQ(parse_host_port(s), std::nullopt) << s;
  }
  EXPECT_EQ(parse_host_port(std::string(254, 'a') + ":80"), std::nullopt);
  EXPECT_NE(parse_host_port(std::string(253, 'a') + ":80"), std::nullopt);
  EXPECT_EQ(parse_host_port("127.0.0.1:0"), (std::pair<std::string, uint16_t>{"127.0.0.1", 0}));
}

// ---- Errors: the whole message --------------------------------------------------------

TEST(VenueConfigErrors, TomlSyntaxErrorNamesFileLineAndColumn) {
  EXPECT_EQ(error_of("[server]\nlisten = \n"),
            "v.toml:2:10: Error while parsing key-value pair: expected value, saw '\\n'");
}

TEST(VenueConfigErrors, TomlDuplicateKey) {
  EXPECT_EQ(error_of("[matching]\nshards = 1\nshards = 2\n"),
            "v.toml:3:10: Error while parsing key-value pair: cannot redefine existing integer 'shards'");
}

TEST(VenueConfigErrors, BytesFromTheFileInTomlMessagesAreEscaped) {
  // toml++ quotes the offending bytes (here UTF-8 e-acute); they reach the message as \xNN.
  EXPECT_EQ(error_of("\xc3\xa9 = 1\n"),
            "v.toml:1:1: Error while parsing root table: expected keys, tables, whitespace or comments, "
            "saw '\\xc3\\xa9'");
  EXPECT_EQ(error_of("[server]\nlisten = \"\xff\xfe\"\n"), "v.toml:2:10: Encountered invalid utf-8 sequence");
}

TEST(VenueConfigErrors, UnknownTopLevelTable) {
  EXPECT_EQ(error_of("[server]\n[serevr]\nlisten = \"h:1\"\n"),
            "v.toml:2:2: unknown table or key 'serevr' (known: [server], [journal], [matching], [limits], "
            "[[symbol]], [[account]])");
}

TEST(VenueConfigErrors, UnknownTopLevelKey) {
  EXPECT_EQ(error_of("listen = \"h:1\"\n"),
            "v.toml:1:1: unknown table or key 'listen' (known: [server], [journal], [matching], [limits], "
            "[[symbol]], [[account]])");
}

TEST(VenueConfigErrors, UnknownKeyInEachSection) {
  EXPECT_EQ(error_of("[server]\nport = 1\n"), "v.toml:2:1: unknown key 'port' in [server]");
  EXPECT_EQ(error_of("[matching]\nshard = 2\n"), "v.toml:2:1: unknown key 'shard' in [matching]");
  EXPECT_EQ(error_of("[limits]\n  rate = 2\n"), "v.toml:2:3: unknown key 'rate' in [limits]");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"1\"\nlots = 2\n"),
            "v.toml:4:1: unknown key 'lots' in [[symbol]]");
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\npassword = \"p\"\nadmn = true\n"),
            "v.toml:4:1: unknown key 'admn' in [[account]]");
}

TEST(VenueConfigErrors, HostileKeyIsEscapedAndTruncated) {
  EXPECT_EQ(error_of("[server]\n\"it's\\\\\\u0007\\u00e9" + std::string(40, 'x') + "\" = 1\n"),
            "v.toml:2:1: unknown key 'it\\'s\\\\\\x07\\xc3\\xa9xxxxxxxxxxxxxxxxxxxxxxxx'... in [server]");
}

TEST(VenueConfigErrors, SectionThatIsNotATable) {
  EXPECT_EQ(error_of("server = \"h:1\"\n"), "v.toml:1:10: server must be a table ([server]), not a string");
  EXPECT_EQ(error_of("matching = 2\n"), "v.toml:1:12: matching must be a table ([matching]), not an integer");
  EXPECT_EQ(error_of("limits = [1]\n"), "v.toml:1:10: limits must be a table ([limits]), not an array");
}

TEST(VenueConfigErrors, SymbolOrAccountThatIsNotAnArrayOfTables) {
  EXPECT_EQ(error_of("[symbol]\nname = \"A\"\n"),
            "v.toml:1:1: symbol must be an array of tables ([[symbol]]), not a table");
  EXPECT_EQ(error_of("account = [{name = \"a\", password = \"p\"}, 3]\n"),
            "v.toml:1:42: account must be an array of tables ([[account]]); account[1] is an integer");
}

TEST(VenueConfigErrors, WrongTypes) {
  EXPECT_EQ(error_of("[matching]\nshards = \"2\"\n"), "v.toml:2:10: matching.shards must be an integer, not a string");
  EXPECT_EQ(error_of("[limits]\nburst = 2.5\n"), "v.toml:2:9: limits.burst must be an integer, not a float");
  EXPECT_EQ(error_of("[server]\nlisten = 7001\n"), "v.toml:2:10: server.listen must be a string, not an integer");
  EXPECT_EQ(error_of("[[symbol]]\nname = 5\n"), "v.toml:2:8: symbol[0].name must be a string, not an integer");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"1\"\nlot = true\n"),
            "v.toml:4:7: symbol[0].lot must be an integer, not a boolean");
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\npassword = 1234\n"),
            "v.toml:3:12: account[0].password must be a string, not an integer");
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\npassword = \"p\"\nadmin = \"yes\"\n"),
            "v.toml:4:9: account[0].admin must be a boolean, not a string");
  EXPECT_EQ(error_of("[matching]\nqueue_capacity = 1979-05-27\n"),
            "v.toml:2:18: matching.queue_capacity must be an integer, not a date");
}

TEST(VenueConfigErrors, MatchingOutOfRange) {
  EXPECT_EQ(error_of("[matching]\nshards = 0\n"), "v.toml:2:10: matching.shards: 0 is out of range (1..64)");
  EXPECT_EQ(error_of("[matching]\nshards = 65\n"), "v.toml:2:10: matching.shards: 65 is out of range (1..64)");
  EXPECT_EQ(error_of("[matching]\nshards = -1\n"), "v.toml:2:10: matching.shards: -1 is out of range (1..64)");
  EXPECT_EQ(error_of("[matching]\nmax_orders_per_shard = 2147483649\n"),
            "v.toml:2:24: matching.max_orders_per_shard: 2147483649 is out of range (1..2147483648)");
  EXPECT_EQ(error_of("[matching]\nmax_orders_per_shard = 0\n"),
            "v.toml:2:24: matching.max_orders_per_shard: 0 is out of range (1..2147483648)");
  EXPECT_EQ(error_of("[matching]\nmax_symbols_per_shard = 65537\n"),
            "v.toml:2:25: matching.max_symbols_per_shard: 65537 is out of range (1..65536)");
  EXPECT_EQ(error_of("[matching]\nqueue_capacity = 1\n"),
            "v.toml:2:18: matching.queue_capacity: 1 is out of range (2..16777216)");
  // Larger than uint32: must not wrap to a valid value.
  EXPECT_EQ(error_of("[matching]\nqueue_capacity = 4294967298\n"),
            "v.toml:2:18: matching.queue_capacity: 4294967298 is out of range (2..16777216)");
}

TEST(VenueConfigErrors, LimitsOutOfRange) {
  EXPECT_EQ(error_of("[limits]\nmax_sessions = 0\n"),
            "v.toml:2:16: limits.max_sessions: 0 is out of range (1..1000000)");
  EXPECT_EQ(error_of("[limits]\nmax_live_orders = 16777217\n"),
            "v.toml:2:19: limits.max_live_orders: 16777217 is out of range (1..16777216)");
  EXPECT_EQ(error_of("[limits]\nrate_per_second = 1000000001\n"),
            "v.toml:2:19: limits.rate_per_second: 1000000001 is out of range (1..1000000000)");
  EXPECT_EQ(error_of("[limits]\nburst = 0\n"), "v.toml:2:9: limits.burst: 0 is out of range (1..1000000000)");
  EXPECT_EQ(error_of("[limits]\noutbound_buffer_bytes = 65535\n"),
            "v.toml:2:25: limits.outbound_buffer_bytes: 65535 is out of range (65536..1073741824)");
  EXPECT_EQ(error_of("[limits]\nheartbeat_min_ms = 99\n"),
            "v.toml:2:20: limits.heartbeat_min_ms: 99 is out of range (100..60000)");
  EXPECT_EQ(error_of("[limits]\nheartbeat_max_ms = 60001\n"),
            "v.toml:2:20: limits.heartbeat_max_ms: 60001 is out of range (100..60000)");
}

TEST(VenueConfigErrors, HeartbeatMinAboveMax) {
  EXPECT_EQ(error_of("[limits]\nheartbeat_min_ms = 5000\nheartbeat_max_ms = 1000\n"),
            "v.toml:2:20: limits.heartbeat_min_ms (5000) is greater than limits.heartbeat_max_ms (1000)");
  // Against the default maximum, with only the minimum written.
  EXPECT_EQ(error_of("[limits]\nheartbeat_max_ms = 150\nheartbeat_min_ms = 200\n"),
            "v.toml:3:20: limits.heartbeat_min_ms (200) is greater than limits.heartbeat_max_ms (150)");
}

TEST(VenueConfigErrors, BadListen) {
  const std::string rule = " is not HOST:PORT (a host name, IPv4 or [IPv6] address, port 0..65535)";
  EXPECT_EQ(error_of("[server]\nlisten = \"127.0.0.1:65536\"\n"),
            "v.toml:2:10: server.listen: '127.0.0.1:65536'" + rule);
  EXPECT_EQ(error_of("[server]\nlisten = \"localhost\"\n"), "v.toml:2:10: server.listen: 'localhost'" + rule);
  EXPECT_EQ(error_of("[server]\nlisten = \":7001\"\n"), "v.toml:2:10: server.listen: ':7001'" + rule);
  EXPECT_EQ(error_of("[server]\nlisten = \"a\\tb:1\"\n"), "v.toml:2:10: server.listen: 'a\\x09b:1'" + rule);
}

TEST(VenueConfigErrors, SymbolMissingKeys) {
  EXPECT_EQ(error_of("[[symbol]]\ntick = \"1\"\n"), "v.toml:1:1: symbol[0]: missing key 'name'");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"1\"\n\n[[symbol]]\nname = \"B\"\n"),
            "v.toml:5:1: symbol[1]: missing key 'tick'");
}

TEST(VenueConfigErrors, SymbolBadName) {
  const std::string rule = " must be 1..8 printable ASCII characters without spaces";
  EXPECT_EQ(error_of("[[symbol]]\nname = \"\"\ntick = \"1\"\n"), "v.toml:2:8: symbol[0].name: ''" + rule);
  EXPECT_EQ(error_of("[[symbol]]\nname = \"ABCDEFGHI\"\ntick = \"1\"\n"),
            "v.toml:2:8: symbol[0].name: 'ABCDEFGHI'" + rule);
  EXPECT_EQ(error_of("[[symbol]]\nname = \"AB CD\"\ntick = \"1\"\n"), "v.toml:2:8: symbol[0].name: 'AB CD'" + rule);
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\\u007f\"\ntick = \"1\"\n"), "v.toml:2:8: symbol[0].name: 'A\\x7f'" + rule);
}

TEST(VenueConfigErrors, SymbolDuplicateName) {
  EXPECT_EQ(error_of("[[symbol]]\nname = \"ACME\"\ntick = \"1\"\n[[symbol]]\nname = \"B\"\ntick = \"1\"\n"
                     "[[symbol]]\nname = \"ACME\"\ntick = \"0.5\"\n"),
            "v.toml:8:8: symbol[2].name: 'ACME' is already defined at line 2");
}

TEST(VenueConfigErrors, SymbolTickNotAQuotedDecimal) {
  const std::string rule = " must be a quoted decimal, e.g. tick = \"0.01\" (floats are not exact), not ";
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = 0.01\n"), "v.toml:3:8: symbol[0].tick" + rule + "a float");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = 1\n"), "v.toml:3:8: symbol[0].tick" + rule + "an integer");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = [\"1\"]\n"),
            "v.toml:3:8: symbol[0].tick must be a string, not an array");
}

TEST(VenueConfigErrors, SymbolTickInvalid) {
  const std::string rule = " is not a tick (a decimal > 0, at most 18 decimals, mantissa at most 10^18)";
  for (std::string_view t : {"0", "-0.01", "0.0000000000000000001", "1e-2", ".5", "abc"}) {
    EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"" + std::string(t) + "\"\n"),
              "v.toml:3:8: symbol[0].tick: '" + std::string(t) + "'" + rule);
  }
}

TEST(VenueConfigErrors, SymbolLotAndMaxQtyOutOfRange) {
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"1\"\nlot = 0\n"),
            "v.toml:4:7: symbol[0].lot: 0 is out of range (1..9223372036854775807)");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"1\"\nmax_qty = 0\n"),
            "v.toml:4:11: symbol[0].max_qty: 0 is out of range (1..8796093022207) (max_qty x "
            "matching.max_orders_per_shard must fit 64 bits)");
  EXPECT_EQ(error_of("[matching]\nmax_orders_per_shard = 1000\n[[symbol]]\nname = \"A\"\ntick = \"1\"\n"
                     "max_qty = 9223372036854776\n"),
            "v.toml:6:11: symbol[0].max_qty: 9223372036854776 is out of range (1..9223372036854775) (max_qty x "
            "matching.max_orders_per_shard must fit 64 bits)");
}

TEST(VenueConfigErrors, SymbolShardNotBelowShards) {
  EXPECT_EQ(error_of("[matching]\nshards = 2\n[[symbol]]\nname = \"A\"\ntick = \"1\"\nshard = 2\n"),
            "v.toml:6:9: symbol[0].shard: 2 is out of range (0..1) (matching.shards is 2)");
  EXPECT_EQ(error_of("[[symbol]]\nname = \"A\"\ntick = \"1\"\nshard = -1\n"),
            "v.toml:4:9: symbol[0].shard: -1 is out of range (0..0) (matching.shards is 1)");
}

TEST(VenueConfigErrors, TooManySymbolsOnOneShard) {
  EXPECT_EQ(error_of("[matching]\nshards = 2\nmax_symbols_per_shard = 1\n"
                     "[[symbol]]\nname = \"A\"\ntick = \"1\"\nshard = 1\n"
                     "[[symbol]]\nname = \"B\"\ntick = \"1\"\nshard = 0\n"
                     "[[symbol]]\nname = \"C\"\ntick = \"1\"\nshard = 1\n"),
            "v.toml:12:1: symbol[2]: shard 1 would hold more than matching.max_symbols_per_shard (1) symbols");
}

TEST(VenueConfigErrors, AccountMissingKeys) {
  EXPECT_EQ(error_of("[[account]]\npassword = \"p\"\n"), "v.toml:1:1: account[0]: missing key 'name'");
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\n"), "v.toml:1:1: account[0]: missing key 'password'");
}

TEST(VenueConfigErrors, AccountBadName) {
  const std::string rule = " must be 1..16 printable ASCII characters";
  EXPECT_EQ(error_of("[[account]]\nname = \"\"\npassword = \"p\"\n"), "v.toml:2:8: account[0].name: ''" + rule);
  EXPECT_EQ(error_of("[[account]]\nname = \"0123456789abcdefg\"\npassword = \"p\"\n"),
            "v.toml:2:8: account[0].name: '0123456789abcdefg'" + rule);
  EXPECT_EQ(error_of("[[account]]\nname = \"a\\u0000b\"\npassword = \"p\"\n"),
            "v.toml:2:8: account[0].name: 'a\\x00b'" + rule);
}

TEST(VenueConfigErrors, AccountDuplicateName) {
  EXPECT_EQ(error_of("[[account]]\nname = \"alice\"\npassword = \"p\"\n"
                     "[[account]]\nname = \"alice\"\npassword = \"q\"\n"),
            "v.toml:5:8: account[1].name: 'alice' is already defined at line 2");
}

TEST(VenueConfigErrors, AccountBadPasswordIsNeverEchoed) {
  const std::string what = "account[0].password must be 1..24 printable ASCII characters";
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\npassword = \"\"\n"), "v.toml:3:12: " + what);
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\npassword = \"s3cret-s3cret-s3cret-s3cr\"\n"), "v.toml:3:12: " + what);
  EXPECT_EQ(error_of("[[account]]\nname = \"a\"\npassword = \"s3cret\\n\"\n"), "v.toml:3:12: " + what);
}

// ---- load() ----------------------------------------------------------------------

TEST(VenueConfigLoad, MissingFile) {
  auto r = load("/nonexistent/venue.toml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_EQ(std::get<ConfigError>(r).what, "cannot read /nonexistent/venue.toml: No such file or directory");
}

TEST(VenueConfigLoad, Directory) {
  const std::string dir = testing::TempDir();
  auto r = load(dir);
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_EQ(std::get<ConfigError>(r).what, "cannot read " + dir + ": Is a directory");
}

TEST(VenueConfigLoad, ErrorsNameThePath) {
  const std::string path = testing::TempDir() + "rialto_config_test_" + std::to_string(getpid()) + ".toml";
  {
    std::ofstream out(path, std::ios::binary);
    out << "[matching]\nshards = 0\n";
  }
  auto r = load(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_EQ(std::get<ConfigError>(r).what, path + ":2:10: matching.shards: 0 is out of range (1..64)");
}

}  // namespace
}  // namespace rialto::config
