// `rialto client`: the order-entry client. With --script it runs a scenario
// script against a venue and prints what `rialto script` prints for it; with
// no --script it reads scenario lines typed by the user and prints every
// execution report as it arrives.
#pragma once

#include <CLI/CLI.hpp>

namespace rialto::app {

/// Adds the `client` subcommand and its options to `app`.
CLI::App* add_client_command(CLI::App& app);

/// Runs it with the parsed options; returns the exit status.
int run_client_command();

}  // namespace rialto::app
