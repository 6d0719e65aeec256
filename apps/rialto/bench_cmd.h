// `rialto bench`: the engine benchmarks of docs/PERFORMANCE.md (throughput per
// regime on realistic input, open-loop latency; `bench ids`, `bench soak`).
#pragma once

#include <CLI/CLI.hpp>

namespace rialto::app {

/// Adds the `bench` subcommand and its options to `app`.
CLI::App* add_bench_command(CLI::App& app);

/// Runs it with the parsed options; returns the exit status.
int run_bench_command();

}  // namespace rialto::app
