// `rialto serve`: the exchange server (rialto::server).
#pragma once

namespace CLI {
class App;
}

namespace rialto::app {

/// Adds the `serve` subcommand to `app`; returns it.
CLI::App* add_serve_command(CLI::App& app);
/// Runs it after a successful parse; returns the exit status.
int run_serve_command();

/// Adds the `replay` subcommand (re-run a journal; rialto/server/replay.h).
CLI::App* add_replay_command(CLI::App& app);
int run_replay_command();

}  // namespace rialto::app
