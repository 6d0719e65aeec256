// Reads the venue configuration with toml++ (the Debian shared library, built
// with exceptions): toml::parse throws toml::parse_error, and the validation
// below throws Failure; parse() catches both, so nothing escapes this file.
#include "rialto/config/venue_config.h"

#include <toml++/toml.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <limits>
#include <map>

namespace rialto::config {

uint32_t VenueConfig::shard_for(std::string_view symbol) const {
  uint32_t h = 2166136261u;  // FNV-1a, 32 bits
  for (char c : symbol) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return shards == 0 ? 0 : h % shards;
}

namespace {

// Ranges (docs/CONFIG.md lists the same).
constexpr int64_t kMaxShards = 64;
constexpr int64_t kMaxOrdersPerShard = int64_t{1} << 31;  // EngineConfig::max_orders
// So the default max_qty needs no check against the engine's limit.
static_assert(int64_t{1'000'000'000} <= std::numeric_limits<int64_t>::max() / kMaxOrdersPerShard);
constexpr int64_t kMaxSymbolsPerShard = int64_t{1} << 16;
constexpr int64_t kMaxQueueCapacity = int64_t{1} << 24;
constexpr int64_t kMaxSessions = 1'000'000;
constexpr int64_t kMaxLiveOrders = int64_t{1} << 24;
constexpr int64_t kMaxRate = 1'000'000'000;
constexpr int64_t kMinOutbound = int64_t{1} << 16;
constexpr int64_t kMaxOutbound = int64_t{1} << 30;
constexpr int64_t kMinHeartbeatMs = 100;  // the protocol's Logon range
constexpr int64_t kMaxHeartbeatMs = 60000;
constexpr size_t kSymbolChars = 8;     // protocol::kSymbolSize
constexpr size_t kAccountChars = 16;   // protocol::kAccountSize
constexpr size_t kPasswordChars = 24;  // protocol::kPasswordSize
constexpr size_t kMaxShown = 32;       // bytes of a value echoed in a message

/// A value from the file as shown in a message: single-quoted, quotes and
/// backslashes escaped, bytes outside printable ASCII as \xNN, at most
/// kMaxShown bytes then "...".
std::string shown(std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(1, '\'');
  for (size_t i = 0; i < v.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out += '\'';
  if (v.size() > kMaxShown) out += "...";
  return out;
}

/// A text from toml++ (its parse error descriptions can quote input bytes):
/// bytes outside printable ASCII as \xNN, at most 200 bytes.
std::string sanitized(std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr size_t kMax = 200;
  std::string out;
  for (size_t i = 0; i < v.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (v.size() > kMax) out += "...";
  return out;
}

bool printable(std::string_view s, bool space_allowed) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < (space_allowed ? 0x20 : 0x21) || c > 0x7e) return false;
  }
  return true;
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

struct Failure {
  std::string what;
};

std::string range(int64_t lo, int64_t hi) { return "(" + std::to_string(lo) + ".." + std::to_string(hi) + ")"; }

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const toml::source_region& where, std::string_view message) const {
    throw Failure{at(where) + std::string(message)};
  }

  std::string at(const toml::source_region& where) const {
    std::string out(source_);
    if (where.begin.line != 0) {
      out += ':' + std::to_string(where.begin.line) + ':' + std::to_string(where.begin.column);
    }
    return out + ": ";
  }

  /// Fails on any key of `t` not in `known`; `where` names the table in the message.
  void only_keys(const toml::table& t, std::initializer_list<std::string_view> known, std::string_view where) const {
    for (auto&& [key, node] : t) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || key.str() == k;
      if (!ok) fail(key.source(), "unknown key " + shown(key.str()) + " in " + std::string(where));
    }
  }

  const toml::table* table(const toml::table& parent, std::string_view key) const {
    const toml::node* n = parent.get(key);
    if (n == nullptr) return nullptr;
    const toml::table* t = n->as_table();
    if (t == nullptr) {
      fail(n->source(),
           std::string(key) + " must be a table ([" + std::string(key) + "]), not " + std::string(type_name(*n)));
    }
    return t;
  }

  int64_t integer(const toml::node& n, const std::string& path, int64_t lo, int64_t hi,
                  std::string_view why = {}) const {
    const auto* v = n.as_integer();
    if (v == nullptr) fail(n.source(), path + " must be an integer, not " + std::string(type_name(n)));
    const int64_t x = v->get();
    if (x < lo || x > hi) {
      fail(n.source(), path + ": " + std::to_string(x) + " is out of range " + range(lo, hi) + std::string(why));
    }
    return x;
  }

  /// Sets `out` from `t[key]` when present.
  template <class T>
  void integer(const toml::table& t, std::string_view key, const std::string& prefix, int64_t lo, int64_t hi,
               T& out) const {
    if (const toml::node* n = t.get(key)) {
      out = static_cast<T>(integer(*n, prefix + std::string(key), lo, hi));
    }
  }

  const std::string& string(const toml::node& n, const std::string& path) const {
    const auto* v = n.as_string();
    if (v == nullptr) fail(n.source(), path + " must be a string, not " + std::string(type_name(n)));
    return v->get();
  }

  /// The required key `key` of `t`, the `what` at `where`.
  const toml::node& required(const toml::table& t, std::string_view key, const std::string& what) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) fail(t.source(), what + ": missing key " + shown(key));
    return *n;
  }

 private:
  std::string_view source_;
};

void read_server(const Reader& r, const toml::table& root, VenueConfig& c) {
  const toml::table* t = r.table(root, "server");
  if (t == nullptr) return;
  r.only_keys(*t, {"listen", "md_listen", "data_dir"}, "[server]");
  auto address = [&](std::string_view key, std::string& host, uint16_t& port) {
    if (const toml::node* n = t->get(key)) {
      const std::string path = "server." + std::string(key);
      const std::string& s = r.string(*n, path);
      auto hp = parse_host_port(s);
      if (!hp) {
        r.fail(n->source(),
               path + ": " + shown(s) + " is not HOST:PORT (a host name, IPv4 or [IPv6] address, port 0..65535)");
      }
      host = std::move(hp->first);
      port = hp->second;
    }
  };
  address("listen", c.listen_host, c.listen_port);
  address("md_listen", c.md_listen_host, c.md_listen_port);
  if (const toml::node* n = t->get("data_dir")) {
    const std::string& s = r.string(*n, "server.data_dir");
    if (s.empty() || s.size() > 4096 || s.find('\0') != std::string::npos) {
      r.fail(n->source(), "server.data_dir: " + shown(s) + " is not a directory path (1..4096 bytes)");
    }
    c.data_dir = s;
  }
}

void read_journal(const Reader& r, const toml::table& root, VenueConfig& c) {
  const toml::table* t = r.table(root, "journal");
  if (t == nullptr) return;
  r.only_keys(*t, {"policy", "group_commit_us", "segment_mb", "snapshot_every"}, "[journal]");
  if (const toml::node* n = t->get("policy")) {
    const std::string& s = r.string(*n, "journal.policy");
    if (s == "fsync") {
      c.journal.policy = JournalPolicy::fsync;
    } else if (s == "async") {
      c.journal.policy = JournalPolicy::async;
    } else if (s == "none") {
      c.journal.policy = JournalPolicy::none;
    } else {
      r.fail(n->source(), "journal.policy: " + shown(s) + " is not one of \"fsync\", \"async\", \"none\"");
    }
  }
  const std::string p = "journal.";
  r.integer(*t, "group_commit_us", p, 1, 1000000, c.journal.group_commit_us);
  r.integer(*t, "segment_mb", p, 1, 65536, c.journal.segment_mb);
  r.integer(*t, "snapshot_every", p, 0, int64_t{1} << 40, c.journal.snapshot_every);
}

void read_matching(const Reader& r, const toml::table& root, VenueConfig& c) {
  const toml::table* t = r.table(root, "matching");
  if (t == nullptr) return;
  r.only_keys(*t, {"shards", "max_orders_per_shard", "max_symbols_per_shard", "queue_capacity"}, "[matching]");
  const std::string p = "matching.";
  r.integer(*t, "shards", p, 1, kMaxShards, c.shards);
  r.integer(*t, "max_orders_per_shard", p, 1, kMaxOrdersPerShard, c.max_orders_per_shard);
  r.integer(*t, "max_symbols_per_shard", p, 1, kMaxSymbolsPerShard, c.max_symbols_per_shard);
  r.integer(*t, "queue_capacity", p, 2, kMaxQueueCapacity, c.queue_capacity);
}

void read_limits(const Reader& r, const toml::table& root, VenueConfig& c) {
  const toml::table* t = r.table(root, "limits");
  if (t == nullptr) return;
  r.only_keys(*t,
              {"max_sessions", "max_live_orders", "rate_per_second", "burst", "outbound_buffer_bytes",
               "heartbeat_min_ms", "heartbeat_max_ms"},
              "[limits]");
  const std::string p = "limits.";
  Limits& l = c.limits;
  r.integer(*t, "max_sessions", p, 1, kMaxSessions, l.max_sessions);
  r.integer(*t, "max_live_orders", p, 1, kMaxLiveOrders, l.max_live_orders);
  r.integer(*t, "rate_per_second", p, 1, kMaxRate, l.rate_per_second);
  r.integer(*t, "burst", p, 1, kMaxRate, l.burst);
  r.integer(*t, "outbound_buffer_bytes", p, kMinOutbound, kMaxOutbound, l.outbound_buffer_bytes);
  r.integer(*t, "heartbeat_min_ms", p, kMinHeartbeatMs, kMaxHeartbeatMs, l.heartbeat_min_ms);
  r.integer(*t, "heartbeat_max_ms", p, kMinHeartbeatMs, kMaxHeartbeatMs, l.heartbeat_max_ms);
  if (l.heartbeat_min_ms > l.heartbeat_max_ms) {
    r.fail(t->get("heartbeat_min_ms") != nullptr ? t->get("heartbeat_min_ms")->source() : t->source(),
           "limits.heartbeat_min_ms (" + std::to_string(l.heartbeat_min_ms) +
               ") is greater than limits.heartbeat_max_ms (" + std::to_string(l.heartbeat_max_ms) + ")");
  }
}

/// The tables of `[[key]]`, or nothing.
const toml::array* array_of_tables(const Reader& r, const toml::table& root, std::string_view key) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return nullptr;
  const toml::array* a = n->as_array();
  const std::string k(key);
  if (a == nullptr) {
    r.fail(n->source(), k + " must be an array of tables ([[" + k + "]]), not " + std::string(type_name(*n)));
  }
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    if (!e.is_table()) {
      r.fail(e.source(), k + " must be an array of tables ([[" + k + "]]); " + k + "[" + std::to_string(i) + "] is " +
                             std::string(type_name(e)));
    }
  }
  return a;
}

void read_symbols(const Reader& r, const toml::table& root, VenueConfig& c) {
  const toml::array* a = array_of_tables(r, root, "symbol");
  if (a == nullptr) return;
  // The engine's Engine::max_qty_limit(max_orders): sums of max_orders quantities fit int64.
  const int64_t max_qty_limit = std::numeric_limits<int64_t>::max() / c.max_orders_per_shard;
  std::map<std::string, uint32_t, std::less<>> lines;  // name -> line of its definition
  std::vector<uint32_t> per_shard(c.shards, 0);
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::table& t = *a->get(i)->as_table();
    const std::string p = "symbol[" + std::to_string(i) + "]";
    r.only_keys(t, {"name", "tick", "lot", "max_qty", "shard"}, "[[symbol]]");
    Symbol s;

    const toml::node& name = r.required(t, "name", p);
    s.name = r.string(name, p + ".name");
    if (s.name.empty() || s.name.size() > kSymbolChars || !printable(s.name, false)) {
      r.fail(name.source(), p + ".name: " + shown(s.name) + " must be 1..8 printable ASCII characters without spaces");
    }
    if (auto it = lines.find(s.name); it != lines.end()) {
      r.fail(name.source(),
             p + ".name: " + shown(s.name) + " is already defined at line " + std::to_string(it->second));
    }
    lines.emplace(s.name, name.source().begin.line);

    const toml::node& tick = r.required(t, "tick", p);
    if (tick.is_floating_point() || tick.is_integer()) {
      r.fail(tick.source(), p + ".tick must be a quoted decimal, e.g. tick = \"0.01\" (floats are not exact), not " +
                                std::string(type_name(tick)));
    }
    const std::string& text = r.string(tick, p + ".tick");
    auto parsed = parse_tick(text);
    if (!parsed) {
      r.fail(tick.source(), p + ".tick: " + shown(text) +
                                " is not a tick (a decimal > 0, at most 18 decimals, mantissa at most 10^18)");
    }
    s.tick = *parsed;

    if (const toml::node* n = t.get("lot")) {
      s.lot = r.integer(*n, p + ".lot", 1, std::numeric_limits<int64_t>::max());
    }
    if (const toml::node* n = t.get("max_qty")) {
      s.max_qty = r.integer(*n, p + ".max_qty", 1, max_qty_limit,
                            " (max_qty x matching.max_orders_per_shard must fit 64 bits)");
    }
    if (const toml::node* n = t.get("shard")) {
      s.shard = static_cast<uint32_t>(r.integer(*n, p + ".shard", 0, int64_t{c.shards} - 1,
                                                " (matching.shards is " + std::to_string(c.shards) + ")"));
    } else {
      s.shard = c.shard_for(s.name);
    }
    if (++per_shard[s.shard] > c.max_symbols_per_shard) {
      r.fail(t.source(), p + ": shard " + std::to_string(s.shard) + " would hold more than " +
                             "matching.max_symbols_per_shard (" + std::to_string(c.max_symbols_per_shard) +
                             ") symbols");
    }
    c.symbols.push_back(std::move(s));
  }
}

void read_accounts(const Reader& r, const toml::table& root, VenueConfig& c) {
  const toml::array* a = array_of_tables(r, root, "account");
  if (a == nullptr) return;
  std::map<std::string, uint32_t, std::less<>> lines;
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::table& t = *a->get(i)->as_table();
    const std::string p = "account[" + std::to_string(i) + "]";
    r.only_keys(t, {"name", "password", "admin"}, "[[account]]");
    Account acct;

    const toml::node& name = r.required(t, "name", p);
    acct.name = r.string(name, p + ".name");
    if (acct.name.empty() || acct.name.size() > kAccountChars || !printable(acct.name, true)) {
      r.fail(name.source(), p + ".name: " + shown(acct.name) + " must be 1..16 printable ASCII characters");
    }
    if (auto it = lines.find(acct.name); it != lines.end()) {
      r.fail(name.source(),
             p + ".name: " + shown(acct.name) + " is already defined at line " + std::to_string(it->second));
    }
    lines.emplace(acct.name, name.source().begin.line);

    // Never echoed: the message names the rule only.
    const toml::node& password = r.required(t, "password", p);
    acct.password = r.string(password, p + ".password");
    if (acct.password.empty() || acct.password.size() > kPasswordChars || !printable(acct.password, true)) {
      r.fail(password.source(), p + ".password must be 1..24 printable ASCII characters");
    }

    if (const toml::node* n = t.get("admin")) {
      const auto* b = n->as_boolean();
      if (b == nullptr) {
        r.fail(n->source(), p + ".admin must be a boolean, not " + std::string(type_name(*n)));
      }
      acct.admin = b->get();
    }
    c.accounts.push_back(std::move(acct));
  }
}

VenueConfig read(const Reader& r, const toml::table& root) {
  for (auto&& [key, node] : root) {
    const std::string_view k = key.str();
    if (k != "server" && k != "journal" && k != "matching" && k != "limits" && k != "symbol" && k != "account") {
      r.fail(key.source(), "unknown table or key " + shown(k) +
                               " (known: [server], [journal], [matching], [limits], [[symbol]], [[account]])");
    }
  }
  VenueConfig c;
  read_server(r, root, c);
  read_journal(r, root, c);
  read_matching(r, root, c);  // before the symbols: their shards and max_qty depend on it
  read_limits(r, root, c);
  read_symbols(r, root, c);
  read_accounts(r, root, c);
  return c;
}

}  // namespace

std::variant<VenueConfig, ConfigError> parse(std::string_view toml_text, std::string_view source_name) {
  const Reader r(source_name);
  try {
    const toml::table root = toml::parse(toml_text, source_name);
    return read(r, root);
  } catch (const toml::parse_error& e) {
    return ConfigError{r.at(e.source()) + sanitized(e.description())};
  } catch (const Failure& f) {
    return ConfigError{f.what};
  } catch (const std::exception& e) {  // std::bad_alloc
    return ConfigError{std::string(source_name) + ": " + e.what()};
  }
}

std::variant<VenueConfig, ConfigError> load(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ConfigError{"cannot read " + path + ": " + std::strerror(errno)};
  std::string text;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const int err = errno;
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return ConfigError{"cannot read " + path + ": " + std::strerror(err)};
  return parse(text, path);
}

VenueConfig demo() {
  auto parsed = parse(demo_text(), "<demo>");
  if (auto* err = std::get_if<ConfigError>(&parsed)) {
    std::fprintf(stderr, "rialto: the embedded demo configuration is invalid: %s\n", err->what.c_str());
    std::abort();  // a build defect: tests/config checks it
  }
  return std::get<VenueConfig>(std::move(parsed));
}

std::optional<std::pair<std::string, uint16_t>> parse_host_port(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = s.substr(0, colon);
  const std::string_view port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5) return std::nullopt;
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p > 65535) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.empty() || host.size() > 45) return std::nullopt;
    for (char c : host) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return std::nullopt;
    }
  } else {
    if (host.empty() || host.size() > 253) return std::nullopt;
    for (char c : host) {
      const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alnum && c != '.' && c != '-') return std::nullopt;
    }
  }
  return std::pair<std::string, uint16_t>{std::string(host), static_cast<uint16_t>(p)};
}

}  // namespace rialto::config
