// The venue configuration of `rialto serve`: listen address, matching shards,
// symbols, accounts and per-session limits, read from a TOML file. An edge
// adapter: parse() and load() never throw; every problem is a ConfigError
// naming the file, line, column and key. File layout, every key, its default
// and its range: docs/CONFIG.md. The embedded default is config/demo.toml.
//
// Thread safety: a VenueConfig is a plain value; the functions keep no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rialto/core/decimal.h"

namespace rialto::config {

/// A symbol defined at start-up ([[symbol]]).
struct Symbol {
  std::string name;  // 1..8 printable ASCII characters, no space
  TickSize tick;     // from a quoted decimal (tick = "0.01"), exact
  int64_t lot = 1;
  int64_t max_qty = 1'000'000'000;  // 1..INT64_MAX / max_orders_per_shard (the engine's limit)
  uint32_t shard = 0;               // explicit, or VenueConfig::shard_for(name)
  friend bool operator==(const Symbol&, const Symbol&) = default;
};

/// An account allowed to log on ([[account]]).
struct Account {
  std::string name;      // 1..16 printable ASCII characters (space included)
  std::string password;  // 1..24 printable ASCII characters (the Logon field)
  bool admin = false;    // may add instruments and expire day orders
  friend bool operator==(const Account&, const Account&) = default;
};

/// [limits]: per session unless said.
struct Limits {
  uint32_t max_sessions = 1024;               // whole server
  uint32_t max_live_orders = 65536;           // per session (the gateway's order table)
  uint32_t rate_per_second = 200000;          // token bucket refill, application messages
  uint32_t burst = 20000;                     // token bucket size
  uint32_t outbound_buffer_bytes = 4u << 20;  // slow-consumer bound
  uint32_t heartbeat_min_ms = 100;            // Logon heartbeat_ms accepted: min..max
  uint32_t heartbeat_max_ms = 60000;
  friend bool operator==(const Limits&, const Limits&) = default;
};

/// [journal]: durability of a venue with a data directory (docs/JOURNAL.md).
enum class JournalPolicy : uint8_t {
  fsync,  // group commit: results leave once their inputs are fdatasync'ed
  async,  // results leave once their inputs are written (page cache), not synced
  none,   // nothing journaled; snapshots at clean shutdown only
};

struct Journal {
  JournalPolicy policy = JournalPolicy::fsync;
  uint32_t group_commit_us = 200;    // latency budget: a batch waiting longer behind the sync in flight counts as late
  uint32_t segment_mb = 64;          // journal files roll at this size
  uint64_t snapshot_every = 1000000;  // journaled inputs between snapshots (0: only at clean shutdown)
  friend bool operator==(const Journal&, const Journal&) = default;
};

struct VenueConfig {
  std::string listen_host = "127.0.0.1";  // [server] listen = "HOST:PORT"
  uint16_t listen_port = 7001;
  std::string md_listen_host = "127.0.0.1";  // [server] md_listen = "HOST:PORT": the market-data feed
  uint16_t md_listen_port = 7002;
  std::string data_dir;  // [server] data_dir: journal and snapshots; empty: in memory
  Journal journal;
  uint32_t shards = 1;                       // [matching]: matching threads
  uint32_t max_orders_per_shard = 1u << 20;  // EngineConfig::max_orders
  uint32_t max_symbols_per_shard = 4096;     // EngineConfig::max_symbols
  uint32_t queue_capacity = 65536;           // per inter-thread queue, in messages
  std::vector<Symbol> symbols;               // in file order; every shard < shards
  std::vector<Account> accounts;             // in file order; empty: demo venue
  Limits limits;

  /// Demo venue: no accounts configured, so any account name and password may
  /// log on and every session is admin.
  [[nodiscard]] bool demo() const { return accounts.empty(); }

  /// The shard of a symbol without an explicit `shard` (in the file, or added at
  /// run time by AddInstrument): the 32-bit FNV-1a hash of the name's bytes
  /// modulo `shards`.
  [[nodiscard]] uint32_t shard_for(std::string_view symbol) const;

  friend bool operator==(const VenueConfig&, const VenueConfig&) = default;
};

/// What is wrong, as one line: "FILE:LINE:COL: message", or "FILE: message"
/// when there is no position. Values from the file are quoted, escaped and
/// truncated; passwords are never echoed.
struct ConfigError {
  std::string what;
};

/// Parses and validates a TOML text; `source_name` names it in errors.
[[nodiscard]] std::variant<VenueConfig, ConfigError> parse(std::string_view toml_text, std::string_view source_name);

/// Reads and parses a file. A file that cannot be read: "cannot read PATH: <strerror>".
[[nodiscard]] std::variant<VenueConfig, ConfigError> load(const std::string& path);

/// The embedded default venue: parse() of demo_text().
[[nodiscard]] VenueConfig demo();

/// The embedded default's TOML text, byte for byte config/demo.toml.
[[nodiscard]] std::string_view demo_text();

/// "HOST:PORT" (as for --listen): HOST is a name or IPv4 address (letters,
/// digits, '.', '-', 1..253 characters) or a bracketed IPv6 address
/// ("[::1]:7001", returned without brackets); PORT is 0..65535 in decimal
/// (0: the system picks a free port; the server logs the one it bound).
[[nodiscard]] std::optional<std::pair<std::string, uint16_t>> parse_host_port(std::string_view s);

}  // namespace rialto::config
