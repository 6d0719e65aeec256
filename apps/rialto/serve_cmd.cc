#include "serve_cmd.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <variant>

#include "rialto/config/venue_config.h"
#include "rialto/server/server.h"

namespace rialto::app {

namespace {

std::string g_config;
std::string g_listen;

}  // namespace

CLI::App* add_serve_command(CLI::App& app) {
  CLI::App* serve = app.add_subcommand(
      "serve", "Run the exchange server (SBE order entry over TCP; docs/PROTOCOL.md). Stop with SIGINT or SIGTERM");
  serve->add_option("--config", g_config, "venue configuration (TOML, docs/CONFIG.md); default: the demo venue");
  serve->add_option("--listen", g_listen, "HOST:PORT to accept sessions on (overrides the configuration)");
  return serve;
}

int run_serve_command() {
  config::VenueConfig venue;
  if (g_config.empty()) {
    venue = config::demo();
  } else {
    auto loaded = config::load(g_config);
    if (auto* e = std::get_if<config::ConfigError>(&loaded)) {
      std::cerr << "rialto serve: " << e->what << '\n';
      return 2;
    }
    venue = std::get<config::VenueConfig>(std::move(loaded));
  }
  if (!g_listen.empty()) {
    auto hp = config::parse_host_port(g_listen);
    if (!hp) {
      std::cerr << "rialto serve: --listen " << g_listen.substr(0, 40)
                << " is not HOST:PORT (e.g. 127.0.0.1:7001; port 0 picks a free one)\n";
      return 2;
    }
    venue.listen_host = hp->first;
    venue.listen_port = hp->second;
  }
  server::RunOptions options;
  options.log = &std::cerr;
  return server::serve(venue, options);
}

}  // namespace rialto::app
