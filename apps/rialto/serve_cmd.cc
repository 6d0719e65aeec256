#include "serve_cmd.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <variant>

#include "rialto/config/venue_config.h"
#include "rialto/server/replay.h"
#include "rialto/server/server.h"

namespace rialto::app {

namespace {

std::string g_config;
std::string g_listen;
std::string g_data_dir;
bool g_salvage = false;
std::string g_event_log;
std::string g_md_listen;
server::ReplayOptions g_replay;
std::string g_replay_config;

/// Sets host/port from a HOST:PORT flag when it was given; false after an
/// error message if it does not parse.
bool override_address(const char* flag, const std::string& value, const char* example, std::string& host,
                      uint16_t& port) {
  if (value.empty()) return true;
  auto hp = config::parse_host_port(value);
  if (!hp) {
    std::cerr << "rialto serve: " << flag << ' ' << value.substr(0, 40) << " is not HOST:PORT (e.g. " << example
              << "; port 0 picks a free one)\n";
    return false;
  }
  host = hp->first;
  port = hp->second;
  return true;
}

/// The venue of --config FILE, or the demo venue; nullopt after an error message.
std::optional<config::VenueConfig> venue_of(const std::string& path, const char* command) {
  if (path.empty()) return config::demo();
  auto loaded = config::load(path);
  if (auto* e = std::get_if<config::ConfigError>(&loaded)) {
    std::cerr << "rialto " << command << ": " << e->what << '\n';
    return std::nullopt;
  }
  return std::get<config::VenueConfig>(std::move(loaded));
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app) {
  CLI::App* serve = app.add_subcommand(
      "serve", "Run the exchange server (SBE order entry over TCP; docs/PROTOCOL.md). Stop with SIGINT or SIGTERM");
  serve->add_option("--config", g_config, "venue configuration (TOML, docs/CONFIG.md); default: the demo venue");
  serve->add_option("--listen", g_listen, "HOST:PORT to accept sessions on (overrides the configuration)");
  serve->add_option("--md-listen", g_md_listen,
                    "HOST:PORT of the market-data feed, ITCH 5.0 over SoupBinTCP (default 127.0.0.1:7002; overrides "
                    "the configuration; docs/MARKET_DATA.md)");
  serve->add_option("--data-dir", g_data_dir,
                    "journal and snapshots here; a restart with the same directory recovers (overrides the "
                    "configuration; docs/JOURNAL.md)");
  serve->add_flag("--salvage", g_salvage,
                  "recover past corruption in the middle of a journal by dropping everything from it on "
                  "(see RUNBOOK in docs/JOURNAL.md)");
  serve->add_option("--event-log", g_event_log,
                    "append every engine event each shard releases to FILE.shard-K, as `rialto replay` prints them");
  return serve;
}

int run_serve_command() {
  std::optional<config::VenueConfig> loaded = venue_of(g_config, "serve");
  if (!loaded) return 2;
  config::VenueConfig venue = std::move(*loaded);
  if (!override_address("--listen", g_listen, "127.0.0.1:7001", venue.listen_host, venue.listen_port) ||
      !override_address("--md-listen", g_md_listen, "127.0.0.1:7002", venue.md_listen_host, venue.md_listen_port)) {
    return 2;
  }
  if (!g_data_dir.empty()) venue.data_dir = g_data_dir;
  server::RunOptions options;
  options.log = &std::cerr;
  options.salvage = g_salvage;
  options.event_log = g_event_log;
  return server::serve(venue, options);
}

CLI::App* add_replay_command(CLI::App& app) {
  CLI::App* r = app.add_subcommand(
      "replay", "Re-run a journal through a fresh engine and print every event, or the output hash (docs/JOURNAL.md)");
  r->add_option("path", g_replay.path, "a data directory (--data-dir of rialto serve), a shard-K directory, or a journal file")
      ->required();
  r->add_option("--from-snapshot", g_replay.from_snapshot,
                "start from this snapshot file's state and replay only the records after it");
  r->add_flag("--hash", g_replay.hash_only, "print only each shard's line with its output hash (as the server logs it)");
  r->add_option("--config", g_replay_config,
                "the venue's configuration (its max_orders_per_shard and max_symbols_per_shard); default: the demo venue");
  return r;
}

int run_replay_command() {
  std::optional<config::VenueConfig> venue = venue_of(g_replay_config, "replay");
  if (!venue) return 2;
  g_replay.venue = std::move(*venue);
  return server::replay(g_replay, std::cout, std::cerr);
}

}  // namespace rialto::app
