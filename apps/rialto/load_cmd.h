// `rialto load`: the open-loop load generator (rialto::loadgen) against a
// server, or against a TCP echo server as the floor (--echo, --echo-server).
#pragma once

namespace CLI {
class App;
}

namespace rialto::app {

/// Adds the `load` subcommand to `app`; returns it.
CLI::App* add_load_command(CLI::App& app);
/// Runs it after a successful parse; returns the exit status.
int run_load_command();

}  // namespace rialto::app
